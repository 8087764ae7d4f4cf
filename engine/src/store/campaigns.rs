//! Campaigns and their enrolled leads. Every function takes the workspace id and filters by it.
//! Settings are stored as validated by `domain::campaign`; reading them back re-validates
//! nothing but fails loudly on a row the domain cannot read.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::cadence::Cadence;
use domain::campaign::{CampaignSettings, CampaignStatus, PermissionMode, TargetAccount};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::leads::LeadFilter;
use domain::score::Channel;
use domain::window::SendingWindow;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: CampaignId,
    pub status: CampaignStatus,
    pub settings: CampaignSettings,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
}

/// A campaign in the list, with its numbers.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub id: CampaignId,
    pub name: String,
    pub status: CampaignStatus,
    /// Leads enrolled.
    pub leads: i64,
    /// Drafts waiting for approval.
    pub pending_drafts: i64,
    /// Messages sent.
    pub sent: i64,
    pub created_at: DateTime<Utc>,
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("stored campaign unreadable: {e}"))
}

fn channels_text(c: &[Channel]) -> Vec<String> {
    c.iter().map(|c| c.as_str().to_string()).collect()
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(e.into()))
}

pub async fn insert(conn: &mut PgConnection, ws: WorkspaceId, s: &CampaignSettings, by: UserId) -> Result<CampaignId> {
    let id: Uuid = sqlx::query_scalar(
        "insert into campaigns (client_id, name, description, permission_mode, channels, cadence, sending_window,
                                time_zone, ramp, target_accounts, sender_name, sender_company, physical_address, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning id",
    )
    .bind(ws.0)
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.permission_mode.map(|m| m.as_str()))
    .bind(channels_text(&s.channels))
    .bind(json(&s.cadence)?)
    .bind(json(&s.window)?)
    .bind(&s.time_zone)
    .bind(s.ramp)
    .bind(json(&s.target_accounts)?)
    .bind(&s.sender_name)
    .bind(&s.sender_company)
    .bind(&s.physical_address)
    .bind(by.0)
    .fetch_one(conn)
    .await?;
    Ok(CampaignId(id))
}

pub async fn update(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId, s: &CampaignSettings) -> Result<bool> {
    Ok(sqlx::query(
        "update campaigns set name = $3, description = $4, permission_mode = $5, channels = $6, cadence = $7,
                sending_window = $8, time_zone = $9, ramp = $10, target_accounts = $11, sender_name = $12,
                sender_company = $13, physical_address = $14, updated_at = now()
         where client_id = $1 and id = $2 and status <> 'archived'",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(&s.name)
    .bind(&s.description)
    .bind(s.permission_mode.map(|m| m.as_str()))
    .bind(channels_text(&s.channels))
    .bind(json(&s.cadence)?)
    .bind(json(&s.window)?)
    .bind(&s.time_zone)
    .bind(s.ramp)
    .bind(json(&s.target_accounts)?)
    .bind(&s.sender_name)
    .bind(&s.sender_company)
    .bind(&s.physical_address)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    description: String,
    status: String,
    permission_mode: Option<String>,
    channels: Vec<String>,
    cadence: serde_json::Value,
    sending_window: serde_json::Value,
    time_zone: String,
    ramp: bool,
    target_accounts: serde_json::Value,
    sender_name: String,
    sender_company: String,
    physical_address: String,
    created_at: DateTime<Utc>,
    activated_at: Option<DateTime<Utc>>,
}

fn campaign(r: Row) -> Result<Campaign> {
    let channels = r
        .channels
        .iter()
        .map(|c| serde_json::from_value::<Channel>(serde_json::Value::String(c.clone())).map_err(internal))
        .collect::<Result<Vec<_>>>()?;
    Ok(Campaign {
        id: CampaignId(r.id),
        status: r.status.parse().map_err(internal)?,
        settings: CampaignSettings {
            name: r.name,
            description: r.description,
            permission_mode: r.permission_mode.map(|m| m.parse::<PermissionMode>()).transpose().map_err(internal)?,
            channels,
            cadence: serde_json::from_value::<Cadence>(r.cadence).map_err(internal)?,
            window: serde_json::from_value::<SendingWindow>(r.sending_window).map_err(internal)?,
            time_zone: r.time_zone,
            ramp: r.ramp,
            target_accounts: serde_json::from_value::<Vec<TargetAccount>>(r.target_accounts).map_err(internal)?,
            sender_name: r.sender_name,
            sender_company: r.sender_company,
            physical_address: r.physical_address,
        },
        created_at: r.created_at,
        activated_at: r.activated_at,
    })
}

const COLUMNS: &str = "id, name, description, status, permission_mode, channels, cadence, sending_window, time_zone, ramp,
     target_accounts, sender_name, sender_company, physical_address, created_at, activated_at";

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: CampaignId) -> Result<Option<Campaign>> {
    let row: Option<Row> = sqlx::query_as(&format!("select {COLUMNS} from campaigns where client_id = $1 and id = $2"))
        .bind(ws.0)
        .bind(id.0)
        .fetch_optional(db)
        .await?;
    row.map(campaign).transpose()
}

/// Locks the campaign row for a status change.
pub async fn get_for_update(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId) -> Result<Option<Campaign>> {
    let row: Option<Row> = sqlx::query_as(&format!("select {COLUMNS} from campaigns where client_id = $1 and id = $2 for update"))
        .bind(ws.0)
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.map(campaign).transpose()
}

pub async fn list<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, include_archived: bool) -> Result<Vec<CampaignSummary>> {
    let rows: Vec<(Uuid, String, String, i64, i64, i64, DateTime<Utc>)> = sqlx::query_as(
        "select c.id, c.name, c.status,
                (select count(*) from campaign_leads l where l.client_id = c.client_id and l.campaign_id = c.id),
                (select count(*) from drafts d where d.client_id = c.client_id and d.campaign_id = c.id and d.status = 'pending'),
                (select count(*) from outbox o where o.client_id = c.client_id and o.campaign_id = c.id and o.state in ('sent', 'shadow')),
                c.created_at
         from campaigns c
         where c.client_id = $1 and ($2 or c.status <> 'archived')
         order by (c.status = 'archived'), c.created_at desc",
    )
    .bind(ws.0)
    .bind(include_archived)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, name, status, leads, pending_drafts, sent, created_at)| {
            Ok(CampaignSummary { id: CampaignId(id), name, status: status.parse().map_err(internal)?, leads, pending_drafts, sent, created_at })
        })
        .collect()
}

pub async fn set_status(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId, status: CampaignStatus) -> Result<()> {
    sqlx::query(
        "update campaigns set status = $3, updated_at = now(),
                activated_at = case when $3 = 'active' then coalesce(activated_at, now()) else activated_at end
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(status.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Active campaigns of the workspace, for the plan limit (call inside the transaction that
/// activates, after locking the workspace row, so two activations cannot both pass).
pub async fn count_active(conn: &mut PgConnection, ws: WorkspaceId) -> Result<u32> {
    let n: i64 = sqlx::query_scalar("select count(*) from campaigns where client_id = $1 and status = 'active'")
        .bind(ws.0)
        .fetch_one(conn)
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Enrols the leads matching the filter (the Leads page's current filter) that are not
/// terminal and not already enrolled. Returns how many were added.
pub async fn enroll_by_filter(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId, filter: &LeadFilter, limit: i64) -> Result<u64> {
    let mut q: QueryBuilder<'_, Postgres> = QueryBuilder::new("insert into campaign_leads (client_id, campaign_id, lead_id) select client_id, ");
    q.push_bind(id.0).push(", id");
    crate::store::leads::push_where(&mut q, ws, filter);
    q.push(" and status not in ('converted', 'not_interested', 'unsubscribed', 'bounced', 'suppressed', 'exhausted', 'dead')");
    q.push(" order by als desc nulls last, id limit ").push_bind(limit.max(0));
    q.push(" on conflict do nothing");
    Ok(q.build().execute(conn).await?.rows_affected())
}

/// What enrolling a list of leads by id did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct IdEnrolment {
    /// Distinct ids asked for.
    pub asked: i64,
    /// Of those, the live leads of this workspace.
    pub found: i64,
    /// Of those, the ones whose status ends outreach (converted, unsubscribed, bounced, …).
    pub finished: i64,
    /// Added now; the rest of the found, unfinished ones were already in the campaign.
    pub enrolled: i64,
}

/// Enrols these leads of the workspace (ids of other workspaces or deleted leads count as not
/// found), except those whose status ends outreach, like [`enroll_by_filter`].
pub async fn enroll_ids(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId, leads: &[Uuid]) -> Result<IdEnrolment> {
    Ok(sqlx::query_as(
        "with asked as (select distinct l as id from unnest($3::uuid[]) as l),
              found as (select le.id, le.status in ('converted', 'not_interested', 'unsubscribed', 'bounced', 'suppressed', 'exhausted', 'dead') as finished
                        from leads le join asked a on a.id = le.id
                        where le.client_id = $1 and le.deleted_at is null),
              added as (insert into campaign_leads (client_id, campaign_id, lead_id)
                        select $1, $2, f.id from found f where not f.finished
                        on conflict do nothing returning lead_id)
         select (select count(*) from asked) as asked, (select count(*) from found) as found,
                (select count(*) from found where finished) as finished, (select count(*) from added) as enrolled",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(leads)
    .fetch_one(conn)
    .await?)
}

/// A revival candidate matching the Leads page's filter, with what decides whether it may join
/// a campaign "with new copy" (`flows::campaigns::enroll_revival`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevivalCandidate {
    pub id: Uuid,
    pub email: Option<String>,
    /// On the workspace's or the platform's list (the address, its domain or the company's).
    pub suppressed: bool,
    /// Its enrolment in the chosen campaign, past or present (`active`, `exited`, `finished`).
    pub here: Option<String>,
    /// Still in another campaign's cadence.
    pub elsewhere: bool,
}

/// The revival candidates matching `filter` (its status is ignored: only `revival_candidate`),
/// best score first, at most `limit`, locked against a concurrent enrolment.
pub async fn revival_candidates(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId, filter: &LeadFilter, limit: i64) -> Result<Vec<RevivalCandidate>> {
    let filter = LeadFilter { status: Some(domain::lead_status::LeadStatus::RevivalCandidate), ..filter.clone() };
    let mut q: QueryBuilder<'_, Postgres> = QueryBuilder::new("with picked as (select id, email, company_domain");
    crate::store::leads::push_where(&mut q, ws, &filter);
    q.push(" order by als desc nulls last, id limit ").push_bind(limit.max(0));
    q.push(" for update)
        select p.id, p.email,
               (p.email is not null and (
                  exists (select 1 from suppressions s where s.client_id = ").push_bind(ws.0).push(" and (s.address = lower(p.email)
                          or (s.kind = 'domain' and s.address = any(agency_os_domain_and_parents(split_part(lower(p.email), '@', 2)) || agency_os_domain_and_parents(p.company_domain)))))
                  or exists (select 1 from platform_suppressions ps where ps.value = lower(p.email)
                          or (ps.kind = 'domain' and ps.value = any(agency_os_domain_and_parents(split_part(lower(p.email), '@', 2)) || agency_os_domain_and_parents(p.company_domain))))
               )) as suppressed,
               (select cl.state from campaign_leads cl where cl.client_id = ").push_bind(ws.0).push(" and cl.campaign_id = ").push_bind(id.0).push(" and cl.lead_id = p.id) as here,
               exists (select 1 from campaign_leads cl where cl.client_id = ").push_bind(ws.0).push(" and cl.lead_id = p.id and cl.state = 'active' and cl.campaign_id <> ").push_bind(id.0).push(") as elsewhere
        from picked p order by p.id");
    Ok(q.build_query_as().fetch_all(conn).await?)
}

/// Enrols these leads for revival: drafting writes to them only with copy they have not been
/// sent. Returns how many were added.
pub async fn enroll_revival(conn: &mut PgConnection, ws: WorkspaceId, id: CampaignId, leads: &[Uuid]) -> Result<u64> {
    Ok(sqlx::query(
        "insert into campaign_leads (client_id, campaign_id, lead_id, revival)
         select $1, $2, l, true from unnest($3::uuid[]) as l
         on conflict do nothing",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(leads)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A lead enrolled in a campaign, as the drafting flow needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Enrolled {
    pub lead_id: Uuid,
    pub enrolled_at: DateTime<Utc>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub industry: Option<String>,
    pub location: Option<String>,
    pub employee_count: Option<i32>,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub status: String,
    /// The lead was deleted after enrolment: a page keeps it so its keyset position counts,
    /// and drafting skips it.
    pub deleted: bool,
    /// Enrolled for revival: drafting uses only copy the lead has not been sent.
    pub revival: bool,
}

const ENROLLED: &str = "select cl.lead_id, cl.enrolled_at, l.first_name, l.last_name, l.title, l.company, l.company_domain, l.industry,
                l.location, l.employee_count, l.email, l.linkedin_url, l.status, false as deleted, cl.revival
         from campaign_leads cl
         join leads l on l.client_id = cl.client_id and l.id = cl.lead_id and l.deleted_at is null
         where cl.client_id = $1 and cl.campaign_id = $2 and cl.state = 'active'";

/// One active enrolment.
pub async fn enrolled_lead<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: CampaignId, lead: Uuid) -> Result<Option<Enrolled>> {
    Ok(sqlx::query_as(&format!("{ENROLLED} and cl.lead_id = $3")).bind(ws.0).bind(id.0).bind(lead).fetch_optional(db).await?)
}

/// Active enrolments of an active campaign after `after` (keyset by lead id), for drafting,
/// deleted leads included and flagged (a page of only deleted leads must not end the walk).
///
/// The page of enrolments is taken first and its leads looked up by primary key (`= any`):
/// written as a plain join, right after a large import (before autovacuum has analysed the
/// new rows) the planner took the workspace's leads for one row and scanned all of them once
/// per enrolment — 10,000 leads took ~16 s per pass that way.
pub async fn enrolled_batch<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: CampaignId, after: Option<Uuid>, limit: i64) -> Result<Vec<Enrolled>> {
    Ok(sqlx::query_as(
        "with page as materialized (
            select lead_id, enrolled_at, revival from campaign_leads
            where client_id = $1 and campaign_id = $2 and state = 'active' and ($3::uuid is null or lead_id > $3)
            order by lead_id limit $4
         )
         select p.lead_id, p.enrolled_at, l.first_name, l.last_name, l.title, l.company, l.company_domain, l.industry,
                l.location, l.employee_count, l.email, l.linkedin_url, l.status, l.deleted_at is not null as deleted, p.revival
         from leads l
         join page p on p.lead_id = l.id
         where l.client_id = $1 and l.id = any(array(select lead_id from page))
         order by p.lead_id",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Ends every active enrolment of the lead (a reply, an opt-out, a conversion): the cadence
/// sends nothing more. Returns the campaigns it left.
pub async fn exit_lead(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, reason: &str, at: DateTime<Utc>) -> Result<Vec<CampaignId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "update campaign_leads set state = 'exited', exit_reason = $3, exited_at = $4, paused_until = null
         where client_id = $1 and lead_id = $2 and state = 'active'
         returning campaign_id",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(reason)
    .bind(at)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(CampaignId).collect())
}

/// Pauses every active enrolment of the lead until `until` (out of office), shifting what is
/// still to come by the pause so the cadence resumes where it stopped with its spacing kept:
/// the enrolment's day 1, the pending drafts' due times and the pending outbox rows. A pause
/// that ends earlier than one already in force changes nothing. Returns the campaigns paused,
/// each with the shift it got in milliseconds (what undoing the pause moves back).
pub async fn pause_lead(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, until: DateTime<Utc>, now: DateTime<Utc>) -> Result<Vec<(CampaignId, i64)>> {
    // The shift is what this pause adds beyond one already in force.
    let rows: Vec<(Uuid, f64)> = sqlx::query_as(
        "with old as (
            select campaign_id, greatest(coalesce(paused_until, $4), $4) as from_at from campaign_leads
            where client_id = $1 and lead_id = $2 and state = 'active' and (paused_until is null or paused_until < $3)
            for update
         )
         update campaign_leads cl set paused_until = $3, enrolled_at = cl.enrolled_at + ($3 - old.from_at)
         from old where cl.client_id = $1 and cl.lead_id = $2 and cl.campaign_id = old.campaign_id
         returning cl.campaign_id, extract(epoch from ($3 - old.from_at))::float8",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(until)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let mut paused = Vec::with_capacity(rows.len());
    for (campaign, secs) in &rows {
        let millis = (secs * 1000.0) as i64;
        let shift = chrono::Duration::milliseconds(millis);
        paused.push((CampaignId(*campaign), millis));
        for sql in [
            "update outbox set not_before = greatest(not_before + $4, $5), updated_at = now()
             where client_id = $1 and lead_id = $2 and campaign_id = $3 and state = 'pending' and kind = 'sequence'",
            "update drafts set due_at = greatest(due_at + $4, $5), updated_at = now()
             where client_id = $1 and lead_id = $2 and campaign_id = $3 and status in ('pending', 'approved') and kind = 'sequence'",
        ] {
            sqlx::query(sql).bind(ws.0).bind(lead).bind(campaign).bind(shift).bind(until).execute(&mut *conn).await?;
        }
    }
    Ok(paused)
}

/// Ends the pauses that are over by `now`, across workspaces (the scheduler's sweep): returns
/// (workspace, lead, campaign) of each enrolment resumed.
pub async fn resume_due(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Vec<(WorkspaceId, Uuid, CampaignId)>> {
    let rows: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "update campaign_leads set paused_until = null
         where paused_until is not null and paused_until <= $1
         returning client_id, lead_id, campaign_id",
    )
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(w, l, c)| (WorkspaceId(w), l, CampaignId(c))).collect())
}

/// Every target account of the workspace's active campaigns (what scoring multiplies).
pub async fn active_target_accounts<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<TargetAccount>> {
    let lists: Vec<serde_json::Value> =
        sqlx::query_scalar("select target_accounts from campaigns where client_id = $1 and status = 'active' and target_accounts <> '[]'::jsonb")
            .bind(ws.0)
            .fetch_all(db)
            .await?;
    Ok(lists.into_iter().flat_map(|l| serde_json::from_value::<Vec<TargetAccount>>(l).unwrap_or_default()).collect())
}
