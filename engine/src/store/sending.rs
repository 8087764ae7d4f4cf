//! The sending switches (SPEC §10.1–10.2): a workspace's shadow mode and emergency pause, and
//! the platform-wide emergency stop. The dispatcher reads them again just before every send
//! (`store::outbox::context`), so a change here holds the very next send.

use crate::Result;
use domain::ids::WorkspaceId;
use sqlx::{PgConnection, PgExecutor};

/// A workspace's switches and the platform stop, as read together.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Switches {
    pub name: String,
    pub shadow_mode: bool,
    pub sending_paused: bool,
    pub sending_paused_reason: Option<String>,
    pub platform_stop: bool,
    pub platform_stop_reason: Option<String>,
    pub sendable_mailboxes: i64,
}

pub async fn switches<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<Switches>> {
    Ok(sqlx::query_as(
        "select w.name, w.shadow_mode, w.sending_paused, w.sending_paused_reason,
                p.emergency_stop as platform_stop, p.stop_reason as platform_stop_reason,
                (select count(*) from mailboxes m where m.client_id = w.id and m.paused_at is null) as sendable_mailboxes
         from workspaces w cross join platform_settings p
         where w.id = $1 and w.deleted_at is null",
    )
    .bind(ws.0)
    .fetch_optional(db)
    .await?)
}

/// The same, with the workspace row locked for a change made in the caller's transaction.
pub async fn switches_for_update(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Option<Switches>> {
    sqlx::query("select 1 from workspaces where id = $1 and deleted_at is null for update").bind(ws.0).execute(&mut *conn).await?;
    switches(conn, ws).await
}

pub async fn set_shadow_mode(conn: &mut PgConnection, ws: WorkspaceId, shadow: bool) -> Result<()> {
    sqlx::query("update workspaces set shadow_mode = $2 where id = $1").bind(ws.0).bind(shadow).execute(conn).await?;
    Ok(())
}

/// Sets or lifts the workspace's emergency pause (`reason` only while paused).
pub async fn set_paused(conn: &mut PgConnection, ws: WorkspaceId, paused: bool, reason: Option<&str>) -> Result<()> {
    sqlx::query("update workspaces set sending_paused = $2, sending_paused_reason = $3 where id = $1")
        .bind(ws.0)
        .bind(paused)
        .bind(if paused { reason } else { None })
        .execute(conn)
        .await?;
    Ok(())
}

/// The platform-wide stop: `(on, reason)`.
pub async fn platform_stop<'e>(db: impl PgExecutor<'e>) -> Result<(bool, Option<String>)> {
    Ok(sqlx::query_as("select emergency_stop, stop_reason from platform_settings").fetch_one(db).await?)
}

pub async fn set_platform_stop<'e>(db: impl PgExecutor<'e>, on: bool, reason: Option<&str>) -> Result<()> {
    sqlx::query("update platform_settings set emergency_stop = $1, stop_reason = $2, updated_at = now()")
        .bind(on)
        .bind(if on { reason } else { None })
        .execute(db)
        .await?;
    Ok(())
}
