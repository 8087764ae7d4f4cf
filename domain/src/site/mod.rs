//! What an agency's own website says about it (SPEC §12 onboarding), as pure rules.
//!
//! The engine's site reader fetches pages and flattens each one's HTML into a [`PageDoc`]: the
//! page's title and meta data, and its text as a sequence of [`Block`]s, each with the heading
//! it sits under and the class/id words of the elements around it. Everything that decides
//! which pages to read ([`classify_page`], [`link_priority`]), what the site says
//! ([`extract::extract`]) and whom the agency sells to ([`derive::derive_icp`]) is here, so it
//! is deterministic and testable without a network. This module must not fetch or parse HTML.

pub mod derive;
pub mod extract;
mod vocab;

use serde::{Deserialize, Serialize};

/// What a page of an agency's site is for, judged from its address and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    Home,
    About,
    Services,
    /// A page about one service (`/services/seo`).
    Service,
    /// A list of work: `/work`, `/case-studies`, `/portfolio`.
    Work,
    /// One case study or project (`/work/acme-rebrand`).
    CaseStudy,
    Clients,
    Industries,
    Team,
    Contact,
    Other,
}

impl PageKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            PageKind::Home => "home",
            PageKind::About => "about",
            PageKind::Services => "services",
            PageKind::Service => "service",
            PageKind::Work => "work",
            PageKind::CaseStudy => "case_study",
            PageKind::Clients => "clients",
            PageKind::Industries => "industries",
            PageKind::Team => "team",
            PageKind::Contact => "contact",
            PageKind::Other => "other",
        }
    }
}

/// A word of a path segment or a link text naming a section of an agency site.
fn section_kind(word: &str) -> Option<PageKind> {
    let w = word.trim().trim_end_matches(".html").trim_end_matches(".htm").trim_end_matches(".php").to_lowercase();
    let w = w.replace(['_', ' '], "-");
    let w = w.trim_matches('-');
    Some(match w {
        "about" | "about-us" | "who-we-are" | "our-story" | "story" | "agency" | "the-agency" | "our-agency" | "company"
        | "studio" | "the-studio" | "our-studio" | "ethos" | "approach" | "our-approach" | "culture" | "why-us" | "about-me" => {
            PageKind::About
        }
        "services" | "service" | "our-services" | "what-we-do" | "capabilities" | "our-capabilities" | "expertise"
        | "our-expertise" | "solutions" | "offerings" | "what-we-offer" | "how-we-help" | "disciplines" | "specialisms"
        | "specialties" | "services-and-solutions" | "offer" | "skills" => PageKind::Services,
        "work" | "our-work" | "case-studies" | "case-study" | "casestudies" | "portfolio" | "projects" | "our-projects"
        | "showcase" | "results" | "success-stories" | "selected-work" | "featured-work" | "cases" | "stories" => PageKind::Work,
        "clients" | "our-clients" | "customers" | "our-customers" | "brands" | "testimonials" | "reviews" | "client-list"
        | "who-we-work-with" | "partners" => PageKind::Clients,
        "industries" | "sectors" | "markets" | "who-we-serve" | "who-we-help" | "verticals" | "industries-we-serve"
        | "sectors-we-serve" | "who-we-work-for" => PageKind::Industries,
        "team" | "our-team" | "the-team" | "people" | "our-people" | "meet-the-team" | "leadership" | "meet-us" | "crew"
        | "humans" => PageKind::Team,
        "contact" | "contact-us" | "get-in-touch" | "locations" | "offices" | "our-offices" | "find-us" | "lets-talk"
        | "talk-to-us" | "enquire" | "hello" | "say-hello" => PageKind::Contact,
        _ => return None,
    })
}

/// Segments that mark pages saying nothing about whom the agency serves.
fn is_noise_segment(seg: &str) -> bool {
    let s = seg.to_lowercase();
    const NOISE: &[&str] = &[
        "blog", "news", "insights", "articles", "article", "journal", "press", "careers", "jobs", "job", "vacancies",
        "privacy", "privacy-policy", "terms", "cookie-policy", "cookies", "legal", "login", "log-in", "signin", "sign-in",
        "register", "cart", "checkout", "shop", "store", "product", "products", "tag", "tags", "category", "categories",
        "author", "feed", "wp-content", "wp-admin", "wp-json", "search", "events", "podcast", "webinars", "resources",
        "downloads", "sitemap", "accessibility", "disclaimer", "page", "amp", "cdn-cgi", "account", "guides", "ebooks",
    ];
    NOISE.contains(&s.as_str())
        || [".pdf", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".zip", ".xml", ".json", ".css", ".js", ".mp4", ".doc", ".docx"]
            .iter()
            .any(|ext| s.ends_with(ext))
}

/// The non-empty segments of a URL path.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// What a page is, from its path (`/what-we-do/seo/`) and the text of the link that led to it.
pub fn classify_page(path: &str, link_text: &str) -> PageKind {
    let segs = segments(path);
    // Localised sites put a language first (/en/, /en-au/).
    let segs: Vec<&str> = match segs.first() {
        Some(s) if s.len() == 2 || (s.len() == 5 && s.as_bytes()[2] == b'-') => segs[1..].to_vec(),
        _ => segs,
    };
    if segs.is_empty() {
        return match link_text_kind(link_text) {
            Some(k) if k != PageKind::Home => k,
            _ => PageKind::Home,
        };
    }
    if segs.iter().any(|s| is_noise_segment(s)) {
        return PageKind::Other;
    }
    if let Some(k) = section_kind(segs[0]) {
        return match (k, segs.len()) {
            (PageKind::Work, n) if n >= 2 => PageKind::CaseStudy,
            (PageKind::Services, n) if n >= 2 => PageKind::Service,
            (k, _) => k,
        };
    }
    // `/seo-services/`, `/case-study-acme/`: a one-segment page named after its section.
    if segs.len() == 1 {
        if let Some(k) = link_text_kind(link_text) {
            return k;
        }
        let s = segs[0].to_lowercase();
        if s.starts_with("case-study-") || s.ends_with("-case-study") {
            return PageKind::CaseStudy;
        }
    }
    PageKind::Other
}

/// A navigation label naming a section ("What we do", "Our Work").
pub fn link_text_kind(text: &str) -> Option<PageKind> {
    let t = text.trim().to_lowercase();
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    section_kind(&t)
}

/// How soon the reader should fetch a page of this kind: lower first; `None` for pages it
/// should not spend a request on.
pub fn link_priority(kind: PageKind) -> Option<u8> {
    match kind {
        PageKind::Home => Some(0),
        PageKind::Services | PageKind::Work | PageKind::About | PageKind::Clients | PageKind::Industries => Some(1),
        PageKind::Team | PageKind::Contact => Some(2),
        PageKind::CaseStudy | PageKind::Service => Some(3),
        PageKind::Other => None,
    }
}

/// The kind of a piece of a page's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// `h1`…`h6`; the level is in [`Block::level`].
    Heading,
    Paragraph,
    ListItem,
    Quote,
    /// `cite`, `figcaption`, or text in a testimonial's attribution.
    Cite,
    /// An image's alt text (its source in [`Block::src`]).
    Image,
    Link,
    Address,
    /// A definition-list term or any other short label.
    Term,
    /// Text directly inside a generic container (`div`, `span`).
    Text,
}

/// One piece of a page's text, with where it sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub kind: BlockKind,
    /// Heading level 1–6; 0 for other blocks.
    pub level: u8,
    pub text: String,
    /// The absolute target of the link this block is, or sits in.
    pub href: Option<String>,
    /// An image's source (its file name often names a client logo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    /// The text of the nearest heading before this block.
    pub heading: Option<String>,
    /// Lower-case class and id words of the enclosing elements (`testimonial`, `client-logos`).
    pub hints: String,
    /// In a `nav` (or a menu), a header or a footer: site chrome, not the page's content.
    pub in_nav: bool,
    pub in_footer: bool,
    /// In a navigation menu, the label of the item this block sits under ("What we do").
    pub menu: Option<String>,
}

/// A fetched page flattened for extraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageDoc {
    pub url: String,
    pub kind: PageKind,
    pub title: String,
    pub meta_description: Option<String>,
    pub og_site_name: Option<String>,
    pub og_title: Option<String>,
    /// schema.org objects from `application/ld+json` scripts (arrays and `@graph` flattened).
    pub json_ld: Vec<serde_json::Value>,
    pub blocks: Vec<Block>,
}

/// Whether a fact was written on the site or worked out from what was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    Stated,
    Inferred,
}

/// A value and the page it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source_url: String,
    pub provenance: Provenance,
}

impl<T> Sourced<T> {
    pub fn stated(value: T, source_url: &str) -> Self {
        Self { value, source_url: source_url.to_string(), provenance: Provenance::Stated }
    }
    pub fn inferred(value: T, source_url: &str) -> Self {
        Self { value, source_url: source_url.to_string(), provenance: Provenance::Inferred }
    }
}

/// Where a client's name was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientEvidence {
    /// A case study's "Client:" field.
    CaseStudyField,
    /// A case study's or work card's title.
    CaseStudyTitle,
    ClientList,
    Logo,
    Testimonial,
    /// JSON-LD or other structured data.
    Structured,
}

/// A client or portfolio company named on the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub name: String,
    /// Its registrable domain when the site links to it.
    pub domain: Option<String>,
    pub source_url: String,
    pub evidence: ClientEvidence,
    pub provenance: Provenance,
}

/// Everything the site says about the agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SiteProfile {
    pub company_name: Option<Sourced<String>>,
    pub services: Vec<Sourced<String>>,
    pub value_proposition: Option<Sourced<String>>,
    pub taglines: Vec<Sourced<String>>,
    pub clients: Vec<Client>,
    pub industries_served: Vec<Sourced<String>>,
    pub team_size: Option<Sourced<u32>>,
    pub locations: Vec<Sourced<String>>,
    /// The words of the site (text of its content blocks) that derivation looks for signals in.
    #[serde(skip)]
    pub signals: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_classified_by_their_path_and_link_text() {
        assert_eq!(classify_page("/", ""), PageKind::Home);
        assert_eq!(classify_page("/what-we-do/", ""), PageKind::Services);
        assert_eq!(classify_page("/what-we-do/seo/", ""), PageKind::Service);
        assert_eq!(classify_page("/our-work", ""), PageKind::Work);
        assert_eq!(classify_page("/case-studies/northwind-rebrand.html", ""), PageKind::CaseStudy);
        assert_eq!(classify_page("/en/about-us/", ""), PageKind::About);
        assert_eq!(classify_page("/blog/seo-tips", ""), PageKind::Other);
        assert_eq!(classify_page("/capabilities.html", ""), PageKind::Services);
        assert_eq!(classify_page("/studio-x", "What we do"), PageKind::Services);
        assert_eq!(classify_page("/work/brochure.pdf", ""), PageKind::Other);
        assert_eq!(link_priority(PageKind::Other), None);
    }
}
