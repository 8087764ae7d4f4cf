//! The demo workspace the run command seeds, so a newcomer has something to log in to.
//! Idempotent: running it again changes nothing and reports the same login.

use crate::flows::{accounts, workspaces};
use crate::store::users;
use crate::{Engine, Error, Result};
use domain::account::LoginEmail;
use domain::ids::{UserId, WorkspaceId};

pub const DEMO_EMAIL: &str = "demo@agency-os.local";
pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const DEMO_WORKSPACE: &str = "Demo Agency";

pub struct Demo {
    pub user: UserId,
    pub workspace: WorkspaceId,
    pub created: bool,
}

/// Realistic Australian and international leads (with a few bad rows, to show the report).
pub const DEMO_LEADS_CSV: &str = include_str!("../../../end2end/fixtures/demo-leads.csv");

/// Seeds the demo workspace and, when it has no leads yet, imports and scores the demo leads.
pub async fn seed(engine: &Engine) -> Result<Demo> {
    let demo = seed_workspace(engine).await?;
    let leads = crate::store::leads::count(&engine.pool, demo.workspace, &Default::default()).await?;
    if leads == 0 {
        crate::import::import_csv(&engine.pool, demo.workspace, Some(demo.user), "demo-leads.csv", std::io::Cursor::new(DEMO_LEADS_CSV.as_bytes()), |_| {}).await?;
        let enricher = crate::flows::enrich::Enricher::sandbox(2026);
        crate::flows::pipeline::pipeline(engine, &enricher, demo.workspace, |_| {}).await?;
    }
    Ok(demo)
}

async fn seed_workspace(engine: &Engine) -> Result<Demo> {
    let email = LoginEmail::parse(DEMO_EMAIL)?;
    if let Some((user, _)) = users::find_credentials(&engine.pool, &email).await? {
        let existing = crate::store::workspaces::list_for_user(&engine.pool, user).await?;
        if let Some(ws) = existing.into_iter().find(|w| w.name == DEMO_WORKSPACE) {
            return Ok(Demo { user, workspace: ws.id, created: false });
        }
        let workspace = workspaces::create(engine, user, DEMO_WORKSPACE).await?;
        return Ok(Demo { user, workspace, created: true });
    }
    let user = accounts::sign_up(engine, accounts::SignUp { name: "Demo Owner", email: DEMO_EMAIL, password: DEMO_PASSWORD })
        .await
        .map_err(|e| match e {
            Error::Conflict(_) => Error::Internal(anyhow::anyhow!("demo user appeared concurrently; run again")),
            other => other,
        })?;
    let workspace = workspaces::create(engine, user, DEMO_WORKSPACE).await?;
    Ok(Demo { user, workspace, created: true })
}
