//! Onboarding: read the agency's website in a job, show its progress and what it found, and
//! confirm the derived profile (see `engine::flows::onboarding`).

use crate::error::AppError;
use domain::icp::IcpForm;
use domain::site::SiteProfile;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr::*;

/// The latest run as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnboardingState {
    pub id: String,
    pub url: String,
    /// queued, reading, extracting, deriving, done, failed
    pub status: String,
    pub pages_read: i32,
    pub pages_planned: i32,
    pub error: Option<String>,
    pub profile: Option<SiteProfile>,
    /// The derived profile, as the form edits it.
    pub icp: Option<IcpForm>,
    pub company_sizes: Vec<String>,
    pub pain_points: Vec<String>,
    pub exclusions: Vec<String>,
    pub weights: Vec<(String, f64, String)>,
    pub pages: Vec<(String, String)>,
    pub notes: Vec<String>,
    pub consent: bool,
    pub confirmed: bool,
}

#[server(prefix = "/api", endpoint = "onboarding_run")]
pub async fn onboarding_run(workspace: String) -> Result<Option<OnboardingState>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let Some(run) = engine::flows::onboarding::latest(&engine, &access(&engine, me, &workspace).await?).await? else { return Ok(None) };
        let result = run.result.clone().unwrap_or(serde_json::Value::Null);
        let profile: Option<SiteProfile> = serde_json::from_value(result["profile"].clone()).ok();
        let draft: Option<domain::site::derive::IcpDraft> = serde_json::from_value(result["draft"].clone()).ok();
        let strings = |v: &serde_json::Value| v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default();
        let summary = &result["summary"];
        Ok(Some(OnboardingState {
            id: run.id.to_string(),
            url: run.url,
            status: run.status,
            pages_read: run.pages_read,
            pages_planned: run.pages_planned,
            error: run.error,
            icp: draft.as_ref().map(|d| IcpForm::from_icp(&d.to_workspace_icp())),
            company_sizes: draft.as_ref().map(|d| d.company_sizes.clone()).unwrap_or_default(),
            pain_points: draft.as_ref().map(|d| d.pain_points.clone()).unwrap_or_default(),
            exclusions: draft.as_ref().map(|d| d.exclusions.clone()).unwrap_or_default(),
            weights: draft.map(|d| d.weight_reasons.into_iter().map(|w| (w.component, w.weight, w.reason)).collect()).unwrap_or_default(),
            pages: summary["pages"].as_array().map(|a| a.iter().map(|p| (p["url"].as_str().unwrap_or("").to_string(), p["kind"].as_str().unwrap_or("").to_string())).collect()).unwrap_or_default(),
            notes: strings(&summary["notes"]),
            profile,
            consent: run.consent,
            confirmed: run.confirmed_at.is_some(),
        }))
    })
    .await
}

/// How many of the workspace's leads the run's derived profile matches, part by part.
#[server(prefix = "/api", endpoint = "onboarding_matches")]
pub async fn onboarding_matches(workspace: String, run: String) -> Result<Option<LeadMatches>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let run: uuid::Uuid = run.parse().map_err(|_| AppError::new(404, "No such onboarding run"))?;
        let m = engine::flows::onboarding::matches(&engine, &access(&engine, me, &workspace).await?, run).await?;
        Ok(m.map(|m| LeadMatches { leads: m.leads, industry: m.industry, size: m.size, location: m.location, all: m.all }))
    })
    .await
}

/// The page's copy of `engine::flows::onboarding::Matches` (the front end has no engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadMatches {
    pub leads: u64,
    pub industry: u64,
    pub size: u64,
    pub location: u64,
    pub all: u64,
}

/// Where the workspace's profile came from: the website run it was last confirmed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileOrigin {
    pub url: String,
    pub pages_read: i32,
    /// "6 Dec 2026", UTC
    pub read_on: String,
    pub confirmed_on: String,
    pub consent: bool,
}

#[server(prefix = "/api", endpoint = "icp_origin")]
pub async fn icp_origin(workspace: String) -> Result<Option<ProfileOrigin>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let run = engine::flows::onboarding::origin(&engine, &access(&engine, me, &workspace).await?).await?;
        let day = |t: chrono::DateTime<chrono::Utc>| t.format("%-d %b %Y").to_string();
        Ok(run.map(|r| ProfileOrigin {
            url: r.url,
            pages_read: r.pages_read,
            read_on: day(r.created_at),
            confirmed_on: r.confirmed_at.map(day).unwrap_or_default(),
            consent: r.consent,
        }))
    })
    .await
}

/// Starts reading the website; a private or malformed address is refused with the reason.
#[server(prefix = "/api", endpoint = "start_onboarding")]
pub async fn start_onboarding(workspace: String, url: String) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::onboarding::start(&engine, &access(&engine, me, &workspace).await?, &url).await?.to_string())
    })
    .await
}

/// Confirms the (edited) profile and the data-sharing answer.
#[server(prefix = "/api", endpoint = "confirm_onboarding")]
pub async fn confirm_onboarding(workspace: String, run: String, #[server(default)] icp: IcpForm, #[server(default)] consent: Option<String>) -> Result<bool, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let ws = workspace_id(&workspace)?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        let run: uuid::Uuid = run.parse().map_err(|_| AppError::new(404, "No such onboarding run"))?;
        let parsed = icp.parse().map_err(|e| AppError::new(422, e.to_string()))?;
        let saved = engine::flows::onboarding::confirm(&engine, &access, run, &parsed, consent.is_some()).await?;
        Ok(saved.rescoring)
    })
    .await
}
