//! The real email transport for native mailboxes: the dispatcher's [`MailTransport`] over SMTP
//! submission, with DKIM, and reconciliation over IMAP.
//!
//! Per send it opens the mailbox's sealed secrets (SMTP password, DKIM key) with the engine's
//! keyring, composes the message with the outbox row's Message-ID and threading headers and the
//! RFC 8058 unsubscribe headers, signs it when the mailbox has a key, and hands it to that
//! mailbox's pooled [`SmtpMailer`]. What it prepared per mailbox (opened secrets, parsed key,
//! connection pool) is cached by mailbox id and rebuilt when the mailbox's settings change.
//!
//! Errors map once, here, to what the dispatcher needs: a 4xx reply or connection trouble is
//! [`SendError::Transient`] (try later), a 5xx is [`SendError::Permanent`] (never resend).
//!
//! What this module must not do: decide whether to send (the dispatcher's checks do), or put a
//! password or key in a log line or error.

use crate::dispatch::{MailTransport, OutgoingEmail, SendError};
use crate::email::compose::{self, ListUnsubscribe, MessageId};
use crate::email::dkim::{DkimAlgorithm, DkimPrivateKey, DkimSigner};
use crate::email::imap::{self, ImapSecurity, ImapSettings};
use crate::email::smtp::{Security, SmtpError, SmtpMailer, SmtpPassword, SmtpSettings};
use crate::net::NetPolicy;
use crate::secrets::Keyring;
use crate::store::mailboxes::{secret_context, SendingMailbox};
use async_trait::async_trait;
use domain::ids::{MailboxId, WorkspaceId};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// What one mailbox needs for sending, prepared once.
struct Prepared {
    /// A hash of the settings it was built from: a changed mailbox gets a fresh one.
    fingerprint: [u8; 32],
    mailer: SmtpMailer,
    signer: Option<Arc<DkimSigner>>,
    imap: Option<ImapSettings>,
}

/// Sends through each mailbox's own SMTP server. Cheap to share (`Arc`); one per process.
pub struct SmtpTransport {
    keyring: Keyring,
    /// Where mailbox hosts may resolve to (`engine.settings.net`).
    net: NetPolicy,
    timeout: Duration,
    max_connections: u32,
    prepared: Mutex<HashMap<Uuid, Arc<Prepared>>>,
}

impl SmtpTransport {
    /// `keyring` is `engine.settings.secrets`, which sealed the mailboxes' secrets; `net` is
    /// `engine.settings.net`.
    pub fn new(keyring: Keyring, net: NetPolicy) -> Self {
        Self { keyring, net, timeout: Duration::from_secs(30), max_connections: 4, prepared: Mutex::default() }
    }

    /// Connections kept open per mailbox (a provider may limit concurrent sessions).
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn fingerprint(m: &SendingMailbox) -> [u8; 32] {
        let mut h = Sha256::new();
        for part in [
            m.smtp_host.as_str(),
            &m.smtp_port.to_string(),
            &m.smtp_security,
            &m.smtp_username,
            m.smtp_password.as_deref().unwrap_or(""),
            m.imap_host.as_deref().unwrap_or(""),
            &m.imap_port.map(|p| p.to_string()).unwrap_or_default(),
            m.imap_security.as_deref().unwrap_or(""),
            m.dkim_domain.as_deref().unwrap_or(""),
            m.dkim_selector.as_deref().unwrap_or(""),
            m.dkim_algorithm.as_deref().unwrap_or(""),
            m.dkim_key.as_deref().unwrap_or(""),
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    fn open(&self, m: &SendingMailbox, field: &str, sealed: &str) -> Result<String, SendError> {
        open_secret(&self.keyring, WorkspaceId(m.client_id), MailboxId(m.id), field, sealed).map_err(SendError::Permanent)
    }

    /// The mailbox's prepared mailer, signer and IMAP settings, from the cache when its settings
    /// did not change. Errors here are the mailbox's configuration: permanent for this message.
    fn prepare(&self, m: &SendingMailbox) -> Result<Arc<Prepared>, SendError> {
        let fingerprint = Self::fingerprint(m);
        if let Some(p) = self.prepared.lock().unwrap().get(&m.id).filter(|p| p.fingerprint == fingerprint) {
            return Ok(p.clone());
        }
        let settings = smtp_settings(&self.keyring, m, self.timeout, self.max_connections, &self.net).map_err(SendError::Permanent)?;
        let mailer = SmtpMailer::new(&settings).map_err(|e| SendError::Permanent(e.to_string()))?;
        let signer = match (&m.dkim_domain, &m.dkim_selector, &m.dkim_key) {
            (Some(domain), Some(selector), Some(sealed)) => {
                let pem = self.open(m, "dkim_key", sealed)?;
                let mut key = DkimPrivateKey::from_pem(&pem).map_err(|e| SendError::Permanent(format!("the mailbox's DKIM key: {e}")))?;
                if let Some(alg) = m.dkim_algorithm.as_deref() {
                    let alg: DkimAlgorithm = alg.parse().map_err(|_| SendError::Permanent(format!("unknown DKIM algorithm {alg:?}")))?;
                    key = key.expect(alg).map_err(|e| SendError::Permanent(format!("the mailbox's DKIM key: {e}")))?;
                }
                Some(Arc::new(DkimSigner::new(domain, selector, &key).map_err(|e| SendError::Permanent(format!("DKIM: {e}")))?))
            }
            _ => None,
        };
        let imap = imap_settings_with(m, &settings.password, self.timeout, &self.net);
        let p = Arc::new(Prepared { fingerprint, mailer, signer, imap });
        self.prepared.lock().unwrap().insert(m.id, p.clone());
        Ok(p)
    }
}

/// The message as it goes on the wire (composed, and signed when `signer` is given).
pub fn render(email: &OutgoingEmail, signer: Option<&DkimSigner>) -> Result<compose::Composed, SendError> {
    let bad = |what: &str, e: &dyn std::fmt::Display| SendError::Permanent(format!("{what}: {e}"));
    let from = lettre::message::Mailbox::new(
        Some(email.from_name.clone()).filter(|n| !n.trim().is_empty()),
        email.from_address.parse().map_err(|e| bad("the sender address", &e))?,
    );
    let to = lettre::message::Mailbox::new(None, email.to.parse().map_err(|e| bad("the recipient address", &e))?);
    let message_id = MessageId::parse(&email.message_id).map_err(|e| bad("the Message-ID", &e))?;
    let in_reply_to = email.in_reply_to.as_deref().map(MessageId::parse).transpose().map_err(|e| bad("In-Reply-To", &e))?;
    let references = email.references.iter().map(|r| MessageId::parse(r)).collect::<Result<Vec<_>, _>>().map_err(|e| bad("References", &e))?;
    // An unusable unsubscribe link is the installation's configuration (AGENCY_OS_PUBLIC_URL
    // must be https for RFC 8058), not this message's fault: retried after it is fixed.
    let list_unsubscribe = ListUnsubscribe::new(&email.unsubscribe_url, None)
        .map_err(|e| SendError::Transient(format!("{e} (set AGENCY_OS_PUBLIC_URL to the https address people reach)")))?;
    let composed = compose::compose(&compose::OutgoingEmail {
        from,
        to,
        reply_to: None,
        subject: email.subject.clone(),
        text: email.text.clone(),
        html: None,
        message_id,
        in_reply_to,
        references,
        list_unsubscribe,
        extra_headers: Vec::new(),
    })
    .map_err(|e| bad("composing", &e))?;
    match signer {
        Some(s) => {
            let raw = s.sign(&composed.raw).map_err(|e| bad("DKIM signing", &e))?;
            Ok(compose::Composed { raw, envelope: composed.envelope })
        }
        None => Ok(composed),
    }
}

fn to_send_error(e: SmtpError) -> SendError {
    if e.is_retryable() {
        SendError::Transient(e.to_string())
    } else {
        SendError::Permanent(e.to_string())
    }
}

#[async_trait]
impl MailTransport for SmtpTransport {
    #[tracing::instrument(skip_all, fields(mailbox = %mailbox.id, message_id = %email.message_id))]
    async fn send(&self, mailbox: &SendingMailbox, email: &OutgoingEmail) -> Result<String, SendError> {
        let p = self.prepare(mailbox)?;
        let composed = render(email, p.signer.as_deref())?;
        let accepted = p.mailer.send(&composed.raw, &composed.envelope).await.map_err(to_send_error)?;
        Ok(format!("{} {}", accepted.code, accepted.message))
    }

    #[tracing::instrument(skip_all, fields(mailbox = %mailbox.id, message_id))]
    async fn delivered(&self, mailbox: &SendingMailbox, message_id: &str) -> Option<bool> {
        let p = match self.prepare(mailbox) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot reconcile: the mailbox's settings do not open");
                return None;
            }
        };
        let settings = p.imap.as_ref()?;
        match imap::has_message_id(settings, message_id).await {
            Ok(found) => Some(found),
            Err(e) => {
                tracing::warn!(error = %e, "cannot reconcile over IMAP; the row waits");
                None
            }
        }
    }
}

/// Opens one of a mailbox's sealed secrets (`store::mailboxes::secret_context` names the field).
pub fn open_secret(keyring: &Keyring, ws: WorkspaceId, mailbox: MailboxId, field: &str, sealed: &str) -> Result<String, String> {
    let bytes = keyring.open(&secret_context(ws, mailbox, field), sealed).map_err(|e| format!("the mailbox's {field} cannot be opened: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("the mailbox's {field} is not text"))
}

/// A mailbox's SMTP settings with its password opened: what sending and "Test connection" use.
/// One send may take `timeout` per step and twice that overall.
pub fn smtp_settings(keyring: &Keyring, m: &SendingMailbox, timeout: Duration, max_connections: u32, net: &NetPolicy) -> Result<SmtpSettings, String> {
    let password = open_password(keyring, m)?;
    let security = match m.smtp_security.as_str() {
        "starttls" => Security::StartTls,
        "tls" => Security::ImplicitTls,
        "none" => Security::None,
        other => return Err(format!("unknown SMTP security {other:?}")),
    };
    let port = u16::try_from(m.smtp_port).map_err(|_| format!("SMTP port {} is out of range", m.smtp_port))?;
    Ok(SmtpSettings {
        host: m.smtp_host.clone(),
        port,
        security,
        username: Some(m.smtp_username.clone()).filter(|u| !u.is_empty()),
        password,
        timeout,
        deadline: timeout * 2,
        max_connections,
        net: net.clone(),
    })
}

/// A mailbox's IMAP settings with its password opened, `None` when it has no IMAP server
/// configured: what reconciliation and the bounce reader use.
pub fn imap_settings(keyring: &Keyring, m: &SendingMailbox, timeout: Duration, net: &NetPolicy) -> Result<Option<ImapSettings>, String> {
    if !has_imap(m) {
        return Ok(None);
    }
    let password = open_password(keyring, m)?;
    Ok(imap_settings_with(m, &password, timeout, net))
}

/// The mailbox's SMTP password, opened (empty when it has none).
fn open_password(keyring: &Keyring, m: &SendingMailbox) -> Result<SmtpPassword, String> {
    Ok(match m.smtp_password.as_deref() {
        Some(sealed) => SmtpPassword::new(open_secret(keyring, WorkspaceId(m.client_id), MailboxId(m.id), "smtp_password", sealed)?),
        None => SmtpPassword::new(""),
    })
}

fn has_imap(m: &SendingMailbox) -> bool {
    m.imap_host.as_deref().is_some_and(|h| !h.trim().is_empty()) && m.imap_port.is_some()
}

/// Mailbox providers take the same login for IMAP as for submission, so the SMTP user name
/// (else the address) and password are used.
fn imap_settings_with(m: &SendingMailbox, password: &SmtpPassword, timeout: Duration, net: &NetPolicy) -> Option<ImapSettings> {
    if !has_imap(m) {
        return None;
    }
    Some(ImapSettings {
        host: m.imap_host.as_deref().unwrap_or_default().trim().to_string(),
        port: m.imap_port.and_then(|p| u16::try_from(p).ok()).unwrap_or(993),
        security: m.imap_security.as_deref().and_then(ImapSecurity::parse).unwrap_or(ImapSecurity::Tls),
        username: if m.smtp_username.is_empty() { m.address.clone() } else { m.smtp_username.clone() },
        password: password.clone(),
        timeout,
        net: net.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::dkim::tests::dkimpy_verify;
    use crate::email::dkim::dns_record;
    use crate::email::sink::{SinkOptions, SmtpSink};
    use chrono::NaiveDate;

    fn mailbox(keyring: &Keyring, smtp_port: u16, imap_port: Option<u16>, dkim: Option<&DkimPrivateKey>) -> SendingMailbox {
        let (ws, id) = (Uuid::new_v4(), Uuid::new_v4());
        let seal = |field: &str, text: &str| keyring.seal(&secret_context(WorkspaceId(ws), MailboxId(id), field), text.as_bytes());
        SendingMailbox {
            client_id: ws,
            id,
            kind: "smtp".into(),
            provider_campaign: None,
            address: "sam@northwind.example".into(),
            display_name: "Sam Carter".into(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: i32::from(smtp_port),
            smtp_security: "none".into(),
            smtp_username: "sam@northwind.example".into(),
            smtp_password: Some(seal("smtp_password", "app-password")),
            imap_host: imap_port.map(|_| "127.0.0.1".into()),
            imap_port: imap_port.map(i32::from),
            imap_security: imap_port.map(|_| "none".into()),
            daily_cap: 50,
            ramp_start: 50,
            ramp_step: 0,
            ramp_started_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            dkim_domain: dkim.map(|_| "northwind.example".into()),
            dkim_selector: dkim.map(|_| "s1".into()),
            dkim_algorithm: dkim.map(|k| k.algorithm().as_str().into()),
            dkim_key: dkim.map(|k| seal("dkim_key", &k.to_pem())),
            used_today: 0,
        }
    }

    fn email(to: &str) -> OutgoingEmail {
        OutgoingEmail {
            from_name: "Sam Carter".into(),
            from_address: "sam@northwind.example".into(),
            to: to.into(),
            subject: "Quick question".into(),
            text: "Hi Ann,\n\nWorth a chat?\n".into(),
            message_id: format!("<{}@northwind.example>", Uuid::new_v4().simple()),
            in_reply_to: None,
            references: vec![],
            unsubscribe_url: "https://app.example/u/TOKEN".into(),
        }
    }

    #[tokio::test]
    async fn a_message_goes_out_signed_with_the_opened_secrets_and_is_found_again_over_imap() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { require_auth: true, ..Default::default() }).await.unwrap();
        let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let keyring = Keyring::ephemeral();
        let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        let m = mailbox(&keyring, sink.addr().port(), Some(imap.port()), Some(&key));
        let t = SmtpTransport::new(keyring, NetPolicy::new(true));
        let e = email("ann@customer.example");
        let reply = t.send(&m, &e).await.unwrap();
        assert!(reply.starts_with("250"), "{reply}");
        let got = &sink.messages()[0];
        assert_eq!(got.auth_user.as_deref(), Some("sam@northwind.example"), "the sealed password was opened and used");
        assert_eq!(got.message_id.as_deref(), Some(e.message_id.as_str()));
        assert!(got.raw.starts_with(b"DKIM-Signature:"));
        assert!(dkimpy_verify(&got.raw, &dns_record("northwind.example", "s1", &key).unwrap()));

        assert_eq!(t.delivered(&m, &e.message_id).await, Some(true));
        assert_eq!(t.delivered(&m, "<never-sent@northwind.example>").await, Some(false));
        // Without IMAP settings nobody can tell.
        let mut no_imap = m.clone();
        no_imap.imap_host = None;
        assert_eq!(t.delivered(&no_imap, &e.message_id).await, None);
        // An IMAP server that is not there: cannot tell either (never "no").
        let mut gone = m.clone();
        gone.imap_port = Some(i32::from(std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()));
        assert_eq!(t.delivered(&gone, &e.message_id).await, None);
    }

    #[tokio::test]
    async fn rejections_map_to_permanent_and_deferrals_to_transient() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
        sink.reply_to_rcpt("gone@customer.example", 550, "5.1.1 no such user");
        sink.reply_to_rcpt("busy@customer.example", 451, "4.7.1 greylisted");
        let keyring = Keyring::ephemeral();
        let m = mailbox(&keyring, sink.addr().port(), None, None);
        let t = SmtpTransport::new(keyring, NetPolicy::new(true));
        assert!(matches!(t.send(&m, &email("gone@customer.example")).await, Err(SendError::Permanent(e)) if e.contains("550")));
        assert!(matches!(t.send(&m, &email("busy@customer.example")).await, Err(SendError::Transient(e)) if e.contains("451")));
        let mut down = m.clone();
        down.smtp_port = i32::from(std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
        assert!(matches!(t.send(&down, &email("ann@customer.example")).await, Err(SendError::Transient(_))));
        assert_eq!(sink.count(), 0);
    }

    #[tokio::test]
    async fn a_secret_sealed_for_another_mailbox_does_not_open() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
        let keyring = Keyring::ephemeral();
        let a = mailbox(&keyring, sink.addr().port(), None, None);
        let mut b = mailbox(&keyring, sink.addr().port(), None, None);
        b.smtp_password = a.smtp_password.clone();
        let t = SmtpTransport::new(keyring, NetPolicy::new(true));
        let e = t.send(&b, &email("ann@customer.example")).await.unwrap_err();
        assert!(matches!(&e, SendError::Permanent(m) if m.contains("smtp_password") && !m.contains("app-password")), "{e:?}");
        assert_eq!(sink.count(), 0);
    }

    #[tokio::test]
    async fn an_http_unsubscribe_link_is_held_back_not_failed() {
        let mut e = email("ann@customer.example");
        e.unsubscribe_url = "http://127.0.0.1:3000/u/TOKEN".into();
        assert!(matches!(render(&e, None), Err(SendError::Transient(m)) if m.contains("AGENCY_OS_PUBLIC_URL")));
    }
}
