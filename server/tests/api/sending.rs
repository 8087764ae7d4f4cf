//! Mailboxes, go-live, the emergency stop and the outbox through their server functions: who
//! may call each, another workspace's ids are 404, bad input is 422 and changes nothing.

use crate::support::*;
use domain::ids::{UserId, WorkspaceId};
use engine::email::sink::{SinkOptions, SmtpSink};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

fn mailbox_form<'a>(ws: &'a str, address: &'a str, port: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("workspace", ws),
        ("address", address),
        ("display_name", "Sam Carter"),
        ("smtp_host", "127.0.0.1"),
        ("smtp_port", port),
        ("smtp_security", "none"),
        ("smtp_username", "sam@northwind.com.au"),
        ("smtp_password", "app-password-9f3k"),
        ("daily_cap", "40"),
        ("ramp_start", "5"),
        ("ramp_step", "3"),
    ]
}

/// The owner, a member and an admin of "Acme", and an outsider with a workspace of their own.
async fn team(app: &TestApp) -> (Browser, Browser, Browser, Browser, String) {
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let member = app.user("Bob", "bob@example.com").await;
    member.accept(&owner.invite(&ws, "bob@example.com", "member").await).await;
    let admin = app.user("Cat", "cat@example.com").await;
    admin.accept(&owner.invite(&ws, "cat@example.com", "admin").await).await;
    let outsider = app.user("Eve", "eve@example.com").await;
    outsider.workspace("Elsewhere").await;
    (owner, member, admin, outsider, ws)
}

async fn snapshot(app: &TestApp) -> String {
    let m: Vec<(String, i32, i32, i32, Option<String>, Option<String>)> =
        sqlx::query_as("select address, daily_cap, ramp_start, ramp_step, dkim_key, paused_reason from mailboxes order by address").fetch_all(&app.pool).await.unwrap();
    let w: Vec<(bool, bool)> = sqlx::query_as("select shadow_mode, sending_paused from workspaces order by name").fetch_all(&app.pool).await.unwrap();
    format!("{m:?} {w:?}")
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn owners_manage_mailboxes_and_secrets_never_come_back(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, member, admin, outsider, ws) = team(&app).await;
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { require_auth: true, ..Default::default() }).await.unwrap();
    let port = sink.addr().port().to_string();

    let r = owner.call("add_mailbox", &mailbox_form(&ws, "sam@northwind.com.au", &port)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["cap_today"], 5);
    let r = admin.call("test_mailbox", &[("workspace", &ws), ("mailbox", &id)]).await;
    assert_eq!((r.status, r.body["ok"].as_bool()), (StatusCode::OK, Some(true)), "{:?}", r.body);
    assert_eq!(sink.logins(), ["sam@northwind.com.au"]);

    let r = owner.call("set_mailbox_limits", &[("workspace", &ws), ("mailbox", &id), ("daily_cap", "80"), ("ramp_start", "10"), ("ramp_step", "5")]).await;
    assert_eq!((r.status, r.body["limits"]["daily_cap"].as_i64()), (StatusCode::OK, Some(80)));
    let r = owner.call("generate_dkim", &[("workspace", &ws), ("mailbox", &id), ("domain", "northwind.com.au"), ("selector", "aos1"), ("algorithm", "ed25519")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["name"], "aos1._domainkey.northwind.com.au");
    assert!(r.body["value"].as_str().unwrap().starts_with("v=DKIM1; k=ed25519; p="));
    let r = owner.call("pause_mailbox", &[("workspace", &ws), ("mailbox", &id), ("reason", "new domain")]).await;
    assert_eq!(r.body["paused_reason"], "new domain");
    let r = owner.call("resume_mailbox", &[("workspace", &ws), ("mailbox", &id)]).await;
    assert!(r.body["paused_at"].is_null());

    let list = owner.call("list_mailboxes", &[("workspace", &ws)]).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let text = list.body.to_string();
    assert!(!text.contains("app-password") && !text.contains("PRIVATE KEY"), "{text}");
    assert_eq!(list.body[0]["dkim"]["name"], "aos1._domainkey.northwind.com.au");

    // Members may not; other workspaces' owners see nothing.
    let before = snapshot(&app).await;
    assert_eq!(member.call("list_mailboxes", &[("workspace", &ws)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(member.call("add_mailbox", &mailbox_form(&ws, "bob@northwind.com.au", &port)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(member.call("pause_mailbox", &[("workspace", &ws), ("mailbox", &id)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(outsider.call("list_mailboxes", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.call("remove_mailbox", &[("workspace", &ws), ("mailbox", &id)]).await.status, StatusCode::NOT_FOUND);
    let other_ws = outsider.call("list_workspaces", &[]).await.body[0]["id"].as_str().unwrap().to_string();
    assert_eq!(outsider.call("test_mailbox", &[("workspace", &other_ws), ("mailbox", &id)]).await.status, StatusCode::NOT_FOUND, "a mailbox id of another workspace");
    assert_eq!(owner.call("test_mailbox", &[("workspace", &ws), ("mailbox", "not-a-uuid")]).await.status, StatusCode::NOT_FOUND);

    // Bad input: 422 with the reason, nothing changed.
    let mut bad = mailbox_form(&ws, "sam@northwind", &port);
    let r = owner.call("add_mailbox", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.message().contains("email address"), "{}", r.message());
    bad = mailbox_form(&ws, "ops@northwind.com.au", "99999");
    assert_eq!(owner.call("add_mailbox", &bad).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = owner.call("set_mailbox_limits", &[("workspace", &ws), ("mailbox", &id), ("daily_cap", "0"), ("ramp_start", "1"), ("ramp_step", "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = owner.call("generate_dkim", &[("workspace", &ws), ("mailbox", &id), ("domain", "northwind.com.au"), ("selector", "bad selector"), ("algorithm", "ed25519")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(owner.call("add_mailbox", &mailbox_form(&ws, "SAM@northwind.com.au", &port)).await.status, StatusCode::CONFLICT);
    assert_eq!(snapshot(&app).await, before);

    assert_eq!(owner.call("remove_mailbox", &[("workspace", &ws), ("mailbox", &id)]).await.status, StatusCode::OK);
    assert_eq!(app.count("mailboxes").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn only_owners_and_admins_go_live_or_stop_and_everyone_sees_the_state(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, member, admin, outsider, ws) = team(&app).await;

    let s = member.call("get_sending_state", &[("workspace", &ws)]).await;
    assert_eq!(s.status, StatusCode::OK);
    assert_eq!((s.body["shadow_mode"].as_bool(), s.body["can_manage"].as_bool()), (Some(true), Some(false)));
    assert_eq!(owner.call("get_sending_state", &[("workspace", &ws)]).await.body["can_manage"], true);
    assert_eq!(outsider.call("get_sending_state", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);

    let before = snapshot(&app).await;
    let r = owner.call("go_live", &[("workspace", &ws), ("confirmation", "Acme")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no mailbox yet: {:?}", r.body);
    assert!(r.message().contains("mailbox"));
    let port = "2525";
    assert_eq!(owner.call("add_mailbox", &mailbox_form(&ws, "sam@northwind.com.au", port)).await.status, StatusCode::OK);
    let before_live = snapshot(&app).await;
    assert_ne!(before, before_live);
    let r = owner.call("go_live", &[("workspace", &ws), ("confirmation", "Acmee")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.message().contains("Acme"));
    assert_eq!(member.call("go_live", &[("workspace", &ws), ("confirmation", "Acme")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(member.call("stop_sending", &[("workspace", &ws)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(outsider.call("go_live", &[("workspace", &ws), ("confirmation", "Acme")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.call("stop_sending", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(&app).await, before_live, "refusals change nothing");

    let r = admin.call("go_live", &[("workspace", &ws), ("confirmation", "Acme")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["shadow_mode"], false);
    let r = owner.call("stop_sending", &[("workspace", &ws), ("reason", "bad copy went out")]).await;
    assert_eq!((r.body["paused"].as_bool(), r.body["paused_reason"].as_str()), (Some(true), Some("bad copy went out")));
    let r = member.call("get_sending_state", &[("workspace", &ws)]).await;
    assert_eq!(r.body["paused"], true, "the stop is visible to everyone");
    let long = "x".repeat(300);
    assert_eq!(owner.call("stop_sending", &[("workspace", &ws), ("reason", &long)]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(member.call("resume_sending", &[("workspace", &ws)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.call("resume_sending", &[("workspace", &ws)]).await.body["paused"], false);
    assert_eq!(owner.call("back_to_shadow", &[("workspace", &ws)]).await.body["shadow_mode"], true);

    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where action like 'sending.%' order by id").fetch_all(&app.pool).await.unwrap();
    assert_eq!(actions, ["sending.go_live", "sending.stop", "sending.resume", "sending.back_to_shadow"]);
}

/// One approved first touch, dispatched in shadow mode.
pub(crate) async fn shadow_message(app: &TestApp, owner: &Browser, ws: &str) {
    let user = UserId(owner.my_user_id().await.parse().unwrap());
    let ws = WorkspaceId(ws.parse().unwrap());
    shadow_campaign(app, user, ws, &[("Ann", "ann@harbour.com.au")], None).await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_member_reads_the_outbox_and_a_shadow_message_in_full(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, member, _admin, outsider, ws) = team(&app).await;
    shadow_message(&app, &owner, &ws).await;

    let r = member.call("list_outbox", &[("workspace", &ws), ("state", "shadow")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["to_address"], "ann@harbour.com.au");
    let checks: Vec<(String, bool)> = items[0]["checks"].as_array().unwrap().iter().map(|c| (c["check"].as_str().unwrap().to_string(), c["ok"].as_bool().unwrap())).collect();
    assert!(checks.contains(&("shadow_mode".into(), true)) && checks.contains(&("emergency_stop".into(), true)), "{checks:?}");
    let id = items[0]["id"].as_str().unwrap().to_string();

    let m = member.call("get_outbox_message", &[("workspace", &ws), ("id", &id)]).await;
    assert_eq!(m.status, StatusCode::OK);
    let text = m.body["text"].as_str().unwrap();
    assert!(text.contains("1 George St, Sydney NSW 2000") && text.contains(&format!("{}/u/", app.base)), "{text}");

    assert_eq!(member.call("list_outbox", &[("workspace", &ws), ("state", "everything")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(outsider.call("list_outbox", &[("workspace", &ws), ("state", "shadow")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(outsider.call("get_outbox_message", &[("workspace", &ws), ("id", &id)]).await.status, StatusCode::NOT_FOUND);
    let other: Value = outsider.call("list_workspaces", &[]).await.body;
    let other_ws = other[0]["id"].as_str().unwrap().to_string();
    assert_eq!(outsider.call("get_outbox_message", &[("workspace", &other_ws), ("id", &id)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(member.call("get_outbox_message", &[("workspace", &ws), ("id", "nope")]).await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_mailboxes_and_outbox_pages_are_served(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, member, _admin, outsider, ws) = team(&app).await;
    let (status, html) = owner.get(&format!("/w/{ws}/settings/mailboxes")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Mailboxes"), "{html}");
    let (status, html) = member.get(&format!("/w/{ws}/outbox")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Outbox"), "{html}");
    let (status, _) = outsider.get(&format!("/w/{ws}/outbox")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
