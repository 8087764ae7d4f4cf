//! The workspace ICP: saving it (roles, validation, audit) and re-scoring every lead when the
//! part the scorer reads changes.

use crate::support::*;
use domain::account::Role;
use domain::icp::{Seniority, WorkspaceIcp};
use domain::ids::{UserId, WorkspaceId};
use domain::score::Icp;
use engine::flows::icp;
use engine::jobs::{self, JobContext, ScoreWorkspace};
use engine::{Engine, Error};
use sqlx::PgPool;
use uuid::Uuid;

pub async fn user(pool: &PgPool, name: &str) -> UserId {
    let id: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id")
        .bind(format!("{}-{}@example.com", name.to_lowercase(), Uuid::new_v4()))
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    UserId(id)
}

/// A workspace owned by a new user, as the app creates one.
pub async fn owned_workspace(engine: &Engine, name: &str) -> (UserId, WorkspaceId) {
    let owner = user(engine.owner_pool(), name).await;
    let ws = engine::flows::workspaces::create(engine, owner, name).await.unwrap();
    (owner, ws)
}

pub async fn member(engine: &Engine, ws: WorkspaceId, role: Role) -> UserId {
    let u = user(engine.owner_pool(), role.as_str()).await;
    let mut conn = engine.owner_pool().acquire().await.unwrap();
    engine::store::memberships::upsert(&mut conn, ws, u, role).await.unwrap();
    u
}

fn new_zealand_accountants() -> WorkspaceIcp {
    WorkspaceIcp {
        scoring: Icp {
            industries: vec![" Accounting ".into()],
            employees_min: 100,
            employees_max: 200,
            locations: vec!["New Zealand".into()],
        },
        job_titles: vec!["Managing Partner".into()],
        seniorities: vec![Seniority::Partner, Seniority::Owner],
        keywords: vec![],
    }
}

async fn audit_rows(pool: &PgPool, ws: WorkspaceId) -> i64 {
    scalar_i64(pool, "select count(*) from audit_log where client_id = $1 and action = 'icp.update'", ws).await
}

async fn score_jobs(pool: &PgPool, ws: WorkspaceId) -> Vec<ScoreWorkspace> {
    let rows: Vec<serde_json::Value> = sqlx::query_scalar("select job from apalis.jobs where job_type = 'agency_os::ScoreWorkspace'")
        .fetch_all(pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|v| serde_json::from_value::<ScoreWorkspace>(v).unwrap())
        .filter(|j| j.workspace == ws.0)
        .collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_workspace_without_a_saved_icp_gets_the_default(pool: PgPool) {
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    assert_eq!(icp::get(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap()).await.unwrap(), WorkspaceIcp::default());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_saves_the_icp_trimmed_with_an_audit_row(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (_, ws) = owned_workspace(&engine, "Acme").await;
    let m = member(&engine, ws, Role::Member).await;

    let saved = icp::save(&engine, &engine::auth::Access::resolve(&engine, m, ws).await.unwrap(), &new_zealand_accountants()).await.unwrap();

    assert!(saved.rescoring);
    assert_eq!(saved.icp.scoring.industries, ["Accounting"]);
    assert_eq!(saved.icp.seniorities, [Seniority::Owner, Seniority::Partner]);
    assert_eq!(icp::get(&engine, &engine::auth::Access::resolve(&engine, m, ws).await.unwrap()).await.unwrap(), saved.icp);
    assert_eq!(audit_rows(&pool, ws).await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn invalid_icps_are_refused_with_a_specific_message_and_change_nothing(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    let good = icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &new_zealand_accountants()).await.unwrap().icp;
    let jobs_before = score_jobs(&pool, ws).await.len();

    let mut reversed = good.clone();
    reversed.scoring.employees_min = 500;
    let mut blank = good.clone();
    blank.job_titles.push("   ".into());
    let mut too_many = good.clone();
    too_many.keywords = (0..21).map(|i| format!("k{i}")).collect();
    let mut too_long = good.clone();
    too_long.scoring.locations = vec!["x".repeat(101)];
    for (bad, expected) in [
        (reversed, "Minimum employees (500) must not be more than maximum employees (200)"),
        (blank, "Job titles: values must not be blank"),
        (too_many, "Keywords: at most 20 values"),
        (too_long, "Locations: \""),
    ] {
        match icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &bad).await {
            Err(Error::Invalid(m)) => assert!(m.contains(expected), "{m}"),
            other => panic!("expected Invalid for {expected}, got {other:?}"),
        }
    }
    assert_eq!(icp::get(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap()).await.unwrap(), good);
    assert_eq!(audit_rows(&pool, ws).await, 1);
    assert_eq!(score_jobs(&pool, ws).await.len(), jobs_before, "no re-score for a refused save");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn viewers_may_read_but_not_save_and_other_workspaces_see_nothing(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (_, ws) = owned_workspace(&engine, "Acme").await;
    let (stranger, _) = owned_workspace(&engine, "Other").await;
    let viewer = member(&engine, ws, Role::Viewer).await;

    assert!(icp::get(&engine, &engine::auth::Access::resolve(&engine, viewer, ws).await.unwrap()).await.is_ok());
    assert!(matches!(async { icp::save(&engine, &engine::auth::Access::resolve(&engine, viewer, ws).await?, &new_zealand_accountants()).await }.await, Err(Error::Forbidden)));
    assert!(matches!(async { icp::save(&engine, &engine::auth::Access::resolve(&engine, stranger, ws).await?, &new_zealand_accountants()).await }.await, Err(Error::NotFound(_))));
    assert!(matches!(async { icp::get(&engine, &engine::auth::Access::resolve(&engine, stranger, ws).await?).await }.await, Err(Error::NotFound(_))));
    assert_eq!(engine::store::icp::get(&pool, ws).await.unwrap(), None);
}

async fn add_auckland_ceo(pool: &PgPool, ws: WorkspaceId, n: usize) {
    for i in 0..n {
        sqlx::query(
            "insert into leads (client_id, source, email, email_verified, phone, linkedin_url, first_name, last_name,
                                title, company, industry, employee_count, location, country)
             values ($1, 'csv', $2, true, '+64 9 000 0000', $3, 'Aroha', 'Ngata', 'CEO', 'Kiwi Ledger',
                     'Accounting', 120, 'Auckland', 'New Zealand')",
        )
        .bind(ws.0)
        .bind(format!("aroha{i}@kiwiledger.co.nz"))
        .bind(format!("https://www.linkedin.com/in/aroha-{i}"))
        .execute(pool)
        .await
        .unwrap();
    }
}

#[derive(sqlx::FromRow, Debug, PartialEq)]
struct Scored {
    als: i16,
    tier: String,
    reasons: serde_json::Value,
}

async fn scores(pool: &PgPool, ws: WorkspaceId) -> Vec<Scored> {
    sqlx::query_as("select als, tier, reasons from leads where client_id = $1 order by id").bind(ws.0).fetch_all(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn leads_scored_under_one_icp_are_rescored_by_the_queued_job_when_it_changes(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    add_auckland_ceo(&pool, ws, 3).await;
    // Under the default ICP (5–50 staff in Australia, no industries) they do not fit at all.
    engine::flows::score::score_workspace(&pool, ws, engine::flows::score::Scope::Unscored, chrono::Utc::now()).await.unwrap();
    let before = scores(&pool, ws).await;
    assert!(before.iter().all(|s| !s.reasons.to_string().contains("industry_in_icp")));

    let saved = icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &new_zealand_accountants()).await.unwrap();
    assert!(saved.rescoring);
    let queued = score_jobs(&pool, ws).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].scope, engine::flows::score::Scope::All);
    // Until the job runs, nothing moved.
    assert_eq!(scores(&pool, ws).await, before);

    let ctx = JobContext::fixed(engine.clone(), sandbox_enricher(1));
    let counts = jobs::run_score_workspace(&ctx, &queued[0]).await.unwrap();

    assert_eq!(counts.scored, 3, "every lead, not only unscored ones");
    let after = scores(&pool, ws).await;
    for (b, a) in before.iter().zip(&after) {
        // industry 10 + size 5 + location 5 of company fit's 25, at weight 0.25
        assert_eq!(a.als - b.als, 20, "{b:?} -> {a:?}");
        assert_ne!(a.tier, b.tier);
        for code in ["industry_in_icp", "employees_in_icp", "location_in_icp"] {
            assert!(a.reasons.to_string().contains(code), "{code} missing from {}", a.reasons);
        }
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn saving_the_same_scoring_profile_again_queues_no_rescore(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &new_zealand_accountants()).await.unwrap();
    let mut search_only = new_zealand_accountants();
    search_only.job_titles = vec!["Director".into()];
    search_only.keywords = vec!["xero".into()];

    let saved = icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &search_only).await.unwrap();

    assert!(!saved.rescoring);
    assert_eq!(score_jobs(&pool, ws).await.len(), 1, "only the first save changed what scores read");
    assert_eq!(icp::get(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap()).await.unwrap().keywords, ["xero"]);
    assert_eq!(audit_rows(&pool, ws).await, 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn rescore_all_queues_a_job_over_every_lead(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (_, ws) = owned_workspace(&engine, "Acme").await;
    engine::flows::score::rescore_all(&engine, ws).await.unwrap();
    let queued = score_jobs(&pool, ws).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].scope, engine::flows::score::Scope::All);
}

#[test]
fn a_score_job_queued_before_scopes_existed_still_reads_as_unscored() {
    let old: ScoreWorkspace = serde_json::from_str(r#"{"workspace":"7b0c1f3e-0000-4000-8000-000000000000"}"#).unwrap();
    assert_eq!(old.scope, engine::flows::score::Scope::Unscored);
}
