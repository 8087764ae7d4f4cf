//! ALS component weights and where they come from (SPEC §4 "Weight source").
//!
//! A `Weights` value always holds five finite, non-negative numbers that sum to 1; the only
//! ways to get one are the constants and the checked constructors, so the scorer never has
//! to re-check them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The five ALS components.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    DataQuality,
    Authority,
    CompanyFit,
    Timing,
    Risk,
}

impl Component {
    pub const ALL: [Component; 5] = [
        Component::DataQuality,
        Component::Authority,
        Component::CompanyFit,
        Component::Timing,
        Component::Risk,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Component::DataQuality => "data quality",
            Component::Authority => "authority",
            Component::CompanyFit => "company fit",
            Component::Timing => "timing",
            Component::Risk => "risk",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum WeightsError {
    #[error("the {0} weight is not a finite number")]
    NotFinite(Component),
    #[error("the {0} weight is negative")]
    Negative(Component),
    #[error("the weights are all zero")]
    ZeroSum,
    #[error("the weights are too large to add up")]
    SumOverflow,
    #[error("the weights sum to {0}, not 1")]
    DoesNotSumToOne(f64),
}

/// Weights as stored or typed, before checking.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RawWeights {
    pub data_quality: f64,
    pub authority: f64,
    pub company_fit: f64,
    pub timing: f64,
    pub risk: f64,
}

impl RawWeights {
    fn as_array(&self) -> [f64; 5] {
        [
            self.data_quality,
            self.authority,
            self.company_fit,
            self.timing,
            self.risk,
        ]
    }
}

/// Checked component weights: finite, non-negative, summing to 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawWeights", into = "RawWeights")]
pub struct Weights([f64; 5]);

impl Weights {
    /// Default weights = each component's maximum / 100.
    pub const DEFAULT: Weights = Weights([0.20, 0.25, 0.25, 0.15, 0.15]);
    /// Platform priors from industry benchmarks (seed 002).
    pub const PLATFORM_PRIORS: Weights = Weights([0.15, 0.30, 0.25, 0.20, 0.10]);

    /// How far from 1 a sum may stray before `new` refuses it (stored JSON rounds).
    pub const SUM_TOLERANCE: f64 = 1e-3;

    /// Weights that already sum to 1 (within `SUM_TOLERANCE`); they are rescaled to sum to
    /// exactly 1 so the score's maximum is exactly 100.
    pub fn new(raw: RawWeights) -> Result<Weights, WeightsError> {
        let sum = Self::checked_sum(&raw)?;
        if (sum - 1.0).abs() > Self::SUM_TOLERANCE {
            return Err(WeightsError::DoesNotSumToOne(sum));
        }
        Ok(Self::scale(raw.as_array(), sum))
    }

    /// Any non-negative finite weights with a positive sum, rescaled to sum to 1 (a learner
    /// may report relative importances rather than shares).
    pub fn normalised(raw: RawWeights) -> Result<Weights, WeightsError> {
        let sum = Self::checked_sum(&raw)?;
        Ok(Self::scale(raw.as_array(), sum))
    }

    fn checked_sum(raw: &RawWeights) -> Result<f64, WeightsError> {
        let a = raw.as_array();
        for (w, c) in a.iter().zip(Component::ALL) {
            if !w.is_finite() {
                return Err(WeightsError::NotFinite(c));
            }
            if *w < 0.0 {
                return Err(WeightsError::Negative(c));
            }
        }
        let sum: f64 = a.iter().sum();
        if !sum.is_finite() {
            return Err(WeightsError::SumOverflow);
        }
        if sum <= 0.0 {
            return Err(WeightsError::ZeroSum);
        }
        Ok(sum)
    }

    fn scale(a: [f64; 5], sum: f64) -> Weights {
        let mut w = a.map(|x| x / sum);
        // Put the rounding residue on the largest weight so the sum is 1 to the last bit
        // that f64 can show.
        let residue = 1.0 - w.iter().sum::<f64>();
        let (imax, _) =
            w.iter().enumerate().fold(
                (0, f64::MIN),
                |acc, (i, &x)| if x > acc.1 { (i, x) } else { acc },
            );
        w[imax] = (w[imax] + residue).max(0.0);
        Weights(w)
    }

    pub fn get(&self, c: Component) -> f64 {
        self.0[c as usize]
    }

    pub fn as_array(&self) -> [f64; 5] {
        self.0
    }

    pub fn sum(&self) -> f64 {
        self.0.iter().sum()
    }
}

impl Default for Weights {
    fn default() -> Self {
        Weights::DEFAULT
    }
}

// On the wire a `Weights` is its `RawWeights` (serde `into`/`try_from`), so that is its schema.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Weights {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <RawWeights as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Weights {}

impl TryFrom<RawWeights> for Weights {
    type Error = WeightsError;
    fn try_from(raw: RawWeights) -> Result<Self, Self::Error> {
        Weights::new(raw)
    }
}

impl From<Weights> for RawWeights {
    fn from(w: Weights) -> Self {
        let [data_quality, authority, company_fit, timing, risk] = w.0;
        RawWeights {
            data_quality,
            authority,
            company_fit,
            timing,
            risk,
        }
    }
}

/// Where the weights used for a score came from, first that applies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightSource {
    ClientLearned,
    PlatformIndustry,
    PlatformGlobal,
    PlatformPriors,
    Defaults,
}

impl WeightSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            WeightSource::ClientLearned => "client_learned",
            WeightSource::PlatformIndustry => "platform_industry",
            WeightSource::PlatformGlobal => "platform_global",
            WeightSource::PlatformPriors => "platform_priors",
            WeightSource::Defaults => "defaults",
        }
    }
}

impl fmt::Display for WeightSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Weights learned from a workspace's own conversions (SPEC §14 WHO).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LearnedWeights {
    pub weights: Weights,
    pub confidence: f64,
    pub conversions: u32,
}

/// Weights aggregated across consenting workspaces, for one industry or globally.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlatformWeights {
    pub weights: Weights,
    pub confidence: f64,
}

/// Every set of weights that could apply to a workspace; `resolve` picks one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightCandidates {
    pub client_learned: Option<LearnedWeights>,
    pub platform_industry: Option<PlatformWeights>,
    pub platform_global: Option<PlatformWeights>,
    /// `None` when the operator has switched priors off; defaults apply then.
    pub platform_priors: Option<Weights>,
}

impl Default for WeightCandidates {
    fn default() -> Self {
        Self {
            client_learned: None,
            platform_industry: None,
            platform_global: None,
            platform_priors: Some(Weights::PLATFORM_PRIORS),
        }
    }
}

/// The bars each learned source must clear (SPEC §4); all comparisons are strict except the
/// conversion count.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WeightThresholds {
    pub client_min_confidence: f64,
    pub client_min_conversions: u32,
    pub industry_min_confidence: f64,
    pub global_min_confidence: f64,
}

impl Default for WeightThresholds {
    fn default() -> Self {
        Self {
            client_min_confidence: 0.7,
            client_min_conversions: 50,
            industry_min_confidence: 0.6,
            global_min_confidence: 0.5,
        }
    }
}

/// The weights a score uses, with their source, as stored on the lead.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ResolvedWeights {
    pub weights: Weights,
    pub source: WeightSource,
}

impl Default for ResolvedWeights {
    fn default() -> Self {
        Self {
            weights: Weights::DEFAULT,
            source: WeightSource::Defaults,
        }
    }
}

impl WeightCandidates {
    /// Picks the first source that applies. A NaN confidence never clears a bar.
    pub fn resolve(&self, th: &WeightThresholds) -> ResolvedWeights {
        if let Some(c) = &self.client_learned {
            if c.confidence > th.client_min_confidence && c.conversions >= th.client_min_conversions
            {
                return ResolvedWeights {
                    weights: c.weights,
                    source: WeightSource::ClientLearned,
                };
            }
        }
        if let Some(p) = &self.platform_industry {
            if p.confidence > th.industry_min_confidence {
                return ResolvedWeights {
                    weights: p.weights,
                    source: WeightSource::PlatformIndustry,
                };
            }
        }
        if let Some(p) = &self.platform_global {
            if p.confidence > th.global_min_confidence {
                return ResolvedWeights {
                    weights: p.weights,
                    source: WeightSource::PlatformGlobal,
                };
            }
        }
        match self.platform_priors {
            Some(w) => ResolvedWeights {
                weights: w,
                source: WeightSource::PlatformPriors,
            },
            None => ResolvedWeights::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(a: [f64; 5]) -> RawWeights {
        RawWeights {
            data_quality: a[0],
            authority: a[1],
            company_fit: a[2],
            timing: a[3],
            risk: a[4],
        }
    }

    fn learned(confidence: f64, conversions: u32) -> LearnedWeights {
        LearnedWeights {
            weights: Weights::new(raw([0.1, 0.4, 0.2, 0.2, 0.1])).unwrap(),
            confidence,
            conversions,
        }
    }

    fn platform(confidence: f64) -> PlatformWeights {
        PlatformWeights {
            weights: Weights::new(raw([0.2, 0.2, 0.2, 0.2, 0.2])).unwrap(),
            confidence,
        }
    }

    #[test]
    fn default_weights_are_each_maximum_over_one_hundred() {
        assert_eq!(Weights::DEFAULT.as_array(), [0.20, 0.25, 0.25, 0.15, 0.15]);
        assert!((Weights::DEFAULT.sum() - 1.0).abs() < 1e-12);
        assert!((Weights::PLATFORM_PRIORS.sum() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn weights_that_do_not_sum_to_one_are_refused_unless_normalised() {
        assert!(matches!(
            Weights::new(raw([1.0; 5])),
            Err(WeightsError::DoesNotSumToOne(_))
        ));
        let w = Weights::normalised(raw([1.0; 5])).unwrap();
        assert!((w.get(Component::Risk) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn nan_negative_and_zero_weights_are_typed_errors() {
        assert_eq!(
            Weights::normalised(raw([f64::NAN, 1.0, 1.0, 1.0, 1.0])),
            Err(WeightsError::NotFinite(Component::DataQuality))
        );
        assert_eq!(
            Weights::normalised(raw([1.0, -1.0, 1.0, 1.0, 1.0])),
            Err(WeightsError::Negative(Component::Authority))
        );
        assert_eq!(
            Weights::normalised(raw([0.0; 5])),
            Err(WeightsError::ZeroSum)
        );
        assert_eq!(
            Weights::normalised(raw([f64::MAX; 5])),
            Err(WeightsError::SumOverflow)
        );
    }

    #[test]
    fn weights_deserialise_only_when_valid() {
        let ok =
            r#"{"data_quality":0.15,"authority":0.3,"company_fit":0.25,"timing":0.2,"risk":0.1}"#;
        let w = serde_json::from_str::<Weights>(ok).unwrap();
        for c in Component::ALL {
            assert!((w.get(c) - Weights::PLATFORM_PRIORS.get(c)).abs() < 1e-12);
        }
        let bad =
            r#"{"data_quality":0.9,"authority":0.3,"company_fit":0.25,"timing":0.2,"risk":0.1}"#;
        assert!(serde_json::from_str::<Weights>(bad).is_err());
    }

    #[test]
    fn confident_client_weights_with_fifty_conversions_win() {
        let c = WeightCandidates {
            client_learned: Some(learned(0.71, 50)),
            platform_industry: Some(platform(0.9)),
            ..Default::default()
        };
        assert_eq!(
            c.resolve(&WeightThresholds::default()).source,
            WeightSource::ClientLearned
        );
    }

    #[test]
    fn client_weights_below_the_bars_fall_through_to_platform_industry() {
        let th = WeightThresholds::default();
        for client in [learned(0.7, 500), learned(0.95, 49), learned(f64::NAN, 500)] {
            let c = WeightCandidates {
                client_learned: Some(client),
                platform_industry: Some(platform(0.61)),
                ..Default::default()
            };
            assert_eq!(c.resolve(&th).source, WeightSource::PlatformIndustry);
        }
    }

    #[test]
    fn unconfident_industry_weights_fall_through_to_global_then_priors_then_defaults() {
        let th = WeightThresholds::default();
        let mut c = WeightCandidates {
            platform_industry: Some(platform(0.6)),
            platform_global: Some(platform(0.51)),
            ..Default::default()
        };
        assert_eq!(c.resolve(&th).source, WeightSource::PlatformGlobal);
        c.platform_global = Some(platform(0.5));
        let r = c.resolve(&th);
        assert_eq!(
            (r.source, r.weights),
            (WeightSource::PlatformPriors, Weights::PLATFORM_PRIORS)
        );
        c.platform_priors = None;
        let r = c.resolve(&th);
        assert_eq!(
            (r.source, r.weights),
            (WeightSource::Defaults, Weights::DEFAULT)
        );
    }
}
