//! Inbound provider webhooks. Thin: authenticate, parse, call one engine flow.
//!
//! Instantly and Smartlead (`POST /webhooks/{instantly|smartlead}/{workspace}/{token}`): the
//! sending platforms' events (bounce, unsubscribe, …) for the workspace's sending accounts.
//! Neither signs its requests, so the URL is the credential, as for Clay: a token made when the
//! provider's key is stored, shown in Settings → Integrations and on the Mailboxes page. A wrong
//! token or workspace answers 404 before the body is read; a body that is not an event answers
//! 400; any authentic event answers 200, including ones we ignore, since the platforms retry
//! anything else.
//!
//! Clay (`POST /webhooks/clay/{workspace}/{token}`): a table's HTTP API column posts each
//! enriched row here. Clay cannot sign its requests, so the URL itself is the credential: the
//! token is 256 random bits made per workspace when Clay is connected (Settings → Integrations
//! shows the URL). A wrong token, workspace or a workspace without Clay all answer 404 before
//! the body is read as JSON; a body that is not a JSON object answers 400 and records nothing.
//!
//! Cal.com and Calendly (`POST /webhooks/{calcom|calendly}/{workspace}`): booking events signed
//! with the workspace's secret (`X-Cal-Signature-256`, `Calendly-Webhook-Signature`), so the
//! signature is the credential and the URL carries no token. Anything not verifiably signed with
//! the workspace's current secret answers 401 before the body is read as JSON (see
//! `engine::flows::bookings`); an authentic body that is not an event answers 400; every authentic
//! event answers 200 with what it did, a replay included (it changes nothing).
//!
//! Stripe (`POST /webhooks/stripe`): billing events for the whole installation, signed with the
//! endpoint's secret (`Stripe-Signature`, checked over the exact body with a 300 s tolerance
//! before anything is read). A wrong, missing or stale signature answers 401 and writes nothing;
//! each event id is processed once (`stripe_events`), so a replay answers 200 and changes
//! nothing. Without Stripe configured the route answers 404.
//!
//! Path tokens never reach the logs: request spans carry `telemetry::redact_path`.

use crate::rest::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::flows::integrations::{self, ClayCallback};
use domain::integrations::{BookingProvider, Integration};
use engine::Engine;
use serde_json::{json, Value};

/// Largest callback we read: one enriched row is a few kilobytes.
pub const MAX_CALLBACK_BYTES: usize = 64 * 1024;

pub async fn clay(State(engine): State<Engine>, Path((ws, token)): Path<(String, String)>, body: Bytes) -> Result<Response, ApiError> {
    let ws = ws.parse().map_err(|_| ApiError::from(engine::Error::NotFound("webhook")))?;
    integrations::authenticate_webhook(&engine, ws, Integration::Clay, &token).await?;
    let payload: Value = serde_json::from_slice(&body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::Status(StatusCode::BAD_REQUEST, "The body must be a JSON object (one Clay row)".into()))?;
    let matched = matches!(integrations::record_clay_callback(&engine, ws, &payload).await?, ClayCallback::Matched(_));
    // 200 either way: an unmatched row (late, duplicate) is not Clay's fault and must not be
    // retried by it.
    Ok((StatusCode::OK, Json(json!({ "matched": matched }))).into_response())
}

/// Largest sender event we read: a reply event carries the reply's text and HTML.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

pub async fn instantly(State(engine): State<Engine>, Path((ws, token)): Path<(String, String)>, body: Bytes) -> Result<Response, ApiError> {
    sender_event(engine, Integration::Instantly, &ws, &token, &body).await
}

pub async fn smartlead(State(engine): State<Engine>, Path((ws, token)): Path<(String, String)>, body: Bytes) -> Result<Response, ApiError> {
    sender_event(engine, Integration::Smartlead, &ws, &token, &body).await
}

async fn sender_event(engine: Engine, provider: Integration, ws: &str, token: &str, body: &[u8]) -> Result<Response, ApiError> {
    let ws = ws.parse().map_err(|_| ApiError::from(engine::Error::NotFound("webhook")))?;
    integrations::authenticate_webhook(&engine, ws, provider, token).await?;
    let parsed = match provider {
        Integration::Instantly => engine::providers::instantly::parse_webhook(body),
        _ => engine::providers::smartlead::parse_webhook(body),
    };
    let event = parsed.map_err(|_| ApiError::Status(StatusCode::BAD_REQUEST, format!("The body must be one {} webhook event (JSON with its event type)", provider.label())))?;
    let handled = engine::flows::sender_events::record(&engine, ws, provider, &event).await?;
    Ok((StatusCode::OK, Json(json!(handled))).into_response())
}

pub async fn calcom(State(engine): State<Engine>, Path(ws): Path<String>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    booking(engine, BookingProvider::CalCom, &ws, header(&headers, "x-cal-signature-256"), &body).await
}

pub async fn calendly(State(engine): State<Engine>, Path(ws): Path<String>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    booking(engine, BookingProvider::Calendly, &ws, header(&headers, "calendly-webhook-signature"), &body).await
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn booking(engine: Engine, provider: BookingProvider, ws: &str, signature: Option<&str>, body: &[u8]) -> Result<Response, ApiError> {
    use engine::flows::bookings;
    // An unknown or malformed workspace is refused like a bad signature: nothing to tell apart.
    let ws = ws.parse().map_err(|_| ApiError::from(engine::Error::Unauthenticated("the webhook signature is missing, wrong or too old".into())))?;
    let done = bookings::intake(&engine, ws, provider, signature, body, chrono::Utc::now()).await.map_err(|e| match e {
        engine::Error::Invalid(m) => ApiError::Status(StatusCode::BAD_REQUEST, m),
        other => ApiError::from(other),
    })?;
    Ok((StatusCode::OK, Json(json!(done))).into_response())
}

pub async fn stripe(State(engine): State<Engine>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let outcome = engine::flows::billing::stripe_webhook(&engine, &body, header(&headers, "stripe-signature"), chrono::Utc::now()).await.map_err(|e| match e {
        engine::Error::Invalid(m) => ApiError::Status(StatusCode::BAD_REQUEST, m),
        other => ApiError::from(other),
    })?;
    Ok((StatusCode::OK, Json(json!({ "outcome": outcome }))).into_response())
}
