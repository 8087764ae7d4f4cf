//! Campaigns, drafting, approval and dispatch against the real Postgres and Redis.

mod dispatch;
mod external;
mod flow;
mod bounces;
mod sending;
mod smtp;
mod support;
