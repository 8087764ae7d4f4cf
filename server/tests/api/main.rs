//! HTTP tests against the real router, Postgres and Redis.

mod support;

mod accounts;
mod billing;
mod campaigns;
mod icp;
mod inbox;
mod input;
mod integrations;
mod isolation;
mod leads;
mod ops;
mod operator_console;
mod onboarding;
#[path = "../../../engine/tests/site/support.rs"]
mod site_support;
mod outbound;
mod outbound_webhooks;
mod reports;
mod revival;
mod rest;
mod security;
mod roles;
mod sending;
mod senders;
mod suppression;
mod unsubscribe;
mod webhooks_bookings;
mod webhooks_senders;
