//! Budgets and alerts (SPEC §13): the figures a workspace's alert conditions are judged on, and
//! the alerts themselves. Every function takes the workspace id; [`workspaces`] lists the
//! workspaces the evaluation job visits (across tenants, by design).

use crate::Result;
use chrono::{DateTime, Utc};
use domain::alerts::{Budgets, Condition, Inputs, Level};
use domain::ids::{UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Live workspaces, for the evaluation job.
pub async fn workspaces(pool: &PgPool) -> Result<Vec<WorkspaceId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from workspaces where deleted_at is null order by id").fetch_all(pool).await?;
    Ok(ids.into_iter().map(WorkspaceId).collect())
}

pub async fn budgets(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Budgets> {
    let (daily_cents, monthly_cents): (Option<i64>, Option<i64>) =
        sqlx::query_as("select daily_budget_cents, monthly_budget_cents from workspaces where id = $1").bind(ws.0).fetch_one(&mut *conn).await?;
    Ok(Budgets { daily_cents, monthly_cents })
}

/// Stores the budgets; returns the ones they replaced.
pub async fn set_budgets(conn: &mut PgConnection, ws: WorkspaceId, b: Budgets) -> Result<Budgets> {
    let before = budgets(conn, ws).await?;
    sqlx::query("update workspaces set daily_budget_cents = $2, monthly_budget_cents = $3 where id = $1")
        .bind(ws.0)
        .bind(b.daily_cents)
        .bind(b.monthly_cents)
        .execute(&mut *conn)
        .await?;
    Ok(before)
}

/// Spend today and this month (UTC) in AUD, from the cost ledger.
pub async fn spend(conn: &mut PgConnection, ws: WorkspaceId, now: DateTime<Utc>) -> Result<(f64, f64)> {
    Ok(sqlx::query_as(
        "select coalesce(sum(cost_aud) filter (where created_at >= date_trunc('day', $2 at time zone 'UTC') at time zone 'UTC'), 0)::float8,
                coalesce(sum(cost_aud), 0)::float8
           from cost_ledger
          where client_id = $1 and created_at >= date_trunc('month', $2 at time zone 'UTC') at time zone 'UTC' and created_at <= $2",
    )
    .bind(ws.0)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// Everything the conditions are judged on, in one statement. Days and months are UTC.
/// Reads `platform_settings` and the job queue, so it runs as the owner (the evaluation job).
pub async fn inputs(pool: &PgPool, ws: WorkspaceId, now: DateTime<Utc>) -> Result<Inputs> {
    #[derive(sqlx::FromRow)]
    struct Row {
        daily_budget_cents: Option<i64>,
        monthly_budget_cents: Option<i64>,
        spend_today: f64,
        spend_month: f64,
        sends_hour: i64,
        send_failures_hour: i64,
        paused_mailboxes: Vec<String>,
        platform_stopped: bool,
        workspace_paused: bool,
        ai_cap_reached: bool,
    }
    let r: Row = sqlx::query_as(
        "select w.daily_budget_cents, w.monthly_budget_cents,
                (select coalesce(sum(cost_aud), 0)::float8 from cost_ledger
                  where client_id = w.id and created_at >= date_trunc('day', $2 at time zone 'UTC') at time zone 'UTC' and created_at <= $2) as spend_today,
                (select coalesce(sum(cost_aud), 0)::float8 from cost_ledger
                  where client_id = w.id and created_at >= date_trunc('month', $2 at time zone 'UTC') at time zone 'UTC' and created_at <= $2) as spend_month,
                (select count(*) from outbox where client_id = w.id and state in ('sent', 'failed')
                  and updated_at > $2 - interval '1 hour' and updated_at <= $2) as sends_hour,
                (select count(*) from outbox where client_id = w.id and state = 'failed'
                  and updated_at > $2 - interval '1 hour' and updated_at <= $2) as send_failures_hour,
                coalesce((select array_agg(address order by address) from mailboxes where client_id = w.id and paused_at is not null), '{}') as paused_mailboxes,
                coalesce((select emergency_stop from platform_settings), false) as platform_stopped,
                w.sending_paused as workspace_paused,
                exists (select 1 from drafts where client_id = w.id and generator_note like '%AI spend cap%'
                         and created_at >= date_trunc('day', $2 at time zone 'UTC') at time zone 'UTC') as ai_cap_reached
           from workspaces w where w.id = $1",
    )
    .bind(ws.0)
    .bind(now)
    .fetch_one(pool)
    .await?;
    // The job queue's tables are made by `jobs::setup` (which `db::migrate` runs); an embedding
    // without the job worker has none, and then no job can be failing.
    let queue: bool = sqlx::query_scalar("select to_regclass('apalis.jobs') is not null").fetch_one(pool).await?;
    let failing_jobs: i64 = if queue {
        sqlx::query_scalar(
            "select count(*) from apalis.jobs where job->>'workspace' = $1::text
               and (status in ('Failed', 'Killed') or attempts >= $3) and run_at > $2 - interval '1 day'",
        )
        .bind(ws.0)
        .bind(now)
        .bind(domain::alerts::JOB_FAILURES_CRITICAL as i32)
        .fetch_one(pool)
        .await?
    } else {
        0
    };
    Ok(Inputs {
        budgets: Budgets { daily_cents: r.daily_budget_cents, monthly_cents: r.monthly_budget_cents },
        spend_today: r.spend_today,
        spend_month: r.spend_month,
        sends_hour: r.sends_hour,
        send_failures_hour: r.send_failures_hour,
        paused_mailboxes: r.paused_mailboxes,
        platform_stopped: r.platform_stopped,
        workspace_paused: r.workspace_paused,
        ai_cap_reached: r.ai_cap_reached,
        failing_jobs,
    })
}

/// An alert as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Alert {
    pub id: Uuid,
    pub condition: String,
    pub level: String,
    pub title: String,
    pub detail: String,
    pub fired_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by_name: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by_name: Option<String>,
    pub notified_at: Option<DateTime<Utc>>,
    pub notify_count: i32,
    pub notify_error: Option<String>,
}

const ALERT_COLUMNS: &str = "a.id, a.condition, a.level, a.title, a.detail, a.fired_at, a.acknowledged_at, ack.name as acknowledged_by_name,
    a.resolved_at, res.name as resolved_by_name, a.notified_at, a.notify_count, a.notify_error";

/// Open alerts (critical first, newest first), then those resolved in the last 7 days.
pub async fn list(conn: &mut PgConnection, ws: WorkspaceId, limit: i64) -> Result<Vec<Alert>> {
    Ok(sqlx::query_as(&format!(
        "select {ALERT_COLUMNS} from alerts a
           left join users ack on ack.id = a.acknowledged_by
           left join users res on res.id = a.resolved_by
          where a.client_id = $1 and (a.resolved_at is null or a.resolved_at > now() - interval '7 days')
          order by a.resolved_at is not null, a.level = 'critical' desc, a.fired_at desc
          limit $2"
    ))
    .bind(ws.0)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The open alerts (any number; a workspace has a handful of conditions).
pub async fn open(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<Alert>> {
    Ok(sqlx::query_as(&format!(
        "select {ALERT_COLUMNS} from alerts a
           left join users ack on ack.id = a.acknowledged_by
           left join users res on res.id = a.resolved_by
          where a.client_id = $1 and a.resolved_at is null order by a.fired_at"
    ))
    .bind(ws.0)
    .fetch_all(conn)
    .await?)
}

/// Opens an alert for `c` unless one is open for its condition; returns the new id.
pub async fn fire(conn: &mut PgConnection, ws: WorkspaceId, c: &Condition, now: DateTime<Utc>) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "insert into alerts (client_id, condition, level, title, detail, fired_at) values ($1, $2, $3, $4, $5, $6)
         on conflict (client_id, condition) where resolved_at is null do nothing returning id",
    )
    .bind(ws.0)
    .bind(&c.key)
    .bind(c.level.as_str())
    .bind(&c.title)
    .bind(&c.detail)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

/// Brings an open alert's words up to date; a risen level makes it owed again (announced
/// anew, acknowledgement cleared). Returns whether the level rose.
pub async fn refresh(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, c: &Condition) -> Result<bool> {
    let rose: Option<bool> = sqlx::query_scalar(
        "update alerts a set title = $3, detail = $4, level = $5,
                notified_at = case when $5 = 'critical' and a.level = 'warning' then null else a.notified_at end,
                acknowledged_at = case when $5 = 'critical' and a.level = 'warning' then null else a.acknowledged_at end,
                acknowledged_by = case when $5 = 'critical' and a.level = 'warning' then null else a.acknowledged_by end
          from (select level from alerts where client_id = $1 and id = $2) prev
         where a.client_id = $1 and a.id = $2 and a.resolved_at is null
         returning prev.level = 'warning' and $5 = 'critical'",
    )
    .bind(ws.0)
    .bind(id)
    .bind(&c.title)
    .bind(&c.detail)
    .bind(c.level.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(rose.unwrap_or(false))
}

/// Resolves the open alerts whose condition no longer holds (not in `holding`); returns how many.
pub async fn resolve_cleared(conn: &mut PgConnection, ws: WorkspaceId, holding: &[String], now: DateTime<Utc>) -> Result<u64> {
    Ok(sqlx::query("update alerts set resolved_at = $3 where client_id = $1 and resolved_at is null and condition <> all($2)")
        .bind(ws.0)
        .bind(holding)
        .bind(now)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Takes the announcement of an alert that was last announced at `previous` (None: never):
/// true for exactly one caller, however many processes evaluate at once. The announcement is
/// then at most once per turn (a process that dies between this and sending loses that turn;
/// a critical alert comes round again).
pub async fn claim_announcement(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, previous: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query(
        "update alerts set notified_at = $4, notify_count = notify_count + 1
          where client_id = $1 and id = $2 and resolved_at is null and notified_at is not distinct from $3",
    )
    .bind(ws.0)
    .bind(id)
    .bind(previous)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// What failed in the last announcement (our words), or None when every channel went.
pub async fn set_notify_error(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, error: Option<&str>) -> Result<()> {
    sqlx::query("update alerts set notify_error = $3 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(error.map(|e| e.chars().take(300).collect::<String>()))
        .execute(conn)
        .await?;
    Ok(())
}

/// What a person does with an open alert: acknowledge it (it stops repeating) or resolve it
/// (should its condition still hold, the next evaluation opens a new one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Acknowledge,
    Resolve,
}

/// Records `how` on an open alert by `user`; false when there is no such alert (or it was
/// already acknowledged, for an acknowledgement).
pub async fn handle(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, user: UserId, now: DateTime<Utc>, how: Handling) -> Result<bool> {
    let sql = match how {
        Handling::Acknowledge => {
            "update alerts set acknowledged_at = $4, acknowledged_by = $3 where client_id = $1 and id = $2 and resolved_at is null and acknowledged_at is null"
        }
        Handling::Resolve => "update alerts set resolved_at = $4, resolved_by = $3 where client_id = $1 and id = $2 and resolved_at is null",
    };
    Ok(sqlx::query(sql).bind(ws.0).bind(id).bind(user.0).bind(now).execute(conn).await?.rows_affected() == 1)
}

/// Open alerts by level across the installation, for `/metrics`.
pub async fn open_by_level(pool: &PgPool) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as("select level, count(*) from alerts where resolved_at is null group by level order by level").fetch_all(pool).await?)
}

impl Alert {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Warning)
    }
}
