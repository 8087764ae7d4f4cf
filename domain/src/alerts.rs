//! Budgets and alerts (SPEC §13): which conditions of a workspace deserve a person's attention
//! now, how loud each is, and when an unacknowledged one is announced again. Pure: the engine
//! gathers the figures, this decides.
//!
//! A condition has a stable key (`budget.daily`, `mailbox_paused:<address>`), so an alert fires
//! once per condition — it stays open while the condition holds and is resolved when it clears —
//! and a level that may rise (over budget by 10 % is a warning, by 20 % critical).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How loud an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Warning,
    Critical,
}

impl Level {
    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "warning" => Some(Level::Warning),
            "critical" => Some(Level::Critical),
            _ => None,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Level::Warning => "Warning",
            Level::Critical => "Critical",
        }
    }
}

/// Spend over budget by more than this fraction is a warning …
pub const OVER_BUDGET_WARNING: f64 = 0.10;
/// … and by more than this, critical.
pub const OVER_BUDGET_CRITICAL: f64 = 0.20;
/// An error rate above this over the last hour is a warning …
pub const ERROR_RATE_WARNING: f64 = 0.05;
/// … once at least this many attempts were made (one failure of two is not a rate).
pub const ERROR_RATE_MIN_SAMPLE: i64 = 20;
/// A job of the workspace that failed this many times (or was given up) is critical.
pub const JOB_FAILURES_CRITICAL: i64 = 3;
/// A critical alert nobody acknowledged is announced again after this long.
pub const ESCALATE_EVERY_MINUTES: i64 = 30;

/// A workspace's budgets in AUD (cents), each optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budgets {
    pub daily_cents: Option<i64>,
    pub monthly_cents: Option<i64>,
}

/// Why a budget cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BudgetError {
    #[error("the {0} budget must be a positive amount in dollars, like 50 or 49.95")]
    NotAnAmount(&'static str),
    #[error("the {0} budget is more than A$10,000,000")]
    TooLarge(&'static str),
    #[error("the daily budget is more than the monthly budget")]
    DailyOverMonthly,
}

impl Budgets {
    /// From what a person typed ("", "50", "49.95", "A$1,200"): empty is no budget.
    pub fn parse(daily: &str, monthly: &str) -> Result<Self, BudgetError> {
        let b = Budgets { daily_cents: parse_dollars(daily, "daily")?, monthly_cents: parse_dollars(monthly, "monthly")? };
        if let (Some(d), Some(m)) = (b.daily_cents, b.monthly_cents) {
            if d > m {
                return Err(BudgetError::DailyOverMonthly);
            }
        }
        Ok(b)
    }
}

fn parse_dollars(s: &str, which: &'static str) -> Result<Option<i64>, BudgetError> {
    let t: String = s.trim().trim_start_matches("A$").trim_start_matches('$').chars().filter(|c| *c != ',').collect();
    if t.is_empty() {
        return Ok(None);
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    let ok_digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !ok_digits(whole) || !ok_digits(frac) || frac.len() > 2 || whole.len() > 12 {
        return Err(BudgetError::NotAnAmount(which));
    }
    let cents = whole.parse::<i64>().map_err(|_| BudgetError::NotAnAmount(which))? * 100 + format!("{frac:0<2}").parse::<i64>().unwrap_or(0);
    if cents <= 0 {
        return Err(BudgetError::NotAnAmount(which));
    }
    if cents > 1_000_000_000 {
        return Err(BudgetError::TooLarge(which));
    }
    Ok(Some(cents))
}

/// What the engine read about a workspace for one evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub budgets: Budgets,
    /// Spend today and this month (UTC), in AUD.
    pub spend_today: f64,
    pub spend_month: f64,
    /// Sends attempted in the last hour, and how many failed for good.
    pub sends_hour: i64,
    pub send_failures_hour: i64,
    /// Mailboxes the deliverability guard (or a person) paused, by address.
    pub paused_mailboxes: Vec<String>,
    /// The operator's platform-wide emergency stop, and the workspace's own pause.
    pub platform_stopped: bool,
    pub workspace_paused: bool,
    /// A model call was refused today because an AI spend cap was reached.
    pub ai_cap_reached: bool,
    /// Jobs of the workspace that failed repeatedly or were given up, in the last day.
    pub failing_jobs: i64,
}

/// A condition that holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Stable while the condition holds: one open alert per key.
    pub key: String,
    pub level: Level,
    pub title: String,
    pub detail: String,
}

fn aud(x: f64) -> String {
    format!("A${x:.2}")
}

/// Every condition of `i` that deserves an alert, most severe first.
pub fn conditions(i: &Inputs) -> Vec<Condition> {
    let mut out = Vec::new();
    for (key, what, spent, budget) in [
        ("budget.daily", "today", i.spend_today, i.budgets.daily_cents),
        ("budget.monthly", "this month", i.spend_month, i.budgets.monthly_cents),
    ] {
        let Some(cents) = budget else { continue };
        let budget = cents as f64 / 100.0;
        // In whole cents, so "exactly 10 % over" is not over by a float's last bit.
        let spent_cents = (spent * 100.0).round() as i64;
        let over_by = |fraction: f64| spent_cents as i128 * 100 > cents as i128 * (100 + (fraction * 100.0).round() as i128);
        let level = if over_by(OVER_BUDGET_CRITICAL) {
            Level::Critical
        } else if over_by(OVER_BUDGET_WARNING) {
            Level::Warning
        } else {
            continue;
        };
        let over = (spent_cents - cents) as f64 / cents as f64;
        out.push(Condition {
            key: key.into(),
            level,
            title: format!("Spend {what} is {:.0} % over budget", over * 100.0),
            detail: format!("{} spent {what} against a budget of {} (warning above +10 %, critical above +20 %).", aud(spent), aud(budget)),
        });
    }
    if i.platform_stopped {
        out.push(Condition {
            key: "emergency_stop.platform".into(),
            level: Level::Critical,
            title: "The platform's emergency stop is engaged".into(),
            detail: "The operator stopped all sending on this installation; nothing is sent until it is released.".into(),
        });
    }
    if i.workspace_paused {
        out.push(Condition {
            key: "emergency_stop.workspace".into(),
            level: Level::Critical,
            title: "Sending is stopped for this workspace".into(),
            detail: "Someone engaged the workspace's emergency stop; nothing is sent until it is resumed.".into(),
        });
    }
    if i.failing_jobs >= 1 {
        out.push(Condition {
            key: "jobs.failing".into(),
            level: Level::Critical,
            title: format!("{} background job{} failing repeatedly", i.failing_jobs, if i.failing_jobs == 1 { " is" } else { "s are" }),
            detail: format!("An import, enrichment, scoring or drafting job failed {JOB_FAILURES_CRITICAL} or more times (or was given up) in the last day."),
        });
    }
    if i.sends_hour >= ERROR_RATE_MIN_SAMPLE {
        let rate = i.send_failures_hour as f64 / i.sends_hour as f64;
        if rate > ERROR_RATE_WARNING {
            out.push(Condition {
                key: "sends.error_rate".into(),
                level: Level::Warning,
                title: format!("{:.0} % of sends failed in the last hour", rate * 100.0),
                detail: format!("{} of {} sends in the last hour failed for good (warning above 5 %).", i.send_failures_hour, i.sends_hour),
            });
        }
    }
    for address in &i.paused_mailboxes {
        out.push(Condition {
            key: format!("mailbox_paused:{}", address.to_ascii_lowercase()),
            level: Level::Warning,
            title: format!("Mailbox {address} is paused"),
            detail: "The deliverability guard (or a person) paused it; its messages wait for another mailbox or its resumption.".into(),
        });
    }
    if i.ai_cap_reached {
        out.push(Condition {
            key: "ai.cap_reached".into(),
            level: Level::Warning,
            title: "Today's AI spend cap is reached".into(),
            detail: "Drafts fall back to templates until the cap resets at midnight UTC.".into(),
        });
    }
    out.sort_by(|a, b| b.level.cmp(&a.level));
    out
}

/// What is known of an open alert when deciding whether to announce it (again).
#[derive(Debug, Clone, Copy)]
pub struct Announced {
    pub level: Level,
    pub acknowledged: bool,
    pub last_notified: Option<DateTime<Utc>>,
}

/// Whether an open alert is to be announced now: once when it fires (or its level rises, which
/// clears `last_notified`), and a critical one again every [`ESCALATE_EVERY_MINUTES`] until
/// someone acknowledges it.
pub fn announce_due(a: Announced, now: DateTime<Utc>) -> bool {
    match a.last_notified {
        None => true,
        Some(at) => a.level == Level::Critical && !a.acknowledged && now - at >= Duration::minutes(ESCALATE_EVERY_MINUTES),
    }
}

/// An alert as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: uuid::Uuid,
    pub level: Level,
    pub title: String,
    pub detail: String,
    pub fired_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Who resolved it; None with `resolved_at` set: its condition cleared.
    pub resolved_by: Option<String>,
    pub announcements: i32,
    /// What failed in the last announcement (a channel, in our words).
    pub notify_error: Option<String>,
}

impl AlertView {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// The Dashboard's summary: open alerts by level, and the budgets against this day's and
/// month's spend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BudgetStatus {
    pub budgets: Budgets,
    pub spend_today: f64,
    pub spend_month: f64,
}

/// An alert as announced on Slack and by email.
#[derive(Debug, Clone)]
pub struct AlertNotice<'a> {
    pub workspace: &'a str,
    pub level: Level,
    pub title: &'a str,
    pub detail: &'a str,
    /// Where to acknowledge it.
    pub link: &'a str,
    /// 0 the first time; then how many times it was announced before.
    pub repeat: i32,
}

impl AlertNotice<'_> {
    fn again(&self) -> &'static str {
        if self.repeat > 0 { " (still unacknowledged)" } else { "" }
    }

    pub fn subject(&self) -> String {
        format!("[{}] {}: {}{}", self.level.label(), self.workspace, self.title, self.again())
    }

    pub fn email_text(&self) -> String {
        format!(
            "{} alert for {}{}:\n\n{}\n{}\n\nAcknowledge or resolve it: {}\n",
            self.level.label(),
            self.workspace,
            self.again(),
            self.title,
            self.detail,
            self.link
        )
    }

    /// Slack's `text` (mrkdwn), with what a tenant named (the workspace, a mailbox) escaped so it
    /// cannot become a mention or a link.
    pub fn slack_text(&self) -> String {
        let esc = crate::notify::slack_escape;
        let icon = match self.level {
            Level::Critical => ":rotating_light:",
            Level::Warning => ":warning:",
        };
        format!(
            "{icon} *{}* · {}{}\n*{}*\n{}\n<{}|Acknowledge or resolve>",
            self.level.label(),
            esc(self.workspace),
            self.again(),
            esc(self.title),
            esc(self.detail),
            self.link
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_escapes_what_a_tenant_named_and_says_when_it_repeats() {
        let n = AlertNotice { workspace: "<!channel> Acme & Co", level: Level::Critical, title: "Mailbox <x@y> is paused", detail: "d", link: "https://app.example/w/1", repeat: 2 };
        let slack = n.slack_text();
        assert!(slack.contains("&lt;!channel&gt; Acme &amp; Co") && !slack.contains("<!channel>"), "{slack}");
        assert!(slack.contains("Mailbox &lt;x@y&gt; is paused") && slack.contains("<https://app.example/w/1|Acknowledge or resolve>"), "{slack}");
        assert!(n.subject().starts_with("[Critical] <!channel> Acme & Co: Mailbox") && n.subject().ends_with("(still unacknowledged)"));
        assert!(!AlertNotice { repeat: 0, ..n }.email_text().contains("still"));
    }

    fn budget(daily: i64, monthly: i64) -> Budgets {
        Budgets { daily_cents: Some(daily * 100), monthly_cents: Some(monthly * 100) }
    }

    #[test]
    fn budgets_are_read_from_what_people_type() {
        assert_eq!(Budgets::parse("", " ").unwrap(), Budgets::default());
        assert_eq!(Budgets::parse("50", "A$1,200.5").unwrap(), Budgets { daily_cents: Some(5_000), monthly_cents: Some(120_050) });
        assert_eq!(Budgets::parse("$49.95", "").unwrap().daily_cents, Some(4_995));
        assert_eq!(Budgets::parse("0", ""), Err(BudgetError::NotAnAmount("daily")));
        assert_eq!(Budgets::parse("-5", ""), Err(BudgetError::NotAnAmount("daily")));
        assert_eq!(Budgets::parse("", "1.234"), Err(BudgetError::NotAnAmount("monthly")));
        assert_eq!(Budgets::parse("ten", ""), Err(BudgetError::NotAnAmount("daily")));
        assert_eq!(Budgets::parse("", "99999999999"), Err(BudgetError::TooLarge("monthly")));
        assert_eq!(Budgets::parse("100", "50"), Err(BudgetError::DailyOverMonthly));
    }

    #[test]
    fn spend_over_budget_warns_past_ten_percent_and_is_critical_past_twenty() {
        let at = |today: f64| conditions(&Inputs { budgets: budget(100, 10_000), spend_today: today, ..Default::default() });
        assert!(at(100.0).is_empty(), "at budget");
        assert!(at(110.0).is_empty(), "exactly +10 % is not over it");
        let w = at(110.5);
        assert_eq!((w.len(), w[0].key.as_str(), w[0].level), (1, "budget.daily", Level::Warning));
        assert!(w[0].detail.contains("A$110.50") && w[0].detail.contains("A$100.00"), "{}", w[0].detail);
        let c = at(121.0);
        assert_eq!((c[0].key.as_str(), c[0].level), ("budget.daily", Level::Critical));
        // No budget, no alert, whatever the spend.
        assert!(conditions(&Inputs { spend_today: 1e6, spend_month: 1e7, ..Default::default() }).is_empty());
        // The monthly budget has its own key.
        let m = conditions(&Inputs { budgets: budget(1_000, 100), spend_month: 115.0, ..Default::default() });
        assert_eq!((m[0].key.as_str(), m[0].level), ("budget.monthly", Level::Warning));
    }

    #[test]
    fn stops_failing_jobs_error_rates_paused_mailboxes_and_the_ai_cap_each_have_their_level() {
        let all = conditions(&Inputs {
            platform_stopped: true,
            workspace_paused: true,
            failing_jobs: 2,
            sends_hour: 40,
            send_failures_hour: 3,
            paused_mailboxes: vec!["Sam@Northwind.example".into()],
            ai_cap_reached: true,
            ..Default::default()
        });
        let keys: Vec<(&str, Level)> = all.iter().map(|c| (c.key.as_str(), c.level)).collect();
        assert_eq!(
            keys,
            [
                ("emergency_stop.platform", Level::Critical),
                ("emergency_stop.workspace", Level::Critical),
                ("jobs.failing", Level::Critical),
                ("sends.error_rate", Level::Warning),
                ("mailbox_paused:sam@northwind.example", Level::Warning),
                ("ai.cap_reached", Level::Warning),
            ]
        );
        // A rate needs a sample: 1 failure of 2 sends is not 50 %.
        assert!(conditions(&Inputs { sends_hour: 2, send_failures_hour: 1, ..Default::default() }).is_empty());
        // 5 % exactly is not above 5 %.
        assert!(conditions(&Inputs { sends_hour: 100, send_failures_hour: 5, ..Default::default() }).is_empty());
    }

    #[test]
    fn a_critical_alert_is_announced_again_until_acknowledged_and_a_warning_once() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-04T10:00:00Z").unwrap().with_timezone(&Utc);
        let later = |m: i64| t0 + Duration::minutes(m);
        let critical = |ack: bool, last: Option<DateTime<Utc>>| Announced { level: Level::Critical, acknowledged: ack, last_notified: last };
        assert!(announce_due(critical(false, None), t0), "first time");
        assert!(!announce_due(critical(false, Some(t0)), later(29)));
        assert!(announce_due(critical(false, Some(t0)), later(30)));
        assert!(!announce_due(critical(true, Some(t0)), later(300)), "acknowledged");
        let warning = Announced { level: Level::Warning, acknowledged: false, last_notified: Some(t0) };
        assert!(!announce_due(warning, later(600)));
        assert!(announce_due(Announced { last_notified: None, ..warning }, t0));
    }
}
