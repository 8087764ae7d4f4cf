//! ALS, the explainable lead score (SPEC §4).
//!
//! This module owns the five components and their rules, the weights and where they come
//! from, the tiers and the channels each tier allows, and the target-account multiplier.
//! It takes facts about a lead and the date to score as of; it fetches nothing and keeps no
//! state. A `Scorer` is built once from a checked configuration and then scores without
//! allocating, so a batch of a million leads costs about a second of one core.
//!
//! Arithmetic: a rule worth `p` points in a component with maximum `m` and weight `w` adds
//! `p / m × w × 100` ALS points. Each reason carries that contribution in integer hundredths,
//! rounded cumulatively (each reason gets the change in the rounded running total), so the
//! reasons of a score add up to the score exactly and no reason is off by a hundredth or more.

mod reason;
mod tier;
mod title;
mod weights;

pub use reason::{Reason, ReasonCode, Reasons, TargetAccountTier, TooManyReasons, MAX_REASONS};
pub use tier::{Channel, ChannelSet, Tier, TierSet, TierThresholds};
pub use title::{classify_title, TitleClass, TitleRank};
pub use weights::{
    Component, LearnedWeights, PlatformWeights, RawWeights, ResolvedWeights, WeightCandidates,
    WeightSource, WeightThresholds, Weights, WeightsError,
};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Maximum points of each component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentMaxima {
    pub data_quality: u8,
    pub authority: u8,
    pub company_fit: u8,
    pub timing: u8,
    pub risk: u8,
}

impl Default for ComponentMaxima {
    fn default() -> Self {
        Self {
            data_quality: 20,
            authority: 25,
            company_fit: 25,
            timing: 15,
            risk: 15,
        }
    }
}

impl ComponentMaxima {
    pub fn get(&self, c: Component) -> u8 {
        match c {
            Component::DataQuality => self.data_quality,
            Component::Authority => self.authority,
            Component::CompanyFit => self.company_fit,
            Component::Timing => self.timing,
            Component::Risk => self.risk,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataQualityPoints {
    pub verified_email: u8,
    pub phone: u8,
    pub linkedin_url: u8,
    pub personal_email: u8,
}

impl Default for DataQualityPoints {
    fn default() -> Self {
        Self {
            verified_email: 8,
            phone: 6,
            linkedin_url: 4,
            personal_email: 2,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorityPoints {
    pub owner_founder_ceo_md: u8,
    pub c_suite: u8,
    pub vp: u8,
    pub director: u8,
    pub head_of: u8,
    pub senior_manager: u8,
    pub manager: u8,
    pub other: u8,
}

impl Default for AuthorityPoints {
    fn default() -> Self {
        Self {
            owner_founder_ceo_md: 25,
            c_suite: 22,
            vp: 18,
            director: 15,
            head_of: 12,
            senior_manager: 10,
            manager: 7,
            other: 0,
        }
    }
}

impl AuthorityPoints {
    pub fn for_rank(&self, rank: TitleRank) -> u8 {
        match rank {
            TitleRank::Owner
            | TitleRank::Founder
            | TitleRank::Ceo
            | TitleRank::ManagingDirector => self.owner_founder_ceo_md,
            TitleRank::CSuite => self.c_suite,
            TitleRank::Vp => self.vp,
            TitleRank::Director => self.director,
            TitleRank::HeadOf => self.head_of,
            TitleRank::SeniorManager => self.senior_manager,
            TitleRank::Manager => self.manager,
            TitleRank::Other => self.other,
        }
    }
}

/// The ideal customer profile the company-fit component compares against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Icp {
    pub industries: Vec<String>,
    pub employees_min: u32,
    pub employees_max: u32,
    pub locations: Vec<String>,
}

impl Default for Icp {
    fn default() -> Self {
        Self {
            industries: Vec::new(),
            employees_min: 5,
            employees_max: 50,
            locations: vec!["Australia".to_string()],
        }
    }
}

/// Which parts of the ideal customer profile a lead's company fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IcpFit {
    pub industry: bool,
    pub size: bool,
    pub location: bool,
}

/// Where a lead is, as the profile's locations are matched against: its location and country
/// together ("Manly, NSW, Australia" fits "Australia" and "NSW").
pub fn lead_place(location: Option<&str>, country: Option<&str>) -> String {
    match (location, country) {
        (Some(l), Some(c)) => format!("{l}, {c}"),
        (Some(l), None) => l.to_string(),
        (None, Some(c)) => c.to_string(),
        (None, None) => String::new(),
    }
}

/// The profile's matching rules, compiled once: the score's company fit and the count of leads
/// matching a draft profile both use these, so the two can never disagree.
#[derive(Debug, Clone)]
pub struct IcpMatcher {
    industries: Vec<Vec<Box<[u8]>>>,
    locations: Vec<Vec<Box<[u8]>>>,
    employees_min: u32,
    employees_max: u32,
}

impl IcpMatcher {
    pub fn new(icp: &Icp) -> IcpMatcher {
        let phrases = |v: &[String]| v.iter().map(|s| title::phrase_words(s)).filter(|p| !p.is_empty()).collect::<Vec<_>>();
        IcpMatcher { industries: phrases(&icp.industries), locations: phrases(&icp.locations), employees_min: icp.employees_min, employees_max: icp.employees_max }
    }

    /// An industry or location fits when it contains one of the profile's phrases as whole
    /// words ("Dental" fits "Dental Practices"); a size fits when it is in the range.
    pub fn fit(&self, industry: &str, employees: Option<u32>, location: &str) -> IcpFit {
        IcpFit {
            industry: self.industries.iter().any(|p| title::contains_phrase(industry, p)),
            size: employees.is_some_and(|n| n >= self.employees_min && n <= self.employees_max),
            location: self.locations.iter().any(|p| title::contains_phrase(location, p)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyFitPoints {
    pub industry: u8,
    pub employee_count: u8,
    pub location: u8,
}

impl Default for CompanyFitPoints {
    fn default() -> Self {
        Self {
            industry: 10,
            employee_count: 5,
            location: 5,
        }
    }
}

/// Web-presence bands (seed 002, DataForSEO): a value strictly above `*_mid_above` earns
/// `mid_points`, strictly above `*_high_above` earns `high_points`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WebPresenceRules {
    pub domain_rank_mid_above: u32,
    pub domain_rank_high_above: u32,
    pub traffic_mid_above: f64,
    pub traffic_high_above: f64,
    pub mid_points: u8,
    pub high_points: u8,
    pub top10_keyword_points: u8,
}

impl Default for WebPresenceRules {
    fn default() -> Self {
        Self {
            domain_rank_mid_above: 150,
            domain_rank_high_above: 500,
            traffic_mid_above: 200.0,
            traffic_high_above: 1000.0,
            mid_points: 1,
            high_points: 2,
            top10_keyword_points: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimingPoints {
    pub new_role: u8,
    pub new_role_within_months: u32,
    pub hiring: u8,
    pub funded: u8,
    pub funded_within_months: u32,
    pub per_intent_signal: u8,
}

impl Default for TimingPoints {
    fn default() -> Self {
        Self {
            new_role: 6,
            new_role_within_months: 6,
            hiring: 5,
            funded: 4,
            funded_within_months: 12,
            per_intent_signal: 2,
        }
    }
}

/// Risk deductions; the component starts at its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskPoints {
    pub previously_bounced: u8,
    pub unsubscribed: u8,
    pub competitor: u8,
    pub bad_title: u8,
    pub no_domain_rank: u8,
    pub no_organic_traffic: u8,
    pub high_spam: u8,
    pub spam_score_above: u8,
}

impl Default for RiskPoints {
    fn default() -> Self {
        Self {
            previously_bounced: 15,
            unsubscribed: 15,
            competitor: 10,
            bad_title: 5,
            no_domain_rank: 5,
            no_organic_traffic: 3,
            high_spam: 3,
            spam_score_above: 50,
        }
    }
}

/// Target-account multipliers (seed 001).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetMultipliers {
    pub tier_1: f64,
    pub tier_2: f64,
}

impl Default for TargetMultipliers {
    fn default() -> Self {
        Self {
            tier_1: 1.5,
            tier_2: 1.2,
        }
    }
}

impl TargetMultipliers {
    pub const MAX: f64 = 10.0;

    pub fn get(&self, t: TargetAccountTier) -> f64 {
        match t {
            TargetAccountTier::Tier1 => self.tier_1,
            TargetAccountTier::Tier2 => self.tier_2,
            TargetAccountTier::Listed { multiplier_pct } => f64::from(multiplier_pct) / 100.0,
        }
    }
}

/// Every number the score uses; `Default` is SPEC §4.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoringConfig {
    pub maxima: ComponentMaxima,
    pub data_quality: DataQualityPoints,
    pub authority: AuthorityPoints,
    pub company_fit: CompanyFitPoints,
    pub icp: Icp,
    pub web: WebPresenceRules,
    pub timing: TimingPoints,
    pub risk: RiskPoints,
    pub tiers: TierThresholds,
    pub target_multipliers: TargetMultipliers,
    pub weight_thresholds: WeightThresholds,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum ScoringConfigError {
    #[error("the maximum of {0} must be above zero")]
    ZeroMaximum(Component),
    #[error("target-account multipliers must be finite, above 0 and at most 10")]
    Multiplier,
    #[error("tier thresholds must fall from hot to cold and hot must be at most 100")]
    TierThresholds,
    #[error("the ICP employee range is empty (minimum above maximum)")]
    EmployeeRange,
    #[error("web-presence bands must be finite and the high band above the mid band")]
    WebBands,
}

/// Timing facts a provider reported about a lead (SPEC §4's timing component): when the
/// person started their current role, whether the company is hiring, when it last raised money,
/// and how many intent signals the provider saw. Every field is optional because providers
/// report only some of them, and an unreported fact is unknown, not false. Stored on the lead
/// as JSON; a newer report fills or replaces field by field ([`Timing::updated_by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Timing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_started_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_hiring: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funded_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent_signals: Option<u16>,
}

impl Timing {
    pub fn is_empty(&self) -> bool {
        *self == Timing::default()
    }

    /// This record with every fact `newer` reports taking the place of the old one: providers
    /// report the present, so a later role start or funding round supersedes an earlier one.
    pub fn updated_by(self, newer: Timing) -> Timing {
        Timing {
            role_started_on: newer.role_started_on.or(self.role_started_on),
            company_hiring: newer.company_hiring.or(self.company_hiring),
            funded_on: newer.funded_on.or(self.funded_on),
            intent_signals: newer.intent_signals.or(self.intent_signals),
        }
    }
}

/// Web-presence measurements for the lead's company domain (DataForSEO).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct WebPresence {
    /// `None` or 0: the domain has no rank.
    pub domain_rank: Option<u32>,
    /// Estimated monthly organic traffic value; `None`, ≤ 0 or not a number: no traffic.
    pub organic_etv: Option<f64>,
    pub top10_keywords: u32,
    /// 0–100.
    pub spam_score: Option<u8>,
}

/// What the scorer knows about a lead. Borrowed so that scoring a stored row costs no copies.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LeadFacts<'a> {
    pub email_verified: bool,
    pub has_phone: bool,
    pub has_linkedin_url: bool,
    pub has_personal_email: bool,
    pub title: &'a str,
    pub industry: &'a str,
    pub employee_count: Option<u32>,
    pub location: &'a str,
    /// `None` when web presence was not measured: no points and no deductions, because an
    /// unmeasured domain is unknown, not absent.
    pub web: Option<WebPresence>,
    pub role_started_on: Option<NaiveDate>,
    pub company_hiring: bool,
    pub funded_on: Option<NaiveDate>,
    pub intent_signals: u16,
    pub previously_bounced: bool,
    pub unsubscribed_anywhere: bool,
    pub is_competitor: bool,
    pub target_account: Option<TargetAccountTier>,
}

/// An owned copy of [`LeadFacts`] for JSON (e.g. the browser's score preview).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadProfile {
    pub email_verified: bool,
    pub has_phone: bool,
    pub has_linkedin_url: bool,
    pub has_personal_email: bool,
    pub title: String,
    pub industry: String,
    pub employee_count: Option<u32>,
    pub location: String,
    pub web: Option<WebPresence>,
    pub role_started_on: Option<NaiveDate>,
    pub company_hiring: bool,
    pub funded_on: Option<NaiveDate>,
    pub intent_signals: u16,
    pub previously_bounced: bool,
    pub unsubscribed_anywhere: bool,
    pub is_competitor: bool,
    pub target_account: Option<TargetAccountTier>,
}

impl LeadProfile {
    pub fn facts(&self) -> LeadFacts<'_> {
        LeadFacts {
            email_verified: self.email_verified,
            has_phone: self.has_phone,
            has_linkedin_url: self.has_linkedin_url,
            has_personal_email: self.has_personal_email,
            title: &self.title,
            industry: &self.industry,
            employee_count: self.employee_count,
            location: &self.location,
            web: self.web,
            role_started_on: self.role_started_on,
            company_hiring: self.company_hiring,
            funded_on: self.funded_on,
            intent_signals: self.intent_signals,
            previously_bounced: self.previously_bounced,
            unsubscribed_anywhere: self.unsubscribed_anywhere,
            is_competitor: self.is_competitor,
            target_account: self.target_account,
        }
    }
}

/// An ALS in hundredths of a point, 0..=10000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Als(u16);

impl Als {
    pub const MAX: Als = Als(10_000);

    pub fn from_hundredths(h: u16) -> Option<Als> {
        (h <= 10_000).then_some(Als(h))
    }

    pub fn hundredths(self) -> u16 {
        self.0
    }

    pub fn value(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// The whole-number ALS shown in the UI and stored on the lead (half rounds up).
    pub fn whole(self) -> u8 {
        ((self.0 + 50) / 100) as u8
    }
}

impl fmt::Display for Als {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.whole())
    }
}

/// Component points after caps and floors, before weighting (stored on the lead).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ComponentPoints {
    pub data_quality: u8,
    pub authority: u8,
    pub company_fit: u8,
    pub timing: u8,
    pub risk: u8,
}

impl ComponentPoints {
    pub fn get(&self, c: Component) -> u8 {
        match c {
            Component::DataQuality => self.data_quality,
            Component::Authority => self.authority,
            Component::CompanyFit => self.company_fit,
            Component::Timing => self.timing,
            Component::Risk => self.risk,
        }
    }

    fn set(&mut self, c: Component, v: u8) {
        match c {
            Component::DataQuality => self.data_quality = v,
            Component::Authority => self.authority = v,
            Component::CompanyFit => self.company_fit = v,
            Component::Timing => self.timing = v,
            Component::Risk => self.risk = v,
        }
    }
}

/// A scored lead: what to store and what to show.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub als: Als,
    pub tier: Tier,
    pub components: ComponentPoints,
    pub weights: ResolvedWeights,
    pub scored_on: NaiveDate,
    pub reasons: Reasons,
}

impl Score {
    /// Channels the tier allows.
    pub fn channels(&self) -> ChannelSet {
        self.tier.channels()
    }
}

/// Scores leads with one checked configuration and one set of weights.
#[derive(Debug, Clone)]
pub struct Scorer {
    config: ScoringConfig,
    weights: ResolvedWeights,
    /// Hundredths of ALS per point of each component: weight × 10000 / maximum.
    unit: [f64; 5],
    icp: IcpMatcher,
}

impl Scorer {
    pub fn new(
        config: ScoringConfig,
        weights: ResolvedWeights,
    ) -> Result<Scorer, ScoringConfigError> {
        for c in Component::ALL {
            if config.maxima.get(c) == 0 {
                return Err(ScoringConfigError::ZeroMaximum(c));
            }
        }
        let m = config.target_multipliers;
        if ![m.tier_1, m.tier_2]
            .iter()
            .all(|x| x.is_finite() && *x > 0.0 && *x <= TargetMultipliers::MAX)
        {
            return Err(ScoringConfigError::Multiplier);
        }
        if !config.tiers.is_valid() {
            return Err(ScoringConfigError::TierThresholds);
        }
        if config.icp.employees_min > config.icp.employees_max {
            return Err(ScoringConfigError::EmployeeRange);
        }
        let web = config.web;
        if !(web.traffic_mid_above.is_finite()
            && web.traffic_high_above.is_finite()
            && web.traffic_high_above >= web.traffic_mid_above
            && web.domain_rank_high_above >= web.domain_rank_mid_above)
        {
            return Err(ScoringConfigError::WebBands);
        }
        let unit = Component::ALL
            .map(|c| weights.weights.get(c) * 10_000.0 / f64::from(config.maxima.get(c)));
        let icp = IcpMatcher::new(&config.icp);
        Ok(Scorer {
            config,
            weights,
            unit,
            icp,
        })
    }

    /// The spec's defaults with the given weights.
    pub fn with_weights(weights: ResolvedWeights) -> Scorer {
        // The default configuration is valid by construction (tested).
        Scorer::new(ScoringConfig::default(), weights).expect("default scoring config is valid")
    }

    pub fn config(&self) -> &ScoringConfig {
        &self.config
    }

    pub fn weights(&self) -> ResolvedWeights {
        self.weights
    }

    /// Scores one lead as of a date (the date decides "new role < 6 months" and
    /// "funded < 12 months").
    pub fn score(&self, lead: &LeadFacts<'_>, as_of: NaiveDate) -> Score {
        let cfg = &self.config;
        let mut acc = Acc::new();
        let mut components = ComponentPoints::default();
        let title = classify_title(lead.title);

        // Data quality.
        let dq = cfg.data_quality;
        let mut c = acc.component(
            Component::DataQuality,
            self.unit[0],
            cfg.maxima.data_quality,
        );
        c.rule(
            &mut acc,
            lead.email_verified,
            ReasonCode::VerifiedEmail,
            dq.verified_email,
        );
        c.rule(&mut acc, lead.has_phone, ReasonCode::Phone, dq.phone);
        c.rule(
            &mut acc,
            lead.has_linkedin_url,
            ReasonCode::LinkedinUrl,
            dq.linkedin_url,
        );
        c.rule(
            &mut acc,
            lead.has_personal_email,
            ReasonCode::PersonalEmail,
            dq.personal_email,
        );
        c.close(&mut acc, &mut components);

        // Authority: a bad title carries no authority even if a rank word appears in it.
        let mut c = acc.component(Component::Authority, self.unit[1], cfg.maxima.authority);
        let rank = if title.bad {
            TitleRank::Other
        } else {
            title.rank
        };
        c.rule(
            &mut acc,
            true,
            ReasonCode::Title { rank },
            cfg.authority.for_rank(rank),
        );
        c.close(&mut acc, &mut components);

        // Company fit.
        let cf = cfg.company_fit;
        let web = cfg.web;
        let mut c = acc.component(Component::CompanyFit, self.unit[2], cfg.maxima.company_fit);
        let fit = self.icp.fit(lead.industry, lead.employee_count, lead.location);
        c.rule(&mut acc, fit.industry, ReasonCode::IndustryInIcp, cf.industry);
        c.rule(&mut acc, fit.size, ReasonCode::EmployeesInIcp, cf.employee_count);
        c.rule(&mut acc, fit.location, ReasonCode::LocationInIcp, cf.location);
        let rank = lead.web.and_then(|w| w.domain_rank).unwrap_or(0);
        let traffic = lead
            .web
            .and_then(|w| w.organic_etv)
            .filter(|x| x.is_finite() && *x > 0.0);
        if lead.web.is_some() {
            let rank_points = if rank > web.domain_rank_high_above {
                web.high_points
            } else if rank > web.domain_rank_mid_above {
                web.mid_points
            } else {
                0
            };
            c.rule(&mut acc, true, ReasonCode::DomainRank, rank_points);
            let t = traffic.unwrap_or(0.0);
            let traffic_points = if t > web.traffic_high_above {
                web.high_points
            } else if t > web.traffic_mid_above {
                web.mid_points
            } else {
                0
            };
            c.rule(&mut acc, true, ReasonCode::OrganicTraffic, traffic_points);
            let top10 = lead.web.is_some_and(|w| w.top10_keywords > 0);
            c.rule(
                &mut acc,
                top10,
                ReasonCode::TopTenKeyword,
                web.top10_keyword_points,
            );
        }
        c.close(&mut acc, &mut components);

        // Timing: engagement signals add, but never past the component's maximum.
        let tp = cfg.timing;
        let mut c = acc.component(Component::Timing, self.unit[3], cfg.maxima.timing);
        let new_role = within_months(lead.role_started_on, as_of, tp.new_role_within_months);
        c.rule(&mut acc, new_role, ReasonCode::NewRole, tp.new_role);
        c.rule(&mut acc, lead.company_hiring, ReasonCode::Hiring, tp.hiring);
        let funded = within_months(lead.funded_on, as_of, tp.funded_within_months);
        c.rule(&mut acc, funded, ReasonCode::RecentlyFunded, tp.funded);
        let intent = u32::from(lead.intent_signals) * u32::from(tp.per_intent_signal);
        c.rule_wide(
            &mut acc,
            ReasonCode::IntentSignals {
                count: lead.intent_signals,
            },
            intent,
        );
        c.close(&mut acc, &mut components);

        // Risk: starts full and loses points per red flag, never below zero.
        let rp = cfg.risk;
        let mut c = acc.component(Component::Risk, self.unit[4], cfg.maxima.risk);
        c.rule(&mut acc, true, ReasonCode::RiskBaseline, cfg.maxima.risk);
        c.deduct(
            &mut acc,
            lead.previously_bounced,
            ReasonCode::PreviouslyBounced,
            rp.previously_bounced,
        );
        c.deduct(
            &mut acc,
            lead.unsubscribed_anywhere,
            ReasonCode::Unsubscribed,
            rp.unsubscribed,
        );
        c.deduct(
            &mut acc,
            lead.is_competitor,
            ReasonCode::Competitor,
            rp.competitor,
        );
        c.deduct(&mut acc, title.bad, ReasonCode::BadTitle, rp.bad_title);
        if let Some(w) = lead.web {
            c.deduct(
                &mut acc,
                rank == 0,
                ReasonCode::NoDomainRank,
                rp.no_domain_rank,
            );
            c.deduct(
                &mut acc,
                traffic.is_none(),
                ReasonCode::NoOrganicTraffic,
                rp.no_organic_traffic,
            );
            let spammy = w.spam_score.is_some_and(|s| s > rp.spam_score_above);
            c.deduct(&mut acc, spammy, ReasonCode::HighSpamScore, rp.high_spam);
        }
        c.close(&mut acc, &mut components);

        // Target accounts: the multiplier applies to the weighted total, before tiering.
        if let Some(t) = lead.target_account {
            let m = cfg.target_multipliers.get(t);
            let pct = (m * 100.0).round() as u16;
            acc.push(
                ReasonCode::TargetAccount {
                    tier: t,
                    multiplier_pct: pct,
                },
                0,
                acc.exact * (m - 1.0),
            );
        }
        if acc.rounded > 10_000 {
            let excess = acc.rounded - 10_000;
            acc.push_exact_hundredths(ReasonCode::ScoreCapped, 0, -excess);
        }
        // Unreachable with checked weights and positive multipliers; kept so a future rule
        // can never produce an out-of-range score.
        if acc.rounded < 0 {
            let deficit = -acc.rounded;
            acc.push_exact_hundredths(
                ReasonCode::ComponentFloored {
                    component: Component::Risk,
                },
                0,
                deficit,
            );
        }
        let als = Als(acc.rounded as u16);
        Score {
            als,
            tier: cfg.tiers.tier_of(als.whole()),
            components,
            weights: self.weights,
            scored_on: as_of,
            reasons: acc.reasons,
        }
    }
}

/// Whether `date` lies within the last `months` months before `as_of`. Dates in the future
/// are bad data and count as nothing.
fn within_months(date: Option<NaiveDate>, as_of: NaiveDate, months: u32) -> bool {
    let Some(d) = date else { return false };
    if d > as_of {
        return false;
    }
    d.checked_add_months(Months::new(months))
        .is_some_and(|end| as_of < end)
}

/// Running total of a score in hundredths, exact and rounded.
struct Acc {
    exact: f64,
    rounded: i32,
    reasons: Reasons,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            exact: 0.0,
            rounded: 0,
            reasons: Reasons::new(),
        }
    }

    fn push(&mut self, code: ReasonCode, points: i16, contribution: f64) {
        self.exact += contribution;
        let r = self.exact.round() as i32;
        let delta = r - self.rounded;
        self.rounded = r;
        self.reasons.push(Reason {
            code,
            points,
            contribution: delta,
        });
    }

    fn push_exact_hundredths(&mut self, code: ReasonCode, points: i16, hundredths: i32) {
        self.rounded += hundredths;
        self.exact = f64::from(self.rounded);
        self.reasons.push(Reason {
            code,
            points,
            contribution: hundredths,
        });
    }

    fn component(&self, component: Component, unit: f64, max: u8) -> ComponentAcc {
        ComponentAcc {
            component,
            unit,
            max,
            points: 0,
        }
    }
}

struct ComponentAcc {
    component: Component,
    unit: f64,
    max: u8,
    points: i32,
}

impl ComponentAcc {
    fn rule(&mut self, acc: &mut Acc, fired: bool, code: ReasonCode, points: u8) {
        if fired {
            self.rule_wide(acc, code, u32::from(points));
        }
    }

    fn rule_wide(&mut self, acc: &mut Acc, code: ReasonCode, points: u32) {
        if points == 0 {
            return;
        }
        // Points past the component's maximum would be capped anyway; bounding them here keeps
        // every sum far inside i16 whatever the signal count.
        let p = points.min(u32::from(self.max)) as i16;
        self.add(acc, code, p);
    }

    fn deduct(&mut self, acc: &mut Acc, fired: bool, code: ReasonCode, points: u8) {
        if fired && points > 0 {
            self.add(acc, code, -i16::from(points));
        }
    }

    fn add(&mut self, acc: &mut Acc, code: ReasonCode, points: i16) {
        self.points += i32::from(points);
        acc.push(code, points, f64::from(points) * self.unit);
    }

    fn close(self, acc: &mut Acc, out: &mut ComponentPoints) {
        let max = i32::from(self.max);
        let mut points = self.points;
        if points > max {
            let excess = (points - max) as i16;
            acc.push(
                ReasonCode::ComponentCapped {
                    component: self.component,
                },
                -excess,
                -f64::from(excess) * self.unit,
            );
            points = max;
        } else if points < 0 {
            let short = (-points) as i16;
            acc.push(
                ReasonCode::ComponentFloored {
                    component: self.component,
                },
                short,
                f64::from(short) * self.unit,
            );
            points = 0;
        }
        out.set(self.component, points as u8);
    }
}

#[cfg(test)]
mod tests;
