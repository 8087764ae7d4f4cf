//! What each reply's action did (`reply_effects`), and the reversal of those effects when a
//! person re-classifies the reply. Every reversal here is narrow on purpose: it changes a row
//! only while it is still exactly as the reply left it (the same exit reason and time, the same
//! pause, the suggestion still unapproved, the suppression still the reply's own), so a later
//! change by anyone else is never overwritten. The decisions (what to reverse, what needs a
//! person's confirmation) are the flow's (`flows::replies::reclassify`).

use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// One live effect of a reply.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Effect {
    pub id: Uuid,
    pub kind: String,
    pub detail: Value,
}

/// Notes what the reply's action did, in the reply's transaction.
pub async fn record(conn: &mut PgConnection, ws: WorkspaceId, reply: Uuid, lead: Uuid, kind: &str, detail: Value) -> Result<()> {
    sqlx::query("insert into reply_effects (client_id, reply_id, lead_id, kind, detail) values ($1, $2, $3, $4, $5)")
        .bind(ws.0)
        .bind(reply)
        .bind(lead)
        .bind(kind)
        .bind(detail)
        .execute(conn)
        .await?;
    Ok(())
}

/// The reply's effects not yet reversed, newest first (the order to reverse them in), locked.
pub async fn live(conn: &mut PgConnection, ws: WorkspaceId, reply: Uuid) -> Result<Vec<Effect>> {
    Ok(sqlx::query_as(
        "select id, kind, detail from reply_effects where client_id = $1 and reply_id = $2 and undone_at is null
         order by created_at desc, id desc for update",
    )
    .bind(ws.0)
    .bind(reply)
    .fetch_all(conn)
    .await?)
}

/// Marks effects reversed.
pub async fn mark_undone(conn: &mut PgConnection, ws: WorkspaceId, ids: &[Uuid], by: UserId, at: DateTime<Utc>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("update reply_effects set undone_at = $4, undone_by = $3 where client_id = $1 and id = any($2) and undone_at is null")
        .bind(ws.0)
        .bind(ids)
        .bind(by.0)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the lead hot unless it already is; true if this call did.
pub async fn mark_hot(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, at: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query("update leads set hot_at = $3, updated_at = now() where client_id = $1 and id = $2 and hot_at is null")
        .bind(ws.0)
        .bind(lead)
        .bind(at)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Clears the hot mark a reply set at `at` (not one set since by another reply).
pub async fn unmark_hot(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, at: DateTime<Utc>) -> Result<bool> {
    Ok(sqlx::query("update leads set hot_at = null, updated_at = now() where client_id = $1 and id = $2 and hot_at = $3")
        .bind(ws.0)
        .bind(lead)
        .bind(at)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Re-opens the enrolments a reply ended, where they are still ended by it (same reason, same
/// time). Returns the campaigns re-opened.
pub async fn reopen_exited(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, campaigns: &[Uuid], reason: &str, at: DateTime<Utc>) -> Result<Vec<CampaignId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "update campaign_leads set state = 'active', exit_reason = null, exited_at = null
         where client_id = $1 and lead_id = $2 and campaign_id = any($3) and state = 'exited' and exit_reason = $4 and exited_at = $5
         returning campaign_id",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(campaigns)
    .bind(reason)
    .bind(at)
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(CampaignId).collect())
}

/// Puts the cadence drafts a reply withdrew back in the queue, where they are still withdrawn
/// by it and their touch has no other live draft meanwhile. Returns how many.
pub async fn restore_withdrawn(conn: &mut PgConnection, ws: WorkspaceId, drafts: &[Uuid], reason: &str) -> Result<u64> {
    Ok(sqlx::query(
        "update drafts d set status = 'pending', reject_reason = null, rejected_at = null, updated_at = now()
         where d.client_id = $1 and d.id = any($2) and d.status = 'rejected' and d.reject_reason = $3 and d.kind = 'sequence'
           and not exists (select 1 from drafts o where o.client_id = d.client_id and o.campaign_id = d.campaign_id and o.lead_id = d.lead_id
                           and o.step = d.step and o.channel = d.channel and o.status in ('pending', 'approved', 'sent'))",
    )
    .bind(ws.0)
    .bind(drafts)
    .bind(reason)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Ends a pause a reply set, where it is still that pause (`paused_until` = `until`): the
/// enrolment's day 1 and its pending drafts and outbox rows move back by the shift the pause
/// added, never into the past. Returns the campaigns un-paused.
pub async fn unpause(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, until: DateTime<Utc>, shifts: &[(Uuid, i64)], now: DateTime<Utc>) -> Result<Vec<CampaignId>> {
    let mut done = Vec::new();
    for (campaign, millis) in shifts {
        let shift = chrono::Duration::milliseconds(*millis);
        let n = sqlx::query(
            "update campaign_leads set paused_until = null, enrolled_at = enrolled_at - $5
             where client_id = $1 and lead_id = $2 and campaign_id = $3 and state = 'active' and paused_until = $4",
        )
        .bind(ws.0)
        .bind(lead)
        .bind(campaign)
        .bind(until)
        .bind(shift)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 0 {
            continue;
        }
        for sql in [
            "update outbox set not_before = greatest(not_before - $4, $5), updated_at = now()
             where client_id = $1 and lead_id = $2 and campaign_id = $3 and state = 'pending' and kind = 'sequence'",
            "update drafts set due_at = greatest(due_at - $4, $5), updated_at = now()
             where client_id = $1 and lead_id = $2 and campaign_id = $3 and status in ('pending', 'approved') and kind = 'sequence'",
        ] {
            sqlx::query(sql).bind(ws.0).bind(lead).bind(campaign).bind(shift).bind(now).execute(&mut *conn).await?;
        }
        done.push(CampaignId(*campaign));
    }
    Ok(done)
}

/// Withdraws a suggested answer nobody approved or rewrote yet. `Ok(None)`: withdrawn;
/// `Ok(Some(status))`: left alone, as it is `status` (approved, sent, or a person's own text).
pub async fn withdraw_suggestion(conn: &mut PgConnection, ws: WorkspaceId, draft: Uuid, reason: &str) -> Result<Option<String>> {
    let n = sqlx::query(
        "update drafts set status = 'rejected', reject_reason = $3, rejected_at = now(), updated_at = now()
         where client_id = $1 and id = $2 and kind = 'reply' and status in ('pending', 'blocked') and generator <> 'user'",
    )
    .bind(ws.0)
    .bind(draft)
    .bind(reason)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 1 {
        return Ok(None);
    }
    let row: Option<(String, String)> = sqlx::query_as("select status, generator from drafts where client_id = $1 and id = $2").bind(ws.0).bind(draft).fetch_optional(conn).await?;
    Ok(Some(match row {
        Some((_, generator)) if generator == "user" => "rewritten by a person".into(),
        Some((status, _)) => status,
        None => "gone".into(),
    }))
}

/// Other evidence that the address opted out, besides this reply: an unsubscribe or complaint
/// on the lead's timeline from anything else (the link, one-click, a webhook, another reply),
/// or another reply of the lead still read as an unsubscribe.
pub async fn other_opt_outs(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, reply: Uuid) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "select summary from activities
         where client_id = $1 and lead_id = $2 and kind in ('unsubscribed', 'complained') and reply_id is distinct from $3
         union all
         select 'another reply of theirs asked to be removed (' || to_char(received_at, 'YYYY-MM-DD') || ')' from replies
         where client_id = $1 and lead_id = $2 and id <> $3 and intent = 'unsubscribe'
         limit 5",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(reply)
    .fetch_all(conn)
    .await?)
}

/// Lifts the suppression of `address` if it is still the one a reply made (reason
/// unsubscribed, source reply). True if lifted.
pub async fn lift_reply_suppression(conn: &mut PgConnection, ws: WorkspaceId, address: &str) -> Result<bool> {
    let address = crate::store::suppressions::canonical(address)?;
    Ok(sqlx::query("delete from suppressions where client_id = $1 and address = $2 and kind = 'email' and reason = 'unsubscribed' and source = 'reply'")
        .bind(ws.0)
        .bind(address)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// The lead's status, locked for the correction.
pub async fn lead_status(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("select status from leads where client_id = $1 and id = $2 and deleted_at is null for update").bind(ws.0).bind(lead).fetch_optional(conn).await?)
}
