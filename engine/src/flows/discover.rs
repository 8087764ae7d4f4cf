//! Discovery (SPEC §5 "Apollo People Search", issue 5): find people who fit the workspace's ICP
//! with a people search, add them as leads, and queue their enrichment.
//!
//! A search reveals no email or LinkedIn URL, so a found person is identified by the provider's
//! id (`leads.provider_ref`); a unique index on (workspace, provider, id) makes a second search
//! of the same people add nobody. Enrichment then passes that id back (Apollo People Match
//! `id`), matching exactly; if it turns out the workspace already had the person under an email
//! or LinkedIn URL, enrichment retires the found lead instead of keeping a twin.
//!
//! Every search call goes through [`Metered`] (breaker + cost ledger), as every provider call
//! does. Which searcher to use is the caller's choice (the server passes the sandbox playing
//! Apollo until keys are configured); this module does not pick providers.

use crate::auth::Access;
use crate::ledger::{CostSink, PgLedger, UnitCosts};
use crate::providers::metered::{LedgerScope, Metered};
use crate::providers::sandbox::Sandbox;
use crate::providers::{bare_domain, CircuitBreaker, LeadSearch, PeopleSearchQuery, ProviderError, ProviderName, Prospect};
use crate::store::{audit, leads as store};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::icp::WorkspaceIcp;
use domain::ids::WorkspaceId;
use domain::leads::{LeadId, LeadSource};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// Most people one request may ask for (the UI offers 25, 100 and 500).
pub const MAX_WANTED: u32 = 500;
/// Apollo's page size limit.
const MAX_PER_PAGE: u32 = 100;
/// Apollo serves at most 500 pages of a search.
const MAX_PAGES: u32 = 500;
/// Attempts per page when the provider fails for the moment.
const ATTEMPTS: u32 = 3;
/// Leads per enrichment job queued for the new leads.
const ENRICH_BATCH: usize = 100;

/// The searcher with its process-wide breaker and the unit costs the ledger uses. Build one
/// per process (or per provider configuration).
#[derive(Clone)]
pub struct Discoverer {
    pub searcher: Arc<dyn LeadSearch>,
    pub breaker: Arc<CircuitBreaker>,
    pub costs: Arc<UnitCosts>,
    /// Pause before retrying a page that failed for the moment.
    pub retry_pause: Duration,
}

impl Discoverer {
    pub fn new(searcher: Arc<dyn LeadSearch>) -> Self {
        Self {
            searcher,
            breaker: Arc::new(CircuitBreaker::new(Default::default())),
            costs: Arc::new(UnitCosts::default()),
            retry_pause: Duration::from_millis(250),
        }
    }

    /// The seeded sandbox playing Apollo People Search, the default until keys are configured.
    pub fn sandbox(seed: u64) -> Self {
        Self::new(Arc::new(Sandbox::new(seed).acting_as(ProviderName::Apollo)))
    }

    /// The search a workspace's "Find leads from ICP" uses: Apollo with the workspace's key,
    /// else the installation's; this (sandbox) discoverer only when there is neither, so made-up
    /// people never land in a workspace that has a real key. A stored key that no longer opens
    /// is an error, not a fallback to the sandbox.
    pub async fn for_workspace(&self, engine: &Engine, ws: WorkspaceId) -> Result<(Discoverer, SearchSource)> {
        use crate::integrations::{real_client, sources, RealClient, Source};
        use domain::integrations::Integration;
        let all = sources(engine, ws).await?;
        let (credential, source) = match all.get(&Integration::Apollo) {
            Some(Source::Workspace(c)) => (c, SearchSource::WorkspaceKey),
            Some(Source::Platform(c)) => (c, SearchSource::InstallationKey),
            Some(Source::Unopenable(_)) => {
                return Err(Error::Invalid("The stored Apollo key can no longer be used: set it again in Settings → Integrations.".into()))
            }
            Some(Source::Sandbox) | None => return Ok((self.clone(), SearchSource::Sandbox)),
        };
        match real_client(engine, ws, Integration::Apollo, credential) {
            Ok(RealClient::Apollo(c)) => Ok((Discoverer { searcher: Arc::new(c), ..Discoverer::new(self.searcher.clone()) }, source)),
            Ok(_) => Err(Error::Internal(anyhow::anyhow!("the Apollo credential built another client"))),
            Err(e) => Err(Error::Internal(anyhow::anyhow!("cannot build the Apollo client: {e}"))),
        }
    }
}

/// Which search found the people, for the page to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchSource {
    WorkspaceKey,
    InstallationKey,
    Sandbox,
}

impl SearchSource {
    pub const fn label(self) -> &'static str {
        match self {
            SearchSource::WorkspaceKey => "Apollo (this workspace's key)",
            SearchSource::InstallationKey => "Apollo (the installation's key)",
            SearchSource::Sandbox => "the sandbox (no Apollo key is set; the people are made up)",
        }
    }
}

/// What one discovery did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryReport {
    /// People the search returned (at most the number asked for).
    pub found: u32,
    /// Of those, added as new leads.
    pub new: u32,
    /// Of those, already in the workspace from an earlier search.
    pub duplicates: u32,
    /// Search pages requested.
    pub pages: u32,
    /// Why the search stopped before reaching the number asked for, when a provider failed
    /// part-way (what was found until then is kept).
    pub stopped: Option<String>,
}

/// The search the ICP asks for. Industries are not a People API Search filter (Apollo has none
/// for people), so they only shape the score; locations filter where the person is, the same
/// thing the scorer's location rule reads.
pub fn search_query(icp: &WorkspaceIcp, page: u32, per_page: u32) -> PeopleSearchQuery {
    PeopleSearchQuery {
        titles: icp.job_titles.clone(),
        seniorities: icp.seniorities.iter().map(|s| s.as_str().to_string()).collect(),
        person_locations: icp.scoring.locations.clone(),
        employee_ranges: vec![(icp.scoring.employees_min, icp.scoring.employees_max)],
        keywords: (!icp.keywords.is_empty()).then(|| icp.keywords.join(" ")),
        page,
        per_page,
        ..PeopleSearchQuery::default()
    }
}

/// Finds up to `wanted` people fitting the workspace's ICP (members and above), adds the new
/// ones as leads and queues their enrichment.
pub async fn discover(engine: &Engine, discoverer: &Discoverer, access: &Access, wanted: u32) -> Result<DiscoveryReport> {
    access.require(Action::EditCampaigns)?;
    let user = access.user;
    if wanted == 0 || wanted > MAX_WANTED {
        return Err(Error::Invalid(format!("Ask for between 1 and {MAX_WANTED} people")));
    }
    let icp = crate::flows::icp::load(&mut *access.tenant(engine).await?, access.workspace).await?;
    let (report, created) = search_and_insert(engine, discoverer, access.workspace, &icp, wanted).await?;
    let mut tx = access.tenant(engine).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(access.workspace),
            actor: Some(user),
            action: "leads.discover",
            target_type: "workspace",
            target_id: Some(access.workspace.to_string()),
            before: None,
            after: Some(json!({ "wanted": wanted, "provider": discoverer.searcher.provider().as_str(), "report": report })),
        },
    )
    .await?;
    tx.commit().await?;
    enqueue_enrichment(engine, access.workspace, &created).await?;
    Ok(report)
}

/// The search and the inserts without authorisation, audit or enrichment (tests, the CLI).
/// Each page's leads are committed as the page arrives, so a provider failing on page 3 keeps
/// pages 1 and 2; a repeat run skips them.
pub async fn search_and_insert(
    engine: &Engine,
    discoverer: &Discoverer,
    ws: WorkspaceId,
    icp: &WorkspaceIcp,
    wanted: u32,
) -> Result<(DiscoveryReport, Vec<LeadId>)> {
    let ledger: Arc<dyn CostSink> = Arc::new(PgLedger::new(engine));
    let searcher = Metered::new(
        discoverer.searcher.clone(),
        discoverer.breaker.clone(),
        ledger,
        discoverer.costs.clone(),
        LedgerScope { workspace: ws, campaign: None },
    );
    let provider = searcher.provider();
    let per_page = wanted.clamp(1, MAX_PER_PAGE);
    let mut report = DiscoveryReport::default();
    let mut created = Vec::new();
    for page in 1..=MAX_PAGES {
        if report.found >= wanted {
            break;
        }
        let query = search_query(icp, page, per_page);
        let result = match fetch(&searcher, &query, discoverer.retry_pause).await {
            Ok(r) => r,
            Err(e) if report.pages == 0 => return Err(search_failed(provider, e)),
            Err(e) => {
                tracing::warn!(workspace = %ws, %provider, page, error = %e, "people search stopped part-way");
                report.stopped = Some(format!("the search stopped at page {page}: {e}"));
                break;
            }
        };
        report.pages += 1;
        let take = (wanted - report.found) as usize;
        let people: Vec<store::FoundPerson> = result.people.iter().take(take).filter_map(found_person).collect();
        report.found += people.len() as u32;
        let mut tx = engine.tenant(ws).await?;
        let inserted = store::insert_found(&mut tx, ws, LeadSource::Apollo, provider.as_str(), &people).await?;
        tx.commit().await?;
        report.new += inserted.len() as u32;
        report.duplicates += (people.len() - inserted.len()) as u32;
        created.extend(inserted.into_iter().map(|(id, _)| id));
        let seen = u64::from(page) * u64::from(per_page);
        if result.people.len() < per_page as usize || seen >= result.total_entries {
            break;
        }
    }
    Ok((report, created))
}

async fn fetch(searcher: &dyn LeadSearch, query: &PeopleSearchQuery, pause: Duration) -> Result<crate::providers::SearchPage, ProviderError> {
    let mut attempt = 1;
    loop {
        match searcher.search_people(query).await {
            Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                tokio::time::sleep(pause * attempt).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// A provider failure before anything was found. Our credentials or account are the operator's
/// problem, not the user's, so those stay opaque (logged); a refused query is shown.
fn search_failed(provider: ProviderName, e: ProviderError) -> Error {
    match e {
        ProviderError::BadRequest(m) => Error::Invalid(format!("The lead search refused the ICP's filters: {m}")),
        e => Error::Internal(anyhow::anyhow!("{provider} people search failed: {e}")),
    }
}

/// What we keep of a found person. The obfuscated surname ("Hu***n") is not a name: it stays
/// out, and enrichment fills the real one. A person without an id cannot be deduplicated and
/// is left out.
fn found_person(p: &Prospect) -> Option<store::FoundPerson> {
    let text = |s: Option<&str>, max: usize| s.map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(max).collect::<String>());
    let provider_ref = p.provider_id.trim();
    if provider_ref.is_empty() || provider_ref.len() > 200 {
        return None;
    }
    Some(store::FoundPerson {
        provider_ref: provider_ref.to_string(),
        first_name: text(Some(&p.first_name), 100),
        last_name: text(p.last_name.as_deref(), 100),
        title: text(p.title.as_deref(), 200),
        company: text(p.company.as_deref(), 200),
        company_domain: p.company_domain.as_deref().map(bare_domain).filter(|d| !d.is_empty()),
    })
}

/// Queues the new leads for the enrichment waterfall in jobs of [`ENRICH_BATCH`]; scoring
/// follows when the last batch finishes (see `jobs`).
async fn enqueue_enrichment(engine: &Engine, ws: WorkspaceId, created: &[LeadId]) -> Result<()> {
    for chunk in created.chunks(ENRICH_BATCH) {
        let job = crate::jobs::EnrichBatch { workspace: ws.0, lead_ids: chunk.iter().map(|l| l.0).collect() };
        crate::jobs::enqueue_enrich(engine.owner_pool(), job)
            .await
            .map_err(|e| Error::Internal(e.context("queueing enrichment for discovered leads")))?;
    }
    Ok(())
}
