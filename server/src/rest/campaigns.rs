//! `/campaigns`: list, read and create campaigns, pause and resume them, enrol leads.
//!
//! A key acts with its creator's role (`ApiCaller::access`). Requests that fit the schema but
//! not the campaign's rules or state (a name of only spaces, resuming a campaign that is not
//! paused, activating without a sender identity) are conflicts, 409, with the reason.

use super::{body, path_id, query, ApiError, ApiKey, ErrorBody};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use domain::campaign::{CampaignSettings, CampaignStatus, PermissionMode};
use domain::ids::CampaignId;
use domain::score::Channel;
use engine::flows::campaigns as flow;
use engine::store::campaigns::CampaignSummary;
use engine::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Most lead ids one enrolment request carries.
const MAX_ENROL_IDS: usize = 1000;

/// A campaign as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: CampaignId,
    pub name: String,
    pub description: String,
    pub status: CampaignStatus,
    pub channels: Vec<Channel>,
    /// The campaign's own approval mode; null when it follows the workspace's.
    pub permission_mode: Option<PermissionMode>,
    /// IANA time zone its sending window is in.
    pub time_zone: String,
    /// Steps in its cadence.
    pub steps: usize,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
}

impl From<engine::store::campaigns::Campaign> for CampaignView {
    fn from(c: engine::store::campaigns::Campaign) -> Self {
        CampaignView {
            id: c.id,
            steps: c.settings.cadence.steps().len(),
            name: c.settings.name,
            description: c.settings.description,
            status: c.status,
            channels: c.settings.channels,
            permission_mode: c.settings.permission_mode,
            time_zone: c.settings.time_zone,
            created_at: c.created_at,
            activated_at: c.activated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignList {
    pub campaigns: Vec<CampaignSummary>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Include archived campaigns (default false).
    archived: Option<bool>,
}

/// A 409 for what fits the schema but not the campaign's rules or state.
fn conflict(e: engine::Error) -> ApiError {
    match e {
        engine::Error::Invalid(m) => ApiError::Engine(engine::Error::Conflict(m)),
        other => ApiError::Engine(other),
    }
}

/// List the workspace's campaigns, newest first.
#[utoipa::path(
    get, path = "/campaigns", tag = "campaigns", operation_id = "listCampaigns",
    params(ListParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The campaigns", body = CampaignList),
        (status = 400, description = "A query value is malformed", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator is no longer a member of the workspace", body = ErrorBody),
    )
)]
pub async fn list_campaigns(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<CampaignList>, ApiError> {
    let params = query(params)?;
    let access = caller.access(&engine).await?;
    let campaigns = flow::list(&engine, &access, params.archived.unwrap_or(false)).await?;
    Ok(Json(CampaignList { campaigns }))
}

/// Read one campaign.
#[utoipa::path(
    get, path = "/campaigns/{id}", tag = "campaigns", operation_id = "getCampaign",
    params(("id" = uuid::Uuid, Path, description = "The campaign's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The campaign", body = CampaignView),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator is no longer a member of the workspace", body = ErrorBody),
        (status = 404, description = "No such campaign in this workspace", body = ErrorBody),
    )
)]
pub async fn get_campaign(ApiKey(caller): ApiKey, State(engine): State<Engine>, Path(id): Path<String>) -> Result<Json<CampaignView>, ApiError> {
    let id: CampaignId = path_id(&id, "campaign")?;
    let access = caller.access(&engine).await?;
    Ok(Json(flow::get(&engine, &access, id).await?.into()))
}

/// A new campaign: the default eight-step cadence over email and LinkedIn, as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// 1 to 120 characters with at least one visible one and no control characters (else 409).
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// Up to 2,000 characters; line breaks and tabs are kept, other control characters refused (409).
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

impl NewCampaign {
    /// The schema's own limits (the engine checks the rest).
    fn check(&self) -> Result<(), ApiError> {
        let n = self.name.chars().count();
        if !(1..=120).contains(&n) {
            return Err(ApiError::bad_request("name must be 1 to 120 characters"));
        }
        if self.description.as_ref().is_some_and(|d| d.chars().count() > 2000) {
            return Err(ApiError::bad_request("description must be at most 2,000 characters"));
        }
        Ok(())
    }
}

/// Create a campaign (a draft: activate it in the app once its sender identity is set).
#[utoipa::path(
    post, path = "/campaigns", tag = "campaigns", operation_id = "createCampaign",
    request_body(content = NewCampaign, content_type = "application/json"),
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Created; `Location` is its URL", body = CampaignView,
            headers(("Location" = String, description = "/api/v1/campaigns/{id}"))),
        (status = 400, description = "The body is not JSON or breaks the schema", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator may not edit campaigns", body = ErrorBody),
        (status = 409, description = "The name or description breaks a rule (only spaces, control characters)", body = ErrorBody),
        (status = 413, description = "The body is over 1 MiB"),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
    )
)]
pub async fn create_campaign(ApiKey(caller): ApiKey, State(engine): State<Engine>, new: Result<Json<NewCampaign>, JsonRejection>) -> Result<Response, ApiError> {
    let new = body(new)?;
    new.check()?;
    let access = caller.access(&engine).await?;
    let mut settings = CampaignSettings::new_default(&new.name);
    settings.name = new.name;
    settings.description = new.description.unwrap_or_default();
    let id = flow::create(&engine, &access, settings).await.map_err(conflict)?;
    let view: CampaignView = flow::get(&engine, &access, id).await?.into();
    Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/campaigns/{id}"))], Json(view)).into_response())
}

/// Moves a campaign from `from` to `to`, refusing any other starting state.
async fn change(engine: &Engine, caller: engine::flows::api_keys::ApiCaller, id: &str, from: CampaignStatus, to: CampaignStatus) -> Result<Json<CampaignView>, ApiError> {
    let id: CampaignId = path_id(id, "campaign")?;
    let access = caller.access(engine).await?;
    let campaign = flow::get(engine, &access, id).await?;
    if campaign.status != from {
        return Err(ApiError::Engine(engine::Error::Conflict(format!("the campaign is {}, not {}", campaign.status.as_str(), from.as_str()))));
    }
    flow::set_status(engine, &access, id, to).await.map_err(conflict)?;
    Ok(Json(flow::get(engine, &access, id).await?.into()))
}

/// Pause an active campaign: nothing more is drafted or sent until it is resumed.
#[utoipa::path(
    post, path = "/campaigns/{id}/pause", tag = "campaigns", operation_id = "pauseCampaign",
    params(("id" = uuid::Uuid, Path, description = "The campaign's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Paused", body = CampaignView),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator may not edit campaigns", body = ErrorBody),
        (status = 404, description = "No such campaign in this workspace", body = ErrorBody),
        (status = 409, description = "The campaign is not active", body = ErrorBody),
    )
)]
pub async fn pause_campaign(ApiKey(caller): ApiKey, State(engine): State<Engine>, Path(id): Path<String>) -> Result<Json<CampaignView>, ApiError> {
    change(&engine, caller, &id, CampaignStatus::Active, CampaignStatus::Paused).await
}

/// Resume a paused campaign, within the plan's limit of active campaigns.
#[utoipa::path(
    post, path = "/campaigns/{id}/resume", tag = "campaigns", operation_id = "resumeCampaign",
    params(("id" = uuid::Uuid, Path, description = "The campaign's id")),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Active again", body = CampaignView),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator may not edit campaigns", body = ErrorBody),
        (status = 404, description = "No such campaign in this workspace", body = ErrorBody),
        (status = 409, description = "The campaign is not paused, the plan's active campaigns are all in use, or it lacks a sender identity", body = ErrorBody),
    )
)]
pub async fn resume_campaign(ApiKey(caller): ApiKey, State(engine): State<Engine>, Path(id): Path<String>) -> Result<Json<CampaignView>, ApiError> {
    change(&engine, caller, &id, CampaignStatus::Paused, CampaignStatus::Active).await
}

/// Leads to enrol, by id.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// 1 to 1,000 lead ids; repeats count once.
    #[schema(value_type = Vec<uuid::Uuid>, min_items = 1, max_items = 1000)]
    pub lead_ids: Vec<String>,
}

/// Leads left out of an enrolment, for one reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct Skipped {
    pub reason: String,
    pub count: u64,
}

/// What an enrolment did.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolResult {
    /// Leads added to the campaign now.
    pub enrolled: u64,
    /// The others, by reason (not a lead of this workspace, finished, already enrolled).
    pub skipped: Vec<Skipped>,
}

/// Enrol leads in a campaign. Leads whose outreach has ended (converted, unsubscribed, bounced,
/// …), leads already in it and ids that are not leads of this workspace are counted apart.
#[utoipa::path(
    post, path = "/campaigns/{id}/leads", tag = "campaigns", operation_id = "enrolLeads",
    params(("id" = uuid::Uuid, Path, description = "The campaign's id")),
    request_body(content = EnrolRequest, content_type = "application/json"),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "What was enrolled and what was not, and why", body = EnrolResult),
        (status = 400, description = "The body is not JSON or breaks the schema", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator may not edit campaigns", body = ErrorBody),
        (status = 404, description = "No such campaign in this workspace", body = ErrorBody),
        (status = 409, description = "The campaign is archived", body = ErrorBody),
        (status = 413, description = "The body is over 1 MiB"),
        (status = 415, description = "The body is not sent as JSON", body = ErrorBody),
    )
)]
pub async fn enrol_leads(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    Path(id): Path<String>,
    req: Result<Json<EnrolRequest>, JsonRejection>,
) -> Result<Json<EnrolResult>, ApiError> {
    let req = body(req)?;
    if req.lead_ids.is_empty() || req.lead_ids.len() > MAX_ENROL_IDS {
        return Err(ApiError::bad_request(format!("lead_ids must hold 1 to {MAX_ENROL_IDS} ids")));
    }
    let leads = req.lead_ids.iter().map(|l| super::strict_uuid("each of lead_ids", l)).collect::<Result<Vec<_>, _>>()?;
    let id: CampaignId = path_id(&id, "campaign")?;
    let access = caller.access(&engine).await?;
    let report = flow::enroll_ids(&engine, &access, id, &leads).await.map_err(conflict)?;
    let skipped = report.skipped.into_iter().map(|(reason, count)| Skipped { reason, count }).collect();
    Ok(Json(EnrolResult { enrolled: report.enrolled, skipped }))
}
