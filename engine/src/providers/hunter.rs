//! Hunter.io: Email Finder (enrichment from name + domain) and Email Verifier.
//!
//! Written against Hunter's v2 API documentation: `GET /v2/email-finder` and
//! `GET /v2/email-verifier`, key in the `api_key` query parameter, answers wrapped in
//! `{"data": …, "meta": …}` and errors in `{"errors": [{"id", "code", "details"}]}`. Statuses:
//! 400 bad params, 401 bad key, 403 rate limit (Hunter's "you have reached the rate limit"),
//! 404 nothing found, 429 usage (credits) limit, 451 personal-data restriction, 202 (and 222
//! for the verifier) "still verifying, ask again" — retried here like a 503.
//!
//! The key travels in the query string, so URLs are never logged (see `http::transport_error`).

use super::http::{common_status_error, excerpt, parse_json, parse_retry_after, HttpCore, HttpSettings, Reply};
use super::*;
use serde::Deserialize;

pub const DEFAULT_BASE_URL: &str = "https://api.hunter.io/v2";

#[derive(Debug, Clone)]
pub struct HunterClient {
    http: HttpCore,
    key: ApiKey,
}

impl HunterClient {
    pub fn new(key: ApiKey, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::Hunter, &settings)?,
            key,
        })
    }

    pub fn with_defaults(key: ApiKey) -> Result<Self, ProviderError> {
        Self::new(key, HttpSettings::new(DEFAULT_BASE_URL))
    }

    /// `GET /account`: free, and fails with `Unauthorized` for a bad key ("Test connection").
    pub async fn check(&self) -> Result<(), ProviderError> {
        let build = self.get("account", Vec::new());
        self.http
            .send(build, |r: Reply| match r.status {
                200..=299 => Ok(()),
                s => Err(common_status_error(s, &r.headers, || excerpt(&r.body))),
            })
            .await
    }

    fn get(
        &self,
        path: &str,
        query: Vec<(&'static str, String)>,
    ) -> impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + '_ {
        let url = self.http.url(path);
        move |c: &reqwest::Client| c.get(&url).query(&query).query(&[("api_key", self.key.expose())])
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: Option<T>,
}

#[derive(Deserialize)]
struct Errors {
    #[serde(default)]
    errors: Vec<HunterError>,
}

#[derive(Deserialize)]
struct HunterError {
    id: Option<String>,
    details: Option<String>,
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<Envelope<T>, ProviderError> {
    let first_error = || {
        serde_json::from_slice::<Errors>(&r.body)
            .ok()
            .and_then(|e| e.errors.into_iter().next())
            .map(|e| e.details.or(e.id).unwrap_or_default())
            .unwrap_or_else(|| excerpt(&r.body))
    };
    match r.status {
        // Verification still running: asking again is free and expected.
        202 | 222 => Err(ProviderError::Upstream { status: r.status }),
        200..=299 => parse_json(&r.body),
        400 | 422 => Err(ProviderError::BadRequest(first_error())),
        401 => Err(ProviderError::Unauthorized),
        // Hunter uses 403 for the per-second rate limit and 429 for the monthly quota.
        403 => Err(ProviderError::RateLimited {
            retry_after: parse_retry_after(&r.headers),
        }),
        429 => Err(ProviderError::InsufficientCredits),
        404 => Err(ProviderError::NoMatch),
        451 => Err(ProviderError::BadRequest(first_error())),
        s => Err(super::http::common_status_error(s, &r.headers, first_error)),
    }
}

#[derive(Deserialize)]
struct Finder {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    score: Option<u8>,
    domain: Option<String>,
    position: Option<String>,
    linkedin_url: Option<String>,
    phone_number: Option<String>,
    company: Option<String>,
    verification: Option<FinderVerification>,
}

#[derive(Deserialize)]
struct FinderVerification {
    status: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[async_trait]
impl Enrichment for HunterClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Hunter
    }

    #[tracing::instrument(skip_all, fields(provider = "hunter"))]
    async fn enrich(&self, person: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        let mut q = Vec::new();
        match person.domain.as_deref().map(bare_domain).filter(|d| !d.is_empty()) {
            Some(d) => q.push(("domain", d)),
            None => match person.company.clone().filter(|c| !c.trim().is_empty()) {
                Some(c) => q.push(("company", c)),
                None => return Err(ProviderError::BadRequest("Hunter needs a domain or a company".into())),
            },
        }
        match (&person.first_name, &person.last_name) {
            (Some(f), Some(l)) => {
                q.push(("first_name", f.clone()));
                q.push(("last_name", l.clone()));
            }
            _ => match person.linkedin_url.as_deref().and_then(linkedin_handle) {
                Some(h) => q.push(("linkedin_handle", h)),
                None => {
                    return Err(ProviderError::BadRequest(
                        "Hunter needs a full name or a LinkedIn handle".into(),
                    ))
                }
            },
        }
        let r: Envelope<Finder> = self.http.send(self.get("email-finder", q), classify).await?;
        let f = r.data.ok_or(ProviderError::NoMatch)?;
        let email = non_empty(f.email)
            .filter(|e| e.contains('@'))
            .ok_or(ProviderError::NoMatch)?;
        // Hunter's score is its confidence in the address; an invalid verification overrides it.
        let invalid = f.verification.and_then(|v| v.status).is_some_and(|s| s == "invalid");
        let confidence = if invalid {
            0.0
        } else {
            f32::from(f.score.unwrap_or(0)) / 100.0
        };
        Ok(EnrichedPerson {
            email: Some(email),
            first_name: non_empty(f.first_name).or_else(|| person.first_name.clone()),
            last_name: non_empty(f.last_name).or_else(|| person.last_name.clone()),
            title: non_empty(f.position),
            company: non_empty(f.company).or_else(|| person.company.clone()),
            company_domain: non_empty(f.domain),
            linkedin_url: non_empty(f.linkedin_url).or_else(|| person.linkedin_url.clone()),
            phone: non_empty(f.phone_number),
            location: None,
            industry: None,
            employee_count: None,
            timing: Default::default(),
            confidence,
            source: ProviderName::Hunter,
        })
    }
}

/// "https://www.linkedin.com/in/jane-doe-123/" → "jane-doe-123".
fn linkedin_handle(url: &str) -> Option<String> {
    let after = url.split("/in/").nth(1)?;
    let h = after.split(['/', '?']).next()?.trim();
    (!h.is_empty()).then(|| h.to_string())
}

#[derive(Deserialize)]
struct Verifier {
    email: Option<String>,
    status: Option<String>,
    result: Option<String>,
    score: Option<u8>,
}

#[async_trait]
impl EmailVerifier for HunterClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Hunter
    }

    #[tracing::instrument(skip_all, fields(provider = "hunter"))]
    async fn verify(&self, email: &str) -> Result<Verification, ProviderError> {
        let r: Envelope<Verifier> = self
            .http
            .send(
                self.get("email-verifier", vec![("email", email.trim().to_string())]),
                classify,
            )
            .await?;
        let v = r
            .data
            .ok_or_else(|| ProviderError::Malformed("email-verifier answer without data".into()))?;
        let status = match (v.status.as_deref(), v.result.as_deref()) {
            (Some(s), _) => VerificationStatus::parse(s),
            // `result` is the deprecated field; older accounts still get only that.
            (None, Some("deliverable")) => VerificationStatus::Valid,
            (None, Some("undeliverable")) => VerificationStatus::Invalid,
            _ => VerificationStatus::Unknown,
        };
        Ok(Verification {
            email: v.email.unwrap_or_else(|| email.trim().to_string()),
            status,
            score: v.score,
            source: ProviderName::Hunter,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn linkedin_handle_is_the_slug_after_in() {
        assert_eq!(
            super::linkedin_handle("https://www.linkedin.com/in/jane-doe-123/?x=1").as_deref(),
            Some("jane-doe-123")
        );
        assert_eq!(super::linkedin_handle("https://example.com"), None);
    }
}
