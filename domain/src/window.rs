//! Sending windows in the lead's own time zone (SPEC §6).
//!
//! This module owns the question "may we send to this lead now, and if not, when?". Times
//! come in as UTC instants and the lead's IANA zone; the answer is computed on the lead's
//! local wall clock, so it stays right across daylight-saving changes. It never reads a
//! clock.

use chrono::{
    DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum WindowError {
    #[error("unknown time zone {0:?}")]
    UnknownTimeZone(String),
    #[error("a sending window needs at least one weekday")]
    NoDays,
    #[error("a time range must start before it ends ({start} is not before {end})")]
    EmptyRange { start: NaiveTime, end: NaiveTime },
    #[error("a preferred slot must lie inside the sending window")]
    PreferredOutsideWindow,
    #[error("no sending slot exists in the next week from this instant")]
    NoSlot,
}

/// Reads an IANA zone name such as "Australia/Sydney". Unknown or empty names are errors,
/// never a silent fallback to UTC: sending at 3 a.m. local is worse than not sending.
pub fn parse_time_zone(name: &str) -> Result<Tz, WindowError> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| WindowError::UnknownTimeZone(name.to_string()))
}

/// A set of weekdays.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "Vec<Weekday>", into = "Vec<Weekday>")]
pub struct WeekdaySet(u8);

impl WeekdaySet {
    pub const EMPTY: WeekdaySet = WeekdaySet(0);
    pub const MON_FRI: WeekdaySet = WeekdaySet(0b001_1111);
    pub const TUE_THU: WeekdaySet = WeekdaySet(0b000_1110);
    pub const ALL: WeekdaySet = WeekdaySet(0b111_1111);

    pub fn of(days: &[Weekday]) -> WeekdaySet {
        WeekdaySet(
            days.iter()
                .fold(0, |b, d| b | 1 << d.num_days_from_monday()),
        )
    }

    pub fn contains(self, d: Weekday) -> bool {
        self.0 & (1 << d.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 & 0b111_1111 == 0
    }

    pub fn is_subset_of(self, other: WeekdaySet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
            Weekday::Sun,
        ]
        .into_iter()
        .filter(move |d| self.contains(*d))
    }
}

impl fmt::Debug for WeekdaySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl From<Vec<Weekday>> for WeekdaySet {
    fn from(v: Vec<Weekday>) -> Self {
        WeekdaySet::of(&v)
    }
}

impl From<WeekdaySet> for Vec<Weekday> {
    fn from(s: WeekdaySet) -> Self {
        s.iter().collect()
    }
}

/// A half-open local time range `[start, end)` within one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawRange", into = "RawRange")]
pub struct TimeRange {
    start: NaiveTime,
    end: NaiveTime,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct RawRange {
    start: NaiveTime,
    end: NaiveTime,
}

impl TryFrom<RawRange> for TimeRange {
    type Error = WindowError;
    fn try_from(r: RawRange) -> Result<Self, Self::Error> {
        TimeRange::new(r.start, r.end)
    }
}

impl From<TimeRange> for RawRange {
    fn from(r: TimeRange) -> Self {
        RawRange {
            start: r.start,
            end: r.end,
        }
    }
}

impl TimeRange {
    /// Overnight ranges are not supported: split them into two days' ranges instead.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<TimeRange, WindowError> {
        if start >= end {
            return Err(WindowError::EmptyRange { start, end });
        }
        Ok(TimeRange { start, end })
    }

    /// Whole-hour range; `hours(9, 11)` is 09:00–11:00.
    pub fn hours(start: u32, end: u32) -> Result<TimeRange, WindowError> {
        let t = |h: u32| {
            if h == 24 {
                NaiveTime::from_hms_opt(23, 59, 59)
            } else {
                NaiveTime::from_hms_opt(h, 0, 0)
            }
        };
        match (t(start), t(end)) {
            (Some(s), Some(e)) => TimeRange::new(s, e),
            _ => Err(WindowError::EmptyRange {
                start: NaiveTime::MIN,
                end: NaiveTime::MIN,
            }),
        }
    }

    pub fn start(&self) -> NaiveTime {
        self.start
    }

    pub fn end(&self) -> NaiveTime {
        self.end
    }

    pub fn contains(&self, t: NaiveTime) -> bool {
        self.start <= t && t < self.end
    }

    fn within(&self, outer: &TimeRange) -> bool {
        outer.start <= self.start && self.end <= outer.end
    }
}

/// When a workspace (or a learned WHEN pattern) lets us send, on the lead's wall clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWindow", into = "RawWindow")]
pub struct SendingWindow {
    days: WeekdaySet,
    hours: TimeRange,
    preferred_days: WeekdaySet,
    preferred_hours: Vec<TimeRange>,
    prefer_within_minutes: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RawWindow {
    days: WeekdaySet,
    hours: TimeRange,
    preferred_days: WeekdaySet,
    preferred_hours: Vec<TimeRange>,
    prefer_within_minutes: u32,
}

impl TryFrom<RawWindow> for SendingWindow {
    type Error = WindowError;
    fn try_from(r: RawWindow) -> Result<Self, Self::Error> {
        SendingWindow::new(
            r.days,
            r.hours,
            r.preferred_days,
            r.preferred_hours,
            r.prefer_within_minutes,
        )
    }
}

impl From<SendingWindow> for RawWindow {
    fn from(w: SendingWindow) -> Self {
        RawWindow {
            days: w.days,
            hours: w.hours,
            preferred_days: w.preferred_days,
            preferred_hours: w.preferred_hours,
            prefer_within_minutes: w.prefer_within_minutes,
        }
    }
}

impl Default for SendingWindow {
    /// Mon–Fri 08:00–18:00, preferring Tue–Thu 09–11 and 14–16 when such a slot opens within
    /// four hours of the first allowed instant.
    fn default() -> Self {
        let h = |s, e| TimeRange::hours(s, e).expect("constant range is valid");
        SendingWindow {
            days: WeekdaySet::MON_FRI,
            hours: h(8, 18),
            preferred_days: WeekdaySet::TUE_THU,
            preferred_hours: vec![h(9, 11), h(14, 16)],
            prefer_within_minutes: 240,
        }
    }
}

impl SendingWindow {
    /// `prefer_within_minutes` bounds how long a send may wait for a preferred slot: a
    /// preference must not turn Friday's follow-up into Tuesday's.
    pub fn new(
        days: WeekdaySet,
        hours: TimeRange,
        preferred_days: WeekdaySet,
        preferred_hours: Vec<TimeRange>,
        prefer_within_minutes: u32,
    ) -> Result<SendingWindow, WindowError> {
        if days.is_empty() {
            return Err(WindowError::NoDays);
        }
        if !preferred_days.is_subset_of(days) || !preferred_hours.iter().all(|r| r.within(&hours)) {
            return Err(WindowError::PreferredOutsideWindow);
        }
        Ok(SendingWindow {
            days,
            hours,
            preferred_days,
            preferred_hours,
            prefer_within_minutes,
        })
    }

    pub fn days(&self) -> WeekdaySet {
        self.days
    }

    pub fn hours(&self) -> TimeRange {
        self.hours
    }
}

/// The lead's wall-clock time at `now`; `None` at the very ends of chrono's range, where
/// `with_timezone` would panic.
pub(crate) fn local(now: DateTime<Utc>, tz: Tz) -> Option<NaiveDateTime> {
    let off = tz.offset_from_utc_datetime(&now.naive_utc()).fix();
    now.naive_utc().checked_add_offset(off)
}

/// Whether `now` falls inside the window on the lead's local clock.
pub fn is_inside_window(now: DateTime<Utc>, tz: Tz, w: &SendingWindow) -> bool {
    local(now, tz).is_some_and(|l| w.days.contains(l.weekday()) && w.hours.contains(l.time()))
}

/// Whether `now` falls inside a preferred slot on the lead's local clock.
pub fn is_preferred(now: DateTime<Utc>, tz: Tz, w: &SendingWindow) -> bool {
    let Some(l) = local(now, tz) else {
        return false;
    };
    is_inside_window(now, tz, w)
        && w.preferred_days.contains(l.weekday())
        && w.preferred_hours.iter().any(|r| r.contains(l.time()))
}

/// The UTC instant of a local wall-clock time. In a spring-forward gap the first minute
/// after the gap is used; in an autumn fold the earlier of the two instants.
pub(crate) fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let mut ndt = date.and_time(time);
    // Gaps are at most two hours anywhere on Earth today; allow three.
    for _ in 0..=180 {
        match tz.from_local_datetime(&ndt) {
            chrono::LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
            chrono::LocalResult::Ambiguous(a, _) => return Some(a.with_timezone(&Utc)),
            chrono::LocalResult::None => {
                ndt = ndt.checked_add_signed(chrono::TimeDelta::minutes(1))?
            }
        }
    }
    None
}

/// Earliest instant ≥ `now` inside `range` on a day of `days`, also inside the window.
fn next_in(
    now: DateTime<Utc>,
    tz: Tz,
    w: &SendingWindow,
    days: WeekdaySet,
    range: TimeRange,
) -> Option<DateTime<Utc>> {
    let today = local(now, tz)?.date();
    // Eight days covers a whole week plus today's remainder.
    for d in 0..=8 {
        let date = today.checked_add_days(Days::new(d))?;
        if !days.contains(date.weekday()) {
            continue;
        }
        let (Some(start), Some(end)) = (
            local_to_utc(tz, date, range.start),
            local_to_utc(tz, date, range.end),
        ) else {
            continue;
        };
        if now >= end {
            continue;
        }
        let candidate = start.max(now);
        // Gaps and folds can bend a local range; only return what the window itself accepts.
        let candidate = if is_inside_window(candidate, tz, w) {
            candidate
        } else {
            // Rounding to the next whole minute steps out of a gap's edge.
            let bumped = candidate
                .with_second(0)?
                .with_nanosecond(0)?
                .checked_add_signed(chrono::TimeDelta::minutes(1))?;
            if bumped < end && is_inside_window(bumped, tz, w) {
                bumped
            } else {
                continue;
            }
        };
        if local(candidate, tz).is_some_and(|l| range.contains(l.time())) {
            return Some(candidate);
        }
    }
    None
}

/// The earliest instant ≥ `now` inside the window.
pub fn next_open(
    now: DateTime<Utc>,
    tz: Tz,
    w: &SendingWindow,
) -> Result<DateTime<Utc>, WindowError> {
    if is_inside_window(now, tz, w) {
        return Ok(now);
    }
    next_in(now, tz, w, w.days, w.hours).ok_or(WindowError::NoSlot)
}

/// The earliest instant ≥ `now` inside a preferred slot, if the window has any.
pub fn next_preferred(now: DateTime<Utc>, tz: Tz, w: &SendingWindow) -> Option<DateTime<Utc>> {
    if w.preferred_days.is_empty() {
        return None;
    }
    w.preferred_hours
        .iter()
        .filter_map(|r| next_in(now, tz, w, w.preferred_days, *r))
        .min()
}

/// When to send: the next preferred slot if it opens within `prefer_within_minutes` of the
/// first allowed instant, otherwise that first allowed instant. Always inside the window and
/// never before `now`.
pub fn next_slot(
    now: DateTime<Utc>,
    tz: Tz,
    w: &SendingWindow,
) -> Result<DateTime<Utc>, WindowError> {
    let open = next_open(now, tz, w)?;
    let wait = chrono::TimeDelta::minutes(i64::from(w.prefer_within_minutes));
    match next_preferred(now, tz, w) {
        Some(p) if p - open <= wait => Ok(p),
        _ => Ok(open),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn sydney() -> Tz {
        parse_time_zone("Australia/Sydney").unwrap()
    }

    #[test]
    fn unknown_or_empty_time_zones_are_typed_errors() {
        for bad in ["", "  ", "Mars/Olympus", "australia/sydney_", "\u{0}"] {
            assert!(
                matches!(parse_time_zone(bad), Err(WindowError::UnknownTimeZone(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_time_zone(" Europe/Berlin ").unwrap(),
            chrono_tz::Europe::Berlin
        );
    }

    #[test]
    fn the_window_is_judged_on_the_leads_local_clock() {
        let w = SendingWindow::default();
        // Tue 2026-03-03 22:00 UTC = Wed 09:00 in Sydney (AEDT, +11).
        assert!(is_inside_window(utc("2026-03-03T22:00:00Z"), sydney(), &w));
        assert!(is_preferred(utc("2026-03-03T22:00:00Z"), sydney(), &w));
        // The same instant is 22:00 Tuesday in London: closed.
        assert!(!is_inside_window(
            utc("2026-03-03T22:00:00Z"),
            chrono_tz::Europe::London,
            &w
        ));
    }

    #[test]
    fn the_window_is_mon_to_fri_eight_to_six_with_six_excluded() {
        let w = SendingWindow::default();
        let tz = chrono_tz::UTC;
        assert!(is_inside_window(utc("2026-03-02T08:00:00Z"), tz, &w)); // Monday 08:00
        assert!(is_inside_window(utc("2026-03-06T17:59:59Z"), tz, &w)); // Friday
        assert!(!is_inside_window(utc("2026-03-06T18:00:00Z"), tz, &w));
        assert!(!is_inside_window(utc("2026-03-02T07:59:59Z"), tz, &w));
        assert!(!is_inside_window(utc("2026-03-07T10:00:00Z"), tz, &w)); // Saturday
    }

    #[test]
    fn friday_evening_opens_on_monday_morning() {
        let w = SendingWindow::default();
        let tz = chrono_tz::America::New_York;
        // Fri 2026-03-06 19:00 EST = Sat 00:00Z.
        let next = next_open(utc("2026-03-07T00:00:00Z"), tz, &w).unwrap();
        assert_eq!(next, utc("2026-03-09T12:00:00Z")); // Mon 08:00 EDT (DST began 8 March)
    }

    #[test]
    fn windows_follow_daylight_saving_changes() {
        let w = SendingWindow::default();
        let tz = sydney();
        // Sydney leaves DST on Sun 2026-04-05: Friday's 08:00 is 21:00Z Thursday (+11),
        // Monday's 08:00 is 22:00Z Sunday (+10).
        assert_eq!(
            next_open(utc("2026-04-02T20:00:00Z"), tz, &w).unwrap(),
            utc("2026-04-02T21:00:00Z")
        );
        assert_eq!(
            next_open(utc("2026-04-03T08:00:00Z"), tz, &w).unwrap(),
            utc("2026-04-05T22:00:00Z")
        );
    }

    #[test]
    fn next_slot_prefers_a_preferred_slot_that_opens_soon() {
        let w = SendingWindow::default();
        let tz = chrono_tz::UTC;
        // Wednesday 12:00 → 14:00 the same day.
        assert_eq!(
            next_slot(utc("2026-03-04T12:00:00Z"), tz, &w).unwrap(),
            utc("2026-03-04T14:00:00Z")
        );
        // Wednesday 08:00 → 09:00.
        assert_eq!(
            next_slot(utc("2026-03-04T08:00:00Z"), tz, &w).unwrap(),
            utc("2026-03-04T09:00:00Z")
        );
        // Inside a preferred slot → now.
        assert_eq!(
            next_slot(utc("2026-03-04T10:30:00Z"), tz, &w).unwrap(),
            utc("2026-03-04T10:30:00Z")
        );
    }

    #[test]
    fn next_slot_does_not_wait_days_for_a_preference() {
        let w = SendingWindow::default();
        let tz = chrono_tz::UTC;
        // Friday 10:00 is allowed; Tuesday's slot is days away.
        assert_eq!(
            next_slot(utc("2026-03-06T10:00:00Z"), tz, &w).unwrap(),
            utc("2026-03-06T10:00:00Z")
        );
        // Monday 16:00 is allowed; Tuesday 09:00 is 17 hours away.
        assert_eq!(
            next_slot(utc("2026-03-02T16:00:00Z"), tz, &w).unwrap(),
            utc("2026-03-02T16:00:00Z")
        );
        // Monday 19:00 is closed; Tuesday 08:00 opens and 09:00 is preferred within the hour.
        assert_eq!(
            next_slot(utc("2026-03-02T19:00:00Z"), tz, &w).unwrap(),
            utc("2026-03-03T09:00:00Z")
        );
    }

    #[test]
    fn a_window_starting_inside_a_dst_gap_opens_after_the_gap() {
        let w = SendingWindow::new(
            WeekdaySet::ALL,
            TimeRange::new(
                NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
                NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
            )
            .unwrap(),
            WeekdaySet::EMPTY,
            vec![],
            0,
        )
        .unwrap();
        let tz = chrono_tz::America::New_York;
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
        let next = next_open(utc("2026-03-08T05:00:00Z"), tz, &w).unwrap();
        assert_eq!(next, utc("2026-03-08T07:00:00Z"));
        assert!(is_inside_window(next, tz, &w));
    }

    #[test]
    fn invalid_windows_are_typed_errors() {
        let h = |a, b| TimeRange::hours(a, b);
        assert!(matches!(h(18, 8), Err(WindowError::EmptyRange { .. })));
        assert!(h(25, 26).is_err());
        assert_eq!(
            SendingWindow::new(
                WeekdaySet::EMPTY,
                h(8, 18).unwrap(),
                WeekdaySet::EMPTY,
                vec![],
                0
            ),
            Err(WindowError::NoDays)
        );
        assert_eq!(
            SendingWindow::new(
                WeekdaySet::MON_FRI,
                h(8, 18).unwrap(),
                WeekdaySet::TUE_THU,
                vec![h(7, 9).unwrap()],
                0
            ),
            Err(WindowError::PreferredOutsideWindow)
        );
        assert_eq!(
            SendingWindow::new(
                WeekdaySet::MON_FRI,
                h(8, 18).unwrap(),
                WeekdaySet::ALL,
                vec![],
                0
            ),
            Err(WindowError::PreferredOutsideWindow)
        );
    }

    #[test]
    fn the_far_future_yields_no_slot_rather_than_a_panic() {
        let w = SendingWindow::default();
        assert_eq!(
            next_open(DateTime::<Utc>::MAX_UTC, chrono_tz::UTC, &w),
            Err(WindowError::NoSlot)
        );
        let _ = next_slot(DateTime::<Utc>::MIN_UTC, chrono_tz::Pacific::Kiritimati, &w);
    }

    #[test]
    fn a_window_round_trips_through_json() {
        let w = SendingWindow::default();
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<SendingWindow>(&json).unwrap(), w);
    }
}
