//! Activities (SPEC §3, §11): every touch and signal on a lead, the lead page's timeline and the
//! Dashboard's feed. Every function takes the workspace id and filters by it.
//!
//! Writers call [`record`] (one) or [`record_many`] (a page of them, one statement) inside the
//! transaction that made the change, so an activity exists exactly when its change does. A
//! `dedupe_key` makes recording the same event twice a no-op.

use crate::Result;
use chrono::{DateTime, Utc};
use domain::activity::ActivityKind;
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::leads::LeadId;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

/// An activity to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub lead: Option<LeadId>,
    pub campaign: Option<CampaignId>,
    pub outbox: Option<Uuid>,
    pub reply: Option<Uuid>,
    pub kind: ActivityKind,
    pub channel: Option<String>,
    pub actor: Option<UserId>,
    pub summary: String,
    pub detail: serde_json::Value,
    pub dedupe_key: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

impl NewActivity {
    /// An activity on a lead with no campaign, outbox row, reply, actor or dedupe key yet.
    pub fn on_lead(lead: LeadId, kind: ActivityKind, summary: impl Into<String>, at: DateTime<Utc>) -> Self {
        NewActivity {
            lead: Some(lead),
            campaign: None,
            outbox: None,
            reply: None,
            kind,
            channel: None,
            actor: None,
            summary: summary.into(),
            detail: serde_json::json!({}),
            dedupe_key: None,
            occurred_at: at,
        }
    }
}

/// Summaries are for people; a long one is cut rather than refused.
fn summary(s: &str) -> String {
    if s.chars().count() <= 1000 {
        s.to_string()
    } else {
        s.chars().take(999).collect::<String>() + "…"
    }
}

/// Records one activity; false when its dedupe key was already recorded (nothing written).
pub async fn record(tx: &mut PgConnection, ws: WorkspaceId, a: &NewActivity) -> Result<bool> {
    Ok(record_many(tx, ws, std::slice::from_ref(a)).await? == 1)
}

/// Records many activities in one statement; returns how many were new (dedupe keys already
/// recorded are skipped).
pub async fn record_many(tx: &mut PgConnection, ws: WorkspaceId, all: &[NewActivity]) -> Result<u64> {
    if all.is_empty() {
        return Ok(0);
    }
    let leads: Vec<Option<Uuid>> = all.iter().map(|a| a.lead.map(|l| l.0)).collect();
    let campaigns: Vec<Option<Uuid>> = all.iter().map(|a| a.campaign.map(|c| c.0)).collect();
    let outbox: Vec<Option<Uuid>> = all.iter().map(|a| a.outbox).collect();
    let replies: Vec<Option<Uuid>> = all.iter().map(|a| a.reply).collect();
    let kinds: Vec<&str> = all.iter().map(|a| a.kind.as_str()).collect();
    let channels: Vec<Option<&str>> = all.iter().map(|a| a.channel.as_deref()).collect();
    let actors: Vec<Option<Uuid>> = all.iter().map(|a| a.actor.map(|u| u.0)).collect();
    let summaries: Vec<String> = all.iter().map(|a| summary(&a.summary)).collect();
    let details: Vec<&serde_json::Value> = all.iter().map(|a| &a.detail).collect();
    let keys: Vec<Option<&str>> = all.iter().map(|a| a.dedupe_key.as_deref()).collect();
    let at: Vec<DateTime<Utc>> = all.iter().map(|a| a.occurred_at).collect();
    let (hook_kinds, hook_events) = crate::store::outbound_webhooks::emitted_by();
    // The new activities, and in the same statement (so the same transaction as the fact) a
    // webhook delivery for each that an enabled endpoint of the workspace subscribed to.
    let new: i64 = sqlx::query_scalar(&format!(
        "with ins as (
           insert into activities (client_id, lead_id, campaign_id, outbox_id, reply_id, kind, channel, actor_user_id,
                                   summary, detail, dedupe_key, occurred_at)
           select $1, t.* from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::uuid[],
                                      $9::text[], $10::jsonb[], $11::text[], $12::timestamptz[]) as t
           on conflict (client_id, dedupe_key) where dedupe_key is not null do nothing
           returning id, client_id, lead_id, campaign_id, reply_id, kind, summary, detail, occurred_at
         ), hooks as ({})
         select count(*) from ins",
        crate::store::outbound_webhooks::EMIT_FROM_INS
    ))
    .bind(ws.0)
    .bind(leads)
    .bind(campaigns)
    .bind(outbox)
    .bind(replies)
    .bind(kinds)
    .bind(channels)
    .bind(actors)
    .bind(summaries)
    .bind(details)
    .bind(keys)
    .bind(at)
    .bind(hook_kinds)
    .bind(hook_events)
    .fetch_one(tx)
    .await?;
    Ok(new as u64)
}

/// An activity as the timeline, the feed and the REST API show it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Activity {
    pub id: Uuid,
    pub lead_id: Option<Uuid>,
    pub lead_name: Option<String>,
    pub campaign_id: Option<Uuid>,
    /// What happened: `sent`, `replied`, `opened`, `meeting_booked`, `status_changed`, …
    pub kind: String,
    pub channel: Option<String>,
    /// One line for a person to read.
    pub summary: String,
    /// The particulars, which vary by kind.
    pub detail: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    /// Who did it, when a person did.
    pub actor_name: Option<String>,
}

const SELECT: &str = "select a.id, a.lead_id,
        case when a.lead_id is null then null else
            coalesce(nullif(trim(concat_ws(' ', l.first_name, l.last_name)), ''), l.email, l.linkedin_url, 'Unnamed lead') end as lead_name,
        a.campaign_id, a.kind, a.channel, a.summary, a.detail, a.occurred_at,
        u.name as actor_name
     from activities a
     left join leads l on l.client_id = a.client_id and l.id = a.lead_id
     left join users u on u.id = a.actor_user_id";

/// Most rows one page returns.
pub const MAX_PAGE: i64 = 200;

/// One lead's activities, newest first, keyset-paged: `before` is the (occurred_at, id) of the
/// last row of the previous page.
pub async fn timeline(conn: &mut PgConnection, ws: WorkspaceId, lead: LeadId, before: Option<(DateTime<Utc>, Uuid)>, limit: i64) -> Result<Vec<Activity>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} where a.client_id = $1 and a.lead_id = $2
           and ($3::timestamptz is null or (a.occurred_at, a.id) < ($3, $4))
         order by a.occurred_at desc, a.id desc limit $5"
    ))
    .bind(ws.0)
    .bind(lead.0)
    .bind(before.map(|b| b.0))
    .bind(before.map(|b| b.1))
    .bind(limit.clamp(1, MAX_PAGE))
    .fetch_all(&mut *conn)
    .await?)
}

/// The workspace's activities (or one lead's) at or after `since`, oldest first: what an API
/// client syncing the timeline asks for. Keyset-paged: `after` is the last row of the previous
/// page. `None` when `after` names no activity of this workspace.
pub async fn since(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    lead: Option<LeadId>,
    since: Option<DateTime<Utc>>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Option<Vec<Activity>>> {
    let after = match after {
        None => None,
        Some(id) => {
            let at: Option<DateTime<Utc>> = sqlx::query_scalar("select occurred_at from activities where client_id = $1 and id = $2")
                .bind(ws.0)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            match at {
                Some(at) => Some((at, id)),
                None => return Ok(None),
            }
        }
    };
    Ok(Some(
        sqlx::query_as(&format!(
            "{SELECT} where a.client_id = $1 and ($2::uuid is null or a.lead_id = $2)
               and ($3::timestamptz is null or a.occurred_at >= $3)
               and ($4::timestamptz is null or (a.occurred_at, a.id) > ($4, $5))
             order by a.occurred_at, a.id limit $6"
        ))
        .bind(ws.0)
        .bind(lead.map(|l| l.0))
        .bind(since)
        .bind(after.map(|a| a.0))
        .bind(after.map(|a| a.1))
        .bind(limit.clamp(1, MAX_PAGE))
        .fetch_all(&mut *conn)
        .await?,
    ))
}

/// The workspace's activities, newest first (the Dashboard feed), keyset-paged like [`timeline`].
pub async fn feed(conn: &mut PgConnection, ws: WorkspaceId, before: Option<(DateTime<Utc>, Uuid)>, limit: i64) -> Result<Vec<Activity>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} where a.client_id = $1
           and ($2::timestamptz is null or (a.occurred_at, a.id) < ($2, $3))
         order by a.occurred_at desc, a.id desc limit $4"
    ))
    .bind(ws.0)
    .bind(before.map(|b| b.0))
    .bind(before.map(|b| b.1))
    .bind(limit.clamp(1, MAX_PAGE))
    .fetch_all(&mut *conn)
    .await?)
}

/// The latest touch we made to the lead on each channel before `at`: what a conversion credits.
pub async fn last_touch_per_channel(conn: &mut PgConnection, ws: WorkspaceId, lead: LeadId, at: DateTime<Utc>) -> Result<Vec<(String, Uuid, Option<Uuid>, DateTime<Utc>, String)>> {
    Ok(sqlx::query_as(
        "select distinct on (coalesce(channel, '')) coalesce(channel, ''), id, campaign_id, occurred_at, summary
         from activities
         where client_id = $1 and lead_id = $2 and kind = 'sent' and occurred_at <= $3
         order by coalesce(channel, ''), occurred_at desc, id desc",
    )
    .bind(ws.0)
    .bind(lead.0)
    .bind(at)
    .fetch_all(conn)
    .await?)
}
