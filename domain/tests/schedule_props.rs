//! Properties of sending windows, the allocator and the cadence planner.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use domain::allocate::*;
use domain::cadence::*;
use domain::score::{Channel, ChannelSet, Tier, TierSet};
use domain::window::*;
use proptest::prelude::*;
use uuid::Uuid;

const ZONES: &[&str] = &[
    "UTC",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "America/New_York",
    "America/St_Johns",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "America/Santiago",
];

fn zone() -> impl Strategy<Value = Tz> {
    proptest::sample::select(ZONES).prop_map(|z| parse_time_zone(z).unwrap())
}

/// Instants from 2000 to 2060, where zone rules are interesting (DST changes included).
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..2_871_763_200).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn window() -> impl Strategy<Value = SendingWindow> {
    prop_oneof![
        Just(SendingWindow::default()),
        (1u8..128, 0u32..24 * 60, 1u32..24 * 60, 0u32..600).prop_filter_map(
            "valid window",
            |(days, start, len, within)| {
                let t = |m: u32| {
                    NaiveTime::from_num_seconds_from_midnight_opt(m.min(24 * 60 - 1) * 60, 0)
                };
                let days: Vec<Weekday> = (0..7)
                    .filter(|i| days & (1 << i) != 0)
                    .map(|i| Weekday::try_from(i as u8).unwrap())
                    .collect();
                let range = TimeRange::new(t(start)?, t(start + len)?).ok()?;
                let days = WeekdaySet::of(&days);
                SendingWindow::new(days, range, days, vec![range], within).ok()
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn the_next_slot_is_never_before_now_and_always_inside_the_window(
        now in instant(), tz in zone(), w in window(),
    ) {
        let open = next_open(now, tz, &w).unwrap();
        prop_assert!(open >= now);
        prop_assert!(is_inside_window(open, tz, &w), "open {} local {}", open, open.with_timezone(&tz));
        let slot = next_slot(now, tz, &w).unwrap();
        prop_assert!(slot >= open);
        prop_assert!(is_inside_window(slot, tz, &w));
        if is_inside_window(now, tz, &w) {
            prop_assert_eq!(open, now);
        }
    }

    #[test]
    fn the_window_opens_within_a_week(now in instant(), tz in zone()) {
        let w = SendingWindow::default();
        let open = next_open(now, tz, &w).unwrap();
        prop_assert!(open - now <= chrono::TimeDelta::days(4));
    }

    #[test]
    fn any_zone_name_parses_or_is_a_typed_error(name in ".{0,40}") {
        match parse_time_zone(&name) {
            Ok(_) => {}
            Err(e) => prop_assert!(matches!(e, WindowError::UnknownTimeZone(_))),
        }
    }
}

fn channel() -> impl Strategy<Value = Channel> {
    proptest::sample::select(Channel::ALL.to_vec())
}

fn tier() -> impl Strategy<Value = Tier> {
    proptest::sample::select(Tier::ALL.to_vec())
}

fn day0() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

prop_compose! {
    fn resource()(n in any::<u128>(), ch in channel(), cap in proptest::option::of(0u32..200), age in -10i64..100, paused in proptest::bool::weighted(0.1)) -> Resource {
        let activated_on = if age >= 0 { day0() - Days::new(age as u64) } else { day0() + Days::new((-age) as u64) };
        Resource { id: ResourceId(Uuid::from_u128(n)), channel: ch, daily_cap: cap, activated_on, paused }
    }
}

prop_compose! {
    fn reach()(f in any::<[bool; 8]>()) -> LeadReach {
        LeadReach {
            has_email: f[0], has_linkedin_url: f[1], has_mobile: f[2], has_postal_address: f[3],
            email_suppressed: f[4] && f[5], phone_suppressed: f[5] && f[6], dncr_listed: f[6], lead_suppressed: f[7] && f[0] && f[1],
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn the_allocator_never_exceeds_a_cap_or_assigns_outside_the_window(
        resources in proptest::collection::vec(resource(), 0..8),
        initial in proptest::collection::vec(0u32..60, 8),
        ramp in any::<bool>(),
        requests in proptest::collection::vec((channel(), tier(), reach(), zone(), any::<u8>(), 0i64..86_400), 0..200),
    ) {
        let cfg = AllocationConfig::default();
        let sending = if ramp { WorkspaceSending::Ramp(RampMode::starting(day0())) } else { WorkspaceSending::Graduated { daily_limit: None } };
        let ids: Vec<ResourceId> = resources.iter().map(|r| r.id).collect();
        let sent0 = |id: ResourceId| ids.iter().position(|x| *x == id).map_or(0, |i| initial[i]);
        let mut a = Allocator::new(day0(), &cfg, &resources, sent0, &sending, 0);
        let w = SendingWindow::default();
        let start = Utc.from_utc_datetime(&day0().and_hms_opt(0, 0, 0).unwrap());
        let mut assigned = 0u32;
        for (ch, t, r, tz, campaign, secs) in requests {
            let now = start + chrono::TimeDelta::seconds(secs);
            let req = SendRequest { channel: ch, tier: t, campaign_channels: ChannelSet::ALL.intersection(campaign_set(campaign)), reach: &r, time_zone: tz, window: &w };
            if let Allocation::Assigned { resource, channel } = a.assign(&req, now) {
                assigned += 1;
                prop_assert_eq!(channel, ch);
                prop_assert!(is_inside_window(now, tz, &w));
                prop_assert!(allowed_channels(t, req.campaign_channels, &r).contains(ch));
                prop_assert!(sending.limits().tiers.contains(t));
                let u = a.usage().iter().find(|u| u.resource.id == resource).unwrap();
                prop_assert_eq!(u.resource.channel, ch);
            }
        }
        for (i, u) in a.usage().iter().enumerate() {
            // Counters loaded above the cap stay where they were; nothing is added to them.
            prop_assert!(u.sent <= u.cap.max(initial[i]));
            prop_assert!(u.cap <= cfg.caps.for_channel(u.resource.channel));
        }
        if let Some(limit) = sending.limits().daily_limit {
            prop_assert!(assigned <= limit);
        }
    }

    #[test]
    fn ramps_never_exceed_the_platform_cap(r in resource(), offset in 0u64..400) {
        let cfg = AllocationConfig::default();
        let day = day0() + Days::new(offset);
        prop_assert!(effective_cap(&r, day, &cfg) <= cfg.caps.for_channel(r.channel));
        if r.paused || day < r.activated_on {
            prop_assert_eq!(effective_cap(&r, day, &cfg), 0);
        }
    }
}

fn campaign_set(bits: u8) -> ChannelSet {
    Channel::ALL
        .into_iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, c)| c)
        .collect()
}

fn event() -> impl Strategy<Value = CadenceEvent> {
    prop_oneof![
        instant().prop_map(|at| CadenceEvent::Replied { at }),
        instant().prop_map(|at| CadenceEvent::Unsubscribed { at }),
        instant().prop_map(|at| CadenceEvent::Bounced { at }),
        instant().prop_map(|at| CadenceEvent::Converted { at }),
        instant().prop_map(|at| CadenceEvent::NotInterested { at }),
        (instant(), proptest::option::of(instant()))
            .prop_map(|(at, returns_at)| CadenceEvent::OutOfOffice { at, returns_at }),
        instant().prop_map(|at| CadenceEvent::LinkedinConnected { at }),
    ]
}

prop_compose! {
    fn progress()(enrolled_at in instant(), sent in any::<u32>(), skipped in any::<u32>(), li in any::<bool>(), conn in any::<bool>()) -> LeadProgress {
        let set = |bits: u32| (0..32).filter(|i| bits & (1 << i) != 0).fold(StepSet::EMPTY, |s, i| s.with(i));
        LeadProgress { enrolled_at, sent: set(sent & 0xff), skipped: set(skipped & 0x0f), has_linkedin_url: li, linkedin_connected: conn }
    }
}

fn cadence() -> impl Strategy<Value = Cadence> {
    prop_oneof![
        Just(Cadence::default_sequence()),
        Just(Cadence::hot_sequence()),
        proptest::collection::vec((0u16..400, channel()), 0..40).prop_filter_map(
            "valid cadence",
            |mut v| {
                v.sort_by_key(|(d, _)| *d);
                let steps = v
                    .into_iter()
                    .map(|(day, channel)| CadenceStep {
                        day,
                        channel,
                        action: StepAction::Custom,
                        condition: StepCondition::Always,
                    })
                    .collect();
                Cadence::new(steps).ok()
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_cadence_never_schedules_after_an_exit(
        c in cadence(), p in progress(), events in proptest::collection::vec(event(), 0..6), now in instant(),
    ) {
        let d = next_step(&c, &p, &events, &PauseRules::default(), now);
        let exited = events.iter().any(|e| e.exit_reason().is_some());
        match d {
            Decision::Exited { .. } => prop_assert!(exited),
            Decision::Send { step, due_at, thread, skipped } => {
                prop_assert!(!exited);
                prop_assert!(due_at <= now);
                prop_assert!(!p.sent.contains(step) && !p.skipped.contains(step));
                prop_assert!(!skipped.contains(step));
                if let Some(t) = thread {
                    prop_assert!(t.parent_step < step);
                    prop_assert!(p.sent.contains(t.parent_step));
                    prop_assert_eq!(c.steps()[t.parent_step].channel, Channel::Email);
                }
            }
            Decision::Wait { until, .. } => {
                prop_assert!(!exited);
                prop_assert!(until > now);
            }
            Decision::Paused { until } => {
                prop_assert!(!exited);
                prop_assert!(until > now);
                prop_assert!(until <= now + chrono::TimeDelta::days(90));
            }
            Decision::Finished { .. } => prop_assert!(!exited),
        }
    }

    #[test]
    fn a_sent_step_is_never_offered_again(c in cadence(), p in progress(), now in instant()) {
        if let Decision::Send { step, .. } | Decision::Wait { step, .. } = next_step(&c, &p, &[], &PauseRules::default(), now) {
            prop_assert!(!p.sent.contains(step));
        }
    }
}

#[test]
fn a_ramp_tier_filter_of_hot_only_refuses_warm_leads() {
    let limits = WorkspaceSending::Ramp(RampMode::starting(day0())).limits();
    assert_eq!(limits.tiers, TierSet::of(&[Tier::Hot]));
}
