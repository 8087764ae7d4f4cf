//! Reading a mailbox over IMAP, read-only: whether it holds a message with a given Message-ID
//! (how a send that a crash left in doubt is reconciled, SPEC §10.4, instead of being resent
//! blindly), and which messages arrived in INBOX since the last look (how bounces and spam
//! complaints come back, SPEC §10.5–10.6).
//!
//! A deliberately small IMAP4rev1 client (RFC 3501): greeting, optional STARTTLS or implicit
//! TLS (rustls, Mozilla roots plus any the operator adds with [`trust_extra_roots_pem`]), LOGIN,
//! then
//! - [`has_message_id`]: LIST to find the Sent folder (the `\Sent` attribute of RFC 6154, else a
//!   folder named like one, else INBOX), EXAMINE and `UID SEARCH HEADER Message-ID`;
//! - [`fetch_new`]: EXAMINE INBOX, `UID FETCH n:* (UID RFC822.SIZE)`, then the bodies of the new
//!   messages within the limits with `BODY.PEEK[]`;
//!
//! then LOGOUT. EXAMINE opens folders read-only and PEEK leaves `\Seen` alone, so the user sees
//! their mailbox as they left it. Literals (`{n}`) are read byte-exactly: a folder name sent as
//! one cannot desynchronise the session, and a message body arrives as sent.
//!
//! The server is a tenant's choice, so it is treated as hostile: the conversation itself
//! (`wire`) caps every line, literal and reply, and each session here has an overall deadline
//! besides the per-reply timeout, so a server that trickles its answers cannot hold a poll.
//! Errors carry a classified [`ImapError::reason`] for the tenant; the server's own words go
//! only to the logs.
//!
//! Why not a general IMAP crate: we need a handful of read-only commands, and the maintained
//! async clients tie themselves to a TLS stack and runtime of their own; this stays on the
//! rustls (ring) and tokio the rest of the engine already uses.
//!
//! What this module must not do: write to the mailbox, or print the password.

mod wire;

use crate::email::smtp::SmtpPassword;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use wire::Session;

pub use wire::{FailureKind, FetchLimits, ImapError, InboxBatch, InboxCursor, InboxMessage};
#[doc(hidden)]
pub use wire::fuzz_session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapSecurity {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS, which is then required (port 143).
    StartTls,
    /// No encryption: only for a server on this machine (the test sink).
    None,
}

impl ImapSecurity {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "tls" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "none" => Some(Self::None),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    pub username: String,
    pub password: SmtpPassword,
    /// For connecting and for each reply.
    pub timeout: Duration,
}

/// Whether the mailbox's Sent folder (or INBOX when it has none) holds a message whose
/// Message-ID header is `message_id`. The whole session has three reply timeouts' worth of
/// time: it is a handful of round trips.
#[tracing::instrument(skip(settings), fields(host = %settings.host))]
pub async fn has_message_id(settings: &ImapSettings, message_id: &str) -> Result<bool, ImapError> {
    // Sent as a quoted string: anything that could end the string or the line is refused.
    if message_id.is_empty() || message_id.len() > 250 || !message_id.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') {
        return Err(ImapError::Invalid(format!("{message_id:?} is not a Message-ID we can search for")));
    }
    within(settings.timeout.saturating_mul(3), async {
        let mut s = open(settings).await?;
        let hit = wire::find_message_id(&mut s, message_id).await?;
        // A failed LOGOUT changes nothing about the answer.
        let _ = s.command("LOGOUT", "LOGOUT").await;
        Ok(hit)
    })
    .await
}

/// The messages of INBOX newer than `cursor`, read without changing anything (EXAMINE and
/// `BODY.PEEK[]`, see `wire::read_inbox`), within `limits` and its deadline.
#[tracing::instrument(skip(settings), fields(host = %settings.host))]
pub async fn fetch_new(settings: &ImapSettings, cursor: InboxCursor, limits: FetchLimits) -> Result<InboxBatch, ImapError> {
    let batch = within(limits.deadline, async {
        let mut s = open(settings).await?;
        let batch = wire::read_inbox(&mut s, cursor, limits).await?;
        let _ = s.command("LOGOUT", "LOGOUT").await;
        Ok(batch)
    })
    .await?;
    for m in batch.messages.iter().filter(|m| m.raw.is_none() && m.size > limits.max_message_bytes) {
        tracing::warn!(uid = m.uid, size = m.size, "skipping a message larger than the limit");
    }
    Ok(batch)
}

/// The session's overall deadline: dropping the session at it closes the connection.
async fn within<T>(deadline: Duration, session: impl std::future::Future<Output = Result<T, ImapError>>) -> Result<T, ImapError> {
    tokio::time::timeout(deadline, session).await.map_err(|_| ImapError::TimedOut("the session outlived its deadline"))?
}

/// A server that echoes the command it refused would echo the password: it is masked.
fn redact(e: ImapError, password: &str) -> ImapError {
    if password.len() < 3 {
        return e;
    }
    match e {
        ImapError::Refused { command, reply } => ImapError::Refused { command, reply: reply.replace(password, "****") },
        ImapError::Connection(m) => ImapError::Connection(m.replace(password, "****")),
        ImapError::Protocol(m) => ImapError::Protocol(m.replace(password, "****")),
        ImapError::Invalid(m) => ImapError::Invalid(m.replace(password, "****")),
        ImapError::Tls(m) => ImapError::Tls(m.replace(password, "****")),
        ImapError::TooLarge(m) => ImapError::TooLarge(m.replace(password, "****")),
        e @ ImapError::TimedOut(_) => e,
    }
}

/// Any byte stream a session can run over (plain TCP, or TLS over it).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Connects, secures the connection as configured, reads the greeting and logs in.
async fn open(settings: &ImapSettings) -> Result<Session<Box<dyn Io>>, ImapError> {
    let t = settings.timeout;
    let tcp = tokio::time::timeout(t, TcpStream::connect((settings.host.as_str(), settings.port)))
        .await
        .map_err(|_| ImapError::Connection(format!("{}:{} did not answer in time", settings.host, settings.port)))?
        .map_err(|e| ImapError::Connection(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    let mut s: Session<Box<dyn Io>> = match settings.security {
        ImapSecurity::Tls => {
            let tls = tls_connect(&settings.host, tcp, t).await?;
            let mut s = Session::new(Box::new(tls) as Box<dyn Io>, t);
            s.greeting().await?;
            s
        }
        ImapSecurity::None => {
            let mut s = Session::new(Box::new(tcp) as Box<dyn Io>, t);
            s.greeting().await?;
            s
        }
        ImapSecurity::StartTls => {
            let mut plain = Session::new(tcp, t);
            plain.greeting().await?;
            plain.command("STARTTLS", "STARTTLS").await?;
            // Anything the server sent after its OK would be unprotected: refuse it.
            if !plain.reader.buffer().is_empty() {
                return Err(ImapError::Protocol("data after the STARTTLS reply".into()));
            }
            let tcp = plain.reader.into_inner();
            let tls = tls_connect(&settings.host, tcp, t).await?;
            let mut s = Session::new(Box::new(tls) as Box<dyn Io>, t);
            s.tag = 10;
            s
        }
    };
    let login = format!("LOGIN {} {}", wire::quoted(&settings.username)?, wire::quoted(settings.password.expose())?);
    s.command(&login, "LOGIN").await.map_err(|e| redact(e, settings.password.expose()))?;
    Ok(s)
}

async fn tls_connect(host: &str, tcp: TcpStream, t: Duration) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    roots.add_parsable_certificates(EXTRA_ROOTS.read().unwrap_or_else(|p| p.into_inner()).iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Invalid(format!("TLS settings: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| ImapError::Invalid(format!("{host:?} is not a host name")))?;
    tokio::time::timeout(t, tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp))
        .await
        .map_err(|_| ImapError::TimedOut("the TLS handshake did not finish"))?
        .map_err(|e| ImapError::Tls(e.to_string()))
}

/// CA certificates trusted besides the Mozilla roots: an installation's private mail CA
/// (`AGENCY_OS_EXTRA_CA_FILE`) or a test's own Dovecot. Adding one never turns verification off.
static EXTRA_ROOTS: RwLock<Vec<rustls::pki_types::CertificateDer<'static>>> = RwLock::new(Vec::new());

/// Trusts the CA certificates in `pem` (one or more `CERTIFICATE` blocks) for IMAP TLS from now
/// on, in this process. Returns how many were added; none, or one that cannot be parsed, is an
/// error.
pub fn trust_extra_roots_pem(pem: &[u8]) -> Result<usize, ImapError> {
    use rustls::pki_types::pem::PemObject;
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ImapError::Invalid(format!("the extra CA file is not PEM certificates: {e}")))?;
    // Parsed as a trust anchor now, so a bad certificate fails here, not at the first poll.
    let mut check = rustls::RootCertStore::empty();
    let (added, _) = check.add_parsable_certificates(certs.iter().cloned());
    if certs.is_empty() || added != certs.len() {
        return Err(ImapError::Invalid("the extra CA file holds no usable CA certificate".into()));
    }
    EXTRA_ROOTS.write().unwrap_or_else(|p| p.into_inner()).extend(certs);
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_that_echoes_the_password_is_masked() {
        let e = redact(ImapError::Refused { command: "LOGIN", reply: "BAD unexpected: LOGIN sam s3cret-pw".into() }, "s3cret-pw");
        assert_eq!(e.to_string(), "the server said no to LOGIN: BAD unexpected: LOGIN sam ****");
    }

    mod against_the_sink {
        use super::super::*;
        use crate::email::sink::{SinkOptions, SmtpSink};
        use crate::email::smtp::{SmtpMailer, SmtpSettings};

        async fn deliver(sink: &SmtpSink, raw: &[u8]) {
            let env = lettre::address::Envelope::new(Some("mailer-daemon@mx.example".parse().unwrap()), vec!["sam@northwind.example".parse().unwrap()]).unwrap();
            SmtpMailer::new(&SmtpSettings::local(sink.addr().port())).unwrap().send(raw, &env).await.unwrap();
        }

        fn settings(port: u16, user: &str) -> ImapSettings {
            ImapSettings {
                host: "127.0.0.1".into(),
                port,
                security: ImapSecurity::None,
                username: user.into(),
                password: SmtpPassword::new("app-password"),
                timeout: Duration::from_secs(10),
            }
        }

        #[tokio::test]
        async fn new_messages_are_read_in_order_within_the_limits_and_never_twice() {
            let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
            let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
            let s = settings(imap.port(), "sam@northwind.example");
            // Empty INBOX: nothing, and the folder's UIDVALIDITY is learnt.
            let first = fetch_new(&s, InboxCursor::default(), FetchLimits::default()).await.unwrap();
            assert_eq!((first.uidvalidity, first.messages.len(), first.more), (1, 0, false));

            let bodies: Vec<Vec<u8>> = (1..=5)
                .map(|i| {
                    let pad = if i == 3 { "x".repeat(5000) } else { String::new() };
                    format!("Message-ID: <{i}@mx.example>\r\nSubject: n{i} {{9}}\r\n\r\nbody {i} caf\u{e9} {pad}\r\n").into_bytes()
                })
                .collect();
            for b in &bodies {
                deliver(&sink, b).await;
            }
            let limits = FetchLimits { max_messages: 2, max_message_bytes: 1000, max_batch_bytes: 1 << 20, ..FetchLimits::default() };
            let mut cursor = first.next_cursor(InboxCursor::default());
            let a = fetch_new(&s, cursor, limits).await.unwrap();
            assert_eq!(a.messages.iter().map(|m| m.uid).collect::<Vec<_>>(), [1, 2]);
            assert!(a.more, "three more wait");
            assert_eq!(a.messages[1].raw.as_deref(), Some(&bodies[1][..]), "the body arrives byte for byte");
            cursor = a.next_cursor(cursor);
            let b = fetch_new(&s, cursor, limits).await.unwrap();
            assert_eq!(b.messages.iter().map(|m| m.uid).collect::<Vec<_>>(), [3, 4]);
            assert_eq!(b.messages[0].raw, None, "over the size limit: skipped, but its UID counts as read");
            assert!(b.messages[0].size > 5000);
            assert_eq!(b.messages[1].raw.as_deref(), Some(&bodies[3][..]));
            cursor = b.next_cursor(cursor);
            let c = fetch_new(&s, cursor, limits).await.unwrap();
            assert_eq!((c.messages.len(), c.messages[0].uid, c.more), (1, 5, false));
            cursor = c.next_cursor(cursor);
            assert_eq!(cursor, InboxCursor { uidvalidity: Some(1), last_uid: 5 });
            // Nothing new: the server answers `6:*` with the last message; it is not read again.
            let d = fetch_new(&s, cursor, limits).await.unwrap();
            assert!(d.messages.is_empty() && !d.more && !d.restarted, "{d:?}");

            // The folder is renumbered: reading starts over from the first message.
            sink.set_imap_uidvalidity(2);
            let e = fetch_new(&s, cursor, limits).await.unwrap();
            assert!(e.restarted);
            assert_eq!(e.messages.iter().map(|m| m.uid).collect::<Vec<_>>(), [1, 2]);
            assert_eq!(e.next_cursor(cursor), InboxCursor { uidvalidity: Some(2), last_uid: 2 });

            // A byte budget stops the batch early (the first message always fits).
            let tight = FetchLimits { max_messages: 10, max_message_bytes: 1000, max_batch_bytes: 1, ..FetchLimits::default() };
            let f = fetch_new(&s, InboxCursor { uidvalidity: Some(2), last_uid: 0 }, tight).await.unwrap();
            assert_eq!((f.messages.len(), f.more), (1, true));
            assert_eq!(sink.count(), 5, "reading changed nothing");
        }

        #[tokio::test]
        async fn a_refused_login_is_a_clear_error_without_the_password() {
            let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
            let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
            sink.refuse_imap_login("sam@northwind.example");
            let e = fetch_new(&settings(imap.port(), "sam@northwind.example"), InboxCursor::default(), FetchLimits::default()).await.unwrap_err();
            assert!(matches!(&e, ImapError::Refused { command: "LOGIN", .. }), "{e:?}");
            let text = e.to_string();
            assert!(text.contains("LOGIN") && text.contains("AUTHENTICATIONFAILED") && !text.contains("app-password"), "{text}");
        }
    }
}
