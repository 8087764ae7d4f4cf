//! Plans are configuration (issue 12 item 2): the limits enforced are the configured ones.

use crate::support::*;
use domain::campaign::CampaignStatus;
use domain::plans::{SubscriptionStatus, Tier};
use engine::flows::{billing, campaigns};
use engine::Error;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_changed_configuration_changes_the_enforced_campaign_limit_and_lead_pool(pool: PgPool) {
    let mut engine = engine(&pool).await;
    engine.settings.plans.ignition.active_campaigns = 2;
    engine.settings.plans.ignition.lead_pool = 40;
    engine.settings.plans.velocity.active_campaigns = 3;
    engine.settings.plans.velocity.lead_pool = 100;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    assert_eq!(
        count(&pool, "select credits_remaining::int8 from workspaces where id = $1", ws).await,
        40,
        "a new workspace gets the configured pool"
    );

    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings(&format!("C{i}"))).await.unwrap());
    }
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), ids[0], CampaignStatus::Active).await.unwrap();
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), ids[1], CampaignStatus::Active).await.unwrap();
    let err = async { campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, ids[2], CampaignStatus::Active).await }.await.unwrap_err();
    assert!(
        matches!(err, Error::Conflict(ref m) if m.contains("2 active campaigns")),
        "refused at the configured 2, not SPEC's 5: {err:?}"
    );

    // The operator moves it to Velocity: its configured limit and pool apply at once.
    let change = billing::set_plan(&engine, ws, Tier::Velocity, SubscriptionStatus::Active, None, "test")
        .await
        .unwrap();
    assert_eq!(change.credits_remaining, 100, "40 + (100 - 40)");
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), ids[2], CampaignStatus::Active).await.unwrap();
    let fourth = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings("C4")).await.unwrap();
    let err = async { campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, fourth, CampaignStatus::Active).await }.await.unwrap_err();
    assert!(matches!(err, Error::Conflict(ref m) if m.contains("3 active campaigns")), "{err:?}");

    // The monthly reset restores the configured pool, not a literal.
    sqlx::query("update workspaces set credits_remaining = 1, credits_reset_at = now() - interval '1 hour' where id = $1")
        .bind(ws.0)
        .execute(&pool)
        .await
        .unwrap();
    engine::store::enrichment::reset_due_credits(&pool, &engine.settings.plans, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(count(&pool, "select credits_remaining::int8 from workspaces where id = $1", ws).await, 100);
}
