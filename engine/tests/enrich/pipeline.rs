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

/// The pipeline scores each lead in the same write as its enrichment, from what the lead will
/// hold after that write; the scoring flow run afterwards over every lead must find nothing to
/// change — including leads whose email or LinkedIn URL came from the provider, and one whose
/// provider email another lead already has (so it stays without one).
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn scores_written_with_the_enrichment_are_those_the_scoring_flow_gives(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "same", 30).await;
    for i in 0..12 {
        sqlx::query(
            "insert into leads (client_id, source, linkedin_url, first_name, last_name, company, company_domain)
             values ($1, 'csv', $2, $3, $4, 'Koalabyte Software', 'koalabyte.com.au')",
        )
        .bind(ws.0)
        .bind(format!("https://www.linkedin.com/in/zed-lee-{i}"))
        .bind(format!("Zed{i}"))
        .bind(format!("Lee{i}"))
        .execute(&pool)
        .await
        .unwrap();
    }
    // Every address the sandbox could give Zed0 Lee0 is someone else's already.
    for email in ["zed0.lee0@koalabyte.com.au", "zed0@koalabyte.com.au", "zlee0@koalabyte.com.au", "zed0lee0@koalabyte.com.au"] {
        sqlx::query("insert into leads (client_id, source, email, status) values ($1, 'manual', $2, 'contacted')")
            .bind(ws.0)
            .bind(email)
            .execute(&pool)
            .await
            .unwrap();
    }
    let mut enricher = sandbox_enricher(3);
    enricher.settings.batch_size = 16;

    let done = pipeline(&engine, &enricher, ws, |_| {}).await.unwrap();
    assert!(done.enrichment.enriched > 25, "{done}");
    assert!(done.enrichment.scored >= done.enrichment.enriched, "the batches scored what they enriched: {done:?}");
    assert_eq!(done.scored, 46, "every lead scored once: {done:?}");
    let gained: i64 = scalar_i64(&pool, "select count(*) from leads where client_id = $1 and first_name like 'Zed%' and email is not null", ws).await;
    assert!(gained > 5, "the LinkedIn-only leads gained provider emails ({gained})");
    let zed0: Option<String> = sqlx::query_scalar("select email from leads where client_id = $1 and first_name = 'Zed0'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(zed0, None, "an address another lead has is not copied");

    let snapshot = || async {
        sqlx::query_as::<_, (uuid::Uuid, Option<i16>, Option<i16>, Option<String>, String, Option<String>, Option<String>, bool)>(
            "select id, als, als_exact, tier, status, components::text, reasons::text, email_verified
             from leads where client_id = $1 order by id",
        )
        .bind(ws.0)
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let written = snapshot().await;
    assert!(written.iter().all(|r| r.1.is_some()), "every lead has a score");
    engine::flows::score::score_workspace(&pool, ws, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    assert_eq!(snapshot().await, written);
}

/// Batches side by side each see enough credits when they start and then race for the last
/// ones: whichever way each batch's write goes (charged last when the credits it saw still
/// cover it, else rolled back and redone with the workspace row locked), exactly the credits
/// there were are spent, one per enriched lead, and the leads not paid for stay pending.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn batches_racing_for_the_last_credits_spend_exactly_what_was_left(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    add_leads(&pool, ws, "race", 80).await;
    set_plan_state(&pool, ws, "active", 25).await.unwrap();
    let mut enricher = sandbox_enricher(7);
    enricher.settings.batch_size = 10;

    let done = pipeline(&engine, &enricher, ws, |_| {}).await.unwrap();

    assert_eq!(done.enrichment.enriched, 25, "{done}");
    assert!(done.stopped.is_some(), "{done}");
    assert_eq!(credits(&pool, ws).await, 0);
    assert_eq!(scalar_i64(&pool, "select count(*) from enrichment_log where client_id = $1 and outcome = 'enriched'", ws).await, 25);
    assert_eq!(scalar_i64(&pool, "select coalesce(sum(credits), 0)::int8 from enrichment_log where client_id = $1", ws).await, 25);
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1 and enrichment_source is not null", ws).await, 25);
}
