//! The Inbox: replies across every mailbox and sending account, one conversation in full, and
//! what a person does with it (answer, re-classify, snooze, archive, meeting booked). Viewers
//! read; members and above act. Every id is looked up inside the caller's workspace, so another
//! workspace's reply answers 404.

use crate::error::AppError;
use domain::inbox::{Answered, Conversation, InboxPage, Reclassified};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr::*;

/// The Inbox's filters as the page sends them: text straight from the URL or the form, so a
/// hand-edited URL gets a clear error rather than a crash.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxQuery {
    pub tab: Option<String>,
    pub campaign: Option<String>,
    pub mailbox: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub since: Option<String>,
    pub until: Option<String>,
    pub q: Option<String>,
    /// The cursor of the next page.
    pub after: Option<String>,
}

#[cfg(feature = "ssr")]
fn query_of(q: &InboxQuery) -> Result<engine::flows::inbox::Query, AppError> {
    let text = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let date = |o: &Option<String>, what: &str| -> Result<Option<chrono::NaiveDate>, AppError> {
        text(o)
            .map(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| AppError::new(422, format!("The {what} date must look like 2026-12-31"))))
            .transpose()
    };
    let tab = match text(&q.tab) {
        None => domain::inbox::InboxTab::default(),
        Some(t) => t.parse().map_err(|e: domain::inbox::UnknownTab| AppError::new(422, e.to_string()))?,
    };
    let search = text(&q.q);
    if search.as_ref().is_some_and(|s| s.chars().count() > 200) {
        return Err(AppError::new(422, "Search text must be at most 200 characters"));
    }
    let (since, until) = (date(&q.since, "from")?, date(&q.until, "to")?);
    if let (Some(a), Some(b)) = (since, until) {
        if a > b {
            return Err(AppError::new(422, "The from date must not be after the to date"));
        }
    }
    Ok(engine::flows::inbox::Query {
        tab,
        campaign: text(&q.campaign).map(|c| c.parse().map_err(|_| AppError::not_found("campaign"))).transpose()?,
        mailbox: text(&q.mailbox).map(|m| m.parse().map_err(|_| AppError::not_found("mailbox"))).transpose()?,
        since,
        until,
        search,
        after: text(&q.after)
            .map(|a| domain::inbox::decode_cursor(&a).ok_or_else(|| AppError::new(422, "The Inbox position is not valid; reload the Inbox")))
            .transpose()?,
    })
}

#[cfg(feature = "ssr")]
fn reply_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found("reply"))
}

/// Authorises the caller for `action` in `workspace`: the one check every function makes.
#[cfg(feature = "ssr")]
pub(crate) async fn access(workspace: &str, action: domain::account::Action) -> Result<(engine::Engine, engine::auth::Access), AppError> {
    let me = user().await?;
    let engine = engine()?;
    let access = engine::auth::authorize(&engine, me, workspace_id(workspace)?, action).await?;
    Ok((engine, access))
}

#[cfg(feature = "ssr")]
use domain::account::Action::{ApproveDrafts as Act, ViewWorkspace as View};

#[server(prefix = "/api", endpoint = "inbox_list")]
pub async fn inbox_list(workspace: String, #[server(default)] query: InboxQuery) -> Result<InboxPage, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, View).await?;
        Ok(engine::flows::inbox::page(&engine, &access, &query_of(&query)?).await?)
    })
    .await
}

/// How many replies need attention (the sidebar's number).
#[server(prefix = "/api", endpoint = "inbox_attention")]
pub async fn inbox_attention(workspace: String) -> Result<i64, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, View).await?;
        Ok(engine::flows::inbox::attention(&engine, &access).await?)
    })
    .await
}

/// One conversation in full. Opening it marks the reply read for members (a viewer's look
/// changes nothing).
#[server(prefix = "/api", endpoint = "open_conversation")]
pub async fn open_conversation(workspace: String, reply: String) -> Result<Conversation, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, View).await?;
        Ok(engine::flows::inbox::open(&engine, &access, reply_id(&reply)?).await?)
    })
    .await
}

/// Answers a reply. `key` is the form's idempotency key: a double submit sends one answer.
#[server(prefix = "/api", endpoint = "answer_reply")]
pub async fn answer_reply(workspace: String, reply: String, body: String, key: String) -> Result<Answered, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Act).await?;
        Ok(engine::flows::inbox::answer(&engine, &access, reply_id(&reply)?, &body, &key).await?)
    })
    .await
}

/// Re-classifies a reply by hand (`class` is a class name, e.g. `not_interested`): what the
/// earlier class did is reversed where safe, the new class's action follows and the correction
/// is kept. An unsubscribe this reply caused is lifted only with `lift_opt_out` (the person
/// confirmed the text did not ask to be removed); the answer says what was undone and kept.
#[server(prefix = "/api", endpoint = "reclassify_reply")]
pub async fn reclassify_reply(workspace: String, reply: String, class: String, #[server(default)] lift_opt_out: bool) -> Result<Reclassified, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Act).await?;
        let class = domain::inbox::parse_class(&class)
            .filter(|c| domain::inbox::RECLASSIFY_ORDER.contains(c))
            .ok_or_else(|| AppError::new(422, "Choose one of the seven classes"))?;
        Ok(engine::flows::inbox::reclassify(&engine, &access, reply_id(&reply)?, class, lift_opt_out).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "archive_reply")]
pub async fn archive_reply(workspace: String, reply: String) -> Result<(), AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Act).await?;
        Ok(engine::flows::inbox::archive(&engine, &access, reply_id(&reply)?).await?)
    })
    .await
}

/// Hides a reply until a day (`until`: `YYYY-MM-DD`, or a number of days).
#[server(prefix = "/api", endpoint = "snooze_reply")]
pub async fn snooze_reply(workspace: String, reply: String, until: String) -> Result<(), AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Act).await?;
        let id = reply_id(&reply)?;
        let day = domain::inbox::parse_snooze(&until, chrono::Utc::now().date_naive()).map_err(|e| AppError::new(422, e.to_string()))?;
        Ok(engine::flows::inbox::snooze(&engine, &access, id, day).await?)
    })
    .await
}

/// Marks a meeting booked with the reply's lead; true if it was new.
#[server(prefix = "/api", endpoint = "reply_meeting_booked")]
pub async fn reply_meeting_booked(workspace: String, reply: String) -> Result<bool, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Act).await?;
        Ok(engine::flows::inbox::meeting_booked(&engine, &access, reply_id(&reply)?).await?)
    })
    .await
}
