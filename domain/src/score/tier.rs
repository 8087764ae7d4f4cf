//! Tiers (SPEC §4) and the outreach channels each tier may use.
//!
//! `Tier` and `Channel` live here because the score decides them; allocation, cadences and the
//! UI import them from `domain::score`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An outreach channel.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    #[serde(rename = "linkedin")]
    LinkedIn,
    Voice,
    Sms,
    DirectMail,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::LinkedIn,
        Channel::Voice,
        Channel::Sms,
        Channel::DirectMail,
    ];

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::LinkedIn => "linkedin",
            Channel::Voice => "voice",
            Channel::Sms => "sms",
            Channel::DirectMail => "direct_mail",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Channel::Email => "email",
            Channel::LinkedIn => "LinkedIn",
            Channel::Voice => "voice",
            Channel::Sms => "SMS",
            Channel::DirectMail => "direct mail",
        })
    }
}

/// A set of channels, stored as a bit mask so set algebra on the hot path is free.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "Vec<Channel>", into = "Vec<Channel>")]
pub struct ChannelSet(u8);

impl ChannelSet {
    pub const EMPTY: ChannelSet = ChannelSet(0);
    pub const ALL: ChannelSet = ChannelSet(0b1_1111);

    pub const fn of(channels: &[Channel]) -> ChannelSet {
        let mut bits = 0;
        let mut i = 0;
        while i < channels.len() {
            bits |= channels[i].bit();
            i += 1;
        }
        ChannelSet(bits)
    }

    pub const fn contains(self, c: Channel) -> bool {
        self.0 & c.bit() != 0
    }

    pub const fn with(self, c: Channel) -> ChannelSet {
        ChannelSet(self.0 | c.bit())
    }

    pub const fn without(self, c: Channel) -> ChannelSet {
        ChannelSet(self.0 & !c.bit())
    }

    pub const fn intersection(self, other: ChannelSet) -> ChannelSet {
        ChannelSet(self.0 & other.0)
    }

    pub const fn union(self, other: ChannelSet) -> ChannelSet {
        ChannelSet(self.0 | other.0)
    }

    pub const fn difference(self, other: ChannelSet) -> ChannelSet {
        ChannelSet(self.0 & !other.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn iter(self) -> impl Iterator<Item = Channel> {
        Channel::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl fmt::Debug for ChannelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<Vec<Channel>> for ChannelSet {
    fn from(v: Vec<Channel>) -> Self {
        ChannelSet::of(&v)
    }
}

impl From<ChannelSet> for Vec<Channel> {
    fn from(s: ChannelSet) -> Self {
        s.iter().collect()
    }
}

impl FromIterator<Channel> for ChannelSet {
    fn from_iter<I: IntoIterator<Item = Channel>>(iter: I) -> Self {
        iter.into_iter().fold(ChannelSet::EMPTY, ChannelSet::with)
    }
}

/// The ALS tier of a lead.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Dead,
    Cold,
    Cool,
    Warm,
    Hot,
}

impl Tier {
    pub const ALL: [Tier; 5] = [Tier::Hot, Tier::Warm, Tier::Cool, Tier::Cold, Tier::Dead];

    /// Channels the tier allows (SPEC §4 table). Dead leads get none: they are suppressed.
    pub const fn channels(self) -> ChannelSet {
        match self {
            Tier::Hot => ChannelSet::ALL,
            Tier::Warm => ChannelSet::of(&[Channel::Email, Channel::LinkedIn, Channel::Voice]),
            Tier::Cool => ChannelSet::of(&[Channel::Email, Channel::LinkedIn]),
            Tier::Cold => ChannelSet::of(&[Channel::Email]),
            Tier::Dead => ChannelSet::EMPTY,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Tier::Hot => "hot",
            Tier::Warm => "warm",
            Tier::Cool => "cool",
            Tier::Cold => "cold",
            Tier::Dead => "dead",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of tiers, e.g. the tier filter of a workspace in ramp mode.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "Vec<Tier>", into = "Vec<Tier>")]
pub struct TierSet(u8);

impl TierSet {
    pub const EMPTY: TierSet = TierSet(0);
    pub const ALL: TierSet = TierSet(0b1_1111);

    pub const fn of(tiers: &[Tier]) -> TierSet {
        let mut bits = 0;
        let mut i = 0;
        while i < tiers.len() {
            bits |= 1 << (tiers[i] as u8);
            i += 1;
        }
        TierSet(bits)
    }

    pub const fn contains(self, t: Tier) -> bool {
        self.0 & (1 << (t as u8)) != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Tier> {
        Tier::ALL.into_iter().filter(move |t| self.contains(*t))
    }
}

impl fmt::Debug for TierSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<Vec<Tier>> for TierSet {
    fn from(v: Vec<Tier>) -> Self {
        TierSet::of(&v)
    }
}

impl From<TierSet> for Vec<Tier> {
    fn from(s: TierSet) -> Self {
        s.iter().collect()
    }
}

/// Lowest whole ALS of each tier; anything below `cold` is dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierThresholds {
    pub hot: u8,
    pub warm: u8,
    pub cool: u8,
    pub cold: u8,
}

impl Default for TierThresholds {
    fn default() -> Self {
        Self {
            hot: 85,
            warm: 60,
            cool: 35,
            cold: 20,
        }
    }
}

impl TierThresholds {
    pub(crate) fn is_valid(&self) -> bool {
        self.hot <= 100 && self.hot > self.warm && self.warm > self.cool && self.cool > self.cold
    }

    /// The tier of a whole-number ALS (the figure the UI shows and the lead row stores).
    pub fn tier_of(&self, als: u8) -> Tier {
        if als >= self.hot {
            Tier::Hot
        } else if als >= self.warm {
            Tier::Warm
        } else if als >= self.cool {
            Tier::Cool
        } else if als >= self.cold {
            Tier::Cold
        } else {
            Tier::Dead
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_bands_follow_the_spec_table() {
        let t = TierThresholds::default();
        for (als, tier) in [
            (100, Tier::Hot),
            (85, Tier::Hot),
            (84, Tier::Warm),
            (60, Tier::Warm),
            (59, Tier::Cool),
            (35, Tier::Cool),
            (34, Tier::Cold),
            (20, Tier::Cold),
            (19, Tier::Dead),
            (0, Tier::Dead),
        ] {
            assert_eq!(t.tier_of(als), tier, "ALS {als}");
        }
    }

    #[test]
    fn each_tier_allows_the_channels_of_the_spec_table() {
        use Channel::*;
        assert_eq!(
            Tier::Hot.channels(),
            ChannelSet::of(&[Email, LinkedIn, Voice, Sms, DirectMail])
        );
        assert_eq!(
            Tier::Warm.channels(),
            ChannelSet::of(&[Email, LinkedIn, Voice])
        );
        assert_eq!(Tier::Cool.channels(), ChannelSet::of(&[Email, LinkedIn]));
        assert_eq!(Tier::Cold.channels(), ChannelSet::of(&[Email]));
        assert!(Tier::Dead.channels().is_empty());
    }

    #[test]
    fn channel_sets_round_trip_through_json_as_lists() {
        let s = ChannelSet::of(&[Channel::Sms, Channel::Email]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"["email","sms"]"#);
        assert_eq!(serde_json::from_str::<ChannelSet>(&json).unwrap(), s);
    }
}
