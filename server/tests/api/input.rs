use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn bad_sign_up_input_gets_a_specific_error_and_creates_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.browser();
    let long = "x".repeat(300);
    let cases: Vec<([(&str, &str); 3], &str)> = vec![
        ([("name", ""), ("email", "a@example.com"), ("password", "correct horse battery")], "Name is required"),
        ([("name", &long), ("email", "a@example.com"), ("password", "correct horse battery")], "Name must be at most 100"),
        ([("name", "Ann"), ("email", ""), ("password", "correct horse battery")], "Email is required"),
        ([("name", "Ann"), ("email", "not-an-email"), ("password", "correct horse battery")], "Enter an email address"),
        ([("name", "Ann"), ("email", "a@@example.com"), ("password", "correct horse battery")], "Enter an email address"),
        ([("name", "Ann"), ("email", "a@example.com"), ("password", "short")], "Password must be at least 10"),
        ([("name", "Ann"), ("email", "a@example.com"), ("password", &long)], "Password must be at most 128"),
    ];
    for (form, expected) in cases {
        let r = b.call("sign_up", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(r.message().contains(expected), "{form:?}: {}", r.message());
    }
    // A missing field is a malformed request, not a crash.
    let r = b.call("sign_up", &[("name", "Ann")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn bad_workspace_input_is_refused_and_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    for name in ["", "   ", "x", &"y".repeat(81)] {
        let r = b.call("create_workspace", &[("name", name)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "name {name:?}");
        let r = b.call("rename_workspace", &[("workspace", &ws), ("name", name)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "rename {name:?}");
    }
    for (email, role) in [("nope", "member"), ("", "member"), ("a@example.com", "emperor")] {
        let r = b.call("invite_member", &[("workspace", &ws), ("email", email), ("role", role)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{email} {role}");
    }
    assert_eq!(app.count("workspaces").await, 1);
    assert_eq!(app.count("invitations").await, 0);
    assert_eq!(b.call("get_workspace", &[("workspace", &ws)]).await.body["name"], "Acme");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn unknown_or_malformed_workspace_ids_are_not_found(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    for id in ["7b0c1f3e-0000-4000-8000-000000000000", "not-a-uuid", "", "'; drop table users; --"] {
        let r = b.call("get_workspace", &[("workspace", id)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id:?}");
        let r = b.call("rename_workspace", &[("workspace", id), ("name", "New name")]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id:?}");
    }
    assert_eq!(app.count("users").await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_ten_megabyte_body_is_refused_with_413(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let huge = "a".repeat(10 * 1024 * 1024);
    let resp = b
        .http
        .post(format!("{}/api/create_workspace", app.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", huge.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("workspaces").await, 0);
}
