//! The email command-line tools: `dkim-sign`, `dkim-keygen`, `smtp-sink` and `classify-reply`.
//! Thin: they read files and standard input, call `engine::email` or `domain`, and print.

use crate::cli::BadInput;
use engine::email::dkim::{dns_record, DkimAlgorithm, DkimPrivateKey, DkimSigner};
use engine::email::sink::{SinkOptions, SmtpSink};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

fn bad(message: impl Into<String>) -> anyhow::Error {
    BadInput(message.into()).into()
}

fn algorithm(raw: &str) -> anyhow::Result<DkimAlgorithm> {
    raw.parse().map_err(bad)
}

pub fn dkim_sign(domain: &str, selector: &str, key_file: &Path, expected: Option<&str>) -> anyhow::Result<()> {
    let pem = std::fs::read_to_string(key_file).map_err(|e| bad(format!("cannot read the key file {}: {e}", key_file.display())))?;
    let mut key = DkimPrivateKey::from_pem(&pem).map_err(|e| bad(format!("{}: {e}", key_file.display())))?;
    if let Some(a) = expected {
        key = key.expect(algorithm(a)?).map_err(|e| bad(format!("{}: {e}", key_file.display())))?;
    }
    let signer = DkimSigner::new(domain, selector, &key).map_err(|e| bad(e.to_string()))?;
    let mut message = Vec::new();
    std::io::stdin().read_to_end(&mut message)?;
    let signed = signer.sign(&message).map_err(|e| bad(format!("standard input: {e}")))?;
    let mut out = std::io::stdout().lock();
    out.write_all(&signed)?;
    out.flush()?;
    Ok(())
}

pub fn dkim_keygen(algo: &str, domain: &str, selector: &str, out: &Path) -> anyhow::Result<()> {
    let key = DkimPrivateKey::generate(algorithm(algo)?)?;
    let record = dns_record(domain, selector, &key).map_err(|e| bad(e.to_string()))?;
    write_private(out, key.to_pem().as_bytes())?;
    println!("Private key written to {}.", out.display());
    println!("Publish this DNS TXT record:");
    println!("  name:  {}", record.name);
    println!("  value: {}", record.value);
    println!("Zone file form:");
    println!("{record}");
    Ok(())
}

/// Creates the file readable by its owner only, refusing to replace an existing one (a key
/// already published in DNS would be lost).
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => bad(format!("{} already exists; choose another --out (it may be a key in use)", path.display())),
        _ => bad(format!("cannot create {}: {e}", path.display())),
    })?;
    f.write_all(bytes)?;
    Ok(())
}

pub async fn smtp_sink(addr: std::net::SocketAddr, dir: Option<PathBuf>, imap_addr: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    let sink = SmtpSink::start(addr, SinkOptions { dir: dir.clone(), ..Default::default() })
        .await
        .map_err(|e| bad(format!("cannot listen on {addr}: {e}")))?;
    println!("SMTP sink listening on {}{}", sink.addr(), dir.map(|d| format!(", writing messages to {}", d.display())).unwrap_or_default());
    if let Some(imap) = imap_addr {
        let bound = sink.serve_imap(imap).await.map_err(|e| bad(format!("cannot listen on {imap}: {e}")))?;
        println!("IMAP on {bound}");
    }
    let mut seen = 0;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = sink.wait_for_count(seen + 1, std::time::Duration::from_secs(1)) => {
                for m in sink.messages_since(seen) {
                    seen += 1;
                    println!(
                        "#{seen} {} from <{}> to {} ({} bytes)",
                        m.message_id.as_deref().unwrap_or("(no Message-ID)"),
                        m.mail_from,
                        m.rcpt_to.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(", "),
                        m.raw.len()
                    );
                }
                std::io::stdout().flush()?;
            }
        }
    }
    println!("Stopped after {seen} message(s).");
    Ok(())
}

/// `--today 2026-03-04`.
pub fn parse_day(raw: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| format!("expected a date as YYYY-MM-DD, got {raw:?}"))
}

/// A reply longer than this is cut: the author's words come first, the rest is quoted history.
const MAX_REPLY_BYTES: usize = 256 * 1024;

/// One line of `classify-reply --jsonl`. Other fields (an id, a label) are ignored, so a
/// labelled file can be piped in as it is.
#[derive(serde::Deserialize)]
struct ReplyLine {
    text: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    headers: Headers,
    /// The day the reply arrived (YYYY-MM-DD or an RFC 2822 Date), for relative return dates.
    #[serde(default, alias = "received")]
    date: Option<String>,
}

fn day_of(raw: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .ok()
        .or_else(|| chrono::DateTime::parse_from_rfc2822(raw.trim()).ok().map(|d| d.date_naive()))
}

/// Headers as an object ({"Auto-Submitted": "auto-replied"}) or as [name, value] pairs (a
/// header may repeat).
#[derive(serde::Deserialize, Default)]
#[serde(untagged)]
enum Headers {
    #[default]
    None,
    Map(std::collections::BTreeMap<String, String>),
    Pairs(Vec<(String, String)>),
}

impl Headers {
    fn auto_submitted(&self) -> bool {
        match self {
            Headers::None => false,
            Headers::Map(m) => domain::reply::auto_submitted(m.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            Headers::Pairs(p) => domain::reply::auto_submitted(p.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        }
    }
}

fn classified(text: &str, subject: &str, auto_submitted: bool, today: chrono::NaiveDate) -> serde_json::Value {
    let cut = text.len().min(MAX_REPLY_BYTES);
    let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    // A whole message (headers, blank line, body) gives its own subject, Date and Auto-Submitted.
    let raw = domain::reply::raw_message(&text[..cut]);
    let subject = if subject.is_empty() { raw.subject.unwrap_or("") } else { subject };
    let received_on = raw.date.unwrap_or(today);
    let auto_submitted = auto_submitted || raw.auto_submitted;
    let c = domain::reply::classify(&domain::reply::Reply { subject, body: raw.body, received_on, auto_submitted });
    serde_json::json!({
        "intent": c.class.as_str(),
        "confidence": (f64::from(c.confidence) * 100.0).round() / 100.0,
        "return_date": c.return_date.map(|d| d.format("%Y-%m-%d").to_string()),
    })
}

pub fn classify_reply(jsonl: bool, today: chrono::NaiveDate) -> anyhow::Result<()> {
    use std::io::BufRead;
    let mut out = std::io::stdout().lock();
    if !jsonl {
        let mut raw = Vec::new();
        std::io::stdin().lock().take(MAX_REPLY_BYTES as u64).read_to_end(&mut raw)?;
        writeln!(out, "{}", classified(&String::from_utf8_lossy(&raw), "", false, today))?;
        return Ok(());
    }
    let mut failed = 0usize;
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        // Read at most one cap past the limit, so one enormous line cannot exhaust memory.
        let read = (&mut stdin).take(4 * MAX_REPLY_BYTES as u64 + 1).read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        number += 1;
        let too_long = line.len() > 4 * MAX_REPLY_BYTES && !line.ends_with(b"\n");
        if too_long {
            // Skip the rest of the line.
            let mut rest = Vec::new();
            while stdin.read_until(b'\n', &mut rest)? > 0 && !rest.ends_with(b"\n") {
                rest.clear();
            }
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let result = if too_long {
            Err(format!("line {number}: longer than {} bytes", 4 * MAX_REPLY_BYTES))
        } else {
            serde_json::from_str::<ReplyLine>(text.trim()).map_err(|e| format!("line {number}: not a reply object ({e})"))
        };
        match result {
            Ok(r) => {
                let day = r.date.as_deref().and_then(day_of).unwrap_or(today);
                writeln!(out, "{}", classified(&r.text, &r.subject, r.headers.auto_submitted(), day))?
            }
            Err(message) => {
                failed += 1;
                writeln!(out, "{}", serde_json::json!({ "error": message }))?;
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        return Err(bad(format!("{failed} of {number} line(s) could not be read")));
    }
    Ok(())
}
