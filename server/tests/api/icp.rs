//! The ideal customer profile and "Find leads from ICP" through the server functions the pages
//! call: roles, tenant isolation, validation, and discovery creating leads.

use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

struct Team {
    ws: String,
    owner: Browser,
    member: Browser,
    viewer: Browser,
}

async fn team(app: &TestApp) -> Team {
    let owner = app.user("Olive Owner", "owner@example.com").await;
    let ws = owner.workspace("Acme Agency").await;
    let mut joined = Vec::new();
    for (role, email) in [("member", "member@example.com"), ("viewer", "viewer@example.com")] {
        let token = owner.invite(&ws, email, role).await;
        let b = app.user(role, email).await;
        assert_eq!(b.accept(&token).await, ws);
        joined.push(b);
    }
    let viewer = joined.pop().unwrap();
    let member = joined.pop().unwrap();
    Team { ws, owner, member, viewer }
}

fn form<'a>(ws: &'a str, min: &'a str, seniorities: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("workspace", ws),
        ("icp[industries]", "Accounting\nLegal services"),
        ("icp[employees_min]", min),
        ("icp[employees_max]", "50"),
        ("icp[locations]", "Sydney, NSW\nAustralia"),
        ("icp[job_titles]", "Managing Partner, Practice Manager"),
        ("icp[seniorities]", seniorities),
        ("icp[keywords]", ""),
    ]
}

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action = 'icp.update'").fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_saves_the_icp_and_rescoring_starts(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;

    let r = t.member.call("save_icp", &form(&t.ws, "5", "partner, C-Suite")).await;

    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["rescoring"], true);
    let saved = t.viewer.call("get_icp", &[("workspace", &t.ws)]).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(saved.body["scoring"]["industries"], serde_json::json!(["Accounting", "Legal services"]));
    assert_eq!(saved.body["scoring"]["locations"], serde_json::json!(["Sydney, NSW", "Australia"]));
    assert_eq!(saved.body["seniorities"], serde_json::json!(["c_suite", "partner"]));
    assert_eq!(audit_rows(&app).await, 1);
    let jobs: i64 = sqlx::query_scalar("select count(*) from apalis.jobs where job_type = 'agency_os::ScoreWorkspace' and job->>'scope' = 'all'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_viewer_may_not_save_the_icp(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;

    let r = t.viewer.call("save_icp", &form(&t.ws, "5", "owner")).await;

    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    // Even with invalid input the answer is about the role, not the input.
    assert_eq!(t.viewer.call("save_icp", &form(&t.ws, "many", "boss")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("workspace_icp").await, 0);
    assert_eq!(audit_rows(&app).await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspace_cannot_read_or_change_the_icp(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    let stranger = app.user("Sam Stranger", "sam@example.com").await;
    stranger.workspace("Other Agency").await;

    assert_eq!(stranger.call("get_icp", &[("workspace", &t.ws)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("save_icp", &form(&t.ws, "5", "owner")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("find_leads", &[("workspace", &t.ws), ("count", "25")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("workspace_icp").await, 0);
    assert_eq!(app.count("leads").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn invalid_icp_input_gets_every_specific_error_and_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    assert_eq!(t.owner.call("save_icp", &form(&t.ws, "5", "owner")).await.status, StatusCode::OK);
    let before = t.owner.call("get_icp", &[("workspace", &t.ws)]).await.body;

    let r = t.member.call("save_icp", &form(&t.ws, "60", "boss")).await;

    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let m = r.message();
    assert!(m.contains("Minimum employees (60) must not be more than maximum employees (50)"), "{m}");
    assert!(m.contains("Seniorities: \"boss\" is not one of"), "{m}");
    let r = t.member.call("save_icp", &form(&t.ws, "five", "owner")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.message().contains("Minimum employees: enter a whole number"), "{}", r.message());
    // A request without the profile at all is malformed, not a crash.
    assert_eq!(t.member.call("save_icp", &[("icp[industries]", "x")]).await.status, StatusCode::BAD_REQUEST);

    assert_eq!(t.owner.call("get_icp", &[("workspace", &t.ws)]).await.body, before);
    assert_eq!(audit_rows(&app).await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn finding_leads_from_the_icp_adds_them_once(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    assert_eq!(t.member.call("save_icp", &form(&t.ws, "5", "partner")).await.status, StatusCode::OK);

    let r = t.member.call("find_leads", &[("workspace", &t.ws), ("count", "25")]).await;

    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["found"], 25);
    assert_eq!(r.body["new"], 25);
    let list = t.viewer.call("list_leads", &[("workspace", &t.ws)]).await;
    assert_eq!(list.body["total"], 25, "{:?}", list.body);
    assert!(list.body["rows"].as_array().unwrap().iter().all(|row| row["source"] == "apollo"));

    let again = t.member.call("find_leads", &[("workspace", &t.ws), ("count", "25")]).await;
    assert_eq!((again.body["new"].as_u64(), again.body["duplicates"].as_u64()), (Some(0), Some(25)), "{:?}", again.body);
    let found_once: i64 = sqlx::query_scalar("select count(distinct provider_ref) from leads").fetch_one(&app.pool).await.unwrap();
    assert_eq!(found_once, 25);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn viewers_cannot_find_leads_and_a_bad_count_is_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;

    assert_eq!(t.viewer.call("find_leads", &[("workspace", &t.ws), ("count", "25")]).await.status, StatusCode::FORBIDDEN);
    for count in ["0", "501", "lots"] {
        let r = t.member.call("find_leads", &[("workspace", &t.ws), ("count", count)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{count}");
        assert!(r.message().contains("between 1 and 500"), "{}", r.message());
    }
    assert_eq!(app.count("leads").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_icp_page_is_served_under_settings(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;

    let (status, html) = t.viewer.get(&format!("/w/{}/settings/icp", t.ws)).await;

    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Ideal customer profile"), "{html}");
}
