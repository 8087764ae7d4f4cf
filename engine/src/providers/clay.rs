//! Clay: asynchronous enrichment through a table — we POST a row to the table's webhook URL,
//! Clay runs its own waterfall, and an HTTP API column in the table POSTs the result to our
//! callback (`/webhooks/clay`) minutes later.
//!
//! The callback does not carry our lead id (seed 001, Phase 3 → 4K: that cost a guaranteed
//! three-minute timeout per lead until the pipeline correlated by LinkedIn URL instead). So the
//! row we send carries a **correlation key** — a hash of the person's identity, not their id —
//! in an `agency_os_ref` column, and the table's callback template should send it back. When a
//! table does not echo it, [`ClayCorrelator`] falls back to the hashed LinkedIn URL and then to
//! the hashed (email or name) + domain, as Phase 4K did.
//!
//! Webhook (Clay University, "Webhooks in Clay"): `POST` JSON to the table's URL, optionally
//! with the table's auth token in `x-clay-webhook-auth`; 2xx means the row was accepted. A
//! webhook accepts 50,000 submissions in its life; past that it must be replaced (our error:
//! `BadRequest`).

use super::http::{common_status_error, excerpt, HttpCore, HttpSettings, Reply};
use super::*;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The column our rows carry and the callback should echo.
pub const CORRELATION_FIELD: &str = "agency_os_ref";

// ---------------------------------------------------------------------------------------------
// Correlation (pure: no I/O, time passed in)
// ---------------------------------------------------------------------------------------------

fn h(parts: &[&str]) -> String {
    let mut d = Sha256::new();
    d.update(b"clay-v1");
    for p in parts {
        d.update([0]);
        d.update(p.trim().to_lowercase().as_bytes());
    }
    hex::encode(&d.finalize()[..16])
}

/// "http://www.linkedin.com/in/Jane-Doe/" and "https://linkedin.com/in/jane-doe" are one person.
fn normal_linkedin(url: &str) -> Option<String> {
    let u = url.trim().to_lowercase();
    let path = u.split("linkedin.com/").nth(1)?;
    let path = path.split(['?', '#']).next()?.trim_end_matches('/');
    (!path.is_empty()).then(|| path.to_string())
}

/// The keys a person can be recognised by, strongest first.
fn keys_for(
    linkedin: Option<&str>,
    email: Option<&str>,
    first: Option<&str>,
    last: Option<&str>,
    domain: Option<&str>,
) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(l) = linkedin.and_then(normal_linkedin) {
        keys.push(h(&["li", &l]));
    }
    let domain = domain.map(bare_domain).filter(|d| !d.is_empty());
    if let Some(e) = email.filter(|e| e.contains('@')) {
        keys.push(h(&["em", e]));
    }
    if let (Some(f), Some(l), Some(d)) = (first, last, domain.as_deref()) {
        keys.push(h(&["nd", f, l, d]));
    }
    keys
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingClay {
    pub correlation_key: String,
    pub lead_ref: Option<String>,
    pub submitted_at: DateTime<Utc>,
}

/// What a callback matched.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackMatch {
    pub correlation_key: String,
    pub lead_ref: Option<String>,
    pub outcome: AsyncOutcome,
}

/// Matches Clay callbacks to the rows we submitted. Pure state: the caller decides where it
/// lives (in-process via [`ClayInbox`]; Redis in a multi-process deployment) and passes time in.
#[derive(Debug, Default)]
pub struct ClayCorrelator {
    pending: HashMap<String, PendingClay>,
    /// Secondary identity hash → correlation key, for callbacks that lost our column.
    aliases: HashMap<String, String>,
    results: HashMap<String, AsyncOutcome>,
}

impl ClayCorrelator {
    pub fn new() -> Self {
        Self::default()
    }

    /// The correlation key of a person: a hash of their identity, so re-submitting the same
    /// person maps to the same pending entry instead of a second one.
    pub fn key_for(person: &PersonQuery) -> String {
        h(&["id", &person.identity()])
    }

    /// Remembers a submission; returns its correlation key.
    pub fn register(&mut self, person: &PersonQuery, now: DateTime<Utc>) -> String {
        let key = Self::key_for(person);
        for alias in person_aliases(person) {
            self.aliases.insert(alias, key.clone());
        }
        self.pending.insert(
            key.clone(),
            PendingClay {
                correlation_key: key.clone(),
                lead_ref: person.lead_ref.clone(),
                submitted_at: now,
            },
        );
        key
    }

    /// Finds the submission a callback answers: our echoed key first, then LinkedIn URL, email,
    /// name + domain. `None` for a callback we never asked for (or already answered).
    pub fn match_callback(&self, payload: &Value) -> Option<&PendingClay> {
        let (echoed, aliases) = callback_candidates(payload)?;
        if let Some(p) = echoed.and_then(|k| self.pending.get(&k)) {
            return Some(p);
        }
        aliases.into_iter().filter_map(|alias| self.aliases.get(&alias)).find_map(|key| self.pending.get(key))
    }

    /// Matches a callback, parses it, and stores the outcome for the next poll.
    pub fn accept_callback(&mut self, payload: &Value) -> Option<CallbackMatch> {
        let pending = self.match_callback(payload)?.clone();
        let outcome = parse_callback(payload);
        self.pending.remove(&pending.correlation_key);
        self.aliases.retain(|_, k| *k != pending.correlation_key);
        self.results.insert(pending.correlation_key.clone(), outcome.clone());
        Some(CallbackMatch {
            correlation_key: pending.correlation_key,
            lead_ref: pending.lead_ref,
            outcome,
        })
    }

    /// The outcome for a key: `Some(Pending)` while waiting, the result once (it is taken),
    /// `None` for a key we do not know.
    pub fn take(&mut self, key: &str) -> Option<AsyncOutcome> {
        if let Some(r) = self.results.remove(key) {
            return Some(r);
        }
        self.pending.contains_key(key).then_some(AsyncOutcome::Pending)
    }

    /// Gives up on submissions older than `ttl`: Clay dropped them. They read as `NoMatch`.
    pub fn expire(&mut self, now: DateTime<Utc>, ttl: chrono::Duration) -> usize {
        let old: Vec<String> = self
            .pending
            .values()
            .filter(|p| now - p.submitted_at > ttl)
            .map(|p| p.correlation_key.clone())
            .collect();
        for k in &old {
            self.pending.remove(k);
            self.aliases.retain(|_, v| v != k);
            self.results.insert(k.clone(), AsyncOutcome::NoMatch { units: None });
        }
        old.len()
    }

    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }
}

/// The alias keys a submitted person can be found by when a callback lost our column.
pub fn person_aliases(person: &PersonQuery) -> Vec<String> {
    keys_for(
        person.linkedin_url.as_deref(),
        person.email.as_deref(),
        person.first_name.as_deref(),
        person.last_name.as_deref(),
        person.domain.as_deref(),
    )
}

/// What a callback can be matched by: our echoed correlation key, if present, then its alias
/// keys strongest first (LinkedIn URL, email, name + domain). `None` when it is not an object.
pub fn callback_candidates(payload: &Value) -> Option<(Option<String>, Vec<String>)> {
    let obj = payload.as_object()?;
    let echoed = field(obj, &[CORRELATION_FIELD]);
    let aliases = keys_for(
        field(obj, &["linkedin_url", "linkedin", "person_linkedin_url", "linkedin_profile"]).as_deref(),
        field(obj, &["email", "work_email", "email_address"]).as_deref(),
        field(obj, &["first_name", "firstname"]).as_deref(),
        field(obj, &["last_name", "lastname"]).as_deref(),
        field(obj, &["company_domain", "domain", "website"]).as_deref(),
    );
    Some((echoed, aliases))
}

fn field(obj: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| match obj.get(*n)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(x) => Some(x.to_string()),
        _ => None,
    })
}

/// Timing columns a Clay table commonly carries (role start from a LinkedIn profile column,
/// hiring from job-openings columns, the last funding round, an intent count). A hiring flag may
/// be a boolean, "yes"/"no" text or an open-jobs count.
fn timing(obj: &Map<String, Value>) -> domain::score::Timing {
    let date = |names: &[&str]| field(obj, names).as_deref().and_then(provider_date);
    let hiring = ["is_hiring", "hiring", "company_hiring"]
        .iter()
        .find_map(|n| match obj.get(*n)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Some(true),
                "false" | "no" | "n" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        })
        .or_else(|| field(obj, &["open_jobs", "job_openings", "job_openings_count", "open_roles"]).and_then(|s| s.parse::<u32>().ok()).map(|n| n > 0));
    domain::score::Timing {
        role_started_on: date(&["role_start_date", "current_role_start_date", "job_start_date", "started_current_role"]),
        company_hiring: hiring,
        funded_on: date(&["last_funding_date", "latest_funding_round_date", "last_funding_round_date", "funding_date"]),
        intent_signals: field(obj, &["intent_signals", "intent_signal_count", "intent_topics"]).and_then(|s| s.parse::<u16>().ok()),
    }
}

/// Reads the enriched person out of a callback. The payload is whatever the table's HTTP API
/// column template sends, so common column names are all accepted.
pub fn parse_callback(payload: &Value) -> AsyncOutcome {
    let Some(obj) = payload.as_object() else {
        return AsyncOutcome::NoMatch { units: None };
    };
    let email = field(obj, &["email", "work_email", "email_address"]).filter(|e| e.contains('@'));
    let Some(email) = email else {
        return AsyncOutcome::NoMatch { units: None };
    };
    // Clay validates inside its waterfall but reports no score; a verdict column, when the
    // table has one, moves the confidence.
    let confidence = match field(obj, &["email_status", "email_validation", "verification_status"]).as_deref() {
        Some("valid") | Some("deliverable") | Some("verified") => 0.9,
        Some("catch_all") | Some("accept_all") | Some("risky") => 0.6,
        Some("invalid") | Some("undeliverable") => 0.0,
        _ => 0.75,
    };
    let person = EnrichedPerson {
        email: Some(email),
        first_name: field(obj, &["first_name", "firstname"]),
        last_name: field(obj, &["last_name", "lastname"]),
        title: field(obj, &["title", "job_title"]),
        company: field(obj, &["company", "company_name"]),
        company_domain: field(obj, &["company_domain", "domain"]).map(|d| bare_domain(&d)),
        linkedin_url: field(obj, &["linkedin_url", "linkedin", "person_linkedin_url"]),
        phone: field(obj, &["phone", "mobile_phone", "phone_number"]),
        location: field(obj, &["location"]),
        industry: field(obj, &["industry"]),
        employee_count: field(obj, &["employee_count", "employees"]).and_then(|s| s.parse().ok()),
        timing: timing(obj),
        confidence,
        source: ProviderName::Clay,
    };
    let units = obj.get("credits_used").and_then(Value::as_f64);
    AsyncOutcome::Done {
        person: Box::new(person),
        units,
    }
}

/// A shared in-process home for a [`ClayCorrelator`]: the client registers into it, the
/// callback handler feeds it, polls read it.
#[derive(Debug, Clone, Default)]
pub struct ClayInbox(Arc<Mutex<ClayCorrelator>>);

impl ClayInbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// For the `/webhooks/clay` handler: `None` means the callback matched nothing we sent.
    pub fn accept_callback(&self, payload: &Value) -> Option<CallbackMatch> {
        self.0.lock().expect("clay inbox").accept_callback(payload)
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut ClayCorrelator) -> R) -> R {
        f(&mut self.0.lock().expect("clay inbox"))
    }
}

/// Where a [`ClayClient`] keeps its pending submissions and reads callback results: in this
/// process ([`ClayInbox`]) or in Redis (`clay_inbox::RedisClayInbox`), which a callback
/// received by another process, or after a restart, still finds.
#[async_trait]
pub trait ClayStore: Send + Sync + fmt::Debug {
    /// Remembers a submission before its row is sent; returns the correlation key.
    async fn register(&self, person: &PersonQuery) -> Result<String, ProviderError>;
    /// Forgets a submission whose row could not be sent.
    async fn forget(&self, key: &str) -> Result<(), ProviderError>;
    /// `Some(Pending)` while waiting, the outcome once (it is taken), `None` for an unknown key.
    async fn take(&self, key: &str) -> Result<Option<AsyncOutcome>, ProviderError>;
    /// Whether an outcome for the key is waiting to be taken: a callback that came after the
    /// previous attempt stopped waiting. Then the next attempt reads it instead of paying for
    /// a second row.
    async fn has_result(&self, _key: &str) -> Result<bool, ProviderError> {
        Ok(false)
    }
}

#[async_trait]
impl ClayStore for ClayInbox {
    async fn register(&self, person: &PersonQuery) -> Result<String, ProviderError> {
        Ok(self.with(|c| c.register(person, Utc::now())))
    }

    async fn forget(&self, key: &str) -> Result<(), ProviderError> {
        self.with(|c| {
            c.pending.remove(key);
            c.aliases.retain(|_, v| v != key);
        });
        Ok(())
    }

    async fn take(&self, key: &str) -> Result<Option<AsyncOutcome>, ProviderError> {
        Ok(self.with(|c| c.take(key)))
    }
}

// ---------------------------------------------------------------------------------------------
// Client
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ClayClient {
    http: HttpCore,
    /// The table's webhook URL; it is itself a credential (anyone holding it can add rows).
    webhook_url: ApiKey,
    auth_token: Option<ApiKey>,
    inbox: Arc<dyn ClayStore>,
}

impl ClayClient {
    /// `settings.base_url` is unused for the webhook (the URL is per table) but its timeouts
    /// and retry policy apply.
    pub fn new(
        webhook_url: ApiKey,
        auth_token: Option<ApiKey>,
        inbox: impl ClayStore + 'static,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        Self::with_store(webhook_url, auth_token, Arc::new(inbox), settings)
    }

    pub fn with_store(
        webhook_url: ApiKey,
        auth_token: Option<ApiKey>,
        inbox: Arc<dyn ClayStore>,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::Clay, &settings)?,
            webhook_url,
            auth_token,
            inbox,
        })
    }

    /// Posts one row that names no person (only our correlation column, set to
    /// `connection-test`): proves the webhook URL and token are accepted, and gives the
    /// table's enrichment columns nothing to spend credits on.
    pub async fn check(&self) -> Result<(), ProviderError> {
        let row = json!({ CORRELATION_FIELD: "connection-test" });
        let url = self.webhook_url.expose().to_string();
        let build = |c: &reqwest::Client| {
            let r = c.post(&url).json(&row);
            match &self.auth_token {
                Some(t) => r.header("x-clay-webhook-auth", t.expose()),
                None => r,
            }
        };
        self.http.send(build, classify).await
    }
}

fn classify(r: Reply) -> Result<(), ProviderError> {
    match r.status {
        200..=299 => Ok(()),
        s => Err(common_status_error(s, &r.headers, || excerpt(&r.body))),
    }
}

#[async_trait]
impl AsyncEnrichment for ClayClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Clay
    }

    #[tracing::instrument(skip_all, fields(provider = "clay"))]
    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let key = ClayCorrelator::key_for(person);
        if self.inbox.has_result(&key).await? {
            return Ok(Submission { provider: ProviderName::Clay, request_id: key });
        }
        // Registered before sending: a fast callback must find its entry.
        let key = self.inbox.register(person).await?;
        let row = json!({
            CORRELATION_FIELD: key,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "company": person.company,
            "company_domain": person.domain.as_deref().map(bare_domain),
            "linkedin_url": person.linkedin_url,
        });
        let url = self.webhook_url.expose().to_string();
        let build = |c: &reqwest::Client| {
            let r = c.post(&url).json(&row);
            match &self.auth_token {
                Some(t) => r.header("x-clay-webhook-auth", t.expose()),
                None => r,
            }
        };
        if let Err(e) = self.http.send(build, classify).await {
            if let Err(forget) = self.inbox.forget(&key).await {
                tracing::warn!(error = %forget, "could not forget a Clay submission that failed");
            }
            return Err(e);
        }
        Ok(Submission {
            provider: ProviderName::Clay,
            request_id: key,
        })
    }

    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        self.inbox.take(&submission.request_id).await?.ok_or(ProviderError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jane() -> PersonQuery {
        PersonQuery {
            first_name: Some("Jane".into()),
            last_name: Some("Doe".into()),
            domain: Some("koalabyte.com.au".into()),
            linkedin_url: Some("https://www.linkedin.com/in/jane-doe-42/".into()),
            lead_ref: Some("lead-1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_callbacks_timing_columns_reach_the_person() {
        let done = |v: Value| match parse_callback(&v) {
            AsyncOutcome::Done { person, .. } => person.timing,
            other => panic!("{other:?}"),
        };
        let t = done(json!({ "email": "jane@koalabyte.com.au", "role_start_date": "2026-07", "is_hiring": "Yes",
                             "last_funding_date": "2026-02-11T00:00:00Z", "intent_signals": 3 }));
        assert_eq!(t.role_started_on, chrono::NaiveDate::from_ymd_opt(2026, 7, 1));
        assert_eq!(t.company_hiring, Some(true));
        assert_eq!(t.funded_on, chrono::NaiveDate::from_ymd_opt(2026, 2, 11));
        assert_eq!(t.intent_signals, Some(3));
        assert_eq!(done(json!({ "email": "j@k.com", "open_jobs": 0 })).company_hiring, Some(false));
        assert_eq!(done(json!({ "email": "j@k.com", "hiring": false, "open_jobs": 4 })).company_hiring, Some(false));
        assert!(done(json!({ "email": "j@k.com", "is_hiring": "maybe", "intent_signals": "many" })).is_empty());
    }

    #[test]
    fn a_callback_echoing_our_key_matches_its_submission() {
        let mut c = ClayCorrelator::new();
        let key = c.register(&jane(), Utc::now());
        let m = c
            .accept_callback(&json!({ CORRELATION_FIELD: key, "email": "jane@koalabyte.com.au" }))
            .unwrap();
        assert_eq!(m.lead_ref.as_deref(), Some("lead-1"));
        assert!(matches!(c.take(&key), Some(AsyncOutcome::Done { .. })));
        assert_eq!(c.take(&key), None);
    }

    #[test]
    fn a_callback_without_our_key_matches_by_linkedin_url() {
        let mut c = ClayCorrelator::new();
        let key = c.register(&jane(), Utc::now());
        let m = c
            .accept_callback(
                &json!({ "linkedin_url": "http://linkedin.com/in/Jane-Doe-42", "email": "jane@koalabyte.com.au" }),
            )
            .unwrap();
        assert_eq!(m.correlation_key, key);
    }

    #[test]
    fn a_callback_without_key_or_linkedin_matches_by_name_and_domain() {
        let mut c = ClayCorrelator::new();
        let key = c.register(&jane(), Utc::now());
        let m = c
            .accept_callback(&json!({ "first_name": "JANE", "last_name": "doe", "domain": "https://koalabyte.com.au", "email": "j@koalabyte.com.au" }))
            .unwrap();
        assert_eq!(m.correlation_key, key);
    }

    #[test]
    fn a_callback_for_someone_we_never_sent_matches_nothing() {
        let mut c = ClayCorrelator::new();
        c.register(&jane(), Utc::now());
        assert!(c
            .accept_callback(&json!({ "linkedin_url": "https://linkedin.com/in/someone-else", "email": "x@y.com" }))
            .is_none());
        assert_eq!(c.pending_count(), 1);
    }

    #[test]
    fn a_callback_without_an_email_is_a_miss() {
        let mut c = ClayCorrelator::new();
        let key = c.register(&jane(), Utc::now());
        let m = c.accept_callback(&json!({ CORRELATION_FIELD: key })).unwrap();
        assert_eq!(m.outcome, AsyncOutcome::NoMatch { units: None });
    }

    #[test]
    fn submissions_clay_never_answers_expire_as_misses() {
        let mut c = ClayCorrelator::new();
        let t0 = Utc::now();
        let key = c.register(&jane(), t0);
        assert_eq!(
            c.expire(t0 + chrono::Duration::minutes(5), chrono::Duration::minutes(10)),
            0
        );
        assert_eq!(
            c.expire(t0 + chrono::Duration::minutes(11), chrono::Duration::minutes(10)),
            1
        );
        assert_eq!(c.take(&key), Some(AsyncOutcome::NoMatch { units: None }));
    }
}
