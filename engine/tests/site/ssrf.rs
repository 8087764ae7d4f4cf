//! The reader goes only where the outbound policy allows: each hostile address is refused with
//! its reason, and a trap listener where it points proves no connection was made.

use crate::discovery::local_limits;
use crate::support::Trap;
use engine::net::{NetError, NetPolicy, StaticResolver};
use engine::site::{read_site, FetchError, ReadLimits};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn strict() -> NetPolicy {
    NetPolicy::new(false)
}

async fn refused(policy: &NetPolicy, url: &str, limits: &ReadLimits) -> FetchError {
    let started = Instant::now();
    let e = read_site(policy, url, limits).await.expect_err(url);
    assert!(started.elapsed() < Duration::from_secs(3), "{url} took {:?}", started.elapsed());
    e
}

#[tokio::test]
async fn loopback_and_its_other_spellings_are_refused_without_a_connection() {
    let trap = Trap::bind("127.0.0.1").await.unwrap();
    let port = trap.addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0177.0.0.1:{port}/"),
        format!("http://0x7f.0.0.1:{port}/"),
        format!("http://0x7f000001:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
    ] {
        assert_eq!(refused(&strict(), &url, &ReadLimits::default()).await, FetchError::Net(NetError::Private), "{url}");
    }
    assert_eq!(trap.hits(), 0);
    assert_eq!(FetchError::Net(NetError::Private).to_string(), "that address is on a private network");
}

#[tokio::test]
async fn ipv6_loopback_private_ranges_and_cloud_metadata_are_refused() {
    if let Some(trap) = Trap::bind("::1").await {
        let url = format!("http://[::1]:{}/", trap.addr.port());
        assert_eq!(refused(&strict(), &url, &ReadLimits::default()).await, FetchError::Net(NetError::Private));
        assert_eq!(trap.hits(), 0);
    }
    for url in ["http://10.0.0.1/", "http://10.20.30.40:8080/admin", "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://192.168.1.1/", "http://100.64.0.1/"] {
        assert_eq!(refused(&strict(), url, &ReadLimits::default()).await, FetchError::Net(NetError::Private), "{url}");
    }
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_refused() {
    let trap = Trap::bind("127.0.0.1").await.unwrap();
    let resolver = StaticResolver::new().with("agency.example", &["127.0.0.1".parse().unwrap()]).with("meta.example", &["169.254.169.254".parse().unwrap()]);
    let policy = strict().with_resolver(Arc::new(resolver));
    let url = format!("http://agency.example:{}/", trap.addr.port());
    assert_eq!(refused(&policy, &url, &local_limits()).await, FetchError::Net(NetError::Private));
    assert_eq!(refused(&policy, "http://meta.example/", &ReadLimits::default()).await, FetchError::Net(NetError::Private));
    assert_eq!(trap.hits(), 0);
}

#[tokio::test]
async fn schemes_other_than_http_and_odd_ports_are_refused() {
    for url in ["file:///etc/passwd", "ftp://agency.example/", "gopher://agency.example:70/", "javascript:alert(1)", "data:text/html,hi"] {
        assert_eq!(refused(&strict(), url, &ReadLimits::default()).await, FetchError::Scheme, "{url}");
    }
    // A public-looking server on a non-web port: refused by the port rule before any request.
    let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let server = MockServer::builder().listener(listener).start().await;
    let addr = server.address();
    let policy = strict().vouch_for(addr.ip());
    assert_eq!(refused(&policy, &format!("http://{addr}/"), &ReadLimits::default()).await, FetchError::Port(addr.port()));
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A public-looking site (127.0.0.2, vouched for as public) that redirects to `location`.
async fn redirector(location: &str) -> (MockServer, NetPolicy) {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(302).insert_header("location", location)).mount(&server).await;
    let ip: IpAddr = "127.0.0.2".parse().unwrap();
    let resolver = StaticResolver::new().with("public.example", &[ip]).with("inside.example", &["127.0.0.1".parse().unwrap()]);
    (server, strict().vouch_for(ip).with_resolver(Arc::new(resolver)))
}

#[tokio::test]
async fn a_redirect_from_a_public_host_to_a_private_one_is_refused_at_the_hop() {
    let trap = Trap::bind("127.0.0.1").await.unwrap();
    let port = trap.addr.port();
    for target in [format!("http://127.0.0.1:{port}/"), format!("http://inside.example:{port}/"), format!("http://2130706433:{port}/"), "http://169.254.169.254/latest/".to_string()] {
        let (server, policy) = redirector(&target).await;
        let url = format!("http://public.example:{}/", server.address().port());
        assert_eq!(refused(&policy, &url, &local_limits()).await, FetchError::Net(NetError::Private), "{target}");
        assert!(!server.received_requests().await.unwrap().is_empty(), "the public host was asked");
    }
    assert_eq!(trap.hits(), 0);
}
