//! Onboarding through the server functions the page calls: start a run on a local site, read
//! its progress and findings, confirm the edited profile with consent; a private address is
//! refused with the reason the page shows.

use crate::site_support::serve_site;
use crate::support::*;
use engine::jobs::{self, DiscoverIcp, JobContext};
use engine::Settings;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_reads_the_website_sees_what_was_found_and_confirms_the_profile(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let app = spawn_app(pool).await;
    let owner = app.user("Olive Owner", "owner@example.com").await;
    let ws = owner.workspace("Tidewater").await;
    let site = serve_site("jekyll").await;

    let r = owner.call("start_onboarding", &[("workspace", &ws), ("url", &site.uri())]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let run = r.body.as_str().unwrap().to_string();
    let r = owner.call("onboarding_run", &[("workspace", &ws)]).await;
    assert_eq!(r.body["status"], "queued");

    // The worker's turn.
    let job = DiscoverIcp { workspace: ws.parse().unwrap(), run: run.parse().unwrap() };
    jobs::run_discover_icp(&JobContext::configured(app.engine.clone()), &job).await.unwrap();
    let r = owner.call("onboarding_run", &[("workspace", &ws)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "done", "{:?}", r.body["error"]);
    assert_eq!(r.body["profile"]["company_name"]["value"], "Tidewater Digital");
    assert_eq!(r.body["profile"]["company_name"]["provenance"], "stated");
    assert!(r.body["profile"]["clients"].as_array().unwrap().iter().any(|c| c["name"] == "Harbour Bank" && c["source_url"].as_str().unwrap().starts_with(&site.uri())));
    assert_eq!(r.body["icp"]["locations"], "Australia");

    // A stranger sees nothing of it.
    let stranger = app.user("Sam", "sam@example.com").await;
    assert_eq!(stranger.call("onboarding_run", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);

    // Before confirming: how many leads the derived profile (healthcare, legal and financial
    // services; 1 to 50 people; Australia) matches, part by part, by the score's own rules.
    for (email, industry, people, place) in [
        ("a@clinic.com.au", Some("Healthcare"), Some(20), Some("Brisbane, Australia")),
        ("b@lawyers.com.au", Some("Legal Services"), Some(500), Some("Sydney NSW, Australia")),
        ("c@shop.co.nz", Some("Retail"), Some(10), Some("Auckland, New Zealand")),
        ("d@unknown.example", None, None, None),
    ] {
        // The country in its own column counts, as in the score: "Manly, NSW" + "Australia".
        let (place, country) = match place {
            Some(p) if p.starts_with("Sydney") => (Some("Sydney NSW"), Some("Australia")),
            other => (other, None),
        };
        sqlx::query("insert into leads (client_id, email, industry, employee_count, location, country, source) values ($1::uuid, $2, $3, $4, $5, $6, 'manual')")
            .bind(&ws).bind(email).bind(industry).bind(people).bind(place).bind(country)
            .execute(&app.pool).await.unwrap();
    }
    let m = owner.call("onboarding_matches", &[("workspace", &ws), ("run", &run)]).await;
    assert_eq!(m.body, serde_json::json!({"leads": 4, "industry": 2, "size": 2, "location": 2, "all": 1}), "{:?}", m.body);
    assert_eq!(stranger.call("onboarding_matches", &[("workspace", &ws), ("run", &run)]).await.status, StatusCode::NOT_FOUND);

    let form = [
        ("workspace", ws.as_str()),
        ("run", run.as_str()),
        ("icp[industries]", "Healthcare\nLegal Services"),
        ("icp[employees_min]", "5"),
        ("icp[employees_max]", "200"),
        ("icp[locations]", "Australia\nNew Zealand"),
        ("icp[job_titles]", "Practice Owner\nHead of Marketing"),
        ("icp[seniorities]", "owner, c_suite"),
        ("icp[keywords]", ""),
        ("consent", "yes"),
    ];
    // Nothing confirmed yet: Settings → ICP says it was typed by hand.
    assert!(owner.call("icp_origin", &[("workspace", &ws)]).await.body.is_null());
    let r = owner.call("confirm_onboarding", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let origin = owner.call("icp_origin", &[("workspace", &ws)]).await;
    assert_eq!(origin.body["url"].as_str().map(|u| u.trim_end_matches('/')), Some(site.uri().trim_end_matches('/')), "{:?}", origin.body);
    assert!(origin.body["pages_read"].as_i64().unwrap() >= 5 && origin.body["consent"] == true && !origin.body["confirmed_on"].as_str().unwrap().is_empty());
    assert_eq!(stranger.call("icp_origin", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);
    let icp = owner.call("get_icp", &[("workspace", &ws)]).await;
    assert_eq!(icp.body["scoring"]["locations"], serde_json::json!(["Australia", "New Zealand"]));
    let r = owner.call("onboarding_run", &[("workspace", &ws)]).await;
    assert_eq!((r.body["consent"].as_bool(), r.body["confirmed"].as_bool()), (Some(true), Some(true)));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_private_address_is_refused_with_the_reason_the_page_shows(pool: PgPool) {
    let app = spawn_app_with(pool, Settings::default()).await;
    let owner = app.user("Olive Owner", "owner@example.com").await;
    let ws = owner.workspace("Tidewater").await;
    for url in ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"] {
        let r = owner.call("start_onboarding", &[("workspace", &ws), ("url", url)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(r.body.to_string().contains("that address is on a private network"), "{url}: {:?}", r.body);
    }
    let r = owner.call("onboarding_run", &[("workspace", &ws)]).await;
    assert_eq!(r.body, serde_json::Value::Null);
}
