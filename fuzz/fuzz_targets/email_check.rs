//! Any string, with and without domain literals allowed: the check must return, never panic,
//! and its JSON must keep the three-verdict shape.
#![no_main]

use domain::email_check::{check_email, CheckOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let Ok(address) = std::str::from_utf8(rest) else {
        return;
    };
    let opts = CheckOptions {
        allow_domain_literals: flag & 1 == 1,
    };
    let got = check_email(address, &opts);
    assert!(!got.reason.is_empty());
    let json = serde_json::to_string(&got).unwrap();
    assert!(
        json.contains(r#""verdict":"deliverable""#)
            || json.contains(r#""verdict":"risky""#)
            || json.contains(r#""verdict":"invalid""#)
    );
});
