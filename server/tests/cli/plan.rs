//! `agency-os plan set` and `agency-os operator grant|revoke`, run as the operator runs them.

use sqlx::PgPool;

/// Runs the binary against the test's database; (success, stdout + stderr).
async fn agency_os(pool: &PgPool, args: &[&str], extra_env: &[(&str, &str)]) -> (bool, String) {
    let db: String = sqlx::query_scalar("select current_database()").fetch_one(pool).await.unwrap();
    let server_url = std::env::var("DATABASE_URL").unwrap();
    let (base, _) = server_url.rsplit_once('/').unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_agency-os"));
    cmd.args(args)
        .env("DATABASE_URL", format!("{base}/{db}"))
        .env("REDIS_URL", "redis://127.0.0.1:6379")
        .env("AGENCY_OS_SECRET_KEY", engine::secrets::encode_key(&[7u8; 32]))
        .env("AGENCY_OS_UNSUBSCRIBE_KEY", "7f".repeat(32))
        .env("AGENCY_OS_LOG", "error");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap();
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

async fn owner_with_workspace(pool: &PgPool) -> (uuid::Uuid, uuid::Uuid) {
    let user: uuid::Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ('ops@agency.example', 'Olive', 'x') returning id")
        .fetch_one(pool)
        .await
        .unwrap();
    let ws: uuid::Uuid = sqlx::query_scalar("insert into workspaces (name, created_by) values ('Acme', $1) returning id")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap();
    (user, ws)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn plan_set_changes_tier_status_and_credits_and_is_audited(pool: PgPool) {
    let (_, ws) = owner_with_workspace(&pool).await;
    let id = ws.to_string();
    let (ok, out) = agency_os(&pool, &["plan", "set", "--workspace", &id, "--tier", "velocity", "--status", "active"], &[]).await;
    assert!(ok, "{out}");
    assert!(out.contains("Ignition (trialing) -> Velocity (active); 2250 credits left"), "{out}");
    let (plan, status, credits): (String, String, i32) = sqlx::query_as("select plan, subscription_status, credits_remaining from workspaces where id = $1")
        .bind(ws)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (plan.as_str(), status.as_str(), credits),
        ("velocity", "active", 2250),
        "an upgrade adds the difference of the pools"
    );
    let audit: (serde_json::Value, serde_json::Value) = sqlx::query_as("select before, after from audit_log where client_id = $1 and action = 'plan.set'")
        .bind(ws)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (audit.0["plan"].as_str(), audit.1["subscription_status"].as_str()),
        (Some("ignition"), Some("active"))
    );
    assert_eq!(audit.1["source"]["by"], "cli");

    // The configured pools are the ones moved between.
    let (ok, out) = agency_os(
        &pool,
        &["plan", "set", "--workspace", &id, "--tier", "ignition", "--status", "past_due"],
        &[("AGENCY_OS_PLANS__IGNITION__LEAD_POOL", "2000")],
    )
    .await;
    assert!(ok, "{out}");
    let credits: i32 = sqlx::query_scalar("select credits_remaining from workspaces where id = $1")
        .bind(ws)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(credits, 2000);

    let (ok, out) = agency_os(&pool, &["plan", "set", "--workspace", &id, "--tier", "gold", "--status", "active"], &[]).await;
    assert!(!ok && out.contains("gold"), "{out}");
    let (ok, out) = agency_os(
        &pool,
        &[
            "plan",
            "set",
            "--workspace",
            &uuid::Uuid::new_v4().to_string(),
            "--tier",
            "velocity",
            "--status",
            "active",
        ],
        &[],
    )
    .await;
    assert!(!ok && out.contains("no workspace"), "{out}");
    let n: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'plan.set'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2, "refused commands change nothing");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn operator_grant_and_revoke_set_the_flag_once_each_and_are_audited(pool: PgPool) {
    let (user, _) = owner_with_workspace(&pool).await;
    let flag = || async {
        sqlx::query_scalar::<_, bool>("select is_operator from users where id = $1")
            .bind(user)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let (ok, out) = agency_os(&pool, &["operator", "grant", "Ops@Agency.example"], &[]).await;
    assert!(ok && out.contains("is an operator now"), "{out}");
    assert!(flag().await);
    let (ok, out) = agency_os(&pool, &["operator", "grant", "ops@agency.example"], &[]).await;
    assert!(ok && out.contains("already"), "{out}");
    let (ok, out) = agency_os(&pool, &["operator", "revoke", "ops@agency.example"], &[]).await;
    assert!(ok && out.contains("not an operator now"), "{out}");
    assert!(!flag().await);
    let (ok, out) = agency_os(&pool, &["operator", "grant", "nobody@agency.example"], &[]).await;
    assert!(!ok && out.contains("no user signed up with nobody@agency.example"), "{out}");
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where target_type = 'user' order by id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(actions, ["operator.grant", "operator.revoke"]);
}
