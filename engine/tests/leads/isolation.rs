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
    let page = leads::list(&mut *engine::db::tenant(&pool, b.0).await.unwrap(), b.0, &LeadFilter::default(), Sort::default(), PageRequest::default()).await.unwrap();
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

async fn engine_on(pool: &PgPool) -> engine::Engine {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis = engine::cache::Redis::connect(&url, format!("test-{}:", uuid::Uuid::new_v4())).await.expect("redis");
    engine::Engine::new(pool.clone(), redis, engine::Settings::default())
}

/// The scope handlers and flows read through (`Engine::tenant`, `Access::tenant`) is the
/// row-level-security transaction: a store read handed the wrong workspace id (the bug RLS
/// guards against) finds nothing of that workspace, and an unscoped query sees only the
/// caller's own rows.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn reads_through_the_engines_tenant_scope_see_only_the_callers_workspace(pool: PgPool) {
    let a = workspace(&pool, "Alpha").await;
    let b = workspace(&pool, "Beta").await;
    import_bytes(&pool, a, "email\nann@acme.com\nbea@acme.com\n").await;
    import_bytes(&pool, b, "email\ncat@beta.io\n").await;
    let a_lead = lead_by_email(&pool, a.0, "ann@acme.com").await;
    let engine = engine_on(&pool).await;

    let access = engine::auth::Access::resolve(&engine, b.1, b.0).await.unwrap();
    let mut db = access.tenant(&engine).await.unwrap();
    let (role, setting): (String, String) =
        sqlx::query_as("select current_user::text, current_setting('agency_os.workspace_id')").fetch_one(&mut *db).await.unwrap();
    assert_eq!((role.as_str(), setting), ("agency_os_tenant", b.0.to_string()));
    // A store function told A's id, run in B's scope: A's rows are not there to find.
    assert!(leads::get(&mut *db, a.0, a_lead.id).await.unwrap().is_none());
    let page = leads::list(&mut db, a.0, &LeadFilter::default(), Sort::default(), PageRequest::default()).await.unwrap();
    assert_eq!((page.total, page.rows.len()), (0, 0), "A's leads listed from B's scope");
    assert_eq!(leads::count(&mut *db, a.0, &LeadFilter::default()).await.unwrap(), 0);
    // Deliberately unscoped.
    let emails: Vec<String> = sqlx::query_scalar("select email from leads order by email").fetch_all(&mut *db).await.unwrap();
    assert_eq!(emails, ["cat@beta.io"]);
    drop(db);

    // The same read in A's own scope finds it: the scope, not the query, made the difference.
    let mut db = engine.tenant(a.0).await.unwrap();
    assert!(leads::get(&mut *db, a.0, a_lead.id).await.unwrap().is_some());
    drop(db);

    // A flow reading for B (the lead timeline) cannot reach A's lead either.
    let timeline = engine::flows::inbox::timeline(&engine, &access, a_lead.id, None).await;
    assert_eq!(timeline.unwrap_err().status(), 404);
}

/// One resolution per request: a non-member is `NotFound` (ids of other tenants reveal
/// nothing); a member's role is checked by a pure method, with no second lookup.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn access_is_resolved_once_and_checked_without_the_database(pool: PgPool) {
    use domain::account::Action;
    let a = workspace(&pool, "Alpha").await;
    let b = workspace(&pool, "Beta").await;
    let engine = engine_on(&pool).await;
    let err = engine::auth::Access::resolve(&engine, a.1, b.0).await.unwrap_err();
    assert_eq!(err.status(), 404, "a stranger learns nothing about B");

    sqlx::query("insert into memberships (client_id, user_id, role) values ($1, $2, 'viewer')").bind(b.0 .0).bind(a.1 .0).execute(&pool).await.unwrap();
    let viewer = engine::auth::Access::resolve(&engine, a.1, b.0).await.unwrap();
    // The database is gone: the checks still answer, so they cannot be lookups.
    pool.close().await;
    assert!(viewer.require(Action::ViewWorkspace).is_ok());
    assert_eq!(viewer.require(Action::EditCampaigns).unwrap_err().status(), 403);
    assert_eq!(viewer.require(Action::ManageMembers).unwrap_err().status(), 403);
}
