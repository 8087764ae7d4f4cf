use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn health_is_live_and_ready_checks_database_and_redis(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.browser();
    let (status, body) = b.get("/health").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"ok\""));
    let (status, body) = b.get("/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["database"], "ok");
    assert_eq!(v["redis"], "ok");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn ready_reports_unavailable_when_the_database_is_gone(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.pool.close().await;
    let (status, body) = app.browser().get("/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("\"database\":\"unavailable\""), "{body}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_response_carries_a_request_id(pool: PgPool) {
    let app = spawn_app(pool).await;
    let resp = reqwest::get(format!("{}/health", app.base)).await.unwrap();
    let id = resp.headers().get("x-request-id").expect("request id").to_str().unwrap();
    assert_eq!(id.len(), 36);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn pages_render_on_the_server_and_send_visitors_to_log_in(pool: PgPool) {
    let app = spawn_app(pool).await;
    let anon = app.browser();
    let (status, html) = anon.get("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Log in to your agency"));
    let (status, html) = anon.get("/signup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Create your account"));
    let (status, _) = anon.get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    for section in ["", "/onboarding", "/campaigns", "/leads", "/approvals", "/inbox", "/reports", "/settings"] {
        let (status, html) = b.get(&format!("/w/{ws}{section}")).await;
        assert_eq!(status, StatusCode::OK, "{section}");
        assert!(html.contains("Acme"), "{section}");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_demo_seed_is_idempotent(pool: PgPool) {
    let app = spawn_app(pool).await;
    let first = engine::flows::demo::seed(&app.engine).await.unwrap();
    let second = engine::flows::demo::seed(&app.engine).await.unwrap();
    assert!(first.created);
    assert!(!second.created);
    assert_eq!(first.workspace, second.workspace);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("workspaces").await, 1);
    let b = app.browser();
    let r = b.call("login", &[("email", engine::flows::demo::DEMO_EMAIL), ("password", engine::flows::demo::DEMO_PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// One sample line of the Prometheus text format: `name{a="x",b="y"} value`.
fn sample(line: &str) -> Option<(String, std::collections::BTreeMap<String, String>, f64)> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let (series, value) = line.rsplit_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let (name, labels) = match series.split_once('{') {
        None => (series.to_string(), Default::default()),
        Some((name, rest)) => {
            let body = rest.strip_suffix('}')?;
            let labels = body
                .split("\",")
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once("=\"").expect("label");
                    (k.to_string(), v.trim_end_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels)
        }
    };
    Some((name, labels, value))
}

async fn scrape(app: &TestApp, token: Option<&str>) -> (StatusCode, String) {
    let mut req = app.browser().http.get(format!("{}/metrics", app.base));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

fn health_requests(text: &str) -> f64 {
    text.lines()
        .filter_map(sample)
        .filter(|(n, l, _)| n == "http_requests_total" && l.get("route").map(String::as_str) == Some("/health") && l.get("status").map(String::as_str) == Some("200"))
        .map(|(_, _, v)| v)
        .sum()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn metrics_are_prometheus_text_behind_a_bearer_token_and_counters_move(pool: PgPool) {
    let app = spawn_app(pool).await;
    assert_eq!(scrape(&app, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(scrape(&app, Some("wrong-token-0123456789")).await.0, StatusCode::UNAUTHORIZED);
    let b = app.browser();
    b.get("/health").await;
    let (status, before) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let first = health_requests(&before);
    assert!(first >= 1.0, "{before}");
    for _ in 0..3 {
        b.get("/health").await;
    }
    let (_, after) = scrape(&app, Some(METRICS_TOKEN)).await;
    // other tests in this process may hit /health too: at least our three more
    assert!(health_requests(&after) >= first + 3.0, "{after}");
    // every line parses, and the histogram and the outbox gauges are there with their labels
    for line in after.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        assert!(sample(line).is_some(), "unparsable line {line:?}");
    }
    let samples: Vec<_> = after.lines().filter_map(sample).collect();
    assert!(samples.iter().any(|(n, l, _)| n == "http_request_duration_seconds_bucket" && l.get("route").map(String::as_str) == Some("/health") && l.contains_key("le")));
    assert!(samples.iter().any(|(n, _, v)| n == "outbox_due_messages" && *v >= 0.0));
    assert!(after.contains("# TYPE http_requests_total counter"), "{after}");
    // a tenant's id in a path never becomes a label: routes are patterns
    assert!(!samples.iter().any(|(_, l, _)| l.get("route").is_some_and(|r| r.contains("-4"))));
}
