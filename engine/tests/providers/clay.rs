use crate::settings;
use engine::providers::clay::{ClayClient, ClayInbox, CORRELATION_FIELD};
use engine::providers::{ApiKey, AsyncEnrichment, AsyncOutcome, PersonQuery, ProviderError};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const HOOK: &str = "/v3/sources/webhook/pull-in-data-from-a-webhook-abc123";

fn client(server: &MockServer, inbox: ClayInbox) -> ClayClient {
    ClayClient::new(
        ApiKey::new(format!("{}{HOOK}", server.uri())),
        Some(ApiKey::new("clay-table-token")),
        inbox,
        settings(&server.uri()),
    )
    .unwrap()
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

#[tokio::test]
async fn a_row_is_posted_with_our_correlation_key_and_the_callback_completes_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(HOOK))
        .and(header("x-clay-webhook-auth", "clay-table-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let inbox = ClayInbox::new();
    let clay = client(&server, inbox.clone());

    let submission = clay.submit(&jack()).await.unwrap();
    let sent: Vec<Request> = server.received_requests().await.unwrap();
    let row: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(row[CORRELATION_FIELD], json!(submission.request_id));
    assert_eq!(clay.poll(&submission).await, Ok(AsyncOutcome::Pending));

    // Minutes later Clay's HTTP API column posts to /webhooks/clay — without our lead id.
    let matched = inbox
        .accept_callback(&json!({
            CORRELATION_FIELD: submission.request_id,
            "email": "jack@swanriverplumbing.com.au",
            "email_status": "valid",
            "first_name": "Jack", "last_name": "Nguyen", "job_title": "Managing Director",
            "company_name": "Swan River Plumbing Group", "domain": "swanriverplumbing.com.au"
        }))
        .unwrap();
    assert_eq!(matched.lead_ref.as_deref(), Some("lead-9"));

    match clay.poll(&submission).await.unwrap() {
        AsyncOutcome::Done { person, .. } => {
            assert_eq!(person.email.as_deref(), Some("jack@swanriverplumbing.com.au"));
            assert_eq!(person.title.as_deref(), Some("Managing Director"));
            assert!(person.confidence >= 0.7);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_callback_that_dropped_our_key_is_matched_by_linkedin_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let inbox = ClayInbox::new();
    let clay = client(&server, inbox.clone());
    let submission = clay.submit(&jack()).await.unwrap();

    inbox
        .accept_callback(
            &json!({ "linkedin_url": "linkedin.com/in/jack-nguyen-swan/", "email": "jack@swanriverplumbing.com.au" }),
        )
        .unwrap();
    assert!(matches!(clay.poll(&submission).await, Ok(AsyncOutcome::Done { .. })));
}

#[tokio::test]
async fn a_deleted_webhook_is_not_found_and_leaves_nothing_pending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let inbox = ClayInbox::new();
    assert_eq!(
        client(&server, inbox.clone()).submit(&jack()).await,
        Err(ProviderError::NotFound)
    );
    assert_eq!(inbox.with(|c| c.pending_count()), 0);
}

#[tokio::test]
async fn a_wrong_table_token_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server, ClayInbox::new()).submit(&jack()).await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn a_throttled_webhook_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    assert!(client(&server, ClayInbox::new()).submit(&jack()).await.is_ok());
}

#[tokio::test]
async fn polling_an_unknown_submission_is_not_found() {
    let server = MockServer::start().await;
    let clay = client(&server, ClayInbox::new());
    let s = engine::providers::Submission {
        provider: engine::providers::ProviderName::Clay,
        request_id: "unknown".into(),
    };
    assert_eq!(clay.poll(&s).await, Err(ProviderError::NotFound));
}
