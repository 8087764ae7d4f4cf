//! From an agency's pages to what they say: its name, services, promise, clients, industries,
//! size and places. Built for real agency sites: menus called "What we do", case studies as
//! the only list of clients, logos whose alt text is the only place a client is named, themes
//! that still carry "John Doe" testimonials. Every value keeps the page it came from and
//! whether the site stated it or it was worked out.

use super::vocab::{self, ServiceCategory};
use super::{Block, BlockKind, Client, ClientEvidence, PageDoc, PageKind, Provenance, SiteProfile, Sourced};
use regex::Regex;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// Most services, clients, industries and places kept.
pub const MAX_SERVICES: usize = 15;
pub const MAX_CLIENTS: usize = 40;
pub const MAX_INDUSTRIES: usize = 8;
pub const MAX_LOCATIONS: usize = 6;

/// Reads what the pages say. `site_domain` is the site's registrable domain (`agency.com.au`).
pub fn extract(pages: &[PageDoc], site_domain: &str) -> SiteProfile {
    let company_name = company_name(pages, site_domain);
    let agency = company_name.as_ref().map(|c| squash(&c.value)).unwrap_or_default();
    let (value_proposition, taglines) = promise(pages);
    let signals = pages
        .iter()
        .flat_map(|p| p.blocks.iter().filter(|b| !b.in_nav && b.kind != BlockKind::Link).map(|b| b.text.to_lowercase()))
        .chain(pages.iter().filter_map(|p| p.meta_description.as_ref().map(|d| d.to_lowercase())))
        .collect();
    SiteProfile {
        services: services(pages),
        clients: clients(pages, site_domain, &agency),
        industries_served: industries(pages),
        team_size: team_size(pages),
        locations: locations(pages),
        company_name,
        value_proposition,
        taglines,
        signals,
    }
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/// Lower-case letters and digits only: how names are compared ("Northwind Co." = "northwindco").
pub(crate) fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A name compared without its legal suffix ("Northwind Pty Ltd" = "Northwind").
fn name_key(s: &str) -> String {
    let mut words: Vec<String> = s.split_whitespace().map(squash).filter(|w| !w.is_empty()).collect();
    while words.len() > 1
        && matches!(words.last().map(String::as_str), Some("inc" | "ltd" | "llc" | "pty" | "limited" | "co" | "corp" | "plc" | "gmbh" | "group" | "company" | "corporation" | "the"))
    {
        words.pop();
    }
    words.concat()
}

/// Whether `needle` (lower case) occurs in `hay` (lower case) as whole words.
pub(crate) fn has_words(hay: &str, needle: &str) -> bool {
    let mut start = 0;
    while let Some(i) = hay[start..].find(needle) {
        let at = start + i;
        let end = at + needle.len();
        let before = hay[..at].chars().next_back();
        let after = hay[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return true;
        }
        start = at + hay[at..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

/// Splits a page title into its parts: "Northwind | SEO Agency Brisbane".
fn title_parts(title: &str) -> Vec<String> {
    let mut parts = vec![title.to_string()];
    for sep in [" | ", " – ", " — ", " - ", " · ", " :: ", " // ", ": ", " » "] {
        parts = parts.iter().flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>()).collect();
    }
    parts.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

/// The host of an absolute URL without `www.`.
pub(crate) fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?.to_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string()).filter(|h| !h.is_empty())
}

fn path_of(url: &str) -> String {
    url.split_once("://").map(|(_, r)| r).and_then(|r| r.find('/').map(|i| r[i..].to_string())).unwrap_or_else(|| "/".into())
}

/// Links to these say nothing about a client.
fn is_social_or_tool_host(host: &str) -> bool {
    const HOSTS: &[&str] = &[
        "facebook.com", "twitter.com", "x.com", "linkedin.com", "instagram.com", "youtube.com", "youtu.be", "tiktok.com",
        "pinterest.com", "behance.net", "dribbble.com", "vimeo.com", "google.com", "goo.gl", "apple.com", "github.com",
        "medium.com", "wa.me", "whatsapp.com", "t.me", "clutch.co", "maps.app.goo.gl", "calendly.com", "hubspot.com",
        "wordpress.org", "wordpress.com", "wix.com", "squarespace.com", "webflow.io", "shopify.com", "threads.net",
        "bsky.app", "designrush.com", "goodfirms.co", "trustpilot.com", "awwwards.com",
    ];
    HOSTS.iter().any(|h| host == *h || host.ends_with(&format!(".{h}")))
}

fn heading_says(b: &Block, words: &[&str]) -> bool {
    b.heading.as_ref().is_some_and(|h| {
        let h = h.to_lowercase();
        words.iter().any(|w| h.contains(w))
    })
}

fn hints_say(b: &Block, words: &[&str]) -> bool {
    words.iter().any(|w| b.hints.contains(w))
}

const SERVICE_HEADINGS: &[&str] = &[
    "what we do", "services", "capabilities", "expertise", "solutions", "what we offer", "how we help", "how we can help",
    "specialis", "specializ", "disciplines", "our offer", "we can help", "we do",
];
const CLIENT_HEADINGS: &[&str] = &[
    "clients", "brands we", "trusted by", "who we work with", "who we've worked with", "we've worked with",
    "we have worked with", "worked with", "our customers", "partnered with", "proud to work with", "some of our",
    "brands that", "companies that", "as seen", "loved by", "used by", "join ", "in good company",
];
const TESTIMONIAL_HEADINGS: &[&str] =
    &["testimonial", "clients say", "what people say", "kind words", "reviews", "don't take our word", "hear from", "client love", "feedback"];
const INDUSTRY_HEADINGS: &[&str] =
    &["industries", "sectors", "who we serve", "who we help", "who we work with", "markets", "verticals", "we specialise in", "we specialize in", "industry expertise"];
const TEAM_HEADINGS: &[&str] = &["team", "our people", "meet the", "leadership", "who we are", "the crew", "founders"];

fn services_context(p: &PageDoc, b: &Block) -> bool {
    matches!(p.kind, PageKind::Services | PageKind::Service) || heading_says(b, SERVICE_HEADINGS) || hints_say(b, &["service", "capabilit", "what-we-do", "expertise"])
}

fn clients_context(p: &PageDoc, b: &Block) -> bool {
    p.kind == PageKind::Clients || heading_says(b, CLIENT_HEADINGS) || hints_say(b, &["client", "logo", "brands", "partner", "trusted", "customers"])
}

fn testimonial_context(b: &Block) -> bool {
    heading_says(b, TESTIMONIAL_HEADINGS) || hints_say(b, &["testimonial", "review", "quote", "feedback", "kind-words"])
}

fn work_context(b: &Block) -> bool {
    // Whole class words only: "case" is inside "uppercase".
    heading_says(b, &["work", "case stud", "projects", "portfolio"])
        || b.hints.split_whitespace().any(|t| ["case-stud", "casestud", "case_stud", "project", "portfolio", "work-item", "work-card", "work-tile", "work__", "case-card", "cases"].iter().any(|w| t.contains(w)))
}

/// Badges and platforms an agency shows beside its clients' logos: partner programmes, awards,
/// review sites, the tools it uses. Never a client.
fn is_badge(name: &str) -> bool {
    let l = name.to_lowercase();
    const WORDS: &[&str] = &["partner", "certified", "certification", "award", "awards", "premier", "badge", "accredited", "member of", "winner", "finalist", "rated", "reviews", "verified", "agency of the year"];
    const TOOLS: &[&str] = &[
        "google", "google ads", "google analytics", "meta", "facebook", "instagram", "linkedin", "tiktok", "youtube", "hubspot",
        "shopify", "shopify plus", "clutch", "semrush", "ahrefs", "microsoft advertising", "bing", "amazon ads", "yelp",
        "trustpilot", "wordpress", "webflow", "klaviyo", "mailchimp", "salesforce", "moz", "x", "twitter", "pinterest",
        "snapchat", "bigcommerce", "woocommerce", "magento", "adobe", "figma", "upwork", "designrush", "goodfirms", "awwwards",
    ];
    WORDS.iter().any(|w| has_words(&l, w)) || TOOLS.contains(&l.as_str())
}

fn industries_context(p: &PageDoc, b: &Block) -> bool {
    p.kind == PageKind::Industries || heading_says(b, INDUSTRY_HEADINGS) || hints_say(b, &["industr", "sector"])
}

fn team_context(p: &PageDoc, b: &Block) -> bool {
    p.kind == PageKind::Team || heading_says(b, TEAM_HEADINGS) || hints_say(b, &["team", "member", "staff", "person", "people", "bio"])
}

/// Calls to action, section titles and chrome that are never a service, client or industry.
fn is_generic(text: &str) -> bool {
    let t = text.trim().to_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric());
    const STARTS: &[&str] = &[
        "our ", "why ", "how ", "what ", "who ", "get ", "let's ", "lets ", "ready", "we ", "we'", "contact", "learn",
        "read ", "view ", "see ", "discover", "explore", "find ", "meet ", "join ", "start", "book ", "call ", "request",
        "download", "subscribe", "follow", "sign ", "back to", "next", "previous", "more ", "all ", "home", "menu",
        "skip ", "click", "watch", "check ", "send", "submit", "talk", "chat", "get in", "i ", "you", "your ", "see all",
        "toggle", "close", "open ", "scroll", "load more", "show ", "go to", "visit", "case stud", "featured", "latest",
        "recent", "selected", "copyright", "©", "privacy", "terms", "cookie", "related", "share", "tags", "categories",
    ];
    const EXACT: &[&str] = &[
        "services", "service", "about", "about us", "work", "portfolio", "projects", "clients", "team", "contact us", "blog",
        "news", "careers", "overview", "testimonials", "faq", "faqs", "process", "approach", "results", "the challenge",
        "the solution", "the results", "challenge", "solution", "outcome", "outcomes", "the brief", "brief", "the outcome",
        "industries", "sectors", "capabilities", "expertise", "solutions", "insights", "resources", "company", "agency",
        "x", "instagram", "linkedin", "facebook", "twitter", "youtube", "email", "phone", "address", "location",
        "locations", "office", "offices", "hours", "client", "year", "role", "deliverables", "scope", "sector", "industry",
        "website", "services provided", "project", "brand", "brands", "partners", "awards", "press", "thank you", "success",
        "all", "filter", "filters", "view", "next", "prev", "previous", "close", "search", "submit", "enquire", "menu", "top",
        "work with us", "careers", "join us", "hire us", "more", "details", "info", "information", "share this", "the team",
    ];
    t.is_empty() || EXACT.contains(&t) || STARTS.iter().any(|s| t.starts_with(s))
}

/// A short text naming something (a service, a client, an industry), not a sentence.
fn is_label(text: &str, max_words: usize) -> bool {
    let t = text.trim();
    let n = words(t);
    n >= 1
        && n <= max_words
        && t.chars().count() <= 60
        && !t.ends_with(['?', '!', ':'])
        && !(t.ends_with('.') && n > 3)
        && !t.contains(['{', '}', '<', '>', '@', '='])
        && !t.starts_with("http")
        && !is_generic(t)
        && !vocab::is_placeholder(t)
}

/// The service categories `text` names.
pub(crate) fn service_categories(text: &str) -> Vec<ServiceCategory> {
    let t = text.to_lowercase();
    let mut out: Vec<ServiceCategory> = vocab::SERVICE_WORDS.iter().filter(|(w, _)| has_words(&t, w)).map(|(_, c)| *c).collect();
    out.sort();
    out.dedup();
    out
}

/// Whether every word of `text` is a service word or a connector ("Brand & Digital Strategy").
fn only_service_words(text: &str) -> bool {
    let t = text.to_lowercase();
    t.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).all(|w| {
        matches!(w, "and" | "&" | "of" | "the" | "for" | "digital" | "online" | "services" | "agency" | "studio" | "case" | "study" | "project" | "campaign" | "new" | "launch" | "redesign" | "rebrand" | "platform" | "management" | "optimisation" | "optimization" | "strategy" | "design" | "development" | "marketing")
            || vocab::SERVICE_WORDS.iter().any(|(s, _)| *s == w)
    })
}

// ---------------------------------------------------------------------------------------------
// Company name

fn is_org_type(v: &serde_json::Value) -> bool {
    let ty = |s: &str| {
        let s = s.rsplit('/').next().unwrap_or(s);
        s.ends_with("Organization") || s.ends_with("Business") || s.ends_with("Agency") || s == "ProfessionalService" || s == "Corporation" || s == "LocalBusiness"
    };
    match &v["@type"] {
        serde_json::Value::String(s) => ty(s),
        serde_json::Value::Array(a) => a.iter().any(|t| t.as_str().is_some_and(ty)),
        _ => false,
    }
}

fn company_name(pages: &[PageDoc], site_domain: &str) -> Option<Sourced<String>> {
    let home = pages.iter().find(|p| p.kind == PageKind::Home).or(pages.first())?;
    let label = squash(site_domain.split('.').next().unwrap_or(site_domain));
    // "Tidewater Digital – Brisbane SEO Agency" as a site name: the part naming the domain,
    // else the first part.
    let clean = |s: &str| {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let parts = title_parts(&s);
        if parts.len() < 2 {
            return s;
        }
        parts.iter().find(|p| squash(p) == label || (squash(p).len() >= 3 && label.contains(&squash(p)))).cloned().unwrap_or_else(|| parts[0].clone())
    };
    let usable = |s: &str| !s.is_empty() && s.chars().count() <= 80 && words(s) <= 8 && !vocab::is_placeholder(s);
    for p in pages {
        for v in &p.json_ld {
            if is_org_type(v) {
                if let Some(n) = v["name"].as_str().map(clean).filter(|n| usable(n)) {
                    return Some(Sourced::stated(n, &p.url));
                }
            }
        }
    }
    if let Some(n) = home.og_site_name.as_deref().map(clean).filter(|n| usable(n)) {
        return Some(Sourced::stated(n, &home.url));
    }
    // The title part that matches the domain: "Home | Northwind Digital" on northwind.com.au.
    let mut parts: Vec<String> = title_parts(&home.title);
    parts.extend(home.og_title.iter().flat_map(|t| title_parts(t)));
    let matches_domain = |p: &String| {
        let s = squash(p);
        !s.is_empty() && !label.is_empty() && (s == label || (s.len() >= 3 && label.contains(&s)) || (label.len() >= 3 && s.contains(&label) && words(p) <= 5))
    };
    if let Some(p) = parts.iter().filter(|p| matches_domain(p)).max_by_key(|p| squash(p).len()) {
        return Some(Sourced::stated(p.clone(), &home.url));
    }
    // The logo's alt text in the header.
    for b in home.blocks.iter().filter(|b| b.kind == BlockKind::Image && (b.in_nav || b.hints.contains("logo"))) {
        let alt = strip_logo_words(&b.text);
        if usable(&alt) && matches_domain(&alt) {
            return Some(Sourced::stated(alt, &home.url));
        }
    }
    // A multi-part title's brand is usually its shortest part that is no tagline.
    if parts.len() > 1 {
        if let Some(p) = parts.iter().filter(|p| words(p) <= 3 && !is_generic(p) && !p.eq_ignore_ascii_case("home")).min_by_key(|p| words(p)) {
            return Some(Sourced::inferred(p.clone(), &home.url));
        }
    }
    let label_raw = site_domain.split('.').next().unwrap_or(site_domain);
    let name = label_raw.split(['-', '_']).filter(|w| !w.is_empty()).map(title_case).collect::<Vec<_>>().join(" ");
    (!name.is_empty()).then(|| Sourced::inferred(name, &home.url))
}

fn title_case(w: &str) -> String {
    let mut c = w.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// "Northwind logo" / "logo-northwind.svg" → "Northwind".
fn strip_logo_words(alt: &str) -> String {
    let mut t = alt.trim().to_string();
    // An alt that is a file slug ("harbour-bank-logo"): its words, capitalised.
    if !t.contains(' ') && t.contains(['-', '_']) && t.chars().all(|c| !c.is_uppercase()) {
        t = t.split(['-', '_']).filter(|w| !w.is_empty()).map(title_case).collect::<Vec<_>>().join(" ");
    }
    for ext in [".png", ".svg", ".jpg", ".jpeg", ".webp", ".gif", ".avif"] {
        if t.to_lowercase().ends_with(ext) {
            t.truncate(t.len() - ext.len());
        }
    }
    let t = t.replace(['_'], " ");
    let kept: Vec<&str> = t
        .split_whitespace()
        .filter(|w| {
            let l = w.to_lowercase();
            let l = l.trim_matches(|c: char| !c.is_alphanumeric());
            !matches!(l, "logo" | "logos" | "logotype" | "of" | "client" | "brand" | "icon" | "image" | "wordmark" | "white" | "black" | "color" | "colour" | "mono" | "dark" | "light")
        })
        .collect();
    kept.join(" ").trim_matches(|c: char| c == '-' || c == '|' || c == ':' || c.is_whitespace()).to_string()
}

// ---------------------------------------------------------------------------------------------
// Value proposition and taglines

fn promise(pages: &[PageDoc]) -> (Option<Sourced<String>>, Vec<Sourced<String>>) {
    let Some(home) = pages.iter().find(|p| p.kind == PageKind::Home).or(pages.first()) else {
        return (None, Vec::new());
    };
    let good = |t: &str| {
        let n = words(t);
        let l = t.to_lowercase();
        (2..=30).contains(&n) && !vocab::is_placeholder(t) && !["welcome", "home", "menu", "skip to", "cookie"].iter().any(|w| l.starts_with(w))
    };
    let content = || home.blocks.iter().filter(|b| !b.in_nav && !b.in_footer);
    let h1 = content().find(|b| b.kind == BlockKind::Heading && b.level == 1).map(|b| b.text.clone()).filter(|t| good(t));
    let first_h2 = content().find(|b| b.kind == BlockKind::Heading && b.level == 2).map(|b| b.text.clone()).filter(|t| good(t) && words(t) <= 20);
    let meta = home.meta_description.clone().filter(|d| good(d)).map(|d| first_sentence(&d));
    let mut taglines: Vec<Sourced<String>> = Vec::new();
    for t in [h1.clone(), first_h2, meta.clone()].into_iter().flatten() {
        if !taglines.iter().any(|x| squash(&x.value) == squash(&t)) {
            taglines.push(Sourced::stated(t, &home.url));
        }
    }
    // A heading of three words or more says what the agency promises; a shorter one is
    // usually a name ("Northwind"), so the description says it better.
    let vp = h1.filter(|t| words(t) >= 3).or(meta).or_else(|| taglines.first().map(|t| t.value.clone()));
    (vp.map(|v| Sourced::stated(v, &home.url)), taglines)
}

fn first_sentence(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().find(|(i, c)| matches!(c, '.' | '!' | '?') && s[i + 1..].starts_with(' ') && *i > 20) {
        Some((i, c)) => format!("{}{}", &s[..i], c),
        None => s.chars().take(240).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Services

fn services(pages: &[PageDoc]) -> Vec<Sourced<String>> {
    let mut out: Vec<Sourced<String>> = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |text: &str, url: &str, out: &mut Vec<Sourced<String>>| {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = squash(t.trim_end_matches(" Services").trim_end_matches(" services"));
        if out.len() < MAX_SERVICES && !key.is_empty() && seen.insert(key) {
            out.push(Sourced::stated(t, url));
        }
    };
    // 1. The menu: items under "Services" / "What we do", or linking to a service's page.
    for p in pages {
        for b in p.blocks.iter().filter(|b| b.kind == BlockKind::Link && b.in_nav) {
            let under_services = b.menu.as_deref().and_then(super::link_text_kind) == Some(PageKind::Services);
            let to_service = b.href.as_deref().is_some_and(|h| super::classify_page(&path_of(h), "") == PageKind::Service);
            if (under_services || to_service) && is_label(&b.text, 6) && super::link_text_kind(&b.text).is_none() {
                push(&b.text, &p.url, &mut out);
            }
        }
    }
    // 2. A service's own page: its main heading.
    for p in pages.iter().filter(|p| p.kind == PageKind::Service) {
        if let Some(b) = p.blocks.iter().find(|b| !b.in_nav && b.kind == BlockKind::Heading && b.level == 1) {
            if is_label(&b.text, 6) {
                push(&b.text, &p.url, &mut out);
            }
        }
    }
    // 3. Headings and list items in a services section, when they name a service.
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav && !b.in_footer) {
            let candidate = matches!(b.kind, BlockKind::Heading if b.level >= 2)
                || matches!(b.kind, BlockKind::ListItem | BlockKind::Term)
                || (b.kind == BlockKind::Link && p.kind == PageKind::Services);
            if candidate && services_context(p, b) && is_label(&b.text, 6) && !service_categories(&b.text).is_empty() {
                push(&b.text, &p.url, &mut out);
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Clients

fn name_like(text: &str) -> bool {
    let t = text.trim();
    is_label(t, 6)
        && t.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        && !t.contains(['.', '!', '?']) | t.ends_with("Co.") | t.ends_with("Inc.") | t.contains(".com") | t.contains(".io")
        && !only_service_words(t)
        && !vocab::PLACES.iter().any(|(p, _)| p.eq_ignore_ascii_case(t))
        && !vocab::COUNTRIES.iter().any(|(c, _)| c.eq_ignore_ascii_case(t))
}

/// Words that start a capitalised run of a name: "Northwind", "3M", "de", "&".
fn capital_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for w in text.split_whitespace() {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
        let cap = bare.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit());
        let joiner = !cur.is_empty() && matches!(bare, "&" | "and" | "of" | "de" | "the" | "for");
        if cap || joiner {
            cur.push(bare);
            if w.ends_with([',', ':', ';', '.', '!', '?']) || w.ends_with("’s") || w.ends_with("'s") {
                runs.push(cur.join(" "));
                cur.clear();
            }
        } else if !cur.is_empty() {
            runs.push(cur.join(" "));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        runs.push(cur.join(" "));
    }
    runs.into_iter()
        .map(|r| r.trim_end_matches(" and").trim_end_matches(" of").trim_end_matches(" for").trim_end_matches(" the").trim_end_matches("’s").trim_end_matches("'s").to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

/// The client a case study's title names: "Northwind: a brand for the cloud", "How we helped
/// Blue Fern Dental double bookings", "Website redesign for Harbour Bank", "Harbour Bank".
pub fn client_from_title(title: &str, slug: &str) -> Option<String> {
    let mut title = title.trim().trim_matches(|c: char| c == '"' || c == '“' || c == '”').to_string();
    for affix in ["case study:", "case study -", "case study –", "case study |", "project:", "client:"] {
        if title.to_lowercase().starts_with(affix) {
            title = title[affix.len()..].trim().to_string();
        }
    }
    for suffix in [" case study", " - case study", " project"] {
        if title.to_lowercase().ends_with(suffix) {
            title.truncate(title.len() - suffix.len());
        }
    }
    if title.is_empty() || vocab::is_placeholder(&title) {
        return None;
    }
    let ok = |n: &str| name_like(n) && words(n) <= 5 && !only_service_words(n);
    // "Client × Agency", "Northwind — Brand identity", "Brand identity | Northwind".
    for sep in [": ", " — ", " – ", " - ", " | ", " x ", " × "] {
        if let Some((a, b)) = title.rsplit_once(sep).filter(|_| sep == " | ").or_else(|| title.split_once(sep)) {
            for side in [a.trim(), b.trim()] {
                if ok(side) {
                    return Some(side.to_string());
                }
            }
        }
    }
    let lower = title.to_lowercase();
    for cue in ["helped ", "helping ", " for ", " with ", "partnered with ", " by "] {
        if let Some(i) = lower.find(cue) {
            let after = &title[i + cue.len()..];
            if let Some(run) = capital_runs(after).into_iter().next() {
                if after.trim_start().starts_with(run.split_whitespace().next().unwrap_or("")) && ok(&run) {
                    return Some(run);
                }
            }
        }
    }
    // The slug spells the client: /work/harbour-bank-digital-banking and "Digital banking at Harbour Bank".
    let slug_key: String = slug.split(['-', '_']).map(squash).collect();
    if !slug_key.is_empty() {
        if let Some(run) = capital_runs(&title).into_iter().find(|r| {
            let k = squash(r);
            k.len() >= 3 && slug_key.starts_with(&k) && ok(r)
        }) {
            return Some(run);
        }
    }
    // A title that is just a name.
    let runs = capital_runs(&title);
    if runs.len() == 1 && runs[0] == title && words(&title) <= 4 && ok(&title) {
        return Some(title);
    }
    None
}

/// A client's domain from the page's outbound links, when one resembles its name.
fn domain_for(name: &str, p: &PageDoc, site_domain: &str) -> Option<String> {
    let key = name_key(name);
    if key.len() < 3 {
        return None;
    }
    p.blocks
        .iter()
        .filter(|b| !b.in_nav && !b.in_footer)
        .filter_map(|b| b.href.as_deref().and_then(host_of))
        .filter(|h| !h.ends_with(site_domain) && !is_social_or_tool_host(h))
        .find(|h| {
            let label = squash(h.split('.').next().unwrap_or(""));
            label.len() >= 3 && (label.contains(&key) || key.contains(&label))
        })
}

fn clients(pages: &[PageDoc], site_domain: &str, agency: &str) -> Vec<Client> {
    let mut found: Vec<Client> = Vec::new();
    let site_label = squash(site_domain.split('.').next().unwrap_or(""));
    let add = |found: &mut Vec<Client>, name: &str, domain: Option<String>, p: &PageDoc, evidence: ClientEvidence, provenance: Provenance| {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let key = name_key(&name);
        if key.len() < 2 || key == agency || key == site_label || vocab::is_placeholder(&name) || !name_like(&name) {
            return;
        }
        if matches!(evidence, ClientEvidence::Logo | ClientEvidence::ClientList | ClientEvidence::Testimonial) && is_badge(&name) {
            return;
        }
        let domain = domain.or_else(|| domain_for(&name, p, site_domain));
        if let Some(c) = found.iter_mut().find(|c| name_key(&c.name) == key) {
            if c.domain.is_none() {
                c.domain = domain;
            }
            return;
        }
        found.push(Client { name, domain, source_url: p.url.clone(), evidence, provenance });
    };
    for p in pages {
        let content: Vec<&Block> = p.blocks.iter().filter(|b| !b.in_nav).collect();
        // Structured data: a case study's `about` or `sourceOrganization`, a review's author org.
        for v in &p.json_ld {
            for key in ["sourceOrganization", "about", "sponsor", "funder"] {
                if let Some(n) = v[key]["name"].as_str() {
                    add(&mut found, n, v[key]["url"].as_str().and_then(host_of), p, ClientEvidence::Structured, Provenance::Stated);
                }
            }
        }
        // "Client: Northwind" and Client / Northwind as label and value.
        for (i, b) in content.iter().enumerate() {
            if b.in_footer {
                continue;
            }
            if let Some(name) = labelled_client(&b.text) {
                add(&mut found, &name, None, p, ClientEvidence::CaseStudyField, Provenance::Stated);
                continue;
            }
            let label = b.text.trim().trim_end_matches(':').trim().to_lowercase();
            if matches!(label.as_str(), "client" | "the client" | "customer" | "client name" | "brand" | "company" | "for") && b.text.len() < 20 {
                if let Some(next) = content[i + 1..].iter().take(2).find(|n| !n.text.trim().is_empty()) {
                    if next.text.chars().count() <= 60 {
                        add(&mut found, next.text.trim(), None, p, ClientEvidence::CaseStudyField, Provenance::Stated);
                    }
                }
            }
        }
        // A case study's title, when it has no client field.
        let has_field = found.iter().any(|c| c.source_url == p.url && c.evidence == ClientEvidence::CaseStudyField);
        if p.kind == PageKind::CaseStudy && !has_field {
            let slug = path_of(&p.url).trim_end_matches('/').rsplit('/').next().unwrap_or("").trim_end_matches(".html").to_string();
            let h1 = content.iter().find(|b| b.kind == BlockKind::Heading && b.level == 1 && !b.in_footer).map(|b| b.text.clone());
            let title = h1.or_else(|| p.og_title.clone()).unwrap_or_else(|| p.title.clone());
            if let Some(name) = client_from_title(&title, &slug).or_else(|| client_from_title(&p.title, &slug)) {
                add(&mut found, &name, None, p, ClientEvidence::CaseStudyTitle, Provenance::Inferred);
            }
        }
        // The cards of a work page: their headings, and the links to case studies.
        {
            for b in content.iter().filter(|b| !b.in_footer) {
                let card_link = b.kind == BlockKind::Link
                    && b.href.as_deref().is_some_and(|h| super::classify_page(&path_of(h), "") == PageKind::CaseStudy);
                let card_heading = b.kind == BlockKind::Heading && b.level >= 2 && !clients_context(p, b) && (p.kind == PageKind::Work || work_context(b));
                if card_link || card_heading {
                    let slug = b.href.as_deref().map(|h| path_of(h).trim_end_matches('/').rsplit('/').next().unwrap_or("").to_string()).unwrap_or_default();
                    if let Some(name) = client_from_title(&b.text, &slug) {
                        add(&mut found, &name, None, p, ClientEvidence::CaseStudyTitle, Provenance::Inferred);
                    }
                }
            }
        }
        // Client lists and logo walls.
        for b in content.iter().filter(|b| clients_context(p, b) && !testimonial_context(b)) {
            let external = b.href.as_deref().and_then(host_of).filter(|h| !h.ends_with(site_domain) && !is_social_or_tool_host(h));
            match b.kind {
                BlockKind::Image => {
                    let alt = strip_logo_words(&b.text);
                    if !alt.is_empty() {
                        add(&mut found, &alt, external, p, ClientEvidence::Logo, Provenance::Stated);
                    } else if let Some(file) = b.src.as_deref().and_then(|s| s.rsplit('/').next()) {
                        let name = strip_logo_words(&file.replace('-', " "));
                        // "Harbour-Bank-Logo-300x120-min.png" → "Harbour Bank".
                        let name: String = name
                            .split_whitespace()
                            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()) && !matches!(w.to_lowercase().as_str(), "min" | "scaled" | "copy" | "final" | "web" | "sm" | "lg" | "small" | "large" | "retina" | "x"))
                            .map(title_case)
                            .collect::<Vec<_>>()
                            .join(" ");
                        add(&mut found, &name, external, p, ClientEvidence::Logo, Provenance::Inferred);
                    }
                }
                BlockKind::ListItem | BlockKind::Text | BlockKind::Term | BlockKind::Link if !b.in_footer && words(&b.text) <= 5 => {
                    add(&mut found, &b.text, external, p, ClientEvidence::ClientList, Provenance::Stated);
                }
                BlockKind::Heading if b.level >= 3 && !b.in_footer && p.kind == PageKind::Clients => {
                    add(&mut found, &b.text, external, p, ClientEvidence::ClientList, Provenance::Stated);
                }
                _ => {}
            }
        }
        // Testimonials: the company in the attribution ("— Jane Roe, CMO at Northwind").
        let mut poisoned = 0usize;
        for b in content.iter() {
            if b.kind == BlockKind::Quote || (testimonial_context(b) && words(&b.text) > 12) {
                poisoned = if vocab::is_placeholder(&b.text) { 4 } else { 0 };
                continue;
            }
            let attribution = b.kind == BlockKind::Cite || (testimonial_context(b) && b.text.chars().count() <= 120);
            if !attribution {
                poisoned = poisoned.saturating_sub(1);
                continue;
            }
            if poisoned > 0 {
                poisoned -= 1;
                continue;
            }
            if let Some(company) = company_in_attribution(&b.text) {
                add(&mut found, &company, None, p, ClientEvidence::Testimonial, Provenance::Stated);
            }
        }
    }
    // A title's short form of a client named in full elsewhere ("Harbourside Council" beside
    // "Harbourside District Council") is the same client.
    let full: Vec<(Vec<String>, ClientEvidence)> = found.iter().map(|c| (c.name.split_whitespace().map(squash).collect(), c.evidence)).collect();
    let mut i = 0;
    found.retain(|c| {
        let mine: Vec<String> = c.name.split_whitespace().map(squash).collect();
        i += 1;
        !(c.evidence == ClientEvidence::CaseStudyTitle
            && full.iter().enumerate().any(|(j, (other, ev))| j != i - 1 && *ev != ClientEvidence::CaseStudyTitle && other.len() > mine.len() && mine.iter().all(|w| other.contains(w))))
    });
    // Strongest evidence first; the rest in the order found.
    let rank = |e: ClientEvidence| match e {
        ClientEvidence::CaseStudyField | ClientEvidence::Structured => 0,
        ClientEvidence::ClientList | ClientEvidence::Logo => 1,
        ClientEvidence::Testimonial => 2,
        ClientEvidence::CaseStudyTitle => 3,
    };
    found.sort_by_key(|c| rank(c.evidence));
    found.truncate(MAX_CLIENTS);
    found
}

/// "Client: Northwind", "Client – Harbour Bank".
fn labelled_client(text: &str) -> Option<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"(?i)^\s*(?:the\s+)?(?:client|customer|client name|brand)\s*[:\-–—|]\s*(.{2,60}?)\s*$").expect("valid"));
    re.captures(text).map(|c| c[1].trim().trim_end_matches('.').to_string())
}

fn is_title_phrase(s: &str) -> bool {
    let words: Vec<String> = s.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    !words.is_empty() && words.iter().any(|w| vocab::TITLE_WORDS.contains(&w.as_str())) && words.len() <= 6
}

/// The company in a testimonial's attribution, unless the person is a placeholder.
pub fn company_in_attribution(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches(['—', '–', '-', '~', '"', '“', '”', ' ']).trim();
    if t.is_empty() || vocab::is_placeholder(t) {
        return None;
    }
    let lower = t.to_lowercase();
    if ["john doe", "jane doe", "john smith", "jane smith", "joe bloggs"].iter().any(|p| lower.contains(p)) {
        return None;
    }
    for cue in [" at ", " @ ", " from "] {
        if let Some(i) = lower.rfind(cue) {
            let company = t[i + cue.len()..].trim().trim_end_matches(['.', ',', ')']).to_string();
            return name_like(&company).then_some(company);
        }
    }
    let parts: Vec<&str> = t.split([',', '|', '·', '(', ')']).flat_map(|p| p.split(" – ")).flat_map(|p| p.split(" - ")).map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.len() < 2 {
        return None;
    }
    // "Jane Roe, Marketing Director, Northwind": the last part that is not a job title.
    let last = parts.last()?;
    (!is_title_phrase(last) && name_like(last) && words(last) <= 5).then(|| last.to_string())
}

// ---------------------------------------------------------------------------------------------
// Industries

fn industries(pages: &[PageDoc]) -> Vec<Sourced<String>> {
    let mut stated: Vec<Sourced<String>> = Vec::new();
    // industry → pages (strong mentions) for the inferred ones.
    let mut mentions: BTreeMap<&str, Vec<(String, bool)>> = BTreeMap::new();
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav && !b.in_footer && b.kind != BlockKind::Link) {
            let text = b.text.to_lowercase();
            // "We work with dental practices, law firms and …" states whom it serves.
            let says_whom = ["we work with", "we specialise in", "we specialize in", "we serve", "we help", "we partner with", "our clients include", "clients in", "clients across", "working with"]
                .iter()
                .any(|w| text.contains(w));
            let strict = industries_context(p, b);
            let mut matched_any = false;
            for (label, words) in vocab::INDUSTRIES {
                let hit = words.iter().find(|w| has_words(&text, w));
                let Some(w) = hit else { continue };
                matched_any = true;
                let weak = vocab::WEAK_INDUSTRY_WORDS.contains(w);
                if strict || (says_whom && !weak) {
                    if !stated.iter().any(|s| s.value == *label) {
                        stated.push(Sourced::stated(label.to_string(), &p.url));
                    }
                } else if !weak {
                    let case = matches!(p.kind, PageKind::CaseStudy | PageKind::Clients | PageKind::Work);
                    let e = mentions.entry(label).or_default();
                    if !e.iter().any(|(u, _)| *u == p.url) {
                        e.push((p.url.clone(), case));
                    }
                }
            }
            // A named sector the list does not know ("Franchises").
            if strict && !matched_any && (matches!(b.kind, BlockKind::ListItem | BlockKind::Term) || (b.kind == BlockKind::Heading && b.level >= 3 && p.kind == PageKind::Industries)) {
                let t = b.text.trim();
                if is_label(t, 4) && !only_service_words(t) && !stated.iter().any(|s| squash(&s.value) == squash(t)) {
                    stated.push(Sourced::stated(t.to_string(), &p.url));
                }
            }
        }
    }
    let mut out = stated;
    let mut inferred: Vec<(&str, &Vec<(String, bool)>)> =
        mentions.iter().filter(|(_, pages)| pages.len() >= 2 || pages.iter().any(|(_, case)| *case)).map(|(l, p)| (*l, p)).collect();
    inferred.sort_by_key(|(_, p)| std::cmp::Reverse(p.len()));
    for (label, pages) in inferred {
        if !out.iter().any(|s| s.value == label) {
            out.push(Sourced::inferred(label.to_string(), &pages[0].0));
        }
    }
    out.truncate(MAX_INDUSTRIES);
    out
}

// ---------------------------------------------------------------------------------------------
// Team size

fn team_size(pages: &[PageDoc]) -> Option<Sourced<u32>> {
    for p in pages {
        for v in &p.json_ld {
            let n = &v["numberOfEmployees"];
            let value = n.as_u64().or_else(|| n.as_str().and_then(|s| s.parse().ok())).or_else(|| n["value"].as_u64()).or_else(|| n["maxValue"].as_u64());
            if let Some(n) = value.filter(|n| (1..=100_000).contains(n)) {
                return Some(Sourced::stated(n as u32, &p.url));
            }
        }
    }
    static RES: OnceLock<[Regex; 3]> = OnceLock::new();
    let res = RES.get_or_init(|| {
        let qual = r"(?:over |more than |around |about |nearly |almost |a |)";
        [
            Regex::new(&format!(r"(?i)\b(?:team|crew|family|collective|group|studio) of {qual}(\d{{1,4}})\+?\b")).expect("valid"),
            Regex::new(&format!(r"(?i)\b{qual}(\d{{1,4}})\+?\s*(?:-\s*)?(?:strong |full[- ]time |talented |passionate |dedicated |in-house |experienced )*(?:people|staff|employees|experts|specialists|professionals|team members|creatives|designers|developers|marketers|strategists|humans|individuals|creators|engineers|consultants)\b")).expect("valid"),
            Regex::new(r"(?i)\b(\d{1,4})\+?[- ]strong\b").expect("valid"),
        ]
    });
    let mut best: Option<Sourced<u32>> = None;
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav) {
            for re in res.iter() {
                for c in re.captures_iter(&b.text) {
                    let Ok(n) = c[1].parse::<u32>() else { continue };
                    // "helped 500 businesses" is not staff; "20 years" is not matched at all.
                    let before = b.text[..c.get(0).map_or(0, |m| m.start())].to_lowercase();
                    if !(2..=5000).contains(&n) || before.ends_with("helped ") || before.ends_with("served ") || before.ends_with("trained ") {
                        continue;
                    }
                    if best.as_ref().is_none_or(|x| n > x.value) {
                        best = Some(Sourced::stated(n, &p.url));
                    }
                }
            }
        }
    }
    if best.is_some() {
        return best;
    }
    // People on the team page: headings and names that look like a person's.
    let mut people: HashSet<String> = HashSet::new();
    let mut source = None;
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav && !b.in_footer && team_context(p, b)) {
            if matches!(b.kind, BlockKind::Heading | BlockKind::Text | BlockKind::Term | BlockKind::Paragraph) && person_name(&b.text) {
                people.insert(squash(&b.text));
                source.get_or_insert_with(|| p.url.clone());
            }
        }
    }
    (people.len() >= 2).then(|| Sourced::inferred(people.len() as u32, &source.unwrap_or_default()))
}

/// "Jane Roe", "Sam O'Neil", "Ana María López": two to four capitalised words.
pub fn person_name(text: &str) -> bool {
    let t = text.trim();
    let ws: Vec<&str> = t.split_whitespace().collect();
    (2..=4).contains(&ws.len())
        && ws.iter().all(|w| {
            let mut c = w.chars();
            c.next().is_some_and(char::is_uppercase) && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’' || c == '.')
        })
        && !vocab::is_placeholder(t)
        && service_categories(t).is_empty()
        && !is_generic(t)
        && !is_title_phrase(t)
        && !vocab::PLACES.iter().any(|(p, _)| t.contains(p))
        && !vocab::COUNTRIES.iter().any(|(c, _)| t.contains(c))
}

// ---------------------------------------------------------------------------------------------
// Locations

/// Places named in `text` (case-sensitive, so "us" in "contact us" is no country).
fn places_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    for (place, _) in vocab::PLACES {
        if has_words(text, place) {
            out.push(place.to_string());
        }
    }
    for (country, aliases) in vocab::COUNTRIES {
        let named = has_words(&lower, &country.to_lowercase())
            || aliases.iter().any(|a| if a.len() <= 3 { *a != "us" && has_words(text, &a.to_uppercase()) } else { has_words(&lower, a) });
        if named {
            out.push(country.to_string());
        }
    }
    out
}

fn locations(pages: &[PageDoc]) -> Vec<Sourced<String>> {
    let mut out: Vec<Sourced<String>> = Vec::new();
    let add = |place: String, url: &str, out: &mut Vec<Sourced<String>>| {
        let place = place.trim().trim_end_matches(['.', ',']).to_string();
        if !place.is_empty() && out.len() < MAX_LOCATIONS && !out.iter().any(|s| squash(&s.value) == squash(&place)) {
            out.push(Sourced::stated(place, url));
        }
    };
    for p in pages {
        for v in &p.json_ld {
            let addr = if v["address"].is_array() { &v["address"][0] } else { &v["address"] };
            for key in ["addressLocality", "addressRegion"] {
                if let Some(s) = addr[key].as_str() {
                    add(s.to_string(), &p.url, &mut out);
                }
            }
            if let Some(c) = addr["addressCountry"].as_str().or_else(|| addr["addressCountry"]["name"].as_str()) {
                let c = vocab::COUNTRIES.iter().find(|(_, al)| al.iter().any(|a| a.eq_ignore_ascii_case(c))).map_or(c, |(n, _)| n);
                add(c.to_string(), &p.url, &mut out);
            }
        }
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"\b(?:[Bb]ased|[Ll]ocated|[Hh]eadquartered|HQ'd|[Oo]ffices?|[Ss]tudios?|[Hh]ubs?)\s+(?:in|across|out of)\s+((?:[A-Z][\w'’.-]*)(?:(?:\s+|,\s*|\s+(?:and|&)\s+)[A-Z][\w'’.-]*)*)").expect("valid")
    });
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav && b.kind != BlockKind::Link) {
            for c in re.captures_iter(&b.text) {
                for piece in c[1].split(',').flat_map(|s| s.split(" and ")).flat_map(|s| s.split(" & ")) {
                    let piece = piece.trim();
                    if (1..=3).contains(&words(piece)) && !is_generic(piece) && !vocab::is_placeholder(piece) {
                        add(piece.to_string(), &p.url, &mut out);
                    }
                }
            }
        }
    }
    // "a Sydney-based agency": only places the gazetteer knows.
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav && b.kind != BlockKind::Link && b.text.contains("-based")) {
            for place in vocab::PLACES.iter().map(|(p, _)| *p).chain(vocab::COUNTRIES.iter().map(|(c, _)| *c)) {
                if b.text.contains(&format!("{place}-based")) {
                    add(place.to_string(), &p.url, &mut out);
                }
            }
        }
    }
    // Addresses on contact pages and in footers: only places the gazetteer knows.
    for p in pages {
        for b in p.blocks.iter().filter(|b| !b.in_nav && b.kind != BlockKind::Link) {
            let addressy = b.kind == BlockKind::Address || hints_say(b, &["address", "location", "office", "contact-info", "vcard", "adr"]) || p.kind == PageKind::Contact || b.in_footer;
            if addressy && b.text.chars().count() <= 300 {
                for place in places_in(&b.text) {
                    add(place, &p.url, &mut out);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_study_titles_name_their_client() {
        assert_eq!(client_from_title("Northwind Traders: a brand for the cloud", "northwind").as_deref(), Some("Northwind Traders"));
        assert_eq!(client_from_title("How we helped Blue Fern Dental double bookings", "blue-fern").as_deref(), Some("Blue Fern Dental"));
        assert_eq!(client_from_title("Website redesign for Harbour Bank", "x").as_deref(), Some("Harbour Bank"));
        assert_eq!(client_from_title("Brand identity | Kestrel Coffee", "kestrel").as_deref(), Some("Kestrel Coffee"));
        assert_eq!(client_from_title("Lumen Health", "lumen-health").as_deref(), Some("Lumen Health"));
        assert_eq!(client_from_title("Digital banking at Harbour Bank", "harbour-bank-app").as_deref(), Some("Harbour Bank"));
        assert_eq!(client_from_title("Brand Strategy", "brand-strategy"), None);
        assert_eq!(client_from_title("Lorem ipsum dolor", "lorem"), None);
    }

    #[test]
    fn a_site_name_with_a_tagline_gives_the_part_that_names_the_domain() {
        let page = PageDoc {
            url: "https://tidewater.example/".into(),
            kind: PageKind::Home,
            title: "Home".into(),
            meta_description: None,
            og_site_name: Some("Brisbane SEO Agency | Tidewater".into()),
            og_title: None,
            json_ld: Vec::new(),
            blocks: Vec::new(),
        };
        assert_eq!(company_name(&[page], "tidewater.example").unwrap().value, "Tidewater");
    }

    #[test]
    fn attributions_give_the_company_but_never_a_placeholder() {
        assert_eq!(company_in_attribution("— Jane Roe, CMO at Northwind").as_deref(), Some("Northwind"));
        assert_eq!(company_in_attribution("Sam Lee, Marketing Director, Kestrel Coffee").as_deref(), Some("Kestrel Coffee"));
        assert_eq!(company_in_attribution("Sam Lee | Founder | Blue Fern Dental").as_deref(), Some("Blue Fern Dental"));
        assert_eq!(company_in_attribution("Sam Lee, Marketing Director"), None);
        assert_eq!(company_in_attribution("John Doe, CEO at Company Name"), None);
        assert_eq!(company_in_attribution("Jane Doe, Acme Inc"), None);
    }

    #[test]
    fn placeholders_are_recognised() {
        for p in ["John Doe", "Lorem ipsum", "Client 1", "Logo", "Company Name", "ACME", "Your Logo Here"] {
            assert!(vocab::is_placeholder(p) || is_generic(p) || !name_like(p), "{p}");
        }
        assert!(!vocab::is_placeholder("Northwind"));
    }

    #[test]
    fn people_are_told_from_services_and_places() {
        assert!(person_name("Jane Roe"));
        assert!(person_name("Sam O'Neil"));
        assert!(!person_name("Brand Strategy"));
        assert!(!person_name("New York"));
        assert!(!person_name("Managing Director"));
    }
}
