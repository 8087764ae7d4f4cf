//! Discovery as a durable job: started from a workspace, queued in apalis, its progress and
//! result kept in `onboarding_runs`.

use crate::support::serve_site;
use domain::ids::{UserId, WorkspaceId};
use engine::cache::Redis;
use engine::flows::onboarding;
use engine::jobs::{self, DiscoverIcp, JobContext};
use engine::net::NetPolicy;
use engine::store::onboarding as runs;
use engine::{Engine, Error, Settings};
use sqlx::PgPool;
use uuid::Uuid;

async fn engine(pool: &PgPool, allow_private: bool) -> Engine {
    let redis = Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", Uuid::new_v4())).await.expect("the local Redis");
    Engine::new(pool.clone(), redis, Settings { net: NetPolicy::new(allow_private), ..Settings::default() })
}

async fn owned_workspace(engine: &Engine) -> (UserId, WorkspaceId) {
    let id: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, 'Owner', 'x') returning id")
        .bind(format!("owner-{}@example.com", Uuid::new_v4()))
        .fetch_one(engine.owner_pool())
        .await
        .unwrap();
    let ws = engine::flows::workspaces::create(engine, UserId(id), "Fieldhouse").await.unwrap();
    (UserId(id), ws)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_discovery_run_is_queued_as_a_job_and_keeps_its_progress_and_result(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool, true).await;
    let (owner, ws) = owned_workspace(&engine).await;
    let site = serve_site("casestudies").await;

    let id = onboarding::start(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &site.uri()).await.unwrap();
    let queued = runs::get(&pool, ws, id).await.unwrap().unwrap();
    assert_eq!((queued.status.as_str(), queued.pages_read), ("queued", 0));
    let job: String = sqlx::query_scalar("select job_type from apalis.jobs where job_type = 'agency_os::DiscoverIcp'").fetch_one(&pool).await.unwrap();
    assert_eq!(job, "agency_os::DiscoverIcp");
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'onboarding.discover' and client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 1);

    // What the worker runs (and runs again after a crash).
    let ctx = JobContext::configured(engine.clone());
    let job = DiscoverIcp { workspace: ws.0, run: id };
    jobs::run_discover_icp(&ctx, &job).await.unwrap();
    let done = runs::get(&pool, ws, id).await.unwrap().unwrap();
    assert_eq!(done.status, "done", "{:?}", done.error);
    let result = done.result.clone().unwrap();
    let pages = result["summary"]["pages"].as_array().unwrap().len();
    assert!(pages >= 5, "{pages}");
    assert_eq!(done.pages_read as usize, pages);
    let clients: Vec<&str> = result["summary"]["clients"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(clients.contains(&"University of Waikato"), "{clients:?}");
    // The full profile keeps each value's source and whether it was stated.
    assert!(result["profile"]["clients"][0]["provenance"].is_string());
    assert!(result["draft"]["weight_reasons"].as_array().unwrap().len() == 5);
    // A finished run is not read again.
    jobs::run_discover_icp(&ctx, &job).await.unwrap();
    assert_eq!(runs::get(&pool, ws, id).await.unwrap().unwrap().updated_at, done.updated_at);
    assert_eq!(runs::latest(&pool, ws).await.unwrap().unwrap().id, id);

    // Confirm with an edit and consent: the ICP is saved (audited) and the answer recorded.
    let draft: domain::site::derive::IcpDraft = serde_json::from_value(result["draft"].clone()).unwrap();
    let mut icp = draft.to_workspace_icp();
    icp.scoring.locations = vec!["New Zealand".into(), "Australia".into()];
    let saved = onboarding::confirm(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), id, &icp, true).await.unwrap();
    assert!(saved.rescoring);
    assert_eq!(engine::flows::icp::get(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap()).await.unwrap(), icp);
    let confirmed = runs::get(&pool, ws, id).await.unwrap().unwrap();
    assert!(confirmed.consent && confirmed.consent_at.is_some() && confirmed.confirmed_at.is_some());
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where client_id = $1 and action in ('icp.update', 'onboarding.confirm') order by action").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(actions, ["icp.update", "onboarding.confirm"]);
    // Saying no later clears the consent.
    onboarding::confirm(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), id, &icp, false).await.unwrap();
    let again = runs::get(&pool, ws, id).await.unwrap().unwrap();
    assert!(!again.consent && again.consent_at.is_none());
}

#[sqlx::test(migrations = "../migrations")]
async fn a_private_address_is_refused_when_the_run_is_started_and_a_dead_site_fails_the_run(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let strict = engine(&pool, false).await;
    let (owner, ws) = owned_workspace(&strict).await;
    for url in ["http://169.254.169.254/latest/", "http://127.0.0.1:9/", "http://2130706433/"] {
        match onboarding::start(&strict, &engine::auth::Access::resolve(&strict, owner, ws).await.unwrap(), url).await {
            Err(Error::Invalid(m)) => assert_eq!(m, "that address is on a private network"),
            other => panic!("{url}: {other:?}"),
        }
    }
    assert!(matches!(onboarding::start(&strict, &engine::auth::Access::resolve(&strict, owner, ws).await.unwrap(), "ftp://agency.example/").await, Err(Error::Invalid(_))));
    assert!(runs::latest(&pool, ws).await.unwrap().is_none(), "no run for a refused address");

    // An address that passed the check but whose site is gone: the run fails with the reason.
    let open = engine(&pool, true).await;
    let id = onboarding::start(&open, &engine::auth::Access::resolve(&open, owner, ws).await.unwrap(), "http://127.0.0.1:9/").await.unwrap();
    jobs::run_discover_icp(&JobContext::configured(open.clone()), &DiscoverIcp { workspace: ws.0, run: id }).await.unwrap();
    let failed = runs::get(&pool, ws, id).await.unwrap().unwrap();
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.error.as_deref(), Some("the connection failed"));
}
