//! The Twilio Messages API client against a local server answering Twilio's documented
//! request, resource and errors (`twilio-messages-api.json`, `twilio-message-resource.example.json`).

use crate::{fixture, settings};
use domain::phone::E164;
use engine::providers::twilio::{OutgoingSms, SmsError, TwilioAccount, TwilioClient, OPTED_OUT};
use engine::providers::{ApiKey, ProviderError};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SID: &str = "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX";
const TOKEN: &str = "twilio-auth-token";
const MESSAGES: &str = "/2010-04-01/Accounts/ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX/Messages.json";

fn client(server: &MockServer) -> TwilioClient {
    TwilioClient::new(TwilioAccount { account_sid: SID.into(), auth_token: ApiKey::new(TOKEN) }, settings(&server.uri())).unwrap()
}

async fn send(server: &MockServer) -> Result<engine::providers::twilio::SentSms, SmsError> {
    let to = E164::parse("+61412345678").unwrap();
    client(server)
        .send_sms(&OutgoingSms {
            to: &to,
            from: None,
            messaging_service_sid: Some("MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
            body: "Hi Jane, Sam from Northwind here. Reply STOP to opt out.",
            status_callback: Some("https://app.example/webhooks/twilio/status"),
        })
        .await
}

/// Twilio's error document for `status` and `code`.
fn error(status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

#[tokio::test]
async fn a_send_posts_the_documented_form_with_basic_auth_and_reads_the_message_resource() {
    let server = MockServer::start().await;
    let basic = format!("Basic {}", base64_of(&format!("{SID}:{TOKEN}")));
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(header("authorization", basic.as_str()))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("To=%2B61412345678"))
        .and(body_string_contains("MessagingServiceSid=MGXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"))
        .and(body_string_contains("StatusCallback=https%3A%2F%2Fapp.example%2Fwebhooks%2Ftwilio%2Fstatus"))
        .and(body_string_contains("Body=Hi+Jane"))
        .respond_with(ResponseTemplate::new(201).set_body_string(fixture("twilio-message-resource.example.json")).insert_header("content-type", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let sent = send(&server).await.unwrap();
    assert_eq!(sent.sid, "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    assert_eq!(sent.status, "sent");
    assert_eq!(sent.num_segments.as_deref(), Some("1"));
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn an_opted_out_recipient_is_a_typed_refusal_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(400, OPTED_OUT, "Attempt to send to unsubscribed recipient"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(send(&server).await, Err(SmsError::OptedOut));
}

#[tokio::test]
async fn documented_errors_map_to_their_meaning() {
    for (status, code, message, expected) in [
        (400, 21211, "The 'To' number +61412345678 is not a valid phone number.", SmsError::Rejected { code: 21211, message: "The 'To' number +61412345678 is not a valid phone number.".into() }),
        (400, 21614, "'To' number is not a valid mobile number", SmsError::Rejected { code: 21614, message: "'To' number is not a valid mobile number".into() }),
        (401, 20003, "Authenticate", SmsError::Provider(ProviderError::Unauthorized)),
        (404, 20404, "The requested resource was not found", SmsError::Provider(ProviderError::NotFound)),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST")).respond_with(error(status, code, message)).expect(1).mount(&server).await;
        assert_eq!(send(&server).await, Err(expected), "{status} {code}");
    }
}

#[tokio::test]
async fn a_429_waits_the_retry_after_it_names_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(429, 20429, "Too Many Requests").insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string(fixture("twilio-message-resource.example.json")))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(send(&server).await.is_ok());
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_persistent_429_is_rate_limited_with_the_wait_it_asked_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(429, 20429, "Too Many Requests").insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(send(&server).await, Err(SmsError::Provider(ProviderError::RateLimited { retry_after: Some(Duration::from_secs(3600)) })));
}

#[tokio::test]
async fn a_slow_answer_times_out_after_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(2))).expect(3).mount(&server).await;
    assert_eq!(send(&server).await, Err(SmsError::Provider(ProviderError::Timeout)));
}
