//! The site reader (SPEC §12 onboarding): given an agency's web address, reads the pages of its
//! site that say who it is and whom it serves, safely and politely.
//!
//! Safe: every request goes through the one outbound policy ([`crate::net`]); each address
//! (every redirect hop included) is checked for scheme, port and a public IP before anything
//! is sent, and the connection goes to the address the policy resolved. Polite: robots.txt is
//! obeyed (`texting_robots`), one request at a time with a pause between them (the site's
//! Crawl-delay when longer, up to 5 s), at most 25 pages of the same registrable domain
//! (`psl`), 2 MB a page, 10 s a request, 60 s in all, HTML only.
//!
//! What to read comes from the home page's links and the sitemap, ranked by
//! [`domain::site::link_priority`]. Pages are flattened by [`html::parse_page`]; what they mean
//! is decided in `domain::site`. This module must not interpret a page's content.

pub mod fetch;
pub mod html;
mod sitemap;

use crate::net::NetPolicy;
use domain::site::{classify_page, link_priority, PageDoc, PageKind};
pub use fetch::FetchError;
use fetch::{Fetcher, Want};
use std::collections::HashSet;
use std::time::Duration;
use url::Url;

/// The reader's limits. [`ReadLimits::default`] is what the product uses.
#[derive(Debug, Clone)]
pub struct ReadLimits {
    pub max_pages: usize,
    pub max_page_bytes: usize,
    pub request_timeout: Duration,
    pub total: Duration,
    /// The pause between two requests to the site.
    pub delay: Duration,
    pub max_redirects: usize,
    /// Ports other than 80 and 443 (only where private addresses are allowed: local test sites).
    pub any_port: bool,
    pub user_agent: String,
}

/// The robots.txt product token we obey rules for.
pub const ROBOTS_AGENT: &str = "AgencyOS";
/// The longest Crawl-delay we honour; a site asking more is read at this pace.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(5);

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_pages: 25,
            max_page_bytes: 2 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            total: Duration::from_secs(60),
            delay: Duration::from_millis(300),
            max_redirects: 5,
            any_port: false,
            user_agent: format!("Mozilla/5.0 (compatible; {ROBOTS_AGENT}/{}; onboarding site reader)", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl ReadLimits {
    /// The product's limits under a policy: other ports only where private addresses are.
    pub fn for_policy(policy: &NetPolicy) -> Self {
        Self { any_port: policy.allows_private(), ..Self::default() }
    }
}

/// A page not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub url: String,
    pub reason: String,
}

/// What was read.
#[derive(Debug, Clone)]
pub struct SiteRead {
    /// The home page's address after redirects.
    pub home: Url,
    /// Its registrable domain (`agency.com.au`), or the host for an IP address.
    pub site_domain: String,
    pub pages: Vec<PageDoc>,
    pub skipped: Vec<Skipped>,
    pub notes: Vec<String>,
    pub requests: usize,
    pub elapsed: Duration,
}

/// The registrable domain of a host (`www.studio.co.uk` → `studio.co.uk`).
pub fn registrable_domain(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return host;
    }
    psl::domain_str(&host).map(str::to_string).unwrap_or(host)
}

/// Parses what a person typed as a site address (`agency.com` gets `https://`).
pub fn parse_site_url(raw: &str) -> Result<Url, FetchError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 2048 {
        return Err(FetchError::BadUrl);
    }
    let has_scheme = raw.split_once(':').is_some_and(|(s, rest)| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) && !rest.chars().next().is_some_and(|c| c.is_ascii_digit())
    });
    let url = if has_scheme { Url::parse(raw) } else { Url::parse(&format!("https://{raw}")) }.map_err(|_| FetchError::BadUrl)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::BadUrl);
    }
    Ok(url)
}

/// Whether `u` is on the site: same registrable domain (and the same port, when the site was
/// given with one).
fn same_site(u: &Url, domain: &str, port: Option<u16>) -> bool {
    matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| registrable_domain(h) == domain) && (port.is_none() || u.port() == port)
}

/// The key two addresses of one page share (`/about` = `/about/` = `/about?utm=x`).
fn page_key(u: &Url) -> String {
    format!("{}{}", u.host_str().unwrap_or("").trim_start_matches("www."), u.path().trim_end_matches('/').to_lowercase())
}

struct Candidate {
    url: Url,
    kind: PageKind,
    priority: u8,
    seq: usize,
}

struct Robots {
    robot: Option<texting_robots::Robot>,
}

impl Robots {
    fn allows(&self, u: &Url) -> bool {
        self.robot.as_ref().is_none_or(|r| r.allowed(u.as_str()))
    }
}

async fn robots_for(f: &mut Fetcher, origin: &Url, notes: &mut Vec<String>) -> Result<Robots, FetchError> {
    let Ok(robots_url) = origin.join("/robots.txt") else { return Ok(Robots { robot: None }) };
    let (domain, port) = (registrable_domain(origin.host_str().unwrap_or("")), origin.port());
    match f.get(robots_url, Want::Text, 512 * 1024, &|u| same_site(u, &domain, port)).await {
        Ok(r) => {
            let robot = texting_robots::Robot::new(ROBOTS_AGENT, &r.body).ok();
            if let Some(d) = robot.as_ref().and_then(|r| r.delay) {
                let d = Duration::from_secs_f32(d.clamp(0.0, 60.0));
                if d > MAX_CRAWL_DELAY {
                    notes.push(format!("robots.txt asks for {} s between requests; read at one every {} s", d.as_secs(), MAX_CRAWL_DELAY.as_secs()));
                }
                f.crawl_delay = d.min(MAX_CRAWL_DELAY);
            }
            Ok(Robots { robot })
        }
        // The address itself is refused: nothing else on it will be read either.
        Err(e @ (FetchError::Net(_) | FetchError::Scheme | FetchError::Port(_) | FetchError::BadUrl)) => Err(e),
        Err(FetchError::Status(s)) if (400..500).contains(&s) => Ok(Robots { robot: None }),
        Err(e) => {
            notes.push(format!("robots.txt could not be read ({e}); reading as if it allowed everything"));
            Ok(Robots { robot: None })
        }
    }
}

/// Reads the site at `start`.
#[tracing::instrument(skip(policy, limits), fields(start = %start))]
pub async fn read_site(policy: &NetPolicy, start: &str, limits: &ReadLimits) -> Result<SiteRead, FetchError> {
    read_site_with(policy, start, limits, |_, _| {}).await
}

/// [`read_site`] telling `progress(pages read, pages planned)` after each page.
pub async fn read_site_with(policy: &NetPolicy, start: &str, limits: &ReadLimits, mut progress: impl FnMut(usize, usize)) -> Result<SiteRead, FetchError> {
    let start = parse_site_url(start)?;
    let mut f = Fetcher::new(policy, limits)?;
    // Refuse a private or odd address before any request, robots.txt included.
    f.check(&start).await?;
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    let robots = robots_for(&mut f, &start, &mut notes).await?;
    if !robots.allows(&start) {
        return Err(FetchError::Robots);
    }
    // The home page may move to another host (http → https://www.); every hop is checked.
    let home = f.get(start.clone(), Want::Html, limits.max_page_bytes, &|u| matches!(u.scheme(), "http" | "https")).await?;
    let home_url = home.url.clone();
    let site_domain = registrable_domain(home_url.host_str().unwrap_or(""));
    let port = home_url.port();
    let robots = if home_url.origin() != start.origin() {
        let r = robots_for(&mut f, &home_url, &mut notes).await?;
        if !r.allows(&home_url) {
            return Err(FetchError::Robots);
        }
        r
    } else {
        robots
    };
    let (home_doc, home_links) = html::parse_page(&fetch::decode(&home.body, &home.content_type), &home_url, PageKind::Home);
    drop(home);
    // A page built in the browser by JavaScript arrives nearly empty: say so, since the
    // findings will be thin.
    if home_doc.blocks.iter().filter(|b| !b.in_nav).count() < 5 {
        notes.push("the home page has almost no text in its HTML (it may be built by JavaScript); findings may be thin".into());
    }
    let mut pages = vec![home_doc];
    let mut seen: HashSet<String> = HashSet::from([page_key(&home_url), page_key(&start)]);
    let mut queue: Vec<Candidate> = Vec::new();
    let mut seq = 0usize;
    let mut enqueue = |queue: &mut Vec<Candidate>, seen: &HashSet<String>, mut url: Url, text: &str| {
        url.set_fragment(None);
        url.set_query(None);
        if !same_site(&url, &site_domain, port) || seen.contains(&page_key(&url)) || queue.iter().any(|c| page_key(&c.url) == page_key(&url)) {
            return;
        }
        let kind = classify_page(url.path(), text);
        if let Some(priority) = link_priority(kind) {
            seq += 1;
            queue.push(Candidate { url, kind, priority, seq });
        }
    };
    for l in &home_links {
        enqueue(&mut queue, &seen, l.url.clone(), &l.text);
    }
    // The sitemap finds pages the menu hides (case studies behind a JavaScript filter).
    let sitemaps: Vec<Url> = match &robots.robot {
        Some(r) if !r.sitemaps.is_empty() => r.sitemaps.iter().filter_map(|s| Url::parse(s).ok()).collect(),
        _ => home_url.join("/sitemap.xml").into_iter().collect(),
    };
    for u in sitemap::read(&mut f, sitemaps, &|u| same_site(u, &site_domain, port), &mut notes).await {
        enqueue(&mut queue, &seen, u, "");
    }
    progress(pages.len(), (queue.len() + 1).min(limits.max_pages));
    while pages.len() < limits.max_pages {
        // Best first: section pages, then contact and team, then case studies.
        let Some(i) = queue.iter().enumerate().min_by_key(|(_, c)| (c.priority, c.seq)).map(|(i, _)| i) else { break };
        let c = queue.swap_remove(i);
        if seen.contains(&page_key(&c.url)) {
            continue;
        }
        seen.insert(page_key(&c.url));
        if !robots.allows(&c.url) {
            skipped.push(Skipped { url: c.url.to_string(), reason: "disallowed by robots.txt".into() });
            continue;
        }
        if f.elapsed() >= limits.total {
            notes.push(format!("stopped after {} s: the time allowed for reading the site ran out", limits.total.as_secs()));
            break;
        }
        match f.get(c.url.clone(), Want::Html, limits.max_page_bytes, &|u| same_site(u, &site_domain, port)).await {
            Ok(page) => {
                if !seen.insert(page_key(&page.url)) && page.url != c.url {
                    continue;
                }
                let (doc, links) = html::parse_page(&fetch::decode(&page.body, &page.content_type), &page.url, c.kind);
                pages.push(doc);
                // Work and services pages lead to their case studies and service pages.
                if matches!(c.kind, PageKind::Work | PageKind::Services | PageKind::Clients | PageKind::Industries | PageKind::About) {
                    for l in &links {
                        enqueue(&mut queue, &seen, l.url.clone(), &l.text);
                    }
                }
            }
            Err(FetchError::Budget) => {
                notes.push(format!("stopped after {} s: the time allowed for reading the site ran out", limits.total.as_secs()));
                break;
            }
            Err(e) => skipped.push(Skipped { url: c.url.to_string(), reason: e.to_string() }),
        }
        progress(pages.len(), (pages.len() + queue.len()).min(limits.max_pages));
    }
    if pages.len() >= limits.max_pages && !queue.is_empty() {
        notes.push(format!("read the first {} pages (the most a site is read)", limits.max_pages));
    }
    Ok(SiteRead { home: home_url, site_domain, pages, skipped, notes, requests: f.requests, elapsed: f.elapsed() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type_are_parsed_and_odd_ones_refused() {
        assert_eq!(parse_site_url("northwind.example").unwrap().as_str(), "https://northwind.example/");
        assert_eq!(parse_site_url("northwind.example:8080/x").unwrap().port(), Some(8080));
        assert_eq!(parse_site_url("file:///etc/passwd"), Err(FetchError::Scheme));
        assert_eq!(parse_site_url("gopher://x.example/"), Err(FetchError::Scheme));
        assert_eq!(parse_site_url("http://2130706433/").unwrap().host_str(), Some("127.0.0.1"));
        assert_eq!(parse_site_url("http://0177.0.0.1/").unwrap().host_str(), Some("127.0.0.1"));
        assert_eq!(parse_site_url("http://0x7f.1/").unwrap().host_str(), Some("127.0.0.1"));
        assert_eq!(registrable_domain("www.studio.co.uk"), "studio.co.uk");
        assert_eq!(registrable_domain("blog.northwind.com.au"), "northwind.com.au");
        assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
    }
}
