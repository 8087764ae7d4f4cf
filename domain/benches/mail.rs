//! Mail tooling throughput. The issue asks for ≥ 1,000,000 address checks/s and
//! ≥ 5,000 bounce messages/s on one core.
//!
//! Addresses: the fixture suites (isemail, Wikipedia, RFC 3696) plus a bulk of ordinary
//! addresses, because real send lists are mostly the ASCII fast path. Bounces: every sample in
//! fixtures/bounces, DSNs, free-text reports and non-bounces alike.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use domain::bounce::parse_bounce;
use domain::email_check::{check_email, classify, CheckOptions};

fn fixture_addresses() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addresses");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for case in v["cases"].as_array().unwrap() {
                out.push(case["address"].as_str().unwrap().to_owned());
            }
        }
    }
    out
}

fn typical_addresses(n: usize) -> Vec<String> {
    const FIRST: &[&str] = &[
        "jane",
        "raj.patel",
        "m.oconnor",
        "li.wei",
        "sales",
        "tom+news",
        "anna-maria",
    ];
    const DOMAINS: &[&str] = &[
        "example.com.au",
        "acme-corp.com",
        "mail.university.edu",
        "gmail.com",
        "mailinator.com",
        "bücher.de",
        "startup.io",
    ];
    (0..n)
        .map(|i| {
            format!(
                "{}{}@{}",
                FIRST[i % FIRST.len()],
                i % 97,
                DOMAINS[(i / 7) % DOMAINS.len()]
            )
        })
        .collect()
}

fn addresses(c: &mut Criterion) {
    let opts = CheckOptions::default();
    let mut all = fixture_addresses();
    all.extend(typical_addresses(2000));
    let ascii: Vec<String> = typical_addresses(2000)
        .into_iter()
        .filter(|a| a.is_ascii())
        .collect();

    let mut group = c.benchmark_group("email_check");
    group.throughput(Throughput::Elements(all.len() as u64));
    group.bench_function("check_email mixed (fixtures + typical, incl. IDN)", |b| {
        b.iter(|| {
            for a in &all {
                black_box(check_email(black_box(a), &opts));
            }
        })
    });
    group.throughput(Throughput::Elements(ascii.len() as u64));
    group.bench_function("classify ASCII fast path", |b| {
        b.iter(|| {
            for a in &ascii {
                black_box(classify(black_box(a), &opts));
            }
        })
    });
    group.finish();
}

fn bounces(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bounces");
    let mut messages = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "eml") {
            messages.push(std::fs::read(path).unwrap());
        }
    }
    let mut group = c.benchmark_group("bounce");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("parse_bounce over all samples", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(parse_bounce(black_box(m)));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, addresses, bounces);
criterion_main!(benches);
