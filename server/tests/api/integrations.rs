//! Settings → Integrations (provider keys), the Clay callback route, and the two-step import
//! with a chosen column mapping.

use crate::support::*;
use domain::ids::WorkspaceId;
use engine::providers::clay::ClayStore;
use engine::providers::clay_inbox::RedisClayInbox;
use engine::providers::{AsyncOutcome, PersonQuery};
use engine::Settings;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_live_abcdef1234";
const CLAY_HOOK: &str = "https://api.clay.com/v3/sources/webhook/pull-in-data-abc123";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../engine/tests/fixtures/providers/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn everything_stored(app: &TestApp) -> String {
    let keys: Vec<(String, Option<String>)> =
        sqlx::query_as("select ciphertext, callback_token from provider_keys").fetch_all(&app.pool).await.unwrap();
    let audit: Vec<(String, Option<Value>, Option<Value>)> =
        sqlx::query_as("select action, before, after from audit_log").fetch_all(&app.pool).await.unwrap();
    format!("{keys:?} {audit:?}")
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_owner_connects_a_provider_and_only_the_last_four_characters_ever_come_back(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let r = b.call("list_integrations", &[("workspace", &ws)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_array().unwrap().len(), domain::integrations::Integration::ALL.len());
    assert!(r.body.as_array().unwrap().iter().all(|i| i["key"].is_null()), "all sandbox at first");

    let r = b.call("set_provider_key", &[("workspace", &ws), ("provider", "apollo"), ("key", KEY)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["key"]["last4"], "1234");
    let list = b.call("list_integrations", &[("workspace", &ws)]).await;
    let text = format!("{} {}", r.body, list.body);
    assert!(!text.contains(KEY) && !text.contains("abcdef"), "the key never comes back: {text}");
    // Nor is it stored in clear, or in the audit log.
    assert!(!everything_stored(&app).await.contains("abcdef"));
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where action like 'provider_key.%' order by id").fetch_all(&app.pool).await.unwrap();
    assert_eq!(actions, ["provider_key.set"]);

    // Replace, then remove.
    let r = b.call("set_provider_key", &[("workspace", &ws), ("provider", "apollo"), ("key", "sk_live_zzzzzz5678")]).await;
    assert_eq!(r.body["key"]["last4"], "5678");
    assert_eq!(b.call("remove_provider_key", &[("workspace", &ws), ("provider", "apollo")]).await.status, StatusCode::OK);
    assert_eq!(app.count("provider_keys").await, 0);
    assert_eq!(b.call("remove_provider_key", &[("workspace", &ws), ("provider", "apollo")]).await.status, StatusCode::NOT_FOUND);
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where action like 'provider_key.%' order by id").fetch_all(&app.pool).await.unwrap();
    assert_eq!(actions, ["provider_key.set", "provider_key.replace", "provider_key.remove"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn malformed_keys_are_refused_clearly_and_change_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    for (provider, key, says) in [
        ("apollo", "  ", "empty"),
        ("apollo", "two words", "one line"),
        ("sandbox", "k", "Unknown provider"),
        ("dataforseo", "login-only", "login:password"),
        ("clay", "http://api.clay.com/x", "https://"),
    ] {
        let r = b.call("set_provider_key", &[("workspace", &ws), ("provider", provider), ("key", key)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{provider} {key:?}: {:?}", r.body);
        assert!(r.message().contains(says), "{provider}: {}", r.message());
    }
    assert_eq!(app.count("provider_keys").await, 0);
    let audits: i64 = sqlx::query_scalar("select count(*) from audit_log where action like 'provider_key.%'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(audits, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn only_owners_and_admins_manage_integrations_and_never_another_workspaces(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let token = owner.invite(&ws, "mo@example.com", "member").await;
    let member = app.user("Mo", "mo@example.com").await;
    member.accept(&token).await;
    for (endpoint, form) in [
        ("list_integrations", vec![("workspace", ws.as_str())]),
        ("set_provider_key", vec![("workspace", ws.as_str()), ("provider", "hunter"), ("key", KEY)]),
        ("test_provider_key", vec![("workspace", ws.as_str()), ("provider", "hunter")]),
    ] {
        assert_eq!(member.call(endpoint, &form).await.status, StatusCode::FORBIDDEN, "{endpoint}");
    }
    let stranger = app.user("Eve", "eve@example.com").await;
    stranger.workspace("Elsewhere").await;
    assert_eq!(stranger.call("list_integrations", &[("workspace", &ws)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("provider_keys").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn test_connection_makes_one_real_call_and_reports_the_providers_answer(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mixed_people/api_search"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("apollo-mixed-people-api-search.200.example.json"), "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mixed_people/api_search"))
        .and(header("x-api-key", "revoked-key-0000"))
        .respond_with(ResponseTemplate::new(401).set_body_string("Invalid API key"))
        .mount(&server)
        .await;
    let mut settings = Settings { net: engine::net::NetPolicy::new(true), ..Settings::default() };
    settings.providers.apollo_url = server.uri();
    settings.providers.retry = engine::providers::RetryPolicy::none();
    let app = spawn_app_with(pool, settings).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;

    let r = b.call("test_provider_key", &[("workspace", &ws), ("provider", "apollo")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no key: nothing to test");
    assert!(r.message().contains("sandbox"), "{}", r.message());

    b.call("set_provider_key", &[("workspace", &ws), ("provider", "apollo"), ("key", KEY)]).await;
    let r = b.call("test_provider_key", &[("workspace", &ws), ("provider", "apollo")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, json!({ "ok": true, "message": "Connected to Apollo" }));

    b.call("set_provider_key", &[("workspace", &ws), ("provider", "apollo"), ("key", "revoked-key-0000")]).await;
    let r = b.call("test_provider_key", &[("workspace", &ws), ("provider", "apollo")]).await;
    assert_eq!(r.body["ok"], false);
    assert!(r.body["message"].as_str().unwrap().contains("rejected our credentials"), "{:?}", r.body);
    server.verify().await;
}

/// Connects Clay and returns (workspace, callback URL).
async fn with_clay(app: &TestApp, b: &Browser) -> (String, String) {
    let ws = b.workspace("Acme").await;
    let r = b.call("set_provider_key", &[("workspace", &ws), ("provider", "clay"), ("key", CLAY_HOOK), ("extra", "table-token")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let url = r.body["callback_url"].as_str().expect("Clay shows its callback URL").to_string();
    assert!(url.starts_with(&format!("{}/webhooks/clay/{ws}/", app.base)), "{url}");
    assert!(!everything_stored(app).await.contains(url.rsplit('/').next().unwrap()), "the token is sealed too");
    (ws, url)
}

fn jack() -> PersonQuery {
    PersonQuery {
        first_name: Some("Jack".into()),
        last_name: Some("Nguyen".into()),
        domain: Some("swanriverplumbing.com.au".into()),
        linkedin_url: Some("https://www.linkedin.com/in/jack-nguyen-swan".into()),
        lead_ref: Some("lead-9".into()),
        ..Default::default()
    }
}

async fn post(url: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    reqwest::Client::new().post(url).header("content-type", "application/json").body(body).send().await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_clay_callback_with_the_workspace_token_completes_the_waiting_enrichment(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let (ws, url) = with_clay(&app, &b).await;
    let wsid: WorkspaceId = ws.parse().unwrap();
    // The enrichment submitted a row and waits (another process's inbox: only Redis is shared).
    let inbox = RedisClayInbox::new(app.engine.redis.clone(), wsid, Duration::from_secs(600));
    let key = inbox.register(&jack()).await.unwrap();

    let callback = json!({
        "linkedin_url": "http://linkedin.com/in/jack-nguyen-swan", "email": "jack@swanriverplumbing.com.au",
        "first_name": "Jack", "last_name": "Nguyen", "company_name": "Swan River Plumbing"
    });
    let r = post(&url, callback.to_string()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "matched": true }));
    match inbox.take(&key).await.unwrap() {
        Some(AsyncOutcome::Done { person, .. }) => assert_eq!(person.email.as_deref(), Some("jack@swanriverplumbing.com.au")),
        other => panic!("expected the callback's result, got {other:?}"),
    }
    // A late duplicate is accepted (so Clay stops retrying) but matches nothing.
    let r = post(&url, callback.to_string()).await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "matched": false }));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn clay_callbacks_with_a_wrong_token_bad_json_or_too_large_a_body_record_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let (ws, url) = with_clay(&app, &b).await;
    let wsid: WorkspaceId = ws.parse().unwrap();
    let inbox = RedisClayInbox::new(app.engine.redis.clone(), wsid, Duration::from_secs(600));
    let key = inbox.register(&jack()).await.unwrap();
    let good = json!({ "agency_os_ref": key, "email": "jack@swanriverplumbing.com.au" }).to_string();

    let wrong_token = format!("{}/webhooks/clay/{ws}/{}", app.base, "0".repeat(64));
    assert_eq!(post(&wrong_token, good.clone()).await.status(), StatusCode::NOT_FOUND);
    let other_ws = format!("{}/webhooks/clay/{}/{}", app.base, uuid::Uuid::new_v4(), url.rsplit('/').next().unwrap());
    assert_eq!(post(&other_ws, good.clone()).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(post(&format!("{}/webhooks/clay/not-a-uuid/x", app.base), good.clone()).await.status(), StatusCode::NOT_FOUND);

    assert_eq!(post(&url, "{not json").await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(post(&url, "[1, 2]").await.status(), StatusCode::BAD_REQUEST);
    let huge = json!({ "email": "jack@swanriverplumbing.com.au", "agency_os_ref": key, "notes": "x".repeat(100 * 1024) }).to_string();
    assert_eq!(post(&url, huge).await.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(inbox.take(&key).await.unwrap(), Some(AsyncOutcome::Pending), "nothing was recorded");
    // Removing Clay retires the callback URL.
    b.call("remove_provider_key", &[("workspace", &ws), ("provider", "clay")]).await;
    assert_eq!(post(&url, good).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(inbox.take(&key).await.unwrap(), Some(AsyncOutcome::Pending));
}

// ---- Import with a chosen column mapping ----------------------------------------------------

/// Headers detection does not know: only a chosen mapping can import this file.
const SPANISH: &str = "Correo,Nombre,Apellido,Empresa,Notas\n\
ana@puerto.com.au,Ana,Ruiz,Puerto Co,vip\n\
luis@puerto.com.au,Luis,Vega,Puerto Co,\n";

impl Browser {
    async fn stage(&self, ws: &str, csv: &str) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("contactos.csv").mime_str("text/csv").unwrap();
        self.http
            .post(format!("{}/w/{ws}/leads/import/preview", self.base))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
    }

    async fn import_staged(&self, ws: &str, upload: &str, mapping: Value) -> reqwest::Response {
        self.http
            .post(format!("{}/w/{ws}/leads/import/{upload}", self.base))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .json(&json!({ "mapping": mapping }))
            .send()
            .await
            .unwrap()
    }

    async fn finished(&self, ws: &str, import: &str) -> Value {
        for _ in 0..100 {
            let r = self.call("get_import", &[("workspace", ws), ("import", import)]).await;
            if r.body["status"] != "running" {
                return r.body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("import {import} did not finish");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_upload_is_previewed_with_its_detected_mapping_and_imported_with_the_chosen_one(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let csv = "First Name,Email,Company,City,State\nAna,ana@x.com.au,X,Perth,WA\nB,b@x.com.au,X,,\nC,c@x.com.au,X,,\nD,d@x.com.au,X,,\nE,e@x.com.au,X,,\nF,f@x.com.au,X,,\n";
    let r = b.stage(&ws, csv).await;
    assert_eq!(r.status(), StatusCode::OK);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["filename"], "contactos.csv");
    assert_eq!(p["headers"], json!(["First Name", "Email", "Company", "City", "State"]));
    assert_eq!(p["rows"].as_array().unwrap().len(), 5, "the first five rows only");
    assert_eq!(p["rows"][0], json!(["Ana", "ana@x.com.au", "X", "Perth", "WA"]));
    // City and State both read as location; the select keeps it on the first.
    assert_eq!(p["mapping"], json!(["first_name", "email", "company", "location", null]));

    // The one-step form cannot read the Spanish file; the chosen mapping can.
    let r = b.stage(&ws, SPANISH).await;
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["mapping"], json!([null, null, null, null, null]));
    let upload = p["upload"].as_str().unwrap();
    let r = b.import_staged(&ws, upload, json!(["email", "first_name", "last_name", "company", "ignore"])).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let import = r.json::<Value>().await.unwrap()["import"].as_str().unwrap().to_string();
    let view = b.finished(&ws, &import).await;
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(view["summary"]["imported"], 2);
    let names: Vec<(String, String)> = sqlx::query_as("select first_name, company from leads order by email").fetch_all(&app.pool).await.unwrap();
    assert_eq!(names, [("Ana".to_string(), "Puerto Co".to_string()), ("Luis".into(), "Puerto Co".into())]);
    // The staged file was used up.
    let r = b.import_staged(&ws, upload, json!(["email", "first_name", "last_name", "company", "ignore"])).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_bad_mapping_is_refused_and_the_upload_waits_for_a_good_one(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let p: Value = b.stage(&ws, SPANISH).await.json().await.unwrap();
    let upload = p["upload"].as_str().unwrap();
    for (mapping, says) in [
        (json!(["email", "email", "ignore", "ignore", "ignore"]), "chosen for two columns"),
        (json!(["ignore", "first_name", "last_name", "ignore", "title"]), "Map an email column"),
        (json!(["email", "shoe_size", "ignore", "ignore", "ignore"]), "shoe_size"),
        (json!(["email"]), "the file has 5"),
    ] {
        let r = b.import_staged(&ws, upload, mapping.clone()).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{mapping}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(says), "{mapping}: {body}");
    }
    assert_eq!(app.count("imports").await, 0, "nothing started");
    assert_eq!(app.count("leads").await, 0);

    // Another workspace cannot use this upload.
    let eve = app.user("Eve", "eve@example.com").await;
    let other = eve.workspace("Elsewhere").await;
    let r = eve.import_staged(&other, upload, json!(["email", "first_name", "last_name", "company", "ignore"])).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The page's form post (col0, col1, …) still works and redirects to the progress.
    let r = b
        .http
        .post(format!("{}/w/{ws}/leads/import/{upload}", b.base))
        .header("sec-fetch-site", "same-origin")
        .form(&[("col0", "email"), ("col1", "full_name"), ("col2", "ignore"), ("col3", "company"), ("col4", "ignore")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("/w/{ws}/leads?import=")), "{location}");
    let view = b.finished(&ws, location.rsplit('=').next().unwrap()).await;
    assert_eq!(view["summary"]["imported"], 2, "{view}");
}
