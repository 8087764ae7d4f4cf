use crate::settings;
use engine::providers::hunter::HunterClient;
use engine::providers::{ApiKey, EmailVerifier, Enrichment, PersonQuery, ProviderError, VerificationStatus};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "hunter-secret-key";

fn client(server: &MockServer) -> HunterClient {
    HunterClient::new(ApiKey::new(KEY), settings(&server.uri())).unwrap()
}

fn alexis() -> PersonQuery {
    PersonQuery {
        first_name: Some("Alexis".into()),
        last_name: Some("Ohanian".into()),
        domain: Some("https://www.reddit.com/".into()),
        lead_ref: Some("lead-7".into()),
        ..Default::default()
    }
}

/// Email Finder's documented 200 shape (hunter.io/api-documentation/v2#email-finder).
fn finder_body() -> serde_json::Value {
    json!({
        "data": {
            "first_name": "Alexis",
            "last_name": "Ohanian",
            "email": "alexis@reddit.com",
            "score": 97,
            "domain": "reddit.com",
            "accept_all": false,
            "position": "Cofounder",
            "twitter": "alexisohanian",
            "linkedin_url": null,
            "phone_number": null,
            "company": "Reddit",
            "sources": [
                { "domain": "redditinc.com", "uri": "http://redditinc.com/press", "extracted_on": "2025-04-04", "last_seen_on": "2025-10-01", "still_on_page": true }
            ],
            "verification": { "date": "2025-10-02T10:01:15.000+00:00", "status": "valid" }
        },
        "meta": { "params": { "first_name": "Alexis", "last_name": "Ohanian", "domain": "reddit.com" } }
    })
}

fn errors(id: &str, code: u16, details: &str) -> serde_json::Value {
    json!({ "errors": [ { "id": id, "code": code, "details": details } ] })
}

#[tokio::test]
async fn email_finder_reads_the_documented_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/email-finder"))
        .and(query_param("api_key", KEY))
        .and(query_param("domain", "reddit.com"))
        .and(query_param("first_name", "Alexis"))
        .and(query_param("last_name", "Ohanian"))
        .respond_with(ResponseTemplate::new(200).set_body_json(finder_body()))
        .expect(1)
        .mount(&server)
        .await;

    let p = client(&server).enrich(&alexis()).await.unwrap();
    assert_eq!(p.email.as_deref(), Some("alexis@reddit.com"));
    assert_eq!(p.title.as_deref(), Some("Cofounder"));
    assert_eq!(p.company.as_deref(), Some("Reddit"));
    assert_eq!(p.company_domain.as_deref(), Some("reddit.com"));
    assert!((p.confidence - 0.97).abs() < 1e-6);
}

#[tokio::test]
async fn email_finder_404_is_no_match() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(errors("not_found", 404, "No email address found")))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client(&server).enrich(&alexis()).await, Err(ProviderError::NoMatch));
}

#[tokio::test]
async fn email_finder_with_a_null_email_is_no_match() {
    let server = MockServer::start().await;
    let mut body = finder_body();
    body["data"]["email"] = json!(null);
    body["data"]["score"] = json!(null);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    assert_eq!(client(&server).enrich(&alexis()).await, Err(ProviderError::NoMatch));
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(errors(
            "authentication_failed",
            401,
            "No user found for the API key supplied",
        )))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).enrich(&alexis()).await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn missing_parameters_are_a_bad_request_with_hunters_details() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(errors(
            "wrong_params",
            400,
            "You are missing the domain parameter",
        )))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).enrich(&alexis()).await,
        Err(ProviderError::BadRequest("You are missing the domain parameter".into()))
    );
}

#[tokio::test]
async fn an_exhausted_plan_is_insufficient_credits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).set_body_json(errors(
            "too_many_requests",
            429,
            "You have reached your usage limit",
        )))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).enrich(&alexis()).await,
        Err(ProviderError::InsufficientCredits)
    );
}

#[tokio::test]
async fn the_rate_limit_is_waited_out_with_an_http_date_retry_after() {
    let server = MockServer::start().await;
    let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + std::time::Duration::from_secs(1));
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("Retry-After", soon.as_str())
                .set_body_json(errors("restricted_account", 403, "rate limit")),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(finder_body()))
        .mount(&server)
        .await;
    assert!(client(&server).enrich(&alexis()).await.is_ok());
}

#[tokio::test]
async fn the_verifier_reads_the_documented_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/email-verifier"))
        .and(query_param("email", "patrick@stripe.com"))
        .and(query_param("api_key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {
                "status": "valid", "result": "deliverable", "_deprecation_notice": "Using result is deprecated, use status instead",
                "score": 100, "email": "patrick@stripe.com", "regexp": true, "gibberish": false, "disposable": false,
                "webmail": false, "mx_records": true, "smtp_server": true, "smtp_check": true, "accept_all": false,
                "block": false, "sources": []
            },
            "meta": { "params": { "email": "patrick@stripe.com" } }
        })))
        .mount(&server)
        .await;
    let v = client(&server).verify("patrick@stripe.com").await.unwrap();
    assert_eq!(v.status, VerificationStatus::Valid);
    assert_eq!(v.score, Some(100));
}

#[tokio::test]
async fn a_verification_still_in_progress_is_asked_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "data": null })))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "data": { "status": "accept_all", "score": 72, "email": "x@acme.com" } })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let v = client(&server).verify("x@acme.com").await.unwrap();
    assert_eq!(v.status, VerificationStatus::AcceptAll);
}

#[tokio::test]
async fn malformed_json_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>oops</html>", "text/html"))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).verify("x@acme.com").await,
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn transport_errors_never_carry_the_key_from_the_query_string() {
    // Nothing listens on this port: every attempt fails to connect.
    let c = HunterClient::new(ApiKey::new(KEY), settings("http://127.0.0.1:9")).unwrap();
    let err = c.verify("x@acme.com").await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Transport(_) | ProviderError::Timeout),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(KEY));
}
