use crate::{fixture, settings};
use engine::providers::instantly::{self, InstantlyClient};
use engine::providers::sender::{
    ExternalSender, IdempotencyKey, OutboundEmail, Refusal, SendOutcome, SenderEventKind, BODY_VARIABLE,
    KEY_VARIABLE, SUBJECT_VARIABLE,
};
use engine::providers::{ApiKey, ProviderError, ProviderName};
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "instantly-secret-key";
const CAMPAIGN: &str = "019ffad2-9c4e-7be6-8364-ed444afb02d5";

fn client(server: &MockServer) -> InstantlyClient {
    InstantlyClient::new(ApiKey::new(KEY), settings(&server.uri())).unwrap()
}

fn email(key: &str) -> OutboundEmail {
    OutboundEmail::new(
        IdempotencyKey::parse(key).unwrap(),
        CAMPAIGN,
        "Ana@Example.com",
        "Quick question about Acme",
        "<p>Hi Ana</p>",
    )
    .unwrap()
    .with_names(Some("Ana"), Some("Ng"), Some("Acme"))
}

/// The documented 200 summary of `POST /api/v2/leads/add`, every required field present.
fn summary(uploaded: u32, in_blocklist: u32, duplicated: u32, invalid: u32) -> serde_json::Value {
    json!({
        "status": "success",
        "total_sent": 1,
        "leads_uploaded": uploaded,
        "in_blocklist": in_blocklist,
        "blocklist_used": null,
        "duplicated_leads": duplicated,
        "skipped_count": 0,
        "invalid_email_count": invalid,
        "incomplete_count": 0,
        "duplicate_email_count": 0,
        "remaining_in_plan": 9993,
        "created_leads": if uploaded > 0 {
            json!([{ "id": "019ffad2-9c4e-7be6-8364-ed4963ebc549", "email": "ana@example.com", "index": 0 }])
        } else { json!([]) }
    })
}

fn error(status: u16, error: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "statusCode": status, "error": error, "message": message }))
}

#[tokio::test]
async fn a_send_adds_the_lead_to_the_campaign_with_our_key_subject_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/add"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_partial_json(json!({
            "campaign_id": CAMPAIGN,
            "skip_if_in_campaign": false,
            "leads": [{
                "email": "ana@example.com",
                "first_name": "Ana",
                "last_name": "Ng",
                "company_name": "Acme",
                "custom_variables": {
                    KEY_VARIABLE: "outbox-1",
                    SUBJECT_VARIABLE: "Quick question about Acme",
                    BODY_VARIABLE: "<p>Hi Ana</p>"
                }
            }]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(summary(1, 0, 0, 0)))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        client(&server).send(&email("outbox-1")).await,
        Ok(SendOutcome::Accepted {
            provider_ref: Some("019ffad2-9c4e-7be6-8364-ed4963ebc549".into())
        })
    );
}

fn lead_page(key: &str) -> serde_json::Value {
    json!({
        "items": [{
            "id": "019ffad2-53a3-7590-935f-b48cddbf2d9e",
            "timestamp_created": "2026-11-20T01:00:00.000Z",
            "timestamp_updated": "2026-11-20T01:00:00.000Z",
            "organization": "019ffad2-0000-7590-935f-b48cddbf2d9e",
            "campaign": CAMPAIGN,
            "status": 1,
            "email": "ana@example.com",
            "email_open_count": 0,
            "email_reply_count": 0,
            "email_click_count": 0,
            "company_domain": "example.com",
            "status_summary": {},
            "payload": { KEY_VARIABLE: key, SUBJECT_VARIABLE: "Quick question about Acme" }
        }],
        "next_starting_after": null
    })
}

#[tokio::test]
async fn a_retried_send_after_a_crash_is_reconciled_by_its_key_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/add"))
        .respond_with(ResponseTemplate::new(200).set_body_json(summary(0, 0, 1, 0)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/list"))
        .and(body_partial_json(json!({ "campaign": CAMPAIGN, "contacts": ["ana@example.com"] })))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_page("outbox-1")))
        .expect(1)
        .mount(&server)
        .await;

    assert_eq!(
        client(&server).send(&email("outbox-1")).await,
        Ok(SendOutcome::AlreadyAccepted {
            provider_ref: Some("019ffad2-53a3-7590-935f-b48cddbf2d9e".into())
        })
    );
}

#[tokio::test]
async fn a_lead_already_in_the_campaign_with_another_message_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/add"))
        .respond_with(ResponseTemplate::new(200).set_body_json(summary(0, 0, 1, 0)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(lead_page("outbox-0")))
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).send(&email("outbox-1")).await,
        Ok(SendOutcome::Refused(Refusal::AlreadyInCampaign))
    );
}

#[tokio::test]
async fn find_reports_no_lead_when_the_campaign_has_none() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v2/leads/list"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "items": [] })))
        .mount(&server)
        .await;
    assert_eq!(client(&server).find(&email("outbox-1")).await, Ok(None));
}

#[tokio::test]
async fn blocklisted_and_invalid_addresses_are_refusals() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(summary(0, 1, 0, 0)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(summary(0, 0, 0, 1)))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.send(&email("k1")).await, Ok(SendOutcome::Refused(Refusal::Blocklisted)));
    assert_eq!(c.send(&email("k2")).await, Ok(SendOutcome::Refused(Refusal::InvalidAddress)));
}

#[tokio::test]
async fn each_documented_error_is_typed() {
    let cases = [
        (
            error(400, "Bad Request", "body/leads/0/email must be string"),
            ProviderError::BadRequest("body/leads/0/email must be string".into()),
        ),
        (error(401, "Unauthorized", "Missing Authorization header"), ProviderError::Unauthorized),
        (
            error(402, "Payment Required", "Workspace does not have an active paid plan"),
            ProviderError::InsufficientCredits,
        ),
        (error(404, "Not Found", "Resource not found"), ProviderError::NotFound),
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
async fn a_429_waits_the_retry_after_it_names_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(429, "Too Many Requests", "Rate limit exceeded").insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(summary(1, 0, 0, 0)))
        .mount(&server)
        .await;
    let started = Instant::now();
    assert!(matches!(
        client(&server).send(&email("k")).await,
        Ok(SendOutcome::Accepted { .. })
    ));
    // Our own backoff is at most 20 ms in these settings: only Retry-After explains a second.
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_persistent_429_is_rate_limited_with_the_wait_it_asked_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(429, "Too Many Requests", "Rate limit exceeded").insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).send(&email("k")).await,
        Err(ProviderError::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        })
    );
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
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"leads_uploaded\": ", "application/json"))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).send(&email("k")).await,
        Err(ProviderError::Malformed(_))
    ));
}

#[tokio::test]
async fn errors_never_carry_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(error(400, "Bad Request", "bad"))
        .mount(&server)
        .await;
    let e = client(&server).send(&email("k")).await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains(KEY));
    assert!(!format!("{:?}", client(&server)).contains(KEY));
}

/// A payload for `event_type` carrying every field the derived webhook reference lists.
fn hook(event_type: &str) -> serde_json::Value {
    json!({
        "timestamp": "2026-11-24T03:15:00.000Z",
        "event_type": event_type,
        "workspace": "019ffad2-0000-7be6-8364-ed444afb02d5",
        "campaign_id": CAMPAIGN,
        "campaign_name": "Agency OS — Acme",
        "lead_email": "Ana@Example.com",
        "email_account": "sam@acme-mail.com",
        "unibox_url": "https://app.instantly.ai/app/unibox?thread=1",
        "step": 1,
        "variant": 1,
        "is_first": true,
        "email_id": "019ffad2-eeee-7be6-8364-ed444afb02d5",
        "email_subject": "Quick question about Acme",
        "email_text": "Hi Ana",
        "email_html": "<p>Hi Ana</p>",
        "reply_text_snippet": "Sounds good",
        "reply_subject": "Re: Quick question about Acme",
        "reply_text": "Sounds good, call me Tuesday.",
        "reply_html": "<p>Sounds good, call me Tuesday.</p>"
    })
}

#[test]
fn every_documented_event_type_parses() {
    let reference: serde_json::Value =
        serde_json::from_str(&fixture("instantly-webhooks.DERIVED.json")).unwrap();
    let types = reference["payload_event_types"].as_array().unwrap();
    assert!(types.len() >= 10);
    for t in types {
        let e = instantly::parse_webhook(hook(t.as_str().unwrap()).to_string().as_bytes()).unwrap();
        assert_eq!(e.provider, ProviderName::Instantly);
        assert_eq!(e.lead_email.as_deref(), Some("ana@example.com"));
        assert_eq!(e.campaign.as_deref(), Some(CAMPAIGN));
        assert_eq!(e.step, Some(1));
        assert!(e.occurred_at.is_some());
    }
}

#[test]
fn sent_reply_bounce_and_unsubscribe_events_map_to_our_vocabulary() {
    let kind = |t: &str| instantly::parse_webhook(hook(t).to_string().as_bytes()).unwrap().kind;
    assert_eq!(kind("email_sent"), SenderEventKind::Sent);
    assert_eq!(kind("email_opened"), SenderEventKind::Opened);
    assert_eq!(kind("link_clicked"), SenderEventKind::Clicked);
    assert_eq!(
        kind("reply_received"),
        SenderEventKind::Replied {
            subject: Some("Re: Quick question about Acme".into()),
            text: Some("Sounds good, call me Tuesday.".into()),
            untracked: false
        }
    );
    assert!(matches!(kind("auto_reply_received"), SenderEventKind::AutoReplied { .. }));
    assert_eq!(kind("email_bounced"), SenderEventKind::Bounced);
    assert_eq!(kind("lead_unsubscribed"), SenderEventKind::Unsubscribed);
    assert_eq!(
        kind("lead_interested"),
        SenderEventKind::Other {
            name: "lead_interested".into()
        }
    );
    let reply = instantly::parse_webhook(hook("reply_received").to_string().as_bytes()).unwrap();
    assert_eq!(reply.message_id.as_deref(), Some("019ffad2-eeee-7be6-8364-ed444afb02d5"));
}

#[test]
fn a_webhook_without_an_event_type_or_not_json_is_malformed() {
    assert!(matches!(
        instantly::parse_webhook(br#"{"lead_email": "a@b.co"}"#),
        Err(ProviderError::Malformed(_))
    ));
    assert!(matches!(
        instantly::parse_webhook(b"<html>"),
        Err(ProviderError::Malformed(_))
    ));
}

/// Instantly's documented Email object, as `GET /api/v2/emails/{id}` answers for a lead's reply.
fn reply_email(id: &str, text: Option<&str>, html: &str) -> serde_json::Value {
    json!({
        "id": id, "thread_id": "t-1", "message_id": "<CAJ-reply-1@mail.gmail.com>",
        "timestamp_created": "2026-11-24T03:16:00.000Z", "timestamp_email": "2026-11-24T03:15:30.000Z",
        "subject": "Re: Quick question about Acme", "body": { "text": text, "html": html },
        "content_preview": "Sounds good", "from_address_email": "ana@example.com", "to_address_email_list": "sam@acme-mail.com",
        "eaccount": "sam@acme-mail.com", "lead": "ana@example.com", "campaign_id": CAMPAIGN, "organization_id": "org", "ue_type": 2,
        "is_auto_reply": 0
    })
}

#[tokio::test]
async fn a_reply_named_by_its_email_id_is_read_in_full_through_the_api() {
    let server = MockServer::start().await;
    let id = "019ffad2-eeee-7be6-8364-ed444afb02d5";
    Mock::given(method("GET"))
        .and(path(format!("/api/v2/emails/{id}")))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(reply_email(id, None, "<div>Sounds good, call me <b>Tuesday</b>.</div><div>Ana</div>")))
        .expect(1)
        .mount(&server)
        .await;
    let mut event = hook("reply_received");
    event.as_object_mut().unwrap().remove("reply_text");
    let event = instantly::parse_webhook(event.to_string().as_bytes()).unwrap();
    let got = client(&server).fetch_reply(&event).await.unwrap().expect("the reply");
    assert_eq!(got.text, "Sounds good, call me Tuesday.\n\nAna");
    assert_eq!(got.subject.as_deref(), Some("Re: Quick question about Acme"));
    assert_eq!(got.message_id.as_deref(), Some("<CAJ-reply-1@mail.gmail.com>"));
    assert_eq!(got.received_at.unwrap().to_rfc3339(), "2026-11-24T03:15:30+00:00");
}

#[tokio::test]
async fn a_reply_body_is_capped_and_an_unknown_or_unsafe_id_reads_nothing() {
    let server = MockServer::start().await;
    let id = "019ffad2-ffff-7be6-8364-ed444afb02d5";
    let huge = "x".repeat(200 * 1024);
    Mock::given(method("GET")).and(path(format!("/api/v2/emails/{id}"))).respond_with(ResponseTemplate::new(200).set_body_json(reply_email(id, Some(&huge), ""))).mount(&server).await;
    Mock::given(method("GET")).and(path("/api/v2/emails/gone")).respond_with(error(404, "Not Found", "Email not found")).mount(&server).await;
    let event = |email_id: &str| {
        let mut e = hook("reply_received");
        e["email_id"] = json!(email_id);
        instantly::parse_webhook(e.to_string().as_bytes()).unwrap()
    };
    let got = client(&server).fetch_reply(&event(id)).await.unwrap().unwrap();
    assert_eq!(got.text.len(), engine::providers::sender::MAX_REPLY_BYTES);
    assert_eq!(client(&server).fetch_reply(&event("gone")).await.unwrap(), None);
    // An id that would change the path is never sent.
    assert_eq!(client(&server).fetch_reply(&event("../campaigns")).await.unwrap(), None);
    assert!(server.received_requests().await.unwrap().iter().all(|r| r.url.path().starts_with("/api/v2/emails/")));
}

/// `GET /api/v2/emails` for the lead: our campaign's first email, and `extra` messages newer.
fn thread(extra: Vec<serde_json::Value>) -> serde_json::Value {
    let mut items = extra;
    items.push(json!({ "id": "019ffad2-0001-7be6-8364-ed444afb02d5", "eaccount": "sam@acme-mail.com", "ue_type": 1, "lead": "ana@example.com",
                       "campaign_id": CAMPAIGN, "subject": "Quick question about Acme", "body": { "html": "<p>Hi Ana</p>" } }));
    json!({ "items": items, "next_starting_after": null })
}

#[tokio::test]
async fn a_follow_up_answers_the_leads_thread_once_and_a_retry_finds_it_by_its_key() {
    let server = MockServer::start().await;
    let follow_up = email("follow-up-2@agency.example");
    Mock::given(method("POST"))
        .and(path("/api/v2/emails/reply"))
        .and(body_partial_json(json!({ "reply_to_uuid": "019ffad2-0001-7be6-8364-ed444afb02d5", "eaccount": "sam@acme-mail.com", "subject": "Quick question about Acme" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "id": "019ffad2-0002-7be6-8364-ed444afb02d5" })))
        .expect(1)
        .mount(&server)
        .await;
    // Before the send the thread holds our first email only.
    let list = Mock::given(method("GET")).and(path("/api/v2/emails")).respond_with(ResponseTemplate::new(200).set_body_json(thread(vec![]))).up_to_n_times(1).mount_as_scoped(&server).await;
    let out = client(&server).send_follow_up(&follow_up).await.unwrap();
    assert_eq!(out, SendOutcome::Accepted { provider_ref: Some("019ffad2-0002-7be6-8364-ed444afb02d5".into()) });
    drop(list);
    let sent: serde_json::Value = serde_json::from_slice(&server.received_requests().await.unwrap().iter().find(|r| r.url.path() == "/api/v2/emails/reply").unwrap().body).unwrap();
    let html = sent["body"]["html"].as_str().unwrap();
    assert!(html.starts_with("<p>Hi Ana</p>") && html.contains("<!-- agency-os-key:follow-up-2@agency.example -->"), "{html}");

    // The worker died before recording it: the retry reads the thread, finds our key, sends nothing.
    let ours = json!({ "id": "019ffad2-0002-7be6-8364-ed444afb02d5", "eaccount": "sam@acme-mail.com", "ue_type": 3, "body": { "html": html } });
    Mock::given(method("GET")).and(path("/api/v2/emails")).respond_with(ResponseTemplate::new(200).set_body_json(thread(vec![ours]))).mount(&server).await;
    assert_eq!(client(&server).send_follow_up(&follow_up).await.unwrap(), SendOutcome::AlreadyAccepted { provider_ref: Some("019ffad2-0002-7be6-8364-ed444afb02d5".into()) });
    assert!(client(&server).find_follow_up(&follow_up).await.unwrap().is_some());
    assert!(client(&server).find_follow_up(&email("another-key@agency.example")).await.unwrap().is_none());
    server.verify().await;
}

#[tokio::test]
async fn a_follow_up_before_the_first_email_went_out_waits() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).and(path("/api/v2/emails")).respond_with(ResponseTemplate::new(200).set_body_json(json!({ "items": [] }))).mount(&server).await;
    Mock::given(method("POST")).and(path("/api/v2/emails/reply")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    assert!(matches!(client(&server).send_follow_up(&email("f-1@agency.example")).await, Err(ProviderError::NotFound)));
}
