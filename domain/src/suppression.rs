//! Suppression matching (SPEC §10.5).
//!
//! Owns the canonical forms of the things people ask us never to contact again (email
//! addresses, domains, phone numbers) and the question "does this contact hit any entry?".
//! Loading and storing the lists (platform-wide and per workspace) belongs to the engine; this
//! module only needs the entries and the contact.
//!
//! Canonical forms:
//! - email: trimmed, lower-cased, domain part converted to its ASCII (punycode) form;
//! - domain: the same ASCII form, without scheme, path, `www.`/`*.`/`@` prefixes or a trailing
//!   dot. An entry matches the domain itself and every subdomain, on label boundaries only;
//! - phone: E.164, parsed with the `phonenumber` crate against a default region for national
//!   numbers.

use phonenumber::country;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

pub use phonenumber::country::Id as Region;

/// Why a raw value could not be turned into a canonical suppression value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SuppressionError {
    #[error("{0:?} is not an email address")]
    InvalidEmail(String),
    #[error("{0:?} is not a domain name")]
    InvalidDomain(String),
    #[error("{0:?} is a public suffix; suppressing it would block every domain under it")]
    PublicSuffix(String),
    #[error("{0:?} is not a phone number")]
    InvalidPhone(String),
}

/// The canonical form of an email address: trimmed, lower-cased, ASCII domain.
pub fn canonical_email(raw: &str) -> Result<String, SuppressionError> {
    let invalid = || SuppressionError::InvalidEmail(raw.to_string());
    let trimmed = raw.trim().trim_start_matches("mailto:");
    let (local, domain) = trimmed.rsplit_once('@').ok_or_else(invalid)?;
    if local.is_empty() || local.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let domain = ascii_domain(domain).ok_or_else(invalid)?;
    let mut out = local.to_lowercase();
    out.push('@');
    out.push_str(&domain);
    Ok(out)
}

/// The canonical form of a domain entry or a company website: `https://www.Customer.com/about`
/// becomes `customer.com`; `Bücher.example` becomes `xn--bcher-kva.example`.
pub fn canonical_domain(raw: &str) -> Result<String, SuppressionError> {
    let mut s = raw.trim();
    if let Some((_, rest)) = s.split_once("://") {
        s = rest;
    }
    s = s.split(['/', '?', '#']).next().unwrap_or("");
    // Credentials and ports are not part of the name.
    if let Some((_, host)) = s.rsplit_once('@') {
        s = host;
    }
    if let Some((host, port)) = s.rsplit_once(':') {
        if port.chars().all(|c| c.is_ascii_digit()) {
            s = host;
        }
    }
    s = s.trim_start_matches("*.").trim_start_matches('.');
    let ascii = ascii_domain(s).ok_or_else(|| SuppressionError::InvalidDomain(raw.to_string()))?;
    let ascii = match ascii.strip_prefix("www.") {
        Some(rest) if rest.contains('.') => rest.to_string(),
        _ => ascii,
    };
    if is_public_suffix(&ascii) {
        return Err(SuppressionError::PublicSuffix(raw.to_string()));
    }
    Ok(ascii)
}

/// The E.164 form of a phone number; national numbers are read in `region`.
pub fn canonical_phone(raw: &str, region: Region) -> Result<String, SuppressionError> {
    let invalid = || SuppressionError::InvalidPhone(raw.to_string());
    let trimmed = raw.trim();
    // The parser accepts strings with no digits at all in some edge cases; a phone entry
    // without digits can only be a data-entry mistake.
    if trimmed.chars().filter(char::is_ascii_digit).count() < 3 {
        return Err(invalid());
    }
    let number = phonenumber::parse(Some(region), trimmed).map_err(|_| invalid())?;
    let formatted = number.format().mode(phonenumber::Mode::E164).to_string();
    if formatted.len() < 4 {
        return Err(invalid());
    }
    Ok(formatted)
}

/// Lower-cases and converts a host name to ASCII, checking label syntax. `None` if it is not a
/// usable domain name (empty labels, a single label, bad characters).
fn ascii_domain(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('.');
    if raw.is_empty() || raw.len() > 253 * 4 {
        return None;
    }
    let ascii = if raw.is_ascii() {
        raw.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(raw).ok()?
    };
    let labels_ok = ascii.len() <= 253
        && ascii.contains('.')
        && ascii.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    labels_ok.then_some(ascii)
}

/// Second-level public suffixes common in our markets. Not the full Public Suffix List: only a
/// safety net so that a typo like suppressing `com.au` cannot silently block a whole country.
/// Single-label names are already refused by [`ascii_domain`].
const PUBLIC_SUFFIXES: &[&str] = &[
    "com.au", "net.au", "org.au", "edu.au", "gov.au", "asn.au", "id.au", "co.uk", "org.uk",
    "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk", "co.nz", "net.nz", "org.nz", "govt.nz",
    "co.jp", "ne.jp", "or.jp", "com.br", "com.cn", "com.sg", "com.hk", "com.my", "co.in", "co.za",
    "com.mx", "co.kr", "com.tr", "com.ar", "co.id", "com.ph", "co.il",
];

fn is_public_suffix(domain: &str) -> bool {
    PUBLIC_SUFFIXES.contains(&domain)
}

/// What an entry suppresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Email,
    Domain,
    Phone,
}

impl EntryKind {
    pub const ALL: [EntryKind; 3] = [EntryKind::Email, EntryKind::Domain, EntryKind::Phone];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Email => "email",
            EntryKind::Domain => "domain",
            EntryKind::Phone => "phone",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// What a raw value most likely is, for a form or a file that does not say: an `@`
    /// between text makes an email address, a value of digits and phone punctuation (at
    /// least 6 digits) a phone number, anything else a domain.
    pub fn guess(raw: &str) -> EntryKind {
        let t = raw.trim().trim_start_matches("mailto:");
        if t.contains('@') && !t.starts_with('@') {
            return EntryKind::Email;
        }
        let phone_chars = t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
        if phone_chars && t.chars().filter(char::is_ascii_digit).count() >= 6 {
            EntryKind::Phone
        } else {
            EntryKind::Domain
        }
    }
}

/// The canonical form of a value of `kind`, as stored in a suppression list. Phone numbers must
/// be valid numbers (not merely digits), read in `region` when written nationally.
pub fn canonical_value(
    kind: EntryKind,
    raw: &str,
    region: Region,
) -> Result<String, SuppressionError> {
    match kind {
        EntryKind::Email => canonical_email(raw),
        EntryKind::Domain => canonical_domain(raw),
        EntryKind::Phone => crate::phone::E164::parse_in(raw, region)
            .map(String::from)
            .map_err(|_| SuppressionError::InvalidPhone(raw.to_string())),
    }
}

/// A canonical domain and each parent at a label boundary, down to two labels:
/// `a.eu.customer.com` gives `a.eu.customer.com`, `eu.customer.com`, `customer.com`. A domain
/// entry equal to any of them suppresses the domain. (The store computes the same list in SQL,
/// `agency_os_domain_and_parents`, for its just-in-time queries.)
pub fn domain_and_parents(domain: &str) -> Vec<String> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    if d.is_empty() || labels.len() < 2 {
        return Vec::new();
    }
    (0..labels.len() - 1)
        .map(|i| labels[i..].join("."))
        .collect()
}

/// Why an entry was added; kept so a match can be explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntrySource {
    Unsubscribe,
    HardBounce,
    Complaint,
    /// An existing customer or partner the workspace must not prospect.
    Customer,
    /// Do Not Call Register wash result (voice).
    DoNotCall,
    Manual,
}

/// One suppression entry, holding its value in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SuppressionEntry {
    kind: EntryKind,
    value: String,
    source: EntrySource,
}

impl SuppressionEntry {
    pub fn email(raw: &str, source: EntrySource) -> Result<Self, SuppressionError> {
        Ok(Self {
            kind: EntryKind::Email,
            value: canonical_email(raw)?,
            source,
        })
    }

    pub fn domain(raw: &str, source: EntrySource) -> Result<Self, SuppressionError> {
        Ok(Self {
            kind: EntryKind::Domain,
            value: canonical_domain(raw)?,
            source,
        })
    }

    pub fn phone(raw: &str, region: Region, source: EntrySource) -> Result<Self, SuppressionError> {
        Ok(Self {
            kind: EntryKind::Phone,
            value: canonical_phone(raw, region)?,
            source,
        })
    }

    /// Builds an entry of `kind` from a raw value, as found in an import file.
    pub fn parse(
        kind: EntryKind,
        raw: &str,
        region: Region,
        source: EntrySource,
    ) -> Result<Self, SuppressionError> {
        match kind {
            EntryKind::Email => Self::email(raw, source),
            EntryKind::Domain => Self::domain(raw, source),
            EntryKind::Phone => Self::phone(raw, region, source),
        }
    }

    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// The canonical value (lower-case email, ASCII domain, or E.164 number).
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn source(&self) -> EntrySource {
        self.source
    }
}

/// The contact details checked against the list. Any field may be missing; raw values are
/// canonicalised here, so callers pass what they have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contact<'a> {
    pub email: Option<&'a str>,
    /// The company website or domain, when known apart from the email.
    pub company_domain: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// Why a contact matched an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MatchReason {
    /// The contact's email address is suppressed.
    Email {
        email: String,
    },
    /// The domain of the contact's email is the suppressed domain or one of its subdomains.
    EmailDomain {
        domain: String,
    },
    /// The contact's company domain is the suppressed domain or one of its subdomains.
    CompanyDomain {
        domain: String,
    },
    Phone {
        phone: String,
    },
}

/// A hit: the entry and how the contact reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Match<'a> {
    pub entry: &'a SuppressionEntry,
    pub reason: MatchReason,
}

impl fmt::Display for Match<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entry = self.entry.value();
        match &self.reason {
            MatchReason::Email { email } => write!(f, "{email} is on the suppression list"),
            MatchReason::EmailDomain { domain } if domain == entry => {
                write!(f, "email domain {domain} is suppressed")
            }
            MatchReason::EmailDomain { domain } => {
                write!(
                    f,
                    "email domain {domain} is under suppressed domain {entry}"
                )
            }
            MatchReason::CompanyDomain { domain } => {
                write!(
                    f,
                    "company domain {domain} is under suppressed domain {entry}"
                )
            }
            MatchReason::Phone { phone } => write!(f, "phone {phone} is on the suppression list"),
        }
    }
}

/// A set of suppression entries indexed for constant-time lookup per candidate key.
#[derive(Debug, Clone)]
pub struct SuppressionList {
    entries: Vec<SuppressionEntry>,
    emails: HashMap<String, usize>,
    domains: HashMap<String, usize>,
    phones: HashMap<String, usize>,
    region: Region,
}

impl SuppressionList {
    /// `region` is used to read contacts' national phone numbers (entries are already E.164).
    pub fn new(entries: impl IntoIterator<Item = SuppressionEntry>, region: Region) -> Self {
        let mut list = Self {
            entries: Vec::new(),
            emails: HashMap::new(),
            domains: HashMap::new(),
            phones: HashMap::new(),
            region,
        };
        for entry in entries {
            list.insert(entry);
        }
        list
    }

    /// Adds an entry; a duplicate value keeps the first entry (and its source).
    pub fn insert(&mut self, entry: SuppressionEntry) {
        let index = self.entries.len();
        let map = match entry.kind {
            EntryKind::Email => &mut self.emails,
            EntryKind::Domain => &mut self.domains,
            EntryKind::Phone => &mut self.phones,
        };
        if map.contains_key(&entry.value) {
            return;
        }
        map.insert(entry.value.clone(), index);
        self.entries.push(entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[SuppressionEntry] {
        &self.entries
    }

    /// The first entry the contact hits, checking the exact email, its domain and parents, the
    /// company domain and parents, then the phone. Unparseable contact fields are skipped:
    /// a malformed value cannot be matched, and refusing to send to it is the address check's
    /// job, not this one's.
    pub fn check(&self, contact: &Contact<'_>) -> Option<Match<'_>> {
        if let Some(email) = contact.email.and_then(|e| canonical_email(e).ok()) {
            if let Some(&i) = self.emails.get(&email) {
                return Some(Match {
                    entry: &self.entries[i],
                    reason: MatchReason::Email { email },
                });
            }
            if let Some((_, domain)) = email.rsplit_once('@') {
                if let Some(i) = self.domain_hit(domain) {
                    let reason = MatchReason::EmailDomain {
                        domain: domain.to_string(),
                    };
                    return Some(Match {
                        entry: &self.entries[i],
                        reason,
                    });
                }
            }
        }
        if let Some(domain) = contact
            .company_domain
            .and_then(|d| canonical_domain(d).ok())
        {
            if let Some(i) = self.domain_hit(&domain) {
                let reason = MatchReason::CompanyDomain { domain };
                return Some(Match {
                    entry: &self.entries[i],
                    reason,
                });
            }
        }
        if let Some(phone) = contact
            .phone
            .and_then(|p| canonical_phone(p, self.region).ok())
        {
            if let Some(&i) = self.phones.get(&phone) {
                return Some(Match {
                    entry: &self.entries[i],
                    reason: MatchReason::Phone { phone },
                });
            }
        }
        None
    }

    /// Looks the domain up, then each parent at a label boundary: `a.b.customer.com` tries
    /// itself, `b.customer.com`, `customer.com`, `com`. Walking whole labels is what keeps
    /// `notcustomer.com` from matching `customer.com`.
    fn domain_hit(&self, domain: &str) -> Option<usize> {
        if self.domains.is_empty() {
            return None;
        }
        let mut rest = domain;
        loop {
            if let Some(&i) = self.domains.get(rest) {
                return Some(i);
            }
            rest = rest.split_once('.')?.1;
        }
    }
}

/// One entry as the Settings page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedEntry {
    pub kind: EntryKind,
    pub value: String,
    /// `unsubscribed`, `bounced`, `complained`, `manual`, `imported`.
    pub reason: String,
    pub source: String,
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Whether the viewer may remove it (an admin, and not a person's own opt-out).
    pub removable: bool,
}

/// A page of a workspace's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionPage {
    pub entries: Vec<ListedEntry>,
    /// Entries matching the search in all.
    pub total: i64,
    /// Entries on the operator's platform-wide list, which applies to every workspace too.
    pub platform_entries: i64,
}

/// One row of an imported file that could not be added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRowError {
    /// The line of the file (1 is the first line, the header if there is one).
    pub line: u64,
    pub value: String,
    pub message: String,
}

/// What an import of a do-not-contact list did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Values read (a row with an email and a phone column is two).
    pub values: u64,
    pub added: u64,
    pub already_listed: u64,
    pub failed: u64,
    /// The first errors, in file order (at most [`IMPORT_ERRORS_SHOWN`]).
    pub errors: Vec<ImportRowError>,
}

/// How many row errors an import report carries; the rest are counted in `failed`.
pub const IMPORT_ERRORS_SHOWN: usize = 100;

/// The largest do-not-contact file accepted, and the most values in one.
pub const IMPORT_MAX_BYTES: usize = 5 * 1024 * 1024;
pub const IMPORT_MAX_VALUES: u64 = 100_000;

/// Australia, the default region of the product's first market.
pub const DEFAULT_REGION: Region = country::Id::AU;

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[(EntryKind, &str)]) -> SuppressionList {
        SuppressionList::new(
            entries.iter().map(|(k, v)| {
                SuppressionEntry::parse(*k, v, Region::AU, EntrySource::Manual).unwrap()
            }),
            Region::AU,
        )
    }

    fn email(e: &str) -> Contact<'_> {
        Contact {
            email: Some(e),
            ..Contact::default()
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            canonical_email("  Sam.Lee@Customer.COM ").unwrap(),
            "sam.lee@customer.com"
        );
        assert!(canonical_email("no-at-sign").is_err());
        assert!(canonical_email("@customer.com").is_err());
        assert!(canonical_email("sam@localhost").is_err());
    }

    #[test]
    fn idn_domains_are_stored_as_punycode() {
        assert_eq!(
            canonical_email("anna@Bücher.example").unwrap(),
            "anna@xn--bcher-kva.example"
        );
        assert_eq!(
            canonical_domain("bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
        let l = list(&[(EntryKind::Domain, "BÜCHER.example")]);
        assert!(l.check(&email("a@shop.xn--bcher-kva.example")).is_some());
    }

    #[test]
    fn domain_entries_accept_urls_and_prefixes() {
        assert_eq!(
            canonical_domain("https://www.Customer.com/about?x=1").unwrap(),
            "customer.com"
        );
        assert_eq!(canonical_domain("@customer.com").unwrap(), "customer.com");
        assert_eq!(canonical_domain("*.customer.com.").unwrap(), "customer.com");
        assert_eq!(
            canonical_domain("customer.com:443").unwrap(),
            "customer.com"
        );
        assert!(canonical_domain("com").is_err());
        assert!(canonical_domain("com.au").is_err());
        assert!(canonical_domain("bad..domain").is_err());
    }

    #[test]
    fn an_exact_email_entry_matches_case_insensitively() {
        let l = list(&[(EntryKind::Email, "sam@customer.com")]);
        let m = l.check(&email(" SAM@Customer.com")).unwrap();
        assert_eq!(
            m.reason,
            MatchReason::Email {
                email: "sam@customer.com".into()
            }
        );
        assert!(l.check(&email("pat@customer.com")).is_none());
    }

    #[test]
    fn a_domain_entry_matches_its_subdomains_but_not_lookalikes() {
        let l = list(&[(EntryKind::Domain, "customer.com")]);
        assert!(l.check(&email("a@customer.com")).is_some());
        assert!(l.check(&email("a@sub.customer.com")).is_some());
        assert!(l.check(&email("a@deep.sub.customer.com")).is_some());
        assert!(l.check(&email("a@notcustomer.com")).is_none());
        assert!(l.check(&email("a@customer.com.au")).is_none());
        assert!(l.check(&email("a@customer.co")).is_none());
    }

    #[test]
    fn a_subdomain_entry_does_not_suppress_its_parent() {
        let l = list(&[(EntryKind::Domain, "eu.customer.com")]);
        assert!(l.check(&email("a@eu.customer.com")).is_some());
        assert!(l.check(&email("a@customer.com")).is_none());
        assert!(l.check(&email("a@us.customer.com")).is_none());
    }

    #[test]
    fn the_company_domain_is_checked_when_the_email_is_elsewhere() {
        let l = list(&[(EntryKind::Domain, "customer.com")]);
        let c = Contact {
            email: Some("founder@gmail.com"),
            company_domain: Some("https://shop.customer.com"),
            phone: None,
        };
        let m = l.check(&c).unwrap();
        assert_eq!(
            m.reason,
            MatchReason::CompanyDomain {
                domain: "shop.customer.com".into()
            }
        );
        assert!(m
            .to_string()
            .contains("under suppressed domain customer.com"));
    }

    #[test]
    fn australian_national_numbers_normalise_to_e164() {
        assert_eq!(
            canonical_phone("0412 345 678", Region::AU).unwrap(),
            "+61412345678"
        );
        assert_eq!(
            canonical_phone("+61 412-345-678", Region::US).unwrap(),
            "+61412345678"
        );
        assert_eq!(
            canonical_phone("(02) 9876 5432", Region::AU).unwrap(),
            "+61298765432"
        );
        assert_eq!(
            canonical_phone("(415) 555-2671", Region::US).unwrap(),
            "+14155552671"
        );
        assert!(canonical_phone("call me", Region::AU).is_err());
        assert!(canonical_phone("", Region::AU).is_err());
    }

    #[test]
    fn a_phone_entry_matches_the_same_number_written_differently() {
        let l = list(&[(EntryKind::Phone, "+61 412 345 678")]);
        let c = Contact {
            phone: Some("0412345678"),
            ..Contact::default()
        };
        let m = l.check(&c).unwrap();
        assert_eq!(
            m.reason,
            MatchReason::Phone {
                phone: "+61412345678".into()
            }
        );
        let other = Contact {
            phone: Some("0412 345 679"),
            ..Contact::default()
        };
        assert!(l.check(&other).is_none());
    }

    #[test]
    fn duplicate_entries_keep_the_first_source() {
        let mut l = SuppressionList::new([], Region::AU);
        l.insert(SuppressionEntry::email("a@b.com", EntrySource::Unsubscribe).unwrap());
        l.insert(SuppressionEntry::email("A@B.com", EntrySource::Manual).unwrap());
        assert_eq!(l.len(), 1);
        assert_eq!(
            l.check(&email("a@b.com")).unwrap().entry.source(),
            EntrySource::Unsubscribe
        );
    }

    #[test]
    fn an_empty_contact_or_list_matches_nothing() {
        let l = list(&[(EntryKind::Domain, "customer.com")]);
        assert!(l.check(&Contact::default()).is_none());
        assert!(SuppressionList::new([], Region::AU)
            .check(&email("a@customer.com"))
            .is_none());
        assert!(l.check(&email("garbage")).is_none());
    }
    #[test]
    fn a_domain_walks_up_to_its_apex_by_whole_labels() {
        assert_eq!(
            domain_and_parents("a.eu.Customer.com."),
            ["a.eu.customer.com", "eu.customer.com", "customer.com"]
        );
        assert_eq!(domain_and_parents("customer.com"), ["customer.com"]);
        assert!(domain_and_parents("localhost").is_empty());
        assert!(domain_and_parents("").is_empty());
        assert!(!domain_and_parents("notcustomer.com").contains(&"customer.com".to_string()));
    }

    #[test]
    fn a_raw_value_s_kind_is_guessed_from_its_shape() {
        assert_eq!(EntryKind::guess("Sam@Customer.com"), EntryKind::Email);
        assert_eq!(EntryKind::guess("@customer.com"), EntryKind::Domain);
        assert_eq!(
            EntryKind::guess("https://customer.com/x"),
            EntryKind::Domain
        );
        assert_eq!(EntryKind::guess("+61 412 345 678"), EntryKind::Phone);
        assert_eq!(EntryKind::guess("(02) 9876 5432"), EntryKind::Phone);
        assert_eq!(EntryKind::guess("1.2.3"), EntryKind::Domain);
        assert_eq!(EntryKind::parse(" Phone "), Some(EntryKind::Phone));
        assert_eq!(EntryKind::parse("fax"), None);
    }

    #[test]
    fn phone_values_must_be_real_numbers() {
        assert_eq!(
            canonical_value(EntryKind::Phone, "0412 345 678", Region::AU).unwrap(),
            "+61412345678"
        );
        assert!(canonical_value(EntryKind::Phone, "+61 1234", Region::AU).is_err());
        assert_eq!(
            canonical_value(EntryKind::Domain, "www.Customer.com", Region::AU).unwrap(),
            "customer.com"
        );
    }
}
