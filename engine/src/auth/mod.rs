//! Authentication and authorisation: passwords, login throttling, sessions' user lookup and
//! the role check every server function and route goes through.

pub mod password;
pub mod throttle;

use crate::store::{memberships, users};
use crate::{Engine, Error, Result};
use domain::account::{Action, LoginEmail, Role};
use domain::ids::{UserId, WorkspaceId};

/// A member's standing in one workspace, as checked for the current request.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub user: UserId,
    pub workspace: WorkspaceId,
    pub role: Role,
}

/// The gate for every workspace-scoped operation: the user must be an active member of a live
/// workspace (else `NotFound`, so ids of other tenants reveal nothing), and the role must
/// allow `action` (else `Forbidden`).
pub async fn authorize(engine: &Engine, user: UserId, workspace: WorkspaceId, action: Action) -> Result<Access> {
    let role = memberships::role_of(&engine.pool, workspace, user)
        .await?
        .ok_or(Error::NotFound("workspace"))?;
    if !role.can(action) {
        return Err(Error::Forbidden);
    }
    Ok(Access { user, workspace, role })
}

/// Checks credentials with per-account and per-IP throttling. Every failure says the same
/// thing, whether the account exists or not.
pub async fn login(engine: &Engine, email: &str, password: &str, ip: &str) -> Result<UserId> {
    const BAD: &str = "Email or password is incorrect";
    let canonical = LoginEmail::parse(email).map(|e| e.as_str().to_string()).unwrap_or_else(|_| email.trim().to_lowercase());
    throttle::check(engine, &canonical, ip).await?;
    let found = match LoginEmail::parse(email) {
        Ok(e) => users::find_credentials(&engine.pool, &e).await?,
        Err(_) => None,
    };
    let ok = match &found {
        Some((_, hash)) => password::verify(password, hash).await?,
        None => {
            // Spend the same time as a real check so response time does not reveal accounts.
            password::verify_dummy(password).await;
            false
        }
    };
    match (ok, found) {
        (true, Some((id, _))) => {
            throttle::clear_account(engine, &canonical).await?;
            Ok(id)
        }
        _ => {
            throttle::record_failure(engine, &canonical, ip).await?;
            Err(Error::Unauthenticated(BAD.into()))
        }
    }
}
