//! Workspace API keys as shown to owners and admins: never the secret, only what tells keys
//! apart. The key format lives here so the server, the engine and the UI agree on it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One workspace API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiKeyId(pub Uuid);

impl std::fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for ApiKeyId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim()).map(Self)
    }
}

/// Every key starts with this, so a leaked key is recognisable by secret scanners and a
/// misplaced session token or other string is refused before any database lookup.
pub const KEY_PREFIX: &str = "aos_live_";
/// Characters of the key shown in the UI: enough to tell keys apart, far too few to guess
/// the rest (the prefix plus 8 of the 64 hex characters of the secret).
pub const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;
/// Hex characters of the random part (32 bytes, 256 bits).
pub const SECRET_HEX_LEN: usize = 64;

/// Whether `raw` has the shape of a key we issue: the prefix and 64 lower-case hex characters.
/// A cheap check before any database work; it proves nothing about the key being valid.
pub fn is_well_formed(raw: &str) -> bool {
    raw.strip_prefix(KEY_PREFIX)
        .is_some_and(|s| s.len() == SECRET_HEX_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Longest key name, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// A key's name as typed in Settings ("Zapier", "Website form"): trimmed, 1 to 80 characters.
pub fn parse_name(raw: &str) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("Give the key a name, so you can tell it apart later");
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err("A key name is one line of at most 80 characters");
    }
    Ok(name.to_string())
}

/// The part of a key shown in lists.
pub fn shown_prefix(key: &str) -> String {
    key.chars().take(SHOWN_CHARS).collect()
}

/// A key as listed in Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub name: String,
    /// The first characters of the key, e.g. `aos_live_1a2b3c4d`.
    pub prefix: String,
    /// Name of the member who created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyView {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A key just created: the only time the full key is ever returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub view: ApiKeyView,
    pub key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_issued_shape_is_well_formed() {
        let good = format!("{KEY_PREFIX}{}", "0123456789abcdef".repeat(4));
        assert!(is_well_formed(&good));
        assert!(!is_well_formed(&good[..good.len() - 1]), "too short");
        assert!(!is_well_formed(&format!("{good}0")), "too long");
        assert!(!is_well_formed(&good.to_uppercase()), "upper case");
        assert!(!is_well_formed(&good.replace("aos_live_", "aos_test_")), "other prefix");
        assert!(!is_well_formed(&format!("{}g", &good[..good.len() - 1])), "not hex");
        assert!(!is_well_formed(""));
    }

    #[test]
    fn key_names_are_trimmed_and_bounded() {
        assert_eq!(parse_name("  Zapier ").unwrap(), "Zapier");
        assert!(parse_name("   ").is_err());
        assert!(parse_name(&"x".repeat(81)).is_err());
        assert!(parse_name("a\nb").is_err());
        assert!(parse_name(&"é".repeat(80)).is_ok());
    }

    #[test]
    fn the_shown_prefix_is_the_marker_and_eight_characters() {
        let key = format!("{KEY_PREFIX}{}", "ab".repeat(32));
        assert_eq!(shown_prefix(&key), "aos_live_abababab");
    }
}
