#![recursion_limit = "256"]
//! Wiring only: configuration, the router and its middleware, the worker, the CLI.

pub mod bench;
pub mod bench_dispatch;
pub mod bench_intake;
pub mod bench_reports;
pub mod cli;
pub mod config;
pub mod csrf;
pub mod exports;
pub mod suppression;
pub mod mail_tools;
pub mod metrics;
pub mod rest;
pub mod security_headers;
pub mod sending;
pub mod telemetry;
pub mod unsubscribe;
pub mod uploads;
pub mod webhooks;

use app::{shell, App};
use axum::extract::{ConnectInfo, FromRef, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde_json::json;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

pub const SESSION_COOKIE: &str = "aos_session";
/// Largest request body we accept; uploads that need more get their own route and limit.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Seed of the sandbox that plays every provider until keys are configured (SPEC §16).
pub const SANDBOX_SEED: u64 = 2026;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub engine: Engine,
    pub leptos_options: LeptosOptions,
}

/// What the router needs beyond the state.
pub struct RouterSettings {
    pub public_url: String,
    pub secure_cookies: bool,
    /// Reverse proxies in front of us that each append to X-Forwarded-For; 0 trusts none (the
    /// client is the socket's peer).
    pub trusted_proxies: usize,
    pub session_days: i64,
    /// Opens `GET /metrics` (Bearer token); `None` keeps the route closed (404).
    pub metrics_token: Option<metrics::MetricsToken>,
}

pub async fn session_store(pool: &sqlx::PgPool) -> anyhow::Result<PostgresStore> {
    let store = PostgresStore::new(pool.clone());
    store.migrate().await?;
    Ok(store)
}

pub fn router(state: AppState, store: PostgresStore, settings: &RouterSettings) -> Router {
    let routes = generate_route_list(App);
    let ctx_engine = state.engine.clone();
    // The people search behind "Find leads from ICP", one per process so its breaker is shared.
    let discoverer = std::sync::Arc::new(engine::flows::discover::Discoverer {
        costs: std::sync::Arc::new(state.engine.settings.unit_costs.clone()),
        ..engine::flows::discover::Discoverer::sandbox(SANDBOX_SEED)
    });
    let options = state.leptos_options.clone();
    let fallback_ctx = {
        // Unknown and near-miss addresses render the app's own 404 page, which needs what
        // every page has.
        let (engine, discoverer) = (state.engine.clone(), discoverer.clone());
        move || {
            provide_context(engine.clone());
            provide_context(discoverer.clone());
            security_headers::provide_page_policy();
        }
    };
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(settings.session_days)));
    let csrf_policy = csrf::CsrfPolicy { public_origin: settings.public_url.clone(), session_cookie: SESSION_COOKIE };
    let trusted_proxies = settings.trusted_proxies;
    let hsts = settings.public_url.starts_with("https://");
    let request_id = HeaderName::from_static("x-request-id");

    // Uploads get their own, larger body limit; everything else is held to MAX_BODY_BYTES.
    let uploads = Router::new()
        .route("/w/{ws}/leads/import", post(uploads::upload))
        .route("/w/{ws}/leads/import/preview", post(uploads::preview))
        .route("/w/{ws}/settings/suppression/import", post(suppression::import))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(uploads::MAX_UPLOAD_BYTES + 64 * 1024));
    // Provider callbacks: small bodies, authenticated by their own path token.
    let webhooks = Router::new()
        .route("/webhooks/clay/{ws}/{token}", post(webhooks::clay))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(webhooks::MAX_CALLBACK_BYTES));
    let sender_webhooks = Router::new()
        .route("/webhooks/instantly/{ws}/{token}", post(webhooks::instantly))
        .route("/webhooks/smartlead/{ws}/{token}", post(webhooks::smartlead))
        .route("/webhooks/calcom/{ws}", post(webhooks::calcom))
        .route("/webhooks/calendly/{ws}", post(webhooks::calendly))
        .route("/webhooks/stripe", post(webhooks::stripe))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(webhooks::MAX_EVENT_BYTES));
    let pages = Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/w/{ws}/imports/{import}/errors.csv", get(uploads::error_report))
        .route("/w/{ws}/reports/export/{table}", get(exports::report_table))
        .route("/w/{ws}/leads/export", get(exports::leads))
        .route("/w/{ws}/campaigns/{id}/messages.csv", get(exports::campaign_messages))
        .route("/w/{ws}/settings/suppression/export.csv", get(suppression::export))
        // Public: the signed token in the path is the authorisation (no login, no session).
        .route("/u/{token}", get(unsubscribe::confirm_page).post(unsubscribe::unsubscribe))
        .route("/w/{ws}/leads/import/{upload}", get(uploads::staged_preview).post(uploads::import_staged))
        .nest("/api/v1", rest::routes())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(ctx_engine.clone());
                provide_context(discoverer.clone());
                security_headers::provide_page_policy();
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(fallback_ctx, shell))
        .layer(middleware::from_fn(server_fn_status))
        .layer(middleware::from_fn(canonical_path))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY_BYTES));

    let operator = Router::new().route("/metrics", get(metrics::scrape)).with_state(metrics::MetricsState {
        token: settings.metrics_token.clone().map(std::sync::Arc::new),
        engine: state.engine.clone(),
        handle: metrics::handle(),
    });
    pages
        .merge(uploads)
        .merge(webhooks)
        .merge(sender_webhooks)
        .layer(middleware::from_fn(metrics::track))
        .merge(operator)
        .with_state(state)
        .layer(sessions)
        .layer(middleware::from_fn_with_state(csrf_policy, csrf::protect))
        .layer(middleware::from_fn(move |req, next| client_ip(trusted_proxies, req, next)))
        .layer(middleware::from_fn(move |req, next| security_headers::add(hsts, req, next)))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                // Tokens in paths are credentials: never logged.
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %telemetry::redact_path(req.uri().path()))
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Records the client's IP for the engine (throttling). Behind `trusted` proxies, each of which
/// appends the address it was reached from to X-Forwarded-For, the client is the right-most
/// entry no trusted proxy wrote: the `trusted`-th from the right. Entries to its left are
/// whatever the client sent and are ignored. Anything that is not an IP address is ignored too,
/// so no raw header text reaches a Redis key.
async fn client_ip(trusted: usize, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded: Vec<&str> = req.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let ip = client_ip_of(trusted, &forwarded.join(","), peer);
    req.extensions_mut().insert(app::ClientIp(ip));
    next.run(req).await
}

pub fn client_ip_of(trusted: usize, forwarded: &str, peer: Option<std::net::IpAddr>) -> String {
    let hops: Vec<&str> = forwarded.split(',').map(str::trim).filter(|h| !h.is_empty()).collect();
    let from_proxy = match trusted {
        0 => None,
        n => hops.get(hops.len().saturating_sub(n)).and_then(|h| h.parse::<std::net::IpAddr>().ok()),
    };
    from_proxy.or(peer).map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
}

/// Server functions that fail before their body runs (malformed arguments) answer 500 with an
/// Pages have one address each: `/w/x/leads/` answers a permanent redirect to `/w/x/leads`
/// (query kept) rather than a second, broken rendering of the page. The target always stays on
/// this site: leading slashes and backslashes collapse to one, so `//evil.example/` cannot
/// become a protocol-relative link to another host.
async fn canonical_path(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') && matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD) {
        let trimmed = format!("/{}", path.trim_start_matches(['/', '\\']).trim_end_matches('/'));
        let target = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed,
        };
        return axum::response::Redirect::permanent(&target).into_response();
    }
    next.run(req).await
}

/// `AppError` body that names the right status; this puts that status on the response, so
/// every server-function error reaches HTTP through the status its `AppError` carries.
async fn server_fn_status(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response(),
    };
    if let Ok(err) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        if let Ok(code) = StatusCode::from_u16(err.status) {
            parts.status = code;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database and Redis both answer.
async fn ready(State(engine): State<Engine>) -> impl IntoResponse {
    let db = sqlx::query_scalar::<_, i32>("select 1").fetch_one(engine.owner_pool()).await.is_ok();
    let redis = engine.redis.ping().await.is_ok();
    let status = if db && redis { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    // Stored secrets sealed with a master key this process was not given (an old key dropped
    // from AGENCY_OS_PREVIOUS_SECRET_KEYS before `agency-os rotate-secrets` re-sealed them):
    // the integrations, mailboxes and webhooks using them cannot work. Counted, never named —
    // a key id is not for an unauthenticated caller.
    let unreadable: Option<i64> = match db {
        true => engine::store::reports::sealed_by_key(engine.owner_pool())
            .await
            .ok()
            .map(|rows| rows.iter().filter(|(id, _)| !engine.settings.secrets.knows(id)).map(|(_, n)| n).sum()),
        false => None,
    };
    let secrets = match unreadable {
        Some(0) => json!("ok"),
        Some(n) => json!({ "status": "missing", "unreadable": n, "fix": "configure the master key they were sealed with (AGENCY_OS_PREVIOUS_SECRET_KEYS), then run agency-os rotate-secrets" }),
        None => json!("unknown"),
    };
    (status, Json(json!({ "status": word(db && redis), "database": word(db), "redis": word(redis), "secrets": secrets })))
}

#[cfg(test)]
mod tests {
    use super::client_ip_of;

    #[test]
    fn the_client_is_the_rightmost_entry_no_trusted_proxy_wrote() {
        let peer = Some("10.0.0.2".parse().unwrap());
        // One proxy: it appended the client's address last; what the client sent is ignored.
        assert_eq!(client_ip_of(1, "6.6.6.6, 203.0.113.7", peer), "203.0.113.7");
        assert_eq!(client_ip_of(1, "203.0.113.7", peer), "203.0.113.7");
        // Two proxies (CDN, then load balancer): the CDN's entry is the client.
        assert_eq!(client_ip_of(2, "6.6.6.6, 203.0.113.7, 198.51.100.1", peer), "203.0.113.7");
        // Fewer entries than proxies: the left-most, which no client could have added.
        assert_eq!(client_ip_of(3, "203.0.113.7", peer), "203.0.113.7");
        // No header, trust off, or garbage: the socket's peer.
        assert_eq!(client_ip_of(1, "", peer), "10.0.0.2");
        assert_eq!(client_ip_of(0, "203.0.113.7", peer), "10.0.0.2");
        assert_eq!(client_ip_of(1, "6.6.6.6, not-an-ip", peer), "10.0.0.2");
        assert_eq!(client_ip_of(1, &"x".repeat(100_000), None), "unknown");
        assert_eq!(client_ip_of(1, "2001:db8::1", peer), "2001:db8::1");
    }
}
