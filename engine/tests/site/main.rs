//! The onboarding site reader and discovery against local sites (fixtures) and hostile
//! addresses.

mod support;
mod discovery;
mod ssrf;
mod limits;
mod job;
