use chrono::{Duration, Utc};
use domain::ids::WorkspaceId;
use engine::ledger::{self, CostAud, LedgerEntry};
use sqlx::PgPool;
use uuid::Uuid;

async fn workspace(pool: &PgPool) -> WorkspaceId {
    let user: Uuid =
        sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, 'Owner', 'x') returning id")
            .bind(format!("{}@example.com", Uuid::new_v4()))
            .fetch_one(pool)
            .await
            .unwrap();
    let ws: Uuid = sqlx::query_scalar("insert into workspaces (name, created_by) values ('Acme', $1) returning id")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap();
    WorkspaceId(ws)
}

fn entry(provider: &str, operation: &str, units: f64, cost: CostAud) -> LedgerEntry {
    LedgerEntry {
        provider: provider.into(),
        operation: operation.into(),
        units,
        cost,
        campaign_id: None,
        lead_ref: Some("lead-1".into()),
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn recorded_costs_add_up_by_provider_and_operation(pool: PgPool) {
    let ws = workspace(&pool).await;
    ledger::record(&pool, ws, &entry("hunter", "email_finder", 1.0, CostAud(230)))
        .await
        .unwrap();
    ledger::record(&pool, ws, &entry("hunter", "email_finder", 1.0, CostAud(230)))
        .await
        .unwrap();
    ledger::record(&pool, ws, &entry("dataforseo", "backlinks_summary", 1.0, CostAud(200)))
        .await
        .unwrap();
    ledger::record(&pool, ws, &entry("clay", "table_row", 1.5, CostAud(870)))
        .await
        .unwrap();

    let t = ledger::totals(&pool, ws, Utc::now() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(t.calls, 4);
    assert_eq!(t.cost, CostAud(1530));
    assert_eq!(t.cost.to_string(), "A$0.1530");
    let top = &t.by_operation[0];
    assert_eq!(
        (top.provider.as_str(), top.operation.as_str(), top.calls, top.cost),
        ("clay", "table_row", 1, CostAud(870))
    );
    assert!((top.units - 1.5).abs() < 1e-9);
    let hunter = t.by_operation.iter().find(|o| o.provider == "hunter").unwrap();
    assert_eq!((hunter.calls, hunter.cost), (2, CostAud(460)));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn totals_never_include_another_workspaces_costs(pool: PgPool) {
    let (mine, theirs) = (workspace(&pool).await, workspace(&pool).await);
    ledger::record(&pool, mine, &entry("hunter", "email_finder", 1.0, CostAud(230)))
        .await
        .unwrap();
    ledger::record(&pool, theirs, &entry("clay", "table_row", 1.0, CostAud(580)))
        .await
        .unwrap();

    let t = ledger::totals(&pool, mine, Utc::now() - Duration::days(1))
        .await
        .unwrap();
    assert_eq!((t.calls, t.cost), (1, CostAud(230)));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn totals_count_only_calls_since_the_given_time(pool: PgPool) {
    let ws = workspace(&pool).await;
    ledger::record(&pool, ws, &entry("hunter", "email_finder", 1.0, CostAud(230)))
        .await
        .unwrap();
    sqlx::query("update cost_ledger set created_at = now() - interval '2 days' where client_id = $1")
        .bind(ws.0)
        .execute(&pool)
        .await
        .unwrap();
    ledger::record(
        &pool,
        ws,
        &entry("dataforseo", "domain_rank_overview", 1.0, CostAud(100)),
    )
    .await
    .unwrap();

    let t = ledger::totals(&pool, ws, Utc::now() - Duration::days(1)).await.unwrap();
    assert_eq!((t.calls, t.cost), (1, CostAud(100)));
    let empty = ledger::totals(&pool, ws, Utc::now() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(
        (empty.calls, empty.cost, empty.by_operation.len()),
        (0, CostAud::ZERO, 0)
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_row_for_an_unknown_workspace_is_refused(pool: PgPool) {
    let r = ledger::record(
        &pool,
        WorkspaceId(Uuid::new_v4()),
        &entry("hunter", "email_finder", 1.0, CostAud(230)),
    )
    .await;
    assert!(r.is_err(), "the foreign key keeps the ledger tied to real workspaces");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_pg_ledger_records_what_a_metered_provider_spends(pool: PgPool) {
    use engine::ledger::{PgLedger, UnitCosts};
    use engine::providers::metered::{LedgerScope, Metered};
    use engine::providers::sandbox::{Sandbox, SandboxProfile};
    use engine::providers::{BreakerConfig, CircuitBreaker, EmailVerifier, ProviderName};
    use std::sync::Arc;

    let ws = workspace(&pool).await;
    let verifier: Arc<dyn EmailVerifier> =
        Arc::new(Sandbox::with_profile(1, SandboxProfile::perfect()).acting_as(ProviderName::Hunter));
    let metered = Metered::new(
        verifier,
        Arc::new(CircuitBreaker::new(BreakerConfig::default())),
        Arc::new(PgLedger { pool: pool.clone() }),
        Arc::new(UnitCosts::default()),
        LedgerScope {
            workspace: ws,
            campaign: None,
        },
    );
    metered.verify("mia@saltbushcreative.com.au").await.unwrap();
    let t = ledger::totals(&pool, ws, Utc::now() - Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((t.calls, t.cost), (1, CostAud(115)));
    assert_eq!(t.by_operation[0].operation, "email_verifier");
}
