//! Settings → Suppression: the workspace's list of email addresses, domains and phone numbers
//! nothing is ever sent to. Import and export are plain HTTP routes (see the server's
//! `suppression` module); these are the rest.

use crate::error::AppError;
use domain::suppression::SuppressionPage;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[cfg(feature = "ssr")]
fn kind_of(kind: &str) -> Result<Option<domain::suppression::EntryKind>, AppError> {
    match kind.trim() {
        "" | "any" | "auto" => Ok(None),
        k => domain::suppression::EntryKind::parse(k).map(Some).ok_or_else(|| AppError::new(422, "the kind must be email, domain or phone")),
    }
}

/// A page of the list, newest first: values containing `q`, of one kind or all.
#[server(prefix = "/api", endpoint = "list_suppressions")]
pub async fn list_suppressions(workspace: String, #[server(default)] q: String, #[server(default)] kind: String, #[server(default)] page: i64) -> Result<SuppressionPage, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::suppression::page(&engine, &access(&engine, me, &workspace).await?, &q, kind_of(&kind)?, page).await?)
    })
    .await
}

/// Adds an email address, a domain (covering its subdomains) or a phone number; the kind is
/// guessed from the value unless chosen. True if it was not listed yet.
#[server(prefix = "/api", endpoint = "add_suppression")]
pub async fn add_suppression(workspace: String, value: String, #[server(default)] kind: String, #[server(default)] note: String) -> Result<bool, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let ws = workspace_id(&workspace)?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        Ok(engine::flows::suppression::add(&engine, &access, kind_of(&kind)?, &value, Some(&note)).await?)
    })
    .await
}

/// Lifts an entry (admins; audited). A person's own opt-out cannot be lifted.
#[server(prefix = "/api", endpoint = "remove_suppression")]
pub async fn remove_suppression(workspace: String, value: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::suppression::remove(&engine, &access(&engine, me, &workspace).await?, &value).await?)
    })
    .await
}
