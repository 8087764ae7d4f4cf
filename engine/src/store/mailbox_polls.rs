//! Where reading each mailbox's INBOX stopped, and how the last poll went (the bounce and
//! complaint intake, `flows::bounces`). Every function takes the workspace id, except
//! [`pollable`], the sweep that finds work across workspaces (as dispatch's claim does).

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{MailboxId, WorkspaceId};
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;
use uuid::Uuid;

/// A mailbox's reading position and the outcome of its last poll.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, sqlx::FromRow)]
pub struct PollState {
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub last_polled_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub messages_read: i64,
    pub bounces_recorded: i64,
    pub complaints_recorded: i64,
    /// Failed polls since the last successful one.
    pub consecutive_failures: i32,
    /// The sweep ([`pollable`]) leaves the mailbox alone until then (backing off a failing
    /// server); `None` after a success.
    pub next_poll_at: Option<DateTime<Utc>>,
}

/// How long a failing mailbox waits before the sweep polls it again: `base` after the first
/// failure in a row, doubling with each further one, never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: std::time::Duration,
    pub max: std::time::Duration,
}

/// What one successful poll adds to the totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollCounts {
    pub messages: i64,
    pub bounces: i64,
    pub complaints: i64,
}

const COLUMNS: &str = "uidvalidity, last_uid, last_polled_at, last_success_at, last_error, messages_read, bounces_recorded, complaints_recorded, consecutive_failures, next_poll_at";

/// The mailbox's state; `None` before its first poll.
pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, mailbox: MailboxId) -> Result<Option<PollState>> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from mailbox_polls where client_id = $1 and mailbox_id = $2"))
        .bind(ws.0)
        .bind(mailbox.0)
        .fetch_optional(db)
        .await?)
}

/// Every polled mailbox of the workspace with its state.
pub async fn list<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<(Uuid, PollState)>> {
    let rows: Vec<PollRow> = sqlx::query_as(&format!("select mailbox_id, {COLUMNS} from mailbox_polls where client_id = $1 order by mailbox_id"))
        .bind(ws.0)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.mailbox_id, r.state)).collect())
}

#[derive(sqlx::FromRow)]
struct PollRow {
    mailbox_id: Uuid,
    #[sqlx(flatten)]
    state: PollState,
}

/// Records a poll that read and recorded everything up to `last_uid`: the new position, the
/// totals, no error and no back-off. Only call after the recordings committed: a crash before this line
/// means the next poll reads the same messages again, which records nothing twice.
pub async fn advance<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, mailbox: MailboxId, uidvalidity: u32, last_uid: u32, counts: PollCounts) -> Result<bool> {
    Ok(sqlx::query(
        "insert into mailbox_polls (client_id, mailbox_id, uidvalidity, last_uid, last_polled_at, last_success_at, last_error,
                                    messages_read, bounces_recorded, complaints_recorded)
         select $1, $2, $3, $4, now(), now(), null, $5, $6, $7
         where exists (select 1 from mailboxes where client_id = $1 and id = $2)
         on conflict (client_id, mailbox_id) do update set
            uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, last_polled_at = now(), last_success_at = now(),
            last_error = null, consecutive_failures = 0, next_poll_at = null,
            messages_read = mailbox_polls.messages_read + excluded.messages_read,
            bounces_recorded = mailbox_polls.bounces_recorded + excluded.bounces_recorded,
            complaints_recorded = mailbox_polls.complaints_recorded + excluded.complaints_recorded",
    )
    .bind(ws.0)
    .bind(mailbox.0)
    .bind(i64::from(uidvalidity))
    .bind(i64::from(last_uid))
    .bind(counts.messages)
    .bind(counts.bounces)
    .bind(counts.complaints)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Records why a poll failed at `now` and backs the mailbox off: the reading position stays
/// where it was, the failures in a row go up by one and the next sweep's poll waits
/// `backoff.base × 2^(failures − 1)`, at most `backoff.max`. Returns the state after, `None`
/// when the workspace has no such mailbox.
pub async fn fail<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, mailbox: MailboxId, error: &str, now: DateTime<Utc>, backoff: Backoff) -> Result<Option<PollState>> {
    // Bounded: a server's reply is not ours to store without limit.
    let error: String = error.chars().take(1000).collect();
    Ok(sqlx::query_as(&format!(
        "insert into mailbox_polls (client_id, mailbox_id, last_polled_at, last_error, consecutive_failures, next_poll_at)
         select $1, $2, $4, $3, 1, $4 + make_interval(secs => least($5, $6))
         where exists (select 1 from mailboxes where client_id = $1 and id = $2)
         on conflict (client_id, mailbox_id) do update set last_polled_at = $4, last_error = excluded.last_error,
            consecutive_failures = mailbox_polls.consecutive_failures + 1,
            next_poll_at = $4 + make_interval(secs => least($6, $5 * power(2, least(mailbox_polls.consecutive_failures, 40))))
         returning {COLUMNS}"
    ))
    .bind(ws.0)
    .bind(mailbox.0)
    .bind(error)
    .bind(now)
    .bind(backoff.base.as_secs_f64())
    .bind(backoff.max.as_secs_f64())
    .fetch_optional(db)
    .await?)
}

/// Every mailbox with an IMAP server, paused or not (a paused mailbox's bounces still count:
/// they suppress addresses), across workspaces, except those backing off past `now`: the
/// poller's sweep. Workspaces take turns (every workspace's least recently polled mailbox
/// first, then every workspace's second, ...), so one with many mailboxes does not push the
/// others to the back.
///
/// Each comes with the account that owns its workspace (the first owner), so the sweep can bound
/// one tenant across all the workspaces it made, not only each workspace.
pub async fn pollable<'e>(db: impl PgExecutor<'e>, now: DateTime<Utc>) -> Result<Vec<(WorkspaceId, MailboxId, Option<Uuid>)>> {
    let rows: Vec<(Uuid, Uuid, Option<Uuid>)> = sqlx::query_as(
        "select m.client_id, m.id,
                (select o.user_id from memberships o where o.client_id = m.client_id and o.role = 'owner' and o.deleted_at is null
                 order by o.created_at, o.user_id limit 1)
         from mailboxes m
         join workspaces w on w.id = m.client_id and w.deleted_at is null
         left join mailbox_polls p on p.client_id = m.client_id and p.mailbox_id = m.id
         where m.imap_host is not null and btrim(m.imap_host) <> '' and m.imap_port is not null
           and (p.next_poll_at is null or p.next_poll_at <= $1)
         order by row_number() over (partition by m.client_id order by p.last_polled_at nulls first, m.created_at, m.id),
                  p.last_polled_at nulls first, m.created_at, m.id",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(ws, m, owner)| (WorkspaceId(ws), MailboxId(m), owner)).collect())
}
