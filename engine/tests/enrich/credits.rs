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

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_monthly_reset_restores_the_tier_pool_once_and_leaves_workspaces_not_due_alone(pool: PgPool) {
    let due = workspace(&pool, "Due").await;
    let later = workspace(&pool, "Later").await;
    sqlx::query("update workspaces set plan = 'velocity', credits_remaining = 3, credits_reset_at = now() - interval '1 hour' where id = $1")
        .bind(due.0)
        .execute(&pool)
        .await
        .unwrap();
    set_plan_state(&pool, later, "active", 7).await.unwrap();
    let now = chrono::Utc::now();

    assert_eq!(engine::store::enrichment::reset_due_credits(&pool, &Default::default(), now).await.unwrap(), 1);
    assert_eq!(engine::store::enrichment::reset_due_credits(&pool, &Default::default(), now).await.unwrap(), 0, "a second sweep finds nothing due");

    assert_eq!(credits(&pool, due).await, 2250);
    assert_eq!(credits(&pool, later).await, 7);
    let next: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("select credits_reset_at from workspaces where id = $1").bind(due.0).fetch_one(&pool).await.unwrap();
    assert!(next > now + chrono::Duration::days(27), "{next}");
}
