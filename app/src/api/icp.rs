//! The workspace's ideal customer profile, and finding leads that fit it.

use crate::error::AppError;
use domain::icp::{IcpForm, WorkspaceIcp};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::ssr::*;

/// What saving the profile did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcpSaved {
    pub icp: WorkspaceIcp,
    /// Every lead is being re-scored against the new profile.
    pub rescoring: bool,
}

/// What a search for leads did (see `engine::flows::discover`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundLeads {
    pub found: u32,
    pub new: u32,
    pub duplicates: u32,
    pub pages: u32,
    pub stopped: Option<String>,
    /// Which search was used ("Apollo (this workspace's key)", "the sandbox …").
    #[serde(default)]
    pub searched_with: String,
}

#[server(prefix = "/api", endpoint = "get_icp")]
pub async fn get_icp(workspace: String) -> Result<WorkspaceIcp, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::icp::get(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Saves the profile typed into the settings form; every problem comes back in one 422.
#[server(prefix = "/api", endpoint = "save_icp")]
pub async fn save_icp(workspace: String, #[server(default)] icp: IcpForm) -> Result<IcpSaved, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let ws = workspace_id(&workspace)?;
        // Authorise before judging the input, so a viewer learns nothing from validation.
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        let parsed = icp.parse().map_err(|e| AppError::new(422, e.to_string()))?;
        let saved = engine::flows::icp::save(&engine, &access, &parsed).await?;
        Ok(IcpSaved { icp: saved.icp, rescoring: saved.rescoring })
    })
    .await
}

/// Searches for up to `count` people fitting the profile and adds the new ones as leads.
#[server(prefix = "/api", endpoint = "find_leads")]
pub async fn find_leads(workspace: String, count: String) -> Result<FoundLeads, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let discoverer = use_context::<std::sync::Arc<engine::flows::discover::Discoverer>>()
            .ok_or_else(|| AppError::new(500, "lead search missing from context"))?;
        // Not a number reads as 0, which the flow refuses after authorising (so a viewer gets
        // 403 whatever they send).
        let wanted: u32 = count.trim().parse().unwrap_or(0);
        let ws = workspace_id(&workspace)?;
        // Authorise before reading the workspace's keys.
        let access = engine::auth::authorize(&engine, me, ws, domain::account::Action::EditCampaigns).await?;
        let (discoverer, source) = discoverer.for_workspace(&engine, ws).await?;
        let r = engine::flows::discover::discover(&engine, &discoverer, &access, wanted).await?;
        Ok(FoundLeads { found: r.found, new: r.new, duplicates: r.duplicates, pages: r.pages, stopped: r.stopped, searched_with: source.label().to_string() })
    })
    .await
}
