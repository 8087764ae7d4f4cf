//! The AI spend limiter (SPEC §13) and [`LimitedModel`], the only way the product calls a
//! language model.
//!
//! Before a model call, its worst-case cost is *reserved* against two daily caps at once — the
//! workspace's and the platform's — and refused with [`AiError::SpendCapReached`] if either
//! would be exceeded; no call is made then. After the call the reservation is *settled* with the
//! actual cost (the difference is released), or released whole when the call failed.
//!
//! A workspace's own model key spends only the workspace's cap: the platform cap guards the
//! installation's keys, and one tenant's own spending must not use it up for the others.
//!
//! The provider's reported usage is believed only within what the request could have used (the
//! prompt's bytes in, `max_tokens` out): a report beyond that (a hostile endpoint claiming 4
//! billion tokens) is charged at the reservation, logged and marked in the ledger as suspicious.
//!
//! Why Redis and not a Postgres row: the check-and-add spans two counters (workspace and
//! platform) and must be atomic across every web and worker process. One Lua script does both
//! in a single step on the server, with no row lock for every model call in the platform to
//! queue behind (a platform-wide Postgres row would be exactly that hot spot), and the per-day
//! keys expire on their own, so there is no table to sweep and no migration. Both keys of a
//! day carry the same hash tag (`{2026-11-24}`) so the script stays legal on Redis Cluster.
//! The cost: the counters are as durable as Redis is (run it with AOF); the cost ledger in
//! Postgres stays the record of what was spent.
//!
//! Amounts are [`CostAud`] (integer ten-thousandths of a dollar) and the counters use
//! `INCRBY`, so sums never drift the way `INCRBYFLOAT` would.
//!
//! For the drafting flow: build a [`LimitedModel`] per unit of work, call
//! [`LimitedModel::generate`], and fall back to the template engine on *any* error — a cap, a
//! missing price, the limiter being unreachable, or the provider failing.

use crate::cache::Redis;
use crate::ledger::{CostAud, CostSink, LedgerEntry, Operation};
use crate::providers::llm::{Generation, ModelPrice, ModelPrices, Prompt, TextModel};
use crate::providers::metered::LedgerScope;
use crate::providers::{CircuitBreaker, ProviderError};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::WorkspaceId;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Which cap refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpendScope {
    Workspace,
    Platform,
}

impl fmt::Display for SpendScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpendScope::Workspace => "workspace",
            SpendScope::Platform => "platform",
        })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AiError {
    #[error("the {scope} daily AI spend cap is reached")]
    SpendCapReached { scope: SpendScope },
    #[error("no price is configured for model {0}, so its spend cannot be capped")]
    UnpricedModel(String),
    /// Redis did not answer: we refuse rather than spend without a cap.
    #[error("the AI spend limiter is unavailable: {0}")]
    LimiterUnavailable(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("the model answered with no text")]
    EmptyAnswer,
}

impl From<redis::RedisError> for AiError {
    fn from(e: redis::RedisError) -> Self {
        AiError::LimiterUnavailable(e.to_string())
    }
}

/// Daily caps in AUD (configuration). The workspace cap is the default for every workspace; a
/// workspace's own setting is passed with [`LimitedModel::with_workspace_cap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AiSpendCaps {
    pub workspace_daily_aud: f64,
    pub platform_daily_aud: f64,
}

impl Default for AiSpendCaps {
    fn default() -> Self {
        Self {
            workspace_daily_aud: 5.0,
            platform_daily_aud: 100.0,
        }
    }
}

/// Money set aside for one call on one UTC day. Settle it (or release it) exactly once; one
/// dropped unsettled (a cancelled call) keeps counting until the day's keys expire, which errs
/// on the side of spending less.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a reservation must be settled or released"]
pub struct Reservation {
    workspace: WorkspaceId,
    day: NaiveDate,
    amount: CostAud,
    payer: Payer,
}

impl Reservation {
    pub fn amount(&self) -> CostAud {
        self.amount
    }
    pub fn day(&self) -> NaiveDate {
        self.day
    }
}

/// Atomically: refuse if a counter plus the amount would pass its cap, else add it to each.
/// KEYS: the workspace's counter, then the platform's when the platform pays. Returns 0
/// (reserved), 1 (workspace cap) or 2 (platform cap).
const RESERVE: &str = r"
local amount = tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') + amount > tonumber(ARGV[2]) then return 1 end
if #KEYS > 1 and tonumber(redis.call('GET', KEYS[2]) or '0') + amount > tonumber(ARGV[3]) then return 2 end
for i = 1, #KEYS do
  redis.call('INCRBY', KEYS[i], amount)
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return 0
";

/// Adds the settlement delta (actual − reserved) to the counters the reservation was made on.
/// A key that has expired is left alone rather than recreated without a TTL.
const SETTLE: &str = r"
local delta = tonumber(ARGV[1])
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], delta) end
end
return 0
";

/// Who pays for a call, and so which caps it counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    /// The installation's key: the workspace's cap and the platform's.
    Platform,
    /// The workspace's own key: its cap only.
    Workspace,
}

/// Counters live two days so a call that starts before midnight UTC settles into its own day.
const KEY_TTL_SECS: i64 = 2 * 24 * 60 * 60;

#[derive(Clone)]
pub struct AiSpendLimiter {
    redis: Redis,
    default_workspace_cap: CostAud,
    platform_cap: CostAud,
}

impl AiSpendLimiter {
    pub fn new(redis: Redis, caps: &AiSpendCaps) -> Self {
        Self {
            redis,
            default_workspace_cap: CostAud::from_dollars(caps.workspace_daily_aud.max(0.0)),
            platform_cap: CostAud::from_dollars(caps.platform_daily_aud.max(0.0)),
        }
    }

    pub fn default_workspace_cap(&self) -> CostAud {
        self.default_workspace_cap
    }

    fn keys(&self, workspace: WorkspaceId, day: NaiveDate) -> (String, String) {
        (
            self.redis.key(&format!("ai_spend:{{{day}}}:ws:{workspace}")),
            self.redis.key(&format!("ai_spend:{{{day}}}:platform")),
        )
    }

    /// Reserves `amount` for `workspace` today (UTC) under `workspace_cap` and the platform cap.
    pub async fn reserve(
        &self,
        workspace: WorkspaceId,
        workspace_cap: CostAud,
        amount: CostAud,
    ) -> Result<Reservation, AiError> {
        self.reserve_at(workspace, workspace_cap, amount, Utc::now()).await
    }

    /// [`Self::reserve`] on the UTC day of `now`.
    pub async fn reserve_at(
        &self,
        workspace: WorkspaceId,
        workspace_cap: CostAud,
        amount: CostAud,
        now: DateTime<Utc>,
    ) -> Result<Reservation, AiError> {
        self.reserve_for(Payer::Platform, workspace, workspace_cap, amount, now).await
    }

    /// Reserves `amount` under the caps `payer` spends: a workspace's own key never counts
    /// against the platform cap.
    #[tracing::instrument(skip(self), fields(amount = %amount))]
    pub async fn reserve_for(
        &self,
        payer: Payer,
        workspace: WorkspaceId,
        workspace_cap: CostAud,
        amount: CostAud,
        now: DateTime<Utc>,
    ) -> Result<Reservation, AiError> {
        let amount = CostAud(amount.0.max(0));
        let day = now.date_naive();
        let (ws_key, platform_key) = self.keys(workspace, day);
        let mut conn = self.redis.conn.clone();
        let reserve = redis::Script::new(RESERVE);
        let mut script = reserve.prepare_invoke();
        script.key(&ws_key);
        if payer == Payer::Platform {
            script.key(&platform_key);
        }
        let verdict: i64 = script
            .arg(amount.0)
            .arg(workspace_cap.0)
            .arg(self.platform_cap.0)
            .arg(KEY_TTL_SECS)
            .invoke_async(&mut conn)
            .await?;
        let scope = match verdict {
            0 => return Ok(Reservation { workspace, day, amount, payer }),
            1 => SpendScope::Workspace,
            _ => SpendScope::Platform,
        };
        // Operators alert on this line (SPEC §13: refused and alerted).
        tracing::warn!(%workspace, %scope, "AI spend cap reached; model call refused");
        Err(AiError::SpendCapReached { scope })
    }

    /// Replaces the reserved amount with what the call actually cost.
    #[tracing::instrument(skip(self), fields(reserved = %reservation.amount, actual = %actual))]
    pub async fn settle(&self, reservation: Reservation, actual: CostAud) -> Result<(), AiError> {
        let delta = actual.0.max(0) - reservation.amount.0;
        if delta == 0 {
            return Ok(());
        }
        let (ws_key, platform_key) = self.keys(reservation.workspace, reservation.day);
        let mut conn = self.redis.conn.clone();
        let settle = redis::Script::new(SETTLE);
        let mut script = settle.prepare_invoke();
        script.key(&ws_key);
        if reservation.payer == Payer::Platform {
            script.key(&platform_key);
        }
        script
            .arg(delta)
            .invoke_async::<i64>(&mut conn)
            .await?;
        Ok(())
    }

    /// Gives the whole reservation back (the call failed or was not made).
    pub async fn release(&self, reservation: Reservation) -> Result<(), AiError> {
        self.settle(reservation, CostAud::ZERO).await
    }

    /// What `workspace` and the platform have spent (reservations included) on `day`.
    pub async fn spent(&self, workspace: WorkspaceId, day: NaiveDate) -> Result<(CostAud, CostAud), AiError> {
        let (ws_key, platform_key) = self.keys(workspace, day);
        let mut conn = self.redis.conn.clone();
        let (ws, platform): (Option<i64>, Option<i64>) = redis::pipe()
            .get(&ws_key)
            .get(&platform_key)
            .query_async(&mut conn)
            .await?;
        Ok((CostAud(ws.unwrap_or(0)), CostAud(platform.unwrap_or(0))))
    }
}

/// Appended to a ledger row's operation when the reported usage was not believed.
pub const SUSPICIOUS_SUFFIX: &str = ".suspicious_usage";

/// A language model behind the spend limiter, the cost ledger and (optionally) a circuit
/// breaker, for one workspace (and campaign). Cheap to build per unit of work.
pub struct LimitedModel {
    model: Arc<dyn TextModel>,
    price: ModelPrice,
    limiter: AiSpendLimiter,
    ledger: Arc<dyn CostSink>,
    scope: LedgerScope,
    workspace_cap: CostAud,
    breaker: Option<Arc<CircuitBreaker>>,
    payer: Payer,
    limits: CallLimits,
}

/// How long one model call may take and how many of one workspace's may be under way at once
/// in this process: a tenant's slow endpoint holds its own calls, not the shared workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    /// From asking for a slot to the last byte of the answer, retries included.
    pub deadline: Duration,
    pub per_workspace: usize,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self { deadline: Duration::from_secs(60), per_workspace: 4 }
    }
}

/// The slots of each workspace's model calls in this process.
fn workspace_slots(ws: WorkspaceId, n: usize) -> Arc<Semaphore> {
    static SLOTS: OnceLock<Mutex<HashMap<(WorkspaceId, usize), Arc<Semaphore>>>> = OnceLock::new();
    let map = SLOTS.get_or_init(Mutex::default);
    map.lock().expect("model call slots").entry((ws, n)).or_insert_with(|| Arc::new(Semaphore::new(n.max(1)))).clone()
}

impl LimitedModel {
    /// Refuses a model without a configured price: its spend could not be capped.
    pub fn new(
        model: Arc<dyn TextModel>,
        prices: &ModelPrices,
        limiter: AiSpendLimiter,
        ledger: Arc<dyn CostSink>,
        scope: LedgerScope,
    ) -> Result<Self, AiError> {
        let price = prices
            .get(model.model())
            .ok_or_else(|| AiError::UnpricedModel(model.model().to_string()))?;
        let workspace_cap = limiter.default_workspace_cap();
        Ok(Self {
            model,
            price,
            limiter,
            ledger,
            scope,
            workspace_cap,
            breaker: None,
            payer: Payer::Platform,
            limits: CallLimits::default(),
        })
    }

    /// The workspace's own daily cap, when its settings override the platform default.
    pub fn with_workspace_cap(mut self, cap: CostAud) -> Self {
        self.workspace_cap = cap;
        self
    }

    pub fn with_limits(mut self, limits: CallLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Who pays: with the workspace's own key only the workspace's cap applies.
    pub fn paid_by(mut self, payer: Payer) -> Self {
        self.payer = payer;
        self
    }

    /// The provider's process-wide breaker, so a failing model stops being called for a while.
    pub fn with_breaker(mut self, breaker: Arc<CircuitBreaker>) -> Self {
        self.breaker = Some(breaker);
        self
    }

    /// Reserve → call → settle → ledger. `lead_ref` (our lead id) goes into the ledger row.
    ///
    /// The reservation is released whole when the call fails. When it succeeds the actual cost
    /// is settled and recorded even if the answer turns out unusable (`EmptyAnswer`): the tokens
    /// were billed. A settlement or ledger write that fails is logged, not returned: the money is
    /// spent and an unsettled reservation only makes the cap stricter.
    #[tracing::instrument(skip_all, fields(workspace = %self.scope.workspace, provider = %self.model.provider(), model = %self.model.model()))]
    pub async fn generate(&self, prompt: &Prompt, lead_ref: Option<String>) -> Result<Generation, AiError> {
        let estimate = self.price.estimate(prompt);
        let reservation = self
            .limiter
            .reserve_for(self.payer, self.scope.workspace, self.workspace_cap, estimate, Utc::now())
            .await?;
        let slots = workspace_slots(self.scope.workspace, self.limits.per_workspace);
        let call = async {
            let _slot = slots.acquire().await.map_err(|_| ProviderError::Timeout)?;
            match &self.breaker {
                Some(b) => b.call(|| self.model.generate(prompt)).await,
                None => self.model.generate(prompt).await,
            }
        };
        let result = match tokio::time::timeout(self.limits.deadline, call).await {
            Ok(r) => r,
            Err(_) => {
                tracing::info!(deadline_ms = self.limits.deadline.as_millis() as u64, "model call cut off at its deadline");
                Err(ProviderError::Timeout)
            }
        };
        let generation = match result {
            Ok(g) => g,
            Err(e) => {
                if let Err(release) = self.limiter.release(reservation).await {
                    tracing::error!(error = %release, "could not release an AI spend reservation");
                }
                return Err(e.into());
            }
        };
        // Without reported usage the worst case is the honest figure; usage the request could
        // not have produced is not believed either.
        let ceiling = self.price.ceiling(prompt);
        let suspicious = generation.usage.filter(|u| u.input_tokens > ceiling.input_tokens || u.output_tokens > ceiling.output_tokens);
        if let Some(u) = suspicious {
            tracing::warn!(
                suspicious = true,
                reported_input = u.input_tokens,
                reported_output = u.output_tokens,
                max_input = ceiling.input_tokens,
                max_output = ceiling.output_tokens,
                "a model reported more usage than the request allows; charged at the reservation"
            );
        }
        let believed = generation.usage.filter(|_| suspicious.is_none());
        let cost = believed.map(|u| self.price.cost(u)).unwrap_or(estimate);
        if let Err(e) = self.limiter.settle(reservation, cost).await {
            tracing::error!(error = %e, "could not settle an AI spend reservation");
        }
        let provider = self.model.provider();
        let operation = Operation::Generate.name(provider);
        let entry = LedgerEntry {
            provider: provider.as_str().to_string(),
            // The ledger row carries the flag where reports and operators look.
            operation: match suspicious {
                Some(_) => format!("{operation}{SUSPICIOUS_SUFFIX}"),
                None => operation.to_string(),
            },
            units: believed
                .map(|u| (u64::from(u.input_tokens) + u64::from(u.output_tokens)) as f64)
                .unwrap_or(0.0),
            cost,
            campaign_id: self.scope.campaign,
            lead_ref,
        };
        if let Err(e) = self.ledger.record(self.scope.workspace, entry).await {
            tracing::error!(error = %e, "cost ledger write failed");
        }
        if generation.text.trim().is_empty() {
            return Err(AiError::EmptyAnswer);
        }
        Ok(generation)
    }
}
