use crate::support::*;
use engine::flows::pipeline::{pipeline, Stage};
use engine::store::enrichment::set_plan_state;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_pipeline_enriches_every_pending_lead_then_scores_them_reporting_progress(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "pipe", 45).await;
    let mut enricher = sandbox_enricher(11);
    enricher.settings.batch_size = 20;
    let mut lines = Vec::new();

    let done = pipeline(&engine, &enricher, ws, |p| lines.push((p.stage, p.to_string()))).await.unwrap();

    let e = &done.enrichment;
    assert_eq!(done.pending, 45);
    assert_eq!(e.enriched + e.skipped, 45, "every lead went through the waterfall: {done}");
    assert_eq!(e.deferred, 0, "the sandbox's transient errors are retried on the next pass");
    assert!(e.enriched > 30, "most sandbox people are found: {done}");
    assert_eq!(done.scored, 45, "skipped leads are scored un-enriched");
    assert_eq!(credits(&pool, ws).await, 1250 - i64::from(e.enriched));
    assert!(lines.iter().filter(|(s, _)| *s == Stage::Enriching).count() >= 4, "a line per batch: {lines:?}");
    assert!(lines.last().unwrap().1.starts_with("done: "), "{lines:?}");
    assert_eq!(leads_with_status(&pool, ws, "new").await, 0);

    // Run again: nothing pending, nothing charged.
    let again = pipeline(&engine, &enricher, ws, |_| {}).await.unwrap();
    assert_eq!((again.pending, again.enrichment.enriched), (0, 0));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_pipeline_still_scores_when_enrichment_is_refused(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "pd", 3).await;
    set_plan_state(&pool, ws, "past_due", 100).await.unwrap();

    let done = pipeline(&engine, &sandbox_enricher(1), ws, |_| {}).await.unwrap();

    assert_eq!(done.enrichment.enriched, 0);
    assert!(done.stopped.as_deref().unwrap().contains("past_due"));
    assert_eq!(done.scored, 3);
    assert_eq!(ledger_rows(&pool, ws).await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn many_batches_of_one_workspace_write_side_by_side_without_deadlocking(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "side", 240).await;
    let mut enricher = sandbox_enricher(5);
    // Eight batches in flight, each writing skips and enrichments for the same workspace row.
    enricher.settings.batch_size = 10;
    let done = pipeline(&engine, &enricher, ws, |_| {}).await.unwrap();
    assert_eq!(done.enrichment.enriched + done.enrichment.skipped, 240, "{done}");
    assert_eq!(credits(&pool, ws).await, 1250 - i64::from(done.enrichment.enriched));
}
