//! The outbox (SPEC §10.4): one row per (lead, campaign, step, channel), claimed by dispatch
//! workers with `FOR UPDATE SKIP LOCKED`, moved pending → sending → sent | failed | cancelled |
//! shadow, and reconciled by Message-ID when a crash leaves it in `sending`.
//!
//! Every state change names the state it expects (and, for a claimed row, the worker that
//! claimed it), so a slow worker whose lease was taken over cannot overwrite the new owner.
//!
//! Claiming and reconciling span workspaces: they are the dispatcher's sweeps, never run on
//! behalf of a user. Everything else takes the workspace id.

use crate::Result;
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{MailboxId, OutboxId, WorkspaceId};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

/// Puts approved drafts into the outbox, snapshotting what will be sent. A touch already in
/// the outbox is refreshed only while it has not gone out (pending or cancelled), which is how
/// an edited and re-approved draft replaces its earlier version; a sent or sending row is never
/// touched. Returns the number of rows written.
pub async fn enqueue_approved(conn: &mut PgConnection, ws: WorkspaceId, drafts: &[Uuid], message_domain: &str) -> Result<u64> {
    if drafts.is_empty() {
        return Ok(0);
    }
    Ok(sqlx::query(
        "insert into outbox (client_id, campaign_id, lead_id, step, channel, draft_id, to_address, subject, variant, body,
                             content_hash, message_id, not_before, kind, reply_id, in_reply_to, \"references\")
         select d.client_id, d.campaign_id, d.lead_id, d.step, d.channel, d.id, coalesce(r.from_address, l.email),
                case when (('x' || substr(md5(d.lead_id::text), 1, 8))::bit(32)::int & 1) = 0 then d.subject_a else d.subject_b end,
                case when (('x' || substr(md5(d.lead_id::text), 1, 8))::bit(32)::int & 1) = 0 then 'a' else 'b' end,
                d.body, d.content_hash,
                '<' || gen_random_uuid() || '@' || $3 || '>',
                d.due_at, d.kind, d.reply_id,
                -- an answer threads under the reply it answers
                r.message_id, case when r.id is null then '{}'::text[] else r.reference_ids || r.message_id end
         from drafts d
         join leads l on l.client_id = d.client_id and l.id = d.lead_id
         left join replies r on r.client_id = d.client_id and r.id = d.reply_id and d.kind = 'reply'
         where d.client_id = $1 and d.id = any($2) and d.status = 'approved' and coalesce(r.from_address, l.email) is not null
         on conflict (client_id, lead_id, campaign_id, step, channel) do update
            set draft_id = excluded.draft_id, to_address = excluded.to_address, subject = excluded.subject,
                variant = excluded.variant, body = excluded.body, content_hash = excluded.content_hash,
                not_before = excluded.not_before, state = 'pending', last_error = null, updated_at = now()
            where outbox.state in ('pending', 'cancelled')",
    )
    .bind(ws.0)
    .bind(drafts)
    .bind(message_domain)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A row a worker claimed, with everything the just-in-time checks and the send need.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub client_id: Uuid,
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub lead_id: Uuid,
    pub step: i16,
    pub channel: String,
    pub draft_id: Uuid,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub content_hash: String,
    pub message_id: String,
    pub not_before: DateTime<Utc>,
    pub attempts: i32,
    /// `sequence` (an automated cadence step) or `reply` (an answer a person approved).
    pub kind: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
}

/// Claims up to `limit` due rows for `worker`: one statement that skips rows other workers
/// hold, so two workers never get the same row. The claim commits at once: from here on the
/// row says `sending`, and a crash leaves it there for reconciliation, never for a blind resend.
pub async fn claim(pool: &PgPool, worker: &str, limit: i64, now: DateTime<Utc>) -> Result<Vec<Claimed>> {
    Ok(sqlx::query_as(
        "with due as (
            select client_id, id from outbox
            where state = 'pending' and not_before <= $3
            order by not_before, id
            limit $2
            for update skip locked
         )
         update outbox o set state = 'sending', claimed_by = $1, claimed_at = $3, attempts = o.attempts + 1, updated_at = now()
         from due where o.client_id = due.client_id and o.id = due.id
         returning o.client_id, o.id, o.campaign_id, o.lead_id, o.step, o.channel, o.draft_id, o.to_address, o.subject,
                   o.body, o.content_hash, o.message_id, o.not_before, o.attempts, o.kind, o.in_reply_to,
                   o.\"references\"",
    )
    .bind(worker)
    .bind(limit)
    .bind(now)
    .fetch_all(pool)
    .await?)
}

/// Everything the just-in-time checks read, in one query, at the moment of sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SendContext {
    pub platform_stop: bool,
    pub platform_stop_reason: Option<String>,
    pub workspace_paused: bool,
    pub workspace_paused_reason: Option<String>,
    pub shadow_mode: bool,
    pub subscription_status: String,
    pub campaign_status: String,
    pub sending_window: serde_json::Value,
    pub time_zone: String,
    pub sender_name: String,
    pub sender_company: String,
    pub physical_address: String,
    pub lead_status: String,
    pub lead_email: Option<String>,
    pub enrolment_state: Option<String>,
    pub draft_status: String,
    pub draft_content_hash: String,
    pub approved_hash: Option<String>,
    /// Why the address may not be written to: its address, its domain or its company's domain
    /// (an apex entry covers every subdomain) on the workspace's or the platform's list.
    pub suppressed_by: Option<String>,
    /// The first email of this lead's sequence that went out, for threading and its mailbox.
    pub parent_message_id: Option<String>,
    pub parent_subject: Option<String>,
    pub parent_mailbox: Option<Uuid>,
    /// An earlier touch of the sequence has not gone out yet: this one waits for it.
    pub earlier_unsent: bool,
    /// `sequence` (automated) or `reply` (an answer a person approved).
    pub kind: String,
    /// The lead wrote back (a person, not an out-of-office or auto-reply) in this campaign or
    /// since it was enrolled: no automated step may follow.
    pub lead_replied: bool,
    /// The enrolment is paused (out of office) until then.
    pub paused_until: Option<DateTime<Utc>>,
    /// The workspace's ramp mode (`domain::allocate::WorkspaceSending`), if it ever ramped.
    pub sending_mode: Option<serde_json::Value>,
    /// The campaign ramps on its own (tighter than the workspace).
    pub campaign_ramp: bool,
    pub lead_tier: Option<String>,
}

pub async fn context<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, row: &Claimed) -> Result<Option<SendContext>> {
    Ok(sqlx::query_as(
        "select p.emergency_stop as platform_stop, p.stop_reason as platform_stop_reason,
                w.sending_paused as workspace_paused, w.sending_paused_reason as workspace_paused_reason,
                w.shadow_mode, w.subscription_status,
                c.status as campaign_status, c.sending_window, c.time_zone, c.sender_name, c.sender_company, c.physical_address,
                l.status as lead_status, l.email as lead_email,
                cl.state as enrolment_state,
                d.status as draft_status, d.content_hash as draft_content_hash, d.approved_hash,
                coalesce(
                  (select 'address ' || s.address || ' is on the suppression list' from suppressions s
                   where s.client_id = w.id and s.address = $4),
                  (select 'domain ' || s.address || ' is on the suppression list' from suppressions s
                   where s.client_id = w.id and s.kind = 'domain'
                     and s.address = any(agency_os_domain_and_parents(split_part($4, '@', 2)) || agency_os_domain_and_parents(l.company_domain))
                   order by length(s.address) limit 1),
                  (select case ps.kind when 'domain' then 'domain ' else 'address ' end || ps.value || ' is on the platform suppression list'
                   from platform_suppressions ps
                   where ps.value = $4 or (ps.kind = 'domain' and ps.value = any(agency_os_domain_and_parents(split_part($4, '@', 2)) || agency_os_domain_and_parents(l.company_domain)))
                   limit 1)
                ) as suppressed_by,
                parent.message_id as parent_message_id, parent.subject as parent_subject, parent.mailbox_id as parent_mailbox,
                exists (select 1 from outbox e where e.client_id = w.id and e.campaign_id = c.id and e.lead_id = l.id
                        and e.step < $7 and e.kind = 'sequence' and e.state in ('pending', 'sending', 'unknown')) as earlier_unsent,
                (select k.kind from outbox k where k.client_id = w.id and k.id = $2) as kind,
                exists (select 1 from replies r where r.client_id = w.id and r.lead_id = l.id
                        and r.intent not in ('out_of_office', 'auto_reply')
                        and (r.campaign_id = c.id or r.received_at >= cl.enrolled_at)) as lead_replied,
                cl.paused_until,
                w.sending_mode, c.ramp as campaign_ramp, l.tier as lead_tier
         from workspaces w
         cross join platform_settings p
         join campaigns c on c.client_id = w.id and c.id = $3
         join leads l on l.client_id = w.id and l.id = $5
         join drafts d on d.client_id = w.id and d.id = $6
         left join campaign_leads cl on cl.client_id = w.id and cl.campaign_id = c.id and cl.lead_id = l.id
         left join lateral (
            select o.message_id, o.subject, o.mailbox_id from outbox o
            where o.client_id = w.id and o.campaign_id = c.id and o.lead_id = l.id and o.channel = 'email'
              and o.state in ('sent', 'shadow') and o.step < $7 and o.kind = 'sequence'
            order by o.step limit 1
         ) parent on true
         where w.id = $1 and w.deleted_at is null and $2::uuid is not null",
    )
    .bind(ws.0)
    .bind(row.id)
    .bind(row.campaign_id)
    // The canonical form the lists hold (lower-case, ASCII domain); as written when it has none.
    .bind(domain::suppression::canonical_email(&row.to_address).unwrap_or_else(|_| row.to_address.trim().to_lowercase()))
    .bind(row.lead_id)
    .bind(row.draft_id)
    .bind(row.step)
    .fetch_optional(db)
    .await?)
}

/// One just-in-time check as recorded on the row (SPEC §10.7 "every send records which checks
/// passed").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

fn checks_json(checks: &[CheckRecord]) -> serde_json::Value {
    serde_json::to_value(checks).unwrap_or_default()
}

/// The row went out: `sent` (or `shadow`, rendered and kept but not sent).
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    db: impl PgExecutor<'_>,
    ws: WorkspaceId,
    id: Uuid,
    worker: &str,
    state: &str,
    mailbox: Option<MailboxId>,
    subject: &str,
    in_reply_to: Option<&str>,
    references: &[String],
    reply: &str,
    checks: &[CheckRecord],
) -> Result<bool> {
    Ok(sqlx::query(
        "update outbox set state = $4, mailbox_id = $5, subject = $6, in_reply_to = $7, \"references\" = $8,
                provider_reply = $9, checks = $10, sent_at = now(), updated_at = now()
         where client_id = $1 and id = $2 and state = 'sending' and claimed_by = $3",
    )
    .bind(ws.0)
    .bind(id)
    .bind(worker)
    .bind(state)
    .bind(mailbox.map(|m| m.0))
    .bind(subject)
    .bind(in_reply_to)
    .bind(references)
    .bind(reply)
    .bind(checks_json(checks))
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// A check said "not now": back to pending until `not_before`.
pub async fn postpone(db: impl PgExecutor<'_>, ws: WorkspaceId, id: Uuid, worker: &str, not_before: DateTime<Utc>, checks: &[CheckRecord], why: &str) -> Result<bool> {
    Ok(sqlx::query(
        "update outbox set state = 'pending', not_before = $4, checks = $5, last_error = $6, claimed_by = null, claimed_at = null,
                updated_at = now()
         where client_id = $1 and id = $2 and state = 'sending' and claimed_by = $3",
    )
    .bind(ws.0)
    .bind(id)
    .bind(worker)
    .bind(not_before)
    .bind(checks_json(checks))
    .bind(why)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// A check that cannot come right (`cancelled`), or a permanent provider refusal (`failed`).
pub async fn stop(db: impl PgExecutor<'_>, ws: WorkspaceId, id: Uuid, worker: &str, state: &str, checks: &[CheckRecord], why: &str) -> Result<bool> {
    Ok(sqlx::query(
        "update outbox set state = $4, checks = $5, last_error = $6, updated_at = now()
         where client_id = $1 and id = $2 and state = 'sending' and claimed_by = $3",
    )
    .bind(ws.0)
    .bind(id)
    .bind(worker)
    .bind(state)
    .bind(checks_json(checks))
    .bind(why)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Records the mailbox a claimed row is about to go through, before the provider is called:
/// reconciliation then knows whom to ask, and that a row without one never reached a provider.
pub async fn assign_mailbox(db: impl PgExecutor<'_>, ws: WorkspaceId, id: Uuid, worker: &str, mailbox: MailboxId) -> Result<bool> {
    Ok(sqlx::query("update outbox set mailbox_id = $4 where client_id = $1 and id = $2 and state = 'sending' and claimed_by = $3")
        .bind(ws.0)
        .bind(id)
        .bind(worker)
        .bind(mailbox.0)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// An `unknown` row to reconcile.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InDoubt {
    pub client_id: Uuid,
    pub id: Uuid,
    pub message_id: String,
    pub mailbox_id: Option<Uuid>,
}

pub async fn in_doubt<'e>(db: impl PgExecutor<'e>, limit: i64) -> Result<Vec<InDoubt>> {
    Ok(sqlx::query_as("select client_id, id, message_id, mailbox_id from outbox where state = 'unknown' order by updated_at, id limit $1")
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// Rows left in `sending` longer than the lease by a worker that died: moved to `unknown` for
/// reconciliation.
pub async fn expire_leases(pool: &PgPool, older_than: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query("update outbox set state = 'unknown', updated_at = now() where state = 'sending' and claimed_at < $1")
        .bind(older_than)
        .execute(pool)
        .await?
        .rows_affected())
}

/// Reconciliation's verdict on an `unknown` row: the provider has it (`sent`), or it never got
/// it (back to `pending`, to be sent once).
pub async fn resolve_unknown(db: impl PgExecutor<'_>, ws: WorkspaceId, id: Uuid, delivered: bool, detail: &str) -> Result<bool> {
    Ok(sqlx::query(
        "update outbox set state = case when $3 then 'sent' else 'pending' end,
                sent_at = case when $3 then coalesce(sent_at, now()) end,
                provider_reply = case when $3 then $4 else provider_reply end,
                last_error = case when $3 then last_error else $4 end,
                claimed_by = null, claimed_at = null, updated_at = now()
         where client_id = $1 and id = $2 and state = 'unknown'",
    )
    .bind(ws.0)
    .bind(id)
    .bind(delivered)
    .bind(detail)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Takes one of the mailbox's sends for `day` if fewer than `cap` are taken.
pub async fn reserve_slot(db: impl PgExecutor<'_>, ws: WorkspaceId, mailbox: MailboxId, day: NaiveDate, cap: i32) -> Result<bool> {
    let taken: Option<i32> = sqlx::query_scalar(
        "insert into mailbox_usage (client_id, mailbox_id, day, sent) values ($1, $2, $3, 1)
         on conflict (client_id, mailbox_id, day) do update set sent = mailbox_usage.sent + 1
            where mailbox_usage.sent < $4
         returning sent",
    )
    .bind(ws.0)
    .bind(mailbox.0)
    .bind(day)
    .bind(cap)
    .fetch_optional(db)
    .await?;
    Ok(taken.is_some_and(|n| n <= cap))
}

pub async fn release_slot(db: impl PgExecutor<'_>, ws: WorkspaceId, mailbox: MailboxId, day: NaiveDate) -> Result<()> {
    sqlx::query("update mailbox_usage set sent = greatest(sent - 1, 0) where client_id = $1 and mailbox_id = $2 and day = $3")
        .bind(ws.0)
        .bind(mailbox.0)
        .bind(day)
        .execute(db)
        .await?;
    Ok(())
}

/// Takes one of today's sends under a ramp's daily limit (`scope`: the workspace's id, or a
/// ramping campaign's); false when the limit is reached. Atomic like [`reserve_slot`].
pub async fn reserve_ramp(db: impl PgExecutor<'_>, ws: WorkspaceId, scope: Uuid, day: NaiveDate, limit: i32) -> Result<bool> {
    let taken: Option<i32> = sqlx::query_scalar(
        "insert into ramp_usage (client_id, scope_id, day, sent) select $1, $2, $3, 1 where $4 > 0
         on conflict (client_id, scope_id, day) do update set sent = ramp_usage.sent + 1
            where ramp_usage.sent < $4
         returning sent",
    )
    .bind(ws.0)
    .bind(scope)
    .bind(day)
    .bind(limit)
    .fetch_optional(db)
    .await?;
    Ok(taken.is_some_and(|n| n <= limit))
}

pub async fn release_ramp(db: impl PgExecutor<'_>, ws: WorkspaceId, scope: Uuid, day: NaiveDate) -> Result<()> {
    sqlx::query("update ramp_usage set sent = greatest(sent - 1, 0) where client_id = $1 and scope_id = $2 and day = $3")
        .bind(ws.0)
        .bind(scope)
        .bind(day)
        .execute(db)
        .await?;
    Ok(())
}

/// An outbox row as the UI lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub lead_id: Uuid,
    pub step: i16,
    pub channel: String,
    pub state: String,
    pub to_address: String,
    pub subject: String,
    pub message_id: String,
    pub not_before: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub checks: serde_json::Value,
}

pub async fn list<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, state: Option<&str>, limit: i64) -> Result<Vec<OutboxRow>> {
    Ok(sqlx::query_as(
        "select id, campaign_id, lead_id, step, channel, state, to_address, subject, message_id, not_before, sent_at, last_error, checks
         from outbox where client_id = $1 and ($2::text is null or state = $2)
         order by updated_at desc, id limit $3",
    )
    .bind(ws.0)
    .bind(state)
    .bind(limit.clamp(1, 500))
    .fetch_all(db)
    .await?)
}

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: OutboxId) -> Result<Option<OutboxRow>> {
    Ok(sqlx::query_as(
        "select id, campaign_id, lead_id, step, channel, state, to_address, subject, message_id, not_before, sent_at, last_error, checks
         from outbox where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .fetch_optional(db)
    .await?)
}

/// An outbox row as the Outbox page shows it, with its campaign's name.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PageRow {
    pub id: Uuid,
    pub state: String,
    pub to_address: String,
    pub subject: String,
    pub campaign: String,
    pub step: i16,
    pub when: DateTime<Utc>,
    pub last_error: Option<String>,
    pub checks: serde_json::Value,
    pub bounced: bool,
    pub complained: bool,
}

const PAGE_SELECT: &str = "select o.id, o.state, o.to_address, o.subject, c.name as campaign, o.step,
        coalesce(o.sent_at, case when o.state in ('pending', 'sending') then o.not_before else o.updated_at end) as \"when\",
        o.last_error, o.checks, o.bounced_at is not null as bounced, o.complained_at is not null as complained
     from outbox o join campaigns c on c.client_id = o.client_id and c.id = o.campaign_id";

/// The newest rows in `state` (`pending` includes rows being sent right now).
pub async fn page<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, state: &str, limit: i64) -> Result<Vec<PageRow>> {
    Ok(sqlx::query_as(&format!(
        "{PAGE_SELECT} where o.client_id = $1 and (o.state = $2 or ($2 = 'pending' and o.state = 'sending'))
         order by o.updated_at desc, o.id limit $3"
    ))
    .bind(ws.0)
    .bind(state)
    .bind(limit.clamp(1, 500))
    .fetch_all(db)
    .await?)
}

/// How many rows the workspace has in each state.
pub async fn counts<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as("select state, count(*) from outbox where client_id = $1 group by state order by state")
        .bind(ws.0)
        .fetch_all(db)
        .await?)
}

/// One row in full, with what the footer needs (the campaign's sender identity) and the
/// mailbox it went through.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MessageRow {
    #[sqlx(flatten)]
    pub row: PageRow,
    pub campaign_id: Uuid,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub sender_name: String,
    pub sender_company: String,
    pub physical_address: String,
    pub mailbox_address: Option<String>,
    pub mailbox_name: Option<String>,
}

pub async fn message<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: OutboxId) -> Result<Option<MessageRow>> {
    Ok(sqlx::query_as(&format!(
        "select x.*, o.campaign_id, o.body, o.message_id, o.in_reply_to, c.sender_name, c.sender_company, c.physical_address,
                m.address as mailbox_address, m.display_name as mailbox_name
         from ({PAGE_SELECT} where o.client_id = $1 and o.id = $2) x
         join outbox o on o.client_id = $1 and o.id = x.id
         join campaigns c on c.client_id = o.client_id and c.id = o.campaign_id
         left join mailboxes m on m.client_id = o.client_id and m.id = o.mailbox_id"
    ))
    .bind(ws.0)
    .bind(id.0)
    .fetch_optional(db)
    .await?)
}

/// A sent message found by its Message-ID, locked for recording a bounce or complaint.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SentMessage {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub campaign_id: Uuid,
    pub mailbox_id: Option<Uuid>,
    pub to_address: String,
    pub bounced_at: Option<DateTime<Utc>>,
    pub complained_at: Option<DateTime<Utc>>,
}

/// `message_id` with or without its angle brackets.
pub async fn sent_by_message_id(conn: &mut PgConnection, ws: WorkspaceId, message_id: &str) -> Result<Option<SentMessage>> {
    let bare = message_id.trim().trim_start_matches('<').trim_end_matches('>');
    Ok(sqlx::query_as(
        "select id, lead_id, campaign_id, mailbox_id, to_address, bounced_at, complained_at from outbox
         where client_id = $1 and message_id = $2 and state = 'sent' for update",
    )
    .bind(ws.0)
    .bind(format!("<{bare}>"))
    .fetch_optional(conn)
    .await?)
}

/// The latest message sent to `address` (a bounce that does not quote our Message-ID).
pub async fn last_sent_to(conn: &mut PgConnection, ws: WorkspaceId, address: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("select message_id from outbox where client_id = $1 and state = 'sent' and lower(to_address) = lower($2) order by sent_at desc limit 1")
        .bind(ws.0)
        .bind(address.trim())
        .fetch_optional(conn)
        .await?)
}

/// Records a bounce (`complaint` false) or a complaint on a sent row; false if already recorded.
pub async fn mark_outcome(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, complaint: bool) -> Result<bool> {
    let sql = if complaint {
        "update outbox set complained_at = now(), updated_at = now() where client_id = $1 and id = $2 and complained_at is null"
    } else {
        "update outbox set bounced_at = now(), updated_at = now() where client_id = $1 and id = $2 and bounced_at is null"
    };
    Ok(sqlx::query(sql).bind(ws.0).bind(id).execute(conn).await?.rows_affected() == 1)
}

/// The recipient of the workspace's message with this Message-ID (with or without its angle
/// brackets), whatever its state: reconciliation asks an external sender about that address.
pub async fn recipient_of<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, message_id: &str) -> Result<Option<String>> {
    let bare = message_id.trim().trim_start_matches('<').trim_end_matches('>');
    Ok(sqlx::query_scalar("select to_address from outbox where client_id = $1 and message_id = $2")
        .bind(ws.0)
        .bind(format!("<{bare}>"))
        .fetch_optional(db)
        .await?)
}

/// The Message-ID of the latest message the workspace sent to `address` through a mailbox of
/// `kind` (an external sender), in `campaign` of that provider when the event names one: how a
/// provider's webhook event (which knows the lead, not our Message-ID) finds our message.
pub async fn last_sent_via<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, kind: &str, campaign: Option<&str>, address: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "select o.message_id from outbox o
         join mailboxes m on m.client_id = o.client_id and m.id = o.mailbox_id
         where o.client_id = $1 and o.state = 'sent' and lower(o.to_address) = lower($4)
           and m.kind = $2 and ($3::text is null or lower(m.provider_campaign) = lower($3))
         order by o.sent_at desc limit 1",
    )
    .bind(ws.0)
    .bind(kind)
    .bind(campaign)
    .bind(address.trim())
    .fetch_optional(db)
    .await?)
}

/// A message of ours found by one of the Message-IDs a reply names (In-Reply-To, References),
/// newest reference first: what the reply answers.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Answered {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub campaign_id: Uuid,
    pub mailbox_id: Option<Uuid>,
}

pub async fn answered_by<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, message_ids: &[String]) -> Result<Option<Answered>> {
    if message_ids.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = message_ids.iter().map(|m| format!("<{}>", m.trim().trim_start_matches('<').trim_end_matches('>'))).collect();
    Ok(sqlx::query_as(
        "select o.id, o.lead_id, o.campaign_id, o.mailbox_id from outbox o
         join unnest($2::text[]) with ordinality as m(id, ord) on o.message_id = m.id
         where o.client_id = $1 and o.state in ('sent', 'shadow')
         order by m.ord limit 1",
    )
    .bind(ws.0)
    .bind(ids)
    .fetch_optional(db)
    .await?)
}

/// The latest message we sent to the lead (any campaign): what a reply matched by its sender's
/// address is taken to answer.
pub async fn last_sent_to_lead<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, lead: Uuid) -> Result<Option<Answered>> {
    Ok(sqlx::query_as(
        "select id, lead_id, campaign_id, mailbox_id from outbox
         where client_id = $1 and lead_id = $2 and state in ('sent', 'shadow')
         order by sent_at desc nulls last, id desc limit 1",
    )
    .bind(ws.0)
    .bind(lead)
    .fetch_optional(db)
    .await?)
}

/// One message of a campaign's CSV export.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportMessage {
    pub id: Uuid,
    pub to_address: String,
    pub lead_name: Option<String>,
    pub company: Option<String>,
    pub step: i16,
    pub channel: String,
    pub variant: String,
    pub subject: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub bounced_at: Option<DateTime<Utc>>,
    pub complained_at: Option<DateTime<Utc>>,
    pub replied: bool,
}

/// A page of a campaign's messages after `after` (by id), for the streamed CSV export.
pub async fn export_page(conn: &mut PgConnection, ws: WorkspaceId, campaign: Uuid, after: Option<Uuid>, limit: i64) -> Result<Vec<ExportMessage>> {
    Ok(sqlx::query_as(
        "select o.id, o.to_address, nullif(trim(concat_ws(' ', l.first_name, l.last_name)), '') as lead_name, l.company,
                o.step, o.channel, o.variant, o.subject, o.state, o.created_at, o.sent_at, o.bounced_at, o.complained_at,
                exists (select 1 from replies r where r.client_id = o.client_id and r.lead_id = o.lead_id and r.campaign_id = o.campaign_id
                         and o.sent_at is not null and r.received_at >= o.sent_at) as replied
           from outbox o join leads l on l.client_id = o.client_id and l.id = o.lead_id
          where o.client_id = $1 and o.campaign_id = $2 and ($3::uuid is null or o.id > $3)
          order by o.id limit $4",
    )
    .bind(ws.0)
    .bind(campaign)
    .bind(after)
    .bind(limit.clamp(1, 10_000))
    .fetch_all(conn)
    .await?)
}
