//! Reports over HTTP: the page's server functions, KPI targets by role, and the CSV downloads
//! (report tables and the filtered lead list), authorised like every workspace route.

use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

/// `n` leads in the workspace, every third one `contacted`, made directly in SQL.
async fn leads(app: &TestApp, ws: &str, n: i32) {
    sqlx::query(
        "insert into leads (client_id, email, first_name, source, status)
         select $1::uuid, 'lead' || i || '@example.com', 'Zoë', 'csv', case when i % 3 = 0 then 'contacted' else 'new' end
         from generate_series(1, $2) i",
    )
    .bind(ws)
    .bind(n)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn download(b: &Browser, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = b.http.get(format!("{}{path}", b.base)).send().await.unwrap();
    let status = resp.status();
    let kind = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (status, kind, resp.bytes().await.unwrap().to_vec())
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_lead_list_downloads_as_csv_with_the_tables_filters(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    leads(&app, &ws, 30).await;
    let (status, kind, body) = download(&b, &format!("/w/{ws}/leads/export")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "text/csv; charset=utf-8");
    assert!(body.starts_with(b"\xef\xbb\xbfid,first_name,last_name,email,"), "{:?}", String::from_utf8_lossy(&body[..40]));
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 31, "header and 30 leads");
    assert!(text.contains("Zoë"));
    let (_, _, body) = download(&b, &format!("/w/{ws}/leads/export?status=contacted")).await;
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 11);
    assert!(text.lines().skip(1).all(|l| l.contains(",contacted,")));
    let (status, _, _) = download(&b, &format!("/w/{ws}/leads/export?status=happy")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn report_tables_download_as_csv_and_only_for_members(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let (status, kind, body) = download(&b, &format!("/w/{ws}/reports/export/kpis?from=2026-11-01&to=2026-11-30")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.starts_with("\u{feff}kpi,value,numerator,denominator,formula,target,status,note\r\n"), "{text}");
    assert!(text.contains("Bounce rate,—,0,0,bounced messages ÷ messages sent,< 5.0 %,no_data,"), "{text}");
    for table in domain::reports::ReportTable::ALL {
        let (status, _, _) = download(&b, &format!("/w/{ws}/reports/export/{}?from=2026-11-01&to=2026-11-30", table.slug())).await;
        assert_eq!(status, StatusCode::OK, "{table:?}");
    }
    assert_eq!(download(&b, &format!("/w/{ws}/reports/export/secrets?from=2026-11-01&to=2026-11-30")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&b, &format!("/w/{ws}/reports/export/kpis?from=2026-11-30&to=2026-11-01")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(download(&b, &format!("/w/{ws}/reports/export/kpis?from=2026-11-01&to=2026-11-30&channel=fax")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // nobody logged in; someone else's workspace
    assert_eq!(download(&app.browser(), &format!("/w/{ws}/reports/export/kpis?from=2026-11-01&to=2026-11-30")).await.0, StatusCode::UNAUTHORIZED);
    let stranger = app.user("Eve", "eve@example.com").await;
    stranger.workspace("Evil").await;
    assert_eq!(download(&stranger, &format!("/w/{ws}/reports/export/kpis?from=2026-11-01&to=2026-11-30")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&stranger, &format!("/w/{ws}/leads/export")).await.0, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_report_loads_for_a_preset_or_a_custom_range_and_refuses_a_bad_one(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.user("Ann", "ann@example.com").await;
    let ws = b.workspace("Acme").await;
    let r = b.call("load_report", &[("workspace", &ws), ("preset", "7")]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(r.body["range"]["to"], today.to_string());
    assert_eq!(r.body["range"]["from"], (today - chrono::Duration::days(6)).to_string());
    assert_eq!(r.body["kpis"].as_array().unwrap().len(), 11);
    assert_eq!(r.body["by_day"].as_array().unwrap().len(), 7);
    let custom = [("workspace", ws.as_str()), ("preset", "0"), ("query[from]", "2026-11-01"), ("query[to]", "2026-11-30")];
    let r = b.call("load_report", &custom).await;
    assert_eq!((r.status, r.body["by_day"].as_array().unwrap().len()), (StatusCode::OK, 30));
    let bad = [("workspace", ws.as_str()), ("preset", "0"), ("query[from]", "2026-11-30"), ("query[to]", "2026-11-01")];
    let r = b.call("load_report", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.message(), "the start date is after the end date");
    // The page's body streams in after hydration data this harness does not wait for; the
    // browser suite checks what it shows.
    assert_eq!(b.get(&format!("/w/{ws}/reports")).await.0, StatusCode::OK);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn only_an_owner_or_admin_sets_the_kpi_targets(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let token = owner.invite(&ws, "vic@example.com", "member").await;
    let member = app.user("Vic", "vic@example.com").await;
    member.accept(&token).await;
    let form = |reply: &'static str| [("workspace", ws.clone()), ("open", "50".into()), ("reply", reply.into()), ("bounce", "5".into()), ("icp", "80".into()), ("booking", "5".into())];
    async fn call(b: &Browser, f: [(&'static str, String); 6]) -> Reply {
        b.call("save_report_targets", &f.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await
    }
    assert_eq!(call(&member, form("12")).await.status, StatusCode::FORBIDDEN);
    let r = call(&owner, form("12")).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let r = member.call("report_targets", &[("workspace", &ws)]).await;
    assert_eq!(r.body["reply_rate"], 0.12);
    let r = call(&owner, form("0")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.message(), "Reply rate must be a percentage between 0 and 100");
}

/// A campaign's messages download as CSV: every message with its state, only for members, and
/// never another workspace's campaign.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_campaigns_messages_download_as_csv_for_its_members_only(pool: PgPool) {
    let app = spawn_app(pool).await;
    // Three approved messages of a live campaign; one was sent and bounced, and its lead replied.
    let seeded = server::bench_dispatch::seed(&app.engine, 3, true, &[]).await.unwrap();
    let (ws, campaign) = (seeded.workspace.0, seeded.campaign.0);
    let b = app.user("Ann", "ann@example.com").await;
    let me: uuid::Uuid = sqlx::query_scalar("select id from users where email = 'ann@example.com'").fetch_one(&app.pool).await.unwrap();
    sqlx::query("insert into memberships (client_id, user_id, role) values ($1, $2, 'viewer')").bind(ws).bind(me).execute(&app.pool).await.unwrap();
    let (lead, outbox): (uuid::Uuid, uuid::Uuid) = sqlx::query_as("select lead_id, id from outbox where client_id = $1 order by to_address limit 1").bind(ws).fetch_one(&app.pool).await.unwrap();
    sqlx::query("update outbox set state = 'sent', sent_at = now() - interval '1 hour', bounced_at = now() where id = $1").bind(outbox).execute(&app.pool).await.unwrap();
    sqlx::query(
        "insert into replies (client_id, lead_id, campaign_id, source, from_address, subject, body_text, intent, confidence, received_at, message_id)
         values ($1, $2, $3, 'imap', 'x@example.com', 'Re: hi', 'Thanks', 'interested', 0.9, now(), '<r1@example.com>')",
    )
    .bind(ws)
    .bind(lead)
    .bind(campaign)
    .execute(&app.pool)
    .await
    .unwrap();

    let (status, kind, body) = download(&b, &format!("/w/{ws}/campaigns/{campaign}/messages.csv")).await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    assert!(body.starts_with(b"\xef\xbb\xbf"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "message_id,to,lead,company,step,channel,variant,subject,state,queued_at,sent_at,bounced_at,complained_at,replied");
    assert_eq!(lines.len(), 4, "{text}");
    let sent = lines.iter().find(|l| l.starts_with(&outbox.to_string())).expect("the sent message");
    assert!(sent.contains(",1,email,") && sent.contains(",sent,") && sent.ends_with(",yes"), "{sent}");
    assert_eq!(lines.iter().filter(|l| l.contains(",pending,") && l.ends_with(",no")).count(), 2, "{text}");

    // Not a member, not logged in, not a campaign of this workspace.
    let stranger = app.user("Eve", "eve@example.com").await;
    let evil = stranger.workspace("Evil").await;
    assert_eq!(download(&stranger, &format!("/w/{ws}/campaigns/{campaign}/messages.csv")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&stranger, &format!("/w/{evil}/campaigns/{campaign}/messages.csv")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(download(&app.browser(), &format!("/w/{ws}/campaigns/{campaign}/messages.csv")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(download(&b, &format!("/w/{ws}/campaigns/not-a-campaign/messages.csv")).await.0, StatusCode::NOT_FOUND);
}
