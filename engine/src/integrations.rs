//! Which client plays each provider for a workspace (SPEC §16): the real reqwest client when the
//! workspace stored a key (or the installation configured one for everybody), the seeded
//! sandbox otherwise.
//!
//! [`Resolver::enricher_for`] opens the workspace's sealed keys, builds the clients and keeps
//! the result for a short while (`ProviderConfig::cache_ttl`). Changing a key bumps a per-workspace
//! version in Redis ([`keys_changed`]), and a resolver — in this process or any other — that
//! sees a new version drops its entry, so a replaced or removed key is not used again.
//!
//! Language models (Anthropic, OpenAI-compatible) are resolved the same way, key by key, but
//! only ever handed out wrapped in [`LimitedModel`] ([`language_model`]): drafting never holds
//! a bare client, so every call is capped and costed.
//!
//! Breakers: a provider played by the sandbox or by the installation's key shares the
//! process-wide breaker; one played by a workspace's own key gets a breaker of its own, so one
//! workspace's dead key never switches the provider off for everybody, and a replaced key
//! starts with a closed breaker.

use crate::providers::apollo::{self, ApolloClient};
use crate::providers::bettercontact::{self, BetterContactClient};
use crate::providers::clay::ClayClient;
use crate::providers::clay_inbox::{RedisClayInbox, DEFAULT_PENDING_TTL};
use crate::providers::dataforseo::{self, DataForSeoClient, SeoLocale};
use crate::providers::hunter::{self, HunterClient};
use crate::providers::instantly::{self, InstantlyClient};
use crate::providers::sandbox::{Sandbox, SandboxProfile};
use crate::providers::sender::{ExternalSender, FoundSend, OutboundEmail, SendOutcome};
use crate::providers::smartlead::{self, SmartleadClient};
use crate::providers::http::{HttpSettings, RetryPolicy};
use crate::providers::llm::{self, AnthropicClient, ModelPrices, OpenAiCompatibleClient, Prompt, TextModel};
use crate::ai_spend::{AiSpendCaps, AiSpendLimiter, CallLimits, LimitedModel, Payer};
use crate::ledger::PgLedger;
use crate::providers::metered::LedgerScope;
use crate::providers::*;
use async_trait::async_trait;
use std::fmt;
use crate::flows::enrich::{Breakers, Enricher};
use crate::secrets::{Keyring, SecretError};
use crate::store::provider_keys;
use crate::{Engine, Error};
use domain::ids::WorkspaceId;
use domain::integrations::{CredentialInput, Integration};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A provider credential, opened. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Key(ApiKey),
    Login { login: String, password: ApiKey },
    ClayTable { webhook_url: ApiKey, auth_token: Option<ApiKey> },
    /// An OpenAI-compatible endpoint; `None` means the installation's URL or model.
    Endpoint { key: ApiKey, base_url: Option<String>, model: Option<String> },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credential(****)")
    }
}

impl From<CredentialInput> for Credential {
    fn from(c: CredentialInput) -> Self {
        match c {
            CredentialInput::Key(k) => Credential::Key(ApiKey::new(k)),
            CredentialInput::Login { login, password } => Credential::Login { login, password: ApiKey::new(password) },
            CredentialInput::ClayTable { webhook_url, auth_token } => {
                Credential::ClayTable { webhook_url: ApiKey::new(webhook_url), auth_token: auth_token.map(ApiKey::new) }
            }
            CredentialInput::Endpoint { key, base_url, model } => Credential::Endpoint { key: ApiKey::new(key), base_url, model },
        }
    }
}

/// The sealed form's plaintext.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Plain {
    Key { key: String },
    Login { login: String, password: String },
    ClayTable { webhook_url: String, auth_token: Option<String> },
    Endpoint { key: String, base_url: Option<String>, model: Option<String> },
}

/// What a sealed provider key is bound to: this workspace, this provider.
pub fn key_context(ws: WorkspaceId, provider: Integration) -> Vec<u8> {
    format!("agency-os/provider-key/v1|{ws}|{}", provider.slug()).into_bytes()
}

/// What a sealed webhook token (the secret in `/webhooks/{provider}/{workspace}/{token}`) is
/// bound to: this workspace, this provider. Clay's keeps the context it was first sealed with.
pub fn callback_context(ws: WorkspaceId, provider: Integration) -> Vec<u8> {
    match provider {
        Integration::Clay => format!("agency-os/clay-callback/v1|{ws}").into_bytes(),
        p => format!("agency-os/webhook-token/v1|{ws}|{}", p.slug()).into_bytes(),
    }
}

impl Credential {
    pub fn seal(&self, keyring: &Keyring, ws: WorkspaceId, provider: Integration) -> String {
        let plain = match self {
            Credential::Key(k) => Plain::Key { key: k.expose().into() },
            Credential::Login { login, password } => Plain::Login { login: login.clone(), password: password.expose().into() },
            Credential::ClayTable { webhook_url, auth_token } => Plain::ClayTable {
                webhook_url: webhook_url.expose().into(),
                auth_token: auth_token.as_ref().map(|t| t.expose().to_string()),
            },
            Credential::Endpoint { key, base_url, model } => {
                Plain::Endpoint { key: key.expose().into(), base_url: base_url.clone(), model: model.clone() }
            }
        };
        let json = serde_json::to_vec(&plain).expect("a credential serialises");
        keyring.seal(&key_context(ws, provider), &json)
    }

    pub fn open(keyring: &Keyring, ws: WorkspaceId, provider: Integration, sealed: &str) -> Result<Self, SecretError> {
        let json = keyring.open(&key_context(ws, provider), sealed)?;
        Ok(match serde_json::from_slice::<Plain>(&json).map_err(|_| SecretError::Malformed)? {
            Plain::Key { key } => Credential::Key(ApiKey::new(key)),
            Plain::Login { login, password } => Credential::Login { login, password: ApiKey::new(password) },
            Plain::ClayTable { webhook_url, auth_token } => {
                Credential::ClayTable { webhook_url: ApiKey::new(webhook_url), auth_token: auth_token.map(ApiKey::new) }
            }
            Plain::Endpoint { key, base_url, model } => Credential::Endpoint { key: ApiKey::new(key), base_url, model },
        })
    }
}

/// Provider configuration of the installation: base URLs (so tests and proxies can point the
/// clients elsewhere), keys set for every workspace, and the resolver's timings.
#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub apollo_url: String,
    pub hunter_url: String,
    pub dataforseo_url: String,
    pub bettercontact_url: String,
    pub instantly_url: String,
    pub smartlead_url: String,
    /// Anthropic Messages API root (`AGENCY_OS_ANTHROPIC_URL`).
    pub anthropic_url: String,
    /// The Claude model drafting asks (`AGENCY_OS_ANTHROPIC_MODEL`); it must have a price.
    pub anthropic_model: String,
    /// The chat-completions root used when a key does not name its own (`AGENCY_OS_OPENAI_URL`).
    pub openai_url: String,
    /// The model used when a key does not name its own (`AGENCY_OS_OPENAI_MODEL`).
    pub openai_model: String,
    /// Daily AI spend caps in AUD, per workspace and for the platform.
    pub ai_caps: AiSpendCaps,
    /// AUD per million tokens by model; a model without a price is never called.
    pub model_prices: ModelPrices,
    /// Used by a workspace that has not stored its own key for the provider.
    pub platform: BTreeMap<Integration, Credential>,
    /// Seed of the sandbox that plays providers nobody has a key for.
    pub sandbox_seed: u64,
    /// How long a resolved set of clients is reused without looking at the key version.
    pub cache_ttl: Duration,
    /// How long a Clay row may stay unanswered.
    pub clay_pending_ttl: Duration,
    pub retry: RetryPolicy,
    pub timeout: Duration,
    /// Per model call: its deadline, and how many of one workspace's run at once.
    pub model_calls: CallLimits,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            apollo_url: apollo::DEFAULT_BASE_URL.into(),
            hunter_url: hunter::DEFAULT_BASE_URL.into(),
            dataforseo_url: dataforseo::DEFAULT_BASE_URL.into(),
            bettercontact_url: bettercontact::DEFAULT_BASE_URL.into(),
            instantly_url: instantly::DEFAULT_BASE_URL.into(),
            smartlead_url: smartlead::DEFAULT_BASE_URL.into(),
            anthropic_url: llm::ANTHROPIC_BASE_URL.into(),
            anthropic_model: "claude-haiku-4-5".into(),
            openai_url: llm::OPENAI_BASE_URL.into(),
            openai_model: "gpt-4o-mini".into(),
            ai_caps: AiSpendCaps::default(),
            model_prices: ModelPrices::default(),
            platform: BTreeMap::new(),
            sandbox_seed: 2026,
            cache_ttl: Duration::from_secs(60),
            clay_pending_ttl: DEFAULT_PENDING_TTL,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(20),
            model_calls: CallLimits::default(),
        }
    }
}

impl ProviderConfig {
    fn http(&self, base_url: &str) -> HttpSettings {
        let mut s = HttpSettings::new(base_url);
        s.retry = self.retry.clone();
        s.timeout = self.timeout;
        s
    }
}

/// One provider's real client, whichever capability it serves.
pub enum RealClient {
    Apollo(ApolloClient),
    Hunter(HunterClient),
    DataForSeo(DataForSeoClient),
    BetterContact(BetterContactClient),
    Clay(ClayClient),
    Instantly(InstantlyClient),
    Smartlead(SmartleadClient),
    /// A language model, already behind the spend limiter and the ledger.
    Model(Box<LimitedModel>),
}

fn wrong_shape(provider: Integration) -> ProviderError {
    ProviderError::BadRequest(format!("the stored {} credential has the wrong shape", provider.label()))
}

/// Builds the real client of `provider` from its credential.
pub fn real_client(engine: &Engine, ws: WorkspaceId, provider: Integration, credential: &Credential) -> Result<RealClient, ProviderError> {
    let c = &engine.settings.providers;
    Ok(match (provider, credential) {
        (Integration::Apollo, Credential::Key(k)) => RealClient::Apollo(ApolloClient::new(k.clone(), c.http(&c.apollo_url))?),
        (Integration::Hunter, Credential::Key(k)) => RealClient::Hunter(HunterClient::new(k.clone(), c.http(&c.hunter_url))?),
        (Integration::BetterContact, Credential::Key(k)) => {
            RealClient::BetterContact(BetterContactClient::new(k.clone(), c.http(&c.bettercontact_url))?)
        }
        (Integration::DataForSeo, Credential::Login { login, password }) => RealClient::DataForSeo(DataForSeoClient::new(
            login.clone(),
            password.clone(),
            SeoLocale::default(),
            c.http(&c.dataforseo_url),
        )?),
        (Integration::Clay, Credential::ClayTable { webhook_url, auth_token }) => {
            let inbox = RedisClayInbox::new(engine.redis.clone(), ws, c.clay_pending_ttl);
            // The URL is per table; the base URL only carries timeouts and retries.
            let http = guarded(engine, provider, credential, true, c.http("https://api.clay.com"));
            RealClient::Clay(ClayClient::with_store(webhook_url.clone(), auth_token.clone(), Arc::new(inbox), http)?)
        }
        (Integration::Instantly, Credential::Key(k)) => RealClient::Instantly(InstantlyClient::new(k.clone(), c.http(&c.instantly_url))?),
        (Integration::Smartlead, Credential::Key(k)) => RealClient::Smartlead(SmartleadClient::new(k.clone(), c.http(&c.smartlead_url))?),
        (Integration::Anthropic | Integration::OpenAiCompatible, _) => {
            let model = text_model(engine, provider, credential)?;
            let limited = limited(engine, ws, None, model, payer(engine, provider, credential)).map_err(|e| ProviderError::BadRequest(e.to_string()))?;
            RealClient::Model(Box::new(limited))
        }
        (p, _) => return Err(wrong_shape(p)),
    })
}

/// The bare client of a language-model credential. Private to this module on purpose: callers
/// get it only inside a [`LimitedModel`].
fn text_model(engine: &Engine, provider: Integration, credential: &Credential) -> Result<Arc<dyn TextModel>, ProviderError> {
    let c = &engine.settings.providers;
    Ok(match (provider, credential) {
        (Integration::Anthropic, Credential::Key(k)) => {
            let http = guarded(engine, provider, credential, false, c.http(&c.anthropic_url));
            Arc::new(AnthropicClient::new(k.clone(), c.anthropic_model.clone(), http)?)
        }
        (Integration::OpenAiCompatible, Credential::Endpoint { key, base_url, model }) => {
            let url = base_url.as_deref().unwrap_or(&c.openai_url);
            let model = model.clone().unwrap_or_else(|| c.openai_model.clone());
            let http = guarded(engine, provider, credential, base_url.is_some(), c.http(url));
            Arc::new(OpenAiCompatibleClient::new(Some(key.clone()), model, http)?)
        }
        // An installation key configured as a plain key: the configured endpoint and model.
        (Integration::OpenAiCompatible, Credential::Key(k)) => {
            let http = guarded(engine, provider, credential, false, c.http(&c.openai_url));
            Arc::new(OpenAiCompatibleClient::new(Some(k.clone()), c.openai_model.clone(), http)?)
        }
        (p, _) => return Err(wrong_shape(p)),
    })
}

/// Model and Clay clients answer to the outbound-connection policy (`crate::net`): no redirect,
/// capped answers, no remote text in errors. The address check applies where the URL came from
/// a workspace (`tenant_url`, and not the installation's own credential); a URL the operator
/// configured may be private (a local model server).
fn guarded(engine: &Engine, provider: Integration, credential: &Credential, tenant_url: bool, mut http: HttpSettings) -> HttpSettings {
    let operators = engine.settings.providers.platform.get(&provider) == Some(credential);
    http.net = Some(if tenant_url && !operators {
        engine.settings.net.clone()
    } else {
        crate::net::NetPolicy::new(true)
    });
    http
}

/// The installation pays for its own credential; a workspace's key is the workspace's money.
fn payer(engine: &Engine, provider: Integration, credential: &Credential) -> Payer {
    if engine.settings.providers.platform.get(&provider) == Some(credential) {
        Payer::Platform
    } else {
        Payer::Workspace
    }
}

fn limited(engine: &Engine, ws: WorkspaceId, campaign: Option<uuid::Uuid>, model: Arc<dyn TextModel>, payer: Payer) -> Result<LimitedModel, crate::ai_spend::AiError> {
    let c = &engine.settings.providers;
    Ok(LimitedModel::new(
        model,
        &c.model_prices,
        AiSpendLimiter::new(engine.redis.clone(), &c.ai_caps),
        Arc::new(PgLedger::new(engine)),
        LedgerScope { workspace: ws, campaign },
    )?
    .paid_by(payer)
    .with_limits(c.model_calls))
}

/// What drafting can use for a workspace.
pub enum LanguageModel {
    /// A model behind the caps, the ledger and a breaker; `provider` names who plays it.
    Ready { model: Box<LimitedModel>, name: String },
    /// No key anywhere: templates, and nothing to report.
    None,
    /// A key exists but cannot be used (unopenable, wrong shape, unpriced model): templates,
    /// and the draft says why.
    Unusable(String),
}

/// Breakers for language models: one per (workspace, provider) for a workspace's own key, one
/// per provider for the installation's. Process-wide so a failing model stops being called by
/// every drafting pass for a while, not just the current one.
type ModelBreakers = Mutex<HashMap<(Option<WorkspaceId>, Integration), Arc<CircuitBreaker>>>;

fn model_breaker(ws: Option<WorkspaceId>, provider: Integration) -> Arc<CircuitBreaker> {
    static BREAKERS: std::sync::OnceLock<ModelBreakers> = std::sync::OnceLock::new();
    let map = BREAKERS.get_or_init(|| Mutex::new(HashMap::new()));
    map.lock().expect("model breakers").entry((ws, provider)).or_insert_with(|| Arc::new(CircuitBreaker::new(BreakerConfig::default()))).clone()
}

/// The language model drafting uses for `ws`: the workspace's own key first (Anthropic, then
/// an OpenAI-compatible endpoint), then the installation's. Never another workspace's key: the
/// sealed keys are bound to their workspace and read by its id.
pub async fn language_model(engine: &Engine, ws: WorkspaceId, campaign: Option<uuid::Uuid>) -> Result<LanguageModel, Error> {
    let sources = sources(engine, ws).await?;
    let models = [Integration::Anthropic, Integration::OpenAiCompatible];
    let own = models.iter().find_map(|p| match sources.get(p) {
        Some(Source::Workspace(c)) => Some((*p, c, Some(ws))),
        _ => None,
    });
    let unopenable = models.iter().find_map(|p| match sources.get(p) {
        Some(Source::Unopenable(e)) => Some(format!("the stored {} key cannot be opened ({e})", p.label())),
        _ => None,
    });
    let platform = models.iter().find_map(|p| match sources.get(p) {
        Some(Source::Platform(c)) => Some((*p, c, None)),
        _ => None,
    });
    let Some((provider, credential, breaker_scope)) = own.or(platform) else {
        return Ok(unopenable.map(LanguageModel::Unusable).unwrap_or(LanguageModel::None));
    };
    let model = match text_model(engine, provider, credential) {
        Ok(m) => m,
        Err(e) => return Ok(LanguageModel::Unusable(format!("{}: {e}", provider.label()))),
    };
    let name = model.model().to_string();
    match limited(engine, ws, campaign, model, payer(engine, provider, credential)) {
        Ok(m) => Ok(LanguageModel::Ready { model: Box::new(m.with_breaker(model_breaker(breaker_scope, provider))), name }),
        Err(e) => Ok(LanguageModel::Unusable(e.to_string())),
    }
}

impl RealClient {
    /// One cheap real call that proves the credential ("Test connection").
    pub async fn check(&self) -> Result<(), ProviderError> {
        match self {
            // The free People API Search, one result.
            RealClient::Apollo(c) => c.search_people(&PeopleSearchQuery { page: 1, per_page: 1, ..Default::default() }).await.map(|_| ()),
            RealClient::Hunter(c) => c.check().await,
            RealClient::DataForSeo(c) => c.check().await,
            RealClient::BetterContact(c) => c.check().await,
            RealClient::Clay(c) => c.check().await,
            RealClient::Instantly(c) => c.check().await,
            RealClient::Smartlead(c) => c.check().await,
            // The smallest real generation, through the limiter like every other call.
            RealClient::Model(m) => {
                let prompt = Prompt::new("", "Reply with the single word OK.", 5, 0.0)?;
                match m.generate(&prompt, None).await {
                    Ok(_) => Ok(()),
                    Err(crate::ai_spend::AiError::Provider(e)) => Err(e),
                    Err(e) => Err(ProviderError::BadRequest(e.to_string())),
                }
            }
        }
    }
}

/// The credential the workspace uses for `provider`: its own, else the installation's.
#[derive(Debug, Clone)]
pub enum Source {
    Workspace(Credential),
    Platform(Credential),
    /// A stored key that no longer opens (master key lost, row tampered with).
    Unopenable(SecretError),
    Sandbox,
}

/// Reads and opens the workspace's stored keys.
pub async fn sources(engine: &Engine, ws: WorkspaceId) -> Result<BTreeMap<Integration, Source>, Error> {
    let rows = provider_keys::list(&mut *engine.tenant(ws).await?, ws).await?;
    let mut out = BTreeMap::new();
    for provider in Integration::ALL {
        let source = match rows.iter().find(|r| r.integration() == Some(provider)) {
            Some(row) => match Credential::open(&engine.settings.secrets, ws, provider, &row.ciphertext) {
                Ok(c) => Source::Workspace(c),
                Err(e) => {
                    tracing::error!(workspace = %ws, %provider, error = %e, "a stored provider key cannot be opened");
                    Source::Unopenable(e)
                }
            },
            None => match engine.settings.providers.platform.get(&provider) {
                Some(c) => Source::Platform(c.clone()),
                None => Source::Sandbox,
            },
        };
        out.insert(provider, source);
    }
    Ok(out)
}

/// Stands in for a provider whose stored key cannot be used: every call fails as unauthorised,
/// so the waterfall moves on and nothing is invented. Playing the sandbox instead would write
/// made-up data into a workspace that expects real data.
struct Unusable(ProviderName);

#[async_trait]
impl Enrichment for Unusable {
    fn provider(&self) -> ProviderName {
        self.0
    }
    async fn enrich(&self, _: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
}

#[async_trait]
impl AsyncEnrichment for Unusable {
    fn provider(&self) -> ProviderName {
        self.0
    }
    async fn submit(&self, _: &PersonQuery) -> Result<Submission, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
    async fn poll(&self, _: &Submission) -> Result<AsyncOutcome, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
}

#[async_trait]
impl SeoSignals for Unusable {
    fn provider(&self) -> ProviderName {
        self.0
    }
    async fn domain_rank(&self, _: &str) -> Result<DomainRank, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
    async fn backlinks(&self, _: &str) -> Result<BacklinkSummary, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
}

#[async_trait]
impl LeadSearch for Unusable {
    fn provider(&self) -> ProviderName {
        self.0
    }
    async fn search_people(&self, _: &PeopleSearchQuery) -> Result<SearchPage, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
}

#[async_trait]
impl ExternalSender for Unusable {
    fn provider(&self) -> ProviderName {
        self.0
    }
    async fn send(&self, _: &OutboundEmail) -> Result<SendOutcome, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
    async fn find(&self, _: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError> {
        Err(ProviderError::Unauthorized)
    }
}

fn provider_name(i: Integration) -> ProviderName {
    match i {
        Integration::Apollo => ProviderName::Apollo,
        Integration::Hunter => ProviderName::Hunter,
        Integration::DataForSeo => ProviderName::DataForSeo,
        Integration::BetterContact => ProviderName::BetterContact,
        Integration::Clay => ProviderName::Clay,
        Integration::Instantly => ProviderName::Instantly,
        Integration::Smartlead => ProviderName::Smartlead,
        Integration::Anthropic => ProviderName::Anthropic,
        Integration::OpenAiCompatible => ProviderName::OpenAiCompatible,
    }
}

/// The per-workspace providers: `base` (sandbox providers and process-wide breakers) with
/// each provider that has a credential replaced by its real client.
pub fn build(engine: &Engine, ws: WorkspaceId, base: &Enricher, sources: &BTreeMap<Integration, Source>) -> Enricher {
    let mut e = base.clone();
    let fresh = || Arc::new(CircuitBreaker::new(BreakerConfig::default()));
    for (&provider, source) in sources {
        let (credential, own) = match source {
            Source::Sandbox => continue,
            Source::Workspace(c) => (c, true),
            Source::Platform(c) => (c, false),
            Source::Unopenable(_) => {
                let u = || Arc::new(Unusable(provider_name(provider)));
                match provider {
                    Integration::Apollo => {
                        e.providers.apollo = u();
                        e.providers.search = u();
                    }
                    Integration::Hunter => e.providers.hunter = u(),
                    Integration::DataForSeo => e.providers.seo = u(),
                    Integration::BetterContact => e.providers.bettercontact = u(),
                    Integration::Clay => e.providers.clay = u(),
                    // Senders are resolved by `Resolver::sender_for`.
                    Integration::Instantly | Integration::Smartlead => {}
                    // Language models are not enrichment providers (see `language_model`).
                    Integration::Anthropic | Integration::OpenAiCompatible => {}
                }
                continue;
            }
        };
        if matches!(provider, Integration::Anthropic | Integration::OpenAiCompatible) {
            continue;
        }
        let client = match real_client(engine, ws, provider, credential) {
            Ok(c) => c,
            Err(err) => {
                tracing::error!(workspace = %ws, %provider, error = %err, "cannot build the provider client; using the sandbox");
                continue;
            }
        };
        let breakers: &mut Breakers = &mut e.breakers;
        match client {
            RealClient::Apollo(c) => {
                let c = Arc::new(c);
                e.providers.apollo = c.clone();
                e.providers.search = c;
                if own {
                    breakers.apollo = fresh();
                }
            }
            RealClient::Hunter(c) => {
                e.providers.hunter = Arc::new(c);
                if own {
                    breakers.hunter = fresh();
                }
            }
            RealClient::DataForSeo(c) => {
                e.providers.seo = Arc::new(c);
                // Measured only with a real key: the sandbox's numbers would move real scores.
                e.settings.web_presence = true;
                if own {
                    breakers.seo = fresh();
                }
            }
            RealClient::BetterContact(c) => {
                e.providers.bettercontact = Arc::new(c);
                if own {
                    breakers.bettercontact = fresh();
                }
            }
            RealClient::Clay(c) => {
                e.providers.clay = Arc::new(c);
                if own {
                    breakers.clay = fresh();
                }
            }
            RealClient::Instantly(_) | RealClient::Smartlead(_) => {}
            RealClient::Model(_) => {}
        }
    }
    e
}

fn version_key(engine: &Engine, ws: WorkspaceId) -> String {
    engine.redis.key(&format!("provider-keys:{ws}:version"))
}

/// Tells every resolver that the workspace's keys changed. Called after the change commits.
pub async fn keys_changed(engine: &Engine, ws: WorkspaceId) {
    let mut conn = engine.redis.conn.clone();
    if let Err(e) = conn.incr::<_, _, i64>(version_key(engine, ws), 1).await {
        // Resolvers still drop their entry when its TTL runs out.
        tracing::warn!(workspace = %ws, error = %e, "could not announce a provider key change");
    }
}

async fn keys_version(engine: &Engine, ws: WorkspaceId) -> Option<i64> {
    let mut conn = engine.redis.conn.clone();
    conn.get::<_, Option<i64>>(version_key(engine, ws)).await.ok().map(|v| v.unwrap_or(0))
}

struct Entry {
    version: i64,
    at: Instant,
    enricher: Arc<Enricher>,
}

/// Hands out the enricher and the external senders of a workspace. Build one per process.
pub struct Resolver {
    mode: Mode,
    senders: Mutex<HashMap<(WorkspaceId, Integration), SenderEntry>>,
    /// The sandbox playing each sender for each workspace that has no key: kept for the life of
    /// the process, because it remembers what it queued (that is how it answers `find`).
    sandboxes: Mutex<HashMap<(WorkspaceId, Integration), Arc<Sandbox>>>,
}

struct SenderEntry {
    version: i64,
    at: Instant,
    sender: Arc<dyn ExternalSender>,
}

enum Mode {
    /// The same providers for every workspace (tests with fakes, the benchmark).
    Fixed(Arc<Enricher>),
    Configured { engine: Engine, base: Enricher, cache: Mutex<HashMap<WorkspaceId, Entry>> },
}

impl Resolver {
    pub fn fixed(enricher: Enricher) -> Self {
        Self { mode: Mode::Fixed(Arc::new(enricher)), senders: Mutex::default(), sandboxes: Mutex::default() }
    }

    /// Per-workspace providers from the keys stored with `engine` and its configuration;
    /// `base` supplies the sandbox, the process-wide breakers, unit costs and settings.
    pub fn configured(engine: Engine, base: Enricher) -> Self {
        Self { mode: Mode::Configured { engine, base, cache: Mutex::new(HashMap::new()) }, senders: Mutex::default(), sandboxes: Mutex::default() }
    }

    /// The product default: the sandbox of the configured seed wherever no key is set.
    pub fn from_engine(engine: &Engine) -> Self {
        let mut base = Enricher::sandbox(engine.settings.providers.sandbox_seed);
        base.costs = Arc::new(engine.settings.unit_costs.clone());
        Self::configured(engine.clone(), base)
    }

    pub async fn enricher_for(&self, ws: WorkspaceId) -> Result<Arc<Enricher>, Error> {
        let (engine, base, cache) = match &self.mode {
            Mode::Fixed(e) => return Ok(e.clone()),
            Mode::Configured { engine, base, cache } => (engine, base, cache),
        };
        let version = keys_version(engine, ws).await;
        let ttl = engine.settings.providers.cache_ttl;
        if let Some(v) = version {
            let cache = cache.lock().expect("resolver cache");
            if let Some(entry) = cache.get(&ws).filter(|e| e.version == v && e.at.elapsed() < ttl) {
                return Ok(entry.enricher.clone());
            }
        }
        let sources = sources(engine, ws).await?;
        let enricher = Arc::new(build(engine, ws, base, &sources));
        if let Some(version) = version {
            cache.lock().expect("resolver cache").insert(ws, Entry { version, at: Instant::now(), enricher: enricher.clone() });
        }
        Ok(enricher)
    }

    /// Drops the workspace's entry in this process (other processes see the version change).
    pub fn forget(&self, ws: WorkspaceId) {
        if let Mode::Configured { cache, .. } = &self.mode {
            cache.lock().expect("resolver cache").remove(&ws);
        }
        self.senders.lock().expect("resolver cache").retain(|(w, _), _| *w != ws);
    }

    /// The external sender (Instantly or Smartlead) of the workspace: the real client with its
    /// own key (or the installation's), an always-unauthorised stand-in when its stored key no
    /// longer opens, else the sandbox — which queues nothing anywhere. `Invalid` for a provider
    /// that is not a sender.
    pub async fn sender_for(&self, ws: WorkspaceId, provider: Integration) -> Result<Arc<dyn ExternalSender>, Error> {
        if !matches!(provider, Integration::Instantly | Integration::Smartlead) {
            return Err(Error::Invalid(format!("{} does not send email", provider.label())));
        }
        let engine = match &self.mode {
            Mode::Fixed(_) => return Ok(self.sandbox(ws, provider)),
            Mode::Configured { engine, .. } => engine,
        };
        let version = keys_version(engine, ws).await;
        let ttl = engine.settings.providers.cache_ttl;
        if let Some(v) = version {
            let cache = self.senders.lock().expect("resolver cache");
            if let Some(entry) = cache.get(&(ws, provider)).filter(|e| e.version == v && e.at.elapsed() < ttl) {
                return Ok(entry.sender.clone());
            }
        }
        let sender: Arc<dyn ExternalSender> = match sources(engine, ws).await?.remove(&provider) {
            Some(Source::Workspace(c) | Source::Platform(c)) => match real_client(engine, ws, provider, &c) {
                Ok(RealClient::Instantly(c)) => Arc::new(c),
                Ok(RealClient::Smartlead(c)) => Arc::new(c),
                Ok(_) => Arc::new(Unusable(provider_name(provider))),
                Err(e) => {
                    tracing::error!(workspace = %ws, %provider, error = %e, "cannot build the sender client");
                    Arc::new(Unusable(provider_name(provider)))
                }
            },
            // A key that does not open must not fall back to the sandbox: the workspace would
            // believe its emails went out.
            Some(Source::Unopenable(_)) => Arc::new(Unusable(provider_name(provider))),
            Some(Source::Sandbox) | None => self.sandbox(ws, provider),
        };
        if let Some(version) = version {
            self.senders.lock().expect("resolver cache").insert((ws, provider), SenderEntry { version, at: Instant::now(), sender: sender.clone() });
        }
        Ok(sender)
    }

    fn sandbox(&self, ws: WorkspaceId, provider: Integration) -> Arc<dyn ExternalSender> {
        let seed = match &self.mode {
            Mode::Configured { engine, .. } => engine.settings.providers.sandbox_seed,
            Mode::Fixed(_) => 0,
        };
        self.sandboxes
            .lock()
            .expect("resolver sandboxes")
            .entry((ws, provider))
            .or_insert_with(|| Arc::new(Sandbox::with_profile(seed, SandboxProfile::default()).acting_as(provider_name(provider))))
            .clone()
    }
}
