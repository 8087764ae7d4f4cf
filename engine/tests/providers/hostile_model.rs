//! A model endpoint that lies or stalls: reported usage beyond what the request allows is not
//! believed, a workspace's own key never spends the platform cap, and one workspace's slow
//! endpoint holds only its own calls, each for its deadline at most.

use crate::{redis, settings};
use domain::ids::WorkspaceId;
use engine::ai_spend::{AiError, AiSpendCaps, AiSpendLimiter, CallLimits, LimitedModel, Payer, SpendScope, SUSPICIOUS_SUFFIX};
use engine::ledger::{CostAud, MemoryLedger};
use engine::providers::llm::{AnthropicClient, ModelPrice, ModelPrices, Prompt, TextModel};
use engine::providers::metered::LedgerScope;
use engine::providers::{ApiKey, ProviderError};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLAUDE: &str = "claude-sonnet-4-5";

fn prices() -> ModelPrices {
    ModelPrices(HashMap::from([(CLAUDE.to_string(), ModelPrice { input_per_mtok: 4.65, output_per_mtok: 23.25 })]))
}

fn prompt() -> Prompt {
    Prompt::new("You write short emails.", "Write to Ana at Acme.", 300, 0.4).unwrap()
}

fn answer(input_tokens: u64, output_tokens: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": CLAUDE,
        "content": [{ "type": "text", "text": "Hi Ana" }],
        "stop_reason": "end_turn",
        "usage": { "input_tokens": input_tokens, "output_tokens": output_tokens }
    }))
}

fn model(server: &MockServer, key: &str) -> Arc<dyn TextModel> {
    Arc::new(AnthropicClient::new(ApiKey::new(key), CLAUDE, settings(&server.uri())).unwrap())
}

fn limited(model: Arc<dyn TextModel>, limiter: &AiSpendLimiter, ledger: &Arc<MemoryLedger>, ws: WorkspaceId) -> LimitedModel {
    LimitedModel::new(model, &prices(), limiter.clone(), ledger.clone(), LedgerScope { workspace: ws, campaign: None }).unwrap()
}

fn ws() -> WorkspaceId {
    WorkspaceId(uuid::Uuid::new_v4())
}

#[tokio::test]
async fn a_model_reporting_four_billion_tokens_is_charged_its_reservation_flagged_and_leaves_the_platform_cap_alone() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/v1/messages")).respond_with(answer(4_000_000_000, 4_000_000_000)).mount(&server).await;
    // A platform cap of A$1: the reported usage would cost about A$111,600.
    let limiter = AiSpendLimiter::new(redis().await, &AiSpendCaps { workspace_daily_aud: 5.0, platform_daily_aud: 1.0 });
    let ledger = Arc::new(MemoryLedger::new());
    let liar = ws();
    let reservation = ModelPrice { input_per_mtok: 4.65, output_per_mtok: 23.25 }.estimate(&prompt());

    let g = limited(model(&server, "k"), &limiter, &ledger, liar).generate(&prompt(), None).await.unwrap();
    assert_eq!(g.text, "Hi Ana");
    let today = chrono::Utc::now().date_naive();
    let (spent, platform) = limiter.spent(liar, today).await.unwrap();
    assert_eq!((spent, platform), (reservation, reservation), "charged at the reservation, not the report");
    let rows = ledger.entries();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.operation, format!("messages{SUSPICIOUS_SUFFIX}"));
    assert_eq!(rows[0].1.cost, reservation);

    // Everybody else can still draft.
    let other = ws();
    let r = limiter.reserve(other, limiter.default_workspace_cap(), CostAud::from_dollars(0.5)).await;
    assert!(r.is_ok(), "{r:?}");
    std::mem::forget(r);
}

#[tokio::test]
async fn usage_within_what_the_request_allows_is_charged_as_reported_even_above_the_estimate() {
    let server = MockServer::start().await;
    // The estimate counts a token per three bytes; a tokeniser may make more (one per byte).
    let p = prompt();
    let bytes = (p.system.len() + p.user.len()) as u64;
    Mock::given(method("POST")).respond_with(answer(bytes, 300)).mount(&server).await;
    let limiter = AiSpendLimiter::new(redis().await, &AiSpendCaps::default());
    let ledger = Arc::new(MemoryLedger::new());
    let w = ws();
    limited(model(&server, "k"), &limiter, &ledger, w).generate(&p, None).await.unwrap();
    let rows = ledger.entries();
    assert_eq!(rows[0].1.operation, "messages");
    assert_eq!(rows[0].1.units, (bytes + 300) as f64);
}

#[tokio::test]
async fn a_workspace_own_key_spends_its_own_cap_and_never_the_platform_cap() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(answer(100, 50)).mount(&server).await;
    let limiter = AiSpendLimiter::new(redis().await, &AiSpendCaps { workspace_daily_aud: 5.0, platform_daily_aud: 0.0 });
    let ledger = Arc::new(MemoryLedger::new());
    let w = ws();
    // The installation's key: the platform cap (zero) refuses.
    let platform = limited(model(&server, "installation"), &limiter, &ledger, w);
    assert_eq!(platform.generate(&prompt(), None).await.unwrap_err(), AiError::SpendCapReached { scope: SpendScope::Platform });
    // The workspace's own key: only its cap applies, and the platform counter stays untouched.
    let own = limited(model(&server, "own"), &limiter, &ledger, w).paid_by(Payer::Workspace);
    own.generate(&prompt(), None).await.unwrap();
    let (spent, platform_spent) = limiter.spent(w, chrono::Utc::now().date_naive()).await.unwrap();
    assert_eq!((spent, platform_spent), (CostAud(16), CostAud::ZERO));
}

#[tokio::test]
async fn a_stalling_endpoint_is_cut_off_at_the_call_deadline_and_holds_only_its_own_workspace() {
    let slow = MockServer::start().await;
    Mock::given(method("POST")).and(header("x-api-key", "slow")).respond_with(answer(100, 50).set_delay(Duration::from_secs(3600))).mount(&slow).await;
    Mock::given(method("POST")).and(header("x-api-key", "fine")).respond_with(answer(100, 50)).mount(&slow).await;
    let mut http = settings(&slow.uri());
    http.timeout = Duration::from_secs(3600);
    let stalling: Arc<dyn TextModel> = Arc::new(AnthropicClient::new(ApiKey::new("slow"), CLAUDE, http.clone()).unwrap());
    let fine: Arc<dyn TextModel> = Arc::new(AnthropicClient::new(ApiKey::new("fine"), CLAUDE, http).unwrap());
    let limiter = AiSpendLimiter::new(redis().await, &AiSpendCaps::default());
    let ledger = Arc::new(MemoryLedger::new());
    let (tenant, neighbour) = (ws(), ws());
    let one_slot = |deadline_ms| CallLimits { deadline: Duration::from_millis(deadline_ms), per_workspace: 1 };

    // The tenant's first call takes its only slot and stalls; it is cut off at its deadline.
    let first = limited(stalling.clone(), &limiter, &ledger, tenant).with_limits(one_slot(2_000));
    let first = tokio::spawn(async move { first.generate(&prompt(), None).await });
    while slow.received_requests().await.unwrap_or_default().is_empty() {
        tokio::task::yield_now().await;
    }
    // Its second call waits for the slot within its own deadline and never reaches the endpoint.
    let second = limited(stalling, &limiter, &ledger, tenant).with_limits(one_slot(200));
    assert_eq!(second.generate(&prompt(), None).await.unwrap_err(), AiError::Provider(ProviderError::Timeout));
    assert_eq!(slow.received_requests().await.unwrap().len(), 1, "the second call waited for the tenant's slot");
    // Another workspace is not held up by the tenant's slot.
    let other = limited(fine, &limiter, &ledger, neighbour).with_limits(one_slot(5_000));
    assert!(other.generate(&prompt(), None).await.is_ok());

    let guard = tokio::time::timeout(Duration::from_secs(60), first).await.expect("the deadline ended the stalled call");
    assert_eq!(guard.unwrap().unwrap_err(), AiError::Provider(ProviderError::Timeout));
    // Both of the tenant's reservations were released.
    assert_eq!(limiter.spent(tenant, chrono::Utc::now().date_naive()).await.unwrap().0, CostAud::ZERO);
}
