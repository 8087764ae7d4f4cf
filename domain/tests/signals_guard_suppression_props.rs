//! Property tests for suppression, the quality guard, the status machine and the reply
//! classifier: invariants that must hold for any input, not just the examples.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::guard::{self, Draft, Evidence, GuardConfig, RejectionMemory};
use domain::lead_status::{transition, Decay, LeadStatus, Signal};
use domain::reply::{classify, Reply};
use domain::suppression::{Contact, EntrySource, Region, SuppressionEntry, SuppressionList};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,9}"
}

/// Random case for an ASCII string, driven by a bit mask.
fn recase(s: &str, mask: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn suppression_matching_ignores_case_and_surrounding_space(
        local in "[a-z0-9._]{1,12}", name in label(), tld in "(com|net|io|com\\.au)",
        sub in proptest::option::of(label()), mask in any::<u64>(),
    ) {
        let domain = format!("{name}.{tld}");
        let list = SuppressionList::new([SuppressionEntry::domain(&recase(&domain, mask), EntrySource::Manual).unwrap()], Region::AU);
        let host = match &sub { Some(s) => format!("{s}.{domain}"), None => domain.clone() };
        let email = format!("  {}@{}  ", recase(&local, mask.rotate_left(7)), recase(&host, mask.rotate_left(13)));
        let hit = list.check(&Contact { email: Some(&email), ..Contact::default() }).is_some();
        prop_assert!(hit);

        let exact = format!("{local}@{host}");
        let list = SuppressionList::new([SuppressionEntry::email(&exact, EntrySource::Unsubscribe).unwrap()], Region::AU);
        let shouted = recase(&exact, mask);
        let hit = list.check(&Contact { email: Some(&shouted), ..Contact::default() }).is_some();
        prop_assert!(hit);
    }

    #[test]
    fn a_domain_entry_never_matches_a_different_registrable_domain(
        a in label(), b in label(), tld in "(com|net|io|com\\.au|co\\.uk)",
        prefix in "[a-z0-9-]{0,6}", sub in proptest::option::of(label()),
    ) {
        let entry = format!("{a}.{tld}");
        // Another registrable domain: a different name, possibly sharing a suffix of `a`
        // ("notcustomer" vs "customer") or being `a` with a prefix.
        let other_name = format!("{prefix}{b}");
        prop_assume!(other_name != a);
        let other = format!("{other_name}.{tld}");
        let host = match sub { Some(s) => format!("{s}.{other}"), None => other };
        let list = SuppressionList::new([SuppressionEntry::domain(&entry, EntrySource::Customer).unwrap()], Region::AU);
        let email = format!("x@{host}");
        let company = format!("https://{host}/");
        let hit = list.check(&Contact { email: Some(&email), company_domain: Some(&company), phone: None });
        prop_assert!(hit.is_none(), "{} matched {:?}", host, hit);
    }

    #[test]
    fn suppression_checks_never_panic(email in ".{0,60}", domain in ".{0,60}", phone in ".{0,30}") {
        let list = SuppressionList::new(
            [
                SuppressionEntry::domain("customer.com", EntrySource::Manual).unwrap(),
                SuppressionEntry::phone("0412 345 678", Region::AU, EntrySource::DoNotCall).unwrap(),
            ],
            Region::AU,
        );
        let _ = list.check(&Contact { email: Some(&email), company_domain: Some(&domain), phone: Some(&phone) });
        let _ = SuppressionEntry::domain(&domain, EntrySource::Manual);
        let _ = SuppressionEntry::phone(&phone, Region::AU, EntrySource::Manual);
    }

    #[test]
    fn the_guard_never_panics_and_always_explains_itself(body in "\\PC{0,400}", evidence in proptest::option::of(".{0,40}")) {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let ev: Vec<Evidence> = evidence.into_iter().map(|v| Evidence::new("post", v)).collect();
        let draft = Draft { body: &body, template_id: Some("t"), evidence: &ev };
        let mut memory = RejectionMemory::default();
        for i in 0..5 {
            memory.record(now - Duration::days(i), "no", &draft);
        }
        let v = guard::check(&GuardConfig::default(), &draft, &memory, now);
        prop_assert_eq!(v.fingerprint.len(), 64);
        prop_assert_eq!(v.findings.is_empty(), v.allows() && !v.would_block());
        prop_assert!(!v.message().is_empty());
        // The draft was itself rejected, so its fingerprint always blocks.
        prop_assert!(v.findings.iter().any(|f| f.code.as_str() == "GUARD-002"));
    }

    #[test]
    fn the_classifier_never_panics_on_arbitrary_text(subject in "\\PC{0,80}", body in "(\\PC|\n|>){0,600}", auto in any::<bool>(), days in 0i64..3000) {
        let received = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(days);
        let c = classify(&Reply { subject: &subject, body: &body, received_on: received, auto_submitted: auto });
        prop_assert!((0.0..=1.0).contains(&c.confidence));
        if let Some(d) = c.return_date {
            prop_assert!(d >= received - Duration::days(31) && d <= received + Duration::days(400));
        }
    }

    #[test]
    fn the_classifier_never_panics_on_date_shaped_text(
        words in proptest::collection::vec("(back|until|on|the|from|to|[0-9]{1,4}|[0-9]{1,2}(st|nd|rd|th)|march|feb|monday|/|\\.|-|,)", 0..20),
    ) {
        let body = format!("I am out of the office {}", words.join(" "));
        let received = NaiveDate::from_ymd_opt(2026, 2, 28).unwrap();
        let c = classify(&Reply { subject: "", body: &body, received_on: received, auto_submitted: true });
        prop_assert_eq!(c.class.as_str(), "out_of_office");
    }

    #[test]
    fn transitions_never_leave_a_terminal_state_except_by_a_documented_exit(
        from in proptest::sample::select(LeadStatus::ALL.to_vec()),
        signal in signal_strategy(),
    ) {
        if let Ok(to) = transition(from, signal) {
            if from.is_terminal() && to != from {
                let allowed = match (from, signal) {
                    (_, Signal::RePermission) => to == LeadStatus::New,
                    (LeadStatus::NotInterested, Signal::ReplyCorrected { back_to, .. }) => to == back_to,
                    (LeadStatus::Unsubscribed, Signal::ReplyCorrected { back_to, opt_out_confirmed: true }) => to == back_to,
                    (_, Signal::Unsubscribed | Signal::Complained) => to == LeadStatus::Unsubscribed,
                    (_, Signal::Suppressed) => to == LeadStatus::Suppressed,
                    (LeadStatus::Exhausted, _) => matches!(to, LeadStatus::RevivalCandidate | LeadStatus::Replied | LeadStatus::Converted | LeadStatus::NotInterested | LeadStatus::Bounced),
                    (LeadStatus::Dead, Signal::Scored { .. }) => to == LeadStatus::Scored,
                    _ => false,
                };
                prop_assert!(allowed, "{} --{:?}--> {}", from, signal, to);
            }
            // Opted-out leads only ever leave by re-permission, or by a person's confirmed
            // correction of the reply that unsubscribed them.
            let confirmed_correction = matches!((from, signal), (LeadStatus::Unsubscribed, Signal::ReplyCorrected { opt_out_confirmed: true, .. }));
            if matches!(from, LeadStatus::Unsubscribed | LeadStatus::Bounced | LeadStatus::Suppressed) && signal != Signal::RePermission && !confirmed_correction {
                prop_assert_eq!(to, from);
            }
        }
    }

    #[test]
    fn any_sequence_of_signals_after_an_unsubscribe_stays_unsubscribed(signals in proptest::collection::vec(signal_strategy(), 0..30)) {
        let mut status = LeadStatus::Unsubscribed;
        for s in signals {
            if s == Signal::RePermission || matches!(s, Signal::ReplyCorrected { opt_out_confirmed: true, .. }) {
                continue;
            }
            status = transition(status, s).unwrap_or(status);
            prop_assert_eq!(status, LeadStatus::Unsubscribed);
        }
    }
}

fn signal_strategy() -> impl Strategy<Value = Signal> {
    prop_oneof![
        Just(Signal::Enriched),
        any::<u8>().prop_map(|als| Signal::Scored { als: als % 101 }),
        Just(Signal::Drafted),
        Just(Signal::DraftRejected),
        Just(Signal::Approved),
        Just(Signal::Enrolled),
        Just(Signal::Sent),
        Just(Signal::Opened),
        Just(Signal::Clicked),
        Just(Signal::Replied),
        Just(Signal::LinkedinConnected),
        Just(Signal::Bounced),
        Just(Signal::Unsubscribed),
        Just(Signal::Complained),
        Just(Signal::Suppressed),
        Just(Signal::Converted),
        Just(Signal::NotInterested),
        Just(Signal::CadenceFinished),
        Just(Signal::Decayed(Decay::Ghosted)),
        Just(Signal::Decayed(Decay::Stalled)),
        Just(Signal::Decayed(Decay::Hesitant)),
        Just(Signal::RevivalFlagged),
        Just(Signal::RePermission),
        (proptest::sample::select(LeadStatus::ALL.to_vec()), any::<bool>()).prop_map(|(back_to, opt_out_confirmed)| Signal::ReplyCorrected { back_to, opt_out_confirmed }),
    ]
}
