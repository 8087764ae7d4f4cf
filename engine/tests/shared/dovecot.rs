//! A private, real Dovecot for tests that must meet a real IMAP server (issue 11 §2): one
//! instance per test, in its own temporary directory, on free 127.0.0.1 ports, stopped when
//! the value is dropped. It speaks IMAP with STARTTLS ([`Dovecot::starttls_port`]) and IMAPS
//! with TLS from the first byte ([`Dovecot::tls_port`]), with a certificate for 127.0.0.1 and
//! `localhost` signed by a CA made at start-up (openssl CLI), which the product's IMAP client
//! is told to trust (`engine::email::imap::trust_extra_roots_pem`; verification stays on). Users
//! live in a passwd-file ([`Dovecot::add_user`]), mail in a maildir under the directory; mail
//! arrives over LMTP as from an MTA ([`Dovecot::deliver`]); `doveadm` reads flags back
//! ([`Dovecot::flags`]) independently of our client.
//!
//! Use from any test binary:
//! ```ignore
//! #[path = "../shared/dovecot.rs"]
//! mod dovecot;
//!
//! let Some(dovecot) = dovecot::Dovecot::start().await else { return }; // skipped: not installed
//! dovecot.add_user("sam@northwind.example", "app-password");
//! dovecot.deliver("sam@northwind.example", raw_bytes).await;
//! // point the mailbox at 127.0.0.1:dovecot.tls_port() with imap_security 'tls'
//! // (or dovecot.starttls_port() with 'starttls')
//! ```
//! `scripts/test.sh` installs Dovecot (`install_dovecot` in scripts/lib.sh). Without it a test
//! is skipped with a message, except under `CI=true`, where a missing Dovecot fails the test.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where Debian puts the binaries (`/usr/sbin` is not on every test runner's PATH).
const DOVECOT: &[&str] = &["/usr/sbin/dovecot", "dovecot"];
const DOVEADM: &[&str] = &["/usr/bin/doveadm", "doveadm"];

pub struct Dovecot {
    dir: PathBuf,
    config: PathBuf,
    master: Child,
    starttls: u16,
    tls: u16,
    lmtp: u16,
    /// PEM of the CA that signed the server's certificate.
    pub ca_pem: Vec<u8>,
    /// uid:gid the mail is stored as.
    owner: (u32, u32),
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates.iter().find(|c| Command::new(c).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()).map(|c| c.to_string())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// The effective uid/gid of this process (what `/proc/self` is owned by).
fn whoami() -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata("/proc/self").unwrap();
    (m.uid(), m.gid())
}

impl Dovecot {
    /// Starts a private instance, or returns `None` (after saying so) when Dovecot is not
    /// installed and `CI` is not `true`; under CI a missing Dovecot is a failure.
    pub async fn start() -> Option<Self> {
        let Some(dovecot) = find(DOVECOT) else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("Dovecot is not installed (scripts/test.sh installs it: apt-get install dovecot-imapd dovecot-lmtpd)");
            }
            eprintln!("SKIPPED: Dovecot is not installed; `apt-get install dovecot-imapd dovecot-lmtpd` (or scripts/test.sh) runs this test");
            return None;
        };
        // A port picked free can be taken before Dovecot binds it: try again with others.
        for attempt in 0.. {
            match Self::try_start(&dovecot).await {
                Ok(d) => return Some(d),
                Err(e) if attempt < 3 => eprintln!("dovecot did not start ({e}); trying other ports"),
                Err(e) => panic!("dovecot did not start: {e}"),
            }
        }
        unreachable!()
    }

    async fn try_start(dovecot: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("agency-os-dovecot-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
        for sub in ["run", "state", "mail"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // Dovecot will not read mail as root: as root, the mail belongs to `nobody`; otherwise
        // it runs as this user throughout (its "rootless" mode).
        let me = whoami();
        let root = me.0 == 0;
        let owner = if root { (65534, 65534) } else { me };
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        if root {
            std::os::unix::fs::chown(dir.join("mail"), Some(owner.0), Some(owner.1)).unwrap();
        }
        let ca_pem = make_certificates(&dir);
        std::fs::write(dir.join("passwd"), "").unwrap();

        let (starttls, tls, lmtp) = (free_port(), free_port(), free_port());
        let d = dir.display();
        let users = if root {
            "default_login_user = dovenull\ndefault_internal_user = dovecot\n".to_string()
        } else {
            let name = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
            format!("default_login_user = {name}\ndefault_internal_user = {name}\n")
        };
        let config = format!(
            "# written by the test harness (engine/tests/shared/dovecot.rs)
base_dir = {d}/run
state_dir = {d}/state
instance_name = agency-os-test-{starttls}
log_path = {d}/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
{users}ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
"
        );
        let config_path = dir.join("dovecot.conf");
        std::fs::write(&config_path, config).unwrap();
        let master = Command::new(dovecot)
            .arg("-F")
            .arg("-c")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut d = Self { dir, config: config_path, master, starttls, tls, lmtp, ca_pem, owner };
        engine::email::imap::trust_extra_roots_pem(&d.ca_pem).expect("the test CA is a usable root");
        // Ready when the IMAP listener greets.
        for _ in 0..100 {
            if let Ok(Some(status)) = d.master.try_wait() {
                return Err(format!("dovecot exited with {status}: {}", d.log()));
            }
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", starttls)).await {
                let mut line = String::new();
                if tokio::time::timeout(Duration::from_secs(2), BufReader::new(stream).read_line(&mut line)).await.is_ok_and(|r| r.is_ok()) && line.starts_with("* OK") {
                    return Ok(d);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("dovecot did not greet on port {starttls}: {}", d.log()))
    }

    /// The port of plain IMAP, which requires STARTTLS before LOGIN.
    pub fn starttls_port(&self) -> u16 {
        self.starttls
    }

    /// The port of IMAPS (TLS from the first byte).
    pub fn tls_port(&self) -> u16 {
        self.tls
    }

    /// The host name the certificate is for (and the instance listens on).
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// Adds a login (its INBOX is created on first delivery or login).
    pub fn add_user(&self, user: &str, password: &str) {
        assert!(!user.contains([':', '\n']) && !password.contains([':', '\n']), "not for a passwd-file");
        let home = self.dir.join("mail").join(user);
        let line = format!("{user}:{{PLAIN}}{password}:{}:{}::{}::\n", self.owner.0, self.owner.1, home.display());
        let mut passwd = std::fs::read_to_string(self.dir.join("passwd")).unwrap();
        passwd.push_str(&line);
        // Replaced whole, so Dovecot never reads a half-written file.
        let tmp = self.dir.join("passwd.tmp");
        std::fs::write(&tmp, passwd).unwrap();
        std::fs::rename(tmp, self.dir.join("passwd")).unwrap();
    }

    /// Delivers `raw` to `to`'s INBOX over LMTP, as an MTA hands over incoming mail (null
    /// reverse path, as bounces have). Panics when Dovecot does not accept it.
    pub async fn deliver(&self, to: &str, raw: &[u8]) {
        let stream = TcpStream::connect(("127.0.0.1", self.lmtp)).await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, expect: &str) {
            loop {
                let mut line = String::new();
                r.read_line(&mut line).await.unwrap();
                assert!(line.starts_with(expect), "LMTP: expected {expect}, got {line:?}");
                // `250-` continues, `250 ` ends a reply.
                if line.as_bytes().get(3) != Some(&b'-') {
                    return;
                }
            }
        }
        reply(&mut r, "220").await;
        for (cmd, expect) in [("LHLO agency-os-test", "250"), ("MAIL FROM:<>", "250"), (&*format!("RCPT TO:<{to}>"), "250"), ("DATA", "354")] {
            w.write_all(format!("{cmd}\r\n").as_bytes()).await.unwrap();
            reply(&mut r, expect).await;
        }
        let mut data = Vec::with_capacity(raw.len() + 16);
        for line in raw.split_inclusive(|&b| b == b'\n') {
            if line.starts_with(b".") {
                data.push(b'.');
            }
            data.extend_from_slice(line);
        }
        if !data.ends_with(b"\r\n") {
            data.extend_from_slice(b"\r\n");
        }
        data.extend_from_slice(b".\r\nQUIT\r\n");
        w.write_all(&data).await.unwrap();
        reply(&mut r, "250").await;
    }

    /// `(uid, flags)` of every message in `user`'s INBOX, read by doveadm (not by our client).
    pub fn flags(&self, user: &str) -> Vec<(u32, String)> {
        let doveadm = find(DOVEADM).expect("doveadm comes with dovecot-core");
        let out = Command::new(doveadm).arg("-c").arg(&self.config).args(["fetch", "-u", user, "uid flags", "mailbox", "INBOX", "all"]).output().unwrap();
        assert!(out.status.success(), "doveadm fetch: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let mut found = Vec::new();
        let mut uid = None;
        for line in text.lines() {
            if let Some(n) = line.strip_prefix("uid: ") {
                uid = n.trim().parse().ok();
            } else if let Some(f) = line.strip_prefix("flags:") {
                found.push((uid.take().expect("uid before flags"), f.trim().to_string()));
            }
        }
        found
    }

    /// Dovecot's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; then the directory goes.
        let _ = Command::new("kill").arg(self.master.id().to_string()).status();
        for _ in 0..50 {
            if matches!(self.master.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.master.kill();
        let _ = self.master.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA and a server certificate for 127.0.0.1 and localhost signed by it (a self-signed leaf
/// would not do: webpki refuses a CA certificate as the server's own). Returns the CA's PEM.
fn make_certificates(dir: &Path) -> Vec<u8> {
    let p = |f: &str| dir.join(f);
    run(Command::new("openssl").args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Agency OS test CA"]).arg("-keyout").arg(p("ca.key")).arg("-out").arg(p("ca.pem")).args(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]));
    run(Command::new("openssl").args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost"]).arg("-keyout").arg(p("key.pem")).arg("-out").arg(p("req.csr")));
    std::fs::write(p("ext.cnf"), "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n").unwrap();
    run(Command::new("openssl").args(["x509", "-req", "-days", "2"]).arg("-in").arg(p("req.csr")).arg("-CA").arg(p("ca.pem")).arg("-CAkey").arg(p("ca.key")).arg("-CAcreateserial").arg("-out").arg(p("cert.pem")).arg("-extfile").arg(p("ext.cnf")));
    std::fs::read(p("ca.pem")).unwrap()
}
