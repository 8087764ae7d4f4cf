//! CSV imports: the progress row the import page polls, and the per-row problems behind the
//! downloadable error report. Scoped by workspace like every store module.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::{Field, ImportId, ImportStatus, ImportSummary, ImportView};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// Whether a report line is a rejected row or a duplicate that was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Invalid,
    Duplicate,
}

impl ProblemKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Invalid => "invalid",
            ProblemKind::Duplicate => "duplicate",
        }
    }
}

/// One line of the error report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row_number: u64,
    pub column: String,
    pub kind: ProblemKind,
    pub message: String,
}

pub async fn create(conn: &mut PgConnection, ws: WorkspaceId, filename: &str, created_by: Option<UserId>) -> Result<ImportId> {
    let id: Uuid = sqlx::query_scalar("insert into imports (client_id, filename, created_by) values ($1, $2, $3) returning id")
        .bind(ws.0)
        .bind(filename)
        .bind(created_by.map(|u| u.0))
        .fetch_one(conn)
        .await?;
    Ok(ImportId(id))
}

/// Records the header → field mapping that was detected.
pub async fn set_mapping(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, mapping: &[(String, Field)]) -> Result<()> {
    let json = serde_json::to_value(mapping).map_err(|e| Error::Internal(e.into()))?;
    sqlx::query("update imports set mapping = $3 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id.0)
        .bind(json)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds one batch's counts to the running totals (called in the batch's transaction).
pub async fn add_progress(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, delta: ImportSummary) -> Result<()> {
    let n = |x: u64| i32::try_from(x).unwrap_or(i32::MAX);
    sqlx::query(
        "update imports set total_rows = total_rows + $3, imported = imported + $4, duplicates = duplicates + $5,
                invalid = invalid + $6
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(n(delta.total))
    .bind(n(delta.imported))
    .bind(n(delta.duplicates))
    .bind(n(delta.invalid))
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the import finished: `completed`, or `failed` with the reason it stopped.
pub async fn finish(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, failure: Option<&str>) -> Result<()> {
    let status = if failure.is_some() { ImportStatus::Failed } else { ImportStatus::Completed };
    sqlx::query("update imports set status = $3, error = $4, finished_at = now() where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id.0)
        .bind(status.as_str())
        .bind(failure)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes a batch of report lines in one statement.
pub async fn add_problems(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, problems: &[Problem]) -> Result<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let rows: Vec<i32> = problems.iter().map(|p| i32::try_from(p.row_number).unwrap_or(i32::MAX)).collect();
    let columns: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
    let kinds: Vec<&str> = problems.iter().map(|p| p.kind.as_str()).collect();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    sqlx::query(
        "insert into import_errors (client_id, import_id, row_number, column_name, kind, message)
         select $1, $2, t.* from unnest($3::int4[], $4::text[], $5::text[], $6::text[]) as t",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(rows)
    .bind(columns)
    .bind(kinds)
    .bind(messages)
    .execute(conn)
    .await?;
    Ok(())
}

type ViewRow = (Uuid, String, String, i32, i32, i32, i32, Option<String>, Option<serde_json::Value>, DateTime<Utc>, Option<DateTime<Utc>>);

/// The import as its page shows it; `None` for another workspace's import.
pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: ImportId) -> Result<Option<ImportView>> {
    let row: Option<ViewRow> = sqlx::query_as(
        "select id, filename, status, total_rows, imported, duplicates, invalid, error, mapping, started_at, finished_at
         from imports where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .fetch_optional(db)
    .await?;
    row.map(|(id, filename, status, total, imported, duplicates, invalid, error, mapping, started_at, finished_at)| {
        let c = |n: i32| n.max(0) as u64;
        Ok(ImportView {
            id: ImportId(id),
            filename,
            status: ImportStatus::parse(&status).map_err(|e| Error::Internal(e.into()))?,
            summary: ImportSummary { total: c(total), imported: c(imported), duplicates: c(duplicates), invalid: c(invalid) },
            error,
            mapping: mapping.map(serde_json::from_value).transpose().map_err(|e| Error::Internal(e.into()))?.unwrap_or_default(),
            started_at,
            finished_at,
        })
    })
    .transpose()
}

/// Every report line of an import in row order; empty for another workspace's import.
pub async fn problems<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: ImportId) -> Result<Vec<Problem>> {
    let rows: Vec<(i32, String, String, String)> = sqlx::query_as(
        "select row_number, column_name, kind, message from import_errors
         where client_id = $1 and import_id = $2 order by row_number, id",
    )
    .bind(ws.0)
    .bind(id.0)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(row, column, kind, message)| Problem {
            row_number: row.max(0) as u64,
            column,
            kind: if kind == "duplicate" { ProblemKind::Duplicate } else { ProblemKind::Invalid },
            message,
        })
        .collect())
}
