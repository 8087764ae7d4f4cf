//! Outbound webhooks end to end: a fact recorded → a signed POST to the workspace's endpoint
//! (a local wiremock receiver), verified with the domain verifier and the secret shown once;
//! retries on the scheme's schedule with the same webhook-id; 410 switches the endpoint off;
//! private addresses refused at save and at delivery with no connection made; tenants kept
//! apart; roles enforced; a stop between emission and delivery loses nothing.

use crate::support::{engine, leads, member, owner_workspace};
use chrono::{Duration, Utc};
use domain::ids::WorkspaceId;
use domain::webhooks::{DeliveryState, WebhookSecret};
use engine::flows::outbound_webhooks::{self as hooks, DeliveryLimits};
use engine::flows::replies::{self, IncomingReply, RecordOutcome};
use engine::net::{NetPolicy, StaticResolver};
use engine::store::outbound_webhooks::Settle;
use engine::Engine;
use sqlx::PgPool;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const EVENTS: [&str; 4] = ["lead.replied", "meeting.booked", "lead.unsubscribed", "lead.bounced"];

fn events() -> Vec<String> {
    EVENTS.iter().map(|s| s.to_string()).collect()
}

fn incoming(message: &str, from: &str, text: &str) -> IncomingReply {
    IncomingReply {
        source: "imap".into(),
        mailbox: None,
        message_id: format!("<{message}@client.example>"),
        in_reply_to: None,
        references: vec![],
        from: from.into(),
        subject: "Re: a quick question".into(),
        text: text.into(),
        received_at: Utc::now(),
        raw_headers: vec![],
    }
}

/// A reply from the workspace's first lead (matched by its sender), which the rules read as
/// interested.
async fn reply_from_lead(engine: &Engine, ws: WorkspaceId, message: &str) -> uuid::Uuid {
    let r = incoming(message, "Ann0 Nguyen <lead0@client0.com.au>", "Yes, I'm interested. Tell me more about pricing.");
    match replies::record(engine, ws, r).await.unwrap() {
        RecordOutcome::Recorded { reply, .. } => reply,
        other => panic!("the reply was not recorded: {other:?}"),
    }
}

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/hook")).respond_with(ResponseTemplate::new(status)).mount(&server).await;
    server
}

fn header<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name} header"))
}

/// Checks the request as a receiver would, with the secret Settings showed.
fn verify(secret: &str, r: &Request) -> serde_json::Value {
    let s = WebhookSecret::parse(secret).unwrap();
    s.verify(header(r, "webhook-id"), header(r, "webhook-timestamp"), header(r, "webhook-signature"), &r.body, Utc::now().timestamp())
        .expect("the signature verifies with the shown secret");
    assert_eq!(header(r, "content-type"), "application/json");
    serde_json::from_slice(&r.body).unwrap()
}

async fn deliveries(pool: &PgPool, ws: WorkspaceId) -> Vec<(String, i32, Option<String>, bool)> {
    sqlx::query_as("select event_id, attempts, last_status, delivered_at is not null from webhook_deliveries where client_id = $1 order by created_at")
        .bind(ws.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_recorded_reply_reaches_the_endpoint_once_signed_with_the_shown_secret(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owner_workspace(&engine, "Hooks").await;
    leads(&pool, ws, 1).await;
    let server = receiver(200).await;
    let created = hooks::create(&engine, owner, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
    assert!(created.secret.starts_with("whsec_"));
    // The secret is stored sealed, never as shown.
    let stored: String = sqlx::query_scalar("select secret from webhook_endpoints where id = $1").bind(created.endpoint).fetch_one(&pool).await.unwrap();
    assert!(!stored.contains(&created.secret[6..]) && stored.starts_with("aos1."), "{stored}");

    let reply = reply_from_lead(&engine, ws, "r1").await;
    // The delivery exists as soon as the reply does (same transaction), before any attempt.
    assert_eq!(deliveries(&pool, ws).await.len(), 1);
    let done = hooks::deliver_due(&engine, Utc::now(), &DeliveryLimits::default()).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].outcome, Settle::Delivered);
    // Nothing is sent twice: later ticks find nothing due.
    assert!(hooks::deliver_due(&engine, Utc::now() + Duration::days(2), &DeliveryLimits::default()).await.unwrap().is_empty());

    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 1, "exactly one POST");
    let body = verify(&created.secret, &got[0]);
    assert_eq!(body["type"], "lead.replied");
    assert_eq!(body["data"]["reply_id"], reply.to_string());
    assert_eq!(body["data"]["lead"]["email"], "lead0@client0.com.au");
    assert!(body["data"]["intent"].is_string(), "the reply's class is in the payload: {body}");
    assert!(header(&got[0], "webhook-id").starts_with("msg_"));
    let rows = deliveries(&pool, ws).await;
    assert_eq!((rows[0].1, rows[0].2.as_deref(), rows[0].3), (1, Some("delivered (200)"), true));

    // Settings lists it, and the audit log has the endpoint's creation.
    let views = hooks::list(&engine, owner, ws).await.unwrap();
    assert_eq!(views[0].recent.len(), 1);
    assert_eq!(views[0].recent[0].state, DeliveryState::Delivered);
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where client_id = $1 and action = 'webhooks.endpoint_created'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_500_then_a_200_is_delivered_once_on_the_retry_with_the_same_webhook_id(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owner_workspace(&engine, "Retry").await;
    leads(&pool, ws, 1).await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500).set_body_string("stack trace: secret internals")).up_to_n_times(1).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let created = hooks::create(&engine, owner, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
    reply_from_lead(&engine, ws, "r1").await;

    let now = Utc::now();
    let first = hooks::deliver_due(&engine, now, &DeliveryLimits::default()).await.unwrap();
    assert_eq!(first.len(), 1);
    assert!(matches!(first[0].outcome, Settle::RetryAt(at) if (at - Utc::now()).num_seconds() <= 5 && at > now), "{first:?}");
    assert_eq!(first[0].status, "answered 500", "our words, never the remote body");
    // Not due again before the schedule's 5 s.
    assert!(hooks::deliver_due(&engine, now + Duration::seconds(1), &DeliveryLimits::default()).await.unwrap().is_empty());
    let second = hooks::deliver_due(&engine, now + Duration::seconds(10), &DeliveryLimits::default()).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].outcome, Settle::Delivered);
    assert!(hooks::deliver_due(&engine, now + Duration::days(3), &DeliveryLimits::default()).await.unwrap().is_empty());

    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(header(&got[0], "webhook-id"), header(&got[1], "webhook-id"), "the same webhook-id on every attempt");
    verify(&created.secret, &got[1]);
    let rows = deliveries(&pool, ws).await;
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].1, rows[0].3), (2, true));
    let shown = hooks::list(&engine, owner, ws).await.unwrap();
    assert!(!format!("{shown:?}").contains("stack trace"), "the remote body is never kept");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_schedule_is_spent_after_ten_attempts_and_the_delivery_is_marked_failed(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owner_workspace(&engine, "Down").await;
    leads(&pool, ws, 1).await;
    let server = receiver(503).await;
    hooks::create(&engine, owner, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
    reply_from_lead(&engine, ws, "r1").await;
    let mut at = Utc::now();
    let mut outcomes = Vec::new();
    for _ in 0..12 {
        for d in hooks::deliver_due(&engine, at, &DeliveryLimits::default()).await.unwrap() {
            outcomes.push(d.outcome);
        }
        at += Duration::hours(25);
    }
    assert_eq!(outcomes.len(), 10, "{outcomes:?}");
    assert_eq!(outcomes.last(), Some(&Settle::Failed));
    assert_eq!(server.received_requests().await.unwrap().len(), 10);
    let rows = deliveries(&pool, ws).await;
    assert!(rows[0].2.as_deref().unwrap().ends_with("gave up after 10 attempts"), "{rows:?}");
    assert_eq!(hooks::list(&engine, owner, ws).await.unwrap()[0].recent[0].state, DeliveryState::Failed);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_410_switches_the_endpoint_off_with_the_reason_and_later_events_are_not_queued(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owner_workspace(&engine, "Gone").await;
    leads(&pool, ws, 1).await;
    let server = receiver(410).await;
    hooks::create(&engine, owner, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
    reply_from_lead(&engine, ws, "r1").await;
    let done = hooks::deliver_due(&engine, Utc::now(), &DeliveryLimits::default()).await.unwrap();
    assert_eq!(done[0].outcome, Settle::Failed);
    let view = &hooks::list(&engine, owner, ws).await.unwrap()[0];
    assert!(!view.enabled);
    assert!(view.disabled_reason.as_deref().unwrap().contains("410 Gone"), "{view:?}");
    reply_from_lead(&engine, ws, "r2").await;
    assert_eq!(deliveries(&pool, ws).await.len(), 1, "a switched-off endpoint gets nothing new");
    assert!(hooks::deliver_due(&engine, Utc::now() + Duration::days(1), &DeliveryLimits::default()).await.unwrap().is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A local listener that counts the connections made to it.
async fn trap() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((_s, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, hits)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn private_addresses_are_refused_at_save_and_at_delivery_with_no_connection(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let open = engine(&pool).await;
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    let mut strict = open.clone();
    strict.settings.net = NetPolicy::new(false).with_resolver(Arc::new(StaticResolver::new().with("hooks.attacker.example", &[ip("127.0.0.1")])));
    let (owner, ws) = owner_workspace(&strict, "Strict").await;
    leads(&pool, ws, 1).await;
    let (port, hits) = trap().await;

    for url in [
        format!("https://127.0.0.1:{port}/hook"),
        "https://10.1.2.3/hook".into(),
        "https://169.254.169.254/latest/meta-data".into(),
        format!("https://hooks.attacker.example:{port}/hook"),
        "https://[::1]/hook".into(),
    ] {
        let e = hooks::create(&strict, owner, ws, &url, &events()).await.unwrap_err();
        assert_eq!((e.status(), e.to_string().as_str()), (422, "that address is on a private network"), "{url}");
    }
    let e = hooks::create(&strict, owner, ws, &format!("http://example.com:{port}/hook"), &events()).await.unwrap_err();
    assert_eq!(e.status(), 422);
    assert!(e.to_string().contains("https://"), "{e}");
    assert_eq!(sqlx::query_scalar::<_, i64>("select count(*) from webhook_endpoints").fetch_one(&pool).await.unwrap(), 0, "nothing saved");

    // Endpoints saved while private addresses were allowed (or a name that resolved publicly
    // then) are refused when delivering, before any connection.
    hooks::create(&open, owner, ws, &format!("http://127.0.0.1:{port}/hook"), &events()).await.unwrap();
    hooks::create(&open, owner, ws, &format!("http://hooks.attacker.example:{port}/hook"), &events()).await.unwrap();
    reply_from_lead(&strict, ws, "r1").await;
    let done = hooks::deliver_due(&strict, Utc::now(), &DeliveryLimits::default()).await.unwrap();
    assert_eq!(done.len(), 2);
    for d in &done {
        assert_eq!(d.outcome, Settle::Failed, "{d:?}");
        assert_eq!(d.status, "refused: that address is on a private network");
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no connection reached the trap");
    for v in hooks::list(&strict, owner, ws).await.unwrap() {
        assert!(!v.enabled && v.disabled_reason.as_deref().unwrap().contains("private network"), "{v:?}");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspaces_endpoint_never_receives_this_workspaces_events(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (a_owner, a) = owner_workspace(&engine, "Alpha").await;
    let (b_owner, b) = owner_workspace(&engine, "Beta").await;
    leads(&pool, a, 1).await;
    let (server_a, server_b) = (receiver(200).await, receiver(200).await);
    hooks::create(&engine, a_owner, a, &format!("{}/hook", server_a.uri()), &events()).await.unwrap();
    let b_endpoint = hooks::create(&engine, b_owner, b, &format!("{}/hook", server_b.uri()), &events()).await.unwrap();
    reply_from_lead(&engine, a, "r1").await;
    hooks::deliver_due(&engine, Utc::now(), &DeliveryLimits::default()).await.unwrap();
    assert_eq!(server_a.received_requests().await.unwrap().len(), 1);
    assert!(server_b.received_requests().await.unwrap().is_empty());
    // Nor can Alpha's owner see, test, rotate or delete Beta's endpoint.
    for e in [
        hooks::send_test(&engine, a_owner, a, b_endpoint.endpoint).await.unwrap_err(),
        hooks::rotate_secret(&engine, a_owner, a, b_endpoint.endpoint).await.unwrap_err(),
        hooks::delete(&engine, a_owner, a, b_endpoint.endpoint).await.unwrap_err(),
    ] {
        assert_eq!(e.status(), 404, "{e}");
    }
    assert_eq!(hooks::list(&engine, a_owner, b).await.unwrap_err().status(), 404, "not a member: the workspace is not found");
    assert_eq!(hooks::list(&engine, b_owner, b).await.unwrap().len(), 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn members_and_viewers_cannot_add_endpoints(pool: PgPool) {
    let engine = engine(&pool).await;
    let (_, ws) = owner_workspace(&engine, "Roles").await;
    let admin = member(&engine, ws, "admin").await;
    for role in ["member", "viewer"] {
        let u = member(&engine, ws, role).await;
        let e = hooks::create(&engine, u, ws, "https://hooks.example.com/x", &events()).await.unwrap_err();
        assert_eq!(e.status(), 403, "{role}");
        assert_eq!(hooks::list(&engine, u, ws).await.unwrap_err().status(), 403, "{role}");
    }
    assert_eq!(sqlx::query_scalar::<_, i64>("select count(*) from webhook_endpoints").fetch_one(&pool).await.unwrap(), 0);
    // An admin may (a local receiver: the tests' policy allows private addresses).
    let server = receiver(200).await;
    hooks::create(&engine, admin, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_test_event_and_a_rotated_secret_verify_and_the_old_secret_still_signs_for_a_day(pool: PgPool) {
    let engine = engine(&pool).await;
    let (owner, ws) = owner_workspace(&engine, "Rotate").await;
    let server = receiver(204).await;
    let created = hooks::create(&engine, owner, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
    let d = hooks::send_test(&engine, owner, ws, created.endpoint).await.unwrap();
    assert_eq!((d.state, d.last_status.as_deref(), d.event_type.as_str()), (DeliveryState::Delivered, Some("delivered (204)"), "webhook.test"));
    let rotated = hooks::rotate_secret(&engine, owner, ws, created.endpoint).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    hooks::send_test(&engine, owner, ws, created.endpoint).await.unwrap();
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(verify(&created.secret, &got[0])["type"], "webhook.test");
    verify(&rotated.secret, &got[1]);
    verify(&created.secret, &got[1]);
    assert_eq!(header(&got[1], "webhook-signature").split(' ').count(), 2);
    // Switched off, an endpoint's owed deliveries wait; deleted, they go with it.
    hooks::set_enabled(&engine, owner, ws, created.endpoint, false).await.unwrap();
    assert!(!hooks::list(&engine, owner, ws).await.unwrap()[0].enabled);
    hooks::delete(&engine, owner, ws, created.endpoint).await.unwrap();
    assert!(hooks::list(&engine, owner, ws).await.unwrap().is_empty());
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where client_id = $1 and action like 'webhooks.%' order by id").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(actions, ["webhooks.endpoint_created", "webhooks.test_sent", "webhooks.secret_rotated", "webhooks.test_sent", "webhooks.endpoint_disabled", "webhooks.endpoint_deleted"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_stop_between_emission_and_delivery_still_delivers_through_the_job_worker(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let before = engine(&pool).await;
    let (owner, ws) = owner_workspace(&before, "Restart").await;
    leads(&pool, ws, 2).await;
    let server = receiver(200).await;
    hooks::create(&before, owner, ws, &format!("{}/hook", server.uri()), &events()).await.unwrap();
    reply_from_lead(&before, ws, "r1").await;
    // A second fact; and one attempt claimed by a process that then died…
    let r = incoming("r2", "lead1@client1.com.au", "Please remove me from your list.");
    replies::record(&before, ws, r).await.unwrap();
    let claimed = engine::store::outbound_webhooks::claim_due(&pool, Utc::now(), Duration::seconds(60), 1, 2).await.unwrap();
    assert_eq!(claimed.len(), 1);
    // …and stopped before recording an outcome; its lease has since run out.
    sqlx::query("update webhook_deliveries set claimed_until = now() - interval '1 second' where id = $1").bind(claimed[0].id).execute(&pool).await.unwrap();
    let keyring = before.settings.secrets.clone();
    drop(before);

    // The next process: the same database and master key, nothing in memory.
    let mut after = engine(&pool).await;
    after.settings.secrets = keyring;
    let worker = tokio::spawn(engine::jobs::monitor(engine::jobs::JobContext::configured(after.clone())).run());
    let started = std::time::Instant::now();
    loop {
        let n = server.received_requests().await.unwrap().len();
        if n >= 3 {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "the worker delivered {n} of the owed posts");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    worker.abort();
    let rows = deliveries(&pool, ws).await;
    assert!(rows.iter().all(|r| r.3), "{rows:?}");
    let got = server.received_requests().await.unwrap();
    let mut types: Vec<String> = got.iter().map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["type"].as_str().unwrap().to_string()).collect();
    types.sort();
    assert_eq!(types, ["lead.replied", "lead.replied", "lead.unsubscribed"]);
}
