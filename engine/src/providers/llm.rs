//! Language models (SPEC §8, optional): the [`TextModel`] capability and its two real clients,
//! [`AnthropicClient`] (Messages API) and [`OpenAiCompatibleClient`] (any chat-completions
//! endpoint), plus per-model prices ([`ModelPrices`]) that turn token usage into AUD.
//!
//! Nothing here enforces spend: every call the product makes goes through
//! [`crate::ai_spend::LimitedModel`], which reserves against the daily caps before calling and
//! writes the cost ledger after. Callers never hold a bare client.
//!
//! Written against the providers' API references: Anthropic `POST /v1/messages` with `x-api-key`
//! and `anthropic-version` headers, errors `{"type": "error", "error": {"type", "message"}}`
//! (400 invalid_request_error, 401 authentication_error, 402 billing_error, 403
//! permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error with
//! `retry-after`, 500 api_error, 529 overloaded_error); OpenAI `POST {base}/chat/completions`
//! with a Bearer key, errors `{"error": {"message", "type", "code"}}`, where a 429 with code
//! `insufficient_quota` means the account is out of money rather than going too fast.

use super::http::{common_status_error, excerpt, parse_json, parse_retry_after, HttpCore, HttpSettings, Reply};
use super::*;
use crate::ledger::CostAud;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// One generation request. Built with [`Prompt::new`], which refuses what every provider would.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub system: String,
    pub user: String,
    /// The most tokens the answer may have; also what the spend limiter reserves for.
    pub max_tokens: u32,
    /// 0.0–1.0, the range both APIs accept.
    pub temperature: f32,
}

impl Prompt {
    pub const MAX_TOKENS: u32 = 32_000;
    /// Tokens the APIs add around the messages (roles, separators); generous.
    pub const FRAMING_TOKENS: u32 = 64;

    pub fn new(system: &str, user: &str, max_tokens: u32, temperature: f32) -> Result<Self, ProviderError> {
        if user.trim().is_empty() {
            return Err(ProviderError::BadRequest("the prompt is empty".into()));
        }
        if max_tokens == 0 || max_tokens > Self::MAX_TOKENS {
            return Err(ProviderError::BadRequest(format!(
                "max_tokens must be between 1 and {}",
                Self::MAX_TOKENS
            )));
        }
        if !(0.0..=1.0).contains(&temperature) {
            return Err(ProviderError::BadRequest("temperature must be between 0 and 1".into()));
        }
        Ok(Self {
            system: system.to_string(),
            user: user.to_string(),
            max_tokens,
            temperature,
        })
    }
}

/// Prompts hold lead data: Debug shows sizes only.
impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prompt")
            .field("system_bytes", &self.system.len())
            .field("user_bytes", &self.user.len())
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u32,
    pub output_tokens: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub text: String,
    /// `None` when an OpenAI-compatible server does not report usage; the limiter then keeps
    /// the whole reservation as the cost (the worst case the call could have cost).
    pub usage: Option<Usage>,
    /// The model that answered, as the provider names it.
    pub model: String,
    /// `end_turn` / `stop` normally; `max_tokens` / `length` when the answer was cut off.
    pub stop_reason: Option<String>,
}

/// A language model. Implementations make one HTTP exchange per call (with the shared retries);
/// they neither limit spend nor record cost (see the module docs).
#[async_trait]
pub trait TextModel: Send + Sync {
    fn provider(&self) -> ProviderName;
    /// The configured model name; prices are looked up by it.
    fn model(&self) -> &str;
    async fn generate(&self, prompt: &Prompt) -> Result<Generation, ProviderError>;
}

// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/// AUD per million tokens for one model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelPrice {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

impl ModelPrice {
    fn aud(&self, input: f64, output: f64) -> f64 {
        (input * self.input_per_mtok + output * self.output_per_mtok) / 1_000_000.0
    }

    /// What a call that used `usage` cost.
    pub fn cost(&self, usage: Usage) -> CostAud {
        CostAud::from_dollars(self.aud(usage.input_tokens as f64, usage.output_tokens as f64))
    }

    /// The most usage a provider can truthfully report for `prompt`: no tokeniser makes more
    /// tokens than the text has bytes (plus the message framing), and the answer stops at
    /// `max_tokens` (both APIs document it as a hard limit).
    pub fn ceiling(&self, prompt: &Prompt) -> Usage {
        let bytes = prompt.system.len() + prompt.user.len();
        Usage {
            input_tokens: u32::try_from(bytes + Prompt::FRAMING_TOKENS as usize).unwrap_or(u32::MAX),
            output_tokens: prompt.max_tokens,
        }
    }

    /// An upper bound on what `prompt` can cost before it is sent: the whole `max_tokens` of
    /// output, and the input counted as one token per three bytes plus framing. Tokenisers
    /// average about four bytes a token in English, so this over-reserves a little; the
    /// difference is released when the call settles.
    pub fn estimate(&self, prompt: &Prompt) -> CostAud {
        let input = ((prompt.system.len() + prompt.user.len()) as f64 / 3.0).ceil() + 32.0;
        CostAud((self.aud(input, prompt.max_tokens as f64) * 10_000.0).ceil() as i64)
    }
}

/// Prices by model name (configuration). A model without a price cannot be used: its spend
/// could not be capped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ModelPrices(pub HashMap<String, ModelPrice>);

impl ModelPrices {
    pub fn get(&self, model: &str) -> Option<ModelPrice> {
        self.0.get(model).copied()
    }
}

impl Default for ModelPrices {
    /// List prices in USD per million tokens converted at 1 USD = 1.55 AUD; configuration
    /// overrides them and should be checked against the providers' price pages.
    fn default() -> Self {
        let p = |input_usd: f64, output_usd: f64| ModelPrice {
            input_per_mtok: input_usd * 1.55,
            output_per_mtok: output_usd * 1.55,
        };
        Self(HashMap::from([
            ("claude-sonnet-4-5".to_string(), p(3.0, 15.0)),
            ("claude-haiku-4-5".to_string(), p(1.0, 5.0)),
            ("gpt-4o-mini".to_string(), p(0.15, 0.60)),
            ("gpt-4o".to_string(), p(2.50, 10.0)),
        ]))
    }
}

// ---------------------------------------------------------------------------------------------
// Anthropic
// ---------------------------------------------------------------------------------------------

pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// The API version we wrote against; sent on every request as Anthropic requires.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

#[derive(Debug, Clone)]
pub struct AnthropicClient {
    http: HttpCore,
    key: ApiKey,
    model: String,
}

impl AnthropicClient {
    pub fn new(key: ApiKey, model: impl Into<String>, settings: HttpSettings) -> Result<Self, ProviderError> {
        let model = model.into().trim().to_string();
        if model.is_empty() {
            return Err(ProviderError::BadRequest("no Anthropic model is configured".into()));
        }
        Ok(Self {
            http: HttpCore::new(ProviderName::Anthropic, &settings)?,
            key,
            model,
        })
    }

    pub fn with_defaults(key: ApiKey, model: impl Into<String>) -> Result<Self, ProviderError> {
        Self::new(key, model, HttpSettings::new(ANTHROPIC_BASE_URL))
    }
}

#[derive(Deserialize)]
struct AnthropicError {
    error: Option<AnthropicErrorDetail>,
}

#[derive(Deserialize)]
struct AnthropicErrorDetail {
    #[serde(rename = "type")]
    kind: Option<String>,
    message: Option<String>,
}

fn classify_anthropic(r: Reply) -> Result<AnthropicMessage, ProviderError> {
    if (200..300).contains(&r.status) {
        return parse_json(&r.body);
    }
    let detail = serde_json::from_slice::<AnthropicError>(&r.body).ok().and_then(|e| e.error);
    let kind = detail.as_ref().and_then(|d| d.kind.clone()).unwrap_or_default();
    let message = detail.and_then(|d| d.message).unwrap_or_else(|| excerpt(&r.body));
    // An empty balance comes back as billing_error, or as a 400 saying so.
    if kind == "billing_error" || message.contains("credit balance is too low") {
        return Err(ProviderError::InsufficientCredits);
    }
    match (r.status, kind.as_str()) {
        (429, _) | (_, "rate_limit_error") => Err(ProviderError::RateLimited {
            retry_after: parse_retry_after(&r.headers),
        }),
        // Overloaded is about the moment, not the request: retried like a 503.
        (529, _) | (_, "overloaded_error") => Err(ProviderError::Upstream { status: 529 }),
        (s, _) => Err(common_status_error(s, &r.headers, || message)),
    }
}

#[derive(Deserialize)]
struct AnthropicMessage {
    model: Option<String>,
    content: Vec<AnthropicBlock>,
    stop_reason: Option<String>,
    usage: Option<AnthropicUsage>,
}

#[derive(Deserialize)]
struct AnthropicBlock {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct AnthropicUsage {
    input_tokens: u32,
    output_tokens: u32,
}

#[async_trait]
impl TextModel for AnthropicClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Anthropic
    }

    fn model(&self) -> &str {
        &self.model
    }

    #[tracing::instrument(skip_all, fields(provider = "anthropic", model = %self.model))]
    async fn generate(&self, prompt: &Prompt) -> Result<Generation, ProviderError> {
        let mut body = json!({
            "model": self.model,
            "max_tokens": prompt.max_tokens,
            "temperature": prompt.temperature,
            "messages": [{ "role": "user", "content": prompt.user }],
        });
        if !prompt.system.trim().is_empty() {
            body["system"] = json!(prompt.system);
        }
        let url = self.http.url("v1/messages");
        let m = self
            .http
            .send(
                |c| {
                    c.post(&url)
                        .header("x-api-key", self.key.expose())
                        .header("anthropic-version", ANTHROPIC_VERSION)
                        .json(&body)
                },
                classify_anthropic,
            )
            .await?;
        let text = m
            .content
            .iter()
            .filter(|b| b.kind == "text")
            .filter_map(|b| b.text.as_deref())
            .collect::<Vec<_>>()
            .join("");
        Ok(Generation {
            text,
            usage: m.usage.map(|u| Usage {
                input_tokens: u.input_tokens,
                output_tokens: u.output_tokens,
            }),
            model: m.model.unwrap_or_else(|| self.model.clone()),
            stop_reason: m.stop_reason,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible
// ---------------------------------------------------------------------------------------------

pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

#[derive(Debug, Clone)]
pub struct OpenAiCompatibleClient {
    http: HttpCore,
    /// Local servers (vLLM, Ollama) often take no key.
    key: Option<ApiKey>,
    model: String,
}

impl OpenAiCompatibleClient {
    /// `settings.base_url` is the API root that `chat/completions` hangs off, e.g.
    /// `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    pub fn new(key: Option<ApiKey>, model: impl Into<String>, settings: HttpSettings) -> Result<Self, ProviderError> {
        let model = model.into().trim().to_string();
        if model.is_empty() {
            return Err(ProviderError::BadRequest("no model is configured for the endpoint".into()));
        }
        Ok(Self {
            http: HttpCore::new(ProviderName::OpenAiCompatible, &settings)?,
            key: key.filter(|k| !k.expose().trim().is_empty()),
            model,
        })
    }
}

#[derive(Deserialize)]
struct OpenAiError {
    error: Option<OpenAiErrorDetail>,
}

#[derive(Deserialize)]
struct OpenAiErrorDetail {
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<serde_json::Value>,
}

fn classify_openai(r: Reply) -> Result<ChatCompletion, ProviderError> {
    if (200..300).contains(&r.status) {
        return parse_json(&r.body);
    }
    let detail = serde_json::from_slice::<OpenAiError>(&r.body).ok().and_then(|e| e.error);
    let quota = detail.as_ref().is_some_and(|d| {
        d.kind.as_deref() == Some("insufficient_quota")
            || d.code.as_ref().and_then(|c| c.as_str()) == Some("insufficient_quota")
    });
    if quota {
        return Err(ProviderError::InsufficientCredits);
    }
    let message = detail.and_then(|d| d.message).unwrap_or_else(|| excerpt(&r.body));
    Err(common_status_error(r.status, &r.headers, || message))
}

#[derive(Deserialize)]
struct ChatCompletion {
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<ChatUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChatMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChatMessage {
    content: Option<String>,
}

#[derive(Deserialize)]
struct ChatUsage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[async_trait]
impl TextModel for OpenAiCompatibleClient {
    fn provider(&self) -> ProviderName {
        ProviderName::OpenAiCompatible
    }

    fn model(&self) -> &str {
        &self.model
    }

    #[tracing::instrument(skip_all, fields(provider = "openai_compatible", model = %self.model))]
    async fn generate(&self, prompt: &Prompt) -> Result<Generation, ProviderError> {
        let mut messages = Vec::new();
        if !prompt.system.trim().is_empty() {
            messages.push(json!({ "role": "system", "content": prompt.system }));
        }
        messages.push(json!({ "role": "user", "content": prompt.user }));
        // `max_tokens`, not `max_completion_tokens`: the older name is the one every compatible
        // server understands.
        let body = json!({
            "model": self.model,
            "messages": messages,
            "max_tokens": prompt.max_tokens,
            "temperature": prompt.temperature,
        });
        let url = self.http.url("chat/completions");
        let c = self
            .http
            .send(
                |client| {
                    let req = client.post(&url).json(&body);
                    match &self.key {
                        Some(k) => req.bearer_auth(k.expose()),
                        None => req,
                    }
                },
                classify_openai,
            )
            .await?;
        let choice = c
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| ProviderError::Malformed("the answer has no choices".into()))?;
        Ok(Generation {
            text: choice.message.content.unwrap_or_default(),
            usage: c.usage.map(|u| Usage {
                input_tokens: u.prompt_tokens,
                output_tokens: u.completion_tokens,
            }),
            model: c.model.unwrap_or_else(|| self.model.clone()),
            stop_reason: choice.finish_reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_refuses_what_every_provider_would() {
        assert!(Prompt::new("", "Write", 200, 0.7).is_ok());
        assert!(Prompt::new("s", "  ", 200, 0.7).is_err());
        assert!(Prompt::new("s", "u", 0, 0.7).is_err());
        assert!(Prompt::new("s", "u", 200, 1.5).is_err());
    }

    #[test]
    fn a_prompt_never_prints_its_text() {
        let p = Prompt::new("secret system", "lead data", 10, 0.0).unwrap();
        let d = format!("{p:?}");
        assert!(!d.contains("secret") && !d.contains("lead data"));
    }

    #[test]
    fn cost_follows_token_usage_and_the_estimate_bounds_it() {
        let price = ModelPrice {
            input_per_mtok: 4.65,
            output_per_mtok: 23.25,
        };
        // 100 in, 50 out: 0.000465 + 0.0011625 = 0.0016275 → A$0.0016
        assert_eq!(
            price.cost(Usage {
                input_tokens: 100,
                output_tokens: 50
            }),
            CostAud(16)
        );
        let prompt = Prompt::new("You write emails.", &"word ".repeat(200), 300, 0.5).unwrap();
        let estimate = price.estimate(&prompt);
        // Real usage of that prompt: ~250 tokens in, at most 300 out.
        let worst = price.cost(Usage {
            input_tokens: 260,
            output_tokens: 300,
        });
        assert!(estimate >= worst, "{estimate} < {worst}");
    }
}
