//! Clay correlation in Redis (seed 001, Phase 4K): the pending submissions and their results
//! live in Redis, not in the process that sent the row, so a callback that arrives after a
//! restart, or at another web process, still finds the lead it answers.
//!
//! Keys (under the installation's namespace and `v1:`), all per workspace, all with a TTL so an
//! unanswered row is forgotten by itself:
//! - `clay:{ws}:pending:{key}` → `{lead_ref, submitted_at}` while we wait;
//! - `clay:{ws}:alias:{hash}` → `{key}`, for callbacks that lost our correlation column
//!   (hashed LinkedIn URL, email, name + domain; see [`super::clay::person_aliases`]);
//! - `clay:{ws}:result:{key}` → the parsed outcome, taken by the next poll.
//!
//! A callback is accepted once: deleting the pending entry is the claim, so two deliveries of
//! the same callback record one result.

use super::clay::{callback_candidates, parse_callback, person_aliases, CallbackMatch, ClayCorrelator, ClayStore};
use super::{AsyncOutcome, PersonQuery, ProviderError};
use crate::cache::Redis;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// How long we wait for Clay before a row counts as dropped.
pub const DEFAULT_PENDING_TTL: Duration = Duration::from_secs(6 * 3600);

#[derive(Clone)]
pub struct RedisClayInbox {
    redis: Redis,
    workspace: WorkspaceId,
    ttl: Duration,
}

impl std::fmt::Debug for RedisClayInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisClayInbox").field("workspace", &self.workspace).field("ttl", &self.ttl).finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Pending {
    lead_ref: Option<String>,
    submitted_at: DateTime<Utc>,
}

fn redis_error(e: redis::RedisError) -> ProviderError {
    // Retryable: the waterfall defers the lead instead of recording a miss.
    ProviderError::Transport(format!("clay correlation store: {e}"))
}

impl RedisClayInbox {
    pub fn new(redis: Redis, workspace: WorkspaceId, ttl: Duration) -> Self {
        Self { redis, workspace, ttl }
    }

    fn key(&self, kind: &str, id: &str) -> String {
        self.redis.key(&format!("clay:{}:{kind}:{id}", self.workspace))
    }

    /// For the `/webhooks/clay` route: matches the callback to a pending submission of this
    /// workspace, records its outcome for the poll, and says what it matched (`None`: nothing
    /// we are waiting for, or a duplicate delivery).
    pub async fn accept_callback(&self, payload: &Value) -> Result<Option<CallbackMatch>, ProviderError> {
        let Some((echoed, aliases)) = callback_candidates(payload) else { return Ok(None) };
        let mut conn = self.redis.conn.clone();
        let mut candidates: Vec<String> = echoed.into_iter().collect();
        if !aliases.is_empty() {
            let alias_keys: Vec<String> = aliases.iter().map(|a| self.key("alias", a)).collect();
            let found: Vec<Option<String>> = conn.mget(&alias_keys).await.map_err(redis_error)?;
            candidates.extend(found.into_iter().flatten());
        }
        for key in candidates {
            let pending_key = self.key("pending", &key);
            let Some(raw) = conn.get::<_, Option<String>>(&pending_key).await.map_err(redis_error)? else { continue };
            // Deleting is the claim: a second delivery finds nothing to delete and records nothing.
            let claimed: i64 = conn.del(&pending_key).await.map_err(redis_error)?;
            if claimed == 0 {
                return Ok(None);
            }
            let pending: Pending = serde_json::from_str(&raw).map_err(|e| ProviderError::Malformed(e.to_string()))?;
            let outcome = parse_callback(payload);
            let json = serde_json::to_string(&outcome).map_err(|e| ProviderError::Malformed(e.to_string()))?;
            conn.set_ex::<_, _, ()>(self.key("result", &key), json, self.ttl.as_secs()).await.map_err(redis_error)?;
            return Ok(Some(CallbackMatch { correlation_key: key, lead_ref: pending.lead_ref, outcome }));
        }
        Ok(None)
    }
}

#[async_trait]
impl ClayStore for RedisClayInbox {
    async fn register(&self, person: &PersonQuery) -> Result<String, ProviderError> {
        let key = ClayCorrelator::key_for(person);
        let pending = serde_json::to_string(&Pending { lead_ref: person.lead_ref.clone(), submitted_at: Utc::now() })
            .map_err(|e| ProviderError::Malformed(e.to_string()))?;
        let ttl = self.ttl.as_secs();
        let mut pipe = redis::pipe();
        pipe.atomic().set_ex(self.key("pending", &key), pending, ttl).ignore();
        for alias in person_aliases(person) {
            pipe.set_ex(self.key("alias", &alias), &key, ttl).ignore();
        }
        let mut conn = self.redis.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(redis_error)?;
        Ok(key)
    }

    async fn forget(&self, key: &str) -> Result<(), ProviderError> {
        let mut conn = self.redis.conn.clone();
        // Aliases pointing here expire on their own and match nothing without the pending entry.
        conn.del::<_, ()>(self.key("pending", key)).await.map_err(redis_error)
    }

    async fn has_result(&self, key: &str) -> Result<bool, ProviderError> {
        let mut conn = self.redis.conn.clone();
        conn.exists(self.key("result", key)).await.map_err(redis_error)
    }

    async fn take(&self, key: &str) -> Result<Option<AsyncOutcome>, ProviderError> {
        let mut conn = self.redis.conn.clone();
        if let Some(raw) = conn.get_del::<_, Option<String>>(self.key("result", key)).await.map_err(redis_error)? {
            let outcome = serde_json::from_str(&raw).map_err(|e| ProviderError::Malformed(e.to_string()))?;
            return Ok(Some(outcome));
        }
        let waiting: bool = conn.exists(self.key("pending", key)).await.map_err(redis_error)?;
        Ok(waiting.then_some(AsyncOutcome::Pending))
    }
}
