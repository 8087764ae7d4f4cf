//! Accuracy of the bounce parser on real bounce collections (fixtures/bounce-corpus/*): each
//! folder is one public corpus with a manifest of what every message says (see its
//! `labelling`). A message is read exactly when the permanent and temporary recipients are
//! the labelled ones, no more, no fewer (addresses compared case-insensitively).
//!
//! Run with `--nocapture` to see the rate per corpus and every message read wrongly.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use domain::bounce::parse_bounce;
use serde::Deserialize;

/// The share of messages that must be read exactly, over all corpora.
const REQUIRED: f64 = 0.95;
/// No single corpus may fall below this (a parser tuned to one collection fails here).
const REQUIRED_PER_CORPUS: f64 = 0.90;

#[derive(Deserialize)]
struct Manifest {
    source: String,
    labelling: String,
    samples: Vec<Sample>,
}

#[derive(Deserialize)]
struct Sample {
    file: String,
    permanent: Vec<String>,
    temporary: Vec<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounce-corpus")
}

fn corpora() -> Vec<(String, PathBuf, Manifest)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root()).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        let manifest: Manifest = serde_json::from_str(&text).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, dir, manifest));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn set(list: &[String]) -> BTreeSet<String> {
    list.iter().map(|a| a.to_ascii_lowercase()).collect()
}

#[test]
fn the_parser_reads_at_least_95_percent_of_real_bounces_exactly() {
    let mut total = (0usize, 0usize);
    let mut report = String::new();
    let mut weak = Vec::new();
    for (name, dir, manifest) in corpora() {
        assert!(!manifest.source.is_empty() && !manifest.labelling.is_empty());
        let mut exact = 0;
        let mut misses = Vec::new();
        for s in &manifest.samples {
            let raw = std::fs::read(dir.join(&s.file)).unwrap();
            let got = parse_bounce(&raw);
            let (gp, gt) = (set(&got.permanent), set(&got.temporary));
            if gp == set(&s.permanent) && gt == set(&s.temporary) {
                exact += 1;
            } else {
                misses.push(format!(
                    "    {}: expected permanent {:?} temporary {:?}, got permanent {gp:?} temporary {gt:?}",
                    s.file, s.permanent, s.temporary
                ));
            }
        }
        let n = manifest.samples.len();
        let rate = exact as f64 / n as f64;
        report.push_str(&format!(
            "{name:>10}: {exact}/{n} read exactly ({:.1} %)\n",
            rate * 100.0
        ));
        for m in &misses {
            report.push_str(m);
            report.push('\n');
        }
        if rate < REQUIRED_PER_CORPUS {
            weak.push(name);
        }
        total.0 += exact;
        total.1 += n;
    }
    let rate = total.0 as f64 / total.1 as f64;
    report.push_str(&format!(
        "{:>10}: {}/{} read exactly ({:.1} %)\n",
        "all",
        total.0,
        total.1,
        rate * 100.0
    ));
    println!("{report}");
    assert!(total.1 >= 500, "the corpora shrank: {}", total.1);
    assert!(rate >= REQUIRED, "{report}");
    assert!(
        weak.is_empty(),
        "below {REQUIRED_PER_CORPUS} in {weak:?}\n{report}"
    );
}

#[test]
fn every_corpus_file_has_a_label_and_the_sources_are_varied() {
    let all = corpora();
    let names: Vec<&str> = all.iter().map(|c| c.0.as_str()).collect();
    for expected in ["flanker", "mailman", "mdbp", "sisimai"] {
        assert!(names.contains(&expected), "{names:?}");
    }
    for (name, dir, manifest) in &all {
        let labelled: BTreeSet<&str> = manifest.samples.iter().map(|s| s.file.as_str()).collect();
        assert_eq!(
            labelled.len(),
            manifest.samples.len(),
            "{name}: duplicate labels"
        );
        for entry in std::fs::read_dir(dir).unwrap() {
            let file = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                file == "manifest.json" || labelled.contains(file.as_str()),
                "{name}/{file} has no label"
            );
        }
    }
}

/// The returned message's own sender and receiver, list control addresses and daemons are
/// never reported: over every corpus message, no reported address is one of them unless the
/// label names it.
#[test]
fn no_corpus_message_names_the_bounce_sender_or_a_daemon() {
    for (name, dir, manifest) in corpora() {
        for s in &manifest.samples {
            let raw = std::fs::read(dir.join(&s.file)).unwrap();
            let got = parse_bounce(&raw);
            let labelled: BTreeSet<String> = set(&s.permanent)
                .union(&set(&s.temporary))
                .cloned()
                .collect();
            for a in got.permanent.iter().chain(&got.temporary) {
                let a = a.to_ascii_lowercase();
                let local = a.split('@').next().unwrap_or("");
                let role = matches!(local, "mailer-daemon" | "postmaster")
                    || local.ends_with("-owner")
                    || local.ends_with("-request");
                assert!(!role || labelled.contains(&a), "{name}/{}: {a}", s.file);
            }
        }
    }
}
