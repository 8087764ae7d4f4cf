//! Flows: each loads what it needs, applies domain rules, and writes the change together with
//! its audit row in one transaction.

pub mod accounts;
pub mod api_keys;
pub mod api_leads;
pub mod bookings;
pub mod bounces;
pub mod campaigns;
pub mod decay;
pub mod demo;
pub mod deliverability;
pub mod drafts;
pub mod discover;
pub mod leads;
pub mod mailboxes;
pub mod meetings;
pub mod notify;
pub mod onboarding;
pub mod outbox;
pub mod enrich;
pub mod icp;
pub mod inbox;
pub mod integrations;
pub mod pipeline;
pub mod replies;
pub mod reports;
pub mod score;
pub mod sender_events;
pub mod sending;
pub mod signals;
pub mod suppression;
pub mod calling;
pub mod sms;
pub mod webhooks;
pub mod workspaces;
