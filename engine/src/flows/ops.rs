//! The operator's console (`/ops`, SPEC §1): every workspace with its plan, status, usage and
//! last activity, and the platform-wide emergency stop. Only users flagged operator reach it;
//! anyone else is told it does not exist (`NotFound`). Every access is audited (`ops.view`,
//! no workspace), and the console changes nothing but the stop switch.

use crate::store::{audit, ops, users};
use crate::{Engine, Error, Result};
use domain::ids::UserId;
use domain::plans::{OpsOverview, OpsWorkspace, SubscriptionStatus, Tier};
use serde_json::json;

/// How many workspaces the console lists.
const MAX_LISTED: i64 = 2_000;

/// The gate: an operator, else "not found" (the console's existence is not advertised).
pub async fn require_operator(engine: &Engine, user: UserId) -> Result<()> {
    if users::is_operator(engine.owner_pool(), user).await? {
        Ok(())
    } else {
        Err(Error::NotFound("page"))
    }
}

pub async fn overview(engine: &Engine, user: UserId) -> Result<OpsOverview> {
    require_operator(engine, user).await?;
    let mut tx = engine.across_tenants().await?;
    let rows = ops::workspaces(&mut tx, MAX_LISTED).await?;
    let (emergency_stop, stop_reason) = crate::store::sending::platform_stop(&mut *tx).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: None,
            actor: Some(user),
            action: "ops.view",
            target_type: "platform",
            target_id: None,
            before: None,
            after: Some(json!({ "workspaces": rows.len() })),
        },
    )
    .await?;
    tx.commit().await?;
    let plans = &engine.settings.plans;
    let workspaces = rows
        .into_iter()
        .map(|r| {
            let tier: Tier = r.plan.parse().unwrap_or(Tier::Ignition);
            let terms = plans.terms(tier);
            OpsWorkspace {
                id: r.id.to_string(),
                name: r.name,
                tier,
                status: r.subscription_status.parse().unwrap_or(SubscriptionStatus::Paused),
                lead_pool: terms.lead_pool,
                credits_remaining: i64::from(r.credits_remaining),
                leads: r.leads,
                active_campaigns: u32::try_from(r.active_campaigns).unwrap_or(u32::MAX),
                campaign_limit: terms.active_campaigns,
                last_activity: r.last_activity,
            }
        })
        .collect();
    Ok(OpsOverview {
        workspaces,
        emergency_stop,
        stop_reason,
    })
}

/// The platform-wide emergency stop from the console: the CLI's flow, audited with the operator.
pub async fn emergency_stop(engine: &Engine, user: UserId, on: bool, reason: Option<&str>) -> Result<(bool, Option<String>)> {
    require_operator(engine, user).await?;
    if on && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::Invalid("say why you stop every workspace's sending (it is shown to them)".into()));
    }
    crate::flows::sending::set_platform_stop_by(engine, Some(user), on, reason).await
}
