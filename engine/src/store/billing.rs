//! A workspace's plan and subscription (SPEC §2), its link to Stripe, the Stripe events seen,
//! and the usage the Billing page shows against the plan's limits.
//!
//! The plan figures themselves are configuration (`domain::plans::Plans`), never SQL: a tier
//! change is given the pools it moves between.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use domain::plans::{SubscriptionStatus, Tier};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The billing columns of one workspace.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BillingRow {
    pub plan: String,
    pub subscription_status: String,
    pub credits_remaining: i32,
    pub credits_reset_at: DateTime<Utc>,
    pub stripe_customer_id: Option<String>,
    pub stripe_subscription_id: Option<String>,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub billing_synced_at: Option<DateTime<Utc>>,
}

impl BillingRow {
    pub fn tier(&self) -> Tier {
        self.plan.parse().unwrap_or(Tier::Ignition)
    }

    pub fn status(&self) -> Result<SubscriptionStatus> {
        self.subscription_status.parse().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
    }
}

/// The row, locked against a concurrent change when `for_update`.
pub async fn get(conn: &mut PgConnection, ws: WorkspaceId, for_update: bool) -> Result<Option<BillingRow>> {
    let lock = if for_update { " for no key update" } else { "" };
    Ok(sqlx::query_as(&format!(
        "select plan, subscription_status, credits_remaining, credits_reset_at, stripe_customer_id,
                stripe_subscription_id, trial_ends_at, billing_synced_at
           from workspaces where id = $1 and deleted_at is null{lock}"
    ))
    .bind(ws.0)
    .fetch_optional(conn)
    .await?)
}

/// Sets tier and status. A tier change moves the credits left by the difference between the two
/// pools (an upgrade adds it at once, a downgrade takes it away, never below zero).
pub async fn set_plan(conn: &mut PgConnection, ws: WorkspaceId, tier: Tier, status: SubscriptionStatus, pool_change: i64) -> Result<()> {
    sqlx::query(
        "update workspaces set plan = $2, subscription_status = $3,
                credits_remaining = greatest(0, least(2147483647, credits_remaining::bigint + $4))::int
          where id = $1",
    )
    .bind(ws.0)
    .bind(tier.as_str())
    .bind(status.as_str())
    .bind(pool_change)
    .execute(conn)
    .await?;
    Ok(())
}

/// Links the Stripe customer and subscription that pay for the workspace.
pub async fn link_stripe(conn: &mut PgConnection, ws: WorkspaceId, customer: Option<&str>, subscription: Option<&str>) -> Result<()> {
    sqlx::query(
        "update workspaces set stripe_customer_id = coalesce($2, stripe_customer_id),
                stripe_subscription_id = coalesce($3, stripe_subscription_id)
          where id = $1",
    )
    .bind(ws.0)
    .bind(customer)
    .bind(subscription)
    .execute(conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.constraint() == Some("workspaces_stripe_customer") => {
            Error::Conflict("this Stripe customer already pays for another workspace".into())
        }
        e => e.into(),
    })?;
    Ok(())
}

pub async fn set_synced(conn: &mut PgConnection, ws: WorkspaceId, at: DateTime<Utc>, trial_end: Option<DateTime<Utc>>) -> Result<()> {
    sqlx::query("update workspaces set billing_synced_at = greatest(billing_synced_at, $2), trial_ends_at = coalesce($3, trial_ends_at) where id = $1")
        .bind(ws.0)
        .bind(at)
        .bind(trial_end)
        .execute(conn)
        .await?;
    Ok(())
}

/// The live workspace a Stripe customer pays for.
pub async fn by_customer<'e>(db: impl PgExecutor<'e>, customer: &str) -> Result<Option<WorkspaceId>> {
    let id: Option<Uuid> = sqlx::query_scalar("select id from workspaces where stripe_customer_id = $1 and deleted_at is null")
        .bind(customer)
        .fetch_optional(db)
        .await?;
    Ok(id.map(WorkspaceId))
}

/// Records an event id; `false` when it was seen before (a replay), which changes nothing.
pub async fn record_event(conn: &mut PgConnection, id: &str, kind: &str, created: DateTime<Utc>) -> Result<bool> {
    Ok(
        sqlx::query("insert into stripe_events (id, type, created_at, outcome) values ($1, $2, $3, 'received') on conflict (id) do nothing")
            .bind(id)
            .bind(kind)
            .bind(created)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn finish_event(conn: &mut PgConnection, id: &str, ws: Option<WorkspaceId>, outcome: &str) -> Result<()> {
    sqlx::query("update stripe_events set workspace_id = $2, outcome = $3 where id = $1")
        .bind(id)
        .bind(ws.map(|w| w.0))
        .bind(outcome)
        .execute(conn)
        .await?;
    Ok(())
}

/// Usage against the plan's limits, counted from the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub active_campaigns: u32,
    /// Leads charged a credit since the current period began.
    pub enriched_this_period: u32,
    /// LinkedIn seats in use: none until a LinkedIn channel exists.
    pub linkedin_seats: u32,
}

pub async fn usage(conn: &mut PgConnection, ws: WorkspaceId, period_start: DateTime<Utc>) -> Result<Usage> {
    let (active, enriched): (i64, i64) = sqlx::query_as(
        "select (select count(*) from campaigns where client_id = $1 and status = 'active'),
                (select count(*) from enrichment_log where client_id = $1 and credits = 1 and created_at >= $2)",
    )
    .bind(ws.0)
    .bind(period_start)
    .fetch_one(conn)
    .await?;
    let n = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(Usage {
        active_campaigns: n(active),
        enriched_this_period: n(enriched),
        linkedin_seats: 0,
    })
}
