//! Booked meetings (SPEC §11): the conversion. Every function takes the workspace id.
//! A booking tool's event is stored once by (source, external_id); a meeting marked by hand has
//! no external id and is stored each time a person marks one.

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::LeadId;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Stores a meeting; `None` when this (source, external_id) is already stored.
pub async fn insert(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    lead: LeadId,
    source: &str,
    external_id: Option<&str>,
    starts_at: Option<DateTime<Utc>>,
    title: &str,
    by: Option<UserId>,
) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar(
        "insert into meetings (client_id, lead_id, source, external_id, starts_at, title, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (client_id, source, external_id) do nothing
         returning id",
    )
    .bind(ws.0)
    .bind(lead.0)
    .bind(source)
    .bind(external_id)
    .bind(starts_at)
    .bind(crate::store::replies::cap(title, 300))
    .bind(by.map(|u| u.0))
    .fetch_optional(conn)
    .await?)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Meeting {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub source: String,
    pub external_id: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub title: String,
    pub created_at: DateTime<Utc>,
}

pub async fn for_lead<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, lead: LeadId) -> Result<Vec<Meeting>> {
    Ok(sqlx::query_as(
        "select id, lead_id, source, external_id, starts_at, title, created_at from meetings
         where client_id = $1 and lead_id = $2 order by created_at desc limit 100",
    )
    .bind(ws.0)
    .bind(lead.0)
    .fetch_all(db)
    .await?)
}
