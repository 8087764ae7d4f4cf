//! "Test connection": each real client's one cheap call, against the documented endpoints.

use crate::settings;
use engine::providers::bettercontact::BetterContactClient;
use engine::providers::clay::{ClayClient, ClayInbox, CORRELATION_FIELD};
use engine::providers::dataforseo::{DataForSeoClient, SeoLocale};
use engine::providers::hunter::HunterClient;
use engine::providers::{ApiKey, ProviderError};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn hunter_is_checked_with_the_free_account_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/account"))
        .and(query_param("api_key", "good"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": { "email": "ops@agency.com.au" } })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/account"))
        .and(query_param("api_key", "bad"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "errors": [{ "id": "authentication_failed", "code": 401 }] })))
        .mount(&server)
        .await;
    assert_eq!(HunterClient::new(ApiKey::new("good"), settings(&server.uri())).unwrap().check().await, Ok(()));
    assert_eq!(HunterClient::new(ApiKey::new("bad"), settings(&server.uri())).unwrap().check().await, Err(ProviderError::Unauthorized));
}

#[tokio::test]
async fn dataforseo_is_checked_with_user_data_and_its_in_body_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/appendix/user_data"))
        // "me:pw" in basic auth
        .and(header("authorization", "Basic bWU6cHc="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "status_code": 20000, "status_message": "Ok.", "tasks": [] })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/appendix/user_data"))
        .and(header("authorization", "Basic bWU6d3Jvbmc="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "status_code": 40100, "status_message": "You are not authorized." })))
        .mount(&server)
        .await;
    let client = |pw: &str| DataForSeoClient::new("me", ApiKey::new(pw), SeoLocale::default(), settings(&server.uri())).unwrap();
    assert_eq!(client("pw").check().await, Ok(()));
    assert_eq!(client("wrong").check().await, Err(ProviderError::Unauthorized));
}

#[tokio::test]
async fn bettercontact_is_checked_by_asking_for_a_request_that_cannot_exist() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/async/agency-os-connection-test"))
        .and(header("x-api-key", "good"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "message": "Request not found" })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/async/agency-os-connection-test"))
        .and(header("x-api-key", "bad"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "message": "Unauthorized" })))
        .mount(&server)
        .await;
    assert_eq!(BetterContactClient::new(ApiKey::new("good"), settings(&server.uri())).unwrap().check().await, Ok(()));
    assert_eq!(BetterContactClient::new(ApiKey::new("bad"), settings(&server.uri())).unwrap().check().await, Err(ProviderError::Unauthorized));
}

#[tokio::test]
async fn clay_is_checked_with_a_row_that_names_nobody() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .and(header("x-clay-webhook-auth", "tok"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).and(path("/gone")).respond_with(ResponseTemplate::new(401)).mount(&server).await;
    let clay = |p: &str| ClayClient::new(ApiKey::new(format!("{}{p}", server.uri())), Some(ApiKey::new("tok")), ClayInbox::new(), settings(&server.uri())).unwrap();
    assert_eq!(clay("/hook").check().await, Ok(()));
    let sent: serde_json::Value = serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(sent, json!({ CORRELATION_FIELD: "connection-test" }));
    assert_eq!(clay("/gone").check().await, Err(ProviderError::Unauthorized));
}
