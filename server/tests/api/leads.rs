use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;
use std::time::Duration;

const CSV: &str = "First Name,Last Name,Email,Title,Company,Website\n\
Mia,Wong,mia@harbourdental.com.au,Co-Founder & CEO,Harbour Dental,harbourdental.com.au\n\
Tom,Reed,tom@reedlaw.com.au,Marketing Intern,Reed Law,reedlaw.com.au\n\
Bad,Row,not-an-email,Manager,Nowhere,\n\
Mia,Wong,MIA@harbourdental.com.au,CEO,Harbour Dental,harbourdental.com.au\n";

impl Browser {
    async fn upload(&self, ws: &str, csv: &str) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("leads.csv").mime_str("text/csv").unwrap();
        self.http
            .post(format!("{}/w/{ws}/leads/import", self.base))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
    }

    /// Uploads and waits for the import to finish; returns its view.
    async fn import(&self, ws: &str, csv: &str) -> serde_json::Value {
        let resp = self.upload(ws, csv).await;
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let id = resp.json::<serde_json::Value>().await.unwrap()["import"].as_str().unwrap().to_string();
        for _ in 0..100 {
            let r = self.call("get_import", &[("workspace", ws), ("import", &id)]).await;
            if r.body["status"] != "running" {
                return r.body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("import {id} did not finish");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_uploaded_csv_is_imported_deduplicated_scored_and_explained(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let view = b.import(&ws, CSV).await;
    assert_eq!(view["status"], "completed");
    assert_eq!(view["summary"]["imported"], 2);
    assert_eq!(view["summary"]["duplicates"], 1);
    assert_eq!(view["summary"]["invalid"], 1);

    // Scoring runs after the import; the table lists the CEO first.
    // The worker enriches the new leads in batches, then scores the workspace.
    let mut page = serde_json::Value::Null;
    for _ in 0..300 {
        page = b.call("list_leads", &[("workspace", ws.as_str())]).await.body;
        if page["rows"].as_array().is_some_and(|r| r.iter().all(|l| !l["als"].is_null())) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(page["total"], 2);
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows[0]["email"], "mia@harbourdental.com.au");
    let id = rows[0]["id"].as_str().unwrap();
    let lead = b.call("get_lead", &[("workspace", &ws), ("lead", id)]).await;
    assert_eq!(lead.status, StatusCode::OK);
    let score = &lead.body["score"];
    let reasons = score["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty());
    let sum: i64 = reasons.iter().map(|r| r["contribution"].as_i64().unwrap()).sum();
    assert_eq!(sum, score["als_exact"].as_i64().unwrap(), "reasons add up to the score");

    // The error report names the bad row and the duplicate.
    let import_id = view["id"].as_str().unwrap();
    let resp = b.http.get(format!("{}/w/{ws}/imports/{import_id}/errors.csv", app.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let report = resp.text().await.unwrap();
    assert!(report.contains("not-an-email") || report.contains("email"), "{report}");
    assert!(report.contains("duplicate"), "{report}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_leads_table_filters_sorts_and_refuses_nonsense_parameters(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    b.import(&ws, CSV).await;
    let r = b.call("list_leads", &[("workspace", ws.as_str()), ("query[q]", "reed")]).await;
    assert_eq!(r.body["total"], 1, "{:?}", r.body);
    let r = b.call("list_leads", &[("workspace", ws.as_str()), ("query[sort]", "name")]).await;
    assert_eq!(r.body["rows"][0]["email"], "mia@harbourdental.com.au");
    for (k, v) in [("query[tier]", "lukewarm"), ("query[sort]", "random"), ("query[page]", "0"), ("query[status]", "happy")] {
        let r = b.call("list_leads", &[("workspace", ws.as_str()), (k, v)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{k}={v}");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_viewer_cannot_import_and_nobody_reads_another_workspaces_leads(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let view = owner.import(&ws, CSV).await;
    let token = owner.invite(&ws, "viewer@example.com", "viewer").await;
    let viewer = app.user("Vic", "viewer@example.com").await;
    viewer.accept(&token).await;
    assert_eq!(viewer.upload(&ws, CSV).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(viewer.call("list_leads", &[("workspace", ws.as_str())]).await.status, StatusCode::OK);

    let lead_id = owner.call("list_leads", &[("workspace", ws.as_str())]).await.body["rows"][0]["id"].as_str().unwrap().to_string();
    let import_id = view["id"].as_str().unwrap().to_string();
    let stranger = app.user("Sam", "sam@other.example").await;
    let own = stranger.workspace("Other").await;
    assert_eq!(stranger.call("list_leads", &[("workspace", ws.as_str())]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("get_lead", &[("workspace", &ws), ("lead", &lead_id)]).await.status, StatusCode::NOT_FOUND);
    // Through their own workspace, the other workspace's ids find nothing either.
    assert_eq!(stranger.call("get_lead", &[("workspace", &own), ("lead", &lead_id)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("get_import", &[("workspace", &own), ("import", &import_id)]).await.status, StatusCode::NOT_FOUND);
    let resp = stranger.http.get(format!("{}/w/{own}/imports/{import_id}/errors.csv", app.base)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(stranger.upload(&ws, CSV).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("list_leads", &[("workspace", own.as_str())]).await.body["total"], 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_upload_without_a_file_or_with_an_empty_one_is_refused_clearly(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let resp = b.upload(&ws, "").await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(resp.text().await.unwrap().contains("empty"));
    let resp = b
        .http
        .post(format!("{}/w/{ws}/leads/import", app.base))
        .header("sec-fetch-site", "same-origin")
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A cross-site upload is refused before it is read.
    let resp = b
        .http
        .post(format!("{}/w/{ws}/leads/import", app.base))
        .header("sec-fetch-site", "cross-site")
        .multipart(reqwest::multipart::Form::new().text("file", "email\na@b.co\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("imports").await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_lead_added_by_hand_is_validated_deduplicated_enriched_and_scored(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let form = [
        ("workspace", ws.as_str()),
        ("lead[first_name]", "Priya"),
        ("lead[last_name]", "Nair"),
        ("lead[email]", "priya@brightsidecafe.com.au"),
        ("lead[title]", "Owner"),
        ("lead[company]", "Brightside Cafe"),
    ];
    let r = b.call("add_lead", &form).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let id = r.body.as_str().unwrap().to_string();
    let again = b.call("add_lead", &form).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad = b.call("add_lead", &[("workspace", ws.as_str()), ("lead[email]", "priya@@nowhere")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.message().contains("email"), "{}", bad.message());
    let empty = b.call("add_lead", &[("workspace", ws.as_str())]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The worker enriches it through the waterfall, records what that cost, and scores it.
    let mut history = serde_json::Value::Null;
    for _ in 0..300 {
        history = b.call("lead_enrichment", &[("workspace", ws.as_str()), ("lead", id.as_str())]).await.body;
        let lead = b.call("get_lead", &[("workspace", ws.as_str()), ("lead", id.as_str())]).await.body;
        if !history["outcome"].is_null() && !lead["score"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!history["outcome"].is_null(), "{history:?}");
    assert!(!history["calls"].as_array().unwrap().is_empty(), "every provider call is in the ledger: {history:?}");
    let stats = b.call("workspace_stats", &[("workspace", ws.as_str())]).await.body;
    assert_eq!(stats["leads"], 1);
    assert_eq!(stats["plan"], "ignition");
    if history["outcome"] == "enriched" {
        assert_eq!(stats["credits_remaining"], 1249);
    }
    assert_eq!(app.count("audit_log where action = 'lead.create_manual'").await, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_viewer_cannot_add_leads_and_enrichment_history_stays_in_its_workspace(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "owner@example.com").await;
    let ws = owner.workspace("Acme").await;
    let r = owner.call("add_lead", &[("workspace", ws.as_str()), ("lead[email]", "kim@example.org"), ("lead[first_name]", "Kim")]).await;
    let id = r.body.as_str().unwrap().to_string();
    let token = owner.invite(&ws, "viewer@example.com", "viewer").await;
    let viewer = app.user("Vic", "viewer@example.com").await;
    viewer.accept(&token).await;
    assert_eq!(viewer.call("add_lead", &[("workspace", ws.as_str()), ("lead[email]", "x@example.org")]).await.status, StatusCode::FORBIDDEN);
    let stranger = app.user("Sam", "sam@other.example").await;
    let own = stranger.workspace("Other").await;
    assert_eq!(stranger.call("lead_enrichment", &[("workspace", own.as_str()), ("lead", id.as_str())]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.call("workspace_stats", &[("workspace", ws.as_str())]).await.status, StatusCode::NOT_FOUND);
}
