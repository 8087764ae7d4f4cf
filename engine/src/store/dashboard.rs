//! The Dashboard's numbers (SPEC §15), read from the database each time: nothing cached that
//! could show a stale count. Every query is scoped to the workspace and capped or indexed.

use crate::Result;
use chrono::{DateTime, Datelike, Duration, Utc};
use domain::ids::WorkspaceId;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardCounts {
    /// Drafts waiting in the approval queue (suggested replies included).
    pub drafts_waiting: i64,
    /// Live replies a person should answer (interested, meeting request, question, unrecognised)
    /// not yet archived.
    pub replies_attention: i64,
    /// Of those, unread.
    pub replies_unread: i64,
    /// Meetings booked (created) this ISO week, Monday 00:00 UTC on.
    pub meetings_this_week: i64,
    /// Live leads.
    pub leads: i64,
    /// Leads marked hot by a positive reply.
    pub hot_leads: i64,
    /// Emails sent (or held as shadow) in the last 7 days.
    pub sent_7d: i64,
    /// Replies received in the last 7 days.
    pub replies_7d: i64,
    /// The same for the 7 days before those, and meetings booked in the previous ISO week.
    pub sent_prev_7d: i64,
    pub replies_prev_7d: i64,
    pub meetings_last_week: i64,
}

/// The counts at `now` (passed in so tests can pin the week).
pub async fn counts_at(conn: &mut PgConnection, ws: WorkspaceId, now: DateTime<Utc>) -> Result<DashboardCounts> {
    let monday = (now - Duration::days(i64::from(now.weekday().num_days_from_monday()))).date_naive().and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let week_ago = now - Duration::days(7);
    let (prev_monday, fortnight_ago) = (monday - Duration::days(7), now - Duration::days(14));
    let previous: (i64, i64, i64) = sqlx::query_as(
        "select
            (select count(*) from outbox where client_id = $1 and state in ('sent', 'shadow') and sent_at >= $2 and sent_at < $3),
            (select count(*) from replies where client_id = $1 and received_at >= $2 and received_at < $3),
            (select count(*) from meetings where client_id = $1 and created_at >= $4 and created_at < $5)",
    )
    .bind(ws.0)
    .bind(fortnight_ago)
    .bind(week_ago)
    .bind(prev_monday)
    .bind(monday)
    .fetch_one(&mut *conn)
    .await?;
    let row: (i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "select
            (select count(*) from drafts where client_id = $1 and status = 'pending'),
            (select count(*) from replies where client_id = $1 and archived_at is null
                and intent in ('meeting_request', 'interested', 'question', 'unclassified')),
            (select count(*) from replies where client_id = $1 and archived_at is null and read_at is null
                and intent in ('meeting_request', 'interested', 'question', 'unclassified')),
            (select count(*) from meetings where client_id = $1 and created_at >= $2),
            (select count(*) from leads where client_id = $1 and deleted_at is null),
            (select count(*) from leads where client_id = $1 and deleted_at is null and hot_at is not null),
            (select count(*) from outbox where client_id = $1 and state in ('sent', 'shadow') and sent_at >= $3),
            (select count(*) from replies where client_id = $1 and received_at >= $3)",
    )
    .bind(ws.0)
    .bind(monday)
    .bind(week_ago)
    .fetch_one(&mut *conn)
    .await?;
    Ok(DashboardCounts {
        drafts_waiting: row.0,
        replies_attention: row.1,
        replies_unread: row.2,
        meetings_this_week: row.3,
        leads: row.4,
        hot_leads: row.5,
        sent_7d: row.6,
        replies_7d: row.7,
        sent_prev_7d: previous.0,
        replies_prev_7d: previous.1,
        meetings_last_week: previous.2,
    })
}

pub async fn counts(conn: &mut PgConnection, ws: WorkspaceId) -> Result<DashboardCounts> {
    counts_at(conn, ws, Utc::now()).await
}
