//! The public REST API under `/api/v1` (SPEC §16), authenticated by workspace API keys.
//!
//! Every route except the OpenAPI document takes an `ApiKey` extractor first: the key decides
//! the workspace, and nothing the caller sends can name another one. Handlers stay thin (parse,
//! call one engine function, answer JSON); every failure is an `ApiError`, turned into a status
//! and `{"error": "..."}` in one place. Session cookies mean nothing here, so these routes need
//! no CSRF protection of their own: the CSRF layer lets cookie-less requests through to us.

use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use axum::body::Bytes;
use domain::lead_status::LeadStatus;
use domain::leads::{parse_tier, LeadDetail, LeadFilter, LeadId, LeadPage, LeadSource, PageRequest, Sort, SortKey};
use engine::flows::api_keys::ApiCaller;
use engine::flows::api_leads::{self, MAX_LEADS_PER_REQUEST};
use engine::Engine;
use serde::Deserialize;
use serde_json::{json, Value};

/// The OpenAPI 3.1 description of these routes, written by hand next to them.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Engine: FromRef<S>,
{
    Router::new()
        .route("/leads", get(list_leads).post(create_leads))
        .route("/leads/{id}", get(get_lead))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::Status(StatusCode::NOT_FOUND, "No such API route. See /api/v1/openapi.json".into()) })
        .method_not_allowed_fallback(|| async {
            ApiError::Status(StatusCode::METHOD_NOT_ALLOWED, "This method is not allowed here. See /api/v1/openapi.json".into())
        })
}

// ---- Errors --------------------------------------------------------------------------------

/// Every way a REST call fails. Engine errors keep the engine's own status mapping.
#[derive(Debug)]
pub enum ApiError {
    Engine(engine::Error),
    /// Failures of the HTTP request itself (malformed JSON, wrong content type, …), which the
    /// engine never sees.
    Status(StatusCode, String),
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
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::Engine(e) => {
                let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                if status.is_server_error() {
                    // Server faults are opaque to the caller; the details go to the log.
                    tracing::error!(error = ?e, "REST call failed");
                }
                (status, e.public_message())
            }
            ApiError::Status(status, message) => (status, message),
        };
        let mut resp = (status, Json(json!({ "error": message }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"agency-os\""));
        }
        resp
    }
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

// ---- Leads ---------------------------------------------------------------------------------

/// Query of `GET /leads`. Everything arrives as text so that a bad value gets our own message.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    page: Option<String>,
    per_page: Option<String>,
    status: Option<String>,
    tier: Option<String>,
    source: Option<String>,
    q: Option<String>,
    sort: Option<String>,
}

fn number(name: &str, raw: Option<&str>, default: u32) -> Result<u32, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => s.parse::<u32>().ok().filter(|n| *n >= 1).ok_or_else(|| ApiError::bad_request(format!("{name} must be a whole number of at least 1"))),
    }
}

/// `als`, `created_at` or `name`, descending with a leading `-`; best leads first by default.
fn parse_sort(raw: Option<&str>) -> Result<Sort, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Sort::default());
    };
    let (descending, name) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let key = match name {
        "als" => SortKey::Als,
        "created_at" => SortKey::CreatedAt,
        "name" => SortKey::Name,
        _ => return Err(ApiError::bad_request("sort must be one of als, created_at, name, optionally prefixed by - for descending")),
    };
    Ok(Sort { key, descending })
}

fn list_query(p: &ListParams) -> Result<(LeadFilter, Sort, PageRequest), ApiError> {
    let nonempty = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let filter = LeadFilter {
        status: nonempty(&p.status).map(|s| s.parse::<LeadStatus>()).transpose().map_err(|e| ApiError::bad_request(e.to_string()))?,
        tier: nonempty(&p.tier).map(|s| parse_tier(&s.to_lowercase())).transpose().map_err(|e| ApiError::bad_request(e.to_string()))?,
        source: nonempty(&p.source).map(|s| s.parse::<LeadSource>()).transpose().map_err(|e| ApiError::bad_request(e.to_string()))?,
        search: nonempty(&p.q),
        import_id: None,
    };
    let page = PageRequest {
        page: number("page", p.page.as_deref(), 1)?,
        per_page: number("per_page", p.per_page.as_deref(), PageRequest::default().per_page)?,
    };
    Ok((filter, parse_sort(p.sort.as_deref())?, page))
}

async fn list_leads(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<LeadPage>, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let (filter, sort, page) = list_query(&params)?;
    Ok(Json(engine::store::leads::list(&mut *engine.tenant(caller.workspace).await?, caller.workspace, &filter, sort, page).await?))
}

async fn get_lead(ApiKey(caller): ApiKey, State(engine): State<Engine>, Path(id): Path<String>) -> Result<Json<LeadDetail>, ApiError> {
    // A malformed id is as absent as another workspace's lead.
    let id: LeadId = id.parse().map_err(|_| engine::Error::NotFound("lead"))?;
    let lead = engine::store::leads::get(&mut *engine.tenant(caller.workspace).await?, caller.workspace, id).await?.ok_or(engine::Error::NotFound("lead"))?;
    Ok(Json(lead))
}

/// `application/json`, with or without parameters, or any `+json` type.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The leads of a body: one object, or an array of them.
fn items(body: &[u8]) -> Result<Vec<Value>, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => return Err(ApiError::bad_request("The body must be a lead object or an array of lead objects")),
    };
    if items.is_empty() {
        return Err(ApiError::Status(StatusCode::UNPROCESSABLE_ENTITY, "The array is empty: send at least one lead".into()));
    }
    if items.len() > MAX_LEADS_PER_REQUEST {
        return Err(ApiError::Status(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("At most {MAX_LEADS_PER_REQUEST} leads per request (got {}); split the batch or use a CSV import", items.len()),
        ));
    }
    Ok(items)
}

/// 201 when any lead was created, 200 when every valid lead was already there, 422 when no
/// lead was valid; the body always says what happened to each item.
async fn create_leads(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    if !is_json(&headers) {
        return Err(ApiError::Status(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Send the leads as JSON with Content-Type: application/json".into()));
    }
    let body = body.map_err(|e| ApiError::Status(e.status(), e.body_text()))?;
    let items = items(&body)?;
    let outcome = api_leads::create(&engine, caller, &items).await?;
    let status = if outcome.nothing_valid() {
        let body = json!({ "error": "No lead in the request was valid", "created": [], "duplicates": 0, "errors": outcome.errors });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    } else if outcome.created.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(outcome)).into_response())
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn json_content_types_are_recognised() {
        assert!(is_json(&headers(&[("content-type", "application/json")])));
        assert!(is_json(&headers(&[("content-type", "Application/JSON; charset=utf-8")])));
        assert!(is_json(&headers(&[("content-type", "application/merge-patch+json")])));
        assert!(!is_json(&headers(&[("content-type", "text/plain")])));
        assert!(!is_json(&headers(&[("content-type", "application/x-www-form-urlencoded")])));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn sort_names_a_key_and_a_leading_dash_makes_it_descending() {
        assert_eq!(parse_sort(None).unwrap(), Sort::default());
        assert_eq!(parse_sort(Some("name")).unwrap(), Sort { key: SortKey::Name, descending: false });
        assert_eq!(parse_sort(Some("-created_at")).unwrap(), Sort { key: SortKey::CreatedAt, descending: true });
        assert!(parse_sort(Some("email")).is_err());
    }

    #[test]
    fn list_filters_are_parsed_and_bad_values_refused() {
        let p = ListParams { status: Some("new".into()), tier: Some("Hot".into()), q: Some(" acme ".into()), page: Some("3".into()), ..Default::default() };
        let (f, _, page) = list_query(&p).unwrap();
        assert_eq!(f.status, Some(LeadStatus::New));
        assert!(f.tier.is_some());
        assert_eq!(f.search.as_deref(), Some("acme"));
        assert_eq!(page.page, 3);
        for bad in [
            ListParams { status: Some("nope".into()), ..Default::default() },
            ListParams { tier: Some("lukewarm".into()), ..Default::default() },
            ListParams { page: Some("0".into()), ..Default::default() },
            ListParams { per_page: Some("-1".into()), ..Default::default() },
        ] {
            assert!(list_query(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_body_is_one_lead_or_an_array_of_at_most_a_thousand() {
        assert_eq!(items(br#"{"email":"a@b.com"}"#).unwrap().len(), 1);
        assert_eq!(items(br#"[{"email":"a@b.com"},{}]"#).unwrap().len(), 2);
        assert!(matches!(items(b"[]"), Err(ApiError::Status(StatusCode::UNPROCESSABLE_ENTITY, _))));
        assert!(matches!(items(b"\"x\""), Err(ApiError::Status(StatusCode::BAD_REQUEST, _))));
        assert!(matches!(items(b"{oops"), Err(ApiError::Status(StatusCode::BAD_REQUEST, _))));
        let many = format!("[{}]", vec!["{}"; 1001].join(","));
        assert!(matches!(items(many.as_bytes()), Err(ApiError::Status(StatusCode::UNPROCESSABLE_ENTITY, _))));
    }

    #[test]
    fn the_openapi_document_describes_every_route() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        for path in ["/api/v1/leads", "/api/v1/leads/{id}"] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["paths"]["/api/v1/leads"].get("post").is_some());
        assert!(doc["paths"]["/api/v1/leads"].get("get").is_some());
    }
}
