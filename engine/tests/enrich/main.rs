//! The enrichment waterfall, credits, durable jobs and the pipeline pass, against a fresh
//! Postgres database per test and the local Redis (a namespace per test).

mod credits;
mod async_batch;
mod discover;
mod icp;
mod integrations;
mod jobs;
mod pipeline;
mod support;
mod waterfall;
