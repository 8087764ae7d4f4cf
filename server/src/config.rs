//! Configuration: defaults → optional TOML file (`AGENCY_OS_CONFIG`) → environment.
//!
//! Every value is validated at start-up; a missing or malformed value stops the program with a
//! message naming the variable and what it expects. Secrets never appear in `Debug` output.

use domain::integrations::{parse_credential, Integration};
use engine::ai_spend::AiSpendCaps;
use engine::integrations::{Credential, ProviderConfig};
use engine::providers::llm::{ModelPrice, ModelPrices};
use engine::secrets::{Keyring, MasterKey};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("configuration error: {var} {problem} (got {got:?})")]
pub struct ConfigError {
    pub var: String,
    pub problem: String,
    pub got: String,
}

/// A URL whose credentials must not reach logs.
#[derive(Clone, PartialEq)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Show scheme and host, hide user:password.
        let s = &self.0;
        match (s.find("://"), s.rfind('@')) {
            (Some(i), Some(j)) if j > i => write!(f, "{}://***@{}", &s[..i], &s[j + 1..]),
            _ => f.write_str(s),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: SecretUrl,
    pub redis_url: SecretUrl,
    pub addr: SocketAddr,
    pub public_url: String,
    pub secure_cookies: bool,
    pub trust_proxy: bool,
    /// Proxies in front that append to X-Forwarded-For (used when `trust_proxy`).
    pub trusted_proxies: usize,
    pub db_max_connections: u32,
    pub login_failures_per_account: u32,
    pub login_failures_per_ip: u32,
    pub login_window_secs: u64,
    pub login_max_delay_secs: u64,
    pub signups_per_ip: u32,
    pub session_days: i64,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// Prefix for every Redis key (lets several installations share one Redis).
    pub redis_namespace: String,
    /// Signs unsubscribe links (its Debug output is masked). `None`: the key file
    /// [`UNSUBSCRIBE_KEY_FILE`] under the data directory, made on first start, so links in
    /// emails already sent keep working after a restart (Spam Act: an opt-out must work).
    pub unsubscribe_key: Option<engine::email::unsubscribe::UnsubscribeKey>,
    /// Where the master key for provider keys comes from.
    pub secret_key: SecretKeySource,
    /// Older master keys, still accepted for opening (rotation).
    pub previous_secret_keys: Vec<MasterKey>,
    pub data_dir: PathBuf,
    /// Provider base URLs and installation-wide provider keys.
    pub providers: ProviderConfig,
    /// How long a dispatch worker's claim may stay in `sending` before reconciliation takes it.
    pub dispatch_lease_secs: i64,
    /// How long an idle dispatch worker waits before looking for due messages again.
    pub dispatch_interval_ms: u64,
    /// Seconds between reads of the mailboxes' INBOXes for bounces and complaints; 0 turns the
    /// reading off in `serve` (`agency-os poll-bounces` still reads on demand).
    pub bounce_poll_secs: u64,
    /// Lets connections to tenant-named hosts reach private addresses and mail go in plain text.
    pub fetch_allow_private: bool,
    /// AGENCY_OS_METRICS_TOKEN: the bearer token of `GET /metrics`; unset, the route is closed.
    pub metrics_token: Option<crate::metrics::MetricsToken>,
    /// Mailboxes the bounce poller reads at once (a few per workspace at most).
    pub bounce_poll_concurrency: usize,
    /// The overall deadline of one mailbox's IMAP session, however slowly its server answers.
    pub bounce_poll_deadline_secs: u64,
    /// PEM CA certificates IMAP TLS trusts besides the Mozilla roots (AGENCY_OS_EXTRA_CA_FILE):
    /// an installation's private mail CA, or a test server's.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// The installation's mailbox for notices to its users (reply announcements).
    pub notify_mail: Option<engine::flows::notify::NotifyMail>,
    /// The plan tiers' lead pools, campaign limits, seats, prices and COGS (SPEC §2): defaults,
    /// then `[plans.<tier>]` in the file, then `AGENCY_OS_PLANS__<TIER>__<FIELD>`.
    pub plans: domain::plans::Plans,
    /// AUD per provider unit for the cost ledger (SPEC §13): `[unit_costs]`,
    /// `AGENCY_OS_UNIT_COSTS__<FIELD>`.
    pub unit_costs: engine::ledger::UnitCosts,
    /// Stripe, when both its secret key and webhook secret are set.
    pub stripe: Option<engine::providers::stripe::StripeConfig>,
}

/// The master key that seals provider keys at rest.
#[derive(Debug, Clone)]
pub enum SecretKeySource {
    /// AGENCY_OS_SECRET_KEY.
    Configured(MasterKey),
    /// Unset: a key file under the data directory, made on first start (development).
    File(PathBuf),
}

/// The file a development installation keeps its master key in.
pub const KEY_FILE: &str = "secret.key";
/// The file an installation without AGENCY_OS_UNSUBSCRIBE_KEY keeps its unsubscribe key in.
pub const UNSUBSCRIBE_KEY_FILE: &str = "unsubscribe.key";

/// Installation-wide provider keys: (variable, provider). Clay's optional table token has its
/// own variable.
const PLATFORM_KEYS: &[(&str, Integration)] = &[
    ("AGENCY_OS_APOLLO_KEY", Integration::Apollo),
    ("AGENCY_OS_HUNTER_KEY", Integration::Hunter),
    ("AGENCY_OS_DATAFORSEO_KEY", Integration::DataForSeo),
    ("AGENCY_OS_BETTERCONTACT_KEY", Integration::BetterContact),
    ("AGENCY_OS_CLAY_WEBHOOK_URL", Integration::Clay),
    ("AGENCY_OS_ANTHROPIC_KEY", Integration::Anthropic),
    ("AGENCY_OS_OPENAI_KEY", Integration::OpenAiCompatible),
];

const PLANS_PREFIX: &str = "AGENCY_OS_PLANS";
const UNIT_COSTS_PREFIX: &str = "AGENCY_OS_UNIT_COSTS";

/// Calls `f` with the variable name (`PREFIX__KEY__…`, upper case) of every leaf of `value`.
fn for_each_leaf(prefix: &str, value: &mut serde_json::Value, f: &mut impl FnMut(&str, &mut serde_json::Value)) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                for_each_leaf(&format!("{prefix}__{}", k.to_ascii_uppercase()), v, f);
            }
        }
        leaf => f(prefix, leaf),
    }
}

/// The variables of the nested settings (plans, unit costs), which the config file may set.
fn nested_variables() -> Vec<String> {
    let mut out = Vec::new();
    let mut collect = |prefix: &str, mut v: serde_json::Value| for_each_leaf(prefix, &mut v, &mut |var, _| out.push(var.to_string()));
    collect(PLANS_PREFIX, serde_json::to_value(domain::plans::Plans::default()).expect("plans serialise"));
    collect(UNIT_COSTS_PREFIX, serde_json::to_value(engine::ledger::UnitCosts::default()).expect("costs serialise"));
    out
}

/// Every variable we read, with what it expects; printed by `--help` and the README.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agency_os", "PostgreSQL URL (postgres:// or postgresql://)"),
    ("REDIS_URL", "redis://127.0.0.1:6379", "Redis URL (redis:// or rediss://)"),
    ("AGENCY_OS_ADDR", "127.0.0.1:3000", "address to serve on, host:port"),
    ("AGENCY_OS_PUBLIC_URL", "http://<AGENCY_OS_ADDR>", "public base URL used in links, http(s)://host[:port]"),
    ("AGENCY_OS_SECURE_COOKIES", "false", "true to mark cookies Secure (serve over HTTPS)"),
    ("AGENCY_OS_TRUST_PROXY", "false", "true to take the client IP from X-Forwarded-For (behind a reverse proxy)"),
    ("AGENCY_OS_TRUSTED_PROXIES", "1", "with AGENCY_OS_TRUST_PROXY, how many proxies in front of us append to X-Forwarded-For; the client is that many entries from the right, 1 to 10"),
    ("AGENCY_OS_DB_MAX_CONNECTIONS", "10", "database pool size, 1 to 500"),
    ("AGENCY_OS_LOGIN_FAILURES_PER_ACCOUNT", "5", "failed log-ins per account (or per known device) before a delay starts (15 s, doubling with each further failure), 1 to 1000"),
    ("AGENCY_OS_LOGIN_FAILURES_PER_IP", "30", "log-in attempts per client IP per window before throttling (a success gives its attempt back), 1 to 100000"),
    ("AGENCY_OS_LOGIN_WINDOW_SECS", "900", "throttling window in seconds, 1 to 86400"),
    ("AGENCY_OS_LOGIN_MAX_DELAY_SECS", "900", "the longest delay after repeated failed log-ins, in seconds, 1 to 86400"),
    ("AGENCY_OS_SIGNUPS_PER_IP", "30", "sign-up attempts per client IP per hour, 1 to 100000"),
    ("AGENCY_OS_SESSION_DAYS", "14", "days a session lasts without activity, 1 to 365"),
    ("AGENCY_OS_LOG_FORMAT", "json", "json or pretty"),
    ("AGENCY_OS_LOG", "info", "log filter, e.g. info or agency_os=debug,info"),
    ("AGENCY_OS_REDIS_NAMESPACE", "", "prefix for every Redis key"),
    ("AGENCY_OS_UNSUBSCRIBE_KEY", "", "secret that signs unsubscribe links: 32+ random bytes as hex or base64 (openssl rand -hex 32); when unset, a key file (unsubscribe.key) is made under AGENCY_OS_DATA_DIR on first start and kept, and start-up fails if it cannot be"),
    ("AGENCY_OS_SECRET_KEY", "", "master key sealing provider keys at rest: base64 of 32 random bytes (openssl rand -base64 32); when unset, a key file is made under AGENCY_OS_DATA_DIR"),
    ("AGENCY_OS_PREVIOUS_SECRET_KEYS", "", "comma-separated older master keys still accepted for opening, after a rotation"),
    ("AGENCY_OS_DATA_DIR", "data", "directory for the key files (secret.key, unsubscribe.key) made when their variables are unset"),
    ("AGENCY_OS_DISPATCH_LEASE_SECS", "120", "seconds a claimed message may stay in sending before it is reconciled by Message-ID, 1 to 86400"),
    ("AGENCY_OS_DISPATCH_INTERVAL_MS", "2000", "milliseconds an idle dispatch worker waits before looking for due messages again, 10 to 600000"),
    ("AGENCY_OS_BOUNCE_POLL_SECS", "120", "seconds between reads of the mailboxes' INBOXes over IMAP for bounces and spam complaints, 0 (off) to 86400"),
    ("AGENCY_OS_FETCH_ALLOW_PRIVATE", "false", "true to let model endpoints, Clay webhooks and SMTP/IMAP servers that workspaces name be private, loopback or link-local addresses, and mail servers plain text (a local test setup only)"),
    ("AGENCY_OS_BOUNCE_POLL_CONCURRENCY", "8", "mailboxes read at once by the bounce poller (at most 2 per workspace), 1 to 256"),
    ("AGENCY_OS_BOUNCE_POLL_DEADLINE_SECS", "120", "seconds one mailbox's IMAP session may take in all, however slowly its server answers, 5 to 3600"),
    ("AGENCY_OS_NOTIFY_SMTP_URL", "", "the installation's mailbox for emails to its own users (a lead replied): smtp://user:password@host:587 (STARTTLS), smtps://…:465 or smtp+plain://host:25; unset, no such emails"),
    ("AGENCY_OS_NOTIFY_FROM", "", "the From of those emails, e.g. Agency OS <notices@agency.example>"),
    ("AGENCY_OS_EXTRA_CA_FILE", "", "PEM file of CA certificates that IMAP over TLS trusts besides the public roots (a private mail server's CA); verification stays on"),
    ("AGENCY_OS_APOLLO_KEY", "", "Apollo API key for every workspace without its own"),
    ("AGENCY_OS_HUNTER_KEY", "", "Hunter API key for every workspace without its own"),
    ("AGENCY_OS_DATAFORSEO_KEY", "", "DataForSEO login:password for every workspace without its own"),
    ("AGENCY_OS_BETTERCONTACT_KEY", "", "BetterContact API key for every workspace without its own"),
    ("AGENCY_OS_CLAY_WEBHOOK_URL", "", "Clay table webhook URL for every workspace without its own"),
    ("AGENCY_OS_CLAY_AUTH_TOKEN", "", "the Clay table's webhook auth token, if it has one"),
    ("AGENCY_OS_APOLLO_URL", "https://api.apollo.io/api/v1", "Apollo API base URL"),
    ("AGENCY_OS_HUNTER_URL", "https://api.hunter.io/v2", "Hunter API base URL"),
    ("AGENCY_OS_DATAFORSEO_URL", "https://api.dataforseo.com/v3", "DataForSEO API base URL"),
    ("AGENCY_OS_BETTERCONTACT_URL", "https://app.bettercontact.rocks/api/v2", "BetterContact API base URL"),
    ("AGENCY_OS_INSTANTLY_URL", "https://api.instantly.ai", "Instantly API base URL (sending accounts; each workspace stores its own key)"),
    ("AGENCY_OS_SMARTLEAD_URL", "https://server.smartlead.ai/api/v1", "Smartlead API base URL (sending accounts; each workspace stores its own key)"),
    ("AGENCY_OS_ANTHROPIC_KEY", "", "Anthropic API key for drafting in every workspace without its own language-model key"),
    ("AGENCY_OS_ANTHROPIC_URL", "https://api.anthropic.com", "Anthropic Messages API base URL"),
    ("AGENCY_OS_ANTHROPIC_MODEL", "claude-haiku-4-5", "the Claude model drafting asks; it must have a price"),
    ("AGENCY_OS_OPENAI_KEY", "", "key of an OpenAI-compatible endpoint for drafting in every workspace without its own"),
    ("AGENCY_OS_OPENAI_URL", "https://api.openai.com/v1", "OpenAI-compatible chat-completions base URL, for keys that do not name their own"),
    ("AGENCY_OS_OPENAI_MODEL", "gpt-4o-mini", "the model asked at an OpenAI-compatible endpoint when a key does not name its own; it must have a price"),
    ("AGENCY_OS_AI_WORKSPACE_DAILY_AUD", "5", "daily language-model spend cap per workspace in AUD (0 turns model drafting off), 0 to 100000"),
    ("AGENCY_OS_AI_PLATFORM_DAILY_AUD", "100", "daily language-model spend cap for the whole installation in AUD, 0 to 1000000"),
    ("AGENCY_OS_AI_PRICES", "", "extra or replaced model prices, AUD per million tokens: model=input/output,… e.g. llama3.1=0/0,gpt-4o-mini=0.23/0.93"),
    ("AGENCY_OS_STRIPE_SECRET_KEY", "", "Stripe secret key (sk_live_… / sk_test_…) for Checkout, the Customer Portal and invoices; unset, the operator sets plans by hand (agency-os plan set)"),
    ("AGENCY_OS_STRIPE_WEBHOOK_SECRET", "", "the signing secret (whsec_…) of the Stripe webhook endpoint <AGENCY_OS_PUBLIC_URL>/webhooks/stripe; needed with the secret key"),
    ("AGENCY_OS_STRIPE_URL", "https://api.stripe.com", "Stripe API base URL"),
    ("AGENCY_OS_STRIPE_PRICE_IGNITION", "", "Stripe price id (price_…) of Ignition; unset, Checkout charges the configured price in AUD a month"),
    ("AGENCY_OS_STRIPE_PRICE_VELOCITY", "", "Stripe price id of Velocity (as above)"),
    ("AGENCY_OS_STRIPE_PRICE_DOMINANCE", "", "Stripe price id of Dominance (as above)"),
    ("AGENCY_OS_FOUNDING_PRICES", "false", "true to charge the founding prices at Checkout (else the regular prices)"),
    ("AGENCY_OS_PLANS__<TIER>__<FIELD>", "SPEC §2", "a plan figure: TIER ignition, velocity or dominance; FIELD lead_pool, active_campaigns, linkedin_seats, founding_price_aud, regular_price_aud, cogs_aud (in the file: [plans.velocity] lead_pool = 3000)"),
    ("AGENCY_OS_UNIT_COSTS__<FIELD>", "SPEC §13", "AUD per provider unit in the cost ledger: FIELD apollo_search, apollo_match, hunter_email, hunter_verify, dataforseo_domain_rank, dataforseo_backlinks, bettercontact_credit, clay_credit, clay_credits_per_row, instantly_email, smartlead_email (in the file: [unit_costs] hunter_email = 0.03)"),
    ("AGENCY_OS_CONFIG", "", "optional TOML file with any of these keys (lower-case names, without the AGENCY_OS_ prefix for ours)"),
];

struct Source {
    vars: HashMap<String, String>,
}

impl Source {
    fn get(&self, var: &str) -> Option<&str> {
        self.vars.get(var).map(|s| s.as_str()).filter(|s| !s.trim().is_empty())
    }

    fn err(&self, var: &str, problem: &str) -> ConfigError {
        ConfigError { var: var.into(), problem: problem.into(), got: self.vars.get(var).cloned().unwrap_or_default() }
    }

    fn bool(&self, var: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var).map(|s| s.trim().to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(_) => Err(self.err(var, "must be true or false")),
        }
    }

    fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(&self, var: &str, default: T, min: T, max: T) -> Result<T, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<T>() {
                Ok(n) if n >= min && n <= max => Ok(n),
                _ => Err(self.err(var, &format!("must be a whole number from {min} to {max}"))),
            },
        }
    }

    fn url(&self, var: &str, default: &str, schemes: &[&str]) -> Result<SecretUrl, ConfigError> {
        let v = self.get(var).unwrap_or(default).trim().to_string();
        let ok = schemes.iter().any(|s| {
            v.strip_prefix(s).and_then(|r| r.strip_prefix("://")).is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
        });
        if !ok {
            let mut e = self.err(var, &format!("must be a URL starting with {}", schemes.iter().map(|s| format!("{s}://")).collect::<Vec<_>>().join(" or ")));
            // Never echo a URL that may carry a password.
            e.got = format!("{:?}", SecretUrl(e.got));
            return Err(e);
        }
        Ok(SecretUrl(v))
    }

    /// A master key; the error never echoes the value.
    fn master_key(&self, var: &str, raw: &str) -> Result<MasterKey, ConfigError> {
        MasterKey::from_base64(raw).map_err(|e| ConfigError {
            var: var.into(),
            problem: format!("must be base64 of 32 random bytes, e.g. from `openssl rand -base64 32` ({e})"),
            got: "****".into(),
        })
    }

    fn base_url(&self, var: &str, default: &str) -> Result<String, ConfigError> {
        let v = self.get(var).unwrap_or(default).trim().trim_end_matches('/').to_string();
        let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
        if rest.is_none_or(|r| r.is_empty() || r.starts_with('/') || r.contains(' ')) {
            return Err(self.err(var, "must be a URL starting with http:// or https://"));
        }
        Ok(v)
    }

    /// A decimal amount within bounds (AUD caps).
    fn amount(&self, var: &str, default: f64, max: f64) -> Result<f64, ConfigError> {
        match self.get(var) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<f64>() {
                Ok(n) if n.is_finite() && (0.0..=max).contains(&n) => Ok(n),
                _ => Err(self.err(var, &format!("must be an amount in AUD from 0 to {max}"))),
            },
        }
    }

    /// `model=input/output,…` on top of the built-in prices.
    fn prices(&self) -> Result<ModelPrices, ConfigError> {
        let var = "AGENCY_OS_AI_PRICES";
        let mut prices = ModelPrices::default();
        let Some(raw) = self.get(var) else { return Ok(prices) };
        let bad = || self.err(var, "must be model=input/output pairs separated by commas, in AUD per million tokens, e.g. gpt-4o-mini=0.23/0.93");
        for item in raw.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (model, rates) = item.split_once('=').ok_or_else(bad)?;
            let (input, output) = rates.split_once('/').ok_or_else(bad)?;
            let rate = |r: &str| r.trim().parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0).ok_or_else(bad);
            let model = model.trim();
            if model.is_empty() {
                return Err(bad());
            }
            prices.0.insert(model.to_string(), ModelPrice { input_per_mtok: rate(input)?, output_per_mtok: rate(output)? });
        }
        Ok(prices)
    }

    fn model_name(&self, var: &str, default: &str, prices: &ModelPrices) -> Result<String, ConfigError> {
        let m = self.get(var).unwrap_or(default).trim().to_string();
        if prices.get(&m).is_none() {
            // Its spend could not be capped, so it would never be called: say so at start-up.
            return Err(self.err(var, "names a model without a price; add it to AGENCY_OS_AI_PRICES"));
        }
        Ok(m)
    }

    /// `default` with every leaf overridden by its variable `PREFIX__FIELD[__FIELD…]`: whole
    /// numbers for whole-number fields, non-negative amounts for the others.
    fn overlay<T: serde::Serialize + serde::de::DeserializeOwned>(&self, prefix: &str, default: T) -> Result<T, ConfigError> {
        let mut value = serde_json::to_value(default).expect("settings serialise");
        let mut failed = None;
        for_each_leaf(prefix, &mut value, &mut |var, leaf| {
            let Some(raw) = self.get(var).map(str::trim) else { return };
            let parsed = if leaf.is_u64() {
                raw.parse::<u32>().ok().map(serde_json::Value::from)
            } else {
                raw.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0).map(serde_json::Value::from)
            };
            match parsed {
                Some(v) => *leaf = v,
                None if failed.is_none() => failed = Some(self.err(var, if leaf.is_u64() { "must be a whole number from 0 to 4294967295" } else { "must be an amount of 0 or more" })),
                None => {}
            }
        });
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(serde_json::from_value(value).expect("the same shape deserialises"))
    }

    fn plans(&self) -> Result<domain::plans::Plans, ConfigError> {
        let plans: domain::plans::Plans = self.overlay(PLANS_PREFIX, domain::plans::Plans::default())?;
        plans.check().map_err(|problem| ConfigError { var: format!("{PLANS_PREFIX}__…"), problem, got: String::new() })?;
        Ok(plans)
    }

    fn stripe(&self) -> Result<Option<engine::providers::stripe::StripeConfig>, ConfigError> {
        use engine::providers::{stripe, ApiKey};
        let (key, hook) = (self.get("AGENCY_OS_STRIPE_SECRET_KEY"), self.get("AGENCY_OS_STRIPE_WEBHOOK_SECRET"));
        let secret = |var: &str, problem: &str| ConfigError { var: var.into(), problem: problem.into(), got: "****".into() };
        let (key, hook) = match (key.map(str::trim), hook.map(str::trim)) {
            (None, None) => return Ok(None),
            (Some(k), Some(h)) => (k, h),
            (Some(_), None) => return Err(secret("AGENCY_OS_STRIPE_WEBHOOK_SECRET", "must be set with AGENCY_OS_STRIPE_SECRET_KEY (the webhook endpoint's whsec_… signing secret)")),
            (None, Some(_)) => return Err(secret("AGENCY_OS_STRIPE_SECRET_KEY", "must be set with AGENCY_OS_STRIPE_WEBHOOK_SECRET")),
        };
        if !(key.starts_with("sk_") || key.starts_with("rk_")) {
            return Err(secret("AGENCY_OS_STRIPE_SECRET_KEY", "must be a Stripe secret or restricted key (sk_… or rk_…)"));
        }
        if !hook.starts_with("whsec_") {
            return Err(secret("AGENCY_OS_STRIPE_WEBHOOK_SECRET", "must be the endpoint's signing secret, whsec_…"));
        }
        let mut prices = Vec::new();
        for tier in domain::plans::Tier::ALL {
            let var = format!("AGENCY_OS_STRIPE_PRICE_{}", tier.as_str().to_ascii_uppercase());
            if let Some(p) = self.get(&var).map(str::trim) {
                if !p.starts_with("price_") {
                    return Err(self.err(&var, "must be a Stripe price id, price_…"));
                }
                prices.push((tier, p.to_string()));
            }
        }
        Ok(Some(stripe::StripeConfig {
            secret_key: ApiKey::new(key),
            webhook_secret: ApiKey::new(hook),
            base_url: self.base_url("AGENCY_OS_STRIPE_URL", stripe::DEFAULT_BASE_URL)?,
            prices,
            founding_prices: self.bool("AGENCY_OS_FOUNDING_PRICES", false)?,
        }))
    }

    fn providers(&self) -> Result<ProviderConfig, ConfigError> {
        let d = ProviderConfig::default();
        let prices = self.prices()?;
        let mut platform = BTreeMap::new();
        for &(var, provider) in PLATFORM_KEYS {
            let Some(raw) = self.get(var) else { continue };
            let extra = (provider == Integration::Clay).then(|| self.get("AGENCY_OS_CLAY_AUTH_TOKEN")).flatten();
            let input = parse_credential(provider, raw, extra)
                .map_err(|e| ConfigError { var: var.into(), problem: format!("is not usable: {e}"), got: "****".into() })?;
            platform.insert(provider, Credential::from(input));
        }
        Ok(ProviderConfig {
            apollo_url: self.base_url("AGENCY_OS_APOLLO_URL", &d.apollo_url)?,
            hunter_url: self.base_url("AGENCY_OS_HUNTER_URL", &d.hunter_url)?,
            dataforseo_url: self.base_url("AGENCY_OS_DATAFORSEO_URL", &d.dataforseo_url)?,
            bettercontact_url: self.base_url("AGENCY_OS_BETTERCONTACT_URL", &d.bettercontact_url)?,
            instantly_url: self.base_url("AGENCY_OS_INSTANTLY_URL", &d.instantly_url)?,
            smartlead_url: self.base_url("AGENCY_OS_SMARTLEAD_URL", &d.smartlead_url)?,
            anthropic_url: self.base_url("AGENCY_OS_ANTHROPIC_URL", &d.anthropic_url)?,
            anthropic_model: self.model_name("AGENCY_OS_ANTHROPIC_MODEL", &d.anthropic_model, &prices)?,
            openai_url: self.base_url("AGENCY_OS_OPENAI_URL", &d.openai_url)?,
            openai_model: self.model_name("AGENCY_OS_OPENAI_MODEL", &d.openai_model, &prices)?,
            ai_caps: AiSpendCaps {
                workspace_daily_aud: self.amount("AGENCY_OS_AI_WORKSPACE_DAILY_AUD", d.ai_caps.workspace_daily_aud, 100_000.0)?,
                platform_daily_aud: self.amount("AGENCY_OS_AI_PLATFORM_DAILY_AUD", d.ai_caps.platform_daily_aud, 1_000_000.0)?,
            },
            model_prices: prices,
            platform,
            ..d
        })
    }
}

impl Config {
    /// Reads the process environment (and the file it names).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(std::env::vars().collect())
    }

    pub fn from_vars(mut vars: HashMap<String, String>) -> Result<Self, ConfigError> {
        if let Some(path) = vars.get("AGENCY_OS_CONFIG").filter(|p| !p.trim().is_empty()).cloned() {
            for (k, v) in read_file(&path)? {
                vars.entry(k).or_insert(v);
            }
        }
        let s = Source { vars };
        let addr: SocketAddr = match s.get("AGENCY_OS_ADDR") {
            None => "127.0.0.1:3000".parse().expect("valid default"),
            Some(v) => v.trim().parse().map_err(|_| s.err("AGENCY_OS_ADDR", "must be host:port, e.g. 127.0.0.1:3000"))?,
        };
        let public_url = match s.get("AGENCY_OS_PUBLIC_URL") {
            None => format!("http://{addr}"),
            Some(v) => {
                let v = v.trim().trim_end_matches('/').to_string();
                let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
                if rest.is_none_or(|r| r.is_empty() || r.contains(' ')) {
                    return Err(s.err("AGENCY_OS_PUBLIC_URL", "must start with http:// or https:// followed by a host"));
                }
                v
            }
        };
        let log_format = match s.get("AGENCY_OS_LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()) {
            None => LogFormat::Json,
            Some(v) if v == "json" => LogFormat::Json,
            Some(v) if v == "pretty" => LogFormat::Pretty,
            Some(_) => return Err(s.err("AGENCY_OS_LOG_FORMAT", "must be json or pretty")),
        };
        let unsubscribe_key = match s.get("AGENCY_OS_UNSUBSCRIBE_KEY") {
            Some(v) => Some(engine::email::unsubscribe::UnsubscribeKey::parse(v).map_err(|problem| {
                // Never echo the secret, even a malformed one.
                let mut e = s.err("AGENCY_OS_UNSUBSCRIBE_KEY", &problem);
                e.got = "****".into();
                e
            })?),
            None => None,
        };
        let data_dir = PathBuf::from(s.get("AGENCY_OS_DATA_DIR").unwrap_or("data").trim());
        let log_filter = s.get("AGENCY_OS_LOG").unwrap_or("info").to_string();
        if tracing_subscriber::EnvFilter::try_new(&log_filter).is_err() {
            return Err(s.err("AGENCY_OS_LOG", "must be a log filter such as info or server=debug,info"));
        }
        Ok(Config {
            database_url: s.url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/agency_os", &["postgres", "postgresql"])?,
            redis_url: s.url("REDIS_URL", "redis://127.0.0.1:6379", &["redis", "rediss"])?,
            addr,
            public_url,
            secure_cookies: s.bool("AGENCY_OS_SECURE_COOKIES", false)?,
            trust_proxy: s.bool("AGENCY_OS_TRUST_PROXY", false)?,
            trusted_proxies: s.number("AGENCY_OS_TRUSTED_PROXIES", 1, 1, 10)?,
            db_max_connections: s.number("AGENCY_OS_DB_MAX_CONNECTIONS", 10, 1, 500)?,
            login_failures_per_account: s.number("AGENCY_OS_LOGIN_FAILURES_PER_ACCOUNT", 5, 1, 1000)?,
            login_failures_per_ip: s.number("AGENCY_OS_LOGIN_FAILURES_PER_IP", 30, 1, 100_000)?,
            login_window_secs: s.number("AGENCY_OS_LOGIN_WINDOW_SECS", 900, 1, 86_400)?,
            login_max_delay_secs: s.number("AGENCY_OS_LOGIN_MAX_DELAY_SECS", 900, 1, 86_400)?,
            signups_per_ip: s.number("AGENCY_OS_SIGNUPS_PER_IP", 30, 1, 100_000)?,
            session_days: s.number("AGENCY_OS_SESSION_DAYS", 14, 1, 365)?,
            log_format,
            log_filter,
            redis_namespace: s.get("AGENCY_OS_REDIS_NAMESPACE").unwrap_or("").to_string(),
            unsubscribe_key,
            secret_key: match s.get("AGENCY_OS_SECRET_KEY") {
                Some(raw) => SecretKeySource::Configured(s.master_key("AGENCY_OS_SECRET_KEY", raw)?),
                None => SecretKeySource::File(data_dir.join(KEY_FILE)),
            },
            previous_secret_keys: s
                .get("AGENCY_OS_PREVIOUS_SECRET_KEYS")
                .unwrap_or("")
                .split(',')
                .filter(|k| !k.trim().is_empty())
                .map(|k| s.master_key("AGENCY_OS_PREVIOUS_SECRET_KEYS", k))
                .collect::<Result<_, _>>()?,
            data_dir,
            providers: s.providers()?,
            dispatch_lease_secs: s.number("AGENCY_OS_DISPATCH_LEASE_SECS", 120, 1, 86_400)?,
            dispatch_interval_ms: s.number("AGENCY_OS_DISPATCH_INTERVAL_MS", 2000, 10, 600_000)?,
            bounce_poll_secs: s.number("AGENCY_OS_BOUNCE_POLL_SECS", 120, 0, 86_400)?,
            fetch_allow_private: s.bool("AGENCY_OS_FETCH_ALLOW_PRIVATE", false)?,
            metrics_token: match s.get("AGENCY_OS_METRICS_TOKEN") {
                None => None,
                Some(v) => Some(crate::metrics::MetricsToken::parse(v).map_err(|problem| {
                    let mut e = s.err("AGENCY_OS_METRICS_TOKEN", problem);
                    e.got = "****".into();
                    e
                })?),
            },
            bounce_poll_concurrency: s.number("AGENCY_OS_BOUNCE_POLL_CONCURRENCY", 8, 1, 256)?,
            bounce_poll_deadline_secs: s.number("AGENCY_OS_BOUNCE_POLL_DEADLINE_SECS", 120, 5, 3600)?,
            extra_ca_pem: match s.get("AGENCY_OS_EXTRA_CA_FILE") {
                None => None,
                Some(path) => Some(std::fs::read(path.trim()).map_err(|e| s.err("AGENCY_OS_EXTRA_CA_FILE", &format!("cannot be read ({e})")))?),
            },
            plans: s.plans()?,
            unit_costs: s.overlay(UNIT_COSTS_PREFIX, engine::ledger::UnitCosts::default())?,
            stripe: s.stripe()?,
            notify_mail: match s.get("AGENCY_OS_NOTIFY_SMTP_URL").map(str::trim).filter(|v| !v.is_empty()) {
                None => None,
                Some(url) => {
                    let from = s.get("AGENCY_OS_NOTIFY_FROM").unwrap_or("");
                    Some(engine::flows::notify::NotifyMail::parse(url, from).map_err(|problem| {
                        let mut e = s.err("AGENCY_OS_NOTIFY_SMTP_URL", &problem);
                        e.got = format!("{:?}", SecretUrl(e.got));
                        e
                    })?)
                }
            },
        })
    }

    /// The keyring for provider keys. Without AGENCY_OS_SECRET_KEY, reads the key file under
    /// the data directory, making it (readable by this user only) on first start, and says so
    /// in the log — never the key itself.
    pub fn keyring(&self) -> Result<Keyring, ConfigError> {
        let current = match &self.secret_key {
            SecretKeySource::Configured(k) => k.clone(),
            SecretKeySource::File(path) => load_or_create_key_file(path)?,
        };
        Ok(Keyring::new(current, self.previous_secret_keys.clone()))
    }

    /// The key that signs unsubscribe links: AGENCY_OS_UNSUBSCRIBE_KEY, else the key file under
    /// the data directory (made, readable by this user only, on first start). No key, no
    /// start: links signed with a key that dies with the process would stop working.
    pub fn unsubscribe_key(&self) -> Result<engine::email::unsubscribe::UnsubscribeKey, ConfigError> {
        use engine::email::unsubscribe::UnsubscribeKey;
        if let Some(k) = &self.unsubscribe_key {
            return Ok(k.clone());
        }
        let path = self.data_dir.join(UNSUBSCRIBE_KEY_FILE);
        load_or_create(&path, "unsubscribe key", UnsubscribeKey::generate_encoded, |text| UnsubscribeKey::parse(text))
    }

    /// How the bounce poller reads: this installation's concurrency and session deadline.
    pub fn bounce_poll_settings(&self) -> engine::flows::bounces::PollSettings {
        let defaults = engine::flows::bounces::PollSettings::default();
        engine::flows::bounces::PollSettings {
            concurrency: self.bounce_poll_concurrency,
            limits: engine::email::imap::FetchLimits { deadline: std::time::Duration::from_secs(self.bounce_poll_deadline_secs), ..defaults.limits },
            ..defaults
        }
    }

    /// The engine's settings; also makes IMAP trust the extra CA certificates, if any.
    pub fn engine_settings(&self) -> Result<engine::Settings, ConfigError> {
        if let Some(pem) = &self.extra_ca_pem {
            engine::email::imap::trust_extra_roots_pem(pem)
                .map_err(|e| ConfigError { var: "AGENCY_OS_EXTRA_CA_FILE".into(), problem: e.to_string(), got: String::new() })?;
        }
        Ok(engine::Settings {
            public_url: self.public_url.clone(),
            throttle: engine::auth::throttle::Limits {
                per_account: self.login_failures_per_account,
                per_ip: self.login_failures_per_ip,
                window_secs: self.login_window_secs,
                max_delay_secs: self.login_max_delay_secs,
                signups_per_ip: self.signups_per_ip,
                ..Default::default()
            },
            unsubscribe_key: self.unsubscribe_key()?,
            secrets: self.keyring()?,
            providers: self.providers.clone(),
            net: engine::net::NetPolicy::new(self.fetch_allow_private),
            notify_mail: self.notify_mail.clone(),
            plans: self.plans.clone(),
            unit_costs: self.unit_costs.clone(),
            stripe: self.stripe.clone(),
            ..engine::Settings::default()
        })
    }
}

fn load_or_create_key_file(path: &std::path::Path) -> Result<MasterKey, ConfigError> {
    let make = || engine::secrets::encode_key(&engine::secrets::random_key());
    let key = load_or_create(path, "master key", make, |text| MasterKey::from_base64(text).map_err(|e| e.to_string()))?;
    tracing::debug!(key_id = key.id(), "master key file read");
    Ok(key)
}

/// Reads a key file, or makes it (private, never overwritten) with `make` when there is none,
/// saying so in the log — never the key itself.
fn load_or_create<T>(
    path: &std::path::Path,
    what: &str,
    make: impl FnOnce() -> String,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let err = |problem: String| ConfigError { var: "AGENCY_OS_DATA_DIR".into(), problem, got: path.display().to_string() };
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text).map_err(|e| err(format!("holds a {what} file that is not usable ({e})"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(format!("cannot be created ({e})")))?;
            }
            let text = make();
            write_private(path, text.as_bytes()).map_err(|e| err(format!("cannot hold the {what} file ({e})")))?;
            tracing::warn!(
                file = %path.display(),
                "generated a {what} file because its variable is not set; back it up, or set the variable in production"
            );
            parse(&text).map_err(|e| err(format!("made an unusable {what} ({e})")))
        }
        Err(e) => Err(err(format!("holds a {what} file that cannot be read ({e})"))),
    }
}

/// Creates the file readable and writable by its owner only; refuses to overwrite.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

/// Reads `key = value` pairs from a TOML file. Keys are the variable names, lower-case, with or
/// without the `agency_os_` prefix (`database_url`, `public_url`, …).
fn read_file(path: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let err = |problem: String| ConfigError { var: "AGENCY_OS_CONFIG".into(), problem, got: path.into() };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("names a file that cannot be read ({e})")))?;
    let table: toml::Table = text.parse().map_err(|e| err(format!("is not valid TOML ({e})")))?;
    let nested = nested_variables();
    let known: Vec<&str> = VARIABLES.iter().map(|(v, _, _)| *v).chain(nested.iter().map(String::as_str)).collect();
    let mut flat = Vec::new();
    flatten_toml("", table, &mut flat);
    let mut out = Vec::new();
    for (k, v) in flat {
        let upper = k.to_ascii_uppercase();
        let var = if known.contains(&upper.as_str()) { upper } else { format!("AGENCY_OS_{upper}") };
        if !known.contains(&var.as_str()) {
            return Err(err(format!("has an unknown key `{}`", k.replace("__", "."))));
        }
        let value = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => return Err(err(format!("key `{}` must be a string, number or boolean, not {}", k.replace("__", "."), other.type_str()))),
        };
        out.push((var, value));
    }
    Ok(out)
}

/// Tables become `__`-joined keys: `[plans.velocity] lead_pool = 3000` is `plans__velocity__lead_pool`.
fn flatten_toml(prefix: &str, table: toml::Table, out: &mut Vec<(String, toml::Value)>) {
    for (k, v) in table {
        let key = if prefix.is_empty() { k } else { format!("{prefix}__{k}") };
        match v {
            toml::Value::Table(t) => flatten_toml(&key, t, out),
            other => out.push((key, other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_point_at_the_local_servers() {
        let c = Config::from_vars(HashMap::new()).unwrap();
        assert_eq!(c.database_url.expose(), "postgres://postgres@127.0.0.1:5432/agency_os");
        assert_eq!(c.redis_url.expose(), "redis://127.0.0.1:6379");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
    }

    #[test]
    fn a_malformed_value_names_the_variable_and_what_it_expects() {
        let e = Config::from_vars(vars(&[("AGENCY_OS_DB_MAX_CONNECTIONS", "lots")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_DB_MAX_CONNECTIONS");
        assert!(e.to_string().contains("whole number from 1 to 500"), "{e}");
        let e = Config::from_vars(vars(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        let e = Config::from_vars(vars(&[("AGENCY_OS_SECURE_COOKIES", "maybe")])).unwrap_err();
        assert!(e.to_string().contains("true or false"));
        let e = Config::from_vars(vars(&[("AGENCY_OS_ADDR", "nowhere")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_ADDR");
    }

    #[test]
    fn database_passwords_never_reach_error_messages_or_debug_output() {
        let e = Config::from_vars(vars(&[("DATABASE_URL", "mysql://me:hunter2@db/x")])).unwrap_err();
        assert!(!e.to_string().contains("hunter2"), "{e}");
        let c = Config::from_vars(vars(&[("DATABASE_URL", "postgres://me:hunter2@db/x")])).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn the_unsubscribe_key_is_read_checked_and_never_shown() {
        let secret = "3f".repeat(32);
        let c = Config::from_vars(vars(&[("AGENCY_OS_UNSUBSCRIBE_KEY", &secret)])).unwrap();
        assert_eq!(c.engine_settings().unwrap().unsubscribe_key, engine::email::unsubscribe::UnsubscribeKey::parse(&secret).unwrap());
        assert!(!format!("{c:?}").contains(&secret));
        let e = Config::from_vars(vars(&[("AGENCY_OS_UNSUBSCRIBE_KEY", "0123456789abcdef")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_UNSUBSCRIBE_KEY");
        assert!(e.to_string().contains("at least 32"), "{e}");
        assert!(!e.to_string().contains("0123456789abcdef"), "{e}");
    }

    #[test]
    fn without_an_unsubscribe_key_a_key_file_is_made_once_and_links_survive_a_restart() {
        let dir = std::env::temp_dir().join(format!("aos-unsub-{}-{}", std::process::id(), rand::random::<u32>()));
        let start = || Config::from_vars(vars(&[("AGENCY_OS_DATA_DIR", dir.to_str().unwrap())])).unwrap().engine_settings().unwrap().unsubscribe_key;
        let first = start();
        let ws = domain::ids::WorkspaceId(uuid::Uuid::new_v4());
        let token = engine::email::unsubscribe::issue(&first, ws, "ann@customer.example", None).unwrap();
        // A restart reads the same key: the link in an email sent before it still works.
        let second = start();
        assert!(engine::email::unsubscribe::verify(&second, &token).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(UNSUBSCRIBE_KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key file is private");
        }
        // A damaged file stops the start rather than signing with a key nobody keeps.
        std::fs::write(dir.join(UNSUBSCRIBE_KEY_FILE), "short").unwrap();
        let e = Config::from_vars(vars(&[("AGENCY_OS_DATA_DIR", dir.to_str().unwrap())])).unwrap().engine_settings().unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_DATA_DIR");
        assert!(e.to_string().contains("unsubscribe key"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_bounce_poll_interval_defaults_to_two_minutes_and_zero_turns_it_off() {
        assert_eq!(Config::from_vars(HashMap::new()).unwrap().bounce_poll_secs, 120);
        assert_eq!(Config::from_vars(vars(&[("AGENCY_OS_BOUNCE_POLL_SECS", "0")])).unwrap().bounce_poll_secs, 0);
        let c = Config::from_vars(HashMap::new()).unwrap();
        let p = c.bounce_poll_settings();
        assert_eq!((p.concurrency, p.limits.deadline), (8, std::time::Duration::from_secs(120)));
        assert!(Config::from_vars(vars(&[("AGENCY_OS_BOUNCE_POLL_CONCURRENCY", "0")])).is_err());
        let e = Config::from_vars(vars(&[("AGENCY_OS_EXTRA_CA_FILE", "/nonexistent/ca.pem")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_EXTRA_CA_FILE");
        let e = Config::from_vars(vars(&[("AGENCY_OS_BOUNCE_POLL_SECS", "-5")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_BOUNCE_POLL_SECS");
        assert!(e.to_string().contains("from 0 to 86400"), "{e}");
    }

    #[test]
    fn a_malformed_secret_key_names_the_variable_and_never_echoes_the_value() {
        let e = Config::from_vars(vars(&[("AGENCY_OS_SECRET_KEY", "c2hvcnQta2V5")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_SECRET_KEY");
        assert!(e.to_string().contains("32 random bytes"), "{e}");
        assert!(!e.to_string().contains("c2hvcnQta2V5"), "{e}");
        let e = Config::from_vars(vars(&[("AGENCY_OS_PREVIOUS_SECRET_KEYS", "nope")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_PREVIOUS_SECRET_KEYS");
    }

    #[test]
    fn a_configured_secret_key_seals_and_never_prints() {
        let key = engine::secrets::encode_key(&[9u8; 32]);
        let c = Config::from_vars(vars(&[("AGENCY_OS_SECRET_KEY", &key)])).unwrap();
        assert!(!format!("{c:?}").contains(&key));
        let ring = c.keyring().unwrap();
        let again = Config::from_vars(vars(&[("AGENCY_OS_SECRET_KEY", &key)])).unwrap().keyring().unwrap();
        assert_eq!(again.open(b"c", &ring.seal(b"c", b"x")).unwrap(), b"x");
    }

    #[test]
    fn without_a_secret_key_a_key_file_is_made_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("aos-key-{}-{}", std::process::id(), rand::random::<u32>()));
        let c = Config::from_vars(vars(&[("AGENCY_OS_DATA_DIR", dir.to_str().unwrap())])).unwrap();
        let first = c.keyring().unwrap();
        let sealed = first.seal(b"c", b"x");
        let second = c.keyring().unwrap();
        assert_eq!(second.current_id(), first.current_id());
        assert_eq!(second.open(b"c", &sealed).unwrap(), b"x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key file is private");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn platform_provider_keys_and_base_urls_come_from_configuration() {
        let c = Config::from_vars(vars(&[
            ("AGENCY_OS_APOLLO_KEY", "apollo-secret-1234"),
            ("AGENCY_OS_APOLLO_URL", "http://127.0.0.1:9999/api/v1/"),
        ]))
        .unwrap();
        assert!(c.providers.platform.contains_key(&Integration::Apollo));
        assert_eq!(c.providers.apollo_url, "http://127.0.0.1:9999/api/v1");
        assert!(!format!("{c:?}").contains("apollo-secret-1234"));
        let e = Config::from_vars(vars(&[("AGENCY_OS_DATAFORSEO_KEY", "login-without-password")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_DATAFORSEO_KEY");
        assert!(!e.to_string().contains("login-without-password"));
        let e = Config::from_vars(vars(&[("AGENCY_OS_HUNTER_URL", "ftp://x")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_HUNTER_URL");
    }

    #[test]
    fn language_model_keys_caps_and_prices_come_from_configuration() {
        let c = Config::from_vars(vars(&[
            ("AGENCY_OS_ANTHROPIC_KEY", "sk-ant-secret-9876"),
            ("AGENCY_OS_AI_WORKSPACE_DAILY_AUD", "2.5"),
            ("AGENCY_OS_AI_PLATFORM_DAILY_AUD", "40"),
            ("AGENCY_OS_AI_PRICES", "llama3.1=0/0, gpt-4o-mini=0.3/1.2"),
            ("AGENCY_OS_OPENAI_MODEL", "llama3.1"),
            ("AGENCY_OS_OPENAI_URL", "http://127.0.0.1:11434/v1/"),
        ]))
        .unwrap();
        assert!(c.providers.platform.contains_key(&Integration::Anthropic));
        assert!(!format!("{c:?}").contains("sk-ant-secret-9876"));
        assert_eq!((c.providers.ai_caps.workspace_daily_aud, c.providers.ai_caps.platform_daily_aud), (2.5, 40.0));
        assert_eq!(c.providers.openai_model, "llama3.1");
        assert_eq!(c.providers.openai_url, "http://127.0.0.1:11434/v1");
        assert_eq!(c.providers.model_prices.get("gpt-4o-mini").unwrap().input_per_mtok, 0.3);
        assert!(c.providers.model_prices.get("claude-haiku-4-5").is_some(), "built-in prices stay");
        let e = Config::from_vars(vars(&[("AGENCY_OS_ANTHROPIC_MODEL", "claude-unpriced")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_ANTHROPIC_MODEL");
        let e = Config::from_vars(vars(&[("AGENCY_OS_AI_PRICES", "gpt=cheap")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_AI_PRICES");
        let e = Config::from_vars(vars(&[("AGENCY_OS_AI_WORKSPACE_DAILY_AUD", "-1")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_AI_WORKSPACE_DAILY_AUD");
    }

    #[test]
    fn plans_and_unit_costs_default_to_the_spec_and_the_file_and_environment_override_them() {
        let c = Config::from_vars(HashMap::new()).unwrap();
        assert_eq!(c.plans, domain::plans::Plans::default());
        assert_eq!(c.unit_costs, engine::ledger::UnitCosts::default());
        assert!(c.stripe.is_none());
        let dir = std::env::temp_dir().join(format!("aos-plans-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("c.toml");
        std::fs::write(&f, "[plans.ignition]\nactive_campaigns = 2\nlead_pool = 900\n\n[plans.dominance]\nregular_price_aud = 8000\n\n[unit_costs]\nhunter_email = 0.03\n").unwrap();
        let c = Config::from_vars(vars(&[
            ("AGENCY_OS_CONFIG", f.to_str().unwrap()),
            ("AGENCY_OS_PLANS__IGNITION__LEAD_POOL", "1000"),
            ("AGENCY_OS_DATA_DIR", dir.to_str().unwrap()),
        ]))
        .unwrap();
        assert_eq!((c.plans.ignition.active_campaigns, c.plans.ignition.lead_pool), (2, 1000), "the environment wins over the file");
        assert_eq!(c.plans.dominance.regular_price_aud, 8000);
        assert_eq!(c.plans.velocity, domain::plans::Plans::default().velocity);
        assert_eq!(c.unit_costs.hunter_email, 0.03);
        let settings = c.engine_settings().unwrap();
        assert_eq!((settings.plans.ignition.active_campaigns, settings.unit_costs.hunter_email), (2, 0.03));

        let e = Config::from_vars(vars(&[("AGENCY_OS_PLANS__VELOCITY__ACTIVE_CAMPAIGNS", "ten")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_PLANS__VELOCITY__ACTIVE_CAMPAIGNS");
        let e = Config::from_vars(vars(&[("AGENCY_OS_UNIT_COSTS__CLAY_CREDIT", "-1")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_UNIT_COSTS__CLAY_CREDIT");
        assert!(Config::from_vars(vars(&[("AGENCY_OS_PLANS__IGNITION__ACTIVE_CAMPAIGNS", "0")])).is_err(), "a tier needs a campaign");
        std::fs::write(&f, "[plans.gold]\nlead_pool = 1\n").unwrap();
        let e = Config::from_vars(vars(&[("AGENCY_OS_CONFIG", f.to_str().unwrap())])).unwrap_err();
        assert!(e.to_string().contains("unknown key `plans.gold.lead_pool`"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stripe_needs_both_secrets_and_never_prints_them() {
        let c = Config::from_vars(vars(&[
            ("AGENCY_OS_STRIPE_SECRET_KEY", "sk_test_secret123"),
            ("AGENCY_OS_STRIPE_WEBHOOK_SECRET", "whsec_hook456"),
            ("AGENCY_OS_STRIPE_PRICE_VELOCITY", "price_vel"),
        ]))
        .unwrap();
        let s = c.stripe.as_ref().unwrap();
        assert_eq!(s.prices, vec![(domain::plans::Tier::Velocity, "price_vel".to_string())]);
        assert_eq!(s.base_url, "https://api.stripe.com");
        let shown = format!("{c:?}");
        assert!(!shown.contains("sk_test_secret123") && !shown.contains("whsec_hook456"), "{shown}");
        let e = Config::from_vars(vars(&[("AGENCY_OS_STRIPE_SECRET_KEY", "sk_test_secret123")])).unwrap_err();
        assert_eq!(e.var, "AGENCY_OS_STRIPE_WEBHOOK_SECRET");
        let e = Config::from_vars(vars(&[("AGENCY_OS_STRIPE_SECRET_KEY", "oops-secret"), ("AGENCY_OS_STRIPE_WEBHOOK_SECRET", "whsec_x")])).unwrap_err();
        assert!(!e.to_string().contains("oops-secret"), "{e}");
    }

    #[test]
    fn the_config_file_fills_in_what_the_environment_does_not_set() {
        let dir = std::env::temp_dir().join(format!("aos-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("c.toml");
        std::fs::write(&f, "public_url = \"https://app.example.com\"\ndb_max_connections = 20\nredis_url = \"redis://10.0.0.1:6379\"\n").unwrap();
        let c = Config::from_vars(vars(&[("AGENCY_OS_CONFIG", f.to_str().unwrap()), ("REDIS_URL", "redis://127.0.0.1:6380")])).unwrap();
        assert_eq!(c.public_url, "https://app.example.com");
        assert_eq!(c.db_max_connections, 20);
        assert_eq!(c.redis_url.expose(), "redis://127.0.0.1:6380");
        std::fs::write(&f, "colour = \"blue\"\n").unwrap();
        let e = Config::from_vars(vars(&[("AGENCY_OS_CONFIG", f.to_str().unwrap())])).unwrap_err();
        assert!(e.to_string().contains("unknown key `colour`"));
    }
}
