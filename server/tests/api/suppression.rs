//! Settings → Suppression through the real router: isolation between workspaces, roles, and the
//! CSV import and export routes.

use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

impl Browser {
    async fn import_suppressions(&self, ws: &str, csv: &str) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("dnc.csv").mime_str("text/csv").unwrap();
        self.http
            .post(format!("{}/w/{ws}/settings/suppression/import", self.base))
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap()
    }

    async fn export_suppressions(&self, ws: &str) -> (StatusCode, String) {
        let resp = self.http.get(format!("{}/w/{ws}/settings/suppression/export.csv", self.base)).send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_workspace_can_neither_see_nor_change_another_s_suppression_list(pool: PgPool) {
    let app = spawn_app(pool).await;
    let alice = app.user("Alice", "alice@a.example").await;
    let wa = alice.workspace("Workspace A").await;
    let bob = app.user("Bob", "bob@b.example").await;
    let wb = bob.workspace("Workspace B").await;
    let r = bob.call("add_suppression", &[("workspace", &wb), ("value", "secret-client.com"), ("note", "B's customer")]).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::OK, serde_json::json!(true)));

    let audit_before = app.count("audit_log").await;
    for (endpoint, args) in [
        ("list_suppressions", vec![("workspace", wb.as_str())]),
        ("add_suppression", vec![("workspace", wb.as_str()), ("value", "victim.example")]),
        ("remove_suppression", vec![("workspace", wb.as_str()), ("value", "secret-client.com")]),
    ] {
        let r = alice.call(endpoint, &args).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint} on B: {:?}", r.body);
        assert!(!r.body.to_string().contains("secret-client"), "{endpoint} leaked B's list");
    }
    // Through A's own workspace, B's entry is not there to remove.
    let r = alice.call("remove_suppression", &[("workspace", &wa), ("value", "secret-client.com")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{:?}", r.body);
    let resp = alice.import_suppressions(&wb, "email\nspy@x.example\n").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let (status, body) = alice.export_suppressions(&wb).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!body.contains("secret-client"));
    assert_eq!(app.count("audit_log").await, audit_before, "refused attempts change nothing");

    let mine = alice.call("list_suppressions", &[("workspace", &wa)]).await;
    assert_eq!(mine.body["total"], 0, "{:?}", mine.body);
    let theirs = bob.call("list_suppressions", &[("workspace", &wb)]).await;
    assert_eq!(theirs.body["entries"][0]["value"], "secret-client.com");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_do_not_contact_csv_imports_with_per_row_errors_and_exports_back(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "olive@a.example").await;
    let ws = owner.workspace("Agency").await;
    let csv = "email,phone,note\n\
               Sam@Customer.com,0412 345 678,existing customer\n\
               not-an-email,,typo\n\
               ,+61 2 9876 5432,switchboard\n\
               sam@customer.com,,again\n";
    let resp = owner.import_suppressions(&ws, csv).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let report: serde_json::Value = resp.json().await.unwrap();
    assert_eq!((report["added"].as_u64(), report["already_listed"].as_u64(), report["failed"].as_u64()), (Some(3), Some(1), Some(1)), "{report}");
    assert_eq!(report["errors"][0]["line"], 3, "{report}");
    assert!(report["errors"][0]["message"].as_str().unwrap().contains("not-an-email"), "{report}");

    let (status, exported) = owner.export_suppressions(&ws).await;
    assert_eq!(status, StatusCode::OK);
    assert!(exported.starts_with("kind,value,reason,source,note,created_at\n"), "{exported}");
    assert!(exported.contains("email,sam@customer.com,imported,import,existing customer"), "{exported}");
    assert!(exported.contains("phone,+61412345678,imported"), "{exported}");

    // The export imports into another workspace as the same list.
    let other = owner.workspace("Client B").await;
    let resp = owner.import_suppressions(&other, &exported).await;
    let report: serde_json::Value = resp.json().await.unwrap();
    assert_eq!((report["added"].as_u64(), report["failed"].as_u64()), (Some(3), Some(0)), "{report}");
    let (_, again) = owner.export_suppressions(&other).await;
    let values = |csv: &str| {
        let mut v: Vec<String> = csv.lines().skip(1).map(|l| l.split(',').take(2).collect::<Vec<_>>().join(",")).collect();
        v.sort();
        v
    };
    assert_eq!(values(&again), values(&exported));

    // A form post (no JSON asked) lands back on the page with what happened.
    let part = reqwest::multipart::Part::bytes(b"value\nbad value here\n".to_vec()).file_name("x.csv");
    let resp = owner
        .http
        .post(format!("{}/w/{ws}/settings/suppression/import", owner.base))
        .header("sec-fetch-site", "same-origin")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection());
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&format!("/w/{ws}/settings/suppression?added=0&already=0&failed=1&error=line%202")), "{location}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn members_add_admins_lift_and_an_opt_out_stays(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "olive@a.example").await;
    let ws = owner.workspace("Agency").await;
    let token = owner.invite(&ws, "mark@a.example", "member").await;
    let member = app.user("Mark", "mark@a.example").await;
    member.accept(&token).await;

    let r = member.call("add_suppression", &[("workspace", &ws), ("value", "https://www.Competitor.com/about")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = member.call("add_suppression", &[("workspace", &ws), ("value", "com.au")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a public suffix is refused: {:?}", r.body);
    let r = member.call("remove_suppression", &[("workspace", &ws), ("value", "competitor.com")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    let page = member.call("list_suppressions", &[("workspace", &ws), ("q", "competitor")]).await;
    assert_eq!(page.body["entries"][0]["kind"], "domain");
    assert_eq!(page.body["entries"][0]["removable"], false, "a member cannot lift");

    let r = owner.call("remove_suppression", &[("workspace", &ws), ("value", "competitor.com")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'suppression.remove' and target_id = 'competitor.com' and before->>'kind' = 'domain'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // A person's own unsubscribe cannot be lifted by anyone here.
    let wsid: uuid::Uuid = ws.parse().unwrap();
    sqlx::query("insert into suppressions (client_id, address, reason, source) values ($1, 'pat@lead.example', 'unsubscribed', 'link')").bind(wsid).execute(&app.pool).await.unwrap();
    let r = owner.call("remove_suppression", &[("workspace", &ws), ("value", "pat@lead.example")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    let still: i64 = sqlx::query_scalar("select count(*) from suppressions where address = 'pat@lead.example'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(still, 1);
}
