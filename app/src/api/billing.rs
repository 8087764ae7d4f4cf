//! Billing: the plan, usage and invoices (owner and admin), and the way to Stripe Checkout and
//! the Customer Portal (the owner). Each returns the hosted page's address for the browser to
//! open; nothing changes here — Stripe's webhook does that.

use crate::error::AppError;
use domain::plans::BillingOverview;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

#[server(prefix = "/api", endpoint = "billing_overview")]
pub async fn load_billing(workspace: String) -> Result<BillingOverview, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::billing::overview(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}

/// Starts Stripe Checkout for `tier`; returns the address of Stripe's page.
#[server(prefix = "/api", endpoint = "start_checkout")]
pub async fn start_checkout(workspace: String, tier: String) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let tier = tier.parse::<domain::plans::Tier>().map_err(|e| AppError::new(422, e.to_string()))?;
        let engine = engine()?;
        let email = engine::store::users::get(engine.owner_pool(), me).await?.map(|u| u.email);
        Ok(engine::flows::billing::start_checkout(&engine, &access(&engine, me, &workspace).await?, tier, email.as_deref()).await?)
    })
    .await
}

/// Opens the Stripe Customer Portal; returns its address.
#[server(prefix = "/api", endpoint = "open_billing_portal")]
pub async fn open_billing_portal(workspace: String) -> Result<String, AppError> {
    respond(async {
        let me = user().await?;
        let engine = engine()?;
        Ok(engine::flows::billing::open_portal(&engine, &access(&engine, me, &workspace).await?).await?)
    })
    .await
}
