//! The Inbox's rules as data (SPEC §11, issue 11 §4): which reply classes each tab holds, the
//! keyboard map, and how a snooze is read. Pure, so the browser and the server agree on what
//! "needs attention" means and the help overlay can never drift from the keys handled.

use crate::reply::ReplyClass;
use crate::leads::{LeadDetail, LeadId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// One tab of the Inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxTab {
    /// What a person should answer: the positive classes, and replies no rule recognised (those
    /// go to a human like a question would).
    #[default]
    NeedsAttention,
    OutOfOffice,
    NotInterested,
    Unsubscribed,
    AutoReplies,
    All,
}

/// Every class the classifier can give, the order of the re-classify keys 1–7 and of the
/// class picker.
pub const RECLASSIFY_ORDER: [ReplyClass; 7] = [
    ReplyClass::MeetingRequest,
    ReplyClass::Interested,
    ReplyClass::Question,
    ReplyClass::NotInterested,
    ReplyClass::Unsubscribe,
    ReplyClass::OutOfOffice,
    ReplyClass::AutoReply,
];

const ALL_CLASSES: [ReplyClass; 8] = [
    ReplyClass::MeetingRequest,
    ReplyClass::Interested,
    ReplyClass::Question,
    ReplyClass::NotInterested,
    ReplyClass::Unsubscribe,
    ReplyClass::OutOfOffice,
    ReplyClass::AutoReply,
    ReplyClass::Unclassified,
];

/// What the action of a reply class does to its lead (SPEC §11), as far as a person's
/// re-classification needs to know to undo the earlier class's action and not redo what the new
/// class would do anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassAction {
    /// The address goes on the suppression list.
    pub suppresses: bool,
    /// The lead's automated cadences end (and their waiting drafts are withdrawn).
    pub stops_cadence: bool,
    /// The cadences pause until the return date.
    pub pauses: bool,
    /// The status the class moves the lead to.
    pub status: Option<crate::lead_status::LeadStatus>,
    /// The lead is marked hot and a suggested answer is queued.
    pub hot: bool,
}

/// The action of each class.
pub fn class_action(class: ReplyClass) -> ClassAction {
    use crate::lead_status::LeadStatus as S;
    let none = ClassAction { suppresses: false, stops_cadence: false, pauses: false, status: None, hot: false };
    match class {
        ReplyClass::Unsubscribe => ClassAction { suppresses: true, stops_cadence: true, status: Some(S::Unsubscribed), ..none },
        ReplyClass::NotInterested => ClassAction { stops_cadence: true, status: Some(S::NotInterested), ..none },
        ReplyClass::OutOfOffice => ClassAction { pauses: true, ..none },
        ReplyClass::AutoReply => none,
        ReplyClass::Unclassified => ClassAction { stops_cadence: true, status: Some(S::Replied), ..none },
        ReplyClass::MeetingRequest | ReplyClass::Interested | ReplyClass::Question => ClassAction { stops_cadence: true, status: Some(S::Replied), hot: true, ..none },
    }
}

/// What a person's re-classification did: the earlier class's effects it reversed, those it
/// kept (and why), and what the new class did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reclassified {
    pub from: ReplyClass,
    pub to: ReplyClass,
    pub undone: Vec<String>,
    pub kept: Vec<String>,
    /// The new class's action, in words ("hot", "exited", "paused", "suppressed", "none").
    pub action: String,
    /// Set when the earlier reading's unsubscribe was kept only because nobody confirmed that
    /// the text did not ask to be removed: the question the Inbox puts to the person.
    pub confirm_lift: Option<String>,
}

impl InboxTab {
    pub const ALL: [InboxTab; 6] =
        [InboxTab::NeedsAttention, InboxTab::OutOfOffice, InboxTab::NotInterested, InboxTab::Unsubscribed, InboxTab::AutoReplies, InboxTab::All];

    /// The reply classes the tab lists.
    pub fn classes(self) -> &'static [ReplyClass] {
        match self {
            InboxTab::NeedsAttention => &[ReplyClass::MeetingRequest, ReplyClass::Interested, ReplyClass::Question, ReplyClass::Unclassified],
            InboxTab::OutOfOffice => &[ReplyClass::OutOfOffice],
            InboxTab::NotInterested => &[ReplyClass::NotInterested],
            InboxTab::Unsubscribed => &[ReplyClass::Unsubscribe],
            InboxTab::AutoReplies => &[ReplyClass::AutoReply],
            InboxTab::All => &ALL_CLASSES,
        }
    }

    /// The class names as stored (`replies.intent`), for a query's `= any($n)`.
    pub fn class_names(self) -> Vec<&'static str> {
        self.classes().iter().map(|c| c.as_str()).collect()
    }

    /// The tab a reply of `class` is listed under (besides All).
    pub fn of(class: ReplyClass) -> InboxTab {
        InboxTab::ALL.into_iter().find(|t| *t != InboxTab::All && t.classes().contains(&class)).unwrap_or(InboxTab::All)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InboxTab::NeedsAttention => "needs_attention",
            InboxTab::OutOfOffice => "out_of_office",
            InboxTab::NotInterested => "not_interested",
            InboxTab::Unsubscribed => "unsubscribed",
            InboxTab::AutoReplies => "auto_replies",
            InboxTab::All => "all",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            InboxTab::NeedsAttention => "Needs attention",
            InboxTab::OutOfOffice => "Out of office",
            InboxTab::NotInterested => "Not interested",
            InboxTab::Unsubscribed => "Unsubscribed",
            InboxTab::AutoReplies => "Auto-replies",
            InboxTab::All => "All",
        }
    }
}

impl fmt::Display for InboxTab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown inbox tab \"{0}\"; use one of needs_attention, out_of_office, not_interested, unsubscribed, auto_replies, all")]
pub struct UnknownTab(pub String);

impl FromStr for InboxTab {
    type Err = UnknownTab;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        InboxTab::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| UnknownTab(s.chars().take(40).collect()))
    }
}

/// A reply class by its stored name.
pub fn parse_class(s: &str) -> Option<ReplyClass> {
    ALL_CLASSES.into_iter().find(|c| c.as_str() == s.trim())
}

/// How a class reads in the UI.
pub fn class_label(class: ReplyClass) -> &'static str {
    match class {
        ReplyClass::MeetingRequest => "Meeting request",
        ReplyClass::Interested => "Interested",
        ReplyClass::Question => "Question",
        ReplyClass::NotInterested => "Not interested",
        ReplyClass::Unsubscribe => "Unsubscribe",
        ReplyClass::OutOfOffice => "Out of office",
        ReplyClass::AutoReply => "Auto-reply",
        ReplyClass::Unclassified => "Unclassified",
    }
}

/// The re-classify key of a class (`'1'`–`'7'`); `Unclassified` has none: a person never
/// chooses "I don't know".
pub fn reclassify_key(class: ReplyClass) -> Option<char> {
    RECLASSIFY_ORDER.iter().position(|c| *c == class).and_then(|i| char::from_digit(i as u32 + 1, 10))
}

/// What a key press asks of the Inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxCommand {
    Next,
    Previous,
    Open,
    Reply,
    Archive,
    Snooze,
    Reclassify(ReplyClass),
    MeetingBooked,
    Note,
    Help,
    Close,
}

/// The keys and what they do, in the order the help overlay lists them.
pub const KEYMAP: &[(&str, &str)] = &[
    ("j / k", "next / previous conversation"),
    ("enter", "open the conversation"),
    ("r", "reply"),
    ("e", "archive"),
    ("s", "snooze"),
    ("1–7", "re-classify: 1 meeting request, 2 interested, 3 question, 4 not interested, 5 unsubscribe, 6 out of office, 7 auto-reply"),
    ("m", "mark a meeting booked"),
    ("n", "add a note"),
    ("?", "show or hide these keys"),
    ("esc", "close the form or this help"),
];

/// The command for a key (`KeyboardEvent.key`), if it is one. Modifier keys are the caller's
/// business: a shortcut with ctrl/meta/alt held is the browser's, not ours.
pub fn command_for(key: &str) -> Option<InboxCommand> {
    Some(match key {
        "j" | "ArrowDown" => InboxCommand::Next,
        "k" | "ArrowUp" => InboxCommand::Previous,
        "Enter" | "o" => InboxCommand::Open,
        "r" => InboxCommand::Reply,
        "e" => InboxCommand::Archive,
        "s" => InboxCommand::Snooze,
        "m" => InboxCommand::MeetingBooked,
        "n" => InboxCommand::Note,
        "?" => InboxCommand::Help,
        "Escape" => InboxCommand::Close,
        _ => {
            let mut chars = key.chars();
            let (Some(d), None) = (chars.next(), chars.next()) else { return None };
            let i = d.to_digit(10)? as usize;
            InboxCommand::Reclassify(*RECLASSIFY_ORDER.get(i.checked_sub(1)?)?)
        }
    })
}

/// Longest snooze: a reply hidden for more than a year is better archived.
pub const MAX_SNOOZE_DAYS: i64 = 365;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnoozeError {
    #[error("Snooze until a date (YYYY-MM-DD) or a number of days, like 3")]
    Unreadable,
    #[error("Snooze until a day after today")]
    NotInFuture,
    #[error("Snooze for at most {MAX_SNOOZE_DAYS} days; archive it instead")]
    TooFar,
}

/// Reads a snooze: a date (`2026-12-24`) or a number of days from `today` (`3`, `+3`).
pub fn parse_snooze(input: &str, today: NaiveDate) -> Result<NaiveDate, SnoozeError> {
    let s = input.trim();
    let until = match s.trim_start_matches('+').parse::<i64>() {
        Ok(days) if s.len() <= 4 => today + Duration::days(days),
        _ => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| SnoozeError::Unreadable)?,
    };
    if until <= today {
        return Err(SnoozeError::NotInFuture);
    }
    if until > today + Duration::days(MAX_SNOOZE_DAYS) {
        return Err(SnoozeError::TooFar);
    }
    Ok(until)
}

/// Longest answer a person may send from the Inbox (a reply, not a newsletter).
pub const MAX_REPLY_CHARS: usize = 10_000;
/// Longest note on a lead.
pub const MAX_NOTE_CHARS: usize = 2_000;

// ---- What the Inbox, the lead timeline and the Dashboard show (shared by server and browser).

/// One reply as an Inbox row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: Uuid,
    pub lead_id: Option<LeadId>,
    /// The lead's name, else the sender's address.
    pub lead_name: String,
    pub company: Option<String>,
    pub from: String,
    pub subject: String,
    /// The start of what they wrote (quoted history stripped), for the list.
    pub snippet: String,
    pub class: ReplyClass,
    pub confidence: f32,
    /// The rule or the model's reason; "corrected by a person" after a re-classification.
    pub reason: String,
    /// `rules`, `model` or `user`.
    pub classified_by: String,
    pub return_date: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub unread: bool,
    pub archived: bool,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub campaign: Option<String>,
    pub mailbox: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabCount {
    pub tab: InboxTab,
    pub count: i64,
    pub unread: i64,
}

/// One page of the Inbox: its rows (newest first), the cursor of the next page, and the counts
/// of every tab under the same filters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub next: Option<String>,
    pub counts: Vec<TabCount>,
    /// What the campaign and mailbox filters offer.
    pub campaigns: Vec<FilterOption>,
    pub mailboxes: Vec<FilterOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOption {
    pub id: Uuid,
    pub label: String,
}

impl InboxPage {
    pub fn count(&self, tab: InboxTab) -> i64 {
        self.counts.iter().find(|c| c.tab == tab).map(|c| c.count).unwrap_or(0)
    }
}

/// One message of a conversation, ours or theirs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreadEntry {
    pub id: Uuid,
    /// They wrote it (a reply); otherwise we sent it (an outbox message).
    pub inbound: bool,
    pub at: DateTime<Utc>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Our message's outbox state (`sent`, `pending`, `shadow`…); `None` for theirs.
    pub state: Option<String>,
    /// Their message's class; `None` for ours.
    pub class: Option<ReplyClass>,
}

/// An opened conversation: the reply in full, the whole thread oldest first, and the lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversation {
    pub reply: InboxItem,
    pub body: String,
    pub thread: Vec<ThreadEntry>,
    pub lead: Option<LeadDetail>,
    /// Why an answer cannot be sent from here (no campaign or lead to send it in), if so.
    pub answer_blocked: Option<String>,
}

/// What became of an answer written in the Inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Answered {
    /// Co-pilot or manual: a reply draft waits in the approval queue.
    AwaitingApproval { draft: Uuid },
    /// Autopilot: approved and in the outbox, sent by dispatch with every check.
    Queued { draft: Uuid },
}

impl Answered {
    pub fn message(&self) -> &'static str {
        match self {
            Answered::AwaitingApproval { .. } => "Your answer waits in the approval queue.",
            Answered::Queued { .. } => "Your answer is in the outbox and goes out with the next dispatch.",
        }
    }
}

/// One entry of a lead's timeline or of the workspace's activity feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub id: Uuid,
    /// The activity kind's name (`sent`, `replied`, `status_changed`, `note`…).
    pub kind: String,
    pub channel: Option<String>,
    pub summary: String,
    pub occurred_at: DateTime<Utc>,
    /// The person who did it; `None` for the system.
    pub actor: Option<String>,
    pub lead_id: Option<LeadId>,
    pub lead_name: Option<String>,
    /// Longer text the entry carries (a note, a reply's text), shown under the summary.
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub entries: Vec<TimelineEntry>,
    /// Cursor of the older entries, when there are more.
    pub older: Option<String>,
}

/// The Dashboard's numbers, all read from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DashboardNumbers {
    pub drafts_waiting: i64,
    pub replies_attention: i64,
    pub meetings_this_week: i64,
    pub leads: i64,
    /// This week against last: messages sent (or held as shadow) and replies received in the
    /// last 7 days and the 7 before, meetings booked this ISO week and last.
    pub sent_7d: i64,
    pub sent_prev_7d: i64,
    pub replies_7d: i64,
    pub replies_prev_7d: i64,
    pub meetings_last_week: i64,
}

/// "↑ 12 vs 8 last week", "↓ …", "= …" — the Dashboard's comparison line.
pub fn week_on_week(this: i64, last: i64) -> String {
    let arrow = match this.cmp(&last) {
        std::cmp::Ordering::Greater => "↑",
        std::cmp::Ordering::Less => "↓",
        std::cmp::Ordering::Equal => "=",
    };
    format!("{arrow} vs {last} last week")
}

/// The label and colour family of an activity kind in a timeline.
pub fn activity_label(kind: &str) -> &'static str {
    match kind {
        "draft_queued" => "Draft queued",
        "approved" => "Approved",
        "rejected" => "Rejected",
        "sent" => "Sent",
        "delivered" => "Delivered",
        "bounced" => "Bounced",
        "opened" => "Opened",
        "clicked" => "Clicked",
        "replied" => "Replied",
        "unsubscribed" => "Unsubscribed",
        "status_changed" => "Status changed",
        "meeting_booked" => "Meeting booked",
        "note" => "Note",
        "complained" => "Complaint",
        "paused" => "Paused",
        "resumed" => "Resumed",
        _ => "Activity",
    }
}

/// Encodes a keyset cursor (time, id) as the page's opaque `<micros>_<uuid>`.
pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    format!("{}_{id}", at.timestamp_micros())
}

/// Reads a cursor made by [`encode_cursor`]; `None` when it was tampered with.
pub fn decode_cursor(raw: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (micros, id) = raw.trim().split_once('_')?;
    Some((DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_week_is_compared_with_last_in_one_line() {
        assert_eq!(super::week_on_week(12, 8), "↑ vs 8 last week");
        assert_eq!(super::week_on_week(3, 8), "↓ vs 8 last week");
        assert_eq!(super::week_on_week(0, 0), "= vs 0 last week");
    }

    use super::*;

    #[test]
    fn needs_attention_holds_exactly_what_a_person_should_answer() {
        let t = InboxTab::NeedsAttention.classes();
        for c in [ReplyClass::Interested, ReplyClass::MeetingRequest, ReplyClass::Question] {
            assert!(t.contains(&c), "{c}");
            assert!(c.is_positive());
        }
        for c in [ReplyClass::NotInterested, ReplyClass::Unsubscribe, ReplyClass::OutOfOffice, ReplyClass::AutoReply] {
            assert!(!t.contains(&c), "{c}");
        }
    }

    #[test]
    fn every_class_is_in_all_and_in_exactly_one_other_tab() {
        for c in ALL_CLASSES {
            assert!(InboxTab::All.classes().contains(&c));
            let tabs: Vec<InboxTab> = InboxTab::ALL.into_iter().filter(|t| *t != InboxTab::All && t.classes().contains(&c)).collect();
            assert_eq!(tabs.len(), 1, "{c} is in {tabs:?}");
            assert_eq!(InboxTab::of(c), tabs[0]);
        }
        assert_eq!(InboxTab::OutOfOffice.class_names(), ["out_of_office"]);
    }

    #[test]
    fn tabs_round_trip_through_their_names_and_unknown_ones_are_refused() {
        for t in InboxTab::ALL {
            assert_eq!(t.as_str().parse::<InboxTab>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
        let e = "spam".parse::<InboxTab>().unwrap_err();
        assert!(e.to_string().contains("needs_attention"));
        for c in ALL_CLASSES {
            assert_eq!(parse_class(c.as_str()), Some(c));
        }
        assert_eq!(parse_class("maybe"), None);
    }

    #[test]
    fn keys_one_to_seven_reclassify_in_the_pickers_order() {
        for (i, c) in RECLASSIFY_ORDER.iter().enumerate() {
            let key = (i + 1).to_string();
            assert_eq!(command_for(&key), Some(InboxCommand::Reclassify(*c)));
            assert_eq!(reclassify_key(*c), key.chars().next());
        }
        assert_eq!(command_for("0"), None);
        assert_eq!(command_for("8"), None);
        assert_eq!(command_for("12"), None);
        assert_eq!(reclassify_key(ReplyClass::Unclassified), None);
    }

    #[test]
    fn the_keymap_names_every_handled_key() {
        let cases = [
            ("j", InboxCommand::Next),
            ("k", InboxCommand::Previous),
            ("Enter", InboxCommand::Open),
            ("r", InboxCommand::Reply),
            ("e", InboxCommand::Archive),
            ("s", InboxCommand::Snooze),
            ("m", InboxCommand::MeetingBooked),
            ("n", InboxCommand::Note),
            ("?", InboxCommand::Help),
            ("Escape", InboxCommand::Close),
        ];
        for (key, cmd) in cases {
            assert_eq!(command_for(key), Some(cmd), "{key}");
            let shown = match key {
                "Enter" => "enter",
                "Escape" => "esc",
                k => k,
            };
            assert!(KEYMAP.iter().any(|(k, _)| k.split(" / ").any(|p| p == shown)), "{key} missing from the help");
        }
        assert!(KEYMAP.iter().any(|(k, _)| *k == "1–7"));
        assert_eq!(command_for("x"), None);
        assert_eq!(command_for("R"), None, "shift+r is not reply");
    }

    #[test]
    fn a_snooze_is_a_future_date_or_a_number_of_days() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        assert_eq!(parse_snooze("3", today), Ok(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()));
        assert_eq!(parse_snooze(" +1 ", today), Ok(NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()));
        assert_eq!(parse_snooze("2027-01-05", today), Ok(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()));
        assert_eq!(parse_snooze("2026-12-03", today), Err(SnoozeError::NotInFuture));
        assert_eq!(parse_snooze("0", today), Err(SnoozeError::NotInFuture));
        assert_eq!(parse_snooze("-2", today), Err(SnoozeError::NotInFuture));
        assert_eq!(parse_snooze("400", today), Err(SnoozeError::TooFar));
        assert_eq!(parse_snooze("tomorrow", today), Err(SnoozeError::Unreadable));
        assert_eq!(parse_snooze("99999999999", today), Err(SnoozeError::Unreadable));
    }

    #[test]
    fn cursors_round_trip_and_tampered_ones_are_refused() {
        let at = DateTime::from_timestamp_micros(1_796_000_000_123_456).unwrap();
        let id = Uuid::from_u128(7);
        assert_eq!(decode_cursor(&encode_cursor(at, id)), Some((at, id)));
        for bad in ["", "_", "12", "x_00000000-0000-0000-0000-000000000007", "12_nope", "99999999999999999999_00000000-0000-0000-0000-000000000007"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
