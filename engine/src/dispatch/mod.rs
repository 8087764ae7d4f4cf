//! Dispatch (SPEC §10): workers claim due outbox rows, run the just-in-time checks, take a
//! mailbox slot, send, and record the outcome — exactly once.
//!
//! Why exactly once holds:
//! - the database allows one outbox row per touch (lead, campaign, step, channel);
//! - a row is claimed by one statement with `FOR UPDATE SKIP LOCKED` and committed as `sending`
//!   before any provider call, so two workers never hold the same row;
//! - every later update names the state and the worker it expects, so a worker that lost its
//!   lease cannot overwrite anyone;
//! - a row a crash left in `sending` is never sent again blindly: after the lease it becomes
//!   `unknown`, and reconciliation asks the provider (by Message-ID) whether it has it.
//!
//! The checks themselves are pure ([`checks`]); the transport is a trait so the email channel
//! (SMTP, or an external sender) plugs in, and tests can count calls.

pub mod checks;
pub mod external;

use crate::store::mailboxes::{self, SendingMailbox};
use crate::store::outbox::{self, CheckRecord, Claimed, SendContext};
use crate::{Engine, Result};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use checks::Verdict;
use domain::ids::{CampaignId, MailboxId, WorkspaceId};
use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One email as the transport sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingEmail {
    pub from_name: String,
    pub from_address: String,
    pub to: String,
    pub subject: String,
    /// Body with the compliance footer.
    pub text: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// RFC 8058 one-click target.
    pub unsubscribe_url: String,
}

/// Why a send failed: a transient failure is retried later; a permanent one fails the row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("refused: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait MailTransport: Send + Sync {
    /// Hands the message to the mailbox's provider. `Ok` carries the provider's reply (e.g. the
    /// SMTP "250 queued as …" line).
    async fn send(&self, mailbox: &SendingMailbox, email: &OutgoingEmail) -> std::result::Result<String, SendError>;

    /// Whether the provider already has a message with this Message-ID (reconciliation after a
    /// crash). `None`: the transport cannot tell, so the row must wait for a person.
    async fn delivered(&self, mailbox: &SendingMailbox, message_id: &str) -> Option<bool>;
}

/// Builds the per-recipient unsubscribe link (signed; see `email::unsubscribe`).
pub type UnsubscribeLink = Arc<dyn Fn(WorkspaceId, CampaignId, &str) -> String + Send + Sync>;

#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Rows claimed per round by one worker.
    pub claim: i64,
    /// Rows of a round in flight at once.
    pub concurrency: usize,
    /// How long a claim may stay in `sending` before it is presumed dead.
    pub lease: Duration,
    /// Back-off after a transient failure, times the attempt number.
    pub retry_after: Duration,
    /// After this many attempts a transiently failing row fails for good.
    pub max_attempts: i32,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self { claim: 20, concurrency: 8, lease: Duration::minutes(2), retry_after: Duration::minutes(2), max_attempts: 8 }
    }
}

#[derive(Clone)]
pub struct Dispatcher {
    pub engine: Engine,
    pub transport: Arc<dyn MailTransport>,
    pub unsubscribe: UnsubscribeLink,
    pub settings: DispatchSettings,
    pub worker: String,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundReport {
    pub claimed: u32,
    pub sent: u32,
    pub shadow: u32,
    pub postponed: u32,
    pub cancelled: u32,
    pub failed: u32,
    /// Rows another worker took over meanwhile (lease expired): nothing written by us.
    pub lost: u32,
}

enum Outcome {
    Sent,
    Shadow,
    Postponed,
    Cancelled,
    Failed,
    Lost,
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Shadow => "shadow",
            Outcome::Postponed => "postponed",
            Outcome::Cancelled => "cancelled",
            Outcome::Failed => "failed",
            Outcome::Lost => "lost",
        }
    }
}

/// Counts a message the just-in-time checks held back or stopped, by the first check that
/// failed (a fixed set of names, so the label stays small).
fn count_refusal(checks: &[CheckRecord], outcome: &'static str) {
    let reason = checks.iter().find(|c| !c.ok).map(|c| c.check.clone()).unwrap_or_else(|| "other".into());
    metrics::counter!("messages_refused_total", "reason" => reason, "outcome" => outcome).increment(1);
}

impl Dispatcher {
    /// Claims due rows and processes them. Returns what happened; an empty report means
    /// nothing was due.
    pub async fn round(&self, now: DateTime<Utc>) -> Result<RoundReport> {
        let started = std::time::Instant::now();
        // Claims span every workspace: the owner, on purpose.
        let rows = outbox::claim(self.engine.owner_pool(), &self.worker, self.settings.claim, now).await?;
        let mut report = RoundReport { claimed: rows.len() as u32, ..Default::default() };
        let outcomes: Vec<Result<Outcome>> =
            stream::iter(rows).map(|row| self.process(row, now, started)).buffer_unordered(self.settings.concurrency.max(1)).collect().await;
        for o in outcomes {
            match o? {
                Outcome::Sent => report.sent += 1,
                Outcome::Shadow => report.shadow += 1,
                Outcome::Postponed => report.postponed += 1,
                Outcome::Cancelled => report.cancelled += 1,
                Outcome::Failed => report.failed += 1,
                Outcome::Lost => report.lost += 1,
            }
        }
        Ok(report)
    }

    async fn process(&self, row: Claimed, now: DateTime<Utc>, claimed: std::time::Instant) -> Result<Outcome> {
        let ws = WorkspaceId(row.client_id);
        // A claimed row's checks and settlement run as the owner, keyed by the row's client_id
        // (the dispatcher is cross-tenant work; see `Engine::owner_pool`).
        let pool = self.engine.owner_pool();
        let Some(ctx) = outbox::context(pool, ws, &row).await? else {
            let checks = [CheckRecord { check: "workspace".into(), ok: false, detail: "workspace, campaign or lead is gone".into() }];
            return self.settled(outbox::stop(pool, ws, row.id, &self.worker, "cancelled", &checks, "workspace, campaign or lead is gone").await?, Outcome::Cancelled);
        };
        let (verdict, mut checks) = checks::evaluate(&ctx, &row.content_hash, now);
        let shadow = match verdict {
            Verdict::Postpone { until, reason } => {
                count_refusal(&checks, "postponed");
                return self.settled(outbox::postpone(pool, ws, row.id, &self.worker, until, &checks, &reason).await?, Outcome::Postponed);
            }
            Verdict::Cancel { reason } => {
                count_refusal(&checks, "cancelled");
                return self.settled(outbox::stop(pool, ws, row.id, &self.worker, "cancelled", &checks, &reason).await?, Outcome::Cancelled);
            }
            Verdict::Send { shadow } => shadow,
        };
        let (subject, in_reply_to, references) = threading(&row, &ctx);
        if shadow {
            let mut tx = crate::db::tenant(pool, ws).await?;
            let done = outbox::finish(&mut *tx, ws, row.id, &self.worker, "shadow", None, &subject, in_reply_to.as_deref(), &references, "shadow mode: not sent", &checks).await?;
            if done {
                crate::flows::signals::touched(&mut tx, ws, &row, &subject, None, true, now).await?;
            }
            tx.commit().await?;
            return self.settled(done, Outcome::Shadow);
        }

        let today = now.date_naive();
        let tomorrow = (today + Duration::days(1)).and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now + Duration::hours(1));
        // Ramp mode's daily limits (SPEC §6): a slot under each, taken atomically before a
        // mailbox, so concurrent workers never pass a limit. Answers to a reply are not outreach.
        let ramp = checks::ramp_limits(&ctx, now);
        let mut ramp_slots: Vec<uuid::Uuid> = Vec::new();
        for (scope, limits) in [(ws.0, ramp.workspace), (row.campaign_id, ramp.campaign)] {
            let Some(limit) = limits.and_then(|l| l.daily_limit).filter(|_| row.kind != "reply") else { continue };
            let limit = i32::try_from(limit).unwrap_or(i32::MAX);
            if !outbox::reserve_ramp(pool, ws, scope, today, limit).await? {
                release_ramp(pool, ws, &ramp_slots, today).await?;
                let whose = if scope == ws.0 { "the workspace" } else { "this campaign" };
                let why = format!("ramp mode of {whose}: today's limit of {limit} sends is reached");
                checks.push(CheckRecord { check: "ramp_daily_limit".into(), ok: false, detail: why.clone() });
                count_refusal(&checks, "postponed");
                return self.settled(outbox::postpone(pool, ws, row.id, &self.worker, tomorrow, &checks, &why).await?, Outcome::Postponed);
            }
            ramp_slots.push(scope);
        }
        if !ramp_slots.is_empty() {
            checks.push(CheckRecord { check: "ramp_daily_limit".into(), ok: true, detail: "within ramp mode's daily limit".into() });
        }

        // A mailbox with a free slot today: the thread's own mailbox first (a follow-up must come
        // from the address the first email came from), else the least used.
        let candidates = mailboxes::sendable(pool, ws, today).await?;
        let ordered: Vec<&SendingMailbox> = match ctx.parent_mailbox {
            Some(parent) => candidates.iter().filter(|m| m.id == parent).collect(),
            None => candidates.iter().collect(),
        };
        let mut chosen = None;
        for m in ordered {
            let cap = m.cap_on(today);
            if m.used_today < cap && outbox::reserve_slot(pool, ws, MailboxId(m.id), today, cap).await? {
                chosen = Some(m);
                break;
            }
        }
        let Some(mailbox) = chosen else {
            let why = if candidates.is_empty() {
                "no mailbox can send (none added, or all paused)".to_string()
            } else if ctx.parent_mailbox.is_some() {
                "the thread's mailbox has no free slot today (cap or ramp reached, or paused)".to_string()
            } else {
                "every mailbox reached today's cap".to_string()
            };
            checks.push(CheckRecord { check: "mailbox_cap".into(), ok: false, detail: why.clone() });
            count_refusal(&checks, "postponed");
            release_ramp(pool, ws, &ramp_slots, today).await?;
            return self.settled(outbox::postpone(pool, ws, row.id, &self.worker, tomorrow, &checks, &why).await?, Outcome::Postponed);
        };
        checks.push(CheckRecord { check: "mailbox_cap".into(), ok: true, detail: format!("{} slot {} of {}", mailbox.address, mailbox.used_today + 1, mailbox.cap_on(today)) });
        if !outbox::assign_mailbox(pool, ws, row.id, &self.worker, MailboxId(mailbox.id)).await? {
            outbox::release_slot(pool, ws, MailboxId(mailbox.id), today).await?;
            release_ramp(pool, ws, &ramp_slots, today).await?;
            return Ok(Outcome::Lost);
        }

        let link = (self.unsubscribe)(ws, CampaignId(row.campaign_id), &row.to_address);
        let sender = crate::drafting::Sender { name: ctx.sender_name.clone(), company: ctx.sender_company.clone(), physical_address: ctx.physical_address.clone() };
        let email = OutgoingEmail {
            from_name: if mailbox.display_name.is_empty() { ctx.sender_name.clone() } else { mailbox.display_name.clone() },
            from_address: mailbox.address.clone(),
            to: row.to_address.clone(),
            subject: subject.clone(),
            text: format!("{}{}", row.body, crate::drafting::footer(&sender, &link)),
            message_id: row.message_id.clone(),
            in_reply_to: in_reply_to.clone(),
            references: references.clone(),
            unsubscribe_url: link,
        };
        // Reconciliation may take a claim over once its lease ends; a row that waited in this
        // round for half the lease goes back rather than risk being sent by two workers.
        if claimed.elapsed() > self.settings.lease.to_std().unwrap_or_default() / 2 {
            outbox::release_slot(pool, ws, MailboxId(mailbox.id), today).await?;
            release_ramp(pool, ws, &ramp_slots, today).await?;
            let why = "claimed too long ago to send safely within the lease; back in the queue";
            return self.settled(outbox::postpone(pool, ws, row.id, &self.worker, now, &checks, why).await?, Outcome::Postponed);
        }
        match self.transport.send(mailbox, &email).await {
            Ok(reply) => {
                let mut tx = crate::db::tenant(pool, ws).await?;
                let done = outbox::finish(&mut *tx, ws, row.id, &self.worker, "sent", Some(MailboxId(mailbox.id)), &subject, in_reply_to.as_deref(), &references, &reply, &checks).await?;
                if done {
                    crate::flows::signals::touched(&mut tx, ws, &row, &subject, Some(&mailbox.address), false, now).await?;
                }
                tx.commit().await?;
                self.settled(done, Outcome::Sent)
            }
            Err(SendError::Transient(e)) => {
                outbox::release_slot(pool, ws, MailboxId(mailbox.id), today).await?;
            release_ramp(pool, ws, &ramp_slots, today).await?;
                if row.attempts >= self.settings.max_attempts {
                    let why = format!("gave up after {} attempts: {e}", row.attempts);
                    return self.settled(outbox::stop(pool, ws, row.id, &self.worker, "failed", &checks, &why).await?, Outcome::Failed);
                }
                let until = now + self.settings.retry_after * row.attempts.max(1);
                self.settled(outbox::postpone(pool, ws, row.id, &self.worker, until, &checks, &e).await?, Outcome::Postponed)
            }
            Err(SendError::Permanent(e)) => {
                outbox::release_slot(pool, ws, MailboxId(mailbox.id), today).await?;
            release_ramp(pool, ws, &ramp_slots, today).await?;
                self.settled(outbox::stop(pool, ws, row.id, &self.worker, "failed", &checks, &e).await?, Outcome::Failed)
            }
        }
    }

    fn settled(&self, written: bool, outcome: Outcome) -> Result<Outcome> {
        let outcome = if written { outcome } else { Outcome::Lost };
        metrics::counter!("messages_total", "outcome" => outcome.label()).increment(1);
        Ok(outcome)
    }

    /// Moves rows whose claim outlived the lease to `unknown` and settles each: a row that never
    /// got a mailbox never reached a provider and goes back to `pending`; otherwise its
    /// mailbox's provider is asked whether it has the Message-ID — yes → `sent`, no → `pending`
    /// (sent once later), cannot tell → stays `unknown` for a person. Returns
    /// (sent, requeued, undecided).
    pub async fn reconcile(&self, now: DateTime<Utc>) -> Result<(u32, u32, u32)> {
        // Rows in doubt of every workspace: cross-tenant, as the owner.
        let pool = self.engine.owner_pool();
        outbox::expire_leases(pool, now - self.settings.lease).await?;
        let (mut sent, mut requeued, mut undecided) = (0, 0, 0);
        for row in outbox::in_doubt(pool, 500).await? {
            let ws = WorkspaceId(row.client_id);
            let delivered = match row.mailbox_id {
                None => Some(false),
                Some(m) => match mailboxes::for_send(pool, ws, MailboxId(m), now.date_naive()).await? {
                    Some(mailbox) => self.transport.delivered(&mailbox, &row.message_id).await,
                    None => None,
                },
            };
            match delivered {
                Some(true) => {
                    outbox::resolve_unknown(pool, ws, row.id, true, "reconciled: the provider has this Message-ID").await?;
                    sent += 1;
                }
                Some(false) => {
                    outbox::resolve_unknown(pool, ws, row.id, false, "reconciled: the provider never received it; it will be sent once").await?;
                    requeued += 1;
                }
                None => undecided += 1,
            }
        }
        Ok((sent, requeued, undecided))
    }
}

/// Gives back the ramp slots a send took when it does not go out after all.
async fn release_ramp(pool: &sqlx::PgPool, ws: WorkspaceId, scopes: &[uuid::Uuid], day: chrono::NaiveDate) -> Result<()> {
    for scope in scopes {
        outbox::release_ramp(pool, ws, *scope, day).await?;
    }
    Ok(())
}

/// Follow-up emails thread under the first email of the sequence (SPEC §7): same subject with
/// "Re: ", In-Reply-To the first Message-ID, References the chain.
fn threading(row: &Claimed, ctx: &SendContext) -> (String, Option<String>, Vec<String>) {
    if row.kind == "reply" {
        // An answer threads under the reply it answers (set when it was queued).
        return (row.subject.clone(), row.in_reply_to.clone(), row.references.clone());
    }
    match (&ctx.parent_message_id, &ctx.parent_subject) {
        (Some(parent), Some(subject)) if row.channel == "email" => {
            let base = subject.trim_start_matches("Re: ").to_string();
            (format!("Re: {base}"), Some(parent.clone()), vec![parent.clone()])
        }
        _ => (row.subject.clone(), None, Vec::new()),
    }
}
