//! Budgets and alerts: the workspace's alert list (acknowledge, resolve) and its budgets.

use crate::error::AppError;
use domain::alerts::{AlertView, BudgetStatus};
use leptos::prelude::*;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::inbox::access;
#[cfg(feature = "ssr")]
use super::ssr::respond;
#[cfg(feature = "ssr")]
use domain::account::Action;

/// Open alerts first (critical first), then those resolved in the last 7 days.
#[server(prefix = "/api", endpoint = "list_alerts")]
pub async fn list_alerts(workspace: String) -> Result<Vec<AlertView>, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::alerts::list(&engine, &access).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "acknowledge_alert")]
pub async fn acknowledge_alert(workspace: String, id: Uuid) -> Result<(), AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::HandleAlerts).await?;
        Ok(engine::flows::alerts::acknowledge(&engine, &access, id).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "resolve_alert")]
pub async fn resolve_alert(workspace: String, id: Uuid) -> Result<(), AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::HandleAlerts).await?;
        Ok(engine::flows::alerts::resolve(&engine, &access, id).await?)
    })
    .await
}

/// The budgets with today's and this month's spend.
#[server(prefix = "/api", endpoint = "get_budget_status")]
pub async fn get_budget_status(workspace: String) -> Result<BudgetStatus, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::alerts::budget_status(&engine, &access, chrono::Utc::now()).await?)
    })
    .await
}

/// Sets the budgets from what was typed ("" for none); owner or admin.
#[server(prefix = "/api", endpoint = "set_budgets")]
pub async fn set_budgets(workspace: String, daily: String, monthly: String) -> Result<(), AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::SetBudgets).await?;
        let budgets = domain::alerts::Budgets::parse(&daily, &monthly).map_err(|e| engine::Error::Invalid(e.to_string()))?;
        engine::flows::alerts::set_budgets(&engine, &access, budgets).await?;
        Ok(())
    })
    .await
}
