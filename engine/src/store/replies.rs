//! Replies (SPEC §11): what came back from prospects, classified, and the Inbox's reads of them.
//! Every function takes the workspace id and filters by it.
//!
//! A reply is unique by (source, message_id): [`insert`] returns `None` for one already stored,
//! which is what makes reading a mailbox twice, or a redelivered webhook, record nothing twice.

use crate::Result;
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{CampaignId, MailboxId, WorkspaceId};
use domain::leads::LeadId;
use domain::reply::ReplyClass;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

/// Longest body stored (SPEC: 64 KiB); longer text is cut at a character boundary.
pub const MAX_BODY: usize = 64 * 1024;

/// `s` cut to at most `max` bytes at a character boundary.
pub fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A reply to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReply {
    pub lead: Option<LeadId>,
    pub campaign: Option<CampaignId>,
    pub outbox: Option<Uuid>,
    pub mailbox: Option<MailboxId>,
    /// `imap`, `instantly` or `smartlead`.
    pub source: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub from_address: String,
    pub subject: String,
    pub body_text: String,
    pub received_at: DateTime<Utc>,
    pub intent: ReplyClass,
    pub confidence: f32,
    pub intent_reason: String,
    /// `rules`, `model` or `user`.
    pub intent_source: String,
    pub return_date: Option<NaiveDate>,
}

/// Stores a reply; `None` when this (source, message_id) is already stored.
pub async fn insert(conn: &mut PgConnection, ws: WorkspaceId, r: &NewReply) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "insert into replies (client_id, lead_id, campaign_id, outbox_id, mailbox_id, source, message_id, in_reply_to,
                              reference_ids, from_address, subject, body_text, received_at, intent, confidence,
                              intent_reason, intent_source, return_date)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         on conflict (client_id, source, message_id) do nothing
         returning id",
    )
    .bind(ws.0)
    .bind(r.lead.map(|l| l.0))
    .bind(r.campaign.map(|c| c.0))
    .bind(r.outbox)
    .bind(r.mailbox.map(|m| m.0))
    .bind(&r.source)
    .bind(cap(&r.message_id, 998))
    .bind(r.in_reply_to.as_deref().map(|s| cap(s, 998)))
    .bind(&r.references)
    .bind(cap(&r.from_address, 320))
    .bind(cap(&r.subject, 1000))
    .bind(cap(&r.body_text, MAX_BODY))
    .bind(r.received_at)
    .bind(r.intent.as_str())
    .bind(r.confidence.clamp(0.0, 1.0))
    .bind(&r.intent_reason)
    .bind(&r.intent_source)
    .bind(r.return_date)
    .fetch_optional(conn)
    .await?)
}

/// Whether this (source, message_id) is already stored: lets an intake skip the work.
pub async fn exists<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, source: &str, message_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("select exists (select 1 from replies where client_id = $1 and source = $2 and message_id = $3)")
        .bind(ws.0)
        .bind(source)
        .bind(cap(message_id, 998))
        .fetch_one(db)
        .await?)
}

/// A reply as the Inbox lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ReplyRow {
    pub id: Uuid,
    pub lead_id: Option<Uuid>,
    pub lead_name: Option<String>,
    pub company: Option<String>,
    pub lead_status: Option<String>,
    pub als: Option<i16>,
    pub campaign_id: Option<Uuid>,
    pub campaign_name: Option<String>,
    pub mailbox_id: Option<Uuid>,
    pub outbox_id: Option<Uuid>,
    pub source: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub reference_ids: Vec<String>,
    pub from_address: String,
    pub subject: String,
    /// The first 200 characters of the body (the list); [`get`] fills the whole body.
    pub body_text: String,
    pub intent: String,
    pub confidence: f32,
    pub intent_reason: String,
    pub intent_source: String,
    pub return_date: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "r.id, r.lead_id,
            case when r.lead_id is null then null else
                coalesce(nullif(trim(concat_ws(' ', l.first_name, l.last_name)), ''), l.email, l.linkedin_url, 'Unnamed lead') end as lead_name,
            l.company, l.status as lead_status, l.als, r.campaign_id, c.name as campaign_name, r.mailbox_id, r.outbox_id, r.source,
            r.message_id, r.in_reply_to, r.reference_ids, r.from_address, r.subject";
const REST: &str = "r.intent, r.confidence, r.intent_reason, r.intent_source, r.return_date, r.received_at, r.read_at, r.archived_at, r.snoozed_until";
const JOINS: &str = "left join leads l on l.client_id = r.client_id and l.id = r.lead_id
         left join campaigns c on c.client_id = r.client_id and c.id = r.campaign_id";

fn select(body: &str) -> String {
    format!("select {COLUMNS}, {body} as body_text, {REST} from replies r {JOINS}")
}

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid) -> Result<Option<ReplyRow>> {
    Ok(sqlx::query_as(&format!("{} where r.client_id = $1 and r.id = $2", select("r.body_text")))
        .bind(ws.0)
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// What the Inbox lists. `classes` empty means every class (the "All" tab); the Inbox passes
/// `InboxTab::classes(tab)`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboxFilter {
    pub classes: Vec<ReplyClass>,
    pub campaign: Option<CampaignId>,
    pub mailbox: Option<MailboxId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Substring of the sender, subject or text (case-insensitive).
    pub search: Option<String>,
    /// Archived replies too (snoozed ones always show once their time has come).
    pub include_archived: bool,
    /// Replies snoozed into the future too.
    pub include_snoozed: bool,
}

/// Keyset position: the (received_at, id) of the last row of the previous page.
pub type Cursor = (DateTime<Utc>, Uuid);

/// Most rows one page returns.
pub const MAX_PAGE: i64 = 200;

/// One Inbox page, newest first, and where the next one starts (`None`: no more).
pub async fn list(conn: &mut PgConnection, ws: WorkspaceId, f: &InboxFilter, after: Option<Cursor>, limit: i64) -> Result<(Vec<ReplyRow>, Option<Cursor>)> {
    let limit = limit.clamp(1, MAX_PAGE);
    // The page is cut from `replies` alone, then joined: joining first made Postgres join every
    // matching reply with its lead before sorting (26 ms at 10,000 replies; this is a top-N).
    let mut q: QueryBuilder<'_, Postgres> = QueryBuilder::new(format!("select {COLUMNS}, left(r.body_text, 200) as body_text, {REST} from (select * from replies r"));
    q.push(" where r.client_id = ").push_bind(ws.0);
    if !f.include_archived {
        q.push(" and r.archived_at is null");
    }
    if !f.include_snoozed {
        q.push(" and (r.snoozed_until is null or r.snoozed_until <= now())");
    }
    if !f.classes.is_empty() {
        let names: Vec<&'static str> = f.classes.iter().map(|c| c.as_str()).collect();
        q.push(" and r.intent = any(").push_bind(names).push(")");
    }
    if let Some(c) = f.campaign {
        q.push(" and r.campaign_id = ").push_bind(c.0);
    }
    if let Some(m) = f.mailbox {
        q.push(" and r.mailbox_id = ").push_bind(m.0);
    }
    if let Some(s) = f.since {
        q.push(" and r.received_at >= ").push_bind(s);
    }
    if let Some(u) = f.until {
        q.push(" and r.received_at < ").push_bind(u);
    }
    if let Some(s) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let like = format!("%{}%", s.chars().take(100).collect::<String>().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        q.push(" and (r.from_address ilike ").push_bind(like.clone());
        q.push(" or r.subject ilike ").push_bind(like.clone());
        q.push(" or r.body_text ilike ").push_bind(like).push(")");
    }
    if let Some((at, id)) = after {
        q.push(" and (r.received_at, r.id) < (").push_bind(at).push(", ").push_bind(id).push(")");
    }
    q.push(" order by r.received_at desc, r.id desc limit ").push_bind(limit + 1);
    q.push(format!(") r {JOINS} order by r.received_at desc, r.id desc"));
    let mut rows: Vec<ReplyRow> = q.build_query_as().fetch_all(&mut *conn).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| (r.received_at, r.id)) } else { None };
    Ok((rows, next))
}

/// Live (not archived, not snoozed) replies per class, and how many of them are unread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboxCounts {
    /// (class, live replies, of them unread); classes without replies are absent.
    pub per_class: Vec<(String, i64, i64)>,
    pub unread: i64,
}

impl InboxCounts {
    /// Live replies of these classes (e.g. a tab's).
    pub fn total(&self, classes: &[ReplyClass]) -> i64 {
        self.per_class.iter().filter(|(c, _, _)| classes.is_empty() || classes.iter().any(|k| k.as_str() == c)).map(|(_, n, _)| n).sum()
    }

    /// Unread live replies of these classes.
    pub fn unread_of(&self, classes: &[ReplyClass]) -> i64 {
        self.per_class.iter().filter(|(c, _, _)| classes.is_empty() || classes.iter().any(|k| k.as_str() == c)).map(|(_, _, u)| u).sum()
    }
}

pub async fn counts<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<InboxCounts> {
    let per_class: Vec<(String, i64, i64)> = sqlx::query_as(
        "select intent, count(*), count(*) filter (where read_at is null) from replies
         where client_id = $1 and archived_at is null and (snoozed_until is null or snoozed_until <= now())
         group by intent order by intent",
    )
    .bind(ws.0)
    .fetch_all(db)
    .await?;
    let unread = per_class.iter().map(|(_, _, u)| u).sum();
    Ok(InboxCounts { per_class, unread })
}

/// Marks a reply read (`read` true) or unread. False when the workspace has no such reply.
pub async fn mark_read<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, read: bool) -> Result<bool> {
    Ok(sqlx::query("update replies set read_at = case when $3 then coalesce(read_at, now()) end where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(read)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// Archives (`archived` true) or restores a reply. False when the workspace has no such reply.
pub async fn archive<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, archived: bool) -> Result<bool> {
    Ok(sqlx::query("update replies set archived_at = case when $3 then coalesce(archived_at, now()) end where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(archived)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// Hides a reply from the Inbox until `until` (`None` un-snoozes).
pub async fn snooze<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, until: Option<DateTime<Utc>>) -> Result<bool> {
    Ok(sqlx::query("update replies set snoozed_until = $3 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(until)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// Sets the reply's class; returns the class it had (`None`: no such reply). Locks the row for
/// the caller's transaction.
pub async fn set_intent(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, class: ReplyClass, confidence: f32, reason: &str, source: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "update replies r set intent = $3, confidence = $4, intent_reason = $5, intent_source = $6
         from (select id, intent from replies where client_id = $1 and id = $2 for update) old
         where r.client_id = $1 and r.id = old.id
         returning old.intent",
    )
    .bind(ws.0)
    .bind(id)
    .bind(class.as_str())
    .bind(confidence.clamp(0.0, 1.0))
    .bind(reason)
    .bind(source)
    .fetch_optional(conn)
    .await?)
}

/// One message of a conversation: ours (`outbound`) or theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ThreadItem {
    pub id: Uuid,
    pub outbound: bool,
    pub at: DateTime<Utc>,
    pub from_address: Option<String>,
    pub to_address: Option<String>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    /// For outbound rows the outbox state (`sent`, `shadow`, `pending`, …); `None` for replies.
    pub state: Option<String>,
    /// For replies, their class.
    pub intent: Option<String>,
}

/// The lead's conversation, oldest first: what we sent (or hold as shadow / pending) and what
/// they wrote back. At most 500 messages.
pub async fn thread<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, lead: LeadId) -> Result<Vec<ThreadItem>> {
    Ok(sqlx::query_as(
        "select * from (
            select o.id, true as outbound, coalesce(o.sent_at, o.not_before) as at, m.address as from_address,
                   o.to_address, o.subject, o.body, o.message_id, o.state, null::text as intent
            from outbox o left join mailboxes m on m.client_id = o.client_id and m.id = o.mailbox_id
            where o.client_id = $1 and o.lead_id = $2 and o.channel = 'email' and o.state not in ('cancelled', 'failed')
            union all
            select r.id, false, r.received_at, r.from_address, null, r.subject, r.body_text, r.message_id, null, r.intent
            from replies r where r.client_id = $1 and r.lead_id = $2
         ) t order by at, outbound desc, id limit 500",
    )
    .bind(ws.0)
    .bind(lead.0)
    .fetch_all(db)
    .await?)
}
