//! Outbound webhook endpoints of a workspace (Settings → Integrations): listed with their recent
//! deliveries, added (the secret returned once), switched on or off, deleted, their secret
//! rotated, and a test event sent. Owners and admins only (the engine authorises).

use crate::error::AppError;
use domain::webhooks::{DeliveryView, EndpointView, NewSecret};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[cfg(feature = "ssr")]
fn endpoint_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.parse().map_err(|_| AppError::not_found("webhook endpoint"))
}

#[server(prefix = "/api", endpoint = "list_webhook_endpoints")]
pub async fn list_webhook_endpoints(workspace: String) -> Result<Vec<EndpointView>, AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::outbound_webhooks::list(&engine()?, me, workspace_id(&workspace)?).await?)
    })
    .await
}

/// `events` is a comma-separated list of event types (`lead.replied,meeting.booked`).
#[server(prefix = "/api", endpoint = "create_webhook_endpoint")]
pub async fn create_webhook_endpoint(workspace: String, url: String, events: String) -> Result<NewSecret, AppError> {
    respond(async {
        let me = user().await?;
        let events: Vec<String> = events.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        Ok(engine::flows::outbound_webhooks::create(&engine()?, me, workspace_id(&workspace)?, &url, &events).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_webhook_endpoint_enabled")]
pub async fn set_webhook_endpoint_enabled(workspace: String, endpoint: String, enabled: bool) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::outbound_webhooks::set_enabled(&engine()?, me, workspace_id(&workspace)?, endpoint_id(&endpoint)?, enabled).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "delete_webhook_endpoint")]
pub async fn delete_webhook_endpoint(workspace: String, endpoint: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::outbound_webhooks::delete(&engine()?, me, workspace_id(&workspace)?, endpoint_id(&endpoint)?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "rotate_webhook_endpoint_secret")]
pub async fn rotate_webhook_endpoint_secret(workspace: String, endpoint: String) -> Result<NewSecret, AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::outbound_webhooks::rotate_secret(&engine()?, me, workspace_id(&workspace)?, endpoint_id(&endpoint)?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "send_webhook_test")]
pub async fn send_webhook_test(workspace: String, endpoint: String) -> Result<DeliveryView, AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::flows::outbound_webhooks::send_test(&engine()?, me, workspace_id(&workspace)?, endpoint_id(&endpoint)?).await?)
    })
    .await
}
