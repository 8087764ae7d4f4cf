//! The Dashboard: its numbers (from the database, never fixed text) and the live activity feed.

use crate::error::AppError;
use domain::inbox::{DashboardNumbers, TimelineEntry};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::inbox::access;
#[cfg(feature = "ssr")]
use super::ssr::respond;
#[cfg(feature = "ssr")]
use domain::account::Action;

/// Entries the feed shows.
pub const FEED_SIZE: i64 = 20;

#[server(prefix = "/api", endpoint = "dashboard_counts")]
pub async fn dashboard_counts(workspace: String) -> Result<DashboardNumbers, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::inbox::dashboard(&engine, &access).await?)
    })
    .await
}

/// The workspace's latest activity, newest first.
#[server(prefix = "/api", endpoint = "activity_feed")]
pub async fn activity_feed(workspace: String) -> Result<Vec<TimelineEntry>, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::inbox::feed(&engine, &access, FEED_SIZE).await?)
    })
    .await
}
