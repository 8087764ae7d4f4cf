//! The deliverability guard (SPEC §10.6): when a mailbox must stop sending, judged from its
//! last sends. Pure; the engine counts and pauses.

use serde::{Deserialize, Serialize};

/// How many of the latest sends are judged.
pub const WINDOW: u32 = 100;
/// Bounce rate above which a mailbox pauses (5 %).
pub const MAX_BOUNCE_RATE: f64 = 0.05;
/// Complaint rate above which a mailbox pauses (0.3 %).
pub const MAX_COMPLAINT_RATE: f64 = 0.003;
/// Below this many sends a rate says little (one bounce in three sends is 33 %), so only an
/// absolute count that would exceed the rate over a full window trips the guard.
pub const MIN_SENDS_FOR_RATE: u32 = 20;

/// Outcomes of a mailbox's last sends (at most [`WINDOW`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailboxHealth {
    pub sends: u32,
    pub bounces: u32,
    pub complaints: u32,
}

/// `Some(reason)` when the mailbox must pause.
pub fn pause_reason(h: MailboxHealth) -> Option<String> {
    let sends = h.sends.min(WINDOW);
    // Over a short history judge against a full window: that never pauses a mailbox for one
    // unlucky early bounce, yet pauses one whose bounces already exceed what a full window allows.
    let denominator = if sends >= MIN_SENDS_FOR_RATE { sends } else { WINDOW };
    if denominator == 0 {
        return None;
    }
    let bounce_rate = f64::from(h.bounces) / f64::from(denominator);
    let complaint_rate = f64::from(h.complaints) / f64::from(denominator);
    if bounce_rate > MAX_BOUNCE_RATE {
        return Some(format!(
            "bounce rate {:.1} % over the last {} sends ({} bounced) is above 5 %",
            bounce_rate * 100.0,
            sends,
            h.bounces
        ));
    }
    if complaint_rate > MAX_COMPLAINT_RATE {
        return Some(format!(
            "complaint rate {:.1} % over the last {} sends ({} complaints) is above 0.3 %",
            complaint_rate * 100.0,
            sends,
            h.complaints
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(sends: u32, bounces: u32, complaints: u32) -> MailboxHealth {
        MailboxHealth { sends, bounces, complaints }
    }

    #[test]
    fn five_percent_of_bounces_is_allowed_and_more_is_not() {
        assert_eq!(pause_reason(h(100, 5, 0)), None);
        assert!(pause_reason(h(100, 6, 0)).unwrap().contains("bounce rate 6.0 %"));
        assert!(pause_reason(h(40, 3, 0)).is_some(), "7.5 % of 40");
    }

    #[test]
    fn a_young_mailbox_is_not_paused_for_one_early_bounce() {
        assert_eq!(pause_reason(h(3, 1, 0)), None);
        assert!(pause_reason(h(10, 6, 0)).is_some(), "6 bounces exceed 5 % of a full window");
    }

    #[test]
    fn any_complaint_in_the_last_hundred_sends_pauses() {
        assert!(pause_reason(h(100, 0, 1)).unwrap().contains("complaint"));
        assert!(pause_reason(h(5, 0, 1)).is_some());
        assert_eq!(pause_reason(h(0, 0, 0)), None);
    }
}
