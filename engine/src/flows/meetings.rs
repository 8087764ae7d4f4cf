//! Meetings, the conversion (SPEC §11): a booking-tool webhook (Cal.com, Calendly) or a person
//! marks a meeting booked for a lead. The lead becomes `converted` through the status machine,
//! its campaigns stop, and the touches that led there are credited — the last one we made on
//! each channel before the booking — on the `meeting_booked` activity.
//!
//! Idempotent: a booking tool's event is stored once by its id, and a repeat changes nothing.
//! Callers authorise (webhook signature, or the user's role) before calling.

use crate::flows::signals;
use crate::store::activities::{self, NewActivity};
use crate::store::{campaigns, drafts, meetings};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Utc};
use domain::activity::ActivityKind;
use domain::ids::{UserId, WorkspaceId};
use domain::lead_status::Signal;
use domain::leads::LeadId;
use serde_json::json;

/// Records a meeting booked with `lead`. `source` is `calcom`, `calendly` or `manual`;
/// `external_id` the booking tool's id (a repeat with the same id changes nothing). Returns
/// false when this booking was already recorded.
pub async fn book(engine: &Engine, ws: WorkspaceId, lead: LeadId, source: &str, external_id: Option<String>, starts_at: Option<DateTime<Utc>>, actor: Option<UserId>) -> Result<bool> {
    book_titled(engine, ws, lead, source, external_id, starts_at, actor, "").await
}

/// [`book`] with the meeting's title as the booking tool names it.
#[allow(clippy::too_many_arguments)]
pub async fn book_titled(
    engine: &Engine,
    ws: WorkspaceId,
    lead: LeadId,
    source: &str,
    external_id: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    actor: Option<UserId>,
    title: &str,
) -> Result<bool> {
    if !matches!(source, "calcom" | "calendly" | "manual") {
        return Err(Error::Invalid(format!("unknown booking source {source:?}")));
    }
    let external_id = external_id.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
    if external_id.as_ref().is_some_and(|e| e.len() > 300) {
        return Err(Error::Invalid("the booking id is longer than 300 characters".into()));
    }
    let now = Utc::now();
    let mut tx = engine.tenant(ws).await?;
    let exists: bool = sqlx::query_scalar("select exists (select 1 from leads where client_id = $1 and id = $2 and deleted_at is null)")
        .bind(ws.0)
        .bind(lead.0)
        .fetch_one(&mut *tx)
        .await?;
    if !exists {
        return Err(Error::NotFound("lead"));
    }
    let Some(id) = meetings::insert(&mut tx, ws, lead, source, external_id.as_deref(), starts_at, title, actor).await? else {
        return Ok(false);
    };
    // Credit: the last touch on each channel before the booking.
    let touches = activities::last_touch_per_channel(&mut tx, ws, lead, now).await?;
    let credited: Vec<serde_json::Value> = touches
        .iter()
        .map(|(channel, activity, campaign, at, summary)| json!({ "channel": channel, "activity": activity, "campaign": campaign, "at": at, "summary": summary }))
        .collect();
    let left = campaigns::exit_lead(&mut tx, ws, lead.0, "converted", now).await?;
    drafts::withdraw_sequence(&mut tx, ws, lead.0, "withdrawn: a meeting was booked").await?;
    let when = starts_at.map(|s| format!(" for {}", s.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
    let by = match source {
        "calcom" => "Cal.com",
        "calendly" => "Calendly",
        _ => "hand",
    };
    activities::record(
        &mut tx,
        ws,
        &NewActivity {
            actor,
            detail: json!({ "meeting": id, "source": source, "external_id": external_id, "starts_at": starts_at, "title": title, "credited": credited, "campaigns_stopped": left }),
            dedupe_key: Some(format!("meeting:{id}")),
            campaign: touches.first().and_then(|t| t.2).map(domain::ids::CampaignId),
            ..NewActivity::on_lead(lead, ActivityKind::MeetingBooked, format!("Meeting booked{when} (by {by})"), now)
        },
    )
    .await?;
    signals::apply(&mut tx, ws, lead, Signal::Converted, &format!("meeting booked (by {by})"), now).await?;
    tx.commit().await?;
    Ok(true)
}
