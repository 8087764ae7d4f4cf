//! Mailboxes (SPEC §6, §10.6): native SMTP mailboxes and sending accounts on Instantly or
//! Smartlead (`kind`), which have no SMTP settings (read as empty) but a provider campaign. Secrets (SMTP password, DKIM key) are stored sealed by
//! the caller (`engine::secrets`) and come back sealed; this module never sees them in clear.
//! Every function takes the workspace id.

use crate::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{MailboxId, WorkspaceId};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// The associated data a mailbox secret is sealed with (`engine::secrets::Keyring`): bound to
/// the workspace, the mailbox and the field, so a sealed value copied anywhere else does not open.
pub fn secret_context(ws: WorkspaceId, mailbox: MailboxId, field: &str) -> Vec<u8> {
    format!("mailbox:{ws}:{mailbox}:{field}").into_bytes()
}

/// A mailbox to add (validated by the flow).
#[derive(Debug, Clone)]
pub struct NewMailbox {
    /// `smtp`, `instantly` or `smartlead`.
    pub kind: String,
    /// External kinds: the provider's campaign; `None` for SMTP.
    pub provider_campaign: Option<String>,
    pub address: String,
    pub display_name: String,
    /// `None` for an external account.
    pub smtp_host: Option<String>,
    pub smtp_port: Option<i32>,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password_sealed: Option<String>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_security: Option<String>,
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
}

/// Inserts the mailbox under the caller's id: the caller seals its password with a context
/// naming that id (`secret_context`) before the row exists. `Conflict` when the workspace
/// already has the address.
pub async fn insert(conn: &mut PgConnection, ws: WorkspaceId, id: MailboxId, m: &NewMailbox) -> Result<MailboxId> {
    let id: Uuid = sqlx::query_scalar(
        "insert into mailboxes (client_id, address, display_name, smtp_host, smtp_port, smtp_security, smtp_username,
                                smtp_password, imap_host, imap_port, imap_security, daily_cap, ramp_start, ramp_step, id,
                                kind, provider_campaign)
         values ($1, lower($2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) returning id",
    )
    .bind(ws.0)
    .bind(&m.address)
    .bind(&m.display_name)
    .bind(&m.smtp_host)
    .bind(m.smtp_port)
    .bind(&m.smtp_security)
    .bind(&m.smtp_username)
    .bind(&m.smtp_password_sealed)
    .bind(&m.imap_host)
    .bind(m.imap_port)
    .bind(&m.imap_security)
    .bind(m.daily_cap)
    .bind(m.ramp_start)
    .bind(m.ramp_step)
    .bind(id.0)
    .bind(&m.kind)
    .bind(&m.provider_campaign)
    .fetch_one(conn)
    .await
    .map_err(|e| match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => Error::Conflict(format!("this workspace already has the mailbox {}", m.address)),
        e => e.into(),
    })?;
    Ok(MailboxId(id))
}

/// What the dispatcher needs to send through a mailbox, secrets still sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SendingMailbox {
    /// The workspace: part of the context the secrets are sealed with.
    pub client_id: Uuid,
    pub id: Uuid,
    /// `smtp`, `instantly` or `smartlead`: which transport sends through it.
    pub kind: String,
    /// External kinds: the provider's campaign the lead is added to.
    pub provider_campaign: Option<String>,
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: Option<String>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_security: Option<String>,
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
    pub ramp_started_on: NaiveDate,
    pub dkim_domain: Option<String>,
    pub dkim_selector: Option<String>,
    pub dkim_algorithm: Option<String>,
    pub dkim_key: Option<String>,
    /// Sends already reserved today.
    pub used_today: i32,
}

impl SendingMailbox {
    /// Today's cap with the ramp (start, +step a day, up to the daily cap).
    pub fn cap_on(&self, day: NaiveDate) -> i32 {
        let age = (day - self.ramp_started_on).num_days().max(0);
        let ramp = i64::from(self.ramp_start) + i64::from(self.ramp_step) * age;
        i64::from(self.daily_cap).min(ramp).clamp(0, i64::from(i32::MAX)) as i32
    }
}

/// The workspace's mailboxes that may send (not paused), with today's usage.
pub async fn sendable<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, day: NaiveDate) -> Result<Vec<SendingMailbox>> {
    Ok(sqlx::query_as(
        "select m.client_id, m.id, m.kind, m.provider_campaign, m.address, m.display_name, coalesce(m.smtp_host, '') as smtp_host,
                coalesce(m.smtp_port, 0) as smtp_port, m.smtp_security, m.smtp_username, m.smtp_password,
                m.imap_host, m.imap_port, m.imap_security, m.daily_cap, m.ramp_start, m.ramp_step, m.ramp_started_on,
                m.dkim_domain, m.dkim_selector, m.dkim_algorithm, m.dkim_key, coalesce(u.sent, 0) as used_today
         from mailboxes m
         left join mailbox_usage u on u.client_id = m.client_id and u.mailbox_id = m.id and u.day = $2
         where m.client_id = $1 and m.paused_at is null
         order by coalesce(u.sent, 0), m.created_at, m.id",
    )
    .bind(ws.0)
    .bind(day)
    .fetch_all(db)
    .await?)
}

/// One mailbox with its secrets (sealed), paused or not: reconciliation asks a paused
/// mailbox's provider too.
pub async fn for_send<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: MailboxId, day: NaiveDate) -> Result<Option<SendingMailbox>> {
    Ok(sqlx::query_as(
        "select m.client_id, m.id, m.kind, m.provider_campaign, m.address, m.display_name, coalesce(m.smtp_host, '') as smtp_host,
                coalesce(m.smtp_port, 0) as smtp_port, m.smtp_security, m.smtp_username, m.smtp_password,
                m.imap_host, m.imap_port, m.imap_security, m.daily_cap, m.ramp_start, m.ramp_step, m.ramp_started_on,
                m.dkim_domain, m.dkim_selector, m.dkim_algorithm, m.dkim_key, coalesce(u.sent, 0) as used_today
         from mailboxes m
         left join mailbox_usage u on u.client_id = m.client_id and u.mailbox_id = m.id and u.day = $3
         where m.client_id = $1 and m.id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(day)
    .fetch_optional(db)
    .await?)
}

/// A mailbox as Settings lists it (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct MailboxView {
    pub id: Uuid,
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: String,
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
    pub dkim_domain: Option<String>,
    pub dkim_selector: Option<String>,
    pub dkim_algorithm: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn list<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<MailboxView>> {
    Ok(sqlx::query_as(
        "select id, address, display_name, coalesce(smtp_host, '') as smtp_host, coalesce(smtp_port, 0) as smtp_port, smtp_security, daily_cap, ramp_start, ramp_step,
                dkim_domain, dkim_selector, dkim_algorithm, paused_at, paused_reason, created_at
         from mailboxes where client_id = $1 order by created_at, id",
    )
    .bind(ws.0)
    .fetch_all(db)
    .await?)
}

/// A mailbox as Settings lists it, with today's usage and its sealed DKIM key (to show the
/// record to publish); never the password.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailboxRow {
    pub id: Uuid,
    pub kind: String,
    pub provider_campaign: Option<String>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_security: Option<String>,
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: String,
    pub smtp_username: String,
    pub has_password: bool,
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
    pub ramp_started_on: NaiveDate,
    pub dkim_domain: Option<String>,
    pub dkim_selector: Option<String>,
    pub dkim_algorithm: Option<String>,
    pub dkim_key: Option<String>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_reason: Option<String>,
    pub used_today: i32,
}

pub async fn list_with_usage<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, day: NaiveDate) -> Result<Vec<MailboxRow>> {
    Ok(sqlx::query_as(
        "select m.id, m.kind, m.provider_campaign, m.imap_host, m.imap_port, m.imap_security, m.address, m.display_name,
                coalesce(m.smtp_host, '') as smtp_host, coalesce(m.smtp_port, 0) as smtp_port, m.smtp_security, m.smtp_username,
                m.smtp_password is not null as has_password, m.daily_cap, m.ramp_start, m.ramp_step, m.ramp_started_on,
                m.dkim_domain, m.dkim_selector, m.dkim_algorithm, m.dkim_key, m.paused_at, m.paused_reason,
                coalesce(u.sent, 0) as used_today
         from mailboxes m
         left join mailbox_usage u on u.client_id = m.client_id and u.mailbox_id = m.id and u.day = $2
         where m.client_id = $1 order by m.created_at, m.id",
    )
    .bind(ws.0)
    .bind(day)
    .fetch_all(db)
    .await?)
}

/// Changes the cap and ramp. A changed ramp starts again from today, so raising the step does
/// not jump a young mailbox straight to its cap.
pub async fn set_limits(conn: &mut PgConnection, ws: WorkspaceId, id: MailboxId, daily_cap: i32, ramp_start: i32, ramp_step: i32) -> Result<bool> {
    Ok(sqlx::query(
        "update mailboxes set daily_cap = $3, ramp_start = $4, ramp_step = $5,
                ramp_started_on = case when ramp_start = $4 and ramp_step = $5 then ramp_started_on else current_date end
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(daily_cap)
    .bind(ramp_start)
    .bind(ramp_step)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Messages of this mailbox a crash may have left half-sent: while there are any, the mailbox
/// must stay, because reconciliation asks its server about them.
pub async fn in_flight<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: MailboxId) -> Result<i64> {
    Ok(sqlx::query_scalar("select count(*) from outbox where client_id = $1 and mailbox_id = $2 and state in ('sending', 'unknown')")
        .bind(ws.0)
        .bind(id.0)
        .fetch_one(db)
        .await?)
}

/// Deletes the mailbox and its usage counters. Sent outbox rows keep its id as history.
pub async fn delete(conn: &mut PgConnection, ws: WorkspaceId, id: MailboxId) -> Result<bool> {
    sqlx::query("delete from mailbox_usage where client_id = $1 and mailbox_id = $2").bind(ws.0).bind(id.0).execute(&mut *conn).await?;
    Ok(sqlx::query("delete from mailboxes where client_id = $1 and id = $2").bind(ws.0).bind(id.0).execute(conn).await?.rows_affected() == 1)
}

pub async fn set_dkim(conn: &mut PgConnection, ws: WorkspaceId, id: MailboxId, domain: &str, selector: &str, algorithm: &str, key_sealed: &str) -> Result<bool> {
    Ok(sqlx::query(
        "update mailboxes set dkim_domain = $3, dkim_selector = $4, dkim_algorithm = $5, dkim_key = $6 where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(domain)
    .bind(selector)
    .bind(algorithm)
    .bind(key_sealed)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Pauses a mailbox with a reason the UI shows (the deliverability guard, or a person).
/// Returns false when it was already paused (the first reason stays).
pub async fn pause(db: impl PgExecutor<'_>, ws: WorkspaceId, id: MailboxId, reason: &str) -> Result<bool> {
    Ok(sqlx::query("update mailboxes set paused_at = now(), paused_reason = $3 where client_id = $1 and id = $2 and paused_at is null")
        .bind(ws.0)
        .bind(id.0)
        .bind(reason)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

pub async fn resume(db: impl PgExecutor<'_>, ws: WorkspaceId, id: MailboxId) -> Result<bool> {
    Ok(sqlx::query("update mailboxes set paused_at = null, paused_reason = null where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(id.0)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// The mailbox's last `n` sends: how many bounced and how many drew a complaint (SPEC §10.6).
pub async fn recent_outcomes<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: MailboxId, n: i64) -> Result<(i64, i64, i64)> {
    Ok(sqlx::query_as(
        "select count(*), count(bounced_at), count(complained_at) from (
            select bounced_at, complained_at from outbox
            where client_id = $1 and mailbox_id = $2 and state = 'sent'
            order by sent_at desc limit $3) t",
    )
    .bind(ws.0)
    .bind(id.0)
    .bind(n)
    .fetch_one(db)
    .await?)
}

/// Whether `address` is one of this workspace's own sending mailboxes (compared without case):
/// mail from ourselves — a copy of our own answer landing in the INBOX — is never a reply.
pub async fn is_own_address<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, address: &str) -> Result<bool> {
    let own: bool = sqlx::query_scalar("select exists (select 1 from mailboxes where client_id = $1 and lower(address) = lower($2))")
        .bind(ws.0)
        .bind(address)
        .fetch_one(db)
        .await?;
    Ok(own)
}
