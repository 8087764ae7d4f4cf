//! Scoring flow (SPEC §4, issue 5 item 5): load a workspace's leads in batches, score each with
//! the domain scorer, and store score, tier, components, weights, weight source, reasons and
//! `scored_at` on the lead, moving `new`/`enriched` leads to `scored` (or `dead`) through the
//! status machine.
//!
//! Idempotent: scoring the same leads again with the same configuration and date writes the
//! same values, so a retried job does no harm. Each batch is one transaction; a crash between
//! batches leaves earlier batches scored and the rest unscored, which a rerun picks up.
//!
//! It does not authorise (callers do). The weights come from the cascade over stored weights
//! (`store::weights`): the workspace's learned weights when confident enough, else the
//! platform's for the ICP's first industry, else the platform's global ones, else the priors.
//!
//! The company-fit rules compare against the workspace's saved ICP (`flows::icp`), loaded for
//! every run; when the ICP or the weights change, [`rescore_all`] queues a run over every lead.

use crate::store::leads::{self, ScoreUpdate, ScoringRow};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use domain::lead_status::{transition_with, LeadStatus, Signal, StatusRules};
use domain::leads::{is_personal_email, LeadId};
use domain::campaign::TargetList;
use domain::score::{LeadProfile, Scorer, ScoringConfig, TargetAccountTier, WeightCandidates};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// Which leads to score. Part of the scoring job's payload, hence serialisable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Leads never scored (after an import or enrichment).
    #[default]
    Unscored,
    /// Every live lead (the ICP or the weights changed).
    All,
}

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScoreCounts {
    pub scored: u64,
    /// Leads whose status moved (new → scored, enriched → dead, …).
    pub status_changed: u64,
}

/// Everything a run needs besides the leads.
#[derive(Debug, Clone)]
pub struct ScoreSettings {
    pub config: ScoringConfig,
    pub candidates: WeightCandidates,
    /// The active campaigns' target accounts: their leads' scores are multiplied.
    pub targets: TargetList,
    pub status_rules: StatusRules,
    pub batch_size: i64,
}

impl Default for ScoreSettings {
    fn default() -> Self {
        ScoreSettings {
            config: ScoringConfig::default(),
            candidates: WeightCandidates::default(),
            targets: TargetList::default(),
            status_rules: StatusRules::default(),
            batch_size: 1_000,
        }
    }
}

impl ScoreSettings {
    /// The settings a run for this workspace uses: the defaults with the workspace's saved ICP
    /// (or the default ICP when it saved none), its active campaigns' target accounts and the
    /// stored weights the cascade chooses from.
    pub async fn for_workspace(pool: &PgPool, ws: WorkspaceId) -> Result<ScoreSettings> {
        let mut tx = crate::db::tenant(pool, ws).await?;
        let icp = crate::flows::icp::load(&mut *tx, ws).await?;
        let mut settings = ScoreSettings::default();
        settings.config.icp = icp.scoring;
        settings.targets = TargetList::new(&crate::store::campaigns::active_target_accounts(&mut *tx, ws).await?);
        let industry = settings.config.icp.industries.first().map(String::as_str);
        settings.candidates = crate::store::weights::candidates(&mut tx, ws, industry).await?;
        tx.commit().await?;
        Ok(settings)
    }
}

/// Scores the workspace's leads against its saved ICP with the default weights.
pub async fn score_workspace(pool: &PgPool, ws: WorkspaceId, scope: Scope, now: DateTime<Utc>) -> Result<ScoreCounts> {
    let settings = ScoreSettings::for_workspace(pool, ws).await?;
    score_workspace_with(pool, ws, scope, &settings, now).await
}

/// Queues a run over every live lead of the workspace and returns the job's id. Call it when
/// something every score depends on changed: the ICP (`flows::icp::save` does) or the weights
/// (the learning flow, SPEC §14, once it stores learned weights). The run happens on the worker,
/// so a workspace of 100,000 leads does not hold up the request that changed the setting; it is
/// idempotent, so queueing it twice only costs time.
pub async fn rescore_all(engine: &Engine, ws: WorkspaceId) -> Result<String> {
    crate::jobs::enqueue_score(engine.owner_pool(), crate::jobs::ScoreWorkspace { workspace: ws.0, scope: Scope::All })
        .await
        .map_err(|e| Error::Internal(e.context("queueing a re-score")))
}

/// Scores the workspace's leads as of `now` (which decides "new in role < 6 months" and is
/// stored as `scored_at`).
pub async fn score_workspace_with(
    pool: &PgPool,
    ws: WorkspaceId,
    scope: Scope,
    settings: &ScoreSettings,
    now: DateTime<Utc>,
) -> Result<ScoreCounts> {
    let scorer = BatchScorer::new(settings, now)?;
    let mut counts = ScoreCounts::default();
    let mut after: Option<LeadId> = None;
    loop {
        let mut tx = crate::db::tenant(pool, ws).await?;
        let rows = leads::scoring_batch(&mut *tx, ws, after, scope == Scope::Unscored, settings.batch_size.max(1)).await?;
        let Some(last) = rows.last() else { break };
        after = Some(LeadId(last.id));
        let updates = rows.iter().map(|row| scorer.update(row)).collect::<Result<Vec<_>>>()?;
        counts.status_changed += updates.iter().filter(|u| u.status_change.is_some()).count() as u64;
        counts.scored += leads::save_scores(&mut tx, ws, &updates, now).await?;
        tx.commit().await?;
    }
    Ok(counts)
}

/// One run's scorer: the configuration resolved once, then a score and status move per lead.
/// Shared by the scoring batches here and by enrichment batches that score what they write
/// (`store::enrichment::BatchScoring`).
#[derive(Debug, Clone)]
pub struct BatchScorer {
    scorer: Scorer,
    targets: TargetList,
    rules: StatusRules,
    as_of: chrono::NaiveDate,
    pub now: DateTime<Utc>,
}

impl BatchScorer {
    pub fn new(settings: &ScoreSettings, now: DateTime<Utc>) -> Result<BatchScorer> {
        let weights = settings.candidates.resolve(&settings.config.weight_thresholds);
        let scorer = Scorer::new(settings.config.clone(), weights).map_err(|e| Error::Invalid(format!("scoring configuration: {e}")))?;
        Ok(BatchScorer { scorer, targets: settings.targets.clone(), rules: settings.status_rules.clone(), as_of: now.date_naive(), now })
    }

    /// The score of one lead and the status move it causes.
    pub fn update(&self, row: &ScoringRow) -> Result<ScoreUpdate> {
        let score = self.scorer.score(&profile(row, &self.targets).facts(), self.as_of);
        let current: LeadStatus = row.status.parse().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
        // A refused move (a terminal lead) keeps its status; the score is stored anyway.
        let status_change = transition_with(&self.rules, current, Signal::Scored { als: score.als.whole() })
            .ok()
            .filter(|next| *next != current)
            .map(|next| (current, next));
        Ok(ScoreUpdate { id: LeadId(row.id), score, status_change })
    }
}

/// What a stored lead tells the scorer. Timing (role start, hiring, funding, intent) comes from
/// what providers reported (`leads.timing`; an unreported fact earns nothing); web presence
/// comes from `company_web` when the domain was measured, and `None` means "not measured",
/// which neither adds nor deducts. Bounce and unsubscribe history beyond the lead's own status
/// is not stored yet.
pub fn profile(row: &ScoringRow, targets: &TargetList) -> LeadProfile {
    let timing = row.timing.map(|t| t.0).unwrap_or_default();
    let status: Option<LeadStatus> = row.status.parse().ok();
    let location = domain::score::lead_place(row.location.as_deref(), row.country.as_deref());
    LeadProfile {
        email_verified: row.email_verified,
        has_phone: row.phone.is_some(),
        has_linkedin_url: row.linkedin_url.is_some(),
        has_personal_email: row.email.as_deref().is_some_and(is_personal_email),
        title: row.title.clone().unwrap_or_default(),
        industry: row.industry.clone().unwrap_or_default(),
        employee_count: row.employee_count.and_then(|n| u32::try_from(n).ok()),
        location,
        previously_bounced: status == Some(LeadStatus::Bounced),
        unsubscribed_anywhere: status == Some(LeadStatus::Unsubscribed),
        web: row.web.map(|w| w.0),
        role_started_on: timing.role_started_on,
        company_hiring: timing.company_hiring.unwrap_or(false),
        funded_on: timing.funded_on,
        intent_signals: timing.intent_signals.unwrap_or(0),
        target_account: targets
            .multiplier(row.company_domain.as_deref(), row.email.as_deref())
            .map(|m| TargetAccountTier::Listed { multiplier_pct: (m * 100.0).round().clamp(10.0, 1000.0) as u16 }),
        ..LeadProfile::default()
    }
}
