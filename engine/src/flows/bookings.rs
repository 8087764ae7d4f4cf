//! Booking webhooks (issue 11 §5, issue 10 §9): Cal.com and Calendly tell us a meeting was booked,
//! rescheduled or cancelled at `POST /webhooks/{calcom|calendly}/{workspace}`.
//!
//! The signature is the credential, checked before the body is read as JSON: a secret we make per
//! workspace and provider (shown in Settings → Integrations, sealed at rest), HMAC-SHA256 over the
//! raw body (Cal.com, `X-Cal-Signature-256`) or over `t.body` (Calendly,
//! `Calendly-Webhook-Signature: t=…,v1=…`, with [`CALENDLY_TOLERANCE_SECS`] either side of now),
//! compared in constant time. No secret, an unknown workspace, a missing, malformed, stale or wrong
//! signature are all the same refusal ([`Error::Unauthenticated`]) and write nothing.
//!
//! An authentic event is recorded once in `booking_webhook_events` under its identity (Cal.com signs no
//! timestamp: trigger + uid + createdAt; Calendly: event + invitee URI); a replay answers as the
//! first delivery did and changes nothing. The invitee's address is matched to a lead of the URL's
//! workspace only: a booking → `flows::meetings::book` (lead converted, campaigns stopped, touches
//! credited); a cancellation → an activity on the lead (its status stays: a person decides what a
//! cancelled meeting means, and most are rebooked); a reschedule books the new slot. No lead →
//! recorded as unmatched, nothing else written.
//!
//! What this module must not do: trust anything in the body before the signature matched, or
//! touch a workspace other than the one the URL names.

use crate::auth::Access;
use crate::flows::meetings;
use crate::store::activities::{self, NewActivity};
use crate::store::webhook_events::{self, NewEvent, Outcome};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Utc};
use domain::account::Action;
use domain::activity::ActivityKind;
use domain::ids::WorkspaceId;
use domain::integrations::{BookingProvider, BookingWebhookView};
use domain::leads::LeadId;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How far Calendly's signed timestamp may be from our clock (Calendly's sample allows 3
/// minutes of staleness; we allow 5 either way for clock skew and their retry queue).
pub const CALENDLY_TOLERANCE_SECS: i64 = 300;

/// The one answer to every authentication failure, so a caller learns nothing about which part
/// (workspace, secret, header, timestamp) was wrong.
fn refused() -> Error {
    Error::Unauthenticated("the webhook signature is missing, wrong or too old".into())
}

fn secret_context(ws: WorkspaceId, provider: BookingProvider) -> Vec<u8> {
    format!("agency-os/booking-webhook-secret/v1|{ws}|{}", provider.slug()).into_bytes()
}

fn hmac_hex(key: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

/// The `X-Cal-Signature-256` value for `body` (what Cal.com computes; for tests and tools).
pub fn sign_calcom(secret: &str, body: &[u8]) -> String {
    hmac_hex(secret.as_bytes(), &[body])
}

/// The `Calendly-Webhook-Signature` value for `body` signed at unix time `t`.
pub fn sign_calendly(secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", hmac_hex(secret.as_bytes(), &[t.to_string().as_bytes(), b".", body]))
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// `X-Cal-Signature-256`: lowercase hex HMAC-SHA256 of the exact body. Cal.com sends the literal
/// `no-secret-provided` when its webhook has no secret: that never matches.
pub fn verify_calcom(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(got) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return false;
    };
    !secret.is_empty() && same(&hmac_hex(secret, &[body]), &got.to_ascii_lowercase())
}

/// `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256 of `t.body`, `t` within
/// [`CALENDLY_TOLERANCE_SECS`] of `now`.
pub fn verify_calendly(secret: &[u8], body: &[u8], header: Option<&str>, now: DateTime<Utc>) -> bool {
    let Some(header) = header else { return false };
    let (mut t, mut v1) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.trim()),
            Some(("v1", v)) => v1.push(v.trim().to_ascii_lowercase()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    let Ok(ts) = t.parse::<i64>() else { return false };
    if secret.is_empty() || v1.is_empty() || (now.timestamp() - ts).abs() > CALENDLY_TOLERANCE_SECS {
        return false;
    }
    let expected = hmac_hex(secret, &[t.as_bytes(), b".", body]);
    // Every candidate is compared (no early exit on the first match).
    v1.iter().fold(false, |ok, got| same(&expected, got) | ok)
}

/// What a booking event means for us, read from an authentic body.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingEvent {
    pub kind: EventKind,
    /// The provider's name for the event (`BOOKING_CREATED`, `invitee.canceled`, …).
    pub event_type: String,
    /// Identity for replay protection.
    pub key: String,
    /// The invitee's address, lower-cased.
    pub invitee: Option<String>,
    /// The booking's identity at the provider (Cal.com uid, Calendly invitee URI).
    pub external_id: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub title: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Booked,
    /// A new slot replacing an earlier booking (Cal.com: `rescheduleUid`).
    Rescheduled { previous: Option<String> },
    Cancelled,
    /// Calendly's half of a reschedule: the old invitee is cancelled, a new one created.
    CancelledForReschedule,
    Other,
}

/// Longest event identity stored as is; longer ones are hashed (a hostile body cannot bloat the
/// unique index).
const MAX_KEY: usize = 300;

fn key_of(parts: &[&str]) -> String {
    let k = parts.join("|");
    if k.len() <= MAX_KEY {
        k
    } else {
        format!("sha256:{}", hex::encode(Sha256::digest(k.as_bytes())))
    }
}

fn text(v: &Value, ptr: &str) -> Option<String> {
    v.pointer(ptr).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(300).collect())
}

fn time(v: &Value, ptr: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.pointer(ptr)?.as_str()?.trim()).ok().map(|t| t.with_timezone(&Utc))
}

fn email(v: &Value, ptrs: &[&str]) -> Option<String> {
    ptrs.iter().find_map(|p| text(v, p)).map(|e| e.to_lowercase()).filter(|e| e.contains('@') && e.len() <= 254)
}

/// Reads a Cal.com delivery (`{triggerEvent, createdAt, payload}`, version 2021-10-20).
pub fn parse_calcom(body: &[u8]) -> Result<BookingEvent> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Error::Invalid("the body is not a Cal.com webhook (JSON)".into()))?;
    let trigger = text(&v, "/triggerEvent").ok_or_else(|| Error::Invalid("the body is not a Cal.com webhook: no triggerEvent".into()))?;
    let uid = text(&v, "/payload/uid");
    let kind = match trigger.as_str() {
        "BOOKING_CREATED" => EventKind::Booked,
        "BOOKING_RESCHEDULED" => EventKind::Rescheduled { previous: text(&v, "/payload/rescheduleUid") },
        "BOOKING_CANCELLED" => EventKind::Cancelled,
        _ => EventKind::Other,
    };
    let created = text(&v, "/createdAt").unwrap_or_default();
    Ok(BookingEvent {
        key: key_of(&[&trigger, uid.as_deref().unwrap_or(""), &created]),
        kind,
        event_type: trigger,
        // attendees[0] is the booker; the booking form's email answer when there are none.
        invitee: email(&v, &["/payload/attendees/0/email", "/payload/responses/email/value"]),
        external_id: uid,
        starts_at: time(&v, "/payload/startTime"),
        title: text(&v, "/payload/title").or_else(|| text(&v, "/payload/eventTitle")),
        reason: text(&v, "/payload/cancellationReason"),
    })
}

/// Reads a Calendly delivery (`{event, created_at, payload: Invitee}`).
pub fn parse_calendly(body: &[u8]) -> Result<BookingEvent> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Error::Invalid("the body is not a Calendly webhook (JSON)".into()))?;
    let event = text(&v, "/event").ok_or_else(|| Error::Invalid("the body is not a Calendly webhook: no event".into()))?;
    let uri = text(&v, "/payload/uri");
    let kind = match event.as_str() {
        "invitee.created" => match text(&v, "/payload/old_invitee") {
            Some(old) => EventKind::Rescheduled { previous: Some(old) },
            None => EventKind::Booked,
        },
        "invitee.canceled" if v.pointer("/payload/rescheduled").and_then(Value::as_bool) == Some(true) => EventKind::CancelledForReschedule,
        "invitee.canceled" => EventKind::Cancelled,
        _ => EventKind::Other,
    };
    // An invitee is created and cancelled at most once each: the URI is the event's identity.
    // Without one, the signed body itself is (a replay is byte-identical).
    let key = match &uri {
        Some(u) => key_of(&[&event, u]),
        None => key_of(&[&event, &hex::encode(Sha256::digest(body))]),
    };
    Ok(BookingEvent {
        key,
        kind,
        event_type: event,
        invitee: email(&v, &["/payload/email"]),
        external_id: uri,
        starts_at: time(&v, "/payload/scheduled_event/start_time"),
        title: text(&v, "/payload/scheduled_event/name"),
        reason: text(&v, "/payload/cancellation/reason"),
    })
}

/// What an authentic event did: the webhook's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    /// booked | rescheduled | cancelled | unmatched | ignored
    pub outcome: String,
    /// True when this exact event was already recorded: nothing changed now.
    pub replay: bool,
}

/// Verifies, reads and records one delivery for the workspace the URL names.
#[tracing::instrument(skip(engine, signature, body), fields(provider = provider.slug()))]
pub async fn intake(engine: &Engine, ws: WorkspaceId, provider: BookingProvider, signature: Option<&str>, body: &[u8], now: DateTime<Utc>) -> Result<Intake> {
    let secret = open_secret(engine, ws, provider).await?.ok_or_else(refused)?;
    let authentic = match provider {
        BookingProvider::CalCom => verify_calcom(secret.as_bytes(), body, signature),
        BookingProvider::Calendly => verify_calendly(secret.as_bytes(), body, signature, now),
    };
    if !authentic {
        tracing::info!(workspace = %ws, "booking webhook refused: bad signature");
        return Err(refused());
    }
    let event = match provider {
        BookingProvider::CalCom => parse_calcom(body)?,
        BookingProvider::Calendly => parse_calendly(body)?,
    };
    if webhook_events::seen(&mut *engine.tenant(ws).await?, ws, provider, &event.key).await? {
        return Ok(Intake { outcome: "replay".into(), replay: true });
    }
    if event.kind == EventKind::Other {
        // Meeting started, no-show, form submitted…: acknowledged, nothing written.
        return Ok(Intake { outcome: Outcome::Ignored.as_str().into(), replay: false });
    }
    let lead = match event.invitee.as_deref() {
        Some(e) => webhook_events::lead_by_email(&mut *engine.tenant(ws).await?, ws, e).await?,
        None => None,
    };
    let outcome = match lead {
        None => Outcome::Unmatched,
        Some(lead) => apply(engine, ws, provider, lead, &event, now).await?,
    };
    let recorded = NewEvent {
        provider,
        key: &event.key,
        event_type: &event.event_type,
        outcome,
        invitee: event.invitee.as_deref(),
        lead,
    };
    let mut tx = engine.tenant(ws).await?;
    let first = webhook_events::claim(&mut *tx, ws, &recorded).await?;
    tx.commit().await?;
    Ok(Intake { outcome: outcome.as_str().into(), replay: !first })
}

/// The event's effect on a matched lead; each step is idempotent on its own.
async fn apply(engine: &Engine, ws: WorkspaceId, provider: BookingProvider, lead: LeadId, event: &BookingEvent, now: DateTime<Utc>) -> Result<Outcome> {
    let source = provider.slug();
    let label = provider.label();
    match &event.kind {
        EventKind::Booked | EventKind::Rescheduled { .. } => {
            let title = event.title.as_deref().unwrap_or("");
            meetings::book_titled(engine, ws, lead, source, event.external_id.clone(), event.starts_at, None, title).await?;
            Ok(if event.kind == EventKind::Booked { Outcome::Booked } else { Outcome::Rescheduled })
        }
        EventKind::Cancelled | EventKind::CancelledForReschedule => {
            let rescheduled = event.kind == EventKind::CancelledForReschedule;
            let what = if rescheduled { "Meeting moved to a new time" } else { "Meeting cancelled" };
            let summary = match (&event.reason, rescheduled) {
                (Some(r), false) => format!("{what} on {label}: {r}"),
                _ => format!("{what} on {label}"),
            };
            let activity = NewActivity {
                lead: Some(lead),
                campaign: None,
                outbox: None,
                reply: None,
                kind: ActivityKind::Note,
                channel: None,
                actor: None,
                summary,
                detail: json!({
                    "event": if rescheduled { "meeting_rescheduled" } else { "meeting_cancelled" },
                    "source": source,
                    "external_id": event.external_id,
                    "starts_at": event.starts_at,
                    "reason": event.reason,
                }),
                dedupe_key: Some(format!("{source}:{}", event.key)),
                occurred_at: now,
            };
            let mut tx = engine.tenant(ws).await?;
            activities::record(&mut tx, ws, &activity).await?;
            tx.commit().await?;
            Ok(if rescheduled { Outcome::Rescheduled } else { Outcome::Cancelled })
        }
        EventKind::Other => Ok(Outcome::Ignored),
    }
}

async fn open_secret(engine: &Engine, ws: WorkspaceId, provider: BookingProvider) -> Result<Option<String>> {
    let Some(row) = webhook_events::secret(&mut *engine.tenant(ws).await?, ws, provider).await? else {
        return Ok(None);
    };
    let raw = engine
        .settings
        .secrets
        .open(&secret_context(ws, provider), &row.secret)
        .map_err(|e| Error::Internal(anyhow::anyhow!("the {} webhook secret cannot be opened: {e}", provider.label())))?;
    Ok(Some(String::from_utf8(raw).map_err(|_| Error::Internal(anyhow::anyhow!("the {} webhook secret is not text", provider.label())))?))
}

/// `{public_url}/webhooks/{provider}/{workspace}`.
pub fn webhook_url(engine: &Engine, ws: WorkspaceId, provider: BookingProvider) -> String {
    format!("{}/webhooks/{}/{ws}", engine.settings.public_url.trim_end_matches('/'), provider.slug())
}

/// Both booking webhooks of the workspace with their secrets (owners and admins only: the
/// secret is what lets a caller book meetings on the workspace's leads).
pub async fn views(engine: &Engine, access: &Access) -> Result<Vec<BookingWebhookView>> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let rows = webhook_events::secrets(&mut *access.tenant(engine).await?, access.workspace).await?;
    let mut out = Vec::new();
    for provider in BookingProvider::ALL {
        let row = rows.iter().find(|(p, _)| p == provider.slug()).map(|(_, r)| r);
        out.push(BookingWebhookView {
            provider,
            url: webhook_url(engine, ws, provider),
            secret: match row {
                Some(_) => open_secret(engine, ws, provider).await?,
                None => None,
            },
            created_at: row.map(|r| r.created_at),
            rotated_at: row.and_then(|r| r.rotated_at),
        });
    }
    Ok(out)
}

/// Makes the workspace's signing secret for `provider`, or replaces it: from this moment on
/// only the new one verifies. Audited without the secret.
pub async fn rotate_secret(engine: &Engine, access: &Access, provider: &str) -> Result<BookingWebhookView> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let provider = BookingProvider::parse(provider).ok_or_else(|| Error::Invalid("Unknown booking provider: choose Cal.com or Calendly".into()))?;
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let secret = format!("aos_{}", hex::encode(raw));
    let sealed = engine.settings.secrets.seal(&secret_context(ws, provider), secret.as_bytes());
    let mut tx = engine.tenant(ws).await?;
    let replaced = webhook_events::set_secret(&mut tx, ws, provider, &sealed, access.user).await?;
    crate::store::audit::record(
        &mut tx,
        crate::store::audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: if replaced { "booking_webhook.rotate" } else { "booking_webhook.create" },
            target_type: "booking_webhook",
            target_id: Some(provider.slug().into()),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    views(engine, access).await?.into_iter().find(|v| v.provider == provider).ok_or(Error::NotFound("booking webhook"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn vector(name: &str) -> Value {
        let path = format!("{}/../../shared/reference/providers/{name}", env!("CARGO_MANIFEST_DIR"));
        let fallback = format!("{}/tests/fixtures/providers/{name}", env!("CARGO_MANIFEST_DIR"));
        let raw = std::fs::read(&fallback).or_else(|_| std::fs::read(&path)).expect("vector file");
        serde_json::from_slice(&raw).unwrap()
    }

    #[test]
    fn the_calcom_vector_verifies_and_any_change_breaks_it() {
        let v = vector("calcom-signature-vector.COMPUTED.json");
        let (secret, body, sig) = (v["secret"].as_str().unwrap(), v["body"].as_str().unwrap(), v["expected_X-Cal-Signature-256"].as_str().unwrap());
        assert!(verify_calcom(secret.as_bytes(), body.as_bytes(), Some(sig)));
        assert!(verify_calcom(secret.as_bytes(), body.as_bytes(), Some(&sig.to_uppercase())), "hex case does not matter");
        let tampered = format!("{body} ");
        assert!(!verify_calcom(secret.as_bytes(), tampered.as_bytes(), Some(sig)));
        assert_eq!(hmac_hex(secret.as_bytes(), &[tampered.as_bytes()]), v["negative_case"]["signature_of_tampered_body"].as_str().unwrap());
        assert!(!verify_calcom(b"another secret", body.as_bytes(), Some(sig)));
        assert!(!verify_calcom(secret.as_bytes(), body.as_bytes(), Some("no-secret-provided")));
        assert!(!verify_calcom(secret.as_bytes(), body.as_bytes(), None));
        assert!(!verify_calcom(b"", body.as_bytes(), Some(&hmac_hex(b"", &[body.as_bytes()]))), "an empty secret verifies nothing");
        let e = parse_calcom(body.as_bytes()).unwrap();
        assert_eq!((e.kind, e.invitee.as_deref(), e.external_id.as_deref()), (EventKind::Booked, Some("guest@example.com"), Some("unique-booking-id")));
        assert_eq!(e.key, "BOOKING_CREATED|unique-booking-id|2024-01-01T00:00:00.000Z");
    }

    #[test]
    fn the_calendly_vector_verifies_inside_the_tolerance_only() {
        let v = vector("calendly-signature-vector.COMPUTED.json");
        let (secret, body, header) = (v["signing_key"].as_str().unwrap(), v["body"].as_str().unwrap(), v["expected_header_Calendly-Webhook-Signature"].as_str().unwrap());
        let t = Utc.timestamp_opt(v["t"].as_i64().unwrap(), 0).unwrap();
        let ok = |h: &str, now| verify_calendly(secret.as_bytes(), body.as_bytes(), Some(h), now);
        assert!(ok(header, t + chrono::Duration::seconds(10)));
        assert!(ok(header, t - chrono::Duration::seconds(60)), "a little clock skew is fine");
        assert!(!ok(header, t + chrono::Duration::seconds(CALENDLY_TOLERANCE_SECS + 1)), "stale");
        assert!(!ok(header, t - chrono::Duration::seconds(CALENDLY_TOLERANCE_SECS + 1)), "from the future");
        // Another timestamp with the same v1 is a forgery; so is a tampered body.
        assert!(!ok(&header.replace("t=1700000000", "t=1700000001"), t));
        assert!(!verify_calendly(secret.as_bytes(), format!("{body} ").as_bytes(), Some(header), t));
        assert!(!ok("v1=17cde0e52b3b9fe4318863050ddfc98e2f0bd66eea6455ea0c8f665977eb981f", t), "no timestamp");
        assert!(!ok("t=1700000000", t), "no signature");
        assert!(!ok("garbage", t));
        // One good signature among several (key rollover) is enough.
        assert!(ok(&format!("{header},v1={}", "0".repeat(64)), t));
        let e = parse_calendly(body.as_bytes()).unwrap();
        assert_eq!((e.kind, e.invitee.as_deref()), (EventKind::Booked, Some("test@example.com")));
        assert_eq!(e.starts_at, Some(Utc.with_ymd_and_hms(2023, 11, 20, 15, 0, 0).unwrap()));
    }

    #[test]
    fn cancellations_and_reschedules_are_told_apart() {
        let cancel = json!({ "event": "invitee.canceled", "payload": { "uri": "u1", "email": "A@B.com", "rescheduled": false, "cancellation": { "reason": "conflict" } } });
        let e = parse_calendly(cancel.to_string().as_bytes()).unwrap();
        assert_eq!((e.kind, e.invitee.as_deref(), e.reason.as_deref()), (EventKind::Cancelled, Some("a@b.com"), Some("conflict")));
        let moved = json!({ "event": "invitee.canceled", "payload": { "uri": "u1", "email": "a@b.com", "rescheduled": true } });
        assert_eq!(parse_calendly(moved.to_string().as_bytes()).unwrap().kind, EventKind::CancelledForReschedule);
        let cal = json!({ "triggerEvent": "BOOKING_RESCHEDULED", "createdAt": "x", "payload": { "uid": "new", "rescheduleUid": "old", "attendees": [] , "responses": { "email": { "value": "g@x.io" } } } });
        let e = parse_calcom(cal.to_string().as_bytes()).unwrap();
        assert_eq!((e.kind, e.invitee.as_deref()), (EventKind::Rescheduled { previous: Some("old".into()) }, Some("g@x.io")));
        assert!(parse_calcom(b"[]").is_err());
        assert!(parse_calendly(b"{}").is_err());
        assert_eq!(key_of(&["x".repeat(400).as_str()]).len(), "sha256:".len() + 64);
    }
}
