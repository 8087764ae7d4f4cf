//! Trains and measures the reply classifier's text model (`domain::reply::model`).
//!
//!     cargo run -p domain --release --example reply_model -- cv      # grouped cross-validation
//!     cargo run -p domain --release --example reply_model -- final   # the untouched final split
//!     cargo run -p domain --release --example reply_model -- train   # rewrite reply_model.bin
//!     cargo run -p domain --release --example reply_model -- time    # µs per reply
//!     cargo run -p domain --release --example reply_model -- history verdicts.tsv
//!
//! `history` measures the combination with the rules as they stood *before* they learnt from a
//! batch: the file holds `version<TAB>file<TAB>index<TAB>class<TAB>confidence` lines written by
//! the rules of older commits (`git show <commit>:domain/src/reply/…` built on their own), and
//! each collected file is scored with the model trained without it (and without the final split).
//!
//! The model is L2-regularised multinomial logistic regression over hashed word uni/bigrams and
//! character 3–5-grams of a reply's visible text (`model::features`), trained by full-batch
//! gradient descent from zero weights in a fixed order, so the same corpus always gives the
//! same file. It learns only the four human-answer classes, from the replies labelled with
//! them. `FINAL` files are never used for training, cross-validation or choosing settings.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use domain::reply::model::{features, softmax, TextModel, CLASSES};
use domain::reply::{
    auto_submitted, classify_combined, classify_rules, reply_text, Classification, Reply,
    ReplyConfig, RULE_WEIGHT,
};
use serde::Deserialize;

/// The two most recently collected batches, set aside before the model was written.
const FINAL: &[&str] = &["collected7-heldout.jsonl", "collected8-heldout.jsonl"];

/// Batches collected but not yet measured: never read here until their first figures are
/// recorded (then they leave this list and may be trained on).
const UNMEASURED: &[&str] = &[];
const BUCKETS: u32 = 1 << 16;
const LAMBDA: f32 = 1e-4;
const EPOCHS: usize = 400;
const RATE: f32 = 2.0;

#[derive(Deserialize)]
struct Labelled {
    class: String,
    subject: String,
    body: String,
    #[serde(default)]
    auto: bool,
    #[serde(default)]
    headers: Vec<(String, String)>,
    received: NaiveDate,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reply-corpus")
}

fn batches() -> Vec<(String, Vec<Labelled>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".jsonl") && !UNMEASURED.contains(&n.as_str()))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(dir().join(&name)).unwrap();
            let items = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}")))
                .collect();
            (name, items)
        })
        .collect()
}

fn train(items: &[&Labelled], lambda: f32) -> TextModel {
    let data: Vec<(Vec<u32>, usize)> = items
        .iter()
        .filter_map(|r| {
            let k = CLASSES.iter().position(|c| c.as_str() == r.class)?;
            let f = features(&reply_text(&r.body), BUCKETS);
            (!f.is_empty()).then_some((f, k))
        })
        .collect();
    let n = data.len() as f32;
    let mut m = TextModel {
        buckets: BUCKETS,
        bias: [0.0; 4],
        weights: vec![0.0; BUCKETS as usize * 4],
    };
    let mut grad = vec![0f32; m.weights.len()];
    for _ in 0..EPOCHS {
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut gbias = [0f32; 4];
        for (f, k) in &data {
            let p = m.probabilities_of(f);
            let scale = 1.0 / (f.len() as f32).sqrt();
            for c in 0..4 {
                let d = p[c] - if c == *k { 1.0 } else { 0.0 };
                gbias[c] += d;
                for &b in f {
                    grad[b as usize * 4 + c] += d * scale;
                }
            }
        }
        for (b, g) in m.bias.iter_mut().zip(gbias) {
            *b -= RATE * g / n;
        }
        for (w, g) in m.weights.iter_mut().zip(&grad) {
            *w -= RATE * (g / n + lambda * *w);
        }
    }
    m
}

fn classify_one(r: &Labelled, model: Option<&TextModel>, weight: f32) -> Classification {
    let headers = r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let reply = Reply {
        subject: &r.subject,
        body: &r.body,
        received_on: r.received,
        auto_submitted: r.auto || auto_submitted(headers),
    };
    match model {
        None => classify_rules(&ReplyConfig::default(), &reply),
        Some(m) => classify_combined(&ReplyConfig::default(), Some(m), weight, &reply),
    }
}

fn right(items: &[Labelled], model: Option<&TextModel>, weight: f32) -> usize {
    items
        .iter()
        .filter(|r| classify_one(r, model, weight).class.as_str() == r.class)
        .count()
}

fn pct(a: usize, n: usize) -> String {
    format!("{a}/{n} ({:.1} %)", a as f64 * 100.0 / n.max(1) as f64)
}

const WEIGHTS: [f32; 6] = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0];

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let all = batches();
    let (fin, rest): (Vec<_>, Vec<_>) = all.iter().partition(|(n, _)| FINAL.contains(&n.as_str()));
    match mode.as_str() {
        "cv" => {
            let lambdas: Vec<f32> = std::env::args()
                .nth(2)
                .map(|s| s.split(',').map(|x| x.parse().unwrap()).collect())
                .unwrap_or(vec![LAMBDA]);
            for lambda in lambdas {
                println!("lambda {lambda}");
                println!(
                    "| held-out batch | replies | human answers | rules only | {} |",
                    WEIGHTS.map(|w| format!("combined w={w}")).join(" | ")
                );
                let mut pooled = [0usize; WEIGHTS.len() + 1];
                let (mut total, mut humans) = (0, 0);
                let mut pooled_h = [0usize; WEIGHTS.len() + 1];
                for (name, items) in &rest {
                    let train_on: Vec<&Labelled> = rest
                        .iter()
                        .filter(|(n, _)| n != name)
                        .flat_map(|(_, i)| i)
                        .collect();
                    let m = train(&train_on, lambda);
                    let human: Vec<&Labelled> = items
                        .iter()
                        .filter(|r| CLASSES.iter().any(|c| c.as_str() == r.class))
                        .collect();
                    let mut row = vec![format!("{name}"), items.len().to_string(), human.len().to_string()];
                    for (j, model) in std::iter::once(None)
                        .chain(WEIGHTS.iter().map(|w| Some(*w)))
                        .enumerate()
                    {
                        let (mm, w) = match model {
                            None => (None, 0.0),
                            Some(w) => (Some(&m), w),
                        };
                        let ok = right(items, mm, w);
                        let ok_h = human
                            .iter()
                            .filter(|r| classify_one(r, mm, w).class.as_str() == r.class)
                            .count();
                        pooled[j] += ok;
                        pooled_h[j] += ok_h;
                        row.push(format!("{} / {}", pct(ok, items.len()), pct(ok_h, human.len())));
                    }
                    total += items.len();
                    humans += human.len();
                    println!("| {} |", row.join(" | "));
                }
                let cells: Vec<String> = (0..pooled.len())
                    .map(|j| format!("{} / {}", pct(pooled[j], total), pct(pooled_h[j], humans)))
                    .collect();
                println!("| pooled | {total} | {humans} | {} |", cells.join(" | "));
            }
        }
        "final" => {
            let train_on: Vec<&Labelled> = rest.iter().flat_map(|(_, i)| i).collect();
            let m = train(&train_on, LAMBDA);
            let (mut n, mut a, mut b, mut c) = (0, 0, 0, 0);
            for (name, items) in &fin {
                let ra = right(items, None, 0.0);
                let rb = right(items, Some(&m), RULE_WEIGHT);
                let rc = right(items, Some(&m), 0.0);
                println!(
                    "{name}: rules only {}, combined {}, model deciding alone {}",
                    pct(ra, items.len()),
                    pct(rb, items.len()),
                    pct(rc, items.len())
                );
                n += items.len();
                a += ra;
                b += rb;
                c += rc;
            }
            println!(
                "final split: rules only {}, combined {}, model deciding alone {}",
                pct(a, n),
                pct(b, n),
                pct(c, n)
            );
        }
        "train" => {
            let train_on: Vec<&Labelled> = rest.iter().flat_map(|(_, i)| i).collect();
            let m = train(&train_on, LAMBDA);
            let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/reply/reply_model.bin");
            let bytes = m.to_bytes();
            std::fs::write(&out, &bytes).unwrap();
            let p = softmax(m.bias);
            println!("wrote {} ({} bytes), priors {p:?}", out.display(), bytes.len());
        }
        "time" => {
            // µs per reply over the whole corpus, rules alone and combined with the shipped model.
            let items: Vec<&Labelled> = all.iter().flat_map(|(_, i)| i).collect();
            let model = domain::reply::model::embedded();
            for (label, m) in [("rules only", None), ("combined", Some(model))] {
                let start = std::time::Instant::now();
                let rounds = 20;
                for _ in 0..rounds {
                    for r in &items {
                        std::hint::black_box(classify_one(r, m, RULE_WEIGHT));
                    }
                }
                let us = start.elapsed().as_secs_f64() * 1e6 / (rounds * items.len()) as f64;
                println!("{label}: {us:.1} µs per reply ({} replies × {rounds})", items.len());
            }
        }
        "show" => {
            // One reply per stdin line: the shipped classifier's verdict and the model's view.
            use std::io::BufRead;
            let model = domain::reply::model::embedded();
            for line in std::io::stdin().lock().lines() {
                let line = line.unwrap();
                let reply = Reply {
                    subject: "Re: hello",
                    body: &line,
                    received_on: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
                    auto_submitted: false,
                };
                let c = domain::reply::classify(&reply);
                let p = model.probabilities(&reply_text(&line));
                println!("{} {:.2} ({}) model {p:.2?} | {line}", c.class, c.confidence, c.reason);
            }
        }
        "history" => history(&all, &rest),
        _ => eprintln!("usage: reply_model cv [lambda,…] | final | train | time | show | history FILE"),
    }
}

/// Rules of older commits (their verdicts read from a file) combined with the model trained
/// without the batch: the honest figure for rules + model on text neither had seen.
fn history(all: &[(String, Vec<Labelled>)], rest: &[&(String, Vec<Labelled>)]) {
    use domain::reply::{combine, Reason, ReplyClass};
    let path = std::env::args().nth(2).expect("history needs the verdicts file");
    let text = std::fs::read_to_string(path).unwrap();
    let mut verdicts = std::collections::BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let class = ReplyClass::INTENTS
            .into_iter()
            .find(|c| c.as_str() == f[3])
            .unwrap_or(ReplyClass::Unclassified);
        let key = (f[0].to_string(), f[1].to_string(), f[2].parse::<usize>().unwrap());
        verdicts.insert(key, (class, f[4].parse::<f32>().unwrap()));
    }
    let versions: std::collections::BTreeSet<String> = verdicts.keys().map(|k| k.0.clone()).collect();
    let mut pooled: std::collections::BTreeMap<String, [usize; 4]> = Default::default();
    for (name, items) in all.iter().filter(|(n, _)| n.starts_with("collected")) {
        let train_on: Vec<&Labelled> = rest
            .iter()
            .filter(|(n, _)| n != name)
            .flat_map(|(_, i)| i)
            .collect();
        let m = train(&train_on, LAMBDA);
        for v in &versions {
            let mut row = [0usize; 4];
            for (i, r) in items.iter().enumerate() {
                let Some(&(class, confidence)) = verdicts.get(&(v.clone(), name.clone(), i)) else {
                    continue;
                };
                let ruled = Classification {
                    class,
                    confidence,
                    reason: Reason { rule: "old", matched: "" },
                    return_date: None,
                };
                let p = m.probabilities(&reply_text(&r.body));
                row[0] += 1;
                row[1] += (class.as_str() == r.class) as usize;
                row[2] += (combine(ruled, p, weight()).class.as_str() == r.class) as usize;
                row[3] += (combine(ruled, p, 0.0).class.as_str() == r.class) as usize;
            }
            if row[0] == 0 {
                continue;
            }
            println!(
                "{name} rules {v}: rules {} | combined {} | model alone {}",
                pct(row[1], row[0]),
                pct(row[2], row[0]),
                pct(row[3], row[0])
            );
            let p = pooled.entry(format!("{v} {}", FINAL.contains(&name.as_str()))).or_default();
            for k in 0..4 {
                p[k] += row[k];
            }
        }
    }
    for (key, row) in pooled {
        println!(
            "pooled rules {key} (final split?): rules {} | combined {} | model alone {}",
            pct(row[1], row[0]),
            pct(row[2], row[0]),
            pct(row[3], row[0])
        );
    }
}

/// The rule weight `history` measures: `REPLY_RULE_WEIGHT` or the shipped one.
fn weight() -> f32 {
    std::env::var("REPLY_RULE_WEIGHT")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(RULE_WEIGHT)
}
