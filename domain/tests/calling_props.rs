//! Properties of the calling-hours rule and the national public holidays it knows.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use domain::calling::*;
use proptest::prelude::*;

const ZONES: &[&str] = &[
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Perth",
    "Australia/Hobart",
    "Australia/Lord_Howe",
    "Australia/Eucla",
    "Pacific/Auckland",
    "America/New_York",
    "Europe/London",
    "Asia/Kathmandu",
    "UTC",
];

fn zone() -> impl Strategy<Value = Tz> {
    proptest::sample::select(ZONES).prop_map(|z| z.parse::<Tz>().unwrap())
}

/// Instants from 2000 to 2060, DST changes included.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (946_684_800i64..2_871_763_200).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn hm(h: u32, m: u32, s: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, s).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn easter_is_a_sunday_between_22_march_and_25_april(year in 1583i32..10_000) {
        let e = easter_sunday(year).unwrap();
        prop_assert_eq!(e.weekday(), Weekday::Sun);
        prop_assert!(e >= NaiveDate::from_ymd_opt(year, 3, 22).unwrap());
        prop_assert!(e <= NaiveDate::from_ymd_opt(year, 4, 25).unwrap());
    }

    #[test]
    fn every_year_has_the_seven_holidays_and_substitutes_only_on_mondays_and_tuesdays(year in 1900i32..3000) {
        let days = national_public_holidays(year);
        let originals: Vec<_> = days.iter().filter(|(_, h)| !h.substitute).collect();
        prop_assert_eq!(originals.len(), 7);
        for (d, h) in &days {
            prop_assert_eq!(d.year(), year);
            if h.substitute {
                prop_assert!(matches!(d.weekday(), Weekday::Mon | Weekday::Tue), "{} {:?}", d, h);
                // A substitute exists only for a holiday that fell on a weekend.
                let original = originals.iter().find(|(_, o)| o.holiday == h.holiday).unwrap().0;
                prop_assert!(matches!(original.weekday(), Weekday::Sat | Weekday::Sun));
                prop_assert!(*d > original && (*d - original).num_days() <= 3);
            }
        }
        // Each holiday that fell on a weekend, other than Anzac Day, has its substitute.
        for (d, h) in &originals {
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            let has_sub = days.iter().any(|(_, s)| s.substitute && s.holiday == h.holiday);
            prop_assert_eq!(has_sub, weekend && h.holiday != NationalHoliday::AnzacDay, "{} {:?}", d, h);
        }
    }

    /// The rule restated from the Standard's table, on the wall clock chrono-tz gives.
    #[test]
    fn a_call_is_allowed_exactly_inside_the_standard_s_hours(now in instant(), tz in zone()) {
        let decision = check_call_time(now, tz).unwrap();
        let local = now.with_timezone(&tz).naive_local();
        let (date, t) = (local.date(), local.time());
        let holiday = national_public_holiday(date).is_some();
        let expected = !holiday && match date.weekday() {
            Weekday::Sun => false,
            Weekday::Sat => t >= hm(9, 0, 0) && t <= hm(17, 0, 0),
            _ => t >= hm(9, 0, 0) && t <= hm(20, 0, 0),
        };
        prop_assert_eq!(decision.allowed(), expected, "{}", decision);
        prop_assert_eq!(decision.local, local.with_nanosecond(0).unwrap());
    }

    #[test]
    fn the_next_call_time_is_allowed_and_nothing_before_it_is(now in instant(), tz in zone(), probes in proptest::collection::vec(0.0f64..1.0, 8)) {
        let next = next_call_time(now, tz).unwrap();
        prop_assert!(next >= now);
        prop_assert!(check_call_time(next, tz).unwrap().allowed());
        prop_assert!(next - now <= chrono::TimeDelta::days(6));
        let gap = (next - now).num_seconds();
        if gap > 0 {
            prop_assert!(!check_call_time(next - chrono::TimeDelta::seconds(1), tz).unwrap().allowed());
            for p in probes {
                let at = now + chrono::TimeDelta::seconds((gap as f64 * p) as i64);
                if at < next {
                    prop_assert!(!check_call_time(at, tz).unwrap().allowed(), "{} allowed before {}", at, next);
                }
            }
        }
    }

    #[test]
    fn the_answer_reason_names_the_local_day_and_zone(now in instant(), tz in zone()) {
        let d = check_call_time(now, tz).unwrap();
        let text = d.to_string();
        let day = now.with_timezone(&tz).format("%A %Y-%m-%d").to_string();
        prop_assert!(text.contains(&day), "{}", text);
        prop_assert!(text.contains(tz.name()), "{}", text);
    }
}
