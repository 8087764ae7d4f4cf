//! Any bytes as a raw message: the bounce parser must return, never panic, and never report
//! one recipient as both permanent and temporary.
#![no_main]

use domain::bounce::parse_bounce;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = parse_bounce(data);
    for address in &report.permanent {
        assert!(!report.temporary.contains(address));
    }
});
