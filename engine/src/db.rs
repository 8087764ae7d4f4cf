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
