//! `/reports/summary`: the Reports page's totals, KPIs and funnel for a date range.

use super::{query, strict_date, strict_uuid, ApiError, ApiKey, ErrorBody};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{Duration, NaiveDate, Utc};
use domain::ids::CampaignId;
use domain::reports::{DateRange, FunnelStep, Kpi, ReportCounts, ReportFilters, MAX_RANGE_DAYS};
use engine::Engine;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Days a summary covers when `from` is not given.
const DEFAULT_DAYS: i64 = 30;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// First day, included (default: 29 days before `to`).
    #[param(value_type = Option<NaiveDate>)]
    from: Option<String>,
    /// Last day, included (default: today, UTC).
    #[param(value_type = Option<NaiveDate>)]
    to: Option<String>,
    /// Only this campaign's messages.
    #[param(value_type = Option<uuid::Uuid>)]
    campaign: Option<String>,
}

/// Spend in the range, in AUD ten-thousandths (1 AUD = 10,000).
#[derive(Debug, Serialize, ToSchema)]
pub struct SpendSummary {
    pub total: i64,
    pub per_reply: Option<i64>,
    pub per_meeting: Option<i64>,
    pub credits_remaining: i64,
}

/// The figures of a date range, as the Reports page shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportSummary {
    /// The range reported on, after any adjustment.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Why the range differs from the one asked for (reversed, or longer than 366 days).
    pub adjusted: Option<String>,
    pub campaign: Option<CampaignId>,
    /// The counts behind every KPI: messages sent, and leads replying, booking, … (each once).
    pub totals: ReportCounts,
    /// Each KPI with its numerator, denominator, target and status.
    pub kpis: Vec<Kpi>,
    /// Leads reaching each stage, each counted once.
    pub funnel: Vec<FunnelStep>,
    pub spend: SpendSummary,
}

/// The range to report on: the one asked for, or the nearest one a report can cover, with why.
fn range_of(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> (DateRange, Option<String>) {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to.checked_sub_signed(Duration::days(DEFAULT_DAYS - 1)).unwrap_or(to));
    let (from, to, mut why) = if from > to { (to, from, Some("from was after to: the dates were swapped".to_string())) } else { (from, to, None) };
    let longest = Duration::days(MAX_RANGE_DAYS - 1);
    let from = if to - from > longest {
        why = Some(format!("a report covers at most {MAX_RANGE_DAYS} days: it starts {MAX_RANGE_DAYS} days before its end"));
        to - longest
    } else {
        from
    };
    (DateRange::new(from, to).expect("an ordered range of at most MAX_RANGE_DAYS"), why)
}

/// Totals, KPIs, funnel and spend for a date range (and a campaign).
#[utoipa::path(
    get, path = "/reports/summary", tag = "reports", operation_id = "reportSummary",
    params(SummaryParams),
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The figures; `adjusted` says if the range was changed to one a report can cover", body = ReportSummary),
        (status = 400, description = "A query value is malformed", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked API key", body = ErrorBody),
        (status = 403, description = "The key's creator is no longer a member of the workspace", body = ErrorBody),
        (status = 404, description = "`campaign` is not a campaign of this workspace", body = ErrorBody),
    )
)]
pub async fn report_summary(
    ApiKey(caller): ApiKey,
    State(engine): State<Engine>,
    params: Result<Query<SummaryParams>, QueryRejection>,
) -> Result<Json<ReportSummary>, ApiError> {
    let p = query(params)?;
    let from = p.from.as_deref().map(|d| strict_date("from", d)).transpose()?;
    let to = p.to.as_deref().map(|d| strict_date("to", d)).transpose()?;
    let campaign = p.campaign.as_deref().map(|c| strict_uuid("campaign", c)).transpose()?.map(CampaignId);
    let access = caller.access(&engine).await?;
    if let Some(c) = campaign {
        engine::flows::campaigns::get(&engine, &access, c).await?;
    }
    let (range, adjusted) = range_of(from, to, Utc::now().date_naive());
    let report = engine::flows::reports::report(&engine, &access, range, ReportFilters { campaign, ..Default::default() }).await?;
    Ok(Json(ReportSummary {
        from: range.from(),
        to: range.to(),
        adjusted,
        campaign,
        totals: report.totals,
        kpis: report.kpis,
        funnel: report.funnel,
        spend: SpendSummary {
            total: report.costs.total,
            per_reply: report.costs.per_reply,
            per_meeting: report.costs.per_meeting,
            credits_remaining: report.costs.credits_remaining,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn any_pair_of_dates_gives_a_range_a_report_can_cover_and_says_why_it_changed() {
        let today = d("2026-12-06");
        let (r, why) = range_of(None, None, today);
        assert_eq!((r.from(), r.to(), why), (d("2026-11-07"), today, None));
        let (r, why) = range_of(Some(d("2026-12-01")), Some(d("2026-11-01")), today);
        assert_eq!((r.from(), r.to()), (d("2026-11-01"), d("2026-12-01")));
        assert!(why.unwrap().contains("swapped"));
        let (r, why) = range_of(Some(d("0001-01-01")), Some(d("9999-12-31")), today);
        assert_eq!((r.from(), r.to()), (d("9998-12-31"), d("9999-12-31")));
        assert!(why.unwrap().contains("366"));
        let (r, _) = range_of(None, Some(d("0001-01-05")), today);
        assert!(r.from() < r.to());
    }
}
