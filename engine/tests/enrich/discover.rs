//! Discovery from the ICP against a wiremock Apollo speaking the documented People API Search
//! and People Match, and enrichment of the leads it finds.

use crate::icp::{member, owned_workspace};
use crate::support::*;
use domain::account::Role;
use domain::icp::{Seniority, WorkspaceIcp};
use domain::score::Icp;
use engine::flows::discover::{self, Discoverer};
use engine::flows::enrich::{Enricher, Providers};
use engine::jobs::{self, EnrichBatch, JobContext};
use engine::providers::apollo::ApolloClient;
use engine::providers::sandbox::{Sandbox, SandboxProfile};
use engine::providers::{ApiKey, HttpSettings, ProviderName, RetryPolicy};
use engine::Error;
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "apollo-test-key";

fn http(base: &str) -> HttpSettings {
    HttpSettings {
        base_url: base.to_string(),
        timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_total_wait: Duration::from_secs(2),
        },
        net: None,
    }
}

fn apollo(server: &MockServer) -> Arc<ApolloClient> {
    Arc::new(ApolloClient::new(ApiKey::new(KEY), http(&server.uri())).unwrap())
}

/// A page of the documented response shape: obfuscated surnames, no emails.
fn page(total: u64, ids: std::ops::Range<u32>) -> serde_json::Value {
    let people: Vec<serde_json::Value> = ids
        .map(|i| {
            json!({
                "id": format!("apollo-{i:04}"),
                "first_name": format!("Person{i}"),
                "last_name_obfuscated": "Ng***n",
                "title": "Managing Partner",
                "has_email": true,
                "organization": { "name": format!("Firm {i}"), "has_industry": true }
            })
        })
        .collect();
    json!({ "total_entries": total, "people": people })
}

fn accountants() -> WorkspaceIcp {
    WorkspaceIcp {
        scoring: Icp { industries: vec!["Accounting".into()], employees_min: 5, employees_max: 50, locations: vec!["Australia".into()] },
        job_titles: vec!["Managing Partner".into()],
        seniorities: vec![Seniority::Partner],
        keywords: vec!["tax".into(), "audit".into()],
    }
}

/// Apollo answers only the query the ICP should produce; anything else is a 422.
async fn mount_search(server: &MockServer, page_no: u32, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path("/mixed_people/api_search"))
        .and(query_param("person_titles[]", "Managing Partner"))
        .and(query_param("person_seniorities[]", "partner"))
        .and(query_param("person_locations[]", "Australia"))
        .and(query_param("organization_num_employees_ranges[]", "5,50"))
        .and(query_param("q_keywords", "tax audit"))
        .and(query_param("per_page", "100"))
        .and(query_param("page", page_no.to_string()))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[test]
fn the_search_query_carries_every_search_field_of_the_icp() {
    let q = discover::search_query(&accountants(), 3, 25);
    assert_eq!(q.titles, ["Managing Partner"]);
    assert_eq!(q.seniorities, ["partner"]);
    assert_eq!(q.person_locations, ["Australia"]);
    assert_eq!(q.employee_ranges, [(5, 50)]);
    assert_eq!(q.keywords.as_deref(), Some("tax audit"));
    assert_eq!((q.page, q.per_page), (3, 25));
    assert!(discover::search_query(&WorkspaceIcp::default(), 1, 1).keywords.is_none());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn found_people_become_leads_once_and_a_second_search_adds_none(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    engine::flows::icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &accountants()).await.unwrap();
    let server = MockServer::start().await;
    mount_search(&server, 1, page(130, 0..100)).await;
    mount_search(&server, 2, page(130, 100..130)).await;
    let discoverer = Discoverer::new(apollo(&server));

    let first = discover::discover(&engine, &discoverer, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), 500).await.unwrap();

    assert_eq!((first.found, first.new, first.duplicates, first.pages), (130, 130, 0, 2));
    assert_eq!(first.stopped, None);
    let (leads, found_ones): (i64, i64) = sqlx::query_as(
        "select count(*), count(*) filter (where source = 'apollo' and source_provider = 'apollo' and provider_ref like 'apollo-%'
                                              and last_name is null and email is null)
         from leads where client_id = $1",
    )
    .bind(ws.0)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((leads, found_ones), (130, 130), "the obfuscated surname is not stored as a name");
    let ledger: Vec<(String, String)> = sqlx::query_as("select provider, operation from cost_ledger where client_id = $1")
        .bind(ws.0)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(ledger, vec![("apollo".to_string(), "people_search".to_string()); 2], "one ledger row per search call");
    // Enrichment is queued for exactly the new leads, in batches.
    let queued: Vec<serde_json::Value> = sqlx::query_scalar("select job from apalis.jobs where job_type = 'agency_os::EnrichBatch'")
        .fetch_all(&pool)
        .await
        .unwrap();
    let batches: Vec<EnrichBatch> = queued.into_iter().map(|v| serde_json::from_value(v).unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.lead_ids.len()).sum::<usize>(), 130);

    let second = discover::discover(&engine, &discoverer, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), 500).await.unwrap();

    assert_eq!((second.found, second.new, second.duplicates, second.pages), (130, 0, 130, 2));
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1", ws).await, 130);
    assert_eq!(ledger_rows(&pool, ws).await, 4);
    let jobs_now: i64 = sqlx::query_scalar("select count(*) from apalis.jobs where job_type = 'agency_os::EnrichBatch'").fetch_one(&pool).await.unwrap();
    assert_eq!(jobs_now, batches.len() as i64, "nothing new to enrich");
    assert_eq!(scalar_i64(&pool, "select count(*) from audit_log where client_id = $1 and action = 'leads.discover'", ws).await, 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_search_stops_at_the_number_asked_for(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    engine::flows::icp::save(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), &accountants()).await.unwrap();
    let server = MockServer::start().await;
    mount_search(&server, 1, page(5000, 0..100)).await;
    mount_search(&server, 2, page(5000, 100..200)).await;

    let r = discover::discover(&engine, &Discoverer::new(apollo(&server)), &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), 150).await.unwrap();

    assert_eq!((r.found, r.new, r.pages), (150, 150, 2));
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1", ws).await, 150);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn viewers_cannot_search_and_a_bad_count_or_a_dead_provider_adds_nothing(pool: PgPool) {
    jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (owner, ws) = owned_workspace(&engine, "Acme").await;
    let viewer = member(&engine, ws, Role::Viewer).await;
    let server = MockServer::start().await;
    Mock::given(method("POST")).and(path("/mixed_people/api_search")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    let d = Discoverer::new(apollo(&server));

    assert!(matches!(async { discover::discover(&engine, &d, &engine::auth::Access::resolve(&engine, viewer, ws).await?, 25).await }.await, Err(Error::Forbidden)));
    for n in [0, 501] {
        assert!(matches!(async { discover::discover(&engine, &d, &engine::auth::Access::resolve(&engine, owner, ws).await?, n).await }.await, Err(Error::Invalid(_))), "{n}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 0, "nothing asked of the provider");
    assert!(matches!(async { discover::discover(&engine, &d, &engine::auth::Access::resolve(&engine, owner, ws).await?, 25).await }.await, Err(Error::Internal(_))));
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1", ws).await, 0);
    assert_eq!(ledger_rows(&pool, ws).await, 0, "a refused call is not billed");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn enrichment_asks_apollo_people_match_for_the_found_person_by_id(pool: PgPool) {
    let engine = engine(&pool).await;
    let (_, ws) = owned_workspace(&engine, "Acme").await;
    let server = MockServer::start().await;
    mount_search(&server, 1, page(1, 7..8)).await;
    // Only a match by Apollo id is answered; a guess by name would get nothing.
    Mock::given(method("POST"))
        .and(path("/people/match"))
        .and(query_param("id", "apollo-0007"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            std::fs::read_to_string(format!("{}/tests/fixtures/providers/apollo-people-match.200.example.json", env!("CARGO_MANIFEST_DIR"))).unwrap(),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (report, created) = discover::search_and_insert(&engine, &Discoverer::new(apollo(&server)), ws, &accountants(), 100).await.unwrap();
    assert_eq!(report.new, 1);
    let fakes = Fakes::new(Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    let mut enricher = Enricher::new(Providers {
        apollo: apollo(&server),
        hunter: fakes.hunter.clone(),
        bettercontact: fakes.bettercontact.clone(),
        clay: fakes.clay.clone(),
        seo: Arc::new(Sandbox::with_profile(7, SandboxProfile::perfect()).acting_as(ProviderName::DataForSeo)),
        search: Arc::new(Sandbox::new(7).acting_as(ProviderName::Apollo)),
    });
    enricher.settings.async_poll_interval = Duration::from_millis(1);
    let ctx = JobContext::fixed(engine.clone(), enricher);

    let done = jobs::run_enrich_batch(&ctx, &EnrichBatch { workspace: ws.0, lead_ids: created.iter().map(|l| l.0).collect() }).await.unwrap();

    assert_eq!(done.enriched, 1, "{done:?}");
    let (email, last_name, status): (String, String, String) =
        sqlx::query_as("select email, last_name, status from leads where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!((email.as_str(), last_name.as_str(), status.as_str()), ("tim@apollo.io", "Zheng", "enriched"));
    assert_eq!(fakes.total_calls(), 0, "Apollo answered, no fallback asked");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_found_person_the_workspace_already_had_is_retired_not_kept_twice(pool: PgPool) {
    let engine = engine(&pool).await;
    let (_, ws) = owned_workspace(&engine, "Acme").await;
    // The fakes answer with this address for a lead that has none.
    sqlx::query("insert into leads (client_id, source, email, first_name) values ($1, 'csv', 'someone@harbourfreight.com.au', 'Ann')")
        .bind(ws.0)
        .execute(&pool)
        .await
        .unwrap();
    let server = MockServer::start().await;
    mount_search(&server, 1, page(1, 0..1)).await;
    let d = Discoverer::new(apollo(&server));
    let (_, created) = discover::search_and_insert(&engine, &d, ws, &accountants(), 100).await.unwrap();
    let fakes = Fakes::new(Behaviour::Match(0.9), Behaviour::NoMatch, Behaviour::NoMatch, Behaviour::NoMatch);
    let ctx = JobContext::fixed(engine.clone(), fakes.enricher());
    // The fake needs a surname and company to be acceptable; the found lead has the company.
    sqlx::query("update leads set last_name = 'Ng' where client_id = $1 and provider_ref is not null").bind(ws.0).execute(&pool).await.unwrap();

    let done = jobs::run_enrich_batch(&ctx, &EnrichBatch { workspace: ws.0, lead_ids: created.iter().map(|l| l.0).collect() }).await.unwrap();

    assert_eq!((done.enriched, done.skipped), (0, 1));
    assert_eq!(scalar_i64(&pool, "select count(*) from leads where client_id = $1 and deleted_at is null", ws).await, 1);
    assert_eq!(credits(&pool, ws).await, 1250, "no credit for a person we already had");
    let reason: String = sqlx::query_scalar("select reason from enrichment_log where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(reason.starts_with("same person as lead "), "{reason}");
    // And the next search does not bring them back.
    let again = discover::search_and_insert(&engine, &d, ws, &accountants(), 100).await.unwrap().0;
    assert_eq!((again.new, again.duplicates), (0, 1));
}
