//! Operator metrics (SPEC §13): `GET /metrics` in the Prometheus text format.
//!
//! Counters and histograms are kept by the `metrics` facade with the
//! `metrics-exporter-prometheus` recorder (installed once per process); gauges that describe the
//! database (outbox depth, age of the oldest due message) are read when scraped. The route is
//! closed unless `AGENCY_OS_METRICS_TOKEN` is set, and then wants `Authorization: Bearer
//! <token>`, compared in constant time: the figures describe every tenant's traffic.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The bearer token that opens `/metrics`; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct MetricsToken(String);

impl MetricsToken {
    /// At least 16 characters, so a guessable word is refused at start-up.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let t = raw.trim();
        if t.len() < 16 || t.chars().any(char::is_whitespace) {
            return Err("must be at least 16 characters without spaces");
        }
        Ok(MetricsToken(t.to_string()))
    }

    fn matches(&self, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken(****)")
    }
}

/// The process's recorder. Installed on first use; later calls (a second router in the same
/// test process) share it.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .expect("static buckets")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder already installed (a library's) leaves ours rendering nothing
            // rather than failing start-up.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Counts every request and times it, labelled by the route's pattern (never the raw path:
/// ids and tokens in paths would make one series per tenant and leak credentials).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| {
        // Leptos pages and server functions are matched inside the fallback; group them.
        let p = req.uri().path();
        if p.starts_with("/api/") { "/api/{server_fn}".into() } else if p.starts_with("/pkg/") { "/pkg/{asset}".into() } else { "other".into() }
    });
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    resp
}

#[derive(Clone)]
pub struct MetricsState {
    pub token: Option<Arc<MetricsToken>>,
    pub engine: engine::Engine,
    pub handle: PrometheusHandle,
}

/// `GET /metrics`
pub async fn scrape(State(s): State<MetricsState>, req: Request) -> Response {
    let Some(token) = &s.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let presented = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !presented.is_some_and(|p| token.matches(p)) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    installation_gauges(&s.engine).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], s.handle.render()).into_response()
}

/// Gauges read from the database at each scrape, so they hold for the whole installation
/// (every process's dispatch workers and job workers), not only this process: the outbox by
/// state, what is due and how old, the job queue, billed provider calls and spend, and the
/// mailboxes' poll health. A read that fails leaves its gauges as they were and is logged.
async fn installation_gauges(engine: &engine::Engine) {
    use engine::store::reports as r;
    let pool = engine.owner_pool();
    match r::outbox_depth(pool).await {
        Ok((due, oldest)) => {
            metrics::gauge!("outbox_due_messages").set(due as f64);
            metrics::gauge!("outbox_oldest_due_age_seconds").set(oldest);
        }
        Err(e) => tracing::warn!(error = ?e, "reading the outbox depth for /metrics"),
    }
    match r::outbox_by_state(pool).await {
        Ok(rows) => {
            for (state, channel, n) in rows {
                metrics::gauge!("outbox_messages", "state" => state, "channel" => channel).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = ?e, "reading the outbox by state for /metrics"),
    }
    match r::jobs_by_status(pool).await {
        Ok(rows) => {
            for (job, status, n) in rows {
                // "agency_os::EnrichBatch" → "EnrichBatch"
                let job = job.rsplit("::").next().unwrap_or(&job).to_string();
                metrics::gauge!("jobs", "job" => job, "status" => status.to_ascii_lowercase()).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = ?e, "reading the job queue for /metrics"),
    }
    match r::spend_by_provider(pool).await {
        Ok(rows) => {
            for (provider, calls, aud) in rows {
                metrics::gauge!("provider_billed_calls", "provider" => provider.clone()).set(calls as f64);
                metrics::gauge!("provider_spend_aud", "provider" => provider).set(aud);
            }
        }
        Err(e) => tracing::warn!(error = ?e, "reading the cost ledger for /metrics"),
    }
    match engine::store::alerts::open_by_level(pool).await {
        Ok(rows) => {
            for level in ["warning", "critical"] {
                let n = rows.iter().find(|(l, _)| l == level).map_or(0, |(_, n)| *n);
                metrics::gauge!("alerts_open", "level" => level).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = ?e, "reading open alerts for /metrics"),
    }
    match r::mailbox_poll_health(pool).await {
        Ok(rows) => {
            for (state, n) in rows {
                metrics::gauge!("mailboxes_by_poll_state", "state" => state).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = ?e, "reading mailbox polls for /metrics"),
    }
}
