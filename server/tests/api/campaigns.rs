//! Campaign and approval-queue server functions over HTTP: members work, viewers read only,
//! strangers find nothing, bad input is refused with nothing changed.

use crate::support::*;
use app::api::campaigns::CampaignForm;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;

impl Browser {
    /// Calls a server function that takes JSON (the campaign editor's).
    pub(crate) async fn call_json(&self, endpoint: &str, body: &Value) -> Reply {
        let resp = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .header("x-forwarded-for", &self.ip)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        Reply { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), location: None }
    }

    pub(crate) async fn create_campaign(&self, ws: &str, form: &CampaignForm) -> Reply {
        self.call_json("create_campaign", &json!({ "workspace": ws, "form": form })).await
    }
}

pub(crate) fn ready_form(name: &str) -> CampaignForm {
    let mut f = CampaignForm::new_default();
    f.name = name.into();
    f.sender_name = "Sam Carter".into();
    f.sender_company = "Northwind Growth".into();
    f.physical_address = "1 George St, Sydney NSW 2000".into();
    f
}

/// `n` scored leads with everything a template needs.
async fn seed_leads(pool: &PgPool, ws: &str, n: usize) {
    let ws: uuid::Uuid = ws.parse().unwrap();
    for i in 0..n {
        sqlx::query(
            "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry,
                                location, employee_count, status, als, tier)
             values ($1, 'csv', $2, $3, 'Nguyen', 'Managing Director', $4, 'example.com.au', 'Logistics', 'Adelaide SA', 40,
                     'scored', 80, 'hot')",
        )
        .bind(ws)
        .bind(format!("lead{i}@client{i}.com.au"))
        .bind(format!("Ann{i}"))
        .bind(format!("Harbour Freight {i}"))
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Waits for the drafting started by activation or enrolment to fill the queue.
async fn queue_with(b: &Browser, ws: &str, at_least: usize) -> Value {
    for _ in 0..200 {
        let r = b.call("approval_queue", &[("workspace", ws)]).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        if r.body["pending"].as_u64().unwrap() as usize >= at_least {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the queue never held {at_least} drafts");
}

/// An owner's workspace with an active campaign of `leads` enrolled leads and their drafts.
async fn active(app: &TestApp, leads: usize) -> (Browser, String, String, Value) {
    let b = app.user("Olive", "olive@example.com").await;
    let ws = b.workspace("Northwind").await;
    seed_leads(&app.pool, &ws, leads).await;
    let r = b.create_campaign(&ws, &ready_form("Q1 logistics")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let id = r.body.as_str().unwrap().to_string();
    let r = b.call("set_campaign_status", &[("workspace", &ws), ("campaign", &id), ("status", "active")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = b.call("enroll_leads", &[("workspace", &ws), ("campaign", &id)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, leads as u64);
    let queue = queue_with(&b, &ws, leads).await;
    (b, ws, id, queue)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_member_creates_edits_activates_enrols_and_works_the_queue(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (b, ws, id, queue) = active(&app, 4).await;

    // The list and the editor read back what was saved: the default 8 steps.
    let list = b.call("list_campaigns", &[("workspace", &ws)]).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body[0]["status"], "active");
    assert_eq!(list.body[0]["leads"], 4);
    let got = b.call("get_campaign", &[("workspace", &ws), ("campaign", &id)]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["form"]["steps"].as_array().unwrap().len(), 8);
    assert_eq!(got.body["form"]["days"], json!(["mon", "tue", "wed", "thu", "fri"]));

    // Editing: rename, drop the LinkedIn steps, reorder nothing, send Mon–Sat 9–17.
    let mut form: CampaignForm = serde_json::from_value(got.body["form"].clone()).unwrap();
    form.name = "Q1 logistics, email only".into();
    form.channels = vec!["email".into()];
    form.steps.retain(|s| s.channel == "email");
    form.days.push("sat".into());
    form.start_hour = 9;
    form.end_hour = 17;
    let r = b.call_json("update_campaign", &json!({ "workspace": ws, "campaign": id, "form": form })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let got = b.call("get_campaign", &[("workspace", &ws), ("campaign", &id)]).await;
    assert_eq!(got.body["form"]["name"], "Q1 logistics, email only");
    assert_eq!(got.body["form"]["steps"].as_array().unwrap().len(), 5);
    assert_eq!(got.body["form"]["start_hour"], 9);

    // The queue: one draft per lead, with what the reviewer needs to judge it.
    assert_eq!(queue["pending"], 4);
    let drafts = queue["drafts"].as_array().unwrap();
    let d0 = &drafts[0];
    assert_eq!(d0["step"], 1);
    assert_ne!(d0["subject_a"], d0["subject_b"]);
    assert!(d0["body"].as_str().unwrap().contains(d0["company"].as_str().unwrap()), "personalised: {}", d0["body"]);

    // Approve one as seen.
    let r = b.call("approve_draft", &[("workspace", &ws), ("draft", d0["id"].as_str().unwrap()), ("hash", d0["content_hash"].as_str().unwrap())]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(app.count("outbox").await, 1);

    // Reject one with a reason: remembered for the lead.
    let d1 = &drafts[1];
    let r = b.call("reject_draft", &[("workspace", &ws), ("draft", d1["id"].as_str().unwrap()), ("reason", "Too generic for a CEO")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(app.count("rejections").await, 1);

    // Edit then approve: the edited text is what is approved, the original kept for the diff.
    let d2 = &drafts[2];
    let r = b
        .call(
            "edit_approve_draft",
            &[
                ("workspace", &ws),
                ("draft", d2["id"].as_str().unwrap()),
                ("hash", d2["content_hash"].as_str().unwrap()),
                ("subject_a", "Quick question, Ann2"),
                ("subject_b", "Freight at Harbour Freight 2"),
                ("body", "Hi Ann2,\n\nA shorter note.\n\nSam"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let (body, edited_from): (String, Option<Value>) =
        sqlx::query_as("select body, edited_from from drafts where id = $1").bind(d2["id"].as_str().unwrap().parse::<uuid::Uuid>().unwrap()).fetch_one(&app.pool).await.unwrap();
    assert_eq!(body, "Hi Ann2,\n\nA shorter note.\n\nSam");
    assert_eq!(edited_from.unwrap()["body"], d2["body"]);

    // Bulk: freeze what is pending (the last draft, plus the rejected lead's new draft), then
    // execute once; a second execution is refused.
    let queue = b.call("approval_queue", &[("workspace", &ws)]).await.body;
    let pending = queue["pending"].as_i64().unwrap();
    assert!(pending >= 1);
    let frozen = b.call("freeze_batch", &[("workspace", &ws)]).await;
    assert_eq!(frozen.status, StatusCode::OK, "{:?}", frozen.body);
    assert_eq!(frozen.body["drafts"], pending);
    let batch = frozen.body["batch"].as_str().unwrap().to_string();
    let done = b.call("execute_batch", &[("workspace", &ws), ("batch", &batch)]).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["approved"], pending);
    assert_eq!(done.body["stale"], 0);
    let again = b.call("execute_batch", &[("workspace", &ws), ("batch", &batch)]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(b.call("pending_count", &[("workspace", &ws)]).await.body, 0);

    // Pausing and resuming, then archiving.
    for (to, now) in [("paused", "paused"), ("resume", "active"), ("archived", "archived")] {
        let r = b.call("set_campaign_status", &[("workspace", &ws), ("campaign", &id), ("status", to)]).await;
        assert_eq!(r.status, StatusCode::OK, "{to}: {:?}", r.body);
        assert_eq!(r.body, now);
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_selection_is_bulk_approved_and_a_draft_edited_after_freezing_is_left_out(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (b, ws, _id, queue) = active(&app, 3).await;
    let drafts = queue["drafts"].as_array().unwrap();
    let ids = format!("{},{}", drafts[0]["id"].as_str().unwrap(), drafts[1]["id"].as_str().unwrap());
    let frozen = b.call("freeze_batch", &[("workspace", &ws), ("drafts", &ids)]).await;
    assert_eq!(frozen.status, StatusCode::OK, "{:?}", frozen.body);
    assert_eq!(frozen.body["drafts"], 2);
    // The second selected draft is edited (and approved) before the batch is confirmed.
    let d1 = &drafts[1];
    let r = b
        .call(
            "edit_approve_draft",
            &[("workspace", &ws), ("draft", d1["id"].as_str().unwrap()), ("hash", d1["content_hash"].as_str().unwrap()), ("subject_a", "One"), ("subject_b", "Two"), ("body", "Short.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let done = b.call("execute_batch", &[("workspace", &ws), ("batch", frozen.body["batch"].as_str().unwrap())]).await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    assert_eq!(done.body["approved"], 1);
    assert_eq!(done.body["stale"], 1);
    // The unselected draft still waits.
    let left = b.call("approval_queue", &[("workspace", &ws)]).await.body;
    assert_eq!(left["drafts"][0]["id"], drafts[2]["id"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_queue_pages_by_keyset_cursor(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (b, ws, _id, _) = active(&app, 30).await;
    let first = queue_with(&b, &ws, 30).await;
    assert_eq!(first["drafts"].as_array().unwrap().len(), 25, "a page never holds more than 25");
    assert_eq!(first["pending"], 30);
    let next = first["next"].as_str().expect("a cursor for the rest").to_string();
    let second = b.call("approval_queue", &[("workspace", &ws), ("after", &next)]).await;
    assert_eq!(second.status, StatusCode::OK, "{:?}", second.body);
    let rest = second.body["drafts"].as_array().unwrap();
    assert_eq!(rest.len(), 5);
    assert!(second.body["next"].is_null());
    let firsts: Vec<&Value> = first["drafts"].as_array().unwrap().iter().map(|d| &d["id"]).collect();
    assert!(rest.iter().all(|d| !firsts.contains(&&d["id"])), "no draft on both pages");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_viewer_reads_campaigns_and_the_queue_but_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, ws, id, queue) = active(&app, 2).await;
    let token = owner.invite(&ws, "vera@example.com", "viewer").await;
    let viewer = app.user("Vera", "vera@example.com").await;
    viewer.accept(&token).await;

    assert_eq!(viewer.call("list_campaigns", &[("workspace", &ws)]).await.status, StatusCode::OK);
    assert_eq!(viewer.call("get_campaign", &[("workspace", &ws), ("campaign", &id)]).await.status, StatusCode::OK);
    assert_eq!(viewer.call("approval_queue", &[("workspace", &ws)]).await.status, StatusCode::OK);

    let (campaigns, drafts_pending, outbox, audits) = (app.count("campaigns").await, pending(&app).await, app.count("outbox").await, app.count("audit_log").await);
    let d = &queue["drafts"][0];
    let (did, hash) = (d["id"].as_str().unwrap(), d["content_hash"].as_str().unwrap());
    assert_eq!(viewer.create_campaign(&ws, &ready_form("Mine")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.call_json("update_campaign", &json!({ "workspace": ws, "campaign": id, "form": ready_form("Renamed") })).await.status, StatusCode::FORBIDDEN);
    for (endpoint, form) in [
        ("set_campaign_status", vec![("workspace", ws.as_str()), ("campaign", id.as_str()), ("status", "paused")]),
        ("enroll_leads", vec![("workspace", ws.as_str()), ("campaign", id.as_str())]),
        ("approve_draft", vec![("workspace", ws.as_str()), ("draft", did), ("hash", hash)]),
        ("reject_draft", vec![("workspace", ws.as_str()), ("draft", did), ("reason", "no")]),
        ("edit_approve_draft", vec![("workspace", ws.as_str()), ("draft", did), ("hash", hash), ("subject_a", "a"), ("subject_b", "b"), ("body", "c")]),
        ("freeze_batch", vec![("workspace", ws.as_str())]),
    ] {
        let r = viewer.call(endpoint, &form).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}: {:?}", r.body);
    }
    // A batch the owner froze cannot be executed by the viewer either.
    let frozen = owner.call("freeze_batch", &[("workspace", &ws)]).await;
    let batch = frozen.body["batch"].as_str().unwrap();
    assert_eq!(viewer.call("execute_batch", &[("workspace", &ws), ("batch", batch)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("campaigns").await, campaigns);
    assert_eq!(pending(&app).await, drafts_pending);
    assert_eq!(app.count("outbox").await, outbox);
    assert_eq!(app.count("audit_log").await, audits + 1, "only the owner's freeze was recorded");
}

async fn pending(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from drafts where status = 'pending'").fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspace_cannot_see_or_touch_campaigns_or_drafts(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, ws, id, queue) = active(&app, 2).await;
    let frozen = owner.call("freeze_batch", &[("workspace", &ws)]).await.body;
    let batch = frozen["batch"].as_str().unwrap().to_string();
    let d = &queue["drafts"][0];
    let (did, hash) = (d["id"].as_str().unwrap(), d["content_hash"].as_str().unwrap());

    let eve = app.user("Eve", "eve@example.com").await;
    let own = eve.workspace("Eve's").await;
    // Naming the other workspace: not found, whatever the call.
    for (endpoint, form) in [
        ("list_campaigns", vec![("workspace", ws.as_str())]),
        ("get_campaign", vec![("workspace", ws.as_str()), ("campaign", id.as_str())]),
        ("set_campaign_status", vec![("workspace", ws.as_str()), ("campaign", id.as_str()), ("status", "paused")]),
        ("enroll_leads", vec![("workspace", ws.as_str()), ("campaign", id.as_str())]),
        ("approval_queue", vec![("workspace", ws.as_str())]),
        ("approve_draft", vec![("workspace", ws.as_str()), ("draft", did), ("hash", hash)]),
        ("reject_draft", vec![("workspace", ws.as_str()), ("draft", did), ("reason", "mine now")]),
        ("freeze_batch", vec![("workspace", ws.as_str())]),
        ("execute_batch", vec![("workspace", ws.as_str()), ("batch", batch.as_str())]),
    ] {
        let r = eve.call(endpoint, &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint}: {:?}", r.body);
    }
    assert_eq!(eve.create_campaign(&ws, &ready_form("Mine")).await.status, StatusCode::NOT_FOUND);
    // Naming the other workspace's rows from her own: not found either.
    for (endpoint, form) in [
        ("get_campaign", vec![("workspace", own.as_str()), ("campaign", id.as_str())]),
        ("set_campaign_status", vec![("workspace", own.as_str()), ("campaign", id.as_str()), ("status", "paused")]),
        ("enroll_leads", vec![("workspace", own.as_str()), ("campaign", id.as_str())]),
        ("approve_draft", vec![("workspace", own.as_str()), ("draft", did), ("hash", hash)]),
        ("reject_draft", vec![("workspace", own.as_str()), ("draft", did), ("reason", "mine now")]),
    ] {
        let r = eve.call(endpoint, &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint}: {:?}", r.body);
    }
    // Her own queue and a bulk approval from it never include the other workspace's drafts.
    assert_eq!(eve.call("approval_queue", &[("workspace", &own)]).await.body["pending"], 0);
    let r = eve.call("freeze_batch", &[("workspace", &own), ("drafts", did)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = eve.call("execute_batch", &[("workspace", &own), ("batch", &batch)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert_eq!(pending(&app).await, 2, "nothing of the owner's changed");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn bad_input_is_refused_with_a_clear_message_and_nothing_changes(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (b, ws, id, queue) = active(&app, 1).await;
    let before = (app.count("campaigns").await, app.count("audit_log").await, pending(&app).await);

    let mut cases: Vec<(CampaignForm, &str)> = Vec::new();
    let mut f = ready_form(" ");
    f.name = " ".into();
    cases.push((f, "name"));
    let mut f = ready_form("x");
    f.steps[0].channel = "pigeon".into();
    cases.push((f, "pigeon"));
    let mut f = ready_form("x");
    f.channels = vec!["email".into()];
    cases.push((f, "Step 2"));
    let mut f = ready_form("x");
    f.steps[2].day = 1;
    cases.push((f, "backwards"));
    let mut f = ready_form("x");
    f.days.clear();
    cases.push((f, "sending day"));
    let mut f = ready_form("x");
    f.start_hour = 18;
    f.end_hour = 9;
    cases.push((f, "hours"));
    let mut f = ready_form("x");
    f.time_zone = "Mars/Olympus".into();
    cases.push((f, "Mars/Olympus"));
    let mut f = ready_form("x");
    f.targets = vec![app::api::campaigns::TargetForm { domain: "acme".into(), multiplier: 1.5 }];
    cases.push((f, "acme"));
    let mut f = ready_form("x");
    f.permission_mode = "yolo".into();
    cases.push((f, "yolo"));
    for (form, needle) in cases {
        let r = b.create_campaign(&ws, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{needle}: {:?}", r.body);
        assert!(r.message().contains(needle), "{needle} in {:?}", r.message());
        let r = b.call_json("update_campaign", &json!({ "workspace": ws, "campaign": id, "form": form })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "update {needle}: {:?}", r.body);
    }
    // Not JSON of the right shape: a malformed request.
    let r = b.call_json("create_campaign", &json!({ "workspace": ws, "form": { "name": 7 } })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);

    let r = b.call("set_campaign_status", &[("workspace", &ws), ("campaign", &id), ("status", "bogus")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = b.call("enroll_leads", &[("workspace", &ws), ("campaign", &id), ("query[tier]", "lukewarm")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(r.message().contains("lukewarm"));
    let r = b.call("approval_queue", &[("workspace", &ws), ("after", "yesterday")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let d = &queue["drafts"][0];
    let did = d["id"].as_str().unwrap();
    let r = b.call("reject_draft", &[("workspace", &ws), ("draft", did), ("reason", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(r.message().contains("why"), "{}", r.message());
    let r = b.call("approve_draft", &[("workspace", &ws), ("draft", did), ("hash", "not-what-you-saw")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    let r = b.call("edit_approve_draft", &[("workspace", &ws), ("draft", did), ("hash", d["content_hash"].as_str().unwrap()), ("subject_a", "Same"), ("subject_b", "same"), ("body", "Hi")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = b.call("freeze_batch", &[("workspace", &ws), ("drafts", "not-an-id")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    let r = b.call("execute_batch", &[("workspace", &ws), ("batch", "nope")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    assert_eq!((app.count("campaigns").await, app.count("audit_log").await, pending(&app).await), before, "nothing changed");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn activation_beyond_the_plan_or_without_a_sender_is_refused_with_the_reason(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Olive", "olive@example.com").await;
    let ws = b.workspace("Northwind").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let r = b.create_campaign(&ws, &ready_form(&format!("C{i}"))).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        ids.push(r.body.as_str().unwrap().to_string());
    }
    for id in &ids[..5] {
        let r = b.call("set_campaign_status", &[("workspace", &ws), ("campaign", id), ("status", "active")]).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let r = b.call("set_campaign_status", &[("workspace", &ws), ("campaign", &ids[5]), ("status", "active")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert!(r.message().contains("plan allows 5"), "{}", r.message());

    let mut anon = ready_form("No sender");
    anon.physical_address.clear();
    let id = b.create_campaign(&ws, &anon).await.body.as_str().unwrap().to_string();
    b.call("set_campaign_status", &[("workspace", &ws), ("campaign", &ids[0]), ("status", "paused")]).await;
    let r = b.call("set_campaign_status", &[("workspace", &ws), ("campaign", &id), ("status", "active")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{:?}", r.body);
    assert!(r.message().contains("physical address"), "{}", r.message());
    let list = b.call("list_campaigns", &[("workspace", &ws)]).await.body;
    let active = list.as_array().unwrap().iter().filter(|c| c["status"] == "active").count();
    assert_eq!(active, 4);
}
