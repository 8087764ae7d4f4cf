//! The `agency-os` command line: one binary, one subcommand per job.

use crate::config::{Config, VARIABLES};
use crate::{router, session_store, telemetry, AppState, RouterSettings};
use anyhow::Context;
use clap::{Parser, Subcommand};
use engine::{cache::Redis, db, flows::demo, Engine};

fn env_help() -> String {
    let mut s = String::from("Configuration (environment variables; a missing or malformed value stops the program):\n");
    for (var, default, what) in VARIABLES {
        s.push_str(&format!("  {var:<38} {what}{}\n", if default.is_empty() { String::new() } else { format!(" [default: {default}]") }));
    }
    s
}

#[derive(Parser, Debug)]
#[command(name = "agency-os", version, about = "Agency OS: outbound prospecting for agencies, on your own machine.", after_help = env_help())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Set a workspace's tier and subscription status (audited as plan.set); a tier change
    /// moves its credits by the difference between the two lead pools. Prints the change.
    Set {
        /// The workspace id.
        #[arg(long)]
        workspace: String,
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["ignition", "velocity", "dominance"]))]
        tier: String,
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["trialing", "active", "past_due", "cancelled", "paused"]))]
        status: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum OperatorCommand {
    /// Make the user with this login a platform operator (audited).
    Grant { email: String },
    /// Take the operator flag away (audited).
    Revoke { email: String },
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app and run the background worker in one process.
    Serve {
        /// Skip applying pending database migrations at start-up.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Run only the dispatch loop: send due approved messages and reconcile what a crash left
    /// in doubt (for worker processes beside `serve`). Stops between rounds on SIGTERM/Ctrl-C.
    Dispatch {
        /// Concurrent dispatch tasks in this process.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
        workers: u16,
        /// Send what is due now, reconcile, and exit (instead of running until stopped).
        #[arg(long)]
        once: bool,
    },
    /// Read every mailbox's INBOX over IMAP once for bounces and spam complaints, record them
    /// (suppression, lead status, the deliverability guard), and print what was found per
    /// mailbox. Exits with status 1 when a mailbox could not be read.
    PollBounces,
    /// Create the database if it does not exist and apply pending migrations.
    Migrate,
    /// Seed the demo workspace (idempotent) and print its login.
    Demo,
    /// Import leads from a CSV file into a workspace, then score them; prints progress.
    Import {
        /// The workspace id (Settings shows it in the address bar: /w/<id>).
        #[arg(long)]
        workspace: String,
        file: std::path::PathBuf,
    },
    /// Run pending enrichment and scoring of a workspace to completion, printing progress.
    Pipeline {
        #[arg(long)]
        workspace: String,
    },
    /// Check email addresses; prints one JSON object per address (addresses from stdin, one
    /// per line, when none are given).
    CheckEmail {
        /// Accept domain literals such as user@[192.0.2.1] (as risky) instead of rejecting them.
        #[arg(long)]
        allow_domain_literals: bool,
        addresses: Vec<std::ffi::OsString>,
    },
    /// Benchmark import, sandbox enrichment, scoring and the leads page on generated leads, in
    /// a scratch database `<DATABASE_URL name>_bench` on the same server (dropped afterwards).
    Bench {
        #[arg(long, default_value_t = 100_000)]
        leads: usize,
        /// Keep the bench database for inspection.
        #[arg(long)]
        keep: bool,
        /// Milliseconds between polls of the sandbox's async providers (BetterContact, Clay);
        /// the product's interval by default. 0 polls again at once (the sandbox's "pending"
        /// is simulated), which measures the engine without the providers' wait.
        #[arg(long, default_value_t = 500)]
        poll_ms: u64,
    },
    /// Benchmark dispatch (4 workers to a local SMTP sink: messages/s, duplicates) and the
    /// approval-queue page with many pending drafts, in a scratch database (dropped afterwards).
    BenchDispatch {
        #[arg(long, default_value_t = 2_000)]
        messages: usize,
        #[arg(long, default_value_t = 10_000)]
        drafts: usize,
        /// Keep the bench database for inspection.
        #[arg(long)]
        keep: bool,
    },
    /// Benchmark reply intake (events/s, p99 per event), the Inbox page and the lead timeline
    /// with many replies and activities, in a scratch database (dropped afterwards).
    BenchIntake {
        #[arg(long, default_value_t = 10_000)]
        replies: usize,
        #[arg(long, default_value_t = 100_000)]
        activities: usize,
        #[arg(long)]
        keep: bool,
    },
    /// Benchmark the Reports page and the leads CSV export on a workspace of 100,000 leads,
    /// 200,000 messages and 1,000,000 activities, in a scratch database (dropped afterwards).
    BenchReports {
        #[arg(long, default_value_t = 100_000)]
        leads: usize,
        /// Reports requested (spread over the 7, 30 and 90-day ranges and three filters).
        #[arg(long, default_value_t = 9)]
        runs: usize,
        #[arg(long)]
        keep: bool,
    },
    /// Re-seal stored provider keys with the current AGENCY_OS_SECRET_KEY (after a rotation:
    /// put the old key in AGENCY_OS_PREVIOUS_SECRET_KEYS first).
    RotateSecrets,
    /// The platform-wide emergency stop: `on` holds every outbound send of every workspace
    /// before its next provider call, `off` lifts it. Prints the state it leaves.
    EmergencyStop {
        #[arg(value_parser = ["on", "off"])]
        state: String,
        /// Why (shown to every workspace while the stop is on).
        #[arg(long)]
        reason: Option<String>,
    },
    /// A workspace's plan, set by hand (installations without Stripe keys, or to correct one).
    Plan {
        #[command(subcommand)]
        action: PlanCommand,
    },
    /// The platform operator flag of a user (the operator console and plan settings).
    Operator {
        #[command(subcommand)]
        action: OperatorCommand,
    },
    /// Classify replies: reads one reply text on standard input (or, with --jsonl, one JSON
    /// object {"text", "subject"?, "headers"?} per line) and prints one JSON object
    /// {"intent", "confidence", "return_date"} per reply. A line that cannot be read prints
    /// {"error": …} and the command exits with status 2 after the other lines.
    ClassifyReply {
        /// Read one JSON object per line instead of one plain-text reply.
        #[arg(long)]
        jsonl: bool,
        /// The date relative return dates ("back Monday") count from; today by default.
        #[arg(long, value_parser = crate::mail_tools::parse_day)]
        today: Option<chrono::NaiveDate>,
    },
    /// Read an agency's website (robots.txt, sitemap, at most 25 pages of its own domain), extract
    /// what it says about itself and derive the ideal customer profile; prints one JSON object.
    /// Exits with status 2 when the address is refused or cannot be read.
    DiscoverIcp {
        /// Let the site be on a private, loopback or link-local address and on any port (a local
        /// test site; the same as AGENCY_OS_FETCH_ALLOW_PRIVATE=true).
        #[arg(long)]
        allow_private: bool,
        /// Milliseconds to wait between two requests to the site.
        #[arg(long, default_value_t = 300, hide = true)]
        delay_ms: u64,
        url: String,
    },
    /// Whether a voice call to a number may be placed at a moment: the calling hours of the
    /// Telemarketing Industry Standard (weekdays 9:00–20:00, Saturday 9:00–17:00, never on a
    /// Sunday or an Australian national public holiday) on the lead's clock. Prints one JSON
    /// object {"allowed": bool, "reason": str}; exits with status 2 on bad input.
    CallWindow {
        /// The number called, in E.164 form (+61412345678).
        #[arg(long)]
        number: String,
        /// The lead's IANA time zone (Australia/Sydney).
        #[arg(long)]
        timezone: String,
        /// The moment of the call, RFC 3339 (2026-03-04T19:30:00+11:00).
        #[arg(long)]
        at: String,
    },
    /// The operator's platform-wide suppression list: nothing is sent to these on any channel by
    /// any workspace. Adds each value (an email address, a domain — which covers its
    /// subdomains — or a phone number, E.164 or Australian national form), or with --remove lifts
    /// it, or with --list prints the list. Workspaces keep their own lists in Settings.
    Suppress {
        /// Work on the platform-wide list (the only list this command manages).
        #[arg(long, required = true)]
        platform: bool,
        /// What the values are; guessed from each value's shape when not given.
        #[arg(long, value_parser = ["email", "domain", "phone"])]
        kind: Option<String>,
        /// Why (kept with each entry added).
        #[arg(long)]
        note: Option<String>,
        /// Lift the values instead of adding them.
        #[arg(long, conflicts_with = "list")]
        remove: bool,
        /// Print the list.
        #[arg(long)]
        list: bool,
        values: Vec<String>,
    },
    /// Parse bounce (non-delivery report) messages; prints one JSON object per file.
    ParseBounce {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// DKIM-sign a message: reads it on standard input, writes it signed to standard output.
    /// Exits with status 2 on bad input (key, algorithm, empty message).
    DkimSign {
        /// The signing domain (d=), e.g. agency.example.
        #[arg(long)]
        domain: String,
        /// The selector (s=): the key is published at <selector>._domainkey.<domain>.
        #[arg(long)]
        selector: String,
        /// The private key, PEM PKCS#8 (-----BEGIN PRIVATE KEY-----), as dkim-keygen writes it.
        #[arg(long)]
        key: std::path::PathBuf,
        /// Refuse a key of any other algorithm.
        #[arg(long, value_parser = ["ed25519", "rsa"])]
        algorithm: Option<String>,
    },
    /// Generate a DKIM key pair: writes the private key (PEM PKCS#8) to --out and prints the
    /// DNS TXT record to publish.
    DkimKeygen {
        #[arg(long, value_parser = ["ed25519", "rsa"], default_value = "ed25519")]
        algorithm: String,
        #[arg(long)]
        domain: String,
        #[arg(long)]
        selector: String,
        /// Where to write the private key; an existing file is never overwritten.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Run a local SMTP server that accepts every message and keeps it (for trying out sending
    /// without delivering anything); prints one line per message until stopped with Ctrl-C.
    SmtpSink {
        #[arg(long, default_value = "127.0.0.1:2525")]
        addr: std::net::SocketAddr,
        /// Also write each message to this directory as an .eml file.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
        /// Also answer IMAP here over the messages received (one INBOX), so a mailbox pointed
        /// at the sink reads back its replies and bounces.
        #[arg(long)]
        imap_addr: Option<std::net::SocketAddr>,
    },
}

/// Bad input to a command-line tool (a key that cannot be used, an empty message): the process
/// exits with status 2 so scripts can tell it from a failure of the tool itself.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { no_migrate } => serve(no_migrate).await,
        Command::Dispatch { workers, once } => {
            let config = load()?;
            let engine = connect(&config).await?;
            warn_about_links(&config);
            let options = crate::sending::LoopOptions::from_config(&config, usize::from(workers), false, once);
            let shutdown = crate::sending::shutdown_signal();
            let done = crate::sending::spawn_in_serve(engine, options, shutdown).await?;
            println!(
                "Dispatch stopped: {} claimed, {} sent, {} shadow, {} postponed, {} cancelled, {} failed.",
                done.claimed, done.sent, done.shadow, done.postponed, done.cancelled, done.failed
            );
            Ok(())
        }
        Command::PollBounces => {
            let config = load()?;
            let engine = connect(&config).await?;
            poll_bounces(&engine, config.bounce_poll_settings()).await
        }
        Command::Migrate => {
            let config = load()?;
            let _ = prepare_database(&config).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CheckEmail { allow_domain_literals, addresses } => {
            check_email(allow_domain_literals, addresses);
            Ok(())
        }
        Command::ParseBounce { files } => parse_bounce(&files),
        Command::Suppress { platform: _, kind, note, remove, list, values } => {
            let config = load()?;
            let engine = connect(&config).await?;
            suppress_platform(&engine, kind.as_deref(), note.as_deref(), remove, list, &values).await
        }
        Command::CallWindow { number, timezone, at } => {
            let answer = domain::calling::call_window(&number, &timezone, &at).map_err(|e| anyhow::Error::new(BadInput(e.to_string())))?;
            println!("{}", serde_json::to_string(&answer)?);
            Ok(())
        }
        Command::DiscoverIcp { allow_private, delay_ms, url } => discover_icp(allow_private, delay_ms, &url).await,
        Command::ClassifyReply { jsonl, today } => crate::mail_tools::classify_reply(jsonl, today.unwrap_or_else(|| chrono::Utc::now().date_naive())),
        Command::EmergencyStop { state, reason } => {
            let config = load()?;
            let engine = connect(&config).await?;
            let (on, reason) = engine::flows::sending::set_platform_stop(&engine, state == "on", reason.as_deref()).await?;
            match (on, reason) {
                (true, reason) => println!("Emergency stop is ON: nothing is sent by any workspace ({}).", reason.unwrap_or_default()),
                (false, _) => println!("Emergency stop is OFF: workspaces that are live send again."),
            }
            Ok(())
        }
        Command::Plan { action: PlanCommand::Set { workspace, tier, status } } => {
            let config = load()?;
            let engine = connect(&config).await?;
            let ws = find_workspace(&engine, &workspace).await?;
            let (tier, status) = (tier.parse().map_err(anyhow::Error::msg)?, status.parse().map_err(anyhow::Error::msg)?);
            let c = engine::flows::billing::set_plan(&engine, ws, tier, status, None, "cli").await?;
            println!(
                "Workspace {ws}: {} ({}) -> {} ({}); {} credits left.",
                c.before.0.label(),
                c.before.1,
                c.after.0.label(),
                c.after.1,
                c.credits_remaining
            );
            Ok(())
        }
        Command::Operator { action } => {
            let config = load()?;
            let engine = connect(&config).await?;
            let (email, on) = match &action {
                OperatorCommand::Grant { email } => (email, true),
                OperatorCommand::Revoke { email } => (email, false),
            };
            let changed = engine::flows::billing::set_operator(&engine, email, on).await.map_err(|e| match e {
                engine::Error::NotFound(_) => anyhow::anyhow!("no user signed up with {email}"),
                other => other.into(),
            })?;
            let state = if on { "an operator" } else { "not an operator" };
            println!("{email} is {state}{}.", if changed { " now" } else { " already" });
            Ok(())
        }
        Command::DkimSign { domain, selector, key, algorithm } => crate::mail_tools::dkim_sign(&domain, &selector, &key, algorithm.as_deref()),
        Command::DkimKeygen { algorithm, domain, selector, out } => crate::mail_tools::dkim_keygen(&algorithm, &domain, &selector, &out),
        Command::SmtpSink { addr, dir, imap_addr } => crate::mail_tools::smtp_sink(addr, dir, imap_addr).await,
        Command::RotateSecrets => {
            let config = load()?;
            let engine = connect(&config).await?;
            let n = engine::flows::integrations::reseal_all(&engine).await?;
            println!("Re-sealed {n} stored secret(s) with key {}.", engine.settings.secrets.current_id());
            Ok(())
        }
        Command::BenchDispatch { messages, drafts, keep } => crate::bench_dispatch::run(&load()?, messages, drafts, keep).await,
        Command::BenchIntake { replies, activities, keep } => crate::bench_intake::run(&load()?, replies, activities, keep).await,
        Command::BenchReports { leads, runs, keep } => crate::bench_reports::run(&load()?, leads, runs, keep).await,
        Command::Bench { leads, keep, poll_ms } => crate::bench::run(&load()?, leads, keep, poll_ms).await,
        Command::Import { workspace, file } => {
            let config = load()?;
            let engine = connect(&config).await?;
            let ws = find_workspace(&engine, &workspace).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let f = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let started = std::time::Instant::now();
            let outcome = engine::import::import_csv(engine.owner_pool(), ws, None, &name, std::io::BufReader::with_capacity(256 * 1024, f), |s| {
                eprint!("\r{} rows read, {} imported, {} duplicates, {} with problems", s.total, s.imported, s.duplicates, s.invalid);
            })
            .await?;
            eprintln!();
            let s = outcome.summary;
            println!(
                "Import {} finished in {:.1} s: {} imported, {} duplicates, {} with problems.",
                outcome.id, started.elapsed().as_secs_f64(), s.imported, s.duplicates, s.invalid
            );
            let enricher = enricher(&engine, ws).await?;
            let done = engine::flows::pipeline::pipeline(&engine, &enricher, ws, |p| eprintln!("{p}")).await?;
            println!("{done}");
            if s.invalid > 0 || s.duplicates > 0 {
                println!("Error report: {}/w/{ws}/imports/{}/errors.csv", config.public_url, outcome.id);
            }
            Ok(())
        }
        Command::Pipeline { workspace } => {
            let config = load()?;
            let engine = connect(&config).await?;
            let ws = find_workspace(&engine, &workspace).await?;
            let started = std::time::Instant::now();
            let enricher = enricher(&engine, ws).await?;
            let done = engine::flows::pipeline::pipeline(&engine, &enricher, ws, |p| eprintln!("{p}")).await?;
            println!("{done} ({:.1} s)", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Demo => {
            let config = load()?;
            let engine = connect(&config).await?;
            let d = demo::seed(&engine).await?;
            println!(
                "Demo workspace \"{}\" {}.\n  Log in at {}/login\n  email:    {}\n  password: {}",
                demo::DEMO_WORKSPACE,
                if d.created { "created" } else { "already present" },
                config.public_url,
                demo::DEMO_EMAIL,
                demo::DEMO_PASSWORD
            );
            Ok(())
        }
    }
}

fn load() -> anyhow::Result<Config> {
    let config = Config::from_env()?;
    telemetry::init(&config);
    Ok(config)
}

async fn prepare_database(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    let url = config.database_url.expose();
    if db::create_database_if_missing(url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {:?} (set DATABASE_URL)", config.database_url))?
    {
        tracing::info!("created the database");
    }
    let pool = db::connect(url, config.db_max_connections).await?;
    db::migrate(&pool).await.context("applying migrations")?;
    session_store(&pool).await.context("preparing the session table")?;
    Ok(pool)
}

async fn connect(config: &Config) -> anyhow::Result<Engine> {
    let pool = db::connect(config.database_url.expose(), config.db_max_connections)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {:?} (set DATABASE_URL)", config.database_url))?;
    let redis = Redis::connect(config.redis_url.expose(), config.redis_namespace.clone())
        .await
        .with_context(|| format!("cannot reach Redis at {:?} (set REDIS_URL)", config.redis_url))?;
    Ok(Engine::new(pool, redis, config.engine_settings()?))
}

async fn serve(no_migrate: bool) -> anyhow::Result<()> {
    let config = load()?;
    if !no_migrate {
        prepare_database(&config).await?;
    }
    let engine = connect(&config).await?;
    let store = session_store(engine.owner_pool()).await?;
    // The worker: durable jobs (enrichment, scoring, credit resets) and session expiry.
    warn_about_links(&config);
    // Every schedule runs in the job worker: the drafting sweep as often as the sending loop
    // passes when idle, and the bounce poll every AGENCY_OS_BOUNCE_POLL_SECS.
    let schedules = engine::jobs::Schedules {
        drafting: engine::jobs::every((config.dispatch_interval_ms / 1000).max(1)),
        bounces: engine::jobs::every(config.bounce_poll_secs).map(|cron| (cron, config.bounce_poll_settings())),
    };
    if schedules.bounces.is_none() {
        tracing::info!("reading bounces is off (AGENCY_OS_BOUNCE_POLL_SECS=0)");
    }
    let jobs = engine::jobs::monitor_with(engine::jobs::JobContext::configured(engine.clone()), schedules);
    tokio::spawn(async move {
        if let Err(e) = jobs.run().await {
            tracing::error!(error = %e, "job worker stopped");
        }
    });
    // Expired sessions are deleted by the job worker's hourly schedule (`jobs::SWEEP_SESSIONS_SCHEDULE`).
    let mut leptos_options = leptos::prelude::get_configuration(None)?.leptos_options;
    leptos_options.site_addr = config.addr;
    // A binary built by plain cargo (tests, `cargo run`) lacks the output name cargo-leptos
    // bakes in; the files under target/site/pkg are always named after the project.
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "agency-os".into();
    }
    // Dispatch and reconciliation beside the web app (drafting and the bounce poll are
    // scheduled jobs, above).
    let shutdown = crate::sending::shutdown_signal();
    let sending = crate::sending::spawn_in_serve(engine.clone(), crate::sending::LoopOptions::from_config(&config, 2, false, false), shutdown.clone());
    let state = AppState { engine, leptos_options };
    let settings = RouterSettings {
        public_url: config.public_url.clone(),
        secure_cookies: config.secure_cookies,
        trusted_proxies: if config.trust_proxy { config.trusted_proxies } else { 0 },
        session_days: config.session_days,
        metrics_token: config.metrics_token.clone(),
    };
    let app = router(state, store, &settings);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (set AGENCY_OS_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, public_url = %config.public_url, "serving");
    eprintln!("Agency OS is serving on {}", config.public_url);
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            let mut shutdown = shutdown;
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await?;
    // The sending loop stops between rounds: the messages it holds are finished first.
    let _ = sending.await;
    Ok(())
}

fn warn_about_links(config: &Config) {
    if !config.public_url.starts_with("https://") {
        tracing::warn!(public_url = %config.public_url, "AGENCY_OS_PUBLIC_URL is not https: live emails are held back, since their one-click unsubscribe link (RFC 8058) must be https. Shadow mode works.");
    }
}


/// `agency-os poll-bounces`: one line per mailbox read.
async fn poll_bounces(engine: &Engine, settings: engine::flows::bounces::PollSettings) -> anyhow::Result<()> {
    let reports = engine::flows::bounces::poll_all_with(engine, settings).await?;
    if reports.is_empty() {
        println!("No mailbox has an IMAP server to read.");
        return Ok(());
    }
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut failed = 0;
    for r in &reports {
        let who = if r.address.is_empty() { r.mailbox.to_string() } else { r.address.clone() };
        let mut line = format!(
            "{who} (workspace {}): {} read, {}, {}, {} only delayed, {} not ours",
            r.workspace,
            r.messages,
            plural(r.bounces, "bounce", "bounces"),
            plural(r.complaints, "complaint", "complaints"),
            r.temporary,
            r.unmatched
        );
        if r.skipped > 0 {
            line.push_str(&format!(", {} skipped as too large", r.skipped));
        }
        for reason in &r.paused {
            line.push_str(&format!("; mailbox paused: {reason}"));
        }
        if r.busy {
            line.push_str("; skipped: another process is reading this mailbox");
        }
        if r.more {
            line.push_str("; more waiting (read on the next poll)");
        }
        if let Some(e) = &r.error {
            failed += 1;
            line.push_str(&format!("; FAILED: {e}"));
        }
        println!("{line}");
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} mailbox(es) could not be read", reports.len());
    }
    Ok(())
}

fn check_email(allow_domain_literals: bool, addresses: Vec<std::ffi::OsString>) {
    use std::io::{BufRead, Write};
    let opts = domain::email_check::CheckOptions { allow_domain_literals };
    let out = std::io::stdout();
    let mut out = out.lock();
    let mut print = |raw: &str| {
        let line = serde_json::to_string(&domain::email_check::check_email(raw, &opts)).expect("serialisable");
        let _ = writeln!(out, "{line}");
    };
    if addresses.is_empty() {
        // Bytes, not strings: a line that is not UTF-8 is checked (and found invalid), not fatal.
        for line in std::io::stdin().lock().split(b'\n').map_while(Result::ok) {
            let text = String::from_utf8_lossy(&line);
            print(text.strip_suffix('\r').unwrap_or(&text));
        }
    } else {
        for a in &addresses {
            print(&a.to_string_lossy());
        }
    }
}

/// `agency-os discover-icp`: needs no database; the outbound policy is the installation's
/// (`AGENCY_OS_FETCH_ALLOW_PRIVATE`) unless `--allow-private` opens it.
async fn discover_icp(allow_private: bool, delay_ms: u64, url: &str) -> anyhow::Result<()> {
    let env_allows = std::env::var("AGENCY_OS_FETCH_ALLOW_PRIVATE").is_ok_and(|v| matches!(v.trim(), "true" | "1" | "yes"));
    let policy = engine::net::NetPolicy::new(allow_private || env_allows);
    let limits = engine::site::ReadLimits { delay: std::time::Duration::from_millis(delay_ms), ..engine::site::ReadLimits::for_policy(&policy) };
    let found = engine::flows::onboarding::discover(&policy, url, &limits, |step, n, total| eprintln!("{step} {n}/{total}"))
        .await
        .map_err(|e| anyhow::Error::new(BadInput(format!("cannot read {url}: {e}"))))?;
    println!("{}", serde_json::to_string_pretty(&found.to_json())?);
    Ok(())
}

/// `agency-os suppress --platform`: one line per value; a value that cannot be read is named on
/// stderr and the command exits with status 2 after the others.
async fn suppress_platform(engine: &Engine, kind: Option<&str>, note: Option<&str>, remove: bool, list: bool, values: &[String]) -> anyhow::Result<()> {
    use engine::flows::suppression;
    if list {
        for e in engine::store::suppressions::platform_list(engine.owner_pool()).await? {
            println!("{}\t{}\t{}\t{}", e.kind.as_str(), e.value, e.created_at.to_rfc3339(), e.note.unwrap_or_default());
        }
        return Ok(());
    }
    if values.is_empty() {
        return Err(BadInput("give at least one value (an email address, a domain or a phone number), or --list".into()).into());
    }
    let kind = kind.and_then(domain::suppression::EntryKind::parse);
    let mut bad = 0;
    for raw in values {
        let done = if remove {
            suppression::platform_remove(engine, raw).await.map(|(value, removed)| {
                if removed { format!("lifted {value} from the platform suppression list") } else { format!("{value} was not on the platform suppression list") }
            })
        } else {
            suppression::platform_add(engine, raw, kind, note).await.map(|(kind, value, added)| {
                if added { format!("added {} {value} to the platform suppression list", kind.as_str()) } else { format!("{value} was already on the platform suppression list") }
            })
        };
        match done {
            Ok(line) => println!("{line}"),
            Err(engine::Error::Invalid(why)) => {
                bad += 1;
                eprintln!("agency-os: {why}");
            }
            Err(e) => return Err(e.into()),
        }
    }
    if bad > 0 {
        return Err(BadInput(format!("{bad} of {} value(s) could not be read", values.len())).into());
    }
    Ok(())
}

fn parse_bounce(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut failed = 0;
    for f in files {
        match std::fs::read(f) {
            Ok(raw) => {
                let report = domain::bounce::parse_bounce(&raw);
                let line = serde_json::json!({
                    "file": f.to_string_lossy(),
                    "permanent": report.permanent,
                    "temporary": report.temporary,
                });
                println!("{line}");
            }
            Err(e) => {
                eprintln!("agency-os: cannot read {}: {e}", f.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} file(s) could not be read");
    }
    Ok(())
}

/// A live workspace by id, with a clear message when there is none.
async fn find_workspace(engine: &Engine, raw: &str) -> anyhow::Result<domain::ids::WorkspaceId> {
    let ws: domain::ids::WorkspaceId = raw.parse().map_err(|_| anyhow::anyhow!("--workspace must be a workspace id (a UUID), got {raw:?}"))?;
    let mut conn = engine.owner_pool().acquire().await?;
    engine::store::workspaces::name(&mut conn, ws).await?.ok_or_else(|| anyhow::anyhow!("no workspace with id {ws}"))?;
    Ok(ws)
}

/// The workspace's enrichment providers: the real client of each provider it (or the
/// installation) has a key for, the sandbox (deterministic, offline, realistic) for the rest,
/// as SPEC §16 asks.
async fn enricher(engine: &Engine, ws: domain::ids::WorkspaceId) -> anyhow::Result<std::sync::Arc<engine::flows::enrich::Enricher>> {
    Ok(engine::integrations::Resolver::from_engine(engine).enricher_for(ws).await?)
}
