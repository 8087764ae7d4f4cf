//! The workspace's ideal customer profile (SPEC §12 "editable in settings"): read it, save it,
//! and re-score every lead when what the scorer compares against has changed.

use crate::auth::Access;
use crate::store::{audit, icp as store};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::icp::WorkspaceIcp;
use domain::ids::WorkspaceId;
use serde::{Deserialize, Serialize};
use sqlx::PgExecutor;

/// The profile the workspace works with: the saved one, or the defaults when none was saved.
/// Not authorised: for flows (scoring, discovery) acting on a workspace already checked.
pub async fn load<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<WorkspaceIcp> {
    Ok(store::get(db, ws).await?.unwrap_or_default())
}

/// The profile, for anyone who may see the workspace.
pub async fn get(engine: &Engine, access: &Access) -> Result<WorkspaceIcp> {
    access.require(Action::ViewWorkspace)?;
    load(&mut *access.tenant(engine).await?, access.workspace).await
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The profile as stored (trimmed, repeats dropped).
    pub icp: WorkspaceIcp,
    /// A re-score of every lead was queued because the scoring part changed.
    pub rescoring: bool,
}

/// Validates and stores the profile (members and above), with its audit row in the same
/// transaction. Invalid input changes nothing. When the part the scorer reads (industries,
/// employee range, locations) differs from what was in force, every lead is re-scored by a job;
/// search-only fields (titles, seniorities, keywords) do not move a score, so changing only them
/// queues nothing.
pub async fn save(engine: &Engine, access: &Access, icp: &WorkspaceIcp) -> Result<Saved> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let user = access.user;
    let icp = icp.validate().map_err(|e| Error::Invalid(e.to_string()))?;
    let mut tx = engine.tenant(ws).await?;
    // Locked, so of two concurrent saves the second compares against the first's result.
    let stored = store::get_for_update(&mut tx, access.workspace).await?;
    let before = stored.clone().unwrap_or_default();
    store::upsert(&mut tx, access.workspace, &icp, user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(access.workspace),
            actor: Some(user),
            action: "icp.update",
            target_type: "workspace_icp",
            target_id: Some(access.workspace.to_string()),
            before: stored.map(|s| serde_json::to_value(s)).transpose().map_err(|e| Error::Internal(e.into()))?,
            after: Some(serde_json::to_value(&icp).map_err(|e| Error::Internal(e.into()))?),
        },
    )
    .await?;
    let rescoring = before.scoring != icp.scoring;
    if rescoring {
        // Queued before the commit: if queueing fails nothing is saved and the user can simply
        // retry, whereas a saved profile whose re-score was lost would leave stale scores that a
        // second identical save would no longer fix. A commit that fails after queueing leaves
        // a re-score with the old profile, which changes nothing.
        crate::flows::score::rescore_all(engine, access.workspace).await?;
    }
    tx.commit().await?;
    Ok(Saved { icp, rescoring })
}
