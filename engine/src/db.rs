//! Database connection and migrations.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let opts = PgConnectOptions::from_str(url)?.log_statements(tracing::log::LevelFilter::Trace);
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(opts)
        .await?)
}

/// Creates the database named in `url` when it does not exist yet (the run command's
/// "prepare the database" step), by connecting to the server's `postgres` database.
pub async fn create_database_if_missing(url: &str) -> anyhow::Result<bool> {
    let opts = PgConnectOptions::from_str(url)?;
    let name = opts.get_database().unwrap_or("postgres").to_string();
    if sqlx::PgConnection::connect_with(&opts).await.is_ok() {
        return Ok(false);
    }
    let mut admin = sqlx::PgConnection::connect_with(&opts.clone().database("postgres")).await?;
    let exists: bool = sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        sqlx::query(&format!("create database {quoted}")).execute(&mut admin).await?;
    }
    Ok(!exists)
}

/// Runs our migrations, then the job queue's. Both share `_sqlx_migrations`, so each migrator
/// ignores the other's rows (otherwise each would refuse to run, seeing "applied but missing").
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    let mut ours = sqlx::migrate!("../migrations");
    ours.set_ignore_missing(true);
    ours.run(pool).await?;
    crate::jobs::setup(pool).await?;
    Ok(())
}

/// A transaction confined to one workspace by row-level security (see [`tenant`]).
pub type Tenant = sqlx::Transaction<'static, sqlx::Postgres>;
/// A transaction run as the owner, across tenants on purpose (see [`across_tenants`]).
pub type Owner = sqlx::Transaction<'static, sqlx::Postgres>;

/// Switches an open transaction to one workspace: from here to its end it runs as the role
/// `agency_os_tenant`, under which PostgreSQL's row-level policies show and accept only
/// `ws`'s rows. Both settings are transaction-local, so the pooled connection comes back clean.
pub async fn enter(conn: &mut sqlx::PgConnection, ws: domain::ids::WorkspaceId) -> sqlx::Result<()> {
    sqlx::query("select set_config('agency_os.workspace_id', $1, true), set_config('role', 'agency_os_tenant', true)")
        .bind(ws.0.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Leaves the tenant role for the rest of the transaction (or until [`resume`]), keeping the
/// workspace setting; returns whether it was in the tenant role. For the few reads whose plan
/// row-level security spoils: a policy is a security barrier, so a condition with an operator
/// that is not leakproof (`LIKE`) may not be used as an index condition under it, and a search
/// over the trigram index becomes a sequential scan. Such a read, run as the owner, must confine
/// itself by `client_id = agency_os_workspace()` — the very condition the policy adds — and
/// return only ids, which the caller then reads back in the tenant role.
pub async fn step_out(conn: &mut sqlx::PgConnection) -> sqlx::Result<bool> {
    let role: String = sqlx::query_scalar("select current_setting('role')").fetch_one(&mut *conn).await?;
    if role != "agency_os_tenant" {
        return Ok(false);
    }
    sqlx::query("select set_config('role', 'none', true)").execute(conn).await?;
    Ok(true)
}

/// Returns to the tenant role after [`step_out`] (`was_tenant` is what it returned).
pub async fn resume(conn: &mut sqlx::PgConnection, was_tenant: bool) -> sqlx::Result<()> {
    if was_tenant {
        sqlx::query("select set_config('role', 'agency_os_tenant', true)").execute(conn).await?;
    }
    Ok(())
}

/// A transaction confined to one workspace (see [`enter`]). Every read and write made for one
/// tenant runs in one (handlers reach it through `Engine::tenant` or `Access::tenant`), so a
/// query that forgot its `client_id` filter still cannot see or change another tenant's rows.
///
/// Dropping it rolls back, which is all a read needs; a write must `commit()`.
pub async fn tenant(pool: &PgPool, ws: domain::ids::WorkspaceId) -> sqlx::Result<Tenant> {
    // A plain BEGIN first, then the settings inside the transaction sqlx knows about: should the
    // settings fail or the caller be dropped half-way, the transaction is rolled back when it is
    // dropped. (A custom multi-statement BEGIN that fails or is cancelled part-way leaves the
    // pooled connection inside a transaction sqlx does not know of, which poisons later users.)
    let mut tx = pool.begin().await?;
    enter(&mut tx, ws).await?;
    Ok(tx)
}

/// A transaction for work that spans tenants on purpose (claiming due messages of every
/// workspace, schedules, log-in lookups): it runs as the owner, which the row policies do not
/// restrict. Named so that every such place says so.
pub async fn across_tenants(pool: &PgPool) -> sqlx::Result<Owner> {
    pool.begin().await
}
