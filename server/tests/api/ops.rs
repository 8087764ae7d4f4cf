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

/// The installation's gauges come from the database at each scrape (true across processes);
/// a dispatch round in this process moves the message counters, labelled by outcome and by the
/// check that held a message back.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn metrics_show_the_outbox_jobs_spend_and_dispatch_outcomes(pool: PgPool) {
    let app = spawn_app(pool).await;
    // A job of a type no worker here takes stays pending.
    sqlx::query("insert into apalis.jobs (job, id, job_type) values ('{}'::jsonb, 'metrics-test-job', 'agency_os::MetricsProbe')").execute(&app.pool).await.unwrap();
    // Three approved messages due now, and no mailbox to send them from.
    let seeded = server::bench_dispatch::seed(&app.engine, 3, true, &[]).await.unwrap();
    let ws = seeded.workspace.0;
    sqlx::query("insert into cost_ledger (client_id, provider, operation, units, cost_aud) values ($1, 'apollo', 'people_match', 1, 0.0300), ($1, 'apollo', 'people_match', 1, 0.0300), ($1, 'hunter', 'email_finder', 1, 0.0500)")
        .bind(ws)
        .execute(&app.pool)
        .await
        .unwrap();
    let dispatcher = engine::dispatch::Dispatcher {
        engine: app.engine.clone(),
        transport: server::sending::transport(&app.engine),
        unsubscribe: server::sending::unsubscribe_link(&app.engine),
        settings: engine::dispatch::DispatchSettings::default(),
        worker: "metrics-test".into(),
    };
    let round = dispatcher.round(chrono::Utc::now()).await.unwrap();
    assert_eq!(round.claimed, 3, "{round:?}");

    let (status, text) = scrape(&app, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let samples: Vec<_> = text.lines().filter_map(sample).collect();
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        samples.iter().find(|(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))).map(|(_, _, v)| *v)
    };
    // Every one of the three was held back (postponed: no mailbox), and counted with its reason.
    let postponed = value("messages_total", &[("outcome", "postponed")]).unwrap_or(0.0) + value("messages_total", &[("outcome", "cancelled")]).unwrap_or(0.0);
    assert!(postponed >= 3.0, "{text}");
    assert!(samples.iter().any(|(n, l, _)| n == "messages_refused_total" && l.contains_key("reason")), "{text}");
    // Installation gauges from the database.
    let pending = value("outbox_messages", &[("state", "pending"), ("channel", "email")]).unwrap_or(0.0);
    assert!(pending >= 3.0, "{text}");
    assert_eq!(value("provider_billed_calls", &[("provider", "apollo")]), Some(2.0), "{text}");
    assert_eq!(value("provider_spend_aud", &[("provider", "hunter")]), Some(0.05), "{text}");
    assert_eq!(value("jobs", &[("job", "MetricsProbe"), ("status", "pending")]), Some(1.0), "{text}");
    assert_eq!(value("messages_refused_total", &[("reason", "mailbox_cap"), ("outcome", "postponed")]).map(|v| v >= 3.0), Some(true), "{text}");
    assert!(text.contains("# TYPE messages_total counter"), "{text}");
    assert!(value("alerts_open", &[("level", "critical")]).is_some_and(|v| v >= 0.0), "{text}");
}

/// `/ready` says when stored secrets were sealed with a master key this process was not given,
/// counting them without naming the key.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn ready_reports_stored_secrets_no_configured_key_can_open(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.browser();
    let (_, body) = b.get("/ready").await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["secrets"], "ok", "{body}");

    let seeded = server::bench_dispatch::seed(&app.engine, 1, false, &[]).await.unwrap();
    sqlx::query("insert into provider_keys (client_id, provider, ciphertext, last4, created_by) values ($1, 'apollo', 'aos1.k-retired.AAAA', '1234', $2)")
        .bind(seeded.workspace.0)
        .bind(seeded.user.0)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, body) = b.get("/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["secrets"]["status"], "missing", "{body}");
    assert_eq!(v["secrets"]["unreadable"], 1, "{body}");
    assert!(!body.contains("k-retired"), "{body}");
}
