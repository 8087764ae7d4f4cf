//! The approval queue: a keyset page of pending drafts, approve, reject with a reason, edit then
//! approve, and bulk approval through a frozen batch (freeze, then execute once).

use crate::error::AppError;
use chrono::{DateTime, Utc};
use domain::guard::Evidence;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr::*;

/// Most drafts one queue page shows: the page never renders more, however long the queue.
pub const PAGE_SIZE: i64 = 25;

/// A pending draft as the reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftItem {
    pub id: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub lead_id: String,
    pub lead_name: String,
    pub lead_email: Option<String>,
    pub company: Option<String>,
    pub als: Option<i16>,
    pub tier: Option<String>,
    /// 1-based, as the cadence editor numbers steps.
    pub step: i16,
    pub channel: String,
    pub template: String,
    pub angle: String,
    pub subject_a: String,
    pub subject_b: String,
    pub body: String,
    /// What the reviewer saw: approving sends it back so a change meanwhile is never approved.
    pub content_hash: String,
    pub evidence: Vec<Evidence>,
    /// The quality guard's note (soft mode lets a draft through with a warning).
    pub guard_note: Option<String>,
    /// Who wrote it: "template intro-growth", "model claude-haiku-4-5", with why a template
    /// was used although a model is configured.
    pub drafted_by: String,
    /// The drafter's original text when a human edited it.
    pub original: Option<Original>,
    pub due_at: DateTime<Utc>,
    /// A suggested answer to a lead's reply (sent threaded under it), not a cadence step.
    #[serde(default)]
    pub reply: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Original {
    pub subject_a: String,
    pub subject_b: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub drafts: Vec<DraftItem>,
    pub pending: i64,
    pub pending_capped: bool,
    /// Opaque cursor for "Load more".
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frozen {
    pub batch: String,
    pub drafts: usize,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    pub approved: usize,
    pub stale: usize,
}

#[cfg(feature = "ssr")]
fn draft_item(d: engine::store::drafts::DraftView) -> DraftItem {
    let note = d.guard.as_ref().map(|g| {
        let code = g.get("code").and_then(|c| c.as_str()).unwrap_or_default();
        let msg = g.get("message").and_then(|c| c.as_str()).unwrap_or_default();
        format!("{code} {msg}").trim().to_string()
    });
    let original = d.edited_from.as_ref().and_then(|v| {
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        Some(Original { subject_a: s("subject_a")?, subject_b: s("subject_b")?, body: s("body")? })
    });
    let drafted_by = match (d.generator.strip_prefix("model:"), &d.generator_note) {
        (Some(model), _) => format!("model {model}"),
        (None, Some(why)) => format!("template {} ({why})", d.template),
        (None, None) => format!("template {}", d.template),
    };
    DraftItem {
        drafted_by,
        id: d.id.to_string(),
        campaign_id: d.campaign_id.to_string(),
        campaign_name: d.campaign_name,
        lead_id: d.lead_id.to_string(),
        lead_name: d.lead_name,
        lead_email: d.lead_email,
        company: d.company,
        als: d.als,
        tier: d.tier,
        step: if d.kind == "reply" { 0 } else { d.step + 1 },
        channel: d.channel,
        template: d.template,
        angle: d.angle,
        subject_a: d.subject_a,
        subject_b: d.subject_b,
        body: d.body,
        content_hash: d.content_hash,
        evidence: serde_json::from_value(d.evidence).unwrap_or_default(),
        guard_note: note.filter(|n| !n.is_empty()),
        original,
        due_at: d.due_at,
        reply: d.kind == "reply",
    }
}

/// The cursor travels as `<micros since epoch>_<uuid>`: opaque to the page, exact to the row.
#[cfg(feature = "ssr")]
fn encode_cursor(c: engine::store::drafts::QueueCursor) -> String {
    format!("{}_{}", c.created_at.timestamp_micros(), c.id)
}

#[cfg(feature = "ssr")]
fn decode_cursor(raw: &str) -> Result<engine::store::drafts::QueueCursor, AppError> {
    let bad = || AppError::new(422, "The queue position is not valid; reload the queue");
    let (micros, id) = raw.trim().split_once('_').ok_or_else(bad)?;
    let created_at = DateTime::from_timestamp_micros(micros.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok(engine::store::drafts::QueueCursor { created_at, id: id.parse().map_err(|_| bad())? })
}

#[cfg(feature = "ssr")]
fn draft_id(raw: &str) -> Result<domain::ids::DraftId, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found("draft"))
}

#[cfg(feature = "ssr")]
fn optional_campaign(raw: &Option<String>) -> Result<Option<domain::ids::CampaignId>, AppError> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => Ok(Some(c.parse().map_err(|_| AppError::not_found("campaign"))?)),
    }
}

#[server(prefix = "/api", endpoint = "approval_queue")]
pub async fn approval_queue(workspace: String, #[server(default)] campaign: Option<String>, #[server(default)] after: Option<String>) -> Result<QueuePage, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ViewWorkspace).await?;
        let after = after.as_deref().filter(|s| !s.trim().is_empty()).map(decode_cursor).transpose()?;
        let page = engine::flows::drafts::queue(&engine, &access, optional_campaign(&campaign)?, after, PAGE_SIZE).await?;
        Ok(QueuePage {
            drafts: page.drafts.into_iter().map(draft_item).collect(),
            pending: page.pending,
            pending_capped: page.pending_capped,
            next: page.next.map(encode_cursor),
        })
    })
    .await
}

/// How many drafts wait, capped (the sidebar's badge).
#[server(prefix = "/api", endpoint = "pending_count")]
pub async fn pending_count(workspace: String) -> Result<i64, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::Access::resolve(&engine, me, ws).await?;
        // One row fetched; the count is the store's capped one.
        let page = engine::flows::drafts::queue(&engine, &access, None, None, 1).await?;
        Ok(page.pending)
    })
    .await
}

#[server(prefix = "/api", endpoint = "approve_draft")]
pub async fn approve_draft(workspace: String, draft: String, hash: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ApproveDrafts).await?;
        Ok(engine::flows::drafts::approve(&engine, &access, draft_id(&draft)?, hash.trim()).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "reject_draft")]
pub async fn reject_draft(workspace: String, draft: String, #[server(default)] reason: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ApproveDrafts).await?;
        Ok(engine::flows::drafts::reject(&engine, &access, draft_id(&draft)?, &reason).await?)
    })
    .await
}

/// Returns the new content hash.
#[server(prefix = "/api", endpoint = "edit_approve_draft")]
pub async fn edit_approve_draft(workspace: String, draft: String, hash: String, subject_a: String, subject_b: String, body: String) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ApproveDrafts).await?;
        Ok(engine::flows::drafts::edit_and_approve(&engine, &access, draft_id(&draft)?, hash.trim(), &subject_a, &subject_b, &body).await?)
    })
    .await
}

/// Freezes a bulk approval: the selected drafts (`drafts`, comma-separated ids) or, when none
/// are given, every pending draft (of `campaign` if given), up to the engine's batch limit.
#[server(prefix = "/api", endpoint = "freeze_batch")]
pub async fn freeze_batch(workspace: String, #[server(default)] campaign: Option<String>, #[server(default)] drafts: String) -> Result<Frozen, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ApproveDrafts).await?;
        let ids: Vec<&str> = drafts.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        let frozen = if ids.is_empty() {
            let max = engine::flows::drafts::MAX_BATCH;
            engine::flows::drafts::freeze_batch(&engine, &access, optional_campaign(&campaign)?, max).await?
        } else {
            let ids = ids
                .iter()
                .map(|s| s.parse().map_err(|_| AppError::new(422, format!("\"{s}\" is not a draft id"))))
                .collect::<Result<Vec<domain::ids::DraftId>, _>>()?;
            engine::flows::drafts::freeze_selection(&engine, &access, &ids).await?
        };
        Ok(Frozen { batch: frozen.id.to_string(), drafts: frozen.drafts, expires_at: frozen.expires_at })
    })
    .await
}

#[server(prefix = "/api", endpoint = "execute_batch")]
pub async fn execute_batch(workspace: String, batch: String) -> Result<BatchResult, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ApproveDrafts).await?;
        let id = batch.trim().parse().map_err(|_| AppError::not_found("bulk approval"))?;
        let r = engine::flows::drafts::execute_batch(&engine, &access, id).await?;
        Ok(BatchResult { approved: r.approved, stale: r.stale })
    })
    .await
}
