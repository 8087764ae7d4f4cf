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
fn a_malformed_setting_stops_the_program_naming_the_variable() {
    let out = bin().arg("migrate").env("AGENCY_OS_DB_MAX_CONNECTIONS", "zero").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AGENCY_OS_DB_MAX_CONNECTIONS"), "{err}");
    assert!(err.contains("whole number"), "{err}");
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["serve", "migrate", "demo", "check-email", "parse-bounce"] {
        let out = bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        assert!(!out.stdout.is_empty());
    }
    let out = bin().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("DATABASE_URL"));
}
