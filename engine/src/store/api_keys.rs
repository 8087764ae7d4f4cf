//! Workspace API keys in Postgres. Only the SHA-256 of a key is stored; the key itself exists
//! in the creator's browser once and in the caller's configuration, never here.
//!
//! Every function takes the workspace id except `find_by_hash`: authentication is how the
//! workspace of a REST call is learnt, so that one lookup cannot be scoped by it.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::api_keys::{ApiKeyId, ApiKeyView};
use domain::ids::{UserId, WorkspaceId};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    name: String,
    prefix: String,
    created_by: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<Row> for ApiKeyView {
    fn from(r: Row) -> Self {
        ApiKeyView {
            id: ApiKeyId(r.id),
            name: r.name,
            prefix: r.prefix,
            created_by: r.created_by,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

const SELECT: &str = "select k.id, k.name, k.prefix, u.name as created_by, k.created_at, k.last_used_at, k.revoked_at
    from api_keys k join users u on u.id = k.created_by";

pub async fn insert(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    name: &str,
    prefix: &str,
    key_hash: &str,
    created_by: UserId,
) -> Result<ApiKeyView> {
    let id: Uuid = sqlx::query_scalar(
        "insert into api_keys (client_id, name, prefix, key_hash, created_by) values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(ws.0)
    .bind(name)
    .bind(prefix)
    .bind(key_hash)
    .bind(created_by.0)
    .fetch_one(&mut *conn)
    .await?;
    get(conn, ws, ApiKeyId(id)).await?.ok_or_else(|| Error::Internal(anyhow::anyhow!("api key vanished after insert")))
}

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: ApiKeyId) -> Result<Option<ApiKeyView>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} where k.client_id = $1 and k.id = $2"))
        .bind(ws.0)
        .bind(id.0)
        .fetch_optional(db)
        .await?;
    Ok(row.map(Into::into))
}

/// The workspace's keys, active ones first, newest first.
pub async fn list(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<ApiKeyView>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} where k.client_id = $1 order by (k.revoked_at is null) desc, k.created_at desc, k.id"
    ))
    .bind(ws.0)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Revokes an active key; false when it is absent, of another workspace, or already revoked.
pub async fn revoke(conn: &mut PgConnection, ws: WorkspaceId, id: ApiKeyId) -> Result<bool> {
    let done = sqlx::query("update api_keys set revoked_at = now() where client_id = $1 and id = $2 and revoked_at is null")
        .bind(ws.0)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An active key found by its hash, with what authentication needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Found {
    pub client_id: Uuid,
    pub id: Uuid,
    pub key_hash: String,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Who created the key: a REST call acts with that person's current role.
    pub created_by: Uuid,
}

/// The active key with this hash, if its workspace is live. Not workspace-scoped: see the
/// module documentation.
pub async fn find_by_hash(pool: &PgPool, key_hash: &str) -> Result<Option<Found>> {
    Ok(sqlx::query_as(
        "select k.client_id, k.id, k.key_hash, k.last_used_at, k.created_by
         from api_keys k join workspaces w on w.id = k.client_id
         where k.key_hash = $1 and k.revoked_at is null and w.deleted_at is null",
    )
    .bind(key_hash)
    .fetch_optional(pool)
    .await?)
}

/// Records a use of the key, unless one was recorded in the last minute: the condition sits in
/// the statement so that concurrent calls cannot both write.
pub async fn touch(conn: &mut PgConnection, ws: WorkspaceId, id: ApiKeyId) -> Result<()> {
    sqlx::query(
        "update api_keys set last_used_at = now()
         where client_id = $1 and id = $2 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
    )
    .bind(ws.0)
    .bind(id.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
