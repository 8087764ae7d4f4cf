//! Stripe: Checkout sessions (subscribe), Customer Portal sessions (manage) and the customer's
//! invoices, for the Billing page (SPEC §2).
//!
//! Written against Stripe's API reference (`reference/providers/stripe-*.request.json`):
//! `POST /v1/checkout/sessions` and `POST /v1/billing_portal/sessions` with form-encoded
//! bodies (nested fields in bracket notation, `line_items[0][price]=…`), `GET /v1/invoices`,
//! the secret key as `Authorization: Bearer`. Errors come as `{"error": {"type", "message"}}`
//! with 400/402 (bad request), 401 (bad key), 429 (rate limited), 5xx. Checkout carries an
//! `Idempotency-Key` so a retried request makes one session.
//!
//! Webhooks are verified in `domain::billing`; their handling is `flows::billing`.

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::*;
use domain::plans::{Plans, Tier};
use serde::{Deserialize, Serialize};

pub const DEFAULT_BASE_URL: &str = "https://api.stripe.com";

/// The installation's Stripe account. Both secrets print as `****`.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// `sk_live_…` / `sk_test_…`.
    pub secret_key: ApiKey,
    /// The webhook endpoint's signing secret, `whsec_…` (used whole, prefix included).
    pub webhook_secret: ApiKey,
    pub base_url: String,
    /// Stripe price ids per tier, when the account has its products set up (and the Customer
    /// Portal switches between them); a tier without one is sold at its configured price
    /// (`price_data`), in AUD a month.
    pub prices: Vec<(Tier, String)>,
    /// Charge founding prices at checkout (else regular prices).
    pub founding_prices: bool,
}

impl StripeConfig {
    /// (price id, tier) pairs for reading subscription events.
    pub fn price_tiers(&self) -> Vec<(String, Tier)> {
        self.prices.iter().map(|(t, p)| (p.clone(), *t)).collect()
    }
}

/// A hosted page to send the user to (Checkout or the Customer Portal).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Session {
    pub id: String,
    pub url: String,
}

/// One invoice as the Billing page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: String,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// Minor units (cents).
    #[serde(default)]
    pub amount_due: i64,
    #[serde(default)]
    pub amount_paid: i64,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub created: i64,
    #[serde(default)]
    pub hosted_invoice_url: Option<String>,
}

#[derive(Deserialize)]
struct List<T> {
    data: Vec<T>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    message: Option<String>,
}

/// What a checkout is for.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub workspace: &'a str,
    pub tier: Tier,
    /// The workspace's Stripe customer, when it has one; else `customer_email` prefills.
    pub customer: Option<&'a str>,
    pub customer_email: Option<&'a str>,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    /// Makes a retried request one session.
    pub idempotency_key: &'a str,
}

#[derive(Debug, Clone)]
pub struct StripeClient {
    http: HttpCore,
    key: ApiKey,
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<T, ProviderError> {
    let message = || {
        serde_json::from_slice::<ErrorBody>(&r.body)
            .ok()
            .and_then(|e| e.error.message)
            .unwrap_or_else(|| excerpt(&r.body))
    };
    match r.status {
        200..=299 => parse_json(&r.body),
        400 | 402 | 404 => Err(ProviderError::BadRequest(message())),
        s => Err(common_status_error(s, &r.headers, message)),
    }
}

impl StripeClient {
    pub fn new(config: &StripeConfig, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::Stripe, &settings)?,
            key: config.secret_key.clone(),
        })
    }

    pub fn from_config(config: &StripeConfig) -> Result<Self, ProviderError> {
        Self::new(config, HttpSettings::new(config.base_url.clone()))
    }

    /// The form fields of a subscription Checkout for `req.tier`: the configured Stripe price,
    /// else the tier's configured monthly price in AUD. The workspace id travels as
    /// `client_reference_id` and, with the tier, in the subscription's metadata, so every later
    /// subscription event names both.
    pub fn checkout_form(config: &StripeConfig, plans: &Plans, req: &CheckoutRequest<'_>) -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = vec![("mode".into(), "subscription".into())];
        match config.prices.iter().find(|(t, _)| *t == req.tier) {
            Some((_, price)) => f.push(("line_items[0][price]".into(), price.clone())),
            None => {
                let terms = plans.terms(req.tier);
                let aud = if config.founding_prices {
                    terms.founding_price_aud
                } else {
                    terms.regular_price_aud
                };
                f.extend([
                    ("line_items[0][price_data][currency]".into(), "aud".into()),
                    ("line_items[0][price_data][unit_amount]".into(), (u64::from(aud) * 100).to_string()),
                    ("line_items[0][price_data][recurring][interval]".into(), "month".into()),
                    (
                        "line_items[0][price_data][product_data][name]".into(),
                        format!("Agency OS {}", req.tier.label()),
                    ),
                ]);
            }
        }
        f.push(("line_items[0][quantity]".into(), "1".into()));
        f.push(("success_url".into(), req.success_url.into()));
        f.push(("cancel_url".into(), req.cancel_url.into()));
        f.push(("client_reference_id".into(), req.workspace.into()));
        match (req.customer, req.customer_email) {
            (Some(c), _) => f.push(("customer".into(), c.into())),
            (None, Some(e)) => f.push(("customer_email".into(), e.into())),
            (None, None) => {}
        }
        for (k, v) in [("workspace_id", req.workspace), ("tier", req.tier.as_str())] {
            f.push((format!("metadata[{k}]"), v.into()));
            f.push((format!("subscription_data[metadata][{k}]"), v.into()));
        }
        f
    }

    /// `POST /v1/checkout/sessions`: where to send the user to subscribe.
    #[tracing::instrument(skip_all, fields(tier = %req.tier))]
    pub async fn create_checkout(&self, config: &StripeConfig, plans: &Plans, req: &CheckoutRequest<'_>) -> Result<Session, ProviderError> {
        let form = Self::checkout_form(config, plans, req);
        let url = self.http.url("v1/checkout/sessions");
        let key = req.idempotency_key.to_string();
        self.http
            .send(
                |c| c.post(&url).bearer_auth(self.key.expose()).header("Idempotency-Key", &key).form(&form),
                classify::<Session>,
            )
            .await
    }

    /// `POST /v1/billing_portal/sessions`: the customer's portal (plan, card, invoices, cancel).
    #[tracing::instrument(skip_all)]
    pub async fn create_portal(&self, customer: &str, return_url: &str) -> Result<Session, ProviderError> {
        let form = [("customer", customer), ("return_url", return_url)];
        let url = self.http.url("v1/billing_portal/sessions");
        self.http
            .send(|c| c.post(&url).bearer_auth(self.key.expose()).form(&form), classify::<Session>)
            .await
    }

    /// `GET /v1/invoices?customer=…&limit=…`: the customer's latest invoices, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn invoices(&self, customer: &str, limit: u32) -> Result<Vec<Invoice>, ProviderError> {
        let url = self.http.url("v1/invoices");
        let query = [("customer", customer.to_string()), ("limit", limit.to_string())];
        let list: List<Invoice> = self
            .http
            .send(|c| c.get(&url).bearer_auth(self.key.expose()).query(&query), classify::<List<Invoice>>)
            .await?;
        Ok(list.data)
    }
}
