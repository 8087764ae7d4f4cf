//! Do Not Call Register wash results per workspace (`dncr_washes`): the latest answer for each
//! number, kept as the workspace's evidence (register reference and time).

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use domain::phone::E164;
use sqlx::PgExecutor;

/// The stored answer for one number.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Washed {
    pub listed: bool,
    pub reference: String,
    pub washed_at: DateTime<Utc>,
}

pub async fn latest<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, number: &E164) -> Result<Option<Washed>> {
    Ok(sqlx::query_as("select listed, reference, washed_at from dncr_washes where client_id = $1 and number = $2")
        .bind(ws.0)
        .bind(number.as_str())
        .fetch_optional(db)
        .await?)
}

/// Records a wash, replacing an older one of the same number (never a newer one).
pub async fn record<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, number: &E164, w: &Washed) -> Result<()> {
    sqlx::query(
        "insert into dncr_washes (client_id, number, listed, reference, washed_at) values ($1, $2, $3, $4, $5)
         on conflict (client_id, number) do update set listed = excluded.listed, reference = excluded.reference, washed_at = excluded.washed_at
         where dncr_washes.washed_at <= excluded.washed_at",
    )
    .bind(ws.0)
    .bind(number.as_str())
    .bind(w.listed)
    .bind(&w.reference)
    .bind(w.washed_at)
    .execute(db)
    .await?;
    Ok(())
}
