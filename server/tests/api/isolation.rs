use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

/// Every server function that takes a workspace, with arguments aimed at workspace B.
fn attacks<'a>(wb: &'a str, b_member: &'a str, b_invitation: &'a str) -> Vec<(&'static str, Vec<(&'static str, &'a str)>)> {
    vec![
        ("get_workspace", vec![("workspace", wb)]),
        ("list_members", vec![("workspace", wb)]),
        ("list_invitations", vec![("workspace", wb)]),
        ("audit_log", vec![("workspace", wb)]),
        ("rename_workspace", vec![("workspace", wb), ("name", "Pwned")]),
        ("invite_member", vec![("workspace", wb), ("email", "spy@example.com"), ("role", "owner")]),
        ("revoke_invitation", vec![("workspace", wb), ("invitation", b_invitation)]),
        ("change_role", vec![("workspace", wb), ("member", b_member), ("role", "viewer")]),
        ("remove_member", vec![("workspace", wb), ("member", b_member)]),
        ("delete_workspace", vec![("workspace", wb)]),
    ]
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_of_one_workspace_can_neither_read_nor_change_another(pool: PgPool) {
    let app = spawn_app(pool).await;
    let alice = app.user("Alice", "alice@a.example").await;
    let wa = alice.workspace("Workspace A").await;
    let bob = app.user("Bob", "bob@b.example").await;
    let wb = bob.workspace("Workspace B").await;
    let token = bob.invite(&wb, "carol@b.example", "member").await;
    let carol = app.user("Carol", "carol@b.example").await;
    carol.accept(&token).await;
    let carol_id = carol.my_user_id().await;
    bob.invite(&wb, "dave@b.example", "viewer").await;
    let inv = bob.call("list_invitations", &[("workspace", &wb)]).await;
    let inv_id = inv.body.as_array().unwrap().iter().find(|i| i["status"] == "pending").unwrap()["id"].as_str().unwrap().to_string();

    let audit_before = app.count("audit_log").await;
    for (endpoint, args) in attacks(&wb, &carol_id, &inv_id) {
        let r = alice.call(endpoint, &args).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint} on B answered {:?}: {:?}", r.status, r.body);
        assert!(!r.body.to_string().contains("Workspace B"), "{endpoint} leaked B's name");
    }
    // B's members and invitations cannot be reached through A's own workspace either.
    for (endpoint, args) in [
        ("change_role", vec![("workspace", wa.as_str()), ("member", carol_id.as_str()), ("role", "viewer")]),
        ("remove_member", vec![("workspace", wa.as_str()), ("member", carol_id.as_str())]),
        ("revoke_invitation", vec![("workspace", wa.as_str()), ("invitation", inv_id.as_str())]),
    ] {
        let r = alice.call(endpoint, &args).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint} via A: {:?}", r.body);
    }
    assert_eq!(app.count("audit_log").await, audit_before, "a refused attack must change nothing");
    let b_after = bob.call("get_workspace", &[("workspace", &wb)]).await;
    assert_eq!(b_after.body["name"], "Workspace B");
    assert_eq!(bob.call("list_members", &[("workspace", &wb)]).await.body.as_array().unwrap().len(), 2);

    // Listing shows only A; the page for B is a 404.
    let mine = alice.call("list_workspaces", &[]).await;
    let names: Vec<_> = mine.body.as_array().unwrap().iter().map(|w| w["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(names, vec!["Workspace A"]);
    for path in ["", "/settings", "/leads"] {
        let (status, html) = alice.get(&format!("/w/{wb}{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "page /w/B{path}");
        assert!(!html.contains("Workspace B"));
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_visitor_without_a_session_gets_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let bob = app.user("Bob", "bob@b.example").await;
    let wb = bob.workspace("Workspace B").await;
    let anon = app.browser();
    for (endpoint, args) in attacks(&wb, "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000") {
        let r = anon.call(endpoint, &args).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    assert_eq!(anon.call("list_workspaces", &[]).await.status, StatusCode::UNAUTHORIZED);
}
