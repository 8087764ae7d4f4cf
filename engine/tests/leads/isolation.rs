use crate::support::*;
use domain::leads::{LeadFilter, PageRequest, Sort};
use engine::import;
use engine::store::{imports, leads};
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn one_workspace_never_sees_or_dedupes_against_another(pool: PgPool) {
    let a = workspace(&pool, "Alpha").await;
    let b = workspace(&pool, "Beta").await;
    let csv = "email,linkedin\nann@acme.com,\n,linkedin.com/in/bob\n";
    let in_a = import_bytes(&pool, a, csv).await;
    // The same people imported into B are new to B: no dedupe across workspaces.
    let in_b = import_bytes(&pool, b, csv).await;
    assert_eq!((in_a.summary.imported, in_b.summary.imported), (2, 2));

    let a_lead = lead_by_email(&pool, a.0, "ann@acme.com").await;
    assert!(leads::get(&pool, b.0, a_lead.id).await.unwrap().is_none(), "B cannot read A's lead by id");
    let page = leads::list(&pool, b.0, &LeadFilter::default(), Sort::default(), PageRequest::default()).await.unwrap();
    assert_eq!(page.total, 2);
    assert!(page.rows.iter().all(|r| r.id != a_lead.id));
    let filter = LeadFilter { import_id: Some(in_a.id), ..Default::default() };
    assert_eq!(leads::count(&pool, b.0, &filter).await.unwrap(), 0, "B cannot list A's import");
    assert!(imports::get(&pool, b.0, in_a.id).await.unwrap().is_none());
    assert_eq!(import::error_report_csv(&pool, b.0, in_a.id).await.unwrap_err().status(), 404);

    // Scoring B touches only B's leads.
    let counts = engine::flows::score::score_workspace(&pool, b.0, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    assert_eq!(counts.scored, 2);
    assert!(leads::get(&pool, a.0, a_lead.id).await.unwrap().unwrap().score.is_none());
}

/// Row-level security: inside a workspace's transaction even a query with no `client_id` filter
/// at all sees and changes only that workspace's rows, and cannot write into another's.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_unscoped_query_in_a_tenant_transaction_sees_only_its_own_workspace(pool: PgPool) {
    let a = workspace(&pool, "Alpha").await;
    let b = workspace(&pool, "Beta").await;
    import_bytes(&pool, a, "email\nann@acme.com\nbea@acme.com\n").await;
    import_bytes(&pool, b, "email\ncat@beta.io\n").await;
    // As the owner (cross-tenant work) every row is there: the policies are not a filter on it.
    let all: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.unwrap();
    assert_eq!(all, 3);

    let mut tx = engine::db::tenant(&pool, b.0).await.unwrap();
    let (role,): (String,) = sqlx::query_as("select current_user::text").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(role, "agency_os_tenant", "the tenant transaction runs as the application role");
    // Deliberately unscoped: no client_id anywhere.
    let emails: Vec<String> = sqlx::query_scalar("select email from leads order by email").fetch_all(&mut *tx).await.unwrap();
    assert_eq!(emails, ["cat@beta.io"]);
    let workspaces: i64 = sqlx::query_scalar("select count(*) from workspaces").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(workspaces, 1);
    for table in ["imports", "memberships", "audit_log"] {
        let others: i64 = sqlx::query_scalar(&format!("select count(*) from {table} where client_id <> $1"))
            .bind(b.0 .0)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(others, 0, "{table} shows another workspace's rows");
    }
    // An unscoped update touches only B's lead; A's stay as they were.
    let changed = sqlx::query("update leads set title = 'changed'").execute(&mut *tx).await.unwrap().rows_affected();
    assert_eq!(changed, 1);
    let deleted = sqlx::query("delete from leads where email like '%acme.com'").execute(&mut *tx).await.unwrap().rows_affected();
    assert_eq!(deleted, 0, "A's leads are invisible, so nothing to delete");
    tx.commit().await.unwrap();
    let titled: i64 = sqlx::query_scalar("select count(*) from leads where title = 'changed'").fetch_one(&pool).await.unwrap();
    assert_eq!(titled, 1);

    // Writing a row into another workspace is refused by the policy's check.
    let mut tx = engine::db::tenant(&pool, b.0).await.unwrap();
    let err = sqlx::query("insert into suppressions (client_id, address, reason, source) values ($1, 'x@y.io', 'manual', 'test')")
        .bind(a.0 .0)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // The settings are transaction-local: the pooled connection is the owner again afterwards.
    let all: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&pool).await.unwrap();
    assert_eq!(all, 3);
    // A transaction that never said which workspace sees no tenant rows at all.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("select set_config('role', 'agency_os_tenant', true)").execute(&mut *tx).await.unwrap();
    let none: i64 = sqlx::query_scalar("select count(*) from leads").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(none, 0);
}

/// Every table that holds a tenant's rows is protected, including tables added later.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_tenant_table_has_row_level_security(pool: PgPool) {
    let unprotected: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'r'
           and exists (select 1 from information_schema.columns i
                       where i.table_schema = 'public' and i.table_name = c.relname and i.column_name = 'client_id')
           and not (c.relrowsecurity and exists (select 1 from pg_policies p where p.tablename = c.relname and p.policyname = 'tenant_rows'))
         order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(unprotected.is_empty(), "tenant tables without row-level security: {unprotected:?} (call agency_os_protect_tenant_tables() in the migration that adds them)");
}
