//! The `agency-os` command line: one binary, one subcommand per job.

use crate::config::{Config, VARIABLES};
use crate::{router, session_store, telemetry, AppState, RouterSettings};
use anyhow::Context;
use clap::{Parser, Subcommand};
use engine::{cache::Redis, db, flows::demo, Engine};

fn env_help() -> String {
    let mut s = String::from("Configuration (environment variables; a missing or malformed value stops the program):\n");
    for (var, default, what) in VARIABLES {
        s.push_str(&format!("  {var:<38} {what}{}\n", if default.is_empty() { String::new() } else { format!(" [default: {default}]") }));
    }
    s
}

#[derive(Parser, Debug)]
#[command(name = "agency-os", version, about = "Agency OS: outbound prospecting for agencies, on your own machine.", after_help = env_help())]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web app and run the background worker in one process.
    Serve {
        /// Skip applying pending database migrations at start-up.
        #[arg(long)]
        no_migrate: bool,
    },
    /// Create the database if it does not exist and apply pending migrations.
    Migrate,
    /// Seed the demo workspace (idempotent) and print its login.
    Demo,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { no_migrate } => serve(no_migrate).await,
        Command::Migrate => {
            let config = load()?;
            let _ = prepare_database(&config).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::Demo => {
            let config = load()?;
            let engine = connect(&config).await?;
            let d = demo::seed(&engine).await?;
            println!(
                "Demo workspace \"{}\" {}.\n  Log in at {}/login\n  email:    {}\n  password: {}",
                demo::DEMO_WORKSPACE,
                if d.created { "created" } else { "already present" },
                config.public_url,
                demo::DEMO_EMAIL,
                demo::DEMO_PASSWORD
            );
            Ok(())
        }
    }
}

fn load() -> anyhow::Result<Config> {
    let config = Config::from_env()?;
    telemetry::init(&config);
    Ok(config)
}

async fn prepare_database(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    let url = config.database_url.expose();
    if db::create_database_if_missing(url)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {:?} (set DATABASE_URL)", config.database_url))?
    {
        tracing::info!("created the database");
    }
    let pool = db::connect(url, config.db_max_connections).await?;
    db::migrate(&pool).await.context("applying migrations")?;
    session_store(&pool).await.context("preparing the session table")?;
    Ok(pool)
}

async fn connect(config: &Config) -> anyhow::Result<Engine> {
    let pool = db::connect(config.database_url.expose(), config.db_max_connections)
        .await
        .with_context(|| format!("cannot reach PostgreSQL at {:?} (set DATABASE_URL)", config.database_url))?;
    let redis = Redis::connect(config.redis_url.expose(), config.redis_namespace.clone())
        .await
        .with_context(|| format!("cannot reach Redis at {:?} (set REDIS_URL)", config.redis_url))?;
    Ok(Engine { pool, redis, settings: config.engine_settings() })
}

async fn serve(no_migrate: bool) -> anyhow::Result<()> {
    let config = load()?;
    if !no_migrate {
        prepare_database(&config).await?;
    }
    let engine = connect(&config).await?;
    let store = session_store(&engine.pool).await?;
    // Worker: for now it only expires sessions; later capabilities add their jobs here.
    let cleanup = store.clone();
    tokio::spawn(async move {
        use tower_sessions::session_store::ExpiredDeletion;
        if let Err(e) = cleanup.continuously_delete_expired(std::time::Duration::from_secs(3600)).await {
            tracing::error!(error = %e, "session clean-up stopped");
        }
    });
    let mut leptos_options = leptos::prelude::get_configuration(None)?.leptos_options;
    leptos_options.site_addr = config.addr;
    let state = AppState { engine, leptos_options };
    let settings = RouterSettings {
        public_url: config.public_url.clone(),
        secure_cookies: config.secure_cookies,
        trust_proxy: config.trust_proxy,
        session_days: config.session_days,
    };
    let app = router(state, store, &settings);
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {} (set AGENCY_OS_ADDR)", config.addr))?;
    tracing::info!(addr = %config.addr, public_url = %config.public_url, "serving");
    eprintln!("Agency OS is serving on {}", config.public_url);
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

