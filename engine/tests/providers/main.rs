//! Provider integration tests: every real client against a local wiremock server answering the
//! providers' documented payloads and errors, the sandbox's determinism, the circuit breaker,
//! the metering decorator and the Postgres cost ledger.

mod ai_spend;
mod apollo;
mod bettercontact;
mod breaker_and_metering;
mod checks;
mod clay;
mod dataforseo;
mod hostile_model;
mod hunter;
mod instantly;
mod ledger;
mod llm;
mod sandbox;
mod sender_sandbox;
mod smartlead;
mod twilio;

use engine::providers::{HttpSettings, RetryPolicy};
use std::time::Duration;

/// Fast retries and a short timeout so error-path tests take milliseconds, not seconds.
pub fn settings(base: &str) -> HttpSettings {
    HttpSettings {
        base_url: base.to_string(),
        timeout: Duration::from_millis(300),
        connect_timeout: Duration::from_millis(300),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_total_wait: Duration::from_secs(5),
        },
        net: None,
    }
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/providers/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture file")
}

/// The real Redis on 127.0.0.1:6379 under a fresh namespace, so tests never see each other's keys.
pub async fn redis() -> engine::cache::Redis {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    engine::cache::Redis::connect(&url, format!("test-{}:", uuid::Uuid::new_v4()))
        .await
        .expect("redis")
}
