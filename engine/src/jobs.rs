//! Durable background jobs on Postgres: CSV imports, drafting after a campaign change,
//! enrichment batches, workspace scoring, announcements, onboarding discovery, outbound webhook
//! deliveries, and the schedules (every schedule of the product is registered in [`monitor`]).
//!
//! Crate: **apalis 0.7 + apalis-sql 0.7** (Postgres storage). Chosen over underway 0.2 because
//! apalis-sql uses plain `sqlx::query` strings, so the engine still builds without a database
//! at compile time (underway's `query!` macros need `DATABASE_URL` or a committed `.sqlx/`
//! cache), and over apalis 1.0 because that pulls in sqlx 0.9 beside our 0.8. The price: its
//! migrations share `public._sqlx_migrations` with ours, so both migrators run with
//! `ignore_missing` (see [`setup`] and `db::migrate`).
//!
//! What apalis gives us: jobs stored as rows (`apalis.jobs`), claimed with row locks, retried
//! with exponential backoff and jitter up to [`MAX_RETRIES`] times, and — the crash case — a job
//! left `Running` by a worker that stopped heartbeating is put back to `Pending` and picked up
//! by the next worker (`reenqueue_orphaned`). Schedules come from apalis-cron on the same
//! monitor (the hourly credit-reset sweep).
//!
//! What the handlers guarantee: they are idempotent. An enrichment batch only touches leads
//! still pending (the enrichment log's primary key, the credit charge and the lead update are
//! one transaction), and scoring writes the same values again. So a batch that crashed half way
//! and runs again enriches the remaining leads only, charges each lead once and creates no
//! lead. Errors say whether a retry can help ([`JobError::Retryable`]) or not
//! ([`JobError::Fatal`]: no credits, subscription not active, workspace gone).

use crate::flows::enrich::{self, BatchReport, EnrichError, Enricher};
use crate::flows::score::{self, Scope, ScoreCounts};
use crate::integrations::Resolver;
use crate::Engine;
use apalis::layers::retry::backoff::{ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::{BackoffRetryPolicy, HasherRng, RetryPolicy};
use apalis::prelude::*;
use apalis_sql::postgres::PostgresStorage;
use apalis_sql::Config;
use domain::ids::WorkspaceId;
use domain::leads::LeadId;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Attempts after the first before a job is given up (then it stays `Failed` for an operator).
pub const MAX_RETRIES: usize = 5;

/// Enrich these leads of the workspace (at most a batch; the pipeline and imports split).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichBatch {
    pub workspace: Uuid,
    pub lead_ids: Vec<Uuid>,
}

/// Score the workspace's leads: the unscored ones (after enrichment), or all of them (the ICP
/// or the weights changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreWorkspace {
    pub workspace: Uuid,
    /// Absent in payloads queued before re-scoring existed; those meant the unscored leads.
    #[serde(default)]
    pub scope: Scope,
}

/// Announce a positive reply (Slack, email to owners and admins): `flows::notify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyReply {
    pub workspace: Uuid,
    pub reply: Uuid,
}

/// Read the agency's website for an onboarding run (`onboarding_runs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoverIcp {
    pub workspace: Uuid,
    pub run: Uuid,
}

/// Run (or resume) a CSV import over its stored file: `flows::imports::run`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunImport {
    pub workspace: Uuid,
    pub import: Uuid,
}

/// Draft the next touches of an active campaign's leads (after it is activated or leads are
/// enrolled), so its queue fills without waiting for the drafting sweep: `flows::drafts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftCampaign {
    pub workspace: Uuid,
    pub campaign: Uuid,
}

/// How a job failed: worth retrying later, or not.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    #[error("{0} (will retry)")]
    Retryable(String),
    #[error("{0}")]
    Fatal(String),
}

impl From<EnrichError> for JobError {
    fn from(e: EnrichError) -> Self {
        if e.is_retryable() {
            JobError::Retryable(e.to_string())
        } else {
            JobError::Fatal(e.to_string())
        }
    }
}

impl From<crate::Error> for JobError {
    fn from(e: crate::Error) -> Self {
        match e.status() {
            500 => JobError::Retryable(e.to_string()),
            _ => JobError::Fatal(e.to_string()),
        }
    }
}

impl From<JobError> for Error {
    /// apalis retries `Failed` and never retries `Abort`.
    fn from(e: JobError) -> Self {
        match e {
            JobError::Retryable(_) => Error::Failed(Arc::new(Box::new(e))),
            JobError::Fatal(_) => Error::Abort(Arc::new(Box::new(e))),
        }
    }
}

/// What job handlers share: the engine and the process-wide resolver that hands out each
/// workspace's enricher (its providers, the shared breakers).
#[derive(Clone)]
pub struct JobContext {
    pub engine: Engine,
    pub resolver: Arc<Resolver>,
}

impl JobContext {
    /// The same providers for every workspace (tests with fakes).
    pub fn fixed(engine: Engine, enricher: Enricher) -> Self {
        Self { engine, resolver: Arc::new(Resolver::fixed(enricher)) }
    }

    /// The product: real clients where keys are stored or configured, the sandbox elsewhere.
    pub fn configured(engine: Engine) -> Self {
        let resolver = Arc::new(Resolver::from_engine(&engine));
        Self { engine, resolver }
    }
}

/// Creates the job tables (schema `apalis`). Idempotent; `db::migrate` calls it.
pub async fn setup(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut migrator = PostgresStorage::migrations();
    // Our own migrations are in the same `_sqlx_migrations` table and unknown to apalis.
    migrator.set_ignore_missing(true);
    migrator.run(pool).await?;
    Ok(())
}

/// How often an idle worker looks for work; a pushed job is also announced by NOTIFY-free
/// polling only, so this is the worst-case pickup delay.
const POLL: Duration = Duration::from_millis(250);

pub fn enrich_storage(pool: PgPool) -> PostgresStorage<EnrichBatch> {
    PostgresStorage::new_with_config(pool, Config::new("agency_os::EnrichBatch").set_poll_interval(POLL))
}

pub fn score_storage(pool: PgPool) -> PostgresStorage<ScoreWorkspace> {
    PostgresStorage::new_with_config(pool, Config::new("agency_os::ScoreWorkspace").set_poll_interval(POLL))
}

pub fn notify_storage(pool: PgPool) -> PostgresStorage<NotifyReply> {
    PostgresStorage::new_with_config(pool, Config::new("agency_os::NotifyReply").set_poll_interval(POLL))
}

/// Persists an announcement job; returns its id.
pub async fn enqueue_notify(pool: &PgPool, job: NotifyReply) -> anyhow::Result<String> {
    let parts = notify_storage(pool.clone()).push(job).await?;
    Ok(parts.task_id.to_string())
}

pub fn import_storage(pool: PgPool) -> PostgresStorage<RunImport> {
    PostgresStorage::new_with_config(pool, Config::new("agency_os::RunImport").set_poll_interval(POLL))
}

/// Persists an import job; returns its id.
pub async fn enqueue_import(pool: &PgPool, job: RunImport) -> anyhow::Result<String> {
    let parts = import_storage(pool.clone()).push(job).await?;
    Ok(parts.task_id.to_string())
}

/// Runs an import's job; what apalis stores as its result says what the run did.
async fn import_job(job: RunImport, ctx: Data<JobContext>) -> Result<String, Error> {
    use crate::flows::imports::RunOutcome;
    let ws = WorkspaceId(job.workspace);
    match crate::flows::imports::run(&ctx.engine, ws, domain::leads::ImportId(job.import)).await {
        Ok(RunOutcome::Finished { summary, resumed }) => Ok(format!(
            "{}{} rows: {} imported, {} duplicates, {} invalid",
            if resumed { "resumed; " } else { "" },
            summary.total,
            summary.imported,
            summary.duplicates,
            summary.invalid
        )),
        Ok(RunOutcome::AlreadyFinished) => Ok("already finished".into()),
        Ok(RunOutcome::Busy) => Ok("another run holds this import".into()),
        Err(e) => {
            tracing::warn!(import = %job.import, error = %e, "import job failed");
            Err(JobError::from(e).into())
        }
    }
}

pub fn draft_storage(pool: PgPool) -> PostgresStorage<DraftCampaign> {
    PostgresStorage::new_with_config(pool, Config::new("agency_os::DraftCampaign").set_poll_interval(POLL))
}

/// Persists a drafting job; returns its id.
pub async fn enqueue_draft(pool: &PgPool, job: DraftCampaign) -> anyhow::Result<String> {
    let parts = draft_storage(pool.clone()).push(job).await?;
    Ok(parts.task_id.to_string())
}

/// Drafts the campaign; idempotent (a touch with a live draft is left alone, one live draft
/// per touch is a unique index), so a run again after a crash drafts only what is missing.
/// Returns how many drafts were written.
async fn draft_job(job: DraftCampaign, ctx: Data<JobContext>) -> Result<u64, Error> {
    let (ws, id) = (WorkspaceId(job.workspace), domain::ids::CampaignId(job.campaign));
    match crate::flows::drafts::draft_campaign(&ctx.engine, ws, id, chrono::Utc::now()).await {
        Ok(r) => Ok(r.drafted),
        // Deleted or archived meanwhile: nothing to draft.
        Err(crate::Error::NotFound(_)) => Ok(0),
        Err(e) => {
            tracing::warn!(campaign = %job.campaign, error = %e, "drafting job failed");
            Err(JobError::from(e).into())
        }
    }
}

pub fn discover_storage(pool: PgPool) -> PostgresStorage<DiscoverIcp> {
    PostgresStorage::new_with_config(pool, Config::new("agency_os::DiscoverIcp").set_poll_interval(POLL))
}

/// Persists an onboarding discovery job; returns its id.
pub async fn enqueue_discover(pool: &PgPool, job: DiscoverIcp) -> anyhow::Result<String> {
    let parts = discover_storage(pool.clone()).push(job).await?;
    Ok(parts.task_id.to_string())
}

/// Runs an onboarding discovery with the product's reader limits under the installation's
/// outbound policy.
pub async fn run_discover_icp(ctx: &JobContext, job: &DiscoverIcp) -> Result<(), JobError> {
    let limits = crate::site::ReadLimits::for_policy(&ctx.engine.settings.net);
    Ok(crate::flows::onboarding::run(&ctx.engine, WorkspaceId(job.workspace), job.run, &limits).await?)
}

async fn discover_job(job: DiscoverIcp, ctx: Data<JobContext>) -> Result<(), Error> {
    run_discover_icp(&ctx, &job).await.map_err(Error::from)
}

/// Persists an enrichment job; returns its id.
pub async fn enqueue_enrich(pool: &PgPool, job: EnrichBatch) -> anyhow::Result<String> {
    let parts = enrich_storage(pool.clone()).push(job).await?;
    Ok(parts.task_id.to_string())
}

/// Persists a scoring job; returns its id.
pub async fn enqueue_score(pool: &PgPool, job: ScoreWorkspace) -> anyhow::Result<String> {
    let parts = score_storage(pool.clone()).push(job).await?;
    Ok(parts.task_id.to_string())
}

/// Splits the workspace's pending leads into [`EnrichBatch`] jobs of `batch_size` and enqueues
/// them (after an import, or from the UI); returns the job ids. Scoring follows on its own when
/// the last batch finishes. Enqueueing twice is harmless (handlers skip finished leads), only
/// wasteful.
pub async fn enqueue_pending_enrichment(pool: &PgPool, ws: WorkspaceId, batch_size: usize) -> anyhow::Result<Vec<String>> {
    let mut storage = enrich_storage(pool.clone());
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let rows = crate::store::enrichment::pending_batch(pool, ws, after, batch_size.max(1) as i64).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let job = EnrichBatch { workspace: ws.0, lead_ids: rows.iter().map(|r| r.id).collect() };
        ids.push(storage.push(job).await?.task_id.to_string());
    }
    Ok(ids)
}

/// The enrichment handler without the queue around it (tests and the pipeline call it).
/// Leads a provider could not answer for the moment make the job retryable; everything done
/// so far is committed and will not be done again.
pub async fn run_enrich_batch(ctx: &JobContext, job: &EnrichBatch) -> Result<BatchReport, JobError> {
    let ids: Vec<LeadId> = job.lead_ids.iter().copied().map(LeadId).collect();
    let ws = WorkspaceId(job.workspace);
    let enricher = ctx.resolver.enricher_for(ws).await.map_err(JobError::from)?;
    let report = enrich::enrich_leads(&ctx.engine, &enricher, ws, &ids).await?;
    if report.out_of_credits {
        return Err(JobError::Fatal(format!("the workspace ran out of credits ({} leads enriched first)", report.enriched)));
    }
    if report.deferred > 0 {
        return Err(JobError::Retryable(format!("{} leads waiting for a provider to recover", report.deferred)));
    }
    Ok(report)
}

pub async fn run_score_workspace(ctx: &JobContext, job: &ScoreWorkspace) -> Result<ScoreCounts, JobError> {
    Ok(score::score_workspace(ctx.engine.owner_pool(), WorkspaceId(job.workspace), job.scope, chrono::Utc::now()).await?)
}

/// Runs the batch, then chains scoring: enqueues a [`ScoreWorkspace`] once the workspace has
/// no lead left pending enrichment (the last batch to finish does it; two finishing together
/// enqueue two, which is harmless), or when enrichment is refused for good (out of credits,
/// subscription not active), since leads then continue un-enriched (SPEC §5). Scoring earlier
/// would move still-pending `new` leads to `scored` before their enrichment ran.
async fn enrich_job(job: EnrichBatch, ctx: Data<JobContext>) -> Result<BatchReport, Error> {
    let result = run_enrich_batch(&ctx, &job).await;
    let ws = WorkspaceId(job.workspace);
    let score_now = match &result {
        Ok(_) => crate::store::enrichment::count_pending(&mut *ctx.engine.tenant(ws).await.map_err(JobError::from)?, ws).await.map_err(JobError::from)? == 0,
        Err(JobError::Fatal(_)) => true,
        Err(JobError::Retryable(_)) => false,
    };
    if score_now {
        // Failing to enqueue makes the whole job retryable: it is idempotent, the chain is not
        // lost.
        enqueue_score(ctx.engine.owner_pool(), ScoreWorkspace { workspace: job.workspace, scope: Scope::Unscored })
            .await
            .map_err(|e| JobError::Retryable(format!("could not enqueue scoring: {e}")))?;
    }
    result.map_err(|e| {
        tracing::warn!(workspace = %job.workspace, error = %e, "enrichment job failed");
        e.into()
    })
}

/// Returns how many leads were scored (what apalis stores as the job's result).
async fn score_job(job: ScoreWorkspace, ctx: Data<JobContext>) -> Result<u64, Error> {
    run_score_workspace(&ctx, &job).await.map(|c| c.scored).map_err(Error::from)
}

/// Exponential backoff with jitter between in-process retries: 1 s, 2 s, 4 s … capped at 5 min.
fn retry_policy() -> BackoffRetryPolicy<ExponentialBackoff<HasherRng>> {
    let backoff = ExponentialBackoffMaker::new(Duration::from_secs(1), Duration::from_secs(300), 0.5, HasherRng::default())
        .expect("valid backoff bounds")
        .make_backoff();
    RetryPolicy::retries(MAX_RETRIES).with_backoff(backoff)
}

/// The hourly schedule tick (apalis-cron builds one per tick).
#[derive(Debug, Clone, Default)]
pub struct ResetCredits;

/// Every hour: restore the lead pool of each workspace whose monthly reset is due. Idempotent
/// (see `store::enrichment::reset_due_credits`), so several worker processes each running the
/// schedule do no harm.
pub const RESET_CREDITS_SCHEDULE: &str = "0 0 * * * *";

async fn reset_credits_job(_: ResetCredits, ctx: Data<JobContext>) -> Result<u64, Error> {
    crate::store::enrichment::reset_due_credits(ctx.engine.owner_pool(), &ctx.engine.settings.plans, chrono::Utc::now())
        .await
        .map_err(|e| Error::from(JobError::from(e)))
}

/// The schedule tick of the upload clean-up and the import watch.
#[derive(Debug, Clone, Default)]
pub struct SweepUploads;

/// Every minute: delete uploads left waiting past their hour and the files of finished imports
/// (`import::staged::sweep`), and queue again the running imports that show no progress
/// (`flows::imports::requeue_stalled`). Both idempotent, so several processes each running the
/// schedule do no harm.
pub const SWEEP_UPLOADS_SCHEDULE: &str = "0 * * * * *";

async fn sweep_uploads_job(_: SweepUploads, ctx: Data<JobContext>) -> Result<u64, Error> {
    let fail = |e: crate::Error| Error::from(JobError::from(e));
    let removed = crate::import::staged::sweep(ctx.engine.owner_pool()).await.map_err(fail)?;
    let requeued = crate::flows::imports::requeue_stalled(&ctx.engine, chrono::Utc::now()).await.map_err(fail)?;
    if requeued > 0 {
        tracing::info!(requeued, "queued again imports a stopped process left running");
    }
    Ok(removed + requeued)
}

async fn notify_job(job: NotifyReply, ctx: Data<JobContext>) -> Result<String, Error> {
    match crate::flows::notify::deliver(&ctx.engine, WorkspaceId(job.workspace), job.reply).await {
        Ok(d) => Ok(format!("slack {}, email {}", d.slack, d.email)),
        Err(crate::flows::notify::Failure::Retry(why)) => Err(JobError::Retryable(why).into()),
        Err(crate::flows::notify::Failure::GiveUp(why)) => Err(JobError::Fatal(why).into()),
    }
}

/// The schedule tick of the expired-session clean-up.
#[derive(Debug, Clone, Default)]
pub struct SweepSessions;

/// Hourly: delete expired log-in sessions, so the session table holds live ones only.
pub const SWEEP_SESSIONS_SCHEDULE: &str = "0 23 * * * *";

async fn sweep_sessions_job(_: SweepSessions, ctx: Data<JobContext>) -> Result<u64, Error> {
    crate::store::sessions::delete_expired(ctx.engine.owner_pool()).await.map_err(|e| Error::from(JobError::from(e)))
}

/// The schedule tick of the announcement sweep.
#[derive(Debug, Clone, Default)]
pub struct SweepNotices;

/// Every five minutes: queue again the announcements owed for more than fifteen minutes (a
/// process stopped between a reply's commit and queuing its job, or the retries ran out).
pub const SWEEP_NOTICES_SCHEDULE: &str = "0 */5 * * * *";

async fn sweep_notices_job(_: SweepNotices, ctx: Data<JobContext>) -> Result<u64, Error> {
    crate::flows::notify::requeue_overdue(&ctx.engine, chrono::Utc::now() - chrono::Duration::minutes(15))
        .await
        .map_err(|e| Error::from(JobError::from(e)))
}

/// The outbound webhook delivery tick.
#[derive(Debug, Clone, Default)]
pub struct DeliverWebhooks;

/// Every second: claim the due webhook deliveries and start them (`flows::outbound_webhooks`).
/// A new delivery is due at once, so "immediately" in the retry schedule means within a second.
pub const DELIVER_WEBHOOKS_SCHEDULE: &str = "* * * * * *";

/// The process's webhook attempts in flight, shared by every tick: a tick claims only as many
/// rows as there are free slots, and an attempt holds its slot until it ends.
static WEBHOOK_SLOTS: std::sync::LazyLock<Arc<tokio::sync::Semaphore>> =
    std::sync::LazyLock::new(|| Arc::new(tokio::sync::Semaphore::new(crate::flows::outbound_webhooks::DeliveryLimits::default().total)));

async fn deliver_webhooks_job(_: DeliverWebhooks, ctx: Data<JobContext>) -> Result<u64, Error> {
    static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let Some(_running) = skip_if_running(&RUNNING) else { return Ok(0) };
    let limits = crate::flows::outbound_webhooks::DeliveryLimits::default();
    let started = crate::flows::outbound_webhooks::start_due(&ctx.engine, chrono::Utc::now(), &WEBHOOK_SLOTS, &limits)
        .await
        .map_err(|e| Error::from(JobError::from(e)))?;
    Ok(started.len() as u64)
}

/// The alert evaluation's tick.
#[derive(Debug, Clone, Default)]
pub struct EvaluateAlerts;

/// Every minute: judge every workspace's alert conditions, open, raise and resolve alerts, and
/// announce what is owed (`flows::alerts`). Several processes may run it: an alert is opened
/// once per condition and each announcement is claimed by one of them.
pub const EVALUATE_ALERTS_SCHEDULE: &str = "30 * * * * *";

async fn evaluate_alerts_job(_: EvaluateAlerts, ctx: Data<JobContext>) -> Result<u64, Error> {
    static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let Some(_running) = skip_if_running(&RUNNING) else { return Ok(0) };
    let r = crate::flows::alerts::evaluate(&ctx.engine, chrono::Utc::now()).await.map_err(|e| Error::from(JobError::from(e)))?;
    if r.fired + r.raised + r.resolved + r.announced > 0 || r.failed_workspaces > 0 {
        tracing::info!(?r, "alerts evaluated");
    }
    Ok(u64::from(r.fired + r.announced))
}

/// The report refresh's tick.
#[derive(Debug, Clone, Default)]
pub struct RefreshReports;

/// Every minute: rewrite the report facts of the leads that changed (`store::reports::refresh`),
/// so the Reports page, which refreshes its own workspace first, rarely finds much to do.
pub const REFRESH_REPORTS_SCHEDULE: &str = "15 * * * * *";

async fn refresh_reports_job(_: RefreshReports, ctx: Data<JobContext>) -> Result<u64, Error> {
    static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let Some(_running) = skip_if_running(&RUNNING) else { return Ok(0) };
    crate::flows::reports::refresh_all(&ctx.engine).await.map_err(|e| Error::from(JobError::from(e)))
}

/// The digest schedule's tick.
#[derive(Debug, Clone, Default)]
pub struct SendDigests;

/// Every fifteen minutes (time zones are offset by quarter hours at most): send the daily
/// summaries and weekly reviews due in each workspace's time zone (`flows::digests`). A digest
/// is claimed per recipient, so several processes each running the schedule send it once.
pub const SEND_DIGESTS_SCHEDULE: &str = "0 */15 * * * *";

async fn send_digests_job(_: SendDigests, ctx: Data<JobContext>) -> Result<u64, Error> {
    static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let Some(_running) = skip_if_running(&RUNNING) else { return Ok(0) };
    let r = crate::flows::digests::run_due(&ctx.engine, chrono::Utc::now()).await.map_err(|e| Error::from(JobError::from(e)))?;
    if r.emails + r.slack + r.failed + r.failed_workspaces > 0 {
        tracing::info!(?r, "digests sent");
    }
    Ok(u64::from(r.emails + r.slack))
}

/// The daily schedule tick of decay detection.
#[derive(Debug, Clone, Default)]
pub struct DailyDecay;

/// Every day at 03:30 UTC: resume finished out-of-office pauses, end exhausted cadences, detect
/// ghosted / stalled / hesitant leads and mark revival candidates (`flows::decay`). Idempotent,
/// so several worker processes each running the schedule do no harm.
pub const DAILY_DECAY_SCHEDULE: &str = "0 30 3 * * *";

async fn daily_decay_job(_: DailyDecay, ctx: Data<JobContext>) -> Result<u64, Error> {
    let r = crate::flows::decay::run(&ctx.engine, chrono::Utc::now()).await.map_err(|e| Error::from(JobError::from(e)))?;
    tracing::info!(?r, "daily decay detection done");
    Ok(r.ghosted + r.stalled + r.hesitant + r.revival_candidates + r.exhausted + r.resumed)
}

/// The schedules that depend on the installation's configuration, which `serve` passes in:
/// cron expressions (with seconds, UTC), `None` for off.
#[derive(Debug, Clone, Default)]
pub struct Schedules {
    /// The drafting sweep over every active campaign (`flows::drafts::draft_all`).
    pub drafting: Option<String>,
    /// Reading every mailbox for bounces and complaints (`flows::bounces`), with the poll's
    /// bounds (per workspace, per owner) and its back-off after failures.
    pub bounces: Option<(String, crate::flows::bounces::PollSettings)>,
}

/// A cron expression that ticks every `secs` seconds, rounded down to an interval that divides
/// the minute, hour or day evenly (cron cannot count otherwise): 120 → every 2 minutes, 45 →
/// every 30 seconds, 7 → every 6 seconds, a day or more → daily. `None` for 0 (off).
pub fn every(secs: u64) -> Option<String> {
    let fit = |n: u64, of: u64| (1..=n.min(of)).rev().find(|d| of.is_multiple_of(*d)).unwrap_or(1);
    Some(match secs {
        0 => return None,
        s if s < 60 => format!("*/{} * * * * *", fit(s, 60)),
        s if s < 3600 => format!("0 */{} * * * *", fit(s / 60, 60)),
        s if s < 86_400 => format!("0 0 */{} * * *", fit(s / 3600, 24)),
        _ => "0 0 0 * * *".to_string(),
    })
}

/// The drafting sweep's tick.
#[derive(Debug, Clone, Default)]
pub struct DraftingSweep;

/// A tick that finds the previous run of its schedule still going in this process is skipped,
/// as the loops these schedules replaced never overlapped themselves.
fn skip_if_running(lock: &'static tokio::sync::Mutex<()>) -> Option<tokio::sync::MutexGuard<'static, ()>> {
    lock.try_lock().ok()
}

async fn drafting_sweep_job(_: DraftingSweep, ctx: Data<JobContext>) -> Result<u64, Error> {
    static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let Some(_running) = skip_if_running(&RUNNING) else { return Ok(0) };
    let r = crate::flows::drafts::draft_all(&ctx.engine, chrono::Utc::now()).await.map_err(|e| Error::from(JobError::from(e)))?;
    Ok(r.drafted)
}

/// The bounce poll's tick, with the installation's poll settings.
#[derive(Debug, Clone, Default)]
pub struct PollBounces;

/// Polls beyond the first when mailboxes still have more than one poll's worth waiting.
const BACKLOG_POLLS: usize = 10;

async fn poll_bounces_job(_: PollBounces, ctx: Data<JobContext>, settings: Data<crate::flows::bounces::PollSettings>) -> Result<u64, Error> {
    static RUNNING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let Some(_running) = skip_if_running(&RUNNING) else { return Ok(0) };
    let mut read = 0;
    for _ in 0..=BACKLOG_POLLS {
        let reports = crate::flows::bounces::poll_all_with(&ctx.engine, *settings).await.map_err(|e| Error::from(JobError::from(e)))?;
        let (bounces, complaints) = reports.iter().fold((0, 0), |(b, c), r| (b + r.bounces, c + r.complaints));
        let failed = reports.iter().filter(|r| r.error.is_some()).count();
        if bounces + complaints > 0 || failed > 0 {
            tracing::info!(mailboxes = reports.len(), bounces, complaints, failed, "read the mailboxes for bounces and complaints");
        }
        read += (bounces + complaints) as u64;
        // A mailbox with more than one poll's worth waiting is read on at once.
        if !reports.iter().any(|r| r.more && r.error.is_none()) {
            break;
        }
    }
    Ok(read)
}

/// The worker process with the schedules that need no configuration.
pub fn monitor(ctx: JobContext) -> Monitor {
    monitor_with(ctx, Schedules::default())
}

/// The worker process: one worker per job type and one per schedule, in one monitor; every
/// schedule of the product is registered here. `run()` it (or `run_with_signal`) from the
/// server's worker task.
pub fn monitor_with(ctx: JobContext, schedules: Schedules) -> Monitor {
    let pool = ctx.engine.owner_pool().clone();
    let enrich = WorkerBuilder::new("agency-os-enrich")
        .data(ctx.clone())
        .retry(retry_policy())
        .backend(enrich_storage(pool.clone()))
        .build_fn(enrich_job);
    let discover = WorkerBuilder::new("agency-os-discover-icp")
        .data(ctx.clone())
        .retry(retry_policy())
        .backend(discover_storage(pool.clone()))
        .build_fn(discover_job);
    let import =
        WorkerBuilder::new("agency-os-import").data(ctx.clone()).retry(retry_policy()).backend(import_storage(pool.clone())).build_fn(import_job);
    let draft =
        WorkerBuilder::new("agency-os-draft").data(ctx.clone()).retry(retry_policy()).backend(draft_storage(pool.clone())).build_fn(draft_job);
    let ctx_for_sweep = ctx.clone();
    let ctx_for_drafting = ctx.clone();
    let ctx_for_bounces = ctx.clone();
    let ctx_for_reset = ctx.clone();
    let ctx_for_decay = ctx.clone();
    let ctx_for_notices = ctx.clone();
    let ctx_for_sessions = ctx.clone();
    let ctx_for_alerts = ctx.clone();
    let ctx_for_webhooks = ctx.clone();
    let ctx_for_digests = ctx.clone();
    let ctx_for_reports = ctx.clone();
    let notify = WorkerBuilder::new("agency-os-notify")
        .data(ctx.clone())
        .retry(retry_policy())
        .backend(notify_storage(pool.clone()))
        .build_fn(notify_job);
    let score = WorkerBuilder::new("agency-os-score")
        .data(ctx)
        .retry(retry_policy())
        .backend(score_storage(pool))
        .build_fn(score_job);
    let schedule: apalis_cron::Schedule = RESET_CREDITS_SCHEDULE.parse().expect("a valid cron expression");
    let reset = WorkerBuilder::new("agency-os-reset-credits")
        .data(ctx_for_reset)
        .backend(apalis_cron::CronStream::new(schedule))
        .build_fn(reset_credits_job);
    let sweep_schedule: apalis_cron::Schedule = SWEEP_UPLOADS_SCHEDULE.parse().expect("a valid cron expression");
    let sweep = WorkerBuilder::new("agency-os-sweep-uploads")
        .data(ctx_for_sweep)
        .backend(apalis_cron::CronStream::new(sweep_schedule))
        .build_fn(sweep_uploads_job);
    let decay_schedule: apalis_cron::Schedule = DAILY_DECAY_SCHEDULE.parse().expect("a valid cron expression");
    let decay = WorkerBuilder::new("agency-os-daily-decay")
        .data(ctx_for_decay)
        .backend(apalis_cron::CronStream::new(decay_schedule))
        .build_fn(daily_decay_job);
    let notices_schedule: apalis_cron::Schedule = SWEEP_NOTICES_SCHEDULE.parse().expect("a valid cron expression");
    let notices = WorkerBuilder::new("agency-os-sweep-notices")
        .data(ctx_for_notices)
        .backend(apalis_cron::CronStream::new(notices_schedule))
        .build_fn(sweep_notices_job);
    let webhooks_schedule: apalis_cron::Schedule = DELIVER_WEBHOOKS_SCHEDULE.parse().expect("a valid cron expression");
    let webhooks = WorkerBuilder::new("agency-os-deliver-webhooks")
        .data(ctx_for_webhooks)
        .backend(apalis_cron::CronStream::new(webhooks_schedule))
        .build_fn(deliver_webhooks_job);
    let cron = |expr: &str| -> apalis_cron::Schedule { expr.parse().expect("a valid cron expression") };
    let sessions = WorkerBuilder::new("agency-os-sweep-sessions")
        .data(ctx_for_sessions)
        .backend(apalis_cron::CronStream::new(cron(SWEEP_SESSIONS_SCHEDULE)))
        .build_fn(sweep_sessions_job);
    let alerts = WorkerBuilder::new("agency-os-evaluate-alerts")
        .data(ctx_for_alerts)
        .backend(apalis_cron::CronStream::new(cron(EVALUATE_ALERTS_SCHEDULE)))
        .build_fn(evaluate_alerts_job);
    let digests = WorkerBuilder::new("agency-os-send-digests")
        .data(ctx_for_digests)
        .backend(apalis_cron::CronStream::new(cron(SEND_DIGESTS_SCHEDULE)))
        .build_fn(send_digests_job);
    let reports = WorkerBuilder::new("agency-os-refresh-reports")
        .data(ctx_for_reports)
        .backend(apalis_cron::CronStream::new(cron(REFRESH_REPORTS_SCHEDULE)))
        .build_fn(refresh_reports_job);
    let drafting = schedules.drafting.as_deref().map(|expr| {
        WorkerBuilder::new("agency-os-drafting-sweep")
            .data(ctx_for_drafting)
            .backend(apalis_cron::CronStream::new(cron(expr)))
            .build_fn(drafting_sweep_job)
    });
    let bounces = schedules.bounces.as_ref().map(|(expr, settings)| {
        WorkerBuilder::new("agency-os-poll-bounces")
            .data(ctx_for_bounces)
            .data(*settings)
            .backend(apalis_cron::CronStream::new(cron(expr)))
            .build_fn(poll_bounces_job)
    });
    tracing::info!(
        drafting_sweep = schedules.drafting.as_deref().unwrap_or("off"),
        poll_bounces = schedules.bounces.as_ref().map(|b| b.0.as_str()).unwrap_or("off"),
        reset_credits = RESET_CREDITS_SCHEDULE,
        daily_decay = DAILY_DECAY_SCHEDULE,
        sweep_uploads = SWEEP_UPLOADS_SCHEDULE,
        sweep_notices = SWEEP_NOTICES_SCHEDULE,
        sweep_sessions = SWEEP_SESSIONS_SCHEDULE,
        deliver_webhooks = DELIVER_WEBHOOKS_SCHEDULE,
        evaluate_alerts = EVALUATE_ALERTS_SCHEDULE,
        send_digests = SEND_DIGESTS_SCHEDULE,
        refresh_reports = REFRESH_REPORTS_SCHEDULE,
        "job worker schedules (cron, UTC)"
    );
    let mut monitor = Monitor::new()
        .register(import)
        .register(draft)
        .register(enrich)
        .register(score)
        .register(notify)
        .register(discover)
        .register(reset)
        .register(sweep)
        .register(decay)
        .register(notices)
        .register(sessions)
        .register(alerts)
        .register(digests)
        .register(reports)
        .register(webhooks);
    if let Some(w) = drafting {
        monitor = monitor.register(w);
    }
    if let Some(w) = bounces {
        monitor = monitor.register(w);
    }
    monitor
}

#[cfg(test)]
mod tests {
    use super::every;

    #[test]
    fn an_interval_becomes_a_cron_schedule_rounded_down_to_an_even_division() {
        assert_eq!(every(0), None);
        assert_eq!(every(2).as_deref(), Some("*/2 * * * * *"));
        assert_eq!(every(7).as_deref(), Some("*/6 * * * * *"));
        assert_eq!(every(45).as_deref(), Some("*/30 * * * * *"));
        assert_eq!(every(120).as_deref(), Some("0 */2 * * * *"));
        assert_eq!(every(600).as_deref(), Some("0 */10 * * * *"));
        assert_eq!(every(7200).as_deref(), Some("0 0 */2 * * *"));
        assert_eq!(every(86_400 * 3).as_deref(), Some("0 0 0 * * *"));
        for secs in [1, 2, 3, 5, 7, 59, 60, 61, 120, 599, 3599, 3600, 86_400, 1_000_000] {
            let expr = every(secs).unwrap();
            assert!(expr.parse::<apalis_cron::Schedule>().is_ok(), "{secs}: {expr}");
        }
    }

    #[test]
    fn every_fixed_schedule_is_a_valid_cron_expression() {
        use super::*;
        for expr in [RESET_CREDITS_SCHEDULE, SWEEP_UPLOADS_SCHEDULE, DAILY_DECAY_SCHEDULE, SWEEP_NOTICES_SCHEDULE, SWEEP_SESSIONS_SCHEDULE, DELIVER_WEBHOOKS_SCHEDULE, EVALUATE_ALERTS_SCHEDULE, SEND_DIGESTS_SCHEDULE, REFRESH_REPORTS_SCHEDULE] {
            assert!(expr.parse::<apalis_cron::Schedule>().is_ok(), "{expr}");
        }
    }
}
