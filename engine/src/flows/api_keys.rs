//! Workspace API keys (SPEC §16): owners and admins create and revoke them; the REST API
//! authenticates with them. A key is 256 random bits shown once; only its SHA-256 is stored.

use crate::auth::Access;
use crate::store::{api_keys, audit};
use crate::{Engine, Error, Result};
use chrono::{Duration, Utc};
use domain::account::Action;
use domain::api_keys::{is_well_formed, parse_name, shown_prefix, ApiKeyId, ApiKeyView, CreatedKey, KEY_PREFIX};
use domain::ids::{UserId, WorkspaceId};
use rand::RngCore;
use serde_json::json;
use subtle::ConstantTimeEq;

/// Who is calling the REST API: a live key of a live workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiCaller {
    pub workspace: WorkspaceId,
    pub key: ApiKeyId,
    /// The key's creator.
    pub user: UserId,
}

impl ApiCaller {
    /// What the key may do: its creator's current role in the workspace, so demoting or
    /// removing that person narrows or ends what their keys can change; a key whose creator
    /// has left the workspace is forbidden the routes that need a role.
    pub async fn access(&self, engine: &Engine) -> Result<Access> {
        match Access::resolve(engine, self.user, self.workspace).await {
            Err(Error::NotFound(_)) => Err(Error::Forbidden),
            other => other,
        }
    }
}

/// A fresh key: the marker and 32 random bytes from the OS-seeded CSPRNG, in hex.
pub fn generate_key() -> String {
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    format!("{KEY_PREFIX}{}", hex::encode(raw))
}

/// Lower-case hex SHA-256 of the whole key, as stored.
pub fn key_hash(key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(key.as_bytes()))
}

pub async fn create(engine: &Engine, access: &Access, name: &str) -> Result<CreatedKey> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let name = parse_name(name).map_err(|m| Error::Invalid(m.into()))?;
    let key = generate_key();
    let mut tx = engine.tenant(ws).await?;
    let view = api_keys::insert(&mut tx, ws, &name, &shown_prefix(&key), &key_hash(&key), access.user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "api_key.create",
            target_type: "api_key",
            target_id: Some(view.id.to_string()),
            before: None,
            // Never the key or its hash: the audit log is readable by every admin.
            after: Some(json!({ "name": view.name, "prefix": view.prefix })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CreatedKey { view, key })
}

pub async fn list(engine: &Engine, access: &Access) -> Result<Vec<ApiKeyView>> {
    access.require(Action::ManageIntegrations)?;
    api_keys::list(&mut *access.tenant(engine).await?, access.workspace).await
}

pub async fn revoke(engine: &Engine, access: &Access, id: ApiKeyId) -> Result<()> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let key = api_keys::get(&mut *tx, ws, id).await?.ok_or(Error::NotFound("API key"))?;
    if !api_keys::revoke(&mut tx, ws, id).await? {
        return Err(Error::Conflict("This key is already revoked".into()));
    }
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "api_key.revoke",
            target_type: "api_key",
            target_id: Some(id.to_string()),
            before: Some(json!({ "name": key.name, "prefix": key.prefix, "status": "active" })),
            after: Some(json!({ "status": "revoked" })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The caller a presented key stands for, or `None` for a malformed, unknown or revoked key
/// (or one of a deleted workspace). The database finds the row by the hash's unique index;
/// the hashes are then compared in constant time, so no timing of a string comparison in
/// this process says how much of a guess was right.
#[tracing::instrument(skip_all)]
pub async fn authenticate(engine: &Engine, presented: &str) -> Result<Option<ApiCaller>> {
    let presented = presented.trim();
    if !is_well_formed(presented) {
        return Ok(None);
    }
    let hash = key_hash(presented);
    // The key names its workspace: finding it spans tenants.
    let Some(found) = api_keys::find_by_hash(engine.owner_pool(), &hash).await? else {
        return Ok(None);
    };
    if !bool::from(found.key_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Ok(None);
    }
    let caller = ApiCaller { workspace: WorkspaceId(found.client_id), key: ApiKeyId(found.id), user: UserId(found.created_by) };
    // Skip the write entirely for keys used within the last minute; `touch` re-checks in SQL.
    if found.last_used_at.is_none_or(|at| Utc::now() - at >= Duration::minutes(1)) {
        let mut tx = engine.tenant(caller.workspace).await?;
        api_keys::touch(&mut tx, caller.workspace, caller.key).await?;
        tx.commit().await?;
    }
    Ok(Some(caller))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_never_repeat() {
        let a = generate_key();
        let b = generate_key();
        assert!(is_well_formed(&a), "{a}");
        assert!(a.starts_with("aos_live_"));
        assert_eq!(a.len(), "aos_live_".len() + 64);
        assert_ne!(a, b);
    }

    #[test]
    fn the_stored_hash_is_the_sha256_hex_of_the_whole_key() {
        // echo -n abc | sha256sum
        assert_eq!(key_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        let key = generate_key();
        assert_eq!(key_hash(&key).len(), 64);
        assert_ne!(key_hash(&key), key_hash(&key.replacen('a', "b", 1)));
    }
}
