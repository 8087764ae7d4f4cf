//! Sending accounts on Instantly and Smartlead: dispatch sends an approved message through the
//! provider's campaign exactly once (by our key, also across a crash), refusals fail the row,
//! rate limits postpone it; the providers' webhook events reach the deliverability guard and the
//! suppression list of the right workspace only, once.

use crate::support::*;
use chrono::Duration;
use domain::ids::{UserId, WorkspaceId};
use domain::integrations::Integration;
use domain::sending::MailboxForm;
use engine::dispatch::external::{ByKind, ExternalTransport};
use engine::dispatch::{DispatchSettings, Dispatcher};
use engine::flows::sender_events::{self, Handled};
use engine::flows::{drafts, integrations, mailboxes};
use engine::integrations::Resolver;
use engine::providers::RetryPolicy;
use engine::{providers, Engine};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::sync::Arc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INSTANTLY_CAMPAIGN: &str = "019ffad2-9c4e-7be6-8364-ed444afb02d5";
const SMARTLEAD_CAMPAIGN: &str = "98765";

/// An engine whose Instantly and Smartlead clients talk to `server`, without client retries (so
/// a 429 reaches the dispatcher at once).
async fn engine_for(pool: &PgPool, server: &MockServer) -> Engine {
    let mut e = engine(pool).await;
    e.settings.providers.instantly_url = server.uri();
    e.settings.providers.smartlead_url = server.uri();
    e.settings.providers.retry = RetryPolicy::none();
    e.settings.providers.timeout = std::time::Duration::from_secs(5);
    e
}

/// A live workspace with `n` approved first touches due now, the provider's key stored and one
/// sending account of that provider.
async fn ready_external(engine: &Engine, n: usize, provider: Integration) -> (UserId, WorkspaceId) {
    let pool = engine.owner_pool();
    let (u, ws) = owner_workspace(engine, "Acme").await;
    leads(pool, ws, n).await;
    let id = active_campaign(engine, u, ws).await;
    drafts::draft_campaign(engine, ws, id, tuesday()).await.unwrap();
    let batch = drafts::freeze_batch(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), Some(id), 5_000).await.unwrap();
    drafts::execute_batch(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday() - Duration::minutes(1)).execute(pool).await.unwrap();
    integrations::set_key(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), provider.slug(), &format!("{}-secret-key", provider.slug()), None).await.unwrap();
    let campaign = if provider == Integration::Instantly { INSTANTLY_CAMPAIGN } else { SMARTLEAD_CAMPAIGN };
    let form = MailboxForm {
        kind: provider.slug().into(),
        address: "sam@northwind.com.au".into(),
        provider_campaign: campaign.into(),
        daily_cap: 50,
        ramp_start: 50,
        ramp_step: 0,
        ..Default::default()
    };
    let m = mailboxes::add(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), form).await.unwrap();
    assert!(m.webhook_url.as_deref().is_some_and(|u| u.contains(&format!("/webhooks/{}/{ws}/", provider.slug()))), "{:?}", m.webhook_url);
    go_live(pool, ws).await;
    (u, ws)
}

fn dispatcher(engine: &Engine, worker: &str) -> Dispatcher {
    let resolver = Arc::new(Resolver::from_engine(engine));
    Dispatcher {
        engine: engine.clone(),
        transport: Arc::new(ByKind { smtp: Arc::new(Recorder::default()), external: Arc::new(ExternalTransport::new(engine.clone(), resolver)) }),
        unsubscribe: Arc::new(|ws, c, to| format!("https://app.example/u/{ws}.{c}.{to}")),
        settings: DispatchSettings::default(),
        worker: worker.into(),
    }
}

async fn rows(pool: &PgPool, ws: WorkspaceId) -> Vec<(String, String, String, Option<String>, Option<String>)> {
    sqlx::query_as("select state, to_address, message_id, provider_reply, last_error from outbox where client_id = $1 order by to_address")
        .bind(ws.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

fn bare(message_id: &str) -> String {
    message_id.trim_start_matches('<').trim_end_matches('>').to_string()
}

/// Instantly's documented bulk-add summary.
fn summary(uploaded: u32, in_blocklist: u32, duplicated: u32) -> Value {
    json!({
        "status": "success", "total_sent": 1, "leads_uploaded": uploaded, "in_blocklist": in_blocklist,
        "blocklist_used": null, "duplicated_leads": duplicated, "skipped_count": 0, "invalid_email_count": 0,
        "incomplete_count": 0, "duplicate_email_count": 0, "remaining_in_plan": 9993,
        "created_leads": if uploaded > 0 { json!([{ "id": "019ffad2-lead", "email": "x", "index": 0 }]) } else { json!([]) }
    })
}

/// Instantly's `leads/list` page holding `email` in our campaign with `key`.
fn listed(email: &str, key: &str) -> Value {
    json!({ "items": [{ "id": "019ffad2-lead", "email": email, "campaign": INSTANTLY_CAMPAIGN, "payload": { "agency_os_key": key } }], "next_starting_after": null })
}

async fn adds(server: &MockServer, p: &str) -> Vec<Value> {
    server.received_requests().await.unwrap().into_iter().filter(|r| r.url.path() == p).map(|r| serde_json::from_slice(&r.body).unwrap()).collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_approved_message_goes_through_the_instantly_campaign_exactly_once(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/api/v2/leads/add")).respond_with(ResponseTemplate::new(200).set_body_json(summary(1, 0, 0))).expect(1).mount(&server).await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 1, Integration::Instantly).await;
    let d = dispatcher(&engine, "w1");

    assert_eq!(d.round(tuesday()).await.unwrap().sent, 1);
    assert_eq!(d.round(tuesday()).await.unwrap().claimed, 0, "nothing left to send");
    let [(state, to, message_id, reply, _)] = rows(&pool, ws).await.try_into().unwrap();
    assert_eq!(state, "sent");
    assert!(reply.unwrap().contains("Instantly queued it"));
    let sent = adds(&server, "/api/v2/leads/add").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["campaign_id"], INSTANTLY_CAMPAIGN);
    let vars = &sent[0]["leads"][0]["custom_variables"];
    assert_eq!(sent[0]["leads"][0]["email"], to.as_str());
    assert_eq!(vars["agency_os_key"], bare(&message_id).as_str(), "our key is the Message-ID");
    let body = vars["agency_os_body"].as_str().unwrap();
    assert!(body.contains("1 George St, Sydney NSW 2000") && body.contains("<a href=\"https://app.example/u/"), "{body}");
    let used: i32 = sqlx::query_scalar("select coalesce(sum(sent), 0)::int from mailbox_usage where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(used, 1, "the sending account's cap counts the send");
    server.verify().await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_crash_after_instantly_queued_it_is_reconciled_by_key_and_never_added_twice(pool: PgPool) {
    let server = MockServer::start().await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 2, Integration::Instantly).await;
    // A worker claimed both and died: the first had reached Instantly, the second had not.
    let claimed = engine::store::outbox::claim(&pool, "dead-worker", 2, tuesday()).await.unwrap();
    let mailbox: uuid::Uuid = sqlx::query_scalar("select id from mailboxes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    for c in &claimed {
        engine::store::outbox::assign_mailbox(&pool, ws, c.id, "dead-worker", domain::ids::MailboxId(mailbox)).await.unwrap();
    }
    let (had, never) = (&claimed[0], &claimed[1]);
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/list"))
        .and(wiremock::matchers::body_partial_json(json!({ "contacts": [had.to_address] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(listed(&had.to_address, &bare(&had.message_id))))
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/api/v2/leads/list")).respond_with(ResponseTemplate::new(200).set_body_json(json!({ "items": [] }))).mount(&server).await;
    Mock::given(method("POST")).and(path("/api/v2/leads/add")).respond_with(ResponseTemplate::new(200).set_body_json(summary(1, 0, 0))).expect(1).mount(&server).await;

    let d = dispatcher(&engine, "w1");
    let later = tuesday() + Duration::minutes(5);
    assert_eq!(d.reconcile(later).await.unwrap(), (1, 1, 0));
    assert_eq!(d.round(later).await.unwrap().sent, 1, "only the one Instantly never had is sent");
    let added = adds(&server, "/api/v2/leads/add").await;
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["leads"][0]["email"], never.to_address.as_str());
    assert!(rows(&pool, ws).await.iter().all(|r| r.0 == "sent"));
    server.verify().await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_retried_send_instantly_already_has_counts_as_sent(pool: PgPool) {
    let server = MockServer::start().await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 1, Integration::Instantly).await;
    let (to, message_id): (String, String) = sqlx::query_as("select to_address, message_id from outbox where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    // An earlier call got through but its answer was lost: Instantly reports a duplicate, and
    // the lead it holds carries our key.
    Mock::given(method("POST")).and(path("/api/v2/leads/add")).respond_with(ResponseTemplate::new(200).set_body_json(summary(0, 0, 1))).expect(1).mount(&server).await;
    Mock::given(method("POST")).and(path("/api/v2/leads/list")).respond_with(ResponseTemplate::new(200).set_body_json(listed(&to, &bare(&message_id)))).mount(&server).await;
    assert_eq!(dispatcher(&engine, "w1").round(tuesday()).await.unwrap().sent, 1);
    let [(state, _, _, reply, _)] = rows(&pool, ws).await.try_into().unwrap();
    assert_eq!(state, "sent");
    assert!(reply.unwrap().contains("already had it"));
    server.verify().await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_refusal_fails_the_row_with_the_reason_and_gives_the_slot_back(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/api/v2/leads/add")).respond_with(ResponseTemplate::new(200).set_body_json(summary(0, 1, 0))).expect(1).mount(&server).await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 1, Integration::Instantly).await;
    let d = dispatcher(&engine, "w1");
    assert_eq!(d.round(tuesday()).await.unwrap().failed, 1);
    let [(state, _, _, _, error)] = rows(&pool, ws).await.try_into().unwrap();
    assert_eq!(state, "failed");
    assert_eq!(error.as_deref(), Some("Instantly: the address is on the provider account's block list"));
    let used: i32 = sqlx::query_scalar("select coalesce(sum(sent), 0)::int from mailbox_usage where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(used, 0);
    assert_eq!(d.round(tuesday() + Duration::hours(1)).await.unwrap().claimed, 0, "a failed row is never retried");
    server.verify().await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_rate_limit_postpones_the_row_and_the_retry_sends_it(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/campaigns/98765/leads"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({ "error": "Too many requests" })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/campaigns/98765/leads")).respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "upload_count": 1 }))).mount(&server).await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 1, Integration::Smartlead).await;
    let d = dispatcher(&engine, "w1");
    assert_eq!(d.round(tuesday()).await.unwrap().postponed, 1);
    let (state, not_before, error): (String, chrono::DateTime<chrono::Utc>, String) =
        sqlx::query_as("select state, not_before, last_error from outbox where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(state, "pending");
    assert!(not_before > tuesday(), "retried later, not at once");
    assert!(error.contains("Smartlead") && error.contains("rate limited"), "{error}");
    assert_eq!(d.round(tuesday()).await.unwrap().claimed, 0, "not due yet");
    assert_eq!(d.round(not_before).await.unwrap().sent, 1);
    let calls = adds(&server, "/campaigns/98765/leads").await;
    assert_eq!(calls.len(), 2, "one refused by the rate limit, one accepted");
    assert_eq!(server.received_requests().await.unwrap()[1].url.query_pairs().find(|(k, _)| k == "api_key").unwrap().1, "smartlead-secret-key");
}

/// A Smartlead webhook event body for `to`.
fn smartlead_event(event: &str, to: &str) -> Vec<u8> {
    json!({ "event_type": event, "to_email": to, "campaign_id": 98765, "sequence_number": 1, "event_timestamp": "2026-12-01T00:00:00Z" }).to_string().into_bytes()
}

async fn count(pool: &PgPool, sql: &str, ws: WorkspaceId) -> i64 {
    sqlx::query_scalar(sql).bind(ws.0).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn smartlead_bounces_suppress_trip_the_guard_once_and_stay_in_their_workspace(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/campaigns/98765/leads")).respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "upload_count": 1 }))).mount(&server).await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 6, Integration::Smartlead).await;
    assert_eq!(dispatcher(&engine, "w1").round(tuesday()).await.unwrap().sent, 6);
    let sent = rows(&pool, ws).await;

    // Another workspace (with its own Smartlead account) receives the same events: none of
    // them is about a message it sent, so nothing changes anywhere.
    let (_, other) = owner_workspace(&engine, "Other").await;
    for r in &sent {
        let e = providers::smartlead::parse_webhook(&smartlead_event("EMAIL_BOUNCE", &r.1)).unwrap();
        assert!(matches!(sender_events::record(&engine, other, Integration::Smartlead, &e).await.unwrap(), Handled::Ignored { .. }));
    }
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1", other).await, 0);
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1", ws).await, 0);

    let mut paused = None;
    for (i, r) in sent.iter().enumerate() {
        let e = providers::smartlead::parse_webhook(&smartlead_event("EMAIL_BOUNCE", &r.1)).unwrap();
        match sender_events::record(&engine, ws, Integration::Smartlead, &e).await.unwrap() {
            Handled::Deliverability { new: true, suppressed: true, mailbox_paused } => {
                if i < 5 {
                    assert_eq!(mailbox_paused, None, "5 bounces in a young mailbox are not yet over 5 %");
                }
                paused = paused.or(mailbox_paused);
            }
            other => panic!("{other:?}"),
        }
    }
    let reason = paused.expect("the sixth bounce trips the guard");
    assert!(reason.contains("bounce rate"), "{reason}");
    let (why,): (Option<String>,) = sqlx::query_as("select paused_reason from mailboxes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(why.as_deref(), Some(reason.as_str()));
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and reason = 'bounced' and source = 'webhook'", ws).await, 6);
    assert_eq!(count(&pool, "select count(*) from leads where client_id = $1 and status = 'bounced'", ws).await, 6);

    // Smartlead retries: the same event again changes nothing.
    let audits = count(&pool, "select count(*) from audit_log where client_id = $1", ws).await;
    let e = providers::smartlead::parse_webhook(&smartlead_event("EMAIL_BOUNCE", &sent[0].1)).unwrap();
    assert_eq!(sender_events::record(&engine, ws, Integration::Smartlead, &e).await.unwrap(), Handled::Deliverability { new: false, suppressed: false, mailbox_paused: None });
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1", ws).await, 6);
    assert_eq!(count(&pool, "select count(*) from audit_log where client_id = $1", ws).await, audits);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_instantly_unsubscribe_suppresses_and_moves_the_lead_once_and_other_events_are_acknowledged(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/api/v2/leads/add")).respond_with(ResponseTemplate::new(200).set_body_json(summary(1, 0, 0))).mount(&server).await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 1, Integration::Instantly).await;
    assert_eq!(dispatcher(&engine, "w1").round(tuesday()).await.unwrap().sent, 1);
    let to = rows(&pool, ws).await[0].1.clone();
    let event = |name: &str| {
        providers::instantly::parse_webhook(
            json!({ "event_type": name, "timestamp": "2026-12-01T00:00:00Z", "campaign_id": INSTANTLY_CAMPAIGN, "lead_email": to, "step": 1 }).to_string().as_bytes(),
        )
        .unwrap()
    };
    for quiet in ["email_sent", "lead_interested", "campaign_completed"] {
        assert!(matches!(sender_events::record(&engine, ws, Integration::Instantly, &event(quiet)).await.unwrap(), Handled::Ignored { .. }), "{quiet}");
    }
    // An open is the lead's activity, once.
    assert_eq!(sender_events::record(&engine, ws, Integration::Instantly, &event("email_opened")).await.unwrap(), Handled::Engagement { new: true });
    assert_eq!(sender_events::record(&engine, ws, Integration::Instantly, &event("email_opened")).await.unwrap(), Handled::Engagement { new: false });
    assert_eq!(count(&pool, "select count(*) from activities where client_id = $1 and kind = 'opened' and outbox_id is not null", ws).await, 1);
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1", ws).await, 0);

    assert_eq!(sender_events::record(&engine, ws, Integration::Instantly, &event("lead_unsubscribed")).await.unwrap(), Handled::Unsubscribed { new: true, lead_moved: true });
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and reason = 'unsubscribed' and source = 'webhook' and campaign_id is not null", ws).await, 1);
    assert_eq!(count(&pool, "select count(*) from leads where client_id = $1 and status = 'unsubscribed'", ws).await, 1);
    assert_eq!(sender_events::record(&engine, ws, Integration::Instantly, &event("lead_unsubscribed")).await.unwrap(), Handled::Unsubscribed { new: false, lead_moved: false });
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1", ws).await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn without_a_usable_https_unsubscribe_link_nothing_goes_to_instantly_or_smartlead_and_the_row_says_why(pool: PgPool) {
    let server = MockServer::start().await;
    let engine = engine_for(&pool, &server).await;
    for provider in [Integration::Instantly, Integration::Smartlead] {
        let (_, ws) = ready_external(&engine, 1, provider).await;
        let mut d = dispatcher(&engine, "w1");
        // AGENCY_OS_PUBLIC_URL left at plain http.
        d.unsubscribe = Arc::new(|ws, c, to| format!("http://127.0.0.1:3000/u/{ws}.{c}.{to}"));
        assert_eq!(d.round(tuesday()).await.unwrap().postponed, 1, "{provider:?}");
        let [(state, _, _, _, error)] = rows(&pool, ws).await.try_into().unwrap();
        assert_eq!(state, "pending", "held, not failed: it goes once the link is fixed");
        assert!(error.unwrap_or_default().contains("unsubscribe link"), "{provider:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty(), "no provider was called");
}

/// A second step for every lead whose first step went out: a copy of the first, due now, which
/// the dispatcher threads under it (In-Reply-To the first Message-ID).
async fn follow_ups(pool: &PgPool, ws: WorkspaceId, to: Option<&str>) {
    sqlx::query(
        "insert into outbox (client_id, campaign_id, lead_id, step, channel, draft_id, to_address, subject, variant, body, content_hash, message_id, not_before)
         select client_id, campaign_id, lead_id, 1, channel, draft_id, to_address, subject, variant, body, content_hash,
                '<f2.' || id || '@agency.example>', $3
         from outbox where client_id = $1 and step = 0 and state = 'sent' and ($2::text is null or to_address = $2)",
    )
    .bind(ws.0)
    .bind(to)
    .bind(tuesday() - Duration::minutes(1))
    .execute(pool)
    .await
    .unwrap();
}

/// Instantly's `GET /api/v2/emails` for `to`: our campaign's first email, plus `ours` when the
/// follow-up with that key already went out.
fn thread_of(to: &str, ours: Option<&str>) -> Value {
    let mut items = vec![];
    if let Some(key) = ours {
        items.push(json!({ "id": "reply-uuid", "eaccount": "sam@northwind.com.au", "ue_type": 3, "lead": to, "body": { "html": format!("<p>x</p>\n<!-- agency-os-key:{key} -->") } }));
    }
    items.push(json!({ "id": format!("first-{to}"), "eaccount": "sam@northwind.com.au", "ue_type": 1, "lead": to, "campaign_id": INSTANTLY_CAMPAIGN, "body": { "html": "<p>Hi</p>" } }));
    json!({ "items": items, "next_starting_after": null })
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn instantly_follow_ups_answer_the_thread_once_and_a_crash_after_the_call_is_not_sent_again(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/api/v2/leads/add")).respond_with(ResponseTemplate::new(200).set_body_json(summary(1, 0, 0))).expect(2).mount(&server).await;
    let engine = engine_for(&pool, &server).await;
    let (_, ws) = ready_external(&engine, 2, Integration::Instantly).await;
    let d = dispatcher(&engine, "w1");
    assert_eq!(d.round(tuesday()).await.unwrap().sent, 2);
    let (crashed, normal) = {
        let r = rows(&pool, ws).await;
        (r[0].1.clone(), r[1].1.clone())
    };

    // The first lead's follow-up: a worker claimed it, Instantly got the reply, the worker died.
    follow_ups(&pool, ws, Some(&crashed)).await;
    let claimed = engine::store::outbox::claim(&pool, "dead-worker", 5, tuesday()).await.unwrap();
    let [row] = claimed.try_into().unwrap();
    let mailbox: uuid::Uuid = sqlx::query_scalar("select id from mailboxes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    engine::store::outbox::assign_mailbox(&pool, ws, row.id, "dead-worker", domain::ids::MailboxId(mailbox)).await.unwrap();
    Mock::given(method("POST")).and(path("/api/v2/leads/list")).respond_with(ResponseTemplate::new(200).set_body_json(listed(&crashed, "the-first-touch-key"))).mount(&server).await;
    Mock::given(method("GET")).and(path("/api/v2/emails")).and(wiremock::matchers::query_param("lead", crashed.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(thread_of(&crashed, Some(&bare(&row.message_id))))).mount(&server).await;
    // The second lead's follow-up goes out normally, answering its first email.
    follow_ups(&pool, ws, Some(&normal)).await;
    Mock::given(method("GET")).and(path("/api/v2/emails")).and(wiremock::matchers::query_param("lead", normal.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(thread_of(&normal, None))).mount(&server).await;
    Mock::given(method("POST")).and(path("/api/v2/emails/reply"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "new-reply-uuid" }))).expect(1).mount(&server).await;

    let later = tuesday() + Duration::minutes(5);
    assert_eq!(d.reconcile(later).await.unwrap(), (1, 0, 0), "found in the thread by its key");
    assert_eq!(d.round(later).await.unwrap().sent, 1, "only the other lead's follow-up is sent");
    assert_eq!(d.round(later).await.unwrap().claimed, 0);
    let replies = adds(&server, "/api/v2/emails/reply").await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["reply_to_uuid"], format!("first-{normal}"));
    assert_eq!(replies[0]["eaccount"], "sam@northwind.com.au");
    assert!(replies[0]["subject"].as_str().unwrap().starts_with("Re: "));
    let followed: Vec<(String, Option<String>, Option<String>)> =
        sqlx::query_as("select state, in_reply_to, provider_reply from outbox where client_id = $1 and step = 1 order by to_address").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert!(followed.iter().all(|(state, _, _)| state == "sent"), "{followed:?}");
    assert!(followed.iter().any(|(_, _, reply)| reply.as_deref().is_some_and(|r| r.contains("sent it in the lead's thread"))), "{followed:?}");
    server.verify().await;
}
