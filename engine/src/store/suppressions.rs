//! The suppression lists (SPEC §10.5): per workspace, and the operator's platform-wide list, of
//! email addresses, domains (an entry covers the domain and its subdomains) and phone numbers
//! (E.164). Values are stored in the canonical forms of `domain::suppression`, so every writer
//! and every just-in-time check agree on what "the same address" means. The email-only
//! functions (`insert`, `is_suppressed`, `get`, `list`) predate the other kinds and keep working
//! on email entries.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use domain::suppression::{canonical_email, EntryKind};
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
    /// From a client's do-not-contact list, imported in Settings → Suppression.
    Imported,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Unsubscribed => "unsubscribed",
            Reason::Bounced => "bounced",
            Reason::Complained => "complained",
            Reason::Manual => "manual",
            Reason::Imported => "imported",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "unsubscribed" => Reason::Unsubscribed,
            "bounced" => Reason::Bounced,
            "complained" => Reason::Complained,
            "manual" => Reason::Manual,
            "imported" => Reason::Imported,
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

pub(crate) fn canonical(raw: &str) -> Result<String> {
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
         where client_id = $1 and kind = 'email' order by created_at desc, address limit $2",
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

// ---- every kind: the Settings page, imports, and the check every channel calls ----

/// One entry of a workspace's list, any kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: EntryKind,
    /// The canonical value: a lower-case address, an ASCII domain, or an E.164 number.
    pub value: String,
    pub reason: Reason,
    pub source: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An entry to add; `value` is already canonical (see `domain::suppression::canonical_value`).
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub kind: EntryKind,
    pub value: &'a str,
    pub reason: Reason,
    pub source: &'a str,
    pub note: Option<&'a str>,
}

fn kind_of(s: &str) -> Result<EntryKind> {
    EntryKind::parse(s).ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown suppression kind {s:?} in the database")))
}

type EntryRow = (String, String, String, String, Option<String>, DateTime<Utc>);

fn entry((kind, value, reason, source, note, created_at): EntryRow) -> Result<Entry> {
    Ok(Entry { kind: kind_of(&kind)?, value, reason: Reason::parse(&reason)?, source, note, created_at })
}

/// Adds an entry unless its value is already listed; true if this call added it.
pub async fn add(conn: &mut PgConnection, ws: WorkspaceId, e: &NewEntry<'_>) -> Result<bool> {
    let added = sqlx::query(
        "insert into suppressions (client_id, kind, address, reason, source, note) values ($1, $2, $3, $4, $5, $6)
         on conflict (client_id, address) do nothing",
    )
    .bind(ws.0)
    .bind(e.kind.as_str())
    .bind(e.value)
    .bind(e.reason.as_str())
    .bind(e.source)
    .bind(e.note.map(str::trim).filter(|n| !n.is_empty()))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// Removes the entry with this canonical value; the removed entry, if there was one.
pub async fn remove(conn: &mut PgConnection, ws: WorkspaceId, value: &str) -> Result<Option<Entry>> {
    let row: Option<EntryRow> = sqlx::query_as(
        "delete from suppressions where client_id = $1 and address = $2
         returning kind, address, reason, source, note, created_at",
    )
    .bind(ws.0)
    .bind(value)
    .fetch_optional(conn)
    .await?;
    row.map(entry).transpose()
}

/// A page of the list, newest first: entries whose value contains `search` (case-insensitive),
/// of `kind` when given; and how many match in all.
pub async fn search(conn: &mut PgConnection, ws: WorkspaceId, search: &str, kind: Option<EntryKind>, limit: i64, offset: i64) -> Result<(Vec<Entry>, i64)> {
    let pattern = format!("%{}%", search.trim().to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let kind = kind.map(EntryKind::as_str);
    let rows: Vec<EntryRow> = sqlx::query_as(
        "select kind, address, reason, source, note, created_at from suppressions
         where client_id = $1 and address like $2 and ($3::text is null or kind = $3)
         order by created_at desc, address limit $4 offset $5",
    )
    .bind(ws.0)
    .bind(&pattern)
    .bind(kind)
    .bind(limit.clamp(1, 500))
    .bind(offset.max(0))
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 = sqlx::query_scalar("select count(*) from suppressions where client_id = $1 and address like $2 and ($3::text is null or kind = $3)")
        .bind(ws.0)
        .bind(&pattern)
        .bind(kind)
        .fetch_one(&mut *conn)
        .await?;
    Ok((rows.into_iter().map(entry).collect::<Result<_>>()?, total))
}

/// The whole list, oldest first (for the CSV export).
pub async fn all(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        "select kind, address, reason, source, note, created_at from suppressions
         where client_id = $1 order by created_at, address",
    )
    .bind(ws.0)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(entry).collect()
}

/// What a contact is checked by: each field canonical, any may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Candidates {
    pub email: Option<String>,
    /// Domains checked with their parents (the email's domain is added by the query).
    pub domains: Vec<String>,
    pub phone: Option<String>,
}

/// The entry a contact hit, and on which list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// `workspace` or `platform`.
    pub list: String,
    pub kind: EntryKind,
    pub value: String,
}

impl std::fmt::Display for Hit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            EntryKind::Email => "address",
            EntryKind::Domain => "domain",
            EntryKind::Phone => "number",
        };
        write!(f, "{what} {} is on the {} suppression list", self.value, self.list)
    }
}

/// The first entry of the workspace's list or the platform's that `c` hits: its email exactly,
/// its email's domain or any domain given (each with its parents, by whole labels), its phone
/// number. The one check every channel calls just before it sends.
pub async fn check<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, c: &Candidates) -> Result<Option<Hit>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "with d as (
            select distinct unnest(agency_os_domain_and_parents(split_part($2, '@', 2))
                                   || coalesce((select array_agg(p) from unnest($3::text[]) x, unnest(agency_os_domain_and_parents(x)) p), '{}')) as domain
         )
         (select 'workspace', kind, address from suppressions
          where client_id = $1 and (address = $2 or address = $4 or (kind = 'domain' and address in (select domain from d)))
          order by kind limit 1)
         union all
         (select 'platform', kind, value from platform_suppressions
          where value = $2 or value = $4 or (kind = 'domain' and value in (select domain from d))
          order by kind limit 1)
         limit 1",
    )
    .bind(ws.0)
    .bind(c.email.as_deref())
    .bind(&c.domains)
    .bind(c.phone.as_deref())
    .fetch_optional(db)
    .await?;
    row.map(|(list, kind, value)| Ok(Hit { list, kind: kind_of(&kind)?, value })).transpose()
}

// ---- the platform-wide list (operator) ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformEntry {
    pub kind: EntryKind,
    pub value: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Adds to the platform list (canonical value); true if this call added it.
pub async fn platform_add(conn: &mut PgConnection, kind: EntryKind, value: &str, note: Option<&str>) -> Result<bool> {
    Ok(sqlx::query("insert into platform_suppressions (kind, value, note) values ($1, $2, $3) on conflict (value) do nothing")
        .bind(kind.as_str())
        .bind(value)
        .bind(note.map(str::trim).filter(|n| !n.is_empty()))
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Removes from the platform list; true if it was there.
pub async fn platform_remove(conn: &mut PgConnection, value: &str) -> Result<bool> {
    Ok(sqlx::query("delete from platform_suppressions where value = $1").bind(value).execute(conn).await?.rows_affected() == 1)
}

pub async fn platform_list<'e>(db: impl PgExecutor<'e>) -> Result<Vec<PlatformEntry>> {
    let rows: Vec<(String, String, Option<String>, DateTime<Utc>)> =
        sqlx::query_as("select kind, value, note, created_at from platform_suppressions order by created_at, value").fetch_all(db).await?;
    rows.into_iter().map(|(kind, value, note, created_at)| Ok(PlatformEntry { kind: kind_of(&kind)?, value, note, created_at })).collect()
}
