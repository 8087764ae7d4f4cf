//! The command-line tools, run as a user would run them.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_agency-os"))
}

#[test]
fn check_email_prints_one_json_object_per_address() {
    let out = bin().args(["check-email", "ann@example.com", "info@example.com", "not an address"]).output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["address"], "ann@example.com");
    assert_eq!(lines[0]["verdict"], "deliverable");
    assert_eq!(lines[1]["verdict"], "risky");
    assert_eq!(lines[2]["verdict"], "invalid");
    assert!(lines[2]["reason"].as_str().unwrap().len() > 3);
}

#[test]
fn parse_bounce_reports_each_file_and_names_unreadable_ones() {
    let dir = std::env::temp_dir().join(format!("aos-bounce-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dsn = dir.join("dsn.eml");
    let dsn_text = r#"From: MAILER-DAEMON@mx.example.net
To: sender@example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Delivery failed.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; gone@example.org
Action: failed
Status: 5.1.1

Final-Recipient: rfc822; later@example.org
Action: delayed
Status: 4.4.1
--B--
"#;
    std::fs::write(&dsn, dsn_text.replace('\n', "\r\n")).unwrap();
    let plain = dir.join("reply.eml");
    std::fs::write(&plain, "From: a@example.com\r\nSubject: Re: hello\r\n\r\nSounds good, talk Tuesday.\r\n").unwrap();
    let out = bin().arg("parse-bounce").arg(&dsn).arg(&plain).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["permanent"], serde_json::json!(["gone@example.org"]));
    assert_eq!(lines[0]["temporary"], serde_json::json!(["later@example.org"]));
    assert_eq!(lines[1]["permanent"], serde_json::json!([]));
    assert_eq!(lines[1]["file"], plain.to_string_lossy().as_ref());
    let out = bin().args(["parse-bounce", "/no/such/file.eml"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.eml"));
}

#[test]
fn classify_reply_reads_one_reply_on_stdin() {
    use std::io::Write;
    let mut child = bin()
        .args(["classify-reply", "--today", "2026-03-04"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"I'm out of the office until Monday 16 March, back then.\n\nOn Tue, 3 Mar 2026, Dani <dani@agency.example> wrote:\n> Worth a call?\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["intent"], "out_of_office");
    assert_eq!(lines[0]["return_date"], "2026-03-16");
    let confidence = lines[0]["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));
}

#[test]
fn classify_reply_jsonl_answers_every_line_and_fails_at_the_end_on_a_bad_one() {
    use std::io::Write;
    let input = [
        r#"{"text": "Please remove me from your list."}"#,
        r#"{"text": "Ich bin bis einschließlich 13. März nicht im Büro.", "subject": "Automatische Antwort: Kurze Frage", "headers": {"Auto-Submitted": "auto-replied"}}"#,
        r#"{"text": "back Monday", "headers": [["X-Autoreply", "yes"]]}"#,
        "this is not json",
        r#"{"subject": "no text"}"#,
        r#"{"text": "How much does it cost?"}"#,
    ]
    .join("\n");
    let mut child = bin()
        .args(["classify-reply", "--jsonl", "--today", "2026-03-04"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["intent"], "unsubscribe");
    assert_eq!(lines[0]["return_date"], serde_json::Value::Null);
    assert_eq!(lines[1]["intent"], "out_of_office");
    assert_eq!(lines[1]["return_date"], "2026-03-13");
    // "back Monday" from a machine, counted from --today (a Wednesday).
    assert_eq!(lines[2]["intent"], "out_of_office");
    assert_eq!(lines[2]["return_date"], "2026-03-09");
    assert!(lines[3]["error"].as_str().unwrap().contains("line 4"));
    assert!(lines[4]["error"].as_str().unwrap().contains("line 5"));
    assert_eq!(lines[5]["intent"], "question");
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 of 6"));
}

#[test]
fn classify_reply_refuses_a_malformed_date() {
    let out = bin().args(["classify-reply", "--today", "04/03/2026"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
}

#[test]
fn a_malformed_setting_stops_the_program_naming_the_variable() {
    let out = bin().arg("migrate").env("AGENCY_OS_DB_MAX_CONNECTIONS", "zero").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AGENCY_OS_DB_MAX_CONNECTIONS"), "{err}");
    assert!(err.contains("whole number"), "{err}");
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["serve", "migrate", "demo", "check-email", "parse-bounce", "classify-reply", "poll-bounces", "dkim-sign", "dkim-keygen", "smtp-sink", "call-window", "suppress"] {
        let out = bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        assert!(!out.stdout.is_empty());
    }
    let out = bin().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("DATABASE_URL"));
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("aos-cli-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// dkimpy's verdict on `signed`, answering its DNS query with `record`.
fn dkimpy_verifies(signed: &[u8], name: &str, value: &str) -> bool {
    let script = "import sys, dkim\nname, value = sys.argv[1], sys.argv[2]\n\
        def dns(q, timeout=5):\n    q = q.decode() if isinstance(q, bytes) else q\n    return value.encode() if q.rstrip('.') == name else None\n\
        try:\n    ok = dkim.verify(sys.stdin.buffer.read(), dnsfunc=dns)\nexcept dkim.DKIMException:\n    ok = False\n\
        print('PASS' if ok else 'FAIL')\n";
    use std::io::Write;
    let mut child = Command::new("python3")
        .args(["-c", script, name, value])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(signed).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dkimpy (pip install dkimpy pynacl): {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim() == "PASS"
}

const MESSAGE: &str = "From: Sam <sam@agency.example>\r\nTo: ann@customer.example\r\nSubject: Hello\r\nMessage-ID: <cli-1@agency.example>\r\n\r\nHi Ann,\r\nworth a chat?\r\n";

#[test]
fn dkim_keygen_writes_a_key_and_prints_the_record_that_verifies_dkim_sign_output() {
    let dir = scratch("dkim");
    for algorithm in ["ed25519", "rsa"] {
        let key = dir.join(format!("{algorithm}.pem"));
        let out = bin()
            .args(["dkim-keygen", "--algorithm", algorithm, "--domain", "agency.example", "--selector", "s1", "--out"])
            .arg(&key)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let printed = String::from_utf8(out.stdout).unwrap();
        assert!(printed.contains("name:  s1._domainkey.agency.example"), "{printed}");
        let value = printed.lines().find_map(|l| l.trim().strip_prefix("value: ")).unwrap().to_string();
        assert!(value.starts_with(&format!("v=DKIM1; k={algorithm}; p=")), "{value}");
        let pem = std::fs::read_to_string(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // Never overwrites a key that may already be published.
        let again = bin().args(["dkim-keygen", "--algorithm", algorithm, "--domain", "agency.example", "--selector", "s1", "--out"]).arg(&key).output().unwrap();
        assert_eq!(again.status.code(), Some(2));
        assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);

        let signed = run_with_stdin(&["dkim-sign", "--domain", "agency.example", "--selector", "s1", "--algorithm", algorithm, "--key", key.to_str().unwrap()], MESSAGE.as_bytes());
        assert!(signed.status.success(), "{}", String::from_utf8_lossy(&signed.stderr));
        assert!(signed.stdout.starts_with(b"DKIM-Signature:"));
        assert!(signed.stdout.ends_with(MESSAGE.as_bytes()));
        assert!(dkimpy_verifies(&signed.stdout, "s1._domainkey.agency.example", &value), "{algorithm}");
        let tampered = String::from_utf8(signed.stdout.clone()).unwrap().replace("worth a chat", "worth a call");
        assert!(!dkimpy_verifies(tampered.as_bytes(), "s1._domainkey.agency.example", &value));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dkim_sign_refuses_bad_input_with_status_2_and_a_clear_message() {
    let dir = scratch("dkim-bad");
    let ed = dir.join("ed.pem");
    assert!(bin().args(["dkim-keygen", "--domain", "agency.example", "--selector", "s1", "--out"]).arg(&ed).output().unwrap().status.success());
    let ec = dir.join("ec.pem");
    std::fs::write(&ec, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiKjUlPnJ080aXRqL\n8SC+xekVcWcCWg+s98MoeIolbruhRANCAATUSAdwHbGM71s9GplEjQRLqdA/D4fX\nSFZbM2wSR4nIced1JLsysMzVIK+rkN+5TFsGUWsydO5rfmNTNbmGtWwO\n-----END PRIVATE KEY-----\n").unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, "just some notes").unwrap();
    let missing = dir.join("missing.pem");
    let cases: Vec<(Vec<String>, &[u8], &str)> = vec![
        (vec!["--key".into(), missing.to_string_lossy().into()], MESSAGE.as_bytes(), "cannot read the key file"),
        (vec!["--key".into(), text.to_string_lossy().into()], MESSAGE.as_bytes(), "not PEM"),
        (vec!["--key".into(), ec.to_string_lossy().into()], MESSAGE.as_bytes(), "unsupported type"),
        (vec!["--key".into(), ed.to_string_lossy().into(), "--algorithm".into(), "rsa".into()], MESSAGE.as_bytes(), "is ed25519 but rsa was asked for"),
        (vec!["--key".into(), ed.to_string_lossy().into()], b"", "empty"),
        (vec!["--key".into(), ed.to_string_lossy().into()], b"Subject: no sender\r\n\r\nbody\r\n", "no From header"),
    ];
    for (extra, stdin, expected) in cases {
        let mut args = vec!["dkim-sign", "--domain", "agency.example", "--selector", "s1"];
        args.extend(extra.iter().map(String::as_str));
        let out = run_with_stdin(&args, stdin);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(expected), "{extra:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn smtp_sink_accepts_messages_and_writes_them_to_the_directory() {
    use std::io::{BufRead, BufReader, Write};
    let dir = scratch("sink");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = bin()
        .args(["smtp-sink", "--addr", &format!("127.0.0.1:{port}"), "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.contains(&format!("listening on 127.0.0.1:{port}")), "{first}");

    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut w = stream;
    let mut reply = || loop {
        let mut l = String::new();
        reader.read_line(&mut l).unwrap();
        if l.as_bytes().get(3) != Some(&b'-') {
            break l;
        }
    };
    assert!(reply().starts_with("220"));
    for (cmd, code) in [("EHLO me", "250"), ("MAIL FROM:<sam@agency.example>", "250"), ("RCPT TO:<ann@customer.example>", "250"), ("DATA", "354")] {
        w.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
        let r = reply();
        assert!(r.starts_with(code), "{cmd}: {r}");
    }
    w.write_all(MESSAGE.as_bytes()).unwrap();
    w.write_all(b".\r\n").unwrap();
    assert!(reply().starts_with("250"));
    w.write_all(b"QUIT\r\n").unwrap();

    let line = lines.next().unwrap().unwrap();
    assert!(line.contains("<cli-1@agency.example>") && line.contains("<ann@customer.example>"), "{line}");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0]).unwrap(), MESSAGE.as_bytes());
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(dir).unwrap();

    // A port that is taken is bad input.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let out = bin().args(["smtp-sink", "--addr", &taken.local_addr().unwrap().to_string()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen"));
}

/// The operator's platform-wide stop, run as the operator runs it, against a fresh database.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn emergency_stop_on_and_off_sets_the_platform_switch_with_its_reason(pool: sqlx::PgPool) {
    let db = pool.connect_options().get_database().unwrap().to_string();
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let data = std::env::temp_dir().join(format!("aos-stop-{}", std::process::id()));
    let run = |args: &[&str]| bin().args(args).env("DATABASE_URL", &url).env("AGENCY_OS_DATA_DIR", &data).env("AGENCY_OS_LOG", "error").output().unwrap();

    let out = run(&["emergency-stop", "on", "--reason", "provider incident"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Emergency stop is ON"));
    let row: (bool, Option<String>) = sqlx::query_as("select emergency_stop, stop_reason from platform_settings").fetch_one(&pool).await.unwrap();
    assert_eq!(row, (true, Some("provider incident".into())));

    let out = run(&["emergency-stop", "off"]);
    assert!(out.status.success());
    let row: (bool, Option<String>) = sqlx::query_as("select emergency_stop, stop_reason from platform_settings").fetch_one(&pool).await.unwrap();
    assert_eq!(row, (false, None));
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action like 'platform.emergency_stop%'").fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 2);

    let out = run(&["emergency-stop", "maybe"]);
    assert!(!out.status.success(), "only on or off");
}

#[path = "cli/dispatch.rs"]
mod dispatch;

#[path = "cli/bounces.rs"]
mod bounces;

#[path = "../../engine/tests/site/support.rs"]
mod site_support;

#[path = "cli/discover.rs"]
mod discover;

#[path = "cli/plan.rs"]
mod plan;

#[path = "../../engine/tests/shared/generated_csv.rs"]
mod generated_csv;

#[path = "cli/crash.rs"]
mod crash;

#[path = "cli/calling.rs"]
mod calling;
