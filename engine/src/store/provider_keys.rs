//! Per-workspace provider credentials in Postgres, stored sealed (see `crate::secrets`): this
//! module moves opaque ciphertext; sealing and opening happen in `flows::integrations` and the
//! provider resolver. Every function takes the workspace id, the webhook lookup included (the
//! callback URL names its workspace).

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::integrations::{Integration, StoredKey};
use sqlx::{PgConnection, PgExecutor};

/// One row, sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealedRow {
    pub provider: String,
    pub ciphertext: String,
    pub last4: String,
    pub callback_token: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SealedRow {
    pub fn integration(&self) -> Option<Integration> {
        Integration::parse(&self.provider).ok()
    }

    /// What the UI may see: never the ciphertext.
    pub fn shown(&self) -> StoredKey {
        StoredKey {
            last4: self.last4.clone(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const SELECT: &str = "select k.provider, k.ciphertext, k.last4, k.callback_token, u.name as created_by, k.created_at, k.updated_at
    from provider_keys k join users u on u.id = k.created_by";

/// The workspace's stored credentials, by provider name.
pub async fn list<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<SealedRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} where k.client_id = $1 order by k.provider")).bind(ws.0).fetch_all(db).await?)
}

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, provider: Integration) -> Result<Option<SealedRow>> {
    Ok(sqlx::query_as(&format!("{SELECT} where k.client_id = $1 and k.provider = $2"))
        .bind(ws.0)
        .bind(provider.slug())
        .fetch_optional(db)
        .await?)
}

/// Sets or replaces the credential. A replacement keeps its creation date and, when
/// `callback_token` is `None`, its callback token; it records who changed it last as creator
/// only on first insert.
pub async fn upsert(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    provider: Integration,
    ciphertext: &str,
    last4: &str,
    callback_token: Option<&str>,
    by: UserId,
) -> Result<()> {
    sqlx::query(
        "insert into provider_keys (client_id, provider, ciphertext, last4, callback_token, created_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (client_id, provider) do update
           set ciphertext = excluded.ciphertext, last4 = excluded.last4,
               callback_token = coalesce(excluded.callback_token, provider_keys.callback_token),
               updated_at = now()",
    )
    .bind(ws.0)
    .bind(provider.slug())
    .bind(ciphertext)
    .bind(last4)
    .bind(callback_token)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes the credential; false when there was none.
pub async fn delete(conn: &mut PgConnection, ws: WorkspaceId, provider: Integration) -> Result<bool> {
    let done = sqlx::query("delete from provider_keys where client_id = $1 and provider = $2")
        .bind(ws.0)
        .bind(provider.slug())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Rewrites a sealed value in place (master-key rotation); false when the row changed since
/// it was read (`old` no longer matches), so a concurrent replacement is never overwritten.
pub async fn reseal(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    provider: Integration,
    old: (&str, Option<&str>),
    new: (&str, Option<&str>),
) -> Result<bool> {
    let done = sqlx::query(
        "update provider_keys set ciphertext = $5, callback_token = $6
         where client_id = $1 and provider = $2 and ciphertext = $3 and callback_token is not distinct from $4",
    )
    .bind(ws.0)
    .bind(provider.slug())
    .bind(old.0)
    .bind(old.1)
    .bind(new.0)
    .bind(new.1)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Workspaces that have at least one stored credential (for rotation, which walks every
/// workspace; each workspace's rows are then read through the scoped functions above).
pub async fn workspaces_with_keys<'e>(db: impl PgExecutor<'e>) -> Result<Vec<WorkspaceId>> {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar("select distinct client_id from provider_keys order by client_id").fetch_all(db).await?;
    Ok(ids.into_iter().map(WorkspaceId).collect())
}

/// Replaces the webhook token ("Rotate" in Settings → Integrations): the old URL stops working in
/// the same statement. False when the workspace has no key for the provider.
pub async fn set_callback_token(conn: &mut PgConnection, ws: WorkspaceId, provider: Integration, sealed: &str) -> Result<bool> {
    let done = sqlx::query("update provider_keys set callback_token = $3, updated_at = now() where client_id = $1 and provider = $2")
        .bind(ws.0)
        .bind(provider.slug())
        .bind(sealed)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
