use async_trait::async_trait;
use domain::ids::WorkspaceId;
use engine::ledger::{CostAud, MemoryLedger, UnitCosts};
use engine::providers::metered::{LedgerScope, Metered};
use engine::providers::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// A provider that answers from a script, and counts how often it was called.
struct Scripted {
    name: ProviderName,
    script: Mutex<VecDeque<Result<EnrichedPerson, ProviderError>>>,
    calls: AtomicU32,
}

impl Scripted {
    fn new(name: ProviderName, script: Vec<Result<EnrichedPerson, ProviderError>>) -> Arc<Self> {
        Arc::new(Self {
            name,
            script: Mutex::new(script.into()),
            calls: AtomicU32::new(0),
        })
    }
    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Enrichment for Scripted {
    fn provider(&self) -> ProviderName {
        self.name
    }
    async fn enrich(&self, _: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Err(ProviderError::NoMatch))
    }
}

fn found(email: Option<&str>) -> EnrichedPerson {
    EnrichedPerson {
        email: email.map(str::to_string),
        first_name: Some("Mia".into()),
        last_name: Some("Kelly".into()),
        title: None,
        company: Some("Saltbush Creative".into()),
        company_domain: Some("saltbushcreative.com.au".into()),
        linkedin_url: None,
        phone: None,
        location: None,
        industry: None,
        employee_count: None,
        timing: Default::default(),
        confidence: 0.9,
        source: ProviderName::Hunter,
    }
}

fn down() -> Result<EnrichedPerson, ProviderError> {
    Err(ProviderError::Upstream { status: 503 })
}

struct Rig {
    inner: Arc<Scripted>,
    clock: Arc<ManualClock>,
    ledger: Arc<MemoryLedger>,
    metered: Metered<dyn Enrichment>,
    workspace: WorkspaceId,
}

fn rig(script: Vec<Result<EnrichedPerson, ProviderError>>) -> Rig {
    let inner = Scripted::new(ProviderName::Hunter, script);
    let clock = Arc::new(ManualClock::new());
    let breaker = Arc::new(CircuitBreaker::with_clock(
        BreakerConfig {
            failure_threshold: 3,
            cool_down: Duration::from_secs(60),
        },
        clock.clone(),
    ));
    let ledger = Arc::new(MemoryLedger::new());
    let workspace = WorkspaceId(Uuid::new_v4());
    let dyn_inner: Arc<dyn Enrichment> = inner.clone();
    let metered = Metered::new(
        dyn_inner,
        breaker,
        ledger.clone(),
        Arc::new(UnitCosts::default()),
        LedgerScope {
            workspace,
            campaign: Some(Uuid::nil()),
        },
    );
    Rig {
        inner,
        clock,
        ledger,
        metered,
        workspace,
    }
}

fn q() -> PersonQuery {
    PersonQuery {
        lead_ref: Some("lead-1".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_circuit_opens_after_consecutive_failures_and_stops_calling_the_provider() {
    let r = rig(vec![down(), down(), down()]);
    for _ in 0..3 {
        assert_eq!(
            r.metered.enrich(&q()).await,
            Err(ProviderError::Upstream { status: 503 })
        );
    }
    assert_eq!(r.metered.breaker().state(), BreakerState::Open);
    assert_eq!(r.metered.enrich(&q()).await, Err(ProviderError::CircuitOpen));
    assert_eq!(r.inner.calls(), 3, "an open circuit sends nothing");
}

#[tokio::test]
async fn after_the_cool_down_one_successful_probe_closes_the_circuit() {
    let r = rig(vec![
        down(),
        down(),
        down(),
        Ok(found(Some("mia@saltbushcreative.com.au"))),
    ]);
    for _ in 0..3 {
        let _ = r.metered.enrich(&q()).await;
    }
    r.clock.advance(Duration::from_secs(61));
    assert_eq!(r.metered.breaker().state(), BreakerState::HalfOpen);
    assert!(r.metered.enrich(&q()).await.is_ok());
    assert_eq!(r.metered.breaker().state(), BreakerState::Closed);
}

#[tokio::test]
async fn a_failed_probe_opens_the_circuit_again() {
    let r = rig(vec![down(), down(), down(), down()]);
    for _ in 0..3 {
        let _ = r.metered.enrich(&q()).await;
    }
    r.clock.advance(Duration::from_secs(61));
    assert!(r.metered.enrich(&q()).await.is_err());
    assert_eq!(r.metered.breaker().state(), BreakerState::Open);
    assert_eq!(r.metered.enrich(&q()).await, Err(ProviderError::CircuitOpen));
    assert_eq!(r.inner.calls(), 4);
}

#[tokio::test]
async fn misses_do_not_trip_the_circuit() {
    let r = rig(vec![
        Err(ProviderError::NoMatch),
        Err(ProviderError::NoMatch),
        Err(ProviderError::NoMatch),
        Err(ProviderError::NoMatch),
    ]);
    for _ in 0..4 {
        assert_eq!(r.metered.enrich(&q()).await, Err(ProviderError::NoMatch));
    }
    assert_eq!(r.metered.breaker().state(), BreakerState::Closed);
}

#[tokio::test]
async fn every_answered_call_is_costed_in_the_ledger_and_failures_are_not() {
    let r = rig(vec![
        Ok(found(Some("mia@saltbushcreative.com.au"))),
        Err(ProviderError::NoMatch),
        Ok(found(None)),
        down(),
    ]);
    for _ in 0..4 {
        let _ = r.metered.enrich(&q()).await;
    }
    let rows = r.ledger.entries();
    assert_eq!(rows.len(), 3, "the 503 is not billed");
    assert!(rows
        .iter()
        .all(|(ws, e)| *ws == r.workspace && e.provider == "hunter" && e.operation == "email_finder"));
    assert!(rows
        .iter()
        .all(|(_, e)| e.lead_ref.as_deref() == Some("lead-1") && e.campaign_id == Some(Uuid::nil())));
    let costs: Vec<CostAud> = rows.iter().map(|(_, e)| e.cost).collect();
    assert_eq!(
        costs,
        vec![CostAud(230), CostAud::ZERO, CostAud::ZERO],
        "only a found email costs A$0.023"
    );
}

#[tokio::test]
async fn seo_signals_are_costed_as_two_requests() {
    let ledger = Arc::new(MemoryLedger::new());
    let sandbox: Arc<dyn SeoSignals> = Arc::new(
        sandbox::Sandbox::with_profile(1, sandbox::SandboxProfile::perfect()).acting_as(ProviderName::DataForSeo),
    );
    let metered = Metered::new(
        sandbox,
        Arc::new(CircuitBreaker::new(BreakerConfig::default())),
        ledger.clone(),
        Arc::new(UnitCosts::default()),
        LedgerScope {
            workspace: WorkspaceId(Uuid::new_v4()),
            campaign: None,
        },
    );
    metered.snapshot("www.koalabyte.com.au").await.unwrap();
    let rows: Vec<(String, CostAud, Option<String>)> = ledger
        .entries()
        .into_iter()
        .map(|(_, e)| (e.operation, e.cost, e.lead_ref))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "domain_rank_overview".into(),
                CostAud(100),
                Some("koalabyte.com.au".into())
            ),
            (
                "backlinks_summary".into(),
                CostAud(200),
                Some("koalabyte.com.au".into())
            ),
        ]
    );
}

#[tokio::test]
async fn async_enrichment_is_costed_on_its_final_poll_only() {
    let ledger = Arc::new(MemoryLedger::new());
    let sandbox: Arc<dyn AsyncEnrichment> = Arc::new(
        sandbox::Sandbox::with_profile(
            1,
            sandbox::SandboxProfile {
                pending_polls: 2,
                ..sandbox::SandboxProfile::perfect()
            },
        )
        .acting_as(ProviderName::BetterContact),
    );
    let metered = Metered::new(
        sandbox,
        Arc::new(CircuitBreaker::new(BreakerConfig::default())),
        ledger.clone(),
        Arc::new(UnitCosts::default()),
        LedgerScope {
            workspace: WorkspaceId(Uuid::new_v4()),
            campaign: None,
        },
    );
    enrich_and_wait(&metered, &q(), Duration::from_millis(1), Duration::from_secs(1))
        .await
        .unwrap();
    let ops: Vec<(String, CostAud)> = ledger
        .entries()
        .into_iter()
        .map(|(_, e)| (e.operation, e.cost))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("async_submit".into(), CostAud::ZERO),
            ("async_result".into(), CostAud(1100))
        ]
    );
}
