//! Telling the agency that a lead answered: a Slack message to the workspace's incoming webhook
//! and an email to its owners and admins (from the installation's own mailbox), for every
//! interested, meeting-request or question reply.
//!
//! Nothing is lost: the reply's transaction itself records the announcement as owed
//! (`store::notifications::owe`); a job sends it after the commit, and a sweep re-queues any that
//! a stopped process left owed. Each channel is settled on its own, so a retry after Slack went
//! out but the email failed sends only the email. A channel that is not configured is skipped;
//! one whose server refuses for good (a revoked webhook) is marked failed and not retried.

use crate::email::smtp::{SmtpError, SmtpMailer, SmtpSettings};
use crate::store::{audit, memberships, notifications, replies};
use crate::store::notifications::Channel;
use crate::{auth::Access, Engine, Error, Result};
use domain::account::{Action, Role};
use domain::ids::WorkspaceId;
use domain::notify::{parse_slack_webhook, NotificationSettings, ReplyNotice};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// The installation's own mailbox for notices to its users (`AGENCY_OS_NOTIFY_SMTP_URL`).
#[derive(Debug, Clone)]
pub struct NotifyMail {
    pub smtp: SmtpSettings,
    /// The From address, e.g. `Agency OS <notifications@agency.example>`.
    pub from: lettre::message::Mailbox,
}

impl NotifyMail {
    /// From `smtp://user:password@host:587` (STARTTLS), `smtps://…:465` (TLS from the first
    /// byte) or `smtp+plain://host:25` (a local relay without TLS), and a From address. The
    /// operator names this server, not a tenant, so it may be on a private network.
    pub fn parse(url: &str, from: &str) -> std::result::Result<Self, String> {
        use crate::email::smtp::{Security, SmtpPassword};
        let u = reqwest::Url::parse(url.trim()).map_err(|_| "must be a URL like smtp://user:password@host:587".to_string())?;
        let (security, default_port) = match u.scheme() {
            "smtp" => (Security::StartTls, 587),
            "smtps" => (Security::ImplicitTls, 465),
            "smtp+plain" => (Security::None, 25),
            _ => return Err("must start with smtp://, smtps:// or smtp+plain://".into()),
        };
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or("names no host")?.trim_matches(['[', ']']).to_string();
        let decode = |s: &str| percent_decode(s);
        let username = (!u.username().is_empty()).then(|| decode(u.username()));
        let password = SmtpPassword::new(u.password().map(decode).unwrap_or_default());
        let from = from.trim().parse::<lettre::message::Mailbox>().map_err(|_| "AGENCY_OS_NOTIFY_FROM must be an address like Agency OS <notices@agency.example>".to_string())?;
        Ok(Self {
            smtp: SmtpSettings {
                host,
                port: u.port().unwrap_or(default_port),
                security,
                username,
                password,
                timeout: Duration::from_secs(10),
                deadline: Duration::from_secs(60),
                max_connections: 2,
                net: crate::net::NetPolicy::new(true),
            },
            from,
        })
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Tries before an announcement is given up (the sweep stops re-queuing it).
const MAX_ATTEMPTS: i32 = 30;

/// The most a Slack call may take.
const SLACK_TIMEOUT: Duration = Duration::from_secs(10);

fn slack_context(ws: WorkspaceId) -> Vec<u8> {
    format!("agency-os/slack-webhook/v1|{ws}").into_bytes()
}

/// The workspace's settings as Settings shows them.
pub async fn settings(engine: &Engine, access: &Access) -> Result<NotificationSettings> {
    access.require(Action::ManageIntegrations)?;
    view(engine, access.workspace).await
}

async fn view(engine: &Engine, ws: WorkspaceId) -> Result<NotificationSettings> {
    let s = notifications::settings(&mut *engine.tenant(ws).await?, ws).await?;
    Ok(NotificationSettings { slack_last4: s.slack_last4, email_owners: s.email_owners, email_available: engine.settings.notify_mail.is_some() })
}

/// Stores the Slack incoming webhook (sealed). Invalid input changes nothing.
pub async fn set_slack(engine: &Engine, access: &Access, url: &str) -> Result<NotificationSettings> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let url = parse_slack_webhook(url, engine.settings.net.allows_private()).map_err(|e| Error::Invalid(e.to_string()))?;
    engine.settings.net.check_url_host(&url).await.map_err(|e| Error::Invalid(e.to_string()))?;
    let sealed = engine.settings.secrets.seal(&slack_context(ws), url.as_bytes());
    let last4 = domain::notify::last4(&url);
    let mut tx = engine.tenant(ws).await?;
    notifications::set_slack(&mut tx, ws, Some((&sealed, &last4)), access.user).await?;
    audit::record(
        &mut tx,
        audit::Record { workspace: Some(ws), actor: Some(access.user), action: "notifications.slack_set", target_type: "notifications", target_id: None, before: None, after: Some(json!({ "last4": last4 })) },
    )
    .await?;
    tx.commit().await?;
    view(engine, ws).await
}

pub async fn remove_slack(engine: &Engine, access: &Access) -> Result<NotificationSettings> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    notifications::set_slack(&mut tx, ws, None, access.user).await?;
    audit::record(
        &mut tx,
        audit::Record { workspace: Some(ws), actor: Some(access.user), action: "notifications.slack_removed", target_type: "notifications", target_id: None, before: None, after: None },
    )
    .await?;
    tx.commit().await?;
    view(engine, ws).await
}

pub async fn set_email_owners(engine: &Engine, access: &Access, on: bool) -> Result<NotificationSettings> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    notifications::set_email_owners(&mut tx, ws, on, access.user).await?;
    audit::record(
        &mut tx,
        audit::Record { workspace: Some(ws), actor: Some(access.user), action: "notifications.email_owners", target_type: "notifications", target_id: None, before: None, after: Some(json!({ "on": on })) },
    )
    .await?;
    tx.commit().await?;
    view(engine, ws).await
}

/// "Send a test message": posts to the stored webhook now and says how it went.
pub async fn test_slack(engine: &Engine, access: &Access) -> Result<()> {
    access.require(Action::ManageIntegrations)?;
    let url = slack_url(engine, access.workspace).await?.ok_or_else(|| Error::Invalid("Add a Slack webhook first".into()))?;
    match post_slack(engine, &url, "Agency OS is connected: replies that need attention will be announced here.").await {
        Ok(()) => Ok(()),
        Err(f) => Err(Error::Invalid(format!("Slack did not take the test message: {}", f.why()))),
    }
}

pub(crate) async fn slack_url(engine: &Engine, ws: WorkspaceId) -> Result<Option<String>> {
    let s = notifications::settings(&mut *engine.tenant(ws).await?, ws).await?;
    let Some(sealed) = s.slack_webhook else { return Ok(None) };
    let raw = engine.settings.secrets.open(&slack_context(ws), &sealed).map_err(|e| Error::Internal(anyhow::anyhow!("opening the Slack webhook: {e}")))?;
    Ok(Some(String::from_utf8(raw).map_err(|e| Error::Internal(e.into()))?))
}

/// How a send failed: worth another try later, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Retry(String),
    GiveUp(String),
}

impl Failure {
    pub fn why(&self) -> &str {
        match self {
            Failure::Retry(w) | Failure::GiveUp(w) => w,
        }
    }
}

/// Posts `text` to an incoming webhook through the outbound policy. Slack answers 200 "ok"; a
/// 4xx (revoked, archived channel, bad URL) will not get better; 429 and 5xx may. The answer's
/// body is never passed on: only our words for the status.
pub(crate) async fn post_slack(engine: &Engine, url: &str, text: &str) -> std::result::Result<(), Failure> {
    let client = crate::net::guard_http(reqwest::Client::builder(), &engine.settings.net)
        .timeout(SLACK_TIMEOUT)
        .build()
        .map_err(|e| Failure::Retry(format!("could not set up the HTTP client: {e}")))?;
    let resp = client.post(url).json(&json!({ "text": text })).send().await.map_err(|e| match crate::net::refusal_in(&e) {
        Some(refused) => Failure::GiveUp(refused.to_string()),
        None if e.is_timeout() => Failure::Retry("Slack did not answer in time".into()),
        None => Failure::Retry("Slack could not be reached".into()),
    })?;
    let status = resp.status();
    match status.as_u16() {
        200..=299 => Ok(()),
        429 => Err(Failure::Retry("Slack asked us to slow down (429)".into())),
        500..=599 => Err(Failure::Retry(format!("Slack had a server error ({status})"))),
        300..=399 => Err(Failure::GiveUp(format!("the webhook URL redirects ({status}); paste the final URL"))),
        _ => Err(Failure::GiveUp(format!("Slack refused the webhook ({status}); it may have been revoked or its channel archived"))),
    }
}

/// What [`deliver`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub slack: String,
    pub email: String,
}

/// Sends what is still owed for `reply`; idempotent per channel. Returns a retryable error when
/// a channel failed in a way a later try may fix (the job retries; sent channels stay sent).
pub async fn deliver(engine: &Engine, ws: WorkspaceId, reply: Uuid) -> std::result::Result<Delivered, Failure> {
    let internal = |e: Error| Failure::Retry(format!("database: {e}"));
    let mut db = engine.tenant(ws).await.map_err(internal)?;
    let Some(owed) = notifications::owed(&mut *db, ws, reply).await.map_err(internal)? else {
        return Err(Failure::GiveUp("no announcement is owed for this reply".into()));
    };
    let Some(r) = replies::get(&mut *db, ws, reply).await.map_err(internal)? else {
        return Err(Failure::GiveUp("the reply is gone".into()));
    };
    drop(db);
    let excerpt = domain::reply::visible_text(&r.body_text);
    let link = match r.lead_id {
        Some(lead) => format!("{}/w/{ws}/leads/{lead}", engine.settings.public_url.trim_end_matches('/')),
        None => format!("{}/w/{ws}/inbox", engine.settings.public_url.trim_end_matches('/')),
    };
    let notice = ReplyNotice {
        lead_name: r.lead_name.as_deref(),
        company: r.company.as_deref(),
        from_address: &r.from_address,
        intent: &r.intent,
        campaign: r.campaign_name.as_deref(),
        excerpt: &excerpt,
        link: &link,
    };
    let mut retry: Option<String> = None;

    let mut slack = owed.slack.clone();
    if slack == "pending" {
        slack = match slack_url(engine, ws).await.map_err(internal)? {
            None => "skipped".into(),
            Some(url) => match post_slack(engine, &url, &notice.slack_text()).await {
                Ok(()) => "sent".into(),
                Err(Failure::GiveUp(why)) => {
                    tracing::warn!(workspace = %ws, %reply, %why, "Slack notification given up");
                    attempt_failed(engine, ws, reply, &why).await.map_err(internal)?;
                    "failed".into()
                }
                Err(Failure::Retry(why)) => {
                    retry = Some(why);
                    "pending".into()
                }
            },
        };
        settle(engine, ws, reply, Channel::Slack, &slack).await.map_err(internal)?;
    }

    let mut email = owed.email.clone();
    if email == "pending" {
        let mut db = engine.tenant(ws).await.map_err(internal)?;
        let s = notifications::settings(&mut *db, ws).await.map_err(internal)?;
        let members = if s.email_owners { memberships::list(&mut db, ws).await.map_err(internal)? } else { Vec::new() };
        drop(db);
        email = match (&engine.settings.notify_mail, s.email_owners) {
            (Some(mail), true) => {
                let to: Vec<String> = members
                    .into_iter()
                    .filter(|m| matches!(m.role, Role::Owner | Role::Admin))
                    .map(|m| m.email)
                    .collect();
                if to.is_empty() {
                    "skipped".into()
                } else {
                    match send_email(mail, &to, &notice.subject(), &notice.email_text()).await {
                        Ok(()) => "sent".into(),
                        Err(Failure::GiveUp(why)) => {
                            attempt_failed(engine, ws, reply, &why).await.map_err(internal)?;
                            "failed".into()
                        }
                        Err(Failure::Retry(why)) => {
                            retry = Some(why);
                            "pending".into()
                        }
                    }
                }
            }
            _ => "skipped".into(),
        };
        settle(engine, ws, reply, Channel::Email, &email).await.map_err(internal)?;
    }

    if let Some(why) = retry {
        attempt_failed(engine, ws, reply, &why).await.map_err(internal)?;
        return Err(Failure::Retry(why));
    }
    Ok(Delivered { slack, email })
}

/// Records a channel's state for the reply at once (committed on its own: it must hold even if
/// the next channel fails).
async fn settle(engine: &Engine, ws: WorkspaceId, reply: Uuid, channel: Channel, state: &str) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    notifications::settle(&mut *tx, ws, reply, channel, state).await?;
    tx.commit().await?;
    Ok(())
}

/// Counts a failed attempt at once (see [`settle`]).
async fn attempt_failed(engine: &Engine, ws: WorkspaceId, reply: Uuid, why: &str) -> Result<i32> {
    let mut tx = engine.tenant(ws).await?;
    let n = notifications::attempt_failed(&mut *tx, ws, reply, why).await?;
    tx.commit().await?;
    Ok(n)
}

/// One message to every owner and admin (they see each other's addresses: they share the
/// workspace), from the installation's mailbox.
pub(crate) async fn send_email(mail: &NotifyMail, to: &[String], subject: &str, text: &str) -> std::result::Result<(), Failure> {
    let mut builder = lettre::Message::builder().from(mail.from.clone()).subject(subject);
    for address in to {
        match address.parse::<lettre::message::Mailbox>() {
            Ok(m) => builder = builder.to(m),
            Err(_) => tracing::warn!(%address, "a member's address cannot be mailed; left out"),
        }
    }
    let message = builder
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(text.to_string())
        .map_err(|e| Failure::GiveUp(format!("the notice could not be composed: {e}")))?;
    let mailer = SmtpMailer::new(&mail.smtp).map_err(|e| Failure::GiveUp(e.to_string()))?;
    match mailer.send(&message.formatted(), message.envelope()).await {
        Ok(_) => Ok(()),
        Err(e @ SmtpError::Rejected { .. }) => Err(Failure::GiveUp(e.to_string())),
        Err(e) if e.is_retryable() => Err(Failure::Retry(e.to_string())),
        Err(e) => Err(Failure::GiveUp(e.to_string())),
    }
}

/// Re-queues announcements still owed after `older_than` (their job was never queued, or gave
/// up its retries on a passing failure). Returns how many.
pub async fn requeue_overdue(engine: &Engine, older_than: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    // Every workspace's owed announcements: the sweep spans tenants.
    let owed = notifications::requeue_overdue(engine.owner_pool(), older_than, MAX_ATTEMPTS, 500).await?;
    let n = owed.len() as u64;
    for (ws, reply) in owed {
        crate::jobs::enqueue_notify(engine.owner_pool(), crate::jobs::NotifyReply { workspace: ws.0, reply })
            .await
            .map_err(Error::Internal)?;
    }
    Ok(n)
}
