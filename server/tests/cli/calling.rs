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

/// The operator's platform-wide suppression list, run as the operator runs it.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn suppress_platform_adds_lists_and_lifts_and_names_a_bad_value(pool: sqlx::PgPool) {
    let db = pool.connect_options().get_database().unwrap().to_string();
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}");
    let data = std::env::temp_dir().join(format!("aos-suppress-{}", std::process::id()));
    let run = |args: &[&str]| bin().args(args).env("DATABASE_URL", &url).env("AGENCY_OS_DATA_DIR", &data).env("AGENCY_OS_LOG", "error").output().unwrap();

    let out = run(&["suppress", "--platform", "--note", "legal hold", "https://www.Blocked.example/x", "0412 345 678", "ann@Other.example"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("added domain blocked.example"), "{text}");
    assert!(text.contains("added phone +61412345678"), "{text}");
    assert!(text.contains("added email ann@other.example"), "{text}");
    let rows: Vec<(String, String)> = sqlx::query_as("select kind, value from platform_suppressions order by value").fetch_all(&pool).await.unwrap();
    assert_eq!(rows.len(), 3);

    let out = run(&["suppress", "--platform", "--list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("domain\tblocked.example"));

    let out = run(&["suppress", "--platform", "--remove", "blocked.example"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("lifted blocked.example"));

    // A bad value is named on stderr, the good ones are still added, and the status is 2.
    let out = run(&["suppress", "--platform", "com.au", "good.example"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("public suffix"), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("added domain good.example"));
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action like 'platform_suppression.%'").fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 5);

    // Without --platform the command refuses (workspace lists are managed in Settings).
    assert!(!run(&["suppress", "x.example"]).status.success());
}
