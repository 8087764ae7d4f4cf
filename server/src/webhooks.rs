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

use crate::rest::ApiError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use engine::flows::integrations::{self, ClayCallback};
use domain::integrations::Integration;
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
