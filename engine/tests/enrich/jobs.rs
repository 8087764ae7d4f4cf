use crate::support::*;
use engine::jobs::{self, EnrichBatch, JobContext, JobError, ScoreWorkspace};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn wait_for_job(pool: &PgPool, id: &str, status: &str) {
    let started = Instant::now();
    loop {
        let now: Option<String> = sqlx::query_scalar("select status from apalis.jobs where id = $1").bind(id).fetch_optional(pool).await.unwrap();
        if now.as_deref() == Some(status) {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "job {id} is {now:?}, not {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_batch_retried_after_a_crash_mid_way_charges_each_lead_once_and_creates_no_lead(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "crash", 10).await;
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9));
    let ctx = JobContext::fixed(engine.clone(), fakes.enricher());
    let job = EnrichBatch { workspace: ws.0, lead_ids: ids.clone() };

    // The first attempt gets through half the batch, then the process dies.
    let half = EnrichBatch { workspace: ws.0, lead_ids: ids[..5].to_vec() };
    jobs::run_enrich_batch(&ctx, &half).await.unwrap();
    // The queue runs the whole job again.
    let retry = jobs::run_enrich_batch(&ctx, &job).await.unwrap();
    // And once more, for good measure.
    let again = jobs::run_enrich_batch(&ctx, &job).await.unwrap();

    assert_eq!((retry.enriched, retry.already_done), (5, 5));
    assert_eq!((again.enriched, again.already_done), (0, 10));
    assert_eq!(credits(&pool, ws).await, 1250 - 10, "one credit per lead, never two");
    assert_eq!(log_rows(&pool, ws).await, 10);
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1", ws).await, 10, "no duplicate lead");
    assert_eq!(leads_with_status(&pool, ws, "enriched").await, 10);
    assert_eq!(fakes.apollo.calls(), 10, "each lead asked of the provider once");
    assert_eq!(ledger_rows(&pool, ws).await, 10);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn no_credits_is_a_fatal_job_error_and_a_database_fault_a_retryable_one(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "fatal", 1).await;
    engine::store::enrichment::set_plan_state(&pool, ws, "active", 0).await.unwrap();
    let ctx = JobContext::fixed(engine.clone(), sandbox_enricher(1));

    let err = jobs::run_enrich_batch(&ctx, &EnrichBatch { workspace: ws.0, lead_ids: ids }).await.unwrap_err();
    assert!(matches!(err, JobError::Fatal(_)), "{err:?}");

    pool.close().await;
    let err = jobs::run_score_workspace(&ctx, &ScoreWorkspace { workspace: ws.0, scope: Default::default() }).await.unwrap_err();
    assert!(matches!(err, JobError::Retryable(_)), "{err:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_enqueued_job_is_stored_in_postgres_and_a_worker_runs_it_then_scoring(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "queue", 4).await;
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    let ctx = JobContext::fixed(engine.clone(), fakes.enricher());

    let enrich_id = jobs::enqueue_enrich(&pool, EnrichBatch { workspace: ws.0, lead_ids: ids }).await.unwrap();
    let stored: (String, String) = sqlx::query_as("select job_type, status from apalis.jobs where id = $1").bind(&enrich_id).fetch_one(&pool).await.unwrap();
    assert_eq!(stored, ("agency_os::EnrichBatch".to_string(), "Pending".to_string()));
    assert_eq!(fakes.total_calls(), 0, "enqueueing does not run the job");

    let worker = tokio::spawn(jobs::monitor(ctx).run());
    wait_for_job(&pool, &enrich_id, "Done").await;
    // the last enrichment batch of the workspace chains a scoring job
    let started = Instant::now();
    let score_id: String = loop {
        let id: Option<String> = sqlx::query_scalar("select id from apalis.jobs where job_type = 'agency_os::ScoreWorkspace'")
            .fetch_optional(&pool)
            .await
            .unwrap();
        if let Some(id) = id {
            break id;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no scoring job was enqueued");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    wait_for_job(&pool, &score_id, "Done").await;
    worker.abort();

    assert_eq!(log_rows(&pool, ws).await, 4);
    assert_eq!(credits(&pool, ws).await, 1250 - 4);
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1 and scored_at is not null", ws).await, 4);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_scoring_job_enqueued_by_hand_scores_the_workspace(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "score", 3).await;
    let ctx = JobContext::fixed(engine.clone(), sandbox_enricher(1));

    let id = jobs::enqueue_score(&pool, ScoreWorkspace { workspace: ws.0, scope: Default::default() }).await.unwrap();
    let worker = tokio::spawn(jobs::monitor(ctx).run());
    wait_for_job(&pool, &id, "Done").await;
    worker.abort();

    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1 and scored_at is not null", ws).await, 3);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_job_left_running_by_a_dead_worker_is_picked_up_again_and_does_no_harm_twice(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "orphan", 6).await;
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    let ctx = JobContext::fixed(engine.clone(), fakes.enricher());
    let job = EnrichBatch { workspace: ws.0, lead_ids: ids.clone() };
    let id = jobs::enqueue_enrich(&pool, job).await.unwrap();

    // A worker claimed the job, enriched half the leads and died without a trace but its lock.
    let dead = format!("dead-{}", Uuid::new_v4());
    sqlx::query("insert into apalis.workers (id, worker_type, storage_name, last_seen) values ($1, 'agency_os::EnrichBatch', 'x', now() - interval '1 hour')")
        .bind(&dead)
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("update apalis.jobs set status = 'Running', lock_by = $2, lock_at = now() - interval '1 hour' where id = $1")
        .bind(&id)
        .bind(&dead)
        .execute(&pool)
        .await
        .unwrap();
    jobs::run_enrich_batch(&ctx, &EnrichBatch { workspace: ws.0, lead_ids: ids[..3].to_vec() }).await.unwrap();

    let worker = tokio::spawn(jobs::monitor(ctx).run());
    wait_for_job(&pool, &id, "Done").await;
    worker.abort();

    assert_eq!(credits(&pool, ws).await, 1250 - 6);
    assert_eq!(log_rows(&pool, ws).await, 6);
    // Enriched once each (the monitor may already have scored them: the score job follows).
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1 and enrichment_source is not null", ws).await, 6);
    assert_eq!(fakes.apollo.calls(), 6);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_job_whose_providers_are_down_is_retried_with_backoff_until_they_recover(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "retry", 2).await;
    let fakes = Fakes::new(Behaviour::FlakyWhileDown, Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    fakes.apollo.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let ctx = JobContext::fixed(engine.clone(), fakes.enricher());
    let id = jobs::enqueue_enrich(&pool, EnrichBatch { workspace: ws.0, lead_ids: ids }).await.unwrap();

    let worker = tokio::spawn(jobs::monitor(ctx).run());
    let started = Instant::now();
    while fakes.apollo.calls() < 2 {
        assert!(started.elapsed() < Duration::from_secs(30), "the worker never ran the job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The first attempt found Apollo down and deferred both leads; Apollo comes back.
    fakes.apollo.down.store(false, std::sync::atomic::Ordering::SeqCst);
    wait_for_job(&pool, &id, "Done").await;
    worker.abort();

    let attempts: i32 = sqlx::query_scalar("select attempts from apalis.jobs where id = $1").bind(&id).fetch_one(&pool).await.unwrap();
    assert!(attempts >= 2, "retried, not run once: {attempts}");
    assert_eq!(leads_with_status(&pool, ws, "enriched").await, 2);
    assert_eq!(credits(&pool, ws).await, 1250 - 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn pending_leads_are_enqueued_in_batches_and_the_worker_enriches_and_scores_them_all(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "many", 25).await;
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    let ctx = JobContext::fixed(engine.clone(), fakes.enricher());

    let ids = jobs::enqueue_pending_enrichment(&pool, ws, 10).await.unwrap();
    assert_eq!(ids.len(), 3);

    let worker = tokio::spawn(jobs::monitor(ctx).run());
    for id in &ids {
        wait_for_job(&pool, id, "Done").await;
    }
    let started = Instant::now();
    while scalar_i64(&pool, "select count(*) from leads where client_id = $1 and scored_at is not null", ws).await < 25 {
        assert!(started.elapsed() < Duration::from_secs(30), "scoring did not follow enrichment");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.abort();

    assert_eq!(credits(&pool, ws).await, 1250 - 25);
    assert_eq!(fakes.apollo.calls(), 25);
    assert!(jobs::enqueue_pending_enrichment(&pool, ws, 10).await.unwrap().is_empty(), "nothing left pending");
}
