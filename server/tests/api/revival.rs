//! Revival enrolment and reply corrections through their server functions: a member enrols the
//! revival candidates of the Leads page's filter with new copy and reads "N enrolled, M skipped:
//! reasons"; a viewer gets 403 and another workspace 404 with nothing written. A reply read as an
//! unsubscribe and moved to "interested" keeps its opt-out until the person confirms.

use crate::support::*;
use domain::ids::{UserId, WorkspaceId};
use domain::lead_status::Signal;
use engine::flows::replies::{IncomingReply, RecordOutcome};
use reqwest::StatusCode;
use sqlx::PgPool;

/// An owner whose campaign Q1 wrote (in shadow mode) to Ann and Bo, who were then flagged as
/// revival candidates after the cadence ended.
async fn candidates(app: &TestApp) -> (Browser, String, WorkspaceId, UserId) {
    let owner = app.user("Olive", "olive@example.com").await;
    let ws_raw = owner.workspace("Northwind").await;
    let user = UserId(owner.my_user_id().await.parse().unwrap());
    let ws = WorkspaceId(ws_raw.parse().unwrap());
    shadow_campaign(app, user, ws, &[("Ann", "ann@harbour.com.au"), ("Bo", "bo@harbour.com.au")], None).await;
    sqlx::query("update campaign_leads set state = 'finished', exit_reason = 'cadence finished', exited_at = now() where client_id = $1").bind(ws.0).execute(&app.pool).await.unwrap();
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar("select id from leads where client_id = $1").bind(ws.0).fetch_all(&app.pool).await.unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    let moved = engine::flows::signals::apply_many(&mut tx, ws, &ids, None, Signal::RevivalFlagged, "last touched 30–120 days ago", chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(moved.len(), 2);
    (owner, ws_raw, ws, user)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_enrols_revival_candidates_with_new_copy_and_reads_what_was_skipped(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, ws, wsid, _) = candidates(&app).await;
    // Bo opted out by domain since: skipped, and said so.
    sqlx::query("insert into suppressions (client_id, address, reason, source, kind) values ($1, 'bo@harbour.com.au', 'unsubscribed', 'link', 'email')").bind(wsid.0).execute(&app.pool).await.unwrap();
    let created = owner.create_campaign(&ws, &crate::campaigns::ready_form("Revival")).await;
    assert_eq!(created.status, StatusCode::OK, "{:?}", created.body);
    let r = created.body.as_str().unwrap().to_string();
    let filter = [("query[status]", "revival_candidate")];

    let token = owner.invite(&ws, "vera@example.com", "viewer").await;
    let viewer = app.user("Vera", "vera@example.com").await;
    viewer.accept(&token).await;
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![("workspace", ws.as_str()), ("campaign", r.as_str())];
        f.extend_from_slice(extra);
        f
    };
    assert_eq!(viewer.call("enroll_revival", &form(&filter)).await.status, StatusCode::FORBIDDEN);

    let token = owner.invite(&ws, "max@example.com", "member").await;
    let member = app.user("Max", "max@example.com").await;
    member.accept(&token).await;
    let res = member.call("enroll_revival", &form(&filter)).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert_eq!(res.body["enrolled"], 1);
    assert_eq!(res.body["skipped"], serde_json::json!([["suppressed", 1]]));
    let revived: i64 = sqlx::query_scalar("select count(*) from campaign_leads where client_id = $1 and revival").bind(wsid.0).fetch_one(&app.pool).await.unwrap();
    assert_eq!(revived, 1);

    // Another workspace: 404, nothing written. Bad filter: 422.
    let stranger = app.user("Sol", "sol@example.com").await;
    stranger.workspace("Elsewhere").await;
    assert_eq!(stranger.call("enroll_revival", &form(&filter)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(member.call("enroll_revival", &form(&[("query[status]", "sleepy")])).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revived: i64 = sqlx::query_scalar("select count(*) from campaign_leads where client_id = $1 and revival").bind(wsid.0).fetch_one(&app.pool).await.unwrap();
    assert_eq!(revived, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_unsubscribe_moved_to_interested_keeps_the_opt_out_until_the_person_confirms(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "olive@example.com").await;
    let ws = owner.workspace("Northwind").await;
    let user = UserId(owner.my_user_id().await.parse().unwrap());
    let wsid = WorkspaceId(ws.parse().unwrap());
    shadow_campaign(&app, user, wsid, &[("Ann", "ann@harbour.com.au")], None).await;
    let parent: String = sqlx::query_scalar("select message_id from outbox where client_id = $1").bind(wsid.0).fetch_one(&app.pool).await.unwrap();
    let r = IncomingReply {
        source: "imap".into(),
        mailbox: None,
        message_id: "<u1@harbour.com.au>".into(),
        in_reply_to: Some(parent.clone()),
        references: vec![parent],
        from: "ann@harbour.com.au".into(),
        subject: "Re: freight".into(),
        text: "Please remove me from your list.".into(),
        received_at: chrono::Utc::now(),
        raw_headers: vec![],
    };
    let RecordOutcome::Recorded { reply, .. } = engine::flows::replies::record(&app.engine, wsid, r).await.unwrap() else { panic!("not recorded") };
    let reply = reply.to_string();
    let suppressed = || async { engine::store::suppressions::is_suppressed(&app.pool, wsid, "ann@harbour.com.au").await.unwrap() };
    assert!(suppressed().await);

    let base = [("workspace", ws.as_str()), ("reply", reply.as_str()), ("class", "interested")];
    let res = owner.call("reclassify_reply", &base).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert_eq!((res.body["from"].as_str(), res.body["to"].as_str()), (Some("unsubscribe"), Some("interested")));
    assert!(res.body["confirm_lift"].as_str().is_some_and(|q| q.contains("did not ask to be removed")), "{:?}", res.body);
    assert!(suppressed().await);

    let mut lift = base.to_vec();
    lift.push(("lift_opt_out", "true"));
    let res = owner.call("reclassify_reply", &lift).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    assert!(res.body["confirm_lift"].is_null());
    assert!(!suppressed().await);
    let status: String = sqlx::query_scalar("select status from leads where client_id = $1").bind(wsid.0).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "replied");
}
