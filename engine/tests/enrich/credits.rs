use crate::support::*;
use domain::leads::LeadId;
use engine::flows::enrich::{enrich_leads, EnrichError};
use engine::store::enrichment::set_plan_state;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_new_workspace_is_trialing_on_ignition_with_its_lead_pool_of_credits(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let plan = engine::store::enrichment::plan_state(&pool, ws).await.unwrap().unwrap();
    assert_eq!((plan.plan.as_str(), plan.subscription_status.as_str(), plan.credits_remaining), ("ignition", "trialing", 1250));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn enrichment_is_refused_at_zero_credits_and_nothing_is_enriched_or_called(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids: Vec<LeadId> = add_leads(&pool, ws, "z", 3).await.into_iter().map(LeadId).collect();
    set_plan_state(&pool, ws, "active", 0).await.unwrap();
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9));

    let err = enrich_leads(&engine, &fakes.enricher(), ws, &ids).await.unwrap_err();

    assert!(matches!(err, EnrichError::OutOfCredits), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(fakes.total_calls(), 0);
    assert_eq!(log_rows(&pool, ws).await, 0);
    assert_eq!(leads_with_status(&pool, ws, "new").await, 3);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn enrichment_is_refused_while_the_subscription_is_past_due_cancelled_or_paused(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids: Vec<LeadId> = add_leads(&pool, ws, "pd", 2).await.into_iter().map(LeadId).collect();
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9), Behaviour::Match(0.9));
    for status in ["past_due", "cancelled", "paused"] {
        set_plan_state(&pool, ws, status, 100).await.unwrap();
        let err = enrich_leads(&engine, &fakes.enricher(), ws, &ids).await.unwrap_err();
        assert!(matches!(&err, EnrichError::SubscriptionInactive(s) if s == status), "{err:?}");
    }
    assert_eq!(fakes.total_calls(), 0);
    assert_eq!(credits(&pool, ws).await, 100);
    assert_eq!(leads_with_status(&pool, ws, "new").await, 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn each_enriched_lead_costs_one_credit_and_a_batch_stops_when_they_run_out(pool: PgPool) {
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Acme").await;
    let ids: Vec<LeadId> = add_leads(&pool, ws, "few", 5).await.into_iter().map(LeadId).collect();
    set_plan_state(&pool, ws, "active", 2).await.unwrap();
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);

    let report = enrich_leads(&engine, &fakes.enricher(), ws, &ids).await.unwrap();

    assert_eq!(report.enriched, 2);
    assert!(report.out_of_credits);
    assert_eq!(fakes.apollo.calls(), 2, "no provider money spent on leads we cannot pay for");
    assert_eq!(credits(&pool, ws).await, 0);
    assert_eq!(leads_with_status(&pool, ws, "new").await, 3);
}
