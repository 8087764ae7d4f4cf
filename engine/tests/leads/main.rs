//! Leads: CSV import, the leads store and scoring persistence, against a fresh Postgres
//! database per test.

mod api_keys;
mod durable;
mod import;
mod isolation;
mod score;
mod store;
mod support;
