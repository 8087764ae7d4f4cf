//! The email channel's machinery (SPEC §10): building a message, signing it, handing it to an
//! SMTP server, and honouring unsubscribes.
//!
//! What is sent, when, and to whom belongs to the dispatch flow; this module only knows how. It
//! never decides that a lead may be contacted.
//!
//! - [`compose`]: a typed outgoing email → RFC 5322 bytes (threading, List-Unsubscribe).
//! - [`dkim`]: DKIM keys (generate, load, publish) and signing.
//! - [`smtp`]: SMTP submission with pooled connections and errors that say "retry" or "give up".
//! - [`sink`]: a small in-process SMTP server that keeps what it receives (tests, benchmarks,
//!   `agency-os smtp-sink`).
//! - [`imap`]: reading a mailbox over IMAP: is a Message-ID there (reconciliation after a
//!   crash), which messages are new in INBOX (bounces and complaints, `flows::bounces`).
//! - [`transport`]: the dispatcher's transport for native mailboxes (secrets, compose, DKIM,
//!   SMTP, IMAP reconciliation).
//! - [`unsubscribe`]: signed unsubscribe tokens and the unsubscribe use case.

pub mod compose;
pub mod dkim;
pub mod imap;
pub mod sink;
pub mod smtp;
pub mod transport;
pub mod unsubscribe;
