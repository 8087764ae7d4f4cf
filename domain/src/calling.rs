//! Calling hours for voice calls (SPEC §10.7, issue 16 item 4 and 7).
//!
//! Owns the question "may a call to this lead be placed at this instant?" under the
//! Telecommunications (Telemarketing and Research Calls) Industry Standard 2017, whose calling
//! times the 2007 Standard set and the 2017 one kept:
//!
//! | day (recipient's local time)   | permitted              |
//! | ------------------------------ | ---------------------- |
//! | Monday to Friday               | 9:00 am to 8:00 pm     |
//! | Saturday                       | 9:00 am to 5:00 pm     |
//! | Sunday                         | no calls               |
//! | a national public holiday      | no calls               |
//!
//! The end of each range is inclusive to the instant: the Standard forbids calls *after*
//! 8:00 pm, so 20:00:00 is allowed and 20:00:01 is not; 8:59:59 is before 9:00 am and is not.
//! The times are the local time of the person called, so the check works on the lead's IANA
//! zone (the wall clock there, daylight saving included), never on ours. The product applies
//! the same hours to every number it calls, Australian or not.
//!
//! # National public holidays
//! ACMA reads "national public holiday" as a day that is a public holiday in every State and
//! Territory. The text of the 2017 Standard was not at hand when this was written (see
//! `../shared/reference/providers/acma-dncr-wash-and-calling-rules.json`), so the rule below
//! takes the commonly cited list and, where the States differ, errs towards *not* calling:
//!
//! - the days themselves, always, whatever weekday they fall on: New Year's Day (1 January),
//!   Australia Day (26 January), Good Friday, Easter Monday, Anzac Day (25 April), Christmas
//!   Day (25 December) and Boxing Day (26 December). Easter is computed for any year (the
//!   Gregorian computus), so no table has to be kept up to date;
//! - the substitute ("additional") weekday every State and Territory declares when one of
//!   them falls on a weekend: New Year's Day and Australia Day on a Saturday or Sunday → the
//!   following Monday; Christmas Day on a Saturday → Monday 27; on a Sunday → Tuesday 27 (Boxing
//!   Day takes the Monday); Boxing Day on a Saturday → Monday 28; on a Sunday → Tuesday 28;
//! - Anzac Day has no substitute: only some States add a Monday when it falls on a weekend, so
//!   that Monday is not a *national* public holiday;
//! - Easter Saturday (and Sunday, already a no-call day) are not national public holidays:
//!   Tasmania and Western Australia do not hold Easter Saturday. A call on Easter Saturday is
//!   judged by Saturday's hours.
//!
//! One-off national holidays proclaimed for a single year (e.g. the National Day of Mourning on
//! 22 September 2022) cannot be computed; they are outside this module.

use crate::phone::E164;
use crate::window::{local, local_to_utc};
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A national public holiday of Australia.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalHoliday {
    NewYearsDay,
    AustraliaDay,
    GoodFriday,
    EasterMonday,
    AnzacDay,
    ChristmasDay,
    BoxingDay,
}

impl NationalHoliday {
    pub fn name(self) -> &'static str {
        match self {
            NationalHoliday::NewYearsDay => "New Year's Day",
            NationalHoliday::AustraliaDay => "Australia Day",
            NationalHoliday::GoodFriday => "Good Friday",
            NationalHoliday::EasterMonday => "Easter Monday",
            NationalHoliday::AnzacDay => "Anzac Day",
            NationalHoliday::ChristmasDay => "Christmas Day",
            NationalHoliday::BoxingDay => "Boxing Day",
        }
    }
}

/// A day on which no call may be placed because of a national public holiday: the holiday
/// itself, or the weekday substituted for it when it fell on a weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HolidayDay {
    pub holiday: NationalHoliday,
    pub substitute: bool,
}

impl fmt::Display for HolidayDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.substitute {
            write!(f, "the substitute day for {}", self.holiday.name())
        } else {
            f.write_str(self.holiday.name())
        }
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm of
/// Meeus, Jones and Butcher; proleptic before 1583). `None` only outside chrono's date range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Every no-call day of `year` caused by a national public holiday, in date order (see the
/// module documentation for which days and why). Empty only outside chrono's date range.
pub fn national_public_holidays(year: i32) -> Vec<(NaiveDate, HolidayDay)> {
    use NationalHoliday::*;
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let mut out: Vec<(NaiveDate, HolidayDay)> = Vec::with_capacity(10);
    let mut push = |date: Option<NaiveDate>, holiday: NationalHoliday, substitute: bool| {
        if let Some(date) = date {
            out.push((
                date,
                HolidayDay {
                    holiday,
                    substitute,
                },
            ));
        }
    };
    // The holidays themselves.
    for (date, h) in [
        (day(1, 1), NewYearsDay),
        (day(1, 26), AustraliaDay),
        (day(4, 25), AnzacDay),
        (day(12, 25), ChristmasDay),
        (day(12, 26), BoxingDay),
    ] {
        push(date, h, false);
    }
    if let Some(easter) = easter_sunday(year) {
        push(easter.checked_sub_days(Days::new(2)), GoodFriday, false);
        push(easter.checked_add_days(Days::new(1)), EasterMonday, false);
    }
    // Their substitutes: the following Monday, or the Tuesday when the Monday is already taken
    // by Boxing Day (Christmas on a Sunday) or by Christmas's substitute (Boxing Day on a
    // Sunday).
    let next_monday = |d: NaiveDate| match d.weekday() {
        Weekday::Sat => d.checked_add_days(Days::new(2)),
        Weekday::Sun => d.checked_add_days(Days::new(1)),
        _ => None,
    };
    for (date, h) in [(day(1, 1), NewYearsDay), (day(1, 26), AustraliaDay)] {
        push(date.and_then(next_monday), h, true);
    }
    if let Some(christmas) = day(12, 25) {
        let (christmas_sub, boxing_sub) = match christmas.weekday() {
            // Boxing Day on Sunday: Christmas → Monday 27, Boxing Day → Tuesday 28.
            Weekday::Sat => (day(12, 27), day(12, 28)),
            // Boxing Day is Monday 26 itself; Christmas → Tuesday 27.
            Weekday::Sun => (day(12, 27), None),
            // Boxing Day on Saturday → Monday 28.
            Weekday::Fri => (None, day(12, 28)),
            _ => (None, None),
        };
        push(christmas_sub, ChristmasDay, true);
        push(boxing_sub, BoxingDay, true);
    }
    out.sort_by_key(|(d, _)| *d);
    out
}

/// The national public holiday (or substitute day) `date` is, if any.
pub fn national_public_holiday(date: NaiveDate) -> Option<HolidayDay> {
    national_public_holidays(date.year())
        .into_iter()
        .find(|(d, _)| *d == date)
        .map(|(_, h)| h)
}

/// The permitted calling hours of one local day, both ends inclusive; `None` when no call may
/// be placed that day.
pub fn calling_hours(date: NaiveDate) -> Option<(NaiveTime, NaiveTime)> {
    if national_public_holiday(date).is_some() {
        return None;
    }
    let h = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).expect("a whole hour");
    match date.weekday() {
        Weekday::Sun => None,
        Weekday::Sat => Some((h(9), h(17))),
        _ => Some((h(9), h(20))),
    }
}

/// Why a call may not be placed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Refusal {
    Sunday,
    NationalPublicHoliday { day: HolidayDay },
    BeforeHours { opens: NaiveTime },
    AfterHours { closed: NaiveTime },
}

/// The answer for one instant, with the local wall-clock time it was judged on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTimeDecision {
    /// The lead's local date and time (to the second) the rule was applied to.
    pub local: chrono::NaiveDateTime,
    pub zone: String,
    pub refusal: Option<Refusal>,
}

impl CallTimeDecision {
    pub fn allowed(&self) -> bool {
        self.refusal.is_none()
    }
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

impl fmt::Display for CallTimeDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let when = format!(
            "{} in {}",
            self.local.format("%A %Y-%m-%d %H:%M:%S"),
            self.zone
        );
        let day = self.local.date();
        match self.refusal {
            None => {
                let midnight = NaiveTime::from_hms_opt(0, 0, 0).expect("midnight");
                let (open, close) = calling_hours(day).unwrap_or((midnight, midnight));
                let kind = if day.weekday() == Weekday::Sat {
                    "Saturday"
                } else {
                    "weekday"
                };
                write!(
                    f,
                    "{when} is inside the {kind} calling hours ({}–{})",
                    hhmm(open),
                    hhmm(close)
                )
            }
            Some(Refusal::Sunday) => write!(f, "{when}: no calls may be placed on a Sunday"),
            Some(Refusal::NationalPublicHoliday { day: h }) => write!(
                f,
                "{when}: no calls may be placed on a national public holiday ({h})"
            ),
            Some(Refusal::BeforeHours { opens }) => {
                write!(
                    f,
                    "{when}: before calling hours, which open at {}",
                    hhmm(opens)
                )
            }
            Some(Refusal::AfterHours { closed }) => {
                write!(
                    f,
                    "{when}: after calling hours, which end at {}",
                    hhmm(closed)
                )
            }
        }
    }
}

/// Whether a call may be placed at `now` to someone whose clock shows the time of `tz`.
/// `None` only at the very ends of chrono's range.
pub fn check_call_time(now: DateTime<Utc>, tz: Tz) -> Option<CallTimeDecision> {
    let at = local(now, tz)?;
    let date = at.date();
    let refusal = if let Some(h) = national_public_holiday(date) {
        Some(Refusal::NationalPublicHoliday { day: h })
    } else if date.weekday() == Weekday::Sun {
        Some(Refusal::Sunday)
    } else {
        let (open, close) = calling_hours(date).expect("a weekday or Saturday that is no holiday");
        let t = at.time();
        if t < open {
            Some(Refusal::BeforeHours { opens: open })
        } else if t > close {
            Some(Refusal::AfterHours { closed: close })
        } else {
            None
        }
    };
    Some(CallTimeDecision {
        local: at.with_nanosecond(0).unwrap_or(at),
        zone: tz.name().to_string(),
        refusal,
    })
}

/// The earliest instant ≥ `now` at which a call may be placed. A fortnight always holds one
/// (at most five no-call days follow each other: Christmas on a Saturday, through Tuesday 28).
pub fn next_call_time(now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    if check_call_time(now, tz)?.allowed() {
        return Some(now);
    }
    let today = local(now, tz)?.date();
    (0..14u64).find_map(|d| {
        let date = today.checked_add_days(Days::new(d))?;
        let (open, _) = calling_hours(date)?;
        let start = local_to_utc(tz, date, open)?;
        let candidate = start.max(now);
        check_call_time(candidate, tz)?
            .allowed()
            .then_some(candidate)
    })
}

/// The answer of `agency-os call-window`: one JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallWindowAnswer {
    pub allowed: bool,
    pub reason: String,
}

/// Why `call-window`'s input cannot be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallWindowError {
    #[error("--number: {0}")]
    Number(#[from] crate::phone::PhoneError),
    #[error("--timezone: {0}")]
    TimeZone(#[from] crate::window::WindowError),
    #[error("--at: {0:?} is not an RFC 3339 time (e.g. 2026-03-04T10:30:00+11:00)")]
    At(String),
    #[error("--at: {0} is outside the dates this check can compute")]
    OutOfRange(String),
}

/// Parses the command's three arguments and judges the instant.
pub fn call_window(
    number: &str,
    zone: &str,
    at: &str,
) -> Result<CallWindowAnswer, CallWindowError> {
    let number = E164::parse(number)?;
    let tz = crate::window::parse_time_zone(zone)?;
    let now = DateTime::parse_from_rfc3339(at.trim())
        .map_err(|_| CallWindowError::At(at.to_string()))?
        .with_timezone(&Utc);
    let d = check_call_time(now, tz).ok_or_else(|| CallWindowError::OutOfRange(at.to_string()))?;
    Ok(CallWindowAnswer {
        allowed: d.allowed(),
        reason: format!("{number}: {d}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sydney(s: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        chrono_tz::Australia::Sydney
            .from_local_datetime(&naive)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn allowed_in_sydney(s: &str) -> bool {
        check_call_time(sydney(s), chrono_tz::Australia::Sydney)
            .unwrap()
            .allowed()
    }

    #[test]
    fn easter_sunday_matches_the_known_dates() {
        for (y, d) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2038, "2038-04-25"),
            (2000, "2000-04-23"),
            (2019, "2019-04-21"),
            (1818, "1818-03-22"),
            (2285, "2285-03-22"),
            (1943, "1943-04-25"),
        ] {
            assert_eq!(easter_sunday(y), Some(date(d)), "{y}");
        }
    }

    #[test]
    fn good_friday_and_easter_monday_follow_easter() {
        for (y, friday, monday) in [
            (2024, "2024-03-29", "2024-04-01"),
            (2025, "2025-04-18", "2025-04-21"),
            (2026, "2026-04-03", "2026-04-06"),
            (2027, "2027-03-26", "2027-03-29"),
            (2038, "2038-04-23", "2038-04-26"),
        ] {
            assert_eq!(
                national_public_holiday(date(friday)).map(|h| h.holiday),
                Some(NationalHoliday::GoodFriday),
                "{y}"
            );
            assert_eq!(
                national_public_holiday(date(monday)).map(|h| h.holiday),
                Some(NationalHoliday::EasterMonday)
            );
        }
        // Easter Saturday is not a national public holiday: Saturday's hours apply.
        assert_eq!(national_public_holiday(date("2026-04-04")), None);
        assert!(allowed_in_sydney("2026-04-04 10:00:00"));
        assert!(!allowed_in_sydney("2026-04-03 10:00:00"));
        assert!(!allowed_in_sydney("2026-04-06 10:00:00"));
        assert!(allowed_in_sydney("2026-04-07 10:00:00"));
    }

    #[test]
    fn in_2038_anzac_day_falls_on_easter_sunday_and_has_no_monday_of_its_own() {
        // 25 April 2038 is Easter Sunday; Easter Monday is the 26th. Anzac Day has no
        // national substitute, and the list holds each date once per holiday.
        let days = national_public_holidays(2038);
        let april: Vec<_> = days.iter().filter(|(d, _)| d.month() == 4).collect();
        assert_eq!(april.len(), 3, "{april:?}");
        assert!(!allowed_in_sydney("2038-04-26 12:00:00"));
        assert!(allowed_in_sydney("2038-04-27 12:00:00"));
    }

    #[test]
    fn weekday_hours_end_at_20_00_inclusive() {
        // Wednesday 4 March 2026.
        assert!(allowed_in_sydney("2026-03-04 20:00:00"));
        assert!(!allowed_in_sydney("2026-03-04 20:00:01"));
        assert!(!allowed_in_sydney("2026-03-04 20:01:00"));
        assert!(allowed_in_sydney("2026-03-04 09:00:00"));
        assert!(!allowed_in_sydney("2026-03-04 08:59:59"));
        let d =
            check_call_time(sydney("2026-03-04 20:01:00"), chrono_tz::Australia::Sydney).unwrap();
        assert_eq!(
            d.refusal,
            Some(Refusal::AfterHours {
                closed: NaiveTime::from_hms_opt(20, 0, 0).unwrap()
            })
        );
        assert!(d.to_string().contains("after calling hours"), "{d}");
        assert!(
            d.to_string().contains("Wednesday 2026-03-04 20:01:00"),
            "{d}"
        );
    }

    #[test]
    fn saturday_hours_end_at_17_00_and_sunday_has_none() {
        assert!(allowed_in_sydney("2026-03-07 17:00:00"));
        assert!(!allowed_in_sydney("2026-03-07 17:01:00"));
        assert!(!allowed_in_sydney("2026-03-07 08:59:00"));
        for t in ["00:00:00", "09:00:00", "12:00:00", "16:00:00", "23:59:59"] {
            let d = check_call_time(
                sydney(&format!("2026-03-08 {t}")),
                chrono_tz::Australia::Sydney,
            )
            .unwrap();
            assert_eq!(d.refusal, Some(Refusal::Sunday));
        }
    }

    #[test]
    fn christmas_on_a_weekend_moves_the_holidays_to_the_next_weekdays() {
        // 2021: Christmas on Saturday, Boxing Day on Sunday → Monday 27, Tuesday 28.
        let h = national_public_holiday(date("2021-12-27")).unwrap();
        assert_eq!(
            (h.holiday, h.substitute),
            (NationalHoliday::ChristmasDay, true)
        );
        let h = national_public_holiday(date("2021-12-28")).unwrap();
        assert_eq!(
            (h.holiday, h.substitute),
            (NationalHoliday::BoxingDay, true)
        );
        assert!(national_public_holiday(date("2021-12-25")).is_some());
        assert!(national_public_holiday(date("2021-12-29")).is_none());
        // 2022: Christmas on Sunday → Boxing Day Monday 26, Christmas substitute Tuesday 27.
        assert_eq!(
            national_public_holiday(date("2022-12-26")).map(|h| h.holiday),
            Some(NationalHoliday::BoxingDay)
        );
        let h = national_public_holiday(date("2022-12-27")).unwrap();
        assert_eq!(
            (h.holiday, h.substitute),
            (NationalHoliday::ChristmasDay, true)
        );
        // 2026: Christmas on Friday, Boxing Day on Saturday → Monday 28.
        assert!(!allowed_in_sydney("2026-12-26 10:00:00"));
        let h = national_public_holiday(date("2026-12-28")).unwrap();
        assert_eq!(
            (h.holiday, h.substitute),
            (NationalHoliday::BoxingDay, true)
        );
        assert!(allowed_in_sydney("2026-12-29 10:00:00"));
        // 2027: Christmas on Saturday, the same as 2021.
        assert!(!allowed_in_sydney("2027-12-25 10:00:00"));
        assert!(!allowed_in_sydney("2027-12-27 10:00:00"));
        assert!(!allowed_in_sydney("2027-12-28 10:00:00"));
        assert!(allowed_in_sydney("2027-12-29 10:00:00"));
        let d =
            check_call_time(sydney("2027-12-27 10:00:00"), chrono_tz::Australia::Sydney).unwrap();
        assert!(
            d.to_string()
                .contains("national public holiday (the substitute day for Christmas Day)"),
            "{d}"
        );
    }

    #[test]
    fn new_year_and_australia_day_on_a_weekend_give_a_monday() {
        // 1 January 2028 is a Saturday; 26 January 2025 was a Sunday.
        assert!(national_public_holiday(date("2028-01-03")).is_some_and(|h| h.substitute));
        assert!(national_public_holiday(date("2025-01-27")).is_some_and(|h| h.substitute));
        assert!(!allowed_in_sydney("2028-01-01 10:00:00"));
        assert!(!allowed_in_sydney("2025-01-27 10:00:00"));
        assert!(allowed_in_sydney("2025-01-28 10:00:00"));
    }

    #[test]
    fn anzac_day_has_no_national_substitute() {
        // 25 April 2026 is a Saturday: no calls that day, but Monday 27 is a normal weekday.
        assert!(!allowed_in_sydney("2026-04-25 10:00:00"));
        assert!(allowed_in_sydney("2026-04-27 10:00:00"));
    }

    #[test]
    fn daylight_saving_changes_are_read_on_the_lead_s_clock() {
        let tz = chrono_tz::Australia::Sydney;
        // Sydney moves to AEDT (+11) on Sunday 4 October 2026. Monday 5 October 09:30 local is
        // 22:30 UTC on the 4th; a fixed +10 offset would read it as 08:30 and refuse.
        assert!(check_call_time(utc("2026-10-04T22:30:00Z"), tz)
            .unwrap()
            .allowed());
        assert!(!check_call_time(utc("2026-10-04T21:59:00Z"), tz)
            .unwrap()
            .allowed());
        // Saturday before the change: still AEST, 17:00 local is 07:00 UTC.
        assert!(check_call_time(utc("2026-10-03T07:00:00Z"), tz)
            .unwrap()
            .allowed());
        assert!(!check_call_time(utc("2026-10-03T07:01:00Z"), tz)
            .unwrap()
            .allowed());
        // Back to AEST on Sunday 5 April 2026 (also Easter Sunday); Tuesday 7 April 20:00 local
        // is 10:00 UTC.
        assert!(check_call_time(utc("2026-04-07T10:00:00Z"), tz)
            .unwrap()
            .allowed());
        assert!(!check_call_time(utc("2026-04-07T10:01:00Z"), tz)
            .unwrap()
            .allowed());
        // During AEDT: Friday 9 October 2026 20:00 local is 09:00 UTC.
        assert!(check_call_time(utc("2026-10-09T09:00:00Z"), tz)
            .unwrap()
            .allowed());
        assert!(!check_call_time(utc("2026-10-09T09:01:00Z"), tz)
            .unwrap()
            .allowed());
    }

    #[test]
    fn perth_has_no_daylight_saving_and_its_own_clock() {
        let tz = chrono_tz::Australia::Perth;
        // 11:00 UTC on Wednesday 4 March 2026 is 19:00 in Perth (allowed) and 22:00 in Sydney.
        let at = utc("2026-03-04T11:00:00Z");
        assert!(check_call_time(at, tz).unwrap().allowed());
        assert!(!check_call_time(at, chrono_tz::Australia::Sydney)
            .unwrap()
            .allowed());
        // Perth stays at +8 all year: 20:01 in July and in January.
        assert!(!check_call_time(utc("2026-07-08T12:01:00Z"), tz)
            .unwrap()
            .allowed());
        assert!(!check_call_time(utc("2026-01-07T12:01:00Z"), tz)
            .unwrap()
            .allowed());
        assert!(check_call_time(utc("2026-01-07T12:00:00Z"), tz)
            .unwrap()
            .allowed());
    }

    #[test]
    fn the_holiday_is_the_lead_s_local_date_not_ours() {
        // 23:30 UTC on 24 December 2026 is already Christmas morning (10:30) in Sydney, still
        // Christmas Eve afternoon in Honolulu.
        let at = utc("2026-12-24T23:30:00Z");
        assert!(!check_call_time(at, chrono_tz::Australia::Sydney)
            .unwrap()
            .allowed());
        assert!(check_call_time(at, chrono_tz::Pacific::Honolulu)
            .unwrap()
            .allowed());
    }

    #[test]
    fn the_next_call_time_skips_a_long_christmas() {
        let tz = chrono_tz::Australia::Sydney;
        // Friday 24 December 2027 at 20:30: Christmas Saturday, Sunday, substitutes Monday and
        // Tuesday; the next call is Wednesday 29 December at 09:00 (AEDT, +11).
        let next = next_call_time(sydney("2027-12-24 20:30:00"), tz).unwrap();
        assert_eq!(next, utc("2027-12-28T22:00:00Z"));
        // Inside hours, now is the answer.
        let now = sydney("2026-03-04 10:00:00");
        assert_eq!(next_call_time(now, tz), Some(now));
        // Saturday 18:00 → Monday 09:00.
        assert_eq!(
            next_call_time(sydney("2026-03-07 18:00:00"), tz),
            Some(sydney("2026-03-09 09:00:00"))
        );
    }

    #[test]
    fn call_window_reads_its_three_arguments() {
        let a = call_window(
            "+61 412 345 678",
            "Australia/Sydney",
            "2026-03-04T20:01:00+11:00",
        )
        .unwrap();
        assert!(!a.allowed);
        assert!(a.reason.starts_with("+61412345678: "), "{}", a.reason);
        let a = call_window("+61412345678", "Australia/Perth", "2026-03-04T11:00:00Z").unwrap();
        assert!(a.allowed, "{}", a.reason);
        assert!(matches!(
            call_window("0412345678", "Australia/Sydney", "2026-03-04T10:00:00Z"),
            Err(CallWindowError::Number(_))
        ));
        assert!(matches!(
            call_window("+61412345678", "Mars/Olympus", "2026-03-04T10:00:00Z"),
            Err(CallWindowError::TimeZone(_))
        ));
        assert!(matches!(
            call_window("+61412345678", "Australia/Sydney", "2026-03-04 10:00"),
            Err(CallWindowError::At(_))
        ));
    }
}
