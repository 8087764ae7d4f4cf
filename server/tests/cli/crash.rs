//! No work lost on a restart (issue 12): the real `agency-os serve` is SIGKILLed in the middle
//! of a CSV import and of a drafting pass, then started again; the import finishes with exactly
//! the right counts and no duplicate lead, and says it was resumed; every lead is drafted
//! exactly once.
//!
//! Rows imported: `AGENCY_OS_CRASH_ROWS` (default 100,000, the figure: about 25 s on a
//! debug build, killed after the first fifth). Leads drafted: `AGENCY_OS_CRASH_DRAFT_LEADS`
//! (default 5,000).

use crate::generated_csv::generated_csv;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One `agency-os serve` process on a port of its own; killed (SIGKILL) when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The environment of the test database, shared by every start.
async fn environment(pool: &PgPool) -> Vec<(String, String)> {
    let db: String = sqlx::query_scalar("select current_database()").fetch_one(pool).await.unwrap();
    let server_url = std::env::var("DATABASE_URL").unwrap();
    let (base, _) = server_url.rsplit_once('/').unwrap();
    vec![
        ("DATABASE_URL".to_string(), format!("{base}/{db}")),
        ("REDIS_URL".into(), "redis://127.0.0.1:6379".into()),
        ("AGENCY_OS_REDIS_NAMESPACE".into(), format!("crash-{}:", uuid::Uuid::new_v4())),
        ("AGENCY_OS_UNSUBSCRIBE_KEY".into(), "7f".repeat(32)),
        ("AGENCY_OS_SECRET_KEY".into(), engine::secrets::encode_key(&engine::secrets::random_key())),
        ("AGENCY_OS_BOUNCE_POLL_SECS".into(), "0".into()),
        // The drafting sweep runs once at start only; the drafting after a change is the job's.
        ("AGENCY_OS_DISPATCH_INTERVAL_MS".into(), "600000".into()),
        ("AGENCY_OS_DB_MAX_CONNECTIONS".into(), "12".into()),
        ("AGENCY_OS_LOG".into(), "warn".into()),
    ]
}

/// Starts the binary and waits until it answers `/ready`.
async fn serve(env: &[(String, String)]) -> Serve {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_agency-os"))
        .arg("serve")
        .envs(env.iter().cloned())
        .env("AGENCY_OS_ADDR", format!("127.0.0.1:{port}"))
        .env("AGENCY_OS_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the agency-os binary starts");
    let server = Serve { child, base: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    loop {
        if let Ok(r) = reqwest::get(format!("{}/ready", server.base)).await {
            if r.status().is_success() {
                return server;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(180), "the server did not get ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).build().unwrap()
}

/// Calls a server function as the hydrated app does.
async fn call(http: &reqwest::Client, base: &str, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let r = http
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, StatusCode::OK, "{endpoint}: {body}");
    body
}

/// Signs up and creates a workspace; returns its id.
async fn owner_workspace(http: &reqwest::Client, base: &str) -> String {
    call(http, base, "sign_up", &[("name", "Ann"), ("email", "ann@example.com"), ("password", "correct horse battery")]).await;
    call(http, base, "create_workspace", &[("name", "Acme")]).await.as_str().unwrap().to_string()
}

async fn wait_for<T>(what: &str, limit: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

type Progress = (String, i32, i32, i32, i32, i32);

async fn progress(pool: &PgPool, id: &str) -> Progress {
    sqlx::query_as("select status, rows_done, total_rows, imported, duplicates, invalid from imports where id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_import_through_a_server_killed_mid_way_finishes_after_restart_with_exact_counts(pool: PgPool) {
    let rows = env_number("AGENCY_OS_CRASH_ROWS", 100_000);
    let (csv, expected) = generated_csv(rows);
    let env = environment(&pool).await;
    let first = serve(&env).await;
    let http = browser();
    let ws = owner_workspace(&http, &first.base).await;

    let t = Instant::now();
    let part = reqwest::multipart::Part::bytes(csv).file_name("big.csv").mime_str("text/csv").unwrap();
    let r = http
        .post(format!("{}/w/{ws}/leads/import", first.base))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let id = r.json::<Value>().await.unwrap()["import"].as_str().unwrap().to_string();

    // Kill it once a fifth of the rows are in.
    let at_kill = wait_for("a fifth of the rows imported", Duration::from_secs(300), async || {
        let p = progress(&pool, &id).await;
        assert_eq!(p.0, "running", "the import finished before the kill; raise AGENCY_OS_CRASH_ROWS ({rows})");
        (p.2 as usize >= rows / 5).then_some(p)
    })
    .await;
    drop(first);
    // A commit the process sent just before it died still lands.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after_kill = progress(&pool, &id).await;
    eprintln!("killed the server after {:?} at {at_kill:?}; committed when it died: {after_kill:?}", t.elapsed());
    assert_eq!(after_kill.0, "running");
    assert!((after_kill.2 as u64) < expected.total);

    let second = serve(&env).await;
    let restarted = Instant::now();
    let done = wait_for("the import finished after the restart", Duration::from_secs(900), async || {
        let p = progress(&pool, &id).await;
        (p.0 != "running").then_some(p)
    })
    .await;
    eprintln!("{rows} rows: finished {:?} after the restart ({:?} in all)", restarted.elapsed(), t.elapsed());
    let n = |x: u64| x as i32;
    assert_eq!(done, ("completed".to_string(), done.1, n(expected.total), n(expected.imported), n(expected.duplicates), n(expected.invalid)));
    let (leads, distinct): (i64, i64) = sqlx::query_as("select count(*), count(distinct email) from leads").fetch_one(&pool).await.unwrap();
    assert_eq!((leads as u64, distinct as u64), (expected.imported, expected.imported), "no lead twice, none missing");
    let reported: i64 = sqlx::query_scalar("select count(*) from import_errors").fetch_one(&pool).await.unwrap();
    assert_eq!(reported as u64, expected.duplicates + expected.invalid);
    let stored: i64 = sqlx::query_scalar("select count(*) from uploads").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0, "the stored file is deleted once the import finishes");

    // What the import page reads says it was resumed.
    let view = call(&http, &second.base, "get_import", &[("workspace", &ws), ("import", &id)]).await;
    assert_eq!(view["status"], "completed");
    let from_row = view["resumed"]["from_row"].as_u64().expect("the import says it was resumed");
    assert_eq!(from_row, after_kill.1 as u64 + 1, "{view}");
}

/// `leads` addressable leads and a campaign in draft with all of them enrolled, made with the
/// engine's own flows on the same database; returns the engine, the owner and the campaign.
async fn seed_campaign(pool: &PgPool, wsid: domain::ids::WorkspaceId, leads: i64) -> (engine::Engine, domain::ids::UserId, domain::ids::CampaignId) {
    let user: uuid::Uuid = sqlx::query_scalar("select id from users").fetch_one(pool).await.unwrap();
    sqlx::query(
        "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry,
                            location, employee_count, status, als, tier)
         select $1, 'csv', 'lead' || i || '@client' || i || '.example.com.au', 'Ann' || i, 'Nguyen', 'Managing Director',
                'Harbour Freight ' || i, 'client' || i || '.example.com.au', 'Logistics', 'Adelaide SA', 40, 'scored', 80, 'hot'
         from generate_series(1, $2) i",
    )
    .bind(wsid.0)
    .bind(leads as i32)
    .execute(pool)
    .await
    .unwrap();
    let redis = engine::cache::Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", uuid::Uuid::new_v4())).await.unwrap();
    let engine = engine::Engine::new(pool.clone(), redis, engine::Settings::default());
    let mut settings = domain::campaign::CampaignSettings::new_default("Crash");
    settings.sender_name = "Sam Carter".into();
    settings.sender_company = "Northwind Growth".into();
    settings.physical_address = "1 George St, Sydney NSW 2000".into();
    let me = domain::ids::UserId(user);
    let campaign = engine::flows::campaigns::create(&engine, &engine::auth::Access::resolve(&engine, me, wsid).await.unwrap(), settings).await.unwrap();
    engine::flows::campaigns::enroll(&engine, &engine::auth::Access::resolve(&engine, me, wsid).await.unwrap(), campaign, &Default::default()).await.unwrap();
    (engine, me, campaign)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_drafting_sweep_is_a_scheduled_job_of_the_server(pool: PgPool) {
    let mut env = environment(&pool).await;
    env.retain(|(k, _)| k != "AGENCY_OS_DISPATCH_INTERVAL_MS");
    env.push(("AGENCY_OS_DISPATCH_INTERVAL_MS".into(), "1000".into()));
    let server = serve(&env).await;
    let http = browser();
    let ws = owner_workspace(&http, &server.base).await;
    let wsid = domain::ids::WorkspaceId(ws.parse().unwrap());
    // Activated behind the app's back: no drafting job is queued, only the sweep can draft it.
    let (engine, me, campaign) = seed_campaign(&pool, wsid, 20).await;
    engine::flows::campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, me, wsid).await.unwrap(), campaign, domain::campaign::CampaignStatus::Active).await.unwrap();
    let jobs: i64 =
        sqlx::query_scalar("select count(*) from apalis.jobs where job_type = 'agency_os::DraftCampaign'").fetch_one(&pool).await.unwrap();
    assert_eq!(jobs, 0);
    wait_for("the sweep drafted the campaign", Duration::from_secs(60), async || {
        let n: i64 =
            sqlx::query_scalar("select count(distinct lead_id) from drafts where client_id = $1").bind(wsid.0).fetch_one(&pool).await.unwrap();
        (n == 20).then_some(())
    })
    .await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_drafting_pass_through_a_server_killed_mid_way_drafts_each_lead_exactly_once_after_restart(pool: PgPool) {
    let leads = env_number("AGENCY_OS_CRASH_DRAFT_LEADS", 5_000) as i64;
    let env = environment(&pool).await;
    let first = serve(&env).await;
    let http = browser();
    let ws = owner_workspace(&http, &first.base).await;
    let wsid = domain::ids::WorkspaceId(ws.parse().unwrap());
    let campaign = seed_campaign(&pool, wsid, leads).await.2;

    // Activating it through the app queues the drafting job.
    let t = Instant::now();
    call(&http, &first.base, "set_campaign_status", &[("workspace", &ws), ("campaign", &campaign.to_string()), ("status", "active")]).await;
    let drafted = || async {
        let (rows, distinct): (i64, i64) = sqlx::query_as("select count(*), count(distinct lead_id) from drafts where client_id = $1 and step = 0")
            .bind(wsid.0)
            .fetch_one(&pool)
            .await
            .unwrap();
        (rows, distinct)
    };
    let at_kill = wait_for("drafting under way", Duration::from_secs(300), async || {
        let (rows, _) = drafted().await;
        assert!(rows < leads, "the pass finished before the kill; raise AGENCY_OS_CRASH_DRAFT_LEADS ({leads})");
        (rows > 0).then_some(rows)
    })
    .await;
    drop(first);
    let (after_kill, _) = drafted().await;
    eprintln!("killed the server {:?} into drafting, {at_kill} drafts seen, {after_kill} committed", t.elapsed());
    assert!(after_kill < leads);

    let _second = serve(&env).await;
    let restarted = Instant::now();
    let (rows, distinct) = wait_for("every lead drafted after the restart", Duration::from_secs(600), async || {
        let d = drafted().await;
        (d.1 >= leads).then_some(d)
    })
    .await;
    eprintln!("{leads} leads: drafting finished {:?} after the restart", restarted.elapsed());
    // Let anything still running settle, then look again: exactly one first touch each.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!((rows, distinct), (leads, leads));
    assert_eq!(drafted().await, (leads, leads), "each lead drafted exactly once");
}
