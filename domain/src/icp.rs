//! The workspace's ideal customer profile (SPEC §4 company fit, §5 discovery, §12): what the
//! scorer compares leads against and what a people search asks a provider for.
//!
//! This module owns the profile's shape, its limits, and the rules that turn the settings form
//! (lists typed as text) into a checked profile with messages a person can act on. The browser
//! runs the same parse the server runs. It does not store anything or build a provider request
//! (that is the engine's discovery flow).

use crate::score::Icp;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most values in one list (industries, locations, job titles).
pub const MAX_VALUES: usize = 50;
/// Most search keywords: Apollo ANDs them into one query string, so long lists find nobody.
pub const MAX_KEYWORDS: usize = 20;
/// Longest single value, in characters.
pub const MAX_VALUE_CHARS: usize = 100;
/// Largest employee count accepted (the biggest employers have a few million staff).
pub const MAX_EMPLOYEES: u32 = 10_000_000;

/// Apollo's seniority levels (People API Search `person_seniorities[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seniority {
    Owner,
    Founder,
    CSuite,
    Partner,
    Vp,
    Head,
    Director,
    Manager,
    Senior,
    Entry,
}

impl Seniority {
    pub const ALL: [Seniority; 10] = [
        Seniority::Owner,
        Seniority::Founder,
        Seniority::CSuite,
        Seniority::Partner,
        Seniority::Vp,
        Seniority::Head,
        Seniority::Director,
        Seniority::Manager,
        Seniority::Senior,
        Seniority::Entry,
    ];

    /// Apollo's own value, also what we store.
    pub const fn as_str(self) -> &'static str {
        match self {
            Seniority::Owner => "owner",
            Seniority::Founder => "founder",
            Seniority::CSuite => "c_suite",
            Seniority::Partner => "partner",
            Seniority::Vp => "vp",
            Seniority::Head => "head",
            Seniority::Director => "director",
            Seniority::Manager => "manager",
            Seniority::Senior => "senior",
            Seniority::Entry => "entry",
        }
    }
}

impl fmt::Display for Seniority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Seniority {
    type Err = IcpError;
    /// Accepts Apollo's spelling and what people type for it ("C-Suite", "c suite", "VP").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_lowercase().replace(['-', ' '], "_");
        Seniority::ALL
            .into_iter()
            .find(|v| v.as_str() == norm)
            .ok_or_else(|| IcpError::UnknownSeniority(s.trim().chars().take(MAX_VALUE_CHARS).collect()))
    }
}

/// The profile a workspace saved. `scoring` is exactly what the scorer reads; the other fields
/// only narrow a people search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceIcp {
    pub scoring: Icp,
    pub job_titles: Vec<String>,
    pub seniorities: Vec<Seniority>,
    pub keywords: Vec<String>,
}

impl Default for WorkspaceIcp {
    /// What a workspace that never saved a profile gets: the scorer's defaults, no search
    /// filters.
    fn default() -> Self {
        Self { scoring: Icp::default(), job_titles: Vec::new(), seniorities: Vec::new(), keywords: Vec::new() }
    }
}

/// A field of the profile, for messages and for placing them next to the right input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IcpField {
    Industries,
    EmployeesMin,
    EmployeesMax,
    Locations,
    JobTitles,
    Seniorities,
    Keywords,
}

impl IcpField {
    /// The form input's name (and element id suffix).
    pub const fn as_str(self) -> &'static str {
        match self {
            IcpField::Industries => "industries",
            IcpField::EmployeesMin => "employees_min",
            IcpField::EmployeesMax => "employees_max",
            IcpField::Locations => "locations",
            IcpField::JobTitles => "job_titles",
            IcpField::Seniorities => "seniorities",
            IcpField::Keywords => "keywords",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            IcpField::Industries => "Industries",
            IcpField::EmployeesMin => "Minimum employees",
            IcpField::EmployeesMax => "Maximum employees",
            IcpField::Locations => "Locations",
            IcpField::JobTitles => "Job titles",
            IcpField::Seniorities => "Seniorities",
            IcpField::Keywords => "Keywords",
        }
    }
}

/// Why a profile was refused. Each message starts with the field's label so it reads on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IcpError {
    #[error("{}: values must not be blank", .0.label())]
    BlankValue(IcpField),
    #[error("{}: \"{value}\" is longer than {MAX_VALUE_CHARS} characters", .field.label())]
    ValueTooLong { field: IcpField, value: String },
    #[error("{}: at most {max} values", .field.label())]
    TooMany { field: IcpField, max: usize },
    #[error("Seniorities: \"{0}\" is not one of owner, founder, c_suite, partner, vp, head, director, manager, senior, entry")]
    UnknownSeniority(String),
    #[error("{}: enter a whole number", .0.label())]
    NotANumber(IcpField),
    #[error("{}: at most {MAX_EMPLOYEES}", .0.label())]
    TooLarge(IcpField),
    #[error("Minimum employees ({min}) must not be more than maximum employees ({max})")]
    RangeReversed { min: u32, max: u32 },
}

impl IcpError {
    pub fn field(&self) -> IcpField {
        match self {
            IcpError::BlankValue(f) | IcpError::NotANumber(f) | IcpError::TooLarge(f) => *f,
            IcpError::ValueTooLong { field, .. } | IcpError::TooMany { field, .. } => *field,
            IcpError::UnknownSeniority(_) => IcpField::Seniorities,
            IcpError::RangeReversed { .. } => IcpField::EmployeesMin,
        }
    }
}

/// All of a profile's problems, not just the first, so the form can mark every field at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcpErrors(pub Vec<IcpError>);

impl fmt::Display for IcpErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for IcpErrors {}

/// Trims each value, refuses blanks and over-long values, drops repeats (ignoring case, first
/// spelling kept) and enforces the count.
fn clean_list(field: IcpField, values: &[String], max: usize, errors: &mut Vec<IcpError>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let v = v.trim();
        if v.is_empty() {
            errors.push(IcpError::BlankValue(field));
            continue;
        }
        if v.chars().count() > MAX_VALUE_CHARS {
            errors.push(IcpError::ValueTooLong { field, value: v.chars().take(40).collect::<String>() + "…" });
            continue;
        }
        if !out.iter().any(|o| o.to_lowercase() == v.to_lowercase()) {
            out.push(v.to_string());
        }
    }
    if out.len() > max {
        errors.push(IcpError::TooMany { field, max });
    }
    out
}

impl WorkspaceIcp {
    /// Checks and normalises a profile built anywhere (the form parser, the engine, tests):
    /// trimmed non-blank values within the limits, repeats dropped, min ≤ max.
    pub fn validate(&self) -> Result<WorkspaceIcp, IcpErrors> {
        let mut errors = Vec::new();
        let industries = clean_list(IcpField::Industries, &self.scoring.industries, MAX_VALUES, &mut errors);
        let locations = clean_list(IcpField::Locations, &self.scoring.locations, MAX_VALUES, &mut errors);
        let job_titles = clean_list(IcpField::JobTitles, &self.job_titles, MAX_VALUES, &mut errors);
        let keywords = clean_list(IcpField::Keywords, &self.keywords, MAX_KEYWORDS, &mut errors);
        let (min, max) = (self.scoring.employees_min, self.scoring.employees_max);
        for (field, n) in [(IcpField::EmployeesMin, min), (IcpField::EmployeesMax, max)] {
            if n > MAX_EMPLOYEES {
                errors.push(IcpError::TooLarge(field));
            }
        }
        if min > max {
            errors.push(IcpError::RangeReversed { min, max });
        }
        let mut seniorities = self.seniorities.clone();
        seniorities.sort();
        seniorities.dedup();
        if !errors.is_empty() {
            return Err(IcpErrors(errors));
        }
        Ok(WorkspaceIcp {
            scoring: Icp { industries, employees_min: min, employees_max: max, locations },
            job_titles,
            seniorities,
            keywords,
        })
    }
}

/// The settings form as typed: each list is one text, one value per line — or, when the text
/// has no line break, comma-separated (so "Sydney, NSW" fits on a line of its own). Numbers are
/// text too, so a typo gets a message rather than a refused request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcpForm {
    #[serde(default)]
    pub industries: String,
    #[serde(default)]
    pub employees_min: String,
    #[serde(default)]
    pub employees_max: String,
    #[serde(default)]
    pub locations: String,
    #[serde(default)]
    pub job_titles: String,
    #[serde(default)]
    pub seniorities: String,
    #[serde(default)]
    pub keywords: String,
}

/// Splits a list typed into one text box; blank entries (a trailing comma, an empty line) are
/// dropped, not errors.
pub fn split_list(text: &str) -> Vec<String> {
    let parts: Vec<&str> = if text.contains('\n') { text.lines().collect() } else { text.split(',').collect() };
    parts.into_iter().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

impl IcpForm {
    /// The form filled with a saved profile (lists one per line).
    pub fn from_icp(icp: &WorkspaceIcp) -> Self {
        let lines = |v: &[String]| v.join("\n");
        Self {
            industries: lines(&icp.scoring.industries),
            employees_min: icp.scoring.employees_min.to_string(),
            employees_max: icp.scoring.employees_max.to_string(),
            locations: lines(&icp.scoring.locations),
            job_titles: lines(&icp.job_titles),
            seniorities: icp.seniorities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            keywords: lines(&icp.keywords),
        }
    }

    /// Parses and validates every field, reporting every problem.
    pub fn parse(&self) -> Result<WorkspaceIcp, IcpErrors> {
        let mut errors = Vec::new();
        let number = |field: IcpField, text: &str, errors: &mut Vec<IcpError>| -> u32 {
            let t = text.trim().replace(['_', ' ', ','], "");
            match t.parse::<u64>() {
                Ok(n) if n > u64::from(MAX_EMPLOYEES) => {
                    errors.push(IcpError::TooLarge(field));
                    0
                }
                Ok(n) => n as u32,
                Err(_) => {
                    errors.push(IcpError::NotANumber(field));
                    0
                }
            }
        };
        let employees_min = number(IcpField::EmployeesMin, &self.employees_min, &mut errors);
        let employees_max = number(IcpField::EmployeesMax, &self.employees_max, &mut errors);
        let mut seniorities = Vec::new();
        for s in split_list(&self.seniorities) {
            match s.parse::<Seniority>() {
                Ok(v) => seniorities.push(v),
                Err(e) => errors.push(e),
            }
        }
        let icp = WorkspaceIcp {
            scoring: Icp {
                industries: split_list(&self.industries),
                employees_min,
                employees_max,
                locations: split_list(&self.locations),
            },
            job_titles: split_list(&self.job_titles),
            seniorities,
            keywords: split_list(&self.keywords),
        };
        if !errors.is_empty() {
            // Still run the other checks so every field's problem shows at once; a reversed
            // range is only meaningful when both numbers parsed.
            let numbers_ok = !errors.iter().any(|e| matches!(e, IcpError::NotANumber(_) | IcpError::TooLarge(_)));
            if let Err(IcpErrors(more)) = icp.validate() {
                errors.extend(more.into_iter().filter(|e| numbers_ok || !matches!(e, IcpError::RangeReversed { .. })));
            }
            return Err(IcpErrors(errors));
        }
        icp.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> IcpForm {
        IcpForm {
            industries: "Accounting, Legal services".into(),
            employees_min: "5".into(),
            employees_max: "50".into(),
            locations: "Sydney, NSW\nMelbourne, VIC\n".into(),
            job_titles: "Managing Director, Practice Manager".into(),
            seniorities: "owner, C-Suite, director".into(),
            keywords: "".into(),
        }
    }

    #[test]
    fn a_filled_form_parses_into_a_trimmed_profile() {
        let icp = form().parse().unwrap();
        assert_eq!(icp.scoring.industries, ["Accounting", "Legal services"]);
        // Lines win over commas, so a location may contain one.
        assert_eq!(icp.scoring.locations, ["Sydney, NSW", "Melbourne, VIC"]);
        assert_eq!(icp.seniorities, [Seniority::Owner, Seniority::CSuite, Seniority::Director]);
        assert!(icp.keywords.is_empty());
        assert_eq!((icp.scoring.employees_min, icp.scoring.employees_max), (5, 50));
    }

    #[test]
    fn the_form_round_trips_a_saved_profile() {
        let icp = form().parse().unwrap();
        assert_eq!(IcpForm::from_icp(&icp).parse().unwrap(), icp);
    }

    #[test]
    fn repeats_are_dropped_ignoring_case() {
        let mut f = form();
        f.industries = "Accounting, accounting ,ACCOUNTING".into();
        assert_eq!(f.parse().unwrap().scoring.industries, ["Accounting"]);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let f = IcpForm {
            industries: "x".repeat(101),
            employees_min: "five".into(),
            employees_max: "20000000".into(),
            locations: (0..51).map(|i| format!("Town {i}")).collect::<Vec<_>>().join("\n"),
            job_titles: String::new(),
            seniorities: "boss".into(),
            keywords: (0..21).map(|i| format!("k{i}")).collect::<Vec<_>>().join(","),
        };
        let errors = f.parse().unwrap_err().0;
        let fields: Vec<IcpField> = errors.iter().map(IcpError::field).collect();
        for field in [
            IcpField::Industries,
            IcpField::EmployeesMin,
            IcpField::EmployeesMax,
            IcpField::Locations,
            IcpField::Seniorities,
            IcpField::Keywords,
        ] {
            assert!(fields.contains(&field), "{field:?} missing from {errors:?}");
        }
        assert!(errors.iter().any(|e| e.to_string().starts_with("Seniorities: \"boss\" is not one of")));
    }

    #[test]
    fn a_reversed_range_is_refused() {
        let mut f = form();
        f.employees_min = "60".into();
        let e = f.parse().unwrap_err();
        assert_eq!(e.0, vec![IcpError::RangeReversed { min: 60, max: 50 }]);
        assert_eq!(e.to_string(), "Minimum employees (60) must not be more than maximum employees (50)");
    }

    #[test]
    fn validate_refuses_blank_values_built_outside_the_form() {
        let mut icp = WorkspaceIcp::default();
        icp.job_titles = vec!["  ".into()];
        assert_eq!(icp.validate().unwrap_err().0, vec![IcpError::BlankValue(IcpField::JobTitles)]);
    }

    #[test]
    fn the_default_profile_is_valid_and_has_no_search_filters() {
        let icp = WorkspaceIcp::default();
        assert_eq!(icp.validate().unwrap(), icp);
        assert_eq!(icp.scoring, Icp::default());
    }
}
