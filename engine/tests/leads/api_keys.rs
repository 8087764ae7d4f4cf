//! API key authentication against Postgres: which keys stand for a workspace, and how often a
//! use is written down.

use crate::support::workspace;
use chrono::{DateTime, Utc};
use engine::flows::api_keys::{authenticate, create, revoke};
use engine::{cache::Redis, Engine, Settings};
use sqlx::PgPool;

async fn engine(pool: &PgPool) -> Engine {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis = Redis::connect(&url, format!("test-{}:", uuid::Uuid::new_v4())).await.expect("redis");
    // The tests' providers and mail servers listen on 127.0.0.1 (AGENCY_OS_FETCH_ALLOW_PRIVATE=true).
    let settings = Settings { net: engine::net::NetPolicy::new(true), ..Settings::default() };
    Engine::new(pool.clone(), redis, settings)
}

async fn last_used(pool: &PgPool) -> Option<DateTime<Utc>> {
    sqlx::query_scalar("select last_used_at from api_keys").fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn only_a_live_key_of_a_live_workspace_authenticates(pool: PgPool) {
    let engine = engine(&pool).await;
    let (ws, owner) = workspace(&pool, "Acme").await;
    let created = create(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), "CRM").await.unwrap();
    let caller = authenticate(&engine, &created.key).await.unwrap().expect("live key");
    assert_eq!((caller.workspace, caller.key), (ws, created.view.id));

    let other = engine::flows::api_keys::generate_key();
    assert_eq!(authenticate(&engine, &other).await.unwrap(), None, "a well-formed key never issued");
    assert_eq!(authenticate(&engine, "aos_live_nope").await.unwrap(), None);
    assert_eq!(authenticate(&engine, &engine::flows::api_keys::key_hash(&created.key)).await.unwrap(), None, "the stored hash is not a key");

    revoke(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), created.view.id).await.unwrap();
    assert_eq!(authenticate(&engine, &created.key).await.unwrap(), None, "revoked");

    let second = create(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), "Second").await.unwrap();
    sqlx::query("update workspaces set deleted_at = now() where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    assert_eq!(authenticate(&engine, &second.key).await.unwrap(), None, "the workspace is deleted");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_use_is_recorded_at_most_once_a_minute(pool: PgPool) {
    let engine = engine(&pool).await;
    let (ws, owner) = workspace(&pool, "Acme").await;
    let created = create(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), "CRM").await.unwrap();
    assert_eq!(last_used(&pool).await, None);

    authenticate(&engine, &created.key).await.unwrap().unwrap();
    let first = last_used(&pool).await.expect("first use recorded");
    authenticate(&engine, &created.key).await.unwrap().unwrap();
    assert_eq!(last_used(&pool).await, Some(first), "a second use within the minute writes nothing");

    sqlx::query("update api_keys set last_used_at = now() - interval '2 minutes'").execute(&pool).await.unwrap();
    let before = last_used(&pool).await.unwrap();
    authenticate(&engine, &created.key).await.unwrap().unwrap();
    assert!(last_used(&pool).await.unwrap() > before, "a use after a minute is recorded");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn members_may_not_manage_keys_and_keys_of_other_workspaces_are_not_found(pool: PgPool) {
    let engine = engine(&pool).await;
    let (ws, owner) = workspace(&pool, "Acme").await;
    let (other_ws, other_owner) = workspace(&pool, "Bravo").await;
    sqlx::query("update memberships set role = 'member' where user_id = $1").bind(owner.0).execute(&pool).await.unwrap();
    assert!(matches!(create(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), "x").await, Err(engine::Error::Forbidden)));
    let theirs = create(&engine, &engine::auth::Access::resolve(&engine, other_owner, other_ws).await.unwrap(), "Theirs").await.unwrap();
    sqlx::query("update memberships set role = 'owner' where user_id = $1").bind(owner.0).execute(&pool).await.unwrap();
    assert!(matches!(revoke(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), theirs.view.id).await, Err(engine::Error::NotFound(_))));
    assert!(authenticate(&engine, &theirs.key).await.unwrap().is_some(), "still live");
}
