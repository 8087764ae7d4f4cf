//! Any bytes as everything an IMAP server says in one session: greeting, LOGIN, a poll of INBOX
//! (EXAMINE, the size FETCH, the body FETCH) and a Message-ID search, read by the product's
//! IMAP conversation (`engine/src/email/imap/wire.rs`, compiled here on its own so the target
//! does not build the whole engine). It must return, never panic or allocate past its caps, and
//! the batch it hands back must keep its invariants (UID order, limits, the cursor never going
//! backwards), which `fuzz_session` asserts.
#![no_main]

#[allow(dead_code)]
#[path = "../../engine/src/email/imap/wire.rs"]
mod wire;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| wire::fuzz_session(data));
