//! `agency-os discover-icp`: the local fixture sites read through the command, and private
//! addresses refused by it with no connection made.

use crate::site_support::{serve_site, Trap};
use serde_json::Value;
use std::collections::BTreeSet;

async fn run(args: &[&str]) -> (i32, Value, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_agency-os"))
        .arg("discover-icp")
        .args(args)
        .env_remove("AGENCY_OS_FETCH_ALLOW_PRIVATE")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_icp_prints_exactly_the_documented_object_for_a_local_site() {
    let site = serve_site("jekyll").await;
    let (code, j, err) = run(&["--allow-private", "--delay-ms", "0", &format!("{}/", site.uri())]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        keys(&j),
        BTreeSet::from(["company_name", "services", "value_proposition", "clients", "industries_served", "team_size", "locations", "icp", "suggested_weights", "pages", "notes"])
    );
    assert_eq!(keys(&j["icp"]), BTreeSet::from(["industries", "company_sizes", "locations", "titles", "pain_points", "exclusions"]));
    assert_eq!(keys(&j["suggested_weights"]), BTreeSet::from(["data_quality", "authority", "company_fit", "timing", "risk"]));
    assert_eq!(keys(&j["team_size"]), BTreeSet::from(["estimate", "source_url"]));
    assert_eq!(j["company_name"], "Tidewater Digital");
    assert_eq!(j["team_size"]["estimate"], 14);
    let hb = j["clients"].as_array().unwrap().iter().find(|c| c["name"] == "Harbour Bank").expect("Harbour Bank");
    assert_eq!(hb["domain"], "harbourbank.com.au");
    assert!(hb["source_url"].as_str().unwrap().starts_with(&site.uri()));
    assert_eq!(keys(hb), BTreeSet::from(["name", "domain", "source_url"]));
    let sum: f64 = ["data_quality", "authority", "company_fit", "timing", "risk"].iter().map(|k| j["suggested_weights"][k].as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 0.01, "{sum}");
    let kinds: Vec<&str> = j["pages"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds[0], "home");
    assert!(kinds.contains(&"case_study") && kinds.contains(&"services") && kinds.contains(&"team"), "{kinds:?}");
    assert!(j["icp"]["exclusions"].as_array().unwrap().iter().any(|e| e == "Tidewater Digital"));
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_icp_reads_every_fixture_shape_and_never_reports_a_placeholder_client() {
    for name in ["onepage", "sitemap", "casestudies", "placeholder"] {
        let site = serve_site(name).await;
        let (code, j, err) = run(&["--allow-private", "--delay-ms", "0", &site.uri()]).await;
        assert_eq!(code, 0, "{name}: {err}");
        assert!(!j["company_name"].as_str().unwrap().is_empty(), "{name}");
        let clients: Vec<&str> = j["clients"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert!(!clients.is_empty(), "{name}");
        for bad in ["John Doe", "Jane Doe", "Company Name", "Acme", "Lorem", "Client Logo"] {
            assert!(!clients.iter().any(|c| c.contains(bad)), "{name}: {bad} in {clients:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn discover_icp_refuses_private_addresses_and_other_schemes_without_connecting() {
    let trap = Trap::bind("127.0.0.1").await.unwrap();
    let port = trap.addr.port();
    for url in [format!("http://127.0.0.1:{port}/"), format!("http://2130706433:{port}/"), format!("http://0177.0.0.1:{port}/"), "http://169.254.169.254/latest/meta-data/".into(), "http://10.0.0.7/".into()] {
        let (code, j, err) = run(&[&url]).await;
        assert_eq!(code, 2, "{url}: {err}");
        assert!(j.is_null());
        assert!(err.contains("that address is on a private network"), "{url}: {err}");
    }
    let (code, _, err) = run(&["file:///etc/passwd"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("only http and https"), "{err}");
    assert_eq!(trap.hits(), 0);
    // The same site is read once the operator allows private addresses.
    let site = serve_site("onepage").await;
    assert_eq!(run(&["--delay-ms", "0", &site.uri()]).await.0, 2);
    assert_eq!(run(&["--allow-private", "--delay-ms", "0", &site.uri()]).await.0, 0);
}
