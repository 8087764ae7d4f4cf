//! Exactly once under crashes (issue 6): four `agency-os dispatch` processes over 2,000
//! approved messages to the SMTP sink in this process, SIGKILLed at random moments and
//! restarted; every message must reach the sink exactly once (counted by Message-ID), none lost.
//! The sink's IMAP side is what lets the workers reconcile the sends a kill left in doubt.

use engine::email::sink::{SinkOptions, SmtpSink};
use engine::{cache::Redis, Engine};
use rand::Rng;
use sqlx::PgPool;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MESSAGES: usize = 2_000;
const PROCESSES: usize = 4;

struct Workers {
    env: Vec<(String, String)>,
    children: Vec<Child>,
}

impl Workers {
    fn spawn_one(&self) -> Child {
        Command::new(env!("CARGO_BIN_EXE_agency-os"))
            .args(["dispatch", "--workers", "4"])
            .envs(self.env.iter().cloned())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the agency-os binary starts")
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn states(pool: &PgPool) -> Vec<(String, i64)> {
    sqlx::query_as("select state, count(*) from outbox group by state order by state").fetch_all(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn four_worker_processes_killed_at_random_deliver_every_message_exactly_once(pool: PgPool) {
    let redis = Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", uuid::Uuid::new_v4())).await.unwrap();
    let mut settings = engine::Settings { net: engine::net::NetPolicy::new(true), ..engine::Settings::default() };
    settings.public_url = "https://app.crash.example".into();
    let engine = Engine::new(pool.clone(), redis, settings);
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
    let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mailboxes: Vec<(u16, u16)> = (0..4).map(|_| (sink.addr().port(), imap.port())).collect();
    let seeded = server::bench_dispatch::seed(&engine, MESSAGES, true, &mailboxes).await.unwrap();
    let ids: Vec<String> = sqlx::query_scalar("select message_id from outbox where client_id = $1").bind(seeded.workspace.0).fetch_all(&pool).await.unwrap();
    assert_eq!(ids.len(), MESSAGES);

    let db: String = sqlx::query_scalar("select current_database()").fetch_one(&pool).await.unwrap();
    let server_url = std::env::var("DATABASE_URL").unwrap();
    let (base, _) = server_url.rsplit_once('/').unwrap();
    let env = vec![
        ("DATABASE_URL".to_string(), format!("{base}/{db}")),
        ("REDIS_URL".into(), "redis://127.0.0.1:6379".into()),
        ("AGENCY_OS_PUBLIC_URL".into(), "https://app.crash.example".into()),
        ("AGENCY_OS_UNSUBSCRIBE_KEY".into(), "7f".repeat(32)),
        ("AGENCY_OS_SECRET_KEY".into(), engine::secrets::encode_key(&engine::secrets::random_key())),
        ("AGENCY_OS_DISPATCH_LEASE_SECS".into(), "5".into()),
        ("AGENCY_OS_DISPATCH_INTERVAL_MS".into(), "200".into()),
        ("AGENCY_OS_DB_MAX_CONNECTIONS".into(), "8".into()),
        ("AGENCY_OS_LOG".into(), "warn".into()),
        ("AGENCY_OS_FETCH_ALLOW_PRIVATE".into(), "true".into()),
    ];
    let mut workers = Workers { env, children: Vec::new() };
    for _ in 0..PROCESSES {
        let c = workers.spawn_one();
        workers.children.push(c);
    }

    // Kill at random moments while messages are still going out, restarting each victim.
    let started = Instant::now();
    let mut kills = 0;
    let mut rng = rand::thread_rng();
    while kills < 12 && sink.count() < MESSAGES * 9 / 10 && started.elapsed() < Duration::from_secs(40) {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..600))).await;
        let victim = rng.gen_range(0..PROCESSES);
        workers.children[victim].kill().unwrap(); // SIGKILL: no chance to finish anything
        workers.children[victim].wait().unwrap();
        kills += 1;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..300))).await;
        let c = workers.spawn_one();
        workers.children[victim] = c;
    }
    assert!(kills >= 3, "the workers finished before enough kills ({kills}); nothing was proved");

    // Everything settles: sent, once; kills leave rows in `sending` that reconciliation settles
    // after the lease by asking the sink's IMAP side for their Message-IDs.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = states(&pool).await;
        if s == [("sent".to_string(), MESSAGES as i64)] {
            break;
        }
        assert!(Instant::now() < deadline, "not settled in time: {s:?}, sink has {}", sink.count());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let duplicated: Vec<&String> = ids.iter().filter(|id| sink.count_by_message_id(id) > 1).collect();
    let lost: Vec<&String> = ids.iter().filter(|id| sink.count_by_message_id(id) == 0).collect();
    assert!(duplicated.is_empty(), "{} sent twice, e.g. {:?}", duplicated.len(), duplicated.first());
    assert!(lost.is_empty(), "{} never arrived, e.g. {:?}", lost.len(), lost.first());
    assert_eq!(sink.count(), MESSAGES, "nothing else arrived");
    let reconciled: i64 = sqlx::query_scalar("select count(*) from outbox where provider_reply like 'reconciled%' or last_error like 'reconciled%'")
        .fetch_one(&pool)
        .await
        .unwrap();
    eprintln!("{kills} kills; {reconciled} rows settled by reconciliation; {:.1} s", started.elapsed().as_secs_f64());

    // A graceful stop: SIGTERM lets each process finish its round and exit cleanly.
    for c in &mut workers.children {
        assert!(Command::new("kill").args(["-TERM", &c.id().to_string()]).status().unwrap().success());
    }
    for c in &mut workers.children {
        let status = c.wait().unwrap();
        assert!(status.success(), "a worker stopped by SIGTERM exits cleanly: {status:?}");
    }
    workers.children.clear();
}
