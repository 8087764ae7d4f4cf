//! Campaigns (SPEC §6, §7, §9): the validated settings a campaign is created or edited with,
//! its status machine, permission modes and the plan limit on active campaigns (SPEC §2).
//!
//! Pure: the engine parses user input into these types at the edge and stores them.

use crate::cadence::{Cadence, CadenceStep};
use crate::score::Channel;
use crate::window::{parse_time_zone, SendingWindow};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// SPEC §9. `co_pilot` is the product default.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PermissionMode {
    /// Drafts that pass the quality guard are approved automatically.
    Autopilot,
    /// First touches wait for a human; follow-ups of an approved sequence go automatically.
    #[default]
    CoPilot,
    /// Every touch waits for a human.
    Manual,
}

impl PermissionMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionMode::Autopilot => "autopilot",
            PermissionMode::CoPilot => "co_pilot",
            PermissionMode::Manual => "manual",
        }
    }

    /// Whether a guard-passing draft of this step is approved without a human. `first_touch`
    /// is the lead's first message of the campaign; `sequence_approved` says a human approved an
    /// earlier touch of the same lead in this campaign.
    pub fn auto_approves(self, first_touch: bool, sequence_approved: bool) -> bool {
        match self {
            PermissionMode::Autopilot => true,
            PermissionMode::CoPilot => !first_touch && sequence_approved,
            PermissionMode::Manual => false,
        }
    }
}

impl FromStr for PermissionMode {
    type Err = CampaignError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "autopilot" => Ok(PermissionMode::Autopilot),
            "co_pilot" | "copilot" | "co-pilot" => Ok(PermissionMode::CoPilot),
            "manual" => Ok(PermissionMode::Manual),
            other => Err(CampaignError::PermissionMode(other.to_string())),
        }
    }
}

impl fmt::Display for PermissionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Draft,
    Active,
    Paused,
    Archived,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Active => "active",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Archived => "archived",
        }
    }

    /// The moves a user may make. Archived is final; a draft is activated, not resumed.
    pub fn can_become(self, to: CampaignStatus) -> bool {
        use CampaignStatus::*;
        matches!(
            (self, to),
            (Draft, Active) | (Draft, Archived) | (Active, Paused) | (Active, Archived) | (Paused, Active) | (Paused, Archived)
        )
    }

    /// Counted against the plan's active-campaign limit.
    pub fn counts_as_active(self) -> bool {
        self == CampaignStatus::Active
    }
}

impl FromStr for CampaignStatus {
    type Err = CampaignError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(CampaignStatus::Draft),
            "active" => Ok(CampaignStatus::Active),
            "paused" => Ok(CampaignStatus::Paused),
            "archived" => Ok(CampaignStatus::Archived),
            other => Err(CampaignError::Status(other.to_string())),
        }
    }
}

impl fmt::Display for CampaignStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a workspace drafts unless a campaign says otherwise: the default permission mode of its
/// campaigns and whether the quality guard blocks (`enforce`) or only marks (`soft`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DraftingPolicy {
    pub permission_mode: PermissionMode,
    pub guard_mode: crate::guard::GuardMode,
}

/// A target account and how much more (or less) its leads are worth (SPEC §4 multipliers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetAccount {
    pub domain: String,
    pub multiplier: f64,
}

/// The target accounts of a workspace's active campaigns, by domain: what scoring multiplies
/// (SPEC §4). A lead matches by its company domain or its email's domain, a subdomain matching
/// its parent (`au.acme.com` is `acme.com`'s); the largest multiplier wins when several
/// campaigns list the company.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TargetList {
    by_domain: std::collections::HashMap<String, f64>,
}

impl TargetList {
    pub fn new<'a>(accounts: impl IntoIterator<Item = &'a TargetAccount>) -> TargetList {
        let mut by_domain = std::collections::HashMap::new();
        for t in accounts {
            if !t.multiplier.is_finite() || !(0.1..=10.0).contains(&t.multiplier) {
                continue;
            }
            let d = t.domain.trim().trim_start_matches("www.").to_ascii_lowercase();
            let m = by_domain.entry(d).or_insert(t.multiplier);
            *m = f64::max(*m, t.multiplier);
        }
        TargetList { by_domain }
    }

    pub fn is_empty(&self) -> bool {
        self.by_domain.is_empty()
    }

    /// The multiplier for a lead with this company domain and email, if it is a target.
    pub fn multiplier(&self, company_domain: Option<&str>, email: Option<&str>) -> Option<f64> {
        if self.by_domain.is_empty() {
            return None;
        }
        let email_domain = email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d);
        [company_domain, email_domain]
            .into_iter()
            .flatten()
            .filter_map(|d| self.lookup(&d.trim().trim_start_matches("www.").to_ascii_lowercase()))
            .reduce(f64::max)
    }

    fn lookup(&self, domain: &str) -> Option<f64> {
        let mut rest = domain;
        loop {
            if let Some(m) = self.by_domain.get(rest) {
                return Some(*m);
            }
            rest = rest.split_once('.')?.1;
            if !rest.contains('.') {
                return None;
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CampaignError {
    #[error("give the campaign a name (1 to 120 characters)")]
    Name,
    #[error("the description is longer than 2,000 characters")]
    Description,
    /// Control characters (other than line breaks and tabs in the description) are never
    /// typed; they come from broken encodings or probes, and a NUL cannot even be stored.
    #[error("the {0} contains control characters")]
    ControlCharacters(&'static str),
    #[error("unknown permission mode \"{0}\" (autopilot, co_pilot or manual)")]
    PermissionMode(String),
    #[error("unknown campaign status \"{0}\"")]
    Status(String),
    #[error("enable at least one channel")]
    NoChannel,
    #[error("step {step} uses {channel}, which the campaign does not enable")]
    StepChannel { step: usize, channel: String },
    #[error("the cadence is invalid: {0}")]
    Cadence(String),
    #[error("unknown time zone \"{0}\"")]
    TimeZone(String),
    #[error("target account \"{0}\": give a domain like acme.com.au and a multiplier between 0.1 and 10")]
    TargetAccount(String),
    #[error("at most 500 target accounts")]
    TooManyTargets,
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("a campaign cannot go from {from} to {to}")]
    Transition { from: CampaignStatus, to: CampaignStatus },
    #[error("your plan allows {max} active campaigns; pause or archive one first")]
    PlanLimit { max: u32 },
    #[error("add the sender's name, company and physical address before activating: the law requires them in every email")]
    SenderIdentity,
}

/// Everything a campaign is created or edited with, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignSettings {
    pub name: String,
    pub description: String,
    /// `None`: the workspace's mode.
    pub permission_mode: Option<PermissionMode>,
    pub channels: Vec<Channel>,
    pub cadence: Cadence,
    pub window: SendingWindow,
    pub time_zone: String,
    pub ramp: bool,
    pub target_accounts: Vec<TargetAccount>,
    pub sender_name: String,
    pub sender_company: String,
    pub physical_address: String,
}

impl CampaignSettings {
    /// A new campaign's starting point: the default 8-step cadence (SPEC §7) over email and
    /// LinkedIn, the default window in Sydney time.
    pub fn new_default(name: &str) -> CampaignSettings {
        CampaignSettings {
            name: name.trim().to_string(),
            description: String::new(),
            permission_mode: None,
            channels: vec![Channel::Email, Channel::LinkedIn],
            cadence: Cadence::default_sequence(),
            window: SendingWindow::default(),
            time_zone: "Australia/Sydney".into(),
            ramp: false,
            target_accounts: Vec::new(),
            sender_name: String::new(),
            sender_company: String::new(),
            physical_address: String::new(),
        }
    }

    /// Checks every field; the first problem wins, named for the user.
    pub fn validate(mut self) -> Result<CampaignSettings, CampaignError> {
        self.name = self.name.trim().to_string();
        if self.name.is_empty() || self.name.chars().count() > 120 {
            return Err(CampaignError::Name);
        }
        self.description = self.description.trim().to_string();
        if self.description.chars().count() > 2000 {
            return Err(CampaignError::Description);
        }
        if self.name.chars().any(char::is_control) {
            return Err(CampaignError::ControlCharacters("name"));
        }
        if self.description.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(CampaignError::ControlCharacters("description"));
        }
        if self.channels.is_empty() {
            return Err(CampaignError::NoChannel);
        }
        self.channels.sort_by_key(|c| c.as_str());
        self.channels.dedup();
        let steps: Vec<CadenceStep> = self.cadence.steps().to_vec();
        for (i, s) in steps.iter().enumerate() {
            if !self.channels.contains(&s.channel) {
                return Err(CampaignError::StepChannel { step: i + 1, channel: s.channel.as_str().to_string() });
            }
        }
        self.time_zone = self.time_zone.trim().to_string();
        parse_time_zone(&self.time_zone).map_err(|_| CampaignError::TimeZone(self.time_zone.clone()))?;
        if self.target_accounts.len() > 500 {
            return Err(CampaignError::TooManyTargets);
        }
        for t in &mut self.target_accounts {
            t.domain = t.domain.trim().trim_start_matches("www.").to_lowercase();
            let ok_domain = t.domain.contains('.') && t.domain.len() <= 253 && t.domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if !ok_domain || !t.multiplier.is_finite() || !(0.1..=10.0).contains(&t.multiplier) {
                return Err(CampaignError::TargetAccount(t.domain.clone()));
            }
        }
        for (field, value, max) in [
            ("the sender name", &mut self.sender_name, 120),
            ("the sender company", &mut self.sender_company, 160),
            ("the physical address", &mut self.physical_address, 300),
        ] {
            *value = value.trim().to_string();
            if value.chars().count() > max {
                return Err(CampaignError::TooLong { field, max });
            }
        }
        Ok(self)
    }

    /// The Spam Act's sender identification: needed before anything can be sent.
    pub fn has_sender_identity(&self) -> bool {
        !self.sender_name.is_empty() && !self.sender_company.is_empty() && !self.physical_address.is_empty()
    }
}

/// Decides a status change, including the plan's limit of active campaigns (`max_active`, from
/// [`crate::plans::Plans`]) when activating.
pub fn change_status(from: CampaignStatus, to: CampaignStatus, active_now: u32, max_active: u32, settings: &CampaignSettings) -> Result<CampaignStatus, CampaignError> {
    if !from.can_become(to) {
        return Err(CampaignError::Transition { from, to });
    }
    if to == CampaignStatus::Active {
        let max = max_active;
        if active_now >= max {
            return Err(CampaignError::PlanLimit { max });
        }
        if settings.channels.contains(&Channel::Email) && !settings.has_sender_identity() {
            return Err(CampaignError::SenderIdentity);
        }
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> CampaignSettings {
        let mut s = CampaignSettings::new_default("  Q1 dentists  ");
        s.sender_name = "Sam".into();
        s.sender_company = "Northwind".into();
        s.physical_address = "1 George St, Sydney".into();
        s
    }

    #[test]
    fn defaults_validate_and_trim() {
        let s = ok().validate().unwrap();
        assert_eq!(s.name, "Q1 dentists");
        assert_eq!(s.cadence.steps().len(), 8);
    }

    #[test]
    fn each_bad_field_gets_its_own_error() {
        let mut s = ok();
        s.name = " ".into();
        assert_eq!(s.validate(), Err(CampaignError::Name));
        let mut s = ok();
        s.name = "Q3\u{0} push".into();
        assert_eq!(s.validate(), Err(CampaignError::ControlCharacters("name")));
        let mut s = ok();
        s.description = "Line one\r\n\tline two".into();
        assert!(s.clone().validate().is_ok(), "line breaks and tabs are text");
        s.description.push('\u{7}');
        assert_eq!(s.validate(), Err(CampaignError::ControlCharacters("description")));
        let mut s = ok();
        s.channels = vec![Channel::Email];
        assert!(matches!(s.validate(), Err(CampaignError::StepChannel { step: 2, .. })));
        let mut s = ok();
        s.time_zone = "Mars/Olympus".into();
        assert!(matches!(s.validate(), Err(CampaignError::TimeZone(_))));
        let mut s = ok();
        s.target_accounts = vec![TargetAccount { domain: "acme".into(), multiplier: 2.0 }];
        assert!(matches!(s.validate(), Err(CampaignError::TargetAccount(_))));
        let mut s = ok();
        s.target_accounts = vec![TargetAccount { domain: "acme.com".into(), multiplier: f64::NAN }];
        assert!(matches!(s.validate(), Err(CampaignError::TargetAccount(_))));
        let mut s = ok();
        s.channels.clear();
        assert_eq!(s.validate(), Err(CampaignError::NoChannel));
    }

    #[test]
    fn status_moves_follow_the_machine_and_the_plan_limit() {
        use CampaignStatus::*;
        let s = ok().validate().unwrap();
        assert_eq!(change_status(Draft, Active, 0, 5, &s), Ok(Active));
        assert_eq!(change_status(Draft, Active, 5, 5, &s), Err(CampaignError::PlanLimit { max: 5 }));
        assert_eq!(change_status(Paused, Active, 9, 10, &s), Ok(Active));
        assert!(matches!(change_status(Archived, Active, 0, 5, &s), Err(CampaignError::Transition { .. })));
        assert!(matches!(change_status(Draft, Paused, 0, 5, &s), Err(CampaignError::Transition { .. })));
        let mut anon = s.clone();
        anon.physical_address.clear();
        assert_eq!(change_status(Draft, Active, 0, 5, &anon), Err(CampaignError::SenderIdentity));
    }

    #[test]
    fn target_lists_match_company_or_email_domains_and_subdomains_with_the_largest_multiplier() {
        let list = TargetList::new(&[
            TargetAccount { domain: "acme.com.au".into(), multiplier: 1.5 },
            TargetAccount { domain: "www.Acme.com.au".into(), multiplier: 2.0 },
            TargetAccount { domain: "beta.io".into(), multiplier: 0.5 },
            TargetAccount { domain: "bad.io".into(), multiplier: f64::NAN },
        ]);
        assert_eq!(list.multiplier(Some("acme.com.au"), None), Some(2.0));
        assert_eq!(list.multiplier(None, Some("jo@sales.acme.com.au")), Some(2.0));
        assert_eq!(list.multiplier(Some("beta.io"), Some("jo@acme.com.au")), Some(2.0));
        assert_eq!(list.multiplier(Some("beta.io"), None), Some(0.5));
        assert_eq!(list.multiplier(Some("notacme.com.au"), Some("jo@gmail.com")), None);
        assert_eq!(list.multiplier(Some("com.au"), None), None);
        assert_eq!(list.multiplier(Some("bad.io"), None), None);
        assert_eq!(TargetList::default().multiplier(Some("acme.com.au"), None), None);
    }

    #[test]
    fn permission_modes_decide_auto_approval() {
        assert!(PermissionMode::Autopilot.auto_approves(true, false));
        assert!(!PermissionMode::CoPilot.auto_approves(true, false));
        assert!(PermissionMode::CoPilot.auto_approves(false, true));
        assert!(!PermissionMode::CoPilot.auto_approves(false, false));
        assert!(!PermissionMode::Manual.auto_approves(false, true));
        assert_eq!("co-pilot".parse::<PermissionMode>(), Ok(PermissionMode::CoPilot));
    }
}
