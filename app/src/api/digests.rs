//! Digests: the member's own email choices, the workspace's time zone and Slack digests, and a
//! preview on demand.

use crate::error::AppError;
use domain::digest::{DigestPreview, DigestSettings};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::inbox::access;
#[cfg(feature = "ssr")]
use super::ssr::respond;
#[cfg(feature = "ssr")]
use domain::account::Action;

#[server(prefix = "/api", endpoint = "get_digest_settings")]
pub async fn get_digest_settings(workspace: String) -> Result<DigestSettings, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::digests::settings(&engine, &access).await?)
    })
    .await
}

/// The caller's own subscriptions (any member).
#[server(prefix = "/api", endpoint = "set_my_digests")]
pub async fn set_my_digests(workspace: String, daily: bool, weekly: bool) -> Result<DigestSettings, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::digests::set_mine(&engine, &access, daily, weekly).await?)
    })
    .await
}

/// The workspace's time zone and Slack digests (owners and admins).
#[server(prefix = "/api", endpoint = "configure_digests")]
pub async fn configure_digests(workspace: String, time_zone: String, slack_daily: bool, slack_weekly: bool) -> Result<DigestSettings, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ConfigureDigests).await?;
        Ok(engine::flows::digests::configure(&engine, &access, &time_zone, slack_daily, slack_weekly).await?)
    })
    .await
}

/// The latest digest of `kind` ("daily" or "weekly"), shown and emailed to the caller only.
#[server(prefix = "/api", endpoint = "preview_digest")]
pub async fn preview_digest(workspace: String, kind: String) -> Result<DigestPreview, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        let kind = kind.parse().map_err(engine::Error::Invalid)?;
        Ok(engine::flows::digests::preview(&engine, &access, kind, chrono::Utc::now()).await?)
    })
    .await
}
