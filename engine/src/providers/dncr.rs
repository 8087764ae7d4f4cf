//! The Do Not Call Register wash (SPEC §10.7): before a voice call to an Australian number, ask
//! the register whether the number is registered.
//!
//! The register operator answers a submitted list (a list may be one number) per number:
//! registered or not, with a reference for the wash (Do Not Call Register Act 2006 s 19; see
//! `../shared/reference/providers/acma-dncr-wash-and-calling-rules.json`). No public machine
//! interface is documented — the access-seeker account provides the file format — so the
//! register sits behind [`DncrWash`], with the deterministic [`SandboxDncr`] as the default; a
//! real client is written against the operator's specification once an account has it.
//!
//! What this module must not do: cache answers (that is `flows::calling` with the
//! `dncr_washes` table) or decide whether a call may be made.

use super::ProviderError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::phone::E164;
use sha2::{Digest, Sha256};

/// The register's answer for one number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WashResult {
    pub number: E164,
    /// The number is on the register: no telemarketing call may be made to it.
    pub listed: bool,
    /// The register's reference for this wash, kept as the caller's evidence.
    pub reference: String,
    pub washed_at: DateTime<Utc>,
}

/// A Do Not Call Register wash service.
#[async_trait]
pub trait DncrWash: Send + Sync {
    /// Washes `numbers` (Australian numbers only; others are not the register's business and are
    /// left out of the answer). One answer per number washed.
    async fn wash(&self, numbers: &[E164], now: DateTime<Utc>) -> Result<Vec<WashResult>, ProviderError>;
}

/// The sandbox register: no network, the same answer every time. A number is listed when its
/// last digit is 0 (one in ten, and easy to pick for a demo: `+61 412 345 670` is listed,
/// `+61 412 345 678` is not). Its references start with `sandbox-`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SandboxDncr;

impl SandboxDncr {
    pub fn is_listed(number: &E164) -> bool {
        number.as_str().ends_with('0')
    }
}

#[async_trait]
impl DncrWash for SandboxDncr {
    async fn wash(&self, numbers: &[E164], now: DateTime<Utc>) -> Result<Vec<WashResult>, ProviderError> {
        let batch = hex::encode(&Sha256::digest(format!("{now:?}{numbers:?}").as_bytes())[..6]);
        Ok(numbers
            .iter()
            .filter(|n| n.is_australian())
            .map(|n| WashResult { number: n.clone(), listed: Self::is_listed(n), reference: format!("sandbox-{batch}"), washed_at: now })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sandbox_lists_numbers_ending_in_zero_and_skips_foreign_ones() {
        let n = |s: &str| E164::parse(s).unwrap();
        let now = Utc::now();
        let out = SandboxDncr.wash(&[n("+61412345670"), n("+61412345678"), n("+14155552671")], now).await.unwrap();
        assert_eq!(out.len(), 2);
        assert!(out[0].listed);
        assert!(!out[1].listed);
        assert!(out.iter().all(|r| r.reference.starts_with("sandbox-") && r.washed_at == now));
    }
}
