//! Workspaces (tenants). Soft-deleted workspaces disappear from every read.

use crate::{Error, Result};
use domain::account::{Role, WorkspaceName, WorkspaceSummary};
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
