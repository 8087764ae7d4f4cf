//! Budgets and alerts (SPEC §13). A scheduled job ([`evaluate`], every minute) judges every
//! workspace's conditions (`domain::alerts`), opens one alert per condition that holds, raises
//! its level, resolves what cleared, and announces what is owed: in the app at once (the alert
//! list), on the workspace's Slack webhook and by email to its owners and admins — once, and a
//! critical alert again every half hour until someone acknowledges it. A channel that fails is
//! recorded on the alert (our words) and tried at the next announcement; it never holds up the
//! alert list or another workspace.

use crate::auth::Access;
use crate::flows::notify::{post_slack, send_email, slack_url};
use crate::store::{alerts, audit, memberships, notifications, workspaces};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Utc};
use domain::account::{Action, Role};
use domain::alerts::{announce_due, AlertNotice, AlertView, Announced, BudgetStatus, Budgets};
use domain::ids::WorkspaceId;
use serde_json::json;
use uuid::Uuid;

/// What one evaluation did, summed over workspaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Evaluated {
    pub fired: u32,
    pub raised: u32,
    pub resolved: u32,
    pub announced: u32,
    pub failed_workspaces: u32,
}

/// Judges every live workspace at `now`. A workspace whose evaluation fails is logged and
/// counted; the others go on.
pub async fn evaluate(engine: &Engine, now: DateTime<Utc>) -> Result<Evaluated> {
    let mut total = Evaluated::default();
    for ws in alerts::workspaces(engine.owner_pool()).await? {
        match evaluate_workspace(engine, ws, now).await {
            Ok(e) => {
                total.fired += e.fired;
                total.raised += e.raised;
                total.resolved += e.resolved;
                total.announced += e.announced;
            }
            Err(e) => {
                tracing::error!(workspace = %ws, error = %e, "evaluating the workspace's alerts failed");
                total.failed_workspaces += 1;
            }
        }
    }
    Ok(total)
}

/// Judges one workspace at `now`.
pub async fn evaluate_workspace(engine: &Engine, ws: WorkspaceId, now: DateTime<Utc>) -> Result<Evaluated> {
    let mut done = Evaluated::default();
    // Reads the platform switch and the job queue: the owner, keyed by the workspace.
    let inputs = alerts::inputs(engine.owner_pool(), ws, now).await?;
    let holding = domain::alerts::conditions(&inputs);
    let mut tx = engine.tenant(ws).await?;
    let open = alerts::open(&mut tx, ws).await?;
    for c in &holding {
        match open.iter().find(|a| a.condition == c.key) {
            Some(a) => {
                if alerts::refresh(&mut tx, ws, a.id, c).await? {
                    done.raised += 1;
                }
            }
            None => {
                if alerts::fire(&mut tx, ws, c, now).await?.is_some() {
                    done.fired += 1;
                }
            }
        }
    }
    let keys: Vec<String> = holding.iter().map(|c| c.key.clone()).collect();
    done.resolved = alerts::resolve_cleared(&mut tx, ws, &keys, now).await? as u32;
    let owed: Vec<alerts::Alert> = alerts::open(&mut tx, ws)
        .await?
        .into_iter()
        .filter(|a| announce_due(Announced { level: a.level(), acknowledged: a.acknowledged_at.is_some(), last_notified: a.notified_at }, now))
        .collect();
    tx.commit().await?;
    for a in owed {
        if announce(engine, ws, &a, now).await? {
            done.announced += 1;
        }
    }
    Ok(done)
}

/// Announces one alert on every configured channel and records what failed; false when
/// another process took this turn.
async fn announce(engine: &Engine, ws: WorkspaceId, a: &alerts::Alert, now: DateTime<Utc>) -> Result<bool> {
    let mut tx = engine.tenant(ws).await?;
    let mine = alerts::claim_announcement(&mut tx, ws, a.id, a.notified_at, now).await?;
    tx.commit().await?;
    if !mine {
        return Ok(false);
    }
    let mut db = engine.tenant(ws).await?;
    let name = workspaces::name(&mut db, ws).await?.unwrap_or_default();
    let settings = notifications::settings(&mut *db, ws).await?;
    let members = if settings.email_owners { memberships::list(&mut db, ws).await? } else { Vec::new() };
    drop(db);
    let link = format!("{}/w/{ws}", engine.settings.public_url.trim_end_matches('/'));
    let notice = AlertNotice { workspace: &name, level: a.level(), title: &a.title, detail: &a.detail, link: &link, repeat: a.notify_count };
    let mut failures: Vec<String> = Vec::new();
    match slack_url(engine, ws).await {
        Ok(Some(url)) => {
            if let Err(f) = post_slack(engine, &url, &notice.slack_text()).await {
                failures.push(format!("Slack: {}", f.why()));
            }
        }
        Ok(None) => {}
        Err(e) => failures.push(format!("Slack: {e}")),
    }
    if let Some(mail) = &engine.settings.notify_mail {
        let to: Vec<String> = members.into_iter().filter(|m| matches!(m.role, Role::Owner | Role::Admin)).map(|m| m.email).collect();
        if !to.is_empty() {
            if let Err(f) = send_email(mail, &to, &notice.subject(), &notice.email_text()).await {
                failures.push(format!("email: {}", f.why()));
            }
        }
    }
    if !failures.is_empty() {
        tracing::warn!(workspace = %ws, alert = %a.id, failures = %failures.join("; "), "an alert announcement failed on a channel");
    }
    let mut tx = engine.tenant(ws).await?;
    alerts::set_notify_error(&mut tx, ws, a.id, (!failures.is_empty()).then(|| failures.join("; ")).as_deref()).await?;
    tx.commit().await?;
    Ok(true)
}

/// The workspace's alerts for the app: open ones first, then those resolved this week.
pub async fn list(engine: &Engine, access: &Access) -> Result<Vec<AlertView>> {
    access.require(Action::ViewWorkspace)?;
    let rows = alerts::list(&mut *access.tenant(engine).await?, access.workspace, 50).await?;
    Ok(rows
        .into_iter()
        .map(|a| AlertView {
            id: a.id,
            level: a.level(),
            title: a.title,
            detail: a.detail,
            fired_at: a.fired_at,
            acknowledged_at: a.acknowledged_at,
            acknowledged_by: a.acknowledged_by_name,
            resolved_at: a.resolved_at,
            resolved_by: a.resolved_by_name,
            announcements: a.notify_count,
            notify_error: a.notify_error,
        })
        .collect())
}

/// The budgets against today's and this month's spend (UTC), for the Dashboard.
pub async fn budget_status(engine: &Engine, access: &Access, now: DateTime<Utc>) -> Result<BudgetStatus> {
    access.require(Action::ViewWorkspace)?;
    let mut db = access.tenant(engine).await?;
    let budgets = alerts::budgets(&mut db, access.workspace).await?;
    let (spend_today, spend_month) = alerts::spend(&mut db, access.workspace, now).await?;
    Ok(BudgetStatus { budgets, spend_today, spend_month })
}

/// A person acknowledges an open alert: it stops repeating.
pub async fn acknowledge(engine: &Engine, access: &Access, id: Uuid) -> Result<()> {
    handle(engine, access, id, alerts::Handling::Acknowledge).await
}

/// A person resolves an open alert (a condition that still holds opens a new one at the next
/// evaluation).
pub async fn resolve(engine: &Engine, access: &Access, id: Uuid) -> Result<()> {
    handle(engine, access, id, alerts::Handling::Resolve).await
}

async fn handle(engine: &Engine, access: &Access, id: Uuid, how: alerts::Handling) -> Result<()> {
    access.require(Action::HandleAlerts)?;
    let ws = access.workspace;
    let (action, missing) = match how {
        alerts::Handling::Acknowledge => ("alert.acknowledge", "open, unacknowledged alert"),
        alerts::Handling::Resolve => ("alert.resolve", "open alert"),
    };
    let mut tx = access.tenant(engine).await?;
    if !alerts::handle(&mut tx, ws, id, access.user, Utc::now(), how).await? {
        return Err(Error::NotFound(missing));
    }
    audit::record(&mut tx, audit::Record { workspace: Some(ws), actor: Some(access.user), action, target_type: "alert", target_id: Some(id.to_string()), before: None, after: None }).await?;
    tx.commit().await?;
    Ok(())
}

/// The workspace's budgets.
pub async fn budgets(engine: &Engine, access: &Access) -> Result<Budgets> {
    access.require(Action::ViewWorkspace)?;
    alerts::budgets(&mut *access.tenant(engine).await?, access.workspace).await
}

/// Sets the budgets (owner or admin; audited with before and after).
pub async fn set_budgets(engine: &Engine, access: &Access, b: Budgets) -> Result<Budgets> {
    access.require(Action::SetBudgets)?;
    let ws = access.workspace;
    let mut tx = access.tenant(engine).await?;
    let before = alerts::set_budgets(&mut tx, ws, b).await?;
    if before != b {
        let shown = |b: Budgets| json!({ "daily_cents": b.daily_cents, "monthly_cents": b.monthly_cents });
        audit::record(
            &mut tx,
            audit::Record { workspace: Some(ws), actor: Some(access.user), action: "workspace.budgets", target_type: "workspace", target_id: Some(ws.to_string()), before: Some(shown(before)), after: Some(shown(b)) },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(b)
}
