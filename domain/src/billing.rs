//! Stripe billing, the pure part: the `Stripe-Signature` check and what an event means for a
//! workspace's tier and subscription status (SPEC §2).
//!
//! The scheme (Stripe's docs, "verify manually"; vectors in `reference/providers/stripe-*`):
//! `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`, each `v1` a lowercase hex
//! HMAC-SHA256 of `"<t>.<raw body>"` keyed with the endpoint secret *including* its `whsec_`
//! prefix; valid when any `v1` matches and `t` is within the tolerance of now. Nothing here
//! reads a clock: `now` comes in.
//!
//! Stripe delivers events at least once and in any order: the engine records each event id
//! once, and [`apply`] ignores an event older than the last one applied to the workspace.

use crate::plans::{SubscriptionStatus, Tier};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Stripe's SDKs' default tolerance between the signature's `t` and now.
pub const STRIPE_TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    #[error("the Stripe-Signature timestamp is outside the tolerance")]
    Stale,
    #[error("no v1 signature matches")]
    Mismatch,
}

fn hmac_hex(secret: &[u8], t: &str, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(payload);
    hex::encode(mac.finalize().into_bytes())
}

/// The `Stripe-Signature` value Stripe would send for `payload` at unix time `t` (tests, tools).
pub fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
    format!("t={t},v1={}", hmac_hex(secret.as_bytes(), &t.to_string(), payload))
}

/// Checks `header` against the exact body; returns the signed timestamp. `tolerance` 0 turns
/// the age check off (as in the SDKs); otherwise `t` must be within it of `now`, either side.
pub fn verify_signature(secret: &str, payload: &[u8], header: Option<&str>, now: i64, tolerance: i64) -> Result<i64, SignatureError> {
    let header = header.map(str::trim).filter(|h| !h.is_empty()).ok_or(SignatureError::Missing)?;
    let (mut t, mut v1) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.trim()),
            Some(("v1", v)) => v1.push(v.trim()),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    let ts: i64 = t.parse().map_err(|_| SignatureError::Malformed)?;
    if v1.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if secret.is_empty() {
        return Err(SignatureError::Mismatch);
    }
    if tolerance > 0 && (now - ts).abs() > tolerance {
        return Err(SignatureError::Stale);
    }
    let expected = hmac_hex(secret.as_bytes(), t, payload);
    // Every candidate is compared, none short-circuits.
    let ok = v1.iter().fold(false, |ok, got| bool::from(expected.as_bytes().ct_eq(got.as_bytes())) | ok);
    if ok {
        Ok(ts)
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// One authentic Stripe event, reduced to what billing needs.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeEvent {
    /// `evt_…`: processed once.
    pub id: String,
    /// The event type as Stripe names it.
    pub kind: String,
    /// Unix seconds the event was created: orders events for one workspace.
    pub created: i64,
    pub change: Change,
}

/// What an event asks of a workspace's billing.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// `checkout.session.completed`: our `client_reference_id` names the workspace; the customer
    /// and subscription are linked to it and it becomes active on the tier bought.
    CheckoutCompleted {
        workspace: Option<String>,
        customer: Option<String>,
        subscription: Option<String>,
        tier: Option<Tier>,
    },
    /// `customer.subscription.created|updated|deleted`: the subscription's own status and tier.
    Subscription {
        customer: Option<String>,
        subscription: String,
        status: Option<SubscriptionStatus>,
        tier: Option<Tier>,
        trial_end: Option<i64>,
    },
    /// `invoice.payment_failed` → past due.
    PaymentFailed { customer: Option<String> },
    /// `invoice.paid` → active.
    Paid { customer: Option<String> },
    /// Anything else: acknowledged and recorded, nothing changes.
    Ignored,
}

impl Change {
    pub fn customer(&self) -> Option<&str> {
        match self {
            Change::CheckoutCompleted { customer, .. }
            | Change::Subscription { customer, .. }
            | Change::PaymentFailed { customer }
            | Change::Paid { customer } => customer.as_deref(),
            Change::Ignored => None,
        }
    }
}

/// Stripe's subscription statuses in ours. `incomplete` (first payment not through yet) changes
/// nothing: the workspace keeps what it has until the payment succeeds or the session expires.
pub fn status_from_stripe(s: &str) -> Option<SubscriptionStatus> {
    match s {
        "trialing" => Some(SubscriptionStatus::Trialing),
        "active" => Some(SubscriptionStatus::Active),
        "past_due" | "unpaid" => Some(SubscriptionStatus::PastDue),
        "canceled" | "incomplete_expired" => Some(SubscriptionStatus::Cancelled),
        "paused" => Some(SubscriptionStatus::Paused),
        _ => None,
    }
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

/// An id field that may be expanded into its object.
fn id_of(v: &Value, field: &str) -> Option<String> {
    match v.get(field)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// The tier of a subscription: its first item's price looked up in `prices` (what the portal
/// changes), else the `tier` we put in its metadata at checkout.
fn tier_of(obj: &Value, prices: &[(String, Tier)]) -> Option<Tier> {
    let items = obj.pointer("/items/data").and_then(Value::as_array);
    let by_price = items
        .into_iter()
        .flatten()
        .filter_map(|i| i.pointer("/price/id").and_then(Value::as_str))
        .find_map(|p| prices.iter().find(|(id, _)| id == p).map(|(_, t)| *t));
    by_price.or_else(|| text(obj, &["metadata", "tier"]).and_then(|t| t.parse().ok()))
}

/// Reads an authentic event body. `prices` maps configured Stripe price ids to tiers.
pub fn parse_event(body: &[u8], prices: &[(String, Tier)]) -> Result<StripeEvent, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON ({e})"))?;
    let id = text(&v, &["id"]).ok_or("the event has no id")?;
    let kind = text(&v, &["type"]).ok_or("the event has no type")?;
    let created = v.get("created").and_then(Value::as_i64).unwrap_or(0);
    let obj = v.pointer("/data/object").cloned().unwrap_or(Value::Null);
    let customer = id_of(&obj, "customer");
    let change = match kind.as_str() {
        "checkout.session.completed" if text(&obj, &["mode"]).as_deref() != Some("payment") => Change::CheckoutCompleted {
            workspace: text(&obj, &["client_reference_id"]).or_else(|| text(&obj, &["metadata", "workspace_id"])),
            customer,
            subscription: id_of(&obj, "subscription"),
            tier: text(&obj, &["metadata", "tier"]).and_then(|t| t.parse().ok()),
        },
        "customer.subscription.created" | "customer.subscription.updated" | "customer.subscription.deleted" => Change::Subscription {
            customer,
            subscription: text(&obj, &["id"]).ok_or("the subscription has no id")?,
            status: if kind.ends_with(".deleted") {
                Some(SubscriptionStatus::Cancelled)
            } else {
                text(&obj, &["status"]).and_then(|s| status_from_stripe(&s))
            },
            tier: tier_of(&obj, prices),
            trial_end: obj.get("trial_end").and_then(Value::as_i64),
        },
        "invoice.payment_failed" => Change::PaymentFailed { customer },
        "invoice.paid" => Change::Paid { customer },
        _ => Change::Ignored,
    };
    Ok(StripeEvent { id, kind, created, change })
}

/// A workspace's billing as the events see it.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingState {
    pub tier: Tier,
    pub status: SubscriptionStatus,
    /// The `created` of the last event applied; older events are stale.
    pub synced_at: Option<i64>,
}

/// The state after `event`, or `None` when it changes nothing (stale, ignored, or the same).
pub fn apply(state: &BillingState, event: &StripeEvent) -> Option<BillingState> {
    if state.synced_at.is_some_and(|at| event.created < at) {
        return None;
    }
    let (tier, status) = match &event.change {
        Change::CheckoutCompleted { tier, .. } => (tier.unwrap_or(state.tier), SubscriptionStatus::Active),
        Change::Subscription { status, tier, .. } => (tier.unwrap_or(state.tier), status.unwrap_or(state.status)),
        // A failed payment of a cancelled subscription does not bring it back to past due.
        Change::PaymentFailed { .. } if state.status == SubscriptionStatus::Cancelled => return None,
        Change::PaymentFailed { .. } => (state.tier, SubscriptionStatus::PastDue),
        Change::Paid { .. } => (state.tier, SubscriptionStatus::Active),
        Change::Ignored => return None,
    };
    let next = BillingState {
        tier,
        status,
        synced_at: Some(event.created.max(state.synced_at.unwrap_or(0))),
    };
    (next.tier != state.tier || next.status != state.status).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// stripe-signature-vector.json (stripe-dotnet's EventUtilityTest).
    const PAYLOAD: &str = "{\n  \"id\": \"evt_123\",\n  \"object\": \"event\",\n  \"account\": \"acct_123\",\n  \"api_version\": \"2017-05-25\",\n  \"created\": 1533204620,\n  \"data\": {\n    \"object\": {\n      \"id\": \"cus_123\",\n      \"object\": \"customer\",\n      \"created\": 123456789,\n      \"email\": \"test@stripe.com\",\n      \"livemode\": false,\n      \"metadata\": {}\n    }\n  },\n  \"livemode\": false,\n  \"pending_webhooks\": 1,\n  \"request\": {\n    \"id\": \"req_123\",\n    \"idempotency_key\": \"idempotency-key-123\"\n  },\n  \"type\": \"customer.created\"\n}\n";
    const HEADER: &str =
        "t=1533204620,v1=2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7,v0=63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef";

    #[test]
    fn stripes_own_test_vector_verifies_within_the_tolerance_and_fails_outside_it() {
        assert_eq!(PAYLOAD.len(), 484);
        assert_eq!(
            verify_signature("webhook_secret", PAYLOAD.as_bytes(), Some(HEADER), 1533204720, 300),
            Ok(1533204620)
        );
        assert_eq!(
            verify_signature("webhook_secret", PAYLOAD.as_bytes(), Some(HEADER), 1533205020, 300),
            Err(SignatureError::Stale)
        );
        let tampered = format!("{PAYLOAD}x");
        assert_eq!(
            verify_signature("webhook_secret", tampered.as_bytes(), Some(HEADER), 1533204720, 300),
            Err(SignatureError::Mismatch)
        );
        let without_newline = PAYLOAD.trim_end();
        assert_eq!(
            verify_signature("webhook_secret", without_newline.as_bytes(), Some(HEADER), 1533204720, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(sign("webhook_secret", 1533204620, PAYLOAD.as_bytes()), HEADER.rsplit_once(",v0=").unwrap().0);
    }

    #[test]
    fn the_whsec_prefix_is_part_of_the_key() {
        // stripe-signature-vector-whsec.COMPUTED.json
        let payload = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n  \"data\": { \"object\": { \"id\": \"rdr_123\", \"object\": \"terminal.reader\" } }\n}";
        let good = "t=1700000000,v1=3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd";
        assert_eq!(
            verify_signature("whsec_test_secret", payload.as_bytes(), Some(good), 1700000000, 300),
            Ok(1700000000)
        );
        let stripped = "t=1700000000,v1=99d99418c47cdcf57af4730b6e392bf86f86f551f899b30f8855e91ea0a500bf";
        assert_eq!(
            verify_signature("whsec_test_secret", payload.as_bytes(), Some(stripped), 1700000000, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn any_of_several_v1_signatures_may_match_and_v0_alone_never_does() {
        let body = b"{\"id\":\"evt_1\"}";
        let good = sign("whsec_new", 100, body);
        let old = sign("whsec_old", 100, body);
        let both = format!("{},{}", old, good.split_once(',').unwrap().1);
        assert_eq!(verify_signature("whsec_new", body, Some(&both), 100, 300), Ok(100));
        assert_eq!(verify_signature("whsec_old", body, Some(&both), 100, 300), Ok(100));
        let v0_only = format!("t=100,v0={}", good.split_once("v1=").unwrap().1);
        assert_eq!(verify_signature("whsec_new", body, Some(&v0_only), 100, 300), Err(SignatureError::Malformed));
        assert_eq!(verify_signature("whsec_new", body, None, 100, 300), Err(SignatureError::Missing));
        assert_eq!(verify_signature("whsec_new", body, Some("garbage"), 100, 300), Err(SignatureError::Malformed));
        assert_eq!(verify_signature("", body, Some(&good), 100, 300), Err(SignatureError::Mismatch));
    }

    fn event(kind: &str, created: i64, object: Value) -> StripeEvent {
        let body = serde_json::json!({ "id": "evt_1", "object": "event", "type": kind, "created": created, "data": { "object": object } });
        parse_event(body.to_string().as_bytes(), &[("price_velocity".into(), Tier::Velocity)]).unwrap()
    }

    #[test]
    fn events_move_status_and_tier_and_stale_ones_change_nothing() {
        let trial = BillingState {
            tier: Tier::Ignition,
            status: SubscriptionStatus::Trialing,
            synced_at: None,
        };
        let checkout = event(
            "checkout.session.completed",
            10,
            serde_json::json!({ "mode": "subscription", "client_reference_id": "ws-1", "customer": "cus_1", "subscription": "sub_1", "metadata": { "tier": "dominance" } }),
        );
        assert!(matches!(&checkout.change, Change::CheckoutCompleted { workspace: Some(w), .. } if w == "ws-1"));
        let active = apply(&trial, &checkout).unwrap();
        assert_eq!(
            (active.tier, active.status, active.synced_at),
            (Tier::Dominance, SubscriptionStatus::Active, Some(10))
        );

        let updated = event(
            "customer.subscription.updated",
            20,
            serde_json::json!({ "id": "sub_1", "customer": "cus_1", "status": "active", "items": { "data": [{ "price": { "id": "price_velocity" } }] }, "metadata": { "tier": "dominance" } }),
        );
        assert_eq!(apply(&active, &updated).unwrap().tier, Tier::Velocity, "the price wins over stale metadata");

        let failed = event("invoice.payment_failed", 30, serde_json::json!({ "id": "in_1", "customer": "cus_1" }));
        let due = apply(&active, &failed).unwrap();
        assert_eq!(due.status, SubscriptionStatus::PastDue);
        let paid = event("invoice.paid", 25, serde_json::json!({ "id": "in_0", "customer": "cus_1" }));
        assert_eq!(apply(&due, &paid), None, "an event older than the last applied is stale");
        let paid = event("invoice.paid", 40, serde_json::json!({ "id": "in_1", "customer": "cus_1" }));
        assert_eq!(apply(&due, &paid).unwrap().status, SubscriptionStatus::Active);

        let deleted = event(
            "customer.subscription.deleted",
            50,
            serde_json::json!({ "id": "sub_1", "customer": "cus_1", "status": "canceled" }),
        );
        let gone = apply(&active, &deleted).unwrap();
        assert_eq!(gone.status, SubscriptionStatus::Cancelled);
        assert_eq!(
            apply(&gone, &event("invoice.payment_failed", 60, serde_json::json!({ "customer": "cus_1" }))),
            None
        );
        assert_eq!(apply(&gone, &event("customer.created", 70, serde_json::json!({ "id": "cus_1" }))), None);
        let incomplete = event(
            "customer.subscription.created",
            5,
            serde_json::json!({ "id": "sub_1", "customer": "cus_1", "status": "incomplete" }),
        );
        assert_eq!(apply(&trial, &incomplete), None, "incomplete keeps the trial");
    }
}
