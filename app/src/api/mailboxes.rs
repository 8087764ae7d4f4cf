//! Native mailboxes of a workspace: listed with today's usage (never a secret), added, tested,
//! capped, given a DKIM key, paused, resumed and removed. Owners and admins only.

use crate::error::AppError;
use domain::integrations::ConnectionTest;
use domain::sending::{DkimRecord, MailboxInfo};
#[cfg(feature = "ssr")]
use domain::sending::{MailboxForm, SendLimits};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[cfg(feature = "ssr")]
fn mailbox_id(raw: &str) -> Result<domain::ids::MailboxId, AppError> {
    raw.parse().map_err(|_| AppError::not_found("mailbox"))
}

#[server(prefix = "/api", endpoint = "list_mailboxes")]
pub async fn list_mailboxes(workspace: String) -> Result<Vec<MailboxInfo>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::mailboxes::list(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Adds a mailbox: `kind` smtp (default) with its SMTP and optional IMAP settings, or
/// instantly / smartlead with the provider's campaign id. Fields of the other kind are ignored.
#[allow(clippy::too_many_arguments)]
#[server(prefix = "/api", endpoint = "add_mailbox")]
pub async fn add_mailbox(
    workspace: String,
    address: String,
    display_name: String,
    kind: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<String>,
    smtp_security: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    imap_host: Option<String>,
    imap_port: Option<String>,
    imap_security: Option<String>,
    provider_campaign: Option<String>,
    daily_cap: i32,
    ramp_start: i32,
    ramp_step: i32,
) -> Result<MailboxInfo, AppError> {
    respond(async {
        let me = user().await?;
        let form = MailboxForm {
            kind: kind.unwrap_or_default(),
            address,
            display_name,
            smtp_host: smtp_host.unwrap_or_default(),
            smtp_port: smtp_port.unwrap_or_default(),
            smtp_security: smtp_security.unwrap_or_default(),
            smtp_username: smtp_username.unwrap_or_default(),
            smtp_password: smtp_password.unwrap_or_default(),
            imap_host: imap_host.unwrap_or_default(),
            imap_port: imap_port.unwrap_or_default(),
            imap_security: imap_security.unwrap_or_default(),
            provider_campaign: provider_campaign.unwrap_or_default(),
            daily_cap,
            ramp_start,
            ramp_step,
        };
        let engine = engine()?;
        Ok(engine::flows::mailboxes::add(&engine, &access(&engine, me, &workspace).await?, form).await?)
    })
    .await
}

/// The webhook URL to paste into Instantly or Smartlead (`kind`), once the workspace stored the
/// provider's key; `None` before that.
#[server(prefix = "/api", endpoint = "sender_webhook_url")]
pub async fn sender_webhook_url(workspace: String, kind: String) -> Result<Option<String>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::mailboxes::webhook_url(&engine, &access(&engine, me, &workspace).await?, &kind).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "test_mailbox")]
pub async fn test_mailbox(workspace: String, mailbox: String) -> Result<ConnectionTest, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::mailboxes::test_connection(&engine, &access(&engine, me, &workspace).await?, mailbox_id(&mailbox)?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_mailbox_limits")]
pub async fn set_mailbox_limits(workspace: String, mailbox: String, daily_cap: i32, ramp_start: i32, ramp_step: i32) -> Result<MailboxInfo, AppError> {
    respond(async {
        let me = user().await?;
        let limits = SendLimits { daily_cap, ramp_start, ramp_step };
        let engine = engine()?;
        Ok(engine::flows::mailboxes::set_limits(&engine, &access(&engine, me, &workspace).await?, mailbox_id(&mailbox)?, limits).await?)
    })
    .await
}

/// Generates a DKIM key (`algorithm` ed25519 or rsa; ed25519 when empty) and returns the TXT
/// record to publish.
#[server(prefix = "/api", endpoint = "generate_dkim")]
pub async fn generate_dkim(workspace: String, mailbox: String, domain: String, selector: String, algorithm: Option<String>) -> Result<DkimRecord, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        Ok(engine::flows::mailboxes::generate_dkim(&engine, &engine::auth::Access::resolve(&engine, me, ws).await?, mailbox_id(&mailbox)?, &domain, &selector, algorithm.as_deref()).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "pause_mailbox")]
pub async fn pause_mailbox(workspace: String, mailbox: String, reason: Option<String>) -> Result<MailboxInfo, AppError> {
    respond(async {
        let me = user().await?;
        let reason = reason.unwrap_or_default();
        let engine = engine()?;
        Ok(engine::flows::mailboxes::pause(&engine, &access(&engine, me, &workspace).await?, mailbox_id(&mailbox)?, &reason).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "resume_mailbox")]
pub async fn resume_mailbox(workspace: String, mailbox: String) -> Result<MailboxInfo, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::mailboxes::resume(&engine, &access(&engine, me, &workspace).await?, mailbox_id(&mailbox)?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_mailbox")]
pub async fn remove_mailbox(workspace: String, mailbox: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::mailboxes::remove(&engine, &access(&engine, me, &workspace).await?, mailbox_id(&mailbox)?).await?)
    })
    .await
}
