//! Who hears about a lead's answer: the workspace's notification settings and the announcements
//! still owed for positive replies (`flows::notify`). Every function takes the workspace id,
//! except [`overdue`], the sweep that finds announcements a stopped process left behind.

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The stored settings; the Slack URL still sealed.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Settings {
    pub slack_webhook: Option<String>,
    pub slack_last4: Option<String>,
    pub email_owners: bool,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The workspace's settings; the defaults (no Slack, email on) before anyone changed them.
pub async fn settings<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Settings> {
    let row: Option<Settings> = sqlx::query_as(
        "select slack_webhook, slack_last4, email_owners, updated_at from workspace_notifications where client_id = $1",
    )
    .bind(ws.0)
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or(Settings { email_owners: true, ..Default::default() }))
}

/// Sets (or with `None` removes) the sealed Slack webhook.
pub async fn set_slack(conn: &mut PgConnection, ws: WorkspaceId, sealed: Option<(&str, &str)>, by: UserId) -> Result<()> {
    sqlx::query(
        "insert into workspace_notifications (client_id, slack_webhook, slack_last4, updated_by) values ($1, $2, $3, $4)
         on conflict (client_id) do update set slack_webhook = $2, slack_last4 = $3, updated_by = $4, updated_at = now()",
    )
    .bind(ws.0)
    .bind(sealed.map(|s| s.0))
    .bind(sealed.map(|s| s.1))
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_email_owners(conn: &mut PgConnection, ws: WorkspaceId, on: bool, by: UserId) -> Result<()> {
    sqlx::query(
        "insert into workspace_notifications (client_id, email_owners, updated_by) values ($1, $2, $3)
         on conflict (client_id) do update set email_owners = $2, updated_by = $3, updated_at = now()",
    )
    .bind(ws.0)
    .bind(on)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Owes an announcement of the reply, in the caller's transaction (the reply's own).
pub async fn owe(conn: &mut PgConnection, ws: WorkspaceId, reply: Uuid) -> Result<()> {
    sqlx::query("insert into reply_notifications (client_id, reply_id) values ($1, $2) on conflict do nothing")
        .bind(ws.0)
        .bind(reply)
        .execute(conn)
        .await?;
    Ok(())
}

/// One owed announcement and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Owed {
    pub reply_id: Uuid,
    pub slack: String,
    pub email: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

pub async fn owed<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, reply: Uuid) -> Result<Option<Owed>> {
    Ok(sqlx::query_as(
        "select reply_id, slack, email, attempts, last_error, done_at from reply_notifications where client_id = $1 and reply_id = $2",
    )
    .bind(ws.0)
    .bind(reply)
    .fetch_optional(db)
    .await?)
}

/// Records one channel's outcome; the announcement is done when no channel is pending.
pub async fn settle<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, reply: Uuid, channel: Channel, state: &str) -> Result<()> {
    let (column, other) = match channel {
        Channel::Slack => ("slack", "email"),
        Channel::Email => ("email", "slack"),
    };
    // Only `column` changes here, so `other` is already its final value in this statement.
    sqlx::query(&format!(
        "update reply_notifications set {column} = $3,
                done_at = case when $3 <> 'pending' and {other} <> 'pending' then coalesce(done_at, now()) else done_at end
         where client_id = $1 and reply_id = $2"
    ))
    .bind(ws.0)
    .bind(reply)
    .bind(state)
    .execute(db)
    .await?;
    Ok(())
}

/// Counts a failed attempt with our own words for it.
pub async fn attempt_failed<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, reply: Uuid, why: &str) -> Result<i32> {
    Ok(sqlx::query_scalar(
        "update reply_notifications set attempts = attempts + 1, last_error = left($3, 300)
         where client_id = $1 and reply_id = $2 returning attempts",
    )
    .bind(ws.0)
    .bind(reply)
    .bind(why)
    .fetch_one(db)
    .await?)
}

/// Announcements still owed whose job was queued before `older_than`, across workspaces: the
/// ones a stopped process never queued, or whose retries ran out on a passing failure. Marks
/// them queued now, so two sweeps do not queue one twice; gives up after `max_attempts`.
pub async fn requeue_overdue<'e>(db: impl PgExecutor<'e>, older_than: DateTime<Utc>, max_attempts: i32, limit: i64) -> Result<Vec<(WorkspaceId, Uuid)>> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "update reply_notifications set queued_at = now()
         where (client_id, reply_id) in (
             select client_id, reply_id from reply_notifications
             where done_at is null and queued_at < $1 and attempts < $2
             order by queued_at limit $3 for update skip locked)
         returning client_id, reply_id",
    )
    .bind(older_than)
    .bind(max_attempts)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(w, r)| (WorkspaceId(w), r)).collect())
}

/// The two ways an announcement goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Slack,
    Email,
}
