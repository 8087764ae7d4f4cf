//! Plans and billing (SPEC §2): the Billing page's overview, Stripe Checkout and Customer
//! Portal, Stripe's webhook events, and the operator's hand-set plans and operator flag.
//!
//! What a tier allows is configuration (`engine.settings.plans`); which tier and status a
//! workspace has is in the database and changes here only: by a verified Stripe event (each
//! event id once, older events never undoing newer ones) or by the operator (`agency-os plan
//! set`). Every change is audited in its own transaction. Sending and enrichment read the status
//! at their own just-in-time checks, so a `past_due` stops them at the next message.

use crate::auth::Access;
use crate::providers::stripe::{CheckoutRequest, StripeClient, StripeConfig};
use crate::store::{audit, billing, users};
use crate::{Engine, Error, Result};
use chrono::{DateTime, TimeZone, Utc};
use domain::account::{Action, LoginEmail};
use domain::billing::{self as rules, BillingState, Change};
use domain::ids::{UserId, WorkspaceId};
use domain::plans::{format_money, BillingOverview, InvoiceLine, SubscriptionStatus, Tier, UsageLine};
use serde::Serialize;
use serde_json::json;

/// How many invoices the Billing page lists.
const INVOICES_SHOWN: u32 = 12;

fn stripe(engine: &Engine) -> Result<(&StripeConfig, StripeClient)> {
    let config = engine
        .settings
        .stripe
        .as_ref()
        .ok_or_else(|| Error::Conflict("Stripe is not configured here: the operator sets plans by hand".into()))?;
    let client = StripeClient::from_config(config).map_err(|e| Error::Internal(anyhow::anyhow!("stripe client: {e}")))?;
    Ok((config, client))
}

fn provider_error(e: crate::providers::ProviderError) -> Error {
    tracing::warn!(error = %e, "stripe call failed");
    Error::Conflict(format!("Stripe could not be reached or refused the request ({e}); try again in a moment"))
}

/// The Billing page (owner and admin): plan, status, usage against each limit from the data,
/// every tier for the upgrade path, and the invoices when Stripe is configured.
pub async fn overview(engine: &Engine, access: &Access) -> Result<BillingOverview> {
    access.require(Action::ViewBilling)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let row = billing::get(&mut tx, ws, false).await?.ok_or(Error::NotFound("workspace"))?;
    let period_start = row.credits_reset_at - chrono::Months::new(1);
    let used = billing::usage(&mut tx, ws, period_start).await?;
    tx.commit().await?;
    let plans = &engine.settings.plans;
    let tier = row.tier();
    let terms = *plans.terms(tier);
    let usage = vec![
        UsageLine {
            label: "Lead pool (enriched leads this month)".into(),
            used: used.enriched_this_period,
            limit: terms.lead_pool,
            note: format!(
                "{} credits left; the pool resets on {}",
                row.credits_remaining,
                row.credits_reset_at.format("%-d %B %Y")
            ),
        },
        UsageLine {
            label: "Active campaigns".into(),
            used: used.active_campaigns,
            limit: terms.active_campaigns,
            note: "campaigns running now".into(),
        },
        UsageLine {
            label: "LinkedIn seats".into(),
            used: used.linkedin_seats,
            limit: terms.linkedin_seats,
            note: "no LinkedIn channel is connected yet".into(),
        },
    ];
    let (mut invoices, mut invoices_error) = (Vec::new(), None);
    if let (Some(config), Some(customer)) = (engine.settings.stripe.as_ref(), row.stripe_customer_id.as_deref()) {
        match StripeClient::from_config(config) {
            Ok(client) => match client.invoices(customer, INVOICES_SHOWN).await {
                Ok(list) => {
                    invoices = list
                        .into_iter()
                        .map(|i| InvoiceLine {
                            number: i.number.unwrap_or(i.id),
                            status: i.status.unwrap_or_default(),
                            amount: format_money(i.amount_due, &i.currency),
                            created: Utc.timestamp_opt(i.created, 0).single().unwrap_or_default(),
                            url: i.hosted_invoice_url.filter(|u| u.starts_with("https://")),
                        })
                        .collect()
                }
                Err(e) => {
                    tracing::warn!(error = %e, "stripe invoices could not be read");
                    invoices_error = Some("Stripe could not be reached; the invoices are not shown for now.".into());
                }
            },
            Err(e) => invoices_error = Some(e.to_string()),
        }
    }
    Ok(BillingOverview {
        tier,
        status: row.status()?,
        terms,
        credits_remaining: i64::from(row.credits_remaining),
        credits_reset_at: row.credits_reset_at,
        trial_ends_at: row.trial_ends_at,
        usage,
        tiers: Tier::ALL.iter().map(|t| (*t, *plans.terms(*t))).collect(),
        founding_prices: engine.settings.stripe.as_ref().is_some_and(|s| s.founding_prices),
        stripe: engine.settings.stripe.is_some(),
        has_customer: row.stripe_customer_id.is_some(),
        can_manage: access.role.can(Action::ManageBilling),
        invoices,
        invoices_error,
    })
}

/// Starts a Stripe Checkout for `tier` (the owner): returns the hosted page to send them to.
/// Nothing changes here; `checkout.session.completed` does the rest.
pub async fn start_checkout(engine: &Engine, access: &Access, tier: Tier, email: Option<&str>) -> Result<String> {
    access.require(Action::ManageBilling)?;
    let ws = access.workspace;
    let (config, client) = stripe(engine)?;
    let mut conn = engine.tenant(ws).await?;
    let row = billing::get(&mut conn, ws, false).await?.ok_or(Error::NotFound("workspace"))?;
    drop(conn);
    let base = engine.settings.public_url.trim_end_matches('/');
    let (success, cancel) = (format!("{base}/w/{ws}/billing?checkout=done"), format!("{base}/w/{ws}/billing"));
    // One session per workspace, tier and minute: a double click makes one.
    let key = format!("checkout-{ws}-{tier}-{}", Utc::now().timestamp() / 60);
    let wid = ws.to_string();
    let req = CheckoutRequest {
        workspace: &wid,
        tier,
        customer: row.stripe_customer_id.as_deref(),
        customer_email: email,
        success_url: &success,
        cancel_url: &cancel,
        idempotency_key: &key,
    };
    let session = client.create_checkout(config, &engine.settings.plans, &req).await.map_err(provider_error)?;
    Ok(session.url)
}

/// Opens the Stripe Customer Portal for the workspace's customer (the owner).
pub async fn open_portal(engine: &Engine, access: &Access) -> Result<String> {
    access.require(Action::ManageBilling)?;
    let ws = access.workspace;
    let (_, client) = stripe(engine)?;
    let mut conn = engine.tenant(ws).await?;
    let row = billing::get(&mut conn, ws, false).await?.ok_or(Error::NotFound("workspace"))?;
    drop(conn);
    let customer = row
        .stripe_customer_id
        .ok_or_else(|| Error::Conflict("this workspace has no Stripe subscription yet: choose a plan first".into()))?;
    let back = format!("{}/w/{ws}/billing", engine.settings.public_url.trim_end_matches('/'));
    Ok(client.create_portal(&customer, &back).await.map_err(provider_error)?.url)
}

/// The change a plan setting made, for the CLI's answer and the audit.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanChange {
    pub workspace: WorkspaceId,
    pub before: (Tier, SubscriptionStatus),
    pub after: (Tier, SubscriptionStatus),
    pub credits_remaining: i64,
}

#[allow(clippy::too_many_arguments)]
/// Sets tier and status and moves the credits by the difference between the two lead pools;
/// audited with what it was before and who (or what) did it.
async fn change_plan(
    tx: &mut sqlx::PgConnection,
    engine: &Engine,
    ws: WorkspaceId,
    row: &billing::BillingRow,
    tier: Tier,
    status: SubscriptionStatus,
    actor: Option<UserId>,
    action: &str,
    source: serde_json::Value,
) -> Result<PlanChange> {
    let plans = &engine.settings.plans;
    let before = (row.tier(), row.status()?);
    let pool_change = i64::from(plans.terms(tier).lead_pool) - i64::from(plans.terms(before.0).lead_pool);
    billing::set_plan(tx, ws, tier, status, pool_change).await?;
    let credits = (i64::from(row.credits_remaining) + pool_change).clamp(0, i64::from(i32::MAX));
    audit::record(
        tx,
        audit::Record {
            workspace: Some(ws),
            actor,
            action,
            target_type: "workspace",
            target_id: Some(ws.to_string()),
            before: Some(json!({ "plan": before.0, "subscription_status": before.1, "credits_remaining": row.credits_remaining })),
            after: Some(json!({ "plan": tier, "subscription_status": status, "credits_remaining": credits, "source": source })),
        },
    )
    .await?;
    Ok(PlanChange {
        workspace: ws,
        before,
        after: (tier, status),
        credits_remaining: credits,
    })
}

/// The operator sets a workspace's plan by hand (`agency-os plan set`; installations without
/// Stripe keys bill outside the product). Audited as `plan.set`.
pub async fn set_plan(engine: &Engine, ws: WorkspaceId, tier: Tier, status: SubscriptionStatus, actor: Option<UserId>, via: &str) -> Result<PlanChange> {
    let mut tx = engine.across_tenants().await?;
    let row = billing::get(&mut tx, ws, true).await?.ok_or(Error::NotFound("workspace"))?;
    let change = change_plan(&mut tx, engine, ws, &row, tier, status, actor, "plan.set", json!({ "by": via })).await?;
    tx.commit().await?;
    tracing::info!(workspace = %ws, plan = %tier, status = %status, via, "plan set by the operator");
    Ok(change)
}

/// What a Stripe webhook delivery did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// The workspace's tier or status changed.
    Applied,
    /// Authentic and new, but nothing to change (same state, or an event we do not act on).
    Unchanged,
    /// Older than the last event applied to the workspace.
    Stale,
    /// No workspace matches its customer or reference.
    Unmatched,
    /// The event id was processed before: nothing happens again.
    Replayed,
}

impl WebhookOutcome {
    fn as_str(&self) -> &'static str {
        match self {
            WebhookOutcome::Applied => "applied",
            WebhookOutcome::Unchanged => "unchanged",
            WebhookOutcome::Stale => "stale",
            WebhookOutcome::Unmatched => "unmatched",
            WebhookOutcome::Replayed => "replayed",
        }
    }
}

fn unix(t: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(t, 0).single().unwrap_or_default()
}

/// `POST /webhooks/stripe`: verifies `Stripe-Signature` over the exact body (any `v1`, within
/// the tolerance of `now`) before reading it, records the event id once, and applies the event
/// to its workspace, all in one transaction. A missing or wrong signature is `Unauthenticated`
/// and writes nothing; without Stripe configured the endpoint does not exist (`NotFound`).
#[tracing::instrument(skip_all)]
pub async fn stripe_webhook(engine: &Engine, body: &[u8], signature: Option<&str>, now: DateTime<Utc>) -> Result<WebhookOutcome> {
    let config = engine.settings.stripe.as_ref().ok_or(Error::NotFound("webhook"))?;
    rules::verify_signature(config.webhook_secret.expose(), body, signature, now.timestamp(), rules::STRIPE_TOLERANCE_SECS)
        .map_err(|e| Error::Unauthenticated(format!("the Stripe signature is not valid: {e}")))?;
    let event = rules::parse_event(body, &config.price_tiers()).map_err(Error::Invalid)?;
    let mut tx = engine.across_tenants().await?;
    if !billing::record_event(&mut tx, &event.id, &event.kind, unix(event.created)).await? {
        return Ok(WebhookOutcome::Replayed);
    }
    let ws = match &event.change {
        Change::CheckoutCompleted { workspace: Some(w), .. } => w.parse::<WorkspaceId>().ok(),
        Change::Ignored => None,
        other => match other.customer() {
            Some(c) => billing::by_customer(&mut *tx, c).await?,
            None => None,
        },
    };
    let Some(ws) = ws else {
        let outcome = if event.change == Change::Ignored {
            WebhookOutcome::Unchanged
        } else {
            WebhookOutcome::Unmatched
        };
        billing::finish_event(&mut tx, &event.id, None, outcome.as_str()).await?;
        tx.commit().await?;
        tracing::info!(event = %event.id, kind = %event.kind, outcome = outcome.as_str(), "stripe event");
        return Ok(outcome);
    };
    let Some(row) = billing::get(&mut tx, ws, true).await? else {
        billing::finish_event(&mut tx, &event.id, None, "unmatched").await?;
        tx.commit().await?;
        return Ok(WebhookOutcome::Unmatched);
    };
    // The workspace named by a checkout must be the one its customer pays for, if it has one.
    if let Change::CheckoutCompleted { customer, subscription, .. } = &event.change {
        billing::link_stripe(&mut tx, ws, customer.as_deref(), subscription.as_deref()).await?;
    }
    let state = BillingState {
        tier: row.tier(),
        status: row.status()?,
        synced_at: row.billing_synced_at.map(|t| t.timestamp()),
    };
    let stale = state.synced_at.is_some_and(|at| event.created < at);
    let outcome = match rules::apply(&state, &event) {
        Some(next) => {
            let source = json!({ "stripe_event": event.id, "type": event.kind });
            change_plan(&mut tx, engine, ws, &row, next.tier, next.status, None, "billing.stripe_event", source).await?;
            WebhookOutcome::Applied
        }
        None if stale => WebhookOutcome::Stale,
        None => WebhookOutcome::Unchanged,
    };
    if !stale {
        let trial_end = match &event.change {
            Change::Subscription { trial_end: Some(t), .. } => Some(unix(*t)),
            _ => None,
        };
        billing::set_synced(&mut tx, ws, unix(event.created), trial_end).await?;
    }
    billing::finish_event(&mut tx, &event.id, Some(ws), outcome.as_str()).await?;
    tx.commit().await?;
    tracing::info!(event = %event.id, kind = %event.kind, workspace = %ws, outcome = outcome.as_str(), "stripe event");
    Ok(outcome)
}

/// `agency-os operator grant|revoke EMAIL`: sets the user's operator flag; audited (no
/// workspace). Returns whether it changed.
pub async fn set_operator(engine: &Engine, email: &str, on: bool) -> Result<bool> {
    let email = LoginEmail::parse(email)?;
    let mut tx = engine.across_tenants().await?;
    let (id, before) = users::operator_flag_for_update(&mut tx, &email).await?.ok_or(Error::NotFound("user"))?;
    if before == on {
        return Ok(false);
    }
    users::set_operator(&mut tx, id, on).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: None,
            actor: None,
            action: if on { "operator.grant" } else { "operator.revoke" },
            target_type: "user",
            target_id: Some(id.to_string()),
            before: Some(json!({ "is_operator": before })),
            after: Some(json!({ "is_operator": on, "email": email.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
