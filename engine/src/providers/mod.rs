//! Third-party data providers, one trait per capability (SPEC §16).
//!
//! This module owns the *shape* of every provider call: the capability traits, the request and
//! result types, and the one typed error ([`ProviderError`]). Each capability has a deterministic
//! offline [`sandbox`] implementation (the product default) and real reqwest clients
//! ([`apollo`], [`hunter`], [`dataforseo`], [`bettercontact`], [`clay`]; the external email
//! senders [`instantly`] and [`smartlead`] behind [`sender::ExternalSender`]; the language models
//! in [`llm`]) whose base URL is configuration, so tests point them at a local wiremock server.
//!
//! Cross-cutting concerns live beside them: [`http`] (timeouts, retries with backoff and jitter,
//! Retry-After), [`breaker`] (per-provider circuit breaker) and [`metered`] (the decorator that
//! puts a provider behind its breaker and writes every call to the cost ledger).
//!
//! What this module must not do: decide *which* provider to call (that is the enrichment
//! waterfall in `flows`), cache results (that is `cache`), or touch leads.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

pub mod apollo;
pub mod bettercontact;
pub mod breaker;
pub mod clay;
pub mod clay_inbox;
pub mod dataforseo;
pub mod http;
pub mod hunter;
pub mod instantly;
pub mod llm;
pub mod metered;
pub mod sandbox;
pub mod sender;
pub mod smartlead;
pub mod stripe;

pub mod twilio;
pub mod dncr;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker, Clock, ManualClock, SystemClock};
pub use http::{HttpSettings, RetryPolicy};

/// Which provider answered. Stored with every enrichment (the lead's `enrichment_source`) and
/// every ledger row, so the string forms are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderName {
    Sandbox,
    Apollo,
    Hunter,
    DataForSeo,
    BetterContact,
    Clay,
    Instantly,
    Smartlead,
    Anthropic,
    /// Any endpoint speaking OpenAI's chat-completions API (OpenAI itself, Azure, a local server).
    #[serde(rename = "openai_compatible")]
    OpenAiCompatible,
    /// Billing (Checkout, Customer Portal, invoices); never metered in the cost ledger.
    Stripe,

    /// SMS (Messages API).
    Twilio,
}

impl ProviderName {
    pub fn as_str(&self) -> &'static str {
        match self {
            ProviderName::Sandbox => "sandbox",
            ProviderName::Apollo => "apollo",
            ProviderName::Hunter => "hunter",
            ProviderName::DataForSeo => "dataforseo",
            ProviderName::BetterContact => "bettercontact",
            ProviderName::Clay => "clay",
            ProviderName::Instantly => "instantly",
            ProviderName::Smartlead => "smartlead",
            ProviderName::Anthropic => "anthropic",
            ProviderName::OpenAiCompatible => "openai_compatible",
            ProviderName::Stripe => "stripe",

            ProviderName::Twilio => "twilio",
        }
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider credential. Its `Debug` and `Display` print `****` so a key can never reach a log
/// line or an error message by accident; [`ApiKey::expose`] is the one door out, used only
/// where the request is built.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(****)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// Everything that can go wrong in a provider call, typed so the waterfall can branch: skip to
/// the next provider on `NoMatch`, back off on `RateLimited`, stop on `Unauthorized`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    #[error("the provider rejected our credentials")]
    Unauthorized,
    #[error("rate limited by the provider")]
    RateLimited { retry_after: Option<Duration> },
    #[error("the provider has no such resource")]
    NotFound,
    #[error("the provider found no match")]
    NoMatch,
    #[error("the provider rejected the request: {0}")]
    BadRequest(String),
    #[error("the provider failed with HTTP {status}")]
    Upstream { status: u16 },
    #[error("the provider did not answer in time")]
    Timeout,
    /// Connection refused, reset, DNS… Never carries a URL (a query-string key would leak).
    #[error("could not reach the provider: {0}")]
    Transport(String),
    #[error("the provider answered something we cannot read: {0}")]
    Malformed(String),
    #[error("the provider is switched off for a while after repeated failures")]
    CircuitOpen,
    #[error("our account with the provider is out of credits")]
    InsufficientCredits,
    /// The outbound-connection policy refused the address (`crate::net`); nothing was sent.
    #[error("{0}")]
    Blocked(crate::net::NetError),
}

impl ProviderError {
    /// Worth trying the same call again later: the failure is about the moment, not the request.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Upstream { .. }
                | ProviderError::Timeout
                | ProviderError::Transport(_)
        )
    }

    /// Counts against the provider's circuit breaker. A miss or a bad request says nothing
    /// about the provider's health; a dead key or an empty account will fail every call, so
    /// those open the circuit too and stop us hammering it.
    pub fn trips_breaker(&self) -> bool {
        self.is_retryable() || matches!(self, ProviderError::Unauthorized | ProviderError::InsufficientCredits)
    }

    /// The wait the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lead search
// ---------------------------------------------------------------------------------------------

/// ICP filters for a people search (Apollo People API Search semantics: values within one
/// filter are OR-ed, filters are AND-ed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeopleSearchQuery {
    pub titles: Vec<String>,
    /// Apollo seniorities: owner, founder, c_suite, partner, vp, head, director, manager, …
    pub seniorities: Vec<String>,
    pub person_locations: Vec<String>,
    pub organization_locations: Vec<String>,
    pub organization_domains: Vec<String>,
    /// Inclusive head-count ranges, e.g. `(11, 50)`.
    pub employee_ranges: Vec<(u32, u32)>,
    pub keywords: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
}

/// One person found by a search. Searches are free and reveal no contact details, so the
/// surname may be obfuscated ("Hu***n") and there is never an email: enrichment comes next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prospect {
    /// The provider's own id, passed back to enrichment to match exactly.
    pub provider_id: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub last_name_obfuscated: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub has_email: bool,
    pub source: ProviderName,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub total_entries: u64,
    pub page: u32,
    pub people: Vec<Prospect>,
}

#[async_trait]
pub trait LeadSearch: Send + Sync {
    fn provider(&self) -> ProviderName;
    async fn search_people(&self, query: &PeopleSearchQuery) -> Result<SearchPage, ProviderError>;
}

// ---------------------------------------------------------------------------------------------
// Enrichment
// ---------------------------------------------------------------------------------------------

/// What we know about a person before enrichment. Providers use whichever fields they accept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonQuery {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub domain: Option<String>,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    /// A provider id from a previous search (Apollo person id).
    pub provider_id: Option<String>,
    /// Our reference for the lead (its id or canonical email), carried into the cost ledger.
    pub lead_ref: Option<String>,
}

impl PersonQuery {
    /// A stable text form of the identifying fields, for sandbox seeding and correlation keys.
    pub fn identity(&self) -> String {
        let norm = |s: &Option<String>| s.as_deref().unwrap_or("").trim().to_lowercase();
        format!(
            "{}|{}|{}|{}|{}|{}",
            norm(&self.first_name),
            norm(&self.last_name),
            norm(&self.domain),
            norm(&self.company),
            norm(&self.email),
            norm(&self.linkedin_url)
        )
    }
}

/// The normalised result of any enrichment provider. `confidence` is 0.0–1.0 and comparable
/// across providers; the waterfall accepts only results with email, names, company and
/// confidence ≥ 0.70 (SPEC §5), so everything else is optional here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichedPerson {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub linkedin_url: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<u32>,
    /// Role start, hiring, funding and intent, as far as the provider reports them.
    #[serde(default)]
    pub timing: domain::score::Timing,
    pub confidence: f32,
    pub source: ProviderName,
}

/// Synchronous enrichment: one call, one answer (Apollo People Match, Hunter Email Finder).
/// `Err(NoMatch)` when the provider knows nobody fitting the query.
#[async_trait]
pub trait Enrichment: Send + Sync {
    fn provider(&self) -> ProviderName;
    async fn enrich(&self, person: &PersonQuery) -> Result<EnrichedPerson, ProviderError>;
}

/// A submitted asynchronous enrichment, kept by the caller (in a job's state) until it is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub provider: ProviderName,
    /// The provider's request id (BetterContact) or our correlation key (Clay).
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AsyncOutcome {
    /// Still running: poll again later.
    Pending,
    /// Finished. `units` is what the provider says it charged (credits), when it says.
    Done {
        person: Box<EnrichedPerson>,
        units: Option<f64>,
    },
    /// Finished without a usable result.
    NoMatch { units: Option<f64> },
}

/// Asynchronous enrichment: submit now, poll later (BetterContact) or receive a callback that a
/// poll reads (Clay). Split in two so a durable job can store the [`Submission`] between steps.
#[async_trait]
pub trait AsyncEnrichment: Send + Sync {
    fn provider(&self) -> ProviderName;
    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError>;
    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError>;
}

/// Submits and polls until the outcome is final or `max_wait` has passed (then `Timeout`).
/// For callers that can afford to wait in-process (the CLI, tests); jobs poll step by step.
pub async fn enrich_and_wait(
    provider: &dyn AsyncEnrichment,
    person: &PersonQuery,
    interval: Duration,
    max_wait: Duration,
) -> Result<EnrichedPerson, ProviderError> {
    let submission = provider.submit(person).await?;
    let started = tokio::time::Instant::now();
    loop {
        match provider.poll(&submission).await? {
            AsyncOutcome::Done { person, .. } => return Ok(*person),
            AsyncOutcome::NoMatch { .. } => return Err(ProviderError::NoMatch),
            AsyncOutcome::Pending => {}
        }
        if started.elapsed() + interval > max_wait {
            return Err(ProviderError::Timeout);
        }
        if interval.is_zero() {
            // No wait between polls (a benchmark of the sandbox, whose pending answer is
            // simulated): still give the other leads a turn.
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(interval).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Email verification
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    Valid,
    Invalid,
    AcceptAll,
    Webmail,
    Disposable,
    Unknown,
}

impl VerificationStatus {
    /// Hunter's vocabulary, which the sandbox shares.
    pub fn parse(s: &str) -> Self {
        match s {
            "valid" => Self::Valid,
            "invalid" => Self::Invalid,
            "accept_all" => Self::AcceptAll,
            "webmail" => Self::Webmail,
            "disposable" => Self::Disposable,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub email: String,
    pub status: VerificationStatus,
    /// 0–100 deliverability score, when the provider gives one.
    pub score: Option<u8>,
    pub source: ProviderName,
}

#[async_trait]
pub trait EmailVerifier: Send + Sync {
    fn provider(&self) -> ProviderName;
    async fn verify(&self, email: &str) -> Result<Verification, ProviderError>;
}

// ---------------------------------------------------------------------------------------------
// SEO signals
// ---------------------------------------------------------------------------------------------

/// Organic search footprint of a domain (DataForSEO Labs domain rank overview).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainRank {
    /// Estimated monthly organic traffic (ETV).
    pub organic_etv: f64,
    /// Keywords the domain ranks for (top 100).
    pub organic_keywords: u64,
    /// Keywords in positions 1–10.
    pub keywords_top10: u64,
}

/// Backlink profile of a domain (DataForSEO Backlinks summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacklinkSummary {
    /// DataForSEO rank, 0–1000.
    pub rank: u32,
    pub backlinks: u64,
    pub referring_domains: u64,
    /// 0–100; high means the links look bought.
    pub spam_score: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeoSnapshot {
    pub domain: String,
    pub rank: DomainRank,
    pub backlinks: BacklinkSummary,
    pub source: ProviderName,
}

/// Two methods, not one, because they are two billed requests: the ledger decorator costs
/// each. `snapshot` combines them.
#[async_trait]
pub trait SeoSignals: Send + Sync {
    fn provider(&self) -> ProviderName;
    async fn domain_rank(&self, domain: &str) -> Result<DomainRank, ProviderError>;
    async fn backlinks(&self, domain: &str) -> Result<BacklinkSummary, ProviderError>;

    async fn snapshot(&self, domain: &str) -> Result<SeoSnapshot, ProviderError> {
        let rank = self.domain_rank(domain).await?;
        let backlinks = self.backlinks(domain).await?;
        Ok(SeoSnapshot {
            domain: domain.to_string(),
            rank,
            backlinks,
            source: self.provider(),
        })
    }
}

/// A date as providers write it: `2023-08-01`, `2023-08-01T00:00:00.000+00:00` (Apollo) or a
/// month alone, `2023-08` (LinkedIn-style role starts, read as the month's first day). Anything
/// else is unknown rather than a guess.
pub fn provider_date(input: &str) -> Option<chrono::NaiveDate> {
    let s = input.trim();
    let day = s.get(..10).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let plausible = |d: chrono::NaiveDate| (1900..=2200).contains(&chrono::Datelike::year(&d));
    match day {
        Some(d) if s.len() == 10 || s[10..].starts_with(['T', ' ']) => Some(d).filter(|d| plausible(*d)),
        Some(_) => None,
        None if s.len() == 7 => chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok().filter(|d| plausible(*d)),
        None => None,
    }
}

/// Trims, lower-cases and strips scheme, `www.` and path: the form every provider wants.
pub fn bare_domain(input: &str) -> String {
    let s = input.trim().to_lowercase();
    let s = s.split("://").last().unwrap_or(&s).to_string();
    let s = s.split(['/', '?', '#']).next().unwrap_or("").to_string();
    s.strip_prefix("www.").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_never_prints() {
        let k = ApiKey::new("sk_live_123");
        assert_eq!(format!("{k:?}"), "ApiKey(****)");
        assert_eq!(format!("{k}"), "****");
    }

    #[test]
    fn provider_dates_are_read_in_the_forms_providers_write_them() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(provider_date("2023-08-01T00:00:00.000+00:00"), d(2023, 8, 1));
        assert_eq!(provider_date(" 2016-01-01 "), d(2016, 1, 1));
        assert_eq!(provider_date("2024-03"), d(2024, 3, 1));
        assert_eq!(provider_date("2024-03-01 10:00:00"), d(2024, 3, 1));
        for junk in ["", "yesterday", "2024-13-01", "2024-02-30", "0001-01-01", "2024-03-01junk", "03/01/2024", "2024"] {
            assert_eq!(provider_date(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn bare_domain_strips_scheme_www_and_path() {
        assert_eq!(bare_domain(" https://WWW.Canva.com/about "), "canva.com");
        assert_eq!(bare_domain("atlassian.com"), "atlassian.com");
    }

    #[test]
    fn only_transient_errors_are_retryable() {
        assert!(ProviderError::Timeout.is_retryable());
        assert!(ProviderError::Upstream { status: 503 }.is_retryable());
        assert!(!ProviderError::NoMatch.is_retryable());
        assert!(!ProviderError::Unauthorized.is_retryable());
        assert!(ProviderError::Unauthorized.trips_breaker());
        assert!(!ProviderError::BadRequest("x".into()).trips_breaker());
    }
}
