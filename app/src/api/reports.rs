//! Reports: the page's figures for a range and filters, the filter choices, and the KPI targets.

use crate::error::AppError;
use domain::reports::{KpiTargets, Report, ReportOptions, ReportQuery};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::inbox::access;
#[cfg(feature = "ssr")]
use super::ssr::respond;
#[cfg(feature = "ssr")]
use domain::account::Action;

/// The report. `preset` is a number of days ending today (7, 30, 90); 0 takes the custom range
/// in `query`. Today is the server's UTC day.
#[server(prefix = "/api", endpoint = "load_report")]
pub async fn load_report(workspace: String, preset: u16, #[server(default)] query: ReportQuery) -> Result<Report, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        let invalid = |e: domain::reports::QueryError| AppError::new(422, e.to_string());
        let (range, filters) = if preset > 0 {
            (domain::reports::DateRange::last_days(chrono::Utc::now().date_naive(), preset), query.filters().map_err(invalid)?)
        } else {
            query.parse().map_err(invalid)?
        };
        Ok(engine::flows::reports::report(&engine, &access, range, filters).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "report_filter_options")]
pub async fn report_filter_options(workspace: String) -> Result<ReportOptions, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::reports::options(&engine, &access).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "report_targets")]
pub async fn report_targets(workspace: String) -> Result<KpiTargets, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::ViewWorkspace).await?;
        Ok(engine::flows::reports::targets(&engine, &access).await?)
    })
    .await
}

/// Saves the targets, given in percent as people type them.
#[server(prefix = "/api", endpoint = "save_report_targets")]
pub async fn save_report_targets(workspace: String, open: f64, reply: f64, bounce: f64, icp: f64, booking: f64) -> Result<KpiTargets, AppError> {
    respond(async {
        let (engine, access) = access(&workspace, Action::SetReportTargets).await?;
        let current = engine::flows::reports::targets(&engine, &access).await?;
        let t = KpiTargets { open_rate: open / 100.0, reply_rate: reply / 100.0, bounce_rate: bounce / 100.0, icp_match_rate: icp / 100.0, booking_rate: booking / 100.0, ..current }
            .validated()
            .map_err(|e| AppError::new(422, e.to_string()))?;
        engine::flows::reports::set_targets(&engine, &access, t).await?;
        Ok(t)
    })
    .await
}
