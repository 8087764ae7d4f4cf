//! Authentication and authorisation: passwords, login throttling, sessions' user lookup and
//! the role check every server function and route goes through.
//!
//! One way to authorise (issue 12 §4): the edge (a server function in `app`, an axum handler in
//! `server`) turns the session's user and the workspace in the URL into an [`Access`] once —
//! [`Access::resolve`], one membership read, `NotFound` for a non-member — and hands `&Access` to
//! the flow. The flow checks the action it performs with [`Access::require`] (a pure check of
//! the role: `Forbidden`, never a second lookup) and opens its database scope with
//! [`Access::tenant`], so scope and role travel together:
//!
//! ```ignore
//! let access = Access::resolve(&engine, me, ws).await?;      // edge
//! engine::flows::campaigns::create(&engine, &access, settings).await?;
//! // in the flow:
//! access.require(Action::EditCampaigns)?;
//! let mut tx = access.tenant(engine).await?;
//! ```
//!
//! [`authorize`] is resolve-then-require, for an edge that checks an action before reading its
//! input (so a viewer gets 403 before a malformed form gets 422).

pub mod password;
pub mod throttle;

use crate::store::{memberships, users};
use crate::{Engine, Error, Result};
use domain::account::{Action, LoginEmail, Role};
use domain::ids::{UserId, WorkspaceId};

/// A member's standing in one workspace, resolved once per request: the one value a server
/// function or handler hands to the engine's flows (issue 12 §4).
///
/// - An edge resolves it with [`Access::resolve`] (session's user → membership → role). A
///   non-member, or a deleted workspace, is `NotFound`, so ids of other tenants reveal nothing.
/// - A flow checks the action it performs with [`Access::require`]: a pure check on the role,
///   no second database lookup; a role that may not is `Forbidden`.
/// - Its database scope travels with it: [`Access::tenant`] opens the transaction confined to
///   its workspace by row-level security.
///
/// Only this module makes one (the private field), so holding an `Access` means a membership
/// was found.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    pub user: UserId,
    pub workspace: WorkspaceId,
    pub role: Role,
    _resolved: (),
}

impl Access {
    /// The caller's membership of `workspace`, read once in that workspace's tenant scope.
    pub async fn resolve(engine: &Engine, user: UserId, workspace: WorkspaceId) -> Result<Access> {
        let mut tx = engine.tenant(workspace).await?;
        let role = memberships::role_of(&mut tx, workspace, user).await?.ok_or(Error::NotFound("workspace"))?;
        Ok(Access { user, workspace, role, _resolved: () })
    }

    /// Whether the role allows `action` (else `Forbidden`). Pure: no database.
    pub fn require(&self, action: Action) -> Result<()> {
        if self.role.can(action) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// [`Access::require`], passing the value on (for `authorize(..)?.allowing(..)` chains).
    pub fn allowing(self, action: Action) -> Result<Access> {
        self.require(action)?;
        Ok(self)
    }

    /// The transaction confined to this workspace (see [`crate::db::tenant`]).
    pub async fn tenant(&self, engine: &Engine) -> Result<crate::db::Tenant> {
        engine.tenant(self.workspace).await
    }
}

/// [`Access::resolve`] then [`Access::require`]: for an edge that performs one action itself.
pub async fn authorize(engine: &Engine, user: UserId, workspace: WorkspaceId, action: Action) -> Result<Access> {
    Access::resolve(engine, user, workspace).await?.allowing(action)
}

/// Autopilot sends guard-passing drafts without a human reading them, so choosing it is an
/// admin's decision (like going live), never a member's.
pub fn may_choose_autopilot(access: &Access, mode: Option<domain::campaign::PermissionMode>) -> Result<()> {
    if mode == Some(domain::campaign::PermissionMode::Autopilot) && !access.role.can(Action::ChooseAutopilot) {
        return Err(Error::ForbiddenTo("Only an owner or admin can put a campaign on autopilot (it sends without human approval)"));
    }
    Ok(())
}

/// A successful log-in: the user, and the known-device token for this browser's cookie.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub user: UserId,
    pub device: String,
}

/// Longest password checked at log-in (sign-up allows 128): anything longer fails at once,
/// without spending a hash on it.
const MAX_LOGIN_PASSWORD: usize = 1024;

/// Checks credentials with throttling (see [`throttle`]). Every failure says the same thing,
/// whether the account exists or not. A malformed email fails before any Redis key is made.
pub async fn login(engine: &Engine, email: &str, password: &str, ip: &str, device: Option<&str>) -> Result<LoggedIn> {
    const BAD: &str = "Email or password is incorrect";
    let email = LoginEmail::parse(email).map_err(|_| Error::Unauthenticated(BAD.into()))?;
    let subject = throttle::Subject::resolve(engine, email.as_str(), ip, device).await?;
    throttle::check_and_record(engine, &subject).await?;
    // Users are no tenant's rows: log-in reads them as the owner.
    let found = users::find_credentials(engine.owner_pool(), &email).await?;
    let ok = match &found {
        Some((_, hash)) if password.len() <= MAX_LOGIN_PASSWORD => password::verify(password, hash).await?,
        _ => {
            // Spend the same time as a real check so response time does not reveal accounts.
            password::verify_dummy(&password[..password.floor_char_boundary(MAX_LOGIN_PASSWORD.min(password.len()))]).await;
            false
        }
    };
    match (ok, found) {
        (true, Some((user, _))) => Ok(LoggedIn { user, device: throttle::succeeded(engine, &subject, email.as_str()).await? }),
        // The failure was counted when the attempt was.
        _ => Err(Error::Unauthenticated(BAD.into())),
    }
}
