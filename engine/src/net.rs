//! The one outbound-connection policy for every host a tenant names (DESIGN "net"): an
//! OpenAI-compatible base URL, a Clay webhook URL, SMTP and IMAP servers.
//!
//! Sign-up is open, so such a host is attacker input. Every connection to one:
//! 1. resolves the name once ([`NetPolicy::resolve`]), through an injectable [`HostResolver`];
//! 2. drops every address that is not on the public internet ([`blocked`]: loopback, private,
//!    link-local and cloud metadata, CGNAT, multicast, documentation, IPv4 inside IPv6, …),
//!    and refuses when none is left;
//! 3. connects to a checked address only: [`connect_tcp`] for SMTP/IMAP; for HTTP a reqwest
//!    client ([`guard_http`]) whose DNS resolver is the policy, that follows no redirect and
//!    uses no proxy, plus [`NetPolicy::check_url`] for URLs naming an IP literal (reqwest
//!    resolves nothing for those);
//! 4. reads answers with a byte cap ([`read_capped`]).
//!
//! The operator may allow private addresses (`AGENCY_OS_FETCH_ALLOW_PRIVATE`, for a local
//! model server or the test sinks); without that, plain-text SMTP/IMAP is refused too.
//!
//! Errors are [`NetError`]: a classified reason worded for the tenant, never the remote
//! server's text. What this module must not do: know about providers or mail.

use async_trait::async_trait;
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// Why a connection to a tenant-named host did not happen or went wrong, worded for the
/// tenant. Deliberately carries nothing the remote server said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    #[error("that address is on a private network")]
    Private,
    #[error("plain-text connections are not allowed; use TLS")]
    PlainText,
    #[error("the host name could not be resolved")]
    NoSuchHost,
    #[error("the connection was refused")]
    Refused,
    #[error("the server did not answer in time")]
    TimedOut,
    #[error("the TLS handshake failed")]
    Tls,
    #[error("authentication failed")]
    Auth,
    #[error("the server gave an unexpected answer")]
    Unexpected,
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("{0:?} is not a valid host")]
    BadHost(String),
}

/// Looks host names up. The system resolver in production; tests inject a [`StaticResolver`]
/// to make a public-looking name resolve to an address of their choosing.
#[async_trait]
pub trait HostResolver: Send + Sync + fmt::Debug {
    async fn lookup(&self, host: &str) -> io::Result<Vec<IpAddr>>;
}

/// `getaddrinfo` through tokio.
#[derive(Debug, Default)]
pub struct SystemResolver;

#[async_trait]
impl HostResolver for SystemResolver {
    async fn lookup(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect())
    }
}

/// Fixed answers for some names, the system resolver for the rest.
#[derive(Debug, Default, Clone)]
pub struct StaticResolver(HashMap<String, Vec<IpAddr>>);

impl StaticResolver {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn with(mut self, host: &str, ips: &[IpAddr]) -> Self {
        self.0.insert(host.to_ascii_lowercase(), ips.to_vec());
        self
    }
}

#[async_trait]
impl HostResolver for StaticResolver {
    async fn lookup(&self, host: &str) -> io::Result<Vec<IpAddr>> {
        match self.0.get(&host.to_ascii_lowercase()) {
            Some(ips) => Ok(ips.clone()),
            None => SystemResolver.lookup(host).await,
        }
    }
}

/// The policy: whether private addresses are allowed, how names are resolved, how much of an
/// answer is read. Cheap to clone; one per installation (`engine::Settings::net`).
#[derive(Clone)]
pub struct NetPolicy {
    allow_private: bool,
    resolver: Arc<dyn HostResolver>,
    /// Addresses treated as public although they are not: a test's stand-in for a public
    /// server (a mock bound to 127.0.0.2 while the trap listens on 127.0.0.1).
    vouched: Arc<Vec<IpAddr>>,
    /// The most bytes read from one HTTP answer.
    pub max_body: usize,
}

impl fmt::Debug for NetPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetPolicy")
            .field("allow_private", &self.allow_private)
            .field("resolver", &self.resolver)
            .field("vouched", &self.vouched)
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Default for NetPolicy {
    /// Strict: public addresses only, TLS required for mail.
    fn default() -> Self {
        Self::new(false)
    }
}

/// The longest a name lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// A model's answer is a few KiB; a webhook's acknowledgement less.
pub const DEFAULT_MAX_BODY: usize = 2 * 1024 * 1024;

impl NetPolicy {
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private, resolver: Arc::new(SystemResolver), vouched: Arc::new(Vec::new()), max_body: DEFAULT_MAX_BODY }
    }

    pub fn with_resolver(mut self, resolver: Arc<dyn HostResolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Treats `ip` as public (tests only: a stand-in for a server on the internet).
    pub fn vouch_for(mut self, ip: IpAddr) -> Self {
        Arc::make_mut(&mut self.vouched).push(ip);
        self
    }

    /// Whether the operator allowed private addresses (and with them plain-text mail).
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Whether a connection to `ip` is allowed.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), NetError> {
        if self.allow_private || self.vouched.contains(&ip) {
            return Ok(());
        }
        match blocked(ip) {
            None => Ok(()),
            Some(range) => {
                tracing::warn!(%ip, range, "refused a connection to a non-public address");
                Err(NetError::Private)
            }
        }
    }

    /// Plain-text mail protocols only where private addresses are allowed.
    pub fn check_plain_text(&self) -> Result<(), NetError> {
        if self.allow_private {
            Ok(())
        } else {
            Err(NetError::PlainText)
        }
    }

    /// Resolves `host` once and keeps the allowed addresses (a name answering with both a
    /// public and a private address is used through the public one only). An IP literal is
    /// checked as it is.
    pub async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, NetError> {
        let host = host.trim().trim_end_matches('.');
        let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        if bare.is_empty() || bare.len() > 253 || bare.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
            return Err(NetError::BadHost(host.chars().take(80).collect()));
        }
        let ips = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            // A tenant's slow DNS holds nobody for long, the edge check included.
            Err(_) => match tokio::time::timeout(LOOKUP_TIMEOUT, self.resolver.lookup(bare)).await {
                Ok(Ok(ips)) if !ips.is_empty() => ips,
                Ok(_) => return Err(NetError::NoSuchHost),
                Err(_) => return Err(NetError::TimedOut),
            },
        };
        let mut last = NetError::NoSuchHost;
        let mut ok = Vec::new();
        for ip in ips {
            match self.check_ip(ip) {
                Ok(()) => ok.push(SocketAddr::new(ip, port)),
                Err(e) => last = e,
            }
        }
        if ok.is_empty() {
            return Err(last);
        }
        Ok(ok)
    }

    /// Edge validation of a host a tenant typed: refused when it is, or resolves only to, a
    /// private address. A name that does not resolve (yet) is let through: the check at
    /// connect time is the real guard.
    pub async fn check_host(&self, host: &str) -> Result<(), NetError> {
        match self.resolve(host, 0).await {
            Ok(_) | Err(NetError::NoSuchHost | NetError::TimedOut) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// [`Self::check_host`] for a URL; also refuses what is not http(s).
    pub async fn check_url_host(&self, url: &str) -> Result<(), NetError> {
        let u = reqwest::Url::parse(url.trim()).map_err(|_| NetError::BadHost(url.chars().take(80).collect()))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err(NetError::BadHost(url.chars().take(80).collect()));
        }
        match u.host_str() {
            Some(h) => match literal_ip(h) {
                Some(ip) => self.check_ip(ip),
                None => self.check_host(h).await,
            },
            None => Err(NetError::BadHost(url.chars().take(80).collect())),
        }
    }

    /// Checked before every HTTP request: reqwest consults the resolver for names only, so a
    /// URL naming an IP literal is checked here.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), NetError> {
        match url.host_str() {
            Some(h) => literal_ip(h).map_or(Ok(()), |ip| self.check_ip(ip)),
            None => Err(NetError::BadHost(String::new())),
        }
    }
}

/// The IP address a URL host names literally (`[::1]` included), if it names one.
fn literal_ip(host: &str) -> Option<IpAddr> {
    host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host).parse().ok()
}

/// Resolves, checks and connects to a checked address, all within `deadline`: what SMTP and
/// IMAP open their connections with. Tries the allowed addresses in the order the resolver
/// gave them.
pub async fn connect_tcp(policy: &NetPolicy, host: &str, port: u16, deadline: Duration) -> Result<TcpStream, NetError> {
    let attempt = async {
        let addrs = policy.resolve(host, port).await?;
        let mut last = NetError::Refused;
        for addr in addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Err(e) => {
                    tracing::debug!(%addr, error = %e, "connect failed");
                    last = if e.kind() == io::ErrorKind::TimedOut { NetError::TimedOut } else { NetError::Refused };
                }
            }
        }
        Err(last)
    };
    tokio::time::timeout(deadline, attempt).await.map_err(|_| NetError::TimedOut)?
}

/// A reqwest client builder that connects only where `policy` allows: its resolver filters
/// every answer, it follows no redirect (API calls need none, and a redirect could point at
/// an IP literal the resolver never sees), and it ignores proxy variables (a proxy would
/// resolve the name itself).
pub fn guard_http(builder: reqwest::ClientBuilder, policy: &NetPolicy) -> reqwest::ClientBuilder {
    builder
        .dns_resolver(Arc::new(PolicyResolver(policy.clone())))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
}

struct PolicyResolver(NetPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let addrs = policy.resolve(name.as_str(), 0).await.map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// TLS for a mail server: the Mozilla roots (webpki-roots), ring, safe protocol versions.
pub fn tls_client_config() -> Result<Arc<tokio_rustls::rustls::ClientConfig>, tokio_rustls::rustls::Error> {
    use tokio_rustls::rustls;
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The policy's refusal inside a reqwest error, if that is what it was.
pub fn refusal_in(e: &(dyn std::error::Error + 'static)) -> Option<NetError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(n) = err.downcast_ref::<NetError>() {
            return Some(n.clone());
        }
        cur = err.source();
    }
    None
}

/// Reads a whole HTTP answer, refusing one longer than `cap` (by its Content-Length before
/// reading, else as soon as the bytes pass the cap).
pub async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, ReadError> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(ReadError::TooLarge(cap));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ReadError::Http)? {
        if body.len() + chunk.len() > cap {
            return Err(ReadError::TooLarge(cap));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[derive(Debug)]
pub enum ReadError {
    TooLarge(usize),
    Http(reqwest::Error),
}

/// The range a non-public address belongs to, or `None` for a public one.
pub fn blocked(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], bits: u32) -> bool {
    let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn blocked_v4(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "unspecified / this network"),
        ([10, 0, 0, 0], 8, "private"),
        ([100, 64, 0, 0], 10, "carrier-grade NAT"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([169, 254, 0, 0], 16, "link-local / cloud metadata"),
        ([172, 16, 0, 0], 12, "private"),
        ([192, 0, 0, 0], 24, "IETF protocol assignments"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([192, 88, 99, 0], 24, "6to4 relay"),
        ([192, 168, 0, 0], 16, "private"),
        ([198, 18, 0, 0], 15, "benchmarking"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([240, 0, 0, 0], 4, "reserved / broadcast"),
    ];
    RANGES.iter().find(|(net, bits, _)| in_v4(ip, *net, *bits)).map(|(_, _, why)| *why)
}

fn in_v6(ip: Ipv6Addr, net: u128, bits: u32) -> bool {
    let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
    u128::from(ip) & mask == net & mask
}

fn blocked_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let n = u128::from(ip);
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // IPv4 inside IPv6: mapped (::ffff:a.b.c.d) and the deprecated compatible form (::a.b.c.d)
    // are never what a public name answers; refused whatever they embed.
    if in_v6(ip, 0xffff_u128 << 32, 96) {
        return Some("IPv4-mapped");
    }
    if in_v6(ip, 0, 96) {
        return Some("IPv4-compatible");
    }
    // Translators reach the embedded IPv4 address, so that address decides.
    if in_v6(ip, 0x0064_ff9b_u128 << 96, 96) {
        let v4 = Ipv4Addr::from(n as u32);
        return blocked_v4(v4).map(|_| "NAT64 of a non-public IPv4 address");
    }
    if in_v6(ip, 0x2002_u128 << 112, 16) {
        let v4 = Ipv4Addr::from((n >> 80) as u32);
        return blocked_v4(v4).map(|_| "6to4 of a non-public IPv4 address");
    }
    const RANGES: &[(u128, u32, &str)] = &[
        (0x0064_ff9b_0001_u128 << 80, 48, "local-use NAT64"),
        (0x0100_u128 << 112, 64, "discard-only"),
        (0x2001_0000_u128 << 96, 32, "Teredo"),
        (0x2001_0002_u128 << 96, 48, "benchmarking"),
        (0x2001_0010_u128 << 96, 28, "ORCHID"),
        (0x2001_0db8_u128 << 96, 32, "documentation"),
        (0x3fff_u128 << 112, 20, "documentation"),
        (0xfc00_u128 << 112, 7, "unique local / cloud metadata"),
        (0xfe80_u128 << 112, 10, "link-local"),
        (0xfec0_u128 << 112, 10, "site-local"),
        (0xff00_u128 << 112, 8, "multicast"),
    ];
    if let Some((_, _, why)) = RANGES.iter().find(|(net, bits, _)| in_v6(ip, *net, *bits)) {
        return Some(why);
    }
    // Only global unicast (2000::/3) is on the internet.
    if !in_v6(ip, 0x2000_u128 << 112, 3) {
        return Some("not global unicast");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_non_public_range_is_refused() {
        for a in [
            "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1", "127.9.9.9",
            "169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255", "192.0.0.171", "192.0.2.1", "192.88.99.1",
            "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
            "240.0.0.1", "255.255.255.255", "::", "::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:8.8.8.8",
            "::10.0.0.1", "::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::169.254.169.254",
            "64:ff9b:1::1", "2002:0a00:0001::1", "2002:7f00:0001::", "2002:a9fe:a9fe::1", "100::1", "2001::1",
            "2001:2::1", "2001:10::1", "2001:db8::1", "3fff::1", "fc00::1", "fd00:ec2::254", "fdff::1", "fe80::1",
            "febf::1", "fec0::1", "ff02::1", "ff05::1:3", "4000::1", "::2",
        ] {
            assert!(blocked(ip(a)).is_some(), "{a} should be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "1.1.1.1", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.15.255.255", "172.32.0.1", "169.253.1.1",
            "192.0.1.1", "192.169.0.1", "198.20.0.1", "223.255.255.254", "2606:4700:4700::1111", "2001:4860:4860::8888",
            "64:ff9b::8.8.8.8", "2002:0808:0808::1", "2a00:1450:4001:81c::200e",
        ] {
            assert_eq!(blocked(ip(a)), None, "{a} should pass");
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_a_private_address_is_refused_and_mixed_answers_keep_the_public_one() {
        let r = StaticResolver::new()
            .with("model.example", &[ip("10.1.2.3")])
            .with("mixed.example", &[ip("127.0.0.1"), ip("93.184.216.34")]);
        let p = NetPolicy::new(false).with_resolver(Arc::new(r));
        assert_eq!(p.resolve("model.example", 443).await, Err(NetError::Private));
        assert_eq!(p.resolve("mixed.example", 443).await.unwrap(), vec!["93.184.216.34:443".parse().unwrap()]);
        assert_eq!(p.resolve("[::1]", 25).await, Err(NetError::Private));
        assert_eq!(p.resolve("169.254.169.254", 80).await, Err(NetError::Private));
        assert!(matches!(p.resolve("smtp example", 25).await, Err(NetError::BadHost(_))));
        assert_eq!(p.check_url_host("http://10.0.0.5:8080/v1").await, Err(NetError::Private));
        assert_eq!(p.check_url_host("https://model.example/v1").await, Err(NetError::Private));
        assert!(p.check_url_host("file:///etc/passwd").await.is_err());
        // The operator's override lets everything through.
        let open = NetPolicy::new(true).with_resolver(Arc::new(StaticResolver::new().with("model.example", &[ip("10.1.2.3")])));
        assert!(open.resolve("model.example", 443).await.is_ok());
        assert!(open.check_plain_text().is_ok() && p.check_plain_text().is_err());
    }
}
