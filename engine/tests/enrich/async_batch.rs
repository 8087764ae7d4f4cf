//! Leads waiting on an async provider (BetterContact, Clay) are parked with their request and
//! polled together by the batch, once per interval, instead of each holding one of the batch's
//! `concurrency` slots while it sleeps. Counted, not timed: poll rounds, requests outstanding at
//! once, polls — and the results, log and ledger equal the old per-lead submit-and-wait path's.

use crate::support::*;
use async_trait::async_trait;
use domain::leads::LeadId;
use engine::flows::enrich::{enrich_leads, Enricher, Providers};
use engine::providers::sandbox::{Sandbox, SandboxProfile};
use engine::providers::{
    enrich_and_wait, AsyncEnrichment, AsyncOutcome, EnrichedPerson, PersonQuery, ProviderError, ProviderName, Submission,
};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

fn lead_ids(ids: &[Uuid]) -> Vec<LeadId> {
    ids.iter().copied().map(LeadId).collect()
}

/// An async provider whose every request is pending for its first poll, then matches — or
/// finds nobody when `misses` says so for the person. Counts what the batch did with it.
struct SlowAsync {
    name: ProviderName,
    misses: fn(&PersonQuery) -> bool,
    requests: Mutex<HashMap<String, (PersonQuery, u32)>>,
    submits: AtomicUsize,
    polls: AtomicUsize,
    /// Submitted and not finished yet, now and at most.
    outstanding: AtomicUsize,
    max_outstanding: AtomicUsize,
    /// Requests stay pending (for at most `HOLD_POLLS` polls each) until this many were
    /// submitted: lets a test see whether other work went on while they waited, whatever the
    /// scheduling, without a timed assertion.
    hold_until_submitted: AtomicUsize,
}

const HOLD_POLLS: u32 = 2_000;

impl SlowAsync {
    fn new(name: ProviderName, misses: fn(&PersonQuery) -> bool) -> Arc<Self> {
        Arc::new(Self {
            name,
            misses,
            requests: Mutex::default(),
            submits: AtomicUsize::new(0),
            polls: AtomicUsize::new(0),
            outstanding: AtomicUsize::new(0),
            max_outstanding: AtomicUsize::new(0),
            hold_until_submitted: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl AsyncEnrichment for SlowAsync {
    fn provider(&self) -> ProviderName {
        self.name
    }
    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let n = self.submits.fetch_add(1, Ordering::SeqCst);
        let request_id = format!("{}-{n}", self.name);
        self.requests.lock().unwrap().insert(request_id.clone(), (person.clone(), 0));
        let now = self.outstanding.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_outstanding.fetch_max(now, Ordering::SeqCst);
        Ok(Submission { provider: self.name, request_id })
    }
    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        let query = {
            let mut requests = self.requests.lock().unwrap();
            let (query, polls) = requests.get_mut(&submission.request_id).ok_or(ProviderError::NotFound)?;
            let held = self.submits.load(Ordering::SeqCst) < self.hold_until_submitted.load(Ordering::SeqCst) && *polls < HOLD_POLLS;
            if *polls == 0 || held {
                *polls += 1;
                return Ok(AsyncOutcome::Pending);
            }
            query.clone()
        };
        self.outstanding.fetch_sub(1, Ordering::SeqCst);
        if (self.misses)(&query) {
            return Ok(AsyncOutcome::NoMatch { units: Some(0.0) });
        }
        Ok(AsyncOutcome::Done { person: Box::new(person_for(&query, self.name, 0.9)), units: Some(1.0) })
    }
}

/// Apollo and Hunter miss, so every lead of the batch needs the async providers.
fn async_only(bettercontact: Arc<SlowAsync>, clay: Arc<SlowAsync>) -> Enricher {
    let fakes = Fakes::new(Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    let mut e = fakes.enricher();
    e.providers.bettercontact = bettercontact;
    e.providers.clay = clay;
    e
}

fn odd_lead(q: &PersonQuery) -> bool {
    q.first_name.as_deref().and_then(|n| n.trim_start_matches("Ann").parse::<u32>().ok()).is_some_and(|n| n % 2 == 1)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_batch_of_leads_all_waiting_on_bettercontact_waits_one_poll_round_not_one_per_slot(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "w", 200).await;
    let bettercontact = SlowAsync::new(ProviderName::BetterContact, |_| false);
    let clay = SlowAsync::new(ProviderName::Clay, |_| false);
    let enricher = async_only(bettercontact.clone(), clay.clone());
    assert_eq!(enricher.settings.concurrency, 48, "more leads than slots");

    let report = enrich_leads(&engine, &enricher, ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!(report.enriched, 200, "{report:?}");
    assert_eq!(report.by_provider.get("bettercontact"), Some(&200));
    assert_eq!(report.async_poll_rounds, 1, "one wait for the whole batch, not ⌈200/48⌉ = 5 waits one after another");
    assert_eq!(
        bettercontact.max_outstanding.load(Ordering::SeqCst),
        200,
        "every lead's request was out at once; holding a slot each, at most 48 would be"
    );
    assert_eq!(bettercontact.polls.load(Ordering::SeqCst), 400, "each request polled on submit and once after the wait");
    assert_eq!(clay.submits.load(Ordering::SeqCst), 0);
    assert_eq!(credits(&pool, ws).await, 1250 - 200);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_bettercontact_miss_parks_again_at_clay_within_its_share_of_the_batch(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "m", 200).await;
    // The odd half of the leads: BetterContact finds nobody; Clay may take 15 % of 200 = 30.
    let bettercontact = SlowAsync::new(ProviderName::BetterContact, odd_lead);
    let clay = SlowAsync::new(ProviderName::Clay, |_| false);
    let enricher = async_only(bettercontact.clone(), clay.clone());

    let report = enrich_leads(&engine, &enricher, ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!(report.by_provider.get("bettercontact"), Some(&100), "{report:?}");
    assert_eq!(report.by_provider.get("clay"), Some(&30));
    assert_eq!((report.enriched, report.skipped, report.clay_used), (130, 70, 30));
    assert_eq!(report.async_poll_rounds, 2, "one round for BetterContact, one for the leads it sent on to Clay");
    assert_eq!(clay.submits.load(Ordering::SeqCst), 30);
    assert_eq!(clay.max_outstanding.load(Ordering::SeqCst), 30, "Clay's leads wait together too");
    let not_used: i64 = sqlx::query_scalar(
        "select count(*) from enrichment_log where client_id = $1 and outcome = 'skipped' and reason like '%clay: not used (batch share reached)%'",
    )
    .bind(ws.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(not_used, 70);
}

/// The old per-lead path, as a provider: the whole submit-and-wait runs inside `submit`, so
/// the lead holds its slot while it waits; `poll` then hands over the finished answer.
struct WaitsInSlot {
    inner: Arc<dyn AsyncEnrichment>,
    interval: Duration,
    max_wait: Duration,
    answers: Mutex<HashMap<String, Result<EnrichedPerson, ProviderError>>>,
}

#[async_trait]
impl AsyncEnrichment for WaitsInSlot {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }
    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let answer = enrich_and_wait(self.inner.as_ref(), person, self.interval, self.max_wait).await;
        let request_id = Uuid::new_v4().to_string();
        self.answers.lock().unwrap().insert(request_id.clone(), answer);
        Ok(Submission { provider: self.provider(), request_id })
    }
    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        // The sandbox charges 1 unit for a result and 0 for nobody found.
        match self.answers.lock().unwrap().remove(&submission.request_id).ok_or(ProviderError::NotFound)? {
            Ok(person) => Ok(AsyncOutcome::Done { person: Box::new(person), units: Some(1.0) }),
            Err(ProviderError::NoMatch) => Ok(AsyncOutcome::NoMatch { units: Some(0.0) }),
            Err(e) => Err(e),
        }
    }
}

/// The sandbox as every provider, often without an answer so that many leads reach
/// BetterContact and Clay; no transient failures, so no breaker depends on the order of calls.
fn sandbox(old_path: bool) -> Enricher {
    let profile = SandboxProfile { transient_error_rate: 0.0, no_match_rate: 0.5, pending_polls: 1 };
    let as_ = |p| Sandbox::with_profile(11, profile.clone()).acting_as(p);
    let mut settings = sandbox_enricher(11).settings;
    // Which leads get Clay's 15 % depends on which reach it first; let all of them, so that
    // the comparison does not depend on timing.
    settings.clay_max_share = 1.0;
    let wrap = |inner: Arc<dyn AsyncEnrichment>| -> Arc<dyn AsyncEnrichment> {
        if old_path {
            Arc::new(WaitsInSlot { inner, interval: settings.async_poll_interval, max_wait: settings.async_max_wait, answers: Mutex::default() })
        } else {
            inner
        }
    };
    let mut e = Enricher::new(Providers {
        search: Arc::new(as_(ProviderName::Apollo)),
        apollo: Arc::new(as_(ProviderName::Apollo)),
        hunter: Arc::new(as_(ProviderName::Hunter)),
        bettercontact: wrap(Arc::new(as_(ProviderName::BetterContact))),
        clay: wrap(Arc::new(as_(ProviderName::Clay))),
        seo: Arc::new(as_(ProviderName::DataForSeo)),
    });
    e.settings = settings;
    e
}

type LeadRow = (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<f32>);
type LogRow = (String, Option<String>, Option<String>, Option<f32>, i16, Option<String>);
type LedgerRow = (String, String, String, String, Option<String>);

/// A workspace's leads, enrichment log and ledger, each lead named by its place in `ids`.
async fn outcome(pool: &PgPool, ws: domain::ids::WorkspaceId, ids: &[Uuid]) -> (Vec<LeadRow>, Vec<LogRow>, Vec<LedgerRow>, i64) {
    let place: HashMap<String, String> = ids.iter().enumerate().map(|(i, id)| (id.to_string(), format!("#{i}"))).collect();
    let mut leads = Vec::new();
    let mut log = Vec::new();
    for id in ids {
        let lead: LeadRow = sqlx::query_as(
            "select status, email, title, phone, enrichment_source, enrichment_confidence from leads where id = $1 and client_id = $2",
        )
        .bind(id)
        .bind(ws.0)
        .fetch_one(pool)
        .await
        .unwrap();
        leads.push(lead);
        let row: Option<LogRow> = sqlx::query_as(
            "select outcome, provider, source, confidence, credits, reason from enrichment_log where lead_id = $1 and client_id = $2",
        )
        .bind(id)
        .bind(ws.0)
        .fetch_optional(pool)
        .await
        .unwrap();
        log.extend(row);
    }
    let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "select provider, operation, units::text, cost_aud::text, lead_ref from cost_ledger where client_id = $1",
    )
    .bind(ws.0)
    .fetch_all(pool)
    .await
    .unwrap();
    let mut ledger: Vec<LedgerRow> =
        rows.into_iter().map(|(p, o, u, c, r)| (p, o, u, c, r.map(|r| place.get(&r).cloned().unwrap_or(r)))).collect();
    ledger.sort();
    (leads, log, ledger, credits(pool, ws).await)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn parking_gives_the_same_leads_log_ledger_and_credits_as_waiting_lead_by_lead(pool: PgPool) {
    // Two workspaces with the same leads, each with an engine of its own (its own cache).
    let (old_engine, new_engine) = (engine(&pool).await, engine(&pool).await);
    let (old_ws, new_ws) = (workspace(&pool, "Old").await, workspace(&pool, "New").await);
    let old_ids = add_leads(&pool, old_ws, "same", 120).await;
    let new_ids = add_leads(&pool, new_ws, "same", 120).await;

    let old_report = enrich_leads(&old_engine, &sandbox(true), old_ws, &lead_ids(&old_ids)).await.unwrap();
    let new_report = enrich_leads(&new_engine, &sandbox(false), new_ws, &lead_ids(&new_ids)).await.unwrap();

    assert_eq!(old_report.async_poll_rounds, 0, "the old path waited inside each lead's slot");
    assert!(new_report.async_poll_rounds >= 1);
    let by = |p: &str| (old_report.by_provider.get(p).copied(), new_report.by_provider.get(p).copied());
    for p in ["apollo", "hunter", "bettercontact", "clay"] {
        let (old, new) = by(p);
        assert_eq!(old, new, "{p}");
        assert!(new.unwrap_or(0) > 0, "the sandbox answers through {p} too: {new_report:?}");
    }
    assert_eq!(
        (old_report.enriched, old_report.skipped, old_report.clay_used),
        (new_report.enriched, new_report.skipped, new_report.clay_used)
    );
    assert!(new_report.skipped > 0, "{new_report:?}");
    let old = outcome(&pool, old_ws, &old_ids).await;
    let new = outcome(&pool, new_ws, &new_ids).await;
    assert_eq!(old.0, new.0, "leads");
    assert_eq!(old.1, new.1, "enrichment log");
    assert_eq!(old.2, new.2, "cost ledger");
    assert_eq!(old.3, new.3, "credits");
    assert!(new.2.iter().any(|r| r.0 == "clay"), "Clay was paid for");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_batch_waiting_on_polls_lets_another_batch_work_under_the_same_limit(pool: PgPool) {
    let engine = engine(&pool).await;
    let (first_ws, second_ws) = (workspace(&pool, "First").await, workspace(&pool, "Second").await);
    let first = add_leads(&pool, first_ws, "f", 20).await;
    let second = add_leads(&pool, second_ws, "s", 20).await;
    // One provider for both batches, and room for one batch at work at a time.
    let bettercontact = SlowAsync::new(ProviderName::BetterContact, |_| false);
    // The first batch's requests wait until the second batch's are in too (a batch holding its
    // permit through the wait would keep the second out until the hold gives up).
    bettercontact.hold_until_submitted.store(40, Ordering::SeqCst);
    let mut enricher = async_only(bettercontact.clone(), SlowAsync::new(ProviderName::Clay, |_| false));
    enricher.working = Some(Arc::new(tokio::sync::Semaphore::new(1)));

    let (first, second) = (lead_ids(&first), lead_ids(&second));
    let (a, b) = tokio::join!(
        enrich_leads(&engine, &enricher, first_ws, &first),
        enrich_leads(&engine, &enricher, second_ws, &second),
    );

    assert_eq!((a.unwrap().enriched, b.unwrap().enriched), (20, 20));
    assert_eq!(
        bettercontact.max_outstanding.load(Ordering::SeqCst),
        40,
        "the second batch submitted while the first one's leads were parked; holding the permit through the wait, at most 20 would be out"
    );
}
