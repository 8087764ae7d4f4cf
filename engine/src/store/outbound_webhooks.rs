//! Outbound webhook endpoints and their deliveries (the outbox of `flows::outbound_webhooks`).
//! Every function takes the workspace id, except the delivery job's claim, which spans
//! tenants on purpose and says so ([`claim_due`]).
//!
//! Deliveries are written by the activity insert itself ([`EMIT_FROM_INS`], used by
//! `store::activities::record_many`), so a delivery exists exactly when its fact does.

use crate::Result;
use chrono::{DateTime, Duration, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::webhooks::{DeliveryState, DeliveryView, EventType};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The activity kinds that emit an event, and the event each emits (bound as two arrays).
pub fn emitted_by() -> (Vec<&'static str>, Vec<&'static str>) {
    EventType::ALL.iter().map(|e| (e.activity_kind().as_str(), e.as_str())).unzip()
}

/// The data-modifying step that follows an activity insert `ins` (returning id, client_id,
/// lead_id, campaign_id, reply_id, kind, summary, detail, occurred_at), with `$13`/`$14` the
/// arrays of [`emitted_by`]: one delivery per new activity and enabled endpoint subscribed to
/// its event. The event id is the activity's, so each endpoint gets each fact once.
pub const EMIT_FROM_INS: &str = r#"
    insert into webhook_deliveries (client_id, endpoint_id, event_id, event_type, payload, next_attempt_at)
    select ins.client_id, e.id, 'msg_' || replace(ins.id::text, '-', ''), m.event,
           jsonb_build_object(
             'type', m.event,
             'timestamp', to_char(ins.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
             'data', jsonb_strip_nulls(jsonb_build_object(
               'activity_id', ins.id, 'summary', ins.summary, 'campaign_id', ins.campaign_id, 'reply_id', ins.reply_id,
               'lead', case when l.id is null then null else jsonb_build_object(
                   'id', l.id, 'email', l.email, 'first_name', l.first_name, 'last_name', l.last_name, 'company', l.company) end,
               'intent', ins.detail->'intent', 'subject', ins.detail->'subject', 'excerpt', ins.detail->'excerpt',
               'meeting_id', ins.detail->'meeting', 'starts_at', ins.detail->'starts_at', 'title', ins.detail->'title',
               'address', ins.detail->'address', 'source', ins.detail->'source', 'via', ins.detail->'via'))),
           now()
    from ins
    join unnest($13::text[], $14::text[]) as m(kind, event) on m.kind = ins.kind
    join webhook_endpoints e on e.client_id = ins.client_id and e.enabled and m.event = any(e.events)
    left join leads l on l.client_id = ins.client_id and l.id = ins.lead_id
    on conflict (client_id, endpoint_id, event_id) do nothing"#;

/// An endpoint as stored (its secrets sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Endpoint {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
}

const ENDPOINT: &str = "select e.id, e.url, e.events, e.secret, e.previous_secret, e.previous_until, e.enabled, e.disabled_reason,
        u.name as created_by_name, e.created_at, e.secret_rotated_at
     from webhook_endpoints e left join users u on u.id = e.created_by";

pub async fn list(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<Endpoint>> {
    Ok(sqlx::query_as(&format!("{ENDPOINT} where e.client_id = $1 order by e.created_at, e.id")).bind(ws.0).fetch_all(conn).await?)
}

pub async fn get(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid) -> Result<Option<Endpoint>> {
    Ok(sqlx::query_as(&format!("{ENDPOINT} where e.client_id = $1 and e.id = $2")).bind(ws.0).bind(id).fetch_optional(conn).await?)
}

pub async fn count(conn: &mut PgConnection, ws: WorkspaceId) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from webhook_endpoints where client_id = $1").bind(ws.0).fetch_one(conn).await?)
}

pub async fn insert(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, url: &str, events: &[&str], sealed: &str, by: UserId) -> Result<()> {
    sqlx::query("insert into webhook_endpoints (client_id, id, url, events, secret, created_by) values ($1, $2, $3, $4, $5, $6)")
        .bind(ws.0)
        .bind(id)
        .bind(url)
        .bind(events)
        .bind(sealed)
        .bind(by.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Switches an endpoint on (clearing the reason) or off with `reason`; false when absent.
pub async fn set_enabled(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, enabled: bool, reason: Option<&str>) -> Result<bool> {
    Ok(sqlx::query("update webhook_endpoints set enabled = $3, disabled_reason = $4 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(enabled)
        .bind(if enabled { None } else { reason })
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Deletes an endpoint and its deliveries; false when absent.
pub async fn delete(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid) -> Result<bool> {
    Ok(sqlx::query("delete from webhook_endpoints where client_id = $1 and id = $2").bind(ws.0).bind(id).execute(conn).await?.rows_affected() == 1)
}

/// Replaces the secret; the old one keeps signing alongside until `previous_until`.
pub async fn rotate(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, sealed: &str, previous_until: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query(
        "update webhook_endpoints set previous_secret = secret, previous_until = $4, secret = $3, secret_rotated_at = now()
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id)
    .bind(sealed)
    .bind(previous_until)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct DeliveryRow {
    endpoint_id: Uuid,
    id: Uuid,
    event_id: String,
    event_type: String,
    attempts: i32,
    last_status: Option<String>,
    next_attempt_at: Option<DateTime<Utc>>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(r: DeliveryRow) -> Self {
        let state = match (r.delivered_at, r.next_attempt_at) {
            (Some(_), _) => DeliveryState::Delivered,
            (None, Some(_)) => DeliveryState::Pending,
            (None, None) => DeliveryState::Failed,
        };
        DeliveryView {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            state,
            attempts: r.attempts,
            last_status: r.last_status,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
        }
    }
}

const DELIVERY: &str = "select endpoint_id, id, event_id, event_type, attempts, last_status, next_attempt_at, delivered_at, created_at
     from webhook_deliveries";

/// The latest `per_endpoint` deliveries of each endpoint of the workspace, newest first.
pub async fn recent(conn: &mut PgConnection, ws: WorkspaceId, per_endpoint: i64) -> Result<Vec<(Uuid, DeliveryView)>> {
    let rows: Vec<DeliveryRow> = sqlx::query_as(&format!(
        "select * from (select d.*, row_number() over (partition by endpoint_id order by created_at desc, id desc) as rn
                        from ({DELIVERY} where client_id = $1) d) r
         where rn <= $2 order by endpoint_id, created_at desc, id desc"
    ))
    .bind(ws.0)
    .bind(per_endpoint)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.endpoint_id, r.into())).collect())
}

pub async fn delivery(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid) -> Result<Option<DeliveryView>> {
    let row: Option<DeliveryRow> = sqlx::query_as(&format!("{DELIVERY} where client_id = $1 and id = $2")).bind(ws.0).bind(id).fetch_optional(conn).await?;
    Ok(row.map(Into::into))
}

/// Queues one delivery of `payload` to one endpoint (the test event); returns its id.
pub async fn insert_delivery(conn: &mut PgConnection, ws: WorkspaceId, endpoint: Uuid, event_id: &str, event_type: &str, payload: &serde_json::Value) -> Result<Uuid> {
    Ok(sqlx::query_scalar(
        "insert into webhook_deliveries (client_id, endpoint_id, event_id, event_type, payload, next_attempt_at)
         values ($1, $2, $3, $4, $5, now()) returning id",
    )
    .bind(ws.0)
    .bind(endpoint)
    .bind(event_id)
    .bind(event_type)
    .bind(payload)
    .fetch_one(conn)
    .await?)
}

/// A delivery a worker holds for one attempt, with what it needs to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub client_id: Uuid,
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: String,
    pub event_type: String,
    pub payload: serde_json::Value,
    /// This attempt's number (1 for the first).
    pub attempts: i32,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<DateTime<Utc>>,
}

const CLAIMED: &str = "d.client_id, d.id, d.endpoint_id, d.event_id, d.event_type, d.payload, d.attempts,
                       e.url, e.secret, e.previous_secret, e.previous_until";

/// Claims due deliveries of every workspace (across tenants on purpose): at most `total`, and
/// per workspace no more than `per_workspace` held at once (the ones still held from earlier
/// ticks count), taken round-robin across workspaces, oldest first. Each claimed row is held
/// for `lease` and its attempt counted; a worker that stops lets the lease lapse and the row
/// is claimed again. Rows of disabled endpoints wait.
pub async fn claim_due(pool: &PgPool, now: DateTime<Utc>, lease: Duration, total: i64, per_workspace: i64) -> Result<Vec<Claimed>> {
    let mut tx = crate::db::across_tenants(pool).await?;
    let claimed = sqlx::query_as(&format!(
        "with held as (
           select client_id, count(*) as n from webhook_deliveries
           where next_attempt_at is not null and claimed_until > $1 group by client_id
         ), ranked as (
           select d.client_id, d.id, d.next_attempt_at,
                  row_number() over (partition by d.client_id order by d.next_attempt_at, d.id) + coalesce(h.n, 0) as slot
           from webhook_deliveries d
           join webhook_endpoints e on e.client_id = d.client_id and e.id = d.endpoint_id and e.enabled
           left join held h on h.client_id = d.client_id
           where d.next_attempt_at <= $1 and (d.claimed_until is null or d.claimed_until <= $1)
         ), pick as (
           select client_id, id from ranked where slot <= $4 order by slot, next_attempt_at limit $3
         )
         update webhook_deliveries d set claimed_until = $2, attempts = d.attempts + 1, last_attempt_at = $1
         from pick, webhook_endpoints e
         where d.client_id = pick.client_id and d.id = pick.id and e.client_id = d.client_id and e.id = d.endpoint_id
           and d.next_attempt_at <= $1 and (d.claimed_until is null or d.claimed_until <= $1)
         returning {CLAIMED}"
    ))
    .bind(now)
    .bind(now + lease)
    .bind(total)
    .bind(per_workspace)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed)
}

/// Claims one delivery of the workspace now, whatever its schedule (the test event).
pub async fn claim_one(pool: &PgPool, ws: WorkspaceId, id: Uuid, now: DateTime<Utc>, lease: Duration) -> Result<Option<Claimed>> {
    let mut tx = crate::db::tenant(pool, ws).await?;
    let claimed = sqlx::query_as(&format!(
        "update webhook_deliveries d set claimed_until = $4, attempts = d.attempts + 1, last_attempt_at = $3
         from webhook_endpoints e
         where d.client_id = $1 and d.id = $2 and e.client_id = d.client_id and e.id = d.endpoint_id
           and d.next_attempt_at is not null and (d.claimed_until is null or d.claimed_until <= $3)
         returning {CLAIMED}"
    ))
    .bind(ws.0)
    .bind(id)
    .bind(now)
    .bind(now + lease)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(claimed)
}

/// What became of an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    Delivered,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Given up.
    Failed,
}

/// Records the outcome of attempt `attempt` (only if the row is still that attempt's: a
/// worker whose lease lapsed and was overtaken records nothing). `status` is our words.
/// `disable` switches the delivery's endpoint off with that reason, in the same transaction.
pub async fn settle(pool: &PgPool, ws: WorkspaceId, id: Uuid, attempt: i32, outcome: &Settle, status: &str, disable: Option<&str>, now: DateTime<Utc>) -> Result<bool> {
    let (next, delivered, failed) = match outcome {
        Settle::Delivered => (None, Some(now), None),
        Settle::RetryAt(at) => (Some(*at), None, None),
        Settle::Failed => (None, None, Some(now)),
    };
    let status: String = status.chars().take(300).collect();
    let mut tx = crate::db::tenant(pool, ws).await?;
    let n = sqlx::query(
        "update webhook_deliveries set next_attempt_at = $4, delivered_at = $5, failed_at = $6, last_status = $7, claimed_until = null
         where client_id = $1 and id = $2 and attempts = $3 and next_attempt_at is not null",
    )
    .bind(ws.0)
    .bind(id)
    .bind(attempt)
    .bind(next)
    .bind(delivered)
    .bind(failed)
    .bind(&status)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if let (1, Some(reason)) = (n, disable) {
        sqlx::query(
            "update webhook_endpoints e set enabled = false, disabled_reason = $3
             from webhook_deliveries d where d.client_id = $1 and d.id = $2 and e.client_id = d.client_id and e.id = d.endpoint_id",
        )
        .bind(ws.0)
        .bind(id)
        .bind(reason.chars().take(300).collect::<String>())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}
