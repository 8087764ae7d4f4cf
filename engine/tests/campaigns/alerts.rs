//! Budgets and alerts with an injected clock: a condition fires once, rises from warning to
//! critical, is announced again while critical and unacknowledged, and resolves when it
//! clears; Slack gets the expected JSON and a failing Slack does not hold up the alert list;
//! another workspace is never touched.

use crate::support::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::alerts::Budgets;
use engine::auth::Access;
use engine::flows::{alerts, notify};
use sqlx::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn spend(pool: &PgPool, ws: domain::ids::WorkspaceId, aud: &str, at: DateTime<Utc>) {
    sqlx::query("insert into cost_ledger (client_id, provider, operation, units, cost_aud, created_at) values ($1, 'apollo', 'people_match', 1, $2::numeric, $3)")
        .bind(ws.0)
        .bind(aud)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
}

async fn open_alerts(pool: &PgPool, ws: domain::ids::WorkspaceId) -> Vec<(String, String, i32)> {
    sqlx::query_as("select condition, level, notify_count from alerts where client_id = $1 and resolved_at is null order by condition")
        .bind(ws.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_over_budget_workspace_is_alerted_once_escalated_until_acknowledged_and_resolved_when_it_clears(pool: PgPool) {
    let engine = engine(&pool).await;
    // As `db::migrate` does in the product: the job queue's tables (failing jobs are a condition).
    engine::jobs::setup(&pool).await.unwrap();
    let (owner, ws) = owner_workspace(&engine, "Acme").await;
    let owner_access = Access::resolve(&engine, owner, ws).await.unwrap();
    let slack = MockServer::start().await;
    Mock::given(method("POST")).and(path("/services/T0/B0/acme")).respond_with(ResponseTemplate::new(200).set_body_string("ok")).mount(&slack).await;
    notify::set_slack(&engine, &owner_access, &format!("{}/services/T0/B0/acme", slack.uri())).await.unwrap();
    // A second workspace, over its own budget, with its own Slack: only its own alerts.
    let (beta_owner, beta) = owner_workspace(&engine, "Beta").await;
    let beta_slack = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).mount(&beta_slack).await;
    notify::set_slack(&engine, &Access::resolve(&engine, beta_owner, beta).await.unwrap(), &format!("{}/services/T1/B1/beta", beta_slack.uri())).await.unwrap();

    // A member may not set budgets; bad input changes nothing.
    let m = member(&engine, ws, "member").await;
    let member_access = Access::resolve(&engine, m, ws).await.unwrap();
    assert!(alerts::set_budgets(&engine, &member_access, Budgets { daily_cents: Some(100), monthly_cents: None }).await.is_err());
    alerts::set_budgets(&engine, &owner_access, Budgets::parse("100", "2000").unwrap()).await.unwrap();
    alerts::set_budgets(&engine, &Access::resolve(&engine, beta_owner, beta).await.unwrap(), Budgets::parse("10", "").unwrap()).await.unwrap();
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where client_id = $1 and action = 'workspace.budgets'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 1);

    let t0 = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
    let at = |m: i64| t0 + Duration::minutes(m);
    // At budget: nothing.
    spend(&pool, ws, "100.00", t0 - Duration::hours(1)).await;
    spend(&pool, beta, "50.00", t0 - Duration::hours(1)).await;
    alerts::evaluate_workspace(&engine, ws, at(0)).await.unwrap();
    assert!(open_alerts(&pool, ws).await.is_empty());

    // 15 % over: one warning, announced once, however often it is evaluated.
    spend(&pool, ws, "15.00", t0 - Duration::minutes(30)).await;
    for m in [1, 2, 40, 90] {
        alerts::evaluate_workspace(&engine, ws, at(m)).await.unwrap();
    }
    assert_eq!(open_alerts(&pool, ws).await, [("budget.daily".to_string(), "warning".to_string(), 1)]);
    let posted = slack.received_requests().await.unwrap();
    assert_eq!(posted.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&posted[0].body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("*Warning* · Acme") && text.contains("Spend today is 15 % over budget") && text.contains("A$115.00"), "{text}");
    assert!(text.contains(&format!("/w/{ws}|Acknowledge or resolve>")), "{text}");

    // 25 % over: the same alert rises to critical and is announced again, then every 30
    // minutes until acknowledged.
    spend(&pool, ws, "10.00", t0 + Duration::minutes(95)).await;
    alerts::evaluate_workspace(&engine, ws, at(100)).await.unwrap();
    assert_eq!(open_alerts(&pool, ws).await, [("budget.daily".to_string(), "critical".to_string(), 2)]);
    alerts::evaluate_workspace(&engine, ws, at(120)).await.unwrap();
    assert_eq!(open_alerts(&pool, ws).await[0].2, 2, "not yet 30 minutes");
    alerts::evaluate_workspace(&engine, ws, at(130)).await.unwrap();
    assert_eq!(open_alerts(&pool, ws).await[0].2, 3, "escalated");
    let text = String::from_utf8_lossy(&slack.received_requests().await.unwrap().last().unwrap().body).to_string();
    assert!(text.contains("Critical") && text.contains("still unacknowledged"), "{text}");

    // Acknowledged by a member: no more repeats.
    let id: uuid::Uuid = sqlx::query_scalar("select id from alerts where client_id = $1 and resolved_at is null").bind(ws.0).fetch_one(&pool).await.unwrap();
    alerts::acknowledge(&engine, &member_access, id).await.unwrap();
    assert!(alerts::acknowledge(&engine, &member_access, id).await.is_err(), "twice");
    alerts::evaluate_workspace(&engine, ws, at(200)).await.unwrap();
    assert_eq!(open_alerts(&pool, ws).await[0].2, 3);
    let listed = alerts::list(&engine, &owner_access).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].acknowledged_by.is_some());

    // The budget is raised: the condition clears and the alert resolves on its own.
    alerts::set_budgets(&engine, &owner_access, Budgets::parse("500", "2000").unwrap()).await.unwrap();
    alerts::evaluate_workspace(&engine, ws, at(210)).await.unwrap();
    assert!(open_alerts(&pool, ws).await.is_empty());
    let resolved: (Option<DateTime<Utc>>, Option<uuid::Uuid>) = sqlx::query_as("select resolved_at, resolved_by from alerts where id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(resolved, (Some(at(210)), None));
    assert_eq!(slack.received_requests().await.unwrap().len(), 3);

    // Another workspace's alert list and Slack are its own; one workspace cannot see or touch
    // the other's alerts.
    assert!(open_alerts(&pool, beta).await.is_empty(), "beta is never judged by acme's evaluation");
    assert!(beta_slack.received_requests().await.unwrap().is_empty());
    alerts::evaluate_workspace(&engine, beta, at(0)).await.unwrap();
    let beta_alert: uuid::Uuid = sqlx::query_scalar("select id from alerts where client_id = $1").bind(beta.0).fetch_one(&pool).await.unwrap();
    assert!(alerts::resolve(&engine, &owner_access, beta_alert).await.is_err(), "acme cannot resolve beta's alert");
    assert!(alerts::list(&engine, &owner_access).await.unwrap().iter().all(|a| a.id != beta_alert));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_failing_slack_is_recorded_on_the_alert_and_the_stops_and_paused_mailboxes_are_alerted(pool: PgPool) {
    let engine = engine(&pool).await;
    // As `db::migrate` does in the product: the job queue's tables (failing jobs are a condition).
    engine::jobs::setup(&pool).await.unwrap();
    let (owner, ws) = owner_workspace(&engine, "Acme").await;
    let access = Access::resolve(&engine, owner, ws).await.unwrap();
    let slack = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500).set_body_string("internal secret detail")).mount(&slack).await;
    notify::set_slack(&engine, &access, &format!("{}/services/T0/B0/acme", slack.uri())).await.unwrap();
    sqlx::query("update workspaces set sending_paused = true where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    sqlx::query("insert into mailboxes (client_id, address, smtp_host, smtp_port, smtp_security, paused_at, paused_reason) values ($1, 'sam@acme.example', '127.0.0.1', 25, 'none', now(), 'bounce rate')")
        .bind(ws.0)
        .execute(&pool)
        .await
        .unwrap();
    // An import job of this workspace that apalis gave up on.
    sqlx::query("insert into apalis.jobs (job, id, job_type, status, attempts) values (jsonb_build_object('workspace', $1::text, 'import', gen_random_uuid()), 'failed-import', 'agency_os::RunImport', 'Killed', 4)")
        .bind(ws.0)
        .execute(&pool)
        .await
        .unwrap();
    let now = Utc::now();
    let r = alerts::evaluate(&engine, now).await.unwrap();
    assert!(r.fired >= 3, "{r:?}");
    let open = open_alerts(&pool, ws).await;
    assert_eq!(
        open.iter().map(|(c, l, _)| (c.as_str(), l.as_str())).collect::<Vec<_>>(),
        [("emergency_stop.workspace", "critical"), ("jobs.failing", "critical"), ("mailbox_paused:sam@acme.example", "warning")]
    );
    sqlx::query("delete from apalis.jobs where id = 'failed-import'").execute(&pool).await.unwrap();
    // The list is there although Slack failed; the failure is ours to word, never Slack's body.
    let listed = alerts::list(&engine, &access).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|a| a.notify_error.as_deref().is_some_and(|e| e.contains("Slack") && !e.contains("internal secret"))), "{listed:?}");
    // Resumed and unpaused: both resolve.
    sqlx::query("update workspaces set sending_paused = false where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    sqlx::query("update mailboxes set paused_at = null where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    alerts::evaluate(&engine, now + Duration::minutes(1)).await.unwrap();
    assert!(open_alerts(&pool, ws).await.is_empty());
}
