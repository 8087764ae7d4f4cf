//! Shared setup: a workspace, leads made in SQL, an engine on the local Redis with a namespace of
//! its own, and provider fakes that count their calls.

use async_trait::async_trait;
use domain::ids::WorkspaceId;
use engine::cache::Redis;
use engine::flows::enrich::{Enricher, Providers};
use engine::providers::sandbox::{Sandbox, SandboxProfile};
use engine::providers::{
    AsyncEnrichment, AsyncOutcome, EnrichedPerson, Enrichment, PersonQuery, ProviderError, ProviderName, Submission,
};
use engine::{Engine, Settings};
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

pub async fn engine(pool: &PgPool) -> Engine {
    let redis = Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", Uuid::new_v4()))
        .await
        .expect("the local Redis at 127.0.0.1:6379");
    // The tests' providers and mail servers listen on 127.0.0.1 (AGENCY_OS_FETCH_ALLOW_PRIVATE=true).
    let settings = Settings { net: engine::net::NetPolicy::new(true), ..Settings::default() };
    Engine::new(pool.clone(), redis, settings)
}

/// Another engine on the same database and the same Redis namespace (a second process).
pub fn same_cache(engine: &Engine) -> Engine {
    engine.clone()
}

pub async fn workspace(pool: &PgPool, name: &str) -> WorkspaceId {
    let user: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id")
        .bind(format!("{}-{}@example.com", name.to_lowercase().replace(' ', "-"), Uuid::new_v4()))
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    let ws: Uuid = sqlx::query_scalar("insert into workspaces (name, created_by) values ($1, $2) returning id")
        .bind(name)
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap();
    WorkspaceId(ws)
}

/// `n` new leads with email, names, company and domain; returns their ids in insertion order.
pub async fn add_leads(pool: &PgPool, ws: WorkspaceId, prefix: &str, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id: Uuid = sqlx::query_scalar(
            "insert into leads (client_id, source, email, first_name, last_name, company, company_domain)
             values ($1, 'csv', $2, $3, 'Nguyen', 'Harbour Freight', 'harbourfreight.com.au') returning id",
        )
        .bind(ws.0)
        .bind(format!("{prefix}{i}@harbourfreight.com.au"))
        .bind(format!("Ann{i}"))
        .fetch_one(pool)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

pub async fn scalar_i64(pool: &PgPool, sql: &str, ws: WorkspaceId) -> i64 {
    sqlx::query_scalar(sql).bind(ws.0).fetch_one(pool).await.unwrap()
}

pub async fn credits(pool: &PgPool, ws: WorkspaceId) -> i64 {
    scalar_i64(pool, "select credits_remaining::int8 from workspaces where id = $1", ws).await
}

pub async fn ledger_rows(pool: &PgPool, ws: WorkspaceId) -> i64 {
    scalar_i64(pool, "select count(*) from cost_ledger where client_id = $1", ws).await
}

pub async fn log_rows(pool: &PgPool, ws: WorkspaceId) -> i64 {
    scalar_i64(pool, "select count(*) from enrichment_log where client_id = $1", ws).await
}

pub async fn leads_with_status(pool: &PgPool, ws: WorkspaceId, status: &str) -> i64 {
    sqlx::query_scalar("select count(*) from leads where client_id = $1 and status = $2")
        .bind(ws.0)
        .bind(status)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A person as a provider would return for the query, with the given confidence.
pub fn person_for(q: &PersonQuery, source: ProviderName, confidence: f32) -> EnrichedPerson {
    EnrichedPerson {
        email: q.email.clone().or_else(|| Some("someone@harbourfreight.com.au".into())),
        first_name: q.first_name.clone(),
        last_name: q.last_name.clone(),
        title: Some("Operations Manager".into()),
        company: q.company.clone(),
        company_domain: q.domain.clone(),
        linkedin_url: None,
        phone: Some("+61 2 9000 0000".into()),
        location: Some("Sydney, Australia".into()),
        industry: Some("Logistics".into()),
        employee_count: Some(42),
        timing: Default::default(),
        confidence,
        source,
    }
}

/// The order providers were called in, shared by all fakes of a test.
pub type CallLog = Arc<Mutex<Vec<ProviderName>>>;

#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Answer with the query's person at this confidence.
    Match(f32),
    /// Answer without a last name (so the result is not acceptable).
    MatchWithoutLastName,
    NoMatch,
    /// Fail with a 503 while `down` is set, else match at 0.9.
    FlakyWhileDown,
}

/// A provider fake for both sync and async capabilities; counts calls (async: submits).
pub struct Fake {
    pub name: ProviderName,
    pub behaviour: Behaviour,
    pub calls: AtomicUsize,
    pub down: AtomicBool,
    pub log: CallLog,
    submitted: Mutex<Vec<(String, PersonQuery)>>,
}

impl Fake {
    pub fn new(name: ProviderName, behaviour: Behaviour, log: &CallLog) -> Arc<Self> {
        Arc::new(Self {
            name,
            behaviour,
            calls: AtomicUsize::new(0),
            down: AtomicBool::new(false),
            log: log.clone(),
            submitted: Mutex::new(Vec::new()),
        })
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn answer(&self, q: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.log.lock().unwrap().push(self.name);
        match self.behaviour {
            Behaviour::Match(c) => Ok(person_for(q, self.name, c)),
            Behaviour::MatchWithoutLastName => Ok(EnrichedPerson { last_name: None, ..person_for(q, self.name, 0.95) }),
            Behaviour::NoMatch => Err(ProviderError::NoMatch),
            Behaviour::FlakyWhileDown if self.down.load(Ordering::SeqCst) => Err(ProviderError::Upstream { status: 503 }),
            Behaviour::FlakyWhileDown => Ok(person_for(q, self.name, 0.9)),
        }
    }
}

#[async_trait]
impl Enrichment for Fake {
    fn provider(&self) -> ProviderName {
        self.name
    }
    async fn enrich(&self, person: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        self.answer(person)
    }
}

#[async_trait]
impl AsyncEnrichment for Fake {
    fn provider(&self) -> ProviderName {
        self.name
    }
    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let mut s = self.submitted.lock().unwrap();
        let request_id = format!("req-{}", s.len());
        s.push((request_id.clone(), person.clone()));
        Ok(Submission { provider: self.name, request_id })
    }
    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        let q = {
            let s = self.submitted.lock().unwrap();
            s.iter().find(|(id, _)| *id == submission.request_id).map(|(_, q)| q.clone()).ok_or(ProviderError::NotFound)?
        };
        Ok(match self.answer(&q) {
            Ok(p) => AsyncOutcome::Done { person: Box::new(p), units: Some(1.0) },
            Err(ProviderError::NoMatch) => AsyncOutcome::NoMatch { units: Some(0.0) },
            Err(e) => return Err(e),
        })
    }
}

/// Four fakes, one per waterfall step.
pub struct Fakes {
    pub apollo: Arc<Fake>,
    pub hunter: Arc<Fake>,
    pub bettercontact: Arc<Fake>,
    pub clay: Arc<Fake>,
    pub log: CallLog,
}

impl Fakes {
    pub fn new(apollo: Behaviour, hunter: Behaviour, bettercontact: Behaviour, clay: Behaviour) -> Self {
        let log: CallLog = Arc::default();
        Self {
            apollo: Fake::new(ProviderName::Apollo, apollo, &log),
            hunter: Fake::new(ProviderName::Hunter, hunter, &log),
            bettercontact: Fake::new(ProviderName::BetterContact, bettercontact, &log),
            clay: Fake::new(ProviderName::Clay, clay, &log),
            log,
        }
    }

    pub fn enricher(&self) -> Enricher {
        let mut e = Enricher::new(Providers {
            search: Arc::new(Sandbox::new(7).acting_as(ProviderName::Apollo)),
            apollo: self.apollo.clone(),
            hunter: self.hunter.clone(),
            bettercontact: self.bettercontact.clone(),
            clay: self.clay.clone(),
            seo: Arc::new(Sandbox::with_profile(7, SandboxProfile::perfect()).acting_as(ProviderName::DataForSeo)),
        });
        e.settings.async_poll_interval = Duration::from_millis(1);
        e
    }

    pub fn total_calls(&self) -> usize {
        self.apollo.calls() + self.hunter.calls() + self.bettercontact.calls() + self.clay.calls()
    }
}

/// The sandbox as every provider, fast polls.
pub fn sandbox_enricher(seed: u64) -> Enricher {
    let mut e = Enricher::sandbox(seed);
    e.settings.async_poll_interval = Duration::from_millis(1);
    e
}
