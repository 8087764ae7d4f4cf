//! Both model clients against wiremock, always through `LimitedModel` (limiter on the real
//! Redis, ledger in memory or in Postgres), as the drafting flow will use them.

use crate::{fixture, redis, settings};
use domain::ids::WorkspaceId;
use engine::ai_spend::{AiError, AiSpendCaps, AiSpendLimiter, LimitedModel, SpendScope};
use engine::ledger::{self, CostAud, CostSink, MemoryLedger, PgLedger};
use engine::providers::llm::{
    AnthropicClient, ModelPrice, ModelPrices, OpenAiCompatibleClient, Prompt, TextModel, Usage, ANTHROPIC_VERSION,
};
use engine::providers::metered::LedgerScope;
use engine::providers::{ApiKey, ProviderError};
use serde_json::json;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-ant-secret";
const CLAUDE: &str = "claude-sonnet-4-5";
const GPT: &str = "gpt-4o-mini";

fn price() -> ModelPrice {
    ModelPrice {
        input_per_mtok: 4.65,
        output_per_mtok: 23.25,
    }
}

fn prices() -> ModelPrices {
    ModelPrices(HashMap::from([(CLAUDE.to_string(), price()), (GPT.to_string(), price())]))
}

fn prompt() -> Prompt {
    Prompt::new("You write short, specific cold emails.", "Write to Ana at Acme about their new site.", 300, 0.4)
        .unwrap()
}

struct Rig {
    model: LimitedModel,
    limiter: AiSpendLimiter,
    ledger: Arc<MemoryLedger>,
    workspace: WorkspaceId,
}

impl Rig {
    async fn spent(&self) -> CostAud {
        self.limiter
            .spent(self.workspace, chrono::Utc::now().date_naive())
            .await
            .unwrap()
            .0
    }
}

async fn rig(model: Arc<dyn TextModel>, caps: AiSpendCaps) -> Rig {
    let limiter = AiSpendLimiter::new(redis().await, &caps);
    let ledger = Arc::new(MemoryLedger::new());
    let workspace = WorkspaceId(uuid::Uuid::new_v4());
    let model = LimitedModel::new(
        model,
        &prices(),
        limiter.clone(),
        ledger.clone(),
        LedgerScope {
            workspace,
            campaign: None,
        },
    )
    .unwrap();
    Rig {
        model,
        limiter,
        ledger,
        workspace,
    }
}

fn anthropic(server: &MockServer) -> Arc<dyn TextModel> {
    Arc::new(AnthropicClient::new(ApiKey::new(KEY), CLAUDE, settings(&server.uri())).unwrap())
}

fn openai(server: &MockServer) -> Arc<dyn TextModel> {
    Arc::new(OpenAiCompatibleClient::new(Some(ApiKey::new(KEY)), GPT, settings(&server.uri())).unwrap())
}

fn anthropic_error(status: u16, kind: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({ "type": "error", "error": { "type": kind, "message": message } }))
}

// ---------------------------------------------------------------------------------------------
// Anthropic
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_anthropic_call_is_reserved_settled_and_recorded_at_its_token_cost() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .and(header("anthropic-version", ANTHROPIC_VERSION))
        .and(body_partial_json(json!({
            "model": CLAUDE,
            "max_tokens": 300,
            "system": "You write short, specific cold emails.",
            "messages": [{ "role": "user", "content": "Write to Ana at Acme about their new site." }]
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("anthropic-message.docs-example.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rig = rig(anthropic(&server), AiSpendCaps::default()).await;

    let g = rig.model.generate(&prompt(), Some("lead-7".into())).await.unwrap();
    assert_eq!(g.text, "Here's the answer to your question...");
    assert_eq!(
        g.usage,
        Some(Usage {
            input_tokens: 100,
            output_tokens: 50
        })
    );
    assert_eq!(g.stop_reason.as_deref(), Some("end_turn"));

    // 100 × 4.65 + 50 × 23.25 per million = A$0.0016275 → A$0.0016.
    let rows = rig.ledger.entries();
    assert_eq!(rows.len(), 1);
    let (ws, e) = &rows[0];
    assert_eq!(*ws, rig.workspace);
    assert_eq!((e.provider.as_str(), e.operation.as_str()), ("anthropic", "messages"));
    assert_eq!((e.units, e.cost), (150.0, CostAud(16)));
    assert_eq!(e.lead_ref.as_deref(), Some("lead-7"));
    // The reservation (worst case, ≥ A$0.007) was settled down to the actual cost.
    assert_eq!(rig.spent().await, CostAud(16));
}

#[tokio::test]
async fn over_the_workspace_cap_no_call_is_made() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    // A$0.001 cannot cover 300 output tokens at A$23.25 per million.
    let rig = rig(
        anthropic(&server),
        AiSpendCaps {
            workspace_daily_aud: 0.001,
            platform_daily_aud: 100.0,
        },
    )
    .await;
    assert_eq!(
        rig.model.generate(&prompt(), None).await,
        Err(AiError::SpendCapReached {
            scope: SpendScope::Workspace
        })
    );
    assert!(rig.ledger.entries().is_empty());
    assert_eq!(rig.spent().await, CostAud::ZERO);
}

#[tokio::test]
async fn over_the_platform_cap_no_call_is_made() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let rig = rig(
        anthropic(&server),
        AiSpendCaps {
            workspace_daily_aud: 100.0,
            platform_daily_aud: 0.001,
        },
    )
    .await;
    assert_eq!(
        rig.model.generate(&prompt(), None).await,
        Err(AiError::SpendCapReached {
            scope: SpendScope::Platform
        })
    );
}

#[tokio::test]
async fn a_workspace_override_cap_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let rig = rig(anthropic(&server), AiSpendCaps::default()).await;
    let model = rig.model.with_workspace_cap(CostAud(10));
    assert!(matches!(
        model.generate(&prompt(), None).await,
        Err(AiError::SpendCapReached {
            scope: SpendScope::Workspace
        })
    ));
}

#[tokio::test]
async fn a_model_without_a_price_cannot_be_used() {
    let server = MockServer::start().await;
    let limiter = AiSpendLimiter::new(redis().await, &AiSpendCaps::default());
    let model: Arc<dyn TextModel> =
        Arc::new(AnthropicClient::new(ApiKey::new(KEY), "claude-unpriced", settings(&server.uri())).unwrap());
    let r = LimitedModel::new(
        model,
        &prices(),
        limiter,
        Arc::new(MemoryLedger::new()),
        LedgerScope {
            workspace: WorkspaceId(uuid::Uuid::new_v4()),
            campaign: None,
        },
    );
    assert!(matches!(r, Err(AiError::UnpricedModel(m)) if m == "claude-unpriced"));
}

#[tokio::test]
async fn an_overloaded_anthropic_is_retried_and_only_the_answer_is_charged() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(anthropic_error(529, "overloaded_error", "Overloaded"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("anthropic-message.docs-example.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rig = rig(anthropic(&server), AiSpendCaps::default()).await;
    assert!(rig.model.generate(&prompt(), None).await.is_ok());
    assert_eq!(rig.ledger.entries().len(), 1);
    assert_eq!(rig.spent().await, CostAud(16));
}

#[tokio::test]
async fn an_anthropic_rate_limit_waits_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            anthropic_error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit")
                .insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("anthropic-message.docs-example.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let rig = rig(anthropic(&server), AiSpendCaps::default()).await;
    let started = Instant::now();
    assert!(rig.model.generate(&prompt(), None).await.is_ok());
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn every_anthropic_failure_is_typed_releases_the_reservation_and_records_nothing() {
    let cases = [
        (
            anthropic_error(400, "invalid_request_error", "max_tokens: must be at most 8192"),
            ProviderError::BadRequest("max_tokens: must be at most 8192".into()),
        ),
        (
            anthropic_error(401, "authentication_error", "invalid x-api-key"),
            ProviderError::Unauthorized,
        ),
        (
            anthropic_error(402, "billing_error", "Your credit balance is too low"),
            ProviderError::InsufficientCredits,
        ),
        (
            anthropic_error(403, "permission_error", "Your API key does not have permission"),
            ProviderError::Unauthorized,
        ),
        (anthropic_error(404, "not_found_error", "model: claude-x"), ProviderError::NotFound),
        (
            anthropic_error(429, "rate_limit_error", "rate limited").insert_header("retry-after", "3600"),
            ProviderError::RateLimited {
                retry_after: Some(Duration::from_secs(3600)),
            },
        ),
        (
            ResponseTemplate::new(200).set_body_raw("{\"content\": [", "application/json"),
            ProviderError::Malformed(String::new()),
        ),
    ];
    for (response, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(response).mount(&server).await;
        let rig = rig(anthropic(&server), AiSpendCaps::default()).await;
        let got = rig.model.generate(&prompt(), None).await;
        match (&got, &expected) {
            (Err(AiError::Provider(ProviderError::Malformed(_))), ProviderError::Malformed(_)) => {}
            _ => assert_eq!(got, Err(AiError::Provider(expected.clone()))),
        }
        assert!(rig.ledger.entries().is_empty(), "{expected:?}");
        assert_eq!(rig.spent().await, CostAud::ZERO, "{expected:?}");
    }
}

#[tokio::test]
async fn a_persistent_overload_and_a_timeout_release_everything() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(anthropic_error(529, "overloaded_error", "Overloaded"))
        .expect(3)
        .mount(&server)
        .await;
    let rig1 = rig(anthropic(&server), AiSpendCaps::default()).await;
    assert_eq!(
        rig1.model.generate(&prompt(), None).await,
        Err(AiError::Provider(ProviderError::Upstream { status: 529 }))
    );
    assert_eq!(rig1.spent().await, CostAud::ZERO);

    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&slow)
        .await;
    let rig2 = rig(anthropic(&slow), AiSpendCaps::default()).await;
    assert_eq!(
        rig2.model.generate(&prompt(), None).await,
        Err(AiError::Provider(ProviderError::Timeout))
    );
    assert_eq!(rig2.spent().await, CostAud::ZERO);
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_debug_output() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(anthropic_error(400, "invalid_request_error", "bad"))
        .mount(&server)
        .await;
    let client = AnthropicClient::new(ApiKey::new(KEY), CLAUDE, settings(&server.uri())).unwrap();
    let e = client.generate(&prompt()).await.unwrap_err();
    assert!(!format!("{e} {e:?} {client:?}").contains(KEY));
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible
// ---------------------------------------------------------------------------------------------

fn completion(content: Option<&str>, usage: bool) -> serde_json::Value {
    let mut v = json!({
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": null },
            "logprobs": null,
            "finish_reason": "stop"
        }]
    });
    if usage {
        // At most one token per prompt byte (81) plus framing: usage the request can produce.
        v["usage"] = json!({ "prompt_tokens": 120, "completion_tokens": 100, "total_tokens": 220 });
    }
    v
}

#[tokio::test]
async fn an_openai_compatible_call_sends_system_and_user_and_is_charged_by_usage() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({
            "model": GPT,
            "max_tokens": 300,
            "messages": [
                { "role": "system", "content": "You write short, specific cold emails." },
                { "role": "user", "content": "Write to Ana at Acme about their new site." }
            ]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(Some("Hi Ana, …"), true)))
        .expect(1)
        .mount(&server)
        .await;
    let rig = rig(openai(&server), AiSpendCaps::default()).await;
    let g = rig.model.generate(&prompt(), None).await.unwrap();
    assert_eq!(g.text, "Hi Ana, …");
    assert_eq!(g.model, "gpt-4o-mini-2024-07-18");
    // 120 × 4.65 + 100 × 23.25 per million = A$0.002883 → A$0.0029.
    let (_, e) = &rig.ledger.entries()[0];
    assert_eq!((e.provider.as_str(), e.operation.as_str()), ("openai_compatible", "chat_completions"));
    assert_eq!((e.units, e.cost), (220.0, CostAud(29)));
    assert_eq!(rig.spent().await, CostAud(29));
}

#[tokio::test]
async fn without_reported_usage_the_reservation_is_kept_as_the_cost() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(Some("Hi"), false)))
        .mount(&server)
        .await;
    let rig = rig(openai(&server), AiSpendCaps::default()).await;
    rig.model.generate(&prompt(), None).await.unwrap();
    let estimate = price().estimate(&prompt());
    assert_eq!(rig.spent().await, estimate);
    assert_eq!(rig.ledger.entries()[0].1.cost, estimate);
}

#[tokio::test]
async fn an_empty_answer_is_an_error_but_its_tokens_are_still_charged() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(None, true)))
        .mount(&server)
        .await;
    let rig = rig(openai(&server), AiSpendCaps::default()).await;
    assert_eq!(rig.model.generate(&prompt(), None).await, Err(AiError::EmptyAnswer));
    assert_eq!(rig.ledger.entries().len(), 1);
    assert_eq!(rig.spent().await, CostAud(29));
}

#[tokio::test]
async fn an_exhausted_quota_is_not_retried_but_a_rate_limit_is() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({ "error": {
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "type": "insufficient_quota", "param": null, "code": "insufficient_quota"
        }})))
        .expect(1)
        .mount(&server)
        .await;
    let rig1 = rig(openai(&server), AiSpendCaps::default()).await;
    assert_eq!(
        rig1.model.generate(&prompt(), None).await,
        Err(AiError::Provider(ProviderError::InsufficientCredits))
    );

    let limited = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(json!({ "error": {
                    "message": "Rate limit reached for requests", "type": "requests", "param": null, "code": "rate_limit_exceeded"
                }})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&limited)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(Some("Hi"), true)))
        .mount(&limited)
        .await;
    let rig2 = rig(openai(&limited), AiSpendCaps::default()).await;
    let started = Instant::now();
    assert!(rig2.model.generate(&prompt(), None).await.is_ok());
    assert!(started.elapsed() >= Duration::from_millis(950));
}

#[tokio::test]
async fn openai_errors_are_typed_with_their_message() {
    let cases = [
        (
            ResponseTemplate::new(400).set_body_json(json!({ "error": {
                "message": "Invalid value for 'temperature'", "type": "invalid_request_error", "param": "temperature", "code": null
            }})),
            ProviderError::BadRequest("Invalid value for 'temperature'".into()),
        ),
        (
            ResponseTemplate::new(401).set_body_json(json!({ "error": {
                "message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
            }})),
            ProviderError::Unauthorized,
        ),
        (
            ResponseTemplate::new(404).set_body_json(json!({ "error": {
                "message": "The model `gpt-x` does not exist", "type": "invalid_request_error", "param": null, "code": "model_not_found"
            }})),
            ProviderError::NotFound,
        ),
    ];
    for (response, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(response).expect(1).mount(&server).await;
        let rig = rig(openai(&server), AiSpendCaps::default()).await;
        assert_eq!(rig.model.generate(&prompt(), None).await, Err(AiError::Provider(expected)));
        assert_eq!(rig.spent().await, CostAud::ZERO);
    }
}

#[tokio::test]
async fn a_keyless_local_endpoint_gets_no_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(Some("Hi"), true)))
        .mount(&server)
        .await;
    let client = OpenAiCompatibleClient::new(None, GPT, settings(&server.uri())).unwrap();
    assert_eq!(client.generate(&prompt()).await.unwrap().text, "Hi");
}

// ---------------------------------------------------------------------------------------------
// Postgres ledger
// ---------------------------------------------------------------------------------------------

async fn workspace(pool: &PgPool) -> WorkspaceId {
    let user: uuid::Uuid =
        sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, 'Owner', 'x') returning id")
            .bind(format!("{}@example.com", uuid::Uuid::new_v4()))
            .fetch_one(pool)
            .await
            .unwrap();
    let ws: uuid::Uuid = sqlx::query_scalar("insert into workspaces (name, created_by) values ('Acme', $1) returning id")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap();
    WorkspaceId(ws)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_model_call_lands_in_the_postgres_cost_ledger(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("anthropic-message.docs-example.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let ws = workspace(&pool).await;
    let sink: Arc<dyn CostSink> = Arc::new(PgLedger { pool: pool.clone() });
    let model = LimitedModel::new(
        anthropic(&server),
        &prices(),
        AiSpendLimiter::new(redis().await, &AiSpendCaps::default()),
        sink,
        LedgerScope {
            workspace: ws,
            campaign: None,
        },
    )
    .unwrap();
    model.generate(&prompt(), Some("lead-1".into())).await.unwrap();
    let t = ledger::totals(&pool, ws, chrono::Utc::now() - chrono::Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((t.calls, t.cost), (1, CostAud(16)));
    assert_eq!(
        (t.by_operation[0].provider.as_str(), t.by_operation[0].operation.as_str()),
        ("anthropic", "messages")
    );
}
