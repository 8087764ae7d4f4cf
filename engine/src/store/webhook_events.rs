//! Booking webhooks in Postgres: the sealed signing secret per workspace and provider, and the
//! record of every authentic event (its unique key is the replay protection). Sealing and
//! verifying happen in `flows::bookings`; this module moves opaque ciphertext.

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::LeadId;
use domain::integrations::BookingProvider;
use sqlx::{PgConnection, PgExecutor};

/// The workspace's signing secret for `provider`, sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealedSecret {
    pub secret: String,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
}

pub async fn secret<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, provider: BookingProvider) -> Result<Option<SealedSecret>> {
    Ok(sqlx::query_as("select secret, created_at, rotated_at from booking_webhook_secrets where client_id = $1 and provider = $2")
        .bind(ws.0)
        .bind(provider.slug())
        .fetch_optional(db)
        .await?)
}

/// Every booking secret of the workspace (Settings → Integrations).
pub async fn secrets<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<(String, SealedSecret)>> {
    let rows: Vec<(String, String, DateTime<Utc>, Option<DateTime<Utc>>)> =
        sqlx::query_as("select provider, secret, created_at, rotated_at from booking_webhook_secrets where client_id = $1 order by provider")
            .bind(ws.0)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(p, secret, created_at, rotated_at)| (p, SealedSecret { secret, created_at, rotated_at })).collect())
}

/// Stores a new sealed secret, replacing the old one at once (the old one stops working in the
/// same statement). True when it replaced one.
pub async fn set_secret(conn: &mut PgConnection, ws: WorkspaceId, provider: BookingProvider, sealed: &str, by: UserId) -> Result<bool> {
    let replaced: bool = sqlx::query_scalar(
        "insert into booking_webhook_secrets (client_id, provider, secret, created_by)
         values ($1, $2, $3, $4)
         on conflict (client_id, provider) do update set secret = excluded.secret, rotated_at = now()
         returning rotated_at is not null",
    )
    .bind(ws.0)
    .bind(provider.slug())
    .bind(sealed)
    .bind(by.0)
    .fetch_one(conn)
    .await?;
    Ok(replaced)
}

/// What an authentic booking event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Booked,
    Cancelled,
    Rescheduled,
    Unmatched,
    Ignored,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Booked => "booked",
            Outcome::Cancelled => "cancelled",
            Outcome::Rescheduled => "rescheduled",
            Outcome::Unmatched => "unmatched",
            Outcome::Ignored => "ignored",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub provider: BookingProvider,
    pub key: &'a str,
    pub event_type: &'a str,
    pub outcome: Outcome,
    pub invitee: Option<&'a str>,
    pub lead: Option<LeadId>,
}

/// Records the event under its key: false when it already was (a replay, or a concurrent
/// delivery of the same event that got there first). Called after the event's effects, which are
/// idempotent on their own, so a crash in between is repaired by the provider's retry.
pub async fn claim<'e>(conn: impl PgExecutor<'e>, ws: WorkspaceId, e: &NewEvent<'_>) -> Result<bool> {
    let done = sqlx::query(
        "insert into booking_webhook_events (client_id, provider, event_key, event_type, outcome, invitee, lead_id)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (client_id, provider, event_key) do nothing",
    )
    .bind(ws.0)
    .bind(e.provider.slug())
    .bind(e.key)
    .bind(e.event_type)
    .bind(e.outcome.as_str())
    .bind(e.invitee)
    .bind(e.lead.map(|l| l.0))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the event's key is already recorded (checked before any work, outside a
/// transaction; `claim` is the authoritative check).
pub async fn seen<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, provider: BookingProvider, key: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("select exists (select 1 from booking_webhook_events where client_id = $1 and provider = $2 and event_key = $3)")
        .bind(ws.0)
        .bind(provider.slug())
        .bind(key)
        .fetch_one(db)
        .await?)
}

/// The live lead of the workspace with this (canonical, lower-case) address, if any.
pub async fn lead_by_email<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, email: &str) -> Result<Option<LeadId>> {
    let id: Option<uuid::Uuid> = sqlx::query_scalar("select id from leads where client_id = $1 and email = $2 and deleted_at is null order by created_at limit 1")
        .bind(ws.0)
        .bind(email)
        .fetch_optional(db)
        .await?;
    Ok(id.map(LeadId))
}
