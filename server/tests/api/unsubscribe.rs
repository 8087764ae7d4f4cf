use crate::support::*;
use domain::ids::WorkspaceId;
use engine::email::unsubscribe;
use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

/// A lead in `ws` that has been emailed, made directly in SQL (these tests are about the link).
async fn contacted_lead(app: &TestApp, ws: WorkspaceId, email: &str) -> Uuid {
    sqlx::query_scalar("insert into leads (client_id, email, source, status) values ($1, $2, 'manual', 'contacted') returning id")
        .bind(ws.0)
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn status(app: &TestApp, ws: WorkspaceId, lead: Uuid) -> String {
    sqlx::query_scalar("select status from leads where client_id = $1 and id = $2").bind(ws.0).bind(lead).fetch_one(&app.pool).await.unwrap()
}

async fn suppressed(app: &TestApp, ws: WorkspaceId, email: &str) -> bool {
    engine::store::suppressions::is_suppressed(&app.pool, ws, email).await.unwrap()
}

async fn audit_rows(app: &TestApp, ws: WorkspaceId) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where client_id = $1 and action = 'email.unsubscribed'").bind(ws.0).fetch_one(&app.pool).await.unwrap()
}

async fn workspace(app: &TestApp, owner: &str, name: &str) -> WorkspaceId {
    let b = app.user(owner, &format!("{}@agency.example", owner.to_lowercase())).await;
    WorkspaceId(b.workspace(name).await.parse().unwrap())
}

fn token(app: &TestApp, ws: WorkspaceId, email: &str) -> String {
    unsubscribe::issue(&app.engine.settings.unsubscribe_key, ws, email, Some(Uuid::new_v4())).unwrap()
}

/// POSTs as a mail client's one-click request does: no cookies, no browser headers.
async fn one_click(app: &TestApp, token: &str) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .post(format!("{}/u/{token}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// POSTs the confirmation page's form, from a browser on that page.
async fn press_button(app: &TestApp, token: &str) -> (StatusCode, String) {
    let resp = reqwest::Client::new()
        .post(format!("{}/u/{token}", app.base))
        .header("origin", &app.base)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn opening_the_link_only_asks_and_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let lead = contacted_lead(&app, ws, "ann@customer.example").await;
    let t = token(&app, ws, "ann@customer.example");
    for _ in 0..3 {
        let (status, html) = app.browser().get(&format!("/u/{t}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<form method=\"post\">"), "{html}");
        assert!(html.contains("a**@customer.example"), "{html}");
    }
    assert!(!suppressed(&app, ws, "ann@customer.example").await);
    assert_eq!(status(&app, ws, lead).await, "contacted");
    assert_eq!(app.count("suppressions").await, 0);
    assert_eq!(audit_rows(&app, ws).await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn pressing_the_button_suppresses_the_address_and_unsubscribes_the_lead(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let lead = contacted_lead(&app, ws, "ann@customer.example").await;
    let t = token(&app, ws, "Ann@Customer.example");
    let (status_code, html) = press_button(&app, &t).await;
    assert_eq!(status_code, StatusCode::OK, "{html}");
    assert!(html.contains("is unsubscribed"), "{html}");
    assert!(suppressed(&app, ws, "ann@customer.example").await);
    assert_eq!(status(&app, ws, lead).await, "unsubscribed");
    let entry = engine::store::suppressions::get(&app.pool, ws, "ann@customer.example").await.unwrap().unwrap();
    assert_eq!(entry.reason, engine::store::suppressions::Reason::Unsubscribed);
    assert_eq!(entry.source, "link");
    assert!(entry.campaign_id.is_some());
    let (action, before, after): (String, serde_json::Value, serde_json::Value) =
        sqlx::query_as("select action, before, after from audit_log where client_id = $1 and target_id = $2")
            .bind(ws.0)
            .bind(lead.to_string())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(action, "email.unsubscribed");
    assert_eq!(before["status"], "contacted");
    assert_eq!(after["status"], "unsubscribed");
    assert_eq!(after["via"], "link");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_one_click_post_from_a_mail_client_unsubscribes_at_once(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let lead = contacted_lead(&app, ws, "ann@customer.example").await;
    let (code, body) = one_click(&app, &token(&app, ws, "ann@customer.example")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(suppressed(&app, ws, "ann@customer.example").await);
    assert_eq!(status(&app, ws, lead).await, "unsubscribed");
    let source: String = sqlx::query_scalar("select source from suppressions where client_id = $1").bind(ws.0).fetch_one(&app.pool).await.unwrap();
    assert_eq!(source, "one_click");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_address_without_a_lead_is_still_suppressed(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let (code, _) = one_click(&app, &token(&app, ws, "forwarded@elsewhere.example")).await;
    assert_eq!(code, StatusCode::OK);
    assert!(suppressed(&app, ws, "forwarded@elsewhere.example").await);
    assert_eq!(audit_rows(&app, ws).await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_forged_or_altered_token_is_a_404_and_writes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let lead = contacted_lead(&app, ws, "ann@customer.example").await;
    let good = token(&app, ws, "ann@customer.example");
    let other_key = engine::email::unsubscribe::UnsubscribeKey::generate();
    let foreign = unsubscribe::issue(&other_key, ws, "ann@customer.example", None).unwrap();
    let mut altered = good.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in [foreign.as_str(), altered.as_str(), "nonsense", "x".repeat(2000).as_str()] {
        let (code, html) = app.browser().get(&format!("/u/{bad}")).await;
        assert_eq!(code, StatusCode::NOT_FOUND, "{bad}");
        assert!(html.contains("not valid"), "{html}");
        assert_eq!(one_click(&app, bad).await.0, StatusCode::NOT_FOUND);
        assert_eq!(press_button(&app, bad).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.count("suppressions").await, 0);
    assert_eq!(status(&app, ws, lead).await, "contacted");
    assert_eq!(audit_rows(&app, ws).await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_token_of_one_workspace_never_touches_another(pool: PgPool) {
    let app = spawn_app(pool).await;
    let a = workspace(&app, "Olive", "Acme").await;
    let b = workspace(&app, "Bert", "Beta").await;
    let lead_a = contacted_lead(&app, a, "ann@customer.example").await;
    let lead_b = contacted_lead(&app, b, "ann@customer.example").await;
    let (code, _) = one_click(&app, &token(&app, a, "ann@customer.example")).await;
    assert_eq!(code, StatusCode::OK);
    assert!(suppressed(&app, a, "ann@customer.example").await);
    assert_eq!(status(&app, a, lead_a).await, "unsubscribed");
    assert!(!suppressed(&app, b, "ann@customer.example").await);
    assert_eq!(status(&app, b, lead_b).await, "contacted");
    assert_eq!(audit_rows(&app, b).await, 0);
    // A token naming a workspace that does not exist (signed by us) is a 404 too.
    let (code, _) = one_click(&app, &token(&app, WorkspaceId(Uuid::new_v4()), "ann@customer.example")).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(app.count("suppressions").await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn unsubscribing_twice_is_harmless(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let lead = contacted_lead(&app, ws, "ann@customer.example").await;
    let t = token(&app, ws, "ann@customer.example");
    assert_eq!(press_button(&app, &t).await.0, StatusCode::OK);
    assert_eq!(one_click(&app, &t).await.0, StatusCode::OK);
    assert_eq!(press_button(&app, &t).await.0, StatusCode::OK);
    assert_eq!(app.count("suppressions").await, 1);
    assert_eq!(audit_rows(&app, ws).await, 1);
    assert_eq!(status(&app, ws, lead).await, "unsubscribed");
    let source: String = sqlx::query_scalar("select source from suppressions where client_id = $1").bind(ws.0).fetch_one(&app.pool).await.unwrap();
    assert_eq!(source, "link", "the first record is kept");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_logged_in_user_can_still_unsubscribe_from_a_cross_site_form(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ws = workspace(&app, "Olive", "Acme").await;
    let b = app.user("Carl", "carl@agency.example").await;
    let t = token(&app, ws, "carl@agency.example");
    // A webmail page posting the link, in a browser that also holds an Agency OS session.
    let resp = b
        .http
        .post(format!("{}/u/{t}", app.base))
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://webmail.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(suppressed(&app, ws, "carl@agency.example").await);
}
