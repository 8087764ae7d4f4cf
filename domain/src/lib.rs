//! Pure rules of Agency OS.
//!
//! Everything here is deterministic: no I/O, no async, no clock, no randomness without a
//! seed. Time, configuration and data come in as arguments; decisions and human-readable
//! reasons come out. The crate compiles to `wasm32-unknown-unknown` so the browser can
//! preview with the same code the server runs.

pub mod account;
pub mod alerts;
pub mod activity;
pub mod api_keys;
pub mod column_mapping;
pub mod integrations;
pub mod ids;
// Plans, prices and subscription statuses (SPEC §2), and Stripe's webhook signature.
pub mod billing;
pub mod plans;

// Lead scoring (SPEC §4) and the ideal customer profile it compares against (§12).
pub mod icp;
// What an agency's website says about it and the profile derived from that (SPEC §12 onboarding).
pub mod site;
pub mod score;
// Allocation, sending windows and cadences (SPEC §6, §7).
pub mod allocate;
pub mod cadence;
pub mod campaign;
pub mod deliverability;
pub mod window;
// Phone numbers and the calling hours of voice calls (SPEC §10.7).
pub mod calling;
pub mod phone;
pub mod sms;
// Suppression, quality guard, lead status machine, reply classification (SPEC §3, §8, §10.5, §11).
pub mod guard;
pub mod inbox;
pub mod lead_status;
pub mod leads;
pub mod notify;
pub mod reply;
pub mod sending;
pub mod suppression;
pub mod webhooks;
// Mail tooling: address check and bounce parsing.
pub mod bounce;
pub mod email_check;
// Reports: KPIs, targets, A/B tests (SPEC §15).
pub mod reports;
// The daily summary and the weekly review (SPEC §15).
pub mod digest;
