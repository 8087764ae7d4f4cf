//! Drafting with a language model (SPEC §8): Anthropic and an OpenAI-compatible endpoint on
//! wiremock speaking their documented shapes, the spend limiter on the real Redis, the ledger
//! and the drafts in the real Postgres. Every failure falls back to the template and says why.

use crate::support::*;
use chrono::Duration;
use domain::campaign::{CampaignStatus, PermissionMode};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::leads::LeadFilter;
use engine::flows::{campaigns, drafts, integrations};
use engine::providers::http::RetryPolicy;
use engine::Engine;
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ANTHROPIC_KEY: &str = "sk-ant-workspace-a-1234";
const MODEL_BODY: &str = "Hi Ann,\n\nRunning a 40-person logistics business in Adelaide, you will know referrals dry up without warning.\n\nWe book first meetings with the right decision makers, and you approve every message first. Worth 15 minutes next week?\n\nSam Carter";

/// The docs example of a Messages API answer with our JSON as its text.
pub(crate) fn anthropic_answer(text: &str) -> ResponseTemplate {
    let raw = std::fs::read_to_string(format!("{}/tests/fixtures/providers/anthropic-message.docs-example.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut body: serde_json::Value = serde_json::from_str(&raw).unwrap();
    body["content"][0]["text"] = json!(text);
    ResponseTemplate::new(200).set_body_json(body)
}

/// The Anthropic Messages endpoint of the mock, for our key, answering `answer` `times` times.
pub(crate) async fn mount_anthropic(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("POST")).and(path("/v1/messages")).and(header("x-api-key", ANTHROPIC_KEY)).respond_with(answer).expect(times).mount(server).await;
}

fn email_json(a: &str, b: &str, body: &str) -> String {
    json!({ "subject_a": a, "subject_b": b, "body": body }).to_string()
}

async fn model_engine(pool: &PgPool, server: &MockServer) -> Engine {
    let mut engine = engine(pool).await;
    let p = &mut engine.settings.providers;
    p.anthropic_url = server.uri();
    p.openai_url = format!("{}/v1", server.uri());
    p.retry = RetryPolicy::none();
    p.timeout = std::time::Duration::from_secs(5);
    engine
}

/// An engine against the mock, and the owner and workspace "Acme" with its own Anthropic key.
pub(crate) async fn anthropic_workspace(pool: &PgPool, server: &MockServer) -> (Engine, UserId, WorkspaceId) {
    let engine = model_engine(pool, server).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    integrations::set_key(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "anthropic", ANTHROPIC_KEY, None).await.unwrap();
    (engine, u, ws)
}

async fn campaign(engine: &Engine, u: UserId, ws: WorkspaceId, mode: PermissionMode) -> CampaignId {
    let mut s = settings("Model");
    s.permission_mode = Some(mode);
    let id = campaigns::create(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), s).await.unwrap();
    campaigns::set_status(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), id, CampaignStatus::Active).await.unwrap();
    campaigns::enroll(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), id, &LeadFilter::default()).await.unwrap();
    id
}

/// (generator, generator_note, subject_a, subject_b, body, content_hash) of every draft.
async fn drafted(pool: &PgPool, ws: WorkspaceId) -> Vec<(String, Option<String>, String, String, String, String)> {
    sqlx::query_as("select generator, generator_note, subject_a, subject_b, body, content_hash from drafts where client_id = $1 order by lead_id")
        .bind(ws.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

async fn ledger_rows(pool: &PgPool, ws: WorkspaceId) -> Vec<(String, String, f64, Option<String>)> {
    sqlx::query_as("select provider, operation, cost_aud::float8, lead_ref from cost_ledger where client_id = $1 order by id")
        .bind(ws.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_model_draft_goes_through_the_queue_to_the_send_with_its_hash_and_the_footer(pool: PgPool) {
    let server = MockServer::start().await;
    mount_anthropic(&server, anthropic_answer(&email_json("Referrals at Harbour Freight", "Ann, a quick question", MODEL_BODY)), 2).await;
    let (engine, u, ws) = anthropic_workspace(&pool, &server).await;
    let lead_ids = leads(&pool, ws, 2).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.blocked), (2, 0), "{r:?}");
    let rows = drafted(&pool, ws).await;
    for (generator, note, a, b, body, hash) in &rows {
        assert_eq!(generator, "model:claude-haiku-4-5");
        assert_eq!(note, &None);
        assert_eq!((a.as_str(), b.as_str(), body.as_str()), ("Referrals at Harbour Freight", "Ann, a quick question", MODEL_BODY));
        assert_eq!(hash, &engine::drafting::content_hash(a, b, body), "the hash covers the model's text");
    }
    // One ledger row per call, at the token cost in AUD: 100 in + 50 out at the default
    // claude-haiku-4-5 price (1.55 / 7.75 AUD per million) = A$0.000543 → A$0.0005.
    let ledger = ledger_rows(&pool, ws).await;
    assert_eq!(ledger.len(), 2, "{ledger:?}");
    for (provider, operation, cost, lead_ref) in &ledger {
        assert_eq!((provider.as_str(), operation.as_str()), ("anthropic", "messages"));
        assert!((cost - 0.0005).abs() < 1e-9, "{cost}");
        assert!(lead_ids.iter().any(|l| Some(l.to_string()) == *lead_ref), "{lead_ref:?}");
    }

    // The reviewer approves what they saw; the send carries the model's text and the footer.
    let page = drafts::queue(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, None, 50).await.unwrap();
    assert_eq!(page.drafts.len(), 2);
    assert_eq!(page.drafts[0].generator, "model:claude-haiku-4-5");
    for d in &page.drafts {
        drafts::approve(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), domain::ids::DraftId(d.id), &d.content_hash).await.unwrap();
    }
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday() - Duration::minutes(1)).execute(&pool).await.unwrap();
    mailbox(&pool, ws, "sam@northwind.com.au", 50).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().sent, 2);
    for m in t.sent.lock().unwrap().iter() {
        assert!(m.text.starts_with(MODEL_BODY), "{}", m.text);
        assert!(m.text.contains("1 George St, Sydney NSW 2000") && m.text.contains("https://app.example/u/"), "{}", m.text);
        assert!(["Referrals at Harbour Freight", "Ann, a quick question"].contains(&m.subject.as_str()));
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_answer_that_is_not_the_json_asked_for_falls_back_to_the_template_and_says_why(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(anthropic_answer("Sure! Subject: Quick idea\n\nHi Ann, ..."))
        .expect(1)
        .mount(&server)
        .await;
    let (engine, u, ws) = anthropic_workspace(&pool, &server).await;
    leads(&pool, ws, 1).await;
    let id = campaign(&engine, u, ws, PermissionMode::Autopilot).await;

    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.auto_approved), (1, 1), "the template draft goes on as any other: {r:?}");
    let (generator, note, a, b, body, hash) = drafted(&pool, ws).await.remove(0);
    assert_eq!(generator, "template");
    assert_eq!(note.as_deref(), Some("template used: the model's answer was refused (the answer is not the JSON object asked for)"));
    assert!(body.starts_with("Hi Ann0,") && body.contains("Sam Carter"), "{body}");
    assert_eq!(hash, engine::drafting::content_hash(&a, &b, &body));
    // The tokens were billed all the same.
    assert_eq!(ledger_rows(&pool, ws).await.len(), 1);
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1", ws).await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_rate_limited_or_overloaded_provider_falls_back_to_the_template(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({ "type": "error", "error": { "type": "rate_limit_error", "message": "Number of request tokens has exceeded your per-minute rate limit" } })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(529).set_body_json(json!({ "type": "error", "error": { "type": "overloaded_error", "message": "Overloaded" } })))
        .expect(1)
        .mount(&server)
        .await;
    let (engine, u, ws) = anthropic_workspace(&pool, &server).await;
    leads(&pool, ws, 2).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!(r.drafted, 2, "{r:?}");
    let mut notes: Vec<String> = drafted(&pool, ws).await.into_iter().map(|(g, n, ..)| format!("{g}: {}", n.unwrap_or_default())).collect();
    notes.sort();
    assert_eq!(notes, vec!["template: template used: rate limited by the provider".to_string(), "template: template used: the provider failed with HTTP 529".to_string()]);
    assert!(ledger_rows(&pool, ws).await.is_empty(), "failed calls cost nothing");
    let (spent, _) = engine::ai_spend::AiSpendLimiter::new(engine.redis.clone(), &engine.settings.providers.ai_caps)
        .spent(ws, chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert_eq!(spent, engine::ledger::CostAud::ZERO, "the reservations were released");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn with_the_spend_cap_reached_the_model_is_never_called(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(anthropic_answer(&email_json("A", "B", MODEL_BODY))).expect(0).mount(&server).await;
    let mut engine = model_engine(&pool, &server).await;
    engine.settings.providers.ai_caps.workspace_daily_aud = 0.0;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    integrations::set_key(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "anthropic", ANTHROPIC_KEY, None).await.unwrap();
    leads(&pool, ws, 3).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!(r.drafted, 3, "{r:?}");
    for (generator, note, ..) in drafted(&pool, ws).await {
        assert_eq!(generator, "template");
        assert_eq!(note.as_deref(), Some("template used: the workspace daily AI spend cap is reached"));
    }
    assert!(ledger_rows(&pool, ws).await.is_empty());
    // `expect(0)` is verified when the server drops; say it here too.
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_openai_compatible_endpoint_named_by_the_workspace_writes_its_drafts(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/compat/v1/chat/completions"))
        .and(header("authorization", "Bearer sk-compat-5678"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": format!("```json\n{}\n```", email_json("Ann, one idea", "Harbour Freight's pipeline", MODEL_BODY)) }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200 }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let engine = model_engine(&pool, &server).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let endpoint = format!("{}/compat/v1 gpt-4o-mini", server.uri());
    integrations::set_key(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "openai_compatible", "sk-compat-5678", Some(&endpoint)).await.unwrap();
    leads(&pool, ws, 1).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let (generator, note, a, _, body, _) = drafted(&pool, ws).await.remove(0);
    assert_eq!((generator.as_str(), note, a.as_str(), body.as_str()), ("model:gpt-4o-mini", None, "Ann, one idea", MODEL_BODY));
    // 1000 × 0.2325 + 200 × 0.93 per million = A$0.0004185 → A$0.0004.
    let ledger = ledger_rows(&pool, ws).await;
    assert_eq!(ledger.len(), 1);
    assert_eq!((ledger[0].0.as_str(), ledger[0].1.as_str()), ("openai_compatible", "chat_completions"));
    assert!((ledger[0].2 - 0.0004).abs() < 1e-9, "{ledger:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspaces_model_key_is_never_used(pool: PgPool) {
    let server = MockServer::start().await;
    mount_anthropic(&server, anthropic_answer(&email_json("Referrals at Harbour Freight", "Ann, a quick question", MODEL_BODY)), 2).await;
    let engine = model_engine(&pool, &server).await;
    let (ua, a) = owner_workspace(&engine, "Acme").await;
    let (ub, b) = owner_workspace(&engine, "Beta").await;
    integrations::set_key(&engine, &engine::auth::Access::resolve(&engine, ua, a).await.unwrap(), "anthropic", ANTHROPIC_KEY, None).await.unwrap();
    leads(&pool, a, 2).await;
    leads(&pool, b, 3).await;
    let ca = campaign(&engine, ua, a, PermissionMode::CoPilot).await;
    let cb = campaign(&engine, ub, b, PermissionMode::CoPilot).await;

    drafts::draft_campaign(&engine, b, cb, tuesday()).await.unwrap();
    drafts::draft_campaign(&engine, a, ca, tuesday()).await.unwrap();
    // B has no key and there is no installation key: templates, nothing to explain, no calls.
    for (generator, note, ..) in drafted(&pool, b).await {
        assert_eq!((generator.as_str(), note), ("template", None));
    }
    assert!(ledger_rows(&pool, b).await.is_empty());
    assert!(drafted(&pool, a).await.iter().all(|d| d.0 == "model:claude-haiku-4-5"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "only A's two leads reached the model");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_model_draft_the_quality_guard_stops_gives_way_to_the_template(pool: PgPool) {
    let server = MockServer::start().await;
    let stock = "Hi Ann,\n\nI hope this email finds you well. As a Managing Director in logistics you know growth matters.\n\nWorth a chat?\n\nSam Carter";
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(anthropic_answer(&email_json("A quick idea", "Growth at Harbour Freight", stock))).expect(1).mount(&server).await;
    let (engine, u, ws) = anthropic_workspace(&pool, &server).await;
    leads(&pool, ws, 1).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.blocked), (1, 0), "{r:?}");
    let (generator, note, _, _, body, _) = drafted(&pool, ws).await.remove(0);
    assert_eq!(generator, "template");
    assert!(note.as_deref().unwrap_or_default().starts_with("template used: the model's draft failed the quality guard"), "{note:?}");
    assert!(!body.contains("finds you well"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn after_repeated_failures_the_breaker_stops_calling_the_model(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let (engine, u, ws) = anthropic_workspace(&pool, &server).await;
    leads(&pool, ws, 12).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!(r.drafted, 12, "every lead still gets its template draft: {r:?}");
    // At most 4 calls are in flight, so the 9th starts after at least 5 failures: the breaker
    // (5 failures) is open by then whatever the interleaving.
    let calls = server.received_requests().await.unwrap().len();
    assert!((5..=8).contains(&calls), "{calls} calls");
    let open = drafted(&pool, ws).await.into_iter().filter(|d| d.1.as_deref() == Some("template used: the provider is switched off for a while after repeated failures")).count();
    assert_eq!(open + calls, 12, "each lead was either called or refused by the breaker");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_installation_key_writes_for_workspaces_without_their_own(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", "sk-ant-platform"))
        .respond_with(anthropic_answer(&email_json("Referrals at Harbour Freight", "Ann, a quick question", MODEL_BODY)))
        .expect(1)
        .mount(&server)
        .await;
    let mut engine = model_engine(&pool, &server).await;
    engine.settings.providers.platform.insert(
        domain::integrations::Integration::Anthropic,
        engine::integrations::Credential::Key(engine::providers::ApiKey::new("sk-ant-platform")),
    );
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 1).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!(drafted(&pool, ws).await[0].0, "model:claude-haiku-4-5");
    // The workspace pays for it: the ledger row is the workspace's.
    assert_eq!(ledger_rows(&pool, ws).await.len(), 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn two_passes_racing_pay_the_model_once_per_touch(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(anthropic_answer(&email_json("Referrals at Harbour Freight", "Ann, a quick question", MODEL_BODY)).set_delay(std::time::Duration::from_millis(30)))
        .mount(&server)
        .await;
    let (engine, u, ws) = anthropic_workspace(&pool, &server).await;
    leads(&pool, ws, 24).await;
    let id = campaign(&engine, u, ws, PermissionMode::CoPilot).await;

    let (a, b) = tokio::join!(drafts::draft_campaign(&engine, ws, id, tuesday()), drafts::draft_campaign(&engine, ws, id, tuesday()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.drafted + b.drafted, 24, "{a:?} {b:?}");
    assert!(drafted(&pool, ws).await.iter().all(|d| d.0 == "model:claude-haiku-4-5"));
    assert_eq!(server.received_requests().await.unwrap().len(), 24, "one model call per touch: {a:?} {b:?}");
    assert_eq!(ledger_rows(&pool, ws).await.len(), 24);
    // The claims are let go once stored: a redraft after a rejection asks the model at once.
    let page = drafts::queue(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, None, 1).await.unwrap();
    drafts::reject(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), domain::ids::DraftId(page.drafts[0].id), "too long").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 25);
    let redraft: (String, Option<String>, String) =
        sqlx::query_as("select generator, generator_note, template from drafts where client_id = $1 and status = 'pending' and lead_id = $2")
            .bind(ws.0)
            .bind(page.drafts[0].lead_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    // The model wrote the rejected text again: rejection memory (GUARD-002) stops it as it
    // would a template, and the rotated template takes its place.
    assert_eq!(redraft.0, "template");
    assert!(redraft.1.as_deref().unwrap_or_default().contains("same as a draft already rejected"), "{redraft:?}");
    assert_ne!(redraft.2, page.drafts[0].template, "rotated to another angle");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn test_connection_makes_one_tiny_generation_through_the_spend_limiter(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", ANTHROPIC_KEY))
        .and(wiremock::matchers::body_partial_json(json!({ "max_tokens": 5 })))
        .respond_with(anthropic_answer("OK"))
        .expect(1)
        .mount(&server)
        .await;
    let mut engine = model_engine(&pool, &server).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    integrations::set_key(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "anthropic", ANTHROPIC_KEY, None).await.unwrap();
    let t = integrations::test_connection(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "anthropic").await.unwrap();
    assert!(t.ok, "{t:?}");
    assert_eq!(ledger_rows(&pool, ws).await.len(), 1, "even the test call is costed");
    // With the cap at zero the test says so instead of calling.
    engine.settings.providers.ai_caps.workspace_daily_aud = 0.0;
    let t = integrations::test_connection(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "anthropic").await.unwrap();
    assert!(!t.ok && t.message.contains("spend cap"), "{t:?}");
}
