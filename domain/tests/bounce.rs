//! The bounce parser over real returned messages (fixtures/bounces, see manifest.json) and
//! arbitrary bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use domain::bounce::{parse_bounce, parse_feedback_report, BounceReport};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    source: String,
    files: Vec<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    file: String,
    mta: String,
    permanent: Vec<String>,
    temporary: Vec<String>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces")
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(dir().join("manifest.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn every_sample_yields_the_recipients_in_its_manifest() {
    let manifest = manifest();
    assert!(!manifest.source.is_empty());
    let mut failures = Vec::new();
    for sample in &manifest.files {
        let raw = std::fs::read(dir().join(&sample.file)).unwrap();
        let got = parse_bounce(&raw);
        let want = BounceReport {
            permanent: sorted(sample.permanent.clone()),
            temporary: sorted(sample.temporary.clone()),
        };
        let got = BounceReport {
            permanent: sorted(got.permanent),
            temporary: sorted(got.temporary),
        };
        if got != want {
            failures.push(format!(
                "{} ({}): expected {want:?}, got {got:?}",
                sample.file, sample.mta
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_sample_file_is_in_the_manifest_and_the_mix_is_varied() {
    let manifest = manifest();
    let listed: Vec<&str> = manifest.files.iter().map(|s| s.file.as_str()).collect();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") {
            assert!(
                listed.contains(&name.as_str()),
                "{name} has no manifest entry"
            );
        }
    }
    let mut per_mta: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &manifest.files {
        *per_mta.entry(s.mta.as_str()).or_default() += 1;
    }
    assert!(manifest.files.len() >= 30, "{per_mta:?}");
    assert!(
        per_mta.get("not-a-bounce").copied().unwrap_or(0) >= 3,
        "{per_mta:?}"
    );
    for mta in [
        "rfc3464", "postfix", "exim", "qmail", "sendmail", "exchange", "yahoo", "gmail",
    ] {
        assert!(per_mta.contains_key(mta), "no {mta} sample");
    }
}

#[test]
fn non_bounces_in_the_samples_yield_nothing() {
    for sample in manifest().files.iter().filter(|s| s.mta == "not-a-bounce") {
        let raw = std::fs::read(dir().join(&sample.file)).unwrap();
        assert!(parse_bounce(&raw).is_empty(), "{}", sample.file);
    }
}

#[test]
fn truncated_samples_never_panic() {
    for sample in manifest().files {
        let raw = std::fs::read(dir().join(&sample.file)).unwrap();
        for cut in (0..raw.len()).step_by(97) {
            let _ = parse_bounce(&raw[..cut]);
        }
    }
}

#[test]
fn inputs_that_once_crashed_the_fuzzer_parse_quietly() {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            seen += 1;
            let _ = parse_bounce(&std::fs::read(&path).unwrap());
        }
    }
    assert!(seen >= 1);
}

/// Only the feedback-loop sample is a complaint; no bounce, reply or auto-reply in the corpus
/// is mistaken for one (a false complaint pauses a mailbox).
#[test]
fn only_feedback_reports_in_the_corpus_are_read_as_complaints() {
    for sample in &manifest().files {
        let raw = std::fs::read(dir().join(&sample.file)).unwrap();
        let report = parse_feedback_report(&raw);
        if sample.file.starts_with("arf-") {
            let r = report.unwrap_or_else(|| panic!("{} is a feedback report", sample.file));
            assert!(r.is_complaint(), "{}: {r:?}", sample.file);
        } else {
            assert_eq!(report, None, "{}", sample.file);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_bytes_make_the_feedback_reader_panic(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = parse_feedback_report(&raw);
    }

    #[test]
    fn no_bytes_make_the_parser_panic(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let report = parse_bounce(&raw);
        for a in &report.permanent {
            prop_assert!(!report.temporary.contains(a));
        }
    }

    #[test]
    fn bounce_shaped_noise_never_panics(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("Content-Type: multipart/report; report-type=delivery-status; boundary=b".to_owned()),
                Just("--b".to_owned()),
                Just("Content-Type: message/delivery-status".to_owned()),
                Just("Final-Recipient: rfc822; x@y.example".to_owned()),
                Just("Status: 5.1.1".to_owned()),
                Just("Action: failed".to_owned()),
                Just("Hi. This is the qmail-send program".to_owned()),
                Just("Subject: Undelivered Mail".to_owned()),
                Just("From: MAILER-DAEMON@mx.example".to_owned()),
                Just(String::new()),
                "[ -~\u{80}-\u{10FFFF}]{0,60}",
            ],
            0..40,
        )
    ) {
        let raw = lines.join("\r\n");
        let _ = parse_bounce(raw.as_bytes());
    }
}
