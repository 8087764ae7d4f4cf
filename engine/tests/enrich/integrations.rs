use crate::support::*;
use domain::ids::{UserId, WorkspaceId};
use domain::integrations::Integration;
use engine::flows::integrations::{record_clay_callback, ClayCallback};
use engine::integrations::{keys_changed, Credential, Resolver};
use engine::jobs::{run_enrich_batch, EnrichBatch, JobContext};
use engine::providers::clay::{ClayClient, CORRELATION_FIELD};
use engine::providers::clay_inbox::RedisClayInbox;
use engine::providers::http::{HttpSettings, RetryPolicy};
use engine::providers::{ApiKey, AsyncEnrichment, AsyncOutcome, PersonQuery};
use engine::secrets::SecretError;
use engine::store::provider_keys;
use engine::Engine;
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const APOLLO_KEY: &str = "apollo-live-key-9876";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/providers/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture file")
}

async fn creator(pool: &PgPool, ws: WorkspaceId) -> UserId {
    UserId(sqlx::query_scalar("select created_by from workspaces where id = $1").bind(ws.0).fetch_one(pool).await.unwrap())
}

/// Stores a key the way the Integrations page does (sealed), without the page.
async fn store_key(engine: &Engine, ws: WorkspaceId, provider: Integration, credential: &Credential) {
    let by = creator(engine.owner_pool(), ws).await;
    let sealed = credential.seal(&engine.settings.secrets, ws, provider);
    let mut conn = engine.owner_pool().acquire().await.unwrap();
    provider_keys::upsert(&mut conn, ws, provider, &sealed, "9876", None, by).await.unwrap();
    keys_changed(engine, ws).await;
}

async fn engine_against(pool: &PgPool, server: &MockServer) -> Engine {
    let mut engine = engine(pool).await;
    engine.settings.providers.apollo_url = server.uri();
    engine.settings.providers.retry = RetryPolicy::none();
    engine
}

/// A lead Apollo's People Match example answers for (Tim Zheng of apollo.io), without email.
async fn tim(pool: &PgPool, ws: WorkspaceId) -> Uuid {
    sqlx::query_scalar(
        "insert into leads (client_id, source, first_name, last_name, company, company_domain)
         values ($1, 'csv', 'Tim', 'Zheng', 'Apollo', 'apollo.io') returning id",
    )
    .bind(ws.0)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn email_of(pool: &PgPool, lead: Uuid) -> Option<String> {
    sqlx::query_scalar("select email from leads where id = $1").bind(lead).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_workspace_with_an_apollo_key_enriches_through_apollo_while_another_uses_the_sandbox(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/people/match"))
        .and(header("x-api-key", APOLLO_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("apollo-people-match.200.example.json"), "application/json"))
        // Only the workspace with the key reaches Apollo.
        .expect(1)
        .mount(&server)
        .await;
    let engine = engine_against(&pool, &server).await;
    let keyed = workspace(&pool, "Keyed").await;
    let plain = workspace(&pool, "Plain").await;
    store_key(&engine, keyed, Integration::Apollo, &Credential::Key(ApiKey::new(APOLLO_KEY))).await;
    let ctx = JobContext::configured(engine.clone());

    let a = tim(&pool, keyed).await;
    let report = run_enrich_batch(&ctx, &EnrichBatch { workspace: keyed.0, lead_ids: vec![a] }).await.unwrap();
    assert_eq!(report.enriched, 1, "{report:?}");
    assert_eq!(report.by_provider.get("apollo"), Some(&1));
    assert_eq!(email_of(&pool, a).await.as_deref(), Some("tim@apollo.io"), "Apollo's answer was written");

    // Another person (the same one would come from the shared enrichment cache).
    let b: Uuid = sqlx::query_scalar(
        "insert into leads (client_id, source, first_name, last_name, company, company_domain)
         values ($1, 'csv', 'Ann', 'Lee', 'Koala Byte', 'koalabyte.com.au') returning id",
    )
    .bind(plain.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    let report = run_enrich_batch(&ctx, &EnrichBatch { workspace: plain.0, lead_ids: vec![b] }).await.unwrap();
    assert_eq!((report.enriched + report.skipped, report.from_cache), (1, 0), "{report:?}");
    // The mock expects exactly one call: the sandbox answered for the workspace without a key.
    server.verify().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn resolved_clients_are_reused_until_the_workspace_changes_a_key(pool: PgPool) {
    let server = MockServer::start().await;
    let engine = engine_against(&pool, &server).await;
    let ws = workspace(&pool, "Cache").await;
    let resolver = Resolver::from_engine(&engine);
    let first = resolver.enricher_for(ws).await.unwrap();
    assert!(Arc::ptr_eq(&first, &resolver.enricher_for(ws).await.unwrap()), "cached");

    store_key(&engine, ws, Integration::Apollo, &Credential::Key(ApiKey::new(APOLLO_KEY))).await;
    let after = resolver.enricher_for(ws).await.unwrap();
    assert!(!Arc::ptr_eq(&first, &after), "a key change drops the cached entry");
    // The new entry really uses the key: People Match goes to the mock.
    Mock::given(method("POST"))
        .and(path("/people/match"))
        .and(header("x-api-key", APOLLO_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("apollo-people-match.200.example.json"), "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let q = PersonQuery { first_name: Some("Tim".into()), last_name: Some("Zheng".into()), domain: Some("apollo.io".into()), ..Default::default() };
    assert_eq!(after.providers.apollo.enrich(&q).await.unwrap().email.as_deref(), Some("tim@apollo.io"));
    server.verify().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn provider_keys_are_stored_sealed_per_workspace_and_replaced_in_place(pool: PgPool) {
    let engine = engine(&pool).await;
    let a = workspace(&pool, "A").await;
    let b = workspace(&pool, "B").await;
    let by = creator(&pool, a).await;
    let ring = &engine.settings.secrets;
    let cred = Credential::Key(ApiKey::new("hunter-secret-0001"));
    let sealed = cred.seal(ring, a, Integration::Hunter);
    assert!(!sealed.contains("hunter-secret"), "sealed, not stored in clear");
    let mut conn = pool.acquire().await.unwrap();
    provider_keys::upsert(&mut conn, a, Integration::Hunter, &sealed, "0001", None, by).await.unwrap();

    let row = provider_keys::get(&pool, a, Integration::Hunter).await.unwrap().unwrap();
    assert_eq!(row.last4, "0001");
    assert_eq!(Credential::open(ring, a, Integration::Hunter, &row.ciphertext).unwrap(), cred);
    assert!(provider_keys::get(&pool, b, Integration::Hunter).await.unwrap().is_none(), "another workspace sees nothing");
    assert!(provider_keys::list(&pool, b).await.unwrap().is_empty());

    // A ciphertext copied into another workspace's row does not open there.
    provider_keys::upsert(&mut conn, b, Integration::Hunter, &row.ciphertext, "0001", None, creator(&pool, b).await).await.unwrap();
    let copied = provider_keys::get(&pool, b, Integration::Hunter).await.unwrap().unwrap();
    assert_eq!(Credential::open(ring, b, Integration::Hunter, &copied.ciphertext), Err(SecretError::Undecryptable));
    // … nor under another provider of the same workspace.
    assert_eq!(Credential::open(ring, a, Integration::Apollo, &row.ciphertext), Err(SecretError::Undecryptable));

    // Replacing keeps the creation date and a callback token set earlier.
    provider_keys::upsert(&mut conn, a, Integration::Clay, &Credential::Key(ApiKey::new("x")).seal(ring, a, Integration::Clay), "x", Some("aos1.k.token"), by)
        .await
        .unwrap();
    let before = provider_keys::get(&pool, a, Integration::Clay).await.unwrap().unwrap();
    provider_keys::upsert(&mut conn, a, Integration::Clay, &Credential::Key(ApiKey::new("y")).seal(ring, a, Integration::Clay), "y", None, by)
        .await
        .unwrap();
    let after = provider_keys::get(&pool, a, Integration::Clay).await.unwrap().unwrap();
    assert_eq!((after.last4.as_str(), after.callback_token.as_deref()), ("y", Some("aos1.k.token")));
    assert_eq!(after.created_at, before.created_at);

    // Rotation rewrites only the row it read.
    assert!(!provider_keys::reseal(&mut conn, a, Integration::Hunter, ("aos1.stale", None), ("aos1.new", None)).await.unwrap());
    assert!(provider_keys::reseal(&mut conn, a, Integration::Hunter, (&row.ciphertext, None), ("aos1.new", None)).await.unwrap());
    assert_eq!(provider_keys::workspaces_with_keys(&pool).await.unwrap().len(), 2);

    assert!(provider_keys::delete(&mut conn, a, Integration::Hunter).await.unwrap());
    assert!(!provider_keys::delete(&mut conn, a, Integration::Hunter).await.unwrap());
    assert!(provider_keys::get(&pool, b, Integration::Hunter).await.unwrap().is_some(), "b's row untouched");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clay_callback_matches_its_submission_after_a_restart(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/hook")).respond_with(ResponseTemplate::new(200)).expect(1).mount(&server).await;
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Clay").await;
    let other = workspace(&pool, "Other").await;
    let ttl = Duration::from_secs(600);
    let settings = || {
        let mut s = HttpSettings::new(server.uri());
        s.retry = RetryPolicy::none();
        s
    };
    let person = PersonQuery {
        first_name: Some("Jack".into()),
        last_name: Some("Nguyen".into()),
        domain: Some("swanriverplumbing.com.au".into()),
        linkedin_url: Some("https://www.linkedin.com/in/jack-nguyen-swan".into()),
        lead_ref: Some("lead-9".into()),
        ..Default::default()
    };
    let before = ClayClient::new(ApiKey::new(format!("{}/hook", server.uri())), None, RedisClayInbox::new(engine.redis.clone(), ws, ttl), settings()).unwrap();
    let submission = before.submit(&person).await.unwrap();
    drop(before);

    // The process restarts: nothing of the old client survives but Redis.
    let after = ClayClient::new(ApiKey::new(format!("{}/hook", server.uri())), None, RedisClayInbox::new(engine.redis.clone(), ws, ttl), settings()).unwrap();
    assert_eq!(after.poll(&submission).await, Ok(AsyncOutcome::Pending));
    // The callback lost our key; the LinkedIn URL (spelt differently) still finds the lead.
    let callback = json!({
        "linkedin_url": "http://linkedin.com/in/Jack-Nguyen-Swan/",
        "email": "jack@swanriverplumbing.com.au", "email_status": "valid",
        "first_name": "Jack", "last_name": "Nguyen", "company_name": "Swan River Plumbing"
    });
    assert_eq!(record_clay_callback(&engine, other, &callback).await.unwrap(), ClayCallback::Unmatched, "another workspace's callback never matches");
    match record_clay_callback(&engine, ws, &callback).await.unwrap() {
        ClayCallback::Matched(m) => assert_eq!(m.lead_ref.as_deref(), Some("lead-9")),
        other => panic!("expected a match, got {other:?}"),
    }
    assert_eq!(record_clay_callback(&engine, ws, &callback).await.unwrap(), ClayCallback::Unmatched, "a second delivery records nothing");
    match after.poll(&submission).await.unwrap() {
        AsyncOutcome::Done { person, .. } => assert_eq!(person.email.as_deref(), Some("jack@swanriverplumbing.com.au")),
        other => panic!("expected the callback's result, got {other:?}"),
    }
    assert_eq!(after.poll(&submission).await, Err(engine::providers::ProviderError::NotFound), "taken once");
    server.verify().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clay_callback_echoing_our_key_needs_no_other_field(pool: PgPool) {
    use engine::providers::clay::ClayStore;
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Echo").await;
    let inbox = RedisClayInbox::new(engine.redis.clone(), ws, Duration::from_secs(600));
    let person = PersonQuery { first_name: Some("Ann".into()), last_name: Some("Lee".into()), lead_ref: Some("lead-1".into()), ..Default::default() };
    let key = inbox.register(&person).await.unwrap();
    let m = record_clay_callback(&engine, ws, &json!({ CORRELATION_FIELD: key, "email": "ann@x.com.au" })).await.unwrap();
    assert!(matches!(m, ClayCallback::Matched(ref m) if m.correlation_key == key), "{m:?}");
    assert!(matches!(inbox.take(&key).await.unwrap(), Some(AsyncOutcome::Done { .. })));
}

#[sqlx::test(migrations = "../migrations")]
async fn rotating_the_master_key_reseals_every_stored_secret_once(pool: PgPool) {
    use engine::secrets::{Keyring, MasterKey};
    let old = MasterKey::generate();
    let mut before = engine(&pool).await;
    before.settings.secrets = Keyring::new(old.clone(), vec![]);
    let ws = workspace(&pool, "Rotate").await;
    let cred = Credential::Key(ApiKey::new("bettercontact-key-42"));
    store_key(&before, ws, Integration::BetterContact, &cred).await;

    let new = MasterKey::generate();
    let mut after = before.clone();
    after.settings.secrets = Keyring::new(new.clone(), vec![old]);
    assert_eq!(engine::flows::integrations::reseal_all(&after).await.unwrap(), 1);
    assert_eq!(engine::flows::integrations::reseal_all(&after).await.unwrap(), 0, "nothing stale left");
    // The old key can now be dropped.
    let only_new = Keyring::new(new, vec![]);
    let row = provider_keys::get(&pool, ws, Integration::BetterContact).await.unwrap().unwrap();
    assert_eq!(Credential::open(&only_new, ws, Integration::BetterContact, &row.ciphertext).unwrap(), cred);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_clay_answer_that_came_after_the_wait_is_used_by_the_next_attempt_without_a_second_row(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/hook")).respond_with(ResponseTemplate::new(200)).expect(1).mount(&server).await;
    let engine = engine(&pool).await;
    let ws = workspace(&pool, "Late").await;
    let mut settings = HttpSettings::new(server.uri());
    settings.retry = RetryPolicy::none();
    let clay = ClayClient::new(ApiKey::new(format!("{}/hook", server.uri())), None, RedisClayInbox::new(engine.redis.clone(), ws, Duration::from_secs(600)), settings).unwrap();
    let person = PersonQuery { first_name: Some("Ann".into()), last_name: Some("Lee".into()), domain: Some("koalabyte.com.au".into()), ..Default::default() };
    let first = clay.submit(&person).await.unwrap();
    // The waterfall gave up waiting; the callback arrives afterwards.
    record_clay_callback(&engine, ws, &json!({ CORRELATION_FIELD: first.request_id, "email": "ann@koalabyte.com.au" })).await.unwrap();
    let retry = clay.submit(&person).await.unwrap();
    assert_eq!(retry, first);
    assert!(matches!(clay.poll(&retry).await.unwrap(), AsyncOutcome::Done { .. }));
    server.verify().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn find_leads_from_icp_searches_apollo_with_the_workspace_key_and_the_sandbox_only_without_one(pool: PgPool) {
    use engine::flows::discover::{self, Discoverer, SearchSource};
    engine::jobs::setup(&pool).await.unwrap();
    let server = MockServer::start().await;
    let people = json!({"total_entries": 2, "people": [
        {"id": "apollo-real-1", "first_name": "Ana", "last_name_obfuscated": "Li***", "title": "Head of Marketing", "organization": {"name": "Harbour Bank"}},
        {"id": "apollo-real-2", "first_name": "Ben", "last_name_obfuscated": "Ko***", "title": "CMO", "organization": {"name": "Kestrel Law"}}
    ]});
    Mock::given(method("POST"))
        .and(path("/mixed_people/api_search"))
        .and(header("x-api-key", APOLLO_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(people))
        // Only the workspace with the key reaches Apollo, once.
        .expect(1)
        .mount(&server)
        .await;
    let engine = engine_against(&pool, &server).await;
    let (keyed_owner, keyed) = crate::icp::owned_workspace(&engine, "Keyed").await;
    let (plain_owner, plain) = crate::icp::owned_workspace(&engine, "Plain").await;
    store_key(&engine, keyed, Integration::Apollo, &Credential::Key(ApiKey::new(APOLLO_KEY))).await;
    let sandbox = Discoverer::sandbox(7);

    let (d, source) = sandbox.for_workspace(&engine, keyed).await.unwrap();
    assert_eq!(source, SearchSource::WorkspaceKey);
    let r = discover::discover(&engine, &d, &engine::auth::Access::resolve(&engine, keyed_owner, keyed).await.unwrap(), 5).await.unwrap();
    assert_eq!((r.found, r.new), (2, 2));
    let refs: Vec<String> = sqlx::query_scalar("select provider_ref from leads where client_id = $1 order by provider_ref").bind(keyed.0).fetch_all(&pool).await.unwrap();
    assert_eq!(refs, ["apollo-real-1", "apollo-real-2"], "only Apollo's people, none invented");

    let (d, source) = sandbox.for_workspace(&engine, plain).await.unwrap();
    assert_eq!(source, SearchSource::Sandbox);
    let r = discover::discover(&engine, &d, &engine::auth::Access::resolve(&engine, plain_owner, plain).await.unwrap(), 3).await.unwrap();
    assert_eq!(r.found, 3, "the sandbox answers a workspace without a key");
}

/// DataForSEO's documented envelope around one task's result.
fn seo_envelope(result: serde_json::Value, path: &[&str]) -> serde_json::Value {
    json!({
        "version": "0.1.20250526", "status_code": 20000, "status_message": "Ok.", "time": "0.2 sec.", "cost": 0.0101,
        "tasks_count": 1, "tasks_error": 0,
        "tasks": [{ "id": "11271217-1535-0385-0000-6a0c6b1d9a64", "status_code": 20000, "status_message": "Ok.",
                    "time": "0.1 sec.", "cost": 0.0101, "result_count": 1, "path": path, "data": {}, "result": result }]
    })
}

#[sqlx::test(migrations = "../migrations")]
async fn a_workspace_with_a_dataforseo_key_gets_web_presence_points_for_its_enriched_leads(pool: PgPool) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/people/match"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(fixture("apollo-people-match.200.example.json"), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/dataforseo_labs/google/domain_rank_overview/live"))
        .respond_with(ResponseTemplate::new(200).set_body_json(seo_envelope(
            json!([{ "se_type": "google", "target": "apollo.io", "location_code": 2036, "language_code": "en", "total_count": 1, "items_count": 1,
                     "items": [{ "se_type": "google", "location_code": 2036, "language_code": "en",
                                 "metrics": { "organic": { "pos_1": 40, "pos_2_3": 60, "pos_4_10": 120, "etv": 250000.0, "count": 9000 },
                                              "paid": { "pos_1": 0, "etv": 0, "count": 0 } } }] }]),
            &["v3", "dataforseo_labs", "google", "domain_rank_overview", "live"],
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/backlinks/summary/live"))
        .respond_with(ResponseTemplate::new(200).set_body_json(seo_envelope(
            json!([{ "target": "apollo.io", "rank": 610, "backlinks": 900000, "backlinks_spam_score": 3, "referring_domains": 24000,
                     "info": { "target_spam_score": 3 } }]),
            &["v3", "backlinks", "summary", "live"],
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut engine = engine_against(&pool, &server).await;
    engine.settings.providers.dataforseo_url = server.uri();
    let keyed = workspace(&pool, "Keyed").await;
    let plain = workspace(&pool, "Plain").await;
    store_key(&engine, keyed, Integration::Apollo, &Credential::Key(ApiKey::new(APOLLO_KEY))).await;
    store_key(&engine, keyed, Integration::DataForSeo, &Credential::Login { login: "login@agency.example".into(), password: ApiKey::new("dfs-password") }).await;
    let ctx = JobContext::configured(engine.clone());

    let web_reasons = |pool: PgPool, lead: Uuid| async move {
        let reasons: serde_json::Value = sqlx::query_scalar("select reasons from leads where id = $1").bind(lead).fetch_one(&pool).await.unwrap();
        reasons.as_array().unwrap().iter().filter(|r| r["code"].as_str().is_some_and(|c| c.contains("domain_rank") || c.contains("traffic") || c.contains("keyword"))).count()
    };
    let a = tim(&pool, keyed).await;
    run_enrich_batch(&ctx, &EnrichBatch { workspace: keyed.0, lead_ids: vec![a] }).await.unwrap();
    engine::flows::score::score_workspace(&pool, keyed, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    let web: serde_json::Value = sqlx::query_scalar("select web from company_web where client_id = $1 and domain = 'apollo.io'").bind(keyed.0).fetch_one(&pool).await.unwrap();
    assert_eq!((web["domain_rank"].as_u64(), web["top10_keywords"].as_u64(), web["spam_score"].as_u64()), (Some(610), Some(220), Some(3)), "{web}");
    assert!(web_reasons(pool.clone(), a).await > 0, "the web-presence rules fired");
    // Apollo's documented role (2016) and funding round (2023) are reported but long past: no timing points.
    let reasons: serde_json::Value = sqlx::query_scalar("select reasons from leads where id = $1").bind(a).fetch_one(&pool).await.unwrap();
    assert!(!reasons.to_string().contains("new_role") && !reasons.to_string().contains("recently_funded"), "{reasons}");

    // The same company in a workspace without a DataForSEO key: not measured, no points, no call.
    let b = tim(&pool, plain).await;
    run_enrich_batch(&ctx, &EnrichBatch { workspace: plain.0, lead_ids: vec![b] }).await.unwrap();
    engine::flows::score::score_workspace(&pool, plain, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    assert_eq!(web_reasons(pool.clone(), b).await, 0);
    let measured: i64 = sqlx::query_scalar("select count(*) from company_web where client_id = $1").bind(plain.0).fetch_one(&pool).await.unwrap();
    assert_eq!(measured, 0);
    server.verify().await;
}

#[sqlx::test(migrations = "../migrations")]
async fn the_configured_unit_costs_are_the_ones_a_workspaces_providers_charge(pool: PgPool) {
    use engine::ledger::{CostAud, Operation};
    use engine::providers::ProviderName;
    let mut engine = engine(&pool).await;
    engine.settings.unit_costs.hunter_email = 0.5;
    let ws = workspace(&pool, "Costs").await;
    let enricher = Resolver::from_engine(&engine).enricher_for(ws).await.unwrap();
    assert_eq!(enricher.costs.hunter_email, 0.5, "not the SPEC default 0.023");
    assert_eq!(enricher.costs.cost(ProviderName::Hunter, Operation::Enrich, 2.0), CostAud::from_dollars(1.0));
}

#[sqlx::test(migrations = "../migrations")]
async fn timing_an_enrichment_provider_reports_reaches_the_score_with_its_reasons(pool: PgPool) {
    // Apollo's documented answer, with the current role begun two months ago and a funding round
    // three months ago (the documented ones are years old and rightly earn nothing).
    let today = chrono::Utc::now().date_naive();
    let months_ago = |n| (today - chrono::Months::new(n)).format("%Y-%m-%d").to_string();
    let mut answer: serde_json::Value = serde_json::from_str(&fixture("apollo-people-match.200.example.json")).unwrap();
    answer["person"]["employment_history"][0]["start_date"] = json!(months_ago(2));
    answer["person"]["organization"]["latest_funding_round_date"] = json!(format!("{}T00:00:00.000+00:00", months_ago(3)));
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/people/match")).respond_with(ResponseTemplate::new(200).set_body_json(&answer)).mount(&server).await;
    let engine = engine_against(&pool, &server).await;
    let ws = workspace(&pool, "Timing").await;
    store_key(&engine, ws, Integration::Apollo, &Credential::Key(ApiKey::new(APOLLO_KEY))).await;
    let ctx = JobContext::configured(engine.clone());
    let codes = |pool: PgPool, lead: Uuid| async move {
        let (reasons, timing): (serde_json::Value, serde_json::Value) =
            sqlx::query_as("select coalesce(reasons, '[]'), coalesce(timing, 'null') from leads where id = $1").bind(lead).fetch_one(&pool).await.unwrap();
        let codes: Vec<String> = reasons.as_array().unwrap().iter().filter_map(|r| r["code"].as_str().map(str::to_string)).collect();
        (codes, timing)
    };

    let lead = tim(&pool, ws).await;
    run_enrich_batch(&ctx, &EnrichBatch { workspace: ws.0, lead_ids: vec![lead] }).await.unwrap();
    engine::flows::score::score_workspace(&pool, ws, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    let (after, timing) = codes(pool.clone(), lead).await;
    assert_eq!(timing, json!({ "role_started_on": months_ago(2), "funded_on": months_ago(3) }));
    assert!(after.iter().any(|c| c == "new_role"), "the new-role rule fired: {after:?}");
    assert!(after.iter().any(|c| c == "recently_funded"), "the funding rule fired: {after:?}");
    let als = |pool: PgPool| async move { sqlx::query_scalar::<_, i16>("select als from leads where id = $1").bind(lead).fetch_one(&pool).await.unwrap() };
    let with_timing = als(pool.clone()).await;

    // The same lead without what the provider reported scores lower and has no timing reasons.
    sqlx::query("update leads set timing = null where id = $1").bind(lead).execute(&pool).await.unwrap();
    engine::flows::score::score_workspace(&pool, ws, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    let (without, _) = codes(pool.clone(), lead).await;
    assert!(!without.iter().any(|c| c == "new_role" || c == "recently_funded"), "{without:?}");
    assert!(with_timing > als(pool.clone()).await, "timing raised the score");
    sqlx::query("update leads set timing = $2 where id = $1").bind(lead).bind(&timing).execute(&pool).await.unwrap();

    // A later report that the company is hiring adds to what is known without forgetting the rest.
    sqlx::query("update leads set timing = timing || '{\"company_hiring\": true}' where id = $1").bind(lead).execute(&pool).await.unwrap();
    engine::flows::score::score_workspace(&pool, ws, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    let (with_hiring, _) = codes(pool.clone(), lead).await;
    assert!(with_hiring.iter().any(|c| c == "hiring") && with_hiring.iter().any(|c| c == "new_role"), "{with_hiring:?}");
}
