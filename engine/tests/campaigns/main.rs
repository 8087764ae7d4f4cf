//! Campaigns, drafting, approval and dispatch against the real Postgres and Redis.

mod alerts;
mod dispatch;
mod external;
mod drafting_scale;
mod model_drafting;
mod flow;
mod plans;
mod outbound;
mod bounces;
mod replies;
mod reclassify;
mod revival;
mod imap_attacks;
mod imap_dovecot;
#[path = "../shared/dovecot.rs"]
mod dovecot;
mod sending;
mod smtp;
mod support;
mod suppression;
mod webhooks;
