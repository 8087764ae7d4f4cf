//! Sign up, log in, log out, who am I.

use crate::error::AppError;
use domain::account::CurrentUser;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

/// Only same-site relative paths may be used as a post-login destination (no open redirect).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.contains("://") => n.to_string(),
        _ => "/".to_string(),
    }
}

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(name: String, email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    respond(async {
        let engine = engine()?;
        let id = engine::flows::accounts::sign_up(&engine, engine::flows::accounts::SignUp { name: &name, email: &email, password: &password }).await?;
        start_session(id).await?;
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    respond(async {
        let engine = engine()?;
        let id = engine::auth::login(&engine, &email, &password, &client_ip()).await?;
        start_session(id).await?;
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
async fn start_session(id: domain::ids::UserId) -> Result<(), AppError> {
    let s = session().await?;
    // A new id at log-in defeats session fixation.
    s.cycle_id().await.map_err(|e| AppError::new(500, e.to_string()))?;
    s.insert(USER_KEY, id).await.map_err(|e| AppError::new(500, e.to_string()))?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    respond(async {
        let s = session().await?;
        s.flush().await.map_err(|e| AppError::new(500, e.to_string()))?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The logged-in user, or `None` for a visitor.
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    respond(async {
        match user().await {
            Ok(id) => Ok(engine::store::users::get(&engine()?.pool, id).await?),
            Err(e) if e.is_unauthenticated() => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

/// Where `/` should take this person: log-in, their last workspace, or creating one.
#[server(prefix = "/api", endpoint = "landing")]
pub async fn landing() -> Result<String, AppError> {
    respond(async {
        let id = match user().await {
            Ok(id) => id,
            Err(e) if e.is_unauthenticated() => return Ok("/login".to_string()),
            Err(e) => return Err(e),
        };
        let engine = engine()?;
        let list = engine::store::workspaces::list_for_user(&engine.pool, id).await?;
        let last = engine::store::users::last_workspace(&engine.pool, id).await?;
        let pick = last.and_then(|l| list.iter().find(|w| w.id == l)).or(list.first());
        Ok(match pick {
            Some(w) => format!("/w/{}", w.id),
            None => "/workspaces/new".to_string(),
        })
    })
    .await
}
