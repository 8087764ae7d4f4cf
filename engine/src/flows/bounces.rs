//! The bounce and complaint intake for native mailboxes (SPEC §10.5–10.6): read what came back
//! to a mailbox's INBOX since the last look, and hand each bounce and spam complaint about a
//! message we sent to the deliverability guard (`flows::deliverability`), which suppresses the
//! address, moves the lead, and pauses a mailbox whose bounce or complaint rate is too high.
//!
//! Per message: a delivery status notification or free-text bounce (`domain::bounce`) records a
//! bounce for each permanently failed recipient; an ARF feedback report (RFC 5965) of type abuse
//! or fraud records a complaint on the message whose Message-ID it quotes; everything else
//! (replies, out-of-office, newsletters, temporary failures) changes nothing here.
//!
//! Why nothing is lost or counted twice: the reading position (`store::mailbox_polls`) moves
//! only after the messages up to it were recorded and committed, so a crash in between means
//! the next poll reads them again, and recording an outcome a second time changes nothing. A
//! Redis lock keeps two processes from reading the same mailbox at once (their totals would
//! double). A mailbox whose server fails keeps its position and shows the error; the others
//! are polled regardless.
//!
//! Why one tenant's server cannot hold the others (issue 10): the sweep ([`poll_all`]) polls
//! mailboxes concurrently with a bound overall and a smaller one per workspace, each IMAP
//! session has its own deadline (`FetchLimits::deadline`) besides the per-reply timeout, and a
//! mailbox that keeps failing backs off (`store::mailbox_polls::fail`: doubling waits, capped),
//! so a slow or hostile server costs at most one slot for one deadline, less and less often.
//! What is stored and shown as the error is a classified reason (`ImapError::reason`), never
//! the server's own words.
//!
//! What this module must not do: write to the mailbox (reading is EXAMINE and BODY.PEEK), or
//! put a password in an error or log line.

use crate::email::imap::{self, FetchLimits, InboxCursor};
use crate::email::transport::imap_settings;
use crate::flows::deliverability::{self, Outcome};
use crate::flows::replies::{self, RecordOutcome};
use crate::store::mailbox_polls::{self, Backoff, PollCounts};
use crate::store::mailboxes;
use crate::{Engine, Error, Result};
use domain::bounce::{parse_bounce, parse_feedback_report};
use domain::ids::{MailboxId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How a poll reads.
#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    /// What one poll may read, and its session's overall deadline (`limits.deadline`).
    pub limits: FetchLimits,
    /// For connecting and for each server reply.
    pub timeout: Duration,
    /// Mailboxes the sweep reads at once, across workspaces.
    pub concurrency: usize,
    /// Mailboxes of one workspace the sweep reads at once: a workspace with many slow servers
    /// takes no more of the sweep than this.
    pub per_workspace: usize,
    /// Mailboxes of all the workspaces one account owns, read at once: making many workspaces
    /// does not buy a tenant more of the shared sweep.
    pub per_owner: usize,
    /// How a failing mailbox backs off.
    pub backoff: Backoff,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            limits: FetchLimits::default(),
            timeout: Duration::from_secs(30),
            concurrency: 8,
            per_workspace: 2,
            per_owner: 4,
            backoff: Backoff { base: Duration::from_secs(120), max: Duration::from_secs(2 * 3600) },
        }
    }
}

/// What one poll of one mailbox did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PollReport {
    pub workspace: uuid::Uuid,
    pub mailbox: uuid::Uuid,
    pub address: String,
    /// New messages read (bodies fetched).
    pub messages: u32,
    /// New messages skipped for their size.
    pub skipped: u32,
    /// Bounces recorded now (not counting ones recorded before).
    pub bounces: u32,
    /// Complaints recorded now.
    pub complaints: u32,
    /// Replies from leads recorded now (`flows::replies`; not counting ones recorded before).
    pub replies: u32,
    /// Recipients a bounce reported as failing only temporarily: nothing changed for them.
    pub temporary: u32,
    /// Bounces and complaints about no message this workspace sent (someone else's, or sent
    /// before Agency OS): ignored.
    pub unmatched: u32,
    /// Reasons the deliverability guard paused a mailbox while recording.
    pub paused: Vec<String>,
    /// More new messages wait beyond this poll's limits.
    pub more: bool,
    /// The server renumbered INBOX (new UIDVALIDITY) and reading started over.
    pub restarted: bool,
    /// Another process was reading this mailbox, so this poll left it alone.
    pub busy: bool,
    /// Why the poll could not read or record everything (also stored on the poll state).
    pub error: Option<String>,
}

/// Reads a mailbox's new messages and records the bounces and complaints among them.
/// `NotFound` when the workspace has no such mailbox, `Invalid` when it has no IMAP server;
/// a server or credential problem is not an `Err` but the report's `error`, stored on the
/// mailbox's poll state.
pub async fn poll_mailbox(engine: &Engine, ws: WorkspaceId, mailbox: MailboxId) -> Result<PollReport> {
    poll_mailbox_with(engine, ws, mailbox, PollSettings::default()).await
}

/// [`poll_mailbox`] with other settings. Polling one mailbox on demand ignores its back-off
/// (a failure still counts towards it).
pub async fn poll_mailbox_with(engine: &Engine, ws: WorkspaceId, mailbox: MailboxId, settings: PollSettings) -> Result<PollReport> {
    poll_one(engine, ws, mailbox, settings, Utc::now()).await
}

#[tracing::instrument(skip(engine, settings))]
async fn poll_one(engine: &Engine, ws: WorkspaceId, mailbox: MailboxId, settings: PollSettings, now: DateTime<Utc>) -> Result<PollReport> {
    let m = mailboxes::for_send(&mut *engine.tenant(ws).await?, ws, mailbox, now.date_naive()).await?.ok_or(Error::NotFound("mailbox"))?;
    let mut report = PollReport { workspace: ws.0, mailbox: mailbox.0, address: m.address.clone(), ..Default::default() };
    let fail = Failing { engine, ws, mailbox, now, backoff: settings.backoff };
    let imap = match imap_settings(&engine.settings.secrets, &m, settings.timeout, &engine.settings.net) {
        Ok(Some(s)) => s,
        Ok(None) => return Err(Error::Invalid(format!("the mailbox {} has no IMAP server to read bounces from", m.address))),
        Err(e) => return fail.note(report, e).await,
    };
    let Some(lock) = PollLock::take(engine, mailbox).await? else {
        report.busy = true;
        return Ok(report);
    };
    let done = poll_locked(&fail, imap, settings, report).await;
    lock.release().await;
    done
}

async fn poll_locked(fail: &Failing<'_>, imap: imap::ImapSettings, settings: PollSettings, mut report: PollReport) -> Result<PollReport> {
    let (engine, ws, mailbox) = (fail.engine, fail.ws, fail.mailbox);
    let state = mailbox_polls::get(&mut *engine.tenant(ws).await?, ws, mailbox).await?.unwrap_or_default();
    let cursor = InboxCursor {
        uidvalidity: state.uidvalidity.and_then(|v| u32::try_from(v).ok()),
        last_uid: u32::try_from(state.last_uid).unwrap_or(0),
    };
    let mut batch = match imap::fetch_new(&imap, cursor, settings.limits).await {
        Ok(b) => b,
        Err(e) => {
            // The details (the server's own words) go to the operator's log only.
            tracing::warn!(workspace = %ws, mailbox = %mailbox, error = %e, "reading the mailbox failed");
            return fail.note(report, format!("reading {}:{}: {}", imap.host, imap.port, e.reason())).await;
        }
    };
    report.more = batch.more;
    report.restarted = batch.restarted;

    let mut stopped = None;
    for (i, message) in batch.messages.iter().enumerate() {
        let Some(raw) = message.raw.as_deref() else {
            report.skipped += 1;
            continue;
        };
        if let Err(e) = record(engine, ws, raw, &mut report).await {
            // Keep what was recorded; this message and the rest are read again next time.
            stopped = Some((i, e));
            break;
        }
        report.messages += 1;
    }
    let error = stopped.map(|(i, e)| {
        batch.messages.truncate(i);
        e
    });
    let next = batch.next_cursor(cursor);
    let counts = PollCounts { messages: i64::from(report.messages + report.skipped), bounces: i64::from(report.bounces), complaints: i64::from(report.complaints) };
    let mut tx = engine.tenant(ws).await?;
    mailbox_polls::advance(&mut *tx, ws, mailbox, next.uidvalidity.unwrap_or(batch.uidvalidity), next.last_uid, counts).await?;
    tx.commit().await?;
    if let Some(e) = error {
        tracing::error!(error = %e, "recording a returned message failed; it is read again next poll");
        return fail.note(report, format!("recording: {}", e.public_message())).await;
    }
    if report.bounces + report.complaints > 0 {
        tracing::info!(bounces = report.bounces, complaints = report.complaints, paused = report.paused.len(), "recorded what came back");
    }
    Ok(report)
}

/// Where a failed poll is recorded, and how it backs off.
struct Failing<'a> {
    engine: &'a Engine,
    ws: WorkspaceId,
    mailbox: MailboxId,
    now: DateTime<Utc>,
    backoff: Backoff,
}

impl Failing<'_> {
    async fn note(&self, mut report: PollReport, error: String) -> Result<PollReport> {
        let mut tx = self.engine.tenant(self.ws).await?;
        let state = mailbox_polls::fail(&mut *tx, self.ws, self.mailbox, &error, self.now, self.backoff).await?;
        tx.commit().await?;
        let (failures, next) = state.map(|s| (s.consecutive_failures, s.next_poll_at)).unwrap_or_default();
        tracing::warn!(workspace = %self.ws, mailbox = %self.mailbox, error = %error, failures, next_poll_at = ?next, "polling the mailbox failed");
        report.error = Some(error);
        Ok(report)
    }
}

/// Records what one message says, adding to `report`.
async fn record(engine: &Engine, ws: WorkspaceId, raw: &[u8], report: &mut PollReport) -> Result<()> {
    if let Some(feedback) = parse_feedback_report(raw) {
        if !feedback.is_complaint() {
            return Ok(());
        }
        let Some(id) = feedback.original_message_id else {
            report.unmatched += 1;
            return Ok(());
        };
        match deliverability::record(engine, ws, &id, Outcome::Complaint, "fbl").await {
            Ok(r) => {
                report.complaints += u32::from(r.new);
                report.paused.extend(r.mailbox_paused);
            }
            Err(Error::NotFound(_)) => report.unmatched += 1,
            Err(e) => return Err(e),
        }
        return Ok(());
    }
    let bounce = parse_bounce(raw);
    if bounce.is_empty() {
        // Not a bounce or a report: perhaps a lead answering. Mail from no lead of ours
        // (newsletters, colleagues) is left alone.
        let Some(reply) = replies::parse_incoming(raw, Some(MailboxId(report.mailbox))) else { return Ok(()) };
        if let RecordOutcome::Recorded { .. } = replies::record(engine, ws, reply).await? {
            report.replies += 1;
        }
        return Ok(());
    }
    report.temporary += bounce.temporary.len() as u32;
    if bounce.permanent.is_empty() {
        return Ok(());
    }
    let recorded = deliverability::record_bounce_message(engine, ws, raw).await?;
    report.unmatched += bounce.permanent.len().saturating_sub(recorded.len()) as u32;
    for r in recorded {
        report.bounces += u32::from(r.new);
        report.paused.extend(r.mailbox_paused);
    }
    Ok(())
}

/// Polls every mailbox that has an IMAP server, in every workspace, paused ones too (their
/// bounces still suppress addresses), except those backing off. One mailbox's failure does not
/// stop the others, and one mailbox's slowness delays only itself (see the module docs).
pub async fn poll_all(engine: &Engine) -> Result<Vec<PollReport>> {
    poll_all_with(engine, PollSettings::default()).await
}

pub async fn poll_all_with(engine: &Engine, settings: PollSettings) -> Result<Vec<PollReport>> {
    poll_all_at(engine, settings, Utc::now()).await
}

/// [`poll_all_with`] as of `now` (which mailboxes are still backing off, and when a failing
/// one may be polled next), so tests can move time. Reports come in the order polls finish.
pub async fn poll_all_at(engine: &Engine, settings: PollSettings, now: DateTime<Utc>) -> Result<Vec<PollReport>> {
    // Every workspace's mailboxes: the schedule spans tenants.
    let due = mailbox_polls::pollable(engine.owner_pool(), now).await?;
    // A mailbox waits for its workspace's turn before it takes one of the shared slots, so a
    // workspace's queue never holds slots the others could use.
    let shared = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut workspaces: HashMap<WorkspaceId, Arc<Semaphore>> = HashMap::new();
    let mut owners: HashMap<uuid::Uuid, Arc<Semaphore>> = HashMap::new();
    let mut polls = tokio::task::JoinSet::new();
    for (ws, mailbox, owner) in due {
        let own = workspaces.entry(ws).or_insert_with(|| Arc::new(Semaphore::new(settings.per_workspace.max(1)))).clone();
        // A workspace without an owner (all left) counts as its own tenant.
        let tenant = owners.entry(owner.unwrap_or(ws.0)).or_insert_with(|| Arc::new(Semaphore::new(settings.per_owner.max(1)))).clone();
        let (shared, engine) = (shared.clone(), engine.clone());
        polls.spawn(async move {
            let _turn = own.acquire_owned().await;
            let _tenant = tenant.acquire_owned().await;
            let _slot = shared.acquire_owned().await;
            (ws, mailbox, poll_one(&engine, ws, mailbox, settings, now).await)
        });
    }
    let mut out = Vec::new();
    while let Some(done) = polls.join_next().await {
        match done {
            Ok((_, _, Ok(r))) => {
                metrics::counter!("imap_polls_total", "outcome" => if r.error.is_some() { "failed" } else { "ok" }).increment(1);
                out.push(r)
            }
            Ok((ws, mailbox, Err(e))) => {
                metrics::counter!("imap_polls_total", "outcome" => "failed").increment(1);
                tracing::error!(workspace = %ws, mailbox = %mailbox, error = %e, "polling the mailbox failed");
                out.push(PollReport { workspace: ws.0, mailbox: mailbox.0, error: Some(e.public_message()), ..Default::default() });
            }
            Err(e) => tracing::error!(error = %e, "a mailbox poll panicked"),
        }
    }
    Ok(out)
}

/// A Redis lock on reading one mailbox: released when the poll ends, or by expiry after a
/// crash.
struct PollLock {
    redis: crate::cache::Redis,
    key: String,
    token: String,
}

/// Longer than any poll takes: a poll's IMAP session has its own deadline, and recording what
/// it read is our own database's work.
const LOCK_TTL_MS: u64 = 15 * 60 * 1000;

impl PollLock {
    async fn take(engine: &Engine, mailbox: MailboxId) -> Result<Option<Self>> {
        let key = engine.redis.key(&format!("bounce-poll:{mailbox}"));
        let token = uuid::Uuid::new_v4().to_string();
        let mut c = engine.redis.conn.clone();
        let set: Option<String> = redis::cmd("SET").arg(&key).arg(&token).arg("NX").arg("PX").arg(LOCK_TTL_MS).query_async(&mut c).await?;
        Ok(set.map(|_| Self { redis: engine.redis.clone(), key, token }))
    }

    /// Releases the lock if it is still ours (one that expired and was taken since stays).
    async fn release(self) {
        let mut c = self.redis.conn.clone();
        let released: redis::RedisResult<i32> = redis::cmd("EVAL")
            .arg("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end")
            .arg(1)
            .arg(&self.key)
            .arg(&self.token)
            .query_async(&mut c)
            .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "could not release the mailbox poll lock; it expires on its own");
        }
    }
}
