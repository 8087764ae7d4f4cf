//! The public REST API under `/api/v1` (SPEC §16), authenticated by workspace API keys.
//!
//! Every route except the OpenAPI document takes an `ApiKey` extractor first: the key decides
//! the workspace, and nothing the caller sends can name another one. Handlers stay thin (parse,
//! call the engine, answer JSON); every failure is an `ApiError`, turned into a status and
//! `{"error": "..."}` in one place. Session cookies mean nothing here, so these routes need no
//! CSRF protection of their own: the CSRF layer lets cookie-less requests through to us.
//!
//! The OpenAPI document is generated from the handlers' `#[utoipa::path]` attributes and the
//! types they read and answer with; `utoipa_axum::routes!` registers each handler at the path
//! and method its attribute names, so the document and the router cannot drift apart. What the
//! schema allows, the handler accepts, and what it forbids, the handler refuses with a 400:
//! checked by an independent fuzzer (`scripts/schemathesis.sh`).

mod activities;
mod campaigns;
mod leads;
mod reports;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRef, FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use engine::flows::api_keys::ApiCaller;
use engine::Engine;
use serde::Serialize;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Engine: FromRef<S>,
{
    let (router, _) = api_router::<S>().split_for_parts();
    router
        .route("/openapi.json", get(|| async { ([(header::CONTENT_TYPE, "application/json")], openapi_json()) }))
        // Last: the method-not-allowed fallback only covers routes that exist when it is set.
        .fallback(|| async { ApiError::Status(StatusCode::NOT_FOUND, "No such API route. See /api/v1/openapi.json".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::Status(StatusCode::METHOD_NOT_ALLOWED, "This method is not allowed here. See /api/v1/openapi.json".into())
        })
}

/// Every operation, each `routes!` group being one path.
fn api_router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Engine: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(leads::list_leads, leads::create_leads))
        .routes(routes!(leads::get_lead))
        .routes(routes!(campaigns::list_campaigns, campaigns::create_campaign))
        .routes(routes!(campaigns::get_campaign))
        .routes(routes!(campaigns::pause_campaign))
        .routes(routes!(campaigns::resume_campaign))
        .routes(routes!(campaigns::enrol_leads))
        .routes(routes!(activities::list_activities))
        .routes(routes!(reports::report_summary))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Agency OS REST API",
        version = "1.0.0",
        description = "Leads, campaigns, activities and reports of one workspace, chosen by the API key. \
                       Create keys in Settings → API keys; send them as `Authorization: Bearer <key>`. \
                       A key acts with the current role of the person who created it."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "leads", description = "Create, list and read leads"),
        (name = "campaigns", description = "Campaigns: list, read, create, pause, resume, enrol leads"),
        (name = "activities", description = "Everything that happened to leads, oldest first"),
        (name = "reports", description = "Report figures for a date range"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        api.components.get_or_insert_with(Default::default).add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A workspace API key: Authorization: Bearer aos_live_…"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 document of the routes, with their `/api/v1` prefix; built once.
pub fn openapi_json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let (_, paths) = api_router::<Engine>().split_for_parts();
        ApiDoc::openapi().nest("/api/v1", paths).to_pretty_json().expect("the OpenAPI document serialises")
    })
}

// ---- Errors --------------------------------------------------------------------------------

/// The JSON body of every failure.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    pub error: String,
    /// For a request of several items, each problem with the item (and field) it is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ItemError>,
}

/// One problem with one item of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ItemError {
    /// Position of the item in the request (0 for a single object).
    pub index: usize,
    /// The field at fault; absent or null when the whole item is.
    pub field: Option<String>,
    pub message: String,
}

impl From<engine::flows::api_leads::ItemError> for ItemError {
    fn from(e: engine::flows::api_leads::ItemError) -> Self {
        ItemError { index: e.index, field: e.field, message: e.message }
    }
}

/// Every way a REST call fails. Engine errors keep the engine's own status mapping.
#[derive(Debug)]
pub enum ApiError {
    Engine(engine::Error),
    /// Failures of the HTTP request itself (malformed JSON, wrong content type, …), which the
    /// engine never sees.
    Status(StatusCode, String),
    /// A request whose items break the schema: nothing was done, and each problem is listed.
    Items(String, Vec<ItemError>),
}

impl From<engine::Error> for ApiError {
    fn from(e: engine::Error) -> Self {
        ApiError::Engine(e)
    }
}

impl ApiError {
    fn unauthenticated(message: &str) -> Self {
        ApiError::Engine(engine::Error::Unauthenticated(message.into()))
    }

    fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Status(StatusCode::BAD_REQUEST, message.into())
    }

    /// A query string that does not fit the operation's parameters.
    fn query(e: QueryRejection) -> Self {
        ApiError::bad_request(e.body_text())
    }

    /// A JSON body that is not JSON, is not sent as JSON, or does not fit the schema.
    fn json(e: JsonRejection) -> Self {
        match e {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::Status(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send the body as JSON with Content-Type: application/json".into())
            }
            JsonRejection::BytesRejection(b) => ApiError::Status(b.status(), b.body_text()),
            other => ApiError::bad_request(other.body_text()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, errors) = match self {
            ApiError::Engine(e) => {
                let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                if status.is_server_error() {
                    // Server faults are opaque to the caller; the details go to the log.
                    tracing::error!(error = ?e, "REST call failed");
                }
                (status, e.public_message(), Vec::new())
            }
            ApiError::Status(status, message) => (status, message, Vec::new()),
            ApiError::Items(message, errors) => (StatusCode::BAD_REQUEST, message, errors),
        };
        let mut resp = (status, Json(ErrorBody { error, errors })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"agency-os\""));
        }
        resp
    }
}

/// The query of an operation, its rejection in our JSON error shape.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(ApiError::query)
}

/// The JSON body of an operation, its rejection in our JSON error shape.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(ApiError::json)
}

/// A path id: malformed is as absent as another workspace's.
fn path_id<T: std::str::FromStr>(raw: &str, what: &'static str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::Engine(engine::Error::NotFound(what)))
}

/// A UUID written the one way the schema's `format: uuid` allows (36 characters, hyphens at
/// 8, 13, 18 and 23); the braced, URN and bare-hex forms the parser would also take are refused.
fn strict_uuid(name: &str, raw: &str) -> Result<uuid::Uuid, ApiError> {
    let hyphens = raw.len() == 36 && raw.char_indices().all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    match uuid::Uuid::try_parse(raw) {
        Ok(id) if hyphens => Ok(id),
        _ => Err(ApiError::bad_request(format!("{name} must be a UUID like 0b6e4a52-8f0f-4a39-9d3c-0c2a7c1c9f00"))),
    }
}

/// A date as `format: date` writes it: YYYY-MM-DD, all digits, a real day.
fn strict_date(name: &str, raw: &str) -> Result<chrono::NaiveDate, ApiError> {
    let shaped = raw.len() == 10 && raw.char_indices().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
    match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) if shaped => Ok(d),
        _ => Err(ApiError::bad_request(format!("{name} must be a date written YYYY-MM-DD"))),
    }
}

/// A timestamp as `format: date-time` (RFC 3339) writes it. A `+` of the offset sent
/// unescaped in a query string arrives as a space; it is read as the `+` it was.
fn rfc3339(name: &str, raw: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&chrono::Utc));
    parse(raw)
        .or_else(|e| match raw.rfind(' ') {
            Some(i) if i > 10 => parse(&format!("{}+{}", &raw[..i], &raw[i + 1..])),
            _ => Err(e),
        })
        .map_err(|_| ApiError::bad_request(format!("{name} must be a date and time like 2026-12-01T09:30:00Z (RFC 3339)")))
}

// ---- Authentication ------------------------------------------------------------------------

const MISSING_KEY: &str = "Missing API key: send the header Authorization: Bearer <your key> (create keys in Settings)";
const BAD_KEY: &str = "Invalid or revoked API key";

/// The caller of a REST route, proven by `Authorization: Bearer <key>`.
pub struct ApiKey(pub ApiCaller);

/// The token of a `Bearer` authorization header (the scheme is case-insensitive, RFC 7235).
fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(header::AUTHORIZATION).ok_or_else(|| ApiError::unauthenticated(MISSING_KEY))?;
    let value = value.to_str().map_err(|_| ApiError::unauthenticated(BAD_KEY))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(ApiError::unauthenticated(MISSING_KEY)),
    }
}

impl<S> FromRequestParts<S> for ApiKey
where
    S: Send + Sync,
    Engine: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        let engine = Engine::from_ref(state);
        match engine::flows::api_keys::authenticate(&engine, token).await? {
            Some(caller) => Ok(ApiKey(caller)),
            None => Err(ApiError::unauthenticated(BAD_KEY)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        m
    }

    #[test]
    fn a_bearer_token_is_read_whatever_the_scheme_case() {
        assert_eq!(bearer(&headers(&[("authorization", "Bearer aos_live_x")])).unwrap(), "aos_live_x");
        assert_eq!(bearer(&headers(&[("authorization", "bearer  aos_live_x ")])).unwrap(), "aos_live_x");
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_unauthenticated() {
        for v in ["Basic YTpi", "Bearer", "Bearer   ", "aos_live_x"] {
            let err = bearer(&headers(&[("authorization", v)])).unwrap_err();
            assert!(matches!(err, ApiError::Engine(engine::Error::Unauthenticated(_))), "{v}");
        }
        assert!(bearer(&HeaderMap::new()).is_err());
    }

    /// The document is committed (`docs/openapi.json`) so that a change to the API shows in
    /// review; `UPDATE_OPENAPI=1 cargo test` rewrites it.
    #[test]
    fn the_committed_document_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let generated = format!("{}\n", openapi_json());
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(committed == generated, "docs/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test -p server --lib rest");
    }

    #[test]
    fn uuids_dates_and_timestamps_are_read_only_in_the_forms_their_formats_allow() {
        assert!(strict_uuid("id", "0b6e4a52-8f0f-4a39-9d3c-0c2a7c1c9f00").is_ok());
        for bad in ["0b6e4a528f0f4a399d3c0c2a7c1c9f00", "{0b6e4a52-8f0f-4a39-9d3c-0c2a7c1c9f00}", "urn:uuid:0b6e4a52-8f0f-4a39-9d3c-0c2a7c1c9f00", "", "x"] {
            assert!(strict_uuid("id", bad).is_err(), "{bad}");
        }
        assert_eq!(strict_date("from", "2026-02-28").unwrap().to_string(), "2026-02-28");
        for bad in ["2026-2-28", "2026-02-30", "+2026-02-28", "2026-02-28 ", "20260228"] {
            assert!(strict_date("from", bad).is_err(), "{bad}");
        }
        let t = rfc3339("since", "2026-12-01T09:30:00.123456+10:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-30T23:30:00.123456+00:00");
        assert_eq!(rfc3339("since", "2026-12-01T09:30:00 10:00").unwrap(), t - chrono::Duration::microseconds(123456));
        assert!(rfc3339("since", "0001-01-01T00:00:00+23:59").is_ok());
        for bad in ["2026-12-01", "yesterday", "2026-12-01T25:00:00Z"] {
            assert!(rfc3339("since", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_generated_document_describes_every_operation_with_its_key_and_errors() {
        let doc: Value = serde_json::from_str(openapi_json()).expect("the document is JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let ops = [
            ("/api/v1/leads", "get"),
            ("/api/v1/leads", "post"),
            ("/api/v1/leads/{id}", "get"),
            ("/api/v1/campaigns", "get"),
            ("/api/v1/campaigns", "post"),
            ("/api/v1/campaigns/{id}", "get"),
            ("/api/v1/campaigns/{id}/pause", "post"),
            ("/api/v1/campaigns/{id}/resume", "post"),
            ("/api/v1/campaigns/{id}/leads", "post"),
            ("/api/v1/activities", "get"),
            ("/api/v1/reports/summary", "get"),
        ];
        let mut ids = std::collections::HashSet::new();
        for (path, method) in ops {
            let op = &doc["paths"][path][method];
            assert!(op.is_object(), "{method} {path} missing");
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_string()), "{method} {path}: operationId repeated");
            assert_eq!(op["security"][0]["api_key"], serde_json::json!([]), "{method} {path} has no key");
            assert!(op["responses"]["401"].is_object(), "{method} {path} does not document 401");
        }
        let count: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(count, ops.len(), "an operation is in the document but not in this list");
        assert_eq!(doc["components"]["securitySchemes"]["api_key"]["scheme"], "bearer");
    }
}
