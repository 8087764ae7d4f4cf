//! Onboarding discovery (SPEC §12): read the agency's site, extract what it says, derive the
//! ideal customer profile to confirm. The reading is `crate::site`; the meaning is
//! `domain::site`; this flow joins them, shapes the result the command line prints, and runs
//! it as a durable job whose progress is kept in `onboarding_runs` (so a reload or a restart
//! shows where it is).

use crate::auth::Access;
use crate::net::NetPolicy;
use crate::site::{self, FetchError, ReadLimits, SiteRead};
use crate::store::{audit, onboarding as store};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::WorkspaceId;
use uuid::Uuid;
use domain::site::derive::{derive_icp, IcpDraft};
use domain::site::extract::extract;
use domain::site::SiteProfile;
use serde_json::{json, Value};

/// The outcome of one discovery run.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub read: SiteRead,
    pub profile: SiteProfile,
    pub draft: IcpDraft,
}

/// Reads `url` and derives the profile, telling `progress(step, done, total)` as it goes.
pub async fn discover(policy: &NetPolicy, url: &str, limits: &ReadLimits, mut progress: impl FnMut(&str, usize, usize)) -> Result<Discovery, FetchError> {
    let read = site::read_site_with(policy, url, limits, |n, total| progress("reading", n, total)).await?;
    progress("extracting", read.pages.len(), read.pages.len());
    let profile = extract(&read.pages, &read.site_domain);
    progress("deriving", 1, 1);
    let draft = derive_icp(&profile, &read.site_domain);
    Ok(Discovery { read, profile, draft })
}

impl Discovery {
    /// What a finished run stores: the command's summary, the profile and the draft ICP.
    pub fn result(&self) -> Value {
        json!({ "summary": self.to_json(), "profile": self.profile, "draft": self.draft })
    }

    /// The one JSON object `agency-os discover-icp` prints (its shape is part of the issue's
    /// contract: change it only with the command's documentation).
    pub fn to_json(&self) -> Value {
        let p = &self.profile;
        let d = &self.draft;
        let mut notes: Vec<String> = self.read.notes.clone();
        notes.extend(self.read.skipped.iter().map(|s| format!("skipped {}: {}", s.url, s.reason)));
        notes.extend(d.notes.iter().cloned());
        notes.extend(d.hard_filters.iter().map(|h| format!("hard filter: {h}")));
        notes.extend(d.soft_preferences.iter().map(|s| format!("soft preference: {s}")));
        notes.extend(d.weight_reasons.iter().map(|w| format!("weight {} = {:.2}: {}", w.component, w.weight, w.reason)));
        if let Some(t) = &p.team_size {
            notes.push(format!("team size {} ({:?})", t.value, t.provenance).to_lowercase());
        }
        notes.push("client companies were not enriched (no organisation search configured)".into());
        json!({
            "company_name": p.company_name.as_ref().map(|c| c.value.clone()).unwrap_or_default(),
            "services": p.services.iter().map(|s| &s.value).collect::<Vec<_>>(),
            "value_proposition": p.value_proposition.as_ref().map(|v| v.value.clone()).unwrap_or_default(),
            "clients": p.clients.iter().map(|c| json!({"name": c.name, "domain": c.domain, "source_url": c.source_url})).collect::<Vec<_>>(),
            "industries_served": p.industries_served.iter().map(|i| &i.value).collect::<Vec<_>>(),
            "team_size": {
                "estimate": p.team_size.as_ref().map(|t| t.value),
                "source_url": p.team_size.as_ref().map(|t| t.source_url.clone()),
            },
            "locations": p.locations.iter().map(|l| &l.value).collect::<Vec<_>>(),
            "icp": {
                "industries": d.industries,
                "company_sizes": d.company_sizes,
                "locations": d.locations,
                "titles": d.titles,
                "pain_points": d.pain_points,
                "exclusions": d.exclusions,
            },
            "suggested_weights": {
                "data_quality": d.weights.data_quality,
                "authority": d.weights.authority,
                "company_fit": d.weights.company_fit,
                "timing": d.weights.timing,
                "risk": d.weights.risk,
            },
            "pages": self.read.pages.iter().map(|pg| json!({"url": pg.url, "kind": pg.kind.as_str()})).collect::<Vec<_>>(),
            "notes": notes,
        })
    }
}

/// Starts a discovery run for the workspace (members and above) and queues its job. A private
/// or malformed address is refused here, at once, with the reason; the job checks every
/// address again when it connects.
pub async fn start(engine: &Engine, access: &Access, url: &str) -> Result<Uuid> {
    access.require(Action::EditCampaigns)?;
    let user = access.user;
    let parsed = site::parse_site_url(url).map_err(|e| Error::Invalid(e.to_string()))?;
    engine.settings.net.check_url_host(parsed.as_str()).await.map_err(|e| Error::Invalid(e.to_string()))?;
    let mut tx = engine.tenant(access.workspace).await?;
    let id = store::create(&mut tx, access.workspace, parsed.as_str(), user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(access.workspace),
            actor: Some(user),
            action: "onboarding.discover",
            target_type: "onboarding_run",
            target_id: Some(id.to_string()),
            before: None,
            after: Some(json!({ "url": parsed.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    crate::jobs::enqueue_discover(engine.owner_pool(), crate::jobs::DiscoverIcp { workspace: access.workspace.0, run: id })
        .await
        .map_err(Error::Internal)?;
    Ok(id)
}

/// The job's work: reads, extracts and derives, writing each step's progress; a site that
/// cannot be read ends the run as failed with the reason (not retried: it is the address, not
/// us). Running a finished run again does nothing; an unfinished one starts over.
pub async fn run(engine: &Engine, ws: WorkspaceId, id: Uuid, limits: &ReadLimits) -> Result<()> {
    let Some(run) = store::get(&mut *engine.tenant(ws).await?, ws, id).await? else { return Ok(()) };
    if matches!(run.status.as_str(), "done" | "failed") {
        return Ok(());
    }
    let (tx, mut rx) = tokio::sync::watch::channel(("reading".to_string(), 0usize, 0usize));
    let work = discover(&engine.settings.net, &run.url, limits, move |step, n, total| {
        let _ = tx.send((step.to_string(), n, total));
    });
    // Writes the latest step while the work goes on; ends when the work drops its sender.
    let writer = async {
        while rx.changed().await.is_ok() {
            let (step, n, total) = rx.borrow_and_update().clone();
            if let Err(e) = progress(engine, ws, id, &step, n, total).await {
                tracing::warn!(error = %e, "could not record onboarding progress");
            }
        }
    };
    let (found, ()) = tokio::join!(work, writer);
    match found {
        Ok(d) => {
            let result = d.result();
            let mut tx = engine.tenant(ws).await?;
            store::progress(&mut *tx, ws, id, "deriving", d.read.pages.len(), d.read.pages.len()).await?;
            store::finish(&mut *tx, ws, id, &result).await?;
            tx.commit().await?;
        }
        Err(e) => {
            let mut tx = engine.tenant(ws).await?;
            store::fail(&mut *tx, ws, id, &e.to_string()).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

async fn progress(engine: &Engine, ws: WorkspaceId, id: Uuid, step: &str, n: usize, total: usize) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    store::progress(&mut *tx, ws, id, step, n, total).await?;
    tx.commit().await?;
    Ok(())
}

/// The workspace's latest run (viewers too).
pub async fn latest(engine: &Engine, access: &Access) -> Result<Option<store::Run>> {
    access.require(Action::ViewWorkspace)?;
    store::latest(&mut *access.tenant(engine).await?, access.workspace).await
}

/// How many of the workspace's leads a run's derived profile matches, part by part, by the
/// score's own company-fit rules (`domain::score::IcpMatcher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Matches {
    pub leads: u64,
    pub industry: u64,
    pub size: u64,
    pub location: u64,
    /// Leads fitting every part: industry, size and location.
    pub all: u64,
}

/// What the draft profile of `run` would match among the workspace's leads (viewers too).
/// `None` while the run has no profile yet.
pub async fn matches(engine: &Engine, access: &Access, run: Uuid) -> Result<Option<Matches>> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    let mut conn = access.tenant(engine).await?;
    let run = store::get(&mut *conn, ws, run).await?.ok_or(Error::NotFound("onboarding run"))?;
    let Some(draft) = run.result.as_ref().and_then(|r| serde_json::from_value::<IcpDraft>(r["draft"].clone()).ok()) else {
        return Ok(None);
    };
    let matcher = domain::score::IcpMatcher::new(&draft.to_workspace_icp().scoring);
    let mut m = Matches::default();
    for (industry, employees, location, country) in crate::store::leads::icp_facts(&mut conn, ws).await? {
        let place = domain::score::lead_place(location.as_deref(), country.as_deref());
        let fit = matcher.fit(industry.as_deref().unwrap_or(""), employees.and_then(|n| u32::try_from(n).ok()), &place);
        m.leads += 1;
        m.industry += u64::from(fit.industry);
        m.size += u64::from(fit.size);
        m.location += u64::from(fit.location);
        m.all += u64::from(fit.industry && fit.size && fit.location);
    }
    Ok(Some(m))
}

/// The run the profile was last confirmed from (viewers too): what Settings → ICP says it was
/// derived from.
pub async fn origin(engine: &Engine, access: &Access) -> Result<Option<store::Run>> {
    access.require(Action::ViewWorkspace)?;
    store::latest_confirmed(&mut *access.tenant(engine).await?, access.workspace).await
}

/// Confirm: saves the profile as edited (audited; re-scores the leads when its scoring part
/// changed, as Settings → ICP does) and records the data-sharing answer with who and when.
pub async fn confirm(engine: &Engine, access: &Access, run: Uuid, icp: &domain::icp::WorkspaceIcp, consent: bool) -> Result<crate::flows::icp::Saved> {
    access.require(Action::EditCampaigns)?;
    let user = access.user;
    let found = store::get(&mut *access.tenant(engine).await?, access.workspace, run).await?.ok_or(Error::NotFound("onboarding run"))?;
    if found.status != "done" {
        return Err(Error::Invalid("This run has not finished reading the website yet.".into()));
    }
    let saved = crate::flows::icp::save(engine, access, icp).await?;
    let mut tx = engine.tenant(access.workspace).await?;
    store::confirm(&mut tx, access.workspace, run, consent, user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(access.workspace),
            actor: Some(user),
            action: "onboarding.confirm",
            target_type: "onboarding_run",
            target_id: Some(run.to_string()),
            before: Some(json!({ "consent": found.consent })),
            after: Some(json!({ "consent": consent, "url": found.url })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}
