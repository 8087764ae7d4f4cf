//! Unsubscribe links and what following one does (SPEC §10.5, Spam Act: a functional
//! unsubscribe, honoured before the next send).
//!
//! A link carries a token that names the workspace, the address and the campaign, signed with
//! HMAC-SHA256 under the server's unsubscribe key. Nothing is stored per link: the signature is
//! the proof that we issued it, so a forged or altered token is refused without a database
//! read, and a token of one workspace can only ever touch that workspace. Tokens do not expire
//! (an opt-out must work years later) but carry a version byte, so the format and key can move
//! on while old links keep working.
//!
//! Token bytes, URL-safe base64 without padding:
//! `version (1) | workspace (16) | has_campaign (1) | campaign (16, if any) | address | mac (32)`.

use crate::store::{audit, leads, suppressions};
use crate::{Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use domain::ids::WorkspaceId;
use crate::store::activities::{self, NewActivity};
use domain::activity::ActivityKind;
use domain::lead_status::{LeadStatus, Signal};
use domain::leads::LeadId;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::json;
use sha2::Sha256;
use sqlx::PgPool;
use std::fmt;
use uuid::Uuid;

const VERSION: u8 = 1;
const MAC_LEN: usize = 32;
/// Separates these MACs from anything else the same key might ever sign.
const CONTEXT: &[u8] = b"agency-os/unsubscribe\0";
const MIN_KEY_BYTES: usize = 32;

/// The server secret that signs unsubscribe tokens. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsubscribeKey(Vec<u8>);

impl fmt::Debug for UnsubscribeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnsubscribeKey(****)")
    }
}

impl UnsubscribeKey {
    /// Reads the configured key: at least 32 bytes, written as hex or as base64 (standard or
    /// URL-safe). `openssl rand -hex 32` makes one.
    pub fn parse(raw: &str) -> std::result::Result<Self, String> {
        let t = raw.trim();
        let bytes = if t.len() % 2 == 0 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).ok()
        } else {
            let unpadded = t.trim_end_matches('=');
            URL_SAFE_NO_PAD
                .decode(unpadded)
                .ok()
                .or_else(|| base64::engine::general_purpose::STANDARD_NO_PAD.decode(unpadded).ok())
        };
        match bytes {
            Some(b) if b.len() >= MIN_KEY_BYTES => Ok(Self(b)),
            Some(b) => Err(format!("must be at least {MIN_KEY_BYTES} random bytes, got {}", b.len())),
            None => Err("must be hex or base64 (e.g. the output of `openssl rand -hex 32`)".into()),
        }
    }

    /// A fresh random key; links signed with it stop working when the process ends.
    pub fn generate() -> Self {
        let mut b = vec![0u8; MIN_KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut b);
        Self(b)
    }

    /// A fresh random key written as [`parse`](Self::parse) reads it (hex), for a key file.
    pub fn generate_encoded() -> String {
        hex::encode(Self::generate().0)
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(CONTEXT);
        mac.update(payload);
        mac
    }
}

/// What an unsubscribe token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsubscribeClaims {
    pub workspace: WorkspaceId,
    /// Canonical (domain::suppression) form.
    pub address: String,
    pub campaign: Option<Uuid>,
}

/// Signs a token for `address` (canonicalised; an invalid address is refused).
pub fn issue(key: &UnsubscribeKey, workspace: WorkspaceId, address: &str, campaign: Option<Uuid>) -> Result<String> {
    let address = domain::suppression::canonical_email(address).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut payload = Vec::with_capacity(34 + address.len() + MAC_LEN);
    payload.push(VERSION);
    payload.extend_from_slice(workspace.0.as_bytes());
    match campaign {
        Some(c) => {
            payload.push(1);
            payload.extend_from_slice(c.as_bytes());
        }
        None => payload.push(0),
    }
    payload.extend_from_slice(address.as_bytes());
    let tag = key.mac(&payload).finalize().into_bytes();
    payload.extend_from_slice(&tag);
    Ok(URL_SAFE_NO_PAD.encode(payload))
}

/// The claims of a token we issued; `None` for anything else (malformed, altered, unknown
/// version, signed with another key). The MAC is compared in constant time.
pub fn verify(key: &UnsubscribeKey, token: &str) -> Option<UnsubscribeClaims> {
    // A URL path segment; refuse absurd sizes before decoding.
    if token.is_empty() || token.len() > 1024 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
    if bytes.len() < 1 + 16 + 1 + 3 + MAC_LEN {
        return None;
    }
    let (payload, tag) = bytes.split_at(bytes.len() - MAC_LEN);
    key.mac(payload).verify_slice(tag).ok()?;
    // Only after the MAC: the layout of a payload we did not sign is not worth reading.
    if payload[0] != VERSION {
        return None;
    }
    let workspace = WorkspaceId(Uuid::from_slice(&payload[1..17]).ok()?);
    let (campaign, rest) = match payload[17] {
        0 => (None, &payload[18..]),
        1 if payload.len() > 34 => (Some(Uuid::from_slice(&payload[18..34]).ok()?), &payload[34..]),
        _ => return None,
    };
    let address = String::from_utf8(rest.to_vec()).ok()?;
    Some(UnsubscribeClaims { workspace, address, campaign })
}

/// The link to put in an email: `{public_url}/u/{token}`.
pub fn link(public_url: &str, token: &str) -> String {
    format!("{}/u/{token}", public_url.trim_end_matches('/'))
}

/// How the person unsubscribed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The button on our unsubscribe page.
    Link,
    /// The mail client's RFC 8058 one-click POST.
    OneClick,
    /// A sending platform's webhook (Instantly, Smartlead) reported it.
    Webhook,
    /// A sending platform refused a send because the address unsubscribed there.
    SenderRefusal,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Link => "link",
            Via::OneClick => "one_click",
            Via::Webhook => "webhook",
            Via::SenderRefusal => "sender_refusal",
        }
    }
}

/// What an unsubscribe changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// False when the address was already suppressed (a repeat click).
    pub newly_suppressed: bool,
    /// The lead with that address whose status moved, if any.
    pub lead: Option<(LeadId, LeadStatus, LeadStatus)>,
}

/// Suppresses the address in the token's workspace and moves its lead (if any) to
/// `unsubscribed`, with an audit row, in one transaction. Idempotent: a repeat changes nothing
/// and writes nothing.
#[tracing::instrument(skip(pool, claims), fields(workspace = %claims.workspace))]
pub async fn unsubscribe(pool: &PgPool, claims: &UnsubscribeClaims, via: Via) -> Result<Outcome> {
    let ws = claims.workspace;
    let mut tx = crate::db::tenant(pool, ws).await?;
    let live: bool = sqlx::query_scalar("select exists(select 1 from workspaces where id = $1 and deleted_at is null)")
        .bind(ws.0)
        .fetch_one(&mut *tx)
        .await?;
    if !live {
        return Err(Error::NotFound("unsubscribe link"));
    }
    let newly_suppressed = suppressions::insert(
        &mut tx,
        ws,
        &suppressions::NewSuppression { address: &claims.address, reason: suppressions::Reason::Unsubscribed, source: via.as_str(), campaign_id: claims.campaign },
    )
    .await?;

    // The lead table keeps the address as typed in lower case; the token has the ASCII form of
    // its domain. Both spellings find the lead.
    let mut spellings = vec![claims.address.clone()];
    let (local, domain) = claims.address.rsplit_once('@').unwrap_or((&claims.address, ""));
    let unicode = format!("{local}@{}", idna::domain_to_unicode(domain).0);
    if unicode != claims.address {
        spellings.push(unicode);
    }
    let mut lead = None;
    if let Some((id, _)) = leads::find_by_email_for_update(&mut tx, ws, &spellings).await? {
        let now = chrono::Utc::now();
        let campaign = claims.campaign.map(domain::ids::CampaignId);
        if newly_suppressed {
            activities::record(
                &mut tx,
                ws,
                &NewActivity {
                    campaign,
                    channel: Some("email".into()),
                    detail: json!({ "address": claims.address, "via": via.as_str() }),
                    ..NewActivity::on_lead(id, ActivityKind::Unsubscribed, format!("Unsubscribed ({}); {} suppressed", via.as_str().replace('_', " "), claims.address), now)
                },
            )
            .await?;
        }
        // The status machine decides: an already-terminal lead (bounced, converted) keeps its
        // status; the suppression row alone stops further sends.
        if let Some((from, to)) = crate::flows::signals::apply_in(&mut tx, ws, id, campaign, Signal::Unsubscribed, "unsubscribed", now).await? {
            lead = Some((id, from, to));
        }
        crate::store::campaigns::exit_lead(&mut tx, ws, id.0, "unsubscribed", now).await?;
    }

    if newly_suppressed || lead.is_some() {
        audit::record(
            &mut tx,
            audit::Record {
                workspace: Some(ws),
                actor: None,
                action: "email.unsubscribed",
                target_type: if lead.is_some() { "lead" } else { "suppression" },
                target_id: Some(lead.map(|(id, _, _)| id.0.to_string()).unwrap_or_else(|| claims.address.clone())),
                before: lead.map(|(_, from, _)| json!({ "status": from.as_str() })),
                after: Some(json!({
                    "address": claims.address,
                    "via": via.as_str(),
                    "campaign_id": claims.campaign,
                    "status": lead.map(|(_, _, to)| to.as_str()),
                })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(newly_suppressed, lead_moved = lead.is_some(), via = via.as_str(), "unsubscribe");
    Ok(Outcome { newly_suppressed, lead })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> UnsubscribeKey {
        UnsubscribeKey::parse(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn a_token_round_trips_its_claims() {
        let ws = WorkspaceId(Uuid::new_v4());
        let campaign = Uuid::new_v4();
        let t = issue(&key(), ws, " Ann@Customer.Example ", Some(campaign)).unwrap();
        assert!(t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{t}");
        let c = verify(&key(), &t).unwrap();
        assert_eq!(c, UnsubscribeClaims { workspace: ws, address: "ann@customer.example".into(), campaign: Some(campaign) });
        let t = issue(&key(), ws, "bob@bücher.example", None).unwrap();
        assert_eq!(verify(&key(), &t).unwrap().address, "bob@xn--bcher-kva.example");
        assert_eq!(verify(&key(), &t).unwrap().campaign, None);
    }

    #[test]
    fn altered_forged_or_foreign_tokens_are_refused() {
        let ws = WorkspaceId(Uuid::new_v4());
        let t = issue(&key(), ws, "ann@customer.example", None).unwrap();
        // Every single-character change anywhere in the token.
        for i in 0..t.len() {
            let mut b = t.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(b).unwrap();
            if altered != t {
                assert_eq!(verify(&key(), &altered), None, "position {i}");
            }
        }
        let other_key = UnsubscribeKey::generate();
        assert_eq!(verify(&other_key, &t), None);
        assert_eq!(verify(&key(), ""), None);
        assert_eq!(verify(&key(), "not base64!"), None);
        assert_eq!(verify(&key(), &"A".repeat(5000)), None);
        // A token for another workspace cannot be made by swapping the workspace bytes.
        let mut raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
        raw[1..17].copy_from_slice(Uuid::new_v4().as_bytes());
        assert_eq!(verify(&key(), &URL_SAFE_NO_PAD.encode(raw)), None);
        assert!(issue(&key(), ws, "not an address", None).is_err());
    }

    #[test]
    fn keys_must_be_long_enough_and_never_print() {
        assert!(UnsubscribeKey::parse("abcd").is_err());
        assert!(UnsubscribeKey::parse("zz").is_err());
        assert!(UnsubscribeKey::parse(&"0f".repeat(32)).is_ok());
        assert!(UnsubscribeKey::parse(&URL_SAFE_NO_PAD.encode([7u8; 48])).is_ok());
        assert!(UnsubscribeKey::parse(&base64::engine::general_purpose::STANDARD.encode([250u8; 33])).is_ok());
        assert_eq!(format!("{:?}", key()), "UnsubscribeKey(****)");
        assert_ne!(UnsubscribeKey::generate(), UnsubscribeKey::generate());
    }

    #[test]
    fn the_link_joins_the_public_url_and_token() {
        assert_eq!(link("https://app.example.com/", "abc"), "https://app.example.com/u/abc");
    }
}
