//! The sandbox provider: every capability, offline and deterministic — the product default and
//! what demos and tests run on.
//!
//! Every answer is drawn from a ChaCha RNG seeded by a hash of (seed, provider it acts as,
//! operation, normalised input), never from a global RNG, so the same input and seed give the
//! same output on any machine. It behaves like a real provider would: ~10 % of people are not
//! found, ~3 % of calls fail with a transient error the *first* time that input is asked (a
//! retry succeeds, as with a real 503), confidence varies so some results fall under the
//! waterfall's 0.70 bar, and async enrichment stays pending for one poll.
//!
//! The companies are fictional, with plausible Australian and international names, so sandbox
//! data can never email a real person at a real employer.

use super::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// How often the sandbox misbehaves; the defaults mirror what we see from real providers.
#[derive(Debug, Clone)]
pub struct SandboxProfile {
    /// Share of first attempts that fail with a retryable `Upstream { status: 503 }`.
    pub transient_error_rate: f64,
    /// Share of people (or domains) the provider knows nothing about.
    pub no_match_rate: f64,
    /// Polls an async enrichment stays `Pending` before it finishes.
    pub pending_polls: u32,
}

impl Default for SandboxProfile {
    fn default() -> Self {
        Self {
            transient_error_rate: 0.03,
            no_match_rate: 0.10,
            pending_polls: 1,
        }
    }
}

impl SandboxProfile {
    /// Never fails and always matches: for tests that are about something else.
    pub fn perfect() -> Self {
        Self {
            transient_error_rate: 0.0,
            no_match_rate: 0.0,
            pending_polls: 0,
        }
    }
}

pub struct Sandbox {
    seed: u64,
    acting_as: ProviderName,
    profile: SandboxProfile,
    /// Inputs whose first attempt already failed, so the retry succeeds.
    failed_once: Mutex<HashSet<u64>>,
    /// Async submissions: request id → (query, polls so far).
    pending: Mutex<HashMap<String, (PersonQuery, u32)>>,
    /// External sends: (campaign, recipient) → the idempotency key it was queued with, as a
    /// sending platform's campaign remembers its leads.
    sent: Mutex<HashMap<(String, String), String>>,
    /// Follow-ups answered in a thread: their idempotency keys.
    follow_ups: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("seed", &self.seed)
            .field("acting_as", &self.acting_as)
            .finish()
    }
}

impl Sandbox {
    pub fn new(seed: u64) -> Self {
        Self::with_profile(seed, SandboxProfile::default())
    }

    pub fn with_profile(seed: u64, profile: SandboxProfile) -> Self {
        Self {
            seed,
            acting_as: ProviderName::Sandbox,
            profile,
            failed_once: Mutex::new(HashSet::new()),
            pending: Mutex::new(HashMap::new()),
            sent: Mutex::new(HashMap::new()),
            follow_ups: Mutex::new(HashSet::new()),
        }
    }

    /// Plays a named provider in a sandboxed waterfall: reports that name as `source` and, since
    /// the name is hashed in, misses different people than the other sandboxed providers do.
    pub fn acting_as(mut self, provider: ProviderName) -> Self {
        self.acting_as = provider;
        self
    }

    fn rng(&self, op: &str, input: &str) -> (u64, ChaCha8Rng) {
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(self.acting_as.as_str().as_bytes());
        h.update([0]);
        h.update(op.as_bytes());
        h.update([0]);
        h.update(input.as_bytes());
        let digest = h.finalize();
        let key = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
        (key, ChaCha8Rng::seed_from_u64(key))
    }

    /// The first attempt for an unlucky input fails; later attempts pass.
    fn transient_failure(&self, key: u64, rng: &mut ChaCha8Rng) -> Result<(), ProviderError> {
        if rng.gen_bool(self.profile.transient_error_rate) && self.failed_once.lock().expect("lock").insert(key) {
            return Err(ProviderError::Upstream { status: 503 });
        }
        Ok(())
    }

    fn person(&self, q: &PersonQuery, rng: &mut ChaCha8Rng) -> EnrichedPerson {
        let company = q
            .domain
            .as_deref()
            .map(bare_domain)
            .filter(|d| !d.is_empty())
            .map(|d| company_for_domain(&d))
            .unwrap_or_else(|| {
                q.company
                    .as_deref()
                    .and_then(company_by_name)
                    .unwrap_or_else(|| COMPANIES.choose(rng).expect("catalog").to_company())
            });
        let first = q
            .first_name
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| pick(FIRST_NAMES, rng));
        let last = q
            .last_name
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| pick(LAST_NAMES, rng));
        let (city, country) = company.location;
        // 5 % matched without a work email: the waterfall must reject those.
        let email = (!rng.gen_bool(0.05)).then(|| email_for(&first, &last, &company.domain));
        // Skewed high like real match confidence: about 80 % clear the 0.70 bar.
        let confidence = (0.55 + 0.45 * rng.gen::<f32>().powf(0.6)).min(0.99);
        let slug = format!("{}-{}-{:x}", slugify(&first), slugify(&last), rng.gen::<u16>());
        EnrichedPerson {
            email,
            first_name: Some(first),
            last_name: Some(last),
            title: Some(pick(TITLES, rng)),
            company: Some(company.name),
            company_domain: Some(company.domain),
            linkedin_url: q
                .linkedin_url
                .clone()
                .or_else(|| Some(format!("https://www.linkedin.com/in/{slug}"))),
            phone: rng.gen_bool(0.6).then(|| phone_for(country, rng)),
            location: Some(format!("{city}, {country}")),
            industry: Some(company.industry.to_string()),
            employee_count: Some(company.employees),
            // The sandbox has no clock to date a role or a round against, and invents no signals.
            timing: Default::default(),
            confidence: (confidence * 100.0).round() / 100.0,
            source: self.acting_as,
        }
    }
}

#[async_trait]
impl LeadSearch for Sandbox {
    fn provider(&self) -> ProviderName {
        self.acting_as
    }

    async fn search_people(&self, query: &PeopleSearchQuery) -> Result<SearchPage, ProviderError> {
        let input = serde_json::to_string(query).expect("query serialises");
        let (key, mut rng) = self.rng("search", &input);
        self.transient_failure(key, &mut rng)?;
        let page = query.page.max(1);
        let per_page = query.per_page.clamp(1, 100);
        // The total depends on the filters only, not the page, like a real search.
        let mut filter_query = query.clone();
        filter_query.page = 1;
        let (_, mut total_rng) = self.rng("search-total", &serde_json::to_string(&filter_query).expect("json"));
        let filters = query.titles.len() + query.person_locations.len() + query.organization_domains.len();
        let total = if query.organization_domains.is_empty() {
            total_rng.gen_range(200..5000u64) / (1 + filters as u64 / 3)
        } else {
            total_rng.gen_range(1..=8u64) * query.organization_domains.len() as u64
        };
        let offset = u64::from(page - 1) * u64::from(per_page);
        let count = total.saturating_sub(offset).min(u64::from(per_page));
        let people = (0..count)
            .map(|i| {
                let (_, mut r) = self.rng("search-person", &format!("{input}#{i}"));
                let company = match query.organization_domains.choose(&mut r) {
                    Some(d) => company_for_domain(&bare_domain(d)),
                    None => COMPANIES.choose(&mut r).expect("catalog").to_company(),
                };
                let first = pick(FIRST_NAMES, &mut r);
                let last = pick(LAST_NAMES, &mut r);
                let title = query
                    .titles
                    .choose(&mut r)
                    .cloned()
                    .unwrap_or_else(|| pick(TITLES, &mut r));
                Prospect {
                    provider_id: format!("{:024x}", r.gen::<u128>() >> 32),
                    first_name: first,
                    last_name: None,
                    last_name_obfuscated: Some(obfuscate(&last)),
                    title: Some(title),
                    company: Some(company.name),
                    company_domain: Some(company.domain),
                    has_email: r.gen_bool(0.9),
                    source: self.acting_as,
                }
            })
            .collect();
        Ok(SearchPage {
            total_entries: total,
            page,
            people,
        })
    }
}

#[async_trait]
impl Enrichment for Sandbox {
    fn provider(&self) -> ProviderName {
        self.acting_as
    }

    async fn enrich(&self, person: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        let (key, mut rng) = self.rng("enrich", &person.identity());
        self.transient_failure(key, &mut rng)?;
        if rng.gen_bool(self.profile.no_match_rate) {
            return Err(ProviderError::NoMatch);
        }
        Ok(self.person(person, &mut rng))
    }
}

#[async_trait]
impl AsyncEnrichment for Sandbox {
    fn provider(&self) -> ProviderName {
        self.acting_as
    }

    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let (key, mut rng) = self.rng("submit", &person.identity());
        self.transient_failure(key, &mut rng)?;
        let request_id = format!("sbx-{key:016x}");
        self.pending
            .lock()
            .expect("lock")
            .insert(request_id.clone(), (person.clone(), 0));
        Ok(Submission {
            provider: self.acting_as,
            request_id,
        })
    }

    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        let query = {
            let mut pending = self.pending.lock().expect("lock");
            let Some((query, polls)) = pending.get_mut(&submission.request_id) else {
                return Err(ProviderError::NotFound);
            };
            if *polls < self.profile.pending_polls {
                *polls += 1;
                return Ok(AsyncOutcome::Pending);
            }
            query.clone()
        };
        let (_, mut rng) = self.rng("enrich-async", &query.identity());
        if rng.gen_bool(self.profile.no_match_rate) {
            return Ok(AsyncOutcome::NoMatch { units: Some(0.0) });
        }
        Ok(AsyncOutcome::Done {
            person: Box::new(self.person(&query, &mut rng)),
            units: Some(1.0),
        })
    }
}

#[async_trait]
impl EmailVerifier for Sandbox {
    fn provider(&self) -> ProviderName {
        self.acting_as
    }

    async fn verify(&self, email: &str) -> Result<Verification, ProviderError> {
        let email = email.trim().to_lowercase();
        let (key, mut rng) = self.rng("verify", &email);
        self.transient_failure(key, &mut rng)?;
        let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        let (status, score) = if !email.contains('@') || domain.is_empty() {
            (VerificationStatus::Invalid, 0)
        } else if WEBMAIL.contains(&domain) {
            (VerificationStatus::Webmail, rng.gen_range(60..90))
        } else if DISPOSABLE.contains(&domain) {
            (VerificationStatus::Disposable, rng.gen_range(0..20))
        } else {
            match rng.gen_range(0..100) {
                0..=74 => (VerificationStatus::Valid, rng.gen_range(85..=100)),
                75..=84 => (VerificationStatus::AcceptAll, rng.gen_range(50..80)),
                85..=92 => (VerificationStatus::Unknown, rng.gen_range(20..60)),
                _ => (VerificationStatus::Invalid, rng.gen_range(0..20)),
            }
        };
        Ok(Verification {
            email,
            status,
            score: Some(score),
            source: self.acting_as,
        })
    }
}

/// Plays Instantly or Smartlead: a recipient is queued once per campaign; the same key again is
/// `AlreadyAccepted`, another key `AlreadyInCampaign`; addresses under the reserved `.invalid`
/// top-level domain (RFC 2606) are refused as invalid. Nothing leaves the machine.
#[async_trait]
impl sender::ExternalSender for Sandbox {
    fn provider(&self) -> ProviderName {
        self.acting_as
    }

    async fn send(&self, email: &sender::OutboundEmail) -> Result<sender::SendOutcome, ProviderError> {
        use sender::{Refusal, SendOutcome};
        let (key, mut rng) = self.rng("send", &format!("{}|{}|{}", email.campaign, email.to, email.key));
        self.transient_failure(key, &mut rng)?;
        if email.to.ends_with(".invalid") {
            return Ok(SendOutcome::Refused(Refusal::InvalidAddress));
        }
        let provider_ref = Some(self.lead_ref(email));
        let mut sent = self.sent.lock().expect("lock");
        match sent.get(&(email.campaign.clone(), email.to.clone())) {
            Some(k) if k == email.key.as_str() => Ok(SendOutcome::AlreadyAccepted { provider_ref }),
            Some(_) => Ok(SendOutcome::Refused(Refusal::AlreadyInCampaign)),
            None => {
                sent.insert((email.campaign.clone(), email.to.clone()), email.key.to_string());
                Ok(SendOutcome::Accepted { provider_ref })
            }
        }
    }

    async fn find(&self, email: &sender::OutboundEmail) -> Result<Option<sender::FoundSend>, ProviderError> {
        let sent = self.sent.lock().expect("lock");
        Ok(sent
            .get(&(email.campaign.clone(), email.to.clone()))
            .map(|k| sender::FoundSend {
                provider_ref: Some(self.lead_ref(email)),
                key: Some(k.clone()),
            }))
    }

    /// A thread exists once the first email was queued for that recipient in that campaign.
    async fn send_follow_up(&self, email: &sender::OutboundEmail) -> Result<sender::SendOutcome, ProviderError> {
        use sender::SendOutcome;
        if !self.sent.lock().expect("lock").contains_key(&(email.campaign.clone(), email.to.clone())) {
            return Err(ProviderError::NotFound);
        }
        let provider_ref = Some(self.lead_ref(email));
        Ok(if self.follow_ups.lock().expect("lock").insert(email.key.to_string()) {
            SendOutcome::Accepted { provider_ref }
        } else {
            SendOutcome::AlreadyAccepted { provider_ref }
        })
    }

    async fn find_follow_up(&self, email: &sender::OutboundEmail) -> Result<Option<sender::FoundSend>, ProviderError> {
        let found = self.follow_ups.lock().expect("lock").contains(email.key.as_str());
        Ok(found.then(|| sender::FoundSend { provider_ref: Some(self.lead_ref(email)), key: Some(email.key.to_string()) }))
    }
}

impl Sandbox {
    fn lead_ref(&self, email: &sender::OutboundEmail) -> String {
        let digest = Sha256::digest(format!("{}|{}|{}", self.seed, email.campaign, email.to).as_bytes());
        format!("sbx_{}", hex::encode(&digest[..8]))
    }
}

#[async_trait]
impl SeoSignals for Sandbox {
    fn provider(&self) -> ProviderName {
        self.acting_as
    }

    async fn domain_rank(&self, domain: &str) -> Result<DomainRank, ProviderError> {
        let domain = bare_domain(domain);
        let (key, mut rng) = self.rng("domain-rank", &domain);
        self.transient_failure(key, &mut rng)?;
        if rng.gen_bool(self.profile.no_match_rate) {
            // A site too small to rank for anything: DataForSEO answers with empty metrics.
            return Ok(DomainRank {
                organic_etv: 0.0,
                organic_keywords: 0,
                keywords_top10: 0,
            });
        }
        let size = size_factor(&domain);
        // Log-uniform around the company's size: a 20-person clinic sees tens of visits, a
        // 4,000-person software company tens of thousands.
        let keywords = (10f64.powf(rng.gen_range(0.5..2.0)) * size).round() as u64;
        let top10 = (keywords as f64 * rng.gen_range(0.05..0.35)).round() as u64;
        let etv = ((keywords as f64) * rng.gen_range(0.8..6.0) * 10.0).round() / 10.0;
        Ok(DomainRank {
            organic_etv: etv,
            organic_keywords: keywords,
            keywords_top10: top10,
        })
    }

    async fn backlinks(&self, domain: &str) -> Result<BacklinkSummary, ProviderError> {
        let domain = bare_domain(domain);
        let (key, mut rng) = self.rng("backlinks", &domain);
        self.transient_failure(key, &mut rng)?;
        let size = size_factor(&domain);
        let referring = (10f64.powf(rng.gen_range(0.3..1.6)) * size.sqrt()).round() as u64;
        let backlinks = referring * rng.gen_range(2..40);
        let rank = ((referring as f64).ln_1p() * 45.0).min(1000.0) as u32;
        let spam_score = if rng.gen_bool(0.1) {
            rng.gen_range(30..80)
        } else {
            rng.gen_range(0..20)
        };
        Ok(BacklinkSummary {
            rank,
            backlinks,
            referring_domains: referring,
            spam_score,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Fictional catalog
// ---------------------------------------------------------------------------------------------

struct CatalogEntry {
    name: &'static str,
    domain: &'static str,
    industry: &'static str,
    employees: u32,
    location: (&'static str, &'static str),
}

struct Company {
    name: String,
    domain: String,
    industry: &'static str,
    employees: u32,
    location: (&'static str, &'static str),
}

impl CatalogEntry {
    fn to_company(&self) -> Company {
        Company {
            name: self.name.into(),
            domain: self.domain.into(),
            industry: self.industry,
            employees: self.employees,
            location: self.location,
        }
    }
}

const SYD: (&str, &str) = ("Sydney NSW", "Australia");
const MEL: (&str, &str) = ("Melbourne VIC", "Australia");
const BNE: (&str, &str) = ("Brisbane QLD", "Australia");
const PER: (&str, &str) = ("Perth WA", "Australia");
const ADL: (&str, &str) = ("Adelaide SA", "Australia");
const GC: (&str, &str) = ("Gold Coast QLD", "Australia");
const CBR: (&str, &str) = ("Canberra ACT", "Australia");
const HBA: (&str, &str) = ("Hobart TAS", "Australia");
const AKL: (&str, &str) = ("Auckland", "New Zealand");
const LON: (&str, &str) = ("London", "United Kingdom");
const SIN: (&str, &str) = ("Singapore", "Singapore");
const SFO: (&str, &str) = ("San Francisco CA", "United States");
const AUS: (&str, &str) = ("Austin TX", "United States");
const DUB: (&str, &str) = ("Dublin", "Ireland");
const TOR: (&str, &str) = ("Toronto ON", "Canada");

const COMPANIES: &[CatalogEntry] = &[
    CatalogEntry {
        name: "Koalabyte Software",
        domain: "koalabyte.com.au",
        industry: "computer software",
        employees: 140,
        location: SYD,
    },
    CatalogEntry {
        name: "Harbourline Dental",
        domain: "harbourlinedental.com.au",
        industry: "health care",
        employees: 22,
        location: SYD,
    },
    CatalogEntry {
        name: "Southbank Legal Partners",
        domain: "southbanklegal.com.au",
        industry: "legal services",
        employees: 38,
        location: MEL,
    },
    CatalogEntry {
        name: "Yarra Ridge Solar",
        domain: "yarraridgesolar.com.au",
        industry: "renewables & environment",
        employees: 65,
        location: MEL,
    },
    CatalogEntry {
        name: "Brightwater Physio",
        domain: "brightwaterphysio.com.au",
        industry: "health, wellness & fitness",
        employees: 14,
        location: BNE,
    },
    CatalogEntry {
        name: "Swan River Plumbing Group",
        domain: "swanriverplumbing.com.au",
        industry: "construction",
        employees: 48,
        location: PER,
    },
    CatalogEntry {
        name: "Lumen Ledger Accounting",
        domain: "lumenledger.com.au",
        industry: "accounting",
        employees: 31,
        location: ADL,
    },
    CatalogEntry {
        name: "Saltbush Creative",
        domain: "saltbushcreative.com.au",
        industry: "marketing & advertising",
        employees: 19,
        location: GC,
    },
    CatalogEntry {
        name: "Wattle & Co Property",
        domain: "wattleproperty.com.au",
        industry: "real estate",
        employees: 56,
        location: BNE,
    },
    CatalogEntry {
        name: "Capital Cyber Assurance",
        domain: "capitalcyber.com.au",
        industry: "computer & network security",
        employees: 88,
        location: CBR,
    },
    CatalogEntry {
        name: "Tasman Cold Chain",
        domain: "tasmancoldchain.com.au",
        industry: "logistics & supply chain",
        employees: 210,
        location: HBA,
    },
    CatalogEntry {
        name: "Outback Freight Systems",
        domain: "outbackfreight.com.au",
        industry: "transportation/trucking/railroad",
        employees: 420,
        location: ADL,
    },
    CatalogEntry {
        name: "Bluegum Health Clinics",
        domain: "bluegumhealth.com.au",
        industry: "hospital & health care",
        employees: 310,
        location: MEL,
    },
    CatalogEntry {
        name: "Kookaburra HR",
        domain: "kookaburrahr.com",
        industry: "human resources",
        employees: 760,
        location: SYD,
    },
    CatalogEntry {
        name: "Paydeck",
        domain: "paydeck.io",
        industry: "financial services",
        employees: 1200,
        location: MEL,
    },
    CatalogEntry {
        name: "Coastline Roofing",
        domain: "coastlineroofing.com.au",
        industry: "construction",
        employees: 27,
        location: GC,
    },
    CatalogEntry {
        name: "Northbridge Wealth",
        domain: "northbridgewealth.com.au",
        industry: "financial services",
        employees: 44,
        location: PER,
    },
    CatalogEntry {
        name: "Flinders Learning",
        domain: "flinderslearning.com.au",
        industry: "e-learning",
        employees: 95,
        location: ADL,
    },
    CatalogEntry {
        name: "Gumtree Lane Bakery Co",
        domain: "gumtreelane.com.au",
        industry: "food & beverages",
        employees: 36,
        location: HBA,
    },
    CatalogEntry {
        name: "Kiwiframe Studios",
        domain: "kiwiframe.co.nz",
        industry: "design",
        employees: 24,
        location: AKL,
    },
    CatalogEntry {
        name: "Tidewell Analytics",
        domain: "tidewell.io",
        industry: "information technology & services",
        employees: 180,
        location: LON,
    },
    CatalogEntry {
        name: "Merlion Supply Co",
        domain: "merlionsupply.sg",
        industry: "wholesale",
        employees: 140,
        location: SIN,
    },
    CatalogEntry {
        name: "Foglight Labs",
        domain: "foglightlabs.com",
        industry: "computer software",
        employees: 2400,
        location: SFO,
    },
    CatalogEntry {
        name: "Longhorn Field Services",
        domain: "longhornfield.com",
        industry: "oil & energy",
        employees: 350,
        location: AUS,
    },
    CatalogEntry {
        name: "Liffey Payments",
        domain: "liffeypay.ie",
        industry: "financial services",
        employees: 520,
        location: DUB,
    },
    CatalogEntry {
        name: "Maplewire",
        domain: "maplewire.ca",
        industry: "telecommunications",
        employees: 900,
        location: TOR,
    },
    CatalogEntry {
        name: "Ironbark Consulting",
        domain: "ironbarkconsulting.com.au",
        industry: "management consulting",
        employees: 62,
        location: SYD,
    },
    CatalogEntry {
        name: "Reefside Tourism",
        domain: "reefsidetours.com.au",
        industry: "leisure, travel & tourism",
        employees: 41,
        location: GC,
    },
];

const FIRST_NAMES: &[&str] = &[
    "Olivia",
    "Jack",
    "Charlotte",
    "Noah",
    "Amelia",
    "William",
    "Mia",
    "Oliver",
    "Isla",
    "Lachlan",
    "Chloe",
    "Liam",
    "Sophie",
    "Ethan",
    "Priya",
    "Raj",
    "Wei",
    "Mei",
    "Aroha",
    "Tane",
    "Grace",
    "Hamish",
    "Zara",
    "Mateo",
    "Aisha",
    "Connor",
    "Ruby",
    "Harrison",
    "Ngozi",
    "Siobhan",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Chen",
    "Patel",
    "Kelly",
    "O'Brien",
    "Murphy",
    "Singh",
    "Walker",
    "Harris",
    "Martin",
    "Thompson",
    "White",
    "Ryan",
    "Campbell",
    "Anderson",
    "Lee",
    "Kaur",
    "Rossi",
    "Papadopoulos",
    "Tran",
    "Ngata",
    "MacDonald",
];

const TITLES: &[&str] = &[
    "Co-Founder & CEO",
    "Founder",
    "Managing Director",
    "Head of Growth",
    "Marketing Manager",
    "Head of Marketing",
    "Director of Sales",
    "Chief Operating Officer",
    "VP Sales",
    "Practice Manager",
    "General Manager",
    "Business Development Manager",
    "Operations Manager",
    "Chief Marketing Officer",
    "Head of Partnerships",
    "Principal",
];

const WEBMAIL: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.com",
    "bigpond.com",
    "icloud.com",
];
const DISPOSABLE: &[&str] = &[
    "mailinator.com",
    "10minutemail.com",
    "guerrillamail.com",
    "tempmail.dev",
];

fn pick(list: &[&str], rng: &mut ChaCha8Rng) -> String {
    list.choose(rng).expect("non-empty list").to_string()
}

fn company_by_name(name: &str) -> Option<Company> {
    let n = name.trim().to_lowercase();
    COMPANIES
        .iter()
        .find(|c| c.name.to_lowercase() == n)
        .map(CatalogEntry::to_company)
}

/// A company from the catalog, or one made up from the domain ("swift-dental.com.au" →
/// "Swift Dental") with size and industry drawn from the domain's hash.
fn company_for_domain(domain: &str) -> Company {
    if let Some(c) = COMPANIES.iter().find(|c| c.domain == domain) {
        return c.to_company();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(stable_hash(domain));
    let stem = domain.split('.').next().unwrap_or(domain);
    let name = stem
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let location = if domain.ends_with(".au") {
        *[SYD, MEL, BNE, PER, ADL, GC, CBR, HBA]
            .choose(&mut rng)
            .expect("cities")
    } else if domain.ends_with(".nz") {
        AKL
    } else {
        *[SYD, MEL, LON, SFO, SIN, TOR, DUB, AUS]
            .choose(&mut rng)
            .expect("cities")
    };
    let entry = COMPANIES.choose(&mut rng).expect("catalog");
    Company {
        name: if name.is_empty() { domain.to_string() } else { name },
        domain: domain.to_string(),
        industry: entry.industry,
        employees: [8, 15, 25, 40, 75, 120, 250, 600][rng.gen_range(0..8)],
        location,
    }
}

fn size_factor(domain: &str) -> f64 {
    (company_for_domain(domain).employees as f64).max(5.0)
}

/// One address pattern per domain, as at a real company.
fn email_for(first: &str, last: &str, domain: &str) -> String {
    let (f, l) = (slugify(first).replace('-', ""), slugify(last).replace('-', ""));
    match stable_hash(domain) % 4 {
        0 => format!("{f}.{l}@{domain}"),
        1 => format!("{f}@{domain}"),
        2 => format!("{}{l}@{domain}", f.chars().next().unwrap_or('x')),
        _ => format!("{f}{l}@{domain}"),
    }
}

fn phone_for(country: &str, rng: &mut ChaCha8Rng) -> String {
    match country {
        "Australia" => format!(
            "+61 4{:02} {:03} {:03}",
            rng.gen_range(0..100),
            rng.gen_range(0..1000),
            rng.gen_range(0..1000)
        ),
        "New Zealand" => format!("+64 21 {:03} {:04}", rng.gen_range(0..1000), rng.gen_range(0..10000)),
        "United Kingdom" => format!("+44 7{:03} {:06}", rng.gen_range(0..1000), rng.gen_range(0..1_000_000)),
        // 555-01xx: reserved for fiction in the North American plan.
        "United States" | "Canada" => format!("+1 415 555 01{:02}", rng.gen_range(0..100)),
        _ => format!("+65 8{:03} {:04}", rng.gen_range(0..1000), rng.gen_range(0..10000)),
    }
}

fn slugify(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

fn obfuscate(last: &str) -> String {
    let chars: Vec<char> = last.chars().collect();
    match chars.len() {
        0..=2 => format!("{}***", chars.first().copied().unwrap_or('*')),
        n => format!("{}{}***{}", chars[0], chars[1], chars[n - 1]),
    }
}

fn stable_hash(s: &str) -> u64 {
    let d = Sha256::digest(s.as_bytes());
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_always_gets_the_same_address_pattern() {
        let a = email_for("Olivia", "Chen", "koalabyte.com.au");
        let b = email_for("Jack", "Ryan", "koalabyte.com.au");
        let shape = |e: &str| e.contains('.') && e.split('@').next().unwrap().contains('.');
        assert_eq!(shape(&a), shape(&b));
    }

    #[test]
    fn an_unknown_domain_becomes_a_plausible_company() {
        let c = company_for_domain("swift-dental.com.au");
        assert_eq!(c.name, "Swift Dental");
        assert_eq!(c.location.1, "Australia");
    }

    #[test]
    fn surnames_are_obfuscated_like_apollo_does() {
        assert_eq!(obfuscate("Huberman"), "Hu***n");
    }
}
