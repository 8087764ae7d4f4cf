//! Structured logs: JSON lines by default, each request's span carrying its request id.

use crate::config::{Config, LogFormat};
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.log_format {
        LogFormat::Json => registry.with(fmt::layer().json().with_current_span(true).with_span_list(false)).try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
    // A second init (tests) is harmless.
    let _ = result;
}

/// The path as logged: the token of a provider callback (`/webhooks/{provider}/{ws}/{token}`),
/// an unsubscribe link (`/u/{token}`) or an invitation (`/invite/{token}`) is a credential, so
/// it is replaced by `[redacted]`.
pub fn redact_path(path: &str) -> std::borrow::Cow<'_, str> {
    let parts: Vec<&str> = path.split('/').collect();
    let token_at = match parts.as_slice() {
        ["", "webhooks", _, _, _, ..] => Some(4),
        ["", "u", _, ..] | ["", "invite", _, ..] => Some(2),
        _ => None,
    };
    match token_at {
        Some(i) => {
            let mut parts = parts;
            parts[i] = "[redacted]";
            parts.join("/").into()
        }
        None => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_in_paths_are_redacted_and_other_paths_kept() {
        assert_eq!(redact_path("/webhooks/instantly/6f1c/s3cr3t-token"), "/webhooks/instantly/6f1c/[redacted]");
        assert_eq!(redact_path("/webhooks/clay/6f1c/s3cr3t/extra"), "/webhooks/clay/6f1c/[redacted]/extra");
        assert_eq!(redact_path("/u/AbC_token"), "/u/[redacted]");
        assert_eq!(redact_path("/invite/tok"), "/invite/[redacted]");
        assert_eq!(redact_path("/w/1/leads"), "/w/1/leads");
        assert_eq!(redact_path("/api/login"), "/api/login");
    }
}
