//! Accuracy of the reply classifier on labelled replies (fixtures/reply-corpus/*.jsonl):
//! `public.jsonl` holds the auto-replies and out-of-office messages of the public bounce
//! corpora (sisimai, Mail::DeliveryStatus::BounceParser); `written.jsonl` holds replies written
//! after the shapes cold outreach gets back, in English, German, French, Spanish, Dutch,
//! Portuguese and Italian, with quoted history, Outlook header blocks, signatures and
//! disclaimers (see the README beside them).
//!
//! Run with `--nocapture` for the accuracy per class and every miss.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use domain::reply::{auto_submitted, classify, Reply, ReplyClass};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    id: String,
    lang: String,
    class: String,
    subject: String,
    body: String,
    #[serde(default)]
    auto: bool,
    #[serde(default)]
    headers: Vec<(String, String)>,
    received: NaiveDate,
    #[serde(rename = "return")]
    return_date: Option<NaiveDate>,
}

fn corpus() -> Vec<Labelled> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reply-corpus");
    let mut out = Vec::new();
    for name in [
        "public.jsonl",
        "written.jsonl",
        "heldout.jsonl",
        "heldout2.jsonl",
        "heldout3.jsonl",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let item: Labelled =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{}: {e}", i + 1));
            out.push(item);
        }
    }
    out
}

#[test]
fn the_classifier_gets_85_percent_of_intents_and_80_percent_of_return_dates_right() {
    let all = corpus();
    let mut per_class: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut per_lang: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut right, mut dates_right, mut dates) = (0, 0, 0);
    let mut misses = Vec::new();
    for r in &all {
        let headers = r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let c = classify(&Reply {
            subject: &r.subject,
            body: &r.body,
            received_on: r.received,
            auto_submitted: r.auto || auto_submitted(headers),
        });
        let ok = c.class.as_str() == r.class;
        let entry = per_class.entry(r.class.as_str()).or_default();
        entry.1 += 1;
        let lang = per_lang.entry(r.lang.as_str()).or_default();
        lang.1 += 1;
        if ok {
            right += 1;
            entry.0 += 1;
            lang.0 += 1;
        } else {
            misses.push(format!(
                "  {}: expected {}, got {} ({})",
                r.id, r.class, c.class, c.reason
            ));
        }
        if r.class == "out_of_office" {
            dates += 1;
            if ok && c.return_date == r.return_date {
                dates_right += 1;
            } else if ok {
                misses.push(format!(
                    "  {}: return date expected {:?}, got {:?}",
                    r.id, r.return_date, c.return_date
                ));
            }
        }
        assert!((0.0..=1.0).contains(&c.confidence), "{}", r.id);
    }
    let mut report = String::new();
    for (class, (ok, n)) in &per_class {
        report.push_str(&format!("{class:>16}: {ok}/{n}\n"));
    }
    for (lang, (ok, n)) in &per_lang {
        report.push_str(&format!("{:>16}: {ok}/{n}\n", format!("lang {lang}")));
    }
    let rate = right as f64 / all.len() as f64;
    let date_rate = dates_right as f64 / dates as f64;
    report.push_str(&format!(
        "intents right: {right}/{} ({:.1} %); out-of-office return dates right: {dates_right}/{dates} ({:.1} %)\n{}",
        all.len(),
        rate * 100.0,
        date_rate * 100.0,
        misses.join("\n")
    ));
    println!("{report}");
    assert!(all.len() >= 90, "the corpus shrank: {}", all.len());
    for class in ReplyClass::INTENTS.map(ReplyClass::as_str) {
        assert!(
            per_class.get(class).is_some_and(|(_, n)| *n >= 5),
            "too few {class}\n{report}"
        );
    }
    assert!(rate >= 0.85, "{report}");
    assert!(date_rate >= 0.80, "{report}");
}
