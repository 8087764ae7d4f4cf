//! Security headers on every response, and the Content-Security-Policy of the pages.
//!
//! Pages are rendered by Leptos, whose hydration scripts are inline `<script type="module">`
//! tags carrying a fresh nonce per response (leptos_axum's `nonce` feature); the page's policy
//! names that nonce ([`page_policy`], set while the page renders), so those scripts run and
//! any script an attacker manages to inject does not. Every other response gets [`BASE`],
//! which allows no inline script at all. `'wasm-unsafe-eval'` lets the app's WebAssembly
//! compile; inline `style` attributes (progress bars) need `'unsafe-inline'` for styles only.

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

const POLICY: &str = "default-src 'self'; script-src 'self' {nonce}'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// The policy of responses that are not pages: no inline script.
pub fn base() -> String {
    POLICY.replace("{nonce}", "")
}

/// The policy of a page whose inline scripts carry `nonce`.
pub fn page_policy(nonce: &str) -> String {
    POLICY.replace("{nonce}", &format!("'nonce-{nonce}' "))
}

/// Inside a page render: puts the policy with this render's nonce on the response.
pub fn provide_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else { return };
    if let Ok(v) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, v);
    }
}

/// Adds the headers to every response; a page's own policy (with its nonce) is kept. HSTS
/// only when the public URL is https (a browser would otherwise refuse plain http to a
/// development host for a year).
pub async fn add(hsts: bool, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&base()) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_page_policy_allows_inline_scripts_and_only_with_its_nonce() {
        let script_src = |p: &str| p.split(';').find(|d| d.trim().starts_with("script-src")).unwrap().to_string();
        assert_eq!(script_src(&base()).trim(), "script-src 'self' 'wasm-unsafe-eval'");
        let p = page_policy("abc123");
        assert_eq!(script_src(&p).trim(), "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'");
        assert!(p.contains("frame-ancestors 'none'"));
    }
}
