//! Digests: the workspace's time zone, who asked for which digest, and the record of each digest
//! sent (`flows::digests`). Every function takes the workspace id, except [`workspaces`], the
//! schedule's list of live workspaces.

use crate::Result;
use domain::digest::DigestKind;
use domain::ids::{UserId, WorkspaceId};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

/// What the Digests card shows: the workspace's choices and the member's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    pub time_zone: String,
    pub slack_daily: bool,
    pub slack_weekly: bool,
    /// Whether a Slack webhook is stored (still sealed; not opened here).
    pub slack_connected: bool,
    pub my_daily: bool,
    pub my_weekly: bool,
}

pub async fn choices(conn: &mut PgConnection, ws: WorkspaceId, user: UserId) -> Result<Choices> {
    type Row = (String, Option<bool>, Option<bool>, bool, Option<bool>, Option<bool>);
    let (time_zone, slack_daily, slack_weekly, slack_connected, my_daily, my_weekly): Row = sqlx::query_as(
        "select w.time_zone, n.slack_daily_digest, n.slack_weekly_digest, n.slack_webhook is not null, s.daily, s.weekly
         from workspaces w
         left join workspace_notifications n on n.client_id = w.id
         left join digest_subscriptions s on s.client_id = w.id and s.user_id = $2
         where w.id = $1",
    )
    .bind(ws.0)
    .bind(user.0)
    .fetch_one(conn)
    .await?;
    Ok(Choices {
        time_zone,
        slack_daily: slack_daily.unwrap_or(false),
        slack_weekly: slack_weekly.unwrap_or(false),
        slack_connected,
        my_daily: my_daily.unwrap_or(false),
        my_weekly: my_weekly.unwrap_or(false),
    })
}

pub async fn time_zone<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<String> {
    Ok(sqlx::query_scalar("select time_zone from workspaces where id = $1").bind(ws.0).fetch_one(db).await?)
}

pub async fn set_time_zone(conn: &mut PgConnection, ws: WorkspaceId, tz: &str) -> Result<()> {
    sqlx::query("update workspaces set time_zone = $2 where id = $1 and deleted_at is null").bind(ws.0).bind(tz).execute(conn).await?;
    Ok(())
}

pub async fn set_slack(conn: &mut PgConnection, ws: WorkspaceId, daily: bool, weekly: bool, by: UserId) -> Result<()> {
    sqlx::query(
        "insert into workspace_notifications (client_id, slack_daily_digest, slack_weekly_digest, updated_by) values ($1, $2, $3, $4)
         on conflict (client_id) do update set slack_daily_digest = $2, slack_weekly_digest = $3, updated_by = $4, updated_at = now()",
    )
    .bind(ws.0)
    .bind(daily)
    .bind(weekly)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn subscribe(conn: &mut PgConnection, ws: WorkspaceId, user: UserId, daily: bool, weekly: bool) -> Result<()> {
    sqlx::query(
        "insert into digest_subscriptions (client_id, user_id, daily, weekly) values ($1, $2, $3, $4)
         on conflict (client_id, user_id) do update set daily = $3, weekly = $4, updated_at = now()",
    )
    .bind(ws.0)
    .bind(user.0)
    .bind(daily)
    .bind(weekly)
    .execute(conn)
    .await?;
    Ok(())
}

/// A member who asked for the digest, with the address it goes to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Subscriber {
    pub user_id: uuid::Uuid,
    pub email: String,
}

/// The workspace's current members who asked for `kind` by email (a member who left, or whose
/// account was deleted, gets nothing).
pub async fn subscribers(conn: &mut PgConnection, ws: WorkspaceId, kind: DigestKind) -> Result<Vec<Subscriber>> {
    let column = match kind {
        DigestKind::Daily => "s.daily",
        DigestKind::Weekly => "s.weekly",
    };
    Ok(sqlx::query_as(&format!(
        "select u.id as user_id, u.email
         from digest_subscriptions s
         join memberships m on m.client_id = s.client_id and m.user_id = s.user_id and m.deleted_at is null
         join users u on u.id = s.user_id and u.deleted_at is null
         where s.client_id = $1 and {column}
         order by u.email"
    ))
    .bind(ws.0)
    .fetch_all(conn)
    .await?)
}

/// Whether the workspace's Slack channel gets `kind`.
pub async fn slack_wants(conn: &mut PgConnection, ws: WorkspaceId, kind: DigestKind) -> Result<bool> {
    let (daily, weekly): (bool, bool) =
        sqlx::query_as("select slack_daily_digest, slack_weekly_digest from workspace_notifications where client_id = $1")
            .bind(ws.0)
            .fetch_optional(conn)
            .await?
            .unwrap_or_default();
    Ok(match kind {
        DigestKind::Daily => daily,
        DigestKind::Weekly => weekly,
    })
}

/// How long a claim holds before another process may take it (the first stopped mid-send).
const CLAIM_TIMEOUT_MINUTES: i32 = 10;

/// Claims the digest of `kind` for the period starting `period` for one recipient: `true` when
/// this caller is the one to send it. The claim is committed before sending, so two processes
/// never both send; a send that fails for now gives it back ([`release`]), one that succeeds or
/// fails for good settles it ([`settle`]), and one whose process stopped lapses after ten
/// minutes.
pub async fn claim(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    kind: DigestKind,
    period: NaiveDate,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query(
        "insert into digest_sends (client_id, kind, period, recipient, claimed_at) values ($1, $2, $3, $4, $5)
         on conflict (client_id, kind, period, recipient) do update set claimed_at = excluded.claimed_at
           where digest_sends.done_at is null and digest_sends.claimed_at < excluded.claimed_at - make_interval(mins => $6)",
    )
    .bind(ws.0)
    .bind(kind.as_str())
    .bind(period)
    .bind(recipient)
    .bind(now)
    .bind(CLAIM_TIMEOUT_MINUTES)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a claimed digest sent (or given up for good).
pub async fn settle(conn: &mut PgConnection, ws: WorkspaceId, kind: DigestKind, period: NaiveDate, recipient: &str, now: DateTime<Utc>) -> Result<()> {
    sqlx::query("update digest_sends set done_at = $5 where client_id = $1 and kind = $2 and period = $3 and recipient = $4")
        .bind(ws.0)
        .bind(kind.as_str())
        .bind(period)
        .bind(recipient)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a claim back after its send failed for now, so the next tick tries again.
pub async fn release(conn: &mut PgConnection, ws: WorkspaceId, kind: DigestKind, period: NaiveDate, recipient: &str) -> Result<()> {
    sqlx::query("delete from digest_sends where client_id = $1 and kind = $2 and period = $3 and recipient = $4 and done_at is null")
        .bind(ws.0)
        .bind(kind.as_str())
        .bind(period)
        .bind(recipient)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every live workspace with its time zone (the schedule spans tenants).
pub async fn workspaces(pool: &PgPool) -> Result<Vec<(WorkspaceId, String, String)>> {
    let rows: Vec<(uuid::Uuid, String, String)> =
        sqlx::query_as("select id, name, time_zone from workspaces where deleted_at is null order by id").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|(id, name, tz)| (WorkspaceId(id), name, tz)).collect())
}
