//! `/leads`: create leads (one or a batch), list them with filters, read one.

use super::{path_id, query, ApiError, ApiKey, ErrorBody};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::lead_status::LeadStatus;
use domain::leads::{Field, LeadDetail, LeadFilter, LeadId, LeadPage, LeadSource, PageRequest, Sort, SortKey};
use domain::score::Tier;
use engine::flows::api_leads::{self, MAX_LEADS_PER_REQUEST};
use engine::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// Longest search text.
const MAX_SEARCH_CHARS: usize = 200;

/// How the list is ordered: a key, descending with a leading `-`. Best leads first by default.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum SortParam {
    #[serde(rename = "als")]
    Als,
    #[serde(rename = "-als")]
    AlsDesc,
    #[serde(rename = "created_at")]
    CreatedAt,
    #[serde(rename = "-created_at")]
    CreatedAtDesc,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "-name")]
    NameDesc,
}

impl From<SortParam> for Sort {
    fn from(s: SortParam) -> Sort {
        let (key, descending) = match s {
            SortParam::Als => (SortKey::Als, false),
            SortParam::AlsDesc => (SortKey::Als, true),
            SortParam::CreatedAt => (SortKey::CreatedAt, false),
            SortParam::CreatedAtDesc => (SortKey::CreatedAt, true),
            SortParam::Name => (SortKey::Name, false),
            SortParam::NameDesc => (SortKey::Name, true),
        };
        Sort { key, descending }
    }
}

/// Query of `GET /leads`. Typed, so a value outside the schema is refused by the parser itself.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1)]
    page: Option<i32>,
    /// Leads per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<i32>,
    #[param(inline)]
    status: Option<LeadStatus>,
    #[param(inline)]
    tier: Option<Tier>,
    #[param(inline)]
    source: Option<LeadSource>,
    /// Part of the name, company or email, any case (at most 200 characters).
    #[param(max_length = 200)]
    q: Option<String>,
    #[param(inline)]
    sort: Option<SortParam>,
}

fn list_query(p: ListParams) -> Result<(LeadFilter, Sort, PageRequest), ApiError> {
    let page = match p.page {
        None => 1,
        Some(n) if n >= 1 => n as u32,
        Some(_) => return Err(ApiError::bad_request("page must be 1 or more")),
    };
    let per_page = match p.per_page {
        None => PageRequest::default().per_page,
        Some(n) if (1..=PageRequest::MAX_PER_PAGE as i32).contains(&n) => n as u32,
        Some(_) => return Err(ApiError::bad_request(format!("per_page must be from 1 to {}", PageRequest::MAX_PER_PAGE))),
    };
    if p.q.as_ref().is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS) {
        return Err(ApiError::bad_request(format!("q must be at most {MAX_SEARCH_CHARS} characters")));
    }
    // Stored text never holds control characters, so they can only keep a search from matching
    // (and a NUL cannot be sent to the database at all).
    let search = p.q.map(|q| q.chars().filter(|c| !c.is_control()).collect::<String>());
    let filter = LeadFilter { status: p.status, tier: p.tier, source: p.source, search, import_id: None };
    Ok((filter, p.sort.map(Sort::from).unwrap_or_default(), PageRequest { page, per_page }))
}

/// List the workspace's leads, filtered and paged.
#[utoipa::path(
    get, path = "/leads", tag = "leads", operation_id = "listLeads",
    params(ListParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page of leads", body = LeadPage),
        (status = 400, description = "A query value is malformed or out of range", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
    )
)]
pub async fn list_leads(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<LeadPage>, ApiError> {
    let (filter, sort, page) = list_query(query(params)?)?;
    Ok(Json(engine::store::leads::list(&mut *engine.tenant(caller.workspace).await?, caller.workspace, &filter, sort, page).await?))
}

/// Read one lead, with its score and why.
#[utoipa::path(
    get, path = "/leads/{id}", tag = "leads", operation_id = "getLead",
    params(("id" = uuid::Uuid, Path, description = "The lead's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The lead", body = LeadDetail),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 404, description = "No such lead in this workspace", body = ErrorBody),
    )
)]
pub async fn get_lead(ApiKey(caller): ApiKey, State(engine): State<Engine>, Path(id): Path<String>) -> Result<Json<LeadDetail>, ApiError> {
    let id: LeadId = path_id(&id, "lead")?;
    let lead = engine::store::leads::get(&mut *engine.tenant(caller.workspace).await?, caller.workspace, id).await?.ok_or(engine::Error::NotFound("lead"))?;
    Ok(Json(lead))
}

/// One lead as the API takes it (the schema is built from `Field`, so its names and lengths
/// are the ones the code checks).
pub struct LeadInputSchema;

impl PartialSchema for LeadInputSchema {
    fn schema() -> RefOr<Schema> {
        let mut o = ObjectBuilder::new()
            .description(Some(
                "A lead needs an email or a LinkedIn profile URL. Values are strings (the employee count may also be a whole number) \
                 or null for absent. A lead that is well-formed but not valid (a malformed email, no address) is reported in \
                 `errors` while the others are created.",
            ))
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
        for f in Field::ALL {
            let types = if f == Field::EmployeeCount { vec![Type::String, Type::Integer, Type::Null] } else { vec![Type::String, Type::Null] };
            let mut p = ObjectBuilder::new().schema_type(SchemaType::Array(types)).max_length(Some(f.max_chars()));
            if f == Field::FullName {
                p = p.description(Some("Split into first and last name when those are absent."));
            }
            o = o.property(f.as_str(), p);
        }
        Schema::Object(o.build()).into()
    }
}

impl ToSchema for LeadInputSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "LeadInput".into()
    }
}

/// The body of `POST /leads`: one lead, or an array of 1 to 1000.
pub struct CreateLeadsBody;

impl PartialSchema for CreateLeadsBody {
    fn schema() -> RefOr<Schema> {
        let one = RefOr::Ref(utoipa::openapi::Ref::from_schema_name("LeadInput"));
        let many = ArrayBuilder::new().items(one.clone()).min_items(Some(1)).max_items(Some(MAX_LEADS_PER_REQUEST));
        Schema::OneOf(OneOfBuilder::new().item(one).item(many).build()).into()
    }
}

impl ToSchema for CreateLeadsBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push(("LeadInput".into(), LeadInputSchema::schema()));
    }
}

/// What a request did: the leads created, how many were already in the workspace (or repeated
/// within the request), and the leads refused with their reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreateOutcome {
    /// Ids of the leads created.
    pub created: Vec<LeadId>,
    pub duplicates: usize,
    pub errors: Vec<super::ItemError>,
}

/// `application/json`, with or without parameters, or any `+json` type.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The leads of a body: one object, or an array of 1 to 1000, each of the schema's shape.
fn items(body: &[u8]) -> Result<Vec<Value>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => return Err(ApiError::bad_request("The body must be a lead object or an array of lead objects")),
    };
    if items.is_empty() {
        return Err(ApiError::bad_request("The array is empty: send at least one lead"));
    }
    if items.len() > MAX_LEADS_PER_REQUEST {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_LEADS_PER_REQUEST} leads per request (got {}); split the batch or use a CSV import",
            items.len()
        )));
    }
    let errors = api_leads::shape_errors(&items);
    if !errors.is_empty() {
        let message = format!("{} problem(s) with the request's leads; nothing was created", errors.len());
        return Err(ApiError::Items(message, errors.into_iter().map(Into::into).collect()));
    }
    Ok(items)
}

/// Create leads: one object or an array. Duplicates (by email or LinkedIn URL, within the
/// workspace or the request) are counted, not created again.
#[utoipa::path(
    post, path = "/leads", tag = "leads", operation_id = "createLeads",
    request_body(content = CreateLeadsBody, content_type = "application/json"),
    security(("api_key" = [])),
    responses(
        (status = 201, description = "At least one lead was created; `errors` lists the leads that were not valid", body = CreateOutcome),
        (status = 200, description = "Nothing new: every valid lead was already there, or none was valid (see `errors`)", body = CreateOutcome),
        (status = 400, description = "The body is not JSON or breaks the schema (each problem in `errors`); nothing was created", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 413, description = "The body is over 1 MiB"),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
    )
)]
pub async fn create_leads(
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
    let status = if outcome.created.is_empty() { StatusCode::OK } else { StatusCode::CREATED };
    let outcome = CreateOutcome { created: outcome.created, duplicates: outcome.duplicates, errors: outcome.errors.into_iter().map(Into::into).collect() };
    Ok((status, Json(outcome)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(q: &str) -> Result<(LeadFilter, Sort, PageRequest), ApiError> {
        let Query(p) = Query::<ListParams>::try_from_uri(&format!("http://x/leads?{q}").parse().unwrap()).map_err(ApiError::query)?;
        list_query(p)
    }

    #[test]
    fn json_content_types_are_recognised() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::CONTENT_TYPE, v.parse().unwrap());
            m
        };
        assert!(is_json(&h("application/json")));
        assert!(is_json(&h("Application/JSON; charset=utf-8")));
        assert!(is_json(&h("application/merge-patch+json")));
        assert!(!is_json(&h("text/plain")));
        assert!(!is_json(&h("application/x-www-form-urlencoded")));
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn list_filters_are_parsed_exactly_as_the_schema_says() {
        let (f, sort, page) = list("status=new&tier=hot&q=%20acme%00&page=3&sort=-name").unwrap();
        assert_eq!(f.status, Some(LeadStatus::New));
        assert_eq!(f.tier, Some(Tier::Hot));
        assert_eq!(f.search.as_deref(), Some(" acme"), "control characters are dropped, the rest kept");
        assert_eq!(page.page, 3);
        assert_eq!(sort, Sort { key: SortKey::Name, descending: true });
        assert_eq!(list("").unwrap().2, PageRequest { page: 1, per_page: PageRequest::default().per_page });
        assert_eq!(list("per_page=200&page=2147483647").unwrap().2.per_page, 200);
        for bad in ["status=nope", "tier=HOT", "tier=", "page=0", "page=", "page=%203", "per_page=201", "per_page=-1", "sort=email", "page=2147483648"] {
            assert!(list(bad).is_err(), "{bad}");
        }
        assert!(list(&format!("q={}", "a".repeat(201))).is_err());
        assert!(list(&format!("q={}", "é".repeat(200))).is_ok(), "the limit counts characters");
    }

    #[test]
    fn a_body_is_one_lead_or_an_array_of_one_to_a_thousand_of_the_right_shape() {
        assert_eq!(items(br#"{"email":"a@b.com"}"#).unwrap().len(), 1);
        assert_eq!(items(br#"[{"email":"a@b.com"},{}]"#).unwrap().len(), 2);
        for bad in [&b"[]"[..], b"\"x\"", b"{oops", br#"[{"email":"a@b.com"},{"emial":"x"}]"#, br#"[{"title":1}]"#] {
            assert!(matches!(items(bad), Err(ApiError::Status(StatusCode::BAD_REQUEST, _)) | Err(ApiError::Items(..))), "{}", String::from_utf8_lossy(bad));
        }
        let many = format!("[{}]", vec!["{}"; 1001].join(","));
        assert!(items(many.as_bytes()).is_err());
        let thousand = format!("[{}]", vec!["{}"; 1000].join(","));
        assert!(items(thousand.as_bytes()).is_ok());
    }
}
