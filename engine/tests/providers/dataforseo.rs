use crate::settings;
use base64::Engine as _;
use engine::providers::dataforseo::{DataForSeoClient, SeoLocale};
use engine::providers::{ApiKey, ProviderError, SeoSignals};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> DataForSeoClient {
    DataForSeoClient::new(
        "login@agency.example",
        ApiKey::new("dfs-password"),
        SeoLocale::default(),
        settings(&server.uri()),
    )
    .unwrap()
}

fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("login@agency.example:dfs-password")
    )
}

fn envelope(task_status: u32, task_message: &str, result: serde_json::Value, path: &[&str]) -> serde_json::Value {
    json!({
        "version": "0.1.20250526", "status_code": 20000, "status_message": "Ok.", "time": "0.2 sec.", "cost": 0.0101,
        "tasks_count": 1, "tasks_error": if task_status == 20000 { 0 } else { 1 },
        "tasks": [{
            "id": "11271217-1535-0385-0000-6a0c6b1d9a64", "status_code": task_status, "status_message": task_message,
            "time": "0.1 sec.", "cost": 0.0101, "result_count": 1, "path": path, "data": {},
            "result": result
        }]
    })
}

/// Labs domain rank overview's documented 200 shape (docs.dataforseo.com v3).
fn rank_body() -> serde_json::Value {
    envelope(
        20000,
        "Ok.",
        json!([{
            "se_type": "google", "target": "koalabyte.com.au", "location_code": 2036, "language_code": "en",
            "total_count": 1, "items_count": 1,
            "items": [{
                "se_type": "google", "location_code": 2036, "language_code": "en",
                "metrics": {
                    "organic": { "pos_1": 12, "pos_2_3": 30, "pos_4_10": 58, "pos_11_20": 90, "etv": 5214.3, "impressions_etv": 9000.1,
                                 "count": 740, "estimated_paid_traffic_cost": 3100.5, "is_new": 20, "is_up": 40, "is_down": 18, "is_lost": 9 },
                    "paid": { "pos_1": 0, "etv": 0, "count": 0 }
                }
            }]
        }]),
        &["v3", "dataforseo_labs", "google", "domain_rank_overview", "live"],
    )
}

#[tokio::test]
async fn domain_rank_reads_the_documented_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/dataforseo_labs/google/domain_rank_overview/live"))
        .and(header("authorization", basic().as_str()))
        .and(body_partial_json(
            json!([{ "target": "koalabyte.com.au", "location_code": 2036 }]),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(rank_body()))
        .expect(1)
        .mount(&server)
        .await;
    let r = client(&server)
        .domain_rank("https://www.koalabyte.com.au/")
        .await
        .unwrap();
    assert_eq!(r.organic_keywords, 740);
    assert_eq!(r.keywords_top10, 100);
    assert!((r.organic_etv - 5214.3).abs() < 1e-9);
}

#[tokio::test]
async fn a_domain_with_no_rankings_has_empty_signals() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(20000, "Ok.", json!(null), &["v3"])))
        .mount(&server)
        .await;
    let r = client(&server).domain_rank("tiny-site.com.au").await.unwrap();
    assert_eq!((r.organic_keywords, r.keywords_top10), (0, 0));
}

#[tokio::test]
async fn backlinks_summary_reads_the_documented_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/backlinks/summary/live"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            20000,
            "Ok.",
            json!([{
                "target": "koalabyte.com.au", "first_seen": "2019-11-14 18:24:39 +00:00", "lost_date": null, "rank": 312,
                "backlinks": 18234, "backlinks_spam_score": 4, "crawled_pages": 820,
                "info": { "server": "cloudflare", "cms": null, "platform_type": ["blogs"], "ip_address": "104.16.0.1",
                          "country": "AU", "is_ip": false, "target_spam_score": 2 },
                "internal_links_count": 5000, "external_links_count": 700, "broken_backlinks": 12, "broken_pages": 3,
                "referring_domains": 640, "referring_domains_nofollow": 120, "referring_main_domains": 590
            }]),
            &["v3", "backlinks", "summary", "live"],
        )))
        .mount(&server)
        .await;
    let b = client(&server).backlinks("koalabyte.com.au").await.unwrap();
    assert_eq!(
        (b.rank, b.backlinks, b.referring_domains, b.spam_score),
        (312, 18234, 640, 2)
    );
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "version": "0.1.20250526", "status_code": 40100,
            "status_message": "You are not authorized to access this resource.", "tasks": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).backlinks("koalabyte.com.au").await,
        Err(ProviderError::Unauthorized)
    );
}

#[tokio::test]
async fn an_invalid_field_in_the_task_is_a_bad_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            40501,
            "Invalid Field: 'target'.",
            json!(null),
            &["v3"],
        )))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).domain_rank("not a domain").await,
        Err(ProviderError::BadRequest("Invalid Field: 'target'.".into()))
    );
}

#[tokio::test]
async fn an_empty_balance_is_insufficient_credits() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(402)
                .set_body_json(json!({ "status_code": 40200, "status_message": "Payment Required." })),
        )
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).domain_rank("koalabyte.com.au").await,
        Err(ProviderError::InsufficientCredits)
    );
}

#[tokio::test]
async fn an_internal_error_in_the_body_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(
            50000,
            "Internal Error.",
            json!(null),
            &["v3"],
        )))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(rank_body()))
        .expect(1)
        .mount(&server)
        .await;
    assert!(client(&server).domain_rank("koalabyte.com.au").await.is_ok());
}

#[tokio::test]
async fn malformed_json_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{\"status_code\": \"x\"}", "application/json"))
        .mount(&server)
        .await;
    assert!(matches!(
        client(&server).domain_rank("koalabyte.com.au").await,
        Err(ProviderError::Malformed(_))
    ));
}
