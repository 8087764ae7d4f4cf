//! Workspaces (tenants). Soft-deleted workspaces disappear from every read.

use crate::{Error, Result};
use domain::account::{Role, WorkspaceName, WorkspaceSummary};
use chrono::NaiveDate;
use domain::allocate::WorkspaceSending;
use domain::campaign::DraftingPolicy;
use domain::ids::{UserId, WorkspaceId};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A new workspace starts trialing on Ignition with `lead_pool` credits (the configured pool).
pub async fn insert(conn: &mut PgConnection, name: &WorkspaceName, created_by: UserId, lead_pool: u32) -> Result<WorkspaceId> {
    let id: Uuid = sqlx::query_scalar("insert into workspaces (name, created_by, credits_remaining) values ($1, $2, $3) returning id")
        .bind(name.as_str())
        .bind(created_by.0)
        .bind(i32::try_from(lead_pool).unwrap_or(i32::MAX))
        .fetch_one(conn)
        .await?;
    Ok(WorkspaceId(id))
}

type Row = (Uuid, String, String, bool, i64);

fn summary((id, name, role, shadow_mode, member_count): Row) -> Result<WorkspaceSummary> {
    Ok(WorkspaceSummary {
        id: WorkspaceId(id),
        name,
        role: Role::parse(&role).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?,
        shadow_mode,
        member_count,
    })
}

const SELECT: &str = "select w.id, w.name, m.role, w.shadow_mode,
        (select count(*) from memberships x where x.client_id = w.id and x.deleted_at is null)
     from workspaces w
     join memberships m on m.client_id = w.id and m.deleted_at is null
     where w.deleted_at is null and m.user_id = $1";

/// Every live workspace the user is a member of, alphabetically.
pub async fn list_for_user(pool: &PgPool, user: UserId) -> Result<Vec<WorkspaceSummary>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} order by lower(w.name), w.id"))
        .bind(user.0)
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(summary).collect()
}

pub async fn get_for_user(pool: &PgPool, ws: WorkspaceId, user: UserId) -> Result<Option<WorkspaceSummary>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} and w.id = $2"))
        .bind(user.0)
        .bind(ws.0)
        .fetch_optional(pool)
        .await?;
    row.map(summary).transpose()
}

pub async fn name(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("select name from workspaces where id = $1 and deleted_at is null")
        .bind(ws.0)
        .fetch_optional(conn)
        .await?)
}

pub async fn rename(conn: &mut PgConnection, ws: WorkspaceId, name: &WorkspaceName) -> Result<()> {
    let n = sqlx::query("update workspaces set name = $2 where id = $1 and deleted_at is null")
        .bind(ws.0)
        .bind(name.as_str())
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("workspace"));
    }
    Ok(())
}

pub async fn soft_delete(conn: &mut PgConnection, ws: WorkspaceId) -> Result<()> {
    let n = sqlx::query("update workspaces set deleted_at = now() where id = $1 and deleted_at is null")
        .bind(ws.0)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(Error::NotFound("workspace"));
    }
    Ok(())
}

/// The workspace's drafting policy; unreadable stored values fall back to the defaults (the
/// columns' checks make that impossible short of a manual edit).
pub async fn drafting_policy<'e>(db: impl sqlx::PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<DraftingPolicy>> {
    let row: Option<(String, String)> =
        sqlx::query_as("select permission_mode, guard_mode from workspaces where id = $1 and deleted_at is null")
            .bind(ws.0)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(mode, guard)| DraftingPolicy {
        permission_mode: mode.parse().unwrap_or_default(),
        guard_mode: guard.parse().unwrap_or_default(),
    }))
}

pub async fn set_drafting_policy(conn: &mut PgConnection, ws: WorkspaceId, policy: DraftingPolicy) -> Result<()> {
    sqlx::query("update workspaces set permission_mode = $2, guard_mode = $3 where id = $1 and deleted_at is null")
        .bind(ws.0)
        .bind(policy.permission_mode.as_str())
        .bind(policy.guard_mode.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

/// The workspace's ramp mode as stored (`None`: it never ramped).
pub async fn sending_mode<'e>(db: impl sqlx::PgExecutor<'e>, ws: WorkspaceId, today: NaiveDate) -> Result<Option<WorkspaceSending>> {
    let v: Option<Option<serde_json::Value>> = sqlx::query_scalar("select sending_mode from workspaces where id = $1 and deleted_at is null")
        .bind(ws.0)
        .fetch_optional(db)
        .await?;
    Ok(v.flatten().map(|v| WorkspaceSending::from_stored(&v, today)))
}

pub async fn set_sending_mode(conn: &mut PgConnection, ws: WorkspaceId, mode: Option<&WorkspaceSending>) -> Result<()> {
    let v = mode.map(serde_json::to_value).transpose().map_err(|e| Error::Internal(e.into()))?;
    sqlx::query("update workspaces set sending_mode = $2 where id = $1 and deleted_at is null")
        .bind(ws.0)
        .bind(v)
        .execute(conn)
        .await?;
    Ok(())
}

/// Supervised days of a ramp that are over and went cleanly: every UTC day from `since` up to
/// yesterday on which the workspace had no bounce and no spam complaint.
pub async fn clean_ramp_days<'e>(db: impl sqlx::PgExecutor<'e>, ws: WorkspaceId, since: NaiveDate, today: NaiveDate) -> Result<u32> {
    let troubled: i64 = sqlx::query_scalar(
        "select count(distinct (occurred_at at time zone 'UTC')::date) from activities
         where client_id = $1 and kind in ('bounced', 'complained')
           and occurred_at >= ($2::date)::timestamp at time zone 'UTC' and occurred_at < ($3::date)::timestamp at time zone 'UTC'",
    )
    .bind(ws.0)
    .bind(since)
    .bind(today)
    .fetch_one(db)
    .await?;
    let days = (today - since).num_days().max(0);
    Ok(u32::try_from((days - troubled).max(0)).unwrap_or(0))
}

/// Live sends counted today against the workspace's own ramp limit.
pub async fn ramp_sent_today<'e>(db: impl sqlx::PgExecutor<'e>, ws: WorkspaceId, today: NaiveDate) -> Result<u32> {
    let n: Option<i32> = sqlx::query_scalar("select sent from ramp_usage where client_id = $1 and scope_id = $1 and day = $2")
        .bind(ws.0)
        .bind(today)
        .fetch_optional(db)
        .await?;
    Ok(u32::try_from(n.unwrap_or(0)).unwrap_or(0))
}
