//! Invitations by email with a role. The link carries a random token; only its hash is stored.

use crate::error::on_unique;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::account::{Invitation, InvitationPreview, InvitationStatus, Role};
use domain::ids::{InvitationId, UserId, WorkspaceId};
use sqlx::PgConnection;
use uuid::Uuid;

pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

type Row = (Uuid, String, String, String, DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn status(now: DateTime<Utc>, expires_at: DateTime<Utc>, accepted: Option<DateTime<Utc>>, revoked: Option<DateTime<Utc>>) -> InvitationStatus {
    if accepted.is_some() {
        InvitationStatus::Accepted
    } else if revoked.is_some() {
        InvitationStatus::Revoked
    } else if expires_at <= now {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

fn view(now: DateTime<Utc>, (id, email, role, invited_by, created_at, expires_at, accepted, revoked): Row) -> Result<Invitation> {
    Ok(Invitation {
        id: InvitationId(id),
        email,
        role: Role::parse(&role).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?,
        invited_by,
        created_at,
        expires_at,
        status: status(now, expires_at, accepted, revoked),
    })
}

const SELECT: &str = "select i.id, i.email, i.role, u.name, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
    from invitations i join users u on u.id = i.invited_by";

pub async fn insert(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    email: &str,
    role: Role,
    token_hash: &str,
    invited_by: UserId,
    expires_at: DateTime<Utc>,
) -> Result<Invitation> {
    // An expired open invitation must not block a fresh one for the same address.
    sqlx::query(
        "update invitations set revoked_at = now()
         where client_id = $1 and email = $2 and accepted_at is null and revoked_at is null and expires_at <= now()",
    )
    .bind(ws.0)
    .bind(email)
    .execute(&mut *conn)
    .await?;
    let id: Uuid = sqlx::query_scalar(
        "insert into invitations (client_id, email, role, token_hash, invited_by, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(ws.0)
    .bind(email)
    .bind(role.as_str())
    .bind(token_hash)
    .bind(invited_by.0)
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| on_unique(e, "This address already has a pending invitation. Revoke it first to send a new one."))?;
    let row: Row = sqlx::query_as(&format!("{SELECT} where i.client_id = $1 and i.id = $2"))
        .bind(ws.0)
        .bind(id)
        .fetch_one(conn)
        .await?;
    view(Utc::now(), row)
}

pub async fn list(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<Invitation>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} where i.client_id = $1 order by i.created_at desc limit 200"))
        .bind(ws.0)
        .fetch_all(&mut *conn)
        .await?;
    let now = Utc::now();
    rows.into_iter().map(|r| view(now, r)).collect()
}

pub async fn get(conn: &mut PgConnection, ws: WorkspaceId, id: InvitationId) -> Result<Option<Invitation>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} where i.client_id = $1 and i.id = $2"))
        .bind(ws.0)
        .bind(id.0)
        .fetch_optional(conn)
        .await?;
    row.map(|r| view(Utc::now(), r)).transpose()
}

pub async fn revoke(conn: &mut PgConnection, ws: WorkspaceId, id: InvitationId) -> Result<bool> {
    Ok(sqlx::query(
        "update invitations set revoked_at = now() where client_id = $1 and id = $2 and accepted_at is null and revoked_at is null",
    )
    .bind(ws.0)
    .bind(id.0)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// An invitation found by its link token (the token is the capability, so no workspace id).
pub struct ByToken {
    pub workspace: WorkspaceId,
    pub id: InvitationId,
    pub preview: InvitationPreview,
}

pub async fn find_by_token(conn: &mut PgConnection, token_hash: &str, for_update: bool) -> Result<Option<ByToken>> {
    let sql = format!(
        "select i.client_id, i.id, w.name, i.email, i.role, u.name, i.expires_at, i.accepted_at, i.revoked_at
         from invitations i join workspaces w on w.id = i.client_id join users u on u.id = i.invited_by
         where i.token_hash = $1 and w.deleted_at is null{}",
        if for_update { " for update of i" } else { "" }
    );
    let row: Option<(Uuid, Uuid, String, String, String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> =
        sqlx::query_as(&sql).bind(token_hash).fetch_optional(conn).await?;
    let Some((ws, id, workspace_name, email, role, invited_by, expires_at, accepted, revoked)) = row else {
        return Ok(None);
    };
    Ok(Some(ByToken {
        workspace: WorkspaceId(ws),
        id: InvitationId(id),
        preview: InvitationPreview {
            workspace_name,
            email,
            role: Role::parse(&role).map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?,
            invited_by,
            status: status(Utc::now(), expires_at, accepted, revoked),
        },
    }))
}

pub async fn mark_accepted(conn: &mut PgConnection, ws: WorkspaceId, id: InvitationId, by: UserId) -> Result<()> {
    sqlx::query("update invitations set accepted_at = now(), accepted_by = $3 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id.0)
        .bind(by.0)
        .execute(conn)
        .await?;
    Ok(())
}
