//! Reading a mailbox over IMAP, read-only: whether it holds a message with a given Message-ID
//! (how a send that a crash left in doubt is reconciled, SPEC §10.4, instead of being resent
//! blindly), and which messages arrived in INBOX since the last look (how bounces and spam
//! complaints come back, SPEC §10.5–10.6).
//!
//! A deliberately small IMAP4rev1 client (RFC 3501): greeting, optional STARTTLS or implicit
//! TLS (rustls, Mozilla roots), LOGIN, then
//! - [`has_message_id`]: LIST to find the Sent folder (the `\Sent` attribute of RFC 6154, else a
//!   folder named like one, else INBOX), EXAMINE and `UID SEARCH HEADER Message-ID`;
//! - [`fetch_new`]: EXAMINE INBOX, `UID FETCH n:* (UID RFC822.SIZE)`, then the bodies of the new
//!   messages within the limits with `BODY.PEEK[]`;
//!
//! then LOGOUT. EXAMINE opens folders read-only and PEEK leaves `\Seen` alone, so the user sees
//! their mailbox as they left it. Literals (`{n}`) are read byte-exactly: a folder name sent as
//! one cannot desynchronise the session, and a message body arrives as sent.
//!
//! Why not a general IMAP crate: we need a handful of read-only commands, and the maintained
//! async clients tie themselves to a TLS stack and runtime of their own; this stays on the
//! rustls (ring) and tokio the rest of the engine already uses.
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
    /// Where the host may resolve to, and whether plain text is allowed (`crate::net`).
    pub net: crate::net::NetPolicy,
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
    let mut s = open(settings).await?;
    let listed = s.command("LIST \"\" \"*\"", "LIST").await?;
    let folder = sent_folder(&listed);
    s.command(&format!("EXAMINE {}", quoted(&folder)?), "EXAMINE").await?;
    let found = s.command(&format!("UID SEARCH HEADER Message-ID \"{message_id}\""), "UID SEARCH").await?;
    let hit = found.iter().any(|l| {
        let rest = l.strip_prefix("* SEARCH").or_else(|| l.strip_prefix("* search"));
        rest.is_some_and(|r| r.split_whitespace().any(|n| n.parse::<u32>().is_ok()))
    });
    // A failed LOGOUT changes nothing about the answer.
    let _ = s.command("LOGOUT", "LOGOUT").await;
    Ok(hit)
}

/// Where reading a mailbox's INBOX stopped: the folder's UIDVALIDITY when it was read, and
/// the highest UID handled then. `uidvalidity: None` means never read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InboxCursor {
    pub uidvalidity: Option<u32>,
    pub last_uid: u32,
}

/// Bounds on one poll, so a mailbox with a huge backlog or a huge message cannot exhaust
/// memory or time: the next poll continues where this one stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    /// Messages handed back per poll.
    pub max_messages: usize,
    /// A message larger than this is skipped (its UID still counts as read): bounces and
    /// complaints about our small text emails are far below it.
    pub max_message_bytes: u32,
    /// Total body bytes fetched per poll; the first message always fits.
    pub max_batch_bytes: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self { max_messages: 200, max_message_bytes: 1024 * 1024, max_batch_bytes: 16 * 1024 * 1024 }
    }
}

/// One new message of INBOX.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxMessage {
    pub uid: u32,
    /// RFC822.SIZE as the server reported it.
    pub size: u32,
    /// The message bytes; `None` when it was skipped (larger than the limit, or gone before
    /// its body was fetched).
    pub raw: Option<Vec<u8>>,
}

/// What one read of INBOX found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxBatch {
    /// The folder's UIDVALIDITY now.
    pub uidvalidity: u32,
    /// New messages in UID order, all with UIDs above the cursor's (when it still applies).
    pub messages: Vec<InboxMessage>,
    /// True when more new messages wait beyond this batch's limits.
    pub more: bool,
    /// True when the remembered UIDVALIDITY no longer held and reading started over.
    pub restarted: bool,
}

impl InboxBatch {
    /// The cursor to remember once every message of the batch has been handled.
    pub fn next_cursor(&self, before: InboxCursor) -> InboxCursor {
        let floor = if self.restarted || before.uidvalidity.is_none() { 0 } else { before.last_uid };
        InboxCursor { uidvalidity: Some(self.uidvalidity), last_uid: self.messages.iter().map(|m| m.uid).max().unwrap_or(floor).max(floor) }
    }
}

/// The messages of INBOX newer than `cursor`, read without changing anything: EXAMINE (so no
/// flag changes and no `\Recent` loss), `UID FETCH n:* (UID RFC822.SIZE)` to learn what is new
/// and how big, then `UID FETCH <set> (UID RFC822.SIZE BODY.PEEK[])` for the ones within the
/// limits (PEEK: the user's `\Seen` flags stay as they are).
///
/// When the folder's UIDVALIDITY differs from the cursor's, its UIDs mean different messages
/// now, so reading starts over from the first message rather than from the server's UIDNEXT:
/// skipping what is there could lose a bounce, while re-reading is harmless because recording
/// a bounce or complaint twice changes nothing. The per-poll limit spreads a long re-read over
/// several polls.
#[tracing::instrument(skip(settings), fields(host = %settings.host))]
pub async fn fetch_new(settings: &ImapSettings, cursor: InboxCursor, limits: FetchLimits) -> Result<InboxBatch, ImapError> {
    let mut s = open(settings).await?;
    let examined = s.command("EXAMINE INBOX", "EXAMINE").await?;
    let uidvalidity = examined
        .iter()
        .find_map(|l| response_code_number(l, "UIDVALIDITY"))
        .ok_or_else(|| ImapError::Protocol("EXAMINE INBOX gave no UIDVALIDITY".into()))?;
    let exists = examined.iter().find_map(|l| {
        let rest = l.strip_prefix("* ")?;
        let (n, word) = rest.split_once(' ')?;
        word.trim().eq_ignore_ascii_case("EXISTS").then(|| n.parse::<u32>().ok()).flatten()
    });
    let restarted = cursor.uidvalidity.is_some_and(|v| v != uidvalidity);
    let after = if cursor.uidvalidity == Some(uidvalidity) { cursor.last_uid } else { 0 };
    let mut batch = InboxBatch { uidvalidity, messages: Vec::new(), more: false, restarted };
    if exists == Some(0) || after == u32::MAX {
        let _ = s.command("LOGOUT", "LOGOUT").await;
        return Ok(batch);
    }

    // What is new, and how big. RFC 3501 §6.4.8: `n:*` with n above the highest UID still
    // names the last message, so UIDs not above the cursor are dropped here.
    let mut new: Vec<(u32, u32)> = s
        .fetch(&format!("UID FETCH {}:* (UID RFC822.SIZE)", after + 1), 0)
        .await?
        .into_iter()
        .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
        .filter(|(uid, _)| *uid > after)
        .collect();
    new.sort_unstable();
    new.dedup_by_key(|(uid, _)| *uid);

    let mut budget = limits.max_batch_bytes;
    let mut wanted = Vec::new();
    for (i, &(uid, size)) in new.iter().enumerate() {
        let small = size <= limits.max_message_bytes;
        if i >= limits.max_messages.max(1) || (small && u64::from(size) > budget && !batch.messages.is_empty()) {
            batch.more = true;
            break;
        }
        if small {
            budget = budget.saturating_sub(u64::from(size));
            wanted.push(uid);
        } else {
            tracing::warn!(uid, size, "skipping a message larger than the limit");
        }
        batch.messages.push(InboxMessage { uid, size, raw: None });
    }

    if !wanted.is_empty() {
        let bodies = s.fetch(&format!("UID FETCH {} (UID RFC822.SIZE BODY.PEEK[])", uid_set(&wanted)), limits.max_message_bytes as usize).await?;
        for f in bodies {
            let (Some(uid), Some(Some(raw))) = (f.uid, f.body) else { continue };
            if let Some(m) = batch.messages.iter_mut().find(|m| m.uid == uid) {
                m.raw = Some(raw);
            }
        }
    }
    let _ = s.command("LOGOUT", "LOGOUT").await;
    Ok(batch)
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
    }
}

/// `[NAME n]` in an untagged `* OK [...]` line.
fn response_code_number(line: &str, name: &str) -> Option<u32> {
    let start = line.find('[')?;
    let inner = &line[start + 1..start + line[start..].find(']')?];
    let (code, n) = inner.split_once(' ')?;
    code.eq_ignore_ascii_case(name).then(|| n.trim().parse().ok()).flatten()
}

/// `1,2,3,5,7,8` → `1:3,5,7:8` (sorted input).
fn uid_set(uids: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let mut j = i;
        while j + 1 < uids.len() && uids[j + 1] == uids[j] + 1 {
            j += 1;
        }
        parts.push(if i == j { uids[i].to_string() } else { format!("{}:{}", uids[i], uids[j]) });
        i = j + 1;
    }
    parts.join(",")
}

/// Any byte stream a session can run over (plain TCP, or TLS over it).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Connects, secures the connection as configured, reads the greeting and logs in.
async fn open(settings: &ImapSettings) -> Result<Session<Box<dyn Io>>, ImapError> {
    let t = settings.timeout;
    if settings.security == ImapSecurity::None {
        settings.net.check_plain_text().map_err(|e| ImapError::Invalid(e.to_string()))?;
    }
    // Resolved and checked once, connected to the checked address (`crate::net`).
    let tcp = crate::net::connect_tcp(&settings.net, &settings.host, settings.port, t).await.map_err(|e| match e {
        crate::net::NetError::Private | crate::net::NetError::BadHost(_) => ImapError::Invalid(e.to_string()),
        other => ImapError::Connection(other.to_string()),
    })?;
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
    let login = format!("LOGIN {} {}", quoted(&settings.username)?, quoted(settings.password.expose())?);
    s.command(&login, "LOGIN").await.map_err(|e| redact(e, settings.password.expose()))?;
    Ok(s)
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

    async fn line(&mut self) -> Result<String, ImapError> {
        let mut line = String::from_utf8_lossy(&self.raw_line().await?).into_owned();
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

    /// Sends a FETCH command and reads its `* n FETCH (...)` replies token by token, literals
    /// byte-exact (a message body is one). A literal longer than `literal_cap` is read past
    /// and dropped, so a server that sends more than it announced cannot exhaust memory.
    async fn fetch(&mut self, text: &str, literal_cap: usize) -> Result<Vec<Fetched>, ImapError> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        self.send(&format!("{tag} {text}\r\n")).await?;
        let mut out = Vec::new();
        loop {
            let toks = self.response(literal_cap).await?;
            let word = |i: usize| match toks.get(i) {
                Some(Tok::Atom(a)) => a.as_str(),
                _ => "",
            };
            if word(0) == tag {
                if word(1).eq_ignore_ascii_case("OK") {
                    return Ok(out);
                }
                let reply = toks.iter().skip(1).filter_map(|t| if let Tok::Atom(a) = t { Some(a.as_str()) } else { None }).collect::<Vec<_>>().join(" ");
                return Err(ImapError::Refused { command: "UID FETCH", reply });
            }
            if word(0) != "*" {
                continue;
            }
            if word(1).eq_ignore_ascii_case("BYE") {
                return Err(ImapError::Connection("the server hung up during FETCH".into()));
            }
            if word(2).eq_ignore_ascii_case("FETCH") {
                out.push(parse_fetch(&toks[3..])?);
            }
        }
    }

    async fn send(&mut self, wire: &str) -> Result<(), ImapError> {
        let w = self.reader.get_mut();
        tokio::time::timeout(self.timeout, async {
            w.write_all(wire.as_bytes()).await?;
            w.flush().await
        })
        .await
        .map_err(|_| ImapError::Connection("the server stopped reading".into()))?
        .map_err(|e| ImapError::Connection(e.to_string()))
    }

    /// One line's bytes without its CRLF.
    async fn raw_line(&mut self) -> Result<Vec<u8>, ImapError> {
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
        buf.pop();
        if buf.ends_with(b"\r") {
            buf.pop();
        }
        Ok(buf)
    }

    /// One whole response: its lines and the literals between them, as tokens.
    async fn response(&mut self, literal_cap: usize) -> Result<Vec<Tok>, ImapError> {
        let mut toks = Vec::new();
        loop {
            let line = self.raw_line().await?;
            match tokenize(&line, &mut toks) {
                None => return Ok(toks),
                Some(n) => {
                    let lit = self.literal(n, literal_cap).await?;
                    toks.push(Tok::Literal(lit));
                }
            }
        }
    }

    /// `n` octets of literal; `None` (after reading past them) when more than `cap`.
    async fn literal(&mut self, n: u64, cap: usize) -> Result<Option<Vec<u8>>, ImapError> {
        let stalled = |_| ImapError::Connection("the server stopped answering".into());
        if n <= cap as u64 {
            let mut lit = vec![0u8; n as usize];
            tokio::time::timeout(self.timeout, self.reader.read_exact(&mut lit)).await.map_err(stalled)?.map_err(|e| ImapError::Connection(e.to_string()))?;
            return Ok(Some(lit));
        }
        let mut left = n;
        let mut chunk = vec![0u8; 64 * 1024];
        while left > 0 {
            let want = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let got = tokio::time::timeout(self.timeout, self.reader.read(&mut chunk[..want])).await.map_err(stalled)?.map_err(|e| ImapError::Connection(e.to_string()))?;
            if got == 0 {
                return Err(ImapError::Connection("the server closed the connection inside a literal".into()));
            }
            left -= got as u64;
        }
        Ok(None)
    }

    /// Sends one tagged command; returns the untagged lines before its tagged OK.
    async fn command(&mut self, text: &str, name: &'static str) -> Result<Vec<String>, ImapError> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        self.send(&format!("{tag} {text}\r\n")).await?;
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

/// A token of a server response.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    /// An atom or number; `BODY[...]` with its section is one atom.
    Atom(String),
    Quoted(Vec<u8>),
    /// A literal's bytes, `None` when it was over the cap.
    Literal(Option<Vec<u8>>),
}

/// What one `* n FETCH (...)` said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Fetched {
    uid: Option<u32>,
    size: Option<u32>,
    /// `Some(None)`: a body was sent but was over the cap (or NIL).
    body: Option<Option<Vec<u8>>>,
}

/// Adds the tokens of one line to `toks`; returns the length of the literal the line
/// announces at its end (`{n}`), which the caller reads next.
fn tokenize(line: &[u8], toks: &mut Vec<Tok>) -> Option<u64> {
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b' ' | b'\t' => i += 1,
            b'(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            b')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            b'"' => {
                let mut v = Vec::new();
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    if line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                    }
                    v.push(line[i]);
                    i += 1;
                }
                i += 1;
                toks.push(Tok::Quoted(v));
            }
            b'{' if line.ends_with(b"}") => {
                let inner = &line[i + 1..line.len() - 1];
                let digits = inner.strip_suffix(b"+").unwrap_or(inner);
                if let Some(n) = std::str::from_utf8(digits).ok().and_then(|d| d.parse::<u64>().ok()) {
                    return Some(n);
                }
                toks.push(Tok::Atom(String::from_utf8_lossy(&line[i..]).into_owned()));
                return None;
            }
            _ => {
                let start = i;
                let mut depth = 0usize;
                while i < line.len() {
                    match line[i] {
                        b'[' => depth += 1,
                        b']' => depth = depth.saturating_sub(1),
                        b' ' | b'(' | b')' if depth == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                toks.push(Tok::Atom(String::from_utf8_lossy(&line[start..i]).into_owned()));
            }
        }
    }
    None
}

/// The attribute list after `* n FETCH`: `(UID 7 RFC822.SIZE 120 BODY[] {120} FLAGS (\Seen))`.
fn parse_fetch(toks: &[Tok]) -> Result<Fetched, ImapError> {
    let bad = || ImapError::Protocol("a FETCH reply without its attribute list".into());
    let mut it = toks.iter();
    if it.next() != Some(&Tok::Open) {
        return Err(bad());
    }
    let mut f = Fetched::default();
    loop {
        let key = match it.next() {
            Some(Tok::Close) => return Ok(f),
            Some(Tok::Atom(k)) => k.to_ascii_uppercase(),
            _ => return Err(bad()),
        };
        let value = it.next().ok_or_else(bad)?;
        if *value == Tok::Open {
            // A list value (FLAGS, BODYSTRUCTURE): skipped whole.
            let mut depth = 1;
            while depth > 0 {
                match it.next().ok_or_else(bad)? {
                    Tok::Open => depth += 1,
                    Tok::Close => depth -= 1,
                    _ => {}
                }
            }
            continue;
        }
        let number = || match value {
            Tok::Atom(a) => a.parse::<u32>().ok(),
            _ => None,
        };
        match key.as_str() {
            "UID" => f.uid = number(),
            "RFC822.SIZE" => f.size = number(),
            "BODY[]" | "RFC822" => {
                f.body = Some(match value {
                    Tok::Literal(l) => l.clone(),
                    Tok::Quoted(q) => Some(q.clone()),
                    _ => None,
                })
            }
            _ => {}
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
    fn a_refusal_that_echoes_the_password_is_masked() {
        let e = redact(ImapError::Refused { command: "LOGIN", reply: "BAD unexpected: LOGIN sam s3cret-pw".into() }, "s3cret-pw");
        assert_eq!(e.to_string(), "the server said no to LOGIN: BAD unexpected: LOGIN sam ****");
    }

    #[test]
    fn credentials_that_cannot_be_quoted_are_refused() {
        assert!(quoted("pa\r\nss").is_err());
        assert_eq!(quoted(r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
    }

    #[test]
    fn fetch_replies_are_tokenised_with_sections_quotes_and_literals() {
        let mut toks = Vec::new();
        assert_eq!(tokenize(br#"* 12 FETCH (UID 7 FLAGS (\Seen $X) RFC822.SIZE 5 BODY[] {5}"#, &mut toks), Some(5));
        toks.push(Tok::Literal(Some(b"hello".to_vec())));
        assert_eq!(tokenize(b")", &mut toks), None);
        let f = parse_fetch(&toks[3..]).unwrap();
        assert_eq!(f, Fetched { uid: Some(7), size: Some(5), body: Some(Some(b"hello".to_vec())) });
        let mut toks = Vec::new();
        tokenize(br#"* 1 FETCH (BODY[] "a \"q\"" UID 3 BODY[HEADER.FIELDS (FROM)] NIL)"#, &mut toks);
        let f = parse_fetch(&toks[3..]).unwrap();
        assert_eq!((f.uid, f.body), (Some(3), Some(Some(br#"a "q""#.to_vec()))));
        let mut toks = Vec::new();
        tokenize(b"* 1 FETCH (UID", &mut toks);
        assert!(parse_fetch(&toks[3..]).is_err(), "a truncated reply is an error, not a panic");
        assert_eq!(response_code_number("* OK [UIDVALIDITY 3857529045] UIDs valid", "UIDVALIDITY"), Some(3_857_529_045));
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
    }

    #[test]
    fn the_cursor_moves_to_the_highest_uid_handled_and_restarts_with_a_new_uidvalidity() {
        let m = |uid| InboxMessage { uid, size: 1, raw: None };
        let before = InboxCursor { uidvalidity: Some(5), last_uid: 10 };
        let batch = InboxBatch { uidvalidity: 5, messages: vec![m(11), m(14)], more: false, restarted: false };
        assert_eq!(batch.next_cursor(before), InboxCursor { uidvalidity: Some(5), last_uid: 14 });
        let empty = InboxBatch { uidvalidity: 5, messages: vec![], more: false, restarted: false };
        assert_eq!(empty.next_cursor(before), before);
        let renumbered = InboxBatch { uidvalidity: 6, messages: vec![], more: false, restarted: true };
        assert_eq!(renumbered.next_cursor(before), InboxCursor { uidvalidity: Some(6), last_uid: 0 });
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
                net: crate::net::NetPolicy::new(true),
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
            let limits = FetchLimits { max_messages: 2, max_message_bytes: 1000, max_batch_bytes: 1 << 20 };
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
            let tight = FetchLimits { max_messages: 10, max_message_bytes: 1000, max_batch_bytes: 1 };
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

    #[test]
    fn literal_lengths_are_read_from_the_end_of_a_line() {
        assert_eq!(literal_len("* LIST () \"/\" {5}"), Some(5));
        assert_eq!(literal_len("* LIST () \"/\" {5+}"), Some(5));
        assert_eq!(literal_len("* OK done"), None);
    }
}
