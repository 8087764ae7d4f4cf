//! Onboarding discovery (SPEC §12): read the agency's site, extract what it says, derive the
//! ideal customer profile to confirm. The reading is `crate::site`; the meaning is
//! `domain::site`; this flow joins them and shapes the result the command line prints.

use crate::net::NetPolicy;
use crate::site::{self, FetchError, ReadLimits, SiteRead};
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
