//! The audit log: one row for every state-changing action, written in the same transaction as
//! the change so the two can never disagree.

use crate::Result;
use domain::account::AuditEntry;
use domain::ids::{UserId, WorkspaceId};
use serde_json::Value;
use sqlx::PgConnection;

/// One audited change.
pub struct Record<'a> {
    pub workspace: Option<WorkspaceId>,
    pub actor: Option<UserId>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub async fn record(conn: &mut PgConnection, r: Record<'_>) -> Result<()> {
    sqlx::query(
        "insert into audit_log (client_id, actor_id, action, target_type, target_id, before, after)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.workspace.map(|w| w.0))
    .bind(r.actor.map(|a| a.0))
    .bind(r.action)
    .bind(r.target_type)
    .bind(r.target_id)
    .bind(r.before)
    .bind(r.after)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list(conn: &mut PgConnection, ws: WorkspaceId, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows: Vec<(i64, Option<String>, String, String, Option<String>, Option<Value>, Option<Value>, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as(
            "select a.id, u.name, a.action, a.target_type, a.target_id, a.before, a.after, a.created_at
             from audit_log a left join users u on u.id = a.actor_id
             where a.client_id = $1 order by a.created_at desc, a.id desc limit $2",
        )
        .bind(ws.0)
        .bind(limit.clamp(1, 500))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, actor, action, target_type, target_id, before, after, created_at)| AuditEntry {
            id,
            actor,
            action,
            target_type,
            target_id,
            before,
            after,
            created_at,
        })
        .collect())
}
