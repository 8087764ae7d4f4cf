//! Outbound webhooks through the real router and server functions: the edge's 422 for a
//! private address and 403 for members and viewers; the secret returned once and never listed;
//! and, with the job worker `serve` runs, a recorded reply reaching the endpoint signed with
//! that secret.

use crate::support::*;
use chrono::Utc;
use domain::ids::WorkspaceId;
use domain::webhooks::WebhookSecret;
use engine::flows::replies::{self, IncomingReply};
use engine::Settings;
use reqwest::StatusCode;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const EVENTS: &str = "lead.replied,meeting.booked";

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_private_address_is_422_and_members_and_viewers_are_403(pool: PgPool) {
    let app = spawn_app_with(pool, Settings { net: engine::net::NetPolicy::new(false), ..Settings::default() }).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    for url in ["https://127.0.0.1:9/hook", "https://10.0.0.8/hook", "https://169.254.169.254/latest"] {
        let r = owner.call("create_webhook_endpoint", &[("workspace", &ws), ("url", url), ("events", EVENTS)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {:?}", r.body);
        assert_eq!(r.message(), "that address is on a private network");
    }
    let r = owner.call("create_webhook_endpoint", &[("workspace", &ws), ("url", "https://hooks.example.com/x"), ("events", "lead.nothing")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (role, email) in [("member", "mem@example.com"), ("viewer", "view@example.com")] {
        let token = owner.invite(&ws, email, role).await;
        let other = app.user(role, email).await;
        other.accept(&token).await;
        let r = other.call("create_webhook_endpoint", &[("workspace", &ws), ("url", "https://hooks.example.com/x"), ("events", EVENTS)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}: {:?}", r.body);
        assert_eq!(other.call("list_webhook_endpoints", &[("workspace", &ws)]).await.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(app.count("webhook_endpoints").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_owner_adds_an_endpoint_and_the_worker_delivers_a_recorded_reply_signed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let url = format!("{}/hook", server.uri());
    let r = owner.call("create_webhook_endpoint", &[("workspace", &ws), ("url", &url), ("events", EVENTS)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_string();
    let endpoint = r.body["endpoint"].as_str().unwrap().to_string();
    let list = owner.call("list_webhook_endpoints", &[("workspace", &ws)]).await;
    assert_eq!(list.body[0]["url"], url.as_str());
    assert!(!list.body.to_string().contains(&secret[6..]), "the secret is shown once only");

    let r = owner.call("send_webhook_test", &[("workspace", &ws), ("endpoint", &endpoint)]).await;
    assert_eq!((r.status, r.body["state"].as_str()), (StatusCode::OK, Some("Delivered")), "{:?}", r.body);

    let wsid = WorkspaceId(ws.parse().unwrap());
    sqlx::query("insert into leads (client_id, source, email, first_name, company, status) values ($1, 'csv', 'jo@client.example', 'Jo', 'Client', 'scored')")
        .bind(wsid.0)
        .execute(&app.pool)
        .await
        .unwrap();
    let reply = IncomingReply {
        source: "imap".into(),
        mailbox: None,
        message_id: "<m1@client.example>".into(),
        in_reply_to: None,
        references: vec![],
        from: "Jo <jo@client.example>".into(),
        subject: "Re: hello".into(),
        text: "Yes, I'm interested. Can we book a call?".into(),
        received_at: Utc::now(),
        raw_headers: vec![],
    };
    replies::record(&app.engine, wsid, reply).await.unwrap();
    let started = Instant::now();
    let got = loop {
        let got = server.received_requests().await.unwrap();
        if got.len() >= 2 {
            break got;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the worker did not deliver the reply");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let last = &got[1];
    let h = |n: &str| last.headers.get(n).unwrap().to_str().unwrap().to_string();
    WebhookSecret::parse(&secret)
        .unwrap()
        .verify(&h("webhook-id"), &h("webhook-timestamp"), &h("webhook-signature"), &last.body, Utc::now().timestamp())
        .expect("verifies with the secret shown at creation");
    let body: serde_json::Value = serde_json::from_slice(&last.body).unwrap();
    assert_eq!(body["type"], "lead.replied");
    assert_eq!(body["data"]["lead"]["email"], "jo@client.example");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "delivered once");
}
