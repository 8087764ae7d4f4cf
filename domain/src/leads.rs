//! Leads as data: the rules that turn raw contact fields into a lead we may store, and the
//! views of stored leads that the server and the browser share (SPEC §3, §4).
//!
//! This module owns:
//! - the canonical forms that decide uniqueness: email (trimmed, lower-cased) and LinkedIn
//!   profile URL (`https://www.linkedin.com/in/<slug>`), and the company domain derived from a
//!   website or a business address;
//! - field validation with messages a person can act on ([`LeadInput::validate`]), shared by
//!   CSV import, manual entry and the REST API so all three accept exactly the same leads;
//! - the list and detail views (`LeadRow`, `LeadDetail`, `LeadPage`), filters and sorts, and
//!   the import summary.
//!
//! It must not touch a database or a clock: the engine stores, dedupes (the database's unique
//! indexes are the authority) and stamps times.

use crate::email_check::{classify, CheckOptions, Verdict};
use crate::lead_status::LeadStatus;
use crate::score::{ComponentPoints, Reason, Tier, WeightSource, Weights};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }
    };
}

id_type!(
    /// A lead, unique within its workspace.
    LeadId
);
id_type!(
    /// One CSV upload.
    ImportId
);

/// How a lead entered the workspace.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Csv,
    Apollo,
    Manual,
    Api,
}

impl LeadSource {
    pub const ALL: [LeadSource; 4] = [LeadSource::Csv, LeadSource::Apollo, LeadSource::Manual, LeadSource::Api];

    pub const fn as_str(self) -> &'static str {
        match self {
            LeadSource::Csv => "csv",
            LeadSource::Apollo => "apollo",
            LeadSource::Manual => "manual",
            LeadSource::Api => "api",
        }
    }
}

impl fmt::Display for LeadSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownName {
    pub kind: &'static str,
    pub value: String,
}

impl FromStr for LeadSource {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LeadSource::ALL
            .into_iter()
            .find(|x| x.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownName { kind: "lead source", value: s.to_string() })
    }
}

/// Parses a stored tier name (`Tier::as_str`).
pub fn parse_tier(s: &str) -> Result<Tier, UnknownName> {
    Tier::ALL
        .into_iter()
        .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| UnknownName { kind: "tier", value: s.to_string() })
}

/// Parses a stored weight source name (`WeightSource::as_str`).
pub fn parse_weight_source(s: &str) -> Result<WeightSource, UnknownName> {
    use WeightSource::*;
    [ClientLearned, PlatformIndustry, PlatformGlobal, PlatformPriors, Defaults]
        .into_iter()
        .find(|w| w.as_str() == s.trim())
        .ok_or_else(|| UnknownName { kind: "weight source", value: s.to_string() })
}

pub fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Deliverable => "deliverable",
        Verdict::Risky => "risky",
        Verdict::Invalid => "invalid",
    }
}

pub fn parse_verdict(s: &str) -> Result<Verdict, UnknownName> {
    match s.trim() {
        "deliverable" => Ok(Verdict::Deliverable),
        "risky" => Ok(Verdict::Risky),
        "invalid" => Ok(Verdict::Invalid),
        _ => Err(UnknownName { kind: "email verdict", value: s.to_string() }),
    }
}

// ---- Fields and validation -------------------------------------------------------------

/// The fields of a lead that can be given from outside (a CSV column, a form field, a JSON key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Email,
    LinkedinUrl,
    FirstName,
    LastName,
    /// "Ann Lee" split into first and last name when the file has no separate columns.
    FullName,
    Title,
    Company,
    CompanyDomain,
    Website,
    Phone,
    Location,
    Country,
    Industry,
    EmployeeCount,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::Email,
        Field::LinkedinUrl,
        Field::FirstName,
        Field::LastName,
        Field::FullName,
        Field::Title,
        Field::Company,
        Field::CompanyDomain,
        Field::Website,
        Field::Phone,
        Field::Location,
        Field::Country,
        Field::Industry,
        Field::EmployeeCount,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Field::Email => "email",
            Field::LinkedinUrl => "linkedin_url",
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::FullName => "full_name",
            Field::Title => "title",
            Field::Company => "company",
            Field::CompanyDomain => "company_domain",
            Field::Website => "website",
            Field::Phone => "phone",
            Field::Location => "location",
            Field::Country => "country",
            Field::Industry => "industry",
            Field::EmployeeCount => "employee_count",
        }
    }

    /// Longest value accepted, in characters: generous for real data, small enough that one
    /// pasted paragraph in the wrong column is caught.
    pub const fn max_chars(self) -> usize {
        match self {
            Field::Website | Field::LinkedinUrl => 500,
            Field::Email => 254,
            Field::Phone => 40,
            Field::EmployeeCount => 40,
            _ => 200,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one field of a lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Raw lead fields as typed or read from a file; nothing is trusted yet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadInput {
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    /// Parts such as city and state are joined with ", " by the caller.
    pub location: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<String>,
}

impl LeadInput {
    pub fn get_mut(&mut self, f: Field) -> &mut Option<String> {
        match f {
            Field::Email => &mut self.email,
            Field::LinkedinUrl => &mut self.linkedin_url,
            Field::FirstName => &mut self.first_name,
            Field::LastName => &mut self.last_name,
            Field::FullName => &mut self.full_name,
            Field::Title => &mut self.title,
            Field::Company => &mut self.company,
            Field::CompanyDomain => &mut self.company_domain,
            Field::Website => &mut self.website,
            Field::Phone => &mut self.phone,
            Field::Location => &mut self.location,
            Field::Country => &mut self.country,
            Field::Industry => &mut self.industry,
            Field::EmployeeCount => &mut self.employee_count,
        }
    }

    /// Whether every field is empty (a blank line in a spreadsheet export).
    pub fn is_blank(&self) -> bool {
        let mut copy = self.clone();
        Field::ALL.iter().all(|f| copy.get_mut(*f).as_deref().is_none_or(|s| s.trim().is_empty()))
    }

    /// Checks every field and returns the lead to store, or every problem found (not just the
    /// first, so one pass over the error report fixes a row).
    ///
    /// Rules: a lead needs a usable email or a LinkedIn profile URL (SPEC §3 uniqueness keys);
    /// an email the address check calls invalid rejects the lead, a risky one is kept with its
    /// verdict; free-text fields are trimmed, bounded and free of control characters (which
    /// in practice means a file in an encoding we could not read).
    pub fn validate(&self) -> Result<NewLead, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field: Field, raw: &Option<String>| -> Option<String> {
            let v = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            // Every lead field is one line: line breaks and tabs inside a quoted cell (an
            // address pasted into a company cell) become single spaces.
            let v: std::borrow::Cow<'_, str> = if v.contains(['\r', '\n', '\t']) {
                v.split(['\r', '\n', '\t']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ").into()
            } else {
                v.into()
            };
            if v.chars().any(|c| c.is_control()) {
                errors.push(FieldError {
                    field,
                    message: "contains control characters (is the file in an encoding other than UTF-8 or Windows-1252?)".into(),
                });
                return None;
            }
            let n = v.chars().count();
            if n > field.max_chars() {
                errors.push(FieldError { field, message: format!("too long: {n} characters, at most {}", field.max_chars()) });
                return None;
            }
            Some(v.to_string())
        };

        let email_raw = text(Field::Email, &self.email);
        let linkedin_raw = text(Field::LinkedinUrl, &self.linkedin_url);
        let mut first_name = text(Field::FirstName, &self.first_name);
        let mut last_name = text(Field::LastName, &self.last_name);
        let full_name = text(Field::FullName, &self.full_name);
        let title = text(Field::Title, &self.title);
        let company = text(Field::Company, &self.company);
        let domain_raw = text(Field::CompanyDomain, &self.company_domain);
        let website = text(Field::Website, &self.website);
        let phone = text(Field::Phone, &self.phone);
        let location = text(Field::Location, &self.location);
        let country = text(Field::Country, &self.country);
        let industry = text(Field::Industry, &self.industry);
        let employees_raw = text(Field::EmployeeCount, &self.employee_count);

        if first_name.is_none() && last_name.is_none() {
            if let Some(full) = &full_name {
                (first_name, last_name) = split_full_name(full);
            }
        }

        let mut email = None;
        let mut email_verdict = None;
        let mut email_reason = None;
        if let Some(raw) = email_raw {
            let canonical = canonical_email(&raw);
            match classify(&canonical, &CheckOptions::default()) {
                (Verdict::Invalid, reason) => {
                    errors.push(FieldError { field: Field::Email, message: format!("invalid: {reason}") });
                }
                (verdict, reason) => {
                    email = Some(canonical);
                    email_verdict = Some(verdict);
                    email_reason = Some(reason.to_string());
                }
            }
        }

        let linkedin_url = match linkedin_raw.as_deref().map(canonical_linkedin_url) {
            None => None,
            Some(Ok(url)) => Some(url),
            Some(Err(why)) => {
                errors.push(FieldError { field: Field::LinkedinUrl, message: why.to_string() });
                None
            }
        };

        let phone = match phone {
            Some(p) => match check_phone(&p) {
                Ok(()) => Some(p),
                Err(why) => {
                    errors.push(FieldError { field: Field::Phone, message: why.to_string() });
                    None
                }
            },
            None => None,
        };

        let employee_count = match employees_raw.as_deref().map(parse_employee_count) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(why)) => {
                errors.push(FieldError { field: Field::EmployeeCount, message: why.to_string() });
                None
            }
        };

        let company_domain = match domain_raw {
            Some(d) => match host_of(&d) {
                Some(h) => Some(h),
                None => {
                    errors.push(FieldError { field: Field::CompanyDomain, message: format!("not a domain name: {d:?}") });
                    None
                }
            },
            None => website.as_deref().and_then(host_of).or_else(|| email.as_deref().and_then(business_domain_of)),
        };

        // Only now, so that an invalid email explains itself instead of this generic message.
        let had_identity_error = errors.iter().any(|e| matches!(e.field, Field::Email | Field::LinkedinUrl));
        if email.is_none() && linkedin_url.is_none() && !had_identity_error {
            errors.push(FieldError { field: Field::Email, message: "missing: a lead needs an email or a LinkedIn URL".into() });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewLead {
            email,
            email_verdict,
            email_reason,
            linkedin_url,
            first_name,
            last_name,
            title,
            company,
            company_domain,
            website,
            phone,
            location,
            country,
            industry,
            employee_count,
        })
    }
}

/// A lead that passed [`LeadInput::validate`]: canonical identity, checked fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLead {
    pub email: Option<String>,
    pub email_verdict: Option<Verdict>,
    pub email_reason: Option<String>,
    pub linkedin_url: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<u32>,
}

/// What makes a lead unique in its workspace (SPEC §3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "by", content = "value")]
pub enum DedupeKey {
    Email(String),
    /// Only for leads without an email.
    Linkedin(String),
}

impl NewLead {
    /// `None` only for a lead with neither key, which `validate` never returns.
    pub fn dedupe_key(&self) -> Option<DedupeKey> {
        match (&self.email, &self.linkedin_url) {
            (Some(e), _) => Some(DedupeKey::Email(e.clone())),
            (None, Some(l)) => Some(DedupeKey::Linkedin(l.clone())),
            (None, None) => None,
        }
    }
}

/// Trimmed and lower-cased (SPEC §3). Lower-casing the local part is technically lossy, but
/// no mail system in use distinguishes case, and two rows for `Ann@x` and `ann@x` are the
/// same person.
pub fn canonical_email(raw: &str) -> String {
    let t = raw.trim();
    let t = t.strip_prefix("mailto:").or_else(|| t.strip_prefix("MAILTO:")).unwrap_or(t);
    t.trim_matches(|c| c == '<' || c == '>').trim().to_lowercase()
}

/// `https://www.linkedin.com/in/<slug>` from the many forms people paste: with or without
/// scheme, country subdomains (`au.linkedin.com`), trailing slashes, query strings and
/// fragments. Only personal profiles (`/in/`) qualify.
pub fn canonical_linkedin_url(raw: &str) -> Result<String, &'static str> {
    let t = raw.trim();
    let lower = t.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_ok = host == "linkedin.com"
        || host.strip_suffix(".linkedin.com").is_some_and(|sub| !sub.is_empty() && sub.bytes().all(|b| b.is_ascii_lowercase()));
    if !host_ok {
        return Err("not a LinkedIn URL");
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    if parts.next() != Some("in") {
        return Err("not a LinkedIn profile URL (expected linkedin.com/in/…)");
    }
    let slug = parts.next().ok_or("LinkedIn URL has no profile name after /in/")?;
    if slug.len() > 200 || !slug.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'%' | b'.')) {
        return Err("LinkedIn profile name has characters a profile URL cannot have");
    }
    Ok(format!("https://www.linkedin.com/in/{slug}"))
}

/// The bare lower-case host of a website or domain (`https://www.Acme.com.au/about` →
/// `acme.com.au`), or `None` when it is not a plausible domain name.
pub fn host_of(raw: &str) -> Option<String> {
    let lower = raw.trim().to_ascii_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    // user@host and host:port forms.
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    let host = host.strip_prefix("www.").unwrap_or(host).trim_end_matches('.');
    let labels: Vec<&str> = host.split('.').collect();
    let ok = labels.len() >= 2
        && host.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()));
    ok.then(|| host.to_string())
}

/// The domain of a business address: `None` for free-mail providers, whose domain says
/// nothing about the person's company.
pub fn business_domain_of(email: &str) -> Option<String> {
    let (_, domain) = email.rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    (!is_free_mail_domain(&domain)).then(|| host_of(&domain)).flatten()
}

/// Whether an address is at a free-mail provider: a "personal email" in the score (SPEC §4).
pub fn is_personal_email(email: &str) -> bool {
    email.rsplit_once('@').is_some_and(|(_, d)| is_free_mail_domain(&d.to_ascii_lowercase()))
}

/// Consumer mailbox providers, global and the Australian ISPs whose addresses still turn up
/// in small-business exports.
pub fn is_free_mail_domain(domain: &str) -> bool {
    FREE_MAIL.binary_search(&domain).is_ok()
}

/// Sorted, so membership is a binary search.
const FREE_MAIL: &[&str] = &[
    "126.com", "163.com", "aim.com", "aol.com", "att.net", "bigpond.com", "bigpond.net.au", "btinternet.com",
    "comcast.net", "dodo.com.au", "fastmail.com", "fastmail.fm", "free.fr", "gmail.com", "gmx.com", "gmx.de",
    "gmx.net", "googlemail.com", "hey.com", "hotmail.co.uk", "hotmail.com", "hotmail.com.au", "icloud.com",
    "iinet.net.au", "internode.on.net", "laposte.net", "libero.it", "live.co.uk", "live.com", "live.com.au",
    "mac.com", "mail.com", "me.com", "msn.com", "optusnet.com.au", "orange.fr", "outlook.com", "outlook.com.au",
    "ozemail.com.au", "pm.me", "proton.me", "protonmail.com", "qq.com", "rocketmail.com", "sbcglobal.net",
    "sky.com", "t-online.de", "tpg.com.au", "tutanota.com", "verizon.net", "virginmedia.com", "web.de",
    "westnet.com.au", "xtra.co.nz", "yahoo.co.uk", "yahoo.com", "yahoo.com.au", "yandex.com", "yandex.ru",
    "ymail.com", "zoho.com",
];

/// "Ann Lee" → (Ann, Lee); "Mary Anne van der Berg" → (Mary, Anne van der Berg): the first
/// word is the given name, which is what a greeting needs; a single word is a first name.
pub fn split_full_name(full: &str) -> (Option<String>, Option<String>) {
    let mut words = full.split_whitespace();
    let first = words.next().map(str::to_string);
    let rest: Vec<&str> = words.collect();
    (first, (!rest.is_empty()).then(|| rest.join(" ")))
}

/// Accepts international formats loosely (the dialler normalises later); refuses what is
/// clearly not a phone number.
fn check_phone(p: &str) -> Result<(), &'static str> {
    let lower = p.to_ascii_lowercase();
    let main = lower.split(['x', 'e']).next().unwrap_or("");
    if !lower.chars().all(|c| c.is_ascii_digit() || " +-().,/#".contains(c) || c.is_ascii_alphabetic()) {
        return Err("not a phone number: unexpected characters");
    }
    if lower.chars().any(|c| c.is_ascii_alphabetic() && !"extnsio".contains(c)) {
        return Err("not a phone number: letters other than an extension");
    }
    let digits = main.chars().filter(char::is_ascii_digit).count();
    if !(6..=17).contains(&digits) {
        return Err("not a phone number: expected 6 to 17 digits");
    }
    Ok(())
}

/// Employee counts as exports give them: `42`, `1,200`, `11-50` (the middle of the band),
/// `10000+` or `10,001+` (the lower bound).
pub fn parse_employee_count(raw: &str) -> Result<u32, &'static str> {
    const WHY: &str = "not a number of employees (expected e.g. 42, 11-50 or 10000+)";
    let t: String = raw.trim().chars().filter(|c| *c != ',' && *c != ' ').collect();
    let num = |s: &str| s.parse::<u32>().map_err(|_| WHY);
    if let Some(lo) = t.strip_suffix('+') {
        return num(lo);
    }
    if let Some((lo, hi)) = t.split_once(['-', '–']) {
        let (lo, hi) = (num(lo)?, num(hi)?);
        if lo > hi {
            return Err(WHY);
        }
        return Ok(lo + (hi - lo) / 2);
    }
    num(&t)
}

// ---- Views -------------------------------------------------------------------------------

/// A lead's name as shown in lists: "First Last", else the email, else the LinkedIn URL.
pub fn display_name(first: Option<&str>, last: Option<&str>, email: Option<&str>, linkedin: Option<&str>) -> String {
    let name = [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if !name.is_empty() {
        return name;
    }
    email.or(linkedin).unwrap_or("(no name)").to_string()
}

/// One line of the leads table.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadRow {
    pub id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub status: LeadStatus,
    pub source: LeadSource,
    /// Whole ALS; `None` until scored.
    pub als: Option<u8>,
    pub tier: Option<Tier>,
    pub email_verdict: Option<Verdict>,
    pub created_at: DateTime<Utc>,
}

/// The score as stored on a lead: everything "why this score" shows.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredScore {
    pub als: u8,
    /// Hundredths of a point; the reasons' contributions add up to exactly this.
    pub als_exact: u16,
    pub tier: Tier,
    pub components: ComponentPoints,
    pub weights: Weights,
    pub weight_source: WeightSource,
    /// In the order the rules ran; `Display` renders each as "+25 CEO title".
    pub reasons: Vec<Reason>,
    pub scored_at: DateTime<Utc>,
}

/// Everything the lead detail page shows about the lead itself.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadDetail {
    pub id: LeadId,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<u32>,
    pub status: LeadStatus,
    pub source: LeadSource,
    pub import_id: Option<ImportId>,
    pub email_verdict: Option<Verdict>,
    pub email_reason: Option<String>,
    pub email_verified: bool,
    pub enrichment_source: Option<String>,
    pub enrichment_confidence: Option<f32>,
    pub score: Option<StoredScore>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LeadDetail {
    pub fn name(&self) -> String {
        display_name(self.first_name.as_deref(), self.last_name.as_deref(), self.email.as_deref(), self.linkedin_url.as_deref())
    }
}

/// What enrolling a set of leads did: how many joined, and how many were left out, by reason
/// (the Leads page shows "N enrolled, M skipped: reasons").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EnrolReport {
    pub enrolled: u64,
    /// (reason, how many), largest first.
    pub skipped: Vec<(String, u64)>,
}

impl EnrolReport {
    pub fn skipped_total(&self) -> u64 {
        self.skipped.iter().map(|(_, n)| n).sum()
    }

    /// "3 enrolled, 2 skipped: 1 suppressed, 1 already in this campaign".
    pub fn summary(&self) -> String {
        let mut s = format!("{} enrolled", self.enrolled);
        let m = self.skipped_total();
        if m > 0 {
            let why: Vec<String> = self.skipped.iter().map(|(r, n)| format!("{n} {r}")).collect();
            s.push_str(&format!(", {m} skipped: {}", why.join(", ")));
        }
        s
    }
}

/// Filters of the leads table; `None` means "any".
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    pub tier: Option<Tier>,
    pub source: Option<LeadSource>,
    /// Case-insensitive substring of name, company or email.
    pub search: Option<String>,
    /// Only leads brought in by this import (the import page's "show these leads").
    pub import_id: Option<ImportId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Unscored leads come last whichever the direction.
    #[default]
    Als,
    CreatedAt,
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    /// Best leads first.
    fn default() -> Self {
        Sort { key: SortKey::Als, descending: true }
    }
}

/// A page request: 1-based page number and a page size the store clamps to 1..=200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn per_page(&self) -> u32 {
        self.per_page.clamp(1, Self::MAX_PER_PAGE)
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page.max(1) - 1) * u64::from(self.per_page())
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, per_page: 50 }
    }
}

/// One page of the leads table and the number of leads matching the filter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadPage {
    pub rows: Vec<LeadRow>,
    /// Matching leads, counted up to a cap (see `total_capped`).
    pub total: u64,
    /// More leads match than `total` says: show "10,000+".
    #[serde(default)]
    pub total_capped: bool,
    pub page: u32,
    pub per_page: u32,
}

impl LeadPage {
    /// Pages known to exist. With a capped count there may be more: [`LeadPage::has_next`].
    pub fn page_count(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1)))
    }

    #[cfg(test)]
    fn with_rows(mut self, n: usize) -> Self {
        let row = LeadRow {
            id: LeadId(uuid::Uuid::nil()),
            name: String::new(),
            email: None,
            title: None,
            company: None,
            status: crate::lead_status::LeadStatus::New,
            source: LeadSource::Csv,
            als: None,
            tier: None,
            email_verdict: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        };
        self.rows = vec![row; n];
        self
    }

    pub fn has_next(&self) -> bool {
        u64::from(self.page) < self.page_count() || (self.total_capped && self.rows.len() as u32 == self.per_page)
    }

    /// "1,234" or "10,000+".
    pub fn total_label(&self) -> String {
        let digits = self.total.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if self.total_capped {
            out.push('+');
        }
        out
    }
}

// ---- Imports -----------------------------------------------------------------------------

/// Counts of one import. `total = imported + duplicates + invalid` once it has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImportSummary {
    pub total: u64,
    pub imported: u64,
    pub duplicates: u64,
    pub invalid: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Running,
    Completed,
    Failed,
}

impl ImportStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Completed => "completed",
            ImportStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        match s {
            "running" => Ok(ImportStatus::Running),
            "completed" => Ok(ImportStatus::Completed),
            "failed" => Ok(ImportStatus::Failed),
            _ => Err(UnknownName { kind: "import status", value: s.to_string() }),
        }
    }
}

/// An import as the import page shows it (and polls for live progress).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: ImportId,
    pub filename: String,
    pub status: ImportStatus,
    pub summary: ImportSummary,
    /// Why a failed import stopped.
    pub error: Option<String>,
    /// The file's header → the field it was read into.
    pub mapping: Vec<(String, Field)>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Set when a worker picked the import up again after the process running it stopped
    /// (a restart or a crash): when, and the first file row it read on from.
    #[serde(default)]
    pub resumed: Option<ImportResumed>,
}

/// An import continued after a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportResumed {
    pub at: DateTime<Utc>,
    /// The file row (header = row 1) the resumed run read on from.
    pub from_row: u64,
}

impl ImportResumed {
    /// What the import page says.
    pub fn describe(&self) -> String {
        format!("Resumed after a restart: the rows before row {} were already imported and were not read again.", self.from_row)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_enrol_report_reads_as_counts_and_reasons() {
        let r = EnrolReport { enrolled: 3, skipped: vec![("suppressed".into(), 1), ("already in this campaign".into(), 2)] };
        assert_eq!(r.summary(), "3 enrolled, 3 skipped: 1 suppressed, 2 already in this campaign");
        assert_eq!(EnrolReport { enrolled: 0, skipped: vec![] }.summary(), "0 enrolled");
    }

    use super::*;

    fn input(email: &str) -> LeadInput {
        LeadInput { email: Some(email.into()), ..Default::default() }
    }

    #[test]
    fn emails_are_canonical_and_their_verdict_is_kept() {
        let lead = input("  Ann.Lee@Acme.COM.au ").validate().unwrap();
        assert_eq!(lead.email.as_deref(), Some("ann.lee@acme.com.au"));
        assert_eq!(lead.email_verdict, Some(Verdict::Deliverable));
        assert_eq!(lead.company_domain.as_deref(), Some("acme.com.au"));
        let risky = input("info@acme.com").validate().unwrap();
        assert_eq!(risky.email_verdict, Some(Verdict::Risky));
    }

    #[test]
    fn an_invalid_email_is_refused_with_the_address_check_reason() {
        let long = format!("{}@acme.com", "a".repeat(65));
        let errs = input(&long).validate().unwrap_err();
        assert_eq!(errs, vec![FieldError { field: Field::Email, message: "invalid: local part exceeds 64 octets".into() }]);
        assert_eq!(errs[0].to_string(), "email: invalid: local part exceeds 64 octets");
    }

    #[test]
    fn a_lead_needs_an_email_or_a_linkedin_url() {
        let errs = LeadInput { first_name: Some("Ann".into()), ..Default::default() }.validate().unwrap_err();
        assert_eq!(errs[0].field, Field::Email);
        assert!(errs[0].message.contains("email or a LinkedIn URL"));
        let lead = LeadInput { linkedin_url: Some("au.linkedin.com/in/Ann-Lee/?trk=x".into()), ..Default::default() }
            .validate()
            .unwrap();
        assert_eq!(lead.linkedin_url.as_deref(), Some("https://www.linkedin.com/in/ann-lee"));
        assert_eq!(lead.dedupe_key(), Some(DedupeKey::Linkedin("https://www.linkedin.com/in/ann-lee".into())));
    }

    #[test]
    fn linkedin_urls_must_be_personal_profiles() {
        assert!(canonical_linkedin_url("https://www.linkedin.com/company/acme").is_err());
        assert!(canonical_linkedin_url("https://evil-linkedin.com/in/x").is_err());
        assert!(canonical_linkedin_url("https://linkedin.com/in/").is_err());
        assert_eq!(canonical_linkedin_url("HTTP://LinkedIn.com/in/jo#top").unwrap(), "https://www.linkedin.com/in/jo");
    }

    #[test]
    fn company_domain_comes_from_the_website_or_a_business_email_never_free_mail() {
        let lead = LeadInput { email: Some("ann@gmail.com".into()), website: Some("https://www.Acme.com.au/about".into()), ..Default::default() }
            .validate()
            .unwrap();
        assert_eq!(lead.company_domain.as_deref(), Some("acme.com.au"));
        let lead = input("ann@bigpond.com").validate().unwrap();
        assert_eq!(lead.company_domain, None);
        assert!(is_personal_email("ann@Gmail.com"));
        assert!(!is_personal_email("ann@acme.com"));
    }

    #[test]
    fn free_mail_list_is_sorted_for_binary_search() {
        assert!(FREE_MAIL.windows(2).all(|w| w[0] < w[1]));
        for d in ["gmail.com", "126.com", "zoho.com", "bigpond.net.au", "yahoo.com.au"] {
            assert!(is_free_mail_domain(d), "{d}");
        }
    }

    #[test]
    fn full_names_split_into_first_and_last() {
        let lead = LeadInput { full_name: Some("  Mary Anne  van der Berg ".into()), ..input("m@acme.com") }.validate().unwrap();
        assert_eq!((lead.first_name.as_deref(), lead.last_name.as_deref()), (Some("Mary"), Some("Anne van der Berg")));
    }

    #[test]
    fn employee_counts_read_exact_figures_bands_and_open_ranges() {
        assert_eq!(parse_employee_count("1,200"), Ok(1200));
        assert_eq!(parse_employee_count("11-50"), Ok(30));
        assert_eq!(parse_employee_count("10,001+"), Ok(10001));
        assert!(parse_employee_count("lots").is_err());
        assert!(parse_employee_count("50-10").is_err());
    }

    #[test]
    fn every_problem_of_a_row_is_reported_at_once() {
        let bad = LeadInput {
            email: Some("ann@@acme.com".into()),
            phone: Some("call me".into()),
            employee_count: Some("many".into()),
            title: Some("x".repeat(201)),
            first_name: Some("An\u{81}n".into()),
            ..Default::default()
        };
        let fields: Vec<Field> = bad.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![Field::FirstName, Field::Title, Field::Email, Field::Phone, Field::EmployeeCount]);
    }

    #[test]
    fn phone_numbers_in_common_formats_pass() {
        for p in ["+61 2 9876 5432", "(02) 9876-5432", "0412 345 678", "+1 415.555.0100 ext 12"] {
            assert!(check_phone(p).is_ok(), "{p}");
        }
        for p in ["12345", "n/a", "+61 2 9876 5432 0000 0000 00"] {
            assert!(check_phone(p).is_err(), "{p}");
        }
    }

    #[test]
    fn page_requests_are_clamped() {
        let page = |total, capped, rows: usize| LeadPage { rows: vec![], total, total_capped: capped, page: 1, per_page: 50 }.with_rows(rows);
        assert_eq!(page(1234567, false, 0).total_label(), "1,234,567");
        assert_eq!(page(10_000, true, 50).total_label(), "10,000+");
        assert!(page(10_000, true, 50).has_next());
        assert!(!page(40, false, 40).has_next());
        let p = PageRequest { page: 0, per_page: 10_000 };
        assert_eq!((p.per_page(), p.offset()), (200, 0));
        assert_eq!(PageRequest { page: 3, per_page: 50 }.offset(), 100);
    }
}

/// What enrichment did for one lead: the waterfall's outcome and every costed provider call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentHistory {
    /// `enriched` or `skipped`; `None` while the lead waits for enrichment.
    pub outcome: Option<String>,
    pub provider: Option<String>,
    pub from_cache: bool,
    pub confidence: Option<f32>,
    pub credits: i16,
    pub reason: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub calls: Vec<EnrichmentStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentStep {
    pub provider: String,
    pub operation: String,
    /// AUD, as stored (numeric(12,4)).
    pub cost_aud: String,
    pub at: DateTime<Utc>,
}
