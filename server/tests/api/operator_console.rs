//! The operator's console (`/ops`) through the real routes: operators only (everyone else gets
//! 404, page and server functions alike), every access audited, read-only but the stop switch.

use crate::support::*;
use reqwest::StatusCode;
use sqlx::PgPool;

async fn make_operator(app: &TestApp, email: &str) {
    assert!(engine::flows::billing::set_operator(&app.engine, email, true).await.unwrap());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn only_an_operator_reaches_the_console_and_every_visit_is_audited(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Olive", "olive@agency.example").await;
    let ws = owner.workspace("Acme").await;
    let ops = app.user("Oscar", "oscar@platform.example").await;

    // Before the flag: a workspace owner, a stranger and nobody at all find nothing here.
    for b in [&owner, &ops, &app.browser()] {
        assert_eq!(b.call("ops_overview", &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            b.call("ops_emergency_stop", &[("on", "true"), ("reason", "x")]).await.status,
            StatusCode::NOT_FOUND
        );
        let (status, html) = b.get("/ops").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{html}");
        assert!(!html.contains("ops-console"));
    }
    assert_eq!(app.count("audit_log where action = 'ops.view'").await, 0);
    assert!(
        !engine::store::sending::platform_stop(&app.pool).await.unwrap().0,
        "a refused stop changes nothing"
    );

    make_operator(&app, "oscar@platform.example").await;
    let r = ops.call("ops_overview", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let rows = r.body["workspaces"].as_array().unwrap();
    let acme = rows.iter().find(|w| w["id"] == ws.as_str()).expect("every workspace is listed");
    assert_eq!(
        (acme["name"].as_str(), acme["tier"].as_str(), acme["status"].as_str()),
        (Some("Acme"), Some("ignition"), Some("trialing"))
    );
    assert_eq!((acme["campaign_limit"].as_u64(), acme["lead_pool"].as_u64()), (Some(5), Some(1250)));
    assert!(acme["last_activity"].is_string(), "creating the workspace is activity: {acme}");
    let (status, html) = ops.get("/ops").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("ops-console") && html.contains("Acme"), "{html}");
    let visits: Vec<(Option<uuid::Uuid>, Option<uuid::Uuid>)> = sqlx::query_as("select client_id, actor_id from audit_log where action = 'ops.view'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(visits.len(), 2, "the page and the call are each audited");
    let me = ops.my_user_id().await;
    assert!(
        visits
            .iter()
            .all(|(ws, actor)| ws.is_none() && actor.map(|a| a.to_string()).as_deref() == Some(me.as_str())),
        "{visits:?}"
    );

    // The stop: a reason is required; it is the CLI's flow, audited with the operator.
    let r = ops.call("ops_emergency_stop", &[("on", "true"), ("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = ops.call("ops_emergency_stop", &[("on", "true"), ("reason", "provider incident")]).await;
    assert_eq!((r.status, r.body.as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(
        engine::store::sending::platform_stop(&app.pool).await.unwrap(),
        (true, Some("provider incident".into()))
    );
    let actor: Option<uuid::Uuid> = sqlx::query_scalar("select actor_id from audit_log where action = 'platform.emergency_stop'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(actor.is_some());
    let r = ops.call("ops_emergency_stop", &[("on", "false")]).await;
    assert_eq!(r.body.as_bool(), Some(false));
    assert!(!engine::store::sending::platform_stop(&app.pool).await.unwrap().0);

    // Revoked: gone again.
    assert!(engine::flows::billing::set_operator(&app.engine, "oscar@platform.example", false)
        .await
        .unwrap());
    assert_eq!(ops.call("ops_overview", &[]).await.status, StatusCode::NOT_FOUND);
}
