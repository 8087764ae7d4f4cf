//! Asking a mailbox's IMAP server whether it holds a message with a given Message-ID: how a
//! send that a crash left in doubt is reconciled (SPEC §10.4) instead of being resent blindly.
//!
//! A deliberately small IMAP4rev1 client (RFC 3501): greeting, optional STARTTLS or implicit
//! TLS (rustls, Mozilla roots), LOGIN, LIST to find the Sent folder (the `\Sent` attribute of
//! RFC 6154, else a folder named like one, else INBOX), EXAMINE (read-only, so nothing is
//! marked seen) and `UID SEARCH HEADER Message-ID`, then LOGOUT. It reads nothing but the
//! tagged and untagged lines those commands produce; literals (`{n}`) in replies are skipped
//! byte-exactly so a folder name sent as a literal cannot desynchronise it.
//!
//! Why not a general IMAP crate: we need three read-only commands, and the maintained async
//! clients tie themselves to a TLS stack and runtime of their own; this stays on the rustls
//! (ring) and tokio the rest of the engine already uses.
//!
//! What this module must not do: write to the mailbox, or print the password.

use crate::email::smtp::SmtpPassword;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImapError {
    #[error("connection problem: {0}")]
    Connection(String),
    #[error("the server said no to {command}: {reply}")]
    Refused { command: &'static str, reply: String },
    #[error("the server's reply made no sense: {0}")]
    Protocol(String),
    #[error("cannot ask: {0}")]
    Invalid(String),
}

/// Whether the mailbox's Sent folder (or INBOX when it has none) holds a message whose
/// Message-ID header is `message_id`.
#[tracing::instrument(skip(settings), fields(host = %settings.host))]
pub async fn has_message_id(settings: &ImapSettings, message_id: &str) -> Result<bool, ImapError> {
    // Sent as a quoted string: anything that could end the string or the line is refused.
    if message_id.is_empty() || message_id.len() > 250 || !message_id.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\') {
        return Err(ImapError::Invalid(format!("{message_id:?} is not a Message-ID we can search for")));
    }
    let t = settings.timeout;
    let tcp = tokio::time::timeout(t, TcpStream::connect((settings.host.as_str(), settings.port)))
        .await
        .map_err(|_| ImapError::Connection(format!("{}:{} did not answer in time", settings.host, settings.port)))?
        .map_err(|e| ImapError::Connection(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    match settings.security {
        ImapSecurity::Tls => {
            let tls = tls_connect(&settings.host, tcp, t).await?;
            Session::new(tls, t).greeting_then_search(settings, message_id).await
        }
        ImapSecurity::None => Session::new(tcp, t).greeting_then_search(settings, message_id).await,
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
            let mut s = Session::new(tls, t);
            s.tag = 10;
            s.search_after_greeting(settings, message_id).await
        }
    }
}

async fn tls_connect(host: &str, tcp: TcpStream, t: Duration) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ImapError::Invalid(format!("TLS settings: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| ImapError::Invalid(format!("{host:?} is not a host name")))?;
    tokio::time::timeout(t, tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp))
        .await
        .map_err(|_| ImapError::Connection("TLS handshake timed out".into()))?
        .map_err(|e| ImapError::Connection(format!("TLS: {e}")))
}

/// An IMAP quoted string; refuses what cannot be quoted (CR, LF, NUL, non-ASCII would need a
/// literal, which LOGIN on some servers does not take).
fn quoted(s: &str) -> Result<String, ImapError> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0 || !b.is_ascii()) {
        return Err(ImapError::Invalid("user names and passwords must be printable ASCII for IMAP LOGIN".into()));
    }
    Ok(format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
}

struct Session<S> {
    reader: BufReader<S>,
    tag: u32,
    timeout: Duration,
}

/// Longest reply line we read; a longer one means the server is not what we think.
const MAX_LINE: u64 = 64 * 1024;

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    fn new(stream: S, timeout: Duration) -> Self {
        Self { reader: BufReader::new(stream), tag: 0, timeout }
    }

    async fn greeting_then_search(mut self, settings: &ImapSettings, message_id: &str) -> Result<bool, ImapError> {
        self.greeting().await?;
        self.search_after_greeting(settings, message_id).await
    }

    async fn search_after_greeting(&mut self, settings: &ImapSettings, message_id: &str) -> Result<bool, ImapError> {
        let login = format!("LOGIN {} {}", quoted(&settings.username)?, quoted(settings.password.expose())?);
        self.command(&login, "LOGIN").await?;
        let listed = self.command("LIST \"\" \"*\"", "LIST").await?;
        let folder = sent_folder(&listed);
        self.command(&format!("EXAMINE {}", quoted(&folder)?), "EXAMINE").await?;
        let found = self.command(&format!("UID SEARCH HEADER Message-ID \"{message_id}\""), "UID SEARCH").await?;
        let hit = found.iter().any(|l| {
            let rest = l.strip_prefix("* SEARCH").or_else(|| l.strip_prefix("* search"));
            rest.is_some_and(|r| r.split_whitespace().any(|n| n.parse::<u32>().is_ok()))
        });
        // A failed LOGOUT changes nothing about the answer.
        let _ = self.command("LOGOUT", "LOGOUT").await;
        Ok(hit)
    }

    async fn line(&mut self) -> Result<String, ImapError> {
        let mut buf = Vec::with_capacity(128);
        let n = tokio::time::timeout(self.timeout, (&mut self.reader).take(MAX_LINE).read_until(b'\n', &mut buf))
            .await
            .map_err(|_| ImapError::Connection("the server stopped answering".into()))?
            .map_err(|e| ImapError::Connection(e.to_string()))?;
        if n == 0 {
            return Err(ImapError::Connection("the server closed the connection".into()));
        }
        if !buf.ends_with(b"\n") {
            return Err(ImapError::Protocol("reply line too long".into()));
        }
        let mut line = String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']).to_string();
        // A line ending in {n} announces n bytes of literal, then the line goes on.
        while let Some(len) = literal_len(&line) {
            let mut lit = vec![0u8; len];
            tokio::time::timeout(self.timeout, self.reader.read_exact(&mut lit))
                .await
                .map_err(|_| ImapError::Connection("the server stopped answering".into()))?
                .map_err(|e| ImapError::Connection(e.to_string()))?;
            line.push('"');
            line.push_str(&String::from_utf8_lossy(&lit).replace(['"', '\\'], ""));
            line.push('"');
            let mut more = Vec::new();
            tokio::time::timeout(self.timeout, (&mut self.reader).take(MAX_LINE).read_until(b'\n', &mut more))
                .await
                .map_err(|_| ImapError::Connection("the server stopped answering".into()))?
                .map_err(|e| ImapError::Connection(e.to_string()))?;
            line.push_str(String::from_utf8_lossy(&more).trim_end_matches(['\r', '\n']));
        }
        Ok(line)
    }

    async fn greeting(&mut self) -> Result<(), ImapError> {
        let g = self.line().await?;
        if g.starts_with("* OK") || g.starts_with("* PREAUTH") {
            Ok(())
        } else {
            Err(ImapError::Refused { command: "greeting", reply: g })
        }
    }

    /// Sends one tagged command; returns the untagged lines before its tagged OK.
    async fn command(&mut self, text: &str, name: &'static str) -> Result<Vec<String>, ImapError> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        let wire = format!("{tag} {text}\r\n");
        let w = self.reader.get_mut();
        tokio::time::timeout(self.timeout, async {
            w.write_all(wire.as_bytes()).await?;
            w.flush().await
        })
        .await
        .map_err(|_| ImapError::Connection("the server stopped reading".into()))?
        .map_err(|e| ImapError::Connection(e.to_string()))?;
        let mut untagged = Vec::new();
        loop {
            let line = self.line().await?;
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                return if status.len() >= 2 && status[..2].eq_ignore_ascii_case("OK") {
                    Ok(untagged)
                } else {
                    // Never echo LOGIN back: the server's reply is safe, our command is not.
                    Err(ImapError::Refused { command: name, reply: status.to_string() })
                };
            }
            if line.starts_with("* BYE") && name != "LOGOUT" {
                return Err(ImapError::Connection(format!("the server hung up: {line}")));
            }
            untagged.push(line);
        }
    }
}

fn literal_len(line: &str) -> Option<usize> {
    let inner = line.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    inner[open + 1..].trim_end_matches('+').parse().ok()
}

/// The folder sent mail lands in, from LIST replies: the one flagged `\Sent` (RFC 6154), else
/// the first whose name says "Sent", else INBOX (where the test sink keeps everything).
fn sent_folder(listed: &[String]) -> String {
    let entries: Vec<(String, String)> = listed.iter().filter_map(|l| parse_list(l)).collect();
    if let Some((_, name)) = entries.iter().find(|(attrs, _)| attrs.to_ascii_lowercase().split_whitespace().any(|a| a == "\\sent")) {
        return name.clone();
    }
    if let Some((_, name)) = entries.iter().find(|(_, n)| n.to_ascii_lowercase().contains("sent")) {
        return name.clone();
    }
    "INBOX".into()
}

/// `* LIST (\HasNoChildren \Sent) "/" "Sent Items"` → (attributes, name).
fn parse_list(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix("* LIST ").or_else(|| line.strip_prefix("* list "))?;
    let rest = rest.strip_prefix('(')?;
    let (attrs, rest) = rest.split_once(')')?;
    let rest = rest.trim_start();
    // The delimiter: a quoted char or NIL.
    let rest = if let Some(r) = rest.strip_prefix("NIL") {
        r
    } else {
        let r = rest.strip_prefix('"')?;
        let r = r.strip_prefix('\\').unwrap_or(r);
        let mut chars = r.chars();
        chars.next()?;
        chars.as_str().strip_prefix('"')?
    };
    let name = rest.trim();
    let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(q) => q.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => name.to_string(),
    };
    (!name.is_empty()).then(|| (attrs.to_string(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sent_folder_is_found_by_attribute_then_by_name_then_inbox() {
        let l = |s: &str| s.to_string();
        assert_eq!(sent_folder(&[l(r#"* LIST (\HasNoChildren) "/" INBOX"#), l(r#"* LIST (\HasNoChildren \Sent) "/" "Gesendete Objekte""#)]), "Gesendete Objekte");
        assert_eq!(sent_folder(&[l(r#"* LIST (\HasNoChildren) "." INBOX"#), l(r#"* LIST () "." "INBOX.Sent Messages""#)]), "INBOX.Sent Messages");
        assert_eq!(sent_folder(&[l(r#"* LIST () "/" INBOX"#)]), "INBOX");
        assert_eq!(sent_folder(&[]), "INBOX");
        assert_eq!(parse_list(r#"* LIST (\Sent) NIL "a \"q\"""#), Some((r"\Sent".into(), "a \"q\"".into())));
    }

    #[test]
    fn credentials_that_cannot_be_quoted_are_refused() {
        assert!(quoted("pa\r\nss").is_err());
        assert_eq!(quoted(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
    }

    #[test]
    fn literal_lengths_are_read_from_the_end_of_a_line() {
        assert_eq!(literal_len("* LIST () \"/\" {5}"), Some(5));
        assert_eq!(literal_len("* LIST () \"/\" {5+}"), Some(5));
        assert_eq!(literal_len("* OK done"), None);
    }
}
