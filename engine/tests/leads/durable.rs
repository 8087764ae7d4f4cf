//! Durable imports (issue 12): the file stored in PostgreSQL, the import run as a job, and a run
//! that dies mid-way resumed by the next one with exactly the right counts.

use crate::support::*;
use domain::ids::{UserId, WorkspaceId};
use domain::leads::{ImportId, ImportStatus};
use engine::flows::imports::{self, RunOutcome};
use engine::import::staged::UploadWriter;
use engine::{cache::Redis, Engine};
use sqlx::PgPool;

#[path = "../shared/generated_csv.rs"]
mod generated_csv;
use generated_csv::generated_csv;

async fn engine(pool: &PgPool) -> Engine {
    let redis = Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", uuid::Uuid::new_v4()))
        .await
        .expect("the local Redis");
    Engine::new(pool.clone(), redis, engine::Settings::default())
}

/// Stores the file as an upload would and starts its import (the job is queued; these tests run
/// it themselves).
async fn stored_import(engine: &Engine, ws: (WorkspaceId, UserId), csv: &[u8]) -> ImportId {
    let mut w = UploadWriter::begin(engine.owner_pool(), ws.0, ws.1).await.unwrap();
    for part in csv.chunks(64 * 1024) {
        w.write(part).await.unwrap();
    }
    let upload = w.finish("leads.csv").await.unwrap();
    imports::start(engine, ws.0, ws.1, upload, None).await.unwrap()
}

async fn rows_done(pool: &PgPool, id: ImportId) -> i32 {
    sqlx::query_scalar("select rows_done from imports where id = $1")
        .bind(id.0)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A TCP relay to PostgreSQL for the run that will die. Stopping it cuts every connection of
/// that run at once and refuses new ones, as the death of its process would: the dying run can
/// no longer write anything (not even "failed") while its runtime is being dropped.
async fn relay(target_port: u16) -> (u16, tokio::sync::watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut until = stopped.clone();
        loop {
            tokio::select! {
                _ = until.changed() => break,
                accepted = listener.accept() => {
                    let Ok((mut inbound, _)) = accepted else { break };
                    let mut cut = stopped.clone();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", target_port)).await else { return };
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = cut.changed() => {}
                        }
                    });
                }
            }
        }
    });
    (port, stop)
}

/// Runs the import's job in a runtime and pool of its own on another thread, reaching the
/// database through a relay; once `kill_at` rows are committed the relay is cut and the runtime
/// dropped (its tasks, its connections), as if the process had died.
async fn run_and_die(pool: &PgPool, ws: WorkspaceId, id: ImportId, kill_at: i32) {
    let (port, cut) = relay(pool.connect_options().get_port()).await;
    let opts = (*pool.connect_options()).clone().host("127.0.0.1").port(port);
    let (kill, killed) = std::sync::mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.spawn(async move {
            let pool = sqlx::postgres::PgPoolOptions::new().max_connections(4).connect_with(opts).await.unwrap();
            let engine = engine(&pool).await;
            let _ = imports::run(&engine, ws, id).await;
        });
        killed.recv().unwrap();
        rt.shutdown_background();
    });
    let started = std::time::Instant::now();
    while rows_done(pool, id).await < kill_at {
        assert!(started.elapsed() < std::time::Duration::from_secs(120), "the first run made no progress");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    cut.send(true).unwrap();
    kill.send(()).unwrap();
    worker.join().unwrap();
    // Closed connections end their transactions; give the server a moment to notice.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_import_killed_mid_way_is_resumed_with_exact_counts_and_no_duplicate_lead(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let (csv, expected) = generated_csv(30_000);
    let id = stored_import(&engine, ws, &csv).await;

    run_and_die(&pool, ws.0, id, 3_000).await;
    let view = engine::store::imports::get(&pool, ws.0, id).await.unwrap().unwrap();
    assert_eq!(
        view.status,
        ImportStatus::Running,
        "the first run must die before the end for this test to mean anything"
    );
    let done = rows_done(&pool, id).await;
    assert!(view.summary.total > 0 && view.summary.total < expected.total, "{:?}", view.summary);

    // The dead run's connections may take a moment to be closed by the server.
    let mut outcome = imports::run(&engine, ws.0, id).await.unwrap();
    for _ in 0..50 {
        if outcome != RunOutcome::Busy {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        outcome = imports::run(&engine, ws.0, id).await.unwrap();
    }
    assert_eq!(
        outcome,
        RunOutcome::Finished {
            summary: expected,
            resumed: true
        }
    );
    let view = engine::store::imports::get(&pool, ws.0, id).await.unwrap().unwrap();
    assert_eq!(view.status, ImportStatus::Completed);
    assert_eq!(view.summary, expected);
    let resumed = view.resumed.expect("the record says it was resumed");
    assert_eq!(resumed.from_row, done as u64 + 1);
    assert!(resumed.describe().starts_with("Resumed after a restart"), "{}", resumed.describe());

    let (leads, distinct): (i64, i64) = sqlx::query_as("select count(*), count(distinct email) from leads where client_id = $1")
        .bind(ws.0 .0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (leads as u64, distinct as u64),
        (expected.imported, expected.imported),
        "every valid row once, no duplicate lead"
    );
    let reported: i64 = sqlx::query_scalar("select count(*) from import_errors where import_id = $1")
        .bind(id.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(reported as u64, expected.duplicates + expected.invalid, "each problem reported once");
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'lead.import' and target_id = $1")
        .bind(id.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let stored: i64 = sqlx::query_scalar("select count(*) from uploads").fetch_one(&pool).await.unwrap();
    assert_eq!(stored, 0, "the file is deleted once the import finishes");

    // The job run once more (a crash between finishing and the queue hearing of it) changes nothing.
    assert_eq!(imports::run(&engine, ws.0, id).await.unwrap(), RunOutcome::AlreadyFinished);
    let again = engine::store::imports::get(&pool, ws.0, id).await.unwrap().unwrap();
    assert_eq!(again.summary, expected);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_run_that_is_not_interrupted_is_not_called_resumed_and_a_second_run_at_once_does_nothing(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let (csv, expected) = generated_csv(3_000);
    let id = stored_import(&engine, ws, &csv).await;
    // The same job twice at once: one imports, the other finds it held (or already finished).
    let (a, b) = tokio::join!(imports::run(&engine, ws.0, id), imports::run(&engine, ws.0, id));
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, RunOutcome::Finished { .. }));
    assert!(matches!(outcomes[0], RunOutcome::Busy | RunOutcome::AlreadyFinished), "{outcomes:?}");
    assert_eq!(
        outcomes[1],
        RunOutcome::Finished {
            summary: expected,
            resumed: false
        }
    );
    let view = engine::store::imports::get(&pool, ws.0, id).await.unwrap().unwrap();
    assert_eq!(view.summary, expected);
    assert_eq!(view.resumed, None);
    let leads: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.unwrap();
    assert_eq!(leads as u64, expected.imported);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_stalled_import_is_queued_again_by_the_sweep_and_an_upload_is_taken_once(pool: PgPool) {
    let engine = engine(&pool).await;
    engine::jobs::setup(&pool).await.unwrap();
    let ws = workspace(&pool, "Acme").await;
    let (csv, _) = generated_csv(10);
    let mut w = UploadWriter::begin(&pool, ws.0, ws.1).await.unwrap();
    w.write(&csv).await.unwrap();
    let upload = w.finish("leads.csv").await.unwrap();
    let id = imports::start(&engine, ws.0, ws.1, upload, None).await.unwrap();
    // A second "Import" of the same upload finds it taken.
    assert!(matches!(
        imports::start(&engine, ws.0, ws.1, upload, None).await,
        Err(engine::Error::NotFound(_))
    ));
    let queued = || async {
        let n: i64 = sqlx::query_scalar("select count(*) from apalis.jobs where job_type = 'agency_os::RunImport'")
            .fetch_one(&pool)
            .await
            .unwrap();
        n
    };
    assert_eq!(queued().await, 1);
    // Fresh: nothing to requeue. Silent for longer than the stall limit: queued again, once.
    assert_eq!(imports::requeue_stalled(&engine, chrono::Utc::now()).await.unwrap(), 0);
    let later = chrono::Utc::now() + imports::STALL_AFTER + chrono::Duration::seconds(1);
    assert_eq!(imports::requeue_stalled(&engine, later).await.unwrap(), 1);
    assert_eq!(
        imports::requeue_stalled(&engine, chrono::Utc::now()).await.unwrap(),
        0,
        "the requeue counts as a sign of life"
    );
    assert_eq!(queued().await, 2);
    assert!(matches!(imports::run(&engine, ws.0, id).await.unwrap(), RunOutcome::Finished { .. }));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_upload_is_refused_past_the_workspace_quota_and_a_refused_one_leaves_nothing(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let quota = engine::import::staged::WORKSPACE_QUOTA_BYTES;
    sqlx::query("insert into uploads (client_id, filename, size_bytes) values ($1, 'big.csv', $2)")
        .bind(ws.0 .0)
        .bind((quota - 10) as i64)
        .execute(&pool)
        .await
        .unwrap();
    let mut w = UploadWriter::begin(&pool, ws.0, ws.1).await.unwrap();
    w.write(b"email\n").await.unwrap();
    let e = w.write(b"ann@acme.com\n").await.expect_err("over the quota");
    assert!(matches!(&e, engine::Error::Conflict(m) if m.contains("uploads waiting")), "{e:?}");
    drop(w);
    assert_eq!(
        engine::import::staged::usage(&pool, ws.0).await.unwrap(),
        quota - 10,
        "the refused upload left nothing"
    );
    // Expired waiting uploads no longer count.
    sqlx::query("update uploads set created_at = now() - interval '2 hours'")
        .execute(&pool)
        .await
        .unwrap();
    let mut w = UploadWriter::begin(&pool, ws.0, ws.1).await.unwrap();
    w.write(b"email\nann@acme.com\n").await.unwrap();
    w.finish("small.csv").await.unwrap();
    assert_eq!(engine::import::staged::usage(&pool, ws.0).await.unwrap(), 19);
}
