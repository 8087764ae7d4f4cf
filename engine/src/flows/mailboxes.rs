//! Mailboxes of a workspace (SPEC §6, §10.6): owners and admins add one, test its
//! connection, set its cap and ramp, generate its DKIM key, pause, resume and remove it.
//!
//! A mailbox is a native SMTP mailbox or a sending account on Instantly or Smartlead (its
//! `kind`): the latter sends by adding the lead to a campaign prepared there
//! (`providers::sender`), and shows the webhook URL the provider must post its events to.
//!
//! The SMTP password and the DKIM private key are sealed (`crate::secrets`) with a context
//! naming the workspace, the mailbox and the field before they reach the database, and never
//! leave this module in clear towards a caller: views carry the DKIM record to publish and
//! whether a password is set. Audit rows name the mailbox, never a secret.

use crate::auth::Access;
use crate::email::dkim::{dns_record, DkimAlgorithm, DkimPrivateKey};
use crate::email::smtp::{SmtpMailer, SmtpSettings};
use crate::store::mailbox_polls::{self, PollState};
use crate::store::mailboxes::{self, MailboxRow, NewMailbox, SendingMailbox};
use crate::store::audit;
use crate::{Engine, Error, Result};
use chrono::Utc;
use domain::account::Action;
use domain::ids::{MailboxId, WorkspaceId};
use domain::integrations::{ConnectionTest, Integration};
use domain::sending::{BounceCheck, DkimRecord, ImapSecurity, MailboxForm, MailboxInfo, MailboxKind, SendLimits, SmtpSecurity, ValidSmtp, ValidTransport};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "smtp_password";
const DKIM_KEY: &str = "dkim_key";

async fn audit(tx: &mut sqlx::PgConnection, access: &Access, action: &str, id: MailboxId, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Result<()> {
    audit::record(
        tx,
        audit::Record { workspace: Some(access.workspace), actor: Some(access.user), action, target_type: "mailbox", target_id: Some(id.to_string()), before, after },
    )
    .await
}

fn open(engine: &Engine, ws: WorkspaceId, id: MailboxId, field: &str, sealed: &str) -> Result<String> {
    crate::email::transport::open_secret(&engine.settings.secrets, ws, id, field, sealed).map_err(|e| Error::Internal(anyhow::anyhow!(e)))
}

/// Refuses mail servers the outbound policy would refuse at connect time (`crate::net`): an
/// address on a private network, or plain text where the operator does not allow it. The check
/// at connect time stays the real guard (a name can change what it resolves to).
async fn check_servers(engine: &Engine, smtp: &ValidSmtp) -> Result<()> {
    let net = &engine.settings.net;
    let plain = smtp.security == SmtpSecurity::None || smtp.imap.as_ref().is_some_and(|i| i.security == ImapSecurity::None);
    if plain {
        net.check_plain_text().map_err(|e| Error::Invalid(format!("mail server: {e}")))?;
    }
    net.check_host(&smtp.host).await.map_err(|e| Error::Invalid(format!("SMTP host: {e}")))?;
    if let Some(imap) = &smtp.imap {
        net.check_host(&imap.host).await.map_err(|e| Error::Invalid(format!("IMAP host: {e}")))?;
    }
    Ok(())
}

/// The provider integration an external kind sends through.
pub fn integration_of(kind: MailboxKind) -> Option<Integration> {
    match kind {
        MailboxKind::Smtp => None,
        MailboxKind::Instantly => Some(Integration::Instantly),
        MailboxKind::Smartlead => Some(Integration::Smartlead),
    }
}

/// The webhook URL of each external kind the workspace has a key for.
async fn webhook_urls(engine: &Engine, ws: WorkspaceId) -> Result<Vec<(MailboxKind, String)>> {
    let mut out = Vec::new();
    for kind in [MailboxKind::Instantly, MailboxKind::Smartlead] {
        if let Some(url) = crate::flows::integrations::webhook_url_for(engine, ws, integration_of(kind).expect("external")).await? {
            out.push((kind, url));
        }
    }
    Ok(out)
}

fn info(engine: &Engine, ws: WorkspaceId, row: MailboxRow, hooks: &[(MailboxKind, String)], polls: &[(uuid::Uuid, PollState)]) -> MailboxInfo {
    let kind = MailboxKind::parse(&row.kind).unwrap_or(MailboxKind::Smtp);
    let webhook_url = hooks.iter().find(|(k, _)| *k == kind).map(|(_, u)| u.clone());
    let id = MailboxId(row.id);
    // The record is derived from the stored key each time, so what the page shows is always
    // what the dispatcher signs with.
    let dkim = match (&row.dkim_domain, &row.dkim_selector, &row.dkim_key) {
        (Some(domain), Some(selector), Some(sealed)) => open(engine, ws, id, DKIM_KEY, sealed)
            .ok()
            .and_then(|pem| DkimPrivateKey::from_pem(&pem).ok())
            .and_then(|key| dns_record(domain, selector, &key).ok().map(|r| (key.algorithm(), r)))
            .map(|(algorithm, r)| DkimRecord { domain: domain.clone(), selector: selector.clone(), algorithm: algorithm.as_str().into(), name: r.name, value: r.value }),
        _ => None,
    };
    let limits = SendLimits { daily_cap: row.daily_cap, ramp_start: row.ramp_start, ramp_step: row.ramp_step };
    let today = Utc::now().date_naive();
    let age = (today - row.ramp_started_on).num_days().max(0);
    let cap_today = i64::from(row.daily_cap).min(i64::from(row.ramp_start) + i64::from(row.ramp_step) * age) as i32;
    MailboxInfo {
        id,
        address: row.address,
        display_name: row.display_name,
        smtp_host: row.smtp_host,
        smtp_port: row.smtp_port,
        smtp_security: row.smtp_security,
        smtp_username: row.smtp_username,
        has_password: row.has_password,
        kind,
        provider_campaign: row.provider_campaign,
        imap_host: row.imap_host,
        imap_port: row.imap_port,
        imap_security: row.imap_security,
        webhook_url,
        limits,
        cap_today,
        used_today: row.used_today,
        dkim,
        paused_at: row.paused_at,
        paused_reason: row.paused_reason,
        bounce_check: polls.iter().find(|(m, _)| *m == row.id).map(|(_, p)| BounceCheck {
            last_read_at: p.last_polled_at,
            error: p.last_error.clone(),
            bounces: p.bounces_recorded,
            complaints: p.complaints_recorded,
            failures_in_a_row: p.consecutive_failures,
            next_try_at: p.next_poll_at,
        }),
    }
}

/// The workspace's mailboxes with today's usage against today's cap.
pub async fn list(engine: &Engine, access: &Access) -> Result<Vec<MailboxInfo>> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let mut db = access.tenant(engine).await?;
    let rows = mailboxes::list_with_usage(&mut *db, access.workspace, Utc::now().date_naive()).await?;
    let polls = mailbox_polls::list(&mut *db, access.workspace).await?;
    drop(db);
    let hooks = if rows.iter().any(|r| r.kind != "smtp") { webhook_urls(engine, ws).await? } else { Vec::new() };
    Ok(rows.into_iter().map(|r| info(engine, ws, r, &hooks, &polls)).collect())
}

async fn one(engine: &Engine, ws: WorkspaceId, id: MailboxId) -> Result<MailboxInfo> {
    let mut db = engine.tenant(ws).await?;
    let rows = mailboxes::list_with_usage(&mut *db, ws, Utc::now().date_naive()).await?;
    let row = rows.into_iter().find(|r| r.id == id.0).ok_or(Error::NotFound("mailbox"))?;
    let poll = mailbox_polls::get(&mut *db, ws, id).await?.map(|p| (id.0, p));
    drop(db);
    let hooks = if row.kind != "smtp" { webhook_urls(engine, ws).await? } else { Vec::new() };
    Ok(info(engine, ws, row, &hooks, poll.as_slice()))
}

/// Adds a mailbox. Invalid input changes nothing; the password is sealed before it is stored.
pub async fn add(engine: &Engine, access: &Access, form: MailboxForm) -> Result<MailboxInfo> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let m = form.validate()?;
    if let ValidTransport::Smtp(smtp) = &m.transport {
        check_servers(engine, smtp).await?;
    }
    let id = MailboxId(uuid::Uuid::new_v4());
    let kind = m.kind();
    let (new, after) = match m.transport {
        ValidTransport::Smtp(smtp) => {
            let sealed = (!smtp.password.is_empty()).then(|| engine.settings.secrets.seal(&mailboxes::secret_context(ws, id, PASSWORD), smtp.password.as_bytes()));
            let after = json!({
                "address": m.address, "kind": kind.as_str(), "host": smtp.host, "port": smtp.port, "security": smtp.security.as_str(),
                "imap": smtp.imap.as_ref().map(|i| json!({ "host": i.host, "port": i.port, "security": i.security.as_str() })), "limits": m.limits,
            });
            let new = NewMailbox {
                kind: kind.as_str().into(),
                provider_campaign: None,
                address: m.address.clone(),
                display_name: m.display_name,
                smtp_host: Some(smtp.host),
                smtp_port: Some(i32::from(smtp.port)),
                smtp_security: smtp.security.as_str().into(),
                smtp_username: smtp.username,
                smtp_password_sealed: sealed,
                imap_host: smtp.imap.as_ref().map(|i| i.host.clone()),
                imap_port: smtp.imap.as_ref().map(|i| i32::from(i.port)),
                imap_security: smtp.imap.as_ref().map(|i| i.security.as_str().to_string()),
                daily_cap: m.limits.daily_cap,
                ramp_start: m.limits.ramp_start,
                ramp_step: m.limits.ramp_step,
            };
            (new, after)
        }
        ValidTransport::External { kind, campaign } => {
            let after = json!({ "address": m.address, "kind": kind.as_str(), "campaign": campaign, "limits": m.limits });
            let new = NewMailbox {
                kind: kind.as_str().into(),
                provider_campaign: Some(campaign),
                address: m.address.clone(),
                display_name: m.display_name,
                smtp_host: None,
                smtp_port: None,
                smtp_security: "starttls".into(),
                smtp_username: String::new(),
                smtp_password_sealed: None,
                imap_host: None,
                imap_port: None,
                imap_security: None,
                daily_cap: m.limits.daily_cap,
                ramp_start: m.limits.ramp_start,
                ramp_step: m.limits.ramp_step,
            };
            (new, after)
        }
    };
    let mut tx = engine.tenant(ws).await?;
    mailboxes::insert(&mut tx, ws, id, &new).await?;
    audit(&mut tx, &access, "mailbox.add", id, None, Some(after)).await?;
    tx.commit().await?;
    one(engine, ws, id).await
}

/// The webhook URL an external kind's provider must post its events to, once the workspace
/// stored that provider's key (the token is made with it); `None` before.
pub async fn webhook_url(engine: &Engine, access: &Access, kind: &str) -> Result<Option<String>> {
    access.require(Action::ManageIntegrations)?;
    let Some(provider) = integration_of(MailboxKind::parse(kind)?) else {
        return Err(Error::Invalid("an SMTP mailbox has no webhook".into()));
    };
    crate::flows::integrations::webhook_url_for(engine, access.workspace, provider).await
}

/// The SMTP client settings of a stored mailbox, its password opened.
pub fn smtp_settings(engine: &Engine, _ws: WorkspaceId, m: &SendingMailbox) -> Result<SmtpSettings> {
    crate::email::transport::smtp_settings(&engine.settings.secrets, m, Duration::from_secs(15), 4, &engine.settings.net).map_err(|e| Error::Internal(anyhow::anyhow!(e)))
}

/// Connects, negotiates TLS and logs in without sending: the server's answer in words.
pub async fn test_connection(engine: &Engine, access: &Access, id: MailboxId) -> Result<ConnectionTest> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let m = mailboxes::for_send(&mut *access.tenant(engine).await?, access.workspace, id, Utc::now().date_naive()).await?.ok_or(Error::NotFound("mailbox"))?;
    // An external account is as good as the workspace's key for its provider.
    if let Some(provider) = integration_of(MailboxKind::parse(&m.kind)?) {
        return Ok(match crate::flows::integrations::test_connection(engine, access, provider.slug()).await {
            Ok(t) => t,
            Err(Error::Invalid(message)) => ConnectionTest { ok: false, message },
            Err(e) => return Err(e),
        });
    }
    let settings = smtp_settings(engine, ws, &m)?;
    let result = match SmtpMailer::new(&settings) {
        Ok(mailer) => mailer.test_connection().await,
        Err(e) => Err(e),
    };
    Ok(match result {
        Ok(()) => ConnectionTest { ok: true, message: format!("Connected to {}:{} and logged in", m.smtp_host, m.smtp_port) },
        Err(e) => ConnectionTest { ok: false, message: format!("{}:{}: {e}", m.smtp_host, m.smtp_port) },
    })
}

/// Sets the daily cap and ramp.
pub async fn set_limits(engine: &Engine, access: &Access, id: MailboxId, limits: SendLimits) -> Result<MailboxInfo> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let limits = limits.validate()?;
    let before = one(engine, ws, id).await?;
    let mut tx = engine.tenant(ws).await?;
    if !mailboxes::set_limits(&mut tx, ws, id, limits.daily_cap, limits.ramp_start, limits.ramp_step).await? {
        return Err(Error::NotFound("mailbox"));
    }
    audit(&mut tx, &access, "mailbox.limits", id, Some(json!(before.limits)), Some(json!(limits))).await?;
    tx.commit().await?;
    one(engine, ws, id).await
}

/// Generates a DKIM key for `domain` under `selector` (ed25519 unless `algorithm` says rsa),
/// seals and stores it, replacing any earlier key, and returns the TXT record to publish.
pub async fn generate_dkim(engine: &Engine, access: &Access, id: MailboxId, domain: &str, selector: &str, algorithm: Option<&str>) -> Result<DkimRecord> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let algorithm: DkimAlgorithm = match algorithm.map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => a.parse().map_err(|_| Error::Invalid(format!("the DKIM algorithm must be ed25519 or rsa, not {a:?}")))?,
        None => DkimAlgorithm::Ed25519,
    };
    let before = one(engine, ws, id).await?;
    // RSA generation takes a while: off the async threads.
    let key = tokio::task::spawn_blocking(move || DkimPrivateKey::generate(algorithm))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("generating a DKIM key: {e}")))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("generating a DKIM key: {e}")))?;
    // Validates the domain and selector before anything is stored.
    let record = dns_record(domain, selector, &key).map_err(|e| Error::Invalid(e.to_string()))?;
    let (d, s) = record.name.split_once("._domainkey.").map(|(s, d)| (d.to_string(), s.to_string())).unwrap_or_default();
    let sealed = engine.settings.secrets.seal(&mailboxes::secret_context(ws, id, DKIM_KEY), key.to_pem().as_bytes());
    let mut tx = engine.tenant(ws).await?;
    if !mailboxes::set_dkim(&mut tx, ws, id, &d, &s, algorithm.as_str(), &sealed).await? {
        return Err(Error::NotFound("mailbox"));
    }
    audit(
        &mut tx,
        &access,
        "mailbox.dkim",
        id,
        before.dkim.as_ref().map(|k| json!({ "domain": k.domain, "selector": k.selector, "algorithm": k.algorithm })),
        Some(json!({ "domain": d, "selector": s, "algorithm": algorithm.as_str() })),
    )
    .await?;
    tx.commit().await?;
    Ok(DkimRecord { domain: d, selector: s, algorithm: algorithm.as_str().into(), name: record.name, value: record.value })
}

/// Pauses the mailbox by hand; the dispatcher stops choosing it at once.
pub async fn pause(engine: &Engine, access: &Access, id: MailboxId, reason: &str) -> Result<MailboxInfo> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let reason = reason.trim();
    if reason.chars().count() > 200 {
        return Err(Error::Invalid("the reason must be at most 200 characters".into()));
    }
    let reason = if reason.is_empty() { "paused by hand" } else { reason };
    one(engine, ws, id).await?;
    let mut tx = engine.tenant(ws).await?;
    if mailboxes::pause(&mut *tx, ws, id, reason).await? {
        audit(&mut tx, &access, "mailbox.pause", id, None, Some(json!({ "reason": reason }))).await?;
    }
    tx.commit().await?;
    one(engine, ws, id).await
}

/// Lifts a pause, whoever set it (a person, or the deliverability guard after the cause is fixed).
pub async fn resume(engine: &Engine, access: &Access, id: MailboxId) -> Result<MailboxInfo> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let before = one(engine, ws, id).await?;
    let mut tx = engine.tenant(ws).await?;
    if before.paused_at.is_some() && mailboxes::resume(&mut *tx, ws, id).await? {
        audit(&mut tx, &access, "mailbox.resume", id, Some(json!({ "reason": before.paused_reason })), None).await?;
    }
    tx.commit().await?;
    one(engine, ws, id).await
}

/// Removes the mailbox; refused while a message it was sending is still being reconciled.
pub async fn remove(engine: &Engine, access: &Access, id: MailboxId) -> Result<()> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let before = one(engine, ws, id).await?;
    let mut tx = engine.tenant(ws).await?;
    if mailboxes::in_flight(&mut *tx, ws, id).await? > 0 {
        return Err(Error::Conflict("this mailbox has messages being sent or reconciled; pause it and try again later".into()));
    }
    if !mailboxes::delete(&mut tx, ws, id).await? {
        return Err(Error::NotFound("mailbox"));
    }
    audit(&mut tx, &access, "mailbox.remove", id, Some(json!({ "address": before.address })), None).await?;
    tx.commit().await?;
    Ok(())
}
