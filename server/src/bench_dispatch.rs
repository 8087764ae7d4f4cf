//! `agency-os bench-dispatch`: dispatch throughput with 4 workers to the local SMTP sink (with
//! zero duplicates, counted by Message-ID), and the approval queue's server time with 10,000
//! pending drafts. Runs in its own scratch database, dropped afterwards.
//!
//! [`seed`] is also what the dispatch crash test uses to put thousands of approved messages in
//! the outbox through the real flows (campaign, enrolment, drafting, frozen batch).

use crate::config::Config;
use anyhow::Context;
use domain::campaign::{CampaignStatus, PermissionMode};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::window::{SendingWindow, TimeRange, WeekdaySet};
use engine::dispatch::MailTransport;
use engine::email::sink::{SinkOptions, SmtpSink};
use engine::email::transport::SmtpTransport;
use engine::{cache::Redis, db, Engine};
use std::sync::Arc;
use std::time::Instant;

const BENCH_DB: &str = "agency_os_bench_dispatch";

/// A seeded workspace.
#[derive(Debug, Clone, Copy)]
pub struct Seeded {
    pub workspace: WorkspaceId,
    pub user: UserId,
    pub campaign: CampaignId,
}

/// A live workspace with one active campaign over `leads` leads whose first email is drafted;
/// with `approve`, every draft is approved through a frozen batch and due now, otherwise they
/// wait in the approval queue. Each `(smtp port, imap port)` becomes a mailbox on 127.0.0.1
/// with room for every message. The window is open all week around the clock (UTC), so the
/// messages are due whenever this runs.
pub async fn seed(engine: &Engine, leads: usize, approve: bool, mailboxes: &[(u16, u16)]) -> anyhow::Result<Seeded> {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let user: uuid::Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, 'Bench Owner', 'x') returning id")
        .bind(format!("bench-{tag}@example.com"))
        .fetch_one(engine.owner_pool())
        .await?;
    let user = UserId(user);
    let ws = engine::flows::workspaces::create(engine, user, "Dispatch Bench").await?;
    sqlx::query(
        "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry,
                            location, employee_count, status, als, tier)
         select $1, 'csv', 'lead' || i || '@client' || i || '.example.com', 'Ann' || i, 'Nguyen', 'Managing Director',
                'Harbour Freight ' || i, 'client' || i || '.example.com', 'Logistics', 'Adelaide SA', 40, 'scored', 80, 'hot'
         from generate_series(1, $2) i",
    )
    .bind(ws.0)
    .bind(i32::try_from(leads)?)
    .execute(engine.owner_pool())
    .await?;
    let mut s = domain::campaign::CampaignSettings::new_default("Dispatch bench");
    s.permission_mode = Some(PermissionMode::Manual);
    s.sender_name = "Sam Carter".into();
    s.sender_company = "Northwind Growth".into();
    s.physical_address = "1 George St, Sydney NSW 2000".into();
    s.time_zone = "UTC".into();
    s.window = SendingWindow::new(WeekdaySet::ALL, TimeRange::hours(0, 24)?, WeekdaySet::ALL, vec![TimeRange::hours(0, 24)?], 240)?;
    let access = engine::auth::Access::resolve(engine, user, ws).await?;
    let campaign = engine::flows::campaigns::create(engine, &access, s).await?;
    engine::flows::campaigns::set_status(engine, &access, campaign, CampaignStatus::Active).await?;
    engine::flows::campaigns::enroll(engine, &access, campaign, &Default::default()).await?;
    engine::flows::drafts::draft_campaign(engine, ws, campaign, chrono::Utc::now()).await?;
    if approve {
        let batch = engine::flows::drafts::freeze_batch(engine, &access, Some(campaign), i64::try_from(leads)?).await?;
        engine::flows::drafts::execute_batch(engine, &access, batch.id).await?;
        sqlx::query("update outbox set not_before = now() - interval '1 minute' where client_id = $1").bind(ws.0).execute(engine.owner_pool()).await?;
    }
    for (i, (smtp, imap)) in mailboxes.iter().enumerate() {
        sqlx::query(
            "insert into mailboxes (client_id, address, display_name, smtp_host, smtp_port, smtp_security, imap_host, imap_port,
                                    imap_security, daily_cap, ramp_start, ramp_step)
             values ($1, $2, 'Sam Carter', '127.0.0.1', $3, 'none', '127.0.0.1', $4, 'none', 2000, 2000, 0)",
        )
        .bind(ws.0)
        .bind(format!("sam{i}@northwind.example.com"))
        .bind(i32::from(*smtp))
        .bind(i32::from(*imap))
        .execute(engine.owner_pool())
        .await?;
    }
    sqlx::query("update workspaces set shadow_mode = false where id = $1").bind(ws.0).execute(engine.owner_pool()).await?;
    Ok(Seeded { workspace: ws, user, campaign })
}

pub async fn run(config: &Config, messages: usize, drafts: usize, keep: bool) -> anyhow::Result<()> {
    let mut engine = open_bench_engine(config, BENCH_DB).await?;
    // The bench's mailboxes are its own SMTP sink on 127.0.0.1, which the outbound policy
    // refuses for a tenant's mailbox; this process started the sink itself.
    engine.settings.net = engine::net::NetPolicy::new(true);
    let result = measure(&engine, messages, drafts).await;
    close_bench_engine(engine, config, BENCH_DB, keep).await?;
    result
}

/// A fresh database named `bench_db` beside DATABASE_URL's, migrated, with its own Redis
/// namespace: what every bench command measures against.
pub(crate) async fn open_bench_engine(config: &Config, bench_db: &str) -> anyhow::Result<Engine> {
    let server_url = config.database_url.expose().to_string();
    let (base, _) = server_url.rsplit_once('/').context("DATABASE_URL has no database name")?;
    let bench_url = format!("{base}/{bench_db}");
    drop_database(&server_url, bench_db).await?;
    db::create_database_if_missing(&bench_url).await?;
    let pool = db::connect(&bench_url, config.db_max_connections.max(20)).await?;
    db::migrate(&pool).await.context("migrating the bench database")?;
    let redis = Redis::connect(config.redis_url.expose(), format!("bench:{}:", uuid::Uuid::new_v4().simple())).await.context("cannot reach Redis (set REDIS_URL)")?;
    let mut settings = config.engine_settings()?;
    // RFC 8058 needs an https link; nothing is ever fetched from it here.
    settings.public_url = "https://bench.agency-os.example".into();
    Ok(Engine::new(pool, redis, settings))
}

/// Closes the bench engine and drops its database unless asked to keep it.
pub(crate) async fn close_bench_engine(engine: Engine, config: &Config, bench_db: &str, keep: bool) -> anyhow::Result<()> {
    engine.owner_pool().close().await;
    if keep {
        eprintln!("kept database {bench_db}");
        Ok(())
    } else {
        drop_database(config.database_url.expose(), bench_db).await
    }
}

async fn measure(engine: &Engine, messages: usize, drafts: usize) -> anyhow::Result<()> {
    let sink = SmtpSink::start("127.0.0.1:0".parse()?, SinkOptions::default()).await?;
    let imap = sink.serve_imap("127.0.0.1:0".parse()?).await?;
    let mailboxes: Vec<(u16, u16)> = (0..4).map(|_| (sink.addr().port(), imap.port())).collect();
    let t = Instant::now();
    let seeded = seed(engine, messages, true, &mailboxes).await?;
    eprintln!("seeded {messages} approved messages in {:.1} s", t.elapsed().as_secs_f64());

    let transport: Arc<dyn MailTransport> = Arc::new(SmtpTransport::new(engine.settings.secrets.clone(), engine.settings.net.clone()));
    let options = crate::sending::LoopOptions {
        workers: 4,
        draft: false,
        once: true,
        interval: std::time::Duration::from_millis(100),
        dispatch: engine::dispatch::DispatchSettings::default(),
    };
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let t = Instant::now();
    let report = crate::sending::run(engine.clone(), transport, options, rx).await;
    let seconds = t.elapsed().as_secs_f64();
    let ids: Vec<String> = sqlx::query_scalar("select message_id from outbox where client_id = $1").bind(seeded.workspace.0).fetch_all(engine.owner_pool()).await?;
    let duplicates = ids.iter().filter(|id| sink.count_by_message_id(id) > 1).count();
    let missing = ids.iter().filter(|id| sink.count_by_message_id(id) == 0).count();
    println!(
        "dispatch, 4 workers to the local SMTP sink: {} messages in {seconds:.2} s = {:.0} messages/s; {} duplicates, {} not delivered (report: {report:?})",
        sink.count(),
        sink.count() as f64 / seconds,
        duplicates,
        missing
    );

    let t = Instant::now();
    let queued = seed(engine, drafts, false, &[]).await?;
    let access = engine::auth::Access::resolve(engine, queued.user, queued.workspace).await?;
    eprintln!("seeded {drafts} pending drafts in {:.1} s", t.elapsed().as_secs_f64());
    let mut times = Vec::new();
    let mut after = None;
    for i in 0..200 {
        // The first page most of the time (what the queue opens on), then pages further in.
        let cursor = if i % 4 == 3 { after.clone() } else { None };
        let t = Instant::now();
        let page = engine::flows::drafts::queue(engine, &access, Some(queued.campaign), cursor, 50).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        after = page.next.or(after);
        if i == 0 {
            anyhow::ensure!(page.pending as usize >= drafts.min(10_000), "expected {drafts} pending drafts, the queue counts {}", page.pending);
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "approval queue page (engine::flows::drafts::queue, 50 drafts, {drafts} pending, {} requests): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        times.len(),
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
    Ok(())
}

async fn drop_database(server_url: &str, bench_db: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(server_url).await?;
    sqlx::query(&format!("drop database if exists {bench_db} with (force)")).execute(&mut conn).await?;
    Ok(())
}
