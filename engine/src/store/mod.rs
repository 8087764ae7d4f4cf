//! Postgres, one module per aggregate. Every tenant function takes the workspace id and filters
//! by it; nothing here reads another workspace's rows.

pub mod api_keys;
pub mod audit;
pub mod enrichment;
pub mod imports;
pub mod invitations;
pub mod leads;
pub mod memberships;
pub mod provider_keys;
pub mod users;
pub mod workspaces;
