//! The per-workspace suppression list of email addresses (SPEC §10.5). Addresses are stored in
//! the canonical form of `domain::suppression`, so every writer and the dispatch check agree on
//! what "the same address" means.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use domain::suppression::canonical_email;
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Why an address is on the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Unsubscribed,
    Bounced,
    Complained,
    Manual,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unsubscribed => "unsubscribed",
            Reason::Bounced => "bounced",
            Reason::Complained => "complained",
            Reason::Manual => "manual",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "unsubscribed" => Reason::Unsubscribed,
            "bounced" => Reason::Bounced,
            "complained" => Reason::Complained,
            "manual" => Reason::Manual,
            other => return Err(Error::Internal(anyhow::anyhow!("unknown suppression reason {other:?} in the database"))),
        })
    }
}

/// An address to add. `address` is canonicalised (and refused if it is not an address).
#[derive(Debug, Clone)]
pub struct NewSuppression<'a> {
    pub address: &'a str,
    pub reason: Reason,
    /// How it arrived: `link`, `one_click`, `reply`, `dsn`, `webhook`, `import`, `user`.
    pub source: &'a str,
    pub campaign_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    pub address: String,
    pub reason: Reason,
    pub source: String,
    pub campaign_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

fn canonical(raw: &str) -> Result<String> {
    canonical_email(raw).map_err(|e| Error::Invalid(e.to_string()))
}

/// Adds the address unless it is already listed; true if this call added it. A repeat keeps
/// the first row (its reason and time) and is not an error.
pub async fn insert(conn: &mut PgConnection, ws: WorkspaceId, s: &NewSuppression<'_>) -> Result<bool> {
    let address = canonical(s.address)?;
    let source = s.source.trim();
    if source.is_empty() || source.len() > 40 {
        return Err(Error::Invalid("the suppression source must be 1 to 40 characters".into()));
    }
    let added = sqlx::query(
        "insert into suppressions (client_id, address, reason, source, campaign_id) values ($1, $2, $3, $4, $5)
         on conflict (client_id, address) do nothing",
    )
    .bind(ws.0)
    .bind(&address)
    .bind(s.reason.as_str())
    .bind(source)
    .bind(s.campaign_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Whether the workspace has suppressed this address.
pub async fn is_suppressed<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, address: &str) -> Result<bool> {
    let address = canonical(address)?;
    Ok(sqlx::query_scalar("select exists(select 1 from suppressions where client_id = $1 and address = $2)")
        .bind(ws.0)
        .bind(address)
        .fetch_one(db)
        .await?)
}

/// The entry for one address, if listed.
pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, address: &str) -> Result<Option<Suppression>> {
    let address = canonical(address)?;
    let row: Option<Row> = sqlx::query_as("select address, reason, source, campaign_id, created_at from suppressions where client_id = $1 and address = $2")
        .bind(ws.0)
        .bind(address)
        .fetch_optional(db)
        .await?;
    row.map(from_row).transpose()
}

/// The newest `limit` entries (1 to 1000), newest first.
pub async fn list<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, limit: i64) -> Result<Vec<Suppression>> {
    let rows: Vec<Row> = sqlx::query_as(
        "select address, reason, source, campaign_id, created_at from suppressions
         where client_id = $1 order by created_at desc, address limit $2",
    )
    .bind(ws.0)
    .bind(limit.clamp(1, 1000))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(from_row).collect()
}

type Row = (String, String, String, Option<Uuid>, DateTime<Utc>);

fn from_row((address, reason, source, campaign_id, created_at): Row) -> Result<Suppression> {
    Ok(Suppression { address, reason: Reason::parse(&reason)?, source, campaign_id, created_at })
}
