use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

/// A workspace with one person in each role, plus a spare member to act upon.
struct Team {
    ws: String,
    owner: Browser,
    admin: Browser,
    member: Browser,
    viewer: Browser,
    spare_id: String,
}

async fn team(app: &TestApp) -> Team {
    let owner = app.user("Olive Owner", "owner@example.com").await;
    let ws = owner.workspace("Acme Agency").await;
    let mut people = Vec::new();
    for (role, email) in [("admin", "admin@example.com"), ("member", "member@example.com"), ("viewer", "viewer@example.com"), ("member", "spare@example.com")] {
        let token = owner.invite(&ws, email, role).await;
        let b = app.user(role, email).await;
        assert_eq!(b.accept(&token).await, ws);
        people.push(b);
    }
    let spare = people.pop().unwrap();
    let spare_id = spare.my_user_id().await;
    let viewer = people.pop().unwrap();
    let member = people.pop().unwrap();
    let admin = people.pop().unwrap();
    Team { ws, owner, admin, member, viewer, spare_id }
}

fn allowed(status: StatusCode) -> bool {
    status.is_success()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_role_sees_its_own_role_in_the_workspace(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    for (b, role) in [(&t.owner, "owner"), (&t.admin, "admin"), (&t.member, "member"), (&t.viewer, "viewer")] {
        let r = b.call("get_workspace", &[("workspace", &t.ws)]).await;
        assert_eq!(r.body["role"], role);
        assert_eq!(b.call("list_members", &[("workspace", &t.ws)]).await.status, StatusCode::OK);
    }
    let members = t.owner.call("list_members", &[("workspace", &t.ws)]).await;
    assert_eq!(members.body.as_array().unwrap().len(), 5);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn each_role_is_allowed_exactly_what_the_permission_table_says(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    // (role, may manage members, may rename, may view audit)
    let cases = [(&t.owner, "owner", true, true, true), (&t.admin, "admin", true, true, true), (&t.member, "member", false, false, false), (&t.viewer, "viewer", false, false, false)];
    for (b, role, manage, rename, audit) in cases {
        let ws = t.ws.as_str();
        let r = b.call("list_invitations", &[("workspace", ws)]).await;
        assert_eq!(allowed(r.status), manage, "{role} list_invitations: {:?}", r.status);
        let r = b.call("invite_member", &[("workspace", ws), ("email", &format!("new-{role}@example.com")), ("role", "viewer")]).await;
        assert_eq!(allowed(r.status), manage, "{role} invite: {:?}", r.status);
        if !manage {
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        }
        let r = b.call("rename_workspace", &[("workspace", ws), ("name", &format!("Renamed by {role}"))]).await;
        assert_eq!(allowed(r.status), rename, "{role} rename: {:?}", r.status);
        let r = b.call("audit_log", &[("workspace", ws)]).await;
        assert_eq!(allowed(r.status), audit, "{role} audit: {:?}", r.status);
        let r = b.call("change_role", &[("workspace", ws), ("member", &t.spare_id), ("role", "viewer")]).await;
        assert_eq!(allowed(r.status), manage, "{role} change_role: {:?}", r.status);
        // put the spare back for the next role
        t.owner.call("change_role", &[("workspace", ws), ("member", &t.spare_id), ("role", "member")]).await;
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn only_an_owner_makes_owners_or_deletes_the_workspace(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    let r = t.admin.call("invite_member", &[("workspace", &t.ws), ("email", "boss@example.com"), ("role", "owner")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.admin.call("change_role", &[("workspace", &t.ws), ("member", &t.spare_id), ("role", "owner")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for b in [&t.admin, &t.member, &t.viewer] {
        assert_eq!(b.call("delete_workspace", &[("workspace", &t.ws)]).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(t.owner.call("invite_member", &[("workspace", &t.ws), ("email", "boss@example.com"), ("role", "owner")]).await.status, StatusCode::OK);
    assert_eq!(t.owner.call("delete_workspace", &[("workspace", &t.ws)]).await.status, StatusCode::OK);
    // Soft-deleted: gone for everyone, still in the database.
    assert_eq!(t.member.call("get_workspace", &[("workspace", &t.ws)]).await.status, StatusCode::NOT_FOUND);
    let deleted: i64 = sqlx::query_scalar("select count(*) from workspaces where deleted_at is not null").fetch_one(&app.pool).await.unwrap();
    assert_eq!(deleted, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_admin_cannot_demote_or_remove_an_owner_and_the_last_owner_cannot_leave(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    let owner_id = t.owner.my_user_id().await;
    assert_eq!(t.admin.call("change_role", &[("workspace", &t.ws), ("member", &owner_id), ("role", "viewer")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.admin.call("remove_member", &[("workspace", &t.ws), ("member", &owner_id)]).await.status, StatusCode::FORBIDDEN);
    let r = t.owner.call("remove_member", &[("workspace", &t.ws), ("member", &owner_id)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.message().contains("last owner"));
    let r = t.owner.call("change_role", &[("workspace", &t.ws), ("member", &owner_id), ("role", "admin")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_removed_member_loses_access_at_once_and_a_member_may_leave(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    assert_eq!(t.member.call("remove_member", &[("workspace", &t.ws), ("member", &t.spare_id)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.admin.call("remove_member", &[("workspace", &t.ws), ("member", &t.spare_id)]).await.status, StatusCode::OK);
    let viewer_id = t.viewer.my_user_id().await;
    assert_eq!(t.viewer.call("remove_member", &[("workspace", &t.ws), ("member", &viewer_id)]).await.status, StatusCode::OK);
    assert_eq!(t.viewer.call("list_members", &[("workspace", &t.ws)]).await.status, StatusCode::NOT_FOUND);
    let (status, _) = t.viewer.get(&format!("/w/{}", t.ws)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn invitations_are_single_use_bound_to_their_email_and_revocable(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let token = owner.invite(&ws, "new@example.com", "member").await;
    // Someone else cannot use a forwarded link.
    let other = app.user("Mallory", "mallory@example.com").await;
    assert_eq!(other.call("accept_invitation", &[("token", &token)]).await.status, StatusCode::FORBIDDEN);
    // Not logged in: must log in first.
    assert_eq!(app.browser().call("accept_invitation", &[("token", &token)]).await.status, StatusCode::UNAUTHORIZED);
    let invitee = app.user("Nina", "new@example.com").await;
    let preview = invitee.call("preview_invitation", &[("token", &token)]).await;
    assert_eq!(preview.body["workspace_name"], "Acme");
    assert_eq!(preview.body["role"], "member");
    invitee.accept(&token).await;
    assert_eq!(invitee.call("accept_invitation", &[("token", &token)]).await.status, StatusCode::CONFLICT);
    // Revoked invitations cannot be accepted.
    let token2 = owner.invite(&ws, "later@example.com", "viewer").await;
    let list = owner.call("list_invitations", &[("workspace", &ws)]).await;
    let id = list.body.as_array().unwrap().iter().find(|i| i["email"] == "later@example.com").unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(owner.call("revoke_invitation", &[("workspace", &ws), ("invitation", &id)]).await.status, StatusCode::OK);
    let later = app.user("Lee", "later@example.com").await;
    let r = later.call("accept_invitation", &[("token", &token2)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.message().contains("revoked"));
    // A made-up token is simply not found.
    assert_eq!(later.call("accept_invitation", &[("token", "deadbeef")]).await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_state_change_leaves_an_audit_row_with_before_and_after(pool: PgPool) {
    let app = spawn_app(pool).await;
    let t = team(&app).await;
    t.owner.call("rename_workspace", &[("workspace", &t.ws), ("name", "Acme Two")]).await;
    t.owner.call("change_role", &[("workspace", &t.ws), ("member", &t.spare_id), ("role", "viewer")]).await;
    let log = t.owner.call("audit_log", &[("workspace", &t.ws)]).await;
    let entries = log.body.as_array().unwrap();
    let find = |a: &str| entries.iter().find(|e| e["action"] == a).unwrap_or_else(|| panic!("no {a} in {entries:?}")).clone();
    let rename = find("workspace.rename");
    assert_eq!(rename["before"]["name"], "Acme Agency");
    assert_eq!(rename["after"]["name"], "Acme Two");
    assert_eq!(rename["actor"], "Olive Owner");
    let change = find("member.change_role");
    assert_eq!(change["before"]["role"], "member");
    assert_eq!(change["after"]["role"], "viewer");
    find("workspace.create");
    find("invitation.create");
    find("invitation.accept");
}
