//! Workspace API keys for the REST API: listed, created (the full key returned once) and
//! revoked by owners and admins.

use crate::error::AppError;
use domain::api_keys::{ApiKeyView, CreatedKey};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

/// The workspace's keys, without secrets: name, shown prefix, creator, last use, revocation.
#[server(prefix = "/api", endpoint = "list_api_keys")]
pub async fn list_api_keys(workspace: String) -> Result<Vec<ApiKeyView>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::api_keys::list(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Creates a key; the response is the only time the full key is ever shown.
#[server(prefix = "/api", endpoint = "create_api_key")]
pub async fn create_api_key(workspace: String, name: String) -> Result<CreatedKey, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::api_keys::create(&engine, &access(&engine, me, &workspace).await?, &name).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(workspace: String, key: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let id = key.parse().map_err(|_| AppError::not_found("API key"))?;
        let engine = engine()?;
        Ok(engine::flows::api_keys::revoke(&engine, &access(&engine, me, &workspace).await?, id).await?)
    })
    .await
}
