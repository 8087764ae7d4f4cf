//! Leads: the table, one lead, import progress, scoring.

use crate::error::AppError;
use domain::leads::{ImportView, LeadDetail, LeadPage};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;
#[cfg(feature = "ssr")]
use domain::account::Action;

/// The query a leads table sends; every field is optional text straight from the URL so a
/// hand-edited URL gets a clear error instead of a crash.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LeadQuery {
    pub q: Option<String>,
    pub status: Option<String>,
    pub tier: Option<String>,
    pub source: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub import: Option<String>,
}

#[cfg(feature = "ssr")]
pub fn filter_of(q: &LeadQuery) -> Result<(domain::leads::LeadFilter, domain::leads::Sort, domain::leads::PageRequest), AppError> {
    use domain::leads::*;
    let bad = |what: &str, v: &str| AppError::new(422, format!("Unknown {what} \"{v}\""));
    let nonempty = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let mut filter = LeadFilter::default();
    if let Some(s) = nonempty(&q.status) {
        filter.status = Some(s.parse().map_err(|_| bad("status", &s))?);
    }
    if let Some(t) = nonempty(&q.tier) {
        filter.tier = Some(parse_tier(&t).map_err(|_| bad("tier", &t))?);
    }
    if let Some(s) = nonempty(&q.source) {
        filter.source = Some(s.parse().map_err(|_| bad("source", &s))?);
    }
    if let Some(i) = nonempty(&q.import) {
        filter.import_id = Some(i.parse().map_err(|_| bad("import", &i))?);
    }
    if let Some(text) = nonempty(&q.q) {
        if text.chars().count() > 200 {
            return Err(AppError::new(422, "Search text must be at most 200 characters"));
        }
        filter.search = Some(text);
    }
    let sort = match nonempty(&q.sort).as_deref() {
        None | Some("score") => Sort { key: SortKey::Als, descending: true },
        Some("score_asc") => Sort { key: SortKey::Als, descending: false },
        Some("newest") => Sort { key: SortKey::CreatedAt, descending: true },
        Some("oldest") => Sort { key: SortKey::CreatedAt, descending: false },
        Some("name") => Sort { key: SortKey::Name, descending: false },
        Some(other) => return Err(bad("sort", other)),
    };
    let page = match nonempty(&q.page) {
        None => 1,
        Some(p) => p.parse::<u32>().ok().filter(|n| *n >= 1 && *n <= 1_000_000).ok_or_else(|| bad("page", &p))?,
    };
    Ok((filter, sort, PageRequest { page, per_page: 50 }))
}

#[server(prefix = "/api", endpoint = "list_leads")]
pub async fn list_leads(workspace: String, #[server(default)] query: LeadQuery) -> Result<LeadPage, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewWorkspace).await?;
        let (filter, sort, page) = filter_of(&query)?;
        Ok(engine::store::leads::list(&mut *access.tenant(&engine).await?, access.workspace, &filter, sort, page).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_lead")]
pub async fn get_lead(workspace: String, lead: String) -> Result<LeadDetail, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewWorkspace).await?;
        let id = lead.parse().map_err(|_| AppError::not_found("lead"))?;
        engine::store::leads::get(&mut *access.tenant(&engine).await?, access.workspace, id).await?.ok_or_else(|| AppError::not_found("lead"))
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_import")]
pub async fn get_import(workspace: String, import: String) -> Result<ImportView, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewWorkspace).await?;
        let id = import.parse().map_err(|_| AppError::not_found("import"))?;
        engine::store::imports::get(&mut *access.tenant(&engine).await?, access.workspace, id).await?.ok_or_else(|| AppError::not_found("import"))
    })
    .await
}

/// Scores every lead not yet scored; returns how many were scored.
#[server(prefix = "/api", endpoint = "score_leads")]
pub async fn score_leads(workspace: String) -> Result<u64, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::EditCampaigns).await?;
        // Scoring opens its own transaction confined to the workspace per batch.
        let counts = engine::flows::score::score_workspace(engine.owner_pool(), access.workspace, engine::flows::score::Scope::Unscored, chrono::Utc::now()).await?;
        Ok(counts.scored)
    })
    .await
}

#[server(prefix = "/api", endpoint = "add_lead")]
pub async fn add_lead(workspace: String, #[server(default)] lead: domain::leads::LeadInput) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let id = engine::flows::leads::add_manual(&engine, &access(&engine, me, &workspace).await?, lead).await?;
        Ok(id.to_string())
    })
    .await
}

#[server(prefix = "/api", endpoint = "lead_enrichment")]
pub async fn lead_enrichment(workspace: String, lead: String) -> Result<domain::leads::EnrichmentHistory, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewWorkspace).await?;
        let id = lead.parse().map_err(|_| AppError::not_found("lead"))?;
        // Make sure the lead is this workspace's before saying anything about it.
        engine::store::leads::get(&mut *access.tenant(&engine).await?, access.workspace, id).await?.ok_or_else(|| AppError::not_found("lead"))?;
        Ok(engine::flows::leads::enrichment_history(&engine, access.workspace, id).await?)
    })
    .await
}

/// Plan, credits and lead count for the dashboard.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub leads: u64,
    pub plan: String,
    pub subscription_status: String,
    pub credits_remaining: i32,
}

#[server(prefix = "/api", endpoint = "workspace_stats")]
pub async fn workspace_stats(workspace: String) -> Result<Stats, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewWorkspace).await?;
        let mut db = access.tenant(&engine).await?;
        let leads = engine::store::leads::count(&mut *db, access.workspace, &Default::default()).await?;
        let plan = engine::store::enrichment::plan_state(&mut *db, access.workspace).await?.ok_or_else(|| AppError::not_found("workspace"))?;
        Ok(Stats { leads, plan: plan.plan, subscription_status: plan.subscription_status, credits_remaining: plan.credits_remaining })
    })
    .await
}

/// The header, first rows and detected mapping of a CSV staged for an import with a chosen
/// mapping (step one posts the file to `/w/{ws}/leads/import/preview`).
#[server(prefix = "/api", endpoint = "import_preview")]
pub async fn import_preview(workspace: String, upload: String) -> Result<domain::column_mapping::ImportPreview, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::EditCampaigns).await?;
        let id = upload.parse().map_err(|_| AppError::not_found("uploaded file"))?;
        // The staged upload is read in transactions confined to the workspace.
        Ok(engine::import::staged::preview(engine.owner_pool(), access.workspace, id).await?)
    })
    .await
}
