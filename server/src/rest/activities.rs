//! `/activities`: everything that happened to the workspace's leads (or one lead), oldest
//! first, for a client that keeps its own copy of the timeline in step.

use super::{query, rfc3339, strict_uuid, ApiError, ApiKey, ErrorBody};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use domain::account::Action;
use domain::leads::LeadId;
use engine::store::activities::{self, Activity, MAX_PAGE};
use engine::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Activities per page unless `limit` says otherwise.
const DEFAULT_LIMIT: i64 = 100;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Only this lead's activities.
    #[param(value_type = Option<uuid::Uuid>)]
    lead: Option<String>,
    /// Only activities at or after this time (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    since: Option<String>,
    /// The `next` of the previous page: its last activity.
    #[param(value_type = Option<uuid::Uuid>)]
    after: Option<String>,
    /// Activities per page, 1 to 200 (default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    pub activities: Vec<Activity>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<uuid::Uuid>,
}

/// Activities, oldest first: the workspace's or one lead's, at or after `since`, a page at a
/// time (`after` = the previous page's `next`).
#[utoipa::path(
    get, path = "/activities", tag = "activities", operation_id = "listActivities",
    params(ActivityParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "A page of activities", body = ActivityPage),
        (status = 400, description = "A query value is malformed or out of range", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator is no longer a member of the workspace", body = ErrorBody),
        (status = 404, description = "`lead` is not a lead of this workspace, or `after` not one of its activities", body = ErrorBody),
    )
)]
pub async fn list_activities(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    params: Result<Query<ActivityParams>, QueryRejection>,
) -> Result<Json<ActivityPage>, ApiError> {
    let p = query(params)?;
    let lead = p.lead.as_deref().map(|l| strict_uuid("lead", l)).transpose()?.map(LeadId);
    let since = p.since.as_deref().map(|s| rfc3339("since", s)).transpose()?;
    let after = p.after.as_deref().map(|a| strict_uuid("after", a)).transpose()?;
    let limit = match p.limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=MAX_PAGE).contains(&i64::from(n)) => i64::from(n),
        Some(_) => return Err(ApiError::bad_request(format!("limit must be from 1 to {MAX_PAGE}"))),
    };
    let access = caller.access(&engine).await?;
    access.require(Action::ViewWorkspace)?;
    let mut conn = engine.tenant(caller.workspace).await?;
    if let Some(lead) = lead {
        engine::store::leads::get(&mut *conn, caller.workspace, lead).await?.ok_or(engine::Error::NotFound("lead"))?;
    }
    let rows = activities::since(&mut conn, caller.workspace, lead, since, after, limit).await?.ok_or(engine::Error::NotFound("activity"))?;
    let next = if rows.len() as i64 == limit { rows.last().map(|a| a.id) } else { None };
    Ok(Json(ActivityPage { activities: rows, next }))
}
