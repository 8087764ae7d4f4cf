//! The server-side runtime of Agency OS: the only place where I/O meets the domain.
//!
//! `store` owns Postgres (one module per aggregate, every function scoped by workspace),
//! `import` owns reading CSV files into leads, `cache` owns Redis, `auth` owns passwords, throttling and authorisation.
//! `secrets` seals provider keys at rest; `integrations` decides which client (real or sandbox)
//! plays each provider for a workspace. Callers (server
//! functions in `app`, axum handlers in `server`) stay thin: resolve the caller's
//! `auth::Access` once, call one function here with it, return a domain type. The database is
//! reached through `Engine::tenant` / `Access::tenant` (row-level security) or, for cross-tenant
//! work only, `Engine::owner_pool` (see `db`).

pub mod ai_spend;
pub mod auth;
pub mod cache;
pub mod db;
pub mod dispatch;
pub mod drafting;
pub mod email;
pub mod error;
pub mod flows;
pub mod ledger;
pub mod net;
pub mod site;
pub mod providers;
pub mod secrets;
pub mod import;
pub mod integrations;
pub mod jobs;
pub mod store;

pub use error::{Error, Result};

pub use handle::Engine;

/// The engine handle lives in its own module so that its pool is private to this module alone:
/// nothing else in the crate (or outside it) can reach the database except through the scopes
/// below, and the compiler says so.
mod handle {
    use super::{cache, db, Settings};
    use domain::ids::WorkspaceId;

    /// Handles to everything the engine talks to; cheap to clone.
    ///
    /// The database is reached in one of two named ways (see [`crate::db`]):
    /// - [`Engine::tenant`]: a transaction confined to one workspace by PostgreSQL's row-level
    ///   policies. Every read or write of a tenant table made for a workspace goes through it;
    ///   a handler doing several reads opens one and passes `&mut *tx` to each store function
    ///   (one snapshot, one connection).
    /// - [`Engine::across_tenants`] / [`Engine::owner_pool`]: the owner, whom the policies do not
    ///   restrict, for work that spans tenants on purpose (schedulers, dispatch claims, sign-up,
    ///   log-in, the session store, metrics, the CLI and benches) and for the tables that belong
    ///   to no tenant (users, sessions, jobs).
    #[derive(Clone)]
    pub struct Engine {
        pool: sqlx::PgPool,
        pub redis: cache::Redis,
        pub settings: Settings,
    }

    impl Engine {
        pub fn new(pool: sqlx::PgPool, redis: cache::Redis, settings: Settings) -> Self {
            Self { pool, redis, settings }
        }

        /// A transaction confined to `ws` (see [`db::tenant`]). Reads may simply drop it (it
        /// rolls back); writes must `commit()`.
        pub async fn tenant(&self, ws: WorkspaceId) -> crate::Result<db::Tenant> {
            Ok(db::tenant(&self.pool, ws).await?)
        }

        /// A transaction for work that spans tenants on purpose (see [`db::across_tenants`]).
        pub async fn across_tenants(&self) -> crate::Result<db::Owner> {
            Ok(db::across_tenants(&self.pool).await?)
        }

        /// The owner's pool, which row-level security does not restrict. CROSS-TENANT ONLY:
        /// schedulers and sweeps over every workspace, dispatch claims, sign-up/log-in, the
        /// session store, metrics, the job queue, the CLI and benches, and tables that belong to
        /// no tenant (users, sessions, jobs). Never for one workspace's rows: use
        /// [`Engine::tenant`].
        pub fn owner_pool(&self) -> &sqlx::PgPool {
            &self.pool
        }
    }
}

/// Engine-level settings that come from configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Public base URL, used in links we hand out (invitations).
    pub public_url: String,
    pub throttle: auth::throttle::Limits,
    /// How long an invitation link stays valid.
    pub invitation_ttl_hours: i64,
    /// Signs the unsubscribe links in every email (`AGENCY_OS_UNSUBSCRIBE_KEY`).
    pub unsubscribe_key: email::unsubscribe::UnsubscribeKey,
    /// Seals and opens provider keys at rest.
    pub secrets: secrets::Keyring,
    /// Provider base URLs, installation-wide keys, resolver timings.
    pub providers: integrations::ProviderConfig,
    /// Where connections to hosts a tenant named may go (`AGENCY_OS_FETCH_ALLOW_PRIVATE`).
    pub net: net::NetPolicy,
    /// The installation's mailbox for notices to its own users (`AGENCY_OS_NOTIFY_SMTP_URL`);
    /// `None` turns those emails off.
    pub notify_mail: Option<flows::notify::NotifyMail>,
    /// The plan tiers' lead pools, campaign limits, seats and prices (SPEC §2).
    pub plans: domain::plans::Plans,
    /// AUD per provider unit, recorded in the cost ledger (SPEC §13).
    pub unit_costs: ledger::UnitCosts,
    /// Stripe, when the installation has keys; without it the operator sets plans by hand.
    pub stripe: Option<providers::stripe::StripeConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:3000".into(),
            throttle: auth::throttle::Limits::default(),
            invitation_ttl_hours: 24 * 7,
            unsubscribe_key: email::unsubscribe::UnsubscribeKey::generate(),
            // A key that lives as long as the process: enough for tests; `server::config`
            // always supplies a persistent one.
            secrets: secrets::Keyring::ephemeral(),
            providers: integrations::ProviderConfig::default(),
            // Strict: tests that talk to local servers allow private addresses explicitly.
            net: net::NetPolicy::default(),
            notify_mail: None,
            plans: domain::plans::Plans::default(),
            unit_costs: ledger::UnitCosts::default(),
            stripe: None,
        }
    }
}
