//! Sending accounts on Instantly and Smartlead through the server functions and their webhook
//! routes: the webhook URL is shown once the key is stored, carries a token that authenticates
//! one workspace and one provider only, bad tokens are 404 and write nothing, bad bodies are 400,
//! and every authentic event is acknowledged (the platforms retry anything else).

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

const CAMPAIGN: &str = "019ffad2-9c4e-7be6-8364-ed444afb02d5";

async fn post(url: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    reqwest::Client::new().post(url).header("content-type", "application/json").body(body).send().await.unwrap()
}

/// Stores the workspace's key for `provider` and returns the webhook URL Settings shows.
async fn connect(app: &TestApp, b: &Browser, ws: &str, provider: &str) -> String {
    let r = b.call("set_provider_key", &[("workspace", ws), ("provider", provider), ("key", "sender-key-0000-1234")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let url = r.body["callback_url"].as_str().expect("a sender shows its webhook URL").to_string();
    assert!(url.starts_with(&format!("{}/webhooks/{provider}/{ws}/", app.base)), "{url}");
    let token = url.rsplit('/').next().unwrap();
    assert_eq!(token.len(), 64, "256 random bits, hex");
    let stored: Vec<String> = sqlx::query_scalar("select coalesce(callback_token, '') from provider_keys").fetch_all(&app.pool).await.unwrap();
    assert!(!stored.iter().any(|t| t.contains(token)), "the token is stored sealed");
    url
}

fn unsubscribe(email: &str) -> String {
    json!({ "event_type": "lead_unsubscribed", "timestamp": "2026-12-01T00:00:00Z", "campaign_id": CAMPAIGN, "lead_email": email }).to_string()
}

async fn suppressed(app: &TestApp, ws: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("select address, reason, source from suppressions where client_id = $1::uuid order by address").bind(ws).fetch_all(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_external_sending_account_is_added_with_its_campaign_and_shows_the_webhook_url(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let form = |kind: &'static str, campaign: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("workspace", ws.clone()),
            ("kind", kind.into()),
            ("address", "sam@northwind.com.au".into()),
            ("display_name", "Sam".into()),
            ("provider_campaign", campaign.into()),
            ("daily_cap", "40".into()),
            ("ramp_start", "5".into()),
            ("ramp_step", "3".into()),
        ]
    };
    let call = |f: Vec<(&'static str, String)>| {
        let owner = &owner;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            owner.call("add_mailbox", &pairs).await
        }
    };
    // Before the key: no webhook URL yet, and the form says why.
    let r = owner.call("sender_webhook_url", &[("workspace", &ws), ("kind", "instantly")]).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, Value::Null));

    let r = call(form("instantly", "12345")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(r.message().contains("not a valid Instantly campaign id"), "{}", r.message());
    let r = call(form("smartlead", "")).await;
    assert!(r.message().contains("Smartlead campaign id is missing"), "{}", r.message());
    assert_eq!(app.count("mailboxes").await, 0, "bad input changes nothing");

    let url = connect(&app, &owner, &ws, "instantly").await;
    let r = owner.call("sender_webhook_url", &[("workspace", &ws), ("kind", "instantly")]).await;
    assert_eq!(r.body, Value::String(url.clone()));
    // Another workspace's owner cannot read it, nor add a mailbox here.
    let eve = app.user("Eve", "eve@example.com").await;
    eve.workspace("Elsewhere").await;
    assert_eq!(eve.call("sender_webhook_url", &[("workspace", &ws), ("kind", "instantly")]).await.status, StatusCode::NOT_FOUND);
    let r = call(form("instantly", CAMPAIGN)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["kind"], "instantly");
    assert_eq!(r.body["provider_campaign"], CAMPAIGN);
    assert_eq!(r.body["webhook_url"], url.as_str());
    assert_eq!(r.body["limits"]["daily_cap"], 40);

    // A native mailbox keeps its IMAP settings now.
    let r = owner
        .call(
            "add_mailbox",
            &[
                ("workspace", &ws), ("kind", "smtp"), ("address", "jo@northwind.com.au"), ("display_name", "Jo"),
                ("smtp_host", "smtp.northwind.com.au"), ("smtp_port", "587"), ("smtp_security", "starttls"),
                ("smtp_username", "jo@northwind.com.au"), ("smtp_password", "app-pw"),
                ("imap_host", "imap.northwind.com.au"), ("imap_port", ""), ("imap_security", "tls"),
                ("daily_cap", "30"), ("ramp_start", "5"), ("ramp_step", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!((r.body["imap_host"].clone(), r.body["imap_port"].clone(), r.body["imap_security"].clone()), (json!("imap.northwind.com.au"), json!(993), json!("tls")));
    assert_eq!(r.body["webhook_url"], Value::Null);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn sender_webhooks_authenticate_one_workspace_and_provider_and_acknowledge_every_event(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let eve = app.user("Eve", "eve@example.com").await;
    let other = eve.workspace("Elsewhere").await;
    let acme_url = connect(&app, &ann, &acme, "instantly").await;
    let other_url = connect(&app, &eve, &other, "instantly").await;
    let smartlead_url = connect(&app, &ann, &acme, "smartlead").await;
    let (acme_token, other_token) = (acme_url.rsplit('/').next().unwrap(), other_url.rsplit('/').next().unwrap());
    let body = unsubscribe("Ann.Lead@Client.com.au");

    // Wrong token, another workspace's token, this token on another workspace or provider, a
    // provider without webhooks, no workspace at all: 404, nothing written.
    for url in [
        format!("{}/webhooks/instantly/{acme}/{}", app.base, "0".repeat(64)),
        format!("{}/webhooks/instantly/{acme}/{other_token}", app.base),
        format!("{}/webhooks/instantly/{other}/{acme_token}", app.base),
        format!("{}/webhooks/smartlead/{acme}/{acme_token}", app.base),
        format!("{}/webhooks/instantly/{}/{acme_token}", app.base, uuid::Uuid::new_v4()),
        format!("{}/webhooks/instantly/not-a-uuid/{acme_token}", app.base),
    ] {
        assert_eq!(post(&url, body.clone()).await.status(), StatusCode::NOT_FOUND, "{url}");
    }
    assert_eq!(app.count("suppressions").await, 0);

    // Not an event: 400, nothing written.
    assert_eq!(post(&acme_url, "{not json").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(post(&acme_url, json!({ "lead_email": "x@y.com" }).to_string()).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(post(&smartlead_url, "[]").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.count("suppressions").await, 0);

    // Events we do not act on are still acknowledged, so the platform stops retrying.
    for name in ["campaign_completed", "email_opened", "reply_received", "something_new"] {
        let r = post(&acme_url, json!({ "event_type": name, "lead_email": "ann.lead@client.com.au" }).to_string()).await;
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert_eq!(r.json::<Value>().await.unwrap()["handled"], "ignored");
    }
    // A bounce for a message we never sent through Instantly: acknowledged, nothing written.
    let r = post(&acme_url, json!({ "event_type": "email_bounced", "lead_email": "ann.lead@client.com.au", "campaign_id": CAMPAIGN }).to_string()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(app.count("suppressions").await, 0);

    // An unsubscribe suppresses the address in the URL's workspace only, once.
    let r = post(&acme_url, body.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "handled": "unsubscribed", "new": true, "lead_moved": false }));
    let r = post(&acme_url, body.clone()).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "handled": "unsubscribed", "new": false, "lead_moved": false }));
    assert_eq!(suppressed(&app, &acme).await, vec![("ann.lead@client.com.au".into(), "unsubscribed".into(), "webhook".into())]);
    assert!(suppressed(&app, &other).await.is_empty());

    // Smartlead's own shape on its own URL.
    let r = post(&smartlead_url, json!({ "event_type": "LEAD_UNSUBSCRIBED", "to_email": "bo@client.com.au", "campaign_id": 98765 }).to_string()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(suppressed(&app, &acme).await.len(), 2);

    // Removing the key retires the URL.
    ann.call("remove_provider_key", &[("workspace", &acme), ("provider", "instantly")]).await;
    assert_eq!(post(&acme_url, unsubscribe("cy@client.com.au")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(suppressed(&app, &acme).await.len(), 2);
}
