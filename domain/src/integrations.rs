//! Provider integrations as owners and admins see them (SPEC §16): which provider, whether the
//! workspace has its own key (only its last four characters ever come back), and the rules a
//! typed-in credential must pass before anything is stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A provider a workspace can connect with its own credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    Apollo,
    Hunter,
    DataForSeo,
    BetterContact,
    Clay,
    /// Sends through a campaign prepared on Instantly (an external sending account).
    Instantly,
    /// Sends through a campaign prepared on Smartlead.
    Smartlead,
    /// Language model for drafting (SPEC §8): the Anthropic Messages API.
    Anthropic,
    /// Language model for drafting: any chat-completions endpoint (OpenAI, vLLM, Ollama, …).
    OpenAiCompatible,
}

impl Integration {
    pub const ALL: [Integration; 9] = [
        Integration::Apollo,
        Integration::Hunter,
        Integration::DataForSeo,
        Integration::BetterContact,
        Integration::Clay,
        Integration::Instantly,
        Integration::Smartlead,
        Integration::Anthropic,
        Integration::OpenAiCompatible,
    ];

    /// Providers that post to a webhook URL of ours, authenticated by a token in its path.
    pub fn has_webhook(self) -> bool {
        matches!(self, Integration::Clay | Integration::Instantly | Integration::Smartlead)
    }

    /// The stored form (the `provider` column), equal to the engine's provider names.
    pub fn slug(self) -> &'static str {
        match self {
            Integration::Apollo => "apollo",
            Integration::Hunter => "hunter",
            Integration::DataForSeo => "dataforseo",
            Integration::BetterContact => "bettercontact",
            Integration::Clay => "clay",
            Integration::Instantly => "instantly",
            Integration::Smartlead => "smartlead",
            Integration::Anthropic => "anthropic",
            Integration::OpenAiCompatible => "openai_compatible",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Integration::Apollo => "Apollo",
            Integration::Hunter => "Hunter",
            Integration::DataForSeo => "DataForSEO",
            Integration::BetterContact => "BetterContact",
            Integration::Clay => "Clay",
            Integration::Instantly => "Instantly",
            Integration::Smartlead => "Smartlead",
            Integration::Anthropic => "Anthropic",
            Integration::OpenAiCompatible => "OpenAI-compatible",
        }
    }

    /// What the provider does for us, one line for the Integrations page.
    pub fn purpose(self) -> &'static str {
        match self {
            Integration::Apollo => "People search and People Match enrichment (primary).",
            Integration::Hunter => "Email finder, first fallback.",
            Integration::DataForSeo => "SEO signals of a lead's company domain.",
            Integration::BetterContact => "Waterfall enrichment, asynchronous fallback.",
            Integration::Clay => "Table enrichment with a callback, last fallback.",
            Integration::Instantly => "Sending accounts: approved emails go out through a campaign prepared on Instantly (webhook for bounces and unsubscribes).",
            Integration::Smartlead => "Sending accounts: approved emails go out through a campaign prepared on Smartlead (webhook for bounces and unsubscribes).",
            Integration::Anthropic => "Writes drafts with Claude (within the daily AI spend caps); templates otherwise.",
            Integration::OpenAiCompatible => "Writes drafts with any chat-completions endpoint (within the daily AI spend caps).",
        }
    }

    /// What the key field asks for.
    pub fn key_hint(self) -> &'static str {
        match self {
            Integration::DataForSeo => "login:password (API credentials from the DataForSEO dashboard)",
            Integration::Clay => "the table's webhook URL (https://api.clay.com/…)",
            _ => "API key",
        }
    }

    /// The second field the Integrations page shows, if the provider has one.
    pub fn extra_hint(self) -> Option<&'static str> {
        match self {
            Integration::Clay => Some("Table auth token (optional)"),
            Integration::OpenAiCompatible => Some("Base URL and model (optional), e.g. https://api.openai.com/v1 gpt-4o-mini"),
            _ => None,
        }
    }

    pub fn parse(raw: &str) -> Result<Self, IntegrationError> {
        let s = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|i| i.slug() == s).ok_or(IntegrationError::UnknownProvider)
    }
}

impl std::fmt::Display for Integration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrationError {
    #[error("Unknown provider: choose Apollo, Hunter, DataForSEO, BetterContact, Clay, Instantly, Smartlead, Anthropic or OpenAI-compatible")]
    UnknownProvider,
    #[error("Paste the key: it is empty")]
    Empty,
    #[error("A key is one line of at most 500 characters without spaces")]
    Shape,
    #[error("DataForSEO needs login:password (both parts)")]
    LoginPassword,
    #[error("The Clay webhook URL must start with https:// and have a host")]
    ClayUrl,
    #[error("Give the endpoint as its base URL (http:// or https://) optionally followed by a model name, e.g. https://api.openai.com/v1 gpt-4o-mini")]
    Endpoint,
}

/// A credential that passed the checks, in the provider's shape. Not `Debug`-printable with its
/// secret: the engine wraps it at once.
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialInput {
    Key(String),
    Login { login: String, password: String },
    ClayTable { webhook_url: String, auth_token: Option<String> },
    /// An OpenAI-compatible endpoint: its key, and where and which model when not the
    /// installation's defaults.
    Endpoint { key: String, base_url: Option<String>, model: Option<String> },
}

impl std::fmt::Debug for CredentialInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialInput(****)")
    }
}

const MAX_KEY_CHARS: usize = 500;

fn one_token(raw: &str) -> Result<String, IntegrationError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IntegrationError::Empty);
    }
    if s.chars().count() > MAX_KEY_CHARS || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(IntegrationError::Shape);
    }
    Ok(s.to_string())
}

/// Checks what was typed for `provider`. `extra` is Clay's optional table auth token (ignored
/// for the others).
pub fn parse_credential(provider: Integration, key: &str, extra: Option<&str>) -> Result<CredentialInput, IntegrationError> {
    let key = one_token(key)?;
    match provider {
        Integration::DataForSeo => {
            let (login, password) = key.split_once(':').ok_or(IntegrationError::LoginPassword)?;
            if login.is_empty() || password.is_empty() {
                return Err(IntegrationError::LoginPassword);
            }
            Ok(CredentialInput::Login { login: login.into(), password: password.into() })
        }
        Integration::Clay => {
            let host = key.strip_prefix("https://").map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
            if host.is_none_or(|h| h.is_empty() || !h.contains('.')) {
                return Err(IntegrationError::ClayUrl);
            }
            let auth_token = match extra.map(str::trim).filter(|s| !s.is_empty()) {
                Some(t) => Some(one_token(t)?),
                None => None,
            };
            Ok(CredentialInput::ClayTable { webhook_url: key, auth_token })
        }
        Integration::OpenAiCompatible => {
            let (base_url, model) = match extra.map(str::trim).filter(|s| !s.is_empty()) {
                None => (None, None),
                Some(e) => parse_endpoint(e)?,
            };
            Ok(CredentialInput::Endpoint { key, base_url, model })
        }
        _ => Ok(CredentialInput::Key(key)),
    }
}

/// "base URL [model]": the URL must be http(s) with a host; the model one token.
fn parse_endpoint(raw: &str) -> Result<(Option<String>, Option<String>), IntegrationError> {
    let mut parts = raw.split_whitespace();
    let url = parts.next().ok_or(IntegrationError::Endpoint)?.trim_end_matches('/');
    let model = parts.next().map(str::to_string);
    if parts.next().is_some() || url.chars().count() > MAX_KEY_CHARS || model.as_ref().is_some_and(|m| m.chars().count() > 200) {
        return Err(IntegrationError::Endpoint);
    }
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    if rest.is_none_or(|r| r.split(['/', '?', '#']).next().unwrap_or("").is_empty()) {
        return Err(IntegrationError::Endpoint);
    }
    Ok((Some(url.to_string()), model))
}

/// The last four characters of the secret part, shown as "••••1234". For a login:password it
/// is the password's; for Clay the URL's (the webhook id ends it).
pub fn last4(c: &CredentialInput) -> String {
    let secret = match c {
        CredentialInput::Key(k) => k,
        CredentialInput::Login { password, .. } => password,
        CredentialInput::ClayTable { webhook_url, .. } => webhook_url,
        CredentialInput::Endpoint { key, .. } => key,
    };
    let chars: Vec<char> = secret.chars().collect();
    // Very short secrets show less, so the hint never gives most of a key away.
    let n = if chars.len() >= 12 { 4 } else { chars.len() / 3 };
    chars[chars.len() - n..].iter().collect()
}

/// One provider on the Integrations page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationView {
    pub provider: Integration,
    /// The workspace's own key, if set: its last four characters and dates.
    pub key: Option<StoredKey>,
    /// A key set for the whole installation (configuration) is used when the workspace has none.
    pub platform_key: bool,
    /// Clay, Instantly and Smartlead: the URL of ours the provider must post to (Clay: the
    /// table's results; the senders: their webhook events).
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredKey {
    pub last4: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl IntegrationView {
    /// "sandbox", "platform key" or "connected ••••1234".
    pub fn status(&self) -> String {
        match (&self.key, self.platform_key) {
            (Some(k), _) => format!("connected ••••{}", k.last4),
            (None, true) => "platform key".into(),
            (None, false) => "sandbox".into(),
        }
    }
}

/// What "Test connection" found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn providers_parse_from_their_slugs_only() {
        for i in Integration::ALL {
            assert_eq!(Integration::parse(&format!(" {} ", i.slug().to_uppercase())), Ok(i));
        }
        assert_eq!(Integration::parse("sandbox"), Err(IntegrationError::UnknownProvider));
    }

    #[test]
    fn a_credential_is_one_line_in_the_providers_shape() {
        assert_eq!(parse_credential(Integration::Apollo, "  ", None), Err(IntegrationError::Empty));
        assert_eq!(parse_credential(Integration::Apollo, "abc def", None), Err(IntegrationError::Shape));
        assert_eq!(parse_credential(Integration::Hunter, &"x".repeat(501), None), Err(IntegrationError::Shape));
        assert_eq!(parse_credential(Integration::Apollo, " key123 ", None), Ok(CredentialInput::Key("key123".into())));
        assert_eq!(parse_credential(Integration::DataForSeo, "me@x.com", None), Err(IntegrationError::LoginPassword));
        assert_eq!(parse_credential(Integration::DataForSeo, "me@x.com:", None), Err(IntegrationError::LoginPassword));
        assert_eq!(
            parse_credential(Integration::DataForSeo, "me@x.com:pw:with:colons", None),
            Ok(CredentialInput::Login { login: "me@x.com".into(), password: "pw:with:colons".into() })
        );
        assert_eq!(parse_credential(Integration::Clay, "http://api.clay.com/x", None), Err(IntegrationError::ClayUrl));
        assert_eq!(parse_credential(Integration::Clay, "https:///x", None), Err(IntegrationError::ClayUrl));
        assert_eq!(
            parse_credential(Integration::Clay, "https://api.clay.com/v3/sources/webhook/abc", Some(" tok ")),
            Ok(CredentialInput::ClayTable { webhook_url: "https://api.clay.com/v3/sources/webhook/abc".into(), auth_token: Some("tok".into()) })
        );
    }

    #[test]
    fn an_openai_compatible_endpoint_takes_a_key_and_optionally_its_url_and_model() {
        let p = Integration::OpenAiCompatible;
        assert_eq!(Integration::parse("openai_compatible"), Ok(p));
        assert_eq!(parse_credential(p, "sk-1", None), Ok(CredentialInput::Endpoint { key: "sk-1".into(), base_url: None, model: None }));
        assert_eq!(
            parse_credential(p, "sk-1", Some(" http://127.0.0.1:11434/v1/  llama3.1 ")),
            Ok(CredentialInput::Endpoint { key: "sk-1".into(), base_url: Some("http://127.0.0.1:11434/v1".into()), model: Some("llama3.1".into()) })
        );
        assert_eq!(parse_credential(p, "sk-1", Some("ftp://x gpt")), Err(IntegrationError::Endpoint));
        assert_eq!(parse_credential(p, "sk-1", Some("https:// gpt")), Err(IntegrationError::Endpoint));
        assert_eq!(parse_credential(p, "sk-1", Some("https://a.b m extra")), Err(IntegrationError::Endpoint));
        assert_eq!(parse_credential(Integration::Anthropic, "sk-ant-1", Some("ignored")), Ok(CredentialInput::Key("sk-ant-1".into())));
    }

    #[test]
    fn only_the_last_four_characters_are_shown_and_fewer_of_short_keys() {
        assert_eq!(last4(&CredentialInput::Key("sk_live_abcdef1234".into())), "1234");
        assert_eq!(last4(&CredentialInput::Key("abcdef".into())), "ef");
        assert_eq!(last4(&CredentialInput::Login { login: "me".into(), password: "secretpassword9876".into() }), "9876");
    }

    #[test]
    fn a_credential_never_prints() {
        assert_eq!(format!("{:?}", CredentialInput::Key("sk_live".into())), "CredentialInput(****)");
    }
}

/// A scheduling tool that tells us about booked meetings (issue 11 §5). Unlike the providers
/// above it needs no key of ours: it signs what it posts with a secret we make per workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingProvider {
    /// `X-Cal-Signature-256`: hex HMAC-SHA256 of the raw body.
    CalCom,
    /// `Calendly-Webhook-Signature: t=…,v1=…`: hex HMAC-SHA256 of `t.body`.
    Calendly,
}

impl BookingProvider {
    pub const ALL: [BookingProvider; 2] = [BookingProvider::CalCom, BookingProvider::Calendly];

    /// The stored form and the path segment of its webhook URL; also the meeting's source.
    pub fn slug(self) -> &'static str {
        match self {
            BookingProvider::CalCom => "calcom",
            BookingProvider::Calendly => "calendly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BookingProvider::CalCom => "Cal.com",
            BookingProvider::Calendly => "Calendly",
        }
    }

    /// Where the secret goes on the provider's side, one line for the Integrations page.
    pub fn setup_hint(self) -> &'static str {
        match self {
            BookingProvider::CalCom => "Cal.com → Settings → Developer → Webhooks: paste the URL as Subscriber URL and the secret as Secret; triggers Booking created, rescheduled, cancelled.",
            BookingProvider::Calendly => "Create a webhook subscription (POST /webhook_subscriptions) with this URL as url, this secret as signing_key, events invitee.created and invitee.canceled.",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.slug() == s)
    }
}

/// A booking webhook as owners and admins see it in Settings → Integrations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BookingWebhookView {
    pub provider: BookingProvider,
    /// `{public_url}/webhooks/{calcom|calendly}/{workspace}`.
    pub url: String,
    /// The signing secret to paste into the provider; `None` until one is made (until then every
    /// request is refused).
    pub secret: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub rotated_at: Option<DateTime<Utc>>,
}
