//! Every fixture under `tests/fixtures/replies/` classifies as its header says.

use chrono::NaiveDate;
use domain::reply::{classify, Reply, ReplyClass};
use std::path::Path;

struct Fixture {
    name: String,
    class: String,
    return_date: Option<NaiveDate>,
    received: NaiveDate,
    auto: bool,
    subject: String,
    body: String,
}

fn load(path: &Path) -> Fixture {
    let raw = std::fs::read_to_string(path).expect("fixture is UTF-8");
    let (head, body) = raw.split_once("\n\n").expect("header block then body");
    let field = |key: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{} lacks {key}", path.display()))
    };
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date is YYYY-MM-DD");
    let ret = field("return");
    Fixture {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        class: field("class"),
        return_date: (!ret.is_empty()).then(|| date(&ret)),
        received: date(&field("received")),
        auto: field("auto") == "true",
        subject: field("subject"),
        body: body.to_string(),
    }
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/replies");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture directory exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

#[test]
fn every_real_world_reply_fixture_gets_its_expected_class_and_return_date() {
    let all = fixtures();
    assert!(
        all.len() >= 20,
        "expected the fixture set, found {}",
        all.len()
    );
    let mut failures = Vec::new();
    for f in &all {
        let c = classify(&Reply {
            subject: &f.subject,
            body: &f.body,
            received_on: f.received,
            auto_submitted: f.auto,
        });
        if c.class.as_str() != f.class
            || (f.class == "out_of_office" && c.return_date != f.return_date)
        {
            failures.push(format!(
                "{}: expected {} {:?}, got {} {:?} ({})",
                f.name, f.class, f.return_date, c.class, c.return_date, c.reason
            ));
        }
        assert!((0.0..=1.0).contains(&c.confidence));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_class_of_the_spec_is_covered_by_a_fixture() {
    let all = fixtures();
    for class in ReplyClass::INTENTS.map(ReplyClass::as_str) {
        assert!(
            all.iter().any(|f| f.class == class),
            "no fixture for {class}"
        );
    }
}
