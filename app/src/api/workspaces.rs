//! Workspaces, members, invitations and the audit log.

use crate::error::AppError;
use domain::account::{AuditEntry, Invitation, InvitationPreview as Preview, IssuedInvitation, Member, WorkspaceSummary};
use domain::campaign::DraftingPolicy;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;
#[cfg(feature = "ssr")]
use domain::account::{Action, Role};

#[server(prefix = "/api", endpoint = "list_workspaces")]
pub async fn list_workspaces() -> Result<Vec<WorkspaceSummary>, AppError> {
    respond(async {
        let me = user().await?;
        Ok(engine::store::workspaces::list_for_user(engine()?.owner_pool(), me).await?)
    })
    .await
}

/// One workspace the user belongs to; remembers it as the last one opened.
#[server(prefix = "/api", endpoint = "get_workspace")]
pub async fn get_workspace(workspace: String) -> Result<WorkspaceSummary, AppError> {
    respond(async {
        let me = user().await?;
        let ws = workspace_id(&workspace)?;
        let engine = engine()?;
        let found = engine::store::workspaces::get_for_user(engine.owner_pool(), ws, me).await?.ok_or_else(|| AppError::not_found("workspace"))?;
        engine::store::users::set_last_workspace(engine.owner_pool(), me, ws).await?;
        Ok(found)
    })
    .await
}

#[server(prefix = "/api", endpoint = "create_workspace")]
pub async fn create_workspace(name: String) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let ws = engine::flows::workspaces::create(&engine()?, me, &name).await?;
        let path = format!("/w/{ws}");
        leptos_axum::redirect(&path);
        Ok(ws.to_string())
    })
    .await
}

#[server(prefix = "/api", endpoint = "rename_workspace")]
pub async fn rename_workspace(workspace: String, name: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::workspaces::rename(&engine, &access(&engine, me, &workspace).await?, &name).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "delete_workspace")]
pub async fn delete_workspace(workspace: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        engine::flows::workspaces::delete(&engine, &access(&engine, me, &workspace).await?).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "list_members")]
pub async fn list_members(workspace: String) -> Result<Vec<Member>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewWorkspace).await?;
        Ok(engine::store::memberships::list(&mut *access.tenant(&engine).await?, access.workspace).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "list_invitations")]
pub async fn list_invitations(workspace: String) -> Result<Vec<Invitation>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ManageMembers).await?;
        Ok(engine::store::invitations::list(&mut *access.tenant(&engine).await?, access.workspace).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(workspace: String, email: String, role: String) -> Result<IssuedInvitation, AppError> {
    respond(async {
        let me = user().await?;
        let role = Role::parse(&role)?;
        let engine = engine()?;
        Ok(engine::flows::workspaces::invite(&engine, &access(&engine, me, &workspace).await?, &email, role).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(workspace: String, invitation: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let id = invitation.parse().map_err(|_| AppError::not_found("invitation"))?;
        let engine = engine()?;
        Ok(engine::flows::workspaces::revoke_invitation(&engine, &access(&engine, me, &workspace).await?, id).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_role")]
pub async fn change_role(workspace: String, member: String, role: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let target = member.parse().map_err(|_| AppError::not_found("member"))?;
        let role = Role::parse(&role)?;
        let engine = engine()?;
        Ok(engine::flows::workspaces::change_role(&engine, &access(&engine, me, &workspace).await?, target, role).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_member")]
pub async fn remove_member(workspace: String, member: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let target = member.parse().map_err(|_| AppError::not_found("member"))?;
        let engine = engine()?;
        Ok(engine::flows::workspaces::remove_member(&engine, &access(&engine, me, &workspace).await?, target).await?)
    })
    .await
}

/// What an invitation link offers; public, since the unguessable token is the capability.
#[server(prefix = "/api", endpoint = "preview_invitation")]
pub async fn preview_invitation(token: String) -> Result<Preview, AppError> {
    respond(async { Ok(engine::flows::workspaces::preview_invitation(&engine()?, &token).await?) }).await
}

#[server(prefix = "/api", endpoint = "accept_invitation")]
pub async fn accept_invitation(token: String) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let ws = engine::flows::workspaces::accept_invitation(&engine()?, me, &token).await?;
        let path = format!("/w/{ws}");
        leptos_axum::redirect(&path);
        Ok(ws.to_string())
    })
    .await
}

#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log(workspace: String) -> Result<Vec<AuditEntry>, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        let access = engine::auth::authorize(&engine, me, workspace_id(&workspace)?, Action::ViewAudit).await?;
        Ok(engine::store::audit::list(&mut *access.tenant(&engine).await?, access.workspace, 100).await?)
    })
    .await
}

/// The workspace's default permission mode and quality guard mode.
#[server(prefix = "/api", endpoint = "get_drafting_policy")]
pub async fn get_drafting_policy(workspace: String) -> Result<DraftingPolicy, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::workspaces::drafting_policy(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "set_drafting_policy")]
pub async fn set_drafting_policy(workspace: String, permission_mode: String, guard_mode: String) -> Result<(), AppError> {
    respond(async {
        let me = user().await?;
        let policy = DraftingPolicy {
            permission_mode: permission_mode.parse().map_err(|e: domain::campaign::CampaignError| engine::Error::Invalid(e.to_string()))?,
            guard_mode: guard_mode.parse().map_err(engine::Error::Invalid)?,
        };
        let engine = engine()?;
        Ok(engine::flows::workspaces::set_drafting_policy(&engine, &access(&engine, me, &workspace).await?, policy).await?)
    })
    .await
}
