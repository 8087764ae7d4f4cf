//! The HTTP plumbing every real provider client shares: base URL, timeouts, and retries with
//! exponential backoff and full jitter that honour `Retry-After` within a total wait budget.
//!
//! Why a small helper and not `backon`: the decision to retry depends on our typed
//! [`ProviderError`] (which each provider derives from its own status codes and bodies, e.g.
//! DataForSEO's in-body `status_code`), the wait must come from `Retry-After` when the provider
//! sends one (seconds *or* an HTTP date), and the total time spent waiting is capped so a job
//! never sleeps past its lease. Expressed with backon that is an `adjust` closure, a `when`
//! closure and a hand-kept budget around its builder; forty lines here say it directly and
//! are tested below.
//!
//! Nothing here logs a URL or a header: Hunter puts its key in the query string.

use super::{ProviderError, ProviderName};
use crate::net::{self, NetPolicy, ReadError};
use rand::Rng;
use reqwest::header::HeaderMap;
use std::future::Future;
use std::time::{Duration, SystemTime};

/// How often and how long to retry transient failures (429, 5xx, timeouts, resets).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included. 1 means no retry.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles each time, capped at `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The most we will sleep across all retries of one call, Retry-After included. A provider
    /// asking for longer gets its error passed up, so the job can reschedule instead of block.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): a uniform wait in
    /// [0, min(cap, base·2^n)], which spreads retries of many workers better than equal jitter.
    fn backoff(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.min(16));
        let ceiling = exp.min(self.max_delay);
        if ceiling.is_zero() {
            return Duration::ZERO;
        }
        Duration::from_nanos(rng.gen_range(0..=ceiling.as_nanos() as u64))
    }
}

/// Per-client HTTP configuration.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Without a trailing slash, e.g. `https://api.apollo.io/api/v1`.
    pub base_url: String,
    /// Whole-request timeout (connect + send + read).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Set for a host a tenant named: every connection goes through the policy, no redirect
    /// is followed, answers are capped at its `max_body`, and failures carry no remote text.
    pub net: Option<NetPolicy>,
}

impl HttpSettings {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            net: None,
        }
    }
}

/// A finished exchange handed to a provider's classifier.
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The shared client core: one reqwest client (connection pool) per provider client.
#[derive(Debug, Clone)]
pub struct HttpCore {
    pub(crate) client: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) provider: ProviderName,
    pub(crate) net: Option<NetPolicy>,
}

/// The most read from an installation-configured provider's answer (Apollo pages are the
/// largest, well under this).
const MAX_REPLY_BYTES: usize = 16 * 1024 * 1024;

impl HttpCore {
    pub fn new(provider: ProviderName, settings: &HttpSettings) -> Result<Self, ProviderError> {
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("agency-os/", env!("CARGO_PKG_VERSION")));
        if let Some(policy) = &settings.net {
            builder = net::guard_http(builder, policy);
        }
        let client = builder
            .build()
            .map_err(|e| ProviderError::Transport(e.without_url().to_string()))?;
        Ok(Self {
            client,
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            retry: settings.retry.clone(),
            provider,
            net: settings.net.clone(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }

    /// Sends the request `build` makes (again on each attempt), hands every reply to
    /// `classify`, and retries while `classify` — or the transport — says the failure is
    /// transient.
    pub async fn send<T>(
        &self,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
        classify: impl Fn(Reply) -> Result<T, ProviderError>,
    ) -> Result<T, ProviderError> {
        let cap = self.net.as_ref().map_or(MAX_REPLY_BYTES, |p| p.max_body);
        let result = retry(&self.retry, self.provider, || async {
            let request = build(&self.client).build().map_err(transport_error)?;
            if let Some(policy) = &self.net {
                policy.check_url(request.url()).map_err(ProviderError::Blocked)?;
            }
            let resp = self.client.execute(request).await.map_err(transport_error)?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = match net::read_capped(resp, cap).await {
                Ok(b) => b,
                Err(ReadError::TooLarge(n)) => return Err(ProviderError::Malformed(format!("the answer is larger than {n} bytes"))),
                Err(ReadError::Http(e)) => return Err(transport_error(e)),
            };
            classify(Reply { status, headers, body })
        })
        .await;
        match &self.net {
            Some(_) => result.map_err(without_remote_text),
            None => result,
        }
    }
}

/// Runs `op` until it succeeds, fails for good, or the policy is spent.
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, provider: ProviderName, mut op: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut waited = Duration::ZERO;
    let mut attempt = 1;
    loop {
        let err = match op().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !err.is_retryable() || attempt >= policy.max_attempts {
            return Err(err);
        }
        let wait = err
            .retry_after()
            .unwrap_or_else(|| policy.backoff(attempt - 1, &mut rand::thread_rng()));
        if waited + wait > policy.max_total_wait {
            tracing::warn!(%provider, attempt, wait_ms = wait.as_millis() as u64, "retry budget spent");
            return Err(err);
        }
        tracing::info!(%provider, attempt, wait_ms = wait.as_millis() as u64, error = %err, "retrying provider call");
        tokio::time::sleep(wait).await;
        waited += wait;
        attempt += 1;
    }
}

/// A tenant-named host's failure in our words only: its answer's text (an error message, a
/// parse error quoting the body) is replaced by the class of failure.
fn without_remote_text(e: ProviderError) -> ProviderError {
    match e {
        ProviderError::BadRequest(_) | ProviderError::Malformed(_) => ProviderError::Malformed(net::NetError::Unexpected.to_string()),
        ProviderError::Transport(_) => ProviderError::Transport(net::NetError::Refused.to_string()),
        other => other,
    }
}

/// reqwest errors print their URL; `without_url` keeps query-string keys out of messages.
pub(crate) fn transport_error(e: reqwest::Error) -> ProviderError {
    if let Some(refusal) = net::refusal_in(&e) {
        return ProviderError::Blocked(refusal);
    }
    if e.is_timeout() {
        ProviderError::Timeout
    } else if e.is_decode() {
        ProviderError::Malformed(e.without_url().to_string())
    } else {
        ProviderError::Transport(e.without_url().to_string())
    }
}

/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the past
/// means "now".
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after_value(
        headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?,
        SystemTime::now(),
    )
}

pub fn parse_retry_after_value(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The statuses every provider treats the same way. Provider clients handle their own special
/// cases (Apollo's 422, Hunter's 202/451, DataForSEO's body codes) before falling back here.
pub fn common_status_error(status: u16, headers: &HeaderMap, message: impl FnOnce() -> String) -> ProviderError {
    match status {
        401 | 403 => ProviderError::Unauthorized,
        402 => ProviderError::InsufficientCredits,
        404 => ProviderError::NotFound,
        408 => ProviderError::Timeout,
        429 => ProviderError::RateLimited {
            retry_after: parse_retry_after(headers),
        },
        400 | 405..=428 | 430..=499 => ProviderError::BadRequest(message()),
        _ => ProviderError::Upstream { status },
    }
}

/// Deserialises a body, turning any mismatch into `Malformed` with serde's reason (which names
/// the field and position, never the payload itself: it may contain personal data).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::Malformed(e.to_string()))
}

/// A short, printable excerpt of an error body for `BadRequest` messages.
pub fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let s = s.trim();
    if s.len() > 200 {
        let mut end = 200;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:28:00 GMT").unwrap();
        assert_eq!(parse_retry_after_value("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after_value("Wed, 21 Oct 2026 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after_value("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after_value("soon", now), None);
    }

    #[test]
    fn full_jitter_stays_under_the_capped_exponential() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_total_wait: Duration::from_secs(60),
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for retry in 0..10 {
            let cap = Duration::from_millis(100 * (1 << retry)).min(Duration::from_millis(1000));
            assert!(p.backoff(retry, &mut rng) <= cap);
        }
    }

    #[tokio::test]
    async fn retry_stops_at_a_permanent_error() {
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry(&RetryPolicy::default(), ProviderName::Apollo, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::Unauthorized)
        })
        .await;
        assert_eq!(r, Err(ProviderError::Unauthorized));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retry_gives_up_when_retry_after_exceeds_the_budget() {
        let p = RetryPolicy {
            max_total_wait: Duration::from_secs(5),
            ..RetryPolicy::default()
        };
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry(&p, ProviderName::Apollo, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(3600)),
            })
        })
        .await;
        assert!(matches!(r, Err(ProviderError::RateLimited { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retry_recovers_from_transient_failures() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let calls = AtomicU32::new(0);
        let r = retry(&p, ProviderName::Apollo, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(ProviderError::Upstream { status: 502 })
            } else {
                Ok(42)
            }
        })
        .await;
        assert_eq!(r, Ok(42));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
