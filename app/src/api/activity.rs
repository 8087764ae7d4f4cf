//! The lead timeline (every touch and signal across channels, newest first, paged) and notes.

use crate::error::AppError;
use domain::inbox::{TimelineEntry, TimelinePage};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::inbox::access;
#[cfg(feature = "ssr")]
use domain::account::Action;

#[cfg(feature = "ssr")]
fn lead_id(raw: &str) -> Result<domain::leads::LeadId, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found("lead"))
}

/// A page of the lead's timeline; `before` is the `older` cursor of the previous page.
#[server(prefix = "/api", endpoint = "lead_timeline")]
pub async fn lead_timeline(workspace: String, lead: String, #[server(default)] before: Option<String>) -> Result<TimelinePage, AppError> {
    super::ssr::respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        let before = before
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|b| domain::inbox::decode_cursor(b).ok_or_else(|| AppError::new(422, "The timeline position is not valid; reload the page")))
            .transpose()?;
        Ok(engine::flows::inbox::timeline(&engine, &access, lead_id(&lead)?, before).await?)
    })
    .await
}

/// Adds a note to a lead's timeline (members and above).
#[server(prefix = "/api", endpoint = "add_note")]
pub async fn add_note(workspace: String, lead: String, text: String) -> Result<TimelineEntry, AppError> {
    super::ssr::respond(async {
        let (engine, access) = access(&workspace, Action::ApproveDrafts).await?;
        Ok(engine::flows::inbox::note(&engine, &access, lead_id(&lead)?, &text).await?)
    })
    .await
}
