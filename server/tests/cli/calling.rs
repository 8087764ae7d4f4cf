//! `agency-os call-window`: the calling-hours rule as a command.

use super::bin;

fn call_window(number: &str, zone: &str, at: &str) -> std::process::Output {
    bin().args(["call-window", "--number", number, "--timezone", zone, "--at", at]).output().unwrap()
}

fn answer(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "exactly one line: {text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["allowed", "reason"], "exactly the two fields");
    v
}

#[test]
fn call_window_answers_allowed_and_refused_moments_with_their_reasons() {
    // Wednesday 4 March 2026, Sydney on daylight time (+11).
    let v = answer(&call_window("+61412345678", "Australia/Sydney", "2026-03-04T20:00:00+11:00"));
    assert_eq!(v["allowed"], true, "{v}");
    assert!(v["reason"].as_str().unwrap().contains("weekday calling hours"), "{v}");

    let v = answer(&call_window("+61412345678", "Australia/Sydney", "2026-03-04T09:01:00Z"));
    assert_eq!(v["allowed"], false, "20:01 local: {v}");
    assert!(v["reason"].as_str().unwrap().contains("after calling hours"), "{v}");

    // A Sunday, and Good Friday 2027 (26 March).
    let v = answer(&call_window("+61412345678", "Australia/Sydney", "2026-03-08T11:00:00+11:00"));
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("Sunday"), "{v}");
    let v = answer(&call_window("+61 8 9123 4567", "Australia/Perth", "2027-03-26T10:00:00+08:00"));
    assert_eq!(v["allowed"], false);
    assert!(v["reason"].as_str().unwrap().contains("Good Friday"), "{v}");

    // The lead's zone decides: 11:00 UTC is 19:00 in Perth.
    let v = answer(&call_window("+61891234567", "Australia/Perth", "2026-03-04T11:00:00Z"));
    assert_eq!(v["allowed"], true, "{v}");
}

#[test]
fn call_window_refuses_bad_input_on_stderr_with_status_2() {
    for (args, needle) in [
        (["0412345678", "Australia/Sydney", "2026-03-04T10:00:00Z"], "--number"),
        (["+61412345678", "Australia/Atlantis", "2026-03-04T10:00:00Z"], "--timezone"),
        (["+61412345678", "Australia/Sydney", "4 March 2026 10am"], "--at"),
    ] {
        let out = call_window(args[0], args[1], args[2]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "nothing on stdout for {args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
    }
    let out = bin().args(["call-window", "--number", "+61412345678"]).output().unwrap();
    assert!(!out.status.success(), "missing arguments");
}
