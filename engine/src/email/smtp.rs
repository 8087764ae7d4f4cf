//! Submitting composed, signed messages to an SMTP server (a mailbox provider's submission
//! port, or a relay).
//!
//! One [`SmtpMailer`] per mailbox holds a small pool of authenticated connections, so a burst
//! of sends does not pay a TCP + TLS + AUTH handshake each. Every failure is classified once,
//! here: [`SmtpError::is_retryable`] is the only thing the dispatcher looks at to decide between
//! "try again later" and "mark failed" (SPEC §10.4: a permanent rejection must never be resent).

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is then required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    ImplicitTls,
    /// No encryption at all: only for a server on this machine (the test sink, a local relay).
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
    /// For connecting and for each command's reply.
    pub timeout: Duration,
    /// Connections kept open to this server at most.
    pub max_connections: u32,
}

impl SmtpSettings {
    /// A server on this machine without TLS or login, as the sink runs.
    pub fn local(port: u16) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port,
            security: Security::None,
            username: None,
            password: SmtpPassword::new(""),
            timeout: Duration::from_secs(10),
            max_connections: 4,
        }
    }
}

/// Why a send (or a connection test) failed, and so whether to try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpError {
    /// The server refused for good (5xx): bad recipient, policy block, failed login.
    #[error("the server refused ({code}): {message}")]
    Rejected { code: u16, message: String },
    /// The server refused for now (4xx): greylisting, rate limit, mailbox busy.
    #[error("the server deferred ({code}): {message}")]
    Deferred { code: u16, message: String },
    /// The server could not be reached or the conversation broke off (timeouts, resets, TLS).
    #[error("connection problem: {0}")]
    Connection(String),
    /// Something on our side that a retry cannot fix: bad settings, a malformed envelope.
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
        // The server's text (after lettre's "permanent error (550): ") is what a person needs.
        let text = e.to_string();
        let message = text.split_once("): ").map(|(_, m)| m.to_string()).unwrap_or_else(|| text.clone());
        match code {
            Some(code) if e.is_permanent() => SmtpError::Rejected { code, message },
            Some(code) if e.is_transient() => SmtpError::Deferred { code, message },
            _ if e.is_client() => SmtpError::Invalid(text),
            _ => SmtpError::Connection(error_chain(&e)),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// What the server said when it took the message: the reply often carries its queue id,
/// which is what reconciles a crash between "sent" and "recorded" (SPEC §10.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub code: u16,
    pub message: String,
}

/// A pooled SMTP client for one server and one login.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
}

impl fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpMailer").field("host", &self.host).field("port", &self.port).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// Sets the client up; nothing is connected until the first send or test. Must be called
    /// inside the Tokio runtime (the pool starts its idle-connection reaper).
    pub fn new(settings: &SmtpSettings) -> Result<Self, SmtpError> {
        let host = settings.host.trim();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(SmtpError::Invalid(format!("{:?} is not a host name", settings.host)));
        }
        if settings.port == 0 {
            return Err(SmtpError::Invalid("the port must be 1 to 65535".into()));
        }
        let tls = |host: &str| TlsParameters::new(host.to_string()).map_err(|e| SmtpError::Invalid(format!("TLS settings: {e}")));
        let tls = match settings.security {
            Security::StartTls => Tls::Required(tls(host)?),
            Security::ImplicitTls => Tls::Wrapper(tls(host)?),
            Security::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(settings.max_connections.max(1)).idle_timeout(Duration::from_secs(60)));
        if let Some(user) = settings.username.as_deref().filter(|u| !u.is_empty()) {
            builder = builder.credentials(Credentials::new(user.to_string(), settings.password.expose().to_string()));
        }
        Ok(Self { transport: builder.build(), host: host.to_string(), port: settings.port })
    }

    /// Sends `raw` (already composed and signed) to the envelope's recipients.
    #[tracing::instrument(skip(self, raw, envelope), fields(host = %self.host, bytes = raw.len()))]
    pub async fn send(&self, raw: &[u8], envelope: &Envelope) -> Result<Accepted, SmtpError> {
        // lettre ends DATA with CRLF.CRLF whatever the message ends with; a message that already
        // ends with its line's CRLF would gain an empty line (and the receiver's copy would no
        // longer be the bytes we signed and recorded).
        let body = raw.strip_suffix(b"\r\n").unwrap_or(raw);
        let response = self.transport.send_raw(envelope, body).await.map_err(SmtpError::from_lettre)?;
        let code = response.code().to_string().parse().unwrap_or(250);
        Ok(Accepted { code, message: response.message().collect::<Vec<_>>().join(" ") })
    }

    /// Connects, greets, negotiates TLS and logs in, without sending mail: what "Test
    /// connection" in the mailbox settings runs.
    pub async fn test_connection(&self) -> Result<(), SmtpError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SmtpError::Connection(format!("{}:{} accepted the connection but stopped answering", self.host, self.port))),
            Err(e) => Err(SmtpError::from_lettre(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::sink::{SinkOptions, SmtpSink};

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
        assert!(matches!(&e, SmtpError::Rejected { code: 550, message } if message.contains("no such user")), "{e:?}");
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
    async fn bad_settings_are_refused_before_connecting() {
        let mut s = SmtpSettings::local(25);
        s.host = "smtp example.com".into();
        assert!(matches!(SmtpMailer::new(&s), Err(SmtpError::Invalid(_))));
        let mut s = SmtpSettings::local(0);
        s.host = "smtp.example.com".into();
        assert!(matches!(SmtpMailer::new(&s), Err(SmtpError::Invalid(_))));
    }
}
