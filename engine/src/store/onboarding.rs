//! Onboarding discovery runs (`onboarding_runs`): one row per "read my website", its progress
//! and its result. Every function takes the workspace id.

use crate::Result;
use domain::ids::{UserId, WorkspaceId};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct Run {
    pub id: Uuid,
    pub url: String,
    pub status: String,
    pub pages_read: i32,
    pub pages_planned: i32,
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub consent: bool,
    pub consent_at: Option<chrono::DateTime<chrono::Utc>>,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

const COLUMNS: &str = "id, url, status, pages_read, pages_planned, result, error, consent, consent_at, confirmed_at, created_at, updated_at";

pub async fn create(conn: &mut PgConnection, ws: WorkspaceId, url: &str, by: UserId) -> Result<Uuid> {
    Ok(sqlx::query_scalar("insert into onboarding_runs (client_id, url, requested_by) values ($1, $2, $3) returning id")
        .bind(ws.0)
        .bind(url)
        .bind(by.0)
        .fetch_one(conn)
        .await?)
}

pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid) -> Result<Option<Run>> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from onboarding_runs where client_id = $1 and id = $2"))
        .bind(ws.0)
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// The workspace's most recent run.
pub async fn latest<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<Run>> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from onboarding_runs where client_id = $1 order by created_at desc limit 1"))
        .bind(ws.0)
        .fetch_optional(db)
        .await?)
}

/// The run the workspace's profile was last confirmed from.
pub async fn latest_confirmed<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<Run>> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from onboarding_runs where client_id = $1 and confirmed_at is not null order by confirmed_at desc limit 1"
    ))
    .bind(ws.0)
    .fetch_optional(db)
    .await?)
}

/// Records a step and its page counts (not once the run has finished).
pub async fn progress<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, status: &str, read: usize, planned: usize) -> Result<()> {
    sqlx::query(
        "update onboarding_runs set status = $3, pages_read = $4, pages_planned = $5, updated_at = now()
         where client_id = $1 and id = $2 and status not in ('done', 'failed')",
    )
    .bind(ws.0)
    .bind(id)
    .bind(status)
    .bind(i32::try_from(read).unwrap_or(i32::MAX))
    .bind(i32::try_from(planned).unwrap_or(i32::MAX))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn finish<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, result: &serde_json::Value) -> Result<()> {
    sqlx::query("update onboarding_runs set status = 'done', result = $3, error = null, updated_at = now() where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(result)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn fail<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: Uuid, error: &str) -> Result<()> {
    sqlx::query("update onboarding_runs set status = 'failed', error = $3, updated_at = now() where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id)
        .bind(error.chars().take(1000).collect::<String>())
        .execute(db)
        .await?;
    Ok(())
}

/// Records the confirmation and the consent answer (who and when; a "no" clears an earlier yes).
pub async fn confirm(conn: &mut PgConnection, ws: WorkspaceId, id: Uuid, consent: bool, by: UserId) -> Result<()> {
    sqlx::query(
        "update onboarding_runs set confirmed_by = $4, confirmed_at = now(), consent = $3,
             consent_by = case when $3 then $4 end, consent_at = case when $3 then now() end, updated_at = now()
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id)
    .bind(consent)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}
