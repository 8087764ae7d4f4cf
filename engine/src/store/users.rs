//! Users are global: one person, many workspaces.

use crate::error::on_unique;
use crate::Result;
use domain::account::{CurrentUser, LoginEmail, PersonName};
use domain::ids::{UserId, WorkspaceId};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub async fn insert(conn: &mut PgConnection, email: &LoginEmail, name: &PersonName, password_hash: &str) -> Result<UserId> {
    let id: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, $3) returning id")
        .bind(email.as_str())
        .bind(name.as_str())
        .bind(password_hash)
        .fetch_one(conn)
        .await
        .map_err(|e| on_unique(e, "An account with this email already exists. Log in instead."))?;
    Ok(UserId(id))
}

pub async fn find_credentials(pool: &PgPool, email: &LoginEmail) -> Result<Option<(UserId, String)>> {
    let row: Option<(Uuid, String)> =
        sqlx::query_as("select id, password_hash from users where email = $1 and deleted_at is null")
            .bind(email.as_str())
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, h)| (UserId(id), h)))
}

pub async fn get(pool: &PgPool, id: UserId) -> Result<Option<CurrentUser>> {
    let row: Option<(Uuid, String, String)> =
        sqlx::query_as("select id, email, name from users where id = $1 and deleted_at is null")
            .bind(id.0)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, email, name)| CurrentUser { id: UserId(id), email, name }))
}

pub async fn last_workspace(pool: &PgPool, id: UserId) -> Result<Option<WorkspaceId>> {
    let row: Option<Option<Uuid>> = sqlx::query_scalar("select last_client_id from users where id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    Ok(row.flatten().map(WorkspaceId))
}

pub async fn set_last_workspace(pool: &PgPool, id: UserId, ws: WorkspaceId) -> Result<()> {
    sqlx::query("update users set last_client_id = $2 where id = $1")
        .bind(id.0)
        .bind(ws.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// The user with this login and whether they are an operator, locked for a change of the flag.
pub async fn operator_flag_for_update(conn: &mut PgConnection, email: &LoginEmail) -> Result<Option<(UserId, bool)>> {
    let row: Option<(Uuid, bool)> = sqlx::query_as("select id, is_operator from users where email = $1 for update").bind(email.as_str()).fetch_optional(conn).await?;
    Ok(row.map(|(id, op)| (UserId(id), op)))
}

pub async fn set_operator(conn: &mut PgConnection, id: UserId, on: bool) -> Result<()> {
    sqlx::query("update users set is_operator = $2 where id = $1").bind(id.0).bind(on).execute(conn).await?;
    Ok(())
}

/// Whether the user is a platform operator (SPEC §1).
pub async fn is_operator(pool: &PgPool, id: UserId) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, bool>("select is_operator from users where id = $1").bind(id.0).fetch_optional(pool).await?.unwrap_or(false))
}
