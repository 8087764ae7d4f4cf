//! One polite, policy-checked HTTP GET with its redirects (at most [`ReadLimits::max_redirects`],
//! every hop checked again), a per-request deadline inside the whole read's budget, a byte cap,
//! and a pause between requests to the same site.

use super::ReadLimits;
use crate::net::{self, NetError, NetPolicy, ReadError};
use std::time::{Duration, Instant};
use url::Url;

/// Why a page (or the whole site) was not read, worded for the person onboarding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("{0}")]
    Net(NetError),
    #[error("that is not a web address")]
    BadUrl,
    #[error("only http and https addresses can be read")]
    Scheme,
    #[error("only the standard web ports (80 and 443) can be read, not {0}")]
    Port(u16),
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("redirected off the site (to {0})")]
    OffSite(String),
    #[error("the page is larger than {0} bytes")]
    TooLarge(usize),
    #[error("not an HTML page ({0})")]
    NotHtml(String),
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the server did not answer in time")]
    TimedOut,
    #[error("the time allowed for reading the site ran out")]
    Budget,
    #[error("the site's robots.txt asks crawlers not to read it")]
    Robots,
    #[error("the connection failed")]
    Connect,
}

/// What kind of answer a request wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    Html,
    /// robots.txt, sitemaps: any text or XML.
    Text,
}

#[derive(Debug)]
pub struct Fetched {
    /// The address after redirects.
    pub url: Url,
    pub body: Vec<u8>,
    pub content_type: String,
}

pub struct Fetcher {
    client: reqwest::Client,
    policy: NetPolicy,
    limits: ReadLimits,
    started: Instant,
    last: Option<Instant>,
    /// The site's own Crawl-delay, when it asks for more than our default.
    pub crawl_delay: Duration,
    pub requests: usize,
}

impl Fetcher {
    pub fn new(policy: &NetPolicy, limits: &ReadLimits) -> Result<Self, FetchError> {
        let client = net::guard_http(reqwest::Client::builder().user_agent(limits.user_agent.clone()), policy)
            .connect_timeout(limits.request_timeout)
            .build()
            .map_err(|_| FetchError::Connect)?;
        Ok(Self { client, policy: policy.clone(), limits: limits.clone(), started: Instant::now(), last: None, crawl_delay: Duration::ZERO, requests: 0 })
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn remaining(&self) -> Duration {
        self.limits.total.saturating_sub(self.started.elapsed())
    }

    /// The checks made on every address before anything is sent to it: scheme, port, and the
    /// host (an IP literal as it is, a name through the policy's resolver).
    pub async fn check(&self, url: &Url) -> Result<(), FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Scheme);
        }
        let host = url.host_str().ok_or(FetchError::BadUrl)?;
        let port = url.port_or_known_default().ok_or(FetchError::BadUrl)?;
        // The url crate already turned 2130706433, 0x7f.1 and 0177.0.0.1 into 127.0.0.1.
        self.policy.check_url(url).map_err(FetchError::Net)?;
        self.policy.resolve(host, port).await.map_err(FetchError::Net)?;
        if url.port().is_some_and(|p| p != 80 && p != 443) && !self.limits.any_port {
            return Err(FetchError::Port(port));
        }
        Ok(())
    }

    async fn pace(&mut self) {
        let delay = self.limits.delay.max(self.crawl_delay);
        if let Some(last) = self.last {
            let wait = delay.saturating_sub(last.elapsed());
            if !wait.is_zero() {
                tokio::time::sleep(wait.min(self.remaining())).await;
            }
        }
        self.last = Some(Instant::now());
    }

    /// GETs `url`, following redirects that `allowed` accepts, each checked again.
    pub async fn get(&mut self, url: Url, want: Want, cap: usize, allowed: &(dyn Fn(&Url) -> bool + Sync)) -> Result<Fetched, FetchError> {
        let mut url = url;
        for _hop in 0..=self.limits.max_redirects {
            self.check(&url).await?;
            if self.remaining().is_zero() {
                return Err(FetchError::Budget);
            }
            self.pace().await;
            let deadline = self.limits.request_timeout.min(self.remaining());
            self.requests += 1;
            let accept = match want {
                Want::Html => "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
                Want::Text => "text/plain,application/xml,text/xml;q=0.9,*/*;q=0.1",
            };
            let started = Instant::now();
            let resp = match tokio::time::timeout(deadline, self.client.get(url.clone()).header(reqwest::header::ACCEPT, accept).send()).await {
                Err(_) => return Err(FetchError::TimedOut),
                Ok(Err(e)) => return Err(classify(&e)),
                Ok(Ok(r)) => r,
            };
            let status = resp.status();
            if status.is_redirection() {
                let next = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url.join(l.trim()).ok())
                    .ok_or(FetchError::Status(status.as_u16()))?;
                if !allowed(&next) {
                    return Err(FetchError::OffSite(next.host_str().unwrap_or("").to_string()));
                }
                url = next;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Status(status.as_u16()));
            }
            let content_type = resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
            let mime = content_type.split(';').next().unwrap_or("").trim().to_string();
            let acceptable = match want {
                Want::Html => mime.is_empty() || mime == "text/html" || mime == "application/xhtml+xml",
                Want::Text => mime.is_empty() || mime.starts_with("text/") || mime.ends_with("xml"),
            };
            if !acceptable {
                return Err(FetchError::NotHtml(mime));
            }
            let left = deadline.saturating_sub(started.elapsed());
            let body = match tokio::time::timeout(left, net::read_capped(resp, cap)).await {
                Err(_) => return Err(FetchError::TimedOut),
                Ok(Err(ReadError::TooLarge(n))) => return Err(FetchError::TooLarge(n)),
                Ok(Err(ReadError::Http(e))) => return Err(classify(&e)),
                Ok(Ok(b)) => b,
            };
            // No content type: only what starts like HTML is read as HTML.
            if want == Want::Html && mime.is_empty() {
                let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_lowercase();
                if !(head.contains("<html") || head.contains("<!doctype html") || head.contains("<head") || head.contains("<body")) {
                    return Err(FetchError::NotHtml("unknown type".into()));
                }
            }
            return Ok(Fetched { url, body, content_type });
        }
        Err(FetchError::TooManyRedirects(self.limits.max_redirects))
    }
}

fn classify(e: &reqwest::Error) -> FetchError {
    if let Some(n) = net::refusal_in(e) {
        return FetchError::Net(n);
    }
    if e.is_timeout() {
        FetchError::TimedOut
    } else {
        FetchError::Connect
    }
}

/// Decodes a page to text: the charset the server named, else a `<meta charset>`, else UTF-8.
pub fn decode(body: &[u8], content_type: &str) -> String {
    let from_header = content_type.split(';').find_map(|p| p.trim().strip_prefix("charset=")).map(|c| c.trim_matches('"').to_string());
    let from_meta = || {
        let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_lowercase();
        head.find("charset=").map(|i| head[i + 8..].trim_start_matches(['"', '\'']).chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect::<String>())
    };
    let label = from_header.or_else(from_meta).unwrap_or_else(|| "utf-8".into());
    let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    enc.decode(body).0.into_owned()
}
