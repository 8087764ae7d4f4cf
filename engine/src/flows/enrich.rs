//! The enrichment waterfall (SPEC §5) and enrichment credits (SPEC §2).
//!
//! Per lead: Redis cache (`v1:enrich:{identity}`, 90 days) → Apollo People Match → Hunter email
//! finder → BetterContact (async submit + poll) → Clay (async; at most 15 % of a batch) →
//! graceful skip. A result is accepted only with email, first and last name, company and
//! confidence ≥ 0.70; the first accepted result wins, so a fallback is only asked when
//! everything before it missed.
//!
//! Money: every provider call goes through [`Metered`] (circuit breaker + cost ledger). The
//! workspace pays one credit per enriched lead, charged in the same transaction that writes the
//! enrichment log row and the lead (see `store::enrichment`), so a retried batch never charges
//! twice. A batch is refused outright (nothing enriched, no provider called) when the workspace
//! is out of credits or its subscription is not trialing/active.
//!
//! Accepted results are written to the cache *before* the database commit: a crash between the
//! two leaves the lead pending, and the retry reads the cache instead of paying again.
//!
//! What this module must not do: authorise (callers do), score (that is `flows::score`), or
//! change a lead's status other than `new → enriched` through the domain status machine.

use crate::ledger::{BufferedLedger, CostSink, PgLedger, UnitCosts};
use crate::providers::metered::{LedgerScope, Metered};
use crate::providers::sandbox::Sandbox;
use crate::providers::{
    bare_domain, AsyncEnrichment, AsyncOutcome, BreakerConfig, CircuitBreaker, EnrichedPerson, Enrichment, LeadSearch,
    PersonQuery, ProviderError, ProviderName, SeoSignals, SeoSnapshot, Submission,
};
use crate::store::enrichment::{self as store, PendingLead};
use crate::{Engine, Error};
use domain::ids::WorkspaceId;
use domain::lead_status::{transition, LeadStatus, Signal};
use domain::leads::LeadId;
use domain::score::WebPresence;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use futures::stream::{self, StreamExt};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The providers the waterfall calls, as trait objects so tests can pass failing or counting
/// fakes. The default is the seeded sandbox acting as each provider; `integrations::Resolver`
/// swaps in the real client of each provider a workspace has a key for.
#[derive(Clone)]
pub struct Providers {
    /// People search (Apollo People API Search), for discovery; not part of the waterfall.
    pub search: Arc<dyn LeadSearch>,
    pub apollo: Arc<dyn Enrichment>,
    pub hunter: Arc<dyn Enrichment>,
    pub bettercontact: Arc<dyn AsyncEnrichment>,
    pub clay: Arc<dyn AsyncEnrichment>,
    pub seo: Arc<dyn SeoSignals>,
}

impl Providers {
    pub fn sandbox(seed: u64) -> Self {
        Self {
            search: Arc::new(Sandbox::new(seed).acting_as(ProviderName::Apollo)),
            apollo: Arc::new(Sandbox::new(seed).acting_as(ProviderName::Apollo)),
            hunter: Arc::new(Sandbox::new(seed).acting_as(ProviderName::Hunter)),
            bettercontact: Arc::new(Sandbox::new(seed).acting_as(ProviderName::BetterContact)),
            clay: Arc::new(Sandbox::new(seed).acting_as(ProviderName::Clay)),
            seo: Arc::new(Sandbox::new(seed).acting_as(ProviderName::DataForSeo)),
        }
    }
}

/// One breaker per provider, shared by every batch of the process so that a provider that is
/// down stays switched off across batches and workspaces.
#[derive(Clone, Debug)]
pub struct Breakers {
    pub apollo: Arc<CircuitBreaker>,
    pub hunter: Arc<CircuitBreaker>,
    pub bettercontact: Arc<CircuitBreaker>,
    pub clay: Arc<CircuitBreaker>,
    pub seo: Arc<CircuitBreaker>,
}

impl Breakers {
    pub fn new(config: BreakerConfig) -> Self {
        let b = || Arc::new(CircuitBreaker::new(config.clone()));
        Self { apollo: b(), hunter: b(), bettercontact: b(), clay: b(), seo: b() }
    }
}

impl Default for Breakers {
    fn default() -> Self {
        Self::new(BreakerConfig::default())
    }
}

#[derive(Debug, Clone)]
pub struct EnrichSettings {
    /// SPEC §5: 0.70.
    pub min_confidence: f32,
    /// SPEC §5: Clay answers at most this share of a batch (it is the dearest provider).
    pub clay_max_share: f64,
    /// Leads per batch (pipeline) and per job.
    pub batch_size: usize,
    pub cache_ttl: Duration,
    pub seo_cache_ttl: Duration,
    pub async_poll_interval: Duration,
    pub async_max_wait: Duration,
    /// Leads of a batch in flight at once.
    pub concurrency: usize,
    /// Measure the web presence of accepted leads' company domains (DataForSEO) for scoring;
    /// on when the workspace has a DataForSEO key.
    pub web_presence: bool,
}

impl Default for EnrichSettings {
    fn default() -> Self {
        Self {
            min_confidence: 0.70,
            clay_max_share: 0.15,
            // A batch is written in one transaction, so bigger batches cost fewer round trips;
            // leads waiting on an async provider hold no `concurrency` slot: they are parked and
            // polled together, once per interval, by the batch.
            batch_size: 500,
            cache_ttl: Duration::from_secs(90 * 24 * 3600),
            seo_cache_ttl: Duration::from_secs(30 * 24 * 3600),
            async_poll_interval: Duration::from_millis(500),
            async_max_wait: Duration::from_secs(60),
            concurrency: 48,
            web_presence: false,
        }
    }
}

/// Everything the waterfall needs besides the engine's pool and Redis. Build one per process.
#[derive(Clone)]
pub struct Enricher {
    pub providers: Providers,
    pub breakers: Breakers,
    pub costs: Arc<UnitCosts>,
    pub settings: EnrichSettings,
    /// At most this many batches of this enricher (and its clones) call providers or write at
    /// once; a batch whose leads are all parked waiting on an async provider gives its permit
    /// back while it sleeps, so more batches can be under way than do work. `None`: no limit
    /// (a job runs one batch at a time anyway). See `flows::pipeline`.
    pub working: Option<Arc<tokio::sync::Semaphore>>,
}

impl Enricher {
    pub fn new(providers: Providers) -> Self {
        Self {
            providers,
            breakers: Breakers::default(),
            costs: Arc::new(UnitCosts::default()),
            settings: EnrichSettings::default(),
            working: None,
        }
    }

    /// The product default: the seeded sandbox as every provider.
    pub fn sandbox(seed: u64) -> Self {
        Self::new(Providers::sandbox(seed))
    }
}

/// Why a batch could not run. Credits and subscription are the workspace's business and fatal
/// for a job (retrying will not help until someone pays); engine errors are retryable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnrichError {
    #[error("the workspace has no enrichment credits left")]
    OutOfCredits,
    #[error("enrichment is paused while the subscription is {0}")]
    SubscriptionInactive(String),
    #[error("workspace not found")]
    NoWorkspace,
    #[error(transparent)]
    Engine(#[from] Error),
}

impl From<sqlx::Error> for EnrichError {
    fn from(e: sqlx::Error) -> Self {
        EnrichError::Engine(Error::Database(e))
    }
}

impl EnrichError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, EnrichError::Engine(Error::Database(_) | Error::Redis(_) | Error::Internal(_)))
    }
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReport {
    pub enriched: u32,
    /// Nothing acceptable from any provider: recorded, not charged, lead left `new`.
    pub skipped: u32,
    /// Every provider that could have answered failed for the moment (errors, open circuits):
    /// nothing recorded, the lead stays pending for a later run.
    pub deferred: u32,
    /// Leads an earlier (crashed or concurrent) run already finished.
    pub already_done: u32,
    pub from_cache: u32,
    pub clay_used: u32,
    /// Enriched leads by the provider whose data was accepted.
    pub by_provider: BTreeMap<String, u32>,
    /// Set when the credits ran out part-way: the rest of the batch was left pending.
    pub out_of_credits: bool,
    /// Leads the batch scored as it wrote them (only when asked to, see [`enrich_rows_scoring`]).
    #[serde(default)]
    pub scored: u32,
    /// Poll intervals the batch waited for its async providers: all parked leads share each.
    #[serde(default)]
    pub async_poll_rounds: u32,
}

impl BatchReport {
    pub fn add(&mut self, o: &BatchReport) {
        self.enriched += o.enriched;
        self.skipped += o.skipped;
        self.deferred += o.deferred;
        self.already_done += o.already_done;
        self.from_cache += o.from_cache;
        self.clay_used += o.clay_used;
        for (k, v) in &o.by_provider {
            *self.by_provider.entry(k.clone()).or_default() += v;
        }
        self.out_of_credits |= o.out_of_credits;
        self.scored += o.scored;
        self.async_poll_rounds += o.async_poll_rounds;
    }
}

/// Runs the waterfall over the given leads of the workspace. Leads that are not pending any
/// more (already enriched or skipped, deleted, not `new`) are ignored, which is what makes a
/// retried job harmless.
#[tracing::instrument(skip(engine, enricher, lead_ids), fields(leads = lead_ids.len()))]
pub async fn enrich_leads(engine: &Engine, enricher: &Enricher, ws: WorkspaceId, lead_ids: &[LeadId]) -> Result<BatchReport, EnrichError> {
    let ids: Vec<Uuid> = lead_ids.iter().map(|l| l.0).collect();
    let pending = store::pending_among(&mut *engine.tenant(ws).await?, ws, &ids).await?;
    let not_pending = ids.len().saturating_sub(pending.len()) as u32;
    let mut report = enrich_rows(engine, enricher, ws, pending).await?;
    report.already_done += not_pending;
    Ok(report)
}

/// The waterfall over loaded rows: checks the plan once, runs every lead's waterfall
/// concurrently, then writes the whole batch in one transaction.
///
/// The phases, and why in this order: (1) one Redis MGET for the batch's cached results;
/// (2) the providers, for the leads the cache did not answer, their calls buffered for the
/// ledger; (3) the new results into the cache, and (4) the ledger rows into Postgres — both
/// before (5) the one transaction that logs, charges and updates the leads. A crash before (5)
/// leaves every lead pending with its result cached and its cost recorded, so the retried batch
/// reads the cache and pays nothing twice; a crash after (5) finds the leads done.
pub async fn enrich_rows(engine: &Engine, enricher: &Enricher, ws: WorkspaceId, leads: Vec<PendingLead>) -> Result<BatchReport, EnrichError> {
    enrich_rows_scoring(engine, enricher, ws, leads, None).await
}

/// [`enrich_rows`] that also scores the leads it finishes (enriched or skipped) in the same
/// transaction, with the same statement where it can: the pipeline's single pass, which writes
/// each lead once instead of once for enrichment and again for its score. The score is the one
/// `flows::score` would give the lead as written; scoring stays that module's business.
pub async fn enrich_rows_scoring(
    engine: &Engine,
    enricher: &Enricher,
    ws: WorkspaceId,
    leads: Vec<PendingLead>,
    scorer: Option<&crate::flows::score::BatchScorer>,
) -> Result<BatchReport, EnrichError> {
    let working = enricher.working.as_deref();
    let mut permit = work_permit(working).await;
    let plan = store::plan_state(&mut *engine.tenant(ws).await?, ws).await?.ok_or(EnrichError::NoWorkspace)?;
    if !plan.may_enrich() {
        return Err(EnrichError::SubscriptionInactive(plan.subscription_status));
    }
    if plan.credits_remaining <= 0 {
        return Err(EnrichError::OutOfCredits);
    }
    let mut report = BatchReport::default();
    if leads.is_empty() {
        return Ok(report);
    }
    let clay_cap = (leads.len() as f64 * enricher.settings.clay_max_share).floor() as u32;
    let clay_budget = AtomicU32::new(clay_cap);
    let ledger = Arc::new(BufferedLedger::new(ws));
    let calls = Calls::new(engine, enricher, ws, ledger.clone());
    // Spend no provider money on leads we could not pay for: at most as many as credits left.
    let affordable = usize::try_from(plan.credits_remaining).unwrap_or(0);
    report.out_of_credits = leads.len() > affordable;
    let leads: Vec<PendingLead> = leads.into_iter().take(affordable).collect();
    // What scoring needs of each lead as read; kept only when the batch scores.
    let before: std::collections::HashMap<Uuid, PendingLead> =
        if scorer.is_some() { leads.iter().map(|l| (l.id, l.clone())).collect() } else { Default::default() };
    let found_by_search: std::collections::HashSet<Uuid> = leads.iter().filter(|l| l.provider_ref.is_some()).map(|l| l.id).collect();
    let keys: Vec<Option<String>> = leads.iter().map(cache_key).collect();
    let cached = calls.cache_get_many(&keys).await;
    // Phase (2a): every lead's synchronous steps, concurrently (each is mostly waiting on a
    // provider). A lead that reaches an async provider submits its request and is parked with
    // it instead of sleeping in one of the `concurrency` slots.
    let steps: Vec<Step> = stream::iter(leads.into_iter().zip(keys).zip(cached))
        .map(|((lead, key), hit)| {
            let calls = &calls;
            let clay_budget = &clay_budget;
            async move { calls.waterfall(lead, key, hit, clay_budget).await }
        })
        .buffer_unordered(enricher.settings.concurrency.max(1))
        .collect()
        .await;
    // Phase (2b): one poll loop for all parked leads of the batch.
    let (answers, rounds) = calls.poll_parked(steps, &clay_budget, working, &mut permit).await;
    report.async_poll_rounds = rounds;
    let fresh: Vec<(&str, &EnrichedPerson)> = answers
        .iter()
        .filter_map(|(_, key, a)| match (key, a) {
            (Some(key), Answer::Accepted { person, via_cache: false, .. }) => Some((key.as_str(), person.as_ref())),
            _ => None,
        })
        .collect();
    calls.cache_put_many(&fresh).await;
    ledger.flush(engine).await?;

    let mut accepted = Vec::new();
    let mut skipped = Vec::new();
    let mut provider_of = std::collections::HashMap::new();
    let found: std::collections::HashSet<Uuid> = found_by_search;
    for (id, _, answer) in answers {
        match answer {
            Answer::Accepted { person, via_cache, used_clay, trail } => {
                report.clay_used += u32::from(used_clay);
                let enrichment = to_enrichment(&person, via_cache, trail);
                provider_of.insert(id, (enrichment.provider.clone(), via_cache));
                accepted.push((id, enrichment));
            }
            Answer::Skip { trail, used_clay } => {
                report.clay_used += u32::from(used_clay);
                skipped.push((id, trail));
            }
            Answer::Deferred { trail, used_clay } => {
                report.clay_used += u32::from(used_clay);
                tracing::info!(lead = %id, %trail, "enrichment deferred: providers unavailable");
                report.deferred += 1;
            }
        }
    }
    let web = measure_web(engine, enricher, ws, &accepted).await?;
    let next = transition(LeadStatus::New, Signal::Enriched).unwrap_or(LeadStatus::Enriched);
    let mut tx = engine.tenant(ws).await?;
    // A searched-for person may turn out to be one the workspace already has by email or
    // LinkedIn URL: keep one lead, not two (the found one is retired, logged as a skip, free).
    let mut retired = 0u32;
    let mut kept = Vec::with_capacity(accepted.len());
    for (id, e) in accepted {
        if found.contains(&id) && store::retire_found_duplicate(&mut tx, ws, id, &e.email, e.linkedin_url.as_deref()).await?.is_some() {
            retired += 1;
            continue;
        }
        kept.push((id, e));
    }
    let accepted = kept;
    let score_fn = |row: &crate::store::leads::ScoringRow| scorer.expect("only called when scoring").update(row);
    let scoring = scorer.map(|s| store::BatchScoring { before: &before, score: &score_fn, scored_at: s.now, web: &web });
    let charge = store::record_batch(&mut tx, ws, &accepted, &skipped, next, scoring.as_ref()).await?;
    tx.commit().await?;
    report.scored += u32::try_from(charge.scored).unwrap_or(u32::MAX);
    for id in &charge.charged {
        if let Some((provider, via_cache)) = provider_of.remove(id) {
            report.enriched += 1;
            report.from_cache += u32::from(via_cache);
            *report.by_provider.entry(provider).or_default() += 1;
        }
    }
    report.skipped += charge.skipped.len() as u32 + retired;
    report.already_done += (charge.already_done.len() + skipped.len() - charge.skipped.len()) as u32;
    // Another batch took the last credits meanwhile: those leads stay pending (their results
    // stay in the cache for when credits are back).
    report.out_of_credits |= !charge.no_credits.is_empty();
    Ok(report)
}

/// A permit to do work (call providers, write) under the enricher's `working` limit, if any.
async fn work_permit(working: Option<&tokio::sync::Semaphore>) -> Option<tokio::sync::SemaphorePermit<'_>> {
    // The semaphore is never closed; a closed one would only mean no limit.
    working?.acquire().await.ok()
}

enum Answer {
    Accepted { person: Box<EnrichedPerson>, via_cache: bool, used_clay: bool, trail: String },
    Skip { trail: String, used_clay: bool },
    Deferred { trail: String, used_clay: bool },
}

/// A lead's way down the waterfall so far, carried from the synchronous phase into the poll loop.
struct Walk {
    id: Uuid,
    key: Option<String>,
    query: PersonQuery,
    trail: Vec<String>,
    /// Some provider failed for the moment (error, open circuit): a miss is deferred, not skipped.
    transient: bool,
    used_clay: bool,
    /// Index into [`ASYNC_STEPS`] of the next async provider to ask.
    next: usize,
}

/// The async providers, in waterfall order, after the synchronous ones.
const ASYNC_STEPS: [ProviderName; 2] = [ProviderName::BetterContact, ProviderName::Clay];

/// A lead whose request an async provider is working on.
struct Parked {
    walk: Walk,
    provider: ProviderName,
    submission: Submission,
    /// When the request was submitted: it gets `async_max_wait` from here, as in [`crate::providers::enrich_and_wait`].
    since: tokio::time::Instant,
}

/// Where a lead is after a step of the batch.
enum Step {
    Done(Uuid, Option<String>, Answer),
    Parked(Box<Parked>),
}

impl Walk {
    /// Records one provider's answer; the accepted answer when it is one.
    fn settle(&mut self, provider: ProviderName, result: Result<EnrichedPerson, ProviderError>, min_confidence: f32) -> Option<Answer> {
        match result {
            Ok(person) if acceptable(&person, min_confidence) => {
                self.trail.push(format!("{provider}: accepted {:.2}", person.confidence));
                return Some(Answer::Accepted {
                    person: Box::new(person),
                    via_cache: false,
                    used_clay: self.used_clay,
                    trail: self.trail.join("; "),
                });
            }
            Ok(person) => self.trail.push(format!("{provider}: rejected ({})", rejection(&person, min_confidence))),
            Err(e) => {
                self.transient |= e.is_retryable() || e == ProviderError::CircuitOpen;
                self.trail.push(format!("{provider}: {e}"));
            }
        }
        None
    }

    /// Every provider missed.
    fn finish(self) -> Step {
        let trail = self.trail.join("; ");
        // A provider that was down may well have had the answer: try this lead again later
        // rather than recording a skip that the pipeline would never revisit.
        let answer = if self.transient {
            Answer::Deferred { trail, used_clay: self.used_clay }
        } else {
            Answer::Skip { trail, used_clay: self.used_clay }
        };
        Step::Done(self.id, self.key, answer)
    }
}

/// The metered providers for one batch of one workspace.
struct Calls<'a> {
    engine: &'a Engine,
    settings: &'a EnrichSettings,
    apollo: Metered<dyn Enrichment>,
    hunter: Metered<dyn Enrichment>,
    bettercontact: Metered<dyn AsyncEnrichment>,
    clay: Metered<dyn AsyncEnrichment>,
}

impl<'a> Calls<'a> {
    fn new(engine: &'a Engine, enricher: &'a Enricher, ws: WorkspaceId, ledger: Arc<dyn CostSink>) -> Self {
        let scope = LedgerScope { workspace: ws, campaign: None };
        let p = &enricher.providers;
        let b = &enricher.breakers;
        let costs = enricher.costs.clone();
        Self {
            engine,
            settings: &enricher.settings,
            apollo: Metered::new(p.apollo.clone(), b.apollo.clone(), ledger.clone(), costs.clone(), scope),
            hunter: Metered::new(p.hunter.clone(), b.hunter.clone(), ledger.clone(), costs.clone(), scope),
            bettercontact: Metered::new(p.bettercontact.clone(), b.bettercontact.clone(), ledger.clone(), costs.clone(), scope),
            clay: Metered::new(p.clay.clone(), b.clay.clone(), ledger, costs, scope),
        }
    }

    /// One lead down the synchronous part of the waterfall (cache, Apollo, Hunter), then into
    /// the async providers up to the first submission still pending. `cached` is what the
    /// batch's cache read found for it; an accepted provider result is cached by the caller.
    async fn waterfall(&self, lead: PendingLead, key: Option<String>, cached: Option<EnrichedPerson>, clay_budget: &AtomicU32) -> Step {
        let Some(key) = key else {
            // Nothing that identifies a person: asking a provider would be paying for a guess.
            let trail = "no email, LinkedIn URL or name with company to look up".into();
            return Step::Done(lead.id, None, Answer::Skip { trail, used_clay: false });
        };
        if let Some(person) = cached {
            if acceptable(&person, self.settings.min_confidence) {
                let trail = format!("cache: {} {:.2}", person.source, person.confidence);
                let answer = Answer::Accepted { person: Box::new(person), via_cache: true, used_clay: false, trail };
                return Step::Done(lead.id, Some(key), answer);
            }
        }
        let mut walk = Walk {
            id: lead.id,
            key: Some(key),
            query: person_query(&lead),
            trail: Vec::new(),
            transient: false,
            used_clay: false,
            next: 0,
        };
        for (provider, client) in [(ProviderName::Apollo, &self.apollo), (ProviderName::Hunter, &self.hunter)] {
            let result = client.enrich(&walk.query).await;
            if let Some(answer) = walk.settle(provider, result, self.settings.min_confidence) {
                return Step::Done(walk.id, walk.key, answer);
            }
        }
        self.next_async(walk, clay_budget).await
    }

    fn async_client(&self, provider: ProviderName) -> &Metered<dyn AsyncEnrichment> {
        if provider == ProviderName::Clay {
            &self.clay
        } else {
            &self.bettercontact
        }
    }

    /// Submits the lead to the next async provider and polls once at once (a cached or fast
    /// answer needs no wait, as in [`crate::providers::enrich_and_wait`]); parks it when the answer is pending,
    /// moves on to the next provider when it missed.
    async fn next_async(&self, mut walk: Walk, clay_budget: &AtomicU32) -> Step {
        while let Some(&provider) = ASYNC_STEPS.get(walk.next) {
            walk.next += 1;
            // Clay's share of the batch is taken when a lead reaches it, not reserved up front,
            // so the leads that need it most (everyone else missed) get it.
            if provider == ProviderName::Clay {
                if clay_budget.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1)).is_err() {
                    walk.trail.push(format!("{provider}: not used (batch share reached)"));
                    continue;
                }
                walk.used_clay = true;
            }
            let client = self.async_client(provider);
            let submission = match client.submit(&walk.query).await {
                Ok(s) => s,
                Err(e) => {
                    walk.settle(provider, Err(e), self.settings.min_confidence);
                    continue;
                }
            };
            let parked = Parked { walk, provider, submission, since: tokio::time::Instant::now() };
            match self.poll_once(parked).await {
                Ok(step) => return step,
                Err(back) => walk = back,
            }
        }
        walk.finish()
    }

    /// Polls a parked request once: `Ok` with the lead done or still parked, `Err` with the
    /// lead's walk when this provider missed and the next one should be asked.
    async fn poll_once(&self, mut parked: Parked) -> Result<Step, Walk> {
        let result = match self.async_client(parked.provider).poll(&parked.submission).await {
            Ok(AsyncOutcome::Done { person, .. }) => Ok(*person),
            Ok(AsyncOutcome::NoMatch { .. }) => Err(ProviderError::NoMatch),
            Ok(AsyncOutcome::Pending) => {
                if parked.since.elapsed() + self.settings.async_poll_interval <= self.settings.async_max_wait {
                    return Ok(Step::Parked(Box::new(parked)));
                }
                Err(ProviderError::Timeout)
            }
            Err(e) => Err(e),
        };
        match parked.walk.settle(parked.provider, result, self.settings.min_confidence) {
            Some(answer) => Ok(Step::Done(parked.walk.id, parked.walk.key, answer)),
            None => Err(parked.walk),
        }
    }

    /// The batch's poll loop: waits one poll interval, polls every parked request (as many at
    /// once as the batch runs leads), moves the finished ones on — a miss may park again at the
    /// next provider — and repeats until no lead is parked. Returns every lead's answer and how
    /// many intervals the batch waited.
    async fn poll_parked<'s>(
        &self,
        steps: Vec<Step>,
        clay_budget: &AtomicU32,
        working: Option<&'s tokio::sync::Semaphore>,
        permit: &mut Option<tokio::sync::SemaphorePermit<'s>>,
    ) -> (Vec<(Uuid, Option<String>, Answer)>, u32) {
        let mut answers = Vec::with_capacity(steps.len());
        let mut parked = Vec::new();
        let mut sort = |steps: Vec<Step>, parked: &mut Vec<Box<Parked>>| {
            for step in steps {
                match step {
                    Step::Done(id, key, answer) => answers.push((id, key, answer)),
                    Step::Parked(p) => parked.push(p),
                }
            }
        };
        sort(steps, &mut parked);
        let mut rounds = 0u32;
        while !parked.is_empty() {
            let interval = self.settings.async_poll_interval;
            // Waiting holds nothing: another batch may work meanwhile.
            *permit = None;
            if interval.is_zero() {
                // No wait between polls (a test of the sandbox, whose pending is simulated).
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(interval).await;
            }
            *permit = work_permit(working).await;
            rounds += 1;
            let stepped: Vec<Step> = stream::iter(std::mem::take(&mut parked))
                .map(|p| async move {
                    match self.poll_once(*p).await {
                        Ok(step) => step,
                        Err(walk) => self.next_async(walk, clay_budget).await,
                    }
                })
                .buffer_unordered(self.settings.concurrency.max(1))
                .collect()
                .await;
            sort(stepped, &mut parked);
        }
        (answers, rounds)
    }

    /// The batch's cached results in one MGET, in the order of `keys`.
    async fn cache_get_many(&self, keys: &[Option<String>]) -> Vec<Option<EnrichedPerson>> {
        let wanted: Vec<String> = keys.iter().flatten().map(|k| self.engine.redis.key(k)).collect();
        let mut found: Vec<Option<String>> = Vec::new();
        if !wanted.is_empty() {
            let mut conn = self.engine.redis.conn.clone();
            match redis::cmd("MGET").arg(&wanted).query_async::<Vec<Option<String>>>(&mut conn).await {
                Ok(v) => found = v,
                // The cache is an optimisation: without Redis the waterfall still works, it only pays.
                Err(e) => tracing::warn!(error = %e, "enrichment cache read failed"),
            }
        }
        let mut found = found.into_iter();
        keys.iter()
            .map(|k| {
                k.as_ref()?;
                found.next().flatten().and_then(|s| serde_json::from_str(&s).ok())
            })
            .collect()
    }

    /// Caches accepted provider results, in one pipeline.
    async fn cache_put_many(&self, items: &[(&str, &EnrichedPerson)]) {
        if items.is_empty() {
            return;
        }
        let mut pipe = redis::pipe();
        for (key, person) in items {
            if let Ok(json) = serde_json::to_string(person) {
                pipe.set_ex(self.engine.redis.key(key), json, self.settings.cache_ttl.as_secs()).ignore();
            }
        }
        let mut conn = self.engine.redis.conn.clone();
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            tracing::warn!(error = %e, "enrichment cache write failed");
        }
    }
}

fn nonempty(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// SPEC §5: email, first name, last name, company and confidence ≥ the bar.
pub fn acceptable(p: &EnrichedPerson, min_confidence: f32) -> bool {
    nonempty(&p.email) && nonempty(&p.first_name) && nonempty(&p.last_name) && nonempty(&p.company) && p.confidence >= min_confidence
}

fn rejection(p: &EnrichedPerson, min_confidence: f32) -> String {
    let mut missing: Vec<&str> = Vec::new();
    for (name, v) in [("email", &p.email), ("first name", &p.first_name), ("last name", &p.last_name), ("company", &p.company)] {
        if !nonempty(v) {
            missing.push(name);
        }
    }
    if p.confidence < min_confidence {
        format!("confidence {:.2} below {:.2}", p.confidence, min_confidence)
    } else {
        format!("missing {}", missing.join(", "))
    }
}

fn person_query(lead: &PendingLead) -> PersonQuery {
    PersonQuery {
        first_name: lead.first_name.clone(),
        last_name: lead.last_name.clone(),
        company: lead.company.clone(),
        domain: lead.company_domain.clone(),
        email: lead.email.clone(),
        linkedin_url: lead.linkedin_url.clone(),
        // The id a people search gave the lead: Apollo People Match takes it as `id` and
        // matches exactly, where a first name and a company would be a guess.
        provider_id: lead.provider_ref.clone(),
        lead_ref: Some(lead.id.to_string()),
    }
}

/// The versioned cache key (`v1:` is added by [`crate::cache::Redis::key`]): the strongest
/// identity the lead has — email, then LinkedIn URL, then the id a people search gave it, then
/// name at company domain (or name).
/// Shared across workspaces on purpose: it is the provider's data about a person, and asking
/// twice costs twice.
pub fn cache_key(lead: &PendingLead) -> Option<String> {
    let norm = |s: &Option<String>| s.as_deref().map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    if let Some(email) = norm(&lead.email) {
        return Some(format!("enrich:email:{email}"));
    }
    if let Some(url) = norm(&lead.linkedin_url) {
        return Some(format!("enrich:linkedin:{url}"));
    }
    // A found lead has no surname yet (searches hide it); the provider's id names the person.
    if let (Some(provider), Some(id)) = (norm(&lead.source_provider), norm(&lead.provider_ref)) {
        return Some(format!("enrich:ref:{provider}:{id}"));
    }
    let (first, last) = (norm(&lead.first_name)?, norm(&lead.last_name)?);
    let at = norm(&lead.company_domain).map(|d| bare_domain(&d)).or_else(|| norm(&lead.company))?;
    Some(format!("enrich:name:{first} {last}@{at}"))
}

fn to_enrichment(p: &EnrichedPerson, via_cache: bool, trail: String) -> store::Enrichment {
    let s = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    store::Enrichment {
        provider: p.source.as_str().to_string(),
        source: if via_cache { "cache" } else { "provider" },
        confidence: p.confidence.clamp(0.0, 1.0),
        email: s(&p.email).unwrap_or_default(),
        first_name: s(&p.first_name).unwrap_or_default(),
        last_name: s(&p.last_name).unwrap_or_default(),
        company: s(&p.company).unwrap_or_default(),
        title: s(&p.title),
        company_domain: s(&p.company_domain).map(|d| bare_domain(&d)),
        linkedin_url: s(&p.linkedin_url).and_then(|u| domain::leads::canonical_linkedin_url(&u).ok()),
        phone: s(&p.phone),
        location: s(&p.location),
        industry: s(&p.industry),
        employee_count: p.employee_count.and_then(|n| i32::try_from(n).ok()),
        timing: p.timing,
        reason: trail,
    }
}

/// Domains measured at once; each is two DataForSEO requests.
const WEB_CONCURRENCY: usize = 4;

/// The web presence of the accepted leads' company domains, each measured once (cached 30
/// days) and stored for scoring (`company_web`), before the batch is written so its scores
/// include it. Nothing when the workspace has no DataForSEO key; a domain the provider could
/// not answer stays unmeasured, which neither adds nor deducts.
async fn measure_web(engine: &Engine, enricher: &Enricher, ws: WorkspaceId, accepted: &[(Uuid, store::Enrichment)]) -> Result<std::collections::HashMap<String, WebPresence>, EnrichError> {
    let mut out = std::collections::HashMap::new();
    if !enricher.settings.web_presence {
        return Ok(out);
    }
    let domains: std::collections::BTreeSet<String> = accepted.iter().filter_map(|(_, e)| e.company_domain.clone()).filter(|d| !d.is_empty()).collect();
    let measured: Vec<(String, Option<SeoSnapshot>)> = stream::iter(domains)
        .map(|d| async move {
            let snapshot = seo_signals(engine, enricher, ws, &d).await.ok().flatten();
            (d, snapshot)
        })
        .buffer_unordered(WEB_CONCURRENCY)
        .collect()
        .await;
    for (domain, snapshot) in measured {
        let Some(s) = snapshot else { continue };
        let web = WebPresence {
            domain_rank: Some(s.backlinks.rank),
            organic_etv: Some(s.rank.organic_etv),
            top10_keywords: u32::try_from(s.rank.keywords_top10).unwrap_or(u32::MAX),
            spam_score: Some(s.backlinks.spam_score.min(100)),
        };
        let mut tx = engine.tenant(ws).await?;
        store::save_web(&mut *tx, ws, &domain, &web).await?;
        tx.commit().await?;
        out.insert(domain, web);
    }
    Ok(out)
}

/// SEO signals of a domain (DataForSEO), cached 30 days under `v1:seo:{domain}` (SPEC §5).
/// Metered and breaker-guarded like every provider call; `Ok(None)` when the provider could not
/// answer, since SEO is a nice-to-have for scoring, never a reason to fail.
pub async fn seo_signals(engine: &Engine, enricher: &Enricher, ws: WorkspaceId, domain: &str) -> Result<Option<SeoSnapshot>, EnrichError> {
    let domain = bare_domain(domain);
    if domain.is_empty() {
        return Ok(None);
    }
    let key = engine.redis.key(&format!("seo:{domain}"));
    let mut conn = engine.redis.conn.clone();
    if let Ok(Some(hit)) = conn.get::<_, Option<String>>(&key).await {
        if let Ok(snapshot) = serde_json::from_str(&hit) {
            return Ok(Some(snapshot));
        }
    }
    let ledger: Arc<dyn CostSink> = Arc::new(PgLedger::new(engine));
    let seo = Metered::new(
        enricher.providers.seo.clone(),
        enricher.breakers.seo.clone(),
        ledger,
        enricher.costs.clone(),
        LedgerScope { workspace: ws, campaign: None },
    );
    match seo.snapshot(&domain).await {
        Ok(snapshot) => {
            if let Ok(json) = serde_json::to_string(&snapshot) {
                let _: Result<(), _> = conn.set_ex(&key, json, enricher.settings.seo_cache_ttl.as_secs()).await;
            }
            Ok(Some(snapshot))
        }
        Err(e) => {
            tracing::info!(%domain, error = %e, "no SEO signals");
            Ok(None)
        }
    }
}
