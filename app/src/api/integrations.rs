//! Provider keys of a workspace: listed (provider, last four characters, dates — never a key),
//! set or replaced, removed, and tested with one cheap real call; webhook URL tokens rotated; the
//! booking webhooks (Cal.com, Calendly) with their signing secrets. Owners and admins only.

use crate::error::AppError;
use domain::integrations::{BookingWebhookView, ConnectionTest, IntegrationView};
use domain::notify::NotificationSettings;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[server(prefix = "/api", endpoint = "list_integrations")]
pub async fn list_integrations(workspace: String) -> Result<Vec<IntegrationView>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::integrations::list(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Sets or replaces a key. `extra` is Clay's optional table auth token.
#[server(prefix = "/api", endpoint = "set_provider_key")]
pub async fn set_provider_key(workspace: String, provider: String, key: String, extra: Option<String>) -> Result<IntegrationView, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        Ok(engine::flows::integrations::set_key(&engine, &engine::auth::Access::resolve(&engine, me, ws).await?, &provider, &key, extra.as_deref()).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_provider_key")]
pub async fn remove_provider_key(workspace: String, provider: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::integrations::remove_key(&engine, &access(&engine, me, &workspace).await?, &provider).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "test_provider_key")]
pub async fn test_provider_key(workspace: String, provider: String) -> Result<ConnectionTest, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::integrations::test_connection(&engine, &access(&engine, me, &workspace).await?, &provider).await?)
    })
    .await
}

/// Makes a new webhook URL token for Clay, Instantly or Smartlead: the old URL stops working.
#[server(prefix = "/api", endpoint = "rotate_webhook_token")]
pub async fn rotate_webhook_token(workspace: String, provider: String) -> Result<IntegrationView, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::integrations::rotate_webhook_token(&engine, &access(&engine, me, &workspace).await?, &provider).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "list_booking_webhooks")]
pub async fn list_booking_webhooks(workspace: String) -> Result<Vec<BookingWebhookView>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::bookings::views(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Makes the signing secret of a booking webhook, or replaces it: the old one stops verifying.
#[server(prefix = "/api", endpoint = "rotate_booking_secret")]
pub async fn rotate_booking_secret(workspace: String, provider: String) -> Result<BookingWebhookView, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::bookings::rotate_secret(&engine, &access(&engine, me, &workspace).await?, &provider).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_notification_settings")]
pub async fn get_notification_settings(workspace: String) -> Result<NotificationSettings, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::notify::settings(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_slack_webhook")]
pub async fn set_slack_webhook(workspace: String, url: String) -> Result<NotificationSettings, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::notify::set_slack(&engine, &access(&engine, me, &workspace).await?, &url).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_slack_webhook")]
pub async fn remove_slack_webhook(workspace: String) -> Result<NotificationSettings, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::notify::remove_slack(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "test_slack_webhook")]
pub async fn test_slack_webhook(workspace: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::notify::test_slack(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_email_owners")]
pub async fn set_email_owners(workspace: String, on: bool) -> Result<NotificationSettings, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::notify::set_email_owners(&engine, &access(&engine, me, &workspace).await?, on).await?)
    })
    .await
}
