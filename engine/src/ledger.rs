//! The cost ledger (SPEC §13): what each provider call cost, in Australian dollars, per
//! workspace and campaign.
//!
//! This module owns the `cost_ledger` table, the unit-cost configuration ([`UnitCosts`]) and the
//! names of billed operations. It does not decide *whether* to make a call (budgets and credits
//! are checked by the flows before calling) — it only records what was spent. Every function
//! takes the workspace id; nothing reads another workspace's rows.
//!
//! Money is an integer of ten-thousandths of a dollar ([`CostAud`]), matching the column's
//! `numeric(12,4)` exactly, so sums never drift the way floats do.

use crate::providers::ProviderName;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::fmt;
use std::sync::Mutex;
use uuid::Uuid;

/// An amount in AUD, in ten-thousandths of a dollar (`numeric(12,4)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CostAud(pub i64);

impl CostAud {
    pub const ZERO: CostAud = CostAud(0);

    /// Rounds to the nearest ten-thousandth.
    pub fn from_dollars(aud: f64) -> Self {
        CostAud((aud * 10_000.0).round() as i64)
    }

    pub fn dollars(&self) -> f64 {
        self.0 as f64 / 10_000.0
    }
}

impl std::ops::Add for CostAud {
    type Output = CostAud;
    fn add(self, o: CostAud) -> CostAud {
        CostAud(self.0 + o.0)
    }
}

impl fmt::Display for CostAud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}A${}.{:04}", a / 10_000, a % 10_000)
    }
}

/// A billed kind of call. The stored operation name depends on the provider, so the ledger
/// reads like the provider's own invoice ("people_match", "email_finder").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    Search,
    Enrich,
    Verify,
    DomainRank,
    Backlinks,
    AsyncSubmit,
    AsyncResult,
    /// One email handed to an external sending platform.
    Send,
    /// One language-model call; its units are tokens and its cost comes from the model's price
    /// (`providers::llm::ModelPrices`), not from [`UnitCosts`].
    Generate,
}

impl Operation {
    pub fn name(&self, provider: ProviderName) -> &'static str {
        use Operation::*;
        use ProviderName::*;
        match (provider, self) {
            (Apollo, Search) => "people_search",
            (Apollo, Enrich) => "people_match",
            (Hunter, Enrich) => "email_finder",
            (Hunter, Verify) => "email_verifier",
            (DataForSeo, DomainRank) => "domain_rank_overview",
            (DataForSeo, Backlinks) => "backlinks_summary",
            (Clay, AsyncSubmit) => "table_row",
            (Clay, AsyncResult) => "callback",
            (Instantly, Send) => "lead_add",
            (Smartlead, Send) => "lead_add",
            (Anthropic, Generate) => "messages",
            (OpenAiCompatible, Generate) => "chat_completions",
            (_, Search) => "search",
            (_, Enrich) => "enrich",
            (_, Verify) => "verify",
            (_, DomainRank) => "domain_rank",
            (_, Backlinks) => "backlinks",
            (_, AsyncSubmit) => "async_submit",
            (_, AsyncResult) => "async_result",
            (_, Send) => "send",
            (_, Generate) => "generate",
        }
    }
}

/// AUD per unit for each billed operation. Configuration (SPEC §13, seed 002 figures); the
/// defaults are those figures converted where the seed gave USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnitCosts {
    /// People API Search uses no credits.
    pub apollo_search: f64,
    /// Per matched person with an email. Zero by default: Apollo's plan is a flat fee here;
    /// set it to the plan's per-credit price to see the marginal cost.
    pub apollo_match: f64,
    /// Per email found (SPEC §13: 0.023).
    pub hunter_email: f64,
    /// Per verification; Hunter counts one as half a search.
    pub hunter_verify: f64,
    /// Labs domain rank overview, per request (SPEC §13: 0.01).
    pub dataforseo_domain_rank: f64,
    /// Backlinks summary, per request (SPEC §13: 0.02).
    pub dataforseo_backlinks: f64,
    /// Per credit BetterContact reports consumed (Starter plan ≈ US$15 / 200 credits).
    pub bettercontact_credit: f64,
    /// Per Clay credit (SPEC §13: 0.039–0.077, plan dependent).
    pub clay_credit: f64,
    /// Credits one row costs in our Clay table (its enrichment columns); charged on submit,
    /// because Clay spends them whether or not the callback ever arrives.
    pub clay_credits_per_row: f64,
    /// Per email queued through Instantly. Zero by default: its plans are flat monthly fees.
    pub instantly_email: f64,
    /// Per email queued through Smartlead. Zero by default: its plans are flat monthly fees.
    pub smartlead_email: f64,
}

impl Default for UnitCosts {
    fn default() -> Self {
        Self {
            apollo_search: 0.0,
            apollo_match: 0.0,
            hunter_email: 0.023,
            hunter_verify: 0.0115,
            dataforseo_domain_rank: 0.01,
            dataforseo_backlinks: 0.02,
            bettercontact_credit: 0.11,
            clay_credit: 0.058,
            clay_credits_per_row: 1.0,
            instantly_email: 0.0,
            smartlead_email: 0.0,
        }
    }
}

impl UnitCosts {
    /// Everything free: for sandbox demos that should not show invented spend.
    pub fn zero() -> Self {
        Self {
            apollo_search: 0.0,
            apollo_match: 0.0,
            hunter_email: 0.0,
            hunter_verify: 0.0,
            dataforseo_domain_rank: 0.0,
            dataforseo_backlinks: 0.0,
            bettercontact_credit: 0.0,
            clay_credit: 0.0,
            clay_credits_per_row: 0.0,
            instantly_email: 0.0,
            smartlead_email: 0.0,
        }
    }

    /// AUD per unit of `op` at `provider`; zero for what a provider does not bill.
    pub fn rate(&self, provider: ProviderName, op: Operation) -> f64 {
        use Operation::*;
        use ProviderName::*;
        match (provider, op) {
            (Apollo, Search) => self.apollo_search,
            (Apollo, Enrich) => self.apollo_match,
            (Hunter, Enrich) => self.hunter_email,
            (Hunter, Verify) => self.hunter_verify,
            (DataForSeo, DomainRank) => self.dataforseo_domain_rank,
            (DataForSeo, Backlinks) => self.dataforseo_backlinks,
            (BetterContact, AsyncResult) => self.bettercontact_credit,
            (Clay, AsyncSubmit) => self.clay_credit,
            (Instantly, Send) => self.instantly_email,
            (Smartlead, Send) => self.smartlead_email,
            _ => 0.0,
        }
    }

    /// Units a successful call of `op` uses when the provider does not report them.
    pub fn default_units(&self, provider: ProviderName, op: Operation) -> f64 {
        match (provider, op) {
            (ProviderName::Clay, Operation::AsyncSubmit) => self.clay_credits_per_row,
            (_, Operation::AsyncSubmit) => 0.0,
            _ => 1.0,
        }
    }

    pub fn cost(&self, provider: ProviderName, op: Operation, units: f64) -> CostAud {
        CostAud::from_dollars(self.rate(provider, op) * units)
    }
}

/// One ledger row to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub provider: String,
    pub operation: String,
    pub units: f64,
    pub cost: CostAud,
    pub campaign_id: Option<Uuid>,
    pub lead_ref: Option<String>,
}

/// Writes one row. Takes any executor so a flow can write it in the transaction that stores
/// the result it paid for.
#[tracing::instrument(skip_all, fields(workspace = %workspace, provider = %entry.provider, operation = %entry.operation))]
pub async fn record<'e>(exec: impl sqlx::PgExecutor<'e>, workspace: WorkspaceId, entry: &LedgerEntry) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "insert into cost_ledger (client_id, provider, operation, units, cost_aud, campaign_id, lead_ref)
         values ($1, $2, $3, $4::float8::numeric, $5::numeric / 10000, $6, $7)
         returning id",
    )
    .bind(workspace.0)
    .bind(&entry.provider)
    .bind(&entry.operation)
    .bind(entry.units)
    .bind(entry.cost.0)
    .bind(entry.campaign_id)
    .bind(&entry.lead_ref)
    .fetch_one(exec)
    .await?;
    Ok(id)
}

/// Writes many rows of one workspace in one statement: the enrichment waterfall buffers a
/// batch's calls ([`BufferedLedger`]) and writes them together, which is one round trip instead
/// of one per provider call.
pub async fn record_many<'e>(exec: impl sqlx::PgExecutor<'e>, workspace: WorkspaceId, entries: &[LedgerEntry]) -> Result<u64> {
    if entries.is_empty() {
        return Ok(0);
    }
    let col = |f: fn(&LedgerEntry) -> String| entries.iter().map(f).collect::<Vec<_>>();
    let units: Vec<f64> = entries.iter().map(|e| e.units).collect();
    let costs: Vec<i64> = entries.iter().map(|e| e.cost.0).collect();
    let campaigns: Vec<Option<Uuid>> = entries.iter().map(|e| e.campaign_id).collect();
    let leads: Vec<Option<String>> = entries.iter().map(|e| e.lead_ref.clone()).collect();
    Ok(sqlx::query(
        "insert into cost_ledger (client_id, provider, operation, units, cost_aud, campaign_id, lead_ref)
         select $1, p, o, u::numeric, c::numeric / 10000, cid, lr
         from unnest($2::text[], $3::text[], $4::float8[], $5::int8[], $6::uuid[], $7::text[]) as t(p, o, u, c, cid, lr)",
    )
    .bind(workspace.0)
    .bind(col(|e| e.provider.clone()))
    .bind(col(|e| e.operation.clone()))
    .bind(units)
    .bind(costs)
    .bind(campaigns)
    .bind(leads)
    .execute(exec)
    .await?
    .rows_affected())
}

/// Spend on one provider operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationTotal {
    pub provider: String,
    pub operation: String,
    pub calls: i64,
    pub units: f64,
    pub cost: CostAud,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub calls: i64,
    pub cost: CostAud,
    /// Ordered by cost, highest first.
    pub by_operation: Vec<OperationTotal>,
}

/// A workspace's spend since `since` (inclusive), by provider and operation.
#[tracing::instrument(skip(pool))]
pub async fn totals(pool: &PgPool, workspace: WorkspaceId, since: DateTime<Utc>) -> Result<Totals> {
    let rows: Vec<(String, String, i64, f64, i64)> = sqlx::query_as(
        "select provider, operation, count(*), coalesce(sum(units), 0)::float8,
                coalesce(sum(cost_aud) * 10000, 0)::bigint
         from cost_ledger
         where client_id = $1 and created_at >= $2
         group by provider, operation
         order by 5 desc, provider, operation",
    )
    .bind(workspace.0)
    .bind(since)
    .fetch_all(pool)
    .await?;
    let by_operation: Vec<OperationTotal> = rows
        .into_iter()
        .map(|(provider, operation, calls, units, cost)| OperationTotal {
            provider,
            operation,
            calls,
            units,
            cost: CostAud(cost),
        })
        .collect();
    Ok(Totals {
        calls: by_operation.iter().map(|t| t.calls).sum(),
        cost: by_operation.iter().fold(CostAud::ZERO, |a, t| a + t.cost),
        by_operation,
    })
}

/// Where metered providers write their rows. Postgres in the product ([`PgLedger`]); memory in
/// tests that are not about the database ([`MemoryLedger`]).
#[async_trait]
pub trait CostSink: Send + Sync {
    async fn record(&self, workspace: WorkspaceId, entry: LedgerEntry) -> Result<()>;
}

/// Writes each row at once, in a transaction confined to the row's workspace.
#[derive(Debug, Clone)]
pub struct PgLedger {
    pub pool: PgPool,
}

impl PgLedger {
    pub fn new(engine: &crate::Engine) -> Self {
        // Only ever used through `db::tenant` below.
        Self { pool: engine.owner_pool().clone() }
    }
}

#[async_trait]
impl CostSink for PgLedger {
    async fn record(&self, workspace: WorkspaceId, entry: LedgerEntry) -> Result<()> {
        let mut tx = crate::db::tenant(&self.pool, workspace).await?;
        record(&mut *tx, workspace, &entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Holds one unit of work's rows in memory until [`BufferedLedger::flush`] writes them in one
/// statement. The window between a provider call and the flush is the batch's waterfall phase;
/// the flow flushes before it writes any result, so a result is never stored without its cost.
#[derive(Debug)]
pub struct BufferedLedger {
    workspace: WorkspaceId,
    rows: Mutex<Vec<LedgerEntry>>,
}

impl BufferedLedger {
    pub fn new(workspace: WorkspaceId) -> Self {
        Self { workspace, rows: Mutex::new(Vec::new()) }
    }

    /// Writes and forgets what was buffered. On a failed write the rows are kept, so a later
    /// flush can try again.
    pub async fn flush(&self, engine: &crate::Engine) -> Result<u64> {
        let rows = std::mem::take(&mut *self.rows.lock().expect("ledger lock"));
        let written = async {
            let mut tx = engine.tenant(self.workspace).await?;
            let n = record_many(&mut *tx, self.workspace, &rows).await?;
            tx.commit().await?;
            Ok::<_, crate::Error>(n)
        };
        match written.await {
            Ok(n) => Ok(n),
            Err(e) => {
                self.rows.lock().expect("ledger lock").extend(rows);
                Err(e)
            }
        }
    }
}

#[async_trait]
impl CostSink for BufferedLedger {
    async fn record(&self, workspace: WorkspaceId, entry: LedgerEntry) -> Result<()> {
        if workspace != self.workspace {
            // A buffer belongs to one workspace; a row for another would be written to the
            // wrong tenant, so refuse rather than guess.
            return Err(crate::Error::Internal(anyhow::anyhow!("ledger buffer used for another workspace")));
        }
        self.rows.lock().expect("ledger lock").push(entry);
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryLedger {
    rows: Mutex<Vec<(WorkspaceId, LedgerEntry)>>,
}

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn entries(&self) -> Vec<(WorkspaceId, LedgerEntry)> {
        self.rows.lock().expect("ledger lock").clone()
    }
}

#[async_trait]
impl CostSink for MemoryLedger {
    async fn record(&self, workspace: WorkspaceId, entry: LedgerEntry) -> Result<()> {
        self.rows.lock().expect("ledger lock").push((workspace, entry));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_round_to_a_ten_thousandth_and_print_in_dollars() {
        assert_eq!(CostAud::from_dollars(0.023), CostAud(230));
        assert_eq!(CostAud::from_dollars(0.058 * 3.0).to_string(), "A$0.1740");
        assert_eq!(CostAud(-5).to_string(), "-A$0.0005");
    }

    #[test]
    fn default_unit_costs_follow_the_spec() {
        let c = UnitCosts::default();
        assert_eq!(c.cost(ProviderName::Hunter, Operation::Enrich, 1.0), CostAud(230));
        assert_eq!(
            c.cost(ProviderName::DataForSeo, Operation::DomainRank, 1.0),
            CostAud(100)
        );
        assert_eq!(
            c.cost(ProviderName::DataForSeo, Operation::Backlinks, 1.0),
            CostAud(200)
        );
        assert_eq!(c.cost(ProviderName::Clay, Operation::AsyncSubmit, 1.0), CostAud(580));
        assert_eq!(c.cost(ProviderName::Apollo, Operation::Search, 1.0), CostAud::ZERO);
        assert_eq!(c.cost(ProviderName::Sandbox, Operation::Enrich, 1.0), CostAud::ZERO);
    }
}
