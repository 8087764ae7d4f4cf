//! The operator's console: every workspace, and the platform-wide emergency stop. Anyone who is
//! not an operator — logged in or not — is told there is nothing here (404).

use crate::error::AppError;
use domain::plans::OpsOverview;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

/// The operator, or 404 for everyone else (never 401: the console is not advertised).
#[cfg(feature = "ssr")]
async fn operator() -> Result<(engine::Engine, domain::ids::UserId), AppError> {
    let me = user().await.map_err(|e| if e.is_unauthenticated() { AppError::not_found("page") } else { e })?;
    let engine = engine()?;
    engine::flows::ops::require_operator(&engine, me).await?;
    Ok((engine, me))
}

#[server(prefix = "/api", endpoint = "ops_overview")]
pub async fn load_ops() -> Result<OpsOverview, AppError> {
    respond(async {
        let (engine, me) = operator().await?;
        Ok(engine::flows::ops::overview(&engine, me).await?)
    })
    .await
}

/// Turns the platform-wide stop on (with a reason) or off; returns whether it is on.
#[server(prefix = "/api", endpoint = "ops_emergency_stop")]
pub async fn ops_emergency_stop(on: bool, #[server(default)] reason: String) -> Result<bool, AppError> {
    respond(async {
        let (engine, me) = operator().await?;
        Ok(engine::flows::ops::emergency_stop(&engine, me, on, Some(reason.as_str())).await?.0)
    })
    .await
}
