//! CSV imports: the progress row the import page polls, and the per-row problems behind the
//! downloadable error report. Scoped by workspace like every store module.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::{Field, ImportId, ImportResumed, ImportStatus, ImportSummary, ImportView};
use sqlx::{PgConnection, PgExecutor, PgPool};
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

/// Marks a running import finished: `completed`, or `failed` with the reason it stopped.
/// `false` when it had already finished (a second run of its job), so it is audited once.
pub async fn finish(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, failure: Option<&str>) -> Result<bool> {
    let status = if failure.is_some() { ImportStatus::Failed } else { ImportStatus::Completed };
    let r = sqlx::query("update imports set status = $3, error = $4, finished_at = now() where client_id = $1 and id = $2 and status = 'running'")
        .bind(ws.0)
        .bind(id.0)
        .bind(status.as_str())
        .bind(failure)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves the checkpoint from row `from` to row `to`, first thing in a batch's transaction. The
/// update locks the import's row, so writers of one import take turns, and it only matches
/// when the checkpoint is still `from`: a batch some other run already committed (or one that
/// does not follow on from the checkpoint) gets `false` and must not be written.
pub async fn advance(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, from: u64, to: u64) -> Result<bool> {
    let n = |x: u64| i32::try_from(x).unwrap_or(i32::MAX);
    let r = sqlx::query(
        "update imports set rows_done = $4, heartbeat_at = now()
         where client_id = $1 and id = $2 and rows_done = $3 and status = 'running'",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(n(from))
    .bind(n(to))
    .execute(conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Where a run of the import starts: its checkpoint and the counts committed up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub status: ImportStatus,
    pub rows_done: u64,
    pub summary: ImportSummary,
}

pub async fn checkpoint<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: ImportId) -> Result<Option<Checkpoint>> {
    let row: Option<(String, i32, i32, i32, i32, i32)> =
        sqlx::query_as("select status, rows_done, total_rows, imported, duplicates, invalid from imports where client_id = $1 and id = $2")
            .bind(ws.0)
            .bind(id.0)
            .fetch_optional(db)
            .await?;
    row.map(|(status, done, total, imported, duplicates, invalid)| {
        let c = |n: i32| n.max(0) as u64;
        Ok(Checkpoint {
            status: ImportStatus::parse(&status).map_err(|e| Error::Internal(e.into()))?,
            rows_done: c(done),
            summary: ImportSummary { total: c(total), imported: c(imported), duplicates: c(duplicates), invalid: c(invalid) },
        })
    })
    .transpose()
}

/// Records the file an import reads and the mapping a person chose for it (`None`: detect).
pub async fn attach_upload(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId, upload: Uuid, choice: Option<&[Option<Field>]>) -> Result<()> {
    let choice = choice.map(serde_json::to_value).transpose().map_err(|e| Error::Internal(e.into()))?;
    sqlx::query("update imports set upload_id = $3, chosen_mapping = $4, heartbeat_at = now() where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id.0)
        .bind(upload)
        .bind(choice)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a worker needs to run an import's job.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub status: ImportStatus,
    pub upload: Option<Uuid>,
    pub choice: Option<Vec<Option<Field>>>,
    pub created_by: Option<UserId>,
    /// Runs started before this one (0: this is the first).
    pub earlier_runs: u32,
    pub rows_done: u64,
}

/// Counts a new run of the import and, when an earlier run started it, records that this one
/// resumes it (the first resumption is kept). `None` for another workspace's import.
pub async fn start_run(conn: &mut PgConnection, ws: WorkspaceId, id: ImportId) -> Result<Option<Run>> {
    type RunRow = (String, Option<Uuid>, Option<serde_json::Value>, Option<Uuid>, i32, i32);
    let row: Option<RunRow> = sqlx::query_as(
        "update imports i set runs = i.runs + 1, heartbeat_at = now(),
                resumed_at = case when i.runs > 0 and i.status = 'running' then coalesce(i.resumed_at, now()) else i.resumed_at end,
                resumed_from_row = case when i.runs > 0 and i.status = 'running' then coalesce(i.resumed_from_row, i.rows_done) else i.resumed_from_row end
         where i.client_id = $1 and i.id = $2
         returning i.status, i.upload_id, i.chosen_mapping, i.created_by, i.runs - 1, i.rows_done",
    )
    .bind(ws.0)
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    row.map(|(status, upload, choice, created_by, earlier, done)| {
        Ok(Run {
            status: ImportStatus::parse(&status).map_err(|e| Error::Internal(e.into()))?,
            upload,
            choice: choice.map(serde_json::from_value).transpose().map_err(|e| Error::Internal(e.into()))?,
            created_by: created_by.map(UserId),
            earlier_runs: earlier.max(0) as u32,
            rows_done: done.max(0) as u64,
        })
    })
    .transpose()
}

/// Holds the import for one run until `conn`'s transaction ends (commit, rollback, or the
/// process dying with its connection): `false` when another run holds it.
pub async fn try_hold(conn: &mut PgConnection, id: ImportId) -> Result<bool> {
    Ok(sqlx::query_scalar("select pg_try_advisory_xact_lock(hashtextextended('agency_os.import:' || $1::text, 0))")
        .bind(id.0)
        .fetch_one(conn)
        .await?)
}

/// Running imports read from a stored upload with no sign of life since `before` (their run
/// stopped with its process, or their job was never queued), across tenants, for the sweep to
/// queue again. Their heartbeat is set to now, so the next sweep waits as long again before
/// queuing them once more.
pub async fn stalled(pool: &PgPool, before: DateTime<Utc>) -> Result<Vec<(WorkspaceId, ImportId)>> {
    let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "update imports set heartbeat_at = now()
         where (client_id, id) in (
             select client_id, id from imports
             where status = 'running' and upload_id is not null and coalesce(heartbeat_at, started_at) < $1
             order by started_at limit 100
             for update skip locked)
         returning client_id, id",
    )
    .bind(before)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(ws, id)| (WorkspaceId(ws), ImportId(id))).collect())
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

type ViewRow = (
    Uuid,
    String,
    String,
    i32,
    i32,
    i32,
    i32,
    Option<String>,
    Option<serde_json::Value>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i32>,
);

/// The import as its page shows it; `None` for another workspace's import.
pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: ImportId) -> Result<Option<ImportView>> {
    let row: Option<ViewRow> = sqlx::query_as(
        "select id, filename, status, total_rows, imported, duplicates, invalid, error, mapping, started_at, finished_at,
                resumed_at, resumed_from_row
         from imports where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .fetch_optional(db)
    .await?;
    row.map(|(id, filename, status, total, imported, duplicates, invalid, error, mapping, started_at, finished_at, resumed_at, resumed_from)| {
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
            // The checkpoint names the last row already in; the run read on from the next
            // (the first data row is row 2).
            resumed: resumed_at.map(|at| ImportResumed { at, from_row: (resumed_from.unwrap_or(0).max(1) as u64) + 1 }),
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
