//! "Why this score": one reason per rule that fired (SPEC §4).
//!
//! A reason is a code, the rule's raw points and its weighted contribution to the ALS in
//! hundredths of a point. Text is rendered by `Display` only when someone reads it, so
//! scoring never allocates. Contributions are integers so that the reasons of a score add up
//! to the score exactly.

use super::title::TitleRank;
use super::weights::Component;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Priority tier of a target-account list (seed 001: tier 1 ×1.5, tier 2 ×1.2).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetAccountTier {
    Tier1,
    Tier2,
    /// On an active campaign's target-account list with the campaign's own multiplier
    /// (0.1–10, in hundredths); the largest applies when several campaigns list the company.
    Listed { multiplier_pct: u16 },
}

/// Which rule fired.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    VerifiedEmail,
    Phone,
    LinkedinUrl,
    PersonalEmail,
    Title {
        rank: TitleRank,
    },
    IndustryInIcp,
    EmployeesInIcp,
    LocationInIcp,
    DomainRank,
    OrganicTraffic,
    TopTenKeyword,
    NewRole,
    Hiring,
    RecentlyFunded,
    IntentSignals {
        count: u16,
    },
    RiskBaseline,
    PreviouslyBounced,
    Unsubscribed,
    Competitor,
    BadTitle,
    NoDomainRank,
    NoOrganicTraffic,
    HighSpamScore,
    /// A component's rules added up to more than its maximum; this takes the excess back.
    ComponentCapped {
        component: Component,
    },
    /// Risk deductions went below zero; this gives the overshoot back.
    ComponentFloored {
        component: Component,
    },
    /// The lead's company is on the campaign's target-account list.
    TargetAccount {
        tier: TargetAccountTier,
        multiplier_pct: u16,
    },
    /// The multiplier pushed the score past 100.
    ScoreCapped,
}

impl ReasonCode {
    /// The component whose points this reason moves, if it is a component rule.
    pub fn component(self) -> Option<Component> {
        use ReasonCode::*;
        Some(match self {
            VerifiedEmail | Phone | LinkedinUrl | PersonalEmail => Component::DataQuality,
            Title { .. } => Component::Authority,
            IndustryInIcp | EmployeesInIcp | LocationInIcp | DomainRank | OrganicTraffic
            | TopTenKeyword => Component::CompanyFit,
            NewRole | Hiring | RecentlyFunded | IntentSignals { .. } => Component::Timing,
            RiskBaseline | PreviouslyBounced | Unsubscribed | Competitor | BadTitle
            | NoDomainRank | NoOrganicTraffic | HighSpamScore => Component::Risk,
            ComponentCapped { component } | ComponentFloored { component } => component,
            TargetAccount { .. } | ScoreCapped => return None,
        })
    }
}

/// One line of "why this score".
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    /// The rule's own points within its component (−5 for "no web presence"); 0 for the
    /// target-account multiplier and the final cap, which are not component rules.
    pub points: i16,
    /// What this reason adds to the ALS, in hundredths of a point, after weighting.
    pub contribution: i32,
}

impl Reason {
    /// The contribution in ALS points (e.g. 4.5).
    pub fn contribution_points(&self) -> f64 {
        f64::from(self.contribution) / 100.0
    }
}

fn signed(f: &mut fmt::Formatter<'_>, points: i16) -> fmt::Result {
    if points < 0 {
        write!(f, "\u{2212}{}", points.unsigned_abs())
    } else {
        write!(f, "+{points}")
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ReasonCode::*;
        match self.code {
            TargetAccount {
                tier,
                multiplier_pct,
            } => {
                let which = match tier {
                    TargetAccountTier::Tier1 => "tier 1",
                    TargetAccountTier::Tier2 => "tier 2",
                    TargetAccountTier::Listed { .. } => "on a campaign's list",
                };
                let whole = multiplier_pct / 100;
                let frac = multiplier_pct % 100;
                return if frac == 0 {
                    write!(f, "\u{d7}{whole} target account ({which})")
                } else if frac % 10 == 0 {
                    write!(f, "\u{d7}{whole}.{} target account ({which})", frac / 10)
                } else {
                    write!(f, "\u{d7}{whole}.{frac:02} target account ({which})")
                };
            }
            ScoreCapped => return f.write_str("capped at 100"),
            _ => {}
        }
        signed(f, self.points)?;
        f.write_str(" ")?;
        match self.code {
            VerifiedEmail => f.write_str("verified email"),
            Phone => f.write_str("phone number"),
            LinkedinUrl => f.write_str("LinkedIn profile"),
            PersonalEmail => f.write_str("personal email"),
            Title { rank } => write!(f, "{} title", rank.label()),
            IndustryInIcp => f.write_str("industry in ICP"),
            EmployeesInIcp => f.write_str("company size in ICP range"),
            LocationInIcp => f.write_str("location in ICP"),
            DomainRank => f.write_str("domain rank"),
            OrganicTraffic => f.write_str("organic traffic"),
            TopTenKeyword => f.write_str("ranks in the top 10 for a keyword"),
            NewRole => f.write_str("new in role"),
            Hiring => f.write_str("company hiring"),
            RecentlyFunded => f.write_str("recently funded"),
            IntentSignals { count: 1 } => f.write_str("1 intent signal"),
            IntentSignals { count } => write!(f, "{count} intent signals"),
            RiskBaseline => f.write_str("risk baseline"),
            PreviouslyBounced => f.write_str("previously bounced"),
            Unsubscribed => f.write_str("unsubscribed elsewhere"),
            Competitor => f.write_str("competitor"),
            BadTitle => f.write_str("junior or non-buying title"),
            NoDomainRank => f.write_str("no web presence"),
            NoOrganicTraffic => f.write_str("no organic traffic"),
            HighSpamScore => f.write_str("high spam score"),
            ComponentCapped { component } => write!(f, "{component} capped at its maximum"),
            ComponentFloored { component } => write!(f, "{component} floored at 0"),
            TargetAccount { .. } | ScoreCapped => Ok(()),
        }
    }
}

/// Enough room for every rule of every component, a cap or floor per component, the
/// target-account multiplier and the final cap.
pub const MAX_REASONS: usize = 32;

const EMPTY: Reason = Reason {
    code: ReasonCode::ScoreCapped,
    points: 0,
    contribution: 0,
};

/// The reasons of one score, in the order the rules ran, held inline.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Reason>", into = "Vec<Reason>")]
pub struct Reasons {
    items: [Reason; MAX_REASONS],
    len: u8,
}

impl Reasons {
    pub(crate) const fn new() -> Reasons {
        Reasons {
            items: [EMPTY; MAX_REASONS],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, r: Reason) {
        // The scorer pushes at most MAX_REASONS by construction; losing a reason would break
        // the sum, so this is a bug, not a runtime condition.
        debug_assert!((self.len as usize) < MAX_REASONS);
        if let Some(slot) = self.items.get_mut(self.len as usize) {
            *slot = r;
            self.len += 1;
        }
    }

    pub fn as_slice(&self) -> &[Reason] {
        &self.items[..self.len as usize]
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Reason> {
        self.as_slice().iter()
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sum of contributions, in hundredths of an ALS point.
    pub fn total(&self) -> i64 {
        self.iter().map(|r| i64::from(r.contribution)).sum()
    }
}

impl fmt::Debug for Reasons {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Reasons {
    type Item = &'a Reason;
    type IntoIter = std::slice::Iter<'a, Reason>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a score has at most {MAX_REASONS} reasons")]
pub struct TooManyReasons;

impl TryFrom<Vec<Reason>> for Reasons {
    type Error = TooManyReasons;
    fn try_from(v: Vec<Reason>) -> Result<Self, Self::Error> {
        if v.len() > MAX_REASONS {
            return Err(TooManyReasons);
        }
        let mut r = Reasons::new();
        for x in v {
            r.push(x);
        }
        Ok(r)
    }
}

impl From<Reasons> for Vec<Reason> {
    fn from(r: Reasons) -> Self {
        r.as_slice().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(code: ReasonCode, points: i16) -> String {
        Reason {
            code,
            points,
            contribution: 0,
        }
        .to_string()
    }

    #[test]
    fn reasons_read_like_the_spec_examples() {
        assert_eq!(
            text(
                ReasonCode::Title {
                    rank: TitleRank::Ceo
                },
                25
            ),
            "+25 CEO title"
        );
        assert_eq!(
            text(ReasonCode::NoDomainRank, -5),
            "\u{2212}5 no web presence"
        );
        assert_eq!(
            text(ReasonCode::IntentSignals { count: 2 }, 4),
            "+4 2 intent signals"
        );
        assert_eq!(
            text(
                ReasonCode::TargetAccount {
                    tier: TargetAccountTier::Tier1,
                    multiplier_pct: 150
                },
                0
            ),
            "\u{d7}1.5 target account (tier 1)"
        );
        assert_eq!(
            text(
                ReasonCode::TargetAccount {
                    tier: TargetAccountTier::Tier2,
                    multiplier_pct: 125
                },
                0
            ),
            "\u{d7}1.25 target account (tier 2)"
        );
        assert_eq!(
            text(
                ReasonCode::ComponentCapped {
                    component: Component::Timing
                },
                -3
            ),
            "\u{2212}3 timing capped at its maximum"
        );
    }

    #[test]
    fn reasons_round_trip_through_json() {
        let mut r = Reasons::new();
        r.push(Reason {
            code: ReasonCode::Title {
                rank: TitleRank::Vp,
            },
            points: 18,
            contribution: 1800,
        });
        r.push(Reason {
            code: ReasonCode::Competitor,
            points: -10,
            contribution: -1000,
        });
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Reasons>(&json).unwrap(), r);
        assert_eq!(r.total(), 800);
    }
}
