//! Who belongs to which workspace, with which role.

use crate::{Error, Result};
use domain::account::{Member, Role};
use domain::ids::{UserId, WorkspaceId};
use sqlx::PgConnection;
use uuid::Uuid;

fn role(raw: &str) -> Result<Role> {
    Role::parse(raw).map_err(|e| Error::Internal(anyhow::anyhow!("stored role: {e}")))
}

/// The user's role in a live workspace, or `None` when they are not an active member.
pub async fn role_of(conn: &mut PgConnection, ws: WorkspaceId, user: UserId) -> Result<Option<Role>> {
    let raw: Option<String> = sqlx::query_scalar(
        "select m.role from memberships m join workspaces w on w.id = m.client_id
         where m.client_id = $1 and m.user_id = $2 and m.deleted_at is null and w.deleted_at is null",
    )
    .bind(ws.0)
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    raw.as_deref().map(role).transpose()
}

/// Adds the user, or revives a removed membership with the new role.
pub async fn upsert(conn: &mut PgConnection, ws: WorkspaceId, user: UserId, r: Role) -> Result<()> {
    sqlx::query(
        "insert into memberships (client_id, user_id, role) values ($1, $2, $3)
         on conflict (client_id, user_id) do update
           set role = excluded.role, deleted_at = null, created_at = case when memberships.deleted_at is null then memberships.created_at else now() end",
    )
    .bind(ws.0)
    .bind(user.0)
    .bind(r.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<Member>> {
    let rows: Vec<(Uuid, String, String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select u.id, u.name, u.email, m.role, m.created_at
         from memberships m join users u on u.id = m.user_id
         where m.client_id = $1 and m.deleted_at is null
         order by case m.role when 'owner' then 0 when 'admin' then 1 when 'member' then 2 else 3 end, lower(u.name)",
    )
    .bind(ws.0)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, name, email, r, joined_at)| Ok(Member { user_id: UserId(id), name, email, role: role(&r)?, joined_at }))
        .collect()
}

/// Locks the membership row for a change in this transaction.
pub async fn lock(conn: &mut PgConnection, ws: WorkspaceId, user: UserId) -> Result<Option<Role>> {
    let raw: Option<String> = sqlx::query_scalar(
        "select role from memberships where client_id = $1 and user_id = $2 and deleted_at is null for update",
    )
    .bind(ws.0)
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    raw.as_deref().map(role).transpose()
}

pub async fn count_owners(conn: &mut PgConnection, ws: WorkspaceId) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from memberships where client_id = $1 and role = 'owner' and deleted_at is null")
        .bind(ws.0)
        .fetch_one(conn)
        .await?)
}

pub async fn set_role(conn: &mut PgConnection, ws: WorkspaceId, user: UserId, r: Role) -> Result<()> {
    sqlx::query("update memberships set role = $3 where client_id = $1 and user_id = $2 and deleted_at is null")
        .bind(ws.0)
        .bind(user.0)
        .bind(r.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn soft_delete(conn: &mut PgConnection, ws: WorkspaceId, user: UserId) -> Result<()> {
    sqlx::query("update memberships set deleted_at = now() where client_id = $1 and user_id = $2 and deleted_at is null")
        .bind(ws.0)
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(())
}
