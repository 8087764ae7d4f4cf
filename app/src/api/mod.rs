//! Server functions: each resolves the caller's `engine::auth::Access` once, calls one `engine`
//! function with it and returns `domain` types.

pub mod activity;
pub mod alerts;
pub mod api_keys;
pub mod approvals;
pub mod auth;
pub mod billing;
pub mod campaigns;
pub mod dashboard;
pub mod digests;
pub mod icp;
pub mod inbox;
pub mod integrations;
pub mod leads;
pub mod mailboxes;
pub mod onboarding;
pub mod ops;
pub mod reports;
pub mod sending;
pub mod suppression;
pub mod webhooks;
pub mod workspaces;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use crate::error::AppError;
    use domain::ids::{UserId, WorkspaceId};
    use engine::Engine;
    use leptos::prelude::*;
    use tower_sessions::Session;

    pub const USER_KEY: &str = "user_id";

    pub fn engine() -> Result<Engine, AppError> {
        use_context::<Engine>().ok_or_else(|| AppError::new(500, "engine missing from context"))
    }

    pub async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::new(500, "Something went wrong on our side. Please try again.")
        })
    }

    /// Sets the response status for an error and passes it on: the one place errors meet HTTP.
    pub fn fail<T>(e: impl Into<AppError>) -> Result<T, AppError> {
        let e = e.into();
        if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(code) = http::StatusCode::from_u16(e.status) {
                opts.set_status(code);
            }
        }
        Err(e)
    }

    /// Runs a server function body and maps its error to a status.
    pub async fn respond<T>(fut: impl std::future::Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        match fut.await {
            Ok(v) => Ok(v),
            Err(e) => fail(e),
        }
    }

    /// The logged-in user, or 401.
    pub async fn user() -> Result<UserId, AppError> {
        let s = session().await?;
        let id: Option<UserId> = s.get(USER_KEY).await.map_err(|e| {
            tracing::error!(error = %e, "reading session");
            AppError::new(500, "Something went wrong on our side. Please try again.")
        })?;
        let id = id.ok_or_else(|| AppError::new(401, "Please log in"))?;
        // A deleted account's old session is worth nothing.
        match engine::store::users::get(engine()?.owner_pool(), id).await? {
            Some(_) => Ok(id),
            None => Err(AppError::new(401, "Please log in")),
        }
    }

    /// Parses a workspace id from a URL; a malformed id is simply not found.
    pub fn workspace_id(raw: &str) -> Result<WorkspaceId, AppError> {
        raw.parse().map_err(|_| AppError::not_found("workspace"))
    }

    /// The caller's standing in the workspace named in the URL, resolved once for the request
    /// (membership → role; `NotFound` for a non-member): the one value the engine's flows take,
    /// which check their action on it without another lookup (`engine::auth::Access`).
    pub async fn access(engine: &Engine, me: UserId, workspace: &str) -> Result<engine::auth::Access, AppError> {
        Ok(engine::auth::Access::resolve(engine, me, workspace_id(workspace)?).await?)
    }

    pub fn client_ip() -> String {
        use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::ClientIp>().cloned())
            .map(|c| c.0)
            .unwrap_or_else(|| "unknown".into())
    }
}
