//! The reader's limits: huge pages, slow pages, endless redirects and non-HTML answers are each
//! skipped with their reason, and the rest of the site is still read.

use crate::discovery::local_limits;
use engine::net::NetPolicy;
use engine::site::{read_site, FetchError, ReadLimits};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn html(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/html; charset=utf-8")
}

/// Redirects every path to itself plus one more letter.
struct Endless;
impl Respond for Endless {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        ResponseTemplate::new(301).insert_header("location", format!("{}x", req.url.path()).as_str())
    }
}

#[tokio::test]
async fn huge_slow_redirecting_and_non_html_pages_are_skipped_with_their_reason() {
    let server = MockServer::start().await;
    let home = r#"<html><head><title>Limits Agency</title></head><body><nav>
        <a href="/about/">About</a><a href="/services/">Services</a><a href="/work/">Work</a><a href="/team/">Team</a><a href="/clients/">Clients</a><a href="/contact/">Contact</a></nav>
        <h1>We test limits</h1></body></html>"#;
    Mock::given(method("GET")).and(path("/")).respond_with(html(home)).mount(&server).await;
    // 3 MB of HTML, announced; and a chunked one without Content-Length is cut while reading.
    Mock::given(path("/about/")).respond_with(html(&format!("<html><body><p>{}</p></body></html>", "a".repeat(3 * 1024 * 1024)))).mount(&server).await;
    Mock::given(path("/services/")).respond_with(ResponseTemplate::new(200).set_body_raw(vec![b'%'; 1000], "application/pdf")).mount(&server).await;
    Mock::given(path("/work/")).respond_with(html("<h1>Slow</h1>").set_delay(Duration::from_secs(4))).mount(&server).await;
    Mock::given(path_regex("^/team")).respond_with(Endless).mount(&server).await;
    Mock::given(path("/clients/")).respond_with(ResponseTemplate::new(200).set_body_raw(vec![0u8; 10], "image/png")).mount(&server).await;
    Mock::given(path("/contact/")).respond_with(html("<h1>Contact</h1><p>Based in Perth.</p>")).mount(&server).await;
    let limits = ReadLimits { request_timeout: Duration::from_secs(1), ..local_limits() };
    let started = Instant::now();
    let read = read_site(&NetPolicy::new(true), &format!("{}/", server.uri()), &limits).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    let reason = |p: &str| read.skipped.iter().find(|s| s.url.ends_with(p)).map(|s| s.reason.clone()).unwrap_or_else(|| panic!("{p} not skipped: {:?}", read.skipped));
    assert!(reason("/about/").contains("larger than 2097152 bytes"));
    assert_eq!(reason("/services/"), "not an HTML page (application/pdf)");
    assert_eq!(reason("/work/"), "the server did not answer in time");
    assert_eq!(reason("/team/"), "more than 5 redirects");
    assert_eq!(reason("/clients/"), "not an HTML page (image/png)");
    let read_paths: Vec<&str> = read.pages.iter().map(|p| p.url.as_str()).collect();
    assert!(read_paths.iter().any(|u| u.ends_with("/contact/")), "{read_paths:?}");
    // Six hops at most for the redirecting page: the first request and five redirects.
    let team_requests = server.received_requests().await.unwrap().iter().filter(|r| r.url.path().starts_with("/team")).count();
    assert_eq!(team_requests, 6);
}

#[tokio::test]
async fn a_start_page_that_redirects_forever_or_is_not_html_is_refused() {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/loop")).respond_with(Endless).mount(&server).await;
    Mock::given(path("/file.pdf")).respond_with(ResponseTemplate::new(200).set_body_raw(vec![1u8; 10], "application/pdf")).mount(&server).await;
    let policy = NetPolicy::new(true);
    assert_eq!(read_site(&policy, &format!("{}/loop", server.uri()), &local_limits()).await.unwrap_err(), FetchError::TooManyRedirects(5));
    assert_eq!(read_site(&policy, &format!("{}/file.pdf", server.uri()), &local_limits()).await.unwrap_err(), FetchError::NotHtml("application/pdf".into()));
}

#[tokio::test]
async fn the_whole_read_stops_when_its_time_is_spent_and_pages_are_capped() {
    let server = MockServer::start().await;
    let links: String = (0..40).map(|i| format!("<a href=\"/work/case-{i}/\">Case {i}</a><a href=\"/services/s-{i}/\">S {i}</a>")).collect();
    Mock::given(path("/")).respond_with(html(&format!("<html><body><a href=\"/about/\">About</a><a href=\"/work/\">Work</a>{links}</body></html>"))).mount(&server).await;
    Mock::given(path_regex("^/(about|work|services)")).respond_with(html("<h1>Page</h1>").set_delay(Duration::from_millis(300))).mount(&server).await;
    let limits = ReadLimits { total: Duration::from_secs(2), ..local_limits() };
    let started = Instant::now();
    let read = read_site(&NetPolicy::new(true), &format!("{}/", server.uri()), &limits).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(2_800), "{:?}", started.elapsed());
    assert!(read.pages.len() < 10, "{}", read.pages.len());
    assert!(read.notes.iter().any(|n| n.contains("ran out")), "{:?}", read.notes);
    // Without the time limit, 25 pages at most (robots.txt and the sitemap not counted).
    let read = read_site(&NetPolicy::new(true), &format!("{}/", server.uri()), &ReadLimits { total: Duration::from_secs(60), ..local_limits() }).await;
    let read = read.unwrap();
    assert_eq!(read.pages.len(), 25);
    // Section pages before case studies: About and Work are read whatever the order of links.
    assert!(read.pages[1..3].iter().all(|p| p.url.ends_with("/about/") || p.url.ends_with("/work/")), "{:?}", read.pages.iter().map(|p| &p.url).collect::<Vec<_>>());
}
