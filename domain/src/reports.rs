//! Reports (SPEC §15): what the figures mean, not how they are counted.
//!
//! The store counts (messages, leads, replies, meetings, spend) for a date range and filters;
//! this module turns those counts into KPIs with their formula, numerator and denominator, rates
//! them against the workspace's targets (green / amber / red), and compares two A/B subject
//! variants with a two-proportion z-test. Pure: no clock (the caller passes "today"), no I/O.

use crate::ids::{CampaignId, MailboxId};
use crate::score::Channel;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

// ---------------------------------------------------------------------------------------------
// Range and filters
// ---------------------------------------------------------------------------------------------

/// Longest range a report covers: a year and a day, so "same period last year" still fits.
pub const MAX_RANGE_DAYS: i64 = 366;

/// A report's days, both ends included, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("the start date is after the end date")]
    Reversed,
    #[error("a report covers at most {MAX_RANGE_DAYS} days")]
    TooLong,
    #[error("dates are written YYYY-MM-DD")]
    Unreadable,
}

impl DateRange {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, RangeError> {
        if from > to {
            return Err(RangeError::Reversed);
        }
        if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
            return Err(RangeError::TooLong);
        }
        Ok(DateRange { from, to })
    }

    /// Parses two `YYYY-MM-DD` strings from a form or a query string.
    pub fn parse(from: &str, to: &str) -> Result<Self, RangeError> {
        let d = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| RangeError::Unreadable)
        };
        DateRange::new(d(from)?, d(to)?)
    }

    /// The last `days` days ending with `today` (a preset: 7, 30 or 90).
    pub fn last_days(today: NaiveDate, days: u16) -> Self {
        let days = i64::from(days.clamp(1, MAX_RANGE_DAYS as u16));
        DateRange {
            from: today - Duration::days(days - 1),
            to: today,
        }
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day, included.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The day after the last: the exclusive end the store queries with.
    pub fn end_exclusive(&self) -> NaiveDate {
        self.to + Duration::days(1)
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}

/// What a report is narrowed to. `None` is "all".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFilters {
    pub campaign: Option<CampaignId>,
    pub channel: Option<Channel>,
    /// A native mailbox or an Instantly / Smartlead sending account.
    pub mailbox: Option<MailboxId>,
}

// ---------------------------------------------------------------------------------------------
// Counts and KPIs
// ---------------------------------------------------------------------------------------------

/// The raw counts behind every KPI, for the whole report or one breakdown row.
///
/// Messages are the sequence messages *sent* in the range within the filters (shadow-mode
/// messages reached nobody and are not counted; our answers to replies are not outreach).
/// Replies, unsubscribes and meetings are credited to the last sequence message the lead got
/// before them (last touch), and counted once per lead.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportCounts {
    pub sent: i64,
    pub bounced: i64,
    /// Delivered messages sent through a platform that reports opens (Instantly, Smartlead).
    pub tracked: i64,
    /// Of `tracked`, the messages with an open or click event.
    pub opened: i64,
    /// Distinct leads the messages went to.
    pub contacted: i64,
    /// Leads with a human reply (automatic replies and out-of-office excluded).
    pub replied: i64,
    /// Leads with a positive reply: interested, meeting request or question.
    pub positive: i64,
    /// Leads with only-automatic answers counted apart: auto replies and out-of-office.
    pub auto_replied: i64,
    pub unsubscribed: i64,
    /// Leads with a meeting booked.
    pub meetings: i64,
    /// Sum over those leads of the days from the first message to the (first) meeting.
    pub meeting_days: f64,
    /// Sum over those leads of the messages sent before the meeting.
    pub meeting_touches: i64,
    /// Contacted leads with a score, and of those the ones in the hot or warm tier.
    pub scored: i64,
    pub icp_matched: i64,
}

impl ReportCounts {
    pub fn delivered(&self) -> i64 {
        self.sent - self.bounced
    }
}

/// One KPI of SPEC §15.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiKey {
    Delivered,
    OpenRate,
    ReplyRate,
    PositiveReplyRate,
    BounceRate,
    UnsubscribeRate,
    Meetings,
    BookingRate,
    DaysToMeeting,
    TouchesToMeeting,
    IcpMatchRate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    /// numerator / denominator, shown as a percentage
    Percent,
    /// the numerator itself
    Count,
    /// numerator / denominator, a mean in days
    Days,
    /// numerator / denominator, a mean number of messages
    Touches,
}

impl KpiKey {
    pub const ALL: [KpiKey; 11] = [
        KpiKey::Delivered,
        KpiKey::OpenRate,
        KpiKey::ReplyRate,
        KpiKey::PositiveReplyRate,
        KpiKey::BounceRate,
        KpiKey::UnsubscribeRate,
        KpiKey::Meetings,
        KpiKey::BookingRate,
        KpiKey::DaysToMeeting,
        KpiKey::TouchesToMeeting,
        KpiKey::IcpMatchRate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KpiKey::Delivered => "delivered",
            KpiKey::OpenRate => "open_rate",
            KpiKey::ReplyRate => "reply_rate",
            KpiKey::PositiveReplyRate => "positive_reply_rate",
            KpiKey::BounceRate => "bounce_rate",
            KpiKey::UnsubscribeRate => "unsubscribe_rate",
            KpiKey::Meetings => "meetings",
            KpiKey::BookingRate => "booking_rate",
            KpiKey::DaysToMeeting => "days_to_meeting",
            KpiKey::TouchesToMeeting => "touches_to_meeting",
            KpiKey::IcpMatchRate => "icp_match_rate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            KpiKey::Delivered => "Delivered",
            KpiKey::OpenRate => "Open rate",
            KpiKey::ReplyRate => "Reply rate",
            KpiKey::PositiveReplyRate => "Positive reply rate",
            KpiKey::BounceRate => "Bounce rate",
            KpiKey::UnsubscribeRate => "Unsubscribe rate",
            KpiKey::Meetings => "Meetings booked",
            KpiKey::BookingRate => "Booking rate",
            KpiKey::DaysToMeeting => "Days to a meeting",
            KpiKey::TouchesToMeeting => "Touches to a meeting",
            KpiKey::IcpMatchRate => "ICP match rate",
        }
    }

    /// The formula in words, with the names of its numerator and denominator.
    pub fn formula(self) -> &'static str {
        match self {
            KpiKey::Delivered => "messages sent − messages bounced",
            KpiKey::OpenRate => {
                "opened messages ÷ delivered messages sent through a platform that reports opens"
            }
            KpiKey::ReplyRate => "leads with a human reply ÷ leads contacted",
            KpiKey::PositiveReplyRate => {
                "leads with an interested, meeting or question reply ÷ leads contacted"
            }
            KpiKey::BounceRate => "bounced messages ÷ messages sent",
            KpiKey::UnsubscribeRate => "leads who unsubscribed ÷ leads contacted",
            KpiKey::Meetings => "leads with a meeting booked after a message of the period",
            KpiKey::BookingRate => "leads with a meeting booked ÷ leads contacted",
            KpiKey::DaysToMeeting => {
                "days from each lead's first message to its meeting, summed ÷ leads with a meeting"
            }
            KpiKey::TouchesToMeeting => {
                "messages each lead got before its meeting, summed ÷ leads with a meeting"
            }
            KpiKey::IcpMatchRate => {
                "contacted leads in the hot or warm tier ÷ contacted leads with a score"
            }
        }
    }

    pub fn unit(self) -> KpiUnit {
        match self {
            KpiKey::Delivered | KpiKey::Meetings => KpiUnit::Count,
            KpiKey::DaysToMeeting => KpiUnit::Days,
            KpiKey::TouchesToMeeting => KpiUnit::Touches,
            _ => KpiUnit::Percent,
        }
    }
}

/// A KPI with everything needed to check it by hand.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpi {
    pub key: KpiKey,
    pub numerator: f64,
    pub denominator: i64,
    /// `None` when the denominator is zero: there is nothing to measure yet.
    pub value: Option<f64>,
    pub target: Option<Target>,
    pub status: KpiStatus,
    /// Said next to the figure when it needs a caveat (opens not reported, …).
    pub note: Option<String>,
}

impl Kpi {
    /// The value as people read it: "12.5 %", "42", "3.2 days".
    pub fn display(&self) -> String {
        match (self.value, self.key.unit()) {
            (None, _) => "—".into(),
            (Some(v), KpiUnit::Percent) => percent(v),
            (Some(v), KpiUnit::Count) => format!("{v:.0}"),
            (Some(v), KpiUnit::Days) => format!("{v:.1} days"),
            (Some(v), KpiUnit::Touches) => format!("{v:.1}"),
        }
    }
}

/// "12.5 %"
pub fn percent(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn ratio(n: f64, d: i64) -> Option<f64> {
    (d > 0).then(|| n / d as f64)
}

/// The KPIs of SPEC §15 from the counts, rated against the targets.
pub fn kpis(c: &ReportCounts, targets: &KpiTargets) -> Vec<Kpi> {
    KpiKey::ALL
        .iter()
        .map(|&key| {
            let (numerator, denominator): (f64, i64) = match key {
                KpiKey::Delivered => (c.delivered() as f64, c.sent),
                KpiKey::OpenRate => (c.opened as f64, c.tracked),
                KpiKey::ReplyRate => (c.replied as f64, c.contacted),
                KpiKey::PositiveReplyRate => (c.positive as f64, c.contacted),
                KpiKey::BounceRate => (c.bounced as f64, c.sent),
                KpiKey::UnsubscribeRate => (c.unsubscribed as f64, c.contacted),
                KpiKey::Meetings => (c.meetings as f64, c.contacted),
                KpiKey::BookingRate => (c.meetings as f64, c.contacted),
                KpiKey::DaysToMeeting => (c.meeting_days, c.meetings),
                KpiKey::TouchesToMeeting => (c.meeting_touches as f64, c.meetings),
                KpiKey::IcpMatchRate => (c.icp_matched as f64, c.scored),
            };
            let value = match key.unit() {
                KpiUnit::Count => Some(numerator),
                _ => ratio(numerator, denominator),
            };
            let target = targets.target(key);
            let note = match key {
                KpiKey::OpenRate if c.tracked == 0 && c.sent > 0 => {
                    Some("Opens are not known for these messages: only Instantly and Smartlead report them, and we add no tracking pixel.".into())
                }
                KpiKey::OpenRate if c.tracked < c.delivered() => {
                    Some(format!("Counted over the {} of {} delivered messages whose platform reports opens.", c.tracked, c.delivered()))
                }
                _ => None,
            };
            Kpi { key, numerator, denominator, value, target, status: rate(target, value), note }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------------

/// A goal a KPI is held to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Target {
    /// at least this
    AtLeast(f64),
    /// below this
    Below(f64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::AtLeast(v) => write!(f, "≥ {}", percent(*v)),
            Target::Below(v) => write!(f, "< {}", percent(*v)),
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    Green,
    /// Missed, but within a fifth of the target: worth watching.
    Amber,
    Red,
    /// No target for this KPI.
    NoTarget,
    /// Nothing measured yet.
    NoData,
}

impl KpiStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            KpiStatus::Green => "green",
            KpiStatus::Amber => "amber",
            KpiStatus::Red => "red",
            KpiStatus::NoTarget => "none",
            KpiStatus::NoData => "no_data",
        }
    }
}

/// How far from a target still counts as amber: a fifth of the target.
pub const AMBER_BAND: f64 = 0.2;

/// Green when the target is met, amber when missed by less than a fifth of it, red beyond.
pub fn rate(target: Option<Target>, value: Option<f64>) -> KpiStatus {
    let Some(t) = target else {
        return KpiStatus::NoTarget;
    };
    let Some(v) = value else {
        return KpiStatus::NoData;
    };
    match t {
        Target::AtLeast(goal) if v >= goal => KpiStatus::Green,
        Target::AtLeast(goal) if v >= goal * (1.0 - AMBER_BAND) => KpiStatus::Amber,
        Target::Below(limit) if v < limit => KpiStatus::Green,
        Target::Below(limit) if v < limit * (1.0 + AMBER_BAND) => KpiStatus::Amber,
        _ => KpiStatus::Red,
    }
}

/// The workspace's KPI targets (SPEC §15), fractions of one. Stored as workspace settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KpiTargets {
    pub open_rate: f64,
    pub reply_rate: f64,
    pub bounce_rate: f64,
    pub icp_match_rate: f64,
    pub booking_rate: f64,
    /// Kept for the LinkedIn channel; no KPI uses it until that channel sends.
    pub linkedin_accept_rate: f64,
}

impl Default for KpiTargets {
    fn default() -> Self {
        KpiTargets {
            open_rate: 0.50,
            reply_rate: 0.08,
            bounce_rate: 0.05,
            icp_match_rate: 0.80,
            booking_rate: 0.05,
            linkedin_accept_rate: 0.30,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} must be a percentage between 0 and 100")]
pub struct TargetError(pub &'static str);

impl KpiTargets {
    /// Checks every target is a fraction in (0, 1].
    pub fn validated(self) -> Result<Self, TargetError> {
        for (name, v) in [
            ("Open rate", self.open_rate),
            ("Reply rate", self.reply_rate),
            ("Bounce rate", self.bounce_rate),
            ("ICP match rate", self.icp_match_rate),
            ("Booking rate", self.booking_rate),
            ("LinkedIn accept rate", self.linkedin_accept_rate),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                return Err(TargetError(name));
            }
        }
        Ok(self)
    }

    pub fn target(&self, key: KpiKey) -> Option<Target> {
        match key {
            KpiKey::OpenRate => Some(Target::AtLeast(self.open_rate)),
            KpiKey::ReplyRate => Some(Target::AtLeast(self.reply_rate)),
            KpiKey::BounceRate => Some(Target::Below(self.bounce_rate)),
            KpiKey::IcpMatchRate => Some(Target::AtLeast(self.icp_match_rate)),
            KpiKey::BookingRate => Some(Target::AtLeast(self.booking_rate)),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Funnel
// ---------------------------------------------------------------------------------------------

/// The funnel stages of SPEC §3 a report shows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelStage {
    Pipeline,
    Outreach,
    Engaged,
    Meeting,
}

impl FunnelStage {
    pub const ALL: [FunnelStage; 4] = [
        FunnelStage::Pipeline,
        FunnelStage::Outreach,
        FunnelStage::Engaged,
        FunnelStage::Meeting,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FunnelStage::Pipeline => "Pipeline",
            FunnelStage::Outreach => "Outreach",
            FunnelStage::Engaged => "Engaged",
            FunnelStage::Meeting => "Meeting",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            FunnelStage::Pipeline => {
                "leads that entered in the period (added, or enrolled in the chosen campaign)"
            }
            FunnelStage::Outreach => "of those, leads we sent a message to",
            FunnelStage::Engaged => "of those, leads who opened, clicked, replied or booked",
            FunnelStage::Meeting => "of those, leads who booked a meeting",
        }
    }
}

/// One stage: how many leads reached it (each lead once, in every stage it reached) and the
/// share of the previous stage that did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    pub stage: FunnelStage,
    pub leads: i64,
    /// leads ÷ the previous stage's leads; `None` for the first stage or an empty previous one.
    pub conversion: Option<f64>,
}

/// The funnel from the leads reaching each stage, in stage order.
pub fn funnel(reached: [i64; 4]) -> Vec<FunnelStep> {
    FunnelStage::ALL
        .iter()
        .enumerate()
        .map(|(i, &stage)| FunnelStep {
            stage,
            leads: reached[i],
            conversion: if i == 0 {
                None
            } else {
                ratio(reached[i] as f64, reached[i - 1])
            },
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Breakdowns
// ---------------------------------------------------------------------------------------------

/// One row of a breakdown (per campaign, step, mailbox, channel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    /// The id or value grouped by ("" when the message had none, e.g. no mailbox).
    pub key: String,
    pub label: String,
    pub counts: ReportCounts,
}

/// Sends and replies on one day (by the day they happened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    pub day: NaiveDate,
    pub sent: i64,
    pub bounced: i64,
    /// Human replies received that day.
    pub replies: i64,
    /// Automatic replies and out-of-office received that day, apart.
    pub auto_replies: i64,
    pub meetings: i64,
}

// ---------------------------------------------------------------------------------------------
// A/B variants
// ---------------------------------------------------------------------------------------------

/// Fewest leads per variant before a difference is judged at all.
pub const MIN_SAMPLE_PER_VARIANT: i64 = 100;
/// Fewest replies expected per variant (pooled rate × leads) for the normal approximation the
/// z-test rests on to hold.
pub const MIN_EXPECTED_SUCCESSES: f64 = 5.0;
/// The p-value below which a difference is called real (95 % confidence).
pub const SIGNIFICANCE: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NotEnoughData,
    Significant,
    NotSignificant,
}

/// Variant B against variant A on one proportion (replies ÷ leads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantComparison {
    pub a: (i64, i64),
    pub b: (i64, i64),
    /// rate B − rate A, when both have leads
    pub difference: Option<f64>,
    pub z: Option<f64>,
    /// two-sided
    pub p_value: Option<f64>,
    pub verdict: Verdict,
    /// The result in plain words.
    pub note: String,
}

/// A two-proportion z-test of `b` = (successes, trials) against `a`, with the pooled standard
/// error, and a sentence a client can read.
pub fn compare_variants(a: (i64, i64), b: (i64, i64)) -> VariantComparison {
    let (xa, na) = a;
    let (xb, nb) = b;
    let rate = |x: i64, n: i64| (n > 0).then(|| x as f64 / n as f64);
    let difference = match (rate(xa, na), rate(xb, nb)) {
        (Some(pa), Some(pb)) => Some(pb - pa),
        _ => None,
    };
    let pooled = if na + nb > 0 {
        (xa + xb) as f64 / (na + nb) as f64
    } else {
        0.0
    };
    let enough = na >= MIN_SAMPLE_PER_VARIANT
        && nb >= MIN_SAMPLE_PER_VARIANT
        && pooled * na.min(nb) as f64 >= MIN_EXPECTED_SUCCESSES
        && (1.0 - pooled) * na.min(nb) as f64 >= MIN_EXPECTED_SUCCESSES;
    if !enough {
        let note = format!(
            "Not enough data yet: each variant needs at least {MIN_SAMPLE_PER_VARIANT} leads and about {MIN_EXPECTED_SUCCESSES:.0} replies before a difference means anything (A has {na} leads, B has {nb})."
        );
        return VariantComparison {
            a,
            b,
            difference,
            z: None,
            p_value: None,
            verdict: Verdict::NotEnoughData,
            note,
        };
    }
    let (pa, pb) = (xa as f64 / na as f64, xb as f64 / nb as f64);
    let se = (pooled * (1.0 - pooled) * (1.0 / na as f64 + 1.0 / nb as f64)).sqrt();
    let z = (pb - pa) / se;
    let p = (2.0 * normal_sf(z.abs())).min(1.0);
    let points = (pb - pa).abs() * 100.0;
    let (better, worse) = if pb >= pa { ("B", "A") } else { ("A", "B") };
    let (verdict, note) = if p < SIGNIFICANCE {
        (
            Verdict::Significant,
            format!(
                "{better} does better: {points:.1} points more replies ({} vs {}). A gap this large would come from chance alone only {:.1} % of the time, so it is very likely real.",
                percent(pa.max(pb)),
                percent(pa.min(pb)),
                p * 100.0
            ),
        )
    } else {
        (
            Verdict::NotSignificant,
            format!(
                "No clear winner yet: {better} is {points:.1} points ahead of {worse} ({} vs {}), but a gap this size would come from chance {:.0} % of the time. Keep both running.",
                percent(pa.max(pb)),
                percent(pa.min(pb)),
                p * 100.0
            ),
        )
    };
    VariantComparison {
        a,
        b,
        difference: Some(pb - pa),
        z: Some(z),
        p_value: Some(p),
        verdict,
        note,
    }
}

/// P(Z > z) for a standard normal Z: erfc(z/√2)/2.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function, from the Chebyshev fit in Numerical Recipes (§6.2,
/// "erfcc"): fractional error below 1.2e-7 everywhere, which is far finer than a p-value is
/// ever read. `std` has no erf, and a statistics crate would pull a linear-algebra library into
/// the browser bundle for this one function.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// One A/B pair: a campaign's step whose messages went out with subject A or B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRow {
    pub campaign_id: CampaignId,
    pub campaign: String,
    /// 0-based, as stored; people read step + 1
    pub step: i16,
    pub a: ReportCounts,
    pub b: ReportCounts,
    /// replies ÷ leads contacted, B against A
    pub comparison: VariantComparison,
}

// ---------------------------------------------------------------------------------------------
// Costs
// ---------------------------------------------------------------------------------------------

/// What a provider's spend was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostKind {
    Enrichment,
    Ai,
    Sending,
    Other,
}

impl CostKind {
    pub const ALL: [CostKind; 4] = [
        CostKind::Enrichment,
        CostKind::Ai,
        CostKind::Sending,
        CostKind::Other,
    ];

    /// The kind of a ledger row from its provider (the ledger's stable provider names).
    pub fn of_provider(provider: &str) -> CostKind {
        match provider {
            "apollo" | "hunter" | "bettercontact" | "clay" | "dataforseo" => CostKind::Enrichment,
            "anthropic" | "openai_compatible" => CostKind::Ai,
            "instantly" | "smartlead" | "resend" | "smtp" => CostKind::Sending,
            _ => CostKind::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CostKind::Enrichment => "Enrichment",
            CostKind::Ai => "AI",
            CostKind::Sending => "Sending",
            CostKind::Other => "Other",
        }
    }
}

/// Spend on one provider, in ten-thousandths of an Australian dollar (the ledger's precision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCost {
    pub provider: String,
    pub kind: CostKind,
    pub calls: i64,
    pub cost: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    /// ten-thousandths of an AUD
    pub total: i64,
    pub by_provider: Vec<ProviderCost>,
    /// every kind, zero included, in `CostKind::ALL` order
    pub by_kind: Vec<(CostKind, i64)>,
    /// leads enriched (charged a credit) in the range
    pub enriched_leads: i64,
    /// enrichment spend ÷ enriched leads
    pub per_enriched_lead: Option<i64>,
    /// all spend ÷ leads with a human reply
    pub per_reply: Option<i64>,
    /// all spend ÷ leads with a meeting
    pub per_meeting: Option<i64>,
    pub credits_remaining: i64,
}

/// Costs from the ledger's per-provider sums and the report's outcomes.
pub fn cost_report(
    by_provider: Vec<(String, i64, i64)>,
    enriched_leads: i64,
    replied: i64,
    meetings: i64,
    credits_remaining: i64,
) -> CostReport {
    let by_provider: Vec<ProviderCost> = by_provider
        .into_iter()
        .map(|(provider, calls, cost)| ProviderCost {
            kind: CostKind::of_provider(&provider),
            provider,
            calls,
            cost,
        })
        .collect();
    let total = by_provider.iter().map(|p| p.cost).sum();
    let by_kind: Vec<(CostKind, i64)> = CostKind::ALL
        .iter()
        .map(|&k| {
            (
                k,
                by_provider
                    .iter()
                    .filter(|p| p.kind == k)
                    .map(|p| p.cost)
                    .sum(),
            )
        })
        .collect();
    let enrichment = by_kind[0].1;
    // rounded to the nearest ten-thousandth, like every amount in the ledger
    let per = |amount: i64, n: i64| (n > 0).then(|| (amount as f64 / n as f64).round() as i64);
    CostReport {
        total,
        per_enriched_lead: per(enrichment, enriched_leads),
        per_reply: per(total, replied),
        per_meeting: per(total, meetings),
        by_provider,
        by_kind,
        enriched_leads,
        credits_remaining,
    }
}

/// "A$12.3400" → people read dollars and cents: "A$12.34".
pub fn aud(ten_thousandths: i64) -> String {
    let sign = if ten_thousandths < 0 { "-" } else { "" };
    let cents = (ten_thousandths.unsigned_abs() + 50) / 100;
    format!("{sign}A${}.{:02}", cents / 100, cents % 100)
}

// ---------------------------------------------------------------------------------------------
// The whole report
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub range: DateRange,
    pub filters: ReportFilters,
    pub funnel: Vec<FunnelStep>,
    pub totals: ReportCounts,
    pub kpis: Vec<Kpi>,
    pub by_campaign: Vec<BreakdownRow>,
    pub by_step: Vec<BreakdownRow>,
    /// By the draft's angle (what the message argued: pain, proof, …), across templates.
    #[serde(default)]
    pub by_angle: Vec<BreakdownRow>,
    pub by_mailbox: Vec<BreakdownRow>,
    pub by_channel: Vec<BreakdownRow>,
    pub variants: Vec<VariantRow>,
    pub by_day: Vec<DayRow>,
    pub costs: CostReport,
}

// ---------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------

/// A table of the Reports page, each downloadable as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportTable {
    Funnel,
    Kpis,
    Campaigns,
    Steps,
    Angles,
    Mailboxes,
    Channels,
    Variants,
    Days,
    Costs,
}

impl ReportTable {
    pub const ALL: [ReportTable; 10] = [
        ReportTable::Funnel,
        ReportTable::Kpis,
        ReportTable::Campaigns,
        ReportTable::Steps,
        ReportTable::Angles,
        ReportTable::Mailboxes,
        ReportTable::Channels,
        ReportTable::Variants,
        ReportTable::Days,
        ReportTable::Costs,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ReportTable::Funnel => "funnel",
            ReportTable::Kpis => "kpis",
            ReportTable::Campaigns => "campaigns",
            ReportTable::Steps => "steps",
            ReportTable::Angles => "angles",
            ReportTable::Mailboxes => "mailboxes",
            ReportTable::Channels => "channels",
            ReportTable::Variants => "variants",
            ReportTable::Days => "days",
            ReportTable::Costs => "costs",
        }
    }

    pub fn parse(slug: &str) -> Option<Self> {
        ReportTable::ALL.into_iter().find(|t| t.slug() == slug)
    }
}

/// The query string that carries a range and filters (the page's export links, the CSV route).
pub fn query_string(range: &DateRange, f: &ReportFilters) -> String {
    let mut q = format!("from={}&to={}", range.from(), range.to());
    if let Some(c) = f.campaign {
        q.push_str(&format!("&campaign={c}"));
    }
    if let Some(c) = f.channel {
        q.push_str(&format!("&channel={}", c.as_str()));
    }
    if let Some(m) = f.mailbox {
        q.push_str(&format!("&mailbox={m}"));
    }
    q
}

/// What the filters can be set to: the workspace's campaigns and sending accounts, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    pub campaigns: Vec<(CampaignId, String)>,
    pub mailboxes: Vec<(MailboxId, String)>,
}

/// A range and filters as a form or query string gives them; empty strings mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    pub from: String,
    pub to: String,
    pub campaign: String,
    pub channel: String,
    pub mailbox: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Range(#[from] RangeError),
    #[error("unknown {0}")]
    Filter(&'static str),
}

/// An optional text field: blank is absent.
fn opt(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

impl ReportQuery {
    /// Parses the edge's strings into a range and typed filters.
    pub fn parse(&self) -> Result<(DateRange, ReportFilters), QueryError> {
        Ok((DateRange::parse(&self.from, &self.to)?, self.filters()?))
    }

    /// The filters alone (a preset range ignores `from` and `to`).
    pub fn filters(&self) -> Result<ReportFilters, QueryError> {
        let campaign = opt(&self.campaign).map(|c| c.parse().map_err(|_| QueryError::Filter("campaign"))).transpose()?;
        let mailbox = opt(&self.mailbox).map(|c| c.parse().map_err(|_| QueryError::Filter("mailbox"))).transpose()?;
        let channel = opt(&self.channel)
            .map(|c| Channel::ALL.into_iter().find(|x| x.as_str() == c).ok_or(QueryError::Filter("channel")))
            .transpose()?;
        Ok(ReportFilters { campaign, channel, mailbox })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_preset_ends_today_and_counts_today_as_one_of_its_days() {
        let r = DateRange::last_days(d("2026-12-03"), 7);
        assert_eq!(
            (r.from(), r.to(), r.days()),
            (d("2026-11-27"), d("2026-12-03"), 7)
        );
        assert_eq!(r.end_exclusive(), d("2026-12-04"));
    }

    #[test]
    fn a_reversed_too_long_or_unreadable_range_is_refused() {
        assert_eq!(
            DateRange::parse("2026-12-03", "2026-12-01"),
            Err(RangeError::Reversed)
        );
        assert_eq!(
            DateRange::parse("2025-01-01", "2026-12-01"),
            Err(RangeError::TooLong)
        );
        assert_eq!(
            DateRange::parse("03/12/2026", "2026-12-01"),
            Err(RangeError::Unreadable)
        );
        assert!(DateRange::parse("2026-12-01", "2026-12-01").is_ok());
    }

    #[test]
    fn erfc_matches_known_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122),
            (1.0, 0.157_299_207),
            (2.0, 0.004_677_735),
            (-1.0, 1.842_700_793),
        ] {
            assert!(
                (erfc(x) - want).abs() < 2e-7 * want.max(1e-3) + 1e-9,
                "erfc({x}) = {} not {want}",
                erfc(x)
            );
        }
        // the 1.96 of 95 % confidence
        assert!((2.0 * normal_sf(1.959_964) - 0.05).abs() < 1e-6);
    }

    #[test]
    fn the_variant_test_says_not_enough_data_under_the_minimum_sample() {
        let c = compare_variants((10, 99), (30, 99));
        assert_eq!(c.verdict, Verdict::NotEnoughData);
        assert!(c.note.starts_with("Not enough data yet"), "{}", c.note);
        assert!(c.p_value.is_none());
        // enough leads, too few replies for the normal approximation
        assert_eq!(
            compare_variants((1, 200), (2, 200)).verdict,
            Verdict::NotEnoughData
        );
    }

    #[test]
    fn the_variant_test_matches_a_worked_example() {
        // 20/200 (10 %) vs 40/200 (20 %): pooled 15 %, se = sqrt(.15·.85·(2/200)) = 0.035707,
        // z = 0.10 / 0.035707 = 2.8006, two-sided p = 0.0051
        let c = compare_variants((20, 200), (40, 200));
        assert_eq!(c.verdict, Verdict::Significant);
        assert!((c.z.unwrap() - 2.8006).abs() < 1e-3, "{:?}", c.z);
        assert!(
            (c.p_value.unwrap() - 0.0051).abs() < 1e-4,
            "{:?}",
            c.p_value
        );
        assert!((c.difference.unwrap() - 0.10).abs() < 1e-12);
        assert!(
            c.note.starts_with("B does better: 10.0 points"),
            "{}",
            c.note
        );
        // 20/200 vs 26/200: pooled 11.5 %, se = 0.031902, z = 0.9404, p = 0.3470
        let c = compare_variants((20, 200), (26, 200));
        assert_eq!(c.verdict, Verdict::NotSignificant);
        assert!(
            (c.p_value.unwrap() - 0.3470).abs() < 1e-3,
            "{:?}",
            c.p_value
        );
        assert!(c.note.starts_with("No clear winner yet"), "{}", c.note);
    }

    #[test]
    fn the_variant_test_is_symmetric() {
        let ab = compare_variants((20, 200), (40, 200));
        let ba = compare_variants((40, 200), (20, 200));
        assert!((ab.z.unwrap() + ba.z.unwrap()).abs() < 1e-12);
        assert_eq!(ab.p_value, ba.p_value);
        assert!(ba.note.starts_with("A does better"));
    }

    #[test]
    fn targets_rate_green_amber_and_red_both_ways() {
        let at_least = Some(Target::AtLeast(0.08));
        assert_eq!(rate(at_least, Some(0.08)), KpiStatus::Green);
        assert_eq!(rate(at_least, Some(0.065)), KpiStatus::Amber);
        assert_eq!(rate(at_least, Some(0.063)), KpiStatus::Red);
        let below = Some(Target::Below(0.05));
        assert_eq!(rate(below, Some(0.049)), KpiStatus::Green);
        assert_eq!(rate(below, Some(0.05)), KpiStatus::Amber);
        assert_eq!(rate(below, Some(0.061)), KpiStatus::Red);
        assert_eq!(rate(below, None), KpiStatus::NoData);
        assert_eq!(rate(None, Some(1.0)), KpiStatus::NoTarget);
    }

    #[test]
    fn targets_must_be_fractions() {
        assert!(KpiTargets::default().validated().is_ok());
        assert_eq!(
            KpiTargets {
                reply_rate: 0.0,
                ..KpiTargets::default()
            }
            .validated(),
            Err(TargetError("Reply rate"))
        );
        assert_eq!(
            KpiTargets {
                bounce_rate: 1.5,
                ..KpiTargets::default()
            }
            .validated(),
            Err(TargetError("Bounce rate"))
        );
        assert_eq!(
            KpiTargets {
                open_rate: f64::NAN,
                ..KpiTargets::default()
            }
            .validated(),
            Err(TargetError("Open rate"))
        );
    }

    #[test]
    fn kpis_carry_their_numerator_denominator_and_rating() {
        let c = ReportCounts {
            sent: 100,
            bounced: 4,
            tracked: 0,
            opened: 0,
            contacted: 50,
            replied: 5,
            positive: 2,
            auto_replied: 3,
            unsubscribed: 1,
            meetings: 2,
            meeting_days: 9.0,
            meeting_touches: 5,
            scored: 40,
            icp_matched: 30,
        };
        let k = kpis(&c, &KpiTargets::default());
        let get = |key| k.iter().find(|x| x.key == key).unwrap().clone();
        assert_eq!(
            (
                get(KpiKey::Delivered).value,
                get(KpiKey::Delivered).denominator
            ),
            (Some(96.0), 100)
        );
        let reply = get(KpiKey::ReplyRate);
        assert_eq!(
            (
                reply.numerator,
                reply.denominator,
                reply.value,
                reply.status
            ),
            (5.0, 50, Some(0.1), KpiStatus::Green)
        );
        assert_eq!(get(KpiKey::BounceRate).value, Some(0.04));
        assert_eq!(get(KpiKey::BounceRate).status, KpiStatus::Green);
        assert_eq!(get(KpiKey::IcpMatchRate).value, Some(0.75));
        assert_eq!(get(KpiKey::IcpMatchRate).status, KpiStatus::Amber);
        assert_eq!(get(KpiKey::BookingRate).value, Some(0.04));
        assert_eq!(get(KpiKey::DaysToMeeting).value, Some(4.5));
        assert_eq!(get(KpiKey::TouchesToMeeting).value, Some(2.5));
        let open = get(KpiKey::OpenRate);
        assert_eq!((open.value, open.status), (None, KpiStatus::NoData));
        assert!(open.note.unwrap().starts_with("Opens are not known"));
    }

    #[test]
    fn the_funnel_converts_each_stage_from_the_previous_one() {
        let f = funnel([10, 8, 4, 0]);
        assert_eq!(
            f.iter().map(|s| s.conversion).collect::<Vec<_>>(),
            vec![None, Some(0.8), Some(0.5), Some(0.0)]
        );
        assert_eq!(funnel([0, 0, 0, 0])[1].conversion, None);
    }

    #[test]
    fn a_query_string_round_trips_through_the_edge_parser() {
        let range = DateRange::parse("2026-11-01", "2026-11-30").unwrap();
        let f = ReportFilters { campaign: Some(CampaignId(uuid::Uuid::from_u128(7))), channel: Some(Channel::Email), mailbox: None };
        let q = query_string(&range, &f);
        let mut parsed = ReportQuery::default();
        for pair in q.split('&') {
            let (k, v) = pair.split_once('=').unwrap();
            match k {
                "from" => parsed.from = v.into(),
                "to" => parsed.to = v.into(),
                "campaign" => parsed.campaign = v.into(),
                "channel" => parsed.channel = v.into(),
                _ => panic!("{k}"),
            }
        }
        assert_eq!(parsed.parse(), Ok((range, f)));
        assert_eq!(ReportQuery { channel: "fax".into(), ..parsed.clone() }.parse(), Err(QueryError::Filter("channel")));
        assert_eq!(ReportQuery { campaign: "x".into(), ..parsed }.parse(), Err(QueryError::Filter("campaign")));
        assert_eq!(ReportTable::ALL.iter().map(|t| ReportTable::parse(t.slug())).collect::<Vec<_>>(), ReportTable::ALL.map(Some).to_vec());
    }

    #[test]
    fn costs_split_by_kind_and_divide_by_outcomes() {
        let c = cost_report(
            vec![
                ("apollo".into(), 10, 12_000),
                ("anthropic".into(), 3, 3_000),
                ("instantly".into(), 5, 500),
            ],
            4,
            3,
            0,
            100,
        );
        assert_eq!(c.total, 15_500);
        assert_eq!(
            c.by_kind,
            vec![
                (CostKind::Enrichment, 12_000),
                (CostKind::Ai, 3_000),
                (CostKind::Sending, 500),
                (CostKind::Other, 0)
            ]
        );
        assert_eq!(
            (c.per_enriched_lead, c.per_reply, c.per_meeting),
            (Some(3_000), Some(5_167), None)
        );
        assert_eq!(aud(5_167), "A$0.52");
        assert_eq!(aud(15_500), "A$1.55");
    }
}
