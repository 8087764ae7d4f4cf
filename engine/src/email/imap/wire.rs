//! The IMAP4rev1 conversation (RFC 3501) over any byte stream, after the connection is made:
//! reading replies, literals and FETCH responses, and the read-only steps of the two questions
//! [`super`] asks (`read_inbox`, `find_message_id`).
//!
//! Every server is hostile until proven otherwise, so everything read here has a cap: a line
//! ([`MAX_LINE`]), the lines of one response, the untagged replies of one command, and a
//! literal (`{n}`), whose announced length is checked before a single byte is allocated for
//! it. An announcement over the cap is an error, never an allocation: the session is dropped
//! and the mailbox's poll fails with a classified reason ([`ImapError::reason`]).
//!
//! Kept free of networking, TLS, logging and the rest of the engine (std, tokio, thiserror
//! only) so the fuzz target (`fuzz/fuzz_targets/imap.rs`) compiles this file on its own and
//! drives it with arbitrary server bytes ([`fuzz_session`]).

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImapError {
    /// Could not connect, or the connection ended in the middle of the session.
    #[error("connection problem: {0}")]
    Connection(String),
    /// A reply did not come within the per-reply timeout, or the whole session outlived its
    /// deadline.
    #[error("timed out: {0}")]
    TimedOut(&'static str),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("the server said no to {command}: {reply}")]
    Refused { command: &'static str, reply: String },
    #[error("the server's reply made no sense: {0}")]
    Protocol(String),
    /// A line, literal or reply over its cap.
    #[error("the server sent too much: {0}")]
    TooLarge(String),
    #[error("cannot ask: {0}")]
    Invalid(String),
}

/// The classes of failure a tenant is shown (issue 10): never the server's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Could not connect, or the connection dropped.
    Connection,
    TimedOut,
    Tls,
    Authentication,
    /// The server refused a command other than LOGIN.
    Refused,
    /// A reply that broke the protocol or a cap.
    UnexpectedAnswer,
    /// Our side could not ask (settings that cannot be sent).
    Invalid,
}

impl ImapError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Connection(_) => FailureKind::Connection,
            Self::TimedOut(_) => FailureKind::TimedOut,
            Self::Tls(_) => FailureKind::Tls,
            Self::Refused { command: "LOGIN", .. } => FailureKind::Authentication,
            Self::Refused { .. } => FailureKind::Refused,
            Self::Protocol(_) | Self::TooLarge(_) => FailureKind::UnexpectedAnswer,
            Self::Invalid(_) => FailureKind::Invalid,
        }
    }

    /// What may be stored and shown to the tenant: the class and our own words. Of a refusal
    /// only the standard response code (`[AUTHENTICATIONFAILED]`, RFC 5530) is kept, which says
    /// what went wrong without carrying any free text a hostile server chose. (`Display` keeps
    /// the details for the operator's logs.)
    pub fn reason(&self) -> String {
        match self {
            Self::Connection(m) => format!("connection failed: {m}"),
            Self::TimedOut(m) => format!("timed out: {m}"),
            Self::Tls(m) => format!("TLS failed: {m}"),
            Self::Refused { command, reply } => {
                let code = response_code(reply).map(|c| format!(": {c}")).unwrap_or_default();
                if *command == "LOGIN" {
                    format!("authentication failed (the server refused LOGIN{code})")
                } else {
                    format!("refused (the server said no to {command}{code})")
                }
            }
            Self::Protocol(m) | Self::TooLarge(m) => format!("unexpected answer: {m}"),
            Self::Invalid(m) => m.clone(),
        }
    }
}

/// The response code of a tagged reply (`NO [AUTHENTICATIONFAILED] ...` → `AUTHENTICATIONFAILED`)
/// when it is a plain upper-case atom, as the standard ones are.
fn response_code(reply: &str) -> Option<&str> {
    let start = reply.find('[')? + 1;
    let inner = &reply[start..];
    let end = inner.find([']', ' ']).unwrap_or(inner.len());
    let code = &inner[..end];
    (!code.is_empty() && code.len() <= 32 && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')).then_some(code)
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
    /// complaints about our small text emails are far below it. A body literal over it is an
    /// error.
    pub max_message_bytes: u32,
    /// Total body bytes fetched per poll; the first message always fits.
    pub max_batch_bytes: u64,
    /// The whole session (connect, TLS, login, every command) ends by then, however slowly
    /// the server trickles its replies: the per-reply timeout alone would let a server that
    /// sends one line just in time hold the poll for ever.
    pub deadline: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self { max_messages: 200, max_message_bytes: 1024 * 1024, max_batch_bytes: 16 * 1024 * 1024, deadline: Duration::from_secs(120) }
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

/// Longest reply line we read; a longer one means the server is not what we think.
pub(crate) const MAX_LINE: usize = 64 * 1024;
/// The lines of one response together (a literal's continuation lines included).
const MAX_RESPONSE_LINES: usize = 2 * MAX_LINE;
/// All untagged replies to one command but FETCH (LIST of a mailbox with thousands of folders
/// is far below it).
const MAX_COMMAND_BYTES: usize = 4 * 1024 * 1024;

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
pub(crate) async fn read_inbox<S: AsyncRead + AsyncWrite + Unpin>(s: &mut Session<S>, cursor: InboxCursor, limits: FetchLimits) -> Result<InboxBatch, ImapError> {
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
        return Ok(batch);
    }

    // What is new, and how big. RFC 3501 §6.4.8: `n:*` with n above the highest UID still
    // names the last message, so UIDs not above the cursor are dropped here. A mailbox may
    // answer with a million lines: only the lowest UIDs this poll can take (and one more, to
    // know that more wait) are kept, so memory stays flat.
    let keep = limits.max_messages.max(1).saturating_add(1);
    let mut new: Vec<(u32, u32)> = Vec::new();
    let lowest = |v: &mut Vec<(u32, u32)>| {
        v.sort_unstable();
        v.dedup_by_key(|(uid, _)| *uid);
        v.truncate(keep);
    };
    s.fetch(&format!("UID FETCH {}:* (UID RFC822.SIZE)", after + 1), MAX_LINE, |f| {
        if let Some(uid) = f.uid.filter(|u| *u > after) {
            new.push((uid, f.size.unwrap_or(0)));
            if new.len() >= keep.saturating_mul(2).max(64) {
                lowest(&mut new);
            }
        }
        Ok(())
    })
    .await?;
    lowest(&mut new);

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
        }
        batch.messages.push(InboxMessage { uid, size, raw: None });
    }

    if !wanted.is_empty() {
        // A server may send bodies bigger than the sizes it announced, or bodies nobody asked
        // for: only the wanted ones are kept, and together no more than the batch allows.
        let allowance = limits.max_batch_bytes.max(u64::from(limits.max_message_bytes));
        let mut kept = 0u64;
        let messages = &mut batch.messages;
        s.fetch(&format!("UID FETCH {} (UID RFC822.SIZE BODY.PEEK[])", uid_set(&wanted)), limits.max_message_bytes as usize, |f| {
            let (Some(uid), Some(Some(raw))) = (f.uid, f.body) else { return Ok(()) };
            if wanted.binary_search(&uid).is_err() {
                return Ok(());
            }
            let Some(m) = messages.iter_mut().find(|m| m.uid == uid) else { return Ok(()) };
            kept = kept - m.raw.as_ref().map_or(0, |r| r.len() as u64) + raw.len() as u64;
            if kept > allowance {
                return Err(ImapError::TooLarge(format!("message bodies over the batch's {allowance} bytes")));
            }
            m.raw = Some(raw);
            Ok(())
        })
        .await?;
    }
    Ok(batch)
}

/// Whether the mailbox's Sent folder (or INBOX when it has none) holds a message whose
/// Message-ID header is `message_id` (already checked to be quotable).
pub(crate) async fn find_message_id<S: AsyncRead + AsyncWrite + Unpin>(s: &mut Session<S>, message_id: &str) -> Result<bool, ImapError> {
    let listed = s.command("LIST \"\" \"*\"", "LIST").await?;
    let folder = sent_folder(&listed);
    s.command(&format!("EXAMINE {}", quoted(&folder)?), "EXAMINE").await?;
    let found = s.command(&format!("UID SEARCH HEADER Message-ID \"{message_id}\""), "UID SEARCH").await?;
    Ok(found.iter().any(|l| {
        let rest = l.strip_prefix("* SEARCH").or_else(|| l.strip_prefix("* search"));
        rest.is_some_and(|r| r.split_whitespace().any(|n| n.parse::<u32>().is_ok()))
    }))
}

/// An IMAP quoted string; refuses what cannot be quoted (CR, LF, NUL, non-ASCII would need a
/// literal, which LOGIN on some servers does not take).
pub(crate) fn quoted(s: &str) -> Result<String, ImapError> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0 || !b.is_ascii()) {
        return Err(ImapError::Invalid("user names and passwords must be printable ASCII for IMAP LOGIN".into()));
    }
    Ok(format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
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

pub(crate) struct Session<S> {
    pub(crate) reader: BufReader<S>,
    pub(crate) tag: u32,
    timeout: Duration,
}

/// Runs `f` within the per-reply timeout.
async fn timed<T>(t: Duration, f: impl std::future::Future<Output = std::io::Result<T>>) -> Result<T, ImapError> {
    tokio::time::timeout(t, f)
        .await
        .map_err(|_| ImapError::TimedOut("the server stopped answering"))?
        .map_err(|e| ImapError::Connection(e.to_string()))
}

impl<S: AsyncRead + AsyncWrite + Unpin> Session<S> {
    pub(crate) fn new(stream: S, timeout: Duration) -> Self {
        Self { reader: BufReader::new(stream), tag: 0, timeout }
    }

    /// One reply line with the literals it announces inlined as quoted strings (for the
    /// line-oriented replies: greeting, LIST, EXAMINE, SEARCH). A literal here is a folder
    /// name or the like: capped at one line's length.
    async fn line(&mut self) -> Result<String, ImapError> {
        let mut line = String::from_utf8_lossy(&self.raw_line().await?).into_owned();
        // A line ending in {n} announces n bytes of literal, then the line goes on.
        while let Some((at, len)) = split_literal(line.as_bytes())? {
            let lit = self.literal(len, MAX_LINE).await?;
            line.truncate(at);
            line.push('"');
            line.push_str(&String::from_utf8_lossy(&lit).replace(['"', '\\'], ""));
            line.push('"');
            let more = self.raw_line().await?;
            line.push_str(&String::from_utf8_lossy(&more));
            if line.len() > MAX_RESPONSE_LINES {
                return Err(ImapError::TooLarge("a reply longer than its cap".into()));
            }
        }
        Ok(line)
    }

    pub(crate) async fn greeting(&mut self) -> Result<(), ImapError> {
        let g = self.line().await?;
        if g.starts_with("* OK") || g.starts_with("* PREAUTH") {
            Ok(())
        } else {
            Err(ImapError::Refused { command: "greeting", reply: g })
        }
    }

    /// Sends a FETCH command and hands each `* n FETCH (...)` reply to `each`, literals
    /// byte-exact (a message body is one). A literal longer than `literal_cap` is an error: no
    /// reply we ask for has one, and reading it would be the server's choice of how much memory
    /// or time we spend. `each` decides what is kept.
    async fn fetch(&mut self, text: &str, literal_cap: usize, mut each: impl FnMut(Fetched) -> Result<(), ImapError>) -> Result<(), ImapError> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        self.send(&format!("{tag} {text}\r\n")).await?;
        loop {
            let toks = self.response(literal_cap).await?;
            let word = |i: usize| match toks.get(i) {
                Some(Tok::Atom(a)) => a.as_str(),
                _ => "",
            };
            if word(0) == tag {
                if word(1).eq_ignore_ascii_case("OK") {
                    return Ok(());
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
                each(parse_fetch(&toks[3..])?)?;
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
        .map_err(|_| ImapError::TimedOut("the server stopped reading"))?
        .map_err(|e| ImapError::Connection(e.to_string()))
    }

    /// One line's bytes without its CRLF, at most [`MAX_LINE`].
    async fn raw_line(&mut self) -> Result<Vec<u8>, ImapError> {
        let mut buf = Vec::with_capacity(128);
        let n = timed(self.timeout, (&mut self.reader).take(MAX_LINE as u64).read_until(b'\n', &mut buf)).await?;
        if n == 0 {
            return Err(ImapError::Connection("the server closed the connection".into()));
        }
        if !buf.ends_with(b"\n") {
            return Err(ImapError::TooLarge("a reply line longer than its cap".into()));
        }
        buf.pop();
        if buf.ends_with(b"\r") {
            buf.pop();
        }
        Ok(buf)
    }

    /// One whole response: its lines and the literals between them, as tokens. The literals of
    /// one response share `literal_cap`, its lines [`MAX_RESPONSE_LINES`].
    async fn response(&mut self, literal_cap: usize) -> Result<Vec<Tok>, ImapError> {
        let mut toks = Vec::new();
        let (mut lines, mut literals) = (0usize, 0u64);
        loop {
            let line = self.raw_line().await?;
            lines += line.len();
            if lines > MAX_RESPONSE_LINES {
                return Err(ImapError::TooLarge("a reply longer than its cap".into()));
            }
            match tokenize(&line, &mut toks)? {
                None => return Ok(toks),
                Some(n) => {
                    literals = literals.saturating_add(n);
                    if literals > literal_cap as u64 {
                        return Err(ImapError::TooLarge(format!("a literal of {n} bytes, over the {literal_cap}-byte cap")));
                    }
                    toks.push(Tok::Literal(self.literal(n, literal_cap).await?));
                }
            }
        }
    }

    /// Exactly `n` octets of literal, or an error when `n` is over `cap`: checked before
    /// anything is allocated, and the buffer grows only with the bytes that actually arrive.
    async fn literal(&mut self, n: u64, cap: usize) -> Result<Vec<u8>, ImapError> {
        if n > cap as u64 {
            return Err(ImapError::TooLarge(format!("a literal of {n} bytes, over the {cap}-byte cap")));
        }
        let mut lit = Vec::with_capacity((n as usize).min(64 * 1024));
        let got = timed(self.timeout, (&mut self.reader).take(n).read_to_end(&mut lit)).await?;
        if got as u64 != n {
            return Err(ImapError::Connection("the server closed the connection inside a literal".into()));
        }
        Ok(lit)
    }

    /// Sends one tagged command; returns the untagged lines before its tagged OK.
    pub(crate) async fn command(&mut self, text: &str, name: &'static str) -> Result<Vec<String>, ImapError> {
        self.tag += 1;
        let tag = format!("a{}", self.tag);
        self.send(&format!("{tag} {text}\r\n")).await?;
        let mut untagged = Vec::new();
        let mut total = 0usize;
        loop {
            let line = self.line().await?;
            if let Some(status) = line.strip_prefix(&format!("{tag} ")) {
                return if status.as_bytes().get(..2).is_some_and(|s| s.eq_ignore_ascii_case(b"OK")) {
                    Ok(untagged)
                } else {
                    // Never echo LOGIN back: the server's reply is safe, our command is not.
                    Err(ImapError::Refused { command: name, reply: status.to_string() })
                };
            }
            if line.starts_with("* BYE") && name != "LOGOUT" {
                return Err(ImapError::Connection("the server hung up".into()));
            }
            total += line.len();
            if total > MAX_COMMAND_BYTES {
                return Err(ImapError::TooLarge(format!("more than {MAX_COMMAND_BYTES} bytes of replies to {name}")));
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
    Literal(Vec<u8>),
}

/// What one `* n FETCH (...)` said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Fetched {
    uid: Option<u32>,
    size: Option<u32>,
    /// `Some(None)`: a body was sent as NIL.
    body: Option<Option<Vec<u8>>>,
}

/// `{n}` or `{n+}` (RFC 7888) at the very end of a line: where the brace opens and `n`. A
/// number too long for 64 bits is certainly over any cap: an error.
fn split_literal(line: &[u8]) -> Result<Option<(usize, u64)>, ImapError> {
    let Some(inner) = line.strip_suffix(b"}") else { return Ok(None) };
    let Some(open) = inner.iter().rposition(|&b| b == b'{') else { return Ok(None) };
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Ok(None);
    }
    let n = std::str::from_utf8(digits).ok().and_then(|d| d.parse::<u64>().ok());
    n.map(|n| Some((open, n))).ok_or_else(|| ImapError::TooLarge("a literal longer than 2^64 bytes".into()))
}

/// Adds the tokens of one line to `toks`; returns the length of the literal the line
/// announces at its end (`{n}`), which the caller reads next.
fn tokenize(line: &[u8], toks: &mut Vec<Tok>) -> Result<Option<u64>, ImapError> {
    let announced = split_literal(line)?;
    let line = match announced {
        Some((at, _)) => &line[..at],
        None => line,
    };
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
    Ok(announced.map(|(_, n)| n))
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
                    Tok::Literal(l) => Some(l.clone()),
                    Tok::Quoted(q) => Some(q.clone()),
                    _ => None,
                })
            }
            _ => {}
        }
    }
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

/// A server that is a byte string: reads return it piece by piece (the pieces vary with its
/// bytes, as a network would split them), then end; whatever we write is discarded.
struct Replay<'a> {
    data: &'a [u8],
    pos: usize,
}

impl AsyncRead for Replay<'_> {
    fn poll_read(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>, buf: &mut tokio::io::ReadBuf<'_>) -> std::task::Poll<std::io::Result<()>> {
        let rest = &self.data[self.pos..];
        let piece = 1 + rest.first().map_or(0, |b| usize::from(*b) * 7);
        let n = rest.len().min(buf.remaining()).min(piece);
        buf.put_slice(&rest[..n]);
        self.pos += n;
        std::task::Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Replay<'_> {
    fn poll_write(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>, buf: &[u8]) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// The fuzz target's entry (`fuzz/fuzz_targets/imap.rs`): `server` is everything a server
/// says in one session, answering the greeting, LOGIN, a poll of INBOX and a Message-ID search
/// in turn. Panics when a cap or an invariant of the batch does not hold; errors are fine.
#[doc(hidden)]
pub fn fuzz_session(server: &[u8]) {
    thread_local! {
        static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime");
    }
    let limits = FetchLimits { max_messages: 3, max_message_bytes: 2048, max_batch_bytes: 4096, deadline: Duration::from_secs(5) };
    RT.with(|rt| {
        rt.block_on(async {
            let mut s = Session::new(Replay { data: server, pos: 0 }, Duration::from_secs(5));
            if s.greeting().await.is_err() || s.command("LOGIN \"u\" \"p\"", "LOGIN").await.is_err() {
                return;
            }
            let cursor = InboxCursor { uidvalidity: Some(7), last_uid: 2 };
            if let Ok(batch) = read_inbox(&mut s, cursor, limits).await {
                assert!(batch.messages.len() <= limits.max_messages);
                assert!(batch.messages.windows(2).all(|w| w[0].uid < w[1].uid), "UID order, no repeats");
                let floor = if batch.restarted { 0 } else { cursor.last_uid };
                assert!(batch.messages.iter().all(|m| m.uid > floor));
                let bodies: usize = batch.messages.iter().filter_map(|m| m.raw.as_ref()).map(|r| r.len()).sum();
                assert!(batch.messages.iter().all(|m| m.raw.as_ref().is_none_or(|r| r.len() <= limits.max_message_bytes as usize)));
                assert!(bodies as u64 <= limits.max_batch_bytes.max(u64::from(limits.max_message_bytes)));
                assert!(batch.next_cursor(cursor).last_uid >= floor);
            }
            let _ = find_message_id(&mut s, "<m1@agency.example>").await;
            // Every rejected string is an error with words in it, never a panic.
            if let Err(e) = s.command("LOGOUT", "LOGOUT").await {
                assert!(!e.reason().is_empty());
            }
        })
    });
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
    fn fetch_replies_are_tokenised_with_sections_quotes_and_literals() {
        let mut toks = Vec::new();
        assert_eq!(tokenize(br#"* 12 FETCH (UID 7 FLAGS (\Seen $X) RFC822.SIZE 5 BODY[] {5}"#, &mut toks), Ok(Some(5)));
        toks.push(Tok::Literal(b"hello".to_vec()));
        assert_eq!(tokenize(b")", &mut toks), Ok(None));
        let f = parse_fetch(&toks[3..]).unwrap();
        assert_eq!(f, Fetched { uid: Some(7), size: Some(5), body: Some(Some(b"hello".to_vec())) });
        let mut toks = Vec::new();
        tokenize(br#"* 1 FETCH (BODY[] "a \"q\"" UID 3 BODY[HEADER.FIELDS (FROM)] NIL)"#, &mut toks).unwrap();
        let f = parse_fetch(&toks[3..]).unwrap();
        assert_eq!((f.uid, f.body), (Some(3), Some(Some(br#"a "q""#.to_vec()))));
        let mut toks = Vec::new();
        tokenize(b"* 1 FETCH (UID", &mut toks).unwrap();
        assert!(parse_fetch(&toks[3..]).is_err(), "a truncated reply is an error, not a panic");
        assert_eq!(response_code_number("* OK [UIDVALIDITY 3857529045] UIDs valid", "UIDVALIDITY"), Some(3_857_529_045));
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
    }

    #[test]
    fn literal_lengths_are_read_from_the_end_of_a_line_and_absurd_ones_are_errors() {
        assert_eq!(split_literal(b"* LIST () \"/\" {5}"), Ok(Some((14, 5))));
        assert_eq!(split_literal(b"* LIST () \"/\" {5+}"), Ok(Some((14, 5))));
        assert_eq!(split_literal(b"* OK done"), Ok(None));
        assert_eq!(split_literal(b"* OK {x}"), Ok(None));
        assert!(matches!(split_literal(b"* 1 FETCH (BODY[] {99999999999999999999999}"), Err(ImapError::TooLarge(_))));
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

    #[test]
    fn reasons_name_the_class_and_keep_only_a_standard_response_code() {
        let login = ImapError::Refused { command: "LOGIN", reply: "NO [AUTHENTICATIONFAILED] Go to http://evil.example/phish".into() };
        assert_eq!(login.kind(), FailureKind::Authentication);
        assert_eq!(login.reason(), "authentication failed (the server refused LOGIN: AUTHENTICATIONFAILED)");
        let other = ImapError::Refused { command: "EXAMINE", reply: "NO [see http://evil.example] no".into() };
        assert_eq!(other.reason(), "refused (the server said no to EXAMINE)");
        assert_eq!(ImapError::Refused { command: "greeting", reply: "BYE call 555-0100".into() }.reason(), "refused (the server said no to greeting)");
        assert!(ImapError::TimedOut("the session's deadline passed").reason().starts_with("timed out"));
        assert_eq!(ImapError::TooLarge("x".into()).kind(), FailureKind::UnexpectedAnswer);
    }

    /// A session against a server that says `script` (whatever we write).
    fn replay(script: &'static [u8]) -> Session<Replay<'static>> {
        Session::new(Replay { data: script, pos: 0 }, Duration::from_secs(5))
    }

    #[tokio::test]
    async fn a_literal_over_its_cap_is_an_error_before_anything_is_allocated() {
        let mut s = replay(b"* 1 FETCH (UID 5 BODY[] {2000000000}\r\nshort");
        let e = s.fetch("UID FETCH 5 (BODY.PEEK[])", 1024, |_| Ok(())).await.unwrap_err();
        assert!(matches!(&e, ImapError::TooLarge(m) if m.contains("2000000000")), "{e:?}");
        // In a line-oriented reply (LIST) too.
        let mut s = replay(b"* LIST () \"/\" {2000000000}\r\n");
        assert!(matches!(s.command("LIST \"\" \"*\"", "LIST").await, Err(ImapError::TooLarge(_))));
        // The literals of one response share the cap.
        let mut s = replay(b"* 1 FETCH (BODY[] {3}\r\nabc RFC822 {3}\r\nabc)\r\n");
        assert!(matches!(s.fetch("x", 5, |_| Ok(())).await, Err(ImapError::TooLarge(_))));
    }

    #[tokio::test]
    async fn a_tagged_reply_with_a_multibyte_character_is_not_a_panic() {
        let mut s = replay("a1 x\u{e9} no\r\n".as_bytes());
        assert!(matches!(s.command("NOOP", "NOOP").await, Err(ImapError::Refused { .. })));
    }

    #[tokio::test]
    async fn endless_untagged_replies_stop_at_the_command_cap() {
        let lines: &'static [u8] = Box::leak("* OK x\r\n".repeat(MAX_COMMAND_BYTES / 6 + 10).into_bytes().into_boxed_slice());
        let mut s = replay(lines);
        assert!(matches!(s.command("NOOP", "NOOP").await, Err(ImapError::TooLarge(_))));
    }

    #[test]
    fn the_fuzz_entry_survives_a_plausible_session() {
        fuzz_session(
            b"* OK hi\r\na1 OK in\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\na2 OK ro\r\n* 1 FETCH (UID 3 RFC822.SIZE 5)\r\n* 2 FETCH (UID 4 RFC822.SIZE 9000)\r\na3 OK\r\n\
* 1 FETCH (UID 3 BODY[] {5}\r\nhello)\r\na4 OK\r\n* LIST (\\Sent) \"/\" Sent\r\na5 OK\r\na6 OK\r\n* SEARCH 1\r\na7 OK\r\n* BYE\r\na8 OK\r\n",
        );
    }
}
