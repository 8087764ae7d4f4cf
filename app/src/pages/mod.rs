//! One module per page or group of pages.

pub mod alerts;
pub mod approvals;
pub mod auth;
pub mod billing;
pub mod campaigns;
pub mod dashboard;
pub mod digests;
pub mod icp;
pub mod inbox;
pub mod integrations;
pub mod leads;
pub mod mailboxes;
pub mod onboarding;
pub mod ops;
pub mod outbox;
pub mod reports;
pub mod sending;
pub mod settings;
pub mod shell;
pub mod suppression;
pub mod webhooks;
pub mod workspace;
