//! The sandbox playing an external sender, and the metering decorator around a sender.

use domain::ids::WorkspaceId;
use engine::ledger::{MemoryLedger, UnitCosts};
use engine::providers::metered::{LedgerScope, Metered};
use engine::providers::sandbox::{Sandbox, SandboxProfile};
use engine::providers::sender::{ExternalSender, IdempotencyKey, OutboundEmail, Refusal, SendOutcome};
use engine::providers::{BreakerConfig, CircuitBreaker, ProviderName};
use std::sync::Arc;
use uuid::Uuid;

fn email(key: &str, to: &str) -> OutboundEmail {
    OutboundEmail::new(IdempotencyKey::parse(key).unwrap(), "camp-1", to, "Hello", "<p>Hi</p>").unwrap()
}

fn sandbox() -> Sandbox {
    Sandbox::with_profile(7, SandboxProfile::perfect()).acting_as(ProviderName::Instantly)
}

#[tokio::test]
async fn the_sandbox_queues_once_and_reconciles_a_retry_by_key() {
    let s = sandbox();
    let first = s.send(&email("k1", "ana@example.com")).await.unwrap();
    let SendOutcome::Accepted { provider_ref } = first else {
        panic!("{first:?}")
    };
    assert_eq!(
        s.send(&email("k1", "ana@example.com")).await.unwrap(),
        SendOutcome::AlreadyAccepted { provider_ref }
    );
    assert_eq!(
        s.send(&email("k2", "ana@example.com")).await.unwrap(),
        SendOutcome::Refused(Refusal::AlreadyInCampaign)
    );
    assert_eq!(
        s.find(&email("k9", "ana@example.com")).await.unwrap().unwrap().key.as_deref(),
        Some("k1")
    );
    assert_eq!(s.find(&email("k9", "bo@example.com")).await.unwrap(), None);
    assert_eq!(
        s.send(&email("k3", "x@nowhere.invalid")).await.unwrap(),
        SendOutcome::Refused(Refusal::InvalidAddress)
    );
}

#[tokio::test]
async fn the_sandbox_is_deterministic_across_instances() {
    let (a, b) = (sandbox(), sandbox());
    assert_eq!(
        a.send(&email("k1", "ana@example.com")).await.unwrap(),
        b.send(&email("k1", "ana@example.com")).await.unwrap()
    );
}

#[tokio::test]
async fn only_a_queued_send_is_written_to_the_ledger_by_key_not_address() {
    let ledger = Arc::new(MemoryLedger::new());
    let workspace = WorkspaceId(Uuid::new_v4());
    let costs = UnitCosts {
        instantly_email: 0.002,
        ..UnitCosts::default()
    };
    let metered = Metered::new(
        Arc::new(sandbox()),
        Arc::new(CircuitBreaker::new(BreakerConfig::default())),
        ledger.clone(),
        Arc::new(costs),
        LedgerScope {
            workspace,
            campaign: None,
        },
    );
    metered.send(&email("k1", "ana@example.com")).await.unwrap();
    metered.send(&email("k1", "ana@example.com")).await.unwrap();
    metered.send(&email("k2", "x@nowhere.invalid")).await.unwrap();
    let rows = ledger.entries();
    assert_eq!(rows.len(), 1);
    let (ws, entry) = &rows[0];
    assert_eq!(*ws, workspace);
    assert_eq!((entry.provider.as_str(), entry.operation.as_str()), ("instantly", "lead_add"));
    assert_eq!(entry.cost, engine::ledger::CostAud(20));
    assert_eq!(entry.lead_ref.as_deref(), Some("k1"));
}
