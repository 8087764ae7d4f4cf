//! The address check against public test suites (fixtures/addresses/*.json) and arbitrary input.

use std::path::Path;

use domain::email_check::{check_email, classify, CheckOptions, Verdict};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    source: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    address: String,
    verdict: Verdict,
    verdict_with_literals: Option<Verdict>,
    note: String,
}

fn fixtures() -> Vec<(String, Fixture)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/addresses");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let fixture: Fixture = serde_json::from_str(&text).unwrap();
            out.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                fixture,
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_fixture_address_gets_its_expected_verdict() {
    let strict = CheckOptions::default();
    let literals = CheckOptions {
        allow_domain_literals: true,
    };
    let mut failures = Vec::new();
    let mut total = 0;
    for (file, fixture) in fixtures() {
        assert!(!fixture.source.is_empty(), "{file} names no source");
        for case in fixture.cases {
            total += 1;
            let got = check_email(&case.address, &strict);
            if got.verdict != case.verdict {
                failures.push(format!(
                    "{file}: {:?} expected {:?}, got {:?} ({}) — {}",
                    case.address, case.verdict, got.verdict, got.reason, case.note
                ));
            }
            let want = case.verdict_with_literals.unwrap_or(case.verdict);
            let (verdict, reason) = classify(&case.address, &literals);
            if verdict != want {
                failures.push(format!(
                    "{file} (literals allowed): {:?} expected {want:?}, got {verdict:?} ({reason})",
                    case.address
                ));
            }
        }
    }
    assert!(total >= 200, "only {total} fixture addresses");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn an_invalid_verdict_always_carries_a_specific_reason() {
    for (_, fixture) in fixtures() {
        for case in fixture.cases {
            let got = check_email(&case.address, &CheckOptions::default());
            assert!(!got.reason.is_empty());
            if got.verdict != Verdict::Deliverable {
                assert_ne!(
                    got.reason,
                    domain::email_check::REASON_OK,
                    "{:?}",
                    case.address
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_string_makes_the_check_panic(s in any::<String>(), literals in any::<bool>()) {
        let opts = CheckOptions { allow_domain_literals: literals };
        let got = check_email(&s, &opts);
        let json = serde_json::to_value(&got).unwrap();
        let verdict = json["verdict"].as_str().unwrap().to_owned();
        prop_assert!(["deliverable", "risky", "invalid"].contains(&verdict.as_str()));
        prop_assert_eq!(json["address"].as_str().unwrap(), s.as_str());
    }

    #[test]
    fn near_miss_addresses_never_panic(
        s in r#"[a-z."\\()\[\]:@ \-_ü0-9]{0,40}@?[a-zA-Z0-9.\-\[\]:ü]{0,40}"#
    ) {
        let _ = classify(&s, &CheckOptions { allow_domain_literals: true });
        let _ = classify(&s, &CheckOptions::default());
    }

    #[test]
    fn well_formed_dot_atom_addresses_are_never_invalid(
        local in "[a-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}(\\.[a-z0-9_-]{1,10}){0,3}",
        labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", 1..4),
        tld in "[a-z]{2,10}",
    ) {
        // An `xn--` label is an A-label claim and must decode; that rule has its own tests.
        prop_assume!(!labels.iter().any(|l| l.starts_with("xn--")));
        let address = format!("{local}@{}.{tld}", labels.join("."));
        let (verdict, reason) = classify(&address, &CheckOptions::default());
        prop_assert_ne!(verdict, Verdict::Invalid, "{} {}", address, reason);
    }
}
