//! Instantly and Smartlead engagement and reply events through the real router: opens, clicks
//! and replies become the lead's activities and inbox replies once (a redelivery records
//! nothing), the reply body is read through the platform's API when the event names it by id,
//! and only the workspace the URL names is touched.

use crate::support::*;
use engine::Settings;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CAMPAIGN: &str = "019ffad2-9c4e-7be6-8364-ed444afb02d5";
const EMAIL_ID: &str = "019ffad2-eeee-7be6-8364-ed444afb02d5";

async fn post(url: &str, body: &Value) -> Value {
    let r = reqwest::Client::new().post(url).json(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

async fn app_with_platforms(pool: PgPool, server: &MockServer) -> TestApp {
    let mut settings = Settings::default();
    settings.providers.instantly_url = server.uri();
    settings.providers.smartlead_url = server.uri();
    settings.providers.retry = engine::providers::RetryPolicy::none();
    spawn_app_with(pool, settings).await
}

async fn connect(b: &Browser, ws: &str, provider: &str, key: &str) -> String {
    let r = b.call("set_provider_key", &[("workspace", ws), ("provider", provider), ("key", key)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["callback_url"].as_str().unwrap().to_string()
}

async fn lead(app: &TestApp, ws: &str, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("insert into leads (client_id, source, email, first_name, status) values ($1::uuid, 'csv', $2, 'Ana', 'contacted') returning id")
        .bind(ws)
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn kinds(app: &TestApp, lead: uuid::Uuid) -> Vec<String> {
    sqlx::query_scalar("select kind from activities where lead_id = $1 and kind in ('opened', 'clicked', 'replied') order by kind")
        .bind(lead)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn instantly(event_type: &str) -> Value {
    json!({ "timestamp": "2026-12-02T03:15:00.000Z", "event_type": event_type, "workspace": "w", "campaign_id": CAMPAIGN,
            "lead_email": "Ana@Client.example", "email_account": "sam@acme-mail.com", "step": 1, "email_id": EMAIL_ID })
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn instantly_opens_clicks_and_replies_become_the_leads_activities_once(pool: PgPool) {
    let server = MockServer::start().await;
    // The reply event carries only the email id: the body is read through Instantly's API.
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/emails/{EMAIL_ID}")))
        .and(header("authorization", "Bearer acme-instantly-key-1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": EMAIL_ID, "message_id": "<CAJ-reply@mail.gmail.com>", "subject": "Re: Quick question",
            "timestamp_email": "2026-12-02T03:14:00.000Z", "timestamp_created": "2026-12-02T03:14:30.000Z",
            "body": { "text": "Sounds good, can we talk on Thursday at 10?", "html": "<p>Sounds good</p>" },
            "lead": "ana@client.example", "eaccount": "sam@acme-mail.com", "organization_id": "org", "ue_type": 2
        })))
        .mount(&server)
        .await;
    let app = app_with_platforms(pool, &server).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let eve = app.user("Eve", "eve@example.com").await;
    let other = eve.workspace("Elsewhere").await;
    let url = connect(&ann, &acme, "instantly", "acme-instantly-key-1234").await;
    connect(&eve, &other, "instantly", "eve-instantly-key-9999").await;
    let ours = lead(&app, &acme, "ana@client.example").await;
    let theirs = lead(&app, &other, "ana@client.example").await;

    for kind in ["email_opened", "link_clicked"] {
        let first = post(&url, &instantly(kind)).await;
        assert_eq!(first, json!({ "handled": "engagement", "new": true }), "{kind}");
        let again = post(&url, &instantly(kind)).await;
        assert_eq!(again, json!({ "handled": "engagement", "new": false }), "{kind} replayed");
    }
    assert_eq!(kinds(&app, ours).await, vec!["clicked", "opened"]);

    let mut reply = instantly("reply_received");
    reply["reply_subject"] = json!("Re: Quick question");
    let first = post(&url, &reply).await;
    assert_eq!((first["handled"].clone(), first["new"].clone()), (json!("reply"), json!(true)));
    assert!(matches!(first["class"].as_str(), Some("meeting_request" | "interested")), "{first}");
    assert_eq!(post(&url, &reply).await["new"], false);
    let replies: Vec<(String, String, String, Option<uuid::Uuid>)> =
        sqlx::query_as("select source, body_text, from_address, lead_id from replies where client_id = $1::uuid").bind(&acme).fetch_all(&app.pool).await.unwrap();
    assert_eq!(replies, vec![("instantly".into(), "Sounds good, can we talk on Thursday at 10?".into(), "ana@client.example".into(), Some(ours))]);
    assert_eq!(kinds(&app, ours).await, vec!["clicked", "opened", "replied"]);

    // The same address in another workspace: nothing.
    assert!(kinds(&app, theirs).await.is_empty());
    let theirs_replies: i64 = sqlx::query_scalar("select count(*) from replies where client_id = $1::uuid").bind(&other).fetch_one(&app.pool).await.unwrap();
    assert_eq!(theirs_replies, 0);
    // An address that is no lead here is acknowledged and writes nothing.
    let mut stranger = instantly("email_opened");
    stranger["lead_email"] = json!("nobody@else.example");
    assert_eq!(post(&url, &stranger).await["handled"], "ignored");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn smartlead_opens_clicks_and_replies_become_the_leads_activities_once(pool: PgPool) {
    let server = MockServer::start().await;
    let app = app_with_platforms(pool, &server).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let url = connect(&ann, &acme, "smartlead", "acme-smartlead-key-1234").await;
    let ours = lead(&app, &acme, "bo@client.example").await;
    let base = |event: &str| json!({ "event_type": event, "campaign_id": 98765, "sl_lead_email": "bo@client.example", "sequence_number": 1,
                                     "event_timestamp": "2026-12-02T05:00:00.000Z", "secret_key": "x" });

    for event in ["EMAIL_OPEN", "EMAIL_LINK_CLICK"] {
        assert_eq!(post(&url, &base(event)).await["new"], true, "{event}");
        assert_eq!(post(&url, &base(event)).await["new"], false, "{event} replayed");
    }
    // The reply's text is in the event: no call to Smartlead needed.
    let mut reply = base("EMAIL_REPLY");
    reply["subject"] = json!("Re: Quick question");
    reply["reply_message"] = json!({ "message_id": "<reply-1@mail.example>", "html": "<div>Please remove me from your list.</div>", "time": "2026-12-02T04:59:00.000Z" });
    let first = post(&url, &reply).await;
    assert_eq!((first["handled"].clone(), first["new"].clone()), (json!("reply"), json!(true)));
    assert_eq!(post(&url, &reply).await["new"], false);
    let body: String = sqlx::query_scalar("select body_text from replies where source = 'smartlead'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(body, "Please remove me from your list.");
    assert_eq!(kinds(&app, ours).await, vec!["clicked", "opened", "replied"]);
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing fetched when the event carries the text");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn rotating_a_webhook_url_retires_the_old_token_at_once(pool: PgPool) {
    let server = MockServer::start().await;
    let app = app_with_platforms(pool, &server).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let old = connect(&ann, &acme, "instantly", "acme-instantly-key-1234").await;
    let event = json!({ "event_type": "campaign_completed", "campaign_id": CAMPAIGN });
    assert_eq!(reqwest::Client::new().post(&old).json(&event).send().await.unwrap().status(), StatusCode::OK);

    let r = ann.call("rotate_webhook_token", &[("workspace", &acme), ("provider", "instantly")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let new = r.body["callback_url"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_eq!(reqwest::Client::new().post(&old).json(&event).send().await.unwrap().status(), StatusCode::NOT_FOUND, "the old URL is dead");
    assert_eq!(reqwest::Client::new().post(&new).json(&event).send().await.unwrap().status(), StatusCode::OK);
    let audit: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'webhook_token.rotate'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(audit, 1);

    // Not for a provider without a key or without webhooks, nor for someone else's workspace.
    let r = ann.call("rotate_webhook_token", &[("workspace", &acme), ("provider", "smartlead")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ann.call("rotate_webhook_token", &[("workspace", &acme), ("provider", "apollo")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let eve = app.user("Eve", "eve@example.com").await;
    eve.workspace("Elsewhere").await;
    assert_eq!(eve.call("rotate_webhook_token", &[("workspace", &acme), ("provider", "instantly")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(reqwest::Client::new().post(&new).json(&event).send().await.unwrap().status(), StatusCode::OK, "still the same URL");
}
