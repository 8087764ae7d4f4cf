//! The one way a lead's status changes (SPEC §3): a [`Signal`] goes through the domain's status
//! machine (`domain::lead_status::transition`) and, when it moves the lead, the change is
//! written together with a `status_changed` activity (from → to, and why) in the caller's
//! transaction. A refused transition is not an error: the lead keeps its status (an opt-out
//! still suppresses, a late open still shows on the timeline), and the refusal is logged at
//! debug level only.
//!
//! [`apply_many`] does the same for a page of leads in three statements whatever the page size
//! (lock and read, update, record), so set-based flows (drafting, decay) stay set-based.

use crate::store::activities::{self, NewActivity};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::activity::ActivityKind;
use domain::ids::{CampaignId, WorkspaceId};
use domain::lead_status::{transition, LeadStatus, Signal};
use domain::leads::LeadId;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// Moves the lead by `signal` if the status machine allows it. Returns `(from, to)` when the
/// status changed, `None` when the signal was refused, changed nothing, or the lead is gone.
pub async fn apply(tx: &mut PgConnection, ws: WorkspaceId, lead: LeadId, signal: Signal, why: &str, at: DateTime<Utc>) -> Result<Option<(LeadStatus, LeadStatus)>> {
    apply_in(tx, ws, lead, None, signal, why, at).await
}

/// [`apply`], with the campaign the change belongs to on its activity.
pub async fn apply_in(tx: &mut PgConnection, ws: WorkspaceId, lead: LeadId, campaign: Option<CampaignId>, signal: Signal, why: &str, at: DateTime<Utc>) -> Result<Option<(LeadStatus, LeadStatus)>> {
    let moved = apply_many(tx, ws, &[lead.0], campaign, signal, why, at).await?;
    Ok(moved.into_iter().next().map(|(_, from, to)| (from, to)))
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("corrupt lead status: {e}"))
}

/// [`apply`] for many leads at once (same signal and reason). Returns the leads that moved.
pub async fn apply_many(tx: &mut PgConnection, ws: WorkspaceId, leads: &[Uuid], campaign: Option<CampaignId>, signal: Signal, why: &str, at: DateTime<Utc>) -> Result<Vec<(LeadId, LeadStatus, LeadStatus)>> {
    let signals = [signal];
    let items: Vec<(Uuid, &[Signal])> = leads.iter().map(|l| (*l, &signals[..])).collect();
    apply_batch(tx, ws, &items, campaign, why, at).await
}

/// Each lead receives its signals in order (e.g. drafted, approved, enrolled for a draft that
/// autopilot approved at once); every move is a `status_changed` activity. Three statements
/// whatever the number of leads. Returns each lead's overall move (first status, last status).
pub async fn apply_batch(tx: &mut PgConnection, ws: WorkspaceId, items: &[(Uuid, &[Signal])], campaign: Option<CampaignId>, why: &str, at: DateTime<Utc>) -> Result<Vec<(LeadId, LeadStatus, LeadStatus)>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = items.iter().map(|i| i.0).collect();
    // Locked in id order, so two flows moving overlapping pages cannot deadlock.
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "select id, status from leads where client_id = $1 and id = any($2) and deleted_at is null order by id for update",
    )
    .bind(ws.0)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let wanted: std::collections::HashMap<Uuid, &[Signal]> = items.iter().map(|(l, s)| (*l, *s)).collect();
    let mut moves = Vec::new();
    let mut acts = Vec::new();
    for (id, status) in rows {
        let first: LeadStatus = status.parse().map_err(corrupt)?;
        let mut current = first;
        for &signal in wanted.get(&id).copied().unwrap_or_default() {
            match transition(current, signal) {
                Ok(to) if to != current => {
                    acts.push(NewActivity {
                        campaign,
                        detail: json!({ "from": current.as_str(), "to": to.as_str(), "signal": signal.as_str(), "why": why }),
                        ..NewActivity::on_lead(LeadId(id), ActivityKind::StatusChanged, format!("{} → {}: {why}", label(current), label(to)), at)
                    });
                    current = to;
                }
                Ok(_) => {}
                Err(refused) => tracing::debug!(workspace = %ws, lead = %id, %refused, "status change refused"),
            }
        }
        if current != first {
            moves.push((LeadId(id), first, current));
        }
    }
    if moves.is_empty() {
        return Ok(moves);
    }
    let ids: Vec<Uuid> = moves.iter().map(|m| m.0 .0).collect();
    let tos: Vec<&str> = moves.iter().map(|m| m.2.as_str()).collect();
    sqlx::query(
        "update leads l set status = m.status, updated_at = now()
         from unnest($2::uuid[], $3::text[]) as m(id, status)
         where l.client_id = $1 and l.id = m.id",
    )
    .bind(ws.0)
    .bind(&ids)
    .bind(&tos)
    .execute(&mut *tx)
    .await?;
    activities::record_many(tx, ws, &acts).await?;
    Ok(moves)
}

/// The status as a person reads it ("in sequence").
pub fn label(s: LeadStatus) -> String {
    s.as_str().replace('_', " ")
}

/// A message of ours went out (or, in shadow mode, was stored instead): the `sent` activity with
/// what was sent, and — for a real send — the lead `contacted` (Signal::Sent). Shadow messages
/// move no status: nobody received them.
pub async fn touched(tx: &mut PgConnection, ws: WorkspaceId, row: &crate::store::outbox::Claimed, subject: &str, from: Option<&str>, shadow: bool, at: DateTime<Utc>) -> Result<()> {
    let lead = LeadId(row.lead_id);
    let campaign = Some(CampaignId(row.campaign_id));
    let what = if row.kind == "reply" { "Answer".to_string() } else { format!("Step {}", row.step + 1) };
    let summary = if shadow { format!("{what} held in shadow mode (not sent): {subject}") } else { format!("{what} sent: {subject}") };
    activities::record(
        tx,
        ws,
        &NewActivity {
            campaign,
            outbox: Some(row.id),
            channel: Some(row.channel.clone()),
            detail: json!({
                "subject": subject, "body": row.body, "to": row.to_address, "from": from, "message_id": row.message_id,
                "step": row.step, "kind": row.kind, "shadow": shadow,
            }),
            dedupe_key: Some(format!("sent:{}", row.id)),
            ..NewActivity::on_lead(lead, ActivityKind::Sent, summary, at)
        },
    )
    .await?;
    if !shadow {
        apply_in(tx, ws, lead, campaign, Signal::Sent, "message sent", at).await?;
    }
    Ok(())
}
