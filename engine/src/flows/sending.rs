//! Going live and stopping (SPEC §10.1–10.2). A workspace starts in shadow mode; an owner or
//! admin takes it live by typing its name, and can send it back to shadow. The emergency stop
//! (per workspace here, platform-wide from the command line) is one switch that the dispatcher
//! reads immediately before every provider call, so it holds the very next send. Every change
//! is audited with the state before and after.

use crate::auth::Access;
use crate::store::sending::{self, Switches};
use crate::store::{audit, workspaces};
use chrono::{NaiveDate, Utc};
use domain::allocate::{RampMode, RampOverview, WorkspaceSending};
use domain::score::{Tier, TierSet};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::{UserId, WorkspaceId};
use domain::sending::SendingState;
use serde_json::json;

async fn state(engine: &Engine, ws: WorkspaceId, s: Switches, can_manage: bool) -> Result<SendingState> {
    Ok(SendingState {
        shadow_mode: s.shadow_mode,
        paused: s.sending_paused,
        paused_reason: s.sending_paused_reason,
        platform_stop: s.platform_stop,
        platform_stop_reason: s.platform_stop_reason,
        sendable_mailboxes: s.sendable_mailboxes,
        can_manage,
        confirm_text: s.name,
        ramp: ramp_overview(engine, ws, Utc::now().date_naive()).await?,
    })
}

/// Ramp mode as the banner shows it, while the workspace ramps.
async fn ramp_overview(engine: &Engine, ws: WorkspaceId, today: NaiveDate) -> Result<Option<RampOverview>> {
    let mut tx = engine.tenant(ws).await?;
    let overview = match workspaces::sending_mode(&mut *tx, ws, today).await? {
        Some(mode @ WorkspaceSending::Ramp(r)) => {
            let clean = workspaces::clean_ramp_days(&mut *tx, ws, r.started_on, today).await?;
            let sent_today = workspaces::ramp_sent_today(&mut *tx, ws, today).await?;
            Some(RampOverview { mode: r, status: mode.status(today, clean), sent_today })
        }
        _ => None,
    };
    tx.commit().await?;
    Ok(overview)
}

fn snapshot(s: &Switches) -> serde_json::Value {
    json!({ "shadow_mode": s.shadow_mode, "sending_paused": s.sending_paused, "reason": s.sending_paused_reason })
}

/// What every member sees: shadow or live, stopped or not, and whether they may change it.
pub async fn get(engine: &Engine, access: &Access) -> Result<SendingState> {
    access.require(Action::ViewWorkspace)?;
    let s = sending::switches(&mut *access.tenant(engine).await?, access.workspace).await?.ok_or(Error::NotFound("workspace"))?;
    state(engine, access.workspace, s, access.role.can(Action::GoLive)).await
}

/// Changes the switches under a row lock and audits the change; `change` says what to do
/// given the current switches, or refuses.
async fn switch(
    engine: &Engine,
    access: &Access,
    action: &str,
    change: impl FnOnce(&Switches) -> Result<Option<(bool, bool, Option<String>)>>,
) -> Result<SendingState> {
    access.require(Action::GoLive)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let before = sending::switches_for_update(&mut tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    // None: already as asked; nothing is written or audited.
    if let Some((shadow, paused, reason)) = change(&before)? {
        sending::set_shadow_mode(&mut tx, ws, shadow).await?;
        sending::set_paused(&mut tx, ws, paused, reason.as_deref()).await?;
        let after = sending::switches(&mut *tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
        audit_change(&mut tx, access.user, ws, action, snapshot(&before), snapshot(&after)).await?;
        tracing::warn!(workspace = %ws, action, "sending switch changed");
    }
    let s = sending::switches(&mut *tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    tx.commit().await?;
    state(engine, ws, s, true).await
}

/// Audits a change of the workspace's sending switches or ramp, with the state before and after.
async fn audit_change(tx: &mut sqlx::PgConnection, user: UserId, ws: WorkspaceId, action: &str, before: serde_json::Value, after: serde_json::Value) -> Result<()> {
    let record = audit::Record {
        workspace: Some(ws),
        actor: Some(user),
        action,
        target_type: "workspace",
        target_id: Some(ws.to_string()),
        before: Some(before),
        after: Some(after),
    };
    audit::record(tx, record).await
}

/// Leaves shadow mode: messages are sent for real from the next dispatch round. `confirmation`
/// must be the workspace's name as typed; a workspace without a mailbox that can send is refused.
pub async fn go_live(engine: &Engine, access: &Access, confirmation: &str) -> Result<SendingState> {
    switch(engine, access, "sending.go_live", |s| {
        if confirmation.trim() != s.name.trim() {
            return Err(Error::Invalid(format!("type the workspace name \"{}\" exactly to confirm going live", s.name)));
        }
        if s.sendable_mailboxes == 0 {
            return Err(Error::Conflict("add a mailbox that is not paused before going live (Settings → Mailboxes)".into()));
        }
        Ok(s.shadow_mode.then(|| (false, s.sending_paused, s.sending_paused_reason.clone())))
    })
    .await
}

/// Back to shadow mode: nothing more is sent for real; due messages are stored as shadow.
pub async fn back_to_shadow(engine: &Engine, access: &Access) -> Result<SendingState> {
    switch(engine, access, "sending.back_to_shadow", |s| Ok((!s.shadow_mode).then(|| (true, s.sending_paused, s.sending_paused_reason.clone())))).await
}

/// The workspace's emergency stop: holds every send until resumed.
pub async fn pause_sending(engine: &Engine, access: &Access, reason: &str) -> Result<SendingState> {
    let reason = reason.trim();
    if reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        return Err(Error::Invalid("the reason must be at most 200 characters on one line".into()));
    }
    let reason = if reason.is_empty() { "stopped from the app".to_string() } else { reason.to_string() };
    switch(engine, access, "sending.stop", move |s| Ok((!s.sending_paused).then(|| (s.shadow_mode, true, Some(reason))))).await
}

pub async fn resume_sending(engine: &Engine, access: &Access) -> Result<SendingState> {
    switch(engine, access, "sending.resume", |s| Ok(s.sending_paused.then(|| (s.shadow_mode, false, None)))).await
}

/// Starts ramp mode (SPEC §6): from today at most `daily_limit` live sends a day, only to leads
/// of `tiers`, for at least `supervised_days` clean days before it may graduate. Replaces a
/// ramp already running (its days start again). Owner/admin; audited.
pub async fn start_ramp(engine: &Engine, access: &Access, daily_limit: u32, tiers: &[Tier], supervised_days: u32, today: NaiveDate) -> Result<SendingState> {
    let ramp = RampMode::new(daily_limit, TierSet::of(tiers), supervised_days, today).map_err(|e| Error::Invalid(e.to_string()))?;
    change_ramp(engine, access, "sending.ramp_start", today, move |_, _| Ok(WorkspaceSending::Ramp(ramp))).await
}

/// Leaves ramp mode once enough clean supervised days are done: the graduated daily limit applies.
pub async fn graduate(engine: &Engine, access: &Access, today: NaiveDate) -> Result<SendingState> {
    change_ramp(engine, access, "sending.ramp_graduate", today, |mode, clean| match mode {
        Some(m @ WorkspaceSending::Ramp(_)) => m.graduate(clean).map_err(|e| Error::Conflict(format!("not ready to graduate: {e}"))),
        _ => Err(Error::Conflict("the workspace is not in ramp mode".into())),
    })
    .await
}

/// Ends ramp mode at once, without graduating: only the mailboxes' own caps apply.
pub async fn leave_ramp(engine: &Engine, access: &Access, today: NaiveDate) -> Result<SendingState> {
    change_ramp(engine, access, "sending.ramp_leave", today, |mode, _| match mode {
        Some(WorkspaceSending::Ramp(_)) => Ok(WorkspaceSending::Graduated { daily_limit: None }),
        _ => Err(Error::Conflict("the workspace is not in ramp mode".into())),
    })
    .await
}

async fn change_ramp(
    engine: &Engine,
    access: &Access,
    action: &str,
    today: NaiveDate,
    change: impl FnOnce(Option<WorkspaceSending>, u32) -> Result<WorkspaceSending>,
) -> Result<SendingState> {
    access.require(Action::GoLive)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    sending::switches_for_update(&mut tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    let before = workspaces::sending_mode(&mut *tx, ws, today).await?;
    let clean = match before {
        Some(WorkspaceSending::Ramp(r)) => workspaces::clean_ramp_days(&mut *tx, ws, r.started_on, today).await?,
        _ => 0,
    };
    let after = change(before, clean)?;
    workspaces::set_sending_mode(&mut tx, ws, Some(&after)).await?;
    audit_change(&mut tx, access.user, ws, action, json!(before), json!(after)).await?;
    let s = sending::switches(&mut *tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    tx.commit().await?;
    state(engine, ws, s, true).await
}

/// The platform-wide stop (`agency-os emergency-stop on|off`): the operator's switch, outside
/// any workspace, audited without a workspace.
pub async fn set_platform_stop(engine: &Engine, on: bool, reason: Option<&str>) -> Result<(bool, Option<String>)> {
    set_platform_stop_by(engine, None, on, reason).await
}

/// As [`set_platform_stop`], audited with the operator who pressed it (the `/ops` console).
pub async fn set_platform_stop_by(engine: &Engine, actor: Option<domain::ids::UserId>, on: bool, reason: Option<&str>) -> Result<(bool, Option<String>)> {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 200) {
        return Err(Error::Invalid("the reason must be at most 200 characters".into()));
    }
    let reason = if on { Some(reason.unwrap_or("stopped by the operator")) } else { None };
    let mut tx = engine.across_tenants().await?;
    let before = sending::platform_stop(&mut *tx).await?;
    sending::set_platform_stop(&mut *tx, on, reason).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: None,
            actor,
            action: if on { "platform.emergency_stop" } else { "platform.emergency_stop_lifted" },
            target_type: "platform",
            target_id: None,
            before: Some(json!({ "emergency_stop": before.0, "reason": before.1 })),
            after: Some(json!({ "emergency_stop": on, "reason": reason })),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(on, "platform emergency stop changed");
    sending::platform_stop(engine.owner_pool()).await
}
