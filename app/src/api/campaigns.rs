//! Campaigns: the list, one campaign's settings, create/edit, status changes and enrolment by
//! the Leads page's filter. The edit form travels as a [`CampaignForm`] (plain fields, JSON) so
//! a bad value comes back as a 422 naming the field instead of a decoding error.

use crate::api::leads::LeadQuery;
use crate::error::AppError;
use chrono::{DateTime, Timelike, Utc, Weekday};
use domain::cadence::{Cadence, CadenceStep, StepAction, StepCondition};
use domain::campaign::{CampaignSettings, CampaignStatus, PermissionMode, TargetAccount};
use domain::score::Channel;
use domain::window::{SendingWindow, TimeRange, WeekdaySet};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr::*;

/// One cadence step as the editor holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepForm {
    pub day: u16,
    pub channel: String,
    pub action: String,
    pub condition: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetForm {
    pub domain: String,
    pub multiplier: f64,
}

/// The campaign editor's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignForm {
    pub name: String,
    pub description: String,
    /// Empty: the workspace's mode.
    pub permission_mode: String,
    pub channels: Vec<String>,
    pub steps: Vec<StepForm>,
    /// Weekdays as "mon" … "sun".
    pub days: Vec<String>,
    pub start_hour: u32,
    pub end_hour: u32,
    pub time_zone: String,
    pub ramp: bool,
    pub targets: Vec<TargetForm>,
    pub sender_name: String,
    pub sender_company: String,
    pub physical_address: String,
}

pub const WEEKDAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "Mon", Weekday::Mon),
    ("tue", "Tue", Weekday::Tue),
    ("wed", "Wed", Weekday::Wed),
    ("thu", "Thu", Weekday::Thu),
    ("fri", "Fri", Weekday::Fri),
    ("sat", "Sat", Weekday::Sat),
    ("sun", "Sun", Weekday::Sun),
];

pub const ACTIONS: [StepAction; 12] = [
    StepAction::PersonalisedIntro,
    StepAction::ConnectionRequest,
    StepAction::ValueCaseStudy,
    StepAction::DirectMessage,
    StepAction::SocialProof,
    StepAction::FollowUpMessage,
    StepAction::BreakUp,
    StepAction::GracefulClose,
    StepAction::PhoneCall,
    StepAction::Sms,
    StepAction::DirectMail,
    StepAction::Custom,
];

pub const CONDITIONS: [StepCondition; 4] = [StepCondition::Always, StepCondition::HasLinkedinUrl, StepCondition::NotReplied, StepCondition::LinkedinConnected];

/// The snake_case name a serde enum is stored under.
pub fn wire<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn parse_wire<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_string())).ok()
}

fn invalid(m: impl Into<String>) -> AppError {
    AppError::new(422, m)
}

impl CampaignForm {
    pub fn from_settings(s: &CampaignSettings) -> CampaignForm {
        let w = &s.window;
        CampaignForm {
            name: s.name.clone(),
            description: s.description.clone(),
            permission_mode: s.permission_mode.map(|m| m.as_str().to_string()).unwrap_or_default(),
            channels: s.channels.iter().map(|c| c.as_str().to_string()).collect(),
            steps: s
                .cadence
                .steps()
                .iter()
                .map(|st| StepForm { day: st.day, channel: st.channel.as_str().into(), action: wire(&st.action), condition: wire(&st.condition) })
                .collect(),
            days: WEEKDAYS.iter().filter(|(_, _, d)| w.days().contains(*d)).map(|(k, _, _)| k.to_string()).collect(),
            start_hour: w.hours().start().hour(),
            // 23:59:59 is how the window spells "until midnight".
            end_hour: if w.hours().end().hour() == 23 && w.hours().end().minute() == 59 { 24 } else { w.hours().end().hour() },
            time_zone: s.time_zone.clone(),
            ramp: s.ramp,
            targets: s.target_accounts.iter().map(|t| TargetForm { domain: t.domain.clone(), multiplier: t.multiplier }).collect(),
            sender_name: s.sender_name.clone(),
            sender_company: s.sender_company.clone(),
            physical_address: s.physical_address.clone(),
        }
    }

    /// A new campaign's form: the default 8 steps, window and zone.
    pub fn new_default() -> CampaignForm {
        Self::from_settings(&CampaignSettings::new_default(""))
    }

    /// Parses every field into settings; the domain then validates the whole (names, channels
    /// used by steps, zone, targets). Errors name the field for the user.
    pub fn to_settings(&self) -> Result<CampaignSettings, AppError> {
        let permission_mode = match self.permission_mode.trim() {
            "" | "workspace" => None,
            m => Some(m.parse::<PermissionMode>().map_err(|e| invalid(e.to_string()))?),
        };
        let channel = |c: &str| parse_wire::<Channel>(c).ok_or_else(|| invalid(format!("Unknown channel \"{c}\"")));
        let channels = self.channels.iter().map(|c| channel(c)).collect::<Result<Vec<_>, _>>()?;
        let mut steps = Vec::with_capacity(self.steps.len());
        for (i, s) in self.steps.iter().enumerate() {
            let n = i + 1;
            steps.push(CadenceStep {
                day: s.day,
                channel: channel(&s.channel)?,
                action: parse_wire(&s.action).ok_or_else(|| invalid(format!("Step {n}: unknown action \"{}\"", s.action)))?,
                condition: parse_wire(&s.condition).ok_or_else(|| invalid(format!("Step {n}: unknown condition \"{}\"", s.condition)))?,
            });
        }
        let cadence = Cadence::new(steps).map_err(|e| invalid(format!("The cadence is invalid: {e}")))?;
        let mut days = Vec::new();
        for d in &self.days {
            let (_, _, wd) = WEEKDAYS.iter().find(|(k, _, _)| *k == d.trim().to_lowercase()).ok_or_else(|| invalid(format!("Unknown weekday \"{d}\"")))?;
            days.push(*wd);
        }
        let days = WeekdaySet::of(&days);
        if days.is_empty() {
            return Err(invalid("Choose at least one sending day"));
        }
        if self.start_hour > 23 || self.end_hour > 24 || self.start_hour >= self.end_hour {
            return Err(invalid("Sending hours must start before they end, between 0 and 24"));
        }
        let hours = TimeRange::hours(self.start_hour, self.end_hour).map_err(|e| invalid(e.to_string()))?;
        // The preferred slots are the defaults (Tue–Thu 9–11 and 14–16), kept only where they
        // fall inside the chosen window; learned WHEN patterns replace them later.
        let preferred_days = WeekdaySet::of(&WeekdaySet::TUE_THU.iter().filter(|d| days.contains(*d)).collect::<Vec<_>>());
        let preferred_hours: Vec<TimeRange> = [(9, 11), (14, 16)]
            .into_iter()
            .filter_map(|(s, e)| TimeRange::hours(s, e).ok())
            .filter(|r| hours.start() <= r.start() && r.end() <= hours.end())
            .collect();
        let window = SendingWindow::new(days, hours, preferred_days, preferred_hours, 240).map_err(|e| invalid(e.to_string()))?;
        for t in &self.targets {
            if !t.multiplier.is_finite() {
                return Err(invalid(format!("Target account \"{}\": the multiplier must be a number", t.domain)));
            }
        }
        Ok(CampaignSettings {
            name: self.name.clone(),
            description: self.description.clone(),
            permission_mode,
            channels,
            cadence,
            window,
            time_zone: self.time_zone.clone(),
            ramp: self.ramp,
            target_accounts: self.targets.iter().map(|t| TargetAccount { domain: t.domain.clone(), multiplier: t.multiplier }).collect(),
            sender_name: self.sender_name.clone(),
            sender_company: self.sender_company.clone(),
            physical_address: self.physical_address.clone(),
        }
        .validate()
        .map_err(|e| invalid(capitalise(&e.to_string())))?)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// A campaign in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub status: CampaignStatus,
    pub leads: i64,
    pub pending_drafts: i64,
    pub sent: i64,
    pub created_at: DateTime<Utc>,
}

/// One campaign for the editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignView {
    pub id: String,
    pub status: CampaignStatus,
    pub form: CampaignForm,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
}

#[cfg(feature = "ssr")]
fn campaign_id(raw: &str) -> Result<domain::ids::CampaignId, AppError> {
    raw.trim().parse().map_err(|_| AppError::not_found("campaign"))
}

/// Queues a durable job that drafts the campaign's leads (`engine::jobs::DraftCampaign`), so
/// the queue fills without waiting for the scheduler's sweep, and a restart does not lose it.
/// The change is already saved: a job that cannot be queued is logged, and the sweep drafts
/// what it would have.
#[cfg(feature = "ssr")]
async fn queue_drafting(engine: &engine::Engine, ws: domain::ids::WorkspaceId, id: domain::ids::CampaignId) {
    let job = engine::jobs::DraftCampaign { workspace: ws.0, campaign: id.0 };
    if let Err(e) = engine::jobs::enqueue_draft(engine.owner_pool(), job).await {
        tracing::warn!(error = %e, campaign = %id, "queueing drafting after a campaign change failed; the scheduler's sweep drafts instead");
    }
}

#[server(prefix = "/api", endpoint = "list_campaigns")]
pub async fn list_campaigns(workspace: String, #[server(default)] include_archived: bool) -> Result<Vec<CampaignRow>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let rows = engine::flows::campaigns::list(&engine, &access(&engine, me, &workspace).await?, include_archived).await?;
        Ok(rows
            .into_iter()
            .map(|c| CampaignRow { id: c.id.to_string(), name: c.name, status: c.status, leads: c.leads, pending_drafts: c.pending_drafts, sent: c.sent, created_at: c.created_at })
            .collect())
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_campaign")]
pub async fn get_campaign(workspace: String, campaign: String) -> Result<CampaignView, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::ViewWorkspace).await?;
        let c = engine::flows::campaigns::get(&engine, &access, campaign_id(&campaign)?).await?;
        Ok(CampaignView { id: c.id.to_string(), status: c.status, form: CampaignForm::from_settings(&c.settings), created_at: c.created_at, activated_at: c.activated_at })
    })
    .await
}

#[server(prefix = "/api", endpoint = "create_campaign", input = Json)]
pub async fn create_campaign(workspace: String, form: CampaignForm) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        // Membership first: a stranger learns nothing from validation messages.
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        let id = engine::flows::campaigns::create(&engine, &access, form.to_settings()?).await?;
        Ok(id.to_string())
    })
    .await
}

#[server(prefix = "/api", endpoint = "update_campaign", input = Json)]
pub async fn update_campaign(workspace: String, campaign: String, form: CampaignForm) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        let id = campaign_id(&campaign)?;
        Ok(engine::flows::campaigns::update(&engine, &access, id, form.to_settings()?).await?)
    })
    .await
}

/// Activate, pause, resume (= active again) or archive; returns the new status.
#[server(prefix = "/api", endpoint = "set_campaign_status")]
pub async fn set_campaign_status(workspace: String, campaign: String, status: String) -> Result<CampaignStatus, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        let id = campaign_id(&campaign)?;
        let to = match status.trim() {
            "resume" => CampaignStatus::Active,
            s => s.parse::<CampaignStatus>().map_err(|e| invalid(capitalise(&e.to_string())))?,
        };
        let now = engine::flows::campaigns::set_status(&engine, &access, id, to).await?;
        if now == CampaignStatus::Active {
            queue_drafting(&engine, ws, id).await;
        }
        Ok(now)
    })
    .await
}

/// What both enrolments start from: the caller (a member or above), the campaign, and the
/// Leads page's filter, each checked.
#[cfg(feature = "ssr")]
async fn enrolment(workspace: &str, campaign: &str, query: &LeadQuery) -> Result<(engine::Engine, engine::auth::Access, domain::ids::CampaignId, domain::leads::LeadFilter), AppError> {
    let me = user().await?;
    let ws = workspace_id(workspace)?;
    let engine = engine()?;
    let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
    let id = campaign_id(campaign)?;
    let (filter, _, _) = crate::api::leads::filter_of(query)?;
    Ok((engine, access, id, filter))
}

/// Enrols the revival candidates matching the Leads page's filter "with new copy" (drafting
/// uses only templates they were not sent); returns how many joined and why the others did not.
/// Members and above.
#[server(prefix = "/api", endpoint = "enroll_revival")]
pub async fn enroll_revival(workspace: String, campaign: String, #[server(default)] query: LeadQuery) -> Result<domain::leads::EnrolReport, AppError> {
    respond(async {
        let (engine, access, id, filter) = enrolment(&workspace, &campaign, &query).await?;
        let ws = access.workspace;
        let report = engine::flows::campaigns::enroll_revival(&engine, &access, id, &filter).await?;
        if report.enrolled > 0 {
            queue_drafting(&engine, ws, id).await;
        }
        Ok(report)
    })
    .await
}

/// Enrols the leads matching the Leads page's filter; returns how many were added.
#[server(prefix = "/api", endpoint = "enroll_leads")]
pub async fn enroll_leads(workspace: String, campaign: String, #[server(default)] query: LeadQuery) -> Result<u64, AppError> {
    respond(async {
        let (engine, access, id, filter) = enrolment(&workspace, &campaign, &query).await?;
        let ws = access.workspace;
        let added = engine::flows::campaigns::enroll(&engine, &access, id, &filter).await?;
        if added > 0 {
            queue_drafting(&engine, ws, id).await;
        }
        Ok(added)
    })
    .await
}
