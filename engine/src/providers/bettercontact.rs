//! BetterContact: asynchronous waterfall enrichment — submit, then poll until `terminated`.
//!
//! Written against doc.bettercontact.rocks (API v2): `POST /api/v2/async` with
//! `{"data": [lead…], "enrich_email_address", "enrich_phone_number"}` answers 201
//! `{"success", "id", "message"}`; `GET /api/v2/async/{id}` answers 202
//! `{"status": "processing"}` while running and 200 `{"status": "terminated", "credits_consumed",
//! "data": [contact…]}` when done. Always branch on `status`, never on the HTTP code alone (the
//! docs' own warning). Key in the `X-API-Key` header; 401 bad key, 406 unknown request id.
//! Each contact's `contact_email_address_status` is `deliverable`, `catch_all_safe`,
//! `catch_all_not_safe`, `undeliverable` or `not_found`.

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::*;
use serde::Deserialize;
use serde_json::json;

pub const DEFAULT_BASE_URL: &str = "https://app.bettercontact.rocks/api/v2";

#[derive(Debug, Clone)]
pub struct BetterContactClient {
    http: HttpCore,
    key: ApiKey,
    enrich_phone: bool,
}

impl BetterContactClient {
    pub fn new(key: ApiKey, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::BetterContact, &settings)?,
            key,
            enrich_phone: false,
        })
    }

    /// Phone enrichment costs ten times an email; off unless asked for.
    pub fn with_phone(mut self, on: bool) -> Self {
        self.enrich_phone = on;
        self
    }

    /// Asks for the result of a request id that cannot exist: free, `Unauthorized` for a bad
    /// key, "not found" for a good one ("Test connection"; the account endpoint also wants the
    /// account's email, which we do not keep).
    pub async fn check(&self) -> Result<(), ProviderError> {
        let url = self.http.url("async/agency-os-connection-test");
        let build = |c: &reqwest::Client| c.get(&url).header("X-API-Key", self.key.expose());
        match self.http.send(build, classify::<serde_json::Value>).await {
            Ok(_) | Err(ProviderError::NotFound) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<(u16, T), ProviderError> {
    match r.status {
        200..=299 => Ok((r.status, parse_json(&r.body)?)),
        406 => Err(ProviderError::NotFound),
        s => Err(common_status_error(s, &r.headers, || excerpt(&r.body))),
    }
}

#[derive(Deserialize)]
struct Created {
    id: Option<String>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct Result_ {
    status: Option<String>,
    credits_consumed: Option<f64>,
    #[serde(default)]
    data: Option<Vec<Contact>>,
}

#[derive(Deserialize)]
struct Contact {
    #[serde(default)]
    enriched: Option<bool>,
    contact_first_name: Option<String>,
    contact_last_name: Option<String>,
    contact_email_address: Option<String>,
    contact_email_address_status: Option<String>,
    contact_phone_number: Option<serde_json::Value>,
    contact_job_title: Option<String>,
    contact_linkedin_profile_url: Option<String>,
    company_name: Option<String>,
    company: Option<String>,
    company_domain: Option<String>,
    company_industry: Option<String>,
    company_employees_number: Option<serde_json::Value>,
    contact_location: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// BetterContact's per-contact verdict to our confidence. `catch_all_safe` has passed their
/// extra checks; `catch_all_not_safe` is a coin toss and stays under the 0.70 bar.
fn confidence(status: Option<&str>) -> f32 {
    match status {
        Some("deliverable") | Some("valid") => 0.95,
        Some("catch_all_safe") => 0.75,
        Some("catch_all_not_safe") => 0.5,
        _ => 0.0,
    }
}

fn as_text(v: Option<serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => non_empty(Some(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[async_trait]
impl AsyncEnrichment for BetterContactClient {
    fn provider(&self) -> ProviderName {
        ProviderName::BetterContact
    }

    #[tracing::instrument(skip_all, fields(provider = "bettercontact"))]
    async fn submit(&self, person: &PersonQuery) -> Result<Submission, ProviderError> {
        let lead = json!({
            "first_name": person.first_name,
            "last_name": person.last_name,
            "company": person.company,
            "company_domain": person.domain.as_deref().map(bare_domain),
            "linkedin_url": person.linkedin_url,
            // Echoed back in the result: lets a webhook receiver find the lead.
            "custom_fields": { "lead_ref": person.lead_ref },
        });
        let body = json!({
            "data": [lead],
            "enrich_email_address": true,
            "enrich_phone_number": self.enrich_phone,
        });
        let url = self.http.url("async");
        let build = |c: &reqwest::Client| c.post(&url).header("X-API-Key", self.key.expose()).json(&body);
        let (_, created): (u16, Created) = self.http.send(build, classify).await?;
        let request_id = created
            .id
            .or(created.request_id)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ProviderError::Malformed("submission answer without an id".into()))?;
        Ok(Submission {
            provider: ProviderName::BetterContact,
            request_id,
        })
    }

    #[tracing::instrument(skip_all, fields(provider = "bettercontact"))]
    async fn poll(&self, submission: &Submission) -> Result<AsyncOutcome, ProviderError> {
        let url = self.http.url(&format!("async/{}", submission.request_id));
        let build = |c: &reqwest::Client| c.get(&url).header("X-API-Key", self.key.expose());
        let (_, r): (u16, Result_) = self.http.send(build, classify).await?;
        if r.status.as_deref() != Some("terminated") {
            return Ok(AsyncOutcome::Pending);
        }
        let units = r.credits_consumed;
        let Some(c) = r.data.unwrap_or_default().into_iter().next() else {
            return Ok(AsyncOutcome::NoMatch { units });
        };
        let email = non_empty(c.contact_email_address).filter(|e| e.contains('@') && !e.contains('*'));
        let confidence = if email.is_some() {
            confidence(c.contact_email_address_status.as_deref())
        } else {
            0.0
        };
        if email.is_none() || c.enriched == Some(false) || confidence == 0.0 {
            return Ok(AsyncOutcome::NoMatch { units });
        }
        let person = EnrichedPerson {
            email,
            first_name: non_empty(c.contact_first_name),
            last_name: non_empty(c.contact_last_name),
            title: non_empty(c.contact_job_title),
            company: non_empty(c.company_name).or(non_empty(c.company)),
            company_domain: non_empty(c.company_domain),
            linkedin_url: non_empty(c.contact_linkedin_profile_url),
            phone: as_text(c.contact_phone_number),
            location: non_empty(c.contact_location),
            industry: non_empty(c.company_industry),
            employee_count: as_text(c.company_employees_number).and_then(|s| s.parse().ok()),
            timing: Default::default(),
            confidence,
            source: ProviderName::BetterContact,
        };
        Ok(AsyncOutcome::Done {
            person: Box::new(person),
            units,
        })
    }
}
