use crate::support::*;
use engine::Settings;
use reqwest::StatusCode;
use sqlx::PgPool;

const PW: &str = "correct horse battery";

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_person_signs_up_logs_out_and_logs_back_in(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann Lee", "Ann@Example.com").await;
    let me = b.call("me", &[]).await;
    assert_eq!(me.body["email"], "ann@example.com");
    assert_eq!(me.body["name"], "Ann Lee");

    let out = b.call("logout", &[]).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(b.call("me", &[]).await.body, serde_json::Value::Null);

    let r = b.call("login", &[("email", "ann@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(b.call("me", &[]).await.body["email"], "ann@example.com");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_session_cookie_is_http_only_and_same_site_lax(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.browser();
    let resp = b
        .http
        .post(format!("{}/api/sign_up", app.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Ann"), ("email", "ann@example.com"), ("password", PW)])
        .send()
        .await
        .unwrap();
    let cookie = resp.headers().get("set-cookie").expect("a session cookie").to_str().unwrap().to_string();
    assert!(cookie.starts_with("aos_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "Secure is only set when configured: {cookie}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_account_get_the_same_generic_error(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let b = app.browser();
    let wrong = b.call("login", &[("email", "ann@example.com"), ("password", "not the password")]).await;
    let unknown = b.call("login", &[("email", "nobody@example.com"), ("password", PW)]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.message(), "Email or password is incorrect");
    assert_eq!(wrong.message(), unknown.message());
    assert_eq!(b.call("me", &[]).await.body, serde_json::Value::Null);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn signing_up_twice_with_one_email_is_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let r = app.browser().call("sign_up", &[("name", "Ann 2"), ("email", "ANN@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.message().contains("already exists"));
    assert_eq!(app.count("users").await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_cross_site_request_is_refused_and_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let before = app.count("workspaces").await;
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![],
    ] {
        let r = b.call_with("create_workspace", &[("name", "Forged")], &headers).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "headers {headers:?}");
        assert!(r.body["error"].as_str().unwrap().contains("cross-site"));
    }
    assert_eq!(app.count("workspaces").await, before);
    // The same request from our own origin goes through.
    let ok = b.call_with("create_workspace", &[("name", "Real")], &[("origin", &app.base)]).await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn repeated_failures_throttle_the_account_even_with_the_right_password(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    // Each attempt from a different IP: the per-account limit alone must stop them.
    for i in 0..5 {
        let b = app.browser_from(&format!("198.51.100.{i}"));
        let r = b.call("login", &[("email", "ann@example.com"), ("password", "wrong password!")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let b = app.browser_from("198.51.100.99");
    let r = b.call("login", &[("email", "ann@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.message().contains("try again in"), "{}", r.message());
    assert_eq!(b.call("me", &[]).await.body, serde_json::Value::Null);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn repeated_failures_from_one_ip_throttle_that_ip_across_accounts(pool: PgPool) {
    let mut settings = Settings { net: engine::net::NetPolicy::new(true), ..Settings::default() };
    settings.throttle.per_ip = 3;
    let app = spawn_app_with(pool, settings).await;
    app.user("Bob", "bob@example.com").await;
    let attacker = app.browser_from("192.0.2.66");
    for i in 0..3 {
        let r = attacker.call("login", &[("email", &format!("victim{i}@example.com")), ("password", "guess guess guess")]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = attacker.call("login", &[("email", "bob@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another IP is unaffected.
    let r = app.browser_from("192.0.2.67").call("login", &[("email", "bob@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_successful_login_resets_the_account_counter(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let b = app.browser();
    for _ in 0..4 {
        b.call("login", &[("email", "ann@example.com"), ("password", "wrong password!")]).await;
    }
    assert_eq!(b.call("login", &[("email", "ann@example.com"), ("password", PW)]).await.status, StatusCode::OK);
    for _ in 0..4 {
        b.call("login", &[("email", "ann@example.com"), ("password", "wrong password!")]).await;
    }
    assert_eq!(b.call("login", &[("email", "ann@example.com"), ("password", PW)]).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn login_redirects_only_to_our_own_paths(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let b = app.browser();
    // A plain HTML form post (no JavaScript) gets a real redirect.
    let resp = b
        .http
        .post(format!("{}/api/login", app.base))
        .header("accept", "text/html")
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "ann@example.com"), ("password", PW), ("next", "https://evil.example/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(resp.headers()["location"], "/");
    let r = b.call("login", &[("email", "ann@example.com"), ("password", PW), ("next", "/invite/abc")]).await;
    assert_eq!(r.location.as_deref(), Some("/invite/abc"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn sign_up_and_log_in_write_the_audit_log_and_never_store_the_password(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let hash: String = sqlx::query_scalar("select password_hash from users").fetch_one(&app.pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("horse"));
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log").fetch_all(&app.pool).await.unwrap();
    assert_eq!(actions, vec!["user.sign_up"]);
}

/// Expired sessions are deleted by the job worker's hourly schedule (no loop beside it): the
/// clean-up removes exactly the expired ones, and a live session keeps working.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_session_sweep_deletes_expired_sessions_and_keeps_live_ones(pool: PgPool) {
    let app = spawn_app(pool.clone()).await;
    let ann = app.user("Ann Lee", "ann@example.com").await;
    let bob = app.user("Bob Ray", "bob@example.com").await;
    assert_eq!(app.count("tower_sessions.session").await, 2);
    // Bob's session lapses (as after its lifetime without use).
    let bob_id: String = sqlx::query_scalar("select id from tower_sessions.session order by expiry_date desc limit 1").fetch_one(&pool).await.unwrap();
    sqlx::query("update tower_sessions.session set expiry_date = now() - interval '1 minute' where id = $1").bind(&bob_id).execute(&pool).await.unwrap();

    assert_eq!(engine::store::sessions::delete_expired(&pool).await.unwrap(), 1);
    assert_eq!(app.count("tower_sessions.session").await, 1);
    assert_eq!(engine::store::sessions::delete_expired(&pool).await.unwrap(), 0, "nothing left to delete");
    assert_eq!(ann.call("me", &[]).await.body["email"], "ann@example.com", "the live session still works");
    assert_eq!(bob.call("me", &[]).await.body, serde_json::Value::Null);
}
