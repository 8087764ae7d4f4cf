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
