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
}

impl Integration {
    pub const ALL: [Integration; 7] = [
        Integration::Apollo,
        Integration::Hunter,
        Integration::DataForSeo,
        Integration::BetterContact,
        Integration::Clay,
        Integration::Instantly,
        Integration::Smartlead,
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
    #[error("Unknown provider: choose Apollo, Hunter, DataForSEO, BetterContact, Clay, Instantly or Smartlead")]
    UnknownProvider,
    #[error("Paste the key: it is empty")]
    Empty,
    #[error("A key is one line of at most 500 characters without spaces")]
    Shape,
    #[error("DataForSEO needs login:password (both parts)")]
    LoginPassword,
    #[error("The Clay webhook URL must start with https:// and have a host")]
    ClayUrl,
}

/// A credential that passed the checks, in the provider's shape. Not `Debug`-printable with its
/// secret: the engine wraps it at once.
#[derive(Clone, PartialEq, Eq)]
pub enum CredentialInput {
    Key(String),
    Login { login: String, password: String },
    ClayTable { webhook_url: String, auth_token: Option<String> },
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
        _ => Ok(CredentialInput::Key(key)),
    }
}

/// The last four characters of the secret part, shown as "••••1234". For a login:password it
/// is the password's; for Clay the URL's (the webhook id ends it).
pub fn last4(c: &CredentialInput) -> String {
    let secret = match c {
        CredentialInput::Key(k) => k,
        CredentialInput::Login { password, .. } => password,
        CredentialInput::ClayTable { webhook_url, .. } => webhook_url,
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
