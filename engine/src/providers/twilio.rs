//! Twilio (SMS): how Twilio proves a webhook request is its own.
//!
//! `X-Twilio-Signature` is `base64(HMAC-SHA1(auth token, URL + every POST parameter's name and
//! value, sorted by name))`, where the URL is the full address Twilio requested, query string
//! included (`../shared/reference/providers/twilio-signature-vector.json`). As Twilio's own
//! validators do, the URL is tried as given and with its default port added or removed
//! (Twilio signs `https://host/path` or `https://host:443/path` depending on how the webhook was
//! configured). JSON bodies are signed over the URL alone and carry `bodySHA256` in its query.
//!
//! What this module must not do: read anything of a request before its signature matched.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The `X-Twilio-Signature` Twilio computes for a form-encoded POST of `params` to `url`.
/// Parameters are sorted by name, then value (repeated names, e.g. several `MediaUrl0`, each
/// contribute), the same pair counted once.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(auth_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `url` as given, with the scheme's default port made explicit, and without it: the forms
/// Twilio may have signed.
fn url_variants(url: &str) -> Vec<String> {
    let mut out = vec![url.to_string()];
    if let Ok(u) = url::Url::parse(url) {
        // `Url` drops a scheme's default port when it parses, so its text is the form without.
        let without = u.to_string();
        if u.port().is_none() {
            if let (Some(host), Some(port)) = (u.host_str(), u.port_or_known_default()) {
                // `Url` refuses to print a default port, so it is written in by hand.
                out.push(without.replacen(&format!("://{host}"), &format!("://{host}:{port}"), 1));
            }
        }
        out.push(without);
    }
    out.sort();
    out.dedup();
    out
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether `header` (the request's `X-Twilio-Signature`) is Twilio's signature of a
/// form-encoded POST of `params` to `url`. An empty token or header never matches.
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header: Option<&str>) -> bool {
    let Some(got) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return false;
    };
    if auth_token.is_empty() {
        return false;
    }
    // Every variant is compared (no early exit on the first match).
    url_variants(url).iter().fold(false, |ok, u| same(&signature(auth_token, u, params), got) | ok)
}

/// The JSON-body variant: the signature covers the URL alone, and the URL's `bodySHA256`
/// parameter must be the base64 SHA-256 of the exact body.
pub fn verify_json(auth_token: &str, url: &str, body: &[u8], header: Option<&str>) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    let Some(claimed) = parsed.query_pairs().find(|(k, _)| k == "bodySHA256").map(|(_, v)| v.into_owned()) else {
        return false;
    };
    let actual = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
    verify(auth_token, url, &[], header) & same(&actual, &claimed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn vector() -> Value {
        // A copy of ../shared/reference/providers/twilio-signature-vector.json, unchanged.
        serde_json::from_str(include_str!("../../tests/fixtures/providers/twilio-signature-vector.json")).unwrap()
    }

    fn params(v: &Value) -> Vec<(String, String)> {
        v["params"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
    }

    #[test]
    fn the_documented_vector_verifies() {
        let v = vector();
        let token = v["auth_token"].as_str().unwrap();
        let url = v["url"].as_str().unwrap();
        let expected = v["expected_X-Twilio-Signature"].as_str().unwrap();
        assert_eq!(signature(token, url, &params(&v)), expected);
        assert!(verify(token, url, &params(&v), Some(expected)));
    }

    #[test]
    fn parameter_order_does_not_matter_but_every_byte_does() {
        let v = vector();
        let (token, url) = (v["auth_token"].as_str().unwrap(), v["url"].as_str().unwrap());
        let expected = v["expected_X-Twilio-Signature"].as_str().unwrap();
        let mut p = params(&v);
        p.reverse();
        assert!(verify(token, url, &p, Some(expected)));
        // A changed parameter, an added one, a changed URL, another token, a wrong or missing
        // header: all refused.
        let mut changed = p.clone();
        changed[0].1.push('9');
        assert!(!verify(token, url, &changed, Some(expected)));
        let mut added = p.clone();
        added.push(("Body".into(), "STOP".into()));
        assert!(!verify(token, url, &added, Some(expected)));
        assert!(!verify(token, "https://mycompany.com/myapp.php?foo=1&bar=3", &p, Some(expected)));
        assert!(!verify("54321", url, &p, Some(expected)));
        assert!(!verify(token, url, &p, Some("RSOYDt4T1cUTdK1PDd93/VVr8B9=")));
        assert!(!verify(token, url, &p, None));
        assert!(!verify(token, url, &p, Some("")));
        assert!(!verify("", url, &p, Some(expected)));
    }

    #[test]
    fn the_url_may_have_been_signed_with_or_without_its_default_port() {
        let v = vector();
        let (token, url) = (v["auth_token"].as_str().unwrap(), v["url"].as_str().unwrap());
        let p = params(&v);
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        let signed_with_port = signature(token, with_port, &p);
        assert!(verify(token, url, &p, Some(&signed_with_port)));
        let signed_without = signature(token, url, &p);
        assert!(verify(token, with_port, &p, Some(&signed_without)));
        // Another port is another URL.
        assert!(!verify(token, "https://mycompany.com:8443/myapp.php?foo=1&bar=2", &p, Some(&signed_without)));
    }

    #[test]
    fn a_json_body_is_bound_by_its_hash_in_the_url() {
        let v = vector();
        let token = v["auth_token"].as_str().unwrap();
        let body = v["json_body_variant"]["body"].as_str().unwrap();
        let hash = v["json_body_variant"]["bodySHA256_base64"].as_str().unwrap();
        let url = format!("https://mycompany.com/myapp?bodySHA256={}", url::form_urlencoded::byte_serialize(hash.as_bytes()).collect::<String>());
        let sig = signature(token, &url, &[]);
        assert!(verify_json(token, &url, body.as_bytes(), Some(&sig)));
        assert!(!verify_json(token, &url, b"{\"property\": \"other\", \"boolean\": true}", Some(&sig)));
        assert!(!verify_json(token, "https://mycompany.com/myapp", body.as_bytes(), Some(&signature(token, "https://mycompany.com/myapp", &[]))));
    }
}
