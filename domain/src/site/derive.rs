//! From what the agency's site says to whom it should prospect (SPEC §12, §4): industries,
//! company sizes, places, buyers' titles and seniorities, their pains, filters that must hold
//! and preferences that only rank, exclusions, and ALS weights with a reason each.

use super::extract::{has_words, service_categories, squash};
use super::vocab::{self, ServiceCategory};
use super::{Provenance, SiteProfile};
use crate::icp::{Seniority, WorkspaceIcp, MAX_KEYWORDS};
use crate::score::{RawWeights, Weights};
use crate::score::Icp;
use serde::{Deserialize, Serialize};

/// Company-size bands, as Apollo's employee ranges.
pub const SIZE_BANDS: &[(&str, u32, u32)] = &[
    ("1-10", 1, 10),
    ("11-50", 11, 50),
    ("51-200", 51, 200),
    ("201-500", 201, 500),
    ("501-1000", 501, 1000),
    ("1001-5000", 1001, 5000),
    ("5001+", 5001, crate::icp::MAX_EMPLOYEES),
];

/// One suggested weight and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightReason {
    pub component: String,
    pub weight: f64,
    pub reason: String,
}

/// The profile derived from the site, to be confirmed (and edited) by a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IcpDraft {
    pub industries: Vec<String>,
    pub company_sizes: Vec<String>,
    pub employees_min: u32,
    pub employees_max: u32,
    pub locations: Vec<String>,
    pub titles: Vec<String>,
    pub seniorities: Vec<Seniority>,
    pub pain_points: Vec<String>,
    pub keywords: Vec<String>,
    /// What a lead must match (a search filter).
    pub hard_filters: Vec<String>,
    /// What only ranks leads higher.
    pub soft_preferences: Vec<String>,
    pub exclusions: Vec<String>,
    pub weights: RawWeights,
    pub weight_reasons: Vec<WeightReason>,
    pub notes: Vec<String>,
}

impl IcpDraft {
    /// The profile the scorer and the people search use.
    pub fn to_workspace_icp(&self) -> WorkspaceIcp {
        WorkspaceIcp {
            scoring: Icp {
                industries: self.industries.iter().take(crate::icp::MAX_VALUES).cloned().collect(),
                employees_min: self.employees_min,
                employees_max: self.employees_max,
                locations: self.locations.iter().take(crate::icp::MAX_VALUES).cloned().collect(),
            },
            job_titles: self.titles.iter().take(crate::icp::MAX_VALUES).cloned().collect(),
            seniorities: self.seniorities.clone(),
            keywords: self.keywords.iter().take(MAX_KEYWORDS).cloned().collect(),
        }
    }
}

fn titles_for(c: ServiceCategory) -> &'static [&'static str] {
    use ServiceCategory::*;
    match c {
        Seo | Content | Social | PaidMedia | Email | Strategy | Analytics => &["Head of Marketing", "Marketing Director", "Chief Marketing Officer", "Digital Marketing Manager"],
        Web | Apps => &["Head of Digital", "Marketing Director", "Chief Technology Officer", "Product Manager"],
        Ecommerce => &["Head of E-commerce", "E-commerce Manager", "Head of Marketing"],
        Branding | Pr | Video | Events => &["Chief Marketing Officer", "Brand Manager", "Head of Communications", "Marketing Director"],
        LeadGen => &["Head of Sales", "VP Sales", "Sales Director", "Head of Growth"],
    }
}

fn pains_for(c: ServiceCategory) -> &'static [&'static str] {
    use ServiceCategory::*;
    match c {
        Seo => &["Low visibility in organic search", "Competitors outrank them for their key services"],
        PaidMedia => &["Rising cost per lead from paid ads", "Ad spend without clear return"],
        Social => &["Social channels that do not turn into customers"],
        Content => &["No steady content engine to attract buyers"],
        Email => &["Leads that go cold without nurturing"],
        Web => &["An outdated website that does not convert visitors"],
        Apps => &["Digital products that are slow to ship"],
        Ecommerce => &["Online store conversion and repeat purchases below target"],
        Branding => &["A brand that looks like everyone else's"],
        Pr => &["Little press coverage or share of voice"],
        Video => &["No video content for the channels buyers use"],
        Strategy => &["Marketing without a clear plan or measurable growth"],
        Analytics => &["No reliable data on which marketing works"],
        LeadGen => &["Not enough qualified pipeline for the sales team"],
        Events => &["Events and activations that are hard to measure"],
    }
}

/// The country a place is in ("Brisbane" → "Australia"); countries map to themselves.
fn country_of(place: &str) -> Option<&'static str> {
    vocab::COUNTRIES
        .iter()
        .find(|(c, aliases)| c.eq_ignore_ascii_case(place) || aliases.iter().any(|a| a.eq_ignore_ascii_case(place)))
        .map(|(c, _)| *c)
        .or_else(|| vocab::PLACES.iter().find(|(p, _)| p.eq_ignore_ascii_case(place)).map(|(_, c)| *c))
}

fn any_said(signals: &[String], phrases: &[&str]) -> Option<String> {
    phrases.iter().find(|p| signals.iter().any(|s| has_words(s, p))).map(|p| p.to_string())
}

/// Derives the draft profile. `site_domain` is the agency's registrable domain.
pub fn derive_icp(profile: &SiteProfile, site_domain: &str) -> IcpDraft {
    let mut notes = Vec::new();
    let mut hard = Vec::new();
    let mut soft = Vec::new();
    let signals = &profile.signals;

    // What the agency sells decides whom it sells to.
    let mut cats: Vec<ServiceCategory> = profile.services.iter().flat_map(|s| service_categories(&s.value)).collect();
    if cats.is_empty() {
        if let Some(vp) = &profile.value_proposition {
            cats = service_categories(&vp.value);
        }
    }
    // "marketing" / "design" alone are too broad to pick buyers when anything narrower is named.
    cats.sort();
    cats.dedup();
    if cats.len() > 1 {
        cats.retain(|c| *c != ServiceCategory::Strategy);
    }
    if cats.is_empty() {
        cats.push(ServiceCategory::Strategy);
        notes.push("No services recognised on the site: buyers default to marketing leaders.".into());
    }

    // Company sizes: what the site says about its clients, else the agency's own size.
    let small = any_said(signals, &["small business", "small businesses", "smes", "sme", "smbs", "small and medium", "local business", "local businesses", "sole traders", "tradies", "startups", "start-ups", "founders", "family businesses", "independent businesses"]);
    let mid = any_said(signals, &["mid-sized", "mid-size", "mid-market", "medium-sized", "scale-ups", "scaleups", "growing businesses", "growing brands", "ambitious businesses", "ambitious brands"]);
    let large = any_said(signals, &["enterprise", "enterprises", "fortune 500", "global brands", "multinational", "multinationals", "ftse", "asx 200", "asx-listed", "large organisations", "large organizations", "corporates", "household names", "blue-chip"]);
    let (min, max, why) = match (&small, &mid, &large) {
        (Some(s), None, None) => (1, 50, Some(s.clone())),
        (Some(s), Some(_), None) => (1, 200, Some(s.clone())),
        (None, Some(m), None) => (11, 500, Some(m.clone())),
        (None, Some(m), Some(_)) => (51, 5000, Some(m.clone())),
        (None, None, Some(l)) => (201, crate::icp::MAX_EMPLOYEES, Some(l.clone())),
        (Some(s), _, Some(_)) => (11, 1000, Some(s.clone())),
        (None, None, None) => match profile.team_size.as_ref().map(|t| t.value) {
            Some(n) if n > 50 => (51, 5000, None),
            Some(n) if n > 15 => (11, 500, None),
            _ => (11, 200, None),
        },
    };
    let company_sizes: Vec<String> = SIZE_BANDS.iter().filter(|(_, lo, hi)| *hi >= min && *lo <= max).map(|(b, _, _)| b.to_string()).collect();
    let size_text = format!("company size {}", company_sizes.join(", "));
    match &why {
        Some(w) => hard.push(format!("{size_text} employees (the site says \"{w}\")")),
        None => {
            soft.push(format!("{size_text} employees (inferred from the agency's own size)"));
            notes.push("Company size inferred: the site does not say how big its clients are.".into());
        }
    }

    // Industries: the ones served; an agency is never its own buyer.
    let industries: Vec<String> = profile.industries_served.iter().map(|i| i.value.clone()).collect();
    if industries.is_empty() {
        notes.push("No industries named on the site: the profile leaves industry open.".into());
    } else {
        soft.push(format!("industries: {}", industries.join(", ")));
    }

    // Places: the agency's countries; a site that sells worldwide gets no location filter.
    let mut locations: Vec<String> = Vec::new();
    for l in &profile.locations {
        if let Some(c) = country_of(&l.value) {
            if !locations.iter().any(|x| x == c) {
                locations.push(c.to_string());
            }
        }
    }
    let global = any_said(signals, &["worldwide", "around the world", "across the globe", "global clients", "clients globally", "international clients", "internationally"]);
    let local = any_said(signals, &["local businesses", "local business", "locally owned", "in your area"]);
    if let Some(g) = &global {
        notes.push(format!("The site says it works \"{g}\": location is a preference, not a filter."));
    }
    if !locations.is_empty() {
        let text = format!("located in {}", locations.join(", "));
        if local.is_some() && global.is_none() {
            hard.push(format!("{text} (the site serves local businesses)"));
        } else {
            soft.push(text);
        }
    }

    // Buyers.
    let mut titles: Vec<String> = Vec::new();
    if max <= 200 {
        titles.extend(["Founder", "Chief Executive Officer", "Managing Director", "Owner"].map(String::from));
    }
    for c in &cats {
        for t in titles_for(*c) {
            if !titles.iter().any(|x| x == t) {
                titles.push(t.to_string());
            }
        }
    }
    titles.truncate(10);
    let seniorities = if max <= 50 {
        vec![Seniority::Owner, Seniority::Founder, Seniority::CSuite]
    } else if max <= 500 {
        vec![Seniority::Founder, Seniority::CSuite, Seniority::Vp, Seniority::Head, Seniority::Director]
    } else {
        vec![Seniority::CSuite, Seniority::Vp, Seniority::Head, Seniority::Director, Seniority::Manager]
    };
    soft.push(format!("buyers: {}", titles.iter().take(4).cloned().collect::<Vec<_>>().join(", ")));
    let mut pain_points: Vec<String> = Vec::new();
    for c in &cats {
        for p in pains_for(*c) {
            if pain_points.len() < 8 && !pain_points.iter().any(|x| x == p) {
                pain_points.push(p.to_string());
            }
        }
    }

    // Keywords narrow a search (Apollo ANDs them), so only the few industries served.
    let keywords: Vec<String> = profile.industries_served.iter().filter(|i| i.provenance == Provenance::Stated).take(3).map(|i| i.value.to_lowercase()).collect();

    let mut exclusions = vec![site_domain.to_string()];
    if let Some(n) = &profile.company_name {
        if squash(&n.value) != squash(site_domain) {
            exclusions.push(n.value.clone());
        }
    }
    exclusions.push("Marketing & Advertising agencies (look-alike competitors)".into());
    hard.push(format!("not {site_domain} itself, nor marketing and advertising agencies"));

    // Weights: the scorer's defaults, moved where the site gives reason to.
    let d = Weights::DEFAULT.as_array();
    let (mut dq, mut au, mut cf, ti, ri) = (d[0], d[1], d[2], d[3], d[4]);
    let mut reasons = Vec::new();
    let n_ind = industries.len();
    let cf_reason = if (1..=4).contains(&n_ind) {
        cf += 0.05;
        format!("The site names {n_ind} industr{} it serves, so industry fit separates good leads.", if n_ind == 1 { "y" } else { "ies" })
    } else if n_ind == 0 {
        cf -= 0.05;
        dq += 0.05;
        "No industries named on the site, so company fit says less than usual.".to_string()
    } else {
        "Many industries served: company fit keeps its default share.".to_string()
    };
    let au_reason = if max <= 200 {
        au += 0.05;
        "Clients are small companies, where the founder or owner decides: reaching them matters most.".to_string()
    } else {
        "Marketing leaders buy agency services: authority keeps its default share.".to_string()
    };
    let raw = RawWeights { data_quality: dq, authority: au, company_fit: cf, timing: ti, risk: ri };
    let w = Weights::normalised(raw).unwrap_or(Weights::DEFAULT).as_array().map(|x| (x * 1000.0).round() / 1000.0);
    let weights = RawWeights { data_quality: w[0], authority: w[1], company_fit: w[2], timing: w[3], risk: w[4] };
    let dq_reason = if n_ind == 0 { "Verified, complete contact data counts for more while fit is open." } else { "Verified emails protect the sending reputation." };
    for (component, weight, reason) in [
        ("data_quality", weights.data_quality, dq_reason.to_string()),
        ("authority", weights.authority, au_reason),
        ("company_fit", weights.company_fit, cf_reason),
        ("timing", weights.timing, "The site shows no buying-timing signals: default share.".to_string()),
        ("risk", weights.risk, "Default guard against bounces, complaints and suppressed contacts.".to_string()),
    ] {
        reasons.push(WeightReason { component: component.into(), weight, reason });
    }

    IcpDraft {
        industries,
        company_sizes,
        employees_min: min,
        employees_max: max,
        locations,
        titles,
        seniorities,
        pain_points,
        keywords,
        hard_filters: hard,
        soft_preferences: soft,
        exclusions,
        weights,
        weight_reasons: reasons,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::Sourced;

    #[test]
    fn a_small_business_seo_agency_targets_owners_and_marketers_and_excludes_itself() {
        let profile = SiteProfile {
            company_name: Some(Sourced::stated("Northwind Digital".into(), "https://northwind.example/")),
            services: vec![Sourced::stated("SEO".into(), "u"), Sourced::stated("Google Ads".into(), "u")],
            industries_served: vec![Sourced::stated("Healthcare".into(), "u")],
            locations: vec![Sourced::stated("Brisbane".into(), "u")],
            signals: vec!["we help small businesses grow".into()],
            ..Default::default()
        };
        let d = derive_icp(&profile, "northwind.example");
        assert_eq!(d.company_sizes, vec!["1-10", "11-50"]);
        assert_eq!(d.locations, vec!["Australia"]);
        assert!(d.titles.contains(&"Founder".to_string()) && d.titles.contains(&"Head of Marketing".to_string()));
        assert!(d.exclusions.contains(&"northwind.example".to_string()) && d.exclusions.contains(&"Northwind Digital".to_string()));
        let sum = d.weights.data_quality + d.weights.authority + d.weights.company_fit + d.weights.timing + d.weights.risk;
        assert!((sum - 1.0).abs() < 0.01, "{sum}");
        assert!(d.weights.company_fit > Weights::DEFAULT.as_array()[2]);
        assert_eq!(d.weight_reasons.len(), 5);
        assert!(d.hard_filters.iter().any(|h| h.contains("small businesses")));
        assert!(d.pain_points.iter().any(|p| p.contains("organic search")));
        let icp = d.to_workspace_icp();
        assert_eq!((icp.scoring.employees_min, icp.scoring.employees_max), (1, 50));
    }
}
