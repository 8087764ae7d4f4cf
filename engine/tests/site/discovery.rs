//! Discovery on local sites of the shapes real agencies have.

use crate::support::{requested_paths, serve_site};
use engine::flows::onboarding::{discover, Discovery};
use engine::net::NetPolicy;
use engine::site::ReadLimits;
use std::time::Duration;

pub fn local_limits() -> ReadLimits {
    ReadLimits { delay: Duration::ZERO, any_port: true, ..ReadLimits::default() }
}

async fn discover_fixture(name: &str) -> (Discovery, Vec<String>) {
    let server = serve_site(name).await;
    let found = discover(&NetPolicy::new(true), &format!("{}/", server.uri()), &local_limits(), |_, _, _| {}).await.unwrap();
    (found, requested_paths(&server).await)
}

fn names<T>(items: &[domain::site::Sourced<T>]) -> Vec<String>
where
    T: ToString,
{
    items.iter().map(|s| s.value.to_string()).collect()
}

fn clients(d: &Discovery) -> Vec<String> {
    d.profile.clients.iter().map(|c| c.name.clone()).collect()
}

#[tokio::test]
async fn a_jekyll_style_site_is_read_through_its_menu_and_never_its_blog() {
    let (d, paths) = discover_fixture("jekyll").await;
    assert!(paths.contains(&"/robots.txt".to_string()), "{paths:?}");
    for p in ["/services/", "/work/", "/about/", "/team/", "/contact/", "/work/harbour-bank/", "/services/seo/"] {
        assert!(paths.iter().any(|x| x == p), "{p} not read: {paths:?}");
    }
    assert!(!paths.iter().any(|p| p.starts_with("/blog")), "blog read: {paths:?}");
    let p = &d.profile;
    assert_eq!(p.company_name.as_ref().unwrap().value, "Tidewater Digital");
    let services = names(&p.services);
    for s in ["Search Engine Optimisation", "Google Ads Management", "Web Design"] {
        assert!(services.contains(&s.to_string()), "{s} missing from {services:?}");
    }
    let c = clients(&d);
    for n in ["Harbour Bank", "Blue Fern Dental", "Kestrel Law"] {
        assert!(c.contains(&n.to_string()), "{n} missing from {c:?}");
    }
    assert!(!c.iter().any(|n| n.contains("Globex") || n.contains("Tidewater")), "{c:?}");
    let hb = p.clients.iter().find(|c| c.name == "Harbour Bank").unwrap();
    assert_eq!(hb.domain.as_deref(), Some("harbourbank.com.au"));
    let industries = names(&p.industries_served);
    assert!(industries.contains(&"Healthcare".to_string()) && industries.contains(&"Legal Services".to_string()), "{industries:?}");
    assert_eq!(p.team_size.as_ref().map(|t| t.value), Some(14));
    let places = names(&p.locations);
    assert!(places.contains(&"Brisbane".to_string()), "{places:?}");
    assert!(p.value_proposition.as_ref().unwrap().value.starts_with("More patients"));
    // The ICP: Australian small/mid companies, their owners and marketers; never the agency.
    let icp = &d.draft;
    assert_eq!(icp.locations, vec!["Australia"]);
    assert!(icp.exclusions.iter().any(|e| e == "Tidewater Digital"));
    assert!(icp.titles.iter().any(|t| t == "Head of Marketing"));
    let json = d.to_json();
    assert_eq!(json["pages"].as_array().unwrap().len(), d.read.pages.len());
}

#[tokio::test]
async fn a_single_page_site_is_read_by_its_sections() {
    let (d, paths) = discover_fixture("onepage").await;
    assert_eq!(d.read.pages.len(), 1, "{paths:?}");
    let p = &d.profile;
    let services = names(&p.services);
    for s in ["Brand identity", "Packaging design", "Shopify websites"] {
        assert!(services.contains(&s.to_string()), "{s} missing from {services:?}");
    }
    let c = clients(&d);
    for n in ["Pennine Coffee", "Maple & Moss", "Halden Gin", "Oatly Bakehouse", "Northern Cycle Co"] {
        assert!(c.contains(&n.to_string()), "{n} missing from {c:?}");
    }
    assert_eq!(p.team_size.as_ref().map(|t| t.value), Some(6));
    assert!(names(&p.locations).contains(&"Manchester".to_string()));
    assert_eq!(p.company_name.as_ref().unwrap().value, "Redbrick Studio");
    assert_eq!(d.draft.locations, vec!["United Kingdom"]);
}

#[tokio::test]
async fn the_sitemap_finds_pages_and_robots_txt_keeps_the_reader_out_of_disallowed_ones() {
    let (d, paths) = discover_fixture("sitemap").await;
    assert!(paths.contains(&"/sitemap.xml".to_string()));
    assert!(paths.contains(&"/capabilities/".to_string()) && paths.contains(&"/case-studies/lumen-health/".to_string()), "{paths:?}");
    assert!(!paths.iter().any(|p| p.starts_with("/clients")), "a disallowed page was requested: {paths:?}");
    assert!(!paths.iter().any(|p| p.starts_with("/blog")));
    assert!(d.read.skipped.iter().any(|s| s.url.ends_with("/clients/") && s.reason.contains("robots")));
    let c = clients(&d);
    assert!(!c.contains(&"Secret Client Ltd".to_string()));
    let lumen = d.profile.clients.iter().find(|c| c.name == "Lumen Health").expect("the case study's client");
    assert_eq!(lumen.domain.as_deref(), Some("lumenhealth.io"));
    let industries = names(&d.profile.industries_served);
    for i in ["Software & SaaS", "Fintech", "Information Technology"] {
        assert!(industries.contains(&i.to_string()), "{i} missing from {industries:?}");
    }
    let services = names(&d.profile.services);
    assert!(services.contains(&"Demand generation".to_string()) && services.contains(&"HubSpot CRM".to_string()), "{services:?}");
    let places = names(&d.profile.locations);
    assert!(places.contains(&"London".to_string()) && places.contains(&"New York".to_string()), "{places:?}");
    // "enterprise software" → bigger companies.
    assert!(d.draft.employees_min >= 51, "{:?}", d.draft.company_sizes);
}

#[tokio::test]
async fn clients_named_only_in_case_studies_are_found() {
    let (d, _) = discover_fixture("casestudies").await;
    let c = clients(&d);
    for n in ["Te Ara Trust", "University of Waikato", "Harbourside District Council"] {
        assert!(c.contains(&n.to_string()), "{n} missing from {c:?}");
    }
    assert!(!c.iter().any(|n| n == "Open Day campaign" || n == "Harbourside Council" || n.contains("Fieldhouse")), "{c:?}");
    let industries = names(&d.profile.industries_served);
    for i in ["Non-profit", "Education", "Government & Public Sector"] {
        assert!(industries.contains(&i.to_string()), "{i} missing from {industries:?}");
    }
    assert_eq!(d.profile.team_size.as_ref().map(|t| t.value), Some(9));
    let services = names(&d.profile.services);
    assert!(services.contains(&"Video production".to_string()), "{services:?}");
    assert_eq!(d.draft.locations, vec!["New Zealand"]);
}

#[tokio::test]
async fn placeholder_testimonials_and_logos_never_become_clients() {
    let (d, _) = discover_fixture("placeholder").await;
    let c = clients(&d);
    assert!(c.contains(&"Ruiz Plumbing".to_string()) && c.contains(&"Hill Country Dental".to_string()), "{c:?}");
    for bad in ["Company Name", "Acme Inc", "John Doe", "Jane Doe", "Client Logo 1", "Your Logo Here", "Project Title"] {
        assert!(!c.iter().any(|n| n.contains(bad)), "{bad} in {c:?}");
    }
    assert!(!c.iter().any(|n| n.to_lowercase().contains("lorem")));
    let services = names(&d.profile.services);
    assert!(services.contains(&"Local SEO".to_string()), "{services:?}");
    assert!(!services.iter().any(|s| s.to_lowercase().contains("lorem")));
    // "local businesses" → small companies; the owner decides.
    assert!(d.draft.employees_max <= 50);
    assert!(d.draft.titles.iter().any(|t| t == "Owner"));
}
