//! The sending loop (SPEC §10): dispatch approved messages, reconcile what a crash left in doubt
//! (and, when asked, draft what is due). `serve` runs it beside the web app without drafting:
//! there the drafting sweep and the bounce poll are scheduled jobs (`engine::jobs::Schedules`);
//! `agency-os dispatch` runs only the dispatch part, so sending can scale out to worker
//! processes of its own. No schedule lives here: every one is registered in the job worker.
//!
//! Exactly once does not depend on anything here (see `engine::dispatch`): this module only
//! decides when rounds run, gives each task a worker id no other task anywhere shares, and stops
//! between rounds on SIGTERM or Ctrl-C, so a round's claimed messages are finished, not
//! abandoned to reconciliation.

use engine::dispatch::external::{ByKind, ExternalTransport};
use engine::dispatch::{DispatchSettings, Dispatcher, MailTransport, RoundReport, UnsubscribeLink};
use engine::email::transport::SmtpTransport;
use engine::email::unsubscribe;
use engine::Engine;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Concurrent dispatch tasks in this process.
    pub workers: usize,
    /// Also draft due touches of active campaigns on every pass (`serve` schedules the drafting
    /// sweep as a job instead; dispatch workers do not draft).
    pub draft: bool,
    /// One pass (rounds until nothing is due, then reconciliation) and return.
    pub once: bool,
    /// Wait between passes when nothing was due.
    pub interval: Duration,
    pub dispatch: DispatchSettings,
}

impl LoopOptions {
    pub fn from_config(config: &crate::config::Config, workers: usize, draft: bool, once: bool) -> Self {
        Self {
            workers: workers.max(1),
            draft,
            once,
            interval: Duration::from_millis(config.dispatch_interval_ms),
            dispatch: DispatchSettings { lease: chrono::Duration::seconds(config.dispatch_lease_secs), ..DispatchSettings::default() },
        }
    }
}

/// Signed `{public_url}/u/{token}` links, one per recipient and campaign. An address the token
/// cannot be issued for gets an empty link, which the transport refuses to send without.
pub fn unsubscribe_link(engine: &Engine) -> UnsubscribeLink {
    let key = engine.settings.unsubscribe_key.clone();
    let base = engine.settings.public_url.clone();
    Arc::new(move |ws, campaign, to| match unsubscribe::issue(&key, ws, to, Some(campaign.0)) {
        Ok(token) => unsubscribe::link(&base, &token),
        Err(_) => String::new(),
    })
}

/// A worker id unique across processes and restarts: a process id can be reused after a crash,
/// so a random part is added; the task number tells tasks of one process apart.
fn worker_id(task: usize) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let nonce: u32 = rand::random();
    format!("{host}/{}/{task}/{nonce:08x}", std::process::id())
}

/// A watch that turns true on SIGTERM or Ctrl-C.
pub fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stopping: finishing the messages in hand");
        let _ = tx.send(true);
    });
    rx
}

/// Runs the loop until `shutdown` turns true (or after one pass with `once`). Returns what it
/// did, summed over its tasks.
pub async fn run(engine: Engine, transport: Arc<dyn MailTransport>, options: LoopOptions, shutdown: watch::Receiver<bool>) -> RoundReport {
    let link = unsubscribe_link(&engine);
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..options.workers.max(1) {
        let d = Dispatcher {
            engine: engine.clone(),
            transport: transport.clone(),
            unsubscribe: link.clone(),
            settings: options.dispatch.clone(),
            worker: worker_id(task),
        };
        tasks.spawn(worker(d, task, options.clone(), shutdown.clone()));
    }
    let mut total = RoundReport::default();
    while let Some(done) = tasks.join_next().await {
        if let Ok(r) = done {
            add(&mut total, &r);
        }
    }
    total
}

/// The email channel of a process: native mailboxes over SMTP, sending accounts through the
/// workspace's Instantly or Smartlead client (its key, the installation's, or the sandbox).
pub fn transport(engine: &Engine) -> Arc<dyn MailTransport> {
    let resolver = Arc::new(engine::integrations::Resolver::from_engine(engine));
    Arc::new(ByKind {
        smtp: Arc::new(SmtpTransport::new(engine.settings.secrets.clone(), engine.settings.net.clone())),
        external: Arc::new(ExternalTransport::new(engine.clone(), resolver)),
    })
}

/// The loop `serve` runs: dispatch over every mailbox kind and reconciliation (drafting too
/// when `options.draft`).
pub fn spawn_in_serve(engine: Engine, options: LoopOptions, shutdown: watch::Receiver<bool>) -> tokio::task::JoinHandle<RoundReport> {
    let transport = transport(&engine);
    tokio::spawn(run(engine, transport, options, shutdown))
}

fn add(total: &mut RoundReport, r: &RoundReport) {
    total.claimed += r.claimed;
    total.sent += r.sent;
    total.shadow += r.shadow;
    total.postponed += r.postponed;
    total.cancelled += r.cancelled;
    total.failed += r.failed;
    total.lost += r.lost;
}

async fn worker(d: Dispatcher, task: usize, options: LoopOptions, mut shutdown: watch::Receiver<bool>) -> RoundReport {
    let mut total = RoundReport::default();
    tracing::info!(worker = %d.worker, "dispatch worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        // One task per process drafts and reconciles: both sweep every workspace, and doing
        // them in parallel would only ask the same questions twice.
        if options.draft && task == 0 {
            if let Err(e) = engine::flows::drafts::draft_all(&d.engine, chrono::Utc::now()).await {
                tracing::error!(error = %e, "drafting pass failed");
            }
        }
        loop {
            if *shutdown.borrow() {
                break;
            }
            match d.round(chrono::Utc::now()).await {
                Ok(r) => {
                    add(&mut total, &r);
                    if r.claimed == 0 {
                        break;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, worker = %d.worker, "dispatch round failed");
                    break;
                }
            }
        }
        if task == 0 && !*shutdown.borrow() {
            match d.reconcile(chrono::Utc::now()).await {
                Ok((sent, requeued, undecided)) if sent + requeued + undecided > 0 => {
                    tracing::info!(sent, requeued, undecided, "reconciled messages a crash left in doubt");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "reconciliation failed"),
            }
        }
        if options.once {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(options.interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::info!(worker = %d.worker, sent = total.sent, "dispatch worker stopped");
    total
}
