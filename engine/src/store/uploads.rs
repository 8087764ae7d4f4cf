//! Uploaded CSV files kept in PostgreSQL (`uploads`, `upload_chunks`): written in one
//! transaction while the upload arrives, read back a chunk at a time by whichever process runs
//! the import, deleted when the import finishes or the upload expires unused. Scoped by
//! workspace like every store module; the sweeps at the end work across tenants on purpose.

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::ImportId;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

/// Serialises the uploads of one workspace for the rest of the transaction, in every process:
/// the quota is measured and filled under it, so two uploads cannot both see the same room.
pub async fn lock_workspace(conn: &mut PgConnection, ws: WorkspaceId) -> Result<()> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('agency_os.uploads:' || $1::text, 0))").bind(ws.0).execute(conn).await?;
    Ok(())
}

/// Bytes of the workspace's uploads, waiting or being imported.
pub async fn usage<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("select coalesce(sum(size_bytes), 0)::int8 from uploads where client_id = $1").bind(ws.0).fetch_one(db).await?;
    Ok(n.max(0) as u64)
}

pub async fn create(conn: &mut PgConnection, ws: WorkspaceId, filename: &str, user: Option<UserId>) -> Result<Uuid> {
    Ok(sqlx::query_scalar("insert into uploads (client_id, filename, created_by) values ($1, $2, $3) returning id")
        .bind(ws.0)
        .bind(filename)
        .bind(user.map(|u| u.0))
        .fetch_one(conn)
        .await?)
}

pub async fn rename(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, filename: &str) -> Result<()> {
    sqlx::query("update uploads set filename = $3 where client_id = $1 and id = $2").bind(ws.0).bind(id).bind(filename).execute(conn).await?;
    Ok(())
}

/// Appends chunk `seq` and counts its bytes against the quota.
pub async fn add_chunk(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, seq: i32, data: &[u8]) -> Result<()> {
    sqlx::query(
        "with c as (insert into upload_chunks (client_id, upload_id, seq, data) values ($1, $2, $3, $4))
         update uploads set size_bytes = size_bytes + $5 where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id)
    .bind(seq)
    .bind(data)
    .bind(data.len() as i64)
    .execute(conn)
    .await?;
    Ok(())
}

/// Chunk `seq` of the file; `None` past its end.
pub async fn chunk<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, seq: i32) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("select data from upload_chunks where client_id = $1 and upload_id = $2 and seq = $3")
        .bind(ws.0)
        .bind(id)
        .bind(seq)
        .fetch_optional(db)
        .await?)
}

/// An upload as its preview and its claim see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Upload {
    pub id: Uuid,
    pub filename: String,
    pub size_bytes: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub import_id: Option<Uuid>,
}

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid) -> Result<Option<Upload>> {
    Ok(sqlx::query_as("select id, filename, size_bytes, created_by, created_at, import_id from uploads where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Gives a waiting upload to an import, if it is still waiting and younger than `ttl`; the
/// update is the claim, so a second "Import" of the same upload finds nothing. Returns its
/// file name.
pub async fn claim(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, import: ImportId, ttl: chrono::Duration) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "update uploads set import_id = $3
         where client_id = $1 and id = $2 and import_id is null and created_at > now() - make_interval(secs => $4)
         returning filename",
    )
    .bind(ws.0)
    .bind(id)
    .bind(import.0)
    .bind(ttl.num_seconds() as f64)
    .fetch_optional(conn)
    .await?)
}

pub async fn delete<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid) -> Result<()> {
    sqlx::query("delete from uploads where client_id = $1 and id = $2").bind(ws.0).bind(id).execute(db).await?;
    Ok(())
}

/// Deletes the workspace's waiting uploads older than `ttl` (before measuring its quota).
pub async fn delete_expired_of(conn: &mut PgConnection, ws: WorkspaceId, ttl: chrono::Duration) -> Result<u64> {
    let r = sqlx::query("delete from uploads where client_id = $1 and import_id is null and created_at < now() - make_interval(secs => $2)")
        .bind(ws.0)
        .bind(ttl.num_seconds() as f64)
        .execute(conn)
        .await?;
    Ok(r.rows_affected())
}

/// The sweep, across tenants: waiting uploads past `ttl`, and files of imports that have
/// finished (a process stopped between finishing an import and deleting its file). Returns how
/// many uploads were deleted.
pub async fn sweep(pool: &PgPool, ttl: chrono::Duration) -> Result<u64> {
    let r = sqlx::query(
        "delete from uploads u
         where (u.import_id is null and u.created_at < now() - make_interval(secs => $1))
            or exists (select 1 from imports i where i.client_id = u.client_id and i.id = u.import_id and i.status <> 'running')",
    )
    .bind(ttl.num_seconds() as f64)
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}
