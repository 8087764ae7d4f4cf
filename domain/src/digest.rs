//! Digests (SPEC §15): a daily summary and a weekly review of one workspace, for the members who
//! asked for them (email) and the workspace's Slack channel. This module decides when each is
//! due in the workspace's time zone and turns the figures into text; the engine reads the
//! figures (from the same queries as Reports, so a digest never disagrees with the page) and
//! sends.

use crate::notify::slack_escape as esc;
use crate::reports::{aud, BreakdownRow, DayRow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The local hour from which a digest is due: the day's summary is read with the morning coffee.
pub const DIGEST_HOUR: u32 = 8;

/// Fewest messages an angle or a sending hour needs before it is called "best".
pub const MIN_SENT_FOR_BEST: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestKind {
    Daily,
    Weekly,
}

impl DigestKind {
    pub const ALL: [DigestKind; 2] = [DigestKind::Daily, DigestKind::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::Daily => "daily",
            DigestKind::Weekly => "weekly",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DigestKind::Daily => "Daily summary",
            DigestKind::Weekly => "Weekly review",
        }
    }
}

impl std::str::FromStr for DigestKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "daily" => Ok(DigestKind::Daily),
            "weekly" => Ok(DigestKind::Weekly),
            other => Err(format!("unknown digest {other:?}: daily or weekly")),
        }
    }
}

/// The days a digest covers, both ends included, as dates of the workspace's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.from == self.to {
            write!(f, "{}", self.from.format("%A %-d %B %Y"))
        } else {
            write!(f, "{} – {}", self.from.format("%-d %b"), self.to.format("%-d %b %Y"))
        }
    }
}

/// The period of `kind` that is due at `now` in `tz`, if one is: from 08:00 local each day the
/// day before; from 08:00 local each Monday the week before (Monday to Sunday). `None` earlier in
/// the day (or, weekly, on the other days), so a digest is never sent at 3 a.m. after a restart.
pub fn due(kind: DigestKind, now: DateTime<Utc>, tz: Tz) -> Option<Period> {
    let local = now.with_timezone(&tz);
    if local.hour() < DIGEST_HOUR {
        return None;
    }
    if kind == DigestKind::Weekly && local.weekday() != Weekday::Mon {
        return None;
    }
    Some(latest(kind, now, tz))
}

/// The latest complete period of `kind` at `now` in `tz` (what a preview shows at any hour):
/// yesterday, or the last whole week, Monday to Sunday.
pub fn latest(kind: DigestKind, now: DateTime<Utc>, tz: Tz) -> Period {
    let today = now.with_timezone(&tz).date_naive();
    let yesterday = today - Duration::days(1);
    match kind {
        DigestKind::Daily => Period { from: yesterday, to: yesterday },
        DigestKind::Weekly => {
            let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
            Period { from: monday - Duration::days(7), to: monday - Duration::days(1) }
        }
    }
}

/// A workspace's time zone, parsed at the edge ("Australia/Sydney"). Invalid names are refused
/// with the reason rather than silently read as UTC.
pub fn parse_time_zone(raw: &str) -> Result<Tz, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("choose a time zone".into());
    }
    raw.parse::<Tz>().map_err(|_| format!("{raw:?} is not a time zone name like Australia/Sydney or Europe/London"))
}

/// Every time zone name a workspace may choose, for the picker.
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())
}

/// Sends, replies and meetings summed over days (by when each happened, as Reports' "per day").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub sent: i64,
    pub bounced: i64,
    pub replies: i64,
    pub auto_replies: i64,
    pub meetings: i64,
}

impl Activity {
    pub fn of_days(days: &[DayRow]) -> Self {
        days.iter().fold(Activity::default(), |a, d| Activity {
            sent: a.sent + d.sent,
            bounced: a.bounced + d.bounced,
            replies: a.replies + d.replies,
            auto_replies: a.auto_replies + d.auto_replies,
            meetings: a.meetings + d.meetings,
        })
    }
}

/// An open alert as a digest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAlert {
    pub level: String,
    pub title: String,
}

/// The daily summary's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Daily {
    pub workspace: String,
    pub period: Period,
    pub activity: Activity,
    /// Spend in the period, ten-thousandths of an AUD (the ledger's unit).
    pub spend: i64,
    /// The workspace's daily budget in cents, if it set one.
    pub daily_budget_cents: Option<i64>,
    /// Replies waiting for someone to read or act on them now.
    pub needing_attention: i64,
    pub open_alerts: Vec<OpenAlert>,
    /// The app's address of the workspace, e.g. `https://app.example/w/<id>`.
    pub link: String,
}

/// An angle or a sending hour with its reply rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    pub label: String,
    pub sent: i64,
    pub replied: i64,
}

impl Best {
    fn rate(&self) -> f64 {
        if self.sent == 0 { 0.0 } else { self.replied as f64 / self.sent as f64 }
    }
}

/// The weekly review's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weekly {
    pub workspace: String,
    pub period: Period,
    pub activity: Activity,
    /// The week before, for the trend.
    pub previous: Activity,
    pub spend: i64,
    pub previous_spend: i64,
    /// Up to three angles with the best reply rate (leads who replied ÷ messages), each with at
    /// least [`MIN_SENT_FOR_BEST`] messages.
    pub best_angles: Vec<Best>,
    /// Up to three local sending hours, chosen the same way.
    pub best_hours: Vec<Best>,
    pub forecast: Forecast,
    pub link: String,
}

/// Meetings this month so far and where the current rate leads by its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// The first day of the month forecast.
    pub month: NaiveDate,
    /// Meetings booked in the month's complete days so far.
    pub so_far: i64,
    pub days_counted: u32,
    pub days_in_month: u32,
    /// `None` when no day of the month is complete yet.
    pub expected: Option<i64>,
}

/// The month containing `today` forecast from `so_far` meetings over its complete days (those
/// before `today`): the daily rate carried to the month's end, rounded.
pub fn forecast(today: NaiveDate, so_far: i64) -> Forecast {
    let month = today.with_day(1).unwrap_or(today);
    let next = if month.month() == 12 {
        NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
    }
    .unwrap_or(month);
    let days_in_month = (next - month).num_days() as u32;
    let days_counted = today.day() - 1;
    let expected = (days_counted > 0).then(|| (so_far as f64 * f64::from(days_in_month) / f64::from(days_counted)).round() as i64);
    Forecast { month, so_far, days_counted, days_in_month, expected }
}

/// The up-to-three rows with the best reply rate among those with enough messages to mean
/// something; ties go to the row with more messages.
pub fn best_of(rows: impl IntoIterator<Item = Best>) -> Vec<Best> {
    let mut rows: Vec<Best> = rows.into_iter().filter(|r| r.sent >= MIN_SENT_FOR_BEST).collect();
    rows.sort_by(|a, b| b.rate().total_cmp(&a.rate()).then(b.sent.cmp(&a.sent)).then(a.label.cmp(&b.label)));
    rows.truncate(3);
    rows
}

/// The angles of a Reports breakdown as candidates for [`best_of`].
pub fn angles(rows: &[BreakdownRow]) -> Vec<Best> {
    best_of(rows.iter().map(|r| Best { label: r.label.clone(), sent: r.counts.sent, replied: r.counts.replied }))
}

/// Sends grouped by the UTC hour they went out in (`(hour start, sent, replied)`), regrouped by
/// the local hour in `tz` and ranked.
pub fn hours(rows: &[(DateTime<Utc>, i64, i64)], tz: Tz) -> Vec<Best> {
    let mut by_hour = [(0i64, 0i64); 24];
    for (at, sent, replied) in rows {
        let h = tz.from_utc_datetime(&at.naive_utc()).hour() as usize;
        by_hour[h].0 += sent;
        by_hour[h].1 += replied;
    }
    best_of(by_hour.iter().enumerate().map(|(h, (sent, replied))| Best { label: format!("{h:02}:00–{:02}:00", (h + 1) % 24), sent: *sent, replied: *replied }))
}

fn pct(n: i64, d: i64) -> String {
    if d == 0 { "–".into() } else { format!("{:.1} %", n as f64 * 100.0 / d as f64) }
}

/// "+12 on the week before (30)" / "the same as the week before" / "−3 on the week before (8)".
fn trend(now: i64, before: i64) -> String {
    match now - before {
        0 => "the same as the week before".into(),
        d if d > 0 => format!("+{d} on the week before ({before})"),
        d => format!("−{} on the week before ({before})", -d),
    }
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Daily {
    pub fn subject(&self) -> String {
        format!("{}: {} sent, {} · {}", self.workspace, self.activity.sent, plural(self.activity.replies, "reply", "replies"), self.period)
    }

    fn spend_line(&self) -> String {
        match self.daily_budget_cents {
            Some(b) if b > 0 => format!("{} of the {} daily budget ({})", aud(self.spend), aud(b * 100), pct(self.spend, b * 100)),
            _ => format!("{} (no daily budget set)", aud(self.spend)),
        }
    }

    fn lines(&self) -> Vec<String> {
        let a = &self.activity;
        let mut l = vec![
            format!("Sent: {} ({} bounced)", a.sent, a.bounced),
            format!("Replies: {} from people, {} automatic", a.replies, a.auto_replies),
            format!("Meetings booked: {}", a.meetings),
            format!("Spend: {}", self.spend_line()),
            format!("Replies waiting for you now: {}", self.needing_attention),
        ];
        if self.open_alerts.is_empty() {
            l.push("Open alerts: none".into());
        } else {
            l.push(format!("Open alerts: {}", self.open_alerts.len()));
            l.extend(self.open_alerts.iter().map(|x| format!("  • [{}] {}", x.level, x.title)));
        }
        l
    }

    pub fn email_text(&self) -> String {
        format!(
            "Daily summary of {} for {}\n\n{}\n\nDashboard: {}\nReports: {}/reports?from={}&to={}\n\n{}",
            self.workspace,
            self.period,
            self.lines().join("\n"),
            self.link,
            self.link,
            self.period.from,
            self.period.to,
            FOOTER
        )
    }

    pub fn slack_text(&self) -> String {
        format!("*Daily summary of {}* · {}\n{}\n<{}|Open the dashboard>", esc(&self.workspace), self.period, esc(&self.lines().join("\n")), self.link)
    }
}

impl Weekly {
    pub fn subject(&self) -> String {
        format!("{}: weekly review · {}", self.workspace, self.period)
    }

    fn lines(&self) -> Vec<String> {
        let (a, p) = (&self.activity, &self.previous);
        let mut l = vec![
            format!("Sent: {} — {}", a.sent, trend(a.sent, p.sent)),
            format!("Replies from people: {} — {}", a.replies, trend(a.replies, p.replies)),
            format!("Meetings booked: {} — {}", a.meetings, trend(a.meetings, p.meetings)),
            match a.sent {
                0 => "Bounces: none (nothing sent)".into(),
                sent => format!("Bounces: {} ({} of sends)", a.bounced, pct(a.bounced, sent)),
            },
            format!("Spend: {} (the week before: {})", aud(self.spend), aud(self.previous_spend)),
            match a.meetings {
                0 => "Cost per meeting: no meetings this week".into(),
                m => format!("Cost per meeting: {} ({} ÷ {})", aud((self.spend as f64 / m as f64).round() as i64), aud(self.spend), plural(m, "meeting", "meetings")),
            },
        ];
        let best = |title: &str, rows: &[Best], what: &str| -> Vec<String> {
            if rows.is_empty() {
                vec![format!("{title}: not enough data yet (each needs {MIN_SENT_FOR_BEST} messages)")]
            } else {
                std::iter::once(format!("{title} (replies per message):"))
                    .chain(rows.iter().map(|b| format!("  • {} {}: {} ({} of {})", what, b.label, pct(b.replied, b.sent), b.replied, b.sent)))
                    .collect()
            }
        };
        l.extend(best("Best angles", &self.best_angles, "angle"));
        l.extend(best("Best send times", &self.best_hours, "sent"));
        let f = &self.forecast;
        l.push(match f.expected {
            Some(e) => format!(
                "Forecast for {}: {} at the current rate ({} in its first {})",
                f.month.format("%B"),
                plural(e, "meeting", "meetings"),
                f.so_far,
                plural(i64::from(f.days_counted), "day", "days")
            ),
            None => format!("Forecast for {}: from tomorrow, once a day of the month is complete", f.month.format("%B")),
        });
        l
    }

    pub fn email_text(&self) -> String {
        format!(
            "Weekly review of {} for {}\n\n{}\n\nReports for the week: {}/reports?from={}&to={}\n\n{}",
            self.workspace,
            self.period,
            self.lines().join("\n"),
            self.link,
            self.period.from,
            self.period.to,
            FOOTER
        )
    }

    pub fn slack_text(&self) -> String {
        format!(
            "*Weekly review of {}* · {}\n{}\n<{}/reports?from={}&to={}|Open the week's report>",
            esc(&self.workspace),
            self.period,
            esc(&self.lines().join("\n")),
            self.link,
            self.period.from,
            self.period.to
        )
    }
}

/// A digest of either kind, as the engine sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Digest {
    Daily(Daily),
    Weekly(Weekly),
}

impl Digest {
    pub fn subject(&self) -> String {
        match self {
            Digest::Daily(d) => d.subject(),
            Digest::Weekly(w) => w.subject(),
        }
    }
    pub fn email_text(&self) -> String {
        match self {
            Digest::Daily(d) => d.email_text(),
            Digest::Weekly(w) => w.email_text(),
        }
    }
    pub fn slack_text(&self) -> String {
        match self {
            Digest::Daily(d) => d.slack_text(),
            Digest::Weekly(w) => w.slack_text(),
        }
    }
}

/// What Settings → Digests shows to one member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestSettings {
    pub time_zone: String,
    pub slack_daily: bool,
    pub slack_weekly: bool,
    /// Whether the workspace has a Slack webhook for the digests to go to.
    pub slack_connected: bool,
    /// Whether the installation has a mailbox to send email from.
    pub email_available: bool,
    pub my_daily: bool,
    pub my_weekly: bool,
    pub my_email: String,
    /// Owners and admins set the time zone and the Slack digests.
    pub can_configure: bool,
}

/// A digest shown (and, when the installation can, emailed) to the member who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPreview {
    pub kind: DigestKind,
    pub period: Period,
    pub subject: String,
    pub text: String,
    /// Where the preview was emailed; `None` with the reason in `note` when it was not.
    pub emailed_to: Option<String>,
    pub note: Option<String>,
}

const FOOTER: &str = "Days are counted in UTC, as on the Reports page. You get this email because you turned it on in Settings → Notifications; turn it off there.";


#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_daily_digest_is_due_from_eight_in_the_workspace_time_zone_for_the_day_before() {
        let sydney: Tz = "Australia/Sydney".parse().unwrap();
        // 20:59 UTC on 3 Dec is 07:59 on 4 Dec in Sydney (UTC+11 in summer): not yet.
        assert_eq!(due(DigestKind::Daily, at("2026-12-03T20:59:00Z"), sydney), None);
        // 21:00 UTC is 08:00 local: the 3rd is due.
        assert_eq!(due(DigestKind::Daily, at("2026-12-03T21:00:00Z"), sydney), Some(Period { from: d("2026-12-03"), to: d("2026-12-03") }));
        // Adelaide's half-hour offset (UTC+10:30): 08:00 local is 21:30 UTC.
        let adelaide: Tz = "Australia/Adelaide".parse().unwrap();
        assert_eq!(due(DigestKind::Daily, at("2026-12-03T21:29:00Z"), adelaide), None);
        assert!(due(DigestKind::Daily, at("2026-12-03T21:30:00Z"), adelaide).is_some());
        // London in winter is UTC.
        let london: Tz = "Europe/London".parse().unwrap();
        assert_eq!(due(DigestKind::Daily, at("2026-12-04T08:00:00Z"), london), Some(Period { from: d("2026-12-03"), to: d("2026-12-03") }));
    }

    #[test]
    fn the_weekly_review_is_due_on_monday_mornings_for_the_whole_week_before() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Monday 7 Dec 2026, 08:00 in Berlin = 07:00 UTC.
        assert_eq!(due(DigestKind::Weekly, at("2026-12-07T06:59:00Z"), tz), None);
        assert_eq!(due(DigestKind::Weekly, at("2026-12-07T07:00:00Z"), tz), Some(Period { from: d("2026-11-30"), to: d("2026-12-06") }));
        // Tuesday: not due, but a preview shows the same week.
        assert_eq!(due(DigestKind::Weekly, at("2026-12-08T10:00:00Z"), tz), None);
        assert_eq!(latest(DigestKind::Weekly, at("2026-12-08T10:00:00Z"), tz), Period { from: d("2026-11-30"), to: d("2026-12-06") });
        // Sunday is still in the week that has not ended.
        assert_eq!(latest(DigestKind::Weekly, at("2026-12-06T22:00:00Z"), tz), Period { from: d("2026-11-23"), to: d("2026-11-29") });
    }

    #[test]
    fn the_month_is_forecast_from_its_complete_days() {
        let f = forecast(d("2026-12-11"), 5);
        assert_eq!((f.month, f.days_counted, f.days_in_month, f.expected), (d("2026-12-01"), 10, 31, Some(16)));
        assert_eq!(forecast(d("2026-12-01"), 0).expected, None);
        assert_eq!(forecast(d("2027-02-15"), 7).days_in_month, 28);
        assert_eq!(forecast(d("2028-02-15"), 7).days_in_month, 29);
    }

    #[test]
    fn best_rows_need_enough_messages_and_rank_by_reply_rate() {
        let b = |label: &str, sent, replied| Best { label: label.into(), sent, replied };
        let got = best_of([b("tiny", 5, 5), b("pain", 40, 8), b("social", 100, 10), b("roi", 20, 4), b("none", 60, 0), b("x", 30, 1)]);
        let labels: Vec<&str> = got.iter().map(|b| b.label.as_str()).collect();
        // pain and roi both 20 %: the one with more messages first; "tiny" has too few.
        assert_eq!(labels, ["pain", "roi", "social"]);
    }

    #[test]
    fn send_hours_are_regrouped_in_local_time() {
        let tz: Tz = "Australia/Sydney".parse().unwrap();
        // 22:00 UTC and 23:00 UTC on 1 Dec are 09:00 and 10:00 in Sydney.
        let rows = [(at("2026-12-01T22:00:00Z"), 15, 3), (at("2026-12-02T22:00:00Z"), 15, 3), (at("2026-12-01T23:00:00Z"), 25, 1)];
        let got = hours(&rows, tz);
        assert_eq!(got, vec![Best { label: "09:00–10:00".into(), sent: 30, replied: 6 }, Best { label: "10:00–11:00".into(), sent: 25, replied: 1 }]);
    }

    #[test]
    fn a_time_zone_must_be_a_real_one() {
        assert!(parse_time_zone("Australia/Sydney").is_ok());
        assert!(parse_time_zone(" UTC ").is_ok());
        assert!(parse_time_zone("Mars/Olympus").unwrap_err().contains("not a time zone"));
        assert!(parse_time_zone("").is_err());
    }

    #[test]
    fn the_texts_carry_the_figures_and_escape_what_slack_would_read() {
        let daily = Daily {
            workspace: "Acme <Agency>".into(),
            period: Period { from: d("2026-12-03"), to: d("2026-12-03") },
            activity: Activity { sent: 42, bounced: 1, replies: 5, auto_replies: 2, meetings: 1 },
            spend: 32_000,
            daily_budget_cents: Some(1000),
            needing_attention: 3,
            open_alerts: vec![OpenAlert { level: "critical".into(), title: "Spend is over budget".into() }],
            link: "https://app.example/w/1".into(),
        };
        let text = daily.email_text();
        for want in ["Sent: 42 (1 bounced)", "Replies: 5 from people, 2 automatic", "Meetings booked: 1", "A$3.20 of the A$10.00 daily budget (32.0 %)", "Replies waiting for you now: 3", "[critical] Spend is over budget", "Thursday 3 December 2026", "from=2026-12-03&to=2026-12-03"] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        assert!(daily.slack_text().contains("Acme &lt;Agency&gt;"));
        assert_eq!(daily.subject(), "Acme <Agency>: 42 sent, 5 replies · Thursday 3 December 2026");

        let weekly = Weekly {
            workspace: "Acme".into(),
            period: Period { from: d("2026-11-30"), to: d("2026-12-06") },
            activity: Activity { sent: 300, bounced: 6, replies: 24, auto_replies: 3, meetings: 4 },
            previous: Activity { sent: 250, bounced: 5, replies: 30, auto_replies: 1, meetings: 4 },
            spend: 500_000,
            previous_spend: 400_000,
            best_angles: vec![Best { label: "pain point".into(), sent: 120, replied: 14 }],
            best_hours: vec![],
            forecast: forecast(d("2026-12-07"), 3),
            link: "https://app.example/w/1".into(),
        };
        let text = weekly.email_text();
        for want in ["Sent: 300 — +50 on the week before (250)", "Replies from people: 24 — −6 on the week before (30)", "Meetings booked: 4 — the same as the week before", "Cost per meeting: A$12.50 (A$50.00 ÷ 4 meetings)", "angle pain point: 11.7 % (14 of 120)", "Best send times: not enough data yet", "Forecast for December: 16 meetings at the current rate (3 in its first 6 days)"] {
            assert!(text.contains(want), "{want}\n{text}");
        }
    }
}
