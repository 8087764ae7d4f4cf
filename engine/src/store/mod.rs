//! Postgres, one module per aggregate. Every tenant function takes the workspace id and filters
//! by it; nothing here reads another workspace's rows.

pub mod activities;
pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod campaigns;
pub mod dashboard;
pub mod digests;
pub mod drafts;
pub mod enrichment;
pub mod icp;
pub mod imports;
pub mod inbox;
pub mod invitations;
pub mod leads;
pub mod mailbox_polls;
pub mod mailboxes;
pub mod meetings;
pub mod notifications;
pub mod outbound_webhooks;
pub mod onboarding;
pub mod ops;
pub mod memberships;
pub mod outbox;
pub mod replies;
pub mod reply_effects;
pub mod reports;
pub mod sessions;
pub mod suppressions;
pub mod uploads;

pub mod dncr;
pub mod provider_keys;
pub mod sending;
pub mod users;
pub mod webhook_events;
pub mod weights;
pub mod workspaces;
