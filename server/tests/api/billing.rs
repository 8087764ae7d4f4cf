//! Billing through the real router: Stripe's webhook (signature, each event once, status and
//! tier), the just-in-time stop of a past-due workspace, Checkout and the Customer Portal against
//! a local server speaking Stripe's API, and the Billing page's data and roles.

use crate::support::*;
use domain::ids::{UserId, WorkspaceId};
use domain::plans::Tier;
use engine::providers::stripe::StripeConfig;
use engine::providers::ApiKey;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use wiremock::matchers::{body_string_contains, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_test_secret";

fn stripe_settings(base_url: &str) -> engine::Settings {
    engine::Settings {
        net: engine::net::NetPolicy::new(true),
        stripe: Some(StripeConfig {
            secret_key: ApiKey::new("sk_test_51abc"),
            webhook_secret: ApiKey::new(SECRET),
            base_url: base_url.to_string(),
            prices: vec![(Tier::Velocity, "price_velocity".into())],
            founding_prices: true,
        }),
        ..engine::Settings::default()
    }
}

/// A Stripe event envelope as the reference describes it.
fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    serde_json::to_string_pretty(&json!({
        "id": id, "object": "event", "api_version": "2026-06-24.dahlia", "created": created, "type": kind,
        "livemode": false, "pending_webhooks": 1, "request": { "id": null, "idempotency_key": null },
        "data": { "object": object }
    }))
    .unwrap()
}

async fn deliver(app: &TestApp, body: &str, signature: Option<String>) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}/webhooks/stripe", app.base))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        req = req.header("stripe-signature", s);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn signed(app: &TestApp, body: &str) -> (StatusCode, Value) {
    deliver(app, body, Some(domain::billing::sign(SECRET, chrono::Utc::now().timestamp(), body.as_bytes()))).await
}

async fn billing_state(app: &TestApp, ws: &str) -> (String, String, i32) {
    sqlx::query_as("select plan, subscription_status, credits_remaining from workspaces where id = $1::uuid")
        .bind(ws)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn checkout_completed(id: &str, ws: &str, created: i64) -> String {
    event(
        id,
        "checkout.session.completed",
        created,
        json!({ "id": "cs_test_1", "object": "checkout.session", "mode": "subscription", "status": "complete", "payment_status": "paid",
                "client_reference_id": ws, "customer": "cus_QXg1o8vcGmoR32", "subscription": "sub_1", "metadata": { "workspace_id": ws, "tier": "dominance" } }),
    )
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn stripe_events_move_plan_and_status_once_and_a_replayed_or_mis_signed_event_changes_nothing(pool: PgPool) {
    let app = spawn_app_with(pool, stripe_settings("http://127.0.0.1:9")).await;
    let owner = app.user("Olive", "olive@agency.example").await;
    let ws = owner.workspace("Acme").await;
    let now = chrono::Utc::now().timestamp();
    assert_eq!(billing_state(&app, &ws).await, ("ignition".into(), "trialing".into(), 1250));

    let body = checkout_completed("evt_checkout", &ws, now - 60);
    let (status, answer) = signed(&app, &body).await;
    assert_eq!((status, answer["outcome"].as_str()), (StatusCode::OK, Some("applied")), "{answer}");
    assert_eq!(
        billing_state(&app, &ws).await,
        ("dominance".into(), "active".into(), 4500),
        "the upgrade adds the pools' difference"
    );
    let audits = || async { app.count("audit_log where action = 'billing.stripe_event'").await };
    assert_eq!(audits().await, 1);

    // The same event again (Stripe retries, or someone replays it): nothing happens twice.
    sqlx::query("update workspaces set credits_remaining = 10 where id = $1::uuid")
        .bind(&ws)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, answer) = signed(&app, &body).await;
    assert_eq!((status, answer["outcome"].as_str()), (StatusCode::OK, Some("replayed")));
    assert_eq!(billing_state(&app, &ws).await, ("dominance".into(), "active".into(), 10));
    assert_eq!(audits().await, 1);

    // Mis-signed in every way: 401, nothing written, not even the event id.
    let due = event(
        "evt_due",
        "customer.subscription.updated",
        now,
        json!({ "id": "sub_1", "customer": "cus_QXg1o8vcGmoR32", "status": "past_due" }),
    );
    let wrong_secret = domain::billing::sign("whsec_someone_else", now, due.as_bytes());
    let stripped_prefix = domain::billing::sign("test_secret", now, due.as_bytes());
    let other_body = domain::billing::sign(SECRET, now, body.as_bytes());
    let stale = domain::billing::sign(SECRET, now - 400, due.as_bytes());
    let v0_only = domain::billing::sign(SECRET, now, due.as_bytes()).replace("v1=", "v0=");
    for sig in [
        Some(wrong_secret),
        Some(stripped_prefix),
        Some(other_body),
        Some(stale),
        Some(v0_only),
        Some("t=abc,v1=00".into()),
        None,
    ] {
        let (status, _) = deliver(&app, &due, sig.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{sig:?}");
    }
    let tampered = due.replace("past_due", "canceled");
    assert_eq!(
        deliver(&app, &tampered, Some(domain::billing::sign(SECRET, now, due.as_bytes()))).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(billing_state(&app, &ws).await.1, "active");
    assert_eq!(
        app.count("stripe_events where id = 'evt_due'").await,
        0,
        "a refused event is not recorded, so its real delivery still counts"
    );

    // Several v1 signatures while the secret is rolled: one matching is enough.
    let good = domain::billing::sign(SECRET, now, due.as_bytes());
    let rolled = format!("t={now},v1={},{}", "0".repeat(64), good.split_once(',').unwrap().1);
    assert_eq!(deliver(&app, &due, Some(rolled)).await.1["outcome"], "applied");
    assert_eq!(billing_state(&app, &ws).await.1, "past_due");

    // The portal switched the price: the tier follows the configured price id.
    let velocity = event(
        "evt_velocity",
        "customer.subscription.updated",
        now + 1,
        json!({ "id": "sub_1", "customer": "cus_QXg1o8vcGmoR32", "status": "active", "items": { "data": [{ "price": { "id": "price_velocity" } }] }, "metadata": { "tier": "dominance" } }),
    );
    assert_eq!(signed(&app, &velocity).await.1["outcome"], "applied");
    assert_eq!(billing_state(&app, &ws).await.0, "velocity");
    // An older event arriving late does not undo a newer one.
    let late = event(
        "evt_late",
        "invoice.payment_failed",
        now - 30,
        json!({ "id": "in_0", "customer": "cus_QXg1o8vcGmoR32" }),
    );
    assert_eq!(signed(&app, &late).await.1["outcome"], "stale");
    assert_eq!(billing_state(&app, &ws).await.1, "active");
    let deleted = event(
        "evt_deleted",
        "customer.subscription.deleted",
        now + 2,
        json!({ "id": "sub_1", "customer": "cus_QXg1o8vcGmoR32", "status": "canceled" }),
    );
    assert_eq!(signed(&app, &deleted).await.1["outcome"], "applied");
    assert_eq!(billing_state(&app, &ws).await.1, "cancelled");
    let stranger = event("evt_stranger", "invoice.paid", now, json!({ "id": "in_9", "customer": "cus_nobody" }));
    assert_eq!(signed(&app, &stranger).await.1["outcome"], "unmatched");
    let other = event("evt_other", "customer.created", now, json!({ "id": "cus_new" }));
    assert_eq!(signed(&app, &other).await.1["outcome"], "unchanged");
    let recorded: Vec<(String, String)> = sqlx::query_as("select id, outcome from stripe_events order by received_at, id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(recorded.len(), 7, "each authentic event once: {recorded:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_failed_payment_stops_sending_at_the_next_just_in_time_check_and_a_paid_invoice_resumes_it(pool: PgPool) {
    let app = spawn_app_with(pool, stripe_settings("http://127.0.0.1:9")).await;
    let owner = app.user("Olive", "olive@agency.example").await;
    let ws = owner.workspace("Acme").await;
    let (user, wsid) = (UserId(owner.my_user_id().await.parse().unwrap()), ws.parse::<WorkspaceId>().unwrap());
    let now = chrono::Utc::now().timestamp();
    assert_eq!(signed(&app, &checkout_completed("evt_checkout", &ws, now - 60)).await.1["outcome"], "applied");
    approved_campaign(&app, user, wsid, &[("Ann", "ann@harbour.com.au")], None).await;

    let failed = event(
        "evt_failed",
        "invoice.payment_failed",
        now,
        json!({ "id": "in_1", "object": "invoice", "customer": "cus_QXg1o8vcGmoR32", "status": "open", "attempt_count": 1, "attempted": true,
                "parent": { "type": "subscription_details", "subscription_details": { "subscription": "sub_1" } } }),
    );
    assert_eq!(signed(&app, &failed).await.1["outcome"], "applied");
    assert_eq!(billing_state(&app, &ws).await.1, "past_due");
    let r = dispatch_shadow(&app, wsid).await;
    assert_eq!((r.postponed, r.shadow, r.sent), (1, 0, 0), "{r:?}");
    let why: String = sqlx::query_scalar("select last_error from outbox where client_id = $1")
        .bind(wsid.0)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(why, "subscription is past_due");

    let paid = event(
        "evt_paid",
        "invoice.paid",
        now + 1,
        json!({ "id": "in_1", "object": "invoice", "customer": "cus_QXg1o8vcGmoR32", "status": "paid" }),
    );
    assert_eq!(signed(&app, &paid).await.1["outcome"], "applied");
    let r = dispatch_shadow(&app, wsid).await;
    assert_eq!((r.postponed, r.shadow), (0, 1), "paid again, the message goes its way: {r:?}");
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    let url = reqwest::Url::parse(&format!("http://x/?{}", String::from_utf8_lossy(body))).unwrap();
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn checkout_and_the_portal_go_to_stripe_and_the_billing_page_shows_usage_and_invoices(pool: PgPool) {
    let stripe = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/checkout/sessions"))
        .and(header("authorization", "Bearer sk_test_51abc"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header_exists("idempotency-key"))
        .and(body_string_contains("mode=subscription"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "cs_test_1", "object": "checkout.session", "status": "open", "payment_status": "unpaid", "url": "https://checkout.stripe.com/c/pay/cs_test_1" })))
        .mount(&stripe)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/billing_portal/sessions"))
        .and(header("authorization", "Bearer sk_test_51abc"))
        .and(body_string_contains("customer=cus_QXg1o8vcGmoR32"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "bps_1", "object": "billing_portal.session", "customer": "cus_QXg1o8vcGmoR32", "url": "https://billing.stripe.com/p/session/test_1" })))
        .mount(&stripe)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/invoices"))
        .and(query_param("customer", "cus_QXg1o8vcGmoR32"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "object": "list", "has_more": false, "data": [
            { "id": "in_1", "object": "invoice", "number": "AOS-0001", "status": "paid", "amount_due": 375000, "amount_paid": 375000, "currency": "aud", "created": 1764547200, "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_1" }
        ] })))
        .mount(&stripe)
        .await;
    let app = spawn_app_with(pool, stripe_settings(&stripe.uri())).await;
    let owner = app.user("Olive", "olive@agency.example").await;
    let ws = owner.workspace("Acme").await;

    // No customer yet: the portal has nothing to open.
    let r = owner.call("open_billing_portal", &[("workspace", &ws)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.message().contains("choose a plan first"), "{:?}", r.body);

    // Velocity has a Stripe price configured; Dominance is sold at its configured founding price.
    let r = owner.call("start_checkout", &[("workspace", &ws), ("tier", "velocity")]).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (StatusCode::OK, Some("https://checkout.stripe.com/c/pay/cs_test_1")),
        "{:?}",
        r.body
    );
    let r = owner.call("start_checkout", &[("workspace", &ws), ("tier", "dominance")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let requests = stripe.received_requests().await.unwrap();
    let sent: Vec<Vec<(String, String)>> = requests
        .iter()
        .filter(|r| r.url.path() == "/v1/checkout/sessions")
        .map(|r| form(&r.body))
        .collect();
    assert_eq!(field(&sent[0], "line_items[0][price]"), Some("price_velocity"));
    assert_eq!(field(&sent[0], "line_items[0][quantity]"), Some("1"));
    assert_eq!(field(&sent[0], "client_reference_id"), Some(ws.as_str()));
    assert_eq!(field(&sent[0], "subscription_data[metadata][workspace_id]"), Some(ws.as_str()));
    assert_eq!(field(&sent[0], "subscription_data[metadata][tier]"), Some("velocity"));
    assert_eq!(field(&sent[0], "customer_email"), Some("olive@agency.example"));
    assert_eq!(
        field(&sent[0], "success_url"),
        Some(format!("{}/w/{ws}/billing?checkout=done", app.base).as_str())
    );
    assert_eq!(field(&sent[1], "line_items[0][price_data][currency]"), Some("aud"));
    assert_eq!(
        field(&sent[1], "line_items[0][price_data][unit_amount]"),
        Some("375000"),
        "Dominance's founding A$3,750 in cents"
    );
    assert_eq!(field(&sent[1], "line_items[0][price_data][recurring][interval]"), Some("month"));
    assert_eq!(billing_state(&app, &ws).await.1, "trialing", "starting a checkout changes nothing");

    // Paid: the webhook links the customer; the portal and the invoices follow.
    let now = chrono::Utc::now().timestamp();
    assert_eq!(signed(&app, &checkout_completed("evt_checkout", &ws, now)).await.1["outcome"], "applied");
    let r = owner.call("open_billing_portal", &[("workspace", &ws)]).await;
    assert_eq!(r.body.as_str(), Some("https://billing.stripe.com/p/session/test_1"), "{:?}", r.body);
    let portal = stripe
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/v1/billing_portal/sessions")
        .unwrap();
    assert_eq!(field(&form(&portal.body), "return_url"), Some(format!("{}/w/{ws}/billing", app.base).as_str()));

    // Usage is counted from the data: one active campaign, one enriched lead this month.
    let (user, wsid) = (UserId(owner.my_user_id().await.parse().unwrap()), ws.parse::<WorkspaceId>().unwrap());
    approved_campaign(&app, user, wsid, &[("Ann", "ann@harbour.com.au")], None).await;
    sqlx::query("insert into enrichment_log (client_id, lead_id, outcome, credits) select client_id, id, 'enriched', 1 from leads where client_id = $1")
        .bind(wsid.0)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = owner.call("billing_overview", &[("workspace", &ws)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let o = &r.body;
    assert_eq!(
        (o["tier"].as_str(), o["status"].as_str(), o["stripe"].as_bool(), o["can_manage"].as_bool()),
        (Some("dominance"), Some("active"), Some(true), Some(true))
    );
    let usage: Vec<(String, u64, u64)> = o["usage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["label"].as_str().unwrap().to_string(),
                u["used"].as_u64().unwrap(),
                u["limit"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!((usage[0].1, usage[0].2), (1, 4500), "{usage:?}");
    assert_eq!((usage[1].1, usage[1].2), (1, 20), "{usage:?}");
    assert_eq!((usage[2].1, usage[2].2), (0, 5), "{usage:?}");
    assert_eq!(o["invoices"][0]["number"], "AOS-0001");
    assert_eq!(o["invoices"][0]["amount"], "A$3,750.00");
    assert_eq!(o["tiers"].as_array().unwrap().len(), 3);

    // An admin sees billing but cannot buy; a member or viewer does not see it.
    let admin = app.user("Adam", "adam@agency.example").await;
    admin.accept(&owner.invite(&ws, "adam@agency.example", "admin").await).await;
    let r = admin.call("billing_overview", &[("workspace", &ws)]).await;
    assert_eq!((r.status, r.body["can_manage"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(
        admin.call("start_checkout", &[("workspace", &ws), ("tier", "ignition")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(admin.call("open_billing_portal", &[("workspace", &ws)]).await.status, StatusCode::FORBIDDEN);
    let member = app.user("Mia", "mia@agency.example").await;
    member.accept(&owner.invite(&ws, "mia@agency.example", "member").await).await;
    assert_eq!(member.call("billing_overview", &[("workspace", &ws)]).await.status, StatusCode::FORBIDDEN);
    let outsider = app.user("Otto", "otto@elsewhere.example").await;
    assert_eq!(outsider.call("billing_overview", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        outsider.call("start_checkout", &[("workspace", &ws), ("tier", "velocity")]).await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn without_stripe_keys_the_page_says_the_operator_sets_plans_and_the_webhook_does_not_exist(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "olive@agency.example").await;
    let ws = owner.workspace("Acme").await;
    let r = owner.call("billing_overview", &[("workspace", &ws)]).await;
    assert_eq!(
        (r.status, r.body["stripe"].as_bool(), r.body["tier"].as_str()),
        (StatusCode::OK, Some(false), Some("ignition"))
    );
    let r = owner.call("start_checkout", &[("workspace", &ws), ("tier", "velocity")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.message().contains("the operator sets plans"), "{:?}", r.body);
    let body = checkout_completed("evt_x", &ws, chrono::Utc::now().timestamp());
    assert_eq!(signed(&app, &body).await.0, StatusCode::NOT_FOUND);
    assert_eq!(billing_state(&app, &ws).await.0, "ignition");
    let (status, html) = owner.get(&format!("/w/{ws}/billing")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Billing"), "{html}");
}
