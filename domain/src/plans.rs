//! Plans and subscriptions (SPEC §2): the three tiers, what each allows and costs, and the
//! subscription statuses.
//!
//! The figures are configuration: [`Plans::default`] holds SPEC §2's table and the installation
//! overrides any of them (`server::config`, `[plans.<tier>]` in the config file). Nothing else
//! in the code base may name a lead pool, a campaign limit or a price: it asks [`Plans`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A plan tier. All tiers have all features; they differ only by their [`TierTerms`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Ignition,
    Velocity,
    Dominance,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Ignition, Tier::Velocity, Tier::Dominance];

    pub fn as_str(&self) -> &'static str {
        match self {
            Tier::Ignition => "ignition",
            Tier::Velocity => "velocity",
            Tier::Dominance => "dominance",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Tier::Ignition => "Ignition",
            Tier::Velocity => "Velocity",
            Tier::Dominance => "Dominance",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("unknown plan tier \"{0}\" (ignition, velocity or dominance)")]
    Tier(String),
    #[error("unknown subscription status \"{0}\" (trialing, active, past_due, cancelled or paused)")]
    Status(String),
}

impl FromStr for Tier {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Tier::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| PlanError::Tier(s.to_string()))
    }
}

/// Where a workspace's subscription stands. Enrichment and sending run only while it
/// [`allows_work`](SubscriptionStatus::allows_work).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Trialing,
    Active,
    PastDue,
    Cancelled,
    Paused,
}

impl SubscriptionStatus {
    pub const ALL: [SubscriptionStatus; 5] = [
        SubscriptionStatus::Trialing,
        SubscriptionStatus::Active,
        SubscriptionStatus::PastDue,
        SubscriptionStatus::Cancelled,
        SubscriptionStatus::Paused,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SubscriptionStatus::Trialing => "trialing",
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::PastDue => "past_due",
            SubscriptionStatus::Cancelled => "cancelled",
            SubscriptionStatus::Paused => "paused",
        }
    }

    /// SPEC §2: enrichment and sending run only for `trialing` and `active`.
    pub fn allows_work(&self) -> bool {
        matches!(self, SubscriptionStatus::Trialing | SubscriptionStatus::Active)
    }
}

impl fmt::Display for SubscriptionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SubscriptionStatus {
    type Err = PlanError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s2 = s.trim().to_ascii_lowercase();
        SubscriptionStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s2)
            .ok_or_else(|| PlanError::Status(s.to_string()))
    }
}

/// What one tier allows and costs, per month. Prices and COGS in whole AUD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierTerms {
    /// Credits a month: one per enriched lead; the monthly reset restores this figure.
    pub lead_pool: u32,
    /// Campaigns that may be active at once.
    pub active_campaigns: u32,
    pub linkedin_seats: u32,
    /// The price for the first (founding) customers.
    pub founding_price_aud: u32,
    pub regular_price_aud: u32,
    /// Cost of goods sold per month (seed 002's model), for margins.
    pub cogs_aud: u32,
}

/// The three tiers' terms: SPEC §2 by default, overridable by configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plans {
    pub ignition: TierTerms,
    pub velocity: TierTerms,
    pub dominance: TierTerms,
}

impl Default for Plans {
    fn default() -> Self {
        let t = |lead_pool, active_campaigns, linkedin_seats, founding_price_aud, regular_price_aud, cogs_aud| TierTerms {
            lead_pool,
            active_campaigns,
            linkedin_seats,
            founding_price_aud,
            regular_price_aud,
            cogs_aud,
        };
        Plans {
            ignition: t(1_250, 5, 1, 1_250, 2_500, 666),
            velocity: t(2_250, 10, 3, 2_500, 5_000, 1_323),
            dominance: t(4_500, 20, 5, 3_750, 7_500, 2_502),
        }
    }
}

impl Plans {
    pub fn terms(&self, tier: Tier) -> &TierTerms {
        match tier {
            Tier::Ignition => &self.ignition,
            Tier::Velocity => &self.velocity,
            Tier::Dominance => &self.dominance,
        }
    }

    pub fn terms_mut(&mut self, tier: Tier) -> &mut TierTerms {
        match tier {
            Tier::Ignition => &mut self.ignition,
            Tier::Velocity => &mut self.velocity,
            Tier::Dominance => &mut self.dominance,
        }
    }

    /// The terms of a tier stored as text; an unknown name (never written: the column is
    /// checked) is read as the smallest tier, so a limit is never lifted by a bad value.
    pub fn terms_of(&self, tier: &str) -> &TierTerms {
        self.terms(tier.parse().unwrap_or(Tier::Ignition))
    }

    /// Why the configured figures cannot be used, if they cannot: every tier needs a lead pool
    /// and at least one active campaign, and a higher tier never allows less than a lower one.
    pub fn check(&self) -> Result<(), String> {
        for tier in Tier::ALL {
            let t = self.terms(tier);
            if t.lead_pool == 0 || t.active_campaigns == 0 {
                return Err(format!("{} needs a lead pool and at least one active campaign", tier.label()));
            }
        }
        Ok(())
    }
}

/// One limit of the plan and how much of it is used, as the Billing page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    pub label: String,
    pub used: u32,
    pub limit: u32,
    /// Said under the bar (e.g. what the figure counts).
    pub note: String,
}

/// One invoice from Stripe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    pub number: String,
    pub status: String,
    /// e.g. "A$2,500.00".
    pub amount: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub url: Option<String>,
}

/// Everything the Billing page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BillingOverview {
    pub tier: Tier,
    pub status: SubscriptionStatus,
    pub terms: TierTerms,
    pub credits_remaining: i64,
    pub credits_reset_at: chrono::DateTime<chrono::Utc>,
    pub trial_ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub usage: Vec<UsageLine>,
    /// Every tier with its terms: the upgrade path.
    pub tiers: Vec<(Tier, TierTerms)>,
    /// Checkout charges founding prices (else regular).
    pub founding_prices: bool,
    /// Stripe keys are configured: Checkout and the portal work; else the operator sets plans.
    pub stripe: bool,
    /// The workspace has a Stripe customer (the portal can open).
    pub has_customer: bool,
    /// The caller may start Checkout or open the portal (the owner).
    pub can_manage: bool,
    pub invoices: Vec<InvoiceLine>,
    /// Why the invoices could not be read, if they could not.
    pub invoices_error: Option<String>,
}

/// One workspace as the operator's console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsWorkspace {
    pub id: String,
    pub name: String,
    pub tier: Tier,
    pub status: SubscriptionStatus,
    pub lead_pool: u32,
    pub credits_remaining: i64,
    pub leads: i64,
    pub active_campaigns: u32,
    pub campaign_limit: u32,
    /// The latest activity or audited change in the workspace.
    pub last_activity: Option<chrono::DateTime<chrono::Utc>>,
}

/// The operator's console (`/ops`): every workspace and the platform-wide stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsOverview {
    pub workspaces: Vec<OpsWorkspace>,
    pub emergency_stop: bool,
    pub stop_reason: Option<String>,
}

/// Minor units as the Billing page shows money: "A$2,500.00" (other currencies by code).
pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    let whole = (m / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let prefix = if currency.eq_ignore_ascii_case("aud") {
        "A$".to_string()
    } else {
        format!("{} ", currency.to_ascii_uppercase())
    };
    format!("{sign}{prefix}{grouped}.{:02}", m % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_plans_are_spec_section_two() {
        let p = Plans::default();
        assert_eq!((p.ignition.lead_pool, p.ignition.active_campaigns, p.ignition.linkedin_seats), (1_250, 5, 1));
        assert_eq!((p.velocity.founding_price_aud, p.velocity.regular_price_aud), (2_500, 5_000));
        assert_eq!(
            (
                p.dominance.lead_pool,
                p.dominance.active_campaigns,
                p.dominance.linkedin_seats,
                p.dominance.cogs_aud
            ),
            (4_500, 20, 5, 2_502)
        );
        assert_eq!(p.terms_of("velocity").active_campaigns, 10);
        assert_eq!(p.terms_of("nonsense").active_campaigns, 5, "an unknown tier never lifts a limit");
    }

    #[test]
    fn money_is_grouped_with_cents() {
        assert_eq!(format_money(250_000, "aud"), "A$2,500.00");
        assert_eq!(format_money(123_456_789, "usd"), "USD 1,234,567.89");
        assert_eq!(format_money(5, "AUD"), "A$0.05");
    }

    #[test]
    fn tiers_and_statuses_parse_from_their_names_only() {
        assert_eq!("Dominance".parse::<Tier>(), Ok(Tier::Dominance));
        assert!("gold".parse::<Tier>().is_err());
        assert_eq!("past_due".parse::<SubscriptionStatus>(), Ok(SubscriptionStatus::PastDue));
        assert!("canceled".parse::<SubscriptionStatus>().is_err());
        let working: Vec<_> = SubscriptionStatus::ALL.into_iter().filter(|s| s.allows_work()).collect();
        assert_eq!(working, [SubscriptionStatus::Trialing, SubscriptionStatus::Active]);
    }
}
