//! A small SMTP server that accepts every message and keeps it: the stand-in for a mailbox
//! provider in integration tests, the dispatch crash test and benchmark, and
//! `agency-os smtp-sink` for manual runs and browser tests.
//!
//! It speaks enough RFC 5321 for real clients (lettre, swaks, Thunderbird): EHLO/HELO, AUTH
//! PLAIN and LOGIN (any credentials, or required when [`SinkOptions::require_auth`] is set),
//! MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT, and advertises 8BITMIME, SMTPUTF8
//! and PIPELINING. It never relays anything anywhere. Messages are stored byte for byte as
//! received (after unstuffing), in memory and optionally as `.eml` files in a directory.
//! Each connection is its own task, so several concurrent senders are served in parallel.
//! Scripted replies ([`SmtpSink::reply_to_rcpt`]) let tests provoke 4xx and 5xx rejections.

use base64::Engine as _;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// Longest command line accepted (RFC 5321 §4.5.3.1.4 says 512; AUTH lines can be longer).
const MAX_COMMAND_LINE: u64 = 4096;
/// Longest line inside DATA (RFC 5321 says 1000; we are lenient but bounded).
const MAX_DATA_LINE: u64 = 64 * 1024;

#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Also write each message to `<dir>/<n>-<message-id>.eml`.
    pub dir: Option<PathBuf>,
    /// Refuse MAIL with 530 until the client has logged in (any credentials do).
    pub require_auth: bool,
    /// Messages larger than this are refused with 552.
    pub max_message_bytes: usize,
}

impl Default for SinkOptions {
    fn default() -> Self {
        Self { dir: None, require_auth: false, max_message_bytes: 30 * 1024 * 1024 }
    }
}

/// One message as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The reverse path of MAIL FROM (empty for a bounce's null sender).
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    /// The message bytes after dot-unstuffing, exactly as the client meant them.
    pub raw: Vec<u8>,
    /// The Message-ID header, angle brackets included, if the message had one.
    pub message_id: Option<String>,
    /// The user name the client logged in with, if it did.
    pub auth_user: Option<String>,
    pub helo: Option<String>,
}

#[derive(Default)]
struct Inner {
    messages: Vec<ReceivedMessage>,
    by_message_id: HashMap<String, usize>,
    logins: Vec<String>,
    rcpt_replies: HashMap<String, (u16, String)>,
    tasks: Vec<AbortHandle>,
    /// INBOX's UIDVALIDITY; 1 until a test changes it.
    imap_uidvalidity: Option<u32>,
    /// IMAP user names whose LOGIN is refused.
    imap_refused: Vec<String>,
}

struct Shared {
    options: SinkOptions,
    inner: Mutex<Inner>,
    connections: AtomicUsize,
    arrived: Notify,
}

/// A running sink; dropping it stops the server and closes its connections.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: AbortHandle,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.accept.abort();
        for t in self.shared.inner.lock().unwrap().tasks.drain(..) {
            t.abort();
        }
    }
}

impl SmtpSink {
    /// Listens on `addr` (port 0 picks a free port; see [`SmtpSink::addr`]).
    pub async fn start(addr: SocketAddr, options: SinkOptions) -> std::io::Result<Self> {
        if let Some(dir) = &options.dir {
            tokio::fs::create_dir_all(dir).await?;
        }
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { options, inner: Mutex::default(), connections: AtomicUsize::new(0), arrived: Notify::new() });
        let accept_shared = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of file descriptors and the like: pause instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                accept_shared.connections.fetch_add(1, Ordering::Relaxed);
                let conn_shared = accept_shared.clone();
                let task = tokio::spawn(async move {
                    if let Err(e) = Session::new(conn_shared).run(stream).await {
                        tracing::debug!(error = %e, "smtp sink connection ended with an error");
                    }
                });
                let mut inner = accept_shared.inner.lock().unwrap();
                inner.tasks.retain(|t| !t.is_finished());
                inner.tasks.push(task.abort_handle());
            }
        })
        .abort_handle();
        Ok(Self { addr, shared, accept })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMessage> {
        self.shared.inner.lock().unwrap().messages.clone()
    }

    /// The messages received after the first `seen`.
    pub fn messages_since(&self, seen: usize) -> Vec<ReceivedMessage> {
        let inner = self.shared.inner.lock().unwrap();
        inner.messages.get(seen..).map(<[_]>::to_vec).unwrap_or_default()
    }

    pub fn count(&self) -> usize {
        self.shared.inner.lock().unwrap().messages.len()
    }

    /// How many messages carried this Message-ID: more than one means a duplicate send.
    pub fn count_by_message_id(&self, message_id: &str) -> usize {
        let inner = self.shared.inner.lock().unwrap();
        match inner.by_message_id.get(message_id.trim()) {
            Some(&n) => n,
            None => 0,
        }
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// User names of successful logins, in order.
    pub fn logins(&self) -> Vec<String> {
        self.shared.inner.lock().unwrap().logins.clone()
    }

    /// Answers RCPT TO for `address` with `code` and `text` from now on (e.g. 550 to simulate
    /// a hard bounce, 451 for greylisting).
    pub fn reply_to_rcpt(&self, address: &str, code: u16, text: &str) {
        let mut inner = self.shared.inner.lock().unwrap();
        inner.rcpt_replies.insert(address.trim().to_ascii_lowercase(), (code, text.to_string()));
    }

    /// Gives INBOX a new UIDVALIDITY, as a server does when it renumbers a folder.
    pub fn set_imap_uidvalidity(&self, uidvalidity: u32) {
        self.shared.inner.lock().unwrap().imap_uidvalidity = Some(uidvalidity);
    }

    /// Refuses IMAP LOGIN for `user` from now on, as a server does for a wrong password.
    pub fn refuse_imap_login(&self, user: &str) {
        self.shared.inner.lock().unwrap().imap_refused.push(user.to_string());
    }

    /// Waits until at least `n` messages have arrived; false if `timeout` passed first.
    pub async fn wait_for_count(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            if self.count() >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.count() >= n;
            }
        }
    }

    /// Also answers IMAP4rev1 on `addr` (port 0 picks one; the bound address is returned) over
    /// the messages received so far, all in one folder, INBOX: enough for reconciliation by
    /// Message-ID and for reading bounces to be tested against a real protocol peer.
    /// CAPABILITY, NOOP, LOGIN (any credentials unless refused, see
    /// [`SmtpSink::refuse_imap_login`]), LIST, SELECT/EXAMINE, `UID SEARCH HEADER <name>
    /// <string>` and `SEARCH`, `FETCH`/`UID FETCH <set> <items>` with UID, RFC822.SIZE, FLAGS,
    /// BODY[] and BODY.PEEK[] (bodies as literals, byte-exact), LOGOUT. UIDs and sequence
    /// numbers are the arrival order from 1 (nothing is ever expunged). Read-only.
    pub async fn serve_imap(&self, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let shared = self.shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let conn_shared = shared.clone();
                let task = tokio::spawn(async move {
                    if let Err(e) = imap_session(conn_shared, stream).await {
                        tracing::debug!(error = %e, "imap sink connection ended with an error");
                    }
                });
                let mut inner = shared.inner.lock().unwrap();
                inner.tasks.retain(|t| !t.is_finished());
                inner.tasks.push(task.abort_handle());
            }
        });
        self.shared.inner.lock().unwrap().tasks.push(accept.abort_handle());
        Ok(bound)
    }
}

/// Splits an IMAP command's arguments: atoms and quoted strings (with \\ and \" escapes).
fn imap_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        let Some(&c) = chars.peek() else { return out };
        let mut arg = String::new();
        if c == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => arg.extend(chars.next()),
                    '"' => break,
                    c => arg.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                arg.push(c);
                chars.next();
            }
        }
        out.push(arg);
    }
}

/// The value of header `name` in a raw message (first occurrence, unfolded).
fn header_of(raw: &[u8], name: &str) -> Option<String> {
    if name.eq_ignore_ascii_case("message-id") {
        return message_id_of(raw);
    }
    let head = raw.split(|&b| b == b'\n').take_while(|l| !l.is_empty() && *l != b"\r");
    let mut found: Option<String> = None;
    for line in head {
        let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line)).to_string();
        if line.starts_with([' ', '\t']) {
            if let Some(f) = found.as_mut() {
                f.push_str(&line);
            }
            continue;
        }
        if found.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            if n.trim().eq_ignore_ascii_case(name) {
                found = Some(v.trim().to_string());
            }
        }
    }
    found
}

async fn imap_session(shared: Arc<Shared>, stream: TcpStream) -> std::io::Result<()> {
    let (read, mut out) = stream.into_split();
    let mut reader = BufReader::new(read);
    out.write_all(b"* OK [CAPABILITY IMAP4rev1] agency-os-sink IMAP ready\r\n").await?;
    let mut logged_in = false;
    let mut selected = false;
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        if (&mut reader).take(MAX_COMMAND_LINE).read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string();
        let Some((tag, rest)) = text.split_once(' ') else {
            out.write_all(b"* BAD missing command\r\n").await?;
            continue;
        };
        let args = imap_args(rest);
        let mut verb = args.first().map(|v| v.to_ascii_uppercase()).unwrap_or_default();
        let mut params = &args[args.len().min(1)..];
        let uid = verb == "UID";
        if uid {
            verb = params.first().map(|v| v.to_ascii_uppercase()).unwrap_or_default();
            params = &params[params.len().min(1)..];
        }
        let reply = match verb.as_str() {
            "CAPABILITY" => format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK CAPABILITY completed\r\n"),
            "NOOP" => format!("{tag} OK NOOP completed\r\n"),
            "LOGOUT" => {
                out.write_all(format!("* BYE agency-os-sink logging out\r\n{tag} OK LOGOUT completed\r\n").as_bytes()).await?;
                return Ok(());
            }
            "LOGIN" if params.len() == 2 && shared.inner.lock().unwrap().imap_refused.contains(&params[0]) => {
                format!("{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n")
            }
            "LOGIN" if params.len() == 2 => {
                logged_in = true;
                shared.inner.lock().unwrap().logins.push(params[0].clone());
                format!("{tag} OK LOGIN completed\r\n")
            }
            "LOGIN" => format!("{tag} BAD LOGIN takes a user name and a password\r\n"),
            _ if !logged_in => format!("{tag} NO log in first\r\n"),
            "LIST" => format!("* LIST (\\HasNoChildren) \"/\" INBOX\r\n{tag} OK LIST completed\r\n"),
            "SELECT" | "EXAMINE" if params.first().is_some_and(|f| f.eq_ignore_ascii_case("INBOX")) => {
                selected = true;
                let (n, validity) = {
                    let inner = shared.inner.lock().unwrap();
                    (inner.messages.len(), inner.imap_uidvalidity.unwrap_or(1))
                };
                let mode = if verb == "EXAMINE" { "READ-ONLY" } else { "READ-WRITE" };
                format!("* {n} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY {validity}] UIDs valid\r\n* OK [UIDNEXT {}] next\r\n* FLAGS ()\r\n{tag} OK [{mode}] {verb} completed\r\n", n + 1)
            }
            "SELECT" | "EXAMINE" => format!("{tag} NO no such mailbox\r\n"),
            _ if !selected => format!("{tag} BAD select a mailbox first\r\n"),
            "SEARCH" if params.len() == 3 && params[0].eq_ignore_ascii_case("HEADER") => {
                let (name, needle) = (&params[1], params[2].to_ascii_lowercase());
                let hits: Vec<String> = {
                    let inner = shared.inner.lock().unwrap();
                    inner
                        .messages
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| header_of(&m.raw, name).is_some_and(|v| v.to_ascii_lowercase().contains(&needle)))
                        .map(|(i, _)| (i + 1).to_string())
                        .collect()
                };
                let sep = if hits.is_empty() { "" } else { " " };
                format!("* SEARCH{sep}{}\r\n{tag} OK {}SEARCH completed\r\n", hits.join(" "), if uid { "UID " } else { "" })
            }
            "SEARCH" => format!("{tag} BAD only SEARCH HEADER <name> <string> is supported\r\n"),
            "FETCH" => match imap_fetch(&shared, params) {
                Ok(untagged) => {
                    out.write_all(&untagged).await?;
                    format!("{tag} OK {}FETCH completed\r\n", if uid { "UID " } else { "" })
                }
                Err(why) => format!("{tag} BAD {why}\r\n"),
            },
            _ => format!("{tag} BAD command not recognised\r\n"),
        };
        out.write_all(reply.as_bytes()).await?;
    }
}

/// A sequence set (`1:3,7,9:*`) over messages numbered 1..=`max`: the numbers it names, in
/// order. `*` is the highest number, so `n:*` with n above it names the last message, as RFC
/// 3501 §6.4.8 has it (clients must cope).
fn sequence_set(set: &str, max: usize) -> Result<Vec<usize>, String> {
    let bad = || format!("{set:?} is not a sequence set");
    let num = |t: &str| -> Result<usize, String> {
        if t == "*" {
            Ok(max)
        } else {
            t.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(bad)
        }
    };
    let mut out = Vec::new();
    for part in set.split(',') {
        let (a, b) = match part.split_once(':') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => (num(part)?, num(part)?),
        };
        let (lo, hi) = (a.min(b), a.max(b));
        out.extend((lo..=hi).filter(|n| (1..=max).contains(n)));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The untagged replies to `FETCH <set> <items>` (UIDs are sequence numbers here).
fn imap_fetch(shared: &Shared, params: &[String]) -> Result<Vec<u8>, String> {
    let Some((set, items)) = params.split_first() else { return Err("FETCH takes a set and items".into()) };
    let items: Vec<String> = items.join(" ").trim_start_matches('(').trim_end_matches(')').split_whitespace().map(str::to_ascii_uppercase).collect();
    if items.is_empty() {
        return Err("FETCH takes a set and items".into());
    }
    if let Some(unknown) = items.iter().find(|i| !matches!(i.as_str(), "UID" | "RFC822.SIZE" | "FLAGS" | "BODY[]" | "BODY.PEEK[]")) {
        return Err(format!("the sink does not fetch {unknown}"));
    }
    let inner = shared.inner.lock().unwrap();
    let mut out = Vec::new();
    for n in sequence_set(set, inner.messages.len())? {
        let raw = &inner.messages[n - 1].raw;
        // UID first (RFC 3501 §6.4.8: a UID FETCH reply always carries it).
        out.extend_from_slice(format!("* {n} FETCH (UID {n}").as_bytes());
        for item in items.iter().filter(|i| *i != "UID") {
            match item.as_str() {
                "RFC822.SIZE" => out.extend_from_slice(format!(" RFC822.SIZE {}", raw.len()).as_bytes()),
                "FLAGS" => out.extend_from_slice(b" FLAGS ()"),
                _ => {
                    out.extend_from_slice(format!(" BODY[] {{{}}}\r\n", raw.len()).as_bytes());
                    out.extend_from_slice(raw);
                }
            }
        }
        out.extend_from_slice(b")\r\n");
    }
    Ok(out)
}

/// The Message-ID header of a raw message (unfolded, trimmed).
fn message_id_of(raw: &[u8]) -> Option<String> {
    let mut found: Option<String> = None;
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            if let Some(f) = found.as_mut() {
                if f.is_empty() {
                    f.push_str(String::from_utf8_lossy(line).trim());
                }
            }
            continue;
        }
        if found.as_ref().is_some_and(|f| !f.is_empty()) {
            break;
        }
        if line.len() >= 11 && line[..11].eq_ignore_ascii_case(b"message-id:") {
            found = Some(String::from_utf8_lossy(&line[11..]).trim().to_string());
        }
    }
    found.filter(|f| !f.is_empty())
}

/// `<addr>` (and any parameters after it) from a MAIL FROM / RCPT TO argument.
fn path_of(arg: &str) -> Option<String> {
    let arg = arg.trim_start();
    let inner = arg.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

struct Session {
    shared: Arc<Shared>,
    helo: Option<String>,
    auth_user: Option<String>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

impl Session {
    fn new(shared: Arc<Shared>) -> Self {
        Self { shared, helo: None, auth_user: None, mail_from: None, rcpt_to: Vec::new() }
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    async fn run(mut self, stream: TcpStream) -> std::io::Result<()> {
        let (read, write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let mut out = BufWriter::new(write);
        out.write_all(b"220 agency-os-sink ESMTP ready\r\n").await?;
        out.flush().await?;
        let mut line = Vec::with_capacity(256);
        loop {
            line.clear();
            let n = (&mut reader).take(MAX_COMMAND_LINE).read_until(b'\n', &mut line).await?;
            if n == 0 {
                return Ok(());
            }
            if !line.ends_with(b"\n") {
                out.write_all(b"500 5.5.6 line too long\r\n").await?;
                out.flush().await?;
                return Ok(());
            }
            let text = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string();
            let (verb, arg) = match text.split_once(' ') {
                Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
                None => (text.to_ascii_uppercase(), String::new()),
            };
            let reply: String = match verb.as_str() {
                "EHLO" => {
                    self.helo = Some(arg);
                    self.reset();
                    format!(
                        "250-agency-os-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE {}\r\n250 AUTH PLAIN LOGIN\r\n",
                        self.shared.options.max_message_bytes
                    )
                }
                "HELO" => {
                    self.helo = Some(arg);
                    self.reset();
                    "250 agency-os-sink\r\n".into()
                }
                "AUTH" => self.auth(&arg, &mut reader, &mut out).await?,
                "MAIL" => self.mail(&arg),
                "RCPT" => self.rcpt(&arg),
                "DATA" => {
                    if self.rcpt_to.is_empty() {
                        "503 5.5.1 RCPT first\r\n".into()
                    } else {
                        out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                        out.flush().await?;
                        self.data(&mut reader).await?
                    }
                }
                "RSET" => {
                    self.reset();
                    "250 2.0.0 OK\r\n".into()
                }
                "NOOP" => "250 2.0.0 OK\r\n".into(),
                "VRFY" => "252 2.5.2 Cannot verify, will accept\r\n".into(),
                "STARTTLS" => "454 4.7.0 TLS not available on the sink\r\n".into(),
                "QUIT" => {
                    out.write_all(b"221 2.0.0 Bye\r\n").await?;
                    out.flush().await?;
                    return Ok(());
                }
                _ => "500 5.5.2 Command not recognised\r\n".into(),
            };
            out.write_all(reply.as_bytes()).await?;
            // With PIPELINING the client may have sent several commands at once: answer them
            // all before flushing.
            if reader.buffer().is_empty() {
                out.flush().await?;
            }
        }
    }

    fn mail(&mut self, arg: &str) -> String {
        if self.helo.is_none() {
            return "503 5.5.1 EHLO first\r\n".into();
        }
        if self.shared.options.require_auth && self.auth_user.is_none() {
            return "530 5.7.0 Authentication required\r\n".into();
        }
        if self.mail_from.is_some() {
            return "503 5.5.1 Nested MAIL command\r\n".into();
        }
        let Some(rest) = arg.get(..5).filter(|p| p.eq_ignore_ascii_case("FROM:")).map(|_| &arg[5..]) else {
            return "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into();
        };
        match path_of(rest) {
            Some(path) => {
                self.mail_from = Some(path);
                "250 2.1.0 OK\r\n".into()
            }
            None => "501 5.1.7 Bad sender address syntax\r\n".into(),
        }
    }

    fn rcpt(&mut self, arg: &str) -> String {
        if self.mail_from.is_none() {
            return "503 5.5.1 MAIL first\r\n".into();
        }
        let Some(rest) = arg.get(..3).filter(|p| p.eq_ignore_ascii_case("TO:")).map(|_| &arg[3..]) else {
            return "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into();
        };
        let Some(path) = path_of(rest).filter(|p| !p.is_empty()) else {
            return "501 5.1.3 Bad recipient address syntax\r\n".into();
        };
        let scripted = self.shared.inner.lock().unwrap().rcpt_replies.get(&path.to_ascii_lowercase()).cloned();
        if let Some((code, text)) = scripted {
            return format!("{code} {text}\r\n");
        }
        self.rcpt_to.push(path);
        "250 2.1.5 OK\r\n".into()
    }

    async fn auth<R, W>(&mut self, arg: &str, reader: &mut R, out: &mut W) -> std::io::Result<String>
    where
        R: tokio::io::AsyncBufRead + Unpin,
        W: tokio::io::AsyncWrite + Unpin,
    {
        if self.auth_user.is_some() {
            return Ok("503 5.5.1 Already authenticated\r\n".into());
        }
        let (mechanism, initial) = match arg.split_once(' ') {
            Some((m, i)) => (m.to_ascii_uppercase(), Some(i.trim().to_string())),
            None => (arg.to_ascii_uppercase(), None),
        };
        let decode = |s: &str| base64::engine::general_purpose::STANDARD.decode(s.trim()).ok();
        let user = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(i) => i,
                    None => match challenge(reader, out, "").await? {
                        Some(r) => r,
                        None => return Ok("501 5.0.0 Authentication cancelled\r\n".into()),
                    },
                };
                // authzid \0 authcid \0 password
                decode(&response).and_then(|b| {
                    let mut parts = b.split(|&c| c == 0);
                    let _authzid = parts.next()?;
                    let user = parts.next()?;
                    parts.next()?;
                    Some(String::from_utf8_lossy(user).to_string())
                })
            }
            "LOGIN" => {
                let user = match initial {
                    Some(i) => Some(i),
                    None => challenge(reader, out, "VXNlcm5hbWU6").await?,
                };
                let Some(user) = user else {
                    return Ok("501 5.0.0 Authentication cancelled\r\n".into());
                };
                if challenge(reader, out, "UGFzc3dvcmQ6").await?.is_none() {
                    return Ok("501 5.0.0 Authentication cancelled\r\n".into());
                }
                decode(&user).map(|b| String::from_utf8_lossy(&b).to_string())
            }
            _ => return Ok("504 5.5.4 Unrecognised authentication mechanism\r\n".into()),
        };
        match user {
            Some(user) => {
                self.shared.inner.lock().unwrap().logins.push(user.clone());
                self.auth_user = Some(user);
                Ok("235 2.7.0 Authentication successful\r\n".into())
            }
            None => Ok("501 5.5.2 Cannot decode the credentials\r\n".into()),
        }
    }

    /// Reads DATA up to the lone dot, unstuffs it, stores the message; returns the reply.
    async fn data<R: tokio::io::AsyncBufRead + Unpin>(&mut self, reader: &mut R) -> std::io::Result<String> {
        let limit = self.shared.options.max_message_bytes;
        let mut raw = Vec::with_capacity(8 * 1024);
        let mut too_big = false;
        let mut line = Vec::with_capacity(1024);
        loop {
            line.clear();
            let n = reader.take(MAX_DATA_LINE).read_until(b'\n', &mut line).await?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed inside DATA"));
            }
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            // RFC 5321 §4.5.2: the client doubled every leading dot; take one away.
            let content = if line.starts_with(b".") { &line[1..] } else { &line[..] };
            if raw.len() + content.len() > limit {
                too_big = true;
            }
            if !too_big {
                raw.extend_from_slice(content);
            }
        }
        let mail_from = self.mail_from.take().unwrap_or_default();
        let rcpt_to = std::mem::take(&mut self.rcpt_to);
        if too_big {
            return Ok("552 5.3.4 Message too big\r\n".into());
        }
        let message = ReceivedMessage {
            message_id: message_id_of(&raw),
            mail_from,
            rcpt_to,
            raw,
            auth_user: self.auth_user.clone(),
            helo: self.helo.clone(),
        };
        let seq = {
            let mut inner = self.shared.inner.lock().unwrap();
            if let Some(id) = &message.message_id {
                *inner.by_message_id.entry(id.clone()).or_insert(0) += 1;
            }
            inner.messages.push(message.clone());
            inner.messages.len()
        };
        // On disk before we say 250, so "accepted" means "kept" for a reader of the directory.
        if let Some(dir) = &self.shared.options.dir {
            let id: String = message
                .message_id
                .as_deref()
                .unwrap_or("no-id")
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') { c } else { '_' })
                .take(120)
                .collect();
            tokio::fs::write(dir.join(format!("{seq:06}-{id}.eml")), &message.raw).await?;
        }
        self.shared.arrived.notify_waiters();
        Ok(format!("250 2.0.0 OK queued as {seq}\r\n"))
    }
}

/// Sends a 334 challenge and reads the answer; `None` if the client cancelled with `*`.
async fn challenge<R, W>(reader: &mut R, out: &mut W, prompt: &str) -> std::io::Result<Option<String>>
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: tokio::io::AsyncWrite + Unpin,
{
    out.write_all(format!("334 {prompt}\r\n").as_bytes()).await?;
    out.flush().await?;
    let mut line = Vec::new();
    reader.take(MAX_COMMAND_LINE).read_until(b'\n', &mut line).await?;
    let text = String::from_utf8_lossy(&line).trim().to_string();
    Ok((text != "*").then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::compose::{compose, tests::sample};
    use crate::email::dkim::tests::{dkimpy_verify, mail_auth_verify, FakeDns};
    use crate::email::dkim::{dns_record, DkimAlgorithm, DkimPrivateKey, DkimSigner};
    use crate::email::smtp::{SmtpMailer, SmtpSettings};
    use tokio::io::AsyncBufReadExt;

    async fn sink() -> SmtpSink {
        SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap()
    }

    async fn read_reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, replies: &mut Vec<String>) {
        loop {
            let mut l = String::new();
            r.read_line(&mut l).await.unwrap();
            let done = l.as_bytes().get(3) != Some(&b'-');
            replies.push(l.trim_end().to_string());
            if done || l.is_empty() {
                break;
            }
        }
    }

    /// A raw SMTP conversation: sends each line, returns every reply line.
    async fn talk(addr: SocketAddr, lines: &[&str]) -> Vec<String> {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        let mut replies = Vec::new();
        read_reply(&mut r, &mut replies).await;
        let mut in_data = false;
        for line in lines {
            w.write_all(format!("{line}\r\n").as_bytes()).await.unwrap();
            if in_data && *line != "." {
                continue;
            }
            in_data = false;
            read_reply(&mut r, &mut replies).await;
            if *line == "DATA" && replies.last().unwrap().starts_with("354") {
                in_data = true;
            }
        }
        replies
    }

    #[tokio::test]
    async fn a_raw_conversation_is_understood_and_dots_are_unstuffed() {
        let s = sink().await;
        let replies = talk(
            s.addr(),
            &[
                "EHLO client.example",
                "MAIL FROM:<sam@agency.example> BODY=8BITMIME",
                "RCPT TO:<ann@customer.example>",
                "RCPT TO:<bob@customer.example>",
                "DATA",
                "Message-ID: <raw-1@agency.example>",
                "Subject: dots",
                "",
                "..a line that began with a dot",
                "...two dots",
                "normal",
                ".",
                "NOOP",
                "RSET",
                "QUIT",
            ],
        )
        .await;
        assert!(replies.iter().any(|r| r == "250-8BITMIME"), "{replies:?}");
        assert!(replies.iter().any(|r| r == "250-SMTPUTF8"), "{replies:?}");
        assert!(replies.iter().any(|r| r.starts_with("250 2.0.0 OK queued")), "{replies:?}");
        assert_eq!(replies.last().unwrap(), "221 2.0.0 Bye");
        let m = &s.messages()[0];
        assert_eq!(m.rcpt_to, ["ann@customer.example", "bob@customer.example"]);
        assert_eq!(m.message_id.as_deref(), Some("<raw-1@agency.example>"));
        assert_eq!(m.helo.as_deref(), Some("client.example"));
        let body = String::from_utf8(m.raw.clone()).unwrap();
        assert!(body.ends_with("\r\n.a line that began with a dot\r\n..two dots\r\nnormal\r\n"), "{body:?}");
        assert_eq!(s.count_by_message_id("<raw-1@agency.example>"), 1);
    }

    #[tokio::test]
    async fn commands_out_of_order_are_refused() {
        let s = sink().await;
        let replies = talk(s.addr(), &["MAIL FROM:<a@b.example>", "HELO x", "RCPT TO:<c@d.example>", "DATA", "MAIL FROM:bad", "BOGUS", "AUTH CRAM-MD5"]).await;
        assert!(replies[1].starts_with("503"), "{replies:?}");
        assert!(replies[3].starts_with("503"), "{replies:?}");
        assert!(replies[4].starts_with("503"), "{replies:?}");
        assert!(replies[5].starts_with("501"), "{replies:?}");
        assert!(replies[6].starts_with("500"), "{replies:?}");
        assert!(replies[7].starts_with("504"), "{replies:?}");
        assert_eq!(s.count(), 0);
    }

    #[tokio::test]
    async fn auth_login_and_plain_accept_any_credentials() {
        let s = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { require_auth: true, ..Default::default() }).await.unwrap();
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let replies = talk(s.addr(), &["EHLO x", "MAIL FROM:<a@b.example>", "AUTH LOGIN", &b64("sam"), &b64("pw"), "MAIL FROM:<a@b.example>"]).await;
        assert!(replies.iter().any(|r| r.starts_with("530")), "{replies:?}");
        assert!(replies.iter().any(|r| r.starts_with("235")), "{replies:?}");
        assert!(replies.last().unwrap().starts_with("250"), "{replies:?}");
        let plain = b64("\0kim\0secret");
        talk(s.addr(), &["EHLO x", &format!("AUTH PLAIN {plain}")]).await;
        assert_eq!(s.logins(), ["sam", "kim"]);
    }

    #[tokio::test]
    async fn a_signed_email_crosses_smtp_intact_and_still_verifies() {
        let dir = std::env::temp_dir().join(format!("aos-sink-{}", uuid::Uuid::new_v4()));
        let s = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { dir: Some(dir.clone()), ..Default::default() }).await.unwrap();
        let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
        let record = dns_record("agency.example", "s1", &key).unwrap();
        let signer = DkimSigner::new("agency.example", "s1", &key).unwrap();

        let mut email = sample();
        email.subject = "Grüße — ☕ café".into();
        // Lines that need dot-stuffing on the wire, including a lone dot.
        email.text = "Hi Ann,\n.\n.starts with a dot\n..two\nbye".into();
        email.html = Some("<p>Hi Ann</p>\n.<p>dot</p>".into());
        let composed = compose(&email).unwrap();
        let signed = signer.sign(&composed.raw).unwrap();

        let mailer = SmtpMailer::new(&SmtpSettings::local(s.addr().port())).unwrap();
        mailer.send(&signed, &composed.envelope).await.unwrap();

        let got = &s.messages()[0];
        assert_eq!(got.raw, signed, "the bytes arrive exactly as sent");
        assert_eq!(got.message_id.as_deref(), Some(email.message_id.as_str()));
        assert_eq!(got.rcpt_to, ["ann@customer.example"]);
        assert_eq!(mail_auth_verify(&got.raw, &FakeDns::with(&[&record])).await, [mail_auth::DkimResult::Pass]);
        assert!(dkimpy_verify(&got.raw, &record));
        let parsed = mail_parser::MessageParser::default().parse(&got.raw).unwrap();
        assert_eq!(parsed.subject(), Some("Grüße — ☕ café"));
        let text = parsed.body_text(0).unwrap().replace("\r\n", "\n");
        assert!(text.contains("Hi Ann,\n.\n.starts with a dot\n..two\nbye"), "{text:?}");
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        assert_eq!(files.len(), 1);
        assert!(files[0].extension().unwrap() == "eml");
        assert_eq!(std::fs::read(&files[0]).unwrap(), signed);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn raw_8bit_utf8_headers_are_kept_byte_for_byte() {
        let s = sink().await;
        let raw = "From: sam@agency.example\r\nTo: ann@customer.example\r\nSubject: Grüße aus Köln ☕\r\nMessage-ID: <u8@agency.example>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nMüller, ça va?\r\n";
        let env = lettre::address::Envelope::new(Some("sam@agency.example".parse().unwrap()), vec!["ann@customer.example".parse().unwrap()]).unwrap();
        let mailer = SmtpMailer::new(&SmtpSettings::local(s.addr().port())).unwrap();
        mailer.send(raw.as_bytes(), &env).await.unwrap();
        assert_eq!(s.messages()[0].raw, raw.as_bytes());
    }

    #[tokio::test]
    async fn hundreds_of_messages_over_concurrent_connections() {
        let s = sink().await;
        let started = std::time::Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..8 {
            let port = s.addr().port();
            tasks.push(tokio::spawn(async move {
                let mut settings = SmtpSettings::local(port);
                settings.max_connections = 1;
                let mailer = SmtpMailer::new(&settings).unwrap();
                for i in 0..50 {
                    let raw = format!("From: sam@agency.example\r\nTo: ann@customer.example\r\nSubject: n\r\nMessage-ID: <w{worker}-{i}@agency.example>\r\n\r\nhello {i}\r\n");
                    let env = lettre::address::Envelope::new(Some("sam@agency.example".parse().unwrap()), vec!["ann@customer.example".parse().unwrap()]).unwrap();
                    mailer.send(raw.as_bytes(), &env).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert!(s.wait_for_count(400, Duration::from_secs(5)).await);
        let elapsed = started.elapsed();
        assert_eq!(s.count(), 400);
        assert_eq!(s.count_by_message_id("<w3-17@agency.example>"), 1);
        assert!(s.connections() >= 8);
        // About 2 s (200 messages/s, client and server in one debug-built process) on the
        // 2-core development machine; the bound leaves room for a busy machine while still
        // catching a sink that serialises connections or stalls per message.
        assert!(elapsed < Duration::from_secs(8), "400 messages took {elapsed:?}");
    }

    /// A raw IMAP conversation: one command per line, every byte the server sent back.
    async fn imap_talk(addr: SocketAddr, commands: &[&str]) -> Vec<u8> {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        let mut got = Vec::new();
        r.read_until(b'\n', &mut got).await.unwrap();
        for (i, c) in commands.iter().enumerate() {
            let tag = format!("t{i} ");
            w.write_all(format!("{tag}{c}\r\n").as_bytes()).await.unwrap();
            loop {
                let mut line = Vec::new();
                if r.read_until(b'\n', &mut line).await.unwrap() == 0 {
                    return got;
                }
                got.extend_from_slice(&line);
                if line.starts_with(tag.as_bytes()) {
                    break;
                }
            }
        }
        got
    }

    #[tokio::test]
    async fn imap_uid_fetch_returns_bodies_as_exact_literals_and_honours_star_ranges() {
        let s = sink().await;
        let env = lettre::address::Envelope::new(Some("a@b.example".parse().unwrap()), vec!["c@d.example".parse().unwrap()]).unwrap();
        let mailer = SmtpMailer::new(&SmtpSettings::local(s.addr().port())).unwrap();
        let bodies: Vec<Vec<u8>> = vec![
            b"Message-ID: <1@x.example>\r\n\r\none\r\n".to_vec(),
            b"Message-ID: <2@x.example>\r\nSubject: caf\xc3\xa9 {5}\r\n\r\n.dot\r\n) ( \"quoted\"\r\n".to_vec(),
            b"Message-ID: <3@x.example>\r\n\r\nthree\r\n".to_vec(),
        ];
        for b in &bodies {
            mailer.send(b, &env).await.unwrap();
        }
        let imap = s.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let got = imap_talk(imap, &["LOGIN u p", "EXAMINE INBOX", "UID FETCH 2:* (UID RFC822.SIZE BODY.PEEK[])", "UID FETCH 9:* (UID RFC822.SIZE)", "UID FETCH 1,3 (FLAGS)", "UID FETCH x:y (UID)", "LOGOUT"]).await;
        let mut want = Vec::new();
        want.extend_from_slice(format!("* 2 FETCH (UID 2 RFC822.SIZE {0} BODY[] {{{0}}}\r\n", bodies[1].len()).as_bytes());
        want.extend_from_slice(&bodies[1]);
        want.extend_from_slice(format!(")\r\n* 3 FETCH (UID 3 RFC822.SIZE {0} BODY[] {{{0}}}\r\n", bodies[2].len()).as_bytes());
        want.extend_from_slice(&bodies[2]);
        want.extend_from_slice(b")\r\nt2 OK UID FETCH completed\r\n");
        assert!(got.windows(want.len()).any(|w| w == want), "{}", String::from_utf8_lossy(&got));
        let text = String::from_utf8_lossy(&got);
        assert!(text.contains("[UIDVALIDITY 1]") && text.contains("[READ-ONLY]"), "{text}");
        // 9:* names the last message when 9 is above the highest UID (RFC 3501).
        assert!(text.contains(&format!("* 3 FETCH (UID 3 RFC822.SIZE {})\r\nt3 OK", bodies[2].len())), "{text}");
        assert!(text.contains("* 1 FETCH (UID 1 FLAGS ())\r\n* 3 FETCH (UID 3 FLAGS ())\r\nt4 OK"), "{text}");
        assert!(text.contains("t5 BAD"), "{text}");

        s.set_imap_uidvalidity(7);
        s.refuse_imap_login("locked@x.example");
        let got = imap_talk(imap, &["LOGIN locked@x.example p", "EXAMINE INBOX", "LOGIN u p", "EXAMINE INBOX"]).await;
        let text = String::from_utf8_lossy(&got);
        assert!(text.contains("t0 NO [AUTHENTICATIONFAILED]") && text.contains("t1 NO log in first"), "{text}");
        assert!(text.contains("[UIDVALIDITY 7]"), "{text}");
        assert_eq!(s.count(), 3, "reading changes nothing");
    }

    #[test]
    fn the_message_id_is_found_even_when_folded() {
        assert_eq!(message_id_of(b"Subject: x\r\nmessage-id:\r\n <a@b>\r\n\r\nbody"), Some("<a@b>".into()));
        assert_eq!(message_id_of(b"Subject: x\r\n\r\nMessage-ID: <not@header>"), None);
    }
}
