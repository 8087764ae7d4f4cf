//! Outbound webhooks (SPEC "Outbound webhooks"): the workspace's own endpoints hear about what
//! happened to its leads, signed per the Standard Webhooks scheme, symmetric version `v1`
//! (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md).
//!
//! Pure: the secret's form, signing and verifying (`<webhook-id>.<webhook-timestamp>.<body>`,
//! HMAC-SHA256 keyed with the base64-DECODED secret, header value `v1,<base64>`), the events
//! the engine emits, the retry schedule, how an answer's status is read, and the rules a typed
//! endpoint URL must pass. Random bytes and the clock come in as arguments; the sending is the
//! engine's (`engine::flows::outbound_webhooks`).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// What a secret starts with (Standard Webhooks: symmetric secrets are `whsec_` + base64).
pub const SECRET_PREFIX: &str = "whsec_";
/// The secret's length in bytes, as the scheme allows (24 to 64).
pub const SECRET_MIN_BYTES: usize = 24;
pub const SECRET_MAX_BYTES: usize = 64;
/// What we generate: 32 random bytes.
pub const SECRET_BYTES: usize = 32;
/// How far a timestamp may be from the verifier's clock, either way (the reference libraries'
/// default).
pub const TOLERANCE_SECS: i64 = 300;

/// The type of the event "Send a test event" posts; never subscribed to, never emitted by a fact.
pub const TEST_EVENT: &str = "webhook.test";

/// A symmetric signing secret. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(****)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    #[error("a webhook secret starts with whsec_")]
    Prefix,
    #[error("the part after whsec_ is not base64")]
    NotBase64,
    #[error("a webhook secret is 24 to 64 bytes, not {0}")]
    Length(usize),
}

impl WebhookSecret {
    /// The secret made of these (random) bytes; 24 to 64 of them.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if !(SECRET_MIN_BYTES..=SECRET_MAX_BYTES).contains(&bytes.len()) {
            return Err(SecretError::Length(bytes.len()));
        }
        Ok(Self(bytes.to_vec()))
    }

    /// Reads the `whsec_…` form.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let b64 = text.trim().strip_prefix(SECRET_PREFIX).ok_or(SecretError::Prefix)?;
        let bytes = B64.decode(b64).map_err(|_| SecretError::NotBase64)?;
        Self::from_bytes(&bytes)
    }

    /// The `whsec_…` form, as shown once to the owner and stored sealed.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", B64.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// One `webhook-signature` entry: `v1,<base64 of HMAC-SHA256(id.timestamp.body)>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", B64.encode(self.mac(id, timestamp, body)))
    }

    /// Verifies a delivery as a receiver would: the timestamp within [`TOLERANCE_SECS`] of
    /// `now` (unix seconds) either way, and any `v1,` entry of the space-separated signature
    /// header equal (in constant time) to ours. Entries of other versions are ignored.
    pub fn verify(&self, id: &str, timestamp: &str, signatures: &str, body: &[u8], now: i64) -> Result<(), VerifyError> {
        if id.trim().is_empty() {
            return Err(VerifyError::MissingId);
        }
        let ts: i64 = timestamp.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
        if ts < now - TOLERANCE_SECS {
            return Err(VerifyError::TooOld);
        }
        if ts > now + TOLERANCE_SECS {
            return Err(VerifyError::TooNew);
        }
        let expected = self.mac(id, ts, body);
        let mut v1_seen = false;
        let mut matched = false;
        for entry in signatures.split_whitespace() {
            let (version, sig) = entry.split_once(',').ok_or(VerifyError::Malformed)?;
            if version.is_empty() || sig.is_empty() {
                return Err(VerifyError::Malformed);
            }
            if version != "v1" {
                continue;
            }
            v1_seen = true;
            // An entry that is not base64 of 32 bytes matches nothing; every entry is looked at,
            // so the time taken does not say which one matched.
            if let Ok(given) = B64.decode(sig) {
                matched |= bool::from(given.as_slice().ct_eq(&expected[..]));
            }
        }
        match (v1_seen, matched) {
            (_, true) => Ok(()),
            (false, false) if signatures.trim().is_empty() => Err(VerifyError::Malformed),
            (false, false) => Err(VerifyError::NoV1Signature),
            (true, false) => Err(VerifyError::Mismatch),
        }
    }
}

/// Why a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    #[error("the webhook-id header is missing")]
    MissingId,
    #[error("the webhook-timestamp header is not a whole number of seconds")]
    BadTimestamp,
    #[error("the webhook-timestamp is more than five minutes old")]
    TooOld,
    #[error("the webhook-timestamp is more than five minutes in the future")]
    TooNew,
    #[error("the webhook-signature header is not a space-separated list of version,signature")]
    Malformed,
    #[error("the webhook-signature header has no v1 signature")]
    NoV1Signature,
    #[error("no v1 signature matches")]
    Mismatch,
}

/// The events a workspace's endpoints can subscribe to: only what the engine emits, each when
/// the fact is recorded (its activity on the lead's timeline), in the same transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum EventType {
    /// A reply was recorded (any class: the payload says which).
    LeadReplied,
    /// A meeting was booked (Cal.com, Calendly or by hand).
    MeetingBooked,
    /// The lead unsubscribed (link, one-click or by reply).
    LeadUnsubscribed,
    /// An email to the lead bounced.
    LeadBounced,
    /// The lead marked our email as spam.
    LeadComplained,
}

impl EventType {
    pub const ALL: [EventType; 5] =
        [EventType::LeadReplied, EventType::MeetingBooked, EventType::LeadUnsubscribed, EventType::LeadBounced, EventType::LeadComplained];

    /// The `type` of the payload.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::LeadReplied => "lead.replied",
            EventType::MeetingBooked => "meeting.booked",
            EventType::LeadUnsubscribed => "lead.unsubscribed",
            EventType::LeadBounced => "lead.bounced",
            EventType::LeadComplained => "lead.complained",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }

    /// The activity whose recording emits the event (`domain::activity::ActivityKind::as_str`).
    pub fn activity_kind(self) -> crate::activity::ActivityKind {
        use crate::activity::ActivityKind;
        match self {
            EventType::LeadReplied => ActivityKind::Replied,
            EventType::MeetingBooked => ActivityKind::MeetingBooked,
            EventType::LeadUnsubscribed => ActivityKind::Unsubscribed,
            EventType::LeadBounced => ActivityKind::Bounced,
            EventType::LeadComplained => ActivityKind::Complained,
        }
    }

    /// What Settings says the event is.
    pub fn label(self) -> &'static str {
        match self {
            EventType::LeadReplied => "A lead replied",
            EventType::MeetingBooked => "A meeting was booked",
            EventType::LeadUnsubscribed => "A lead unsubscribed",
            EventType::LeadBounced => "An email bounced",
            EventType::LeadComplained => "A lead marked an email as spam",
        }
    }
}

/// When to try again after `attempts_made` attempts failed: the scheme's example schedule
/// (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), in seconds; the first
/// entry is the first attempt.
pub const RETRY_SCHEDULE_SECS: [i64; 10] = [0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600, 20 * 3600, 24 * 3600];

/// The wait before the next attempt after `attempts_made` attempts, or `None` when the schedule
/// is spent (the delivery is given up).
pub fn next_retry_secs(attempts_made: u32) -> Option<i64> {
    RETRY_SCHEDULE_SECS.get(attempts_made as usize).copied().filter(|_| attempts_made > 0)
}

/// How an endpoint's answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// 2xx: delivered.
    Delivered,
    /// 410 Gone: the receiver wants no more webhooks; the endpoint is disabled.
    Gone,
    /// Anything else, 3xx included (redirects are not followed): try again per the schedule.
    Retry,
}

pub fn read_status(status: u16) -> Answer {
    match status {
        200..=299 => Answer::Delivered,
        410 => Answer::Gone,
        _ => Answer::Retry,
    }
}

/// The most endpoints one workspace may have (each event fans out to every one).
pub const MAX_ENDPOINTS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointError {
    #[error("Enter the endpoint's URL: it is empty")]
    Empty,
    #[error("The URL is one line of at most 1000 characters without spaces")]
    Shape,
    #[error("The URL must start with https:// and name a host, like https://hooks.example.com/agency-os")]
    NotHttps,
    #[error("Choose at least one event")]
    NoEvents,
    #[error("{0:?} is not an event we send")]
    UnknownEvent(String),
    #[error("A workspace has at most 10 endpoints; remove one first")]
    TooMany,
}

/// Checks a typed endpoint URL. `allow_http` is for installations whose operator lets tenants
/// reach private addresses (a local receiver); everyone else needs https. Whether the host is
/// on a private network is the outbound policy's to say (`engine::net`).
pub fn parse_endpoint_url(raw: &str, allow_http: bool) -> Result<String, EndpointError> {
    let url = raw.trim();
    if url.is_empty() {
        return Err(EndpointError::Empty);
    }
    if url.chars().count() > 1000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EndpointError::Shape);
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://").filter(|_| allow_http));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    if host.is_none_or(|h| h.is_empty() || h.contains('@') || h.starts_with(':')) {
        return Err(EndpointError::NotHttps);
    }
    Ok(url.to_string())
}

/// The chosen events, each known, without repeats, in the order of [`EventType::ALL`].
pub fn parse_events(raw: &[String]) -> Result<Vec<EventType>, EndpointError> {
    let mut out = Vec::new();
    for r in raw {
        let e = EventType::parse(r).ok_or_else(|| EndpointError::UnknownEvent(r.chars().take(40).collect()))?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    if out.is_empty() {
        return Err(EndpointError::NoEvents);
    }
    out.sort();
    Ok(out)
}

/// A delivery as Settings lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    Delivered,
    /// Given up: the schedule is spent, or the endpoint answered 410.
    Failed,
}

impl DeliveryState {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: Uuid,
    /// The `webhook-id`: the same on every attempt.
    pub event_id: String,
    pub event_type: String,
    pub state: DeliveryState,
    pub attempts: i32,
    /// Our words for the last attempt ("delivered (200)", "answered 500", "timed out"), never
    /// what the endpoint said.
    pub last_status: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<EventType>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// The latest deliveries, newest first.
    pub recent: Vec<DeliveryView>,
}

/// What creating an endpoint or rotating its secret returns: the secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecret {
    pub endpoint: Uuid,
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    // standard-webhooks-vector.json: the official vector (libraries/go/webhook_test.go).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const EXPECTED: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const KNOWN_BAD: &str = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

    fn secret() -> WebhookSecret {
        WebhookSecret::parse(SECRET).unwrap()
    }

    #[test]
    fn the_official_vector_signs_and_verifies() {
        let s = secret();
        assert_eq!(s.sign(ID, TS, BODY), EXPECTED);
        assert_eq!(s.verify(ID, &TS.to_string(), EXPECTED, BODY, TS), Ok(()));
        assert_eq!(s.expose(), SECRET);
    }

    #[test]
    fn the_known_bad_signature_and_any_change_to_id_time_or_body_fail() {
        let s = secret();
        assert_eq!(s.verify(ID, &TS.to_string(), KNOWN_BAD, BODY, TS), Err(VerifyError::Mismatch));
        assert_eq!(s.verify("msg_other", &TS.to_string(), EXPECTED, BODY, TS), Err(VerifyError::Mismatch));
        assert_eq!(s.verify(ID, &(TS + 1).to_string(), EXPECTED, BODY, TS), Err(VerifyError::Mismatch));
        assert_eq!(s.verify(ID, &TS.to_string(), EXPECTED, br#"{"test": 2432232315}"#, TS), Err(VerifyError::Mismatch));
        // Keyed with the decoded bytes, not the whsec_ text (Stripe's way).
        let whole = WebhookSecret::from_bytes(SECRET.as_bytes()).unwrap();
        assert_ne!(whole.sign(ID, TS, BODY), EXPECTED);
    }

    #[test]
    fn the_timestamp_may_be_five_minutes_off_either_way_and_no_more() {
        let s = secret();
        for now in [TS - 300, TS, TS + 300] {
            assert_eq!(s.verify(ID, &TS.to_string(), EXPECTED, BODY, now), Ok(()), "now = TS{:+}", now - TS);
        }
        assert_eq!(s.verify(ID, &TS.to_string(), EXPECTED, BODY, TS + 301), Err(VerifyError::TooOld));
        assert_eq!(s.verify(ID, &TS.to_string(), EXPECTED, BODY, TS - 301), Err(VerifyError::TooNew));
        assert_eq!(s.verify(ID, "16142653x0", EXPECTED, BODY, TS), Err(VerifyError::BadTimestamp));
        assert_eq!(s.verify(ID, "", EXPECTED, BODY, TS), Err(VerifyError::BadTimestamp));
    }

    #[test]
    fn any_v1_entry_may_match_and_other_versions_are_ignored() {
        let s = secret();
        let ts = TS.to_string();
        assert_eq!(s.verify(ID, &ts, &format!("{KNOWN_BAD} {EXPECTED}"), BODY, TS), Ok(()));
        assert_eq!(s.verify(ID, &ts, &format!("v1a,{} {EXPECTED}", &EXPECTED[3..]), BODY, TS), Ok(()));
        assert_eq!(s.verify(ID, &ts, &format!("v2,{}", &EXPECTED[3..]), BODY, TS), Err(VerifyError::NoV1Signature));
        assert_eq!(s.verify(ID, &ts, "v1,not-base64!! v1,AAAA", BODY, TS), Err(VerifyError::Mismatch));
        assert_eq!(s.verify(ID, &ts, "g0hM9SsE+OTPJTGt", BODY, TS), Err(VerifyError::Malformed));
        assert_eq!(s.verify(ID, &ts, "v1,", BODY, TS), Err(VerifyError::Malformed));
        assert_eq!(s.verify(ID, &ts, "  ", BODY, TS), Err(VerifyError::Malformed));
        assert_eq!(s.verify(" ", &ts, EXPECTED, BODY, TS), Err(VerifyError::MissingId));
    }

    #[test]
    fn secrets_are_whsec_and_24_to_64_bytes() {
        assert_eq!(WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Err(SecretError::Prefix));
        assert_eq!(WebhookSecret::parse("whsec_not base64"), Err(SecretError::NotBase64));
        assert_eq!(WebhookSecret::from_bytes(&[7; 23]), Err(SecretError::Length(23)));
        assert_eq!(WebhookSecret::from_bytes(&[7; 65]), Err(SecretError::Length(65)));
        for n in [24, 32, 64] {
            let s = WebhookSecret::from_bytes(&vec![9; n]).unwrap();
            assert!(s.expose().starts_with("whsec_"));
            assert_eq!(WebhookSecret::parse(&s.expose()).unwrap(), s);
        }
        assert_eq!(format!("{:?}", secret()), "WebhookSecret(****)");
    }

    #[test]
    fn the_retry_schedule_is_the_schemes_and_ends_after_ten_attempts() {
        let waits: Vec<Option<i64>> = (0..=11).map(next_retry_secs).collect();
        assert_eq!(waits[0], None, "the first attempt is not a retry");
        assert_eq!(waits[1], Some(5));
        assert_eq!(waits[2], Some(300));
        assert_eq!(waits[3], Some(1800));
        assert_eq!(waits[4], Some(7200));
        assert_eq!(waits[9], Some(86_400));
        assert_eq!(waits[10], None);
        assert_eq!(waits[11], None);
    }

    #[test]
    fn only_2xx_delivers_410_disables_and_redirects_are_failures() {
        assert_eq!(read_status(200), Answer::Delivered);
        assert_eq!(read_status(204), Answer::Delivered);
        assert_eq!(read_status(410), Answer::Gone);
        for s in [301, 302, 307, 400, 404, 429, 500, 503] {
            assert_eq!(read_status(s), Answer::Retry, "{s}");
        }
    }

    #[test]
    fn endpoint_urls_and_events_are_checked() {
        assert_eq!(parse_endpoint_url(" https://hooks.example.com/a ", false).unwrap(), "https://hooks.example.com/a");
        assert_eq!(parse_endpoint_url("http://127.0.0.1:9/hook", false), Err(EndpointError::NotHttps));
        assert!(parse_endpoint_url("http://127.0.0.1:9/hook", true).is_ok());
        assert_eq!(parse_endpoint_url("", false), Err(EndpointError::Empty));
        assert_eq!(parse_endpoint_url("https://a b", false), Err(EndpointError::Shape));
        assert_eq!(parse_endpoint_url("https://user@evil.example/x", false), Err(EndpointError::NotHttps));
        assert_eq!(parse_endpoint_url("ftp://x.example", true), Err(EndpointError::NotHttps));
        let ev = |v: &[&str]| parse_events(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(ev(&["meeting.booked", "lead.replied", "lead.replied"]), Ok(vec![EventType::LeadReplied, EventType::MeetingBooked]));
        assert_eq!(ev(&[]), Err(EndpointError::NoEvents));
        assert_eq!(ev(&["webhook.test"]), Err(EndpointError::UnknownEvent("webhook.test".into())));
        for e in EventType::ALL {
            assert_eq!(EventType::parse(e.as_str()), Some(e));
        }
    }
}
