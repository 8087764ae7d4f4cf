//! One pipeline pass for a workspace (the CLI's `agency-os pipeline --workspace W`): enrich every
//! pending lead (status `new`, never through the waterfall) in batches, each batch scoring the
//! leads it finishes as it writes them, then score every lead still unscored, reporting progress
//! after each step.
//!
//! It runs in-process rather than through the queue so the CLI can print progress and exit
//! when done; it calls the same idempotent flows the jobs call, so running it while a worker
//! handles the same workspace does no harm (each lead is enriched and charged once).

use crate::flows::enrich::{self, BatchReport, EnrichError, Enricher};
use crate::flows::score::{self, Scope, ScoreCounts};
use crate::store::enrichment as store;
use crate::Engine;
use domain::ids::WorkspaceId;
use std::fmt;

/// Passes over the pending leads: a lead deferred because a provider was down is retried on
/// the next pass, by when a breaker may have closed again.
const MAX_PASSES: u32 = 3;

/// Enrichment batches calling providers or writing at once in the pipeline.
const PARALLEL_BATCHES: usize = 8;

/// Enrichment batches under way at once, most of them waiting on an async provider's poll
/// interval (holding no connection and calling nobody); bounded so a run's memory stays small
/// (about 135 MB peak for 100,000 leads at 64, against 90 MB at 32, which left the run waiting).
const BATCHES_UNDER_WAY: usize = 8 * PARALLEL_BATCHES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Enriching,
    Scoring,
    Done,
}

/// A progress report, printable as one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub stage: Stage,
    /// Leads that were pending enrichment when the run started.
    pub pending: u64,
    /// Enrichment so far (cumulative).
    pub enrichment: BatchReport,
    pub scored: u64,
    /// Why enrichment stopped early (no credits, subscription), if it did.
    pub stopped: Option<String>,
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.enrichment;
        let seen = e.enriched + e.skipped + e.deferred;
        match self.stage {
            Stage::Enriching => write!(
                f,
                "enriching {seen}/{}: {} enriched ({} from cache), {} skipped, {} waiting",
                self.pending, e.enriched, e.from_cache, e.skipped, e.deferred
            ),
            Stage::Scoring => write!(f, "scoring: {} enriched, now scoring unscored leads", e.enriched),
            Stage::Done => write!(
                f,
                "done: {} enriched, {} skipped, {} waiting, {} scored{}",
                e.enriched,
                e.skipped,
                e.deferred,
                self.scored,
                self.stopped.as_deref().map(|s| format!(" (enrichment stopped: {s})")).unwrap_or_default()
            ),
        }
    }
}

/// Runs enrichment then scoring to completion. Out of credits or an inactive subscription stops
/// enrichment (reported in `stopped`) but not scoring: leads continue un-enriched (SPEC §5).
pub async fn pipeline(engine: &Engine, enricher: &Enricher, ws: WorkspaceId, mut progress: impl FnMut(&Progress)) -> crate::Result<Progress> {
    let pending = store::count_pending(&mut *engine.tenant(ws).await?, ws).await? as u64;
    let mut p = Progress { stage: Stage::Enriching, pending, enrichment: BatchReport::default(), scored: 0, stopped: None };
    progress(&p);
    let batch = enricher.settings.batch_size.max(1) as i64;
    let mut gated = enricher.clone();
    gated.working.get_or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(PARALLEL_BATCHES)));
    // Each batch scores the leads it finishes as it writes them (one write per lead instead of
    // two); the scoring stage afterwards picks up whatever is left unscored.
    let scorer = std::sync::Arc::new(score::BatchScorer::new(&score::ScoreSettings::for_workspace(engine.owner_pool(), ws).await?, chrono::Utc::now())?);
    'passes: for pass in 0..MAX_PASSES {
        if pass > 0 {
            if p.enrichment.deferred == 0 {
                break;
            }
            // Only the deferred leads are still pending; count them afresh.
            p.enrichment.deferred = 0;
        }
        // Several batches in flight: a batch lasts as long as its slowest lead, and a lead
        // that reaches an async provider waits a poll interval, so one batch at a time left
        // the machine idle. Batches never overlap (keyset on id) and each is the same
        // idempotent `enrich_rows` a job runs, so running them side by side is safe. They are
        // spawned, not merely polled here: a batch suspended in the middle of a transaction
        // while this loop awaits the next page would hold its connection and starve the pool.
        // A batch whose leads all wait on an async provider holds no permit of `working`
        // (see `Enricher::working`), so up to `BATCHES_UNDER_WAY` batches are under way while
        // at most `PARALLEL_BATCHES` call providers or write: provider concurrency and database
        // connections stay as bounded as before, and the poll interval is waited out side by side.
        let mut in_flight = tokio::task::JoinSet::new();
        let mut after = None;
        let mut exhausted = false;
        let mut stop: Option<String> = None;
        loop {
            while !exhausted && stop.is_none() && in_flight.len() < BATCHES_UNDER_WAY {
                let rows = store::pending_batch(&mut *engine.tenant(ws).await?, ws, after, batch).await?;
                match rows.last() {
                    Some(last) => {
                        after = Some(last.id);
                        let (engine, enricher, scorer) = (engine.clone(), gated.clone(), scorer.clone());
                        in_flight.spawn(async move { enrich::enrich_rows_scoring(&engine, &enricher, ws, rows, Some(scorer.as_ref())).await });
                    }
                    None => exhausted = true,
                }
            }
            // Once stopped, the batches already running finish (each checks credits itself).
            let Some(joined) = in_flight.join_next().await else { break };
            // A panicking batch is a bug: surface it rather than reporting a partial run.
            let outcome = joined.map_err(|e| crate::Error::Internal(anyhow::anyhow!("enrichment batch failed: {e}")))?;
            match outcome {
                Ok(report) => {
                    p.enrichment.add(&report);
                    progress(&p);
                    if report.out_of_credits {
                        stop.get_or_insert_with(|| EnrichError::OutOfCredits.to_string());
                    }
                }
                Err(EnrichError::Engine(e)) => return Err(e),
                Err(e) => {
                    stop.get_or_insert_with(|| e.to_string());
                }
            }
        }
        if stop.is_some() {
            p.stopped = stop;
            break 'passes;
        }
    }
    p.stage = Stage::Scoring;
    progress(&p);
    let ScoreCounts { scored, .. } = score::score_workspace(engine.owner_pool(), ws, Scope::Unscored, chrono::Utc::now()).await?;
    p.scored = u64::from(p.enrichment.scored) + scored;
    p.stage = Stage::Done;
    progress(&p);
    Ok(p)
}
