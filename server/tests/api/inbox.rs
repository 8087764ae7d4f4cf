//! The Inbox, the lead timeline and the Dashboard through their server functions: replies listed
//! by tab with counts and filters, a conversation opened in full, answered exactly once (through
//! the approval queue, or in autopilot straight into the outbox, threaded under their message),
//! re-classified, archived, snoozed, a meeting marked, a note added; viewers read but never act;
//! another workspace's reply is 404 and nothing changes.

use crate::support::*;
use domain::campaign::PermissionMode;
use domain::ids::{UserId, WorkspaceId};
use engine::flows::replies::{IncomingReply, RecordOutcome};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;

/// A workspace whose campaign (in `mode`) has sent its first touch to Ann and Bo (shadow mode),
/// and each wrote back: Ann interested, Bo out of office. Returns (owner, ws, Ann's reply id,
/// Bo's reply id, the Message-ID of Ann's reply, the Message-ID of our first email to Ann).
struct Scene {
    owner: Browser,
    ws: String,
    ann_reply: String,
    bo_reply: String,
    ann_message: String,
    our_first: String,
    campaign: String,
}

async fn scene(app: &TestApp, mode: Option<PermissionMode>) -> Scene {
    let owner = app.user("Olive", "olive@example.com").await;
    let ws_raw = owner.workspace("Northwind").await;
    let user = UserId(owner.my_user_id().await.parse().unwrap());
    let ws = WorkspaceId(ws_raw.parse().unwrap());
    let e = &app.engine;
    let c = shadow_campaign(app, user, ws, &[("Ann", "ann@harbour.com.au"), ("Bo", "bo@harbour.com.au")], mode).await;
    let sent: Vec<(String, String)> = sqlx::query_as("select to_address, message_id from outbox where client_id = $1 and state = 'shadow' order by to_address")
        .bind(ws.0)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let reply = |from: &str, parent: &str, n: u32, subject: &str, text: &str| IncomingReply {
        source: "imap".into(),
        mailbox: None,
        message_id: format!("<r{n}@harbour.com.au>"),
        in_reply_to: Some(parent.to_string()),
        references: vec![parent.to_string()],
        from: from.into(),
        subject: subject.into(),
        text: text.into(),
        // After our (shadow) sends, which are stamped with the real time.
        received_at: chrono::Utc::now() + chrono::Duration::milliseconds(i64::from(n)),
        raw_headers: vec![],
    };
    let recorded = |o: RecordOutcome| match o {
        RecordOutcome::Recorded { reply, .. } => reply.to_string(),
        other => panic!("not recorded: {other:?}"),
    };
    let ann = engine::flows::replies::record(e, ws, reply("Ann Nguyen <ann@harbour.com.au>", &sent[0].1, 1, "Re: freight", "Yes, this sounds interesting. Tell me more about pricing.")).await.unwrap();
    let bo = engine::flows::replies::record(
        e,
        ws,
        reply("bo@harbour.com.au", &sent[1].1, 2, "Automatic reply: out of office", "I am out of the office on holiday until 2026-12-20 with limited access to email."),
    )
    .await
    .unwrap();
    Scene { owner, ws: ws_raw, ann_reply: recorded(ann), bo_reply: recorded(bo), ann_message: "<r1@harbour.com.au>".into(), our_first: sent[0].1.clone(), campaign: c.to_string() }
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()).collect()
}

fn count(page: &Value, tab: &str) -> i64 {
    page["counts"].as_array().unwrap().iter().find(|c| c["tab"] == tab).unwrap()["count"].as_i64().unwrap()
}

async fn list(b: &Browser, ws: &str, extra: &[(&str, &str)]) -> Value {
    let mut form = vec![("workspace", ws)];
    form.extend(extra.iter().map(|(k, v)| (*k, *v)));
    let r = b.call("inbox_list", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body
}

async fn reply_outbox_rows(app: &TestApp) -> Vec<(String, Option<String>, Vec<String>, String)> {
    sqlx::query_as("select state, in_reply_to, \"references\", body from outbox where kind = 'reply' order by created_at").fetch_all(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn replies_are_listed_by_tab_with_counts_unread_state_and_filters(pool: PgPool) {
    let app = spawn_app(pool).await;
    let s = scene(&app, None).await;
    let b = &s.owner;

    // Needs attention holds Ann's interested reply, unread; out of office holds Bo's.
    let page = list(b, &s.ws, &[]).await;
    assert_eq!(ids(&page), [s.ann_reply.clone()]);
    let ann = &page["items"][0];
    assert_eq!(ann["class"], "interested");
    assert_eq!(ann["unread"], true);
    assert_eq!(ann["lead_name"], "Ann Nguyen");
    assert_eq!(ann["campaign"], "Q1");
    assert_eq!((count(&page, "needs_attention"), count(&page, "out_of_office"), count(&page, "all")), (1, 1, 2));
    assert_eq!(ids(&list(b, &s.ws, &[("query[tab]", "out_of_office")]).await), [s.bo_reply.clone()]);
    // All, newest first (Bo's came later).
    assert_eq!(ids(&list(b, &s.ws, &[("query[tab]", "all")]).await), [s.bo_reply.clone(), s.ann_reply.clone()]);
    assert_eq!(page["campaigns"][0]["label"], "Q1");

    // Filters: search, campaign, dates.
    assert_eq!(ids(&list(b, &s.ws, &[("query[tab]", "all"), ("query[q]", "HOLIDAY")]).await), [s.bo_reply.clone()]);
    assert_eq!(ids(&list(b, &s.ws, &[("query[tab]", "all"), ("query[campaign]", &s.campaign)]).await).len(), 2);
    assert!(ids(&list(b, &s.ws, &[("query[tab]", "all"), ("query[campaign]", &uuid::Uuid::new_v4().to_string())]).await).is_empty());
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive().to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive().to_string();
    assert!(ids(&list(b, &s.ws, &[("query[tab]", "all"), ("query[since]", &tomorrow)]).await).is_empty());
    assert_eq!(ids(&list(b, &s.ws, &[("query[tab]", "all"), ("query[since]", &yesterday), ("query[until]", &today)]).await).len(), 2);

    // Bad input: a clear 422.
    for (k, v, says) in [("query[tab]", "spam", "needs_attention"), ("query[since]", "yesterday", "date"), ("query[after]", "garbage", "position")] {
        let r = b.call("inbox_list", &[("workspace", &s.ws), (k, v)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{k}={v}");
        assert!(r.message().contains(says), "{}", r.message());
    }
    let r = b.call("inbox_list", &[("workspace", &s.ws), ("query[since]", &tomorrow), ("query[until]", &today)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The sidebar's number.
    assert_eq!(b.call("inbox_attention", &[("workspace", &s.ws)]).await.body, 1);

    // Opening shows the whole thread oldest first (our email, then hers) beside the lead; it
    // marks the reply read.
    let r = b.call("open_conversation", &[("workspace", &s.ws), ("reply", &s.ann_reply)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let thread = r.body["thread"].as_array().unwrap();
    let dirs: Vec<bool> = thread.iter().map(|t| t["inbound"].as_bool().unwrap()).collect();
    assert_eq!(dirs, [false, true], "{thread:?}");
    assert!(thread[1]["body"].as_str().unwrap().contains("pricing"));
    assert_eq!(r.body["lead"]["company"], "Harbour Freight");
    assert_eq!(r.body["answer_blocked"], Value::Null);
    assert_eq!(list(b, &s.ws, &[]).await["items"][0]["unread"], false);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn in_autopilot_an_answer_goes_to_the_outbox_once_threaded_under_their_message(pool: PgPool) {
    let app = spawn_app(pool).await;
    let s = scene(&app, Some(PermissionMode::Autopilot)).await;
    let b = &s.owner;
    let form = [("workspace", s.ws.as_str()), ("reply", s.ann_reply.as_str()), ("body", "Hi Ann,\n\nHappy to: pricing starts at A$2,000 a month."), ("key", "answer-key-0001")];

    // A double submit with one key: one answer.
    let (one, two) = tokio::join!(b.call("answer_reply", &form), b.call("answer_reply", &form));
    assert_eq!(one.status, StatusCode::OK, "{:?}", one.body);
    assert_eq!(two.status, StatusCode::OK, "{:?}", two.body);
    assert_eq!(one.body["outcome"], "queued");
    assert_eq!(one.body, two.body);
    let rows = reply_outbox_rows(&app).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (state, in_reply_to, references, body) = &rows[0];
    assert_eq!(state, "pending");
    assert_eq!(in_reply_to.as_deref(), Some(s.ann_message.as_str()), "threaded under her message");
    assert!(references.contains(&s.our_first) && references.last() == Some(&s.ann_message), "{references:?}");
    assert!(body.contains("A$2,000"));

    // Another answer to the same message (a new key) is refused: one is on its way.
    let again = b.call("answer_reply", &[("workspace", &s.ws), ("reply", &s.ann_reply), ("body", "And another thing"), ("key", "answer-key-0002")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    assert_eq!(reply_outbox_rows(&app).await.len(), 1);

    // Dispatch sends it with every check (shadow mode here), in the thread, as "Re: …".
    let report = dispatch_shadow(&app, WorkspaceId(s.ws.parse().unwrap())).await;
    assert_eq!(report.shadow, 1, "{report:?}");
    let (subject, state): (String, String) = sqlx::query_as("select subject, state from outbox where kind = 'reply'").fetch_one(&app.pool).await.unwrap();
    assert_eq!((subject.as_str(), state.as_str()), ("Re: freight", "shadow"));

    // Bad input changes nothing.
    for (body, key) in [("   ", "answer-key-0003"), ("Fine", "short")] {
        let r = b.call("answer_reply", &[("workspace", &s.ws), ("reply", &s.bo_reply), ("body", body), ("key", key)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    }
    assert_eq!(reply_outbox_rows(&app).await.len(), 1);

    // The timeline shows the answer with its text, who wrote it, and the reply before it.
    let lead: String = sqlx::query_scalar("select lead_id::text from replies where id = $1").bind(s.ann_reply.parse::<uuid::Uuid>().unwrap()).fetch_one(&app.pool).await.unwrap();
    let t = b.call("lead_timeline", &[("workspace", &s.ws), ("lead", &lead)]).await;
    assert_eq!(t.status, StatusCode::OK);
    let kinds: Vec<&str> = t.body["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["sent", "replied", "approved"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let answer = t.body["entries"].as_array().unwrap().iter().find(|e| e["summary"].as_str().unwrap().contains("Answer written")).unwrap();
    assert_eq!(answer["actor"], "Olive");
    assert!(answer["text"].as_str().unwrap().contains("A$2,000"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn in_co_pilot_the_answer_replaces_the_suggestion_and_waits_for_approval(pool: PgPool) {
    let app = spawn_app(pool).await;
    let s = scene(&app, None).await;
    let b = &s.owner;
    // The intake suggested an answer for the interested reply.
    let suggested: i64 = sqlx::query_scalar("select count(*) from drafts where kind = 'reply' and status = 'pending'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(suggested, 1);

    let r = b.call("answer_reply", &[("workspace", &s.ws), ("reply", &s.ann_reply), ("body", "Hi Ann, here is our pricing sheet."), ("key", "copilot-key-1")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["outcome"], "awaiting_approval");
    assert!(reply_outbox_rows(&app).await.is_empty(), "nothing goes out before approval");
    let drafts: Vec<(String, String)> = sqlx::query_as("select status, body from drafts where kind = 'reply'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(drafts, [("pending".to_string(), "Hi Ann, here is our pricing sheet.".to_string())], "the suggestion became the person's answer");

    // Approved in the queue, it enters the outbox once, threaded.
    let q = b.call("approval_queue", &[("workspace", &s.ws)]).await;
    let d = q.body["drafts"].as_array().unwrap().iter().find(|d| d["body"].as_str().unwrap().contains("pricing sheet")).expect("in the queue").clone();
    let r = b.call("approve_draft", &[("workspace", &s.ws), ("draft", d["id"].as_str().unwrap()), ("hash", d["content_hash"].as_str().unwrap())]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let rows = reply_outbox_rows(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.as_deref(), Some(s.ann_message.as_str()));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_reclassifies_archives_snoozes_marks_a_meeting_and_notes_and_the_dashboard_follows(pool: PgPool) {
    let app = spawn_app(pool).await;
    let s = scene(&app, None).await;
    let b = &s.owner;
    let numbers = |v: Value| (v["replies_attention"].as_i64().unwrap(), v["meetings_this_week"].as_i64().unwrap());
    let form = [("workspace", s.ws.as_str())];
    let dash = || b.call("dashboard_counts", &form);
    assert_eq!(numbers(dash().await.body), (1, 0));

    // Re-classify Bo's out-of-office as interested: it moves tabs, and the correction is kept.
    let r = b.call("reclassify_reply", &[("workspace", &s.ws), ("reply", &s.bo_reply), ("class", "interested")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let page = list(b, &s.ws, &[]).await;
    assert_eq!(count(&page, "needs_attention"), 2);
    assert_eq!(count(&page, "out_of_office"), 0);
    let bo = page["items"].as_array().unwrap().iter().find(|i| i["id"] == s.bo_reply.as_str()).unwrap().clone();
    assert_eq!(bo["classified_by"], "user");
    assert_eq!(numbers(dash().await.body).0, 2, "the Dashboard counts it");
    for bad in ["unclassified", "spam", ""] {
        let r = b.call("reclassify_reply", &[("workspace", &s.ws), ("reply", &s.bo_reply), ("class", bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }

    // Archive Bo's: gone from every tab's count.
    assert_eq!(b.call("archive_reply", &[("workspace", &s.ws), ("reply", &s.bo_reply)]).await.status, StatusCode::OK);
    let page = list(b, &s.ws, &[("query[tab]", "all")]).await;
    assert_eq!(ids(&page), [s.ann_reply.clone()]);
    assert_eq!(numbers(dash().await.body).0, 1);

    // Snooze Ann's for two days: hidden until then.
    assert_eq!(b.call("snooze_reply", &[("workspace", &s.ws), ("reply", &s.ann_reply), ("until", "yesterday")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b.call("snooze_reply", &[("workspace", &s.ws), ("reply", &s.ann_reply), ("until", "2")]).await.status, StatusCode::OK);
    assert!(ids(&list(b, &s.ws, &[("query[tab]", "all")]).await).is_empty());
    assert_eq!(b.call("inbox_attention", &[("workspace", &s.ws)]).await.body, 0);
    assert_eq!(numbers(dash().await.body).0, 0);
    let until: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select snoozed_until from replies where id = $1").bind(s.ann_reply.parse::<uuid::Uuid>().unwrap()).fetch_one(&app.pool).await.unwrap();
    assert_eq!(until.date_naive(), chrono::Utc::now().date_naive() + chrono::Duration::days(2));

    // A meeting booked from Ann's reply: once, the lead converted, the Dashboard counts it.
    let r = b.call("reply_meeting_booked", &[("workspace", &s.ws), ("reply", &s.ann_reply)]).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, Value::Bool(true)), "{:?}", r.body);
    assert_eq!(b.call("reply_meeting_booked", &[("workspace", &s.ws), ("reply", &s.ann_reply)]).await.body, false);
    let status: String = sqlx::query_scalar("select l.status from leads l join replies r on r.lead_id = l.id where r.id = $1").bind(s.ann_reply.parse::<uuid::Uuid>().unwrap()).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "converted");
    assert_eq!(numbers(dash().await.body).1, 1);

    // Notes: on the timeline at once, newest first; the timeline pages ("Load older").
    let lead: String = sqlx::query_scalar("select lead_id::text from replies where id = $1").bind(s.ann_reply.parse::<uuid::Uuid>().unwrap()).fetch_one(&app.pool).await.unwrap();
    for i in 0..32 {
        let r = b.call("add_note", &[("workspace", &s.ws), ("lead", &lead), ("text", &format!("Called, left voicemail #{i}"))]).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        assert_eq!(r.body["kind"], "note");
    }
    assert_eq!(b.call("add_note", &[("workspace", &s.ws), ("lead", &lead), ("text", "  ")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let first = b.call("lead_timeline", &[("workspace", &s.ws), ("lead", &lead)]).await.body;
    let entries = first["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 30);
    assert_eq!(entries[0]["text"], "Called, left voicemail #31");
    let older = first["older"].as_str().expect("more to load");
    let second = b.call("lead_timeline", &[("workspace", &s.ws), ("lead", &lead), ("before", older)]).await.body;
    let kinds: Vec<&str> = second["entries"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"meeting_booked") && kinds.contains(&"replied") && kinds.contains(&"sent"), "{kinds:?}");
    let all_ids: std::collections::HashSet<&str> = entries.iter().chain(second["entries"].as_array().unwrap()).map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(all_ids.len(), 30 + kinds.len(), "no entry twice across pages");

    // The workspace feed: newest first, at most 20.
    let feed = b.call("activity_feed", &[("workspace", &s.ws)]).await.body;
    assert_eq!(feed.as_array().unwrap().len(), 20);
    assert_eq!(feed[0]["lead_name"], "Ann Nguyen");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn viewers_read_but_never_act_and_another_workspaces_reply_is_not_found(pool: PgPool) {
    let app = spawn_app(pool).await;
    let s = scene(&app, None).await;
    let viewer = app.user("Vic", "vic@example.com").await;
    let token = s.owner.invite(&s.ws, "vic@example.com", "viewer").await;
    viewer.accept(&token).await;
    let lead: String = sqlx::query_scalar("select lead_id::text from replies where id = $1").bind(s.ann_reply.parse::<uuid::Uuid>().unwrap()).fetch_one(&app.pool).await.unwrap();

    // Viewers read: the list, the conversation (without marking it read), the timeline, the Dashboard.
    assert_eq!(list(&viewer, &s.ws, &[]).await["items"].as_array().unwrap().len(), 1);
    assert_eq!(viewer.call("open_conversation", &[("workspace", &s.ws), ("reply", &s.ann_reply)]).await.status, StatusCode::OK);
    assert_eq!(list(&viewer, &s.ws, &[]).await["items"][0]["unread"], true);
    assert_eq!(viewer.call("lead_timeline", &[("workspace", &s.ws), ("lead", &lead)]).await.status, StatusCode::OK);
    assert_eq!(viewer.call("dashboard_counts", &[("workspace", &s.ws)]).await.status, StatusCode::OK);

    let snapshot = || async {
        let replies: Vec<(String, Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>)> =
            sqlx::query_as("select intent, archived_at, snoozed_until from replies order by id").fetch_all(&app.pool).await.unwrap();
        let counts: (i64, i64, i64, i64) = sqlx::query_as(
            "select (select count(*) from outbox), (select count(*) from drafts), (select count(*) from meetings), (select count(*) from activities where kind = 'note')",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap();
        format!("{replies:?} {counts:?}")
    };
    let before = snapshot().await;
    let acts = |ws: &str, reply: &str| -> Vec<(&'static str, Vec<(String, String)>)> {
        let p = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        vec![
            ("answer_reply", p(&[("workspace", ws), ("reply", reply), ("body", "Hello"), ("key", "viewer-key-1")])),
            ("reclassify_reply", p(&[("workspace", ws), ("reply", reply), ("class", "not_interested")])),
            ("archive_reply", p(&[("workspace", ws), ("reply", reply)])),
            ("snooze_reply", p(&[("workspace", ws), ("reply", reply), ("until", "3")])),
            ("reply_meeting_booked", p(&[("workspace", ws), ("reply", reply)])),
        ]
    };
    for (endpoint, form) in acts(&s.ws, &s.ann_reply) {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(viewer.call(endpoint, &form).await.status, StatusCode::FORBIDDEN, "{endpoint}");
    }
    assert_eq!(viewer.call("add_note", &[("workspace", &s.ws), ("lead", &lead), ("text", "hi")]).await.status, StatusCode::FORBIDDEN);

    // A member of another workspace, naming this workspace's reply and lead under their own
    // workspace: not found, whatever they try.
    let stranger = app.user("Sly", "sly@example.com").await;
    let theirs = stranger.workspace("Elsewhere").await;
    for (endpoint, form) in acts(&theirs, &s.ann_reply) {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(stranger.call(endpoint, &form).await.status, StatusCode::NOT_FOUND, "{endpoint}");
    }
    assert_eq!(stranger.call("open_conversation", &[("workspace", &theirs), ("reply", &s.ann_reply)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("lead_timeline", &[("workspace", &theirs), ("lead", &lead)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("add_note", &[("workspace", &theirs), ("lead", &lead), ("text", "hi")]).await.status, StatusCode::NOT_FOUND);
    assert!(list(&stranger, &theirs, &[("query[tab]", "all")]).await["items"].as_array().unwrap().is_empty());
    // …and under this workspace they are not a member.
    assert_eq!(stranger.call("inbox_list", &[("workspace", &s.ws)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("archive_reply", &[("workspace", &s.ws), ("reply", &s.ann_reply)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(snapshot().await, before, "nothing changed");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_inbox_and_dashboard_pages_are_served(pool: PgPool) {
    let app = spawn_app(pool).await;
    let s = scene(&app, None).await;
    for (path, title) in [(format!("/w/{}/inbox", s.ws), "<title>Inbox"), (format!("/w/{}", s.ws), "<title>Dashboard")] {
        let (status, html) = s.owner.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(html.contains(title), "{path}: {html}");
    }
    let stranger = app.user("Sly", "sly@example.com").await;
    assert_eq!(stranger.get(&format!("/w/{}/inbox", s.ws)).await.0, StatusCode::NOT_FOUND);
}
