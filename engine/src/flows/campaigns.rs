//! Campaigns (SPEC §6, §7, §9): create, edit, activate/pause/resume/archive within the plan's
//! limit, and enrol leads by the Leads page's filter. Authorises every call and audits every
//! change in the same transaction.

use crate::auth::Access;
use crate::store::{audit, campaigns};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::campaign::{change_status, CampaignError, CampaignSettings, CampaignStatus};
use domain::ids::CampaignId;
use domain::leads::LeadFilter;
use serde_json::json;

/// Most leads one enrolment takes (a filter matching more is cut at this many, best first).
pub const MAX_ENROL: i64 = 10_000;

impl From<CampaignError> for Error {
    fn from(e: CampaignError) -> Self {
        match e {
            CampaignError::PlanLimit { .. } | CampaignError::Transition { .. } => Error::Conflict(e.to_string()),
            _ => Error::Invalid(e.to_string()),
        }
    }
}

async fn audit(tx: &mut sqlx::PgConnection, access: &Access, action: &str, id: CampaignId, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Result<()> {
    audit::record(
        tx,
        audit::Record { workspace: Some(access.workspace), actor: Some(access.user), action, target_type: "campaign", target_id: Some(id.to_string()), before, after },
    )
    .await
}

pub async fn create(engine: &Engine, access: &Access, settings: CampaignSettings) -> Result<CampaignId> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let user = access.user;
    let settings = settings.validate()?;
    crate::auth::may_choose_autopilot(&access, settings.permission_mode)?;
    let mut tx = engine.tenant(ws).await?;
    let id = campaigns::insert(&mut tx, ws, &settings, user).await?;
    audit(&mut tx, &access, "campaign.create", id, None, Some(json!({ "name": settings.name }))).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update(engine: &Engine, access: &Access, id: CampaignId, settings: CampaignSettings) -> Result<()> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let settings = settings.validate()?;
    let mut tx = engine.tenant(ws).await?;
    let before = campaigns::get_for_update(&mut tx, ws, id).await?.ok_or(Error::NotFound("campaign"))?;
    if before.status == CampaignStatus::Archived {
        return Err(Error::Conflict("an archived campaign cannot be edited".into()));
    }
    if before.settings.permission_mode != settings.permission_mode {
        crate::auth::may_choose_autopilot(&access, settings.permission_mode)?;
    }
    if before.status == CampaignStatus::Active && settings.channels.contains(&domain::score::Channel::Email) && !settings.has_sender_identity() {
        return Err(CampaignError::SenderIdentity.into());
    }
    campaigns::update(&mut tx, ws, id, &settings).await?;
    audit(&mut tx, &access, "campaign.update", id, Some(serde_json::to_value(&before.settings).unwrap_or_default()), Some(serde_json::to_value(&settings).unwrap_or_default())).await?;
    tx.commit().await?;
    if before.status == CampaignStatus::Active && before.settings.target_accounts != settings.target_accounts {
        crate::flows::score::rescore_all(engine, ws).await?;
    }
    Ok(())
}

pub async fn get(engine: &Engine, access: &Access, id: CampaignId) -> Result<campaigns::Campaign> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    campaigns::get(&mut *engine.tenant(ws).await?, ws, id).await?.ok_or(Error::NotFound("campaign"))
}

pub async fn list(engine: &Engine, access: &Access, include_archived: bool) -> Result<Vec<campaigns::CampaignSummary>> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    campaigns::list(&mut *engine.tenant(ws).await?, ws, include_archived).await
}

/// Activate, pause, resume or archive. Activation counts the workspace's active campaigns with
/// the workspace row locked, so two activations at once cannot both squeeze under the limit.
pub async fn set_status(engine: &Engine, access: &Access, id: CampaignId, to: CampaignStatus) -> Result<CampaignStatus> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let plan: String = sqlx::query_scalar("select plan from workspaces where id = $1 and deleted_at is null for no key update")
        .bind(ws.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotFound("workspace"))?;
    let campaign = campaigns::get_for_update(&mut tx, ws, id).await?.ok_or(Error::NotFound("campaign"))?;
    let active = campaigns::count_active(&mut tx, ws).await?;
    let max_active = engine.settings.plans.terms_of(&plan).active_campaigns;
    let to = change_status(campaign.status, to, active, max_active, &campaign.settings)?;
    campaigns::set_status(&mut tx, ws, id, to).await?;
    audit(&mut tx, &access, &format!("campaign.{}", to.as_str()), id, Some(json!({ "status": campaign.status })), Some(json!({ "status": to }))).await?;
    tx.commit().await?;
    // The campaign's target accounts count only while it is active.
    let was_active = campaign.status == CampaignStatus::Active;
    if was_active != (to == CampaignStatus::Active) && !campaign.settings.target_accounts.is_empty() {
        crate::flows::score::rescore_all(engine, ws).await?;
    }
    Ok(to)
}

/// The campaign locked for an enrolment in a transaction of its workspace, after the role
/// check; an archived campaign takes no leads.
async fn open_for_enrolment(engine: &Engine, access: &Access, id: CampaignId) -> Result<(crate::db::Tenant, campaigns::Campaign)> {
    access.require(Action::EditCampaigns)?;
    let mut tx = engine.tenant(access.workspace).await?;
    let campaign = campaigns::get_for_update(&mut tx, access.workspace, id).await?.ok_or(Error::NotFound("campaign"))?;
    if campaign.status == CampaignStatus::Archived {
        return Err(Error::Conflict("leads cannot be added to an archived campaign".into()));
    }
    Ok((tx, campaign))
}

/// Enrols the leads matching `filter` (best scores first, at most [`MAX_ENROL`]). Returns how
/// many were added; leads already enrolled or terminal are left out.
pub async fn enroll(engine: &Engine, access: &Access, id: CampaignId, filter: &LeadFilter) -> Result<u64> {
    let ws = access.workspace;
    let (mut tx, _) = open_for_enrolment(engine, access, id).await?;
    let added = campaigns::enroll_by_filter(&mut tx, ws, id, filter, MAX_ENROL).await?;
    audit(&mut tx, &access, "campaign.enroll", id, None, Some(json!({ "added": added, "filter": filter }))).await?;
    tx.commit().await?;
    Ok(added)
}

/// Enrols these leads by id (the REST API's enrolment): the report says how many were added
/// and why the others were not.
pub async fn enroll_ids(engine: &Engine, access: &Access, id: CampaignId, leads: &[uuid::Uuid]) -> Result<domain::leads::EnrolReport> {
    let ws = access.workspace;
    let (mut tx, _) = open_for_enrolment(engine, access, id).await?;
    let done = campaigns::enroll_ids(&mut tx, ws, id, leads).await?;
    let mut skipped = Vec::new();
    for (reason, n) in [
        ("not a lead of this workspace", done.asked - done.found),
        ("finished: converted, not interested, unsubscribed, bounced, suppressed or exhausted", done.finished),
        ("already in this campaign", done.found - done.finished - done.enrolled),
    ] {
        if n > 0 {
            skipped.push((reason.to_string(), n as u64));
        }
    }
    let report = domain::leads::EnrolReport { enrolled: done.enrolled as u64, skipped };
    audit(&mut tx, access, "campaign.enroll", id, None, Some(json!({ "added": report.enrolled, "lead_ids": leads.len() }))).await?;
    tx.commit().await?;
    Ok(report)
}

/// Enrols the revival candidates matching the Leads page's filter (issue 11 §7) "with new copy":
/// the enrolment is marked so drafting writes to them only with templates they were not sent
/// (a new angle first, `domain::guard::unsent_copy`). Like any enrolment it respects the
/// campaign's state and [`MAX_ENROL`]; on top of that a lead is left out, with the reason
/// counted, when it has no address, is suppressed (address, domain or company domain, the
/// workspace's list or the platform's), is still in another campaign's cadence, was in this
/// campaign before (its steps there are spent), or has already been sent every template of
/// the campaign's first email. Members and above; audited.
pub async fn enroll_revival(engine: &Engine, access: &Access, id: CampaignId, filter: &LeadFilter) -> Result<domain::leads::EnrolReport> {
    let ws = access.workspace;
    let (mut tx, campaign) = open_for_enrolment(engine, access, id).await?;
    let first_email = campaign.settings.cadence.steps().iter().find(|s| s.channel == domain::score::Channel::Email).map(|s| s.action);
    let Some(first_email) = first_email else {
        return Err(Error::Invalid("this campaign has no email step, so it cannot send revived leads new copy".into()));
    };
    let candidates = campaigns::revival_candidates(&mut tx, ws, id, filter, MAX_ENROL).await?;
    let ids: Vec<uuid::Uuid> = candidates.iter().map(|c| c.id).collect();
    let received = crate::store::drafts::copy_received(&mut *tx, ws, &ids).await?;
    let templates: Vec<(&str, &str)> = crate::drafting::candidates(first_email).iter().map(|t| (t.id, t.angle)).collect();
    let mut skipped: std::collections::BTreeMap<&'static str, u64> = Default::default();
    let mut take = Vec::new();
    for c in &candidates {
        let got = received.get(&c.id).cloned().unwrap_or_default();
        let why = if c.email.is_none() {
            Some("without an email address")
        } else if c.suppressed {
            Some("suppressed")
        } else if c.here.is_some() {
            Some("in this campaign before")
        } else if c.elsewhere {
            Some("still in another campaign")
        } else if domain::guard::unsent_copy(&templates, &got.templates, &got.angles).is_empty() {
            Some("already sent every first email of this campaign")
        } else {
            None
        };
        match why {
            Some(w) => *skipped.entry(w).or_default() += 1,
            None => take.push(c.id),
        }
    }
    let enrolled = campaigns::enroll_revival(&mut tx, ws, id, &take).await?;
    let mut skipped: Vec<(String, u64)> = skipped.into_iter().map(|(r, n)| (r.to_string(), n)).collect();
    skipped.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let report = domain::leads::EnrolReport { enrolled, skipped };
    audit(&mut tx, &access, "campaign.enroll_revival", id, None, Some(json!({ "enrolled": report.enrolled, "skipped": report.skipped, "filter": filter }))).await?;
    tx.commit().await?;
    Ok(report)
}
