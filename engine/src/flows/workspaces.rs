//! Workspaces, members and invitations (SPEC §1). Every function on an existing workspace takes
//! the caller's `Access` (resolved once by the edge) and checks its action on it.

use crate::auth::Access;
use crate::store::{audit, invitations, memberships, users, workspaces};
use crate::{Engine, Error, Result};
use chrono::{Duration, Utc};
use domain::campaign::DraftingPolicy;
use domain::account::{Action, IssuedInvitation, InvitationPreview, InvitationStatus, LoginEmail, Role, WorkspaceName};
use domain::ids::{InvitationId, UserId, WorkspaceId};
use rand::RngCore;
use serde_json::json;

pub async fn create(engine: &Engine, user: UserId, name: &str) -> Result<WorkspaceId> {
    let name = WorkspaceName::parse(name)?;
    let mut tx = engine.across_tenants().await?;
    let ws = workspaces::insert(&mut tx, &name, user, engine.settings.plans.ignition.lead_pool).await?;
    memberships::upsert(&mut tx, ws, user, Role::Owner).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(user),
            action: "workspace.create",
            target_type: "workspace",
            target_id: Some(ws.to_string()),
            before: None,
            after: Some(json!({ "name": name.as_str(), "owner": user.to_string() })),
        },
    )
    .await?;
    tx.commit().await?;
    // Users are no tenant's rows.
    users::set_last_workspace(engine.owner_pool(), user, ws).await?;
    Ok(ws)
}

pub async fn rename(engine: &Engine, access: &Access, name: &str) -> Result<()> {
    access.require(Action::RenameWorkspace)?;
    let ws = access.workspace;
    let name = WorkspaceName::parse(name)?;
    let mut tx = engine.tenant(ws).await?;
    let before = workspaces::name(&mut tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    workspaces::rename(&mut tx, ws, &name).await?;
    audit_ws(&mut tx, &access, "workspace.rename", "workspace", ws.to_string(), Some(json!({"name": before})), Some(json!({"name": name.as_str()}))).await?;
    tx.commit().await?;
    Ok(())
}

/// The workspace's drafting policy, for anyone who can see the workspace.
pub async fn drafting_policy(engine: &Engine, access: &Access) -> Result<DraftingPolicy> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let policy = workspaces::drafting_policy(&mut *tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    tx.commit().await?;
    Ok(policy)
}

/// Changes the default permission mode of the workspace's campaigns and the quality guard's
/// mode (owner/admin; audited with before and after). Campaigns with their own mode keep it.
pub async fn set_drafting_policy(engine: &Engine, access: &Access, policy: DraftingPolicy) -> Result<()> {
    access.require(Action::ConfigureDrafting)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let before = workspaces::drafting_policy(&mut *tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    if before == policy {
        return Ok(());
    }
    workspaces::set_drafting_policy(&mut tx, ws, policy).await?;
    let shown = |p: DraftingPolicy| json!({ "permission_mode": p.permission_mode.as_str(), "guard_mode": p.guard_mode.as_str() });
    audit_ws(&mut tx, &access, "workspace.drafting_policy", "workspace", ws.to_string(), Some(shown(before)), Some(shown(policy))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(engine: &Engine, access: &Access) -> Result<()> {
    access.require(Action::DeleteWorkspace)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let before = workspaces::name(&mut tx, ws).await?.ok_or(Error::NotFound("workspace"))?;
    workspaces::soft_delete(&mut tx, ws).await?;
    audit_ws(&mut tx, &access, "workspace.delete", "workspace", ws.to_string(), Some(json!({"name": before})), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates an invitation and returns its one-time link. The token is 256 random bits.
pub async fn invite(engine: &Engine, access: &Access, email: &str, role: Role) -> Result<IssuedInvitation> {
    access.require(Action::ManageMembers)?;
    let ws = access.workspace;
    let user = access.user;
    let email = LoginEmail::parse(email)?;
    if !access.role.can_assign(role) {
        return Err(Error::Forbidden);
    }
    let mut tx = engine.tenant(ws).await?;
    let members = memberships::list(&mut tx, ws).await?;
    if members.iter().any(|m| m.email == email.as_str()) {
        return Err(Error::Conflict(format!("{email} is already a member of this workspace")));
    }
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let expires_at = Utc::now() + Duration::hours(engine.settings.invitation_ttl_hours);
    let invitation = invitations::insert(&mut tx, ws, email.as_str(), role, &invitations::token_hash(&token), user, expires_at).await?;
    audit_ws(
        &mut tx,
        &access,
        "invitation.create",
        "invitation",
        invitation.id.to_string(),
        None,
        Some(json!({"email": email.as_str(), "role": role.as_str()})),
    )
    .await?;
    tx.commit().await?;
    let link = format!("{}/invite/{token}", engine.settings.public_url.trim_end_matches('/'));
    Ok(IssuedInvitation { invitation, link })
}

pub async fn revoke_invitation(engine: &Engine, access: &Access, id: InvitationId) -> Result<()> {
    access.require(Action::ManageMembers)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let inv = invitations::get(&mut tx, ws, id).await?.ok_or(Error::NotFound("invitation"))?;
    if !access.role.can_assign(inv.role) {
        return Err(Error::Forbidden);
    }
    if !invitations::revoke(&mut tx, ws, id).await? {
        return Err(Error::Conflict("This invitation is no longer pending".into()));
    }
    audit_ws(&mut tx, &access, "invitation.revoke", "invitation", id.to_string(), Some(json!({"email": inv.email, "status": "pending"})), Some(json!({"status": "revoked"}))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn preview_invitation(engine: &Engine, token: &str) -> Result<InvitationPreview> {
    // The token names its workspace: finding it spans tenants (the owner).
    let mut conn = engine.owner_pool().acquire().await?;
    invitations::find_by_token(&mut conn, &invitations::token_hash(token), false)
        .await?
        .map(|b| b.preview)
        .ok_or(Error::NotFound("invitation"))
}

/// Accepts an invitation for the logged-in user. The invitation names an email; only the
/// account with that email may accept it, so a forwarded link cannot be used by someone else.
pub async fn accept_invitation(engine: &Engine, user: UserId, token: &str) -> Result<WorkspaceId> {
    let me = users::get(engine.owner_pool(), user).await?.ok_or(Error::Unauthenticated("Log in to accept".into()))?;
    let mut tx = engine.across_tenants().await?;
    let found = invitations::find_by_token(&mut tx, &invitations::token_hash(token), true)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    match found.preview.status {
        InvitationStatus::Pending => {}
        InvitationStatus::Accepted => return Err(Error::Conflict("This invitation has already been accepted".into())),
        InvitationStatus::Revoked => return Err(Error::Conflict("This invitation was revoked".into())),
        InvitationStatus::Expired => return Err(Error::Conflict("This invitation has expired; ask for a new one".into())),
    }
    if found.preview.email != me.email {
        return Err(Error::Forbidden);
    }
    let ws = found.workspace;
    let existing = memberships::lock(&mut tx, ws, user).await?;
    // Accepting never lowers a role the person already holds.
    let role = match existing {
        Some(r) if r.at_least(found.preview.role) => r,
        _ => found.preview.role,
    };
    memberships::upsert(&mut tx, ws, user, role).await?;
    invitations::mark_accepted(&mut tx, ws, found.id, user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(user),
            action: "invitation.accept",
            target_type: "membership",
            target_id: Some(user.to_string()),
            before: existing.map(|r| json!({"role": r.as_str()})),
            after: Some(json!({"role": role.as_str(), "invitation": found.id.to_string()})),
        },
    )
    .await?;
    tx.commit().await?;
    // Users are no tenant's rows.
    users::set_last_workspace(engine.owner_pool(), user, ws).await?;
    Ok(ws)
}

pub async fn change_role(engine: &Engine, access: &Access, target: UserId, role: Role) -> Result<()> {
    access.require(Action::ManageMembers)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let current = memberships::lock(&mut tx, ws, target).await?.ok_or(Error::NotFound("member"))?;
    if !access.role.can_assign(current) || !access.role.can_assign(role) {
        return Err(Error::Forbidden);
    }
    if current == role {
        return Ok(());
    }
    if current == Role::Owner && memberships::count_owners(&mut tx, ws).await? <= 1 {
        return Err(Error::Conflict("A workspace needs at least one owner. Make someone else owner first.".into()));
    }
    memberships::set_role(&mut tx, ws, target, role).await?;
    audit_ws(&mut tx, &access, "member.change_role", "membership", target.to_string(), Some(json!({"role": current.as_str()})), Some(json!({"role": role.as_str()}))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_member(engine: &Engine, access: &Access, target: UserId) -> Result<()> {
    let (user, ws) = (access.user, access.workspace);
    // Anyone may leave; removing someone else needs ManageMembers.
    access.require(if target == user { Action::ViewWorkspace } else { Action::ManageMembers })?;
    let mut tx = engine.tenant(ws).await?;
    let current = memberships::lock(&mut tx, ws, target).await?.ok_or(Error::NotFound("member"))?;
    if target != user && !access.role.can_assign(current) {
        return Err(Error::Forbidden);
    }
    if current == Role::Owner && memberships::count_owners(&mut tx, ws).await? <= 1 {
        return Err(Error::Conflict("The last owner cannot leave. Make someone else owner first.".into()));
    }
    memberships::soft_delete(&mut tx, ws, target).await?;
    audit_ws(&mut tx, &access, "member.remove", "membership", target.to_string(), Some(json!({"role": current.as_str()})), None).await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn audit_ws(
    tx: &mut sqlx::PgConnection,
    access: &Access,
    action: &str,
    target_type: &str,
    target_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    audit::record(
        tx,
        audit::Record { workspace: Some(access.workspace), actor: Some(access.user), action, target_type, target_id: Some(target_id), before, after },
    )
    .await
}
