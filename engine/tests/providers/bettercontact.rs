use crate::settings;
use engine::providers::bettercontact::BetterContactClient;
use engine::providers::{
    enrich_and_wait, ApiKey, AsyncEnrichment, AsyncOutcome, PersonQuery, ProviderError, ProviderName, Submission,
};
use serde_json::json;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "bc-key";

fn client(server: &MockServer) -> BetterContactClient {
    BetterContactClient::new(ApiKey::new(KEY), settings(&server.uri())).unwrap()
}

fn olivia() -> PersonQuery {
    PersonQuery {
        first_name: Some("Olivia".into()),
        last_name: Some("Chen".into()),
        company: Some("Koalabyte Software".into()),
        domain: Some("koalabyte.com.au".into()),
        linkedin_url: Some("https://www.linkedin.com/in/olivia-chen-koala".into()),
        lead_ref: Some("lead-42".into()),
        ..Default::default()
    }
}

fn terminated(status: &str, email: Option<&str>) -> serde_json::Value {
    json!({
        "id": "req-123", "status": "terminated", "credits_consumed": 1, "credits_left": 199,
        "summary": { "total": 1, "valid": 1, "catch_all": 0, "catch_all_safe": 0, "catch_all_not_safe": 0, "undeliverable": 0, "not_found": 0 },
        "data": [{
            "enriched": email.is_some(), "email_provider": "provider-x",
            "contact_first_name": "Olivia", "contact_last_name": "Chen",
            "contact_email_address": email, "contact_email_address_status": status,
            "contact_phone_number": null, "contact_job_title": "Head of Growth",
            "contact_linkedin_profile_url": "https://www.linkedin.com/in/olivia-chen-koala",
            "company_domain": "koalabyte.com.au", "company_name": "Koalabyte Software",
            "custom_fields": { "lead_ref": "lead-42" }
        }]
    })
}

async fn mount_submit(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/async"))
        .and(header("X-API-Key", KEY))
        .and(body_partial_json(json!({
            "data": [{ "first_name": "Olivia", "last_name": "Chen", "company_domain": "koalabyte.com.au" }],
            "enrich_email_address": true, "enrich_phone_number": false
        })))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "success": true, "id": "req-123", "message": "Processing..." })),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn submit_then_poll_until_terminated_returns_the_contact() {
    let server = MockServer::start().await;
    mount_submit(&server).await;
    Mock::given(method("GET"))
        .and(path("/async/req-123"))
        .and(header("X-API-Key", KEY))
        .respond_with(
            ResponseTemplate::new(202)
                .set_body_json(json!({ "id": "req-123", "status": "processing", "message": "Processing..." })),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/async/req-123"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(terminated("deliverable", Some("olivia@koalabyte.com.au"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    let p = enrich_and_wait(
        &client(&server),
        &olivia(),
        Duration::from_millis(10),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert_eq!(p.email.as_deref(), Some("olivia@koalabyte.com.au"));
    assert_eq!(p.title.as_deref(), Some("Head of Growth"));
    assert_eq!(p.company.as_deref(), Some("Koalabyte Software"));
    assert!(p.confidence >= 0.9);
    assert_eq!(p.source, ProviderName::BetterContact);
}

#[tokio::test]
async fn a_terminated_request_without_an_email_is_no_match_with_its_credits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(terminated("not_found", None)))
        .mount(&server)
        .await;
    let s = Submission {
        provider: ProviderName::BetterContact,
        request_id: "req-123".into(),
    };
    assert_eq!(
        client(&server).poll(&s).await,
        Ok(AsyncOutcome::NoMatch { units: Some(1.0) })
    );
}

#[tokio::test]
async fn a_catch_all_not_safe_address_is_not_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(terminated("catch_all_not_safe", Some("o@koalabyte.com.au"))),
        )
        .mount(&server)
        .await;
    let s = Submission {
        provider: ProviderName::BetterContact,
        request_id: "req-123".into(),
    };
    match client(&server).poll(&s).await.unwrap() {
        AsyncOutcome::Done { person, .. } => assert!(person.confidence < 0.7),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({ "success": false, "message": "Not authorized" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).submit(&olivia()).await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn an_unknown_request_id_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(406).set_body_json(json!({ "success": false, "message": "Invalid request_id" })),
        )
        .mount(&server)
        .await;
    let s = Submission {
        provider: ProviderName::BetterContact,
        request_id: "nope".into(),
    };
    assert_eq!(client(&server).poll(&s).await, Err(ProviderError::NotFound));
}

#[tokio::test]
async fn a_rate_limited_submit_is_retried_after_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_submit(&server).await;
    let s = client(&server).submit(&olivia()).await.unwrap();
    assert_eq!(s.request_id, "req-123");
}

#[tokio::test]
async fn a_submit_answer_without_an_id_is_malformed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "success": true })))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).submit(&olivia()).await,
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn waiting_too_long_is_a_timeout() {
    let server = MockServer::start().await;
    mount_submit(&server).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "status": "processing" })))
        .mount(&server)
        .await;
    let r = enrich_and_wait(
        &client(&server),
        &olivia(),
        Duration::from_millis(20),
        Duration::from_millis(100),
    )
    .await;
    assert_eq!(r, Err(ProviderError::Timeout));
}
