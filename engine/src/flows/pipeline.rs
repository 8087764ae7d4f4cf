//! One pipeline pass for a workspace (the CLI's `agency-os pipeline --workspace W`): enrich every
//! pending lead (status `new`, never through the waterfall) in batches, then score every
//! unscored lead, reporting progress after each step.
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
    let pending = store::count_pending(&engine.pool, ws).await? as u64;
    let mut p = Progress { stage: Stage::Enriching, pending, enrichment: BatchReport::default(), scored: 0, stopped: None };
    progress(&p);
    let batch = enricher.settings.batch_size.max(1) as i64;
    'passes: for pass in 0..MAX_PASSES {
        if pass > 0 {
            if p.enrichment.deferred == 0 {
                break;
            }
            // Only the deferred leads are still pending; count them afresh.
            p.enrichment.deferred = 0;
        }
        let mut after = None;
        loop {
            let rows = store::pending_batch(&engine.pool, ws, after, batch).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            match enrich::enrich_rows(engine, enricher, ws, rows).await {
                Ok(report) => {
                    p.enrichment.add(&report);
                    progress(&p);
                    if report.out_of_credits {
                        p.stopped = Some(EnrichError::OutOfCredits.to_string());
                        break 'passes;
                    }
                }
                Err(EnrichError::Engine(e)) => return Err(e),
                Err(e) => {
                    p.stopped = Some(e.to_string());
                    break 'passes;
                }
            }
        }
    }
    p.stage = Stage::Scoring;
    progress(&p);
    let ScoreCounts { scored, .. } = score::score_workspace(&engine.pool, ws, Scope::Unscored, chrono::Utc::now()).await?;
    p.scored = scored;
    p.stage = Stage::Done;
    progress(&p);
    Ok(p)
}
