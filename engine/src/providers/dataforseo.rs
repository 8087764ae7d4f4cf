//! DataForSEO: Labs domain rank overview (organic ETV, keyword counts) and Backlinks summary
//! (rank, referring domains, spam score) — the SEO signals of a lead's company.
//!
//! Written against docs.dataforseo.com v3: `POST /v3/dataforseo_labs/google/domain_rank_overview/live`
//! and `POST /v3/backlinks/summary/live`, HTTP Basic auth (API login and password), the body an
//! *array* of task objects. The servers answer HTTP 200 for almost everything and put the
//! verdict in `status_code` — at the top level and per task: 20000 is success; 401xx bad
//! credentials; 402xx payment / balance (40202 and 40209 are rate limits); 404xx not found;
//! 40501+ invalid fields; 5xxxx internal errors. Both levels are checked.

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::*;
use serde::Deserialize;
use serde_json::json;

pub const DEFAULT_BASE_URL: &str = "https://api.dataforseo.com/v3";

/// DataForSEO location code 2036 = Australia; `en` the language. Configurable per client.
#[derive(Debug, Clone)]
pub struct SeoLocale {
    pub location_code: u32,
    pub language_code: String,
}

impl Default for SeoLocale {
    fn default() -> Self {
        Self {
            location_code: 2036,
            language_code: "en".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DataForSeoClient {
    http: HttpCore,
    login: String,
    password: ApiKey,
    locale: SeoLocale,
}

impl DataForSeoClient {
    pub fn new(
        login: impl Into<String>,
        password: ApiKey,
        locale: SeoLocale,
        settings: HttpSettings,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::DataForSeo, &settings)?,
            login: login.into(),
            password,
            locale,
        })
    }

    /// `GET /appendix/user_data`: free account information ("Test connection").
    pub async fn check(&self) -> Result<(), ProviderError> {
        let url = self.http.url("appendix/user_data");
        let build = |c: &reqwest::Client| c.get(&url).basic_auth(&self.login, Some(self.password.expose()));
        self.http
            .send(build, |r: Reply| match r.status {
                200..=299 => {
                    let v: serde_json::Value = parse_json(&r.body)?;
                    match v.get("status_code").and_then(|c| c.as_u64()) {
                        Some(20000) => Ok(()),
                        Some(40100..=40199) => Err(ProviderError::Unauthorized),
                        _ => Err(ProviderError::BadRequest(
                            v.get("status_message").and_then(|m| m.as_str()).unwrap_or("unexpected answer").to_string(),
                        )),
                    }
                }
                s => Err(common_status_error(s, &r.headers, || excerpt(&r.body))),
            })
            .await
    }

    async fn task<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        task: serde_json::Value,
    ) -> Result<T, ProviderError> {
        let url = self.http.url(path);
        let body = json!([task]);
        let build = |c: &reqwest::Client| {
            c.post(&url)
                .basic_auth(&self.login, Some(self.password.expose()))
                .json(&body)
        };
        self.http.send(build, classify::<T>).await
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    status_code: u32,
    status_message: Option<String>,
    #[serde(default = "Vec::new")]
    tasks: Vec<Task<T>>,
}

#[derive(Deserialize)]
struct Task<T> {
    status_code: u32,
    status_message: Option<String>,
    result: Option<Vec<T>>,
}

/// Maps a DataForSEO internal status code to our error; `None` for success.
fn status_error(code: u32, message: Option<String>) -> Option<ProviderError> {
    let msg = || message.clone().unwrap_or_else(|| format!("status {code}"));
    match code {
        20000..=20999 => None,
        40202 | 40209 => Some(ProviderError::RateLimited { retry_after: None }),
        40100..=40199 => Some(ProviderError::Unauthorized),
        40200..=40299 => Some(ProviderError::InsufficientCredits),
        40400..=40499 => Some(ProviderError::NotFound),
        40000..=49999 => Some(ProviderError::BadRequest(msg())),
        50000..=59999 => Some(ProviderError::Upstream { status: 500 }),
        _ => Some(ProviderError::Malformed(format!("unknown status {code}: {}", msg()))),
    }
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<T, ProviderError> {
    if !(200..300).contains(&r.status) {
        return Err(common_status_error(r.status, &r.headers, || excerpt(&r.body)));
    }
    let env: Envelope<T> = parse_json(&r.body)?;
    if let Some(e) = status_error(env.status_code, env.status_message) {
        return Err(e);
    }
    let task = env
        .tasks
        .into_iter()
        .next()
        .ok_or_else(|| ProviderError::Malformed("no task in answer".into()))?;
    if let Some(e) = status_error(task.status_code, task.status_message) {
        return Err(e);
    }
    task.result
        .and_then(|r| r.into_iter().next())
        .ok_or(ProviderError::NoMatch)
}

#[derive(Deserialize)]
struct RankResult {
    #[serde(default)]
    items: Option<Vec<RankItem>>,
}

#[derive(Deserialize)]
struct RankItem {
    metrics: Option<RankMetrics>,
}

#[derive(Deserialize)]
struct RankMetrics {
    organic: Option<Organic>,
}

#[derive(Deserialize, Default)]
struct Organic {
    pos_1: Option<u64>,
    pos_2_3: Option<u64>,
    pos_4_10: Option<u64>,
    etv: Option<f64>,
    count: Option<u64>,
}

#[derive(Deserialize)]
struct BacklinksResult {
    rank: Option<u32>,
    backlinks: Option<u64>,
    referring_domains: Option<u64>,
    backlinks_spam_score: Option<u8>,
    info: Option<BacklinksInfo>,
}

#[derive(Deserialize)]
struct BacklinksInfo {
    target_spam_score: Option<u8>,
}

#[async_trait]
impl SeoSignals for DataForSeoClient {
    fn provider(&self) -> ProviderName {
        ProviderName::DataForSeo
    }

    #[tracing::instrument(skip_all, fields(provider = "dataforseo"))]
    async fn domain_rank(&self, domain: &str) -> Result<DomainRank, ProviderError> {
        let task = json!({
            "target": bare_domain(domain),
            "location_code": self.locale.location_code,
            "language_code": self.locale.language_code,
        });
        let result: RankResult = match self
            .task("dataforseo_labs/google/domain_rank_overview/live", task)
            .await
        {
            // An unknown domain comes back as an empty result: it ranks for nothing.
            Err(ProviderError::NoMatch) => {
                return Ok(DomainRank {
                    organic_etv: 0.0,
                    organic_keywords: 0,
                    keywords_top10: 0,
                })
            }
            other => other?,
        };
        let o = result
            .items
            .unwrap_or_default()
            .into_iter()
            .find_map(|i| i.metrics.and_then(|m| m.organic))
            .unwrap_or_default();
        Ok(DomainRank {
            organic_etv: o.etv.unwrap_or(0.0),
            organic_keywords: o.count.unwrap_or(0),
            keywords_top10: o.pos_1.unwrap_or(0) + o.pos_2_3.unwrap_or(0) + o.pos_4_10.unwrap_or(0),
        })
    }

    #[tracing::instrument(skip_all, fields(provider = "dataforseo"))]
    async fn backlinks(&self, domain: &str) -> Result<BacklinkSummary, ProviderError> {
        let task = json!({ "target": bare_domain(domain), "include_subdomains": true });
        let r: BacklinksResult = self.task("backlinks/summary/live", task).await?;
        Ok(BacklinkSummary {
            rank: r.rank.unwrap_or(0),
            backlinks: r.backlinks.unwrap_or(0),
            referring_domains: r.referring_domains.unwrap_or(0),
            spam_score: r
                .info
                .and_then(|i| i.target_spam_score)
                .or(r.backlinks_spam_score)
                .unwrap_or(0),
        })
    }
}
