use crate::{fixture, settings};
use engine::providers::sender::{
    ExternalSender, FoundSend, IdempotencyKey, OutboundEmail, Refusal, SendOutcome, SenderEventKind, BODY_VARIABLE,
    KEY_VARIABLE, SUBJECT_VARIABLE,
};
use engine::providers::smartlead::{self, SmartleadClient};
use engine::providers::{ApiKey, ProviderError, ProviderName};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "smartlead-secret-key";

fn client(server: &MockServer) -> SmartleadClient {
    SmartleadClient::new(ApiKey::new(KEY), settings(&server.uri())).unwrap()
}

fn email(key: &str) -> OutboundEmail {
    OutboundEmail::new(
        IdempotencyKey::parse(key).unwrap(),
        "123",
        "lead@example.com",
        "Quick question about Acme Corp",
        "<p>Hi John</p>",
    )
    .unwrap()
    .with_names(Some("John"), Some("Doe"), Some("Acme Corp"))
}

/// The add-leads answer as Smartlead's help-centre documentation shows it.
fn added(upload: u32, already: u32) -> serde_json::Value {
    json!({
        "ok": true,
        "upload_count": upload,
        "total_leads": 1,
        "already_added_to_campaign": already,
        "duplicate_count": 0,
        "invalid_email_count": 0,
        "unsubscribed_leads": 0
    })
}

#[tokio::test]
async fn a_send_adds_the_lead_with_our_key_and_the_api_key_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/campaigns/123/leads"))
        .and(query_param("api_key", KEY))
        .and(body_partial_json(json!({
            "lead_list": [{
                "email": "lead@example.com",
                "first_name": "John",
                "last_name": "Doe",
                "company_name": "Acme Corp",
                "custom_fields": {
                    KEY_VARIABLE: "outbox-9",
                    SUBJECT_VARIABLE: "Quick question about Acme Corp",
                    BODY_VARIABLE: "<p>Hi John</p>"
                }
            }],
            "settings": { "ignore_global_block_list": false, "ignore_unsubscribe_list": false }
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(added(1, 0)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).send(&email("outbox-9")).await,
        Ok(SendOutcome::Accepted { provider_ref: None })
    );
}

#[tokio::test]
async fn the_reference_answers_other_count_names_are_read_too() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "inserted_count": 1, "duplicate_count": 0, "blocked_count": 0
        })))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).send(&email("k")).await,
        Ok(SendOutcome::Accepted { .. })
    ));
}

fn lead_by_email(key: &str, campaign: u64) -> serde_json::Value {
    json!({
        "id": 2233,
        "first_name": "John",
        "last_name": "Doe",
        "email": "lead@example.com",
        "custom_fields": { KEY_VARIABLE: key },
        "lead_campaign_data": [{ "campaign_id": campaign, "campaign_name": "Q1 Outreach", "campaign_lead_map_id": 8 }]
    })
}

#[tokio::test]
async fn a_retried_send_after_a_crash_is_reconciled_by_its_key_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/campaigns/123/leads"))
        .respond_with(ResponseTemplate::new(200).set_body_json(added(0, 1)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/leads/"))
        .and(query_param("email", "lead@example.com"))
        .and(query_param("api_key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_by_email("outbox-9", 123)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).send(&email("outbox-9")).await,
        Ok(SendOutcome::AlreadyAccepted {
            provider_ref: Some("2233".into())
        })
    );
}

#[tokio::test]
async fn find_ignores_the_same_person_in_another_campaign() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_by_email("outbox-9", 999)))
        .mount(&server)
        .await;
    assert_eq!(client(&server).find(&email("outbox-9")).await, Ok(None));
}

#[tokio::test]
async fn find_treats_a_404_as_no_lead_and_reads_the_stored_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "error": "Resource not found" })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_by_email("outbox-0", 123)))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.find(&email("outbox-9")).await, Ok(None));
    assert_eq!(
        c.find(&email("outbox-9")).await,
        Ok(Some(FoundSend {
            provider_ref: Some("2233".into()),
            key: Some("outbox-0".into())
        }))
    );
}

#[tokio::test]
async fn unsubscribed_and_invalid_leads_are_refusals() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "upload_count": 0, "total_leads": 1, "already_added_to_campaign": 0,
            "duplicate_count": 0, "invalid_email_count": 0, "unsubscribed_leads": ["lead@example.com"]
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "upload_count": 0, "total_leads": 1, "already_added_to_campaign": 0,
            "duplicate_count": 0, "invalid_email_count": 1, "unsubscribed_leads": 0
        })))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.send(&email("k1")).await, Ok(SendOutcome::Refused(Refusal::Unsubscribed)));
    assert_eq!(c.send(&email("k2")).await, Ok(SendOutcome::Refused(Refusal::InvalidAddress)));
}

#[tokio::test]
async fn a_campaign_id_that_is_not_a_number_is_refused_before_any_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let mut e = email("k");
    e.campaign = "abc".into();
    assert!(matches!(client(&server).send(&e).await, Err(ProviderError::BadRequest(_))));
}

#[tokio::test]
async fn each_documented_error_is_typed() {
    let cases = [
        (
            ResponseTemplate::new(400).set_body_json(json!({ "error": "Invalid request parameters" })),
            ProviderError::BadRequest("Invalid request parameters".into()),
        ),
        (
            ResponseTemplate::new(401).set_body_json(json!({ "message": "Invalid API Key" })),
            ProviderError::Unauthorized,
        ),
        (
            ResponseTemplate::new(404).set_body_json(json!({ "error": "Campaign not found" })),
            ProviderError::NotFound,
        ),
        (
            ResponseTemplate::new(422).set_body_json(json!({ "error": "Invalid parameters provided" })),
            ProviderError::BadRequest("Invalid parameters provided".into()),
        ),
    ];
    for (response, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        assert_eq!(client(&server).send(&email("k")).await, Err(expected));
    }
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({ "error": "Internal server error occurred" })))
        .expect(3)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).send(&email("k")).await,
        Err(ProviderError::Upstream { status: 500 })
    );
}

#[tokio::test]
async fn a_429_waits_the_retry_after_it_names_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({ "error": "Too many requests" })),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(added(1, 0)))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(matches!(
        client(&server).send(&email("k")).await,
        Ok(SendOutcome::Accepted { .. })
    ));
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_slow_answer_times_out_after_every_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .expect(3)
        .mount(&server)
        .await;
    assert_eq!(client(&server).send(&email("k")).await, Err(ProviderError::Timeout));
}

#[tokio::test]
async fn malformed_json_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"ok\": tr", "application/json"))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).send(&email("k")).await,
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn a_transport_error_never_shows_the_url_with_the_key() {
    // A port that was just listening and no longer is: connection refused. (Not a dropped
    // MockServer: wiremock pools and reuses those.)
    let uri = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let c = SmartleadClient::new(ApiKey::new(KEY), settings(&uri)).unwrap();
    let e = c.send(&email("k")).await.unwrap_err();
    assert!(matches!(e, ProviderError::Transport(_) | ProviderError::Timeout), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(KEY) && !shown.contains("api_key"), "{shown}");
}

#[test]
fn the_reference_email_sent_payload_parses() {
    let e = smartlead::parse_webhook(fixture("smartlead-email-sent.example.json").as_bytes()).unwrap();
    assert_eq!(e.provider, ProviderName::Smartlead);
    assert_eq!(e.kind, SenderEventKind::Sent);
    assert_eq!(e.lead_email.as_deref(), Some("lead@example.com"));
    assert_eq!(e.campaign.as_deref(), Some("123"));
    assert_eq!(e.step, Some(1));
    assert_eq!(e.message_id.as_deref(), Some("abc123def456"));
    assert_eq!(e.occurred_at.unwrap().to_rfc3339(), "2025-01-15T09:00:00+00:00");
}

#[test]
fn the_reference_untracked_reply_parses_as_a_reply_from_its_sender() {
    let e = smartlead::parse_webhook(fixture("smartlead-untracked-replies.example.json").as_bytes()).unwrap();
    assert_eq!(
        e.kind,
        SenderEventKind::Replied {
            subject: Some("Untracked replies".into()),
            text: Some("Hi\\n".into()),
            untracked: true
        }
    );
    // The reference obfuscates the address ("[email protected]"), so none can be read.
    assert_eq!(e.lead_email, None);
    assert_eq!(
        e.message_id.as_deref(),
        Some("<CAJZgRaRf=B4WEPmv4gujBNmJE46XpNbWiN7V_DHsAvyvqgEpDg@mail.gmail.com>")
    );
    assert!(e.occurred_at.is_some());
}

#[test]
fn bounce_unsubscribe_and_reply_events_in_either_documented_shape() {
    let flat = |t: &str| {
        smartlead::parse_webhook(
            json!({ "event_type": t, "to_email": "Lead@Example.com", "campaign_id": 123, "sequence_number": 2 })
                .to_string()
                .as_bytes(),
        )
        .unwrap()
    };
    assert_eq!(flat("EMAIL_BOUNCE").kind, SenderEventKind::Bounced);
    assert_eq!(flat("LEAD_UNSUBSCRIBED").kind, SenderEventKind::Unsubscribed);
    assert_eq!(flat("EMAIL_OPEN").kind, SenderEventKind::Opened);
    assert_eq!(flat("EMAIL_LINK_CLICK").kind, SenderEventKind::Clicked);
    assert_eq!(flat("EMAIL_BOUNCE").lead_email.as_deref(), Some("lead@example.com"));
    assert_eq!(flat("EMAIL_BOUNCE").step, Some(2));
    assert_eq!(
        flat("LEAD_CATEGORY_UPDATED").kind,
        SenderEventKind::Other {
            name: "LEAD_CATEGORY_UPDATED".into()
        }
    );

    let nested = smartlead::parse_webhook(
        json!({
            "event": "EMAIL_REPLY",
            "campaign_id": "123",
            "lead": { "email": "lead@example.com", "first_name": "John" },
            "subject": "Re: Quick question",
            "reply_message": { "message_id": "<r1@mail.example.com>", "text": "Yes please", "time": "2025-01-16T10:00:00Z" }
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        nested.kind,
        SenderEventKind::Replied {
            subject: Some("Re: Quick question".into()),
            text: Some("Yes please".into()),
            untracked: false
        }
    );
    assert_eq!(nested.lead_email.as_deref(), Some("lead@example.com"));
    assert_eq!(nested.message_id.as_deref(), Some("<r1@mail.example.com>"));
}

#[test]
fn the_webhook_secret_is_checked() {
    let body = fixture("smartlead-untracked-replies.example.json");
    assert!(smartlead::webhook_secret_matches(
        body.as_bytes(),
        &ApiKey::new("e0207d40-84ef-4ad6-89eb-7dbff8c0138d")
    ));
    assert!(!smartlead::webhook_secret_matches(body.as_bytes(), &ApiKey::new("wrong")));
    assert!(!smartlead::webhook_secret_matches(
        fixture("smartlead-email-sent.example.json").as_bytes(),
        &ApiKey::new("e0207d40-84ef-4ad6-89eb-7dbff8c0138d")
    ));
    assert!(!smartlead::webhook_secret_matches(b"not json", &ApiKey::new("x")));
}

#[test]
fn a_webhook_naming_no_event_is_malformed() {
    assert!(matches!(
        smartlead::parse_webhook(br#"{"to_email": "a@b.co"}"#),
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn an_answer_that_neither_adds_nor_skips_is_malformed_so_dispatch_reconciles() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).send(&email("k")).await,
        Err(ProviderError::Malformed(_))
    ));
}

/// Message history in the shape Smartlead's clients observe (`history` with SENT and REPLY).
fn history() -> serde_json::Value {
    json!({
        "history": [
            { "type": "SENT", "stats_id": "s-1", "message_id": "<sent-1@agency.example>", "time": "2026-11-20T09:00:00.000Z", "email_body": "<p>Hi John</p>", "subject": "Quick question about Acme Corp", "from": "sam@acme-mail.com", "to": "lead@example.com" },
            { "type": "REPLY", "stats_id": "s-1", "message_id": "<reply-1@mail.example>", "time": "2026-11-21T10:00:00.000Z", "email_body": "<p>Not now, maybe in Q2.</p>", "subject": "Re: Quick question about Acme Corp", "from": "lead@example.com", "to": "sam@acme-mail.com" },
            { "type": "REPLY", "stats_id": "s-1", "message_id": "<reply-2@mail.example>", "time": "2026-11-22T10:00:00.000Z", "email_body": "<div>Actually, let&#39;s talk Thursday.</div>", "subject": "Re: Quick question about Acme Corp", "from": "lead@example.com", "to": "sam@acme-mail.com" }
        ],
        "from": "sam@acme-mail.com", "to": "lead@example.com"
    })
}

#[tokio::test]
async fn a_reply_event_without_text_is_read_from_the_message_history() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/leads/")).and(query_param("email", "lead@example.com")).and(query_param("api_key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_by_email("k1", 123))).expect(2).mount(&server).await;
    Mock::given(method("GET")).and(path("/campaigns/123/leads/2233/message-history")).and(query_param("api_key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(history())).expect(2).mount(&server).await;
    let event = |message_id: Option<&str>| {
        let mut e = json!({ "event_type": "EMAIL_REPLY", "campaign_id": 123, "sl_lead_email": "lead@example.com", "subject": "Re: Quick question about Acme Corp", "event_timestamp": "2026-11-22T10:00:05.000Z" });
        if let Some(m) = message_id {
            e["reply_message"] = json!({ "message_id": m });
        }
        smartlead::parse_webhook(e.to_string().as_bytes()).unwrap()
    };
    // The reply the event names, else the latest one.
    let got = client(&server).fetch_reply(&event(Some("reply-1@mail.example"))).await.unwrap().unwrap();
    assert_eq!((got.text.as_str(), got.message_id.as_deref()), ("Not now, maybe in Q2.", Some("<reply-1@mail.example>")));
    let got = client(&server).fetch_reply(&event(None)).await.unwrap().unwrap();
    assert_eq!(got.text, "Actually, let's talk Thursday.");
    assert_eq!(got.received_at.unwrap().to_rfc3339(), "2026-11-22T10:00:00+00:00");
}

#[tokio::test]
async fn the_documented_history_shape_is_read_too_and_an_unknown_lead_reads_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/leads/")).and(query_param("email", "lead@example.com"))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_by_email("k1", 123))).mount(&server).await;
    Mock::given(method("GET")).and(path("/leads/")).and(query_param("email", "nobody@example.com"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({ "message": "Lead not found" }))).mount(&server).await;
    Mock::given(method("GET")).and(path("/campaigns/123/leads/2233/message-history"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "messages": [
            { "id": "msg_1", "subject": "Partnership Opportunity", "direction": "outbound", "sent_at": "2025-01-15T10:00:00Z" },
            { "id": "msg_2", "subject": "Re: Partnership Opportunity", "direction": "inbound", "received_at": "2025-01-20T14:00:00Z", "email_body": "Yes please" }
        ] }))).mount(&server).await;
    let event = |to: &str| smartlead::parse_webhook(json!({ "event_type": "EMAIL_REPLY", "campaign_id": "123", "to_email": to }).to_string().as_bytes()).unwrap();
    let got = client(&server).fetch_reply(&event("lead@example.com")).await.unwrap().unwrap();
    assert_eq!((got.text.as_str(), got.subject.as_deref()), ("Yes please", Some("Re: Partnership Opportunity")));
    assert_eq!(client(&server).fetch_reply(&event("nobody@example.com")).await.unwrap(), None);
}

#[tokio::test]
async fn a_follow_up_answers_the_smartlead_thread_once_and_a_retry_finds_it_by_its_key() {
    let server = MockServer::start().await;
    let follow_up = email("follow-up-2@agency.example");
    Mock::given(method("GET")).and(path("/leads/")).respond_with(ResponseTemplate::new(200).set_body_json(lead_by_email("k1", 123))).mount(&server).await;
    let before = Mock::given(method("GET")).and(path("/campaigns/123/leads/2233/message-history"))
        .respond_with(ResponseTemplate::new(200).set_body_json(history())).up_to_n_times(1).mount_as_scoped(&server).await;
    Mock::given(method("POST"))
        .and(path("/campaigns/123/reply-email-thread"))
        .and(query_param("api_key", KEY))
        .and(body_partial_json(json!({ "email_stats_id": "s-1", "reply_message_id": "<reply-2@mail.example>", "reply_email_time": "2026-11-22T10:00:00.000Z", "to_email": "lead@example.com" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "success": true, "message": "Reply sent successfully" })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client(&server).send_follow_up(&follow_up).await.unwrap(), SendOutcome::Accepted { provider_ref: Some("s-1".into()) });
    drop(before);
    let posted: serde_json::Value = serde_json::from_slice(&server.received_requests().await.unwrap().iter().find(|r| r.url.path().ends_with("reply-email-thread")).unwrap().body).unwrap();
    let body = posted["email_body"].as_str().unwrap().to_string();
    assert!(body.contains("<!-- agency-os-key:follow-up-2@agency.example -->"));

    // After a crash: the history shows our message with the key; nothing is posted again.
    let mut after = history();
    after["history"].as_array_mut().unwrap().push(json!({ "type": "SENT", "stats_id": "s-1", "message_id": "<f2@mail.example>", "time": "2026-11-23T09:00:00.000Z", "email_body": body }));
    Mock::given(method("GET")).and(path("/campaigns/123/leads/2233/message-history")).respond_with(ResponseTemplate::new(200).set_body_json(after)).mount(&server).await;
    assert_eq!(client(&server).send_follow_up(&follow_up).await.unwrap(), SendOutcome::AlreadyAccepted { provider_ref: Some("s-1".into()) });
    assert!(client(&server).find_follow_up(&follow_up).await.unwrap().is_some());
    server.verify().await;
}
