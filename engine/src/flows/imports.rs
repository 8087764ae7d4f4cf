//! Durable CSV imports (issue 12): an import is a job of the queue (`jobs::RunImport`) over a
//! file kept in PostgreSQL (`import::staged`), so a server killed mid-import has it resumed by
//! the next worker from its last committed batch, and finished once.
//!
//! What makes a second run harmless: the run holds the import (a transaction-scoped advisory
//! lock, released when its process dies with its connection), so two runs never read at once;
//! every batch moves the import's checkpoint only from where it stands, in the batch's own
//! transaction (`import::run_mapped`); finishing is a transition from `running`, audited once.
//! So a job run again after a crash, or queued twice, never counts or inserts twice.
//!
//! This module does not authorise: the upload routes check the member may import first.

use crate::import::{self, staged};
use crate::jobs;
use crate::store::{imports, uploads};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::{Field, ImportId, ImportStatus, ImportSummary};
use uuid::Uuid;

/// Leads per enrichment job queued after an import.
pub const ENRICH_BATCH: usize = 200;

/// How long a running import may show no sign of life (a committed batch) before the sweep
/// queues its job again.
pub const STALL_AFTER: chrono::Duration = chrono::Duration::minutes(2);

/// Starts the import of a stored upload that is still waiting (not expired, not taken): creates
/// the import, gives it the upload (the claim: a second start of the same upload finds nothing)
/// and the chosen mapping (`None`: detect from the header), and queues its job. Returns the
/// import's id for the progress page.
pub async fn start(engine: &Engine, ws: WorkspaceId, user: UserId, upload: Uuid, choice: Option<Vec<Option<Field>>>) -> Result<ImportId> {
    let gone = || Error::NotFound("uploaded file (it expires after an hour; upload it again)");
    let ttl = chrono::Duration::from_std(staged::STAGED_TTL).expect("small duration");
    let mut tx = engine.tenant(ws).await?;
    let file = uploads::get(&mut *tx, ws, upload).await?.ok_or_else(gone)?;
    let id = imports::create(&mut tx, ws, &file.filename, Some(user)).await?;
    uploads::claim(&mut tx, ws, upload, id, ttl).await?.ok_or_else(gone)?;
    imports::attach_upload(&mut tx, ws, id, upload, choice.as_deref()).await?;
    tx.commit().await?;
    // Committed first: a job that could not be queued now is queued by the sweep
    // ([`requeue_stalled`]) once the import shows no progress.
    if let Err(e) = jobs::enqueue_import(engine.owner_pool(), jobs::RunImport { workspace: ws.0, import: id.0 }).await {
        tracing::error!(import = %id, error = ?e, "could not queue the import; the sweep will");
    }
    Ok(id)
}

/// What one run of an import's job did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// This run finished the import (completed or failed, as its record says).
    Finished { summary: ImportSummary, resumed: bool },
    /// It had finished before this run; only its leftover file was removed.
    AlreadyFinished,
    /// Another run holds it right now (the same job queued twice): this one did nothing.
    Busy,
}

/// Runs (or resumes) the import: reads its stored file from the checkpoint on, finishes it,
/// deletes the file and queues enrichment of the new leads. Errors are those worth a retry
/// (the database unreachable before the import could be finished).
#[tracing::instrument(skip(engine))]
pub async fn run(engine: &Engine, ws: WorkspaceId, id: ImportId) -> Result<RunOutcome> {
    // The import machinery (`import::run_mapped`, `staged::UploadReader`) opens its own
    // transactions confined to `ws`; the advisory hold belongs to no tenant.
    let pool = engine.owner_pool();
    // Held until this function returns, or until the process dies with its connection.
    let mut hold = pool.begin().await?;
    if !imports::try_hold(&mut hold, id).await? {
        return Ok(RunOutcome::Busy);
    }
    let run = {
        let mut tx = engine.tenant(ws).await?;
        let run = imports::start_run(&mut tx, ws, id).await?.ok_or(Error::NotFound("import"))?;
        tx.commit().await?;
        run
    };
    let Some(upload) = run.upload else {
        return Err(Error::Invalid("this import has no stored file to run from".into()));
    };
    if run.status != ImportStatus::Running {
        delete_upload(engine, ws, upload).await?;
        return Ok(RunOutcome::AlreadyFinished);
    }
    let resumed = run.earlier_runs > 0;
    if resumed {
        tracing::info!(rows_done = run.rows_done, "resuming an import a stopped process left running");
    }
    // Read on the import's own blocking thread (`import::read_records`).
    let reader = std::io::BufReader::with_capacity(256 * 1024, staged::UploadReader::new(pool.clone(), ws, upload));
    let result = import::run_mapped(pool, ws, run.created_by, id, reader, Default::default(), run.choice, |_| {}).await;
    let now = imports::checkpoint(&mut *engine.tenant(ws).await?, ws, id).await?.ok_or(Error::NotFound("import"))?;
    if now.status == ImportStatus::Running {
        // Stopped before it could be finished (the database went away): worth a retry, which
        // resumes from the checkpoint.
        return Err(result.err().unwrap_or_else(|| Error::Internal(anyhow::anyhow!("the import stopped before finishing"))));
    }
    if let Err(e) = &result {
        tracing::warn!(error = %e, "import ended with an error");
    }
    delete_upload(engine, ws, upload).await?;
    if let Err(e) = jobs::enqueue_pending_enrichment(pool, ws, ENRICH_BATCH).await {
        tracing::error!(error = ?e, "queueing enrichment after the import failed");
    }
    hold.rollback().await?;
    Ok(RunOutcome::Finished { summary: now.summary, resumed })
}

async fn delete_upload(engine: &Engine, ws: WorkspaceId, upload: Uuid) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    uploads::delete(&mut *tx, ws, upload).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues again the jobs of running imports that showed no sign of life since `STALL_AFTER`
/// before `now` (their process stopped and nothing requeued them, or their job was never
/// queued); returns how many. A job queued for an import that is in fact running does nothing
/// ([`RunOutcome::Busy`]).
pub async fn requeue_stalled(engine: &Engine, now: DateTime<Utc>) -> Result<u64> {
    let stalled = imports::stalled(engine.owner_pool(), now - STALL_AFTER).await?;
    for (ws, id) in &stalled {
        jobs::enqueue_import(engine.owner_pool(), jobs::RunImport { workspace: ws.0, import: id.0 }).await.map_err(Error::Internal)?;
    }
    Ok(stalled.len() as u64)
}
