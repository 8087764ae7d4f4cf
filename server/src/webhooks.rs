//! Inbound provider webhooks. Thin: authenticate, parse, call one engine flow.
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
use engine::Engine;
use serde_json::{json, Value};

/// Largest callback we read: one enriched row is a few kilobytes.
pub const MAX_CALLBACK_BYTES: usize = 64 * 1024;

pub async fn clay(State(engine): State<Engine>, Path((ws, token)): Path<(String, String)>, body: Bytes) -> Result<Response, ApiError> {
    let ws = ws.parse().map_err(|_| ApiError::from(engine::Error::NotFound("webhook")))?;
    integrations::authenticate_clay(&engine, ws, &token).await?;
    let payload: Value = serde_json::from_slice(&body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| ApiError::Status(StatusCode::BAD_REQUEST, "The body must be a JSON object (one Clay row)".into()))?;
    let matched = matches!(integrations::record_clay_callback(&engine, ws, &payload).await?, ClayCallback::Matched(_));
    // 200 either way: an unmatched row (late, duplicate) is not Clay's fault and must not be
    // retried by it.
    Ok((StatusCode::OK, Json(json!({ "matched": matched }))).into_response())
}
