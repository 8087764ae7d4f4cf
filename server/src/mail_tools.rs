//! The email command-line tools: `dkim-sign`, `dkim-keygen` and `smtp-sink`. Thin: they read
//! files and standard input, call `engine::email`, and print.

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
