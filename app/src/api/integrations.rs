//! Provider keys of a workspace: listed (provider, last four characters, dates — never a key),
//! set or replaced, removed, and tested with one cheap real call. Owners and admins only.

use crate::error::AppError;
use domain::integrations::{ConnectionTest, IntegrationView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[server(prefix = "/api", endpoint = "list_integrations")]
pub async fn list_integrations(workspace: String) -> Result<Vec<IntegrationView>, AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::integrations::list(&engine()?, me, workspace_id(&workspace)?).await?)
    })
    .await
}

/// Sets or replaces a key. `extra` is Clay's optional table auth token.
#[server(prefix = "/api", endpoint = "set_provider_key")]
pub async fn set_provider_key(workspace: String, provider: String, key: String, extra: Option<String>) -> Result<IntegrationView, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        Ok(engine::flows::integrations::set_key(&engine()?, me, ws, &provider, &key, extra.as_deref()).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_provider_key")]
pub async fn remove_provider_key(workspace: String, provider: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::integrations::remove_key(&engine()?, me, workspace_id(&workspace)?, &provider).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "test_provider_key")]
pub async fn test_provider_key(workspace: String, provider: String) -> Result<ConnectionTest, AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::integrations::test_connection(&engine()?, me, workspace_id(&workspace)?, &provider).await?)
    })
    .await
}
