//! Submitting composed, signed messages to an SMTP server (a mailbox provider's submission
//! port, or a relay).
//!
//! One [`SmtpMailer`] per mailbox holds a small pool of authenticated connections, so a burst
//! of sends does not pay a TCP + TLS + AUTH handshake each. Every failure is classified once,
//! here: [`SmtpError::is_retryable`] is the only thing the dispatcher looks at to decide between
//! "try again later" and "mark failed" (SPEC §10.4: a permanent rejection must never be resent).

use crate::net::{self, NetError, NetPolicy};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is then required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    ImplicitTls,
    /// No encryption at all: only where the operator allows private addresses (the test sink,
    /// a local relay); refused otherwise.
    None,
}

/// A password that never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpPassword(String);

impl SmtpPassword {
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// `None` for a server that takes mail without logging in (the sink, a local relay).
    pub username: Option<String>,
    pub password: SmtpPassword,
    /// For connecting, for the greeting, and for each step of the handshake.
    pub timeout: Duration,
    /// The most one send (or connection test) may take from the first byte to the last reply,
    /// whatever the server does: one that trickles holds a send for this long at most.
    pub deadline: Duration,
    /// Idle connections kept open to this server at most (as lettre's pool: a burst opens
    /// more, the extra ones are closed after their send).
    pub max_connections: u32,
    /// Where the host may resolve to, and whether plain text is allowed.
    pub net: NetPolicy,
}

impl SmtpSettings {
    /// A server on this machine without TLS or login, as the sink runs: private addresses and
    /// plain text are allowed for it.
    pub fn local(port: u16) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port,
            security: Security::None,
            username: None,
            password: SmtpPassword::new(""),
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            max_connections: 4,
            net: NetPolicy::new(true),
        }
    }
}

/// Why a send (or a connection test) failed, and so whether to try again. Worded by us: the
/// server's own reply text never appears (it is a tenant-named peer), only its reply code and
/// enhanced status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpError {
    /// The server refused for good (5xx): bad recipient, policy block, failed login.
    #[error("the server refused ({code}): {message}")]
    Rejected { code: u16, message: String },
    /// The server refused for now (4xx): greylisting, rate limit, mailbox busy.
    #[error("the server deferred ({code}): {message}")]
    Deferred { code: u16, message: String },
    /// The server could not be reached or the conversation broke off.
    #[error("connection problem: {0}")]
    Connection(NetError),
    /// Something on our side that a retry cannot fix: bad settings, a malformed envelope, an
    /// address the outbound policy refuses.
    #[error("cannot send: {0}")]
    Invalid(String),
}

impl SmtpError {
    /// Worth trying again later: 4xx replies and connection trouble. Never a 5xx, which would
    /// resend to an address that said no.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SmtpError::Deferred { .. } | SmtpError::Connection(_))
    }

    /// The SMTP reply code, when the server gave one.
    pub fn code(&self) -> Option<u16> {
        match self {
            SmtpError::Rejected { code, .. } | SmtpError::Deferred { code, .. } => Some(*code),
            _ => None,
        }
    }

    fn from_lettre(e: lettre::transport::smtp::Error) -> Self {
        let code = e.status().and_then(|c| c.to_string().parse::<u16>().ok());
        match code {
            Some(code) if e.is_permanent() => SmtpError::Rejected { code, message: describe(code, &e) },
            Some(code) if e.is_transient() => SmtpError::Deferred { code, message: describe(code, &e) },
            _ if e.is_client() => SmtpError::Invalid("the message cannot be sent to this server (it lacks SMTPUTF8 or 8BITMIME)".into()),
            _ if e.is_tls() => SmtpError::Connection(NetError::Tls),
            _ if e.is_timeout() => SmtpError::Connection(NetError::TimedOut),
            _ if e.is_response() => SmtpError::Connection(NetError::Unexpected),
            _ => SmtpError::Connection(NetError::Refused),
        }
    }

    fn from_net(e: NetError) -> Self {
        match e {
            NetError::Private | NetError::PlainText | NetError::BadHost(_) => SmtpError::Invalid(e.to_string()),
            other => SmtpError::Connection(other),
        }
    }
}

/// Our words for a refusal, with the enhanced status code (RFC 3463) when the reply starts with
/// one: that is the standard part of the reply, the rest is the server's free text.
fn describe(code: u16, e: &lettre::transport::smtp::Error) -> String {
    let what = match code {
        530 | 534 | 535 | 538 | 454 => "authentication failed",
        421 => "the server is closing the connection",
        450 | 550 | 551 | 553 => "the mailbox was refused",
        451 | 452 | 552 | 554 => "the server would not take the message",
        _ => "the server gave an unexpected answer",
    };
    let text = e.to_string();
    let enhanced = text.split_once("): ").map(|(_, m)| m).and_then(|m| m.split_whitespace().next()).filter(|t| {
        let parts: Vec<&str> = t.split('.').collect();
        parts.len() == 3 && matches!(parts[0], "2" | "4" | "5") && parts[1..].iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    });
    match enhanced {
        Some(x) => format!("{what} ({x})"),
        None => what.to_string(),
    }
}

/// What the server said when it took the message: the reply often carries its queue id,
/// which is what reconciles a crash between "sent" and "recorded" (SPEC §10.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub code: u16,
    pub message: String,
}

/// A connection waiting for the next send.
struct Idle {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// Idle connections older than this are closed rather than reused (servers drop idle sessions).
const IDLE_FOR: Duration = Duration::from_secs(60);

/// A pooled SMTP client for one server and one login.
///
/// Why not lettre's `AsyncSmtpTransport`: it resolves the host itself (a second lookup the
/// outbound policy cannot see), puts no timeout on replies (a server that never greets holds
/// the send for ever), and hands a connection whose send was cancelled back to its pool. Here
/// lettre's `AsyncSmtpConnection` speaks SMTP over a stream we opened to a checked address,
/// every step has a timeout and the whole send a deadline, and a connection goes back to the
/// pool only after a complete exchange.
#[derive(Clone)]
pub struct SmtpMailer {
    settings: Arc<SmtpSettings>,
    idle: Arc<Mutex<Vec<Idle>>>,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer").field("host", &self.settings.host).field("port", &self.settings.port).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Sets the client up; nothing is connected until the first send or test.
    pub fn new(settings: &SmtpSettings) -> Result<Self, SmtpError> {
        let host = settings.host.trim();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(SmtpError::Invalid(format!("{:?} is not a host name", settings.host)));
        }
        if settings.port == 0 {
            return Err(SmtpError::Invalid("the port must be 1 to 65535".into()));
        }
        if settings.security == Security::None {
            settings.net.check_plain_text().map_err(SmtpError::from_net)?;
        }
        let mut settings = settings.clone();
        settings.host = host.to_string();
        Ok(Self { settings: Arc::new(settings), idle: Arc::default() })
    }

    /// Sends `raw` (already composed and signed) to the envelope's recipients.
    #[tracing::instrument(skip(self, raw, envelope), fields(host = %self.settings.host, bytes = raw.len()))]
    pub async fn send(&self, raw: &[u8], envelope: &Envelope) -> Result<Accepted, SmtpError> {
        // lettre ends DATA with CRLF.CRLF whatever the message ends with; a message that already
        // ends with its line's CRLF would gain an empty line (and the receiver's copy would no
        // longer be the bytes we signed and recorded).
        let body = raw.strip_suffix(b"\r\n").unwrap_or(raw);
        let response = self
            .within_deadline(async {
                let mut conn = self.checkout().await?;
                let result = conn.send(envelope, body).await;
                // A refused recipient leaves the session usable; a broken one is dropped.
                if !conn.has_broken() {
                    self.park(conn);
                }
                result.map_err(SmtpError::from_lettre)
            })
            .await?;
        let code = response.code().to_string().parse().unwrap_or(250);
        Ok(Accepted { code, message: response.message().collect::<Vec<_>>().join(" ") })
    }

    /// Connects, greets, negotiates TLS and logs in, without sending mail: what "Test
    /// connection" in the mailbox settings runs.
    pub async fn test_connection(&self) -> Result<(), SmtpError> {
        self.within_deadline(async {
            let mut conn = self.connect().await?;
            conn.quit().await.map_err(SmtpError::from_lettre)?;
            Ok(())
        })
        .await
    }

    async fn within_deadline<T>(&self, work: impl Future<Output = Result<T, SmtpError>>) -> Result<T, SmtpError> {
        tokio::time::timeout(self.settings.deadline, work).await.map_err(|_| SmtpError::Connection(NetError::TimedOut))?
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().expect("smtp idle connections");
        if idle.len() < self.settings.max_connections.max(1) as usize {
            idle.push(Idle { conn, since: Instant::now() });
        }
    }

    /// A pooled connection that still answers NOOP, else a new one.
    async fn checkout(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        loop {
            let next = self.idle.lock().expect("smtp idle connections").pop();
            let Some(Idle { mut conn, since }) = next else { break };
            if since.elapsed() < IDLE_FOR && step(self.settings.timeout, conn.test_connected()).await.unwrap_or(false) {
                return Ok(conn);
            }
        }
        self.connect().await
    }

    /// Resolve and check the host, connect to the checked address, TLS, greeting + EHLO,
    /// STARTTLS, login: each step within the timeout.
    async fn connect(&self) -> Result<AsyncSmtpConnection, SmtpError> {
        let s = &self.settings;
        let tcp = net::connect_tcp(&s.net, &s.host, s.port, s.timeout).await.map_err(SmtpError::from_net)?;
        let stream: Box<dyn AsyncTokioStream> = match s.security {
            Security::ImplicitTls => Box::new(TlsWire(step(s.timeout, tls_connect(&s.host, tcp)).await??)),
            Security::StartTls | Security::None => Box::new(tcp),
        };
        let hello = ClientId::default();
        let mut conn = step(s.timeout, AsyncSmtpConnection::connect_with_transport(stream, &hello)).await?.map_err(SmtpError::from_lettre)?;
        if s.security == Security::StartTls {
            let tls = TlsParameters::new(s.host.clone()).map_err(|_| SmtpError::Invalid(format!("{:?} is not a host name TLS can verify", s.host)))?;
            step(s.timeout, conn.starttls(tls, &hello)).await?.map_err(|e| match SmtpError::from_lettre(e) {
                SmtpError::Connection(_) => SmtpError::Connection(NetError::Tls),
                other => other,
            })?;
        }
        if let Some(user) = s.username.as_deref().filter(|u| !u.is_empty()) {
            let credentials = Credentials::new(user.to_string(), s.password.expose().to_string());
            step(s.timeout, conn.auth(DEFAULT_MECHANISMS, &credentials)).await?.map_err(|e| match SmtpError::from_lettre(e) {
                SmtpError::Rejected { code, .. } => SmtpError::Rejected { code, message: NetError::Auth.to_string() },
                SmtpError::Deferred { code, .. } => SmtpError::Deferred { code, message: NetError::Auth.to_string() },
                // No mechanism in common, or an answer that is not a reply.
                _ => SmtpError::Invalid(NetError::Auth.to_string()),
            })?;
        }
        Ok(conn)
    }
}

/// One step of the conversation within `t`.
async fn step<T>(t: Duration, f: impl Future<Output = T>) -> Result<T, SmtpError> {
    tokio::time::timeout(t, f).await.map_err(|_| SmtpError::Connection(NetError::TimedOut))
}

async fn tls_connect(host: &str, tcp: TcpStream) -> Result<tokio_rustls::client::TlsStream<TcpStream>, SmtpError> {
    let config = net::tls_client_config().map_err(|e| SmtpError::Invalid(format!("TLS settings: {e}")))?;
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| SmtpError::Invalid(format!("{host:?} is not a host name")))?;
    tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.map_err(|_| SmtpError::Connection(NetError::Tls))
}

/// Implicit TLS opened by us, handed to lettre as its transport.
struct TlsWire(tokio_rustls::client::TlsStream<TcpStream>);

impl fmt::Debug for TlsWire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsWire")
    }
}

impl AsyncRead for TlsWire {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsWire {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsWire {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::sink::{SinkOptions, SmtpSink};
    use crate::net::NetPolicy;

    fn envelope(from: &str, to: &[&str]) -> Envelope {
        Envelope::new(Some(from.parse().unwrap()), to.iter().map(|t| t.parse().unwrap()).collect()).unwrap()
    }

    const MESSAGE: &[u8] = b"From: sam@agency.example\r\nTo: ann@customer.example\r\nSubject: hi\r\nMessage-ID: <m1@agency.example>\r\n\r\nhello\r\n";

    #[tokio::test]
    async fn the_password_never_prints() {
        let mut s = SmtpSettings::local(25);
        s.username = Some("sam".into());
        s.password = SmtpPassword::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        let mailer = SmtpMailer::new(&s).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn a_message_reaches_the_server_and_connections_are_reused() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
        let mailer = SmtpMailer::new(&SmtpSettings::local(sink.addr().port())).unwrap();
        for _ in 0..5 {
            let ok = mailer.send(MESSAGE, &envelope("sam@agency.example", &["ann@customer.example"])).await.unwrap();
            assert_eq!(ok.code, 250);
        }
        assert_eq!(sink.count_by_message_id("<m1@agency.example>"), 5);
        // Five sends, one after another, reuse pooled connections (lettre hands a connection
        // back to the pool in a task of its own, so the second send may still open another).
        assert!(sink.connections() <= 2, "{} connections", sink.connections());
        let got = &sink.messages()[0];
        assert_eq!(got.mail_from, "sam@agency.example");
        assert_eq!(got.rcpt_to, ["ann@customer.example"]);
        assert_eq!(got.raw, MESSAGE);
    }

    #[tokio::test]
    async fn credentials_are_presented_and_test_connection_logs_in_without_mail() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { require_auth: true, ..Default::default() }).await.unwrap();
        let mut s = SmtpSettings::local(sink.addr().port());
        s.username = Some("sam@agency.example".into());
        s.password = SmtpPassword::new("app-password");
        let mailer = SmtpMailer::new(&s).unwrap();
        mailer.test_connection().await.unwrap();
        assert_eq!(sink.count(), 0);
        assert_eq!(sink.logins(), ["sam@agency.example"]);
        mailer.send(MESSAGE, &envelope("sam@agency.example", &["ann@customer.example"])).await.unwrap();
        assert_eq!(sink.messages()[0].auth_user.as_deref(), Some("sam@agency.example"));

        // Without credentials the same server refuses the mail for good.
        let anonymous = SmtpMailer::new(&SmtpSettings::local(sink.addr().port())).unwrap();
        let e = anonymous.send(MESSAGE, &envelope("sam@agency.example", &["ann@customer.example"])).await.unwrap_err();
        assert_eq!(e.code(), Some(530), "{e}");
        assert!(!e.is_retryable());
    }

    #[tokio::test]
    async fn permanent_and_transient_rejections_are_told_apart() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
        sink.reply_to_rcpt("gone@customer.example", 550, "5.1.1 no such user");
        sink.reply_to_rcpt("busy@customer.example", 451, "4.7.1 greylisted, try again later");
        let mailer = SmtpMailer::new(&SmtpSettings::local(sink.addr().port())).unwrap();

        let e = mailer.send(MESSAGE, &envelope("sam@agency.example", &["gone@customer.example"])).await.unwrap_err();
        // Our words and the enhanced status code; never the server's own text.
        assert!(matches!(&e, SmtpError::Rejected { code: 550, message } if message == "the mailbox was refused (5.1.1)"), "{e:?}");
        assert!(!e.is_retryable());

        let e = mailer.send(MESSAGE, &envelope("sam@agency.example", &["busy@customer.example"])).await.unwrap_err();
        assert!(matches!(&e, SmtpError::Deferred { code: 451, .. }), "{e:?}");
        assert!(e.is_retryable());
        assert_eq!(sink.count(), 0);

        // The connection survives a refused recipient: the next message goes through.
        mailer.send(MESSAGE, &envelope("sam@agency.example", &["ann@customer.example"])).await.unwrap();
        assert_eq!(sink.count(), 1);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_retryable_connection_error() {
        // Bind and drop to find a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut s = SmtpSettings::local(port);
        s.timeout = Duration::from_secs(2);
        let mailer = SmtpMailer::new(&s).unwrap();
        let e = mailer.send(MESSAGE, &envelope("sam@agency.example", &["ann@customer.example"])).await.unwrap_err();
        assert!(matches!(e, SmtpError::Connection(_)), "{e:?}");
        assert!(e.is_retryable());
        let e = mailer.test_connection().await.unwrap_err();
        assert!(e.is_retryable(), "{e:?}");
    }

    #[tokio::test]
    async fn a_server_that_never_greets_fails_at_the_greeting_deadline() {
        // Accepts and then says nothing, ever.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((sock, _)) = listener.accept().await {
                open.push(sock);
            }
        });
        let mut s = SmtpSettings::local(port);
        s.timeout = Duration::from_millis(300);
        // Only the greeting's own timeout can end this: the overall deadline is far away.
        s.deadline = Duration::from_secs(3600);
        let mailer = SmtpMailer::new(&s).unwrap();
        let env = envelope("sam@agency.example", &["ann@customer.example"]);
        let send = mailer.send(MESSAGE, &env);
        let e = tokio::time::timeout(Duration::from_secs(30), send).await.expect("the greeting timeout ended the send").unwrap_err();
        assert_eq!(e, SmtpError::Connection(NetError::TimedOut));
        assert!(e.is_retryable());
        let e = tokio::time::timeout(Duration::from_secs(30), mailer.test_connection()).await.expect("the greeting timeout ended the test").unwrap_err();
        assert_eq!(e, SmtpError::Connection(NetError::TimedOut));
        held.abort();
    }

    #[tokio::test]
    async fn a_server_that_trickles_is_cut_off_at_the_overall_deadline() {
        // Greets one byte at a time, each well within the step timeout, and never finishes.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    use tokio::io::AsyncWriteExt;
                    loop {
                        if sock.write_all(b"2").await.is_err() {
                            return;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                });
            }
        });
        let mut s = SmtpSettings::local(port);
        // Each byte comes well within a step's timeout: only the overall deadline can end it.
        s.timeout = Duration::from_secs(3600);
        s.deadline = Duration::from_millis(400);
        let mailer = SmtpMailer::new(&s).unwrap();
        let env = envelope("sam@agency.example", &["ann@customer.example"]);
        let send = mailer.send(MESSAGE, &env);
        let e = tokio::time::timeout(Duration::from_secs(30), send).await.expect("the deadline ended the send").unwrap_err();
        assert!(matches!(e, SmtpError::Connection(NetError::TimedOut | NetError::Unexpected)), "{e:?}");
        held.abort();
    }

    #[tokio::test]
    async fn a_strict_policy_refuses_private_hosts_and_plain_text_without_connecting() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut s = SmtpSettings::local(port);
        s.net = NetPolicy::new(false);
        assert_eq!(SmtpMailer::new(&s).unwrap_err(), SmtpError::Invalid(NetError::PlainText.to_string()));
        s.security = Security::ImplicitTls;
        let mailer = SmtpMailer::new(&s).unwrap();
        let e = mailer.send(MESSAGE, &envelope("sam@agency.example", &["ann@customer.example"])).await.unwrap_err();
        assert_eq!(e, SmtpError::Invalid(NetError::Private.to_string()));
        assert!(!e.is_retryable());
        s.host = "localhost".into();
        assert_eq!(SmtpMailer::new(&s).unwrap().test_connection().await.unwrap_err(), SmtpError::Invalid(NetError::Private.to_string()));
        // Nothing ever reached the listener.
        let accepted = tokio::time::timeout(Duration::from_millis(100), listener.accept()).await;
        assert!(accepted.is_err(), "a connection was made");
    }

    #[tokio::test]
    async fn implicit_tls_to_a_plain_server_is_a_tls_failure() {
        let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
        let mut s = SmtpSettings::local(sink.addr().port());
        s.security = Security::ImplicitTls;
        s.host = "localhost".into();
        s.timeout = Duration::from_secs(2);
        let e = SmtpMailer::new(&s).unwrap().test_connection().await.unwrap_err();
        assert_eq!(e, SmtpError::Connection(NetError::Tls));
    }

    #[tokio::test]
    async fn bad_settings_are_refused_before_connecting() {
        let mut s = SmtpSettings::local(25);
        s.host = "smtp example.com".into();
        assert!(matches!(SmtpMailer::new(&s), Err(SmtpError::Invalid(_))));
        let mut s = SmtpSettings::local(0);
        s.host = "smtp.example.com".into();
        assert!(matches!(SmtpMailer::new(&s), Err(SmtpError::Invalid(_))));
    }
}
