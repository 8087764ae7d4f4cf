//! The REST API (`/api/v1`) with workspace API keys: who may create keys, what a key may read
//! and write, and how every kind of bad request is answered.

use crate::support::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

/// A REST client: no cookie jar, only the key it is given.
struct Api {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

struct Answer {
    status: StatusCode,
    body: Value,
}

impl Api {
    fn new(app: &TestApp, key: Option<&str>) -> Api {
        Api { http: reqwest::Client::new(), base: app.base.clone(), key: key.map(String::from) }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.key {
            Some(k) => req.header("authorization", format!("Bearer {k}")),
            None => req,
        }
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status();
        let text = resp.text().await.unwrap();
        Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
    }

    async fn get(&self, path: &str) -> Answer {
        Self::answer(self.auth(self.http.get(format!("{}/api/v1{path}", self.base))).send().await.unwrap()).await
    }

    async fn post(&self, body: &Value) -> Answer {
        self.post_to("/leads", body).await
    }

    async fn post_to(&self, path: &str, body: &Value) -> Answer {
        let req = self.http.post(format!("{}/api/v1{path}", self.base)).json(body);
        Self::answer(self.auth(req).send().await.unwrap()).await
    }

    async fn post_empty(&self, path: &str) -> Answer {
        Self::answer(self.auth(self.http.post(format!("{}/api/v1{path}", self.base))).send().await.unwrap()).await
    }

    async fn post_raw(&self, content_type: &str, body: Vec<u8>) -> Answer {
        let req = self.http.post(format!("{}/api/v1/leads", self.base)).header("content-type", content_type).body(body);
        Self::answer(self.auth(req).send().await.unwrap()).await
    }
}

/// Creates a key as `who` and returns the full key and its id.
async fn new_key(who: &Browser, ws: &str, name: &str) -> (String, String) {
    let r = who.call("create_api_key", &[("workspace", ws), ("name", name)]).await;
    assert_eq!(r.status, StatusCode::OK, "create_api_key: {:?}", r.body);
    (r.body["key"].as_str().unwrap().to_string(), r.body["view"]["id"].as_str().unwrap().to_string())
}

fn ann() -> Value {
    json!({"email": "ann.lee@acme.com.au", "first_name": "Ann", "last_name": "Lee", "company": "Acme", "employee_count": 45})
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn owners_and_admins_create_keys_and_members_and_viewers_are_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let mut by_role = Vec::new();
    for role in ["admin", "member", "viewer"] {
        let email = format!("{role}@example.com");
        let token = owner.invite(&ws, &email, role).await;
        let b = app.user(role, &email).await;
        b.accept(&token).await;
        by_role.push((role, b));
    }
    new_key(&owner, &ws, "Owner's key").await;
    for (role, b) in &by_role {
        let r = b.call("create_api_key", &[("workspace", &ws), ("name", "mine")]).await;
        let list = b.call("list_api_keys", &[("workspace", &ws)]).await;
        if *role == "admin" {
            assert_eq!(r.status, StatusCode::OK, "{role}: {:?}", r.body);
            assert_eq!(list.status, StatusCode::OK);
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} create: {:?}", r.body);
            assert_eq!(list.status, StatusCode::FORBIDDEN, "{role} list");
        }
    }
    let keys = owner.call("list_api_keys", &[("workspace", &ws)]).await;
    assert_eq!(keys.body.as_array().unwrap().len(), 2);
    let audit = owner.call("audit_log", &[("workspace", &ws)]).await;
    assert_eq!(audit.body.as_array().unwrap().iter().filter(|a| a["action"] == "api_key.create").count(), 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_key_is_shown_once_and_stored_only_as_a_hash(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let (key, id) = new_key(&owner, &ws, "  Zapier ").await;
    assert!(key.starts_with("aos_live_") && key.len() == 9 + 64, "{key}");

    let list = owner.call("list_api_keys", &[("workspace", &ws)]).await;
    let listed = &list.body[0];
    assert_eq!(listed["id"], id.as_str());
    assert_eq!(listed["name"], "Zapier");
    assert_eq!(listed["prefix"], &key[..17]);
    assert_eq!(listed["created_by"], "Olive");
    let text = list.body.to_string();
    assert!(!text.contains(&key[17..]), "the list leaks the secret: {text}");

    let stored: String = sqlx::query_scalar("select key_hash from api_keys").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, engine::flows::api_keys::key_hash(&key));
    let audit: String = sqlx::query_scalar("select after::text from audit_log where action = 'api_key.create'").fetch_one(&app.pool).await.unwrap();
    assert!(!audit.contains(&key[17..]) && !audit.contains(&stored), "audit leaks the key: {audit}");

    let r = owner.call("create_api_key", &[("workspace", &ws), ("name", "   ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn posting_leads_with_a_key_creates_them_counts_duplicates_and_reports_invalid_items(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let (key, key_id) = new_key(&owner, &ws, "CRM").await;
    let api = Api::new(&app, Some(&key));

    let one = api.post(&ann()).await;
    assert_eq!(one.status, StatusCode::CREATED, "{:?}", one.body);
    assert_eq!(one.body["created"].as_array().unwrap().len(), 1);
    assert_eq!(one.body["duplicates"], 0);

    // Leads that are well-formed but not valid are reported while the others are created.
    let batch = json!([
        {"email": "ANN.LEE@acme.com.au"},
        {"email": "bo@beta.com.au", "first_name": "Bo"},
        {"email": "bo@beta.com.au"},
        {"email": "not an email", "first_name": "Cy"},
        {"first_name": "Nobody"},
        {"email": "nul@x.com.au", "company": "A\u{0}B"}
    ]);
    let r = api.post(&batch).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["created"].as_array().unwrap().len(), 1, "only Bo is new: {:?}", r.body);
    assert_eq!(r.body["duplicates"], 2, "Ann again and Bo repeated");
    let errors = r.body["errors"].as_array().unwrap();
    let at = |i: u64| errors.iter().filter(|e| e["index"] == i).collect::<Vec<_>>();
    assert!(at(3).iter().any(|e| e["field"] == "email"), "{errors:?}");
    assert!(!at(4).is_empty(), "a lead without email or LinkedIn is refused: {errors:?}");
    assert!(at(5).iter().any(|e| e["field"] == "company"), "a NUL is refused, never stored: {errors:?}");
    assert!(at(0).is_empty() && at(1).is_empty() && at(2).is_empty());

    // A request that breaks the schema anywhere is refused whole, each problem named.
    let broken = api.post(&json!([{"email": "dee@delta.com.au"}, {"linkedin_url": "https://www.linkedin.com/in/dee", "emial": "typo@x.com"}, "just a string", {"title": true}])).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST, "{:?}", broken.body);
    let errors = broken.body["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["index"] == 1 && e["field"] == "emial"), "{errors:?}");
    assert!(errors.iter().any(|e| e["index"] == 2 && e["field"].is_null()), "{errors:?}");
    assert!(errors.iter().any(|e| e["index"] == 3 && e["field"] == "title"), "{errors:?}");
    assert!(!errors.iter().any(|e| e["index"] == 0));

    let sources: Vec<String> = sqlx::query_scalar("select source from leads").fetch_all(&app.pool).await.unwrap();
    assert_eq!(sources, vec!["api", "api"]);
    let rows: Vec<(Option<uuid::Uuid>, String, String)> =
        sqlx::query_as("select actor_id, target_type, target_id from audit_log where action = 'lead.create_api'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(actor, ty, target)| actor.is_none() && ty == "api_key" && *target == key_id));

    // Everything again: nothing new, all duplicates.
    let again = api.post(&json!([ann()])).await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(again.body["duplicates"], 1);

    let none = api.post(&json!([{"email": "nope"}, {"title": "CEO"}])).await;
    assert_eq!(none.status, StatusCode::OK, "well-formed but not valid is reported, not refused: {:?}", none.body);
    assert_eq!(none.body["created"], json!([]));
    assert_eq!(none.body["errors"].as_array().unwrap().len(), 2);
    assert_eq!(app.count("leads").await, 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn listing_and_reading_leads_show_only_the_keys_workspace(pool: PgPool) {
    let app = spawn_app(pool).await;
    let alice = app.user("Alice", "alice@a.example").await;
    let wa = alice.workspace("Workspace A").await;
    let bob = app.user("Bob", "bob@b.example").await;
    let wb = bob.workspace("Workspace B").await;
    let (key_a, _) = new_key(&alice, &wa, "A").await;
    let (key_b, _) = new_key(&bob, &wb, "B").await;
    let (api_a, api_b) = (Api::new(&app, Some(&key_a)), Api::new(&app, Some(&key_b)));

    api_a.post(&json!([{"email": "a1@alpha.com.au", "first_name": "Amy", "company": "Alpha"}, {"email": "a2@second.com.au", "first_name": "Zed"}])).await;
    // The same address in B is B's own lead: dedupe is per workspace.
    let b = api_b.post(&json!([{"email": "a1@alpha.com.au", "company": "Bravo"}])).await;
    assert_eq!(b.status, StatusCode::CREATED);
    let b_lead = b.body["created"][0].as_str().unwrap().to_string();

    let page = api_a.get("/leads?per_page=10&sort=name").await;
    assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
    assert_eq!(page.body["total"], 2);
    let emails: Vec<&str> = page.body["rows"].as_array().unwrap().iter().map(|r| r["email"].as_str().unwrap()).collect();
    assert_eq!(emails, vec!["a1@alpha.com.au", "a2@second.com.au"]);
    assert!(!page.body.to_string().contains("Bravo"));

    let search = api_a.get("/leads?q=ALPHA&status=new&source=api").await;
    assert_eq!(search.body["total"], 1, "{:?}", search.body);
    let paged = api_a.get("/leads?page=2&per_page=1").await;
    assert_eq!(paged.body["rows"].as_array().unwrap().len(), 1);
    assert_eq!(paged.body["page"], 2);
    assert_eq!(api_a.get("/leads?tier=lukewarm").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(api_a.get("/leads?page=abc").await.status, StatusCode::BAD_REQUEST);

    let own = page.body["rows"][0]["id"].as_str().unwrap();
    let detail = api_a.get(&format!("/leads/{own}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert_eq!(detail.body["company"], "Alpha");
    assert_eq!(detail.body["source"], "api");

    let other = api_a.get(&format!("/leads/{b_lead}")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{:?}", other.body);
    assert!(!other.body.to_string().contains("Bravo"));
    assert_eq!(api_a.get("/leads/not-a-uuid").await.status, StatusCode::NOT_FOUND);
    assert_eq!(api_b.get(&format!("/leads/{b_lead}")).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_key_of_one_workspace_can_never_touch_another(pool: PgPool) {
    let app = spawn_app(pool).await;
    let alice = app.user("Alice", "alice@a.example").await;
    let wa = alice.workspace("Workspace A").await;
    let bob = app.user("Bob", "bob@b.example").await;
    let wb = bob.workspace("Workspace B").await;
    let (key_a, _) = new_key(&alice, &wa, "A").await;
    let (_, key_b_id) = new_key(&bob, &wb, "B").await;
    let api_a = Api::new(&app, Some(&key_a));

    // Nothing in the request can name workspace B: unknown keys such as client_id are refused.
    let r = api_a.post(&json!({"email": "x@x.com.au", "client_id": wb, "workspace": wb})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    api_a.post(&json!({"email": "y@y.com.au"})).await;
    let in_b: i64 = sqlx::query_scalar("select count(*) from leads where client_id = $1::uuid").bind(&wb).fetch_one(&app.pool).await.unwrap();
    assert_eq!(in_b, 0);
    assert_eq!(api_a.get(&format!("/leads?workspace={wb}")).await.body["total"], 1);

    // Alice cannot list or revoke B's keys through server functions either.
    assert_eq!(alice.call("list_api_keys", &[("workspace", &wb)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(alice.call("revoke_api_key", &[("workspace", &wb), ("key", &key_b_id)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(alice.call("revoke_api_key", &[("workspace", &wa), ("key", &key_b_id)]).await.status, StatusCode::NOT_FOUND);
    let b_keys = bob.call("list_api_keys", &[("workspace", &wb)]).await;
    assert!(b_keys.body[0]["revoked_at"].is_null());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_revoked_key_is_refused(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let (key, id) = new_key(&owner, &ws, "Old").await;
    let api = Api::new(&app, Some(&key));
    assert_eq!(api.get("/leads").await.status, StatusCode::OK);
    let used = owner.call("list_api_keys", &[("workspace", &ws)]).await;
    assert!(used.body[0]["last_used_at"].is_string(), "last use recorded: {:?}", used.body);

    let r = owner.call("revoke_api_key", &[("workspace", &ws), ("key", &id)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let listed = owner.call("list_api_keys", &[("workspace", &ws)]).await;
    assert!(listed.body[0]["revoked_at"].is_string());
    assert_eq!(owner.call("revoke_api_key", &[("workspace", &ws), ("key", &id)]).await.status, StatusCode::CONFLICT);

    let get = api.get("/leads").await;
    assert_eq!(get.status, StatusCode::UNAUTHORIZED);
    assert!(get.body["error"].as_str().unwrap().contains("revoked"), "{:?}", get.body);
    assert_eq!(api.post(&ann()).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("leads").await, 0);
    let audit: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'api_key.revoke' and target_id = $1").bind(&id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(audit, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_missing_or_garbled_authorization_header_is_unauthorized(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let (key, _) = new_key(&owner, &ws, "K").await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/leads", app.base);
    let wrong_secret = format!("{}{}", &key[..key.len() - 1], if key.ends_with('0') { '1' } else { '0' });
    for header in [
        None,
        Some(String::new()),
        Some("Bearer".into()),
        Some(key.clone()),
        Some(format!("Basic {key}")),
        Some("Bearer aos_live_short".into()),
        Some(format!("Bearer {wrong_secret}")),
        Some(format!("Bearer {}", key.to_uppercase())),
    ] {
        let mut req = http.get(&url);
        if let Some(h) = &header {
            req = req.header("authorization", h);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{header:?}");
        assert!(resp.headers().get("www-authenticate").is_some());
        let body: Value = resp.json().await.unwrap();
        assert!(body["error"].is_string(), "{header:?}: {body:?}");
    }
    let ok = http.get(&url).header("authorization", format!("bearer {key}")).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_session_cookie_does_not_authorise_the_rest_api(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    owner.workspace("Acme").await;
    // The logged-in browser's cookie jar goes along; no key does.
    let get = owner.http.get(format!("{}/api/v1/leads", app.base)).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::UNAUTHORIZED);
    let post = owner
        .http
        .post(format!("{}/api/v1/leads", app.base))
        .header("sec-fetch-site", "same-origin")
        .json(&ann())
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("leads").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn bad_bodies_get_a_clear_status_and_message(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let (key, _) = new_key(&owner, &ws, "K").await;
    let api = Api::new(&app, Some(&key));

    let malformed = api.post_raw("application/json", b"{\"email\": ".to_vec()).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert!(malformed.body["error"].as_str().unwrap().contains("not valid JSON"), "{:?}", malformed.body);

    let form = api.post_raw("application/x-www-form-urlencoded", b"email=a%40b.com".to_vec()).await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", form.body);
    assert!(form.body["error"].is_string());

    let scalar = api.post(&json!(42)).await;
    assert_eq!(scalar.status, StatusCode::BAD_REQUEST);

    let empty = api.post(&json!([])).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    let too_many: Vec<Value> = (0..1001).map(|i| json!({"email": format!("p{i}@x.com.au")})).collect();
    let r = api.post(&Value::Array(too_many)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(app.count("leads").await, 0);

    let huge = vec![b' '; server::MAX_BODY_BYTES + 1];
    let r = api.post_raw("application/json", huge).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);

    let thousand: Vec<Value> = (0..1000).map(|i| json!({"email": format!("p{i}@x.com.au")})).collect();
    let r = api.post(&Value::Array(thousand)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(app.count("leads").await, 1000);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_openapi_document_is_served_without_a_key(pool: PgPool) {
    let app = spawn_app(pool).await;
    let doc = Api::new(&app, None).get("/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.body["paths"]["/api/v1/leads"]["post"].is_object());
    let unknown = Api::new(&app, None).get("/nothing-here").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body["error"].is_string());
    let delete = reqwest::Client::new().delete(format!("{}/api/v1/leads", app.base)).send().await.unwrap();
    assert_eq!(delete.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(delete.json::<Value>().await.unwrap()["error"].is_string());
}

/// Two workspaces of two owners, each with a key: (workspace, its client) for each.
async fn two_workspaces(app: &TestApp) -> (String, Api, String, Api) {
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let (key, _) = new_key(&owner, &ws, "CRM").await;
    let bob = app.user("Bob", "bob@b.example").await;
    let wb = bob.workspace("Other").await;
    let (key_b, _) = new_key(&bob, &wb, "B").await;
    (ws, Api::new(app, Some(&key)), wb, Api::new(app, Some(&key_b)))
}

/// Inserts an activity of `lead` at `at` and returns its id.
async fn activity(app: &TestApp, ws: &str, lead: &str, kind: &str, at: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar(
        "insert into activities (client_id, lead_id, kind, summary, occurred_at) values ($1::uuid, $2::uuid, $3, $3, $4::timestamptz) returning id",
    )
    .bind(ws)
    .bind(lead)
    .bind(kind)
    .bind(at)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    id.to_string()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn campaigns_are_created_read_paused_resumed_and_given_leads_through_the_api(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (_, api, _, api_b) = two_workspaces(&app).await;

    let created = api.post_to("/campaigns", &json!({"name": "  Q1 owners  ", "description": "Line one\nline two"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    assert_eq!(created.body["name"], "Q1 owners");
    assert_eq!(created.body["status"], "draft");
    assert_eq!(created.body["steps"], 8);
    let read = api.get(&format!("/campaigns/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.body["description"], "Line one\nline two");
    let list = api.get("/campaigns").await;
    assert_eq!(list.body["campaigns"][0]["id"], id.as_str());
    assert_eq!(list.body["campaigns"][0]["leads"], 0);

    // The schema's limits are 400s; what fits them but breaks a rule is a 409 with the reason.
    for bad in [json!({"name": ""}), json!({"name": "x".repeat(121)}), json!({"name": "X", "status": "active"}), json!({"description": "no name"}), json!([])] {
        let r = api.post_to("/campaigns", &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
    }
    for rule in [json!({"name": "   "}), json!({"name": "Q2\u{0}"}), json!({"name": "Q2", "description": "bell\u{7}"})] {
        let r = api.post_to("/campaigns", &rule).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{rule}: {:?}", r.body);
        assert!(r.body["error"].is_string());
    }
    assert_eq!(app.count("campaigns").await, 1);

    // A draft can be neither paused nor resumed.
    assert_eq!(api.post_empty(&format!("/campaigns/{id}/pause")).await.status, StatusCode::CONFLICT);
    assert_eq!(api.post_empty(&format!("/campaigns/{id}/resume")).await.status, StatusCode::CONFLICT);
    sqlx::query("update campaigns set status = 'active' where id = $1::uuid").bind(&id).execute(&app.pool).await.unwrap();
    let paused = api.post_empty(&format!("/campaigns/{id}/pause")).await;
    assert_eq!((paused.status, paused.body["status"].as_str()), (StatusCode::OK, Some("paused")), "{:?}", paused.body);
    let resumed = api.post_empty(&format!("/campaigns/{id}/resume")).await;
    assert_eq!(resumed.status, StatusCode::CONFLICT, "no sender identity yet: {:?}", resumed.body);
    assert!(resumed.body["error"].as_str().unwrap().contains("sender"), "{:?}", resumed.body);

    // Enrolment by id: repeats count once; other workspaces' leads and unknown ids are "not a lead".
    let leads = api.post(&json!([{"email": "ann@acme.com.au"}, {"email": "bo@beta.com.au"}])).await;
    let ids: Vec<String> = leads.body["created"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    let theirs = api_b.post(&json!({"email": "cy@other.com.au"})).await.body["created"][0].as_str().unwrap().to_string();
    let unknown = uuid::Uuid::new_v4().to_string();
    let body = json!({"lead_ids": [ids[0], ids[0], ids[1], theirs, unknown]});
    let r = api.post_to(&format!("/campaigns/{id}/leads"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["enrolled"], 2);
    assert_eq!(r.body["skipped"], json!([{"reason": "not a lead of this workspace", "count": 2}]));
    let again = api.post_to(&format!("/campaigns/{id}/leads"), &json!({"lead_ids": [ids[0]]})).await;
    assert_eq!(again.body, json!({"enrolled": 0, "skipped": [{"reason": "already in this campaign", "count": 1}]}));
    let in_b: i64 = sqlx::query_scalar("select count(*) from campaign_leads where lead_id = $1::uuid").bind(&theirs).fetch_one(&app.pool).await.unwrap();
    assert_eq!(in_b, 0);
    for bad in [json!({"lead_ids": []}), json!({"lead_ids": [ids[0].replace('-', "")]}), json!({"lead_ids": [ids[0]], "all": true})] {
        let r = api.post_to(&format!("/campaigns/{id}/leads"), &bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {:?}", r.body);
    }

    // Another workspace's key finds nothing of this one.
    assert_eq!(api_b.get(&format!("/campaigns/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(api_b.post_empty(&format!("/campaigns/{id}/pause")).await.status, StatusCode::NOT_FOUND);
    let r = api_b.post_to(&format!("/campaigns/{id}/leads"), &json!({"lead_ids": [theirs]})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(api_b.get("/campaigns").await.body["campaigns"], json!([]));
    assert_eq!(api.get("/campaigns/not-a-uuid").await.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn activities_are_listed_oldest_first_a_page_at_a_time_and_only_the_keys_workspace(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (ws, api, wb, api_b) = two_workspaces(&app).await;

    let created = api.post(&json!([{"email": "ann@acme.com.au"}, {"email": "bo@beta.com.au"}])).await;
    let ann = created.body["created"][0].as_str().unwrap().to_string();
    let bo = created.body["created"][1].as_str().unwrap().to_string();
    let a1 = activity(&app, &ws, &ann, "sent", "2026-11-01T09:00:00Z").await;
    let a2 = activity(&app, &ws, &ann, "opened", "2026-11-02T09:00:00Z").await;
    let a3 = activity(&app, &ws, &ann, "replied", "2026-11-03T09:00:00Z").await;
    let b1 = activity(&app, &ws, &bo, "sent", "2026-11-02T10:00:00Z").await;
    let theirs = api_b.post(&json!({"email": "cy@other.com.au"})).await.body["created"][0].as_str().unwrap().to_string();
    activity(&app, &wb, &theirs, "sent", "2026-11-02T11:00:00Z").await;

    let ids = |a: &Answer| a.body["activities"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let page1 = api.get(&format!("/activities?lead={ann}&limit=2")).await;
    assert_eq!(page1.status, StatusCode::OK, "{:?}", page1.body);
    assert_eq!(ids(&page1), vec![a1.clone(), a2.clone()]);
    assert_eq!(page1.body["activities"][0]["kind"], "sent");
    assert_eq!(page1.body["next"], a2.as_str());
    let page2 = api.get(&format!("/activities?lead={ann}&limit=2&after={a2}")).await;
    assert_eq!(ids(&page2), vec![a3.clone()]);
    assert!(page2.body["next"].is_null());

    let all = api.get("/activities").await;
    assert_eq!(ids(&all), vec![a1, a2.clone(), b1, a3.clone()], "the workspace's, oldest first, none of the other's");
    // `since` is inclusive; an offset sent unescaped (a space) is read as the `+` it was.
    let since = api.get("/activities?since=2026-11-02T19:00:00%2B10:00").await;
    assert_eq!(ids(&since)[0], a2);
    assert_eq!(ids(&api.get("/activities?since=2026-11-03T19:00:00 10:00").await), vec![a3]);

    assert_eq!(api.get(&format!("/activities?lead={theirs}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(api.get(&format!("/activities?after={}", uuid::Uuid::new_v4())).await.status, StatusCode::NOT_FOUND);
    for bad in ["lead=nope", "limit=0", "limit=201", "since=yesterday", "after="] {
        assert_eq!(api.get(&format!("/activities?{bad}")).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert_eq!(ids(&api_b.get("/activities").await).len(), 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_report_summary_covers_a_range_it_can_and_says_when_it_changed_it(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (_, api, _, api_b) = two_workspaces(&app).await;

    let r = api.get("/reports/summary").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.body["adjusted"].is_null());
    assert_eq!(r.body["totals"]["sent"], 0);
    assert_eq!(r.body["funnel"].as_array().unwrap().len(), 4);
    assert!(r.body["kpis"].as_array().unwrap().iter().any(|k| k["key"] == "reply_rate"));

    let r = api.get("/reports/summary?from=2026-12-01&to=2026-11-01").await;
    assert_eq!((r.body["from"].as_str(), r.body["to"].as_str()), (Some("2026-11-01"), Some("2026-12-01")));
    assert!(r.body["adjusted"].as_str().unwrap().contains("swapped"));
    let r = api.get("/reports/summary?from=0001-01-01&to=9999-12-31").await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["from"], "9998-12-31");

    let theirs = api_b.post_to("/campaigns", &json!({"name": "Theirs"})).await.body["id"].as_str().unwrap().to_string();
    assert_eq!(api.get(&format!("/reports/summary?campaign={theirs}")).await.status, StatusCode::NOT_FOUND);
    for bad in ["from=2026-13-01", "to=2026-1-1", "campaign=x"] {
        assert_eq!(api.get(&format!("/reports/summary?{bad}")).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// The independent fuzzer (schemathesis, from PyPI) run against the generated document with
/// all its checks, every phase and both modes: schema-valid requests must be accepted,
/// schema-breaking ones refused, every status and body must be the documented ones, nothing
/// may fail with a 5xx. `scripts/test.sh` installs it and names it in `SCHEMATHESIS`.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn schemathesis_finds_nothing_on_any_operation(pool: PgPool) {
    let st = std::env::var("SCHEMATHESIS").unwrap_or_else(|_| "st".into());
    let app = spawn_app(pool).await;
    let (ws, api, _, _) = two_workspaces(&app).await;
    let key = api.key.clone().unwrap();
    // Something to find: leads, a campaign with them, and their activities.
    let created = api.post(&json!([{"email": "ann@acme.com.au", "first_name": "Ann"}, {"email": "bo@beta.com.au"}])).await;
    let lead = created.body["created"][0].as_str().unwrap().to_string();
    let campaign = api.post_to("/campaigns", &json!({"name": "Seed"})).await.body["id"].as_str().unwrap().to_string();
    api.post_to(&format!("/campaigns/{campaign}/leads"), &json!({"lead_ids": [lead]})).await;
    activity(&app, &ws, &lead, "sent", "2026-11-01T09:00:00Z").await;

    let report_dir = std::env::temp_dir().join(format!("schemathesis-{}", std::process::id()));
    std::fs::create_dir_all(&report_dir).unwrap();
    // Run from the report directory: schemathesis keeps a cache in its working directory.
    let out = tokio::process::Command::new(&st)
        .current_dir(&report_dir)
        .args(["run", &format!("{}/api/v1/openapi.json", app.base), "--url", &app.base])
        .args(["-H", &format!("Authorization: Bearer {key}")])
        .args(["--checks", "all", "--mode", "all", "--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", "100", "--seed", "1", "--generation-database", "none", "--request-timeout", "20", "--workers", "1"])
        .args(["--no-color", "--report", "junit", "--report-dir"])
        .arg(&report_dir)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{st} does not run ({e}): pip install schemathesis==4.32.5, or run scripts/test.sh"));
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    assert!(out.status.success(), "schemathesis found failures:\n{text}");
    assert!(text.contains("No issues found") || text.contains("passed"), "{text}");
}
