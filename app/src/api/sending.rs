//! Whether a workspace sends for real (shadow mode, go-live, the emergency stop), and the
//! outbox: every member sees the state and the messages; owners and admins change the state.

use crate::error::AppError;
use domain::sending::{OutboxMessage, OutboxPage, SendingState};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[server(prefix = "/api", endpoint = "get_sending_state")]
pub async fn get_sending_state(workspace: String) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::sending::get(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// `confirmation`: the workspace's name, typed.
#[server(prefix = "/api", endpoint = "go_live")]
pub async fn go_live(workspace: String, confirmation: String) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::sending::go_live(&engine, &access(&engine, me, &workspace).await?, &confirmation).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "back_to_shadow")]
pub async fn back_to_shadow(workspace: String) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::sending::back_to_shadow(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "stop_sending")]
pub async fn stop_sending(workspace: String, reason: Option<String>) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let reason = reason.unwrap_or_default();
        let engine = engine()?;
        Ok(engine::flows::sending::pause_sending(&engine, &access(&engine, me, &workspace).await?, &reason).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "resume_sending")]
pub async fn resume_sending(workspace: String) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::sending::resume_sending(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Starts ramp mode. `tiers`: the tiers' names (hot, warm, cool, cold), as the form's checkboxes send them.
#[server(prefix = "/api", endpoint = "start_ramp")]
pub async fn start_ramp(workspace: String, daily_limit: u32, supervised_days: u32, #[server(default)] tiers: Vec<String>) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let tiers: Vec<domain::score::Tier> = tiers
            .iter()
            .map(|t| domain::score::Tier::ALL.into_iter().find(|x| x.as_str() == t).ok_or_else(|| engine::Error::Invalid(format!("unknown tier \"{t}\""))))
            .collect::<Result<_, _>>()?;
        let today = chrono::Utc::now().date_naive();
        let engine = engine()?;
        Ok(engine::flows::sending::start_ramp(&engine, &access(&engine, me, &workspace).await?, daily_limit, &tiers, supervised_days, today).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "graduate_ramp")]
pub async fn graduate_ramp(workspace: String) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::sending::graduate(&engine, &access(&engine, me, &workspace).await?, chrono::Utc::now().date_naive()).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "leave_ramp")]
pub async fn leave_ramp(workspace: String) -> Result<SendingState, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::sending::leave_ramp(&engine, &access(&engine, me, &workspace).await?, chrono::Utc::now().date_naive()).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "list_outbox")]
pub async fn list_outbox(workspace: String, state: String) -> Result<OutboxPage, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::outbox::page(&engine, &access(&engine, me, &workspace).await?, &state).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_outbox_message")]
pub async fn get_outbox_message(workspace: String, id: String) -> Result<OutboxMessage, AppError> {
    respond(async {
        let me = user().await?;
        let id = id.parse().map_err(|_| AppError::not_found("message"))?;
        let engine = engine()?;
        Ok(engine::flows::outbox::message(&engine, &access(&engine, me, &workspace).await?, id).await?)
    })
    .await
}
