//! CSV downloads of the Reports page's tables, the lead list and a campaign's messages (SPEC §15): plain GET routes
//! authorised like every workspace route (session → membership → role), so a link works without
//! JavaScript and a spreadsheet opens the file directly.
//!
//! The lead list is streamed page by page (`engine::flows::reports::leads_csv`): 100,000 leads
//! never sit in memory at once.

use crate::uploads::{caller, fail, workspace};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::account::Action;
use domain::reports::{ReportQuery, ReportTable};
use engine::Engine;
use tower_sessions::Session;

const CSV: &str = "text/csv; charset=utf-8";

async fn access(engine: &Engine, session: &Session, ws: &str) -> Result<engine::auth::Access, engine::Error> {
    engine::auth::authorize(engine, caller(session).await?, workspace(ws)?, Action::ViewWorkspace).await
}

fn attachment(filename: String) -> [(header::HeaderName, String); 3] {
    [
        (header::CONTENT_TYPE, CSV.to_string()),
        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
        // a report is the workspace's private figures
        (header::CACHE_CONTROL, "private, no-store".to_string()),
    ]
}

/// `GET /w/{ws}/reports/export/{table}?from=&to=&campaign=&channel=&mailbox=`
pub async fn report_table(State(state): State<AppState>, session: Session, Path((ws, table)): Path<(String, String)>, Query(q): Query<ReportQuery>) -> Response {
    let engine = state.engine;
    let result = async {
        let access = access(&engine, &session, &ws).await?;
        let table = ReportTable::parse(table.trim_end_matches(".csv")).ok_or(engine::Error::NotFound("report table"))?;
        let (range, filters) = q.parse().map_err(|e| engine::Error::Invalid(e.to_string()))?;
        let csv = engine::flows::reports::table_csv(&engine, &access, range, filters, table).await?;
        Ok::<_, engine::Error>((table, range, csv))
    }
    .await;
    match result {
        Ok((table, range, csv)) => (attachment(format!("report-{}-{}-{}.csv", table.slug(), range.from(), range.to())), csv).into_response(),
        Err(e) => fail(e),
    }
}

/// `GET /w/{ws}/leads/export?q=&status=&tier=&source=&sort=`: the leads table's filters, every
/// matching lead (not one page).
pub async fn leads(State(state): State<AppState>, session: Session, Path(ws): Path<String>, Query(q): Query<app::api::leads::LeadQuery>) -> Response {
    let engine = state.engine;
    let result = async {
        let access = access(&engine, &session, &ws).await?;
        let (filter, _, _) = app::api::leads::filter_of(&q).map_err(|e| engine::Error::Invalid(e.message))?;
        Ok::<_, engine::Error>(engine::flows::reports::leads_csv(&engine, &access, filter))
    }
    .await;
    match result {
        Ok(stream) => (attachment("leads.csv".into()), Body::from_stream(stream)).into_response(),
        Err(e) => fail(e),
    }
}

/// `GET /w/{ws}/campaigns/{id}/messages.csv`: every message of the campaign with its state,
/// send, bounce, complaint and whether the lead replied after it.
pub async fn campaign_messages(State(state): State<AppState>, session: Session, Path((ws, id)): Path<(String, String)>) -> Response {
    let engine = state.engine;
    let result = async {
        let access = access(&engine, &session, &ws).await?;
        let campaign = id.trim_end_matches(".csv").parse::<uuid::Uuid>().map_err(|_| engine::Error::NotFound("campaign"))?;
        engine::flows::reports::campaign_messages_csv(&engine, &access, domain::ids::CampaignId(campaign)).await
    }
    .await;
    match result {
        Ok(stream) => (attachment("campaign-messages.csv".into()), Body::from_stream(stream)).into_response(),
        Err(e) => fail(e),
    }
}
