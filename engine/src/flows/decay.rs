//! The daily sweep (SPEC §3, §7): out-of-office pauses that are over resume; cadences whose
//! last email went out days ago without a reply end (`exhausted`); leads waiting on the
//! prospect decay to `ghosted`, `stalled` or `hesitant` (`domain::lead_status::detect_decay`);
//! stale leads become `revival_candidate`s (`is_revival_candidate`). Every move goes through
//! `flows::signals`, so each is a `status_changed` activity.
//!
//! `now` is an argument so tests run it on any day. Idempotent: a second run the same day finds
//! nothing to move (a lead already in the status it would get is not moved again). The sweep
//! spans workspaces explicitly (the scheduler's job); each workspace is done in its own pages.

use crate::flows::signals;
use crate::store::activities::{self, NewActivity};
use crate::store::campaigns;
use crate::{Engine, Result};
use chrono::{DateTime, Duration, Utc};
use domain::activity::ActivityKind;
use domain::campaign::CampaignStatus;
use domain::ids::{CampaignId, WorkspaceId};
use domain::lead_status::{detect_decay, is_revival_candidate, Decay, DecayRules, EngagementFacts, LeadStatus, RevivalRules, Signal};
use domain::leads::LeadId;
use domain::score::Channel;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

/// How long after a cadence's last email a silent lead counts as exhausted.
pub const EXHAUSTED_AFTER_DAYS: i64 = 3;
/// Leads read per page.
const PAGE: i64 = 1_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecayReport {
    pub resumed: u64,
    pub exhausted: u64,
    pub ghosted: u64,
    pub stalled: u64,
    pub hesitant: u64,
    pub revival_candidates: u64,
}

/// The sweep over every workspace.
pub async fn run(engine: &Engine, now: DateTime<Utc>) -> Result<DecayReport> {
    let mut report = DecayReport::default();
    report.resumed = resume_paused(engine, now).await?;
    let workspaces: Vec<Uuid> = sqlx::query_scalar("select id from workspaces where deleted_at is null order by id").fetch_all(engine.owner_pool()).await?;
    for ws in workspaces {
        let r = run_workspace(engine, WorkspaceId(ws), now).await?;
        report.exhausted += r.exhausted;
        report.ghosted += r.ghosted;
        report.stalled += r.stalled;
        report.hesitant += r.hesitant;
        report.revival_candidates += r.revival_candidates;
    }
    Ok(report)
}

/// Ends the out-of-office pauses that are over: the cadences go on where they stopped (their
/// remaining steps were shifted when the pause began), and each lead's timeline says so.
pub async fn resume_paused(engine: &Engine, now: DateTime<Utc>) -> Result<u64> {
    let mut tx = engine.across_tenants().await?;
    let resumed = campaigns::resume_due(&mut tx, now).await?;
    let mut by_ws: std::collections::BTreeMap<WorkspaceId, Vec<NewActivity>> = Default::default();
    for (ws, lead, campaign) in &resumed {
        by_ws.entry(*ws).or_default().push(NewActivity {
            campaign: Some(*campaign),
            detail: json!({ "campaign": campaign }),
            ..NewActivity::on_lead(LeadId(*lead), ActivityKind::Resumed, "Cadence resumed after the out-of-office pause", now)
        });
    }
    for (ws, acts) in by_ws {
        activities::record_many(&mut tx, ws, &acts).await?;
    }
    tx.commit().await?;
    Ok(resumed.len() as u64)
}

/// Decay, exhaustion and revival for one workspace.
pub async fn run_workspace(engine: &Engine, ws: WorkspaceId, now: DateTime<Utc>) -> Result<DecayReport> {
    let mut report = DecayReport::default();
    report.exhausted = exhaust(engine, ws, now).await?;
    let (decay_rules, revival_rules) = (DecayRules::default(), RevivalRules::default());
    let mut after = Uuid::nil();
    loop {
        let rows: Vec<(Uuid, String, Option<DateTime<Utc>>, Option<DateTime<Utc>>, i64, Option<DateTime<Utc>>, i64)> = sqlx::query_as(
            "select l.id, l.status, o.first_sent, o.last_sent, coalesce(a.opens, 0), a.last_open, coalesce(r.n, 0)
             from leads l
             left join lateral (select min(sent_at) as first_sent, max(sent_at) as last_sent from outbox
                                where client_id = l.client_id and lead_id = l.id and state = 'sent') o on true
             left join lateral (select count(*) as opens, max(occurred_at) as last_open from activities
                                where client_id = l.client_id and lead_id = l.id and kind = 'opened') a on true
             left join lateral (select count(*) as n from replies
                                where client_id = l.client_id and lead_id = l.id and intent not in ('out_of_office', 'auto_reply')) r on true
             where l.client_id = $1 and l.deleted_at is null and l.id > $2
               and l.status in ('in_sequence', 'contacted', 'revival_sent', 'opened', 'clicked', 'linkedin_connected', 'stalled',
                                'replied', 'ghosted', 'hesitant', 'exhausted')
             order by l.id limit $3",
        )
        .bind(ws.0)
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut *engine.tenant(ws).await?)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        let mut decayed: [Vec<Uuid>; 3] = Default::default();
        let mut revive = Vec::new();
        for (id, status, first_sent, last_sent, opens, last_open, replies) in &rows {
            let Ok(status) = status.parse::<LeadStatus>() else { continue };
            let facts = EngagementFacts { first_touch_sent_at: *first_sent, last_opened_at: *last_open, open_count: *opens as u32, reply_count: *replies as u32 };
            match detect_decay(&decay_rules, status, &facts, now) {
                Some(Decay::Ghosted) => decayed[0].push(*id),
                Some(Decay::Stalled) => decayed[1].push(*id),
                Some(Decay::Hesitant) => decayed[2].push(*id),
                None if is_revival_candidate(&revival_rules, status, *last_sent, now) => revive.push(*id),
                None => {}
            }
        }
        let mut tx = engine.tenant(ws).await?;
        let whys = [
            (Decay::Ghosted, "no open 72 hours after the first touch"),
            (Decay::Stalled, "opened 7 days ago, no reply since"),
            (Decay::Hesitant, "opened twice or more, never replied"),
        ];
        for ((decay, why), ids) in whys.into_iter().zip(&decayed) {
            let moved = signals::apply_many(&mut tx, ws, ids, None, Signal::Decayed(decay), why, now).await?.len() as u64;
            match decay {
                Decay::Ghosted => report.ghosted += moved,
                Decay::Stalled => report.stalled += moved,
                Decay::Hesitant => report.hesitant += moved,
            }
        }
        report.revival_candidates += signals::apply_many(&mut tx, ws, &revive, None, Signal::RevivalFlagged, "last touched 30–120 days ago", now).await?.len() as u64;
        tx.commit().await?;
    }
    Ok(report)
}

/// Enrolments whose cadence's last email went out at least [`EXHAUSTED_AFTER_DAYS`] ago with
/// no reply from the person: the enrolment is finished and the lead `exhausted`.
async fn exhaust(engine: &Engine, ws: WorkspaceId, now: DateTime<Utc>) -> Result<u64> {
    let mut total = 0;
    let active: Vec<Uuid> = sqlx::query_scalar("select id from campaigns where client_id = $1 and status in ('active', 'paused') order by id")
        .bind(ws.0)
        .fetch_all(&mut *engine.tenant(ws).await?)
        .await?;
    for id in active {
        let Some(c) = campaigns::get(&mut *engine.tenant(ws).await?, ws, CampaignId(id)).await? else { continue };
        if c.status == CampaignStatus::Archived {
            continue;
        }
        let Some(last_email) = c.settings.cadence.steps().iter().rposition(|s| s.channel == Channel::Email) else { continue };
        let mut tx = engine.tenant(ws).await?;
        let done: Vec<Uuid> = sqlx::query_scalar(
            "update campaign_leads cl set state = 'finished', exit_reason = 'cadence finished', exited_at = $4
             where cl.client_id = $1 and cl.campaign_id = $2 and cl.state = 'active'
               and exists (select 1 from outbox o where o.client_id = cl.client_id and o.campaign_id = cl.campaign_id and o.lead_id = cl.lead_id
                           and o.step = $3 and o.kind = 'sequence' and o.state = 'sent' and o.sent_at <= $5)
               and not exists (select 1 from replies r where r.client_id = cl.client_id and r.lead_id = cl.lead_id
                               and r.intent not in ('out_of_office', 'auto_reply'))
             returning cl.lead_id",
        )
        .bind(ws.0)
        .bind(id)
        .bind(last_email as i16)
        .bind(now)
        .bind(now - Duration::days(EXHAUSTED_AFTER_DAYS))
        .fetch_all(&mut *tx)
        .await?;
        total += signals::apply_many(&mut tx, ws, &done, Some(CampaignId(id)), Signal::CadenceFinished, "the cadence ended without a reply", now).await?.len() as u64;
        tx.commit().await?;
    }
    Ok(total)
}
