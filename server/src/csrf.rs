//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers label every request with where it came from: `Sec-Fetch-Site` (all current
//! browsers) and `Origin` (on every POST). A request that changes state is allowed only when it
//! provably comes from our own pages: `Sec-Fetch-Site: same-origin`, or an `Origin` equal to our
//! public URL or the request's own host. A cookie-carrying request with neither header is refused,
//! so a forged form on another site can never act with the user's session. Requests without a
//! session cookie cannot act as anyone and pass through to their own authentication (REST API
//! keys, signed webhooks, the one-click unsubscribe POST that mail clients send).

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(Clone)]
pub struct CsrfPolicy {
    pub public_origin: String,
    pub session_cookie: &'static str,
}

fn origin_of(url: &str) -> &str {
    // scheme://host[:port] — drop any path.
    match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => &url[..i + 3 + j],
            None => url,
        },
        None => url,
    }
}

pub fn is_allowed(policy: &CsrfPolicy, method: &Method, headers: &axum::http::HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
        return true;
    }
    let has_session = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.split(';').any(|kv| kv.trim().starts_with(&format!("{}=", policy.session_cookie))));
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none" is a user typing the URL or using a bookmark: not forgeable by another site.
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        if origin == "null" {
            return false;
        }
        if origin.eq_ignore_ascii_case(origin_of(&policy.public_origin)) {
            return true;
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        return !host.is_empty() && origin_host.eq_ignore_ascii_case(host);
    }
    !has_session
}

/// Routes that act on no session and carry their own authorisation, so a request to them can
/// never be forged into acting as a logged-in user: the unsubscribe links (a signed token),
/// whose RFC 8058 one-click POST comes from mail providers' servers, and whose page a person
/// who also happens to be logged in to Agency OS must still be able to use.
pub fn is_exempt(path: &str) -> bool {
    path.starts_with("/u/")
}

pub async fn protect(State(policy): State<CsrfPolicy>, req: Request, next: Next) -> Response {
    if is_exempt(req.uri().path()) || is_allowed(&policy, req.method(), req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(method = %req.method(), path = %crate::telemetry::redact_path(req.uri().path()), "refused a cross-site state-changing request");
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"error":"This request did not come from an Agency OS page (cross-site request refused). Reload the page and try again."}"#,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn policy() -> CsrfPolicy {
        CsrfPolicy { public_origin: "https://app.example.com".into(), session_cookie: "aos_session" }
    }

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        m
    }

    #[test]
    fn reads_are_never_blocked() {
        assert!(is_allowed(&policy(), &Method::GET, &h(&[("cookie", "aos_session=x"), ("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn a_cross_site_post_with_a_session_is_refused() {
        let p = policy();
        assert!(!is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("sec-fetch-site", "cross-site")])));
        assert!(!is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("sec-fetch-site", "same-site")])));
        assert!(!is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("origin", "https://evil.example")])));
        assert!(!is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("origin", "null")])));
        assert!(!is_allowed(&p, &Method::POST, &h(&[("cookie", "a=b; aos_session=x")])));
    }

    #[test]
    fn our_own_pages_may_post() {
        let p = policy();
        assert!(is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("sec-fetch-site", "same-origin")])));
        assert!(is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("origin", "https://app.example.com")])));
        assert!(is_allowed(&p, &Method::POST, &h(&[("cookie", "aos_session=x"), ("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn only_the_unsubscribe_links_are_exempt() {
        assert!(is_exempt("/u/abc"));
        assert!(!is_exempt("/users"));
        assert!(!is_exempt("/api/u/abc"));
        assert!(!is_exempt("/w/1/u/abc"));
    }

    #[test]
    fn requests_without_a_session_go_on_to_their_own_authentication() {
        assert!(is_allowed(&policy(), &Method::POST, &h(&[])));
    }
}
