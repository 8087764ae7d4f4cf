use crate::{fixture, settings};
use engine::providers::apollo::ApolloClient;
use engine::providers::{ApiKey, Enrichment, LeadSearch, PeopleSearchQuery, PersonQuery, ProviderError};
use std::time::{Duration, Instant};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "apollo-test-key";

async fn client(server: &MockServer) -> ApolloClient {
    ApolloClient::new(ApiKey::new(KEY), settings(&server.uri())).unwrap()
}

fn tim() -> PersonQuery {
    PersonQuery {
        first_name: Some("Tim".into()),
        last_name: Some("Zheng".into()),
        domain: Some("apollo.io".into()),
        ..Default::default()
    }
}

fn founders() -> PeopleSearchQuery {
    PeopleSearchQuery {
        titles: vec!["Founder".into()],
        page: 1,
        per_page: 10,
        ..Default::default()
    }
}

#[tokio::test]
async fn people_search_reads_the_documented_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mixed_people/api_search"))
        .and(header("x-api-key", KEY))
        .and(query_param("person_titles[]", "Founder"))
        .and(query_param("per_page", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("apollo-mixed-people-api-search.200.example.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server).await.search_people(&founders()).await.unwrap();

    assert_eq!(page.total_entries, 232_764_882);
    assert_eq!(page.people.len(), 10);
    let first = &page.people[0];
    assert_eq!(first.provider_id, "67bdafd0c3a4c50001bbd7c2");
    assert_eq!(first.first_name, "Andrew");
    assert_eq!(first.last_name_obfuscated.as_deref(), Some("Hu***n"));
    assert_eq!(first.company.as_deref(), Some("Scicomm Media"));
    assert!(first.has_email);
    assert_eq!(page.people[5].title, None, "a null title stays empty");
}

#[tokio::test]
async fn people_match_maps_the_documented_person() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/people/match"))
        .and(header("x-api-key", KEY))
        .and(query_param("first_name", "Tim"))
        .and(query_param("domain", "apollo.io"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("apollo-people-match.200.example.json"), "application/json"),
        )
        .mount(&server)
        .await;

    let p = client(&server).await.enrich(&tim()).await.unwrap();

    assert_eq!(p.email.as_deref(), Some("tim@apollo.io"));
    assert_eq!(p.first_name.as_deref(), Some("Tim"));
    assert_eq!(p.last_name.as_deref(), Some("Zheng"));
    assert_eq!(p.title.as_deref(), Some("Founder & CEO"));
    assert_eq!(p.company.as_deref(), Some("Apollo.io"));
    assert_eq!(p.company_domain.as_deref(), Some("apollo.io"));
    assert_eq!(
        p.linkedin_url.as_deref(),
        Some("http://www.linkedin.com/in/tim-zheng-677ba010")
    );
    assert_eq!(p.location.as_deref(), Some("San Francisco, California, United States"));
    assert_eq!(p.industry.as_deref(), Some("information technology & services"));
    assert_eq!(p.employee_count, Some(1600));
    assert_eq!(p.phone.as_deref(), Some("+11235550158"));
    assert!(p.confidence >= 0.9, "a verified email is high confidence");
    // Timing for the scorer: the current role's start and the latest funding round.
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
    assert_eq!(p.timing.role_started_on, day(2016, 1, 1));
    assert_eq!(p.timing.funded_on, day(2023, 8, 1));
    assert_eq!((p.timing.company_hiring, p.timing.intent_signals), (None, None), "the match reports neither");
}

#[tokio::test]
async fn people_match_without_a_person_is_no_match() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/people/match"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({ "person": null })))
        .mount(&server)
        .await;
    assert_eq!(client(&server).await.enrich(&tim()).await, Err(ProviderError::NoMatch));
}

#[tokio::test]
async fn an_invalid_key_is_unauthorized_and_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            "Invalid API key. See https://docs.apollo.io/reference/authentication for how to authenticate.",
            "text/plain",
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).await.enrich(&tim()).await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn a_key_without_the_endpoint_scope_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "error": "This API key is not authorized to access api/v1/mixed_people/api_search.",
            "error_code": "API_INACCESSIBLE"
        })))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).await.search_people(&founders()).await.err(),
        Some(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn invalid_parameters_are_a_bad_request_with_apollos_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(serde_json::json!({ "error": "Invalid parameters" })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).await.search_people(&founders()).await.err(),
        Some(ProviderError::BadRequest("Invalid parameters".into()))
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(serde_json::json!({
                    "message": "The maximum number of api calls allowed for api/v1/people/match is 600 times per hour."
                })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("apollo-people-match.200.example.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let started = Instant::now();
    let p = client(&server).await.enrich(&tim()).await.unwrap();
    assert_eq!(p.email.as_deref(), Some("tim@apollo.io"));
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
}

#[tokio::test]
async fn a_retry_after_beyond_the_wait_budget_is_passed_up() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).await.enrich(&tim()).await,
        Err(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        })
    );
}

#[tokio::test]
async fn server_errors_are_retried_until_one_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("apollo-people-match.200.example.json"), "application/json"),
        )
        .mount(&server)
        .await;
    assert!(client(&server).await.enrich(&tim()).await.is_ok());
}

#[tokio::test]
async fn a_slow_answer_times_out_after_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    assert_eq!(client(&server).await.enrich(&tim()).await, Err(ProviderError::Timeout));
}

#[tokio::test]
async fn malformed_json_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"person\": {\"first_name\": ", "application/json"))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).await.enrich(&tim()).await,
        Err(ProviderError::Malformed(_))
    ));
}
