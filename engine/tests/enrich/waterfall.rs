use crate::support::*;
use domain::leads::LeadId;
use engine::flows::enrich::{enrich_leads, seo_signals, Breakers};
use engine::providers::{BreakerConfig, BreakerState, CircuitBreaker, ManualClock, ProviderName};
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

fn lead_ids(ids: &[Uuid]) -> Vec<LeadId> {
    ids.iter().copied().map(LeadId).collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn apollo_is_asked_first_and_no_fallback_is_asked_when_it_matches(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "a", 5).await;
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9));

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!(report.enriched, 5);
    assert_eq!(report.by_provider.get("apollo"), Some(&5));
    assert_eq!(fakes.apollo.calls(), 5);
    assert_eq!(fakes.hunter.calls() + fakes.bettercontact.calls() + fakes.clay.calls(), 0);
    let (source, confidence, status): (String, f32, String) =
        sqlx::query_as("select enrichment_source, enrichment_confidence, status from leads where id = $1")
            .bind(ids[0])
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((source.as_str(), status.as_str()), ("apollo", "enriched"));
    assert!((confidence - 0.9).abs() < 1e-6);
    // the lead gained what it lacked
    let title: Option<String> = sqlx::query_scalar("select title from leads where id = $1").bind(ids[0]).fetch_one(&pool).await.unwrap();
    assert_eq!(title.as_deref(), Some("Operations Manager"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_miss_falls_through_apollo_then_hunter_then_bettercontact_in_that_order(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "b", 1).await;
    let fakes = Fakes::new(Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::Match(0.8), Behaviour::Match(0.9));

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!(report.by_provider.get("bettercontact"), Some(&1));
    assert_eq!(
        *fakes.log.lock().unwrap(),
        vec![ProviderName::Apollo, ProviderName::Hunter, ProviderName::BetterContact]
    );
    assert_eq!(fakes.clay.calls(), 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_lead_nobody_knows_is_skipped_with_its_reason_and_left_new(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    // a batch of one: Clay's 15 % share rounds down to zero leads
    let ids = add_leads(&pool, ws, "c", 1).await;
    let fakes = Fakes::new(Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::Match(0.9));

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!((report.enriched, report.skipped), (0, 1));
    assert_eq!(fakes.clay.calls(), 0);
    let (outcome, reason): (String, String) =
        sqlx::query_as("select outcome, reason from enrichment_log where lead_id = $1").bind(ids[0]).fetch_one(&pool).await.unwrap();
    assert_eq!(outcome, "skipped");
    assert!(reason.contains("apollo: the provider found no match"), "{reason}");
    assert!(reason.contains("clay: not used"), "{reason}");
    assert_eq!(leads_with_status(&pool, ws, "new").await, 1);
    assert_eq!(credits(&pool, ws).await, 1250, "a skip costs no credit");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_second_run_reads_the_cache_and_calls_no_provider_and_costs_nothing(pool: PgPool) {
    let engine = engine(&pool).await;
    let first = workspace(&pool, "First").await;
    let second = workspace(&pool, "Second").await;
    let a = add_leads(&pool, first, "cache", 6).await;
    let b = add_leads(&pool, second, "cache", 6).await;
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9));
    let enricher = fakes.enricher();

    enrich_leads(&engine, &enricher, first, &lead_ids(&a)).await.unwrap();
    let calls_after_first = fakes.total_calls();
    assert_eq!(calls_after_first, 6);
    assert_eq!(ledger_rows(&pool, first).await, 6);

    let report = enrich_leads(&same_cache(&engine), &enricher, second, &lead_ids(&b)).await.unwrap();

    assert_eq!((report.enriched, report.from_cache), (6, 6));
    assert_eq!(fakes.total_calls(), calls_after_first, "no provider call on a cache hit");
    assert_eq!(ledger_rows(&pool, second).await, 0, "no cost on a cache hit");
    let sources: Vec<String> = sqlx::query_scalar("select source from enrichment_log where client_id = $1").bind(second.0).fetch_all(&pool).await.unwrap();
    assert!(sources.iter().all(|s| s == "cache"));
    // the lead still records which provider the data came from
    assert_eq!(report.by_provider.get("apollo"), Some(&6));
    assert_eq!(credits(&pool, second).await, 1250 - 6, "a cached enrichment is still an enriched lead");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn clay_answers_at_most_fifteen_percent_of_a_batch(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "clay", 20).await;
    let fakes = Fakes::new(Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::Match(0.9));

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!(fakes.clay.calls(), 3, "15 % of 20");
    assert_eq!(report.clay_used, 3);
    assert_eq!((report.enriched, report.skipped), (3, 17));
    assert_eq!(report.by_provider.get("clay"), Some(&3));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_result_under_070_confidence_or_without_a_last_name_is_rejected_and_the_next_provider_asked(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "conf", 1).await;
    let fakes = Fakes::new(Behaviour::Match(0.69), Behaviour::MatchWithoutLastName, Behaviour::Match(0.70), Behaviour::NoMatch);

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!(report.by_provider.get("bettercontact"), Some(&1), "0.70 itself is accepted");
    let reason: String = sqlx::query_scalar("select reason from enrichment_log where lead_id = $1").bind(ids[0]).fetch_one(&pool).await.unwrap();
    assert!(reason.contains("apollo: rejected (confidence 0.69 below 0.70)"), "{reason}");
    assert!(reason.contains("hunter: rejected (missing last name)"), "{reason}");

    // and when nothing clears the bar, nothing is accepted
    let more = add_leads(&pool, ws, "low", 1).await;
    let low = Fakes::new(Behaviour::Match(0.5), Behaviour::Match(0.6), Behaviour::Match(0.65), Behaviour::Match(0.69));
    let report = enrich_leads(&engine, &low.enricher(), ws, &lead_ids(&more)).await.unwrap();
    assert_eq!((report.enriched, report.skipped), (0, 1));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_circuit_breaker_opens_on_a_failing_apollo_and_recovers_after_its_cool_down(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let fakes = Fakes::new(Behaviour::FlakyWhileDown, Behaviour::Match(0.8), Behaviour::NoMatch, Behaviour::NoMatch);
    fakes.apollo.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let clock = Arc::new(ManualClock::new());
    let config = BreakerConfig { failure_threshold: 3, cool_down: Duration::from_secs(60) };
    let mut enricher = fakes.enricher();
    enricher.breakers = Breakers {
        apollo: Arc::new(CircuitBreaker::with_clock(config.clone(), clock.clone())),
        ..Breakers::new(config)
    };

    let down = add_leads(&pool, ws, "down", 10).await;
    let report = enrich_leads(&engine, &enricher, ws, &lead_ids(&down)).await.unwrap();

    assert_eq!(fakes.apollo.calls(), 3, "the circuit opens after three failures and stops the calls");
    assert_eq!(enricher.breakers.apollo.state(), BreakerState::Open);
    assert_eq!(report.by_provider.get("hunter"), Some(&10), "every lead still enriched by the fallback");

    fakes.apollo.down.store(false, std::sync::atomic::Ordering::SeqCst);
    clock.advance(Duration::from_secs(61));
    let up = add_leads(&pool, ws, "up", 5).await;
    let report = enrich_leads(&engine, &enricher, ws, &lead_ids(&up)).await.unwrap();

    assert_eq!(enricher.breakers.apollo.state(), BreakerState::Closed);
    assert_eq!(report.by_provider.get("apollo"), Some(&5), "the probe succeeds and Apollo answers again");
    assert_eq!(fakes.apollo.calls(), 8);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_lead_is_deferred_not_skipped_when_every_provider_is_down(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids = add_leads(&pool, ws, "defer", 1).await;
    let fakes = Fakes::new(Behaviour::FlakyWhileDown, Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    fakes.apollo.down.store(true, std::sync::atomic::Ordering::SeqCst);

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &lead_ids(&ids)).await.unwrap();

    assert_eq!((report.deferred, report.skipped, report.enriched), (1, 0, 0));
    assert_eq!(log_rows(&pool, ws).await, 0, "still pending, so a later run tries again");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn seo_signals_are_fetched_once_per_domain_and_then_read_from_the_cache(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let mut enricher = sandbox_enricher(3);
    enricher.providers.seo = Arc::new(
        engine::providers::sandbox::Sandbox::with_profile(3, engine::providers::sandbox::SandboxProfile::perfect())
            .acting_as(ProviderName::DataForSeo),
    );

    let first = seo_signals(&engine, &enricher, ws, "https://www.harbourfreight.com.au/about").await.unwrap().unwrap();
    assert_eq!(ledger_rows(&pool, ws).await, 2, "rank overview and backlinks");
    let second = seo_signals(&engine, &enricher, ws, "harbourfreight.com.au").await.unwrap().unwrap();

    assert_eq!(first, second);
    assert_eq!(ledger_rows(&pool, ws).await, 2, "the second read costs nothing");
}
