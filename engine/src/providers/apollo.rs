//! Apollo.io: People API Search (lead search, free) and People Match (enrichment, one credit
//! per revealed email).
//!
//! Written against Apollo's OpenAPI (`../shared/reference/providers/apollo-rest-api-openapi.json`):
//! both operations are `POST` with their parameters in the query string (arrays as `name[]`),
//! authenticated by the `x-api-key` header. Documented errors: 401 (plain-text "Invalid API
//! key"), 403 (key lacks the endpoint's scope), 422 (`{"error": …}`), 429 (`{"message": …}`).
//! People Match answers 200 with `"person": null` when nobody matches.

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::*;
use serde::Deserialize;

pub const DEFAULT_BASE_URL: &str = "https://api.apollo.io/api/v1";

#[derive(Debug, Clone)]
pub struct ApolloClient {
    http: HttpCore,
    key: ApiKey,
}

impl ApolloClient {
    pub fn new(key: ApiKey, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::Apollo, &settings)?,
            key,
        })
    }

    pub fn with_defaults(key: ApiKey) -> Result<Self, ProviderError> {
        Self::new(key, HttpSettings::new(DEFAULT_BASE_URL))
    }

    fn post(
        &self,
        path: &str,
        query: &[(String, String)],
    ) -> impl Fn(&reqwest::Client) -> reqwest::RequestBuilder + '_ {
        let url = self.http.url(path);
        let query = query.to_vec();
        move |c: &reqwest::Client| {
            c.post(&url)
                .header("x-api-key", self.key.expose())
                .header("Cache-Control", "no-cache")
                .header("Content-Type", "application/json")
                .query(&query)
        }
    }
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<T, ProviderError> {
    match r.status {
        200..=299 => parse_json(&r.body),
        422 => {
            let msg = serde_json::from_slice::<ErrorBody>(&r.body)
                .ok()
                .and_then(|b| b.error.or(b.message))
                .unwrap_or_else(|| excerpt(&r.body));
            Err(ProviderError::BadRequest(msg))
        }
        s => Err(common_status_error(s, &r.headers, || excerpt(&r.body))),
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<String>,
    message: Option<String>,
}

fn search_params(q: &PeopleSearchQuery) -> Vec<(String, String)> {
    let mut p = Vec::new();
    let mut many = |name: &str, values: &[String]| {
        for v in values {
            p.push((format!("{name}[]"), v.clone()));
        }
    };
    many("person_titles", &q.titles);
    many("person_seniorities", &q.seniorities);
    many("person_locations", &q.person_locations);
    many("organization_locations", &q.organization_locations);
    many("q_organization_domains_list", &q.organization_domains);
    let ranges: Vec<String> = q.employee_ranges.iter().map(|(a, b)| format!("{a},{b}")).collect();
    many("organization_num_employees_ranges", &ranges);
    if let Some(k) = q.keywords.as_ref().filter(|k| !k.is_empty()) {
        p.push(("q_keywords".into(), k.clone()));
    }
    p.push(("page".into(), q.page.max(1).to_string()));
    p.push(("per_page".into(), q.per_page.clamp(1, 100).to_string()));
    p
}

#[derive(Deserialize)]
struct SearchResponse {
    total_entries: Option<u64>,
    #[serde(default)]
    people: Vec<SearchPerson>,
}

#[derive(Deserialize)]
struct SearchPerson {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    last_name_obfuscated: Option<String>,
    title: Option<String>,
    #[serde(default)]
    has_email: bool,
    organization: Option<SearchOrg>,
}

#[derive(Deserialize)]
struct SearchOrg {
    name: Option<String>,
    primary_domain: Option<String>,
}

#[async_trait]
impl LeadSearch for ApolloClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Apollo
    }

    #[tracing::instrument(skip_all, fields(provider = "apollo", page = query.page))]
    async fn search_people(&self, query: &PeopleSearchQuery) -> Result<SearchPage, ProviderError> {
        let params = search_params(query);
        let r: SearchResponse = self
            .http
            .send(self.post("mixed_people/api_search", &params), classify)
            .await?;
        let people = r
            .people
            .into_iter()
            .map(|p| Prospect {
                provider_id: p.id,
                first_name: p.first_name.unwrap_or_default(),
                last_name: p.last_name,
                last_name_obfuscated: p.last_name_obfuscated,
                title: p.title,
                company: p.organization.as_ref().and_then(|o| o.name.clone()),
                company_domain: p.organization.and_then(|o| o.primary_domain),
                has_email: p.has_email,
                source: ProviderName::Apollo,
            })
            .collect::<Vec<_>>();
        Ok(SearchPage {
            total_entries: r.total_entries.unwrap_or(people.len() as u64),
            page: query.page.max(1),
            people,
        })
    }
}

#[derive(Deserialize)]
struct MatchResponse {
    person: Option<MatchPerson>,
}

#[derive(Deserialize)]
struct MatchPerson {
    first_name: Option<String>,
    last_name: Option<String>,
    title: Option<String>,
    email: Option<String>,
    email_status: Option<String>,
    extrapolated_email_confidence: Option<f32>,
    linkedin_url: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
    organization: Option<MatchOrg>,
    contact: Option<MatchContact>,
    #[serde(default)]
    phone_numbers: Vec<PhoneNumber>,
    #[serde(default)]
    employment_history: Vec<Employment>,
}

#[derive(Deserialize)]
struct Employment {
    current: Option<bool>,
    start_date: Option<String>,
}

#[derive(Deserialize)]
struct FundingEvent {
    date: Option<String>,
}

#[derive(Deserialize)]
struct MatchOrg {
    name: Option<String>,
    primary_domain: Option<String>,
    industry: Option<String>,
    estimated_num_employees: Option<u32>,
    sanitized_phone: Option<String>,
    latest_funding_round_date: Option<String>,
    #[serde(default)]
    funding_events: Vec<FundingEvent>,
}

/// What Apollo's match says about timing: the start of the person's current role (the latest
/// current position, as people keep side roles) and the company's latest funding round (the
/// stated one, else the newest dated event). Apollo's match reports neither hiring nor intent.
fn timing(employment: &[Employment], org: Option<&MatchOrg>) -> domain::score::Timing {
    let role_started_on = employment
        .iter()
        .filter(|e| e.current == Some(true))
        .filter_map(|e| e.start_date.as_deref().and_then(provider_date))
        .max();
    let funded_on = org.and_then(|o| {
        o.latest_funding_round_date
            .as_deref()
            .and_then(provider_date)
            .or_else(|| o.funding_events.iter().filter_map(|f| f.date.as_deref().and_then(provider_date)).max())
    });
    domain::score::Timing { role_started_on, funded_on, ..Default::default() }
}

#[derive(Deserialize)]
struct MatchContact {
    sanitized_phone: Option<String>,
}

#[derive(Deserialize)]
struct PhoneNumber {
    sanitized_number: Option<String>,
}

/// Apollo's `email_status` to our 0–1 confidence. "verified" is Apollo's own SMTP-checked
/// state; an unverified or extrapolated address is a guess and should lose to a verified one
/// from the next provider in the waterfall.
fn confidence(status: Option<&str>, extrapolated: Option<f32>, has_email: bool) -> f32 {
    if !has_email {
        return 0.0;
    }
    match status {
        Some("verified") => 0.95,
        Some("likely to engage") => 0.8,
        _ => extrapolated
            .map(|c| if c > 1.0 { c / 100.0 } else { c })
            .unwrap_or(0.6)
            .clamp(0.0, 1.0),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn match_params(q: &PersonQuery) -> Vec<(String, String)> {
    let mut p = Vec::new();
    let mut one = |k: &str, v: &Option<String>| {
        if let Some(v) = v.as_ref().map(|v| v.trim()).filter(|v| !v.is_empty()) {
            p.push((k.to_string(), v.to_string()));
        }
    };
    one("id", &q.provider_id);
    one("first_name", &q.first_name);
    one("last_name", &q.last_name);
    one("organization_name", &q.company);
    one("domain", &q.domain.as_deref().map(bare_domain));
    one("email", &q.email);
    one("linkedin_url", &q.linkedin_url);
    // Phone reveal needs a webhook (seed 001 learned this as a 400); personal emails cost extra.
    p.push(("reveal_personal_emails".into(), "false".into()));
    p.push(("reveal_phone_number".into(), "false".into()));
    p
}

#[async_trait]
impl Enrichment for ApolloClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Apollo
    }

    #[tracing::instrument(skip_all, fields(provider = "apollo"))]
    async fn enrich(&self, person: &PersonQuery) -> Result<EnrichedPerson, ProviderError> {
        let params = match_params(person);
        let r: MatchResponse = self.http.send(self.post("people/match", &params), classify).await?;
        let p = r.person.ok_or(ProviderError::NoMatch)?;
        let email = non_empty(p.email).filter(|e| e.contains('@'));
        let org = p.organization;
        let location = [p.city, p.state, p.country]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        let phone = p
            .phone_numbers
            .into_iter()
            .find_map(|n| non_empty(n.sanitized_number))
            .or_else(|| p.contact.and_then(|c| non_empty(c.sanitized_phone)))
            .or_else(|| org.as_ref().and_then(|o| non_empty(o.sanitized_phone.clone())));
        let timing = timing(&p.employment_history, org.as_ref());
        Ok(EnrichedPerson {
            timing,
            confidence: confidence(
                p.email_status.as_deref(),
                p.extrapolated_email_confidence,
                email.is_some(),
            ),
            email,
            first_name: non_empty(p.first_name),
            last_name: non_empty(p.last_name),
            title: non_empty(p.title),
            company: org.as_ref().and_then(|o| non_empty(o.name.clone())),
            company_domain: org.as_ref().and_then(|o| non_empty(o.primary_domain.clone())),
            linkedin_url: non_empty(p.linkedin_url),
            phone,
            location: (!location.is_empty()).then(|| location.join(", ")),
            industry: org.as_ref().and_then(|o| non_empty(o.industry.clone())),
            employee_count: org.and_then(|o| o.estimated_num_employees),
            source: ProviderName::Apollo,
        })
    }
}
