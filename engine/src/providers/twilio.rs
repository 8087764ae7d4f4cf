//! Twilio (SMS): sending through the Messages API, and how Twilio proves a webhook request is
//! its own.
//!
//! Sending (`twilio-messages-api.json`): `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! form-encoded, HTTP Basic with the Account SID and Auth Token; 201 answers the Message
//! resource. Errors are JSON `{"code", "message", "more_info", "status"}`: 400 with 21610 means
//! the recipient replied STOP to this sender ([`SmsError::OptedOut`]: suppress, never retry);
//! other 400s refuse this message for good; 401 bad credentials; 429 (with `Retry-After`) and
//! 5xx are retried by the shared HTTP policy.
//!
//! `X-Twilio-Signature` is `base64(HMAC-SHA1(auth token, URL + every POST parameter's name and
//! value, sorted by name))`, where the URL is the full address Twilio requested, query string
//! included (`../shared/reference/providers/twilio-signature-vector.json`). As Twilio's own
//! validators do, the URL is tried as given and with its default port added or removed
//! (Twilio signs `https://host/path` or `https://host:443/path` depending on how the webhook was
//! configured). JSON bodies are signed over the URL alone and carry `bodySHA256` in its query.
//!
//! What this module must not do: read anything of a request before its signature matched.

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::{ApiKey, ProviderError, ProviderName};
use domain::phone::E164;
use serde::Deserialize;
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

// ---------------------------------------------------------------------------------------------
// The Messages API (sending SMS)
// ---------------------------------------------------------------------------------------------


pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// Twilio's error code for a recipient who replied STOP to this sender: nothing may be sent
/// until they opt in again (not charged).
pub const OPTED_OUT: u32 = 21610;

/// An account's credentials: the Account SID (in the URL and as the Basic user) and its Auth
/// Token (the Basic password, and the key of webhook signatures).
#[derive(Debug, Clone)]
pub struct TwilioAccount {
    pub account_sid: String,
    pub auth_token: ApiKey,
}

/// One SMS to send.
#[derive(Debug, Clone)]
pub struct OutgoingSms<'a> {
    pub to: &'a E164,
    /// A Twilio number (E.164) or alphanumeric sender ID; or `None` with a Messaging Service.
    pub from: Option<&'a str>,
    pub messaging_service_sid: Option<&'a str>,
    pub body: &'a str,
    /// Where Twilio posts the delivery statuses.
    pub status_callback: Option<&'a str>,
}

/// What Twilio answered to a create (201).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SentSms {
    pub sid: String,
    pub status: String,
    pub to: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub num_segments: Option<String>,
    #[serde(default)]
    pub price: Option<String>,
    #[serde(default)]
    pub price_unit: Option<String>,
}

/// Why an SMS was not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SmsError {
    /// The recipient replied STOP to this sender (error 21610): suppress, never retry.
    #[error("the recipient has opted out of messages from this sender (Twilio error 21610)")]
    OptedOut,
    /// Twilio refused this message (a bad number, a landline, a body too long…): do not retry.
    #[error("Twilio refused the message (error {code}): {message}")]
    Rejected { code: u32, message: String },
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

#[derive(Deserialize)]
struct TwilioErrorBody {
    code: Option<u32>,
    message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TwilioClient {
    http: HttpCore,
    account: TwilioAccount,
}

impl TwilioClient {
    pub fn new(account: TwilioAccount, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self { http: HttpCore::new(ProviderName::Twilio, &settings)?, account })
    }

    pub fn with_defaults(account: TwilioAccount) -> Result<Self, ProviderError> {
        Self::new(account, HttpSettings::new(DEFAULT_BASE_URL))
    }

    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, Basic auth.
    pub async fn send_sms(&self, sms: &OutgoingSms<'_>) -> Result<SentSms, SmsError> {
        let url = self.http.url(&format!("2010-04-01/Accounts/{}/Messages.json", self.account.account_sid));
        let mut form: Vec<(&str, &str)> = vec![("To", sms.to.as_str()), ("Body", sms.body)];
        if let Some(from) = sms.from {
            form.push(("From", from));
        }
        if let Some(mg) = sms.messaging_service_sid {
            form.push(("MessagingServiceSid", mg));
        }
        if let Some(cb) = sms.status_callback {
            form.push(("StatusCallback", cb));
        }
        let rejected = std::sync::Mutex::new(None::<SmsError>);
        let result = self
            .http
            .send(
                |c| c.post(&url).basic_auth(&self.account.account_sid, Some(self.account.auth_token.expose())).form(&form),
                |r: Reply| classify(r, &rejected),
            )
            .await;
        match result {
            Ok(sent) => Ok(sent),
            Err(e) => Err(rejected.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or(SmsError::Provider(e))),
        }
    }
}

/// 201 → the message; Twilio's JSON errors (`{"code", "message", "more_info", "status"}`) → a
/// typed refusal for the codes that mean "never this message", the shared mapping otherwise
/// (401 credentials, 429 with Retry-After, 5xx).
fn classify(r: Reply, rejected: &std::sync::Mutex<Option<SmsError>>) -> Result<SentSms, ProviderError> {
    if (200..300).contains(&r.status) {
        return parse_json(&r.body);
    }
    let body: Option<TwilioErrorBody> = serde_json::from_slice(&r.body).ok();
    let code = body.as_ref().and_then(|b| b.code);
    let message = body.as_ref().and_then(|b| b.message.clone()).unwrap_or_else(|| excerpt(&r.body));
    if r.status == 400 {
        let refusal = match code {
            Some(OPTED_OUT) => SmsError::OptedOut,
            Some(code) => SmsError::Rejected { code, message: message.clone() },
            None => SmsError::Rejected { code: 0, message: message.clone() },
        };
        *rejected.lock().unwrap_or_else(|p| p.into_inner()) = Some(refusal);
    }
    Err(common_status_error(r.status, &r.headers, || message))
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
