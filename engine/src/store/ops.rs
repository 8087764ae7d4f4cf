//! The operator's view across every workspace (SPEC §1 "platform operator"). Spans tenants on
//! purpose: only `flows::ops`, after checking the operator flag, calls it.

use crate::Result;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkspaceRow {
    pub id: Uuid,
    pub name: String,
    pub plan: String,
    pub subscription_status: String,
    pub credits_remaining: i32,
    pub leads: i64,
    pub active_campaigns: i64,
    pub last_activity: Option<DateTime<Utc>>,
}

/// Every live workspace (at most `limit`), by name, with its usage and last activity.
pub async fn workspaces(conn: &mut PgConnection, limit: i64) -> Result<Vec<WorkspaceRow>> {
    Ok(sqlx::query_as(
        "select w.id, w.name, w.plan, w.subscription_status, w.credits_remaining,
                (select count(*) from leads l where l.client_id = w.id and l.deleted_at is null) as leads,
                (select count(*) from campaigns c where c.client_id = w.id and c.status = 'active') as active_campaigns,
                greatest((select max(a.occurred_at) from activities a where a.client_id = w.id),
                         (select max(x.created_at) from audit_log x where x.client_id = w.id)) as last_activity
           from workspaces w
          where w.deleted_at is null
          order by lower(w.name), w.id
          limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}
