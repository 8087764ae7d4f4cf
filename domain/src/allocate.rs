//! Allocation: which channel a lead may be reached on, which sending resource carries each
//! touch, and how much a workspace may send today (SPEC §6).
//!
//! This module owns per-resource daily caps and their ramps, round-robin rotation, and the
//! workspace ramp mode. It decides for one day at a time from counters the caller loads; it
//! does not persist anything, and the caller must record each assignment before sending.
//! Every assignment is also checked against the lead's sending window, so nothing allocated
//! here can go out at 3 a.m. local time.

use crate::score::{Channel, ChannelSet, Tier, TierSet};
use crate::window::{is_inside_window, next_open, SendingWindow};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the lead can be reached by, and what is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LeadReach {
    pub has_email: bool,
    pub has_linkedin_url: bool,
    pub has_mobile: bool,
    pub has_postal_address: bool,
    /// The address (or its domain) is on a suppression list.
    pub email_suppressed: bool,
    /// The phone number is on a suppression list: no SMS and no calls.
    pub phone_suppressed: bool,
    /// The number is on the Do Not Call Register: no calls; SMS falls under the Spam Act.
    pub dncr_listed: bool,
    /// The lead as a whole is suppressed (unsubscribed, bounced, dead, …).
    pub lead_suppressed: bool,
}

impl LeadReach {
    /// Channels the lead has details for, minus suppressed ones.
    pub fn channels(&self) -> ChannelSet {
        if self.lead_suppressed {
            return ChannelSet::EMPTY;
        }
        let mut s = ChannelSet::EMPTY;
        if self.has_email && !self.email_suppressed {
            s = s.with(Channel::Email);
        }
        if self.has_linkedin_url {
            s = s.with(Channel::LinkedIn);
        }
        if self.has_mobile && !self.phone_suppressed {
            s = s.with(Channel::Sms);
            if !self.dncr_listed {
                s = s.with(Channel::Voice);
            }
        }
        if self.has_postal_address {
            s = s.with(Channel::DirectMail);
        }
        s
    }
}

/// Channels = tier's channels ∩ campaign's channels ∩ what the lead has − suppressed.
pub fn allowed_channels(tier: Tier, campaign: ChannelSet, reach: &LeadReach) -> ChannelSet {
    tier.channels()
        .intersection(campaign)
        .intersection(reach.channels())
}

/// Normal daily caps per resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelCaps {
    pub email_per_mailbox: u32,
    pub linkedin_per_seat: u32,
    pub sms_per_number: u32,
    /// Not in the spec; a conservative default for a calling number.
    pub voice_per_number: u32,
    /// Not in the spec; letters per direct-mail account per day.
    pub direct_mail_per_account: u32,
}

impl Default for ChannelCaps {
    fn default() -> Self {
        Self {
            email_per_mailbox: 50,
            linkedin_per_seat: 17,
            sms_per_number: 100,
            voice_per_number: 50,
            direct_mail_per_account: 500,
        }
    }
}

impl ChannelCaps {
    pub fn for_channel(&self, c: Channel) -> u32 {
        match c {
            Channel::Email => self.email_per_mailbox,
            Channel::LinkedIn => self.linkedin_per_seat,
            Channel::Sms => self.sms_per_number,
            Channel::Voice => self.voice_per_number,
            Channel::DirectMail => self.direct_mail_per_account,
        }
    }
}

/// Warm-up of new resources: a new mailbox starts at 5/day and gains 2/day up to its cap; a
/// new LinkedIn seat sends 5/day for its first four weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RampRules {
    pub mailbox_start: u32,
    pub mailbox_step_per_day: u32,
    pub linkedin_new_seat_per_day: u32,
    pub linkedin_new_seat_weeks: u32,
}

impl Default for RampRules {
    fn default() -> Self {
        Self {
            mailbox_start: 5,
            mailbox_step_per_day: 2,
            linkedin_new_seat_per_day: 5,
            linkedin_new_seat_weeks: 4,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AllocationConfig {
    pub caps: ChannelCaps,
    pub ramps: RampRules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResourceId(pub Uuid);

/// A mailbox, LinkedIn seat, SMS/voice number or mail account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: ResourceId,
    pub channel: Channel,
    /// A lower cap for this resource (e.g. 25–30 for a cold mailbox); never raises the
    /// platform cap.
    pub daily_cap: Option<u32>,
    /// The day the resource started sending; ramps count from here.
    pub activated_on: NaiveDate,
    /// Paused resources (e.g. a mailbox over its bounce threshold) send nothing.
    pub paused: bool,
}

/// How many sends `r` may make on `day`.
pub fn effective_cap(r: &Resource, day: NaiveDate, cfg: &AllocationConfig) -> u32 {
    if r.paused || day < r.activated_on {
        return 0;
    }
    let platform = cfg.caps.for_channel(r.channel);
    let cap = r.daily_cap.map_or(platform, |c| c.min(platform));
    let age_days = u32::try_from((day - r.activated_on).num_days()).unwrap_or(u32::MAX);
    match r.channel {
        Channel::Email => {
            let ramp = cfg
                .ramps
                .mailbox_start
                .saturating_add(cfg.ramps.mailbox_step_per_day.saturating_mul(age_days));
            cap.min(ramp)
        }
        Channel::LinkedIn if age_days < cfg.ramps.linkedin_new_seat_weeks.saturating_mul(7) => {
            cap.min(cfg.ramps.linkedin_new_seat_per_day)
        }
        _ => cap,
    }
}

/// Workspace ramp mode (seed 001): a small daily limit and a tier filter for N supervised
/// days, then an explicit graduation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RampMode {
    pub daily_limit: u32,
    pub tiers: TierSet,
    pub supervised_days: u32,
    pub started_on: NaiveDate,
    /// The workspace limit once graduated (seed 001: 25/day); `None` = resource caps only.
    pub graduated_daily_limit: Option<u32>,
}

/// Why a ramp cannot start as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RampError {
    #[error("the daily limit must be between 1 and {max} sends")]
    DailyLimit { max: u32 },
    #[error("pick at least one tier to send to")]
    NoTier,
    #[error("supervise for between 1 and {max} days")]
    SupervisedDays { max: u32 },
}

/// What the Sending banner shows while a workspace ramps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RampOverview {
    pub mode: RampMode,
    pub status: RampStatus,
    /// Live sends counted against today's limit (UTC day).
    pub sent_today: u32,
}

impl RampMode {
    pub const MAX_DAILY_LIMIT: u32 = 500;
    pub const MAX_SUPERVISED_DAYS: u32 = 90;

    /// A ramp starting `on`, checked; it graduates to the seed's 25 a day.
    pub fn new(daily_limit: u32, tiers: TierSet, supervised_days: u32, on: NaiveDate) -> Result<RampMode, RampError> {
        if !(1..=Self::MAX_DAILY_LIMIT).contains(&daily_limit) {
            return Err(RampError::DailyLimit { max: Self::MAX_DAILY_LIMIT });
        }
        if tiers == TierSet::EMPTY {
            return Err(RampError::NoTier);
        }
        if !(1..=Self::MAX_SUPERVISED_DAYS).contains(&supervised_days) {
            return Err(RampError::SupervisedDays { max: Self::MAX_SUPERVISED_DAYS });
        }
        Ok(RampMode { daily_limit, tiers, supervised_days, started_on: on, graduated_daily_limit: Some(25) })
    }

    /// 5/day, hot leads only, 3 supervised days, then 25/day.
    pub fn starting(on: NaiveDate) -> RampMode {
        RampMode {
            daily_limit: 5,
            tiers: TierSet::of(&[Tier::Hot]),
            supervised_days: 3,
            started_on: on,
            graduated_daily_limit: Some(25),
        }
    }
}

/// How a workspace may send today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum WorkspaceSending {
    Ramp(RampMode),
    Graduated { daily_limit: Option<u32> },
}

/// What the UI shows about ramp mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RampStatus {
    /// Day `day` of ramp mode (1-based), `clean_days` of `needed` clean supervised days done.
    Supervised {
        day: u32,
        clean_days: u32,
        needed: u32,
    },
    ReadyToGraduate,
    Graduated,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum GraduationError {
    #[error("{clean_days} of {needed} clean supervised days completed")]
    NotYet { clean_days: u32, needed: u32 },
    #[error("the workspace has already graduated")]
    AlreadyGraduated,
}

/// Limits a workspace's sending imposes on every assignment today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceLimits {
    pub daily_limit: Option<u32>,
    pub tiers: TierSet,
}

impl WorkspaceSending {
    /// The mode as stored; an unreadable value reads as the starting ramp from `today`: the
    /// cautious reading.
    pub fn from_stored(v: &serde_json::Value, today: NaiveDate) -> WorkspaceSending {
        WorkspaceSending::deserialize(v).unwrap_or(WorkspaceSending::Ramp(RampMode::starting(today)))
    }

    pub fn limits(&self) -> WorkspaceLimits {
        match self {
            WorkspaceSending::Ramp(r) => WorkspaceLimits {
                daily_limit: Some(r.daily_limit),
                tiers: r.tiers,
            },
            WorkspaceSending::Graduated { daily_limit } => WorkspaceLimits {
                daily_limit: *daily_limit,
                tiers: TierSet::ALL,
            },
        }
    }

    /// `clean_days` counts supervised days that finished without a deliverability problem;
    /// the engine judges that from bounces and complaints.
    pub fn status(&self, today: NaiveDate, clean_days: u32) -> RampStatus {
        match self {
            WorkspaceSending::Graduated { .. } => RampStatus::Graduated,
            WorkspaceSending::Ramp(r) if clean_days >= r.supervised_days => {
                RampStatus::ReadyToGraduate
            }
            WorkspaceSending::Ramp(r) => {
                let day =
                    u32::try_from((today - r.started_on).num_days().max(0)).unwrap_or(u32::MAX);
                RampStatus::Supervised {
                    day: day.saturating_add(1),
                    clean_days,
                    needed: r.supervised_days,
                }
            }
        }
    }

    /// Leaves ramp mode once enough clean supervised days are done.
    pub fn graduate(&self, clean_days: u32) -> Result<WorkspaceSending, GraduationError> {
        match self {
            WorkspaceSending::Graduated { .. } => Err(GraduationError::AlreadyGraduated),
            WorkspaceSending::Ramp(r) if clean_days < r.supervised_days => {
                Err(GraduationError::NotYet {
                    clean_days,
                    needed: r.supervised_days,
                })
            }
            WorkspaceSending::Ramp(r) => Ok(WorkspaceSending::Graduated {
                daily_limit: r.graduated_daily_limit,
            }),
        }
    }
}

/// The ramp limits a live send obeys: the workspace's (while it ramps, or its graduated daily
/// limit) and, when its campaign ramps on its own, the campaign's — a campaign can only tighten
/// what the workspace allows, never loosen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RampLimits {
    pub workspace: Option<WorkspaceLimits>,
    pub campaign: Option<WorkspaceLimits>,
}

impl RampLimits {
    /// `workspace` is the stored mode (`None`: never ramped). A ramping campaign uses the
    /// workspace's ramp when there is one, else the starting ramp (5 a day, hot leads).
    pub fn of(workspace: Option<&WorkspaceSending>, campaign_ramps: bool, today: NaiveDate) -> RampLimits {
        let limiting = |l: WorkspaceLimits| (l.daily_limit.is_some() || l.tiers != TierSet::ALL).then_some(l);
        let campaign = campaign_ramps.then(|| match workspace {
            Some(w @ WorkspaceSending::Ramp(_)) => w.limits(),
            _ => WorkspaceSending::Ramp(RampMode::starting(today)).limits(),
        });
        RampLimits { workspace: workspace.map(WorkspaceSending::limits).and_then(limiting), campaign }
    }

    pub fn is_limited(&self) -> bool {
        self.workspace.is_some() || self.campaign.is_some()
    }

    /// Why a lead of this tier (`None`: not scored) may not be sent to, if it may not.
    pub fn tier_refusal(&self, tier: Option<Tier>) -> Option<String> {
        for (whose, limits) in [("the workspace", self.workspace), ("this campaign", self.campaign)] {
            let Some(l) = limits else { continue };
            if tier.is_none_or(|t| !l.tiers.contains(t)) {
                let allowed: Vec<&str> = l.tiers.iter().map(Tier::as_str).collect();
                let lead = tier.map_or("not scored".to_string(), |t| format!("{} lead", t.as_str()));
                return Some(format!("ramp mode of {whose} sends only to {} leads ({lead})", allowed.join(", ")));
            }
        }
        None
    }
}

/// One touch to place.
#[derive(Debug, Clone, Copy)]
pub struct SendRequest<'a> {
    pub channel: Channel,
    pub tier: Tier,
    pub campaign_channels: ChannelSet,
    pub reach: &'a LeadReach,
    pub time_zone: Tz,
    pub window: &'a SendingWindow,
}

/// Why a touch could not be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Refusal {
    /// The channel is not in tier ∩ campaign ∩ reach − suppression.
    ChannelNotAllowed {
        channel: Channel,
    },
    /// Ramp mode sends only to some tiers.
    TierFiltered {
        tier: Tier,
    },
    WorkspaceDailyLimit {
        limit: u32,
    },
    /// Outside the lead's sending window; `next_open` is when it opens (None if never).
    OutsideWindow {
        next_open: Option<DateTime<Utc>>,
    },
    /// Every resource of the channel has reached today's cap.
    NoCapacity {
        channel: Channel,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Allocation {
    Assigned {
        resource: ResourceId,
        channel: Channel,
    },
    Refused(Refusal),
}

/// A resource with today's cap and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceUsage {
    pub resource: Resource,
    pub cap: u32,
    pub sent: u32,
}

/// Places touches for one day, rotating round-robin over each channel's resources.
#[derive(Debug, Clone)]
pub struct Allocator {
    usage: Vec<ResourceUsage>,
    cursors: [usize; 5],
    limits: WorkspaceLimits,
    workspace_sent: u32,
}

impl Allocator {
    /// `sent_today` gives each resource's count so far today (missing = 0);
    /// `workspace_sent_today` the workspace's.
    pub fn new(
        day: NaiveDate,
        cfg: &AllocationConfig,
        resources: &[Resource],
        sent_today: impl Fn(ResourceId) -> u32,
        sending: &WorkspaceSending,
        workspace_sent_today: u32,
    ) -> Allocator {
        let usage = resources
            .iter()
            .map(|r| ResourceUsage {
                resource: *r,
                cap: effective_cap(r, day, cfg),
                sent: sent_today(r.id),
            })
            .collect();
        Allocator {
            usage,
            cursors: [0; 5],
            limits: sending.limits(),
            workspace_sent: workspace_sent_today,
        }
    }

    pub fn usage(&self) -> &[ResourceUsage] {
        &self.usage
    }

    pub fn workspace_sent(&self) -> u32 {
        self.workspace_sent
    }

    /// Sends left today on a channel across its resources (ignoring the workspace limit).
    pub fn remaining(&self, channel: Channel) -> u32 {
        self.usage
            .iter()
            .filter(|u| u.resource.channel == channel)
            .map(|u| u.cap.saturating_sub(u.sent))
            .fold(0u32, u32::saturating_add)
    }

    /// Places one touch at `now`, or says why not. On success the counters move; the caller
    /// records the assignment with the send.
    pub fn assign(&mut self, req: &SendRequest<'_>, now: DateTime<Utc>) -> Allocation {
        let allowed = allowed_channels(req.tier, req.campaign_channels, req.reach);
        if !allowed.contains(req.channel) {
            return Allocation::Refused(Refusal::ChannelNotAllowed {
                channel: req.channel,
            });
        }
        if !self.limits.tiers.contains(req.tier) {
            return Allocation::Refused(Refusal::TierFiltered { tier: req.tier });
        }
        if let Some(limit) = self.limits.daily_limit {
            if self.workspace_sent >= limit {
                return Allocation::Refused(Refusal::WorkspaceDailyLimit { limit });
            }
        }
        if !is_inside_window(now, req.time_zone, req.window) {
            let next = next_open(now, req.time_zone, req.window).ok();
            return Allocation::Refused(Refusal::OutsideWindow { next_open: next });
        }
        let n = self.usage.len();
        let slot = req.channel as usize;
        let start = self.cursors[slot] % n.max(1);
        let pick = (0..n).map(|k| (start + k) % n).find(|&i| {
            let u = &self.usage[i];
            u.resource.channel == req.channel && u.sent < u.cap
        });
        match pick {
            Some(i) => {
                self.usage[i].sent += 1;
                self.cursors[slot] = i + 1;
                self.workspace_sent = self.workspace_sent.saturating_add(1);
                Allocation::Assigned {
                    resource: self.usage[i].resource.id,
                    channel: req.channel,
                }
            }
            None => Allocation::Refused(Refusal::NoCapacity {
                channel: req.channel,
            }),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn ramp_limits_combine_the_workspace_and_a_tightening_campaign() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert!(!RampLimits::of(None, false, day).is_limited());
        assert!(!RampLimits::of(Some(&WorkspaceSending::Graduated { daily_limit: None }), false, day).is_limited());
        let graduated = RampLimits::of(Some(&WorkspaceSending::Graduated { daily_limit: Some(25) }), false, day);
        assert_eq!(graduated.workspace.unwrap().daily_limit, Some(25));
        assert_eq!(graduated.tier_refusal(Some(Tier::Cool)), None);

        let ramp = WorkspaceSending::Ramp(RampMode { daily_limit: 3, tiers: TierSet::of(&[Tier::Hot, Tier::Warm]), ..RampMode::starting(day) });
        let both = RampLimits::of(Some(&ramp), true, day);
        assert_eq!(both.workspace, both.campaign, "a ramping campaign follows the workspace's ramp");
        assert_eq!(both.tier_refusal(Some(Tier::Warm)), None);
        let why = both.tier_refusal(Some(Tier::Cool)).unwrap();
        assert!(why.contains("hot, warm") && why.contains("cool lead"), "{why}");
        assert!(both.tier_refusal(None).unwrap().contains("not scored"));

        let campaign_only = RampLimits::of(None, true, day);
        assert_eq!(campaign_only.workspace, None);
        assert_eq!(campaign_only.campaign.unwrap().daily_limit, Some(5));
        assert!(campaign_only.tier_refusal(Some(Tier::Warm)).unwrap().starts_with("ramp mode of this campaign"));
    }

    use super::*;
    use crate::window::SendingWindow;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn res(n: u128, channel: Channel, activated_on: NaiveDate) -> Resource {
        Resource {
            id: ResourceId(Uuid::from_u128(n)),
            channel,
            daily_cap: None,
            activated_on,
            paused: false,
        }
    }

    fn full_reach() -> LeadReach {
        LeadReach {
            has_email: true,
            has_linkedin_url: true,
            has_mobile: true,
            has_postal_address: true,
            ..Default::default()
        }
    }

    fn wed_10am_utc() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-04T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    const GRADUATED: WorkspaceSending = WorkspaceSending::Graduated { daily_limit: None };

    #[test]
    fn channels_are_tier_and_campaign_and_reach_minus_suppression() {
        use Channel::*;
        let campaign = ChannelSet::of(&[Email, LinkedIn, Sms]);
        assert_eq!(
            allowed_channels(Tier::Hot, campaign, &full_reach()),
            campaign
        );
        assert_eq!(
            allowed_channels(Tier::Cool, campaign, &full_reach()),
            ChannelSet::of(&[Email, LinkedIn])
        );
        let no_linkedin = LeadReach {
            has_linkedin_url: false,
            ..full_reach()
        };
        assert_eq!(
            allowed_channels(Tier::Cool, campaign, &no_linkedin),
            ChannelSet::of(&[Email])
        );
        let suppressed_email = LeadReach {
            email_suppressed: true,
            ..full_reach()
        };
        assert_eq!(
            allowed_channels(Tier::Cold, campaign, &suppressed_email),
            ChannelSet::EMPTY
        );
        assert!(allowed_channels(Tier::Dead, ChannelSet::ALL, &full_reach()).is_empty());
        let all_off = LeadReach {
            lead_suppressed: true,
            ..full_reach()
        };
        assert!(allowed_channels(Tier::Hot, ChannelSet::ALL, &all_off).is_empty());
    }

    #[test]
    fn the_do_not_call_register_blocks_calls_but_not_sms() {
        let r = LeadReach {
            dncr_listed: true,
            ..full_reach()
        };
        assert!(!r.channels().contains(Channel::Voice));
        assert!(r.channels().contains(Channel::Sms));
        let r = LeadReach {
            phone_suppressed: true,
            ..full_reach()
        };
        assert!(!r.channels().contains(Channel::Sms));
        assert!(!r.channels().contains(Channel::Voice));
    }

    #[test]
    fn a_new_mailbox_starts_at_five_and_gains_two_a_day_up_to_fifty() {
        let cfg = AllocationConfig::default();
        let start = d(2026, 3, 1);
        let mb = res(1, Channel::Email, start);
        let caps: Vec<u32> = (0..4)
            .map(|k| effective_cap(&mb, start + chrono::Days::new(k), &cfg))
            .collect();
        assert_eq!(caps, vec![5, 7, 9, 11]);
        assert_eq!(effective_cap(&mb, d(2026, 3, 23), &cfg), 49);
        assert_eq!(effective_cap(&mb, d(2026, 3, 24), &cfg), 50);
        assert_eq!(effective_cap(&mb, d(2030, 1, 1), &cfg), 50);
        let cold = Resource {
            daily_cap: Some(25),
            ..mb
        };
        assert_eq!(effective_cap(&cold, d(2026, 6, 1), &cfg), 25);
        let greedy = Resource {
            daily_cap: Some(500),
            ..mb
        };
        assert_eq!(effective_cap(&greedy, d(2026, 6, 1), &cfg), 50);
    }

    #[test]
    fn a_new_linkedin_seat_sends_five_a_day_for_four_weeks_then_seventeen() {
        let cfg = AllocationConfig::default();
        let seat = res(2, Channel::LinkedIn, d(2026, 3, 1));
        assert_eq!(effective_cap(&seat, d(2026, 3, 1), &cfg), 5);
        assert_eq!(effective_cap(&seat, d(2026, 3, 28), &cfg), 5);
        assert_eq!(effective_cap(&seat, d(2026, 3, 29), &cfg), 17);
    }

    #[test]
    fn sms_numbers_send_a_hundred_a_day_and_paused_or_future_resources_send_nothing() {
        let cfg = AllocationConfig::default();
        let num = res(3, Channel::Sms, d(2026, 3, 1));
        assert_eq!(effective_cap(&num, d(2026, 3, 1), &cfg), 100);
        assert_eq!(
            effective_cap(
                &Resource {
                    paused: true,
                    ..num
                },
                d(2026, 3, 5),
                &cfg
            ),
            0
        );
        assert_eq!(effective_cap(&num, d(2026, 2, 28), &cfg), 0);
    }

    fn request<'a>(reach: &'a LeadReach, window: &'a SendingWindow, tier: Tier) -> SendRequest<'a> {
        SendRequest {
            channel: Channel::Email,
            tier,
            campaign_channels: ChannelSet::ALL,
            reach,
            time_zone: chrono_tz::UTC,
            window,
        }
    }

    #[test]
    fn mailboxes_rotate_round_robin_until_each_reaches_its_cap() {
        let cfg = AllocationConfig::default();
        let day = d(2026, 3, 4);
        let old = d(2025, 1, 1);
        let resources = [
            res(1, Channel::Email, old),
            res(2, Channel::LinkedIn, old),
            res(3, Channel::Email, day),
        ];
        let mut a = Allocator::new(
            day,
            &cfg,
            &resources,
            |id| if id.0.as_u128() == 1 { 47 } else { 0 },
            &GRADUATED,
            0,
        );
        let (reach, w) = (full_reach(), SendingWindow::default());
        let req = request(&reach, &w, Tier::Warm);
        let picks: Vec<u128> = (0..8)
            .map(|_| match a.assign(&req, wed_10am_utc()) {
                Allocation::Assigned { resource, .. } => resource.0.as_u128(),
                Allocation::Refused(r) => panic!("{r:?}"),
            })
            .collect();
        // Mailbox 1 has 3 left of 50, the new mailbox 3 has 5 of its first day's 5.
        assert_eq!(picks[..6], [1, 3, 1, 3, 1, 3]);
        assert_eq!(picks[6..], [3, 3]);
        assert_eq!(
            a.assign(&req, wed_10am_utc()),
            Allocation::Refused(Refusal::NoCapacity {
                channel: Channel::Email
            })
        );
        assert_eq!(a.remaining(Channel::Email), 0);
        assert_eq!(a.remaining(Channel::LinkedIn), 17);
    }

    #[test]
    fn ramp_mode_limits_the_workspace_per_day_and_by_tier() {
        let cfg = AllocationConfig::default();
        let day = d(2026, 3, 4);
        let ramp = WorkspaceSending::Ramp(RampMode::starting(day));
        let resources = [res(1, Channel::Email, d(2025, 1, 1))];
        let mut a = Allocator::new(day, &cfg, &resources, |_| 0, &ramp, 3);
        let (reach, w) = (full_reach(), SendingWindow::default());
        assert_eq!(
            a.assign(&request(&reach, &w, Tier::Warm), wed_10am_utc()),
            Allocation::Refused(Refusal::TierFiltered { tier: Tier::Warm })
        );
        let hot = request(&reach, &w, Tier::Hot);
        assert!(matches!(
            a.assign(&hot, wed_10am_utc()),
            Allocation::Assigned { .. }
        ));
        assert!(matches!(
            a.assign(&hot, wed_10am_utc()),
            Allocation::Assigned { .. }
        ));
        assert_eq!(
            a.assign(&hot, wed_10am_utc()),
            Allocation::Refused(Refusal::WorkspaceDailyLimit { limit: 5 })
        );
    }

    #[test]
    fn ramp_mode_graduates_only_after_the_supervised_clean_days() {
        let start = d(2026, 3, 2);
        let ramp = WorkspaceSending::Ramp(RampMode::starting(start));
        assert_eq!(
            ramp.status(d(2026, 3, 3), 1),
            RampStatus::Supervised {
                day: 2,
                clean_days: 1,
                needed: 3
            }
        );
        assert_eq!(
            ramp.graduate(2),
            Err(GraduationError::NotYet {
                clean_days: 2,
                needed: 3
            })
        );
        assert_eq!(ramp.status(d(2026, 3, 5), 3), RampStatus::ReadyToGraduate);
        let grad = ramp.graduate(3).unwrap();
        assert_eq!(
            grad,
            WorkspaceSending::Graduated {
                daily_limit: Some(25)
            }
        );
        assert_eq!(grad.limits().tiers, TierSet::ALL);
        assert_eq!(grad.status(d(2026, 3, 6), 0), RampStatus::Graduated);
        assert_eq!(grad.graduate(10), Err(GraduationError::AlreadyGraduated));
    }

    #[test]
    fn touches_outside_the_leads_window_are_refused_with_the_next_opening() {
        let cfg = AllocationConfig::default();
        let day = d(2026, 3, 4);
        let resources = [res(1, Channel::Email, d(2025, 1, 1))];
        let mut a = Allocator::new(day, &cfg, &resources, |_| 0, &GRADUATED, 0);
        let (reach, w) = (full_reach(), SendingWindow::default());
        let req = SendRequest {
            time_zone: chrono_tz::Australia::Sydney,
            ..request(&reach, &w, Tier::Hot)
        };
        // 10:00Z is 21:00 in Sydney.
        match a.assign(&req, wed_10am_utc()) {
            Allocation::Refused(Refusal::OutsideWindow { next_open: Some(t) }) => {
                assert_eq!(
                    t,
                    DateTime::parse_from_rfc3339("2026-03-04T21:00:00Z")
                        .unwrap()
                        .with_timezone(&Utc)
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(a.usage()[0].sent, 0);
    }

    #[test]
    fn a_channel_the_lead_lacks_is_refused_and_no_resources_means_no_capacity() {
        let cfg = AllocationConfig::default();
        let day = d(2026, 3, 4);
        let mut a = Allocator::new(day, &cfg, &[], |_| 0, &GRADUATED, 0);
        let w = SendingWindow::default();
        let reach = LeadReach {
            has_email: true,
            ..Default::default()
        };
        let li = SendRequest {
            channel: Channel::LinkedIn,
            ..request(&reach, &w, Tier::Hot)
        };
        assert_eq!(
            a.assign(&li, wed_10am_utc()),
            Allocation::Refused(Refusal::ChannelNotAllowed {
                channel: Channel::LinkedIn
            })
        );
        assert_eq!(
            a.assign(&request(&reach, &w, Tier::Hot), wed_10am_utc()),
            Allocation::Refused(Refusal::NoCapacity {
                channel: Channel::Email
            })
        );
    }
}
