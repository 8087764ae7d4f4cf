//! The decorator every provider is used through: [`Metered`] puts a provider behind its circuit
//! breaker and writes each billed call to the cost ledger, for one workspace (and campaign).
//!
//! Construct one per unit of work (a batch, a job) — it is a handful of `Arc` clones — with the
//! provider's process-wide breaker. It implements the same trait it wraps, so the waterfall
//! cannot tell it from the provider.
//!
//! What is recorded: every call the provider answered — a result (units from the provider's own
//! count when it reports one, else the configured default), and a miss with zero units (the
//! providers bill no credit for a miss, but the lead's enrichment history shows it). Not
//! recorded: failures (nothing is billed), calls refused by an open circuit (nothing was
//! sent), and async polls that are still pending. A ledger write that fails is logged and does
//! not fail the call: the money is already spent and the result must not be thrown away.

use super::*;
use crate::ledger::{CostSink, LedgerEntry, Operation, UnitCosts};
use domain::ids::WorkspaceId;
use std::sync::Arc;
use uuid::Uuid;

/// Who pays for the calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerScope {
    pub workspace: WorkspaceId,
    pub campaign: Option<Uuid>,
}

pub struct Metered<P: ?Sized> {
    inner: Arc<P>,
    breaker: Arc<CircuitBreaker>,
    ledger: Arc<dyn CostSink>,
    costs: Arc<UnitCosts>,
    scope: LedgerScope,
}

impl<P: ?Sized> Clone for Metered<P> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            breaker: self.breaker.clone(),
            ledger: self.ledger.clone(),
            costs: self.costs.clone(),
            scope: self.scope,
        }
    }
}

impl<P: ?Sized> Metered<P> {
    pub fn new(
        inner: Arc<P>,
        breaker: Arc<CircuitBreaker>,
        ledger: Arc<dyn CostSink>,
        costs: Arc<UnitCosts>,
        scope: LedgerScope,
    ) -> Self {
        Self {
            inner,
            breaker,
            ledger,
            costs,
            scope,
        }
    }

    pub fn breaker(&self) -> &CircuitBreaker {
        &self.breaker
    }

    /// A call through the breaker, counted for the operator's `/metrics` by provider and
    /// outcome (`ok`, `no_match`, `circuit_open`, `error`).
    async fn guarded<T, Fut>(&self, provider: ProviderName, call: impl FnOnce() -> Fut) -> Result<T, ProviderError>
    where
        Fut: std::future::Future<Output = Result<T, ProviderError>>,
    {
        let result = self.breaker.call(call).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(ProviderError::NoMatch | ProviderError::NotFound) => "no_match",
            Err(ProviderError::CircuitOpen) => "circuit_open",
            Err(_) => "error",
        };
        metrics::counter!("provider_calls_total", "provider" => provider.as_str(), "outcome" => outcome).increment(1);
        result
    }

    async fn charge(&self, provider: ProviderName, op: Operation, units: f64, lead_ref: Option<String>) {
        let entry = LedgerEntry {
            provider: provider.as_str().to_string(),
            operation: op.name(provider).to_string(),
            units,
            cost: self.costs.cost(provider, op, units),
            campaign_id: self.scope.campaign,
            lead_ref,
        };
        if let Err(e) = self.ledger.record(self.scope.workspace, entry).await {
            tracing::error!(workspace = %self.scope.workspace, %provider, error = %e, "cost ledger write failed");
        }
    }

    fn units(&self, provider: ProviderName, op: Operation) -> f64 {
        self.costs.default_units(provider, op)
    }
}

#[async_trait]
impl<P: LeadSearch + ?Sized> LeadSearch for Metered<P> {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }

    async fn search_people(&self, query: &PeopleSearchQuery) -> Result<SearchPage, ProviderError> {
        let page = self.guarded(self.provider(), || self.inner.search_people(query)).await?;
        let p = self.provider();
        self.charge(p, Operation::Search, self.units(p, Operation::Search), None)
            .await;
        Ok(page)
    }
}

#[async_trait]
impl<P: Enrichment + ?Sized> Enrichment for Metered<P> {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }

    async fn enrich(&self, person: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        let p = self.provider();
        let result = self.guarded(self.provider(), || self.inner.enrich(person)).await;
        match &result {
            // Email finders and matchers bill for a revealed address, not for a profile.
            Ok(found) => {
                let units = if found.email.is_some() {
                    self.units(p, Operation::Enrich)
                } else {
                    0.0
                };
                self.charge(p, Operation::Enrich, units, person.lead_ref.clone()).await
            }
            Err(ProviderError::NoMatch) => self.charge(p, Operation::Enrich, 0.0, person.lead_ref.clone()).await,
            Err(_) => {}
        }
        result
    }
}

#[async_trait]
impl<P: AsyncEnrichment + ?Sized> AsyncEnrichment for Metered<P> {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }

    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let p = self.provider();
        let submission = self.guarded(self.provider(), || self.inner.submit(person)).await?;
        self.charge(
            p,
            Operation::AsyncSubmit,
            self.units(p, Operation::AsyncSubmit),
            person.lead_ref.clone(),
        )
        .await;
        Ok(submission)
    }

    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        let p = self.provider();
        let outcome = self.guarded(self.provider(), || self.inner.poll(submission)).await?;
        let default_units = self.units(p, Operation::AsyncResult);
        match &outcome {
            AsyncOutcome::Pending => {}
            AsyncOutcome::Done { units, .. } => {
                self.charge(p, Operation::AsyncResult, units.unwrap_or(default_units), None)
                    .await
            }
            AsyncOutcome::NoMatch { units } => self.charge(p, Operation::AsyncResult, units.unwrap_or(0.0), None).await,
        }
        Ok(outcome)
    }
}

#[async_trait]
impl<P: EmailVerifier + ?Sized> EmailVerifier for Metered<P> {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }

    async fn verify(&self, email: &str) -> Result<Verification, ProviderError> {
        let p = self.provider();
        let v = self.guarded(self.provider(), || self.inner.verify(email)).await?;
        // No lead_ref: the address itself is personal data and stays out of the ledger.
        self.charge(p, Operation::Verify, self.units(p, Operation::Verify), None)
            .await;
        Ok(v)
    }
}

#[async_trait]
impl<P: SeoSignals + ?Sized> SeoSignals for Metered<P> {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }

    async fn domain_rank(&self, domain: &str) -> Result<DomainRank, ProviderError> {
        let p = self.provider();
        let r = self.guarded(self.provider(), || self.inner.domain_rank(domain)).await?;
        self.charge(
            p,
            Operation::DomainRank,
            self.units(p, Operation::DomainRank),
            Some(bare_domain(domain)),
        )
        .await;
        Ok(r)
    }

    async fn backlinks(&self, domain: &str) -> Result<BacklinkSummary, ProviderError> {
        let p = self.provider();
        let r = self.guarded(self.provider(), || self.inner.backlinks(domain)).await?;
        self.charge(
            p,
            Operation::Backlinks,
            self.units(p, Operation::Backlinks),
            Some(bare_domain(domain)),
        )
        .await;
        Ok(r)
    }
}

/// Sends are charged when the platform queued the email (`Accepted`); a reconciled
/// `AlreadyAccepted` was charged by the call that queued it, and a refusal queued nothing.
#[async_trait]
impl<P: sender::ExternalSender + ?Sized> sender::ExternalSender for Metered<P> {
    fn provider(&self) -> ProviderName {
        self.inner.provider()
    }

    async fn send(&self, email: &sender::OutboundEmail) -> Result<sender::SendOutcome, ProviderError> {
        let p = self.provider();
        let outcome = self.guarded(self.provider(), || self.inner.send(email)).await?;
        if let sender::SendOutcome::Accepted { .. } = &outcome {
            // The key, not the address: the ledger holds no personal data.
            self.charge(p, Operation::Send, self.units(p, Operation::Send), Some(email.key.to_string()))
                .await;
        }
        Ok(outcome)
    }

    async fn find(&self, email: &sender::OutboundEmail) -> Result<Option<sender::FoundSend>, ProviderError> {
        self.guarded(self.provider(), || self.inner.find(email)).await
    }

    async fn fetch_reply(&self, event: &sender::SenderEvent) -> Result<Option<sender::FetchedReply>, ProviderError> {
        self.guarded(self.provider(), || self.inner.fetch_reply(event)).await
    }

    async fn send_follow_up(&self, email: &sender::OutboundEmail) -> Result<sender::SendOutcome, ProviderError> {
        let p = self.provider();
        let outcome = self.guarded(self.provider(), || self.inner.send_follow_up(email)).await?;
        if let sender::SendOutcome::Accepted { .. } = &outcome {
            self.charge(p, Operation::Send, self.units(p, Operation::Send), Some(email.key.to_string())).await;
        }
        Ok(outcome)
    }

    async fn find_follow_up(&self, email: &sender::OutboundEmail) -> Result<Option<sender::FoundSend>, ProviderError> {
        self.guarded(self.provider(), || self.inner.find_follow_up(email)).await
    }
}
