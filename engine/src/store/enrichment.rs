//! Enrichment bookkeeping in Postgres: the workspace's plan and credits, which leads are still
//! pending enrichment, and the one transaction that writes an enrichment (log row, credit
//! charge, lead update) so that it happens exactly once per lead.
//!
//! Every function takes the workspace id and filters by it. This module does not call
//! providers or decide what to accept: that is `flows::enrich`.

use crate::Result;
use domain::ids::WorkspaceId;
use domain::lead_status::LeadStatus;
use domain::leads::canonical_email;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A workspace's plan as far as enrichment cares (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanState {
    pub plan: String,
    pub subscription_status: String,
    pub credits_remaining: i32,
}

impl PlanState {
    /// SPEC §2: enrichment and sending run only for `trialing` and `active`.
    pub fn may_enrich(&self) -> bool {
        matches!(self.subscription_status.as_str(), "trialing" | "active")
    }
}

pub async fn plan_state<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<PlanState>> {
    Ok(sqlx::query_as(
        "select plan, subscription_status, credits_remaining from workspaces where id = $1 and deleted_at is null",
    )
    .bind(ws.0)
    .fetch_optional(db)
    .await?)
}

/// Operator and billing use: set status and credits (tests use it to reach each state).
pub async fn set_plan_state<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, status: &str, credits: i32) -> Result<()> {
    sqlx::query("update workspaces set subscription_status = $2, credits_remaining = $3 where id = $1")
        .bind(ws.0)
        .bind(status)
        .bind(credits)
        .execute(db)
        .await?;
    Ok(())
}

/// What the waterfall needs to know about a lead.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PendingLead {
    pub id: Uuid,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    /// Which people search found the lead, and its id there (see `flows::discover`).
    pub source_provider: Option<String>,
    pub provider_ref: Option<String>,
}

const PENDING: &str = "select l.id, l.email, l.linkedin_url, l.first_name, l.last_name, l.company, l.company_domain,
            l.source_provider, l.provider_ref
     from leads l
     where l.client_id = $1 and l.status = 'new' and l.deleted_at is null
       and not exists (select 1 from enrichment_log e where e.client_id = l.client_id and e.lead_id = l.id)";

/// The next `limit` pending leads after `after` (keyset order by id), for the pipeline.
pub async fn pending_batch<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, after: Option<Uuid>, limit: i64) -> Result<Vec<PendingLead>> {
    Ok(sqlx::query_as(&format!("{PENDING} and ($2::uuid is null or l.id > $2) order by l.id limit $3"))
        .bind(ws.0)
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// Of the given leads, those still pending: what a (re)tried batch job still has to do.
pub async fn pending_among<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, ids: &[Uuid]) -> Result<Vec<PendingLead>> {
    Ok(sqlx::query_as(&format!("{PENDING} and l.id = any($2) order by l.id"))
        .bind(ws.0)
        .bind(ids)
        .fetch_all(db)
        .await?)
}

pub async fn count_pending<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!("select count(*) from ({PENDING}) p"))
        .bind(ws.0)
        .fetch_one(db)
        .await?)
}

/// The accepted data, already normalised by the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrichment {
    pub provider: String,
    /// `provider` or `cache`.
    pub source: &'static str,
    pub confidence: f32,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub title: Option<String>,
    pub company_domain: Option<String>,
    pub linkedin_url: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Logged, one credit taken, lead updated.
    Charged,
    /// An earlier run already enriched or skipped this lead: nothing written.
    AlreadyDone,
    /// No credit left: the caller must roll back (nothing of this lead is kept).
    NoCredits,
}

/// Writes one enrichment inside the caller's transaction: the log row (its primary key makes a
/// second attempt a no-op), the credit (decremented only while positive) and the lead.
///
/// The lead keeps what it already had (what the user gave wins over provider data) and gains
/// what it lacked. An email or LinkedIn URL another lead of the workspace already has is not
/// copied, so enrichment can never create a duplicate. `next_status` comes from the domain
/// status machine.
pub async fn record_enriched(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, e: &Enrichment, next_status: LeadStatus) -> Result<Charge> {
    let logged = sqlx::query(
        "insert into enrichment_log (client_id, lead_id, outcome, provider, source, confidence, credits, reason)
         values ($1, $2, 'enriched', $3, $4, $5, 1, $6) on conflict do nothing",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(&e.provider)
    .bind(e.source)
    .bind(e.confidence)
    .bind(&e.reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if logged == 0 {
        return Ok(Charge::AlreadyDone);
    }
    let charged = sqlx::query("update workspaces set credits_remaining = credits_remaining - 1 where id = $1 and credits_remaining > 0")
        .bind(ws.0)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if charged == 0 {
        return Ok(Charge::NoCredits);
    }
    let email = canonical_email(&e.email);
    sqlx::query(
        "update leads l set
            email = case when l.email is null and not exists (
                        select 1 from leads o where o.client_id = l.client_id and o.email = $3 and o.deleted_at is null)
                    then $3 else l.email end,
            email_verified = l.email_verified or l.email is null or l.email = $3,
            linkedin_url = case when l.linkedin_url is null and not exists (
                        select 1 from leads o where o.client_id = l.client_id and o.linkedin_url = $9 and o.deleted_at is null)
                    then $9 else l.linkedin_url end,
            first_name = coalesce(l.first_name, $4),
            last_name = coalesce(l.last_name, $5),
            company = coalesce(l.company, $6),
            title = coalesce(l.title, $7),
            company_domain = coalesce(l.company_domain, lower($8)),
            phone = coalesce(l.phone, $10),
            location = coalesce(l.location, $11),
            industry = coalesce(l.industry, $12),
            employee_count = coalesce(l.employee_count, $13),
            enrichment_source = $14,
            enrichment_confidence = $15,
            -- a lead that moved on meanwhile (scored, contacted) keeps its status
            status = case when l.status = 'new' then $16 else l.status end,
            updated_at = now()
         where l.client_id = $1 and l.id = $2",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(&email)
    .bind(&e.first_name)
    .bind(&e.last_name)
    .bind(&e.company)
    .bind(&e.title)
    .bind(&e.company_domain)
    .bind(&e.linkedin_url)
    .bind(&e.phone)
    .bind(&e.location)
    .bind(&e.industry)
    .bind(e.employee_count)
    .bind(&e.provider)
    .bind(e.confidence)
    .bind(next_status.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(Charge::Charged)
}

/// A lead found by a people search whose enrichment revealed someone the workspace already
/// has (same email or LinkedIn URL on another live lead): it is retired (soft-deleted, keeping
/// its provider id so the next search does not bring it back) and its enrichment logged as a
/// skip naming the lead it duplicates; no credit is charged. Returns that lead, or `None` (and
/// changes nothing) when the lead is not a found one or has no twin.
pub async fn retire_found_duplicate(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, email: &str, linkedin_url: Option<&str>) -> Result<Option<Uuid>> {
    let twin: Option<Uuid> = sqlx::query_scalar(
        "select o.id from leads l
         join leads o on o.client_id = l.client_id and o.id <> l.id and o.deleted_at is null
                     and (o.email = $3 or ($4::text is not null and o.linkedin_url = $4))
         where l.client_id = $1 and l.id = $2 and l.provider_ref is not null and l.email is null
           and l.deleted_at is null
         order by o.created_at limit 1",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(canonical_email(email))
    .bind(linkedin_url)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(twin) = twin else { return Ok(None) };
    let logged = record_skipped(&mut *conn, ws, lead, &format!("same person as lead {twin}; this found lead was retired")).await?;
    if !logged {
        return Ok(None);
    }
    sqlx::query("update leads set deleted_at = now(), updated_at = now() where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(lead)
        .execute(&mut *conn)
        .await?;
    Ok(Some(twin))
}

/// Records that the waterfall found nothing acceptable: the lead stays `new` and un-enriched
/// (SPEC §5 "graceful skip"), is not charged, and is not tried again by the pipeline.
pub async fn record_skipped<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, lead: Uuid, reason: &str) -> Result<bool> {
    Ok(sqlx::query(
        "insert into enrichment_log (client_id, lead_id, outcome, reason) values ($1, $2, 'skipped', $3)
         on conflict do nothing",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(reason)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Credits a month per plan tier (SPEC §2 "lead pool"), the figure a reset restores.
pub fn lead_pool(plan: &str) -> i32 {
    match plan {
        "velocity" => 2_250,
        "dominance" => 4_500,
        _ => 1_250,
    }
}

/// The monthly reset (SPEC §2): every workspace whose `credits_reset_at` has passed gets its
/// tier's lead pool back (set, not added: unused credits do not roll over) and its next reset a
/// month later. Setting rather than adding is what makes a repeated or concurrent run harmless.
///
/// Unlike the rest of the store this spans workspaces: it is the scheduler's sweep, run by the
/// worker, never on behalf of a user.
pub async fn reset_due_credits<'e>(db: impl PgExecutor<'e>, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    Ok(sqlx::query(
        "update workspaces set
            credits_remaining = case plan when 'velocity' then 2250 when 'dominance' then 4500 else 1250 end,
            -- keep the anchor day; a workspace months behind (worker down) restarts from now
            credits_reset_at = case when credits_reset_at + interval '1 month' > $1
                                    then credits_reset_at + interval '1 month'
                                    else $1 + interval '1 month' end
         where credits_reset_at <= $1 and deleted_at is null",
    )
    .bind(now)
    .execute(db)
    .await?
    .rows_affected())
}
