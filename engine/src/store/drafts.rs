//! Drafts, the approval queue, rejection memory and frozen bulk approvals (SPEC §8, §9).
//! Every function takes the workspace id and filters by it.
//!
//! The approval rules that matter for safety live in the SQL itself: a draft is approved only
//! while it is `pending` *and* its content hash is the one the approver saw, so an edit that
//! lands between "looked at" and "approved" is never approved by accident.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::guard::{Rejection, RejectionMemory};
use domain::ids::{BatchId, CampaignId, DraftId, UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};
use std::collections::HashMap;
use uuid::Uuid;

/// A draft to store.
#[derive(Debug, Clone)]
pub struct NewDraft {
    pub campaign: CampaignId,
    pub lead: Uuid,
    pub step: i16,
    pub channel: String,
    pub due_at: DateTime<Utc>,
    pub template: String,
    pub angle: String,
    pub subject_a: String,
    pub subject_b: String,
    pub body: String,
    pub content_hash: String,
    pub evidence: serde_json::Value,
    pub guard: Option<serde_json::Value>,
    /// `template` or `model:<model name>`.
    pub generator: String,
    /// Why a template was used although a model is configured; `None` otherwise.
    pub generator_note: Option<String>,
    /// `pending`, `approved` (auto-approved by the permission mode) or `blocked`.
    pub status: &'static str,
}

/// Inserts a draft unless a live one (pending, approved, sent) exists for the same touch.
/// Returns its id when inserted.
pub async fn insert(conn: &mut PgConnection, ws: WorkspaceId, d: &NewDraft) -> Result<Option<DraftId>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "insert into drafts (client_id, campaign_id, lead_id, step, channel, due_at, template, angle, subject_a, subject_b,
                             body, content_hash, evidence, guard, generator, status, approved_hash, approved_at, generator_note)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 case when $16 = 'approved' then $12 end, case when $16 = 'approved' then now() end, $17)
         on conflict (client_id, campaign_id, lead_id, step, channel) where status in ('pending', 'approved', 'sent')
         do nothing
         returning id",
    )
    .bind(ws.0)
    .bind(d.campaign.0)
    .bind(d.lead)
    .bind(d.step)
    .bind(&d.channel)
    .bind(d.due_at)
    .bind(&d.template)
    .bind(&d.angle)
    .bind(&d.subject_a)
    .bind(&d.subject_b)
    .bind(&d.body)
    .bind(&d.content_hash)
    .bind(&d.evidence)
    .bind(&d.guard)
    .bind(&d.generator)
    .bind(d.status)
    .bind(&d.generator_note)
    .fetch_optional(conn)
    .await?;
    Ok(id.map(DraftId))
}

/// A draft [`insert_many`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Inserted {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub step: i16,
    pub status: String,
}

/// Inserts many drafts of one campaign in one statement, skipping every touch that already
/// has a live draft (the `drafts_one_live` partial unique index decides, so two drafting passes
/// racing cannot both write one). Rows go in in the order given; callers pass them sorted by
/// lead, so concurrent passes take the index's locks in the same order and cannot deadlock.
pub async fn insert_many(conn: &mut PgConnection, ws: WorkspaceId, campaign: CampaignId, drafts: &[NewDraft]) -> Result<Vec<Inserted>> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let col = |f: fn(&NewDraft) -> String| drafts.iter().map(f).collect::<Vec<String>>();
    let leads: Vec<Uuid> = drafts.iter().map(|d| d.lead).collect();
    let steps: Vec<i16> = drafts.iter().map(|d| d.step).collect();
    let due: Vec<DateTime<Utc>> = drafts.iter().map(|d| d.due_at).collect();
    let evidence: Vec<serde_json::Value> = drafts.iter().map(|d| d.evidence.clone()).collect();
    let guard: Vec<Option<serde_json::Value>> = drafts.iter().map(|d| d.guard.clone()).collect();
    let notes: Vec<Option<String>> = drafts.iter().map(|d| d.generator_note.clone()).collect();
    Ok(sqlx::query_as(
        "insert into drafts (client_id, campaign_id, lead_id, step, channel, due_at, template, angle, subject_a, subject_b,
                             body, content_hash, evidence, guard, generator, generator_note, status, approved_hash, approved_at)
         select $1, $2, n.lead, n.step, n.channel, n.due_at, n.template, n.angle, n.subject_a, n.subject_b,
                n.body, n.content_hash, n.evidence, n.guard, n.generator, n.note, n.status,
                case when n.status = 'approved' then n.content_hash end, case when n.status = 'approved' then now() end
         from unnest($3::uuid[], $4::int2[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::jsonb[], $14::jsonb[], $15::text[], $16::text[], $17::text[])
              with ordinality as n(lead, step, channel, due_at, template, angle, subject_a, subject_b, body, content_hash,
                                   evidence, guard, generator, note, status, ord)
         order by n.ord
         on conflict (client_id, campaign_id, lead_id, step, channel) where status in ('pending', 'approved', 'sent')
         do nothing
         returning id, lead_id, step, status",
    )
    .bind(ws.0)
    .bind(campaign.0)
    .bind(&leads)
    .bind(&steps)
    .bind(col(|d| d.channel.clone()))
    .bind(&due)
    .bind(col(|d| d.template.clone()))
    .bind(col(|d| d.angle.clone()))
    .bind(col(|d| d.subject_a.clone()))
    .bind(col(|d| d.subject_b.clone()))
    .bind(col(|d| d.body.clone()))
    .bind(col(|d| d.content_hash.clone()))
    .bind(&evidence)
    .bind(&guard)
    .bind(col(|d| d.generator.clone()))
    .bind(&notes)
    .bind(col(|d| d.status.to_string()))
    .fetch_all(conn)
    .await?)
}

/// [`for_lead`] for many leads of a campaign in one query; leads without drafts are absent.
pub async fn for_leads<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, campaign: CampaignId, leads: &[Uuid]) -> Result<HashMap<Uuid, LeadDrafts>> {
    let rows: Vec<(Uuid, i16, String, bool)> = sqlx::query_as(
        "select lead_id, step, status, approved_by is not null from drafts
         where client_id = $1 and campaign_id = $2 and lead_id = any($3) and status in ('pending', 'approved', 'sent', 'blocked')",
    )
    .bind(ws.0)
    .bind(campaign.0)
    .bind(leads)
    .fetch_all(db)
    .await?;
    let mut out: HashMap<Uuid, LeadDrafts> = HashMap::new();
    for (lead, step, status, human) in rows {
        out.entry(lead).or_default().add(step, &status, human);
    }
    Ok(out)
}

/// [`rejection_memory`] for many leads in one query; leads without rejections are absent.
pub async fn rejection_memories<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, leads: &[Uuid], ttl_days: i64) -> Result<HashMap<Uuid, RejectionMemory>> {
    let rows: Vec<(Uuid, DateTime<Utc>, String, String, String, Vec<String>)> = sqlx::query_as(
        "select lead_id, created_at, reason, fingerprint, template, evidence_keys from rejections
         where client_id = $1 and lead_id = any($2) and created_at > now() - make_interval(days => $3)
         order by lead_id, created_at desc",
    )
    .bind(ws.0)
    .bind(leads)
    .bind(i32::try_from(ttl_days).unwrap_or(30))
    .fetch_all(db)
    .await?;
    let mut out: HashMap<Uuid, RejectionMemory> = HashMap::new();
    for (lead, at, reason, fingerprint, template, evidence_keys) in rows {
        out.entry(lead).or_default().rejections.push(Rejection { at, reason, fingerprint, template_id: Some(template), evidence_keys });
    }
    Ok(out)
}

/// The steps of a lead in a campaign that have a live draft, and whether a human approved any
/// of them (co-pilot lets follow-ups of a human-approved sequence through).
#[derive(Debug, Clone, Default)]
pub struct LeadDrafts {
    pub live_steps: Vec<i16>,
    pub blocked_steps: Vec<i16>,
    pub human_approved: bool,
    /// A draft still waits for a human: the next touch is drafted only once it is handled, so
    /// the queue holds one draft per lead and campaign.
    pub awaiting_review: bool,
}

pub async fn for_lead<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, campaign: CampaignId, lead: Uuid) -> Result<LeadDrafts> {
    let rows: Vec<(i16, String, bool)> = sqlx::query_as(
        "select step, status, approved_by is not null from drafts
         where client_id = $1 and campaign_id = $2 and lead_id = $3 and status in ('pending', 'approved', 'sent', 'blocked')",
    )
    .bind(ws.0)
    .bind(campaign.0)
    .bind(lead)
    .fetch_all(db)
    .await?;
    let mut out = LeadDrafts::default();
    for (step, status, human) in rows {
        out.add(step, &status, human);
    }
    Ok(out)
}

impl LeadDrafts {
    fn add(&mut self, step: i16, status: &str, human: bool) {
        if status == "blocked" {
            self.blocked_steps.push(step);
        } else {
            self.live_steps.push(step);
        }
        self.human_approved |= human;
        self.awaiting_review |= status == "pending";
    }
}

/// The lead's rejection memory (SPEC §8), newest first, within `ttl_days`.
pub async fn rejection_memory<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, lead: Uuid, ttl_days: i64) -> Result<RejectionMemory> {
    let rows: Vec<(DateTime<Utc>, String, String, String, Vec<String>)> = sqlx::query_as(
        "select created_at, reason, fingerprint, template, evidence_keys from rejections
         where client_id = $1 and lead_id = $2 and created_at > now() - make_interval(days => $3)
         order by created_at desc",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(i32::try_from(ttl_days).unwrap_or(30))
    .fetch_all(db)
    .await?;
    Ok(RejectionMemory {
        rejections: rows
            .into_iter()
            .map(|(at, reason, fingerprint, template, evidence_keys)| Rejection { at, reason, fingerprint, template_id: Some(template), evidence_keys })
            .collect(),
    })
}

/// A draft as the queue and the approval flow see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DraftView {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub lead_id: Uuid,
    pub lead_name: String,
    pub lead_email: Option<String>,
    pub company: Option<String>,
    pub als: Option<i16>,
    pub tier: Option<String>,
    pub step: i16,
    pub channel: String,
    pub status: String,
    pub template: String,
    pub angle: String,
    pub subject_a: String,
    pub subject_b: String,
    pub body: String,
    pub content_hash: String,
    pub evidence: serde_json::Value,
    pub guard: Option<serde_json::Value>,
    pub generator: String,
    pub generator_note: Option<String>,
    pub edited_from: Option<serde_json::Value>,
    pub reject_reason: Option<String>,
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// `sequence` (a cadence step) or `reply` (a suggested answer to a reply).
    pub kind: String,
    /// For a reply draft, the reply it answers.
    pub reply_id: Option<Uuid>,
}

const VIEW: &str = "select d.id, d.campaign_id, c.name as campaign_name, d.lead_id,
        coalesce(nullif(trim(concat_ws(' ', l.first_name, l.last_name)), ''), l.email, l.linkedin_url, 'Unnamed lead') as lead_name,
        l.email as lead_email, l.company, l.als, l.tier, d.step, d.channel, d.status, d.template, d.angle, d.subject_a,
        d.subject_b, d.body, d.content_hash, d.evidence, d.guard, d.generator, d.generator_note, d.edited_from, d.reject_reason, d.due_at, d.created_at,
        d.kind, d.reply_id
     from drafts d
     join campaigns c on c.client_id = d.client_id and c.id = d.campaign_id
     join leads l on l.client_id = d.client_id and l.id = d.lead_id";

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: DraftId) -> Result<Option<DraftView>> {
    Ok(sqlx::query_as(&format!("{VIEW} where d.client_id = $1 and d.id = $2"))
        .bind(ws.0)
        .bind(id.0)
        .fetch_optional(db)
        .await?)
}

/// Where the queue page is: keyset on (created_at, id), oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuePage {
    pub drafts: Vec<DraftView>,
    /// Pending drafts in the queue (of the campaign, when filtered), counted up to `COUNT_CAP`.
    pub pending: i64,
    pub pending_capped: bool,
    pub next: Option<QueueCursor>,
}

pub const COUNT_CAP: i64 = 10_000;

/// One page of the approval queue: pending drafts, oldest first. Keyset paging and a capped
/// count keep it an index range scan at any queue length.
pub async fn queue(db: &mut PgConnection, ws: WorkspaceId, campaign: Option<CampaignId>, after: Option<QueueCursor>, limit: i64) -> Result<QueuePage> {
    let limit = limit.clamp(1, 200);
    // Counted before the page is read: drafting commits between the two statements, and a
    // count taken after could promise drafts the page does not show.
    let pending: i64 = sqlx::query_scalar(
        "select count(*) from (select 1 from drafts where client_id = $1 and status = 'pending'
           and ($2::uuid is null or campaign_id = $2) limit $3) t",
    )
    .bind(ws.0)
    .bind(campaign.map(|c| c.0))
    .bind(COUNT_CAP + 1)
    .fetch_one(&mut *db)
    .await?;
    let mut drafts: Vec<DraftView> = sqlx::query_as(&format!(
        "{VIEW} where d.client_id = $1 and d.status = 'pending' and ($2::uuid is null or d.campaign_id = $2)
           and ($3::timestamptz is null or (d.created_at, d.id) > ($3, $4))
         order by d.created_at, d.id limit $5"
    ))
    .bind(ws.0)
    .bind(campaign.map(|c| c.0))
    .bind(after.map(|a| a.created_at))
    .bind(after.map(|a| a.id))
    .bind(limit + 1)
    .fetch_all(&mut *db)
    .await?;
    let more = drafts.len() as i64 > limit;
    drafts.truncate(limit as usize);
    let next = if more { drafts.last().map(|d| QueueCursor { created_at: d.created_at, id: d.id }) } else { None };
    Ok(QueuePage { drafts, pending: pending.min(COUNT_CAP), pending_capped: pending > COUNT_CAP, next })
}

/// Approves a pending draft if its content is still `seen_hash`. Returns false when the draft
/// is not pending any more or changed meanwhile (nothing written).
pub async fn approve(conn: &mut PgConnection, ws: WorkspaceId, id: DraftId, seen_hash: &str, by: UserId, batch: Option<BatchId>) -> Result<bool> {
    Ok(sqlx::query(
        "update drafts set status = 'approved', approved_by = $4, approved_at = now(), approved_hash = content_hash,
                batch_id = $5, updated_at = now()
         where client_id = $1 and id = $2 and status = 'pending' and content_hash = $3",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(seen_hash)
    .bind(by.0)
    .bind(batch.map(|b| b.0))
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Rejects a pending draft and remembers why (rejection memory). False when not pending.
pub async fn reject(conn: &mut PgConnection, ws: WorkspaceId, id: DraftId, reason: &str, fingerprint: &str, evidence_keys: &[String], by: UserId) -> Result<bool> {
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "update drafts set status = 'rejected', rejected_by = $4, rejected_at = now(), reject_reason = $3, updated_at = now()
         where client_id = $1 and id = $2 and status = 'pending'
         returning lead_id, template",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(reason)
    .bind(by.0)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((lead, template)) = row else { return Ok(false) };
    sqlx::query(
        "insert into rejections (client_id, lead_id, draft_id, template, reason, fingerprint, evidence_keys)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(id.0)
    .bind(template)
    .bind(reason)
    .bind(fingerprint)
    .bind(evidence_keys)
    .execute(conn)
    .await?;
    Ok(true)
}

/// Replaces a pending draft's text, keeping the original the first time it is edited (so the
/// diff shown is against what the drafter wrote). False when not pending or changed meanwhile.
pub async fn edit(conn: &mut PgConnection, ws: WorkspaceId, id: DraftId, seen_hash: &str, subject_a: &str, subject_b: &str, body: &str, new_hash: &str) -> Result<bool> {
    Ok(sqlx::query(
        "update drafts set
            edited_from = coalesce(edited_from, jsonb_build_object('subject_a', subject_a, 'subject_b', subject_b, 'body', body)),
            subject_a = $4, subject_b = $5, body = $6, content_hash = $7, updated_at = now()
         where client_id = $1 and id = $2 and status = 'pending' and content_hash = $3",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(seen_hash)
    .bind(subject_a)
    .bind(subject_b)
    .bind(body)
    .bind(new_hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// One frozen item of a bulk approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchItem {
    pub draft: Uuid,
    pub hash: String,
}

/// The pending drafts a bulk approval would take: of a campaign (or all), up to `limit`.
pub async fn pending_items<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, campaign: Option<CampaignId>, limit: i64) -> Result<Vec<BatchItem>> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, content_hash from drafts where client_id = $1 and status = 'pending' and ($2::uuid is null or campaign_id = $2)
         order by created_at, id limit $3",
    )
    .bind(ws.0)
    .bind(campaign.map(|c| c.0))
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(draft, hash)| BatchItem { draft, hash }).collect())
}

pub async fn insert_batch(conn: &mut PgConnection, ws: WorkspaceId, items: &[BatchItem], expires_at: DateTime<Utc>, by: UserId) -> Result<BatchId> {
    let id: Uuid = sqlx::query_scalar("insert into approval_batches (client_id, created_by, items, expires_at) values ($1, $2, $3, $4) returning id")
        .bind(ws.0)
        .bind(by.0)
        .bind(serde_json::to_value(items).map_err(|e| Error::Internal(e.into()))?)
        .bind(expires_at)
        .fetch_one(conn)
        .await?;
    Ok(BatchId(id))
}

/// Marks the batch executed and returns its items — once: a second call (a double click, a
/// retried request) gets `None`. Expired batches also get `None`.
pub async fn claim_batch(conn: &mut PgConnection, ws: WorkspaceId, id: BatchId, now: DateTime<Utc>) -> Result<Option<Vec<BatchItem>>> {
    let items: Option<serde_json::Value> = sqlx::query_scalar(
        "update approval_batches set executed_at = $3
         where client_id = $1 and id = $2 and executed_at is null and expires_at > $3
         returning items",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    items.map(|v| serde_json::from_value(v).map_err(|e| Error::Internal(e.into()))).transpose()
}

pub async fn finish_batch(conn: &mut PgConnection, ws: WorkspaceId, id: BatchId, approved: i32, stale: i32) -> Result<()> {
    sqlx::query("update approval_batches set approved = $3, stale = $4 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id.0)
        .bind(approved)
        .bind(stale)
        .execute(conn)
        .await?;
    Ok(())
}

/// Approves many drafts at once, each only if still pending with the frozen hash. Returns the
/// ids approved.
pub async fn approve_frozen(conn: &mut PgConnection, ws: WorkspaceId, items: &[BatchItem], by: UserId, batch: BatchId) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = items.iter().map(|i| i.draft).collect();
    let hashes: Vec<&str> = items.iter().map(|i| i.hash.as_str()).collect();
    Ok(sqlx::query_scalar(
        "update drafts d set status = 'approved', approved_by = $4, approved_at = now(), approved_hash = d.content_hash,
                batch_id = $5, updated_at = now()
         from unnest($2::uuid[], $3::text[]) as f(id, hash)
         where d.client_id = $1 and d.id = f.id and d.status = 'pending' and d.content_hash = f.hash
         returning d.id",
    )
    .bind(ws.0)
    .bind(&ids)
    .bind(&hashes)
    .bind(by.0)
    .bind(batch.0)
    .fetch_all(conn)
    .await?)
}

/// The pending drafts among `ids` (a reviewer's selection), with their current hashes.
pub async fn selected_items<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, ids: &[Uuid]) -> Result<Vec<BatchItem>> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, content_hash from drafts where client_id = $1 and status = 'pending' and id = any($2)
         order by created_at, id",
    )
    .bind(ws.0)
    .bind(ids)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(draft, hash)| BatchItem { draft, hash }).collect())
}

/// The copy each lead received or has on its way, in any campaign: the templates and angles
/// of its sequence emails sent, held in shadow, or queued in the outbox. What revival avoids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReceived {
    pub templates: Vec<String>,
    pub angles: Vec<String>,
}

pub async fn copy_received<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, leads: &[Uuid]) -> Result<HashMap<Uuid, CopyReceived>> {
    let rows: Vec<(Uuid, Vec<String>, Vec<String>)> = sqlx::query_as(
        "select o.lead_id, array_agg(distinct d.template), array_agg(distinct d.angle)
         from outbox o join drafts d on d.client_id = o.client_id and d.id = o.draft_id
         where o.client_id = $1 and o.lead_id = any($2) and o.kind = 'sequence' and o.state in ('pending', 'sending', 'sent', 'unknown', 'shadow')
         group by o.lead_id",
    )
    .bind(ws.0)
    .bind(leads)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(lead, templates, angles)| (lead, CopyReceived { templates, angles })).collect())
}

/// Takes the lead's waiting cadence drafts out of the queue (the lead replied, opted out or
/// converted): they are marked rejected with `reason`, without feeding rejection memory (their
/// text was not at fault). Returns their ids.
pub async fn withdraw_sequence(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, reason: &str) -> Result<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "update drafts set status = 'rejected', reject_reason = $3, rejected_at = now(), updated_at = now()
         where client_id = $1 and lead_id = $2 and status = 'pending' and kind = 'sequence'
         returning id",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(reason)
    .fetch_all(conn)
    .await?)
}

/// A suggested answer to a reply, waiting for approval.
#[derive(Debug, Clone)]
pub struct NewReplyDraft {
    pub campaign: CampaignId,
    pub lead: Uuid,
    pub reply: Uuid,
    pub template: String,
    pub subject: String,
    pub body: String,
    pub content_hash: String,
    pub generator: String,
    pub due_at: DateTime<Utc>,
}

/// Steps of reply drafts start here, above any cadence's steps.
pub const REPLY_STEP_BASE: i16 = 100;

/// Queues a reply draft (pending) on the next free reply step of the lead in the campaign; one
/// per reply. Returns its id, `None` when the reply already has one.
pub async fn insert_reply(conn: &mut PgConnection, ws: WorkspaceId, d: &NewReplyDraft) -> Result<Option<DraftId>> {
    let id: Option<Uuid> = sqlx::query_scalar(
        "insert into drafts (client_id, campaign_id, lead_id, step, channel, due_at, template, angle, subject_a, subject_b,
                             body, content_hash, generator, status, kind, reply_id)
         select $1, $2, $3,
                greatest($11, coalesce((select max(step) + 1 from drafts where client_id = $1 and campaign_id = $2 and lead_id = $3 and kind = 'reply'), $11)),
                'email', $4, $5, 'reply', $6, $6, $7, $8, $9, 'pending', 'reply', $10
         where not exists (select 1 from drafts where client_id = $1 and reply_id = $10 and kind = 'reply')
         on conflict (client_id, campaign_id, lead_id, step, channel) where status in ('pending', 'approved', 'sent') do nothing
         returning id",
    )
    .bind(ws.0)
    .bind(d.campaign.0)
    .bind(d.lead)
    .bind(d.due_at)
    .bind(&d.template)
    .bind(&d.subject)
    .bind(&d.body)
    .bind(&d.content_hash)
    .bind(&d.generator)
    .bind(d.reply)
    .bind(REPLY_STEP_BASE)
    .fetch_optional(conn)
    .await?;
    Ok(id.map(DraftId))
}
