//! The rules baseline of the reply classifier (SPEC §11, "Closer").
//!
//! Owns the decision "what kind of answer is this reply?" and, for out-of-office replies, "when
//! is the author back?". Quoted history and signatures are stripped first ([`strip`]), then
//! one pass of a precompiled multi-phrase automaton collects cues, and a fixed priority picks
//! the class: opt-outs first (the law cares about them most), then absences and machines, then
//! refusals, then the positive classes. The optional model-based classifier lives elsewhere
//! and can overrule this one; this one must never panic and must stay fast (one automaton
//! built once, no per-reply compilation).

mod date;
pub mod model;
mod strip;

pub use date::{return_date, DateOrder};
pub use model::TextModel;
pub use strip::visible_text;

use aho_corasick::{AhoCorasick, MatchKind};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// The classes of SPEC §11, plus `Unclassified` for replies no rule recognises (those go to a
/// human like a question would, but are not claimed to be one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyClass {
    MeetingRequest,
    Interested,
    Question,
    NotInterested,
    Unsubscribe,
    OutOfOffice,
    AutoReply,
    Unclassified,
}

impl ReplyClass {
    /// The seven intents of SPEC §11 (every class but `Unclassified`).
    pub const INTENTS: [ReplyClass; 7] = [
        ReplyClass::MeetingRequest,
        ReplyClass::Interested,
        ReplyClass::Question,
        ReplyClass::NotInterested,
        ReplyClass::Unsubscribe,
        ReplyClass::OutOfOffice,
        ReplyClass::AutoReply,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyClass::MeetingRequest => "meeting_request",
            ReplyClass::Interested => "interested",
            ReplyClass::Question => "question",
            ReplyClass::NotInterested => "not_interested",
            ReplyClass::Unsubscribe => "unsubscribe",
            ReplyClass::OutOfOffice => "out_of_office",
            ReplyClass::AutoReply => "auto_reply",
            ReplyClass::Unclassified => "unclassified",
        }
    }

    /// Whether a human should see the reply soon and a suggested answer be drafted.
    pub fn is_positive(self) -> bool {
        matches!(
            self,
            ReplyClass::MeetingRequest | ReplyClass::Interested | ReplyClass::Question
        )
    }
}

impl fmt::Display for ReplyClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which rule decided, and the phrase that fired it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub rule: &'static str,
    pub matched: &'static str,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.matched.is_empty() {
            f.write_str(self.rule)
        } else {
            write!(f, "{}: \"{}\"", self.rule, self.matched)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Classification {
    pub class: ReplyClass,
    /// 0.0–1.0; how sure the rules are. `Unclassified` is 0.
    pub confidence: f32,
    pub reason: Reason,
    /// For `out_of_office`, the stated return date, if any.
    pub return_date: Option<NaiveDate>,
}

/// Classifier settings, stored as configuration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyConfig {
    pub date_order: DateOrder,
}

/// A reply as the classifier sees it. `auto_submitted` is the engine's reading of the headers
/// (see [`is_auto_submitted_header`]); `received_on` anchors relative return dates.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub received_on: NaiveDate,
    pub auto_submitted: bool,
}

/// Whether a header marks a message as machine-sent (RFC 3834 `Auto-Submitted`, and the
/// non-standard headers Exchange and others use).
pub fn is_auto_submitted_header(name: &str, value: &str) -> bool {
    let (name, value) = (name.trim(), value.trim());
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is("auto-submitted") || is("x-autoreply") || is("x-autorespond") {
        return !value.is_empty() && !value.eq_ignore_ascii_case("no");
    }
    if is("precedence") {
        return ["auto_reply", "bulk", "junk", "list"]
            .iter()
            .any(|v| value.eq_ignore_ascii_case(v));
    }
    false
}

/// A reply handed over as a whole message ("Subject: …", "Date: …", blank line, body), as a
/// mailbox export gives it: the headers the classifier uses, and the body after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage<'a> {
    pub subject: Option<&'a str>,
    /// The Date header's day, for relative return dates ("back tomorrow").
    pub date: Option<NaiveDate>,
    pub auto_submitted: bool,
    pub body: &'a str,
}

/// Splits a header block off the top of `text` when there is one (at least a Subject, From or
/// Date header before the first blank line); otherwise the whole text is the body.
pub fn raw_message(text: &str) -> RawMessage<'_> {
    let plain = RawMessage {
        subject: None,
        date: None,
        auto_submitted: false,
        body: text,
    };
    let text_start = text.trim_start_matches(['\r', '\n']);
    let Some(end) = text_start
        .find("\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| text_start.find("\n\n").map(|i| (i, i + 2)))
    else {
        return plain;
    };
    let head = &text_start[..end.0];
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // A folded header continues the previous one.
            match fields.last_mut() {
                Some((_, value)) => value.push_str(line),
                None => return plain,
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return plain;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return plain;
        }
        fields.push((name, value.trim().to_string()));
    }
    // Two fields at least, one of them a message's: "Date: Tuesday works" alone is a reply.
    let known = ["subject", "from", "date"];
    if fields.len() < 2
        || !fields
            .iter()
            .any(|(n, _)| known.iter().any(|k| n.eq_ignore_ascii_case(k)))
    {
        return plain;
    }
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let subject = value("subject").and_then(|v| {
        let start = head.find(v)?;
        head.get(start..start + v.len())
    });
    let date = value("date").and_then(|v| {
        chrono::DateTime::parse_from_rfc2822(v)
            .ok()
            .map(|d| d.date_naive())
    });
    RawMessage {
        subject,
        date,
        auto_submitted: auto_submitted(fields.iter().map(|(n, v)| (*n, v.as_str()))),
        body: &text_start[end.1..],
    }
}

/// Whether any of a message's headers marks it as machine-sent (see
/// [`is_auto_submitted_header`]): what [`Reply::auto_submitted`] should be.
pub fn auto_submitted<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    headers
        .into_iter()
        .any(|(name, value)| is_auto_submitted_header(name, value))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Unsubscribe,
    OutOfOffice,
    AutoReply,
    NotInterested,
    Meeting,
    Interest,
    /// Appreciation without a request ("sounds interesting"): interest, unless the reply asks
    /// something, when it is the question that needs the answer.
    Warm,
    Question,
}

const CUES: usize = 8;

/// Strong cues weigh 2 and decide a class alone; weak cues weigh 1 and need a second cue.
struct Phrase {
    cue: Cue,
    weight: u8,
    /// A leading negation ("not", "don't", …) turns the cue into a refusal.
    negatable: bool,
    /// Matches as a word prefix ("unsubscrib" matches "unsubscribed").
    stem: bool,
}

/// (phrase, cue, weight, negatable, stem). Written lower-case with straight apostrophes;
/// variants without the apostrophe are added automatically ("lets chat", "im away").
const TABLE: &[(&str, Cue, u8, bool, bool)] = &[
    // Opt-outs.
    ("unsubscrib", Cue::Unsubscribe, 2, false, true),
    ("unsub", Cue::Unsubscribe, 2, false, false),
    ("remove me", Cue::Unsubscribe, 2, false, false),
    ("remove us", Cue::Unsubscribe, 2, false, false),
    ("remove my email", Cue::Unsubscribe, 2, false, false),
    ("remove my address", Cue::Unsubscribe, 2, false, false),
    ("remove my details", Cue::Unsubscribe, 2, false, false),
    ("remove this email", Cue::Unsubscribe, 2, false, false),
    ("take me off", Cue::Unsubscribe, 2, false, false),
    ("take us off", Cue::Unsubscribe, 2, false, false),
    ("off your list", Cue::Unsubscribe, 2, false, false),
    ("off your mailing list", Cue::Unsubscribe, 2, false, false),
    (
        "off your distribution list",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    ("stop emailing", Cue::Unsubscribe, 2, false, false),
    ("stop e-mailing", Cue::Unsubscribe, 2, false, false),
    ("stop contacting", Cue::Unsubscribe, 2, false, false),
    ("stop sending", Cue::Unsubscribe, 2, false, false),
    ("stop messaging", Cue::Unsubscribe, 2, false, false),
    ("stop spamming", Cue::Unsubscribe, 2, false, false),
    ("do not contact", Cue::Unsubscribe, 2, false, false),
    ("don't contact", Cue::Unsubscribe, 2, false, false),
    ("do not email", Cue::Unsubscribe, 2, false, false),
    ("don't email", Cue::Unsubscribe, 2, false, false),
    ("never contact", Cue::Unsubscribe, 2, false, false),
    ("opt out", Cue::Unsubscribe, 2, false, false),
    ("opt-out", Cue::Unsubscribe, 2, false, false),
    ("opt me out", Cue::Unsubscribe, 2, false, false),
    ("no more emails", Cue::Unsubscribe, 2, false, false),
    ("leave me alone", Cue::Unsubscribe, 2, false, false),
    ("this is spam", Cue::Unsubscribe, 2, false, false),
    ("reported as spam", Cue::Unsubscribe, 2, false, false),
    ("report you", Cue::Unsubscribe, 2, false, false),
    (
        "how did you get my email",
        Cue::Unsubscribe,
        1,
        false,
        false,
    ),
    // Absences.
    ("out of office", Cue::OutOfOffice, 2, false, false),
    ("out of the office", Cue::OutOfOffice, 2, false, false),
    ("out-of-office", Cue::OutOfOffice, 2, false, false),
    ("on annual leave", Cue::OutOfOffice, 2, false, false),
    ("on leave", Cue::OutOfOffice, 2, false, false),
    ("on parental leave", Cue::OutOfOffice, 2, false, false),
    ("on maternity leave", Cue::OutOfOffice, 2, false, false),
    ("on paternity leave", Cue::OutOfOffice, 2, false, false),
    ("on sick leave", Cue::OutOfOffice, 2, false, false),
    ("on long service leave", Cue::OutOfOffice, 2, false, false),
    ("on holiday", Cue::OutOfOffice, 2, false, false),
    ("on holidays", Cue::OutOfOffice, 2, false, false),
    ("on vacation", Cue::OutOfOffice, 2, false, false),
    ("on a break", Cue::OutOfOffice, 1, false, false),
    ("away from the office", Cue::OutOfOffice, 2, false, false),
    ("away from my desk", Cue::OutOfOffice, 2, false, false),
    ("away from my email", Cue::OutOfOffice, 2, false, false),
    ("limited access to email", Cue::OutOfOffice, 2, false, false),
    (
        "limited access to my email",
        Cue::OutOfOffice,
        2,
        false,
        false,
    ),
    (
        "limited access to e-mail",
        Cue::OutOfOffice,
        2,
        false,
        false,
    ),
    ("no access to email", Cue::OutOfOffice, 2, false, false),
    ("intermittent access", Cue::OutOfOffice, 2, false, false),
    ("not checking email", Cue::OutOfOffice, 2, false, false),
    ("currently away", Cue::OutOfOffice, 2, false, false),
    ("currently travelling", Cue::OutOfOffice, 1, false, false),
    ("currently traveling", Cue::OutOfOffice, 1, false, false),
    ("i am away", Cue::OutOfOffice, 1, false, false),
    ("i'm away", Cue::OutOfOffice, 1, false, false),
    ("i will be away", Cue::OutOfOffice, 1, false, false),
    ("i'll be away", Cue::OutOfOffice, 1, false, false),
    ("i am currently out", Cue::OutOfOffice, 2, false, false),
    ("i'm currently out", Cue::OutOfOffice, 2, false, false),
    ("i am out until", Cue::OutOfOffice, 2, false, false),
    ("i'm out until", Cue::OutOfOffice, 2, false, false),
    ("back in the office", Cue::OutOfOffice, 1, false, false),
    ("return to the office", Cue::OutOfOffice, 1, false, false),
    ("upon my return", Cue::OutOfOffice, 1, false, false),
    ("on my return", Cue::OutOfOffice, 1, false, false),
    ("when i return", Cue::OutOfOffice, 1, false, false),
    ("when i'm back", Cue::OutOfOffice, 1, false, false),
    ("i will be back", Cue::OutOfOffice, 1, false, false),
    ("i'll be back on", Cue::OutOfOffice, 1, false, false),
    ("returning on", Cue::OutOfOffice, 1, false, false),
    ("will return on", Cue::OutOfOffice, 1, false, false),
    ("office is closed", Cue::OutOfOffice, 2, false, false),
    ("office will be closed", Cue::OutOfOffice, 2, false, false),
    ("office is now closed", Cue::OutOfOffice, 2, false, false),
    ("closed for the holidays", Cue::OutOfOffice, 2, false, false),
    ("public holiday", Cue::OutOfOffice, 1, false, false),
    ("away at a conference", Cue::OutOfOffice, 2, false, false),
    ("away until", Cue::OutOfOffice, 2, false, false),
    ("out until", Cue::OutOfOffice, 2, false, false),
    ("away this week", Cue::OutOfOffice, 1, false, false),
    ("away next week", Cue::OutOfOffice, 1, false, false),
    ("when i get back", Cue::OutOfOffice, 1, false, false),
    ("in my absence", Cue::OutOfOffice, 1, false, false),
    ("during my absence", Cue::OutOfOffice, 1, false, false),
    ("for urgent matters", Cue::OutOfOffice, 1, false, false),
    ("if urgent", Cue::OutOfOffice, 1, false, false),
    // Machines.
    ("automatic reply", Cue::AutoReply, 2, false, false),
    ("auto-reply", Cue::AutoReply, 2, false, false),
    ("auto reply", Cue::AutoReply, 2, false, false),
    ("autoreply", Cue::AutoReply, 2, false, false),
    ("automated response", Cue::AutoReply, 2, false, false),
    ("automated reply", Cue::AutoReply, 2, false, false),
    ("automated message", Cue::AutoReply, 2, false, false),
    ("automatically generated", Cue::AutoReply, 2, false, false),
    ("this is an automated", Cue::AutoReply, 2, false, false),
    ("this is an automatic", Cue::AutoReply, 2, false, false),
    ("do not reply to this", Cue::AutoReply, 2, false, false),
    ("please do not reply", Cue::AutoReply, 2, false, false),
    ("mailbox is not monitored", Cue::AutoReply, 2, false, false),
    ("inbox is not monitored", Cue::AutoReply, 2, false, false),
    ("is no longer monitored", Cue::AutoReply, 2, false, false),
    (
        "no longer with the company",
        Cue::AutoReply,
        2,
        false,
        false,
    ),
    ("no longer with", Cue::AutoReply, 1, false, false),
    ("has left the company", Cue::AutoReply, 2, false, false),
    ("has left the business", Cue::AutoReply, 2, false, false),
    ("no longer works", Cue::AutoReply, 2, false, false),
    ("no longer employed", Cue::AutoReply, 2, false, false),
    ("we have received your", Cue::AutoReply, 2, false, false),
    ("we've received your", Cue::AutoReply, 2, false, false),
    ("thank you for contacting", Cue::AutoReply, 1, false, false),
    ("thanks for contacting", Cue::AutoReply, 1, false, false),
    ("your ticket", Cue::AutoReply, 1, false, false),
    ("ticket number", Cue::AutoReply, 2, false, false),
    ("support request", Cue::AutoReply, 1, false, false),
    ("as soon as possible", Cue::AutoReply, 1, false, false),
    ("within 24 hours", Cue::AutoReply, 1, false, false),
    ("within 48 hours", Cue::AutoReply, 1, false, false),
    ("within one business day", Cue::AutoReply, 1, false, false),
    ("business hours", Cue::AutoReply, 1, false, false),
    // Refusals.
    ("not interested", Cue::NotInterested, 2, false, false),
    ("no interest", Cue::NotInterested, 2, false, false),
    ("no thanks", Cue::NotInterested, 2, false, false),
    ("no thank you", Cue::NotInterested, 2, false, false),
    ("thanks but no", Cue::NotInterested, 2, false, false),
    ("not a fit", Cue::NotInterested, 2, false, false),
    ("not a good fit", Cue::NotInterested, 2, false, false),
    ("not the right fit", Cue::NotInterested, 2, false, false),
    ("not for us", Cue::NotInterested, 2, false, false),
    ("not for me", Cue::NotInterested, 2, false, false),
    ("not relevant", Cue::NotInterested, 2, false, false),
    ("not a priority", Cue::NotInterested, 2, false, false),
    ("not at this time", Cue::NotInterested, 2, false, false),
    ("not right now", Cue::NotInterested, 2, false, false),
    ("not the right time", Cue::NotInterested, 2, false, false),
    ("not looking", Cue::NotInterested, 2, false, false),
    ("no need", Cue::NotInterested, 2, false, false),
    ("no budget", Cue::NotInterested, 2, false, false),
    ("we're all set", Cue::NotInterested, 2, false, false),
    ("we are all set", Cue::NotInterested, 2, false, false),
    ("we're good", Cue::NotInterested, 1, false, false),
    ("all good thanks", Cue::NotInterested, 2, false, false),
    ("we'll pass", Cue::NotInterested, 2, false, false),
    ("i'll pass", Cue::NotInterested, 2, false, false),
    ("pass on this", Cue::NotInterested, 2, false, false),
    ("don't need", Cue::NotInterested, 2, false, false),
    ("do not need", Cue::NotInterested, 2, false, false),
    ("already have", Cue::NotInterested, 2, false, false),
    ("already work with", Cue::NotInterested, 2, false, false),
    ("already working with", Cue::NotInterested, 2, false, false),
    ("already using", Cue::NotInterested, 2, false, false),
    (
        "happy with our current",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    (
        "happy with our existing",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("we do this in-house", Cue::NotInterested, 2, false, false),
    ("we do that in-house", Cue::NotInterested, 2, false, false),
    ("handle this in-house", Cue::NotInterested, 2, false, false),
    ("wrong person", Cue::NotInterested, 2, false, false),
    ("not the right person", Cue::NotInterested, 2, false, false),
    ("not the person", Cue::NotInterested, 2, false, false),
    ("please don't", Cue::NotInterested, 1, false, false),
    // Meetings.
    ("set up a call", Cue::Meeting, 2, true, false),
    ("set up a time", Cue::Meeting, 2, true, false),
    ("set up a meeting", Cue::Meeting, 2, true, false),
    ("set up a chat", Cue::Meeting, 2, true, false),
    ("book a call", Cue::Meeting, 2, true, false),
    ("book a time", Cue::Meeting, 2, true, false),
    ("book a meeting", Cue::Meeting, 2, true, false),
    ("book in a", Cue::Meeting, 2, true, false),
    ("schedule a call", Cue::Meeting, 2, true, false),
    ("schedule a meeting", Cue::Meeting, 2, true, false),
    ("schedule a time", Cue::Meeting, 2, true, false),
    ("schedule something", Cue::Meeting, 2, true, false),
    ("jump on a call", Cue::Meeting, 2, true, false),
    ("hop on a call", Cue::Meeting, 2, true, false),
    ("get on a call", Cue::Meeting, 2, true, false),
    ("have a call", Cue::Meeting, 2, true, false),
    ("quick call", Cue::Meeting, 2, true, false),
    ("a call next week", Cue::Meeting, 2, true, false),
    ("let's chat", Cue::Meeting, 2, true, false),
    ("let's talk", Cue::Meeting, 2, true, false),
    ("let's meet", Cue::Meeting, 2, true, false),
    ("let's catch up", Cue::Meeting, 2, true, false),
    ("happy to meet", Cue::Meeting, 2, true, false),
    ("happy to jump", Cue::Meeting, 2, true, false),
    ("are you free", Cue::Meeting, 2, true, false),
    ("are you available", Cue::Meeting, 2, true, false),
    ("when are you free", Cue::Meeting, 2, true, false),
    ("your availability", Cue::Meeting, 2, true, false),
    ("my availability", Cue::Meeting, 2, true, false),
    ("send me an invite", Cue::Meeting, 2, true, false),
    ("send an invite", Cue::Meeting, 2, true, false),
    ("send over an invite", Cue::Meeting, 2, true, false),
    ("send through an invite", Cue::Meeting, 2, true, false),
    ("calendar invite", Cue::Meeting, 2, true, false),
    ("meeting invite", Cue::Meeting, 2, true, false),
    ("my calendar", Cue::Meeting, 2, true, false),
    ("calendly", Cue::Meeting, 2, false, false),
    ("cal.com", Cue::Meeting, 2, false, false),
    ("grab a coffee", Cue::Meeting, 2, true, false),
    ("grab coffee", Cue::Meeting, 2, true, false),
    ("catch up next week", Cue::Meeting, 2, true, false),
    ("works for me", Cue::Meeting, 1, true, false),
    ("free next week", Cue::Meeting, 2, true, false),
    ("available next week", Cue::Meeting, 2, true, false),
    ("15 minutes", Cue::Meeting, 1, true, false),
    ("15 mins", Cue::Meeting, 1, true, false),
    ("30 minutes", Cue::Meeting, 1, true, false),
    ("zoom", Cue::Meeting, 1, true, false),
    ("teams call", Cue::Meeting, 1, true, false),
    ("google meet", Cue::Meeting, 1, true, false),
    // Interest.
    ("interested", Cue::Interest, 2, true, false),
    ("interesting", Cue::Warm, 1, true, false),
    ("sounds good", Cue::Interest, 2, true, false),
    ("sounds great", Cue::Interest, 2, true, false),
    ("sounds interesting", Cue::Warm, 2, true, false),
    ("tell me more", Cue::Interest, 2, true, false),
    ("keen", Cue::Interest, 2, true, false),
    ("curious", Cue::Warm, 1, true, false),
    ("learn more", Cue::Interest, 2, true, false),
    ("know more", Cue::Interest, 2, true, false),
    ("hear more", Cue::Interest, 2, true, false),
    ("send me more", Cue::Interest, 2, true, false),
    ("send more info", Cue::Interest, 2, true, false),
    ("send through more", Cue::Interest, 2, true, false),
    ("send over more", Cue::Interest, 2, true, false),
    ("more information", Cue::Interest, 1, true, false),
    ("more details", Cue::Interest, 1, true, false),
    ("yes please", Cue::Interest, 2, false, false),
    ("count me in", Cue::Interest, 2, false, false),
    ("open to", Cue::Interest, 2, true, false),
    ("worth a chat", Cue::Interest, 2, true, false),
    ("worth exploring", Cue::Interest, 2, true, false),
    ("could be useful", Cue::Interest, 2, true, false),
    ("could be a fit", Cue::Interest, 2, true, false),
    ("good timing", Cue::Interest, 2, true, false),
    ("perfect timing", Cue::Interest, 2, true, false),
    ("makes sense", Cue::Interest, 1, true, false),
    ("let's do it", Cue::Interest, 2, true, false),
    ("go ahead", Cue::Interest, 1, true, false),
    ("love to", Cue::Interest, 1, true, false),
    ("happy to chat", Cue::Interest, 2, true, false),
    ("happy to hear", Cue::Interest, 2, true, false),
    // Questions.
    ("how much", Cue::Question, 2, false, false),
    ("what does it cost", Cue::Question, 2, false, false),
    ("pricing", Cue::Question, 1, false, false),
    ("what do you charge", Cue::Question, 2, false, false),
    ("how does it work", Cue::Question, 2, false, false),
    ("how does this work", Cue::Question, 2, false, false),
    ("can you explain", Cue::Question, 2, false, false),
    ("could you explain", Cue::Question, 2, false, false),
    ("who else", Cue::Question, 1, false, false),
    ("case studies", Cue::Question, 1, false, false),
    ("what exactly", Cue::Question, 1, false, false),
];

/// More English shapes, and the common phrases of German, French, Spanish, Dutch, Portuguese
/// and Italian replies. Same columns as [`TABLE`]; spellings without accents are added
/// automatically ("desinscrire", "interessiert").
const MORE: &[(&str, Cue, u8, bool, bool)] = &[
    // English
    ("remove it", Cue::Unsubscribe, 1, false, false),
    ("how did you get this", Cue::Unsubscribe, 1, false, false),
    ("remove my name", Cue::Unsubscribe, 2, false, false),
    ("take my name off", Cue::Unsubscribe, 2, false, false),
    ("delete my email", Cue::Unsubscribe, 2, false, false),
    ("delete my details", Cue::Unsubscribe, 2, false, false),
    ("don't email me", Cue::Unsubscribe, 2, false, false),
    ("never email me", Cue::Unsubscribe, 2, false, false),
    ("stop mailing", Cue::Unsubscribe, 2, false, false),
    ("i never signed up", Cue::Unsubscribe, 2, false, false),
    ("never signed up", Cue::Unsubscribe, 1, false, false),
    ("ooo", Cue::OutOfOffice, 2, false, false),
    ("out of office", Cue::OutOfOffice, 2, false, false),
    ("out today", Cue::OutOfOffice, 1, false, false),
    ("off today", Cue::OutOfOffice, 1, false, false),
    ("back tomorrow", Cue::OutOfOffice, 1, false, false),
    ("will be back", Cue::OutOfOffice, 1, false, false),
    ("be back in the office", Cue::OutOfOffice, 2, false, false),
    (
        "responses may be delayed",
        Cue::OutOfOffice,
        1,
        false,
        false,
    ),
    ("on parental leave", Cue::OutOfOffice, 2, false, false),
    ("travelling", Cue::OutOfOffice, 1, false, false),
    ("traveling", Cue::OutOfOffice, 1, false, false),
    ("email address has changed", Cue::AutoReply, 2, false, false),
    ("address has changed", Cue::AutoReply, 2, false, false),
    ("update your records", Cue::AutoReply, 2, false, false),
    ("no longer in use", Cue::AutoReply, 2, false, false),
    ("request has been received", Cue::AutoReply, 2, false, false),
    ("has been received", Cue::AutoReply, 1, false, false),
    ("support staff", Cue::AutoReply, 1, false, false),
    ("business days", Cue::AutoReply, 1, false, false),
    ("will endeavour to reply", Cue::AutoReply, 2, false, false),
    ("will endeavor to reply", Cue::AutoReply, 2, false, false),
    ("we're good", Cue::NotInterested, 2, false, false),
    ("we are good", Cue::NotInterested, 2, false, false),
    ("good for now", Cue::NotInterested, 2, false, false),
    ("waste my time", Cue::NotInterested, 2, false, false),
    ("waste of time", Cue::NotInterested, 2, false, false),
    ("not something we", Cue::NotInterested, 2, false, false),
    ("isn't something we", Cue::NotInterested, 2, false, false),
    ("wouldn't consider", Cue::NotInterested, 2, false, false),
    ("not in the market", Cue::NotInterested, 2, false, false),
    ("we're covered", Cue::NotInterested, 2, false, false),
    ("not now", Cue::NotInterested, 2, false, false),
    ("no need", Cue::NotInterested, 2, false, false),
    ("do a call", Cue::Meeting, 2, true, false),
    ("a call", Cue::Meeting, 1, true, false),
    ("call tomorrow", Cue::Meeting, 2, true, false),
    ("availability", Cue::Meeting, 2, true, false),
    ("a slot", Cue::Meeting, 2, true, false),
    ("pick a time", Cue::Meeting, 2, true, false),
    ("set up a meeting", Cue::Meeting, 2, true, false),
    ("meet with", Cue::Meeting, 1, true, false),
    ("early next week", Cue::Meeting, 1, true, false),
    ("mon or tue", Cue::Meeting, 2, true, false),
    ("send me a deck", Cue::Interest, 2, true, false),
    ("send a deck", Cue::Interest, 2, true, false),
    ("send over", Cue::Interest, 1, true, false),
    ("timing is actually good", Cue::Interest, 2, true, false),
    ("timing is good", Cue::Interest, 2, true, false),
    ("timing is great", Cue::Interest, 2, true, false),
    ("send details", Cue::Interest, 2, true, false),
    ("send me details", Cue::Interest, 2, true, false),
    ("schedule", Cue::Meeting, 2, true, true),
    ("call me", Cue::Meeting, 2, true, false),
    ("give me a call", Cue::Meeting, 2, true, false),
    ("times that work", Cue::Meeting, 2, true, false),
    ("time that works", Cue::Meeting, 2, true, false),
    ("works for you", Cue::Meeting, 1, true, false),
    ("connect", Cue::Meeting, 1, true, false),
    ("20 minutes", Cue::Meeting, 1, true, false),
    ("next steps", Cue::Interest, 2, true, false),
    ("keep me posted", Cue::Interest, 2, true, false),
    ("could be relevant", Cue::Interest, 2, true, false),
    ("relevant for us", Cue::Interest, 2, true, false),
    ("looking at this", Cue::Interest, 2, true, false),
    ("looking into this", Cue::Interest, 2, true, false),
    ("potentially", Cue::Interest, 1, true, false),
    ("send through", Cue::Interest, 1, true, false),
    ("case study", Cue::Interest, 1, true, false),
    ("we'll pass", Cue::NotInterested, 2, false, false),
    ("not looking to", Cue::NotInterested, 2, false, false),
    ("let's discuss", Cue::Meeting, 2, true, false),
    ("can you do", Cue::Meeting, 2, true, false),
    ("my diary", Cue::Meeting, 2, true, false),
    ("find a time", Cue::Meeting, 2, true, false),
    ("a time for us", Cue::Meeting, 2, true, false),
    ("have a conversation", Cue::Meeting, 2, true, false),
    ("i'm around", Cue::Meeting, 2, true, false),
    ("i am around", Cue::Meeting, 2, true, false),
    ("been thinking about", Cue::Interest, 2, true, false),
    ("would it involve", Cue::Interest, 2, true, false),
    ("tell me how", Cue::Interest, 2, true, false),
    ("a proposal", Cue::Interest, 2, true, false),
    ("go on then", Cue::Interest, 2, true, false),
    ("thanks anyway", Cue::NotInterested, 2, false, false),
    ("thank you anyway", Cue::NotInterested, 2, false, false),
    ("isn't a priority", Cue::NotInterested, 2, false, false),
    ("another provider", Cue::NotInterested, 2, false, false),
    ("another agency", Cue::NotInterested, 2, false, false),
    ("another vendor", Cue::NotInterested, 2, false, false),
    ("signed with", Cue::NotInterested, 2, false, false),
    ("ourselves", Cue::NotInterested, 1, false, false),
    ("not in a position", Cue::NotInterested, 2, false, false),
    ("not at the moment", Cue::NotInterested, 2, false, false),
    ("we're fine", Cue::NotInterested, 2, false, false),
    ("we are fine", Cue::NotInterested, 2, false, false),
    ("quit emailing", Cue::Unsubscribe, 2, false, false),
    ("talking about this", Cue::Interest, 2, true, false),
    ("share more", Cue::Interest, 2, true, false),
    ("did not consent", Cue::Unsubscribe, 2, false, false),
    ("didn't consent", Cue::Unsubscribe, 2, false, false),
    ("delete my data", Cue::Unsubscribe, 2, false, false),
    ("where did you get my", Cue::Question, 2, false, false),
    ("what's the catch", Cue::Question, 2, false, false),
    // German
    ("abmelden", Cue::Unsubscribe, 2, false, false),
    ("abbestellen", Cue::Unsubscribe, 2, false, false),
    ("austragen", Cue::Unsubscribe, 2, false, false),
    ("entfernen sie mich", Cue::Unsubscribe, 2, false, false),
    ("aus ihrem verteiler", Cue::Unsubscribe, 2, false, false),
    ("aus dem verteiler", Cue::Unsubscribe, 2, false, false),
    ("keine weiteren e-mails", Cue::Unsubscribe, 2, false, false),
    ("keine weiteren mails", Cue::Unsubscribe, 2, false, false),
    ("keine e-mails mehr", Cue::Unsubscribe, 2, false, false),
    ("keine mails mehr", Cue::Unsubscribe, 2, false, false),
    ("nicht mehr kontaktieren", Cue::Unsubscribe, 2, false, false),
    ("nicht mehr anschreiben", Cue::Unsubscribe, 2, false, false),
    ("nicht im büro", Cue::OutOfOffice, 2, false, false),
    ("außer haus", Cue::OutOfOffice, 2, false, false),
    ("ausser haus", Cue::OutOfOffice, 2, false, false),
    ("abwesend", Cue::OutOfOffice, 2, false, false),
    ("abwesenheit", Cue::OutOfOffice, 2, false, false),
    ("im urlaub", Cue::OutOfOffice, 2, false, false),
    ("in elternzeit", Cue::OutOfOffice, 2, false, false),
    ("wieder erreichbar", Cue::OutOfOffice, 2, false, false),
    ("wieder im büro", Cue::OutOfOffice, 2, false, false),
    (
        "keinen zugriff auf meine e-mails",
        Cue::OutOfOffice,
        2,
        false,
        false,
    ),
    ("ihre anfrage erhalten", Cue::AutoReply, 2, false, false),
    ("ihre nachricht erhalten", Cue::AutoReply, 2, false, false),
    ("ihre e-mail erhalten", Cue::AutoReply, 2, false, false),
    ("schnellstmöglich", Cue::AutoReply, 1, false, false),
    ("kein interesse", Cue::NotInterested, 2, false, false),
    ("keinen bedarf", Cue::NotInterested, 2, false, false),
    ("kein bedarf", Cue::NotInterested, 2, false, false),
    ("brauchen wir nicht", Cue::NotInterested, 2, false, false),
    ("nicht interessiert", Cue::NotInterested, 2, false, false),
    ("nein danke", Cue::NotInterested, 2, false, false),
    ("telefonieren", Cue::Meeting, 2, true, false),
    ("termin", Cue::Meeting, 2, true, true),
    ("einladung", Cue::Meeting, 1, true, false),
    ("passt ihnen", Cue::Meeting, 2, true, false),
    ("passt es ihnen", Cue::Meeting, 2, true, false),
    ("zeit für ein", Cue::Meeting, 2, true, false),
    ("klingt interessant", Cue::Warm, 2, true, false),
    ("klingt gut", Cue::Interest, 2, true, false),
    ("interessiert mich", Cue::Interest, 2, true, false),
    ("weitere informationen", Cue::Interest, 2, true, false),
    ("mehr informationen", Cue::Interest, 2, true, false),
    ("mehr erfahren", Cue::Interest, 2, true, false),
    ("was kostet", Cue::Question, 2, false, false),
    ("streichen sie mich", Cue::Unsubscribe, 2, false, false),
    ("nehmen sie mich aus", Cue::Unsubscribe, 2, false, false),
    ("austauschen", Cue::Meeting, 2, true, false),
    ("rufen sie mich", Cue::Meeting, 2, true, false),
    ("sind versorgt", Cue::NotInterested, 2, false, false),
    (
        "schreiben sie mir nicht mehr",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    ("nicht mehr schreiben", Cue::Unsubscribe, 2, false, false),
    ("nicht erreichbar", Cue::OutOfOffice, 2, false, false),
    ("telefonat", Cue::Meeting, 2, true, false),
    ("gespräch", Cue::Meeting, 1, true, false),
    ("spannend", Cue::Interest, 2, true, false),
    ("unterlagen", Cue::Interest, 1, true, false),
    ("derzeit nicht", Cue::NotInterested, 2, false, false),
    ("aktuell nicht", Cue::NotInterested, 2, false, false),
    ("wie viel kostet", Cue::Question, 2, false, false),
    // French
    ("désabonn", Cue::Unsubscribe, 2, false, true),
    ("désinscri", Cue::Unsubscribe, 2, false, true),
    ("me retirer", Cue::Unsubscribe, 2, false, false),
    ("retirez-moi", Cue::Unsubscribe, 2, false, false),
    ("supprimer mon adresse", Cue::Unsubscribe, 2, false, false),
    ("ne plus recevoir", Cue::Unsubscribe, 2, false, false),
    ("ne plus me contacter", Cue::Unsubscribe, 2, false, false),
    ("absent du bureau", Cue::OutOfOffice, 2, false, false),
    ("absente du bureau", Cue::OutOfOffice, 2, false, false),
    ("absence du bureau", Cue::OutOfOffice, 2, false, false),
    ("hors du bureau", Cue::OutOfOffice, 2, false, false),
    ("je suis absent", Cue::OutOfOffice, 2, false, false),
    ("en congé", Cue::OutOfOffice, 2, false, true),
    ("en vacances", Cue::OutOfOffice, 2, false, false),
    ("de retour", Cue::OutOfOffice, 1, false, false),
    ("à mon retour", Cue::OutOfOffice, 1, false, false),
    ("nous vous répondrons", Cue::AutoReply, 2, false, false),
    (
        "dans les plus brefs délais",
        Cue::AutoReply,
        1,
        false,
        false,
    ),
    ("pas intéress", Cue::NotInterested, 2, false, true),
    ("ne nous intéresse pas", Cue::NotInterested, 2, false, false),
    ("ne m'intéresse pas", Cue::NotInterested, 2, false, false),
    ("non merci", Cue::NotInterested, 2, false, false),
    ("pas besoin", Cue::NotInterested, 2, false, false),
    ("rendez-vous", Cue::Meeting, 2, true, false),
    ("un appel", Cue::Meeting, 2, true, false),
    ("un créneau", Cue::Meeting, 2, true, false),
    ("vos disponibilités", Cue::Meeting, 2, true, false),
    ("ça m'intéresse", Cue::Interest, 2, true, false),
    ("cela m'intéresse", Cue::Interest, 2, true, false),
    ("ça nous intéresse", Cue::Interest, 2, true, false),
    ("cela nous intéresse", Cue::Interest, 2, true, false),
    ("en savoir plus", Cue::Interest, 2, true, false),
    ("plus d'informations", Cue::Interest, 2, true, false),
    ("une documentation", Cue::Interest, 2, true, false),
    ("quel est le tarif", Cue::Question, 2, false, false),
    ("combien", Cue::Question, 2, false, false),
    ("ne m'écrivez plus", Cue::Unsubscribe, 2, false, false),
    ("ne plus m'écrire", Cue::Unsubscribe, 2, false, false),
    ("ne me contactez plus", Cue::Unsubscribe, 2, false, false),
    ("en déplacement", Cue::OutOfOffice, 2, false, false),
    ("pas pour le moment", Cue::NotInterested, 2, false, false),
    ("pas le moment", Cue::NotInterested, 2, false, false),
    ("pas maintenant", Cue::NotInterested, 2, false, false),
    ("échange téléphonique", Cue::Meeting, 2, true, false),
    ("un échange", Cue::Meeting, 1, true, false),
    ("dites-m'en plus", Cue::Interest, 2, true, false),
    ("nous intéresser", Cue::Interest, 2, true, false),
    ("envoyez-moi", Cue::Interest, 2, true, false),
    ("désinscription", Cue::Unsubscribe, 2, false, false),
    ("déjà un prestataire", Cue::NotInterested, 2, false, false),
    // Spanish
    ("darme de baja", Cue::Unsubscribe, 2, false, false),
    ("denme de baja", Cue::Unsubscribe, 2, false, false),
    ("dar de baja", Cue::Unsubscribe, 2, false, false),
    ("me den de baja", Cue::Unsubscribe, 2, false, false),
    ("no me envíen", Cue::Unsubscribe, 2, false, false),
    ("no me envíe", Cue::Unsubscribe, 2, false, false),
    ("dejen de enviar", Cue::Unsubscribe, 2, false, false),
    ("eliminar mi correo", Cue::Unsubscribe, 2, false, false),
    ("fuera de la oficina", Cue::OutOfOffice, 2, false, false),
    ("de vacaciones", Cue::OutOfOffice, 2, false, false),
    ("volveré", Cue::OutOfOffice, 1, false, false),
    ("estaré de vuelta", Cue::OutOfOffice, 2, false, false),
    ("hemos recibido su", Cue::AutoReply, 2, false, false),
    ("le responderemos", Cue::AutoReply, 2, false, false),
    ("no nos interesa", Cue::NotInterested, 2, false, false),
    ("no me interesa", Cue::NotInterested, 2, false, false),
    (
        "no estamos interesados",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("no, gracias", Cue::NotInterested, 2, false, false),
    ("no gracias", Cue::NotInterested, 2, false, false),
    ("una llamada", Cue::Meeting, 2, true, false),
    ("una reunión", Cue::Meeting, 2, true, false),
    ("agendemos", Cue::Meeting, 2, true, false),
    ("agendar", Cue::Meeting, 2, true, false),
    ("le va bien", Cue::Meeting, 2, true, false),
    ("me interesa", Cue::Interest, 2, true, false),
    ("nos interesa", Cue::Interest, 2, true, false),
    ("más información", Cue::Interest, 2, true, false),
    ("cuánto cuesta", Cue::Question, 2, false, false),
    ("no me escriban", Cue::Unsubscribe, 2, false, false),
    ("no me escriba", Cue::Unsubscribe, 2, false, false),
    ("no me contacten", Cue::Unsubscribe, 2, false, false),
    ("no estaré disponible", Cue::OutOfOffice, 2, false, false),
    ("no es el momento", Cue::NotInterested, 2, false, false),
    ("no es buen momento", Cue::NotInterested, 2, false, false),
    ("ahora no", Cue::NotInterested, 2, false, false),
    ("suena bien", Cue::Interest, 2, true, false),
    ("cuéntame más", Cue::Interest, 2, true, false),
    ("cuénteme más", Cue::Interest, 2, true, false),
    ("llamar", Cue::Meeting, 1, true, false),
    ("podemos hablar", Cue::Meeting, 2, true, false),
    (
        "no me vuelvan a escribir",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    ("no vuelvan a escribir", Cue::Unsubscribe, 2, false, false),
    // Dutch
    ("afmelden", Cue::Unsubscribe, 2, false, false),
    ("uitschrijven", Cue::Unsubscribe, 2, false, false),
    ("verwijder mij", Cue::Unsubscribe, 2, false, false),
    ("verwijder me", Cue::Unsubscribe, 2, false, false),
    ("geen mails meer", Cue::Unsubscribe, 2, false, false),
    ("geen e-mails meer", Cue::Unsubscribe, 2, false, false),
    ("afwezig", Cue::OutOfOffice, 2, false, false),
    ("niet op kantoor", Cue::OutOfOffice, 2, false, false),
    ("met vakantie", Cue::OutOfOffice, 2, false, false),
    ("op vakantie", Cue::OutOfOffice, 2, false, false),
    ("weer terug", Cue::OutOfOffice, 1, false, false),
    ("met verlof", Cue::OutOfOffice, 2, false, false),
    ("zo spoedig mogelijk", Cue::AutoReply, 1, false, false),
    ("nemen wij contact", Cue::AutoReply, 1, false, false),
    ("wij nemen", Cue::AutoReply, 1, false, false),
    ("geen interesse", Cue::NotInterested, 2, false, false),
    ("niet geïnteresseerd", Cue::NotInterested, 2, false, false),
    ("nee bedankt", Cue::NotInterested, 2, false, false),
    ("geen behoefte", Cue::NotInterested, 2, false, false),
    ("afspraak", Cue::Meeting, 2, true, false),
    ("inplannen", Cue::Meeting, 2, true, false),
    ("bellen", Cue::Meeting, 1, true, false),
    ("meer informatie", Cue::Interest, 2, true, false),
    ("meer info", Cue::Interest, 2, true, false),
    ("klinkt goed", Cue::Interest, 2, true, false),
    ("wat kost", Cue::Question, 2, false, false),
    ("niet meer mailen", Cue::Unsubscribe, 2, false, false),
    ("mail me niet meer", Cue::Unsubscribe, 2, false, false),
    ("niet bereikbaar", Cue::OutOfOffice, 2, false, false),
    ("nee, dank", Cue::NotInterested, 2, false, false),
    ("nee dank", Cue::NotInterested, 2, false, false),
    ("vertel meer", Cue::Interest, 2, true, false),
    ("wat zijn de kosten", Cue::Question, 2, false, false),
    // Portuguese
    ("descadastr", Cue::Unsubscribe, 2, false, true),
    ("me remova", Cue::Unsubscribe, 2, false, false),
    ("me retire", Cue::Unsubscribe, 2, false, false),
    ("remover meu", Cue::Unsubscribe, 2, false, false),
    ("não quero receber", Cue::Unsubscribe, 2, false, false),
    ("fora do escritório", Cue::OutOfOffice, 2, false, false),
    ("de férias", Cue::OutOfOffice, 2, false, false),
    ("em férias", Cue::OutOfOffice, 2, false, false),
    ("estarei de volta", Cue::OutOfOffice, 2, false, false),
    ("retorno no dia", Cue::OutOfOffice, 1, false, false),
    ("recebemos sua", Cue::AutoReply, 2, false, false),
    ("não temos interesse", Cue::NotInterested, 2, false, false),
    ("não tenho interesse", Cue::NotInterested, 2, false, false),
    (
        "não estamos interessados",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("não, obrigado", Cue::NotInterested, 2, false, false),
    ("uma reunião", Cue::Meeting, 2, true, false),
    ("marcar uma", Cue::Meeting, 2, true, false),
    ("uma conversa", Cue::Meeting, 1, true, false),
    ("tenho interesse", Cue::Interest, 2, true, false),
    ("temos interesse", Cue::Interest, 2, true, false),
    ("mais informações", Cue::Interest, 2, true, false),
    ("quanto custa", Cue::Question, 2, false, false),
    ("não me escrevam", Cue::Unsubscribe, 2, false, false),
    ("não me contatem", Cue::Unsubscribe, 2, false, false),
    ("estou ausente", Cue::OutOfOffice, 2, false, false),
    ("agora não", Cue::NotInterested, 2, false, false),
    ("não é o momento", Cue::NotInterested, 2, false, false),
    // Italian
    ("cancellarmi", Cue::Unsubscribe, 2, false, false),
    ("disiscriv", Cue::Unsubscribe, 2, false, true),
    ("rimuovermi", Cue::Unsubscribe, 2, false, false),
    ("non voglio ricevere", Cue::Unsubscribe, 2, false, false),
    ("fuori ufficio", Cue::OutOfOffice, 2, false, false),
    ("fuori sede", Cue::OutOfOffice, 2, false, false),
    ("in ferie", Cue::OutOfOffice, 2, false, false),
    ("rientrerò", Cue::OutOfOffice, 1, false, false),
    ("abbiamo ricevuto", Cue::AutoReply, 2, false, false),
    ("il prima possibile", Cue::AutoReply, 1, false, false),
    ("non siamo interessati", Cue::NotInterested, 2, false, false),
    ("non sono interessato", Cue::NotInterested, 2, false, false),
    ("non mi interessa", Cue::NotInterested, 2, false, false),
    ("non ci interessa", Cue::NotInterested, 2, false, false),
    ("no grazie", Cue::NotInterested, 2, false, false),
    ("una chiamata", Cue::Meeting, 2, true, false),
    ("fissare", Cue::Meeting, 2, true, false),
    ("appuntamento", Cue::Meeting, 2, true, false),
    ("mi interessa", Cue::Interest, 2, true, false),
    ("ci interessa", Cue::Interest, 2, true, false),
    ("più informazioni", Cue::Interest, 2, true, false),
    ("informazioni in più", Cue::Interest, 2, true, false),
    ("quanto costa", Cue::Question, 2, false, false),
    ("non scrivetemi", Cue::Unsubscribe, 2, false, false),
    ("non contattatemi", Cue::Unsubscribe, 2, false, false),
    ("sarò assente", Cue::OutOfOffice, 2, false, false),
    ("sono assente", Cue::OutOfOffice, 2, false, false),
    ("non è il momento", Cue::NotInterested, 2, false, false),
    ("al momento no", Cue::NotInterested, 2, false, false),
    ("mi dica di più", Cue::Interest, 2, true, false),
];

/// Shapes learnt from replies other people collected (see `tests/fixtures/reply-corpus`):
/// deferrals and referrals that say no without the word, warnings that stop a sequence in
/// other verbs, absences in the Scandinavian languages, and the plainer absences of the seven
/// languages above. Same columns as [`TABLE`].
const LEARNT: &[(&str, Cue, u8, bool, bool)] = &[
    // Opt-outs in more verbs.
    ("stop texting", Cue::Unsubscribe, 2, false, false),
    ("stop calling", Cue::Unsubscribe, 2, false, false),
    ("stop writing", Cue::Unsubscribe, 2, false, false),
    ("stop reaching out", Cue::Unsubscribe, 2, false, false),
    ("stop following up", Cue::Unsubscribe, 2, false, false),
    ("stop bothering", Cue::Unsubscribe, 2, false, false),
    ("stop the emails", Cue::Unsubscribe, 2, false, false),
    ("stop these emails", Cue::Unsubscribe, 2, false, false),
    ("remove me", Cue::Unsubscribe, 2, false, false),
    ("removed from", Cue::Unsubscribe, 2, false, false),
    ("delete my information", Cue::Unsubscribe, 2, false, false),
    ("delete my contact", Cue::Unsubscribe, 2, false, false),
    ("don't want to receive", Cue::Unsubscribe, 2, false, false),
    ("do not want to receive", Cue::Unsubscribe, 2, false, false),
    ("gdpr", Cue::Unsubscribe, 1, false, false),
    ("did not opt in", Cue::Unsubscribe, 2, false, false),
    ("didn't opt in", Cue::Unsubscribe, 2, false, false),
    ("unsolicited", Cue::Unsubscribe, 1, false, false),
    ("ta bort mig", Cue::Unsubscribe, 2, false, false),
    ("avregistrera", Cue::Unsubscribe, 2, false, false),
    ("avmelde", Cue::Unsubscribe, 2, false, true),
    ("afmeld", Cue::Unsubscribe, 2, false, true),
    ("fjern mig", Cue::Unsubscribe, 2, false, false),
    ("fjern meg", Cue::Unsubscribe, 2, false, false),
    ("schrijf me uit", Cue::Unsubscribe, 2, false, false),
    ("schrijf mij uit", Cue::Unsubscribe, 2, false, false),
    ("haal me van", Cue::Unsubscribe, 2, false, false),
    ("sácame de", Cue::Unsubscribe, 2, false, false),
    ("no me contacte", Cue::Unsubscribe, 2, false, false),
    ("deja de escribirme", Cue::Unsubscribe, 2, false, false),
    ("dejen de escribirme", Cue::Unsubscribe, 2, false, false),
    ("no me contate", Cue::Unsubscribe, 2, false, false),
    ("pare de me enviar", Cue::Unsubscribe, 2, false, false),
    ("parem de me enviar", Cue::Unsubscribe, 2, false, false),
    ("non contattarmi", Cue::Unsubscribe, 2, false, false),
    ("smetti di scrivermi", Cue::Unsubscribe, 2, false, false),
    ("smettete di scrivermi", Cue::Unsubscribe, 2, false, false),
    ("cancellami", Cue::Unsubscribe, 2, false, false),
    ("non scrivetemi", Cue::Unsubscribe, 2, false, false),
    ("arrêtez de m'écrire", Cue::Unsubscribe, 2, false, false),
    ("ne me contactez plus", Cue::Unsubscribe, 2, false, false),
    ("ne me contactez pas", Cue::Unsubscribe, 2, false, false),
    ("don't write", Cue::Unsubscribe, 2, false, false),
    ("do not write", Cue::Unsubscribe, 2, false, false),
    ("don't message", Cue::Unsubscribe, 2, false, false),
    ("wish to receive", Cue::Unsubscribe, 2, true, false),
    ("no further emails", Cue::Unsubscribe, 2, false, false),
    ("any more emails", Cue::Unsubscribe, 2, false, false),
    ("any more messages", Cue::Unsubscribe, 2, false, false),
    ("further messages", Cue::Unsubscribe, 1, false, false),
    ("off your list", Cue::Unsubscribe, 2, false, false),
    ("off this list", Cue::Unsubscribe, 2, false, false),
    ("off the list", Cue::Unsubscribe, 2, false, false),
    ("streichen sie mich", Cue::Unsubscribe, 2, false, false),
    (
        "nicht mehr angeschrieben",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    ("hören sie auf", Cue::Unsubscribe, 2, false, false),
    ("hört auf", Cue::Unsubscribe, 2, false, false),
    ("aufhören", Cue::Unsubscribe, 1, false, false),
    ("lassen sie mich in ruhe", Cue::Unsubscribe, 2, false, false),
    ("melden sie mich", Cue::Unsubscribe, 2, false, false),
    ("schreiben sie mir nicht", Cue::Unsubscribe, 2, false, false),
    ("mir nicht mehr", Cue::Unsubscribe, 2, false, false),
    ("keine e-mails", Cue::Unsubscribe, 2, false, false),
    ("keine werbung", Cue::Unsubscribe, 2, false, false),
    ("löschen sie meine", Cue::Unsubscribe, 2, false, false),
    ("stoppen sie", Cue::Unsubscribe, 2, false, false),
    ("niet meer mailen", Cue::Unsubscribe, 2, false, false),
    ("laat me met rust", Cue::Unsubscribe, 2, false, false),
    ("laissez-moi tranquille", Cue::Unsubscribe, 2, false, false),
    ("déjenme en paz", Cue::Unsubscribe, 2, false, false),
    ("lasciatemi in pace", Cue::Unsubscribe, 2, false, false),
    ("dame de baja", Cue::Unsubscribe, 2, false, false),
    ("darse de baja", Cue::Unsubscribe, 2, false, false),
    ("desuscrib", Cue::Unsubscribe, 2, false, true),
    ("quitarme de", Cue::Unsubscribe, 2, false, false),
    ("sáquenme", Cue::Unsubscribe, 2, false, false),
    ("elimínenme", Cue::Unsubscribe, 2, false, false),
    ("bórrenme", Cue::Unsubscribe, 2, false, false),
    ("no me escriban más", Cue::Unsubscribe, 2, false, false),
    ("sacaron mi correo", Cue::Unsubscribe, 1, false, false),
    ("consiguieron mi correo", Cue::Unsubscribe, 1, false, false),
    ("es spam", Cue::Unsubscribe, 2, false, false),
    ("parece spam", Cue::Unsubscribe, 2, false, false),
    ("c'est du spam", Cue::Unsubscribe, 2, false, false),
    ("ist spam", Cue::Unsubscribe, 2, false, false),
    ("is spam", Cue::Unsubscribe, 2, false, false),
    ("my lawyer", Cue::Unsubscribe, 1, false, false),
    ("où avez-vous eu mon", Cue::Unsubscribe, 1, false, false),
    ("woher haben sie meine", Cue::Unsubscribe, 1, false, false),
    ("non scrivere più", Cue::Unsubscribe, 2, false, false),
    ("non scrivermi più", Cue::Unsubscribe, 2, false, false),
    ("non scriveteci più", Cue::Unsubscribe, 2, false, false),
    ("não me envie mais", Cue::Unsubscribe, 2, false, false),
    ("não quero mais receber", Cue::Unsubscribe, 2, false, false),
    ("bórrame", Cue::Unsubscribe, 2, false, false),
    ("borrarme", Cue::Unsubscribe, 2, false, false),
    ("eliminarme", Cue::Unsubscribe, 2, false, false),
    ("quítame", Cue::Unsubscribe, 2, false, false),
    ("estoy de baja", Cue::OutOfOffice, 2, false, false),
    ("de baja médica", Cue::OutOfOffice, 2, false, false),
    ("en arrêt maladie", Cue::OutOfOffice, 2, false, false),
    ("krankgeschrieben", Cue::OutOfOffice, 2, false, false),
    ("in malattia", Cue::OutOfOffice, 2, false, false),
    ("geen contact meer", Cue::Unsubscribe, 2, false, false),
    ("kein kontakt mehr", Cue::Unsubscribe, 2, false, false),
    ("plus de contact", Cue::Unsubscribe, 1, false, false),
    // Absences said plainly.
    ("out sick", Cue::OutOfOffice, 2, false, false),
    ("off sick", Cue::OutOfOffice, 2, false, false),
    ("sick leave", Cue::OutOfOffice, 2, false, false),
    ("on pto", Cue::OutOfOffice, 2, false, false),
    ("am on leave", Cue::OutOfOffice, 2, false, false),
    ("travelling this week", Cue::OutOfOffice, 2, false, false),
    ("traveling this week", Cue::OutOfOffice, 2, false, false),
    (
        "intermittent email access",
        Cue::OutOfOffice,
        2,
        false,
        false,
    ),
    ("when back", Cue::OutOfOffice, 1, false, false),
    ("when i am back", Cue::OutOfOffice, 1, false, false),
    ("accès limité", Cue::OutOfOffice, 2, false, false),
    ("pas au bureau", Cue::OutOfOffice, 2, false, false),
    ("je suis absente", Cue::OutOfOffice, 2, false, false),
    (
        "actuellement indisponible",
        Cue::OutOfOffice,
        2,
        false,
        false,
    ),
    ("en congés", Cue::OutOfOffice, 2, false, false),
    ("reviendrai", Cue::OutOfOffice, 1, false, false),
    ("retour prévu", Cue::OutOfOffice, 2, false, false),
    ("serai de retour", Cue::OutOfOffice, 2, false, false),
    ("befinde mich im urlaub", Cue::OutOfOffice, 2, false, false),
    ("bin im urlaub", Cue::OutOfOffice, 2, false, false),
    ("urlaubsbedingt", Cue::OutOfOffice, 2, false, false),
    ("estaré ausente", Cue::OutOfOffice, 2, false, false),
    ("estoy ausente", Cue::OutOfOffice, 2, false, false),
    ("estoy fuera", Cue::OutOfOffice, 2, false, false),
    ("me encuentro fuera", Cue::OutOfOffice, 2, false, false),
    ("estaré fuera", Cue::OutOfOffice, 2, false, false),
    ("me reincorporo", Cue::OutOfOffice, 2, false, false),
    ("no estaré disponible", Cue::OutOfOffice, 2, false, false),
    ("estou fora", Cue::OutOfOffice, 2, false, false),
    ("estarei fora", Cue::OutOfOffice, 2, false, false),
    ("estou ausente", Cue::OutOfOffice, 2, false, false),
    ("sono in vacanza", Cue::OutOfOffice, 2, false, false),
    ("sarò assente", Cue::OutOfOffice, 2, false, false),
    ("fuori ufficio", Cue::OutOfOffice, 2, false, false),
    ("in ferie", Cue::OutOfOffice, 2, false, false),
    ("rientro il", Cue::OutOfOffice, 2, false, false),
    ("ritornerò", Cue::OutOfOffice, 2, false, false),
    ("ik ben afwezig", Cue::OutOfOffice, 2, false, false),
    ("ik ben er niet", Cue::OutOfOffice, 2, false, false),
    ("weer op kantoor", Cue::OutOfOffice, 2, false, false),
    ("weer aanwezig", Cue::OutOfOffice, 2, false, false),
    ("weer op post", Cue::OutOfOffice, 2, false, false),
    ("på semester", Cue::OutOfOffice, 2, false, false),
    ("semester till", Cue::OutOfOffice, 2, false, false),
    ("föräldraledig", Cue::OutOfOffice, 2, false, false),
    ("tjänstledig", Cue::OutOfOffice, 2, false, false),
    ("inte på kontoret", Cue::OutOfOffice, 2, false, false),
    ("ej på kontoret", Cue::OutOfOffice, 2, false, false),
    ("är tillbaka", Cue::OutOfOffice, 2, false, false),
    ("autosvar", Cue::OutOfOffice, 1, false, false),
    ("frånvarande", Cue::OutOfOffice, 2, false, false),
    ("på ferie", Cue::OutOfOffice, 2, false, false),
    ("ikke tilgjengelig", Cue::OutOfOffice, 2, false, false),
    ("ikke til stede", Cue::OutOfOffice, 2, false, false),
    ("ikke på kontoret", Cue::OutOfOffice, 2, false, false),
    ("jeg er borte", Cue::OutOfOffice, 2, false, false),
    ("er tilbake", Cue::OutOfOffice, 2, false, false),
    ("er tilbage", Cue::OutOfOffice, 2, false, false),
    ("ikke på kontoret", Cue::OutOfOffice, 2, false, false),
    ("fraværende", Cue::OutOfOffice, 2, false, false),
    ("barselsorlov", Cue::OutOfOffice, 2, false, false),
    ("foreldrepermisjon", Cue::OutOfOffice, 2, false, false),
    // Machines.
    ("this inbox is no longer", Cue::AutoReply, 2, false, false),
    ("my new email is", Cue::AutoReply, 2, false, false),
    (
        "ceci est un message automatique",
        Cue::AutoReply,
        2,
        false,
        false,
    ),
    (
        "ceci est une réponse automatique",
        Cue::AutoReply,
        2,
        false,
        false,
    ),
    ("gracias por contactarnos", Cue::AutoReply, 1, false, false),
    ("a member of our team will", Cue::AutoReply, 2, false, false),
    // Deferrals: a no for this cadence.
    ("try us in", Cue::NotInterested, 2, false, false),
    ("try again in", Cue::NotInterested, 2, false, false),
    ("try again later", Cue::NotInterested, 2, false, false),
    ("check back in", Cue::NotInterested, 2, false, false),
    ("circle back in", Cue::NotInterested, 2, false, false),
    ("circle back next", Cue::NotInterested, 2, false, false),
    ("follow up with me in", Cue::NotInterested, 2, false, false),
    ("follow up in", Cue::NotInterested, 2, false, false),
    ("revisit this", Cue::NotInterested, 2, false, false),
    ("revisit in", Cue::NotInterested, 2, false, false),
    ("maybe in a couple", Cue::NotInterested, 2, false, false),
    ("maybe next year", Cue::NotInterested, 2, false, false),
    ("in the new year", Cue::NotInterested, 1, false, false),
    ("heads down", Cue::NotInterested, 2, false, false),
    ("tied up", Cue::NotInterested, 2, false, false),
    ("hiring freeze", Cue::NotInterested, 2, false, false),
    ("budget is frozen", Cue::NotInterested, 2, false, false),
    ("budget's gone", Cue::NotInterested, 2, false, false),
    ("no budget", Cue::NotInterested, 2, false, false),
    ("don't have budget", Cue::NotInterested, 2, false, false),
    ("do not have budget", Cue::NotInterested, 2, false, false),
    ("don't have the budget", Cue::NotInterested, 2, false, false),
    ("too small for", Cue::NotInterested, 2, false, false),
    ("locked into", Cue::NotInterested, 2, false, false),
    ("signed a contract", Cue::NotInterested, 2, false, false),
    ("went with", Cue::NotInterested, 2, false, false),
    ("gone with", Cue::NotInterested, 2, false, false),
    ("chose another", Cue::NotInterested, 2, false, false),
    ("a competitor", Cue::NotInterested, 1, false, false),
    ("in house", Cue::NotInterested, 2, false, false),
    ("in-house", Cue::NotInterested, 2, false, false),
    ("and passed", Cue::NotInterested, 2, false, false),
    ("isn't relevant", Cue::NotInterested, 2, false, false),
    ("isn't a fit", Cue::NotInterested, 2, false, false),
    ("not a match", Cue::NotInterested, 2, false, false),
    ("doesn't apply", Cue::NotInterested, 2, false, false),
    ("does not apply", Cue::NotInterested, 2, false, false),
    ("happy with our", Cue::NotInterested, 2, false, false),
    ("we're happy with", Cue::NotInterested, 2, false, false),
    ("we are happy with", Cue::NotInterested, 2, false, false),
    ("spam folder", Cue::NotInterested, 2, false, false),
    ("pas pour nous", Cue::NotInterested, 2, false, false),
    ("pas avant", Cue::NotInterested, 2, false, false),
    ("reprenez contact", Cue::NotInterested, 2, false, false),
    ("inte rätt läge", Cue::NotInterested, 2, false, false),
    ("inte intresserad", Cue::NotInterested, 2, false, false),
    ("inte intresserade", Cue::NotInterested, 2, false, false),
    ("ikke interessert", Cue::NotInterested, 2, false, false),
    ("ikke interesseret", Cue::NotInterested, 2, false, false),
    ("nej tack", Cue::NotInterested, 2, false, false),
    ("nei takk", Cue::NotInterested, 2, false, false),
    ("nej tak", Cue::NotInterested, 2, false, false),
    ("próximo trimestre", Cue::NotInterested, 1, false, false),
    ("en este momento", Cue::NotInterested, 1, false, false),
    ("too expensive", Cue::NotInterested, 2, false, false),
    ("too pricey", Cue::NotInterested, 2, false, false),
    ("can't afford", Cue::NotInterested, 2, false, false),
    ("zu teuer", Cue::NotInterested, 2, false, false),
    ("trop cher", Cue::NotInterested, 2, false, false),
    ("demasiado caro", Cue::NotInterested, 2, false, false),
    ("muy caro", Cue::NotInterested, 2, false, false),
    ("te duur", Cue::NotInterested, 2, false, false),
    ("troppo caro", Cue::NotInterested, 2, false, false),
    ("muito caro", Cue::NotInterested, 2, false, false),
    ("already use", Cue::NotInterested, 2, false, false),
    ("already have someone", Cue::NotInterested, 2, false, false),
    ("not accepting", Cue::NotInterested, 2, false, false),
    ("wir haben schon", Cue::NotInterested, 2, false, false),
    ("wir haben bereits", Cue::NotInterested, 2, false, false),
    ("haben schon einen", Cue::NotInterested, 2, false, false),
    ("on a déjà", Cue::NotInterested, 2, false, false),
    ("nous avons déjà", Cue::NotInterested, 2, false, false),
    ("ya tenemos", Cue::NotInterested, 2, false, false),
    ("ya trabajamos con", Cue::NotInterested, 2, false, false),
    ("we hebben al", Cue::NotInterested, 2, false, false),
    ("abbiamo già", Cue::NotInterested, 2, false, false),
    ("já temos", Cue::NotInterested, 2, false, false),
    ("vi har redan", Cue::NotInterested, 2, false, false),
    ("vi har allerede", Cue::NotInterested, 2, false, false),
    ("no lo necesitamos", Cue::NotInterested, 2, false, false),
    ("no necesitamos", Cue::NotInterested, 2, false, false),
    ("ahorita no", Cue::NotInterested, 2, false, false),
    ("por ahora no", Cue::NotInterested, 2, false, false),
    ("de momento no", Cue::NotInterested, 2, false, false),
    ("ya contamos con", Cue::NotInterested, 2, false, false),
    ("el próximo año", Cue::NotInterested, 1, false, false),
    ("más adelante", Cue::NotInterested, 1, false, false),
    ("ya no trabajo", Cue::NotInterested, 2, false, false),
    ("dejé de trabajar", Cue::NotInterested, 2, false, false),
    ("dejé de laborar", Cue::NotInterested, 2, false, false),
    ("no soy la persona", Cue::NotInterested, 2, false, false),
    ("no soy el indicado", Cue::NotInterested, 2, false, false),
    ("no soy la indicada", Cue::NotInterested, 2, false, false),
    ("pas le bon moment", Cue::NotInterested, 2, false, false),
    ("pas intéressés", Cue::NotInterested, 2, false, false),
    (
        "nous n'avons pas besoin",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    (
        "je ne suis pas la bonne personne",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("ne travaille plus", Cue::NotInterested, 2, false, false),
    ("non è il momento", Cue::NotInterested, 2, false, false),
    (
        "non ne abbiamo bisogno",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("non lavoro più", Cue::NotInterested, 2, false, false),
    (
        "nicht mehr im unternehmen",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("nicht mehr bei", Cue::NotInterested, 1, false, false),
    (
        "nicht der richtige ansprechpartner",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    (
        "falsche ansprechpartner",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("não é o momento", Cue::NotInterested, 2, false, false),
    ("não precisamos", Cue::NotInterested, 2, false, false),
    ("geen tijd", Cue::NotInterested, 1, false, false),
    (
        "niet de juiste persoon",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    (
        "not interested in switching",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("until next year", Cue::NotInterested, 2, false, false),
    ("hasta el próximo año", Cue::NotInterested, 2, false, false),
    ("bis nächstes jahr", Cue::NotInterested, 2, false, false),
    ("l'année prochaine", Cue::NotInterested, 1, false, false),
    ("non ci serve", Cue::NotInterested, 2, false, false),
    ("non mi serve", Cue::NotInterested, 2, false, false),
    ("não precisamos", Cue::NotInterested, 2, false, false),
    ("no nos hace falta", Cue::NotInterested, 2, false, false),
    ("pas le temps", Cue::NotInterested, 2, false, false),
    ("no tengo tiempo", Cue::NotInterested, 2, false, false),
    ("keine zeit", Cue::NotInterested, 2, false, false),
    ("non ho tempo", Cue::NotInterested, 2, false, false),
    ("don't have time", Cue::NotInterested, 2, false, false),
    ("no time for", Cue::NotInterested, 2, false, false),
    ("travaille déjà avec", Cue::NotInterested, 2, false, false),
    ("travaillons déjà avec", Cue::NotInterested, 2, false, false),
    ("arbeiten bereits mit", Cue::NotInterested, 2, false, false),
    ("arbeiten schon mit", Cue::NotInterested, 2, false, false),
    ("lavoriamo già con", Cue::NotInterested, 2, false, false),
    ("werken al met", Cue::NotInterested, 2, false, false),
    ("já trabalhamos com", Cue::NotInterested, 2, false, false),
    ("te paso con", Cue::NotInterested, 2, false, false),
    ("le paso con", Cue::NotInterested, 2, false, false),
    ("no llevo esto", Cue::NotInterested, 2, false, false),
    ("no me corresponde", Cue::NotInterested, 2, false, false),
    ("voyez avec", Cue::NotInterested, 2, false, false),
    ("ce n'est pas moi", Cue::NotInterested, 2, false, false),
    ("je transfère à", Cue::NotInterested, 2, false, false),
    ("nicht zuständig", Cue::NotInterested, 2, false, false),
    (
        "non sono io il responsabile",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("niet verantwoordelijk", Cue::NotInterested, 2, false, false),
    ("andere oplossing", Cue::NotInterested, 2, false, false),
    ("another solution", Cue::NotInterested, 2, false, false),
    ("otra solución", Cue::NotInterested, 2, false, false),
    ("por enquanto não", Cue::NotInterested, 2, false, false),
    ("não vou querer", Cue::NotInterested, 2, false, false),
    ("no vamos a", Cue::NotInterested, 1, false, false),
    // Referrals: not this person, so not this lead.
    ("not me", Cue::NotInterested, 2, false, false),
    ("i've left", Cue::NotInterested, 2, false, false),
    ("i have left", Cue::NotInterested, 2, false, false),
    ("i left the company", Cue::NotInterested, 2, false, false),
    ("my replacement", Cue::NotInterested, 2, false, false),
    ("my successor", Cue::NotInterested, 2, false, false),
    ("i moved to", Cue::NotInterested, 2, false, false),
    ("i've moved to", Cue::NotInterested, 2, false, false),
    ("moved to a different", Cue::NotInterested, 2, false, false),
    ("don't own this", Cue::NotInterested, 2, false, false),
    ("no longer own", Cue::NotInterested, 2, false, false),
    ("not my area", Cue::NotInterested, 2, false, false),
    ("not my remit", Cue::NotInterested, 2, false, false),
    ("not my department", Cue::NotInterested, 2, false, false),
    ("not my responsibility", Cue::NotInterested, 2, false, false),
    ("not a buyer", Cue::NotInterested, 2, false, false),
    (
        "not the decision maker",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    (
        "not the decision-maker",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("direct this to", Cue::NotInterested, 2, false, false),
    ("direct your", Cue::NotInterested, 2, false, false),
    ("please contact our", Cue::NotInterested, 2, false, false),
    ("you should contact", Cue::NotInterested, 2, false, false),
    ("you should talk to", Cue::NotInterested, 2, false, false),
    ("you should speak to", Cue::NotInterested, 2, false, false),
    ("you want our", Cue::NotInterested, 2, false, false),
    ("you'll want to", Cue::NotInterested, 1, false, false),
    ("reach out to our", Cue::NotInterested, 2, false, false),
    ("try our", Cue::NotInterested, 2, false, false),
    ("right person", Cue::NotInterested, 1, false, false),
    ("wrong contact", Cue::NotInterested, 2, false, false),
    ("mail onze", Cue::NotInterested, 2, false, false),
    ("wij doen dit niet", Cue::NotInterested, 2, false, false),
    // Requests for material: a yes that wants to read first.
    ("price list", Cue::Interest, 2, true, false),
    ("send me the", Cue::Interest, 2, true, false),
    ("send me some", Cue::Interest, 2, true, false),
    ("send me info", Cue::Interest, 2, true, false),
    ("send us", Cue::Interest, 1, true, false),
    ("send over", Cue::Interest, 2, true, false),
    ("timing was perfect", Cue::Interest, 2, true, false),
    ("timing is perfect", Cue::Interest, 2, true, false),
    ("great timing", Cue::Interest, 2, true, false),
    ("love to see", Cue::Interest, 2, true, false),
    ("like to see", Cue::Interest, 2, true, false),
    ("preisliste", Cue::Interest, 2, true, false),
    ("ein angebot", Cue::Interest, 2, true, false),
    ("schicken sie mir", Cue::Interest, 2, true, false),
    ("senden sie mir", Cue::Interest, 2, true, false),
    ("schicken sie gern", Cue::Interest, 2, true, false),
    ("mehr dazu", Cue::Interest, 2, true, false),
    ("m'envoyer", Cue::Interest, 2, true, false),
    ("enviarme", Cue::Interest, 2, true, false),
    ("envíeme", Cue::Interest, 2, true, false),
    ("mándame", Cue::Interest, 2, true, false),
    ("stuur me", Cue::Interest, 2, true, false),
    ("stuurt u mij", Cue::Interest, 2, true, false),
    ("inviatemi", Cue::Interest, 2, true, false),
    ("mandatemi", Cue::Interest, 2, true, false),
    ("me envie", Cue::Interest, 2, true, false),
    ("me mande", Cue::Interest, 2, true, false),
    ("skicka gärna", Cue::Interest, 2, true, false),
    ("send gerne", Cue::Interest, 2, true, false),
    ("can you send", Cue::Interest, 2, true, false),
    ("could you send", Cue::Interest, 2, true, false),
    ("can you share", Cue::Interest, 1, true, false),
    ("could you share", Cue::Interest, 1, true, false),
    ("please send", Cue::Interest, 2, true, false),
    ("share more details", Cue::Interest, 2, true, false),
    ("more details about", Cue::Interest, 2, true, false),
    ("tell me more about", Cue::Interest, 2, true, false),
    ("mándame", Cue::Interest, 2, true, false),
    ("mándenme", Cue::Interest, 2, true, false),
    ("envíame", Cue::Interest, 2, true, false),
    ("envíenme", Cue::Interest, 2, true, false),
    ("nos mandas", Cue::Interest, 2, true, false),
    ("me mandas", Cue::Interest, 2, true, false),
    ("cotización", Cue::Interest, 2, true, false),
    ("me gustaría saber más", Cue::Interest, 2, true, false),
    ("mehr erzählen", Cue::Interest, 2, true, false),
    ("erzählen sie mir mehr", Cue::Interest, 2, true, false),
    ("llámame", Cue::Meeting, 2, true, false),
    ("llámenme", Cue::Meeting, 2, true, false),
    ("llamarme", Cue::Meeting, 2, true, false),
    ("hablemos", Cue::Meeting, 2, true, false),
    ("qué día", Cue::Meeting, 2, true, false),
    ("pueden venir", Cue::Meeting, 2, true, false),
    ("una visita", Cue::Meeting, 2, true, false),
    ("reunirnos", Cue::Meeting, 2, true, false),
    ("videollamada", Cue::Meeting, 2, true, false),
    ("chiamatemi", Cue::Meeting, 2, true, false),
    ("chiamami", Cue::Meeting, 2, true, false),
    ("sentiamoci", Cue::Meeting, 2, true, false),
    ("possiamo sentirci", Cue::Meeting, 2, true, false),
    ("fissiamo", Cue::Meeting, 2, true, false),
    ("appelez-moi", Cue::Meeting, 2, true, false),
    ("appelle-moi", Cue::Meeting, 2, true, false),
    ("rufen sie mich an", Cue::Meeting, 2, true, false),
    ("bel me", Cue::Meeting, 2, true, false),
    ("me ligue", Cue::Meeting, 2, true, false),
    ("stop by", Cue::Meeting, 2, true, false),
    ("come by", Cue::Meeting, 2, true, false),
    ("me enviar", Cue::Interest, 2, true, false),
    ("me mandar", Cue::Interest, 2, true, false),
    ("mais detalhes", Cue::Interest, 2, true, false),
    ("podemos conversar", Cue::Meeting, 2, true, false),
    ("podemos falar", Cue::Meeting, 2, true, false),
    ("vamos conversar", Cue::Meeting, 2, true, false),
    ("uma call", Cue::Meeting, 2, true, false),
    ("cuándo podemos", Cue::Meeting, 2, true, false),
    ("quando podemos", Cue::Meeting, 2, true, false),
    ("quand pouvons-nous", Cue::Meeting, 2, true, false),
    ("wann können wir", Cue::Meeting, 2, true, false),
    ("wann passt", Cue::Meeting, 2, true, false),
    ("interessante", Cue::Warm, 1, true, false),
    ("possiamo parlare", Cue::Meeting, 2, true, false),
    ("quando possiamo", Cue::Meeting, 2, true, false),
    ("parlarne", Cue::Meeting, 2, true, false),
    ("wanneer kunnen we", Cue::Meeting, 2, true, false),
    ("kunnen we bellen", Cue::Meeting, 2, true, false),
    ("even bellen", Cue::Meeting, 2, true, false),
    ("afspraak staat", Cue::Meeting, 2, true, false),
    // Positive answers without the word.
    ("timely", Cue::Interest, 2, true, false),
    ("loop in", Cue::Interest, 2, true, false),
    ("share a deck", Cue::Interest, 2, true, false),
    ("a deck", Cue::Interest, 2, true, false),
    ("send me some", Cue::Interest, 2, true, false),
    ("send me your", Cue::Interest, 2, true, false),
    ("send me a", Cue::Interest, 1, true, false),
    ("is relevant", Cue::Interest, 2, true, false),
    ("what's the next step", Cue::Interest, 2, true, false),
    ("next step", Cue::Interest, 1, true, false),
    ("evaluating vendors", Cue::Interest, 2, true, false),
    ("discussing this", Cue::Interest, 2, true, false),
    ("see a demo", Cue::Meeting, 2, true, false),
    ("schedule a demo", Cue::Meeting, 2, true, false),
    ("book a demo", Cue::Meeting, 2, true, false),
    ("a quick chat", Cue::Meeting, 2, true, false),
    ("set up a call", Cue::Meeting, 2, true, false),
    ("to meet", Cue::Meeting, 1, true, false),
    ("voorstel", Cue::Interest, 2, true, false),
    ("lijkt me leuk", Cue::Interest, 2, true, false),
    ("korte call", Cue::Meeting, 2, true, false),
    ("plaquette", Cue::Interest, 2, true, false),
    ("présentez-moi", Cue::Interest, 2, true, false),
    ("créneaux", Cue::Meeting, 2, true, false),
    ("ok pour un call", Cue::Meeting, 2, true, false),
    ("un call", Cue::Meeting, 2, true, false),
    ("agendar una demo", Cue::Meeting, 2, true, false),
    ("parece interesante", Cue::Warm, 2, true, false),
    ("intressant", Cue::Warm, 1, true, false),
    ("interessant", Cue::Warm, 1, true, false),
    // Opt-outs that name the list, the database or the data (batch 9's shapes, generalised
    // across the seven languages).
    ("remove our", Cue::Unsubscribe, 2, false, false),
    ("delete our", Cue::Unsubscribe, 2, false, false),
    ("from your database", Cue::Unsubscribe, 2, false, false),
    ("from your mailing list", Cue::Unsubscribe, 2, false, false),
    ("from your list", Cue::Unsubscribe, 2, false, false),
    ("off this list", Cue::Unsubscribe, 2, false, false),
    ("off the list", Cue::Unsubscribe, 2, false, false),
    ("arrêtez de me", Cue::Unsubscribe, 2, false, false),
    ("arrêtez de nous", Cue::Unsubscribe, 2, false, false),
    ("cessez de me", Cue::Unsubscribe, 2, false, false),
    ("cessez de nous", Cue::Unsubscribe, 2, false, false),
    ("retirez-nous", Cue::Unsubscribe, 2, false, false),
    ("supprimez-moi", Cue::Unsubscribe, 2, false, false),
    ("supprimez mon", Cue::Unsubscribe, 2, false, false),
    ("supprimez nos", Cue::Unsubscribe, 2, false, false),
    ("de votre liste", Cue::Unsubscribe, 2, false, false),
    ("de vos listes", Cue::Unsubscribe, 2, false, false),
    ("de votre fichier", Cue::Unsubscribe, 2, false, false),
    ("cancellateci", Cue::Unsubscribe, 2, false, false),
    ("cancellatemi", Cue::Unsubscribe, 2, false, false),
    ("rimuoveteci", Cue::Unsubscribe, 2, false, false),
    ("rimuovetemi", Cue::Unsubscribe, 2, false, false),
    ("non contattateci", Cue::Unsubscribe, 2, false, false),
    ("non scriveteci", Cue::Unsubscribe, 2, false, false),
    ("dalla vostra lista", Cue::Unsubscribe, 2, false, false),
    ("dai vostri elenchi", Cue::Unsubscribe, 2, false, false),
    ("unterlassen sie weitere", Cue::Unsubscribe, 2, false, false),
    ("unterlassen sie künftig", Cue::Unsubscribe, 2, false, false),
    ("weitere kontaktaufnahme", Cue::Unsubscribe, 2, false, false),
    ("aus allen listen", Cue::Unsubscribe, 2, false, false),
    ("aus ihrer liste", Cue::Unsubscribe, 2, false, false),
    ("aus ihren listen", Cue::Unsubscribe, 2, false, false),
    ("aus ihrer datenbank", Cue::Unsubscribe, 2, false, false),
    ("löschen sie meine", Cue::Unsubscribe, 2, false, false),
    ("löschen sie unsere", Cue::Unsubscribe, 2, false, false),
    ("kontaktieren sie mich nicht", Cue::Unsubscribe, 2, false, false),
    ("kontaktieren sie uns nicht", Cue::Unsubscribe, 2, false, false),
    ("me tire da", Cue::Unsubscribe, 2, false, false),
    ("me tirem da", Cue::Unsubscribe, 2, false, false),
    ("tire meu", Cue::Unsubscribe, 2, false, false),
    ("tirem meu", Cue::Unsubscribe, 2, false, false),
    ("remova meu", Cue::Unsubscribe, 2, false, false),
    ("removam meu", Cue::Unsubscribe, 2, false, false),
    ("da sua lista", Cue::Unsubscribe, 2, false, false),
    ("da lista de", Cue::Unsubscribe, 1, false, false),
    ("sáquenme de", Cue::Unsubscribe, 2, false, false),
    ("quítenme de", Cue::Unsubscribe, 2, false, false),
    ("de su lista", Cue::Unsubscribe, 2, false, false),
    ("de su base de datos", Cue::Unsubscribe, 2, false, false),
    ("eliminen mi", Cue::Unsubscribe, 2, false, false),
    ("borren mi", Cue::Unsubscribe, 2, false, false),
    ("uit uw bestand", Cue::Unsubscribe, 2, false, false),
    ("van uw lijst", Cue::Unsubscribe, 2, false, false),
    // A call asked for in more verbs.
    ("mich anrufen", Cue::Meeting, 2, true, false),
    ("uns anrufen", Cue::Meeting, 2, true, false),
    ("on peut en discuter", Cue::Meeting, 2, true, false),
    ("en discuter", Cue::Meeting, 1, true, false),
    ("call me this week", Cue::Meeting, 2, true, false),
    ("anrufen", Cue::Meeting, 2, true, false),
    // Batch 10's misses (2026-12-05), in general forms and the neighbouring languages.
    ("non voglio più ricevere", Cue::Unsubscribe, 2, false, false),
    ("non ci contatti", Cue::Unsubscribe, 2, false, false),
    ("non mi contatti", Cue::Unsubscribe, 2, false, false),
    ("la smetta di", Cue::Unsubscribe, 2, false, false),
    ("smettetela di", Cue::Unsubscribe, 2, false, false),
    ("smettete di", Cue::Unsubscribe, 2, false, false),
    ("non mandatemi", Cue::Unsubscribe, 2, false, false),
    ("non inviatemi", Cue::Unsubscribe, 2, false, false),
    ("retirar o meu", Cue::Unsubscribe, 2, false, false),
    ("retirem o meu", Cue::Unsubscribe, 2, false, false),
    ("retire o meu", Cue::Unsubscribe, 2, false, false),
    ("deixem de me enviar", Cue::Unsubscribe, 2, false, false),
    ("delete all personal data", Cue::Unsubscribe, 2, false, false),
    ("delete my personal data", Cue::Unsubscribe, 2, false, false),
    ("erase my data", Cue::Unsubscribe, 2, false, false),
    ("right to erasure", Cue::Unsubscribe, 2, false, false),
    ("article 17", Cue::Unsubscribe, 1, false, false),
    ("no quiero recibir", Cue::Unsubscribe, 2, false, false),
    ("dejen de enviarme", Cue::Unsubscribe, 2, false, false),
    ("merci de ne plus", Cue::Unsubscribe, 2, false, false),
    ("sono curioso", Cue::Interest, 2, true, false),
    ("sono curiosa", Cue::Interest, 2, true, false),
    ("sarei felice di ricevere", Cue::Interest, 2, false, false),
    ("attendiamo le informazioni", Cue::Interest, 2, false, false),
    ("suena interesante", Cue::Warm, 1, true, false),
    ("quero saber mais", Cue::Interest, 2, false, false),
    ("looks useful", Cue::Warm, 1, true, false),
    ("i'll take a look", Cue::Interest, 1, false, false),
    ("klinkt interessant", Cue::Warm, 1, true, false),
    ("me rappeler", Cue::Meeting, 2, false, false),
    ("rappelez-moi", Cue::Meeting, 1, false, false),
    ("bel mij", Cue::Meeting, 2, false, false),
    ("sapere il prezzo", Cue::Question, 2, false, false),
    ("di cosa si tratta", Cue::Question, 2, false, false),
    ("cómo cobras", Cue::Question, 2, false, false),
    ("cuánto cobras", Cue::Question, 2, false, false),
    ("idea del precio", Cue::Question, 2, false, false),
    ("je suis intéressé", Cue::Interest, 2, true, false),
    ("nous sommes intéressés", Cue::Interest, 2, true, false),
    ("mehr zu erfahren", Cue::Interest, 2, true, false),
    // Batch 11's misses (2026-12-06), in general forms and the neighbouring languages.
    ("sabbatical", Cue::OutOfOffice, 2, false, false),
    ("niet aanwezig", Cue::OutOfOffice, 2, false, false),
    ("na urlopie", Cue::OutOfOffice, 2, false, false),
    ("poza biurem", Cue::OutOfOffice, 2, false, false),
    ("prendre quelques jours", Cue::OutOfOffice, 2, false, false),
    ("quelques jours de congé", Cue::OutOfOffice, 2, false, false),
    ("time slots", Cue::Meeting, 2, true, false),
    ("a few slots", Cue::Meeting, 2, true, false),
    ("pouvons-nous en discuter", Cue::Meeting, 2, true, false),
    ("pourrions-nous en discuter", Cue::Meeting, 2, true, false),
    ("quiero ver una demo", Cue::Interest, 2, true, false),
    ("pásame una propuesta", Cue::Interest, 2, false, false),
    ("envíame una propuesta", Cue::Interest, 2, false, false),
    ("mándame una propuesta", Cue::Interest, 2, false, false),
    ("siamo interessati", Cue::Interest, 2, true, false),
    ("vorremmo valutare", Cue::Interest, 2, true, false),
    ("ik wil best", Cue::Interest, 2, true, false),
    ("plan on working with", Cue::Interest, 2, true, false),
    ("remain on your list", Cue::Interest, 2, true, false),
    ("keep me on your list", Cue::Interest, 2, true, false),
    ("look further into", Cue::Warm, 1, true, false),
    ("no me volváis a escribir", Cue::Unsubscribe, 2, false, false),
    ("no me vuelvan a escribir", Cue::Unsubscribe, 2, false, false),
    ("no me vuelvas a escribir", Cue::Unsubscribe, 2, false, false),
    ("no me escriban más", Cue::Unsubscribe, 2, false, false),
    ("no me escribas más", Cue::Unsubscribe, 2, false, false),
    ("circle back", Cue::NotInterested, 1, false, false),
    ("em reestruturação", Cue::NotInterested, 2, false, false),
    ("en reestructuración", Cue::NotInterested, 2, false, false),
    // Batches 12 and 13 (2026-12-06): the languages the corpus lacked (Czech, Slovak, Polish,
    // Danish, Norwegian, Swedish, Finnish) in their common phrases, and the misses of the
    // others in general forms. Spellings without diacritics are added automatically.
    // Opt-outs.
    ("odhlaste mě", Cue::Unsubscribe, 2, false, false),
    ("odhlaste nás", Cue::Unsubscribe, 2, false, false),
    ("odhlásit z odběru", Cue::Unsubscribe, 2, false, false),
    ("odhlásit se", Cue::Unsubscribe, 2, false, false),
    ("odhláste ma", Cue::Unsubscribe, 2, false, false),
    ("neposílejte mi", Cue::Unsubscribe, 2, false, false),
    ("neposílejte nám", Cue::Unsubscribe, 2, false, false),
    ("neposílejte už", Cue::Unsubscribe, 2, false, false),
    ("neposielajte mi", Cue::Unsubscribe, 2, false, false),
    ("nepište mi", Cue::Unsubscribe, 2, false, false),
    ("nepište nám", Cue::Unsubscribe, 2, false, false),
    ("už mi nepište", Cue::Unsubscribe, 2, false, false),
    ("nekontaktujte mě", Cue::Unsubscribe, 2, false, false),
    ("nekontaktujte nás", Cue::Unsubscribe, 2, false, false),
    ("nekontaktujte ma", Cue::Unsubscribe, 2, false, false),
    ("vyřaďte mě", Cue::Unsubscribe, 2, false, false),
    ("vyřaďte nás", Cue::Unsubscribe, 2, false, false),
    ("vyraďte ma", Cue::Unsubscribe, 2, false, false),
    ("smažte mě", Cue::Unsubscribe, 2, false, false),
    ("smažte můj", Cue::Unsubscribe, 2, false, false),
    ("smažte naše", Cue::Unsubscribe, 2, false, false),
    ("odstraňte mě", Cue::Unsubscribe, 2, false, false),
    ("odstraňte můj", Cue::Unsubscribe, 2, false, false),
    ("z vaší databáze", Cue::Unsubscribe, 2, false, false),
    ("z vašeho seznamu", Cue::Unsubscribe, 2, false, false),
    ("nechci dostávat", Cue::Unsubscribe, 2, false, false),
    ("nechcem dostávať", Cue::Unsubscribe, 2, false, false),
    ("nechte mě na pokoji", Cue::Unsubscribe, 2, false, false),
    ("usuńcie mnie", Cue::Unsubscribe, 2, false, false),
    ("usuń mnie", Cue::Unsubscribe, 2, false, false),
    ("usunąć mnie", Cue::Unsubscribe, 2, false, false),
    ("usunąć mój", Cue::Unsubscribe, 2, false, false),
    ("proszę o usunięcie", Cue::Unsubscribe, 2, false, false),
    ("wypisać mnie", Cue::Unsubscribe, 2, false, false),
    ("wypiszcie mnie", Cue::Unsubscribe, 2, false, false),
    ("wypisz mnie", Cue::Unsubscribe, 2, false, false),
    ("z listy mailingowej", Cue::Unsubscribe, 2, false, false),
    ("z waszej listy", Cue::Unsubscribe, 2, false, false),
    ("z waszej bazy", Cue::Unsubscribe, 2, false, false),
    ("nie chcę otrzymywać", Cue::Unsubscribe, 2, false, false),
    ("nie chcemy otrzymywać", Cue::Unsubscribe, 2, false, false),
    ("nie wysyłajcie", Cue::Unsubscribe, 2, false, false),
    ("proszę nie wysyłać", Cue::Unsubscribe, 2, false, false),
    ("proszę nie pisać", Cue::Unsubscribe, 2, false, false),
    ("nie piszcie do mnie", Cue::Unsubscribe, 2, false, false),
    ("nie kontaktujcie się", Cue::Unsubscribe, 2, false, false),
    ("proszę się nie kontaktować", Cue::Unsubscribe, 2, false, false),
    ("proszę mnie nie kontaktować", Cue::Unsubscribe, 2, false, false),
    ("rezygnuję z subskrypcji", Cue::Unsubscribe, 2, false, false),
    ("rezygnuję z otrzymywania", Cue::Unsubscribe, 2, false, false),
    ("zostawcie mnie w spokoju", Cue::Unsubscribe, 2, false, false),
    ("sluta skicka", Cue::Unsubscribe, 2, false, false),
    ("sluta mejla", Cue::Unsubscribe, 2, false, false),
    ("sluta maila", Cue::Unsubscribe, 2, false, false),
    ("skicka inte fler", Cue::Unsubscribe, 2, false, false),
    ("kontakta mig inte", Cue::Unsubscribe, 2, false, false),
    ("kontakta oss inte", Cue::Unsubscribe, 2, false, false),
    ("vill inte ha fler", Cue::Unsubscribe, 2, false, false),
    ("ta bort oss", Cue::Unsubscribe, 2, false, false),
    ("ta bort min", Cue::Unsubscribe, 2, false, false),
    ("från er lista", Cue::Unsubscribe, 2, false, false),
    ("från listan", Cue::Unsubscribe, 2, false, false),
    ("avsluta prenumeration", Cue::Unsubscribe, 2, false, false),
    ("skriv ikke igen", Cue::Unsubscribe, 2, false, false),
    ("skriv ikke til mig", Cue::Unsubscribe, 2, false, false),
    ("kontakt mig ikke", Cue::Unsubscribe, 2, false, false),
    ("kontakt os ikke", Cue::Unsubscribe, 2, false, false),
    ("send ikke flere", Cue::Unsubscribe, 2, false, false),
    ("stop med at sende", Cue::Unsubscribe, 2, false, false),
    ("fjern os", Cue::Unsubscribe, 2, false, false),
    ("fjern oss", Cue::Unsubscribe, 2, false, false),
    ("fra jeres liste", Cue::Unsubscribe, 2, false, false),
    ("fra listen", Cue::Unsubscribe, 2, false, false),
    ("slet mine", Cue::Unsubscribe, 2, false, false),
    ("meld meg av", Cue::Unsubscribe, 2, false, false),
    ("meld oss av", Cue::Unsubscribe, 2, false, false),
    ("ikke kontakt meg", Cue::Unsubscribe, 2, false, false),
    ("ikke send meg", Cue::Unsubscribe, 2, false, false),
    ("slutt å sende", Cue::Unsubscribe, 2, false, false),
    ("slett meg", Cue::Unsubscribe, 2, false, false),
    ("slett mine", Cue::Unsubscribe, 2, false, false),
    ("poistakaa minut", Cue::Unsubscribe, 2, false, false),
    ("poista minut", Cue::Unsubscribe, 2, false, false),
    ("postituslistalta", Cue::Unsubscribe, 2, false, true),
    ("älkää lähettäkö", Cue::Unsubscribe, 2, false, false),
    ("älä lähetä", Cue::Unsubscribe, 2, false, false),
    ("en halua vastaanottaa", Cue::Unsubscribe, 2, false, false),
    ("en halua saada", Cue::Unsubscribe, 2, false, false),
    ("remover-me", Cue::Unsubscribe, 2, false, false),
    ("remova-me", Cue::Unsubscribe, 2, false, false),
    ("removam-me", Cue::Unsubscribe, 2, false, false),
    ("retirar-me", Cue::Unsubscribe, 2, false, false),
    ("retire-me", Cue::Unsubscribe, 2, false, false),
    ("retirem-me", Cue::Unsubscribe, 2, false, false),
    ("tirem-me", Cue::Unsubscribe, 2, false, false),
    ("cancelar a subscrição", Cue::Unsubscribe, 2, false, false),
    ("cancelar a minha subscrição", Cue::Unsubscribe, 2, false, false),
    ("cancelar a inscrição", Cue::Unsubscribe, 2, false, false),
    ("não me contactem", Cue::Unsubscribe, 2, false, false),
    ("não me contacte", Cue::Unsubscribe, 2, false, false),
    ("não me contactar", Cue::Unsubscribe, 2, false, false),
    ("não me contatar", Cue::Unsubscribe, 2, false, false),
    ("não me escreva", Cue::Unsubscribe, 2, false, false),
    ("não me enviem", Cue::Unsubscribe, 2, false, false),
    ("não nos enviem", Cue::Unsubscribe, 2, false, false),
    ("da lista de contactos", Cue::Unsubscribe, 2, false, false),
    ("da vossa lista", Cue::Unsubscribe, 2, false, false),
    ("apaguem os meus", Cue::Unsubscribe, 2, false, false),
    ("toglietemi", Cue::Unsubscribe, 2, false, false),
    ("toglimi", Cue::Unsubscribe, 2, false, false),
    ("toglieteci", Cue::Unsubscribe, 2, false, false),
    ("eliminatemi", Cue::Unsubscribe, 2, false, false),
    ("dai vostri contatti", Cue::Unsubscribe, 2, false, false),
    ("dal vostro database", Cue::Unsubscribe, 2, false, false),
    ("dalla vostra mailing", Cue::Unsubscribe, 2, false, false),
    ("senden sie uns keine", Cue::Unsubscribe, 2, false, false),
    ("senden sie mir keine", Cue::Unsubscribe, 2, false, false),
    ("schicken sie uns keine", Cue::Unsubscribe, 2, false, false),
    ("schicken sie mir keine", Cue::Unsubscribe, 2, false, false),
    ("bitte keine weiteren", Cue::Unsubscribe, 2, false, false),
    // Absences.
    ("mimo kancelář", Cue::OutOfOffice, 2, false, false),
    ("mimo kanceláře", Cue::OutOfOffice, 2, false, false),
    ("mimo kancelárie", Cue::OutOfOffice, 2, false, false),
    ("jsem mimo", Cue::OutOfOffice, 1, false, false),
    ("som mimo", Cue::OutOfOffice, 1, false, false),
    ("na dovolené", Cue::OutOfOffice, 2, false, false),
    ("na dovolenej", Cue::OutOfOffice, 2, false, false),
    ("na dovolenke", Cue::OutOfOffice, 2, false, false),
    ("dovolenou", Cue::OutOfOffice, 2, false, false),
    ("nepřítom", Cue::OutOfOffice, 2, false, true),
    ("neprítom", Cue::OutOfOffice, 2, false, true),
    ("nejsem v kanceláři", Cue::OutOfOffice, 2, false, false),
    ("nebudu k dispozici", Cue::OutOfOffice, 2, false, false),
    ("nejsem k dispozici", Cue::OutOfOffice, 2, false, false),
    ("služební cestě", Cue::OutOfOffice, 2, false, false),
    ("pracovní cestě", Cue::OutOfOffice, 2, false, false),
    ("nemocensk", Cue::OutOfOffice, 2, false, true),
    ("mateřské dovolené", Cue::OutOfOffice, 2, false, false),
    ("rodičovské dovolené", Cue::OutOfOffice, 2, false, false),
    ("omezený přístup", Cue::OutOfOffice, 2, false, false),
    ("budu zpět", Cue::OutOfOffice, 2, false, false),
    ("vrátím se", Cue::OutOfOffice, 1, false, false),
    ("po návratu", Cue::OutOfOffice, 1, false, false),
    ("po návrate", Cue::OutOfOffice, 1, false, false),
    ("jestem na urlopie", Cue::OutOfOffice, 2, false, false),
    ("przebywam na", Cue::OutOfOffice, 1, false, false),
    ("urlop", Cue::OutOfOffice, 1, false, true),
    ("nieobecn", Cue::OutOfOffice, 2, false, true),
    ("na zwolnieniu", Cue::OutOfOffice, 2, false, false),
    ("w delegacji", Cue::OutOfOffice, 2, false, false),
    ("na delegacji", Cue::OutOfOffice, 2, false, false),
    ("podróży służbowej", Cue::OutOfOffice, 2, false, false),
    ("poza firmą", Cue::OutOfOffice, 2, false, false),
    ("będę z powrotem", Cue::OutOfOffice, 2, false, false),
    ("wrócę", Cue::OutOfOffice, 1, false, false),
    ("po powrocie", Cue::OutOfOffice, 1, false, false),
    ("nie mam dostępu do", Cue::OutOfOffice, 2, false, false),
    ("ograniczony dostęp", Cue::OutOfOffice, 2, false, false),
    ("ude af kontoret", Cue::OutOfOffice, 2, false, false),
    ("ude af huset", Cue::OutOfOffice, 2, false, false),
    ("holder ferie", Cue::OutOfOffice, 2, false, false),
    ("har ferie", Cue::OutOfOffice, 2, false, false),
    ("på barsel", Cue::OutOfOffice, 2, false, false),
    ("sygemeldt", Cue::OutOfOffice, 2, false, false),
    ("begrænset adgang", Cue::OutOfOffice, 2, false, false),
    ("tilbage på kontoret", Cue::OutOfOffice, 2, false, false),
    ("ute av kontoret", Cue::OutOfOffice, 2, false, false),
    ("på reise", Cue::OutOfOffice, 2, false, false),
    ("sykemeldt", Cue::OutOfOffice, 2, false, false),
    ("i permisjon", Cue::OutOfOffice, 2, false, false),
    ("tilbake på kontoret", Cue::OutOfOffice, 2, false, false),
    ("begrenset tilgang", Cue::OutOfOffice, 2, false, false),
    ("har semester", Cue::OutOfOffice, 2, false, false),
    ("tillbaka på kontoret", Cue::OutOfOffice, 2, false, false),
    ("tillbaka på jobbet", Cue::OutOfOffice, 2, false, false),
    ("sjukskriven", Cue::OutOfOffice, 2, false, false),
    ("på tjänsteresa", Cue::OutOfOffice, 2, false, false),
    ("begränsad tillgång", Cue::OutOfOffice, 2, false, false),
    ("lomalla", Cue::OutOfOffice, 2, false, false),
    ("kesälomalla", Cue::OutOfOffice, 2, false, false),
    ("vuosilomalla", Cue::OutOfOffice, 2, false, false),
    ("talvilomalla", Cue::OutOfOffice, 2, false, false),
    ("sairauslomalla", Cue::OutOfOffice, 2, false, false),
    ("äitiyslomalla", Cue::OutOfOffice, 2, false, false),
    ("isyysvapaalla", Cue::OutOfOffice, 2, false, false),
    ("vanhempainvapaalla", Cue::OutOfOffice, 2, false, false),
    ("työmatkalla", Cue::OutOfOffice, 2, false, false),
    ("poissa toimistolta", Cue::OutOfOffice, 2, false, false),
    ("olen poissa", Cue::OutOfOffice, 2, false, false),
    ("en lue sähköpostia", Cue::OutOfOffice, 2, false, false),
    ("en ole tavoitettavissa", Cue::OutOfOffice, 2, false, false),
    ("lomani aikana", Cue::OutOfOffice, 2, false, false),
    ("paluuni jälkeen", Cue::OutOfOffice, 1, false, false),
    ("ausente do escritório", Cue::OutOfOffice, 2, false, false),
    ("ausente", Cue::OutOfOffice, 1, false, false),
    // Machines.
    ("toto je automatická", Cue::AutoReply, 2, false, false),
    ("automatická odpověď", Cue::AutoReply, 2, false, false),
    ("automaticky generovan", Cue::AutoReply, 2, false, true),
    ("neodpovídejte na", Cue::AutoReply, 2, false, false),
    ("ozveme se vám", Cue::AutoReply, 1, false, false),
    ("co nejdříve", Cue::AutoReply, 1, false, false),
    ("to jest automatyczna", Cue::AutoReply, 2, false, false),
    ("automatyczna odpowiedź", Cue::AutoReply, 2, false, false),
    ("wygenerowana automatycznie", Cue::AutoReply, 2, false, false),
    ("prosimy nie odpowiadać", Cue::AutoReply, 2, false, false),
    ("odpowiemy najszybciej", Cue::AutoReply, 2, false, false),
    ("odpowiemy", Cue::AutoReply, 1, false, false),
    ("dziękujemy za wiadomość", Cue::AutoReply, 1, false, false),
    ("detta är ett automatiskt", Cue::AutoReply, 2, false, false),
    ("automatiskt svar", Cue::AutoReply, 2, false, false),
    ("automatgenererat", Cue::AutoReply, 2, false, false),
    ("har mottagits", Cue::AutoReply, 2, false, false),
    ("vi återkommer", Cue::AutoReply, 1, false, false),
    ("dette er en automatisk", Cue::AutoReply, 2, false, false),
    ("dette er et automatisk", Cue::AutoReply, 2, false, false),
    ("automatisk svar", Cue::AutoReply, 2, false, false),
    ("automatisk besvarelse", Cue::AutoReply, 2, false, false),
    ("vi vender tilbage", Cue::AutoReply, 1, false, false),
    ("hurtigst muligt", Cue::AutoReply, 1, false, false),
    ("så snart som mulig", Cue::AutoReply, 1, false, false),
    ("tämä on automaattinen", Cue::AutoReply, 2, false, false),
    ("automaattinen vastaus", Cue::AutoReply, 2, false, false),
    ("mahdollisimman pian", Cue::AutoReply, 1, false, false),
    // Refusals, deferrals and referrals.
    ("nemáme zájem", Cue::NotInterested, 2, false, false),
    ("nemám zájem", Cue::NotInterested, 2, false, false),
    ("nemáme o to zájem", Cue::NotInterested, 2, false, false),
    ("nemám o to zájem", Cue::NotInterested, 2, false, false),
    ("nemáme záujem", Cue::NotInterested, 2, false, false),
    ("nemám záujem", Cue::NotInterested, 2, false, false),
    ("bez zájmu", Cue::NotInterested, 2, false, false),
    ("nezájem", Cue::NotInterested, 2, false, false),
    ("ne, děkuji", Cue::NotInterested, 2, false, false),
    ("ne děkuji", Cue::NotInterested, 2, false, false),
    ("ne, díky", Cue::NotInterested, 2, false, false),
    ("teď ne", Cue::NotInterested, 2, false, false),
    ("momentálně ne", Cue::NotInterested, 2, false, false),
    ("nyní ne", Cue::NotInterested, 2, false, false),
    ("zatím ne", Cue::NotInterested, 2, false, false),
    ("nepotřebujeme", Cue::NotInterested, 2, false, false),
    ("nepotřebuji", Cue::NotInterested, 2, false, false),
    ("nepotrebujeme", Cue::NotInterested, 2, false, false),
    ("už máme", Cue::NotInterested, 2, false, false),
    ("již máme", Cue::NotInterested, 2, false, false),
    ("nejsem správná osoba", Cue::NotInterested, 2, false, false),
    ("obraťte se na", Cue::NotInterested, 2, false, false),
    ("nezabývám se", Cue::NotInterested, 2, false, false),
    ("nezabýváme se", Cue::NotInterested, 2, false, false),
    ("ozvěte se později", Cue::NotInterested, 2, false, false),
    ("ozvěte se za", Cue::NotInterested, 2, false, false),
    ("ozvěte se příští", Cue::NotInterested, 2, false, false),
    ("nie jestem zainteresowany", Cue::NotInterested, 2, false, false),
    ("nie jestem zainteresowana", Cue::NotInterested, 2, false, false),
    ("nie jesteśmy zainteresowani", Cue::NotInterested, 2, false, false),
    ("nie dziękuję", Cue::NotInterested, 2, false, false),
    ("nie, dziękuję", Cue::NotInterested, 2, false, false),
    ("nie potrzebujemy", Cue::NotInterested, 2, false, false),
    ("nie potrzebuję", Cue::NotInterested, 2, false, false),
    ("nie teraz", Cue::NotInterested, 2, false, false),
    ("obecnie nie", Cue::NotInterested, 2, false, false),
    ("w tej chwili nie", Cue::NotInterested, 2, false, false),
    ("nie jestem właściwą osobą", Cue::NotInterested, 2, false, false),
    ("już mamy", Cue::NotInterested, 2, false, false),
    ("mamy już", Cue::NotInterested, 2, false, false),
    ("odezwiemy się jak", Cue::NotInterested, 2, false, false),
    ("odezwiemy się gdy", Cue::NotInterested, 2, false, false),
    ("inte behov", Cue::NotInterested, 2, false, false),
    ("inget behov", Cue::NotInterested, 2, false, false),
    ("inget intresse", Cue::NotInterested, 2, false, false),
    ("inte aktuellt", Cue::NotInterested, 2, false, false),
    ("kanske senare", Cue::NotInterested, 2, false, false),
    ("inte just nu", Cue::NotInterested, 2, false, false),
    ("fel person", Cue::NotInterested, 2, false, false),
    ("ingen interesse", Cue::NotInterested, 2, false, false),
    ("ikke brug for", Cue::NotInterested, 2, false, false),
    ("ingen brug for", Cue::NotInterested, 2, false, false),
    ("ikke aktuelt", Cue::NotInterested, 2, false, false),
    ("måske senere", Cue::NotInterested, 2, false, false),
    ("ikke lige nu", Cue::NotInterested, 2, false, false),
    ("forkert person", Cue::NotInterested, 2, false, false),
    ("lad os vente", Cue::NotInterested, 2, false, false),
    ("for dyrt", Cue::NotInterested, 2, false, false),
    ("dyrt for os", Cue::NotInterested, 2, false, false),
    ("ikke behov", Cue::NotInterested, 2, false, false),
    ("ikke nå", Cue::NotInterested, 2, false, false),
    ("kanskje senere", Cue::NotInterested, 2, false, false),
    ("feil person", Cue::NotInterested, 2, false, false),
    ("ei kiitos", Cue::NotInterested, 2, false, false),
    ("ei kiinnosta", Cue::NotInterested, 2, false, false),
    ("emme ole kiinnostuneita", Cue::NotInterested, 2, false, false),
    ("en ole kiinnostunut", Cue::NotInterested, 2, false, false),
    ("ei tarvetta", Cue::NotInterested, 2, false, false),
    ("ei ole tarvetta", Cue::NotInterested, 2, false, false),
    ("väärä henkilö", Cue::NotInterested, 2, false, false),
    ("ensi vuonna", Cue::NotInterested, 1, false, false),
    ("sem interesse", Cue::NotInterested, 2, false, false),
    ("não há interesse", Cue::NotInterested, 2, false, false),
    ("já resolvemos", Cue::NotInterested, 2, false, false),
    ("riprova tra", Cue::NotInterested, 2, false, false),
    ("non grazie", Cue::NotInterested, 2, false, false),
    ("riprovate tra", Cue::NotInterested, 2, false, false),
    ("non sono la persona giusta", Cue::NotInterested, 2, false, false),
    ("i am no longer with", Cue::NotInterested, 2, false, false),
    ("i'm no longer with", Cue::NotInterested, 2, false, false),
    ("am no longer with", Cue::NotInterested, 2, false, false),
    ("i no longer work", Cue::NotInterested, 2, false, false),
    ("haven't owned", Cue::NotInterested, 2, false, false),
    // Meeting asks.
    ("schůzku", Cue::Meeting, 2, true, false),
    ("schůzka", Cue::Meeting, 2, true, false),
    ("schůzky", Cue::Meeting, 2, true, false),
    ("domluvme", Cue::Meeting, 2, true, false),
    ("sejít se", Cue::Meeting, 2, true, false),
    ("sejdeme se", Cue::Meeting, 2, true, false),
    ("zavolejte mi", Cue::Meeting, 2, true, false),
    ("zavolejte nám", Cue::Meeting, 2, true, false),
    ("můžete mi zavolat", Cue::Meeting, 2, true, false),
    ("zavolajte mi", Cue::Meeting, 2, true, false),
    ("stretnutie", Cue::Meeting, 2, true, false),
    ("videohovor", Cue::Meeting, 2, true, false),
    ("kdy se vám hodí", Cue::Meeting, 2, true, false),
    ("kdy máte čas", Cue::Meeting, 2, true, false),
    ("spotkanie", Cue::Meeting, 2, true, false),
    ("spotkać się", Cue::Meeting, 2, true, false),
    ("spotkajmy się", Cue::Meeting, 2, true, false),
    ("umówić się", Cue::Meeting, 2, true, false),
    ("umówmy się", Cue::Meeting, 2, true, false),
    ("umówić spotkanie", Cue::Meeting, 2, true, false),
    ("proszę zadzwonić", Cue::Meeting, 2, true, false),
    ("zadzwońcie", Cue::Meeting, 2, true, false),
    ("zadzwoń do mnie", Cue::Meeting, 2, true, false),
    ("kiedy pasuje", Cue::Meeting, 2, true, false),
    ("kiedy możemy", Cue::Meeting, 2, true, false),
    ("ring mig", Cue::Meeting, 2, true, false),
    ("ringa mig", Cue::Meeting, 2, true, false),
    ("ett möte", Cue::Meeting, 2, true, false),
    ("boka ett", Cue::Meeting, 2, true, false),
    ("kan vi prata", Cue::Meeting, 2, true, false),
    ("träffas", Cue::Meeting, 2, true, false),
    ("när passar", Cue::Meeting, 2, true, false),
    ("ring til mig", Cue::Meeting, 2, true, false),
    ("ringe til mig", Cue::Meeting, 2, true, false),
    ("kan du ringe", Cue::Meeting, 2, true, false),
    ("et møde", Cue::Meeting, 2, true, false),
    ("mødes", Cue::Meeting, 2, true, false),
    ("hvornår passer", Cue::Meeting, 2, true, false),
    ("tage en snak", Cue::Meeting, 2, true, false),
    ("ring meg", Cue::Meeting, 2, true, false),
    ("ringe meg", Cue::Meeting, 2, true, false),
    ("et møte", Cue::Meeting, 2, true, false),
    ("møtes", Cue::Meeting, 2, true, false),
    ("ta en prat", Cue::Meeting, 2, true, false),
    ("når passer", Cue::Meeting, 2, true, false),
    ("soita minulle", Cue::Meeting, 2, true, false),
    ("soittakaa", Cue::Meeting, 2, true, false),
    ("tavata", Cue::Meeting, 2, true, false),
    ("tapaaminen", Cue::Meeting, 2, true, false),
    ("tapaamisen", Cue::Meeting, 2, true, false),
    ("palaveri", Cue::Meeting, 2, true, false),
    ("mi chiami", Cue::Meeting, 2, true, false),
    ("mi chiamate", Cue::Meeting, 2, true, false),
    ("mi telefoni", Cue::Meeting, 2, true, false),
    ("potete chiamarmi", Cue::Meeting, 2, true, false),
    ("può chiamarmi", Cue::Meeting, 2, true, false),
    ("me liga", Cue::Meeting, 2, true, false),
    ("me ligar", Cue::Meeting, 2, true, false),
    // Interest and requests for material.
    ("máme zájem", Cue::Interest, 2, true, false),
    ("mám zájem", Cue::Interest, 2, true, false),
    ("zájem máme", Cue::Interest, 2, true, false),
    ("zájem mám", Cue::Interest, 2, true, false),
    ("bych zájem", Cue::Interest, 2, true, false),
    ("bychom zájem", Cue::Interest, 2, true, false),
    ("máme záujem", Cue::Interest, 2, true, false),
    ("mám záujem", Cue::Interest, 2, true, false),
    ("bych se dozvěděl", Cue::Interest, 2, true, false),
    ("bych se dozvěděla", Cue::Interest, 2, true, false),
    ("dozvědět více", Cue::Interest, 2, true, false),
    ("více informací", Cue::Interest, 2, true, false),
    ("více info", Cue::Interest, 2, true, false),
    ("viac informácií", Cue::Interest, 2, true, false),
    ("pošlete", Cue::Interest, 2, true, false),
    ("zašlete", Cue::Interest, 2, true, false),
    ("pošlite", Cue::Interest, 2, true, false),
    ("ceník", Cue::Interest, 2, true, false),
    ("cennik", Cue::Interest, 2, true, false),
    ("zní to zajímavě", Cue::Warm, 2, true, false),
    ("zajímavé", Cue::Warm, 1, true, false),
    ("zní dobře", Cue::Interest, 2, true, false),
    ("na prodej", Cue::Interest, 2, true, false),
    ("zainteresowan", Cue::Interest, 2, true, true),
    ("proszę o wycenę", Cue::Interest, 2, true, false),
    ("wycenę", Cue::Interest, 2, true, false),
    ("proszę o kontakt", Cue::Interest, 2, true, false),
    ("proszę o ofertę", Cue::Interest, 2, true, false),
    ("proszę o więcej", Cue::Interest, 2, true, false),
    ("więcej informacji", Cue::Interest, 2, true, false),
    ("proszę przesłać", Cue::Interest, 2, true, false),
    ("prześlijcie", Cue::Interest, 2, true, false),
    ("brzmi ciekawie", Cue::Warm, 2, true, false),
    ("brzmi dobrze", Cue::Interest, 2, true, false),
    ("intresserad", Cue::Interest, 2, true, true),
    ("mer info", Cue::Interest, 2, true, false),
    ("mer information", Cue::Interest, 2, true, false),
    ("skicka mer", Cue::Interest, 2, true, false),
    ("låter intressant", Cue::Warm, 2, true, false),
    ("låter bra", Cue::Interest, 2, true, false),
    ("berätta mer", Cue::Interest, 2, true, false),
    ("gå vidare", Cue::Interest, 2, true, false),
    ("interesseret", Cue::Interest, 2, true, false),
    ("lyder spændende", Cue::Warm, 2, true, false),
    ("spændende", Cue::Warm, 1, true, false),
    ("lyder godt", Cue::Interest, 2, true, false),
    ("lyder interessant", Cue::Warm, 2, true, false),
    ("vi vil gerne", Cue::Interest, 2, true, false),
    ("ja tak", Cue::Interest, 2, false, false),
    ("mere info", Cue::Interest, 2, true, false),
    ("mere information", Cue::Interest, 2, true, false),
    ("fortæl mere", Cue::Interest, 2, true, false),
    ("fortæl lidt mere", Cue::Interest, 2, true, false),
    ("gå videre", Cue::Interest, 2, true, false),
    ("sætte i gang", Cue::Interest, 2, true, false),
    ("interessert", Cue::Interest, 2, true, false),
    ("høres bra ut", Cue::Interest, 2, true, false),
    ("høres interessant ut", Cue::Warm, 2, true, false),
    ("høres spennende ut", Cue::Warm, 2, true, false),
    ("gjerne mer", Cue::Interest, 2, true, false),
    ("fortell meg mer", Cue::Interest, 2, true, false),
    ("fortell mer", Cue::Interest, 2, true, false),
    ("ja takk", Cue::Interest, 2, false, false),
    ("kiinnostaa", Cue::Interest, 2, true, false),
    ("kiinnostunut", Cue::Interest, 2, true, false),
    ("kiinnostuneita", Cue::Interest, 2, true, false),
    ("kuulostaa hyvältä", Cue::Interest, 2, true, false),
    ("kuulostaa mielenkiintoiselta", Cue::Warm, 2, true, false),
    ("lisätietoja", Cue::Interest, 2, true, false),
    ("kerro lisää", Cue::Interest, 2, true, false),
    ("gostaria de experimentar", Cue::Interest, 2, true, false),
    ("gostaria de testar", Cue::Interest, 2, true, false),
    ("quero experimentar", Cue::Interest, 2, true, false),
    ("quero testar", Cue::Interest, 2, true, false),
    ("estamos interesados", Cue::Interest, 2, true, false),
    ("estamos muy interesados", Cue::Interest, 2, true, false),
    ("estoy interesado", Cue::Interest, 2, true, false),
    ("estoy interesada", Cue::Interest, 2, true, false),
    ("me gustaría probar", Cue::Interest, 2, true, false),
    ("procediamo", Cue::Interest, 2, true, false),
    ("vorrei provare", Cue::Interest, 2, true, false),
    ("vorremmo provare", Cue::Interest, 2, true, false),
    ("maggiori informazioni", Cue::Interest, 2, true, false),
    ("mandami", Cue::Interest, 2, true, false),
    ("listino", Cue::Interest, 2, true, false),
    ("inviarci", Cue::Interest, 2, true, false),
    ("inviarmi", Cue::Interest, 2, true, false),
    ("mandarci", Cue::Interest, 2, true, false),
    ("mandarmi", Cue::Interest, 2, true, false),
    ("senden sie uns", Cue::Interest, 2, true, false),
    ("schicken sie uns", Cue::Interest, 2, true, false),
    ("unverbindliches angebot", Cue::Interest, 2, true, false),
    ("gerne testen", Cue::Interest, 2, true, false),
    ("gerne ausprobieren", Cue::Interest, 2, true, false),
    ("j'aimerais essayer", Cue::Interest, 2, true, false),
    ("je voudrais essayer", Cue::Interest, 2, true, false),
    ("happy to engage", Cue::Interest, 2, true, false),
    ("would entertain", Cue::Interest, 2, true, false),
    ("open to offers", Cue::Interest, 2, true, false),
    ("like to take a look", Cue::Interest, 2, true, false),
    ("give you a ring", Cue::Interest, 2, true, false),
    ("give you a call", Cue::Interest, 2, true, false),
    ("i'll call you", Cue::Interest, 2, true, false),
    ("like to try", Cue::Interest, 2, true, false),
    ("try it out", Cue::Interest, 2, true, false),
    ("let's proceed", Cue::Interest, 2, true, false),
    ("let's move forward", Cue::Interest, 2, true, false),
    // Questions.
    ("kolik", Cue::Question, 2, false, false),
    ("jaká je cena", Cue::Question, 2, false, false),
    ("jaká je vaše cena", Cue::Question, 2, false, false),
    ("jaké jsou ceny", Cue::Question, 2, false, false),
    ("jak to funguje", Cue::Question, 2, false, false),
    ("kde najdu", Cue::Question, 2, false, false),
    ("ile kosztuje", Cue::Question, 2, false, false),
    ("ile to kosztuje", Cue::Question, 2, false, false),
    ("jakie są ceny", Cue::Question, 2, false, false),
    ("jakie są wasze ceny", Cue::Question, 2, false, false),
    ("jak to działa", Cue::Question, 2, false, false),
    ("vad kostar", Cue::Question, 2, false, false),
    ("hur fungerar", Cue::Question, 2, false, false),
    ("hvad koster", Cue::Question, 2, false, false),
    ("hva koster", Cue::Question, 2, false, false),
    ("hvordan fungerer", Cue::Question, 2, false, false),
    ("hvad er prisen", Cue::Question, 2, false, false),
    ("hva er prisen", Cue::Question, 2, false, false),
    ("paljonko maksaa", Cue::Question, 2, false, false),
    ("mitä maksaa", Cue::Question, 2, false, false),
    ("mikä on hinta", Cue::Question, 2, false, false),
    ("miten toimii", Cue::Question, 2, false, false),
    ("qual o valor", Cue::Question, 2, false, false),
    ("qual é o valor", Cue::Question, 2, false, false),
    ("qual a taxa", Cue::Question, 2, false, false),
    ("qual o preço", Cue::Question, 2, false, false),
    ("come funziona", Cue::Question, 2, false, false),
    ("cuánto tarda", Cue::Question, 2, false, false),
    // Opt-outs worded as a wish or a refusal (batch 14).
    ("rather not receive", Cue::Unsubscribe, 2, false, false),
    ("prefer not to receive", Cue::Unsubscribe, 2, false, false),
    ("rather not be contacted", Cue::Unsubscribe, 2, false, false),
    (
        "prefer not to be contacted",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    ("lose my email", Cue::Unsubscribe, 2, false, false),
    ("lose my address", Cue::Unsubscribe, 2, false, false),
    ("lose my number", Cue::Unsubscribe, 2, false, false),
    ("lose my details", Cue::Unsubscribe, 2, false, false),
    ("lose my contact", Cue::Unsubscribe, 2, false, false),
    (
        "don't want to hear from you",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    (
        "never hear from you again",
        Cue::Unsubscribe,
        2,
        false,
        false,
    ),
    ("widerspreche", Cue::Unsubscribe, 2, false, true),
    ("widerspruch gegen", Cue::Unsubscribe, 2, false, false),
    ("nichts mehr von ihnen", Cue::Unsubscribe, 2, false, false),
    ("nichts mehr von euch", Cue::Unsubscribe, 2, false, false),
    ("nichts mehr hören", Cue::Unsubscribe, 2, false, false),
    ("verwijderen uit", Cue::Unsubscribe, 2, false, false),
    ("uit jullie bestand", Cue::Unsubscribe, 2, false, false),
    ("uit het bestand", Cue::Unsubscribe, 2, false, false),
    ("uit jullie database", Cue::Unsubscribe, 2, false, false),
    ("uit uw database", Cue::Unsubscribe, 2, false, false),
    ("não envie mais", Cue::Unsubscribe, 2, false, false),
    ("não enviem mais", Cue::Unsubscribe, 2, false, false),
    ("não mande mais", Cue::Unsubscribe, 2, false, false),
    ("não mandem mais", Cue::Unsubscribe, 2, false, false),
    ("remover da lista", Cue::Unsubscribe, 2, false, false),
    ("remova da lista", Cue::Unsubscribe, 2, false, false),
    ("retirar da lista", Cue::Unsubscribe, 2, false, false),
    ("tirar da lista", Cue::Unsubscribe, 2, false, false),
    ("me tire da lista", Cue::Unsubscribe, 2, false, false),
    // Reading mail only now and then: an absence in a machine's reply (batch 14).
    ("sporadisk", Cue::OutOfOffice, 1, false, false),
    ("sporadically", Cue::OutOfOffice, 1, false, false),
    ("sporadisch", Cue::OutOfOffice, 1, false, false),
    ("sporadiquement", Cue::OutOfOffice, 1, false, false),
    ("esporádicamente", Cue::OutOfOffice, 1, false, false),
    ("esporadicamente", Cue::OutOfOffice, 1, false, false),
    ("sporadicamente", Cue::OutOfOffice, 1, false, false),
    // Referrals: someone else "might be interested" is a no from this person (batch 14).
    ("pass on your details", Cue::NotInterested, 2, false, false),
    ("pass your details", Cue::NotInterested, 2, false, false),
    (
        "pass along your details",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("pass on your info", Cue::NotInterested, 2, false, false),
    ("pass on your contact", Cue::NotInterested, 2, false, false),
    ("colleague might be", Cue::NotInterested, 2, false, false),
    ("colleague may be", Cue::NotInterested, 2, false, false),
    ("someone else might be", Cue::NotInterested, 2, false, false),
    ("i have left the", Cue::NotInterested, 2, false, false),
    ("i've left the", Cue::NotInterested, 2, false, false),
    // Someone already does it, and deferrals to next year (batch 14).
    ("déjà quelqu'un", Cue::NotInterested, 2, false, false),
    (
        "j'ai déjà un prestataire",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("j'ai déjà une agence", Cue::NotInterested, 2, false, false),
    ("nächstes jahr gern", Cue::NotInterested, 2, false, true),
    ("nächstes jahr wieder", Cue::NotInterested, 2, false, false),
    (
        "vielleicht nächstes jahr",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    (
        "im nächsten jahr wieder",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("next year maybe", Cue::NotInterested, 2, false, false),
    ("try again next year", Cue::NotInterested, 2, false, false),
    (
        "misschien volgend jaar",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("volgend jaar weer", Cue::NotInterested, 2, false, false),
    (
        "peut-être l'année prochaine",
        Cue::NotInterested,
        2,
        false,
        false,
    ),
    ("quizás el próximo año", Cue::NotInterested, 2, false, false),
    ("forse l'anno prossimo", Cue::NotInterested, 2, false, false),
    ("talvez no próximo ano", Cue::NotInterested, 2, false, false),
    // Meeting asks: a time to be sent, a call proposed (batch 14).
    ("send over a time", Cue::Meeting, 2, true, false),
    ("send a time", Cue::Meeting, 2, true, false),
    ("send me a time", Cue::Meeting, 2, true, false),
    ("send over some times", Cue::Meeting, 2, true, false),
    ("send some times", Cue::Meeting, 2, true, false),
    ("send me some times", Cue::Meeting, 2, true, false),
    ("grab 10", Cue::Meeting, 2, true, false),
    ("grab 15", Cue::Meeting, 2, true, false),
    ("grab 20", Cue::Meeting, 2, true, false),
    ("grab 30", Cue::Meeting, 2, true, false),
    ("grab a few minutes", Cue::Meeting, 2, true, false),
    ("grab some time", Cue::Meeting, 2, true, false),
    ("grab a call", Cue::Meeting, 2, true, false),
    ("s'appeler", Cue::Meeting, 2, true, false),
    ("on s'appelle", Cue::Meeting, 2, true, false),
    ("kun je bellen", Cue::Meeting, 2, true, false),
    ("kunt u bellen", Cue::Meeting, 2, true, false),
    ("kun je me bellen", Cue::Meeting, 2, true, false),
    ("kunt u mij bellen", Cue::Meeting, 2, true, false),
    ("kunt u me bellen", Cue::Meeting, 2, true, false),
    // Interest: send it, answers by email, the pain admitted (batch 14).
    ("stuur maar", Cue::Interest, 2, true, false),
    ("stuur ons", Cue::Interest, 2, true, false),
    ("stuurt u ons", Cue::Interest, 2, true, false),
    ("stuur gerust", Cue::Interest, 2, true, false),
    ("leg ik het voor", Cue::Interest, 2, true, false),
    ("pode enviar", Cue::Interest, 2, true, false),
    ("podem enviar", Cue::Interest, 2, true, false),
    ("pode mandar", Cue::Interest, 2, true, false),
    ("podem mandar", Cue::Interest, 2, true, false),
    ("do this over email", Cue::Interest, 2, true, false),
    ("do it over email", Cue::Interest, 2, true, false),
    ("do this by email", Cue::Interest, 2, true, false),
    ("what did you want to know", Cue::Interest, 2, false, false),
    (
        "what would you like to know",
        Cue::Interest,
        2,
        false,
        false,
    ),
    ("what do you want to know", Cue::Interest, 2, false, false),
    ("we're struggling with", Cue::Warm, 2, true, false),
    ("we are struggling with", Cue::Warm, 2, true, false),
    ("you're absolutely right", Cue::Warm, 2, false, false),
    ("you're spot on", Cue::Warm, 2, false, false),
];

/// "é" → "e", "ß" → "ss": the phrase as typed on a keyboard without accents.
fn fold_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' => out.push('a'),
            'ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' => out.push('i'),
            'ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' => out.push('u'),
            'ß' => out.push_str("ss"),
            // Czech, Slovak and Polish, often typed without them ("dekuji", "prosze").
            'č' | 'ć' => out.push('c'),
            'ď' => out.push('d'),
            'ě' | 'ę' => out.push('e'),
            'ą' => out.push('a'),
            'ľ' | 'ĺ' | 'ł' => out.push('l'),
            'ň' | 'ń' => out.push('n'),
            'ř' | 'ŕ' => out.push('r'),
            'š' | 'ś' => out.push('s'),
            'ť' => out.push('t'),
            'ů' => out.push('u'),
            'ý' => out.push('y'),
            'ž' | 'ź' | 'ż' => out.push('z'),
            c => out.push(c),
        }
    }
    out
}

const WEEKDAYS: &[&str] = &["monday", "tuesday", "wednesday", "thursday", "friday"];

struct Automaton {
    ac: AhoCorasick,
    phrases: Vec<(&'static str, Phrase)>,
}

fn leak(s: String) -> &'static str {
    // Built once per process inside a OnceLock, so the leak is bounded.
    Box::leak(s.into_boxed_str())
}

fn automaton() -> &'static Automaton {
    static AUTOMATON: OnceLock<Automaton> = OnceLock::new();
    AUTOMATON.get_or_init(|| {
        let mut phrases: Vec<(&'static str, Phrase)> = Vec::new();
        let mut push = |text: &'static str, cue, weight, negatable, stem| {
            if !phrases.iter().any(|(t, _)| *t == text) {
                phrases.push((
                    text,
                    Phrase {
                        cue,
                        weight,
                        negatable,
                        stem,
                    },
                ));
            }
        };
        for &(text, cue, weight, negatable, stem) in TABLE.iter().chain(MORE).chain(LEARNT) {
            push(text, cue, weight, negatable, stem);
            if text.contains('\'') {
                push(leak(text.replace('\'', "")), cue, weight, negatable, stem);
            }
            let folded = fold_accents(text);
            if folded != text {
                push(leak(folded), cue, weight, negatable, stem);
            }
        }
        for day in WEEKDAYS {
            for shape in [
                "how's {}",
                "how is {}",
                "next {}",
                "{} at",
                "how about {}",
                "does {} work",
                "{} works",
                "free on {}",
                "free {}",
                "available on {}",
                "{} afternoon",
                "{} morning",
            ] {
                push(leak(shape.replace("{}", day)), Cue::Meeting, 2, true, false);
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(phrases.iter().map(|(t, _)| *t))
            .expect("reply phrase table builds");
        Automaton { ac, phrases }
    })
}

/// Lower-cases, straightens typographic quotes and dashes, and collapses white space, so the
/// phrase tables need one spelling each.
fn normalise(text: &str, out: &mut String) {
    out.clear();
    out.reserve(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            // Spanish opening marks and guillemets: punctuation, not part of the next word.
            '¿' | '¡' => ' ',
            '«' | '»' => '"',
            c => c,
        };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

const NEGATIONS: &[&str] = &[
    "not", "no", "never", "dont", "don't", "doesnt", "doesn't", "isnt", "isn't", "arent", "aren't",
    "wasnt", "wasn't", "wont", "won't", "cant", "can't", "nor", "neither", "longer", "nicht",
    "kein", "keine", "ne", "pas", "non", "niet", "geen", "não", "nao", "nunca", "nie",
    // Swedish, Danish, Norwegian, Finnish; Czech/Polish "nor", "never".
    "inte", "ej", "ikke", "ikkje", "ei", "nej", "nei", "ani", "nikdy", "nigdy",
];

/// Whether one of the four words before `start`, within the same clause, negates what follows
/// ("not really interested", "I don't think we'd be interested"; but not "No, I'm interested").
fn negated(text: &str, start: usize) -> bool {
    let before = &text[..start];
    let clause = before
        .rfind([',', '.', '!', '?', ';', ':', '(', ')'])
        .map_or(before, |i| &before[i + 1..]);
    clause
        .split_whitespace()
        .rev()
        .take(4)
        .any(|w| NEGATIONS.contains(&w))
}

#[derive(Default, Clone, Copy)]
struct Tally {
    weight: u8,
    hits: u8,
    first: Option<&'static str>,
}

impl Tally {
    fn add(&mut self, phrase: &'static str, weight: u8) {
        self.weight = self.weight.saturating_add(weight);
        self.hits = self.hits.saturating_add(1);
        if self.first.is_none() {
            self.first = Some(phrase);
        }
    }

    fn fired(&self) -> bool {
        self.weight >= 2
    }
}

fn index(cue: Cue) -> usize {
    match cue {
        Cue::Unsubscribe => 0,
        Cue::OutOfOffice => 1,
        Cue::AutoReply => 2,
        Cue::NotInterested => 3,
        Cue::Meeting => 4,
        Cue::Interest => 5,
        Cue::Question => 6,
        Cue::Warm => 7,
    }
}

fn tally(text: &str) -> [Tally; CUES] {
    let auto = automaton();
    let bytes = text.as_bytes();
    let mut tallies = [Tally::default(); CUES];
    for m in auto.ac.find_overlapping_iter(text) {
        let (phrase, p) = &auto.phrases[m.pattern().as_usize()];
        let (s, e) = (m.start(), m.end());
        let starts_word = s == 0 || !is_word_byte(bytes[s - 1]) || !is_word_byte(bytes[s]);
        let ends_word =
            p.stem || e == bytes.len() || !is_word_byte(bytes[e]) || !is_word_byte(bytes[e - 1]);
        if !(starts_word && ends_word) {
            continue;
        }
        if p.cue == Cue::Unsubscribe && phrase.starts_with("stop") && negated(text, s) {
            // "Don't stop sending us the samples": the opposite of an opt-out.
            continue;
        }
        if p.negatable && negated(text, s) {
            let refusal = if p.cue == Cue::Unsubscribe {
                // "I don't wish to receive these": the negation is the opt-out.
                Cue::Unsubscribe
            } else {
                Cue::NotInterested
            };
            tallies[index(refusal)].add(phrase, 2);
        } else if p.cue == Cue::Unsubscribe && p.negatable {
            // "I wish to receive the invoice by post": not an opt-out without its negation.
        } else {
            tallies[index(p.cue)].add(phrase, p.weight);
        }
    }
    tallies
}

/// Whether the (normalised) text names a weekday, tomorrow, next week or a clock time, in the
/// languages of [`MORE`].
fn names_a_time(text: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"(?x)\b(?:
                monday|tuesday|tues|wednesday|thursday|thurs|friday|tomorrow|next\s+week|this\s+week
              | montag|dienstag|mittwoch|donnerstag|freitag|nächste\s+woche|diese\s+woche
              | lundi|mardi|mercredi|jeudi|vendredi|demain|semaine\s+prochaine|cette\s+semaine
              | lunes|martes|miércoles|jueves|viernes|mañana|próxima\s+semana|esta\s+semana
              | maandag|dinsdag|woensdag|donderdag|vrijdag|volgende\s+week|deze\s+week
              | terça|quarta-feira|quinta-feira|sexta-feira|amanhã|nesta\s+semana
              | lunedì|martedì|mercoledì|giovedì|venerdì|domani|prossima\s+settimana|questa\s+settimana
              | pondělí|úterý|středu?|čtvrtek|pátek|zítra|příští\s+týden|tento\s+týden
              | poniedziałek|wtorek|środę|czwartek|piątek|jutro|w\s+przyszłym\s+tygodniu
              | måndag|tisdag|mandag|tirsdag|onsdag|torsdag|fredag|imorgon|i\s+morgen
              | nästa\s+vecka|næste\s+uge|neste\s+uke
              | maanantaina|tiistaina|keskiviikkona|torstaina|perjantaina|huomenna|ensi\s+viikolla
              | \d{1,2}(?::\d{2})?\s?(?:am|pm|uhr|h)
              | \d{1,2}:\d{2}
            )\b",
        )
        .expect("time pattern is valid")
    })
    .is_match(text)
}

/// What follows the first "but" of a reply, in the languages of [`MORE`].
fn contrast_tail(text: &str) -> Option<&str> {
    const BUT: &[&str] = &[
        " but ", " pero ", " mais ", " aber ", " ma ", " maar ", " mas ", " men ", " ale ",
        " mutta ",
    ];
    BUT.iter()
        .filter_map(|b| text.find(b).map(|i| i + b.len()))
        .min()
        .map(|i| &text[i..])
}

/// Subject prefixes that machines put on their replies.
const AUTO_SUBJECTS: &[&str] = &[
    "automatic reply",
    "auto:",
    "autoreply",
    "auto-reply",
    "auto reply",
    "automated reply",
    "automatic response",
    "autorespons",
    "automatische antwort",
    "réponse automatique",
    "reponse automatique",
    "respuesta automática",
    "respuesta automatica",
    "automatisch antwoord",
    "resposta automática",
    "resposta automatica",
    "risposta automatica",
    "[automatyczna odpowiedź]",
    "automatyczna odpowiedź",
    "odpowiedź automatyczna",
    "autosvar",
    "automatická odpověď",
    "automatická odpoveď",
    "automatiskt svar",
    "automatisk svar",
    "automatisk besvarelse",
    "automaattinen vastaus",
    "autovastaus",
];
const OOO_SUBJECTS: &[&str] = &[
    "out of office",
    "out of the office",
    "out-of-office",
    "ooo",
    "away:",
    "away until",
    "on leave",
    "annual leave",
    "on vacation",
    "on holiday",
    "absence",
    "abwesenheit",
    "abwesend",
    "fuera de la oficina",
    "afwezig",
    "ausente",
    "fuori sede",
    "fuori ufficio",
    "congés",
    "dovolená",
    "nepřítomnost",
    "mimo kancelář",
    "nieobecność",
    "poza biurem",
    "na urlopie",
    "frånvaro",
    "fravær",
    "lomalla",
    "poissa toimistolta",
];

fn subject_cues(subject: &str) -> (bool, bool) {
    let mut s = String::new();
    normalise(subject, &mut s);
    let mut rest = s.as_str();
    // "RE: Automatic reply: ..." and "[External] Out of Office: ..."
    loop {
        let trimmed = rest.trim_start_matches([' ', '[', ']']);
        let stripped = ["re:", "aw:", "fw:", "fwd:", "external", "ext"]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        match stripped {
            Some(r) => rest = r,
            None => {
                rest = trimmed;
                break;
            }
        }
    }
    let auto = AUTO_SUBJECTS.iter().any(|p| rest.starts_with(p))
        || rest.contains("(automatic response)")
        || rest.contains("(auto-reply)");
    let ooo = OOO_SUBJECTS
        .iter()
        .any(|p| rest.contains(p) && (p.len() > 3 || rest.starts_with(p)))
        || rest.trim() == "away";
    (auto, ooo)
}

fn confidence(base: f32, tally: &Tally) -> f32 {
    (base + 0.04 * (tally.hits.saturating_sub(1)) as f32).min(0.99)
}

fn decided(
    class: ReplyClass,
    confidence: f32,
    rule: &'static str,
    matched: Option<&'static str>,
) -> Classification {
    Classification {
        class,
        confidence,
        reason: Reason {
            rule,
            matched: matched.unwrap_or(""),
        },
        return_date: None,
    }
}

/// Classifies a reply under the default configuration.
pub fn classify(reply: &Reply<'_>) -> Classification {
    classify_with(&ReplyConfig::default(), reply)
}

pub fn classify_with(config: &ReplyConfig, reply: &Reply<'_>) -> Classification {
    classify_combined(config, Some(model::embedded()), RULE_WEIGHT, reply)
}

/// How much the rules' human-answer verdict counts against the model's: added to the log-odds
/// of the class the rules chose, in units of the rules' confidence. Chosen by grouped
/// cross-validation over the corpus batches (the `reply_model` example's `cv`), not per reply.
pub const RULE_WEIGHT: f32 = 1.0;

/// The text both the rules and the model read: the reply's visible part (quotes and
/// signature cut off), lower-cased with quotes straightened and white space collapsed.
pub fn reply_text(body: &str) -> String {
    let mut text = String::new();
    normalise(&visible_text(body), &mut text);
    text
}

/// The rules alone (the baseline the model is measured against).
pub fn classify_rules(config: &ReplyConfig, reply: &Reply<'_>) -> Classification {
    rules(config, reply, &reply_text(reply.body))
}

/// Rules first where they are reliable — opt-outs, absences, machine replies — and for the
/// human answers (meeting, interest, question, refusal, or nothing recognised) the model's
/// class probabilities, with the rules' choice weighted by `rule_weight` × their confidence.
/// The confidence reported is the combined probability of the chosen class.
pub fn classify_combined(
    config: &ReplyConfig,
    model: Option<&TextModel>,
    rule_weight: f32,
    reply: &Reply<'_>,
) -> Classification {
    let text = reply_text(reply.body);
    let ruled = rules(config, reply, &text);
    let Some(model) = model else { return ruled };
    if rules_decide(ruled.class) {
        return ruled;
    }
    combine(ruled, model.probabilities(&text), rule_weight)
}

/// Opt-outs, absences and machine replies: the classes the rules decide alone.
fn rules_decide(class: ReplyClass) -> bool {
    matches!(
        class,
        ReplyClass::Unsubscribe | ReplyClass::OutOfOffice | ReplyClass::AutoReply
    )
}

/// The combination step of [`classify_combined`], given the rules' verdict on a human answer
/// and the model's probabilities (`None`: the text had no features).
pub fn combine(
    ruled: Classification,
    probabilities: Option<[f32; 4]>,
    rule_weight: f32,
) -> Classification {
    let Some(p) = probabilities.filter(|_| !rules_decide(ruled.class)) else {
        return ruled;
    };
    let mut logits = p.map(|x| x.max(1e-9).ln());
    if let Some(k) = model::CLASSES.iter().position(|c| *c == ruled.class) {
        logits[k] += rule_weight * ruled.confidence;
    }
    let p = model::softmax(logits);
    let (k, prob) = p
        .iter()
        .copied()
        .enumerate()
        .fold((0, f32::MIN), |best, (k, x)| if x > best.1 { (k, x) } else { best });
    let class = model::CLASSES[k];
    if class == ruled.class {
        return Classification {
            confidence: prob,
            ..ruled
        };
    }
    decided(class, prob, "model.text", None)
}

fn rules(config: &ReplyConfig, reply: &Reply<'_>, text: &str) -> Classification {
    let t = tally(text);
    let [unsub, ooo, autor, refusal, meeting, interest, question, warm] = t;
    let (auto_subject, ooo_subject) = subject_cues(reply.subject);
    let machine = reply.auto_submitted || auto_subject;

    // An opt-out from a person is honoured whatever else the reply says; a machine's
    // "unsubscribe" is a footer, not a request.
    let bare = text.trim_matches(|c: char| !c.is_alphanumeric());
    // "This is the third email. Stop." — a sentence that is only the word.
    let stop_sentence = text.split(['.', '!', ';', '\n']).any(|sentence| {
        matches!(
            sentence.trim_matches(|c: char| !c.is_alphanumeric()),
            "stop"
                | "baja"
                | "stopp"
                | "unsubscribe"
                | "remove"
                | "stop please"
                | "please stop"
                | "stop it"
                | "stopp bitte"
                | "bitte stopp"
                | "remove me"
                | "pare"
                | "parem"
                | "basta"
        )
    });
    if !machine && (unsub.fired() || stop_sentence) {
        let matched = unsub.first.or(Some("stop"));
        return decided(
            ReplyClass::Unsubscribe,
            confidence(0.95, &unsub),
            "unsubscribe.phrase",
            matched,
        );
    }

    // Opening hours ("de lunes a viernes de 9 a 18 h") name days, not a return.
    let office_hours = [
        "office hours", "business hours", "opening hours", "horario de atención", "horario de atencion",
        "heures d'ouverture", "horaires d'ouverture", "öffnungszeiten", "geschäftszeiten",
        "horário de atendimento", "orario di apertura", "openingstijden", "otevírací doba",
        "godziny otwarcia", "öppettider", "åbningstider", "åpningstider", "aukioloajat",
    ]
    .iter()
    .any(|p| text.contains(p));
    // A machine's reply that says when its author is back is an absence in any language.
    // A short note that only says when its author is back ("I'll be back on 10/20", "Volveré
    // el lunes") is an absence too, unless it also says yes to something.
    let short_plain = !meeting.fired()
        && !interest.fired()
        // "Not now — circle back around January 22" is a deferral, not an absence
        && !refusal.fired()
        && text.split_whitespace().count() <= 40;
    // Read only where it can decide (the date pattern is the rules' slowest step): a reply
    // with an absence phrase or subject is an absence whatever its date says.
    let stated = (!office_hours && (machine || short_plain) && !ooo.fired() && !ooo_subject)
        .then(|| date::stated_return(text, reply.received_on, config.date_order))
        .flatten();
    let dated = machine && stated.is_some_and(|(_, trigger)| trigger >= 2);
    let says_when_back = short_plain && stated.is_some_and(|(_, trigger)| trigger >= 3);
    // A person who mentions being away but says yes ("I'm out until the 14th but yes,
    // interested", "Estaré fuera la próxima semana pero me interesa, agendemos") is answering,
    // not absent: an absence notice does not ask for a meeting or material.
    let answering_while_away = !machine
        && !ooo_subject
        // A named day alone ("back next Monday") is not a yes.
        && (interest.fired() || (meeting.fired() && !names_a_time(meeting.first.unwrap_or(""))))
        && text.split_whitespace().count() <= 40;
    // A person saying they *were* away ("I was out of the office last week", "Ich war im Urlaub
    // bis gestern") is back and answering.
    let was_away = !machine
        && !ooo_subject
        && [
            "i was out", "i was away", "i was on leave", "i was on vacation", "i was on holiday",
            "ich war im", "ich war auf", "ich war in", "ich war nicht", "estuve fuera", "estuve de",
            "j'étais en", "j'étais absent", "ero in ferie", "ero fuori", "ik was afwezig",
            "ik was op vakantie", "eu estava de", "estive de", "estive fora",
        ]
        .iter()
        .any(|p| text.contains(p));
    // A machine's notice that its author has left for good ("I have left the firm. For urgent
    // matters…", "out of the office permanently - I no longer work at…") is an auto-reply,
    // whatever absence words it borrows: nobody is coming back.
    let left_for_good = machine
        && [
            "have left the", "has left the", "i've left the", "no longer work", "no longer with",
            "no longer employed", "no longer an employee", "permanently",
            "hat das unternehmen verlassen", "habe das unternehmen verlassen",
            "nicht mehr im unternehmen", "ne fait plus partie", "ne travaille plus",
            "a quitté l'entreprise", "ya no trabaja", "ya no forma parte", "ha dejado la empresa",
            "werkt niet meer", "niet meer werkzaam", "niet meer in dienst", "uit dienst",
            "non lavora più", "non fa più parte", "não trabalha mais", "não faz mais parte",
            "deixou a empresa",
        ]
        .iter()
        .any(|p| text.contains(p));
    if !answering_while_away
        && !was_away
        && !left_for_good
        && (ooo.fired() || ooo_subject || (machine && ooo.weight > 0) || dated || says_when_back)
    {
        let mut subject = String::new();
        normalise(reply.subject, &mut subject);
        subject.push('\n');
        subject.push_str(text);
        let base = if ooo_subject && ooo.fired() {
            0.97
        } else {
            0.9
        };
        let (rule, matched) = match ooo.first {
            Some(p) => ("out_of_office.phrase", Some(p)),
            None => ("out_of_office.subject", None),
        };
        let mut c = decided(
            ReplyClass::OutOfOffice,
            confidence(base, &ooo),
            rule,
            matched,
        );
        c.return_date = return_date(&subject, reply.received_on, config.date_order);
        return c;
    }

    // "I am no longer with the company" written by a person (no auto-reply header or subject)
    // is a leaver answering: a no for this cadence, not a machine's notice.
    let person_left = [
        "i am no longer with", "i'm no longer with", "im no longer with", "and am no longer with",
        "i no longer work",
    ]
    .iter()
    .any(|p| text.contains(p));
    if (autor.fired() && !person_left) || machine {
        let (rule, matched) = match autor.first {
            Some(p) if autor.fired() => ("auto_reply.phrase", Some(p)),
            _ => ("auto_reply.header", None),
        };
        let base = if machine && autor.fired() { 0.95 } else { 0.85 };
        return decided(
            ReplyClass::AutoReply,
            confidence(base, &autor),
            rule,
            matched,
        );
    }

    let positive = meeting.fired() || interest.fired() || warm.fired();
    // A reply that opens with a no ("Nah, we're fine", "No, grazie") and says nothing positive.
    let opens_with_no = !positive
        && ["no", "nah", "nope", "nein", "nee", "não", "nej", "nei", "ei"]
            .iter()
            .any(|w| {
                text.strip_prefix(w)
                    .is_some_and(|rest| rest.starts_with([',', '.', '!', ' ', '-']))
            })
        // Czech "Ne.", Polish "Nie,", French and Italian "Non," (each also negates the verb
        // that follows: "Non ho capito", "Nie potrzebujemy"), so only before punctuation.
        || (!positive
            && ["ne", "nie", "non"].iter().any(|w| {
                text.strip_prefix(w)
                    .is_some_and(|rest| rest.starts_with([',', '.', '!', '-']))
            }));
    let bare_no = matches!(
        bare,
        "no" | "pass"
            | "nope"
            | "no thank you"
            | "nein"
            | "non"
            | "nee"
            | "não"
            | "no gracias"
            | "no grazie"
            | "ne"
            | "nie"
            | "nej"
            | "nei"
            | "ei"
            | "nemám"
            | "nemáme"
            | "ne děkuji"
            | "nie dziękuję"
            | "nej tack"
            | "nej tak"
            | "nei takk"
            | "ei kiitos"
    );
    // "We already have a provider, but can you send me more info?": the request after the
    // "but" is the answer. (A meeting after it — "not now, but let's talk in Q3" — is a
    // deferral, still a no.)
    let asks_after_but = refusal.fired()
        && contrast_tail(text).is_some_and(|tail| {
            let t = tally(tail);
            t[index(Cue::Interest)].fired() && !t[index(Cue::NotInterested)].fired()
        });
    if asks_after_but {
        return decided(
            ReplyClass::Interested,
            confidence(0.65, &interest),
            "interested.after_but",
            interest.first,
        );
    }
    // "Thanks, but …" with nothing positive after it is the polite no of every language.
    let thanks_but = !positive
        && [
            "thanks",
            "thank you",
            "bedankt",
            "dank je",
            "dank u",
            "obrigado",
            "obrigada",
            "gracias",
            "merci",
            "danke",
            "vielen dank",
            "grazie",
            "tack",
            "takk",
            "tak",
            "děkuji",
            "díky",
            "dziękuję",
            "dziękujemy",
            "kiitos",
        ]
        .iter()
        .any(|t| {
            text.strip_prefix(t).is_some_and(|rest| {
                let rest = rest.trim_start_matches([',', '.', '!', ' ', '-']);
                [
                    "but ", "pero ", "mais ", "aber ", "ma ", "maar ", "mas ", "men ", "ale ",
                    "mutta ",
                ]
                .iter()
                .any(|b| rest.starts_with(b))
            })
        });
    if refusal.fired() || bare_no || opens_with_no || thanks_but {
        // "Not now, but let's talk in Q3" is still a no for this cadence; the lower confidence
        // lets the inbox flag it for a human look.
        let base = if positive { 0.6 } else { 0.88 };
        return decided(
            ReplyClass::NotInterested,
            confidence(base, &refusal),
            "not_interested.phrase",
            refusal.first,
        );
    }
    // Naming a day or a time ("Free Thursday after 3", "9:30 tomorrow?") is scheduling, when
    // the reply also asks, leans towards a meeting, or says little else.
    let timed = names_a_time(text);
    if meeting.fired()
        || (timed
            && (meeting.weight > 0 || text.contains('?') || text.split_whitespace().count() <= 12))
    {
        let rule = if meeting.fired() {
            "meeting_request.phrase"
        } else {
            "meeting_request.time"
        };
        return decided(
            ReplyClass::MeetingRequest,
            confidence(if meeting.fired() { 0.85 } else { 0.7 }, &meeting),
            rule,
            meeting.first,
        );
    }
    // A reply that opens with a yes ("Yes, this is something we've looked at") is a go-ahead.
    let opens_with_yes = [
        "yes",
        "sure",
        "absolutely",
        "definitely",
        "ja",
        "oui",
        "sí",
        "sim",
        "certo",
        "claro",
        "ano",
        "kyllä",
        "jasne",
        "absolut",
    ]
    .iter()
    .any(|w| {
        text.strip_prefix(w).is_some_and(|rest| {
            // "Sí, pero hasta el próximo año" is a no.
            let but = rest
                .split(|c: char| !c.is_alphanumeric())
                .filter(|x| !x.is_empty())
                .take(2)
                .any(|x| {
                    matches!(
                        x,
                        "but" | "pero" | "mais" | "aber" | "ma" | "maar" | "mas" | "men" | "ale"
                            | "mutta"
                    )
                });
            rest.starts_with([',', '.', '!', ' ', '-']) && !but
        })
    });
    // A bare yes ("Sure", "Ok!", "Oui") to an outreach email is a go-ahead.
    let bare_yes = matches!(
        bare,
        "yes"
            | "yes please"
            | "sure"
            | "yep"
            | "yeah"
            | "absolutely"
            | "of course"
            | "why not"
            | "pourquoi pas"
            | "por qué no"
            | "perché no"
            | "warum nicht"
            | "waarom niet"
            | "por que não"
            | "go ahead"
            | "ja"
            | "ja gerne"
            | "gerne"
            | "oui"
            | "sí"
            | "si"
            | "sim"
            | "claro"
            | "certo"
            | "volentieri"
            | "graag"
            | "ano"
            | "ja tak"
            | "ja takk"
            | "ja gjerne"
            | "ja gärna"
            | "gärna"
            | "gjerne"
            | "kyllä"
            | "jasne"
            | "chętnie"
    );
    let asks = text.contains('?');
    if interest.fired() || (warm.fired() && !asks) || bare_yes || opens_with_yes {
        let rule = if interest.fired() {
            "interested.phrase"
        } else {
            "interested.bare_yes"
        };
        return decided(
            ReplyClass::Interested,
            confidence(0.75, &interest),
            rule,
            interest.first,
        );
    }
    if question.fired() || asks {
        let (rule, base) = if question.fired() {
            ("question.phrase", 0.75)
        } else {
            ("question.mark", 0.6)
        };
        return decided(
            ReplyClass::Question,
            confidence(base, &question),
            rule,
            question.first,
        );
    }
    // "Nick left, contact wim@acme.example": an address to write to instead is a referral.
    let points_elsewhere = text.contains('@')
        && [
            "contact",
            "reach out",
            "write to",
            "email",
            "talk to",
            "speak to",
            "ask ",
            "kontaktieren",
            "wenden sie sich",
            "contacter",
            "contactez",
            "contacta",
            "escríbele",
            "escribe a",
            "contatta",
            "rivolgiti",
            "contate",
            "neem contact",
            "kontaktujte",
            "obraťte se",
            "pisać na",
            "kontaktować",
            "kontakta",
            "kontakt ",
            "ota yhteyttä",
        ]
        .iter()
        .any(|v| text.contains(v));
    if points_elsewhere {
        return decided(
            ReplyClass::NotInterested,
            0.55,
            "not_interested.referral",
            None,
        );
    }
    decided(ReplyClass::Unclassified, 0.0, "no_rule_matched", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 2, 27).unwrap()
    }

    fn class_of(body: &str) -> ReplyClass {
        classify(&Reply {
            subject: "Re: churn at Acme",
            body,
            received_on: on(),
            auto_submitted: false,
        })
        .class
    }

    fn rules_class_of(body: &str) -> ReplyClass {
        let reply = Reply {
            subject: "Re: churn at Acme",
            body,
            received_on: on(),
            auto_submitted: false,
        };
        classify_rules(&ReplyConfig::default(), &reply).class
    }

    #[test]
    fn the_model_decides_human_answers_but_never_overrules_opt_outs_absences_or_machines() {
        let config = ReplyConfig::default();
        let reply = |body| Reply {
            subject: "Re: churn at Acme",
            body,
            received_on: on(),
            auto_submitted: false,
        };
        // Without a model the combination is the rules.
        for body in ["Not for us, thanks.", "Keener Smith here, nonstop week."] {
            assert_eq!(
                classify_combined(&config, None, RULE_WEIGHT, &reply(body)),
                classify_rules(&config, &reply(body))
            );
        }
        // A model that is sure every reply is a meeting request cannot touch an opt-out, an
        // absence or a machine's reply, but decides a human answer the rules call a refusal.
        let meeting_only = TextModel {
            buckets: 8,
            bias: [20.0, 0.0, 0.0, 0.0],
            weights: vec![0.0; 32],
        };
        for body in [
            "Please remove me from your list.",
            "I am out of the office until 12 March 2026 with no access to email.",
        ] {
            let c = classify_combined(&config, Some(&meeting_only), RULE_WEIGHT, &reply(body));
            assert_eq!(c, classify_rules(&config, &reply(body)), "{body}");
        }
        let c = classify_combined(
            &config,
            Some(&meeting_only),
            RULE_WEIGHT,
            &reply("Not for us, thanks."),
        );
        assert_eq!(
            (c.class, c.reason.rule),
            (ReplyClass::MeetingRequest, "model.text")
        );
        assert!(c.confidence > 0.99);
        // When model and rules agree, the rule's reason stays and the confidence is the
        // combined probability.
        let c = classify_combined(
            &config,
            Some(&meeting_only),
            RULE_WEIGHT,
            &reply("Can we talk Tuesday at 10?"),
        );
        assert_eq!(c.class, ReplyClass::MeetingRequest);
        assert_ne!(c.reason.rule, "model.text");
    }

    #[test]
    fn the_shipped_classifier_reads_plain_human_answers() {
        for (body, class) in [
            ("Yes, this sounds interesting. Tell me more.", ReplyClass::Interested),
            (
                "Sure, let's set up a call next week. Does Thursday at 2pm work for you?",
                ReplyClass::MeetingRequest,
            ),
            ("How much does it cost per month?", ReplyClass::Question),
            ("Not interested, thanks.", ReplyClass::NotInterested),
            ("Thanks Ann, Tuesday 10am works.", ReplyClass::MeetingRequest),
        ] {
            let c = classify(&Reply {
                subject: "Re: churn at Acme",
                body,
                received_on: on(),
                auto_submitted: false,
            });
            assert_eq!(c.class, class, "{body}");
            assert!((0.25..=1.0).contains(&c.confidence), "{body}: {}", c.confidence);
        }
    }

    #[test]
    fn opt_out_phrases_are_unsubscribe() {
        for body in [
            "Please remove me from your list.",
            "unsubscribe",
            "STOP",
            "Take me off your mailing list",
            "Stop emailing me or I will report you",
            "Please don’t contact me again.",
            "opt me out thanks",
            "I have unsubscribed twice already!",
        ] {
            assert_eq!(class_of(body), ReplyClass::Unsubscribe, "{body}");
        }
    }

    #[test]
    fn a_whole_message_gives_its_subject_date_and_auto_submitted_header() {
        let raw = raw_message(
            "Subject: Automatic reply: hi\nDate: Wed, 7 Oct 2026 09:12:00 +0200\n\
             Auto-Submitted: auto-replied\n\nBack tomorrow.",
        );
        assert_eq!(raw.subject, Some("Automatic reply: hi"));
        assert_eq!(raw.date, NaiveDate::from_ymd_opt(2026, 10, 7));
        assert!(raw.auto_submitted);
        assert_eq!(raw.body, "Back tomorrow.");
        let plain = raw_message("Note: we are all set.\n\nThanks");
        assert_eq!(plain.subject, None);
        assert_eq!(plain.body, "Note: we are all set.\n\nThanks");
        let reply = raw_message("Date: Tuesday works for me.\n\nSam");
        assert_eq!(reply.body, "Date: Tuesday works for me.\n\nSam");
    }

    #[test]
    fn a_sentence_that_is_only_stop_is_an_opt_out() {
        assert_eq!(
            class_of("Third email this week. Stop."),
            ReplyClass::Unsubscribe
        );
        assert_eq!(
            rules_class_of("Don't stop believing!"),
            ReplyClass::Unclassified
        );
    }

    #[test]
    fn a_short_note_saying_when_its_author_is_back_is_an_absence() {
        for body in [
            "I'll be back on 10/03.",
            "Volveré el lunes.",
            "Back on the 5th.",
        ] {
            assert_eq!(class_of(body), ReplyClass::OutOfOffice, "{body}");
        }
        // ... unless it also says yes.
        assert_eq!(
            class_of("Back on Monday, keen to set up a call then."),
            ReplyClass::MeetingRequest
        );
    }

    #[test]
    fn appreciation_with_a_question_is_a_question() {
        assert_eq!(
            class_of("Sounds interesting. What does it cost for a team of ten?"),
            ReplyClass::Question
        );
        assert_eq!(class_of("Sounds interesting!"), ReplyClass::Interested);
    }

    #[test]
    fn a_person_away_who_says_yes_is_answering_not_absent() {
        assert_eq!(
            class_of("I'm out until the 14th but yes, interested - send me the deck."),
            ReplyClass::Interested
        );
        assert_eq!(class_of("Out until next Monday."), ReplyClass::OutOfOffice);
    }

    #[test]
    fn a_yes_with_a_but_is_not_a_yes_and_an_address_to_write_to_is_a_referral() {
        assert_eq!(
            class_of("Sí, pero hasta el próximo año"),
            ReplyClass::NotInterested
        );
        assert_eq!(
            class_of("Kim took over, contact kim@acme.example"),
            ReplyClass::NotInterested
        );
    }

    #[test]
    fn thanks_but_with_nothing_positive_is_a_polite_no() {
        for body in [
            "Thanks, but we'll manage.",
            "Obrigado, mas vamos esperar.",
            "Merci, mais non.",
        ] {
            assert_eq!(class_of(body), ReplyClass::NotInterested, "{body}");
        }
        assert_eq!(
            class_of("Thanks, but can you send me the deck first?"),
            ReplyClass::Interested
        );
    }

    #[test]
    fn a_request_after_a_but_answers_an_incumbent_refusal() {
        assert_eq!(
            class_of("We already have a provider, but can you send me more info?"),
            ReplyClass::Interested
        );
        assert_eq!(
            class_of("Not right now, but let's talk in Q3."),
            ReplyClass::NotInterested
        );
    }

    #[test]
    fn deferrals_and_referrals_are_a_no_for_this_cadence() {
        for body in [
            "Budget's gone for the year. Circle back in January.",
            "You want our ops lead, not me.",
            "I've left the company; my replacement is Kim.",
            "We're heads down on a launch, try us in Q3.",
        ] {
            assert_eq!(class_of(body), ReplyClass::NotInterested, "{body}");
        }
    }

    #[test]
    fn scandinavian_absences_and_opt_outs_are_read() {
        assert_eq!(
            class_of("Jag är på semester till den 12 augusti."),
            ReplyClass::OutOfOffice
        );
        assert_eq!(
            class_of("Jeg er ikke tilgjengelig fra 15. til 22. mars."),
            ReplyClass::OutOfOffice
        );
        assert_eq!(
            class_of("Ta bort mig från listan tack."),
            ReplyClass::Unsubscribe
        );
    }

    #[test]
    fn czech_polish_nordic_and_finnish_absences_carry_their_return_dates() {
        let machine = |subject, body| {
            let c = classify(&Reply {
                subject,
                body,
                received_on: on(),
                auto_submitted: true,
            });
            (c.class, c.return_date)
        };
        let ooo = |m, d| (ReplyClass::OutOfOffice, NaiveDate::from_ymd_opt(2026, m, d));
        assert_eq!(
            machine("Re: churn", "Dobrý den, do 12. 3. jsem na služební cestě, odpovím po návratu."),
            ooo(3, 12)
        );
        // Typed without diacritics.
        assert_eq!(machine("Re: churn", "Jsem nepritomna do 6. brezna."), ooo(3, 6));
        assert_eq!(
            machine("Re: churn", "Przebywam na urlopie do 10 marca, w pilnych sprawach proszę dzwonić."),
            ooo(3, 10)
        );
        assert_eq!(
            machine("Re: churn", "Jeg holder ferie og er tilbage på kontoret den 9. marts."),
            ooo(3, 9)
        );
        assert_eq!(
            machine("Re: churn", "Olen vuosilomalla 2.–13.3. ja palaan töihin 16.3."),
            ooo(3, 16)
        );
        assert_eq!(machine("Re: churn", "Jag är sjukskriven till den 4 mars."), ooo(3, 4));
        // A weekday in the case "until" takes ("do čtvrtka"): the next Thursday.
        assert_eq!(machine("Re: churn", "Jsem mimo kancelář do čtvrtka."), ooo(3, 5));
        // A subject in the language is enough; a machine's "we will answer" is not an absence.
        assert_eq!(
            machine("Poissa toimistolta: churn", "Kiitos viestistä."),
            (ReplyClass::OutOfOffice, None)
        );
        assert_eq!(
            machine("Re: churn", "Tak for din henvendelse. Vi vender tilbage hurtigst muligt."),
            (ReplyClass::AutoReply, None)
        );
    }

    #[test]
    fn czech_polish_nordic_and_finnish_answers_are_read() {
        for (body, class) in [
            ("Prosím, odhlaste mě z odběru.", ReplyClass::Unsubscribe),
            ("Proszę usunąć mój adres z waszej bazy.", ReplyClass::Unsubscribe),
            ("Skriv ikke til mig igen, tak.", ReplyClass::Unsubscribe),
            ("Poistakaa minut postituslistaltanne.", ReplyClass::Unsubscribe),
            ("Meld meg av denne listen.", ReplyClass::Unsubscribe),
            ("Neposílejte nám už žádné nabídky.", ReplyClass::Unsubscribe),
            ("Nemáme zájem, děkujeme.", ReplyClass::NotInterested),
            ("Nie, dziękujemy, mamy już dostawcę.", ReplyClass::NotInterested),
            ("Ei kiitos, meillä on jo toimittaja.", ReplyClass::NotInterested),
            ("Vi har inget behov av det här.", ReplyClass::NotInterested),
            ("Nie jestem zainteresowana tą ofertą.", ReplyClass::NotInterested),
            ("Máme zájem, pošlete prosím více informací.", ReplyClass::Interested),
            ("Brzmi ciekawie, proszę o ofertę.", ReplyClass::Interested),
            ("Vi är intresserade av att veta mer.", ReplyClass::Interested),
            ("Kuulostaa hyvältä, lähettäkää lisätietoja.", ReplyClass::Interested),
            ("Můžeme si domluvit schůzku?", ReplyClass::MeetingRequest),
            ("Umówmy się na rozmowę w czwartek.", ReplyClass::MeetingRequest),
            ("Ring mig gärna på fredag.", ReplyClass::MeetingRequest),
            ("Kolik by to stálo pro 20 lidí", ReplyClass::Question),
            ("Hvad koster det om måneden", ReplyClass::Question),
            // Italian "non" negates the verb after it; only "Non," is a no.
            ("Non ho capito bene, di cosa si tratta?", ReplyClass::Question),
            ("Non, merci.", ReplyClass::NotInterested),
            ("Potete inviarci il listino?", ReplyClass::Interested),
        ] {
            assert_eq!(rules_class_of(body), class, "{body}");
        }
        // A person who has left says so in the first person: a no, not a machine's notice.
        assert_eq!(
            rules_class_of("I sold it last year and am no longer with the company."),
            ReplyClass::NotInterested
        );
    }

    #[test]
    fn batch_14_phrases_are_read_in_their_general_forms() {
        for (body, class) in [
            (
                "We would rather not receive any more of these.",
                ReplyClass::Unsubscribe,
            ),
            ("Please lose my details, thanks.", ReplyClass::Unsubscribe),
            (
                "Hiermit widerspreche ich der Verwendung meiner Adresse.",
                ReplyClass::Unsubscribe,
            ),
            (
                "Wir wollen nichts mehr von Ihnen hören.",
                ReplyClass::Unsubscribe,
            ),
            (
                "Wilt u mij verwijderen uit uw mailinglijst?",
                ReplyClass::Unsubscribe,
            ),
            ("Não enviem mais nada, obrigado.", ReplyClass::Unsubscribe),
            ("Pode me tirar da lista por favor", ReplyClass::Unsubscribe),
            (
                "Not for us, but a colleague might be interested. Shall I pass on your details?",
                ReplyClass::NotInterested,
            ),
            (
                "Merci, mais nous avons déjà quelqu'un pour ça.",
                ReplyClass::NotInterested,
            ),
            (
                "Dieses Jahr nicht, nächstes Jahr gerne.",
                ReplyClass::NotInterested,
            ),
            (
                "Sounds good, send me a time that suits you.",
                ReplyClass::MeetingRequest,
            ),
            (
                "Happy to grab 20 minutes on this.",
                ReplyClass::MeetingRequest,
            ),
            (
                "Intéressant, on peut s'appeler demain ?",
                ReplyClass::MeetingRequest,
            ),
            ("Goed idee, kunt u mij bellen?", ReplyClass::MeetingRequest),
            ("Stuur maar wat informatie op.", ReplyClass::Interested),
            ("Sim, pode mandar a proposta.", ReplyClass::Interested),
            (
                "Let's do it over email. What would you like to know?",
                ReplyClass::Interested,
            ),
            (
                "Honestly we're struggling with onboarding at the moment.",
                ReplyClass::Interested,
            ),
        ] {
            assert_eq!(rules_class_of(body), class, "{body}");
        }
    }

    #[test]
    fn a_machine_saying_its_author_left_is_an_auto_reply_even_with_absence_words() {
        let machine = |body| {
            classify(&Reply {
                subject: "Automatic reply: churn",
                body,
                received_on: on(),
                auto_submitted: true,
            })
            .class
        };
        assert_eq!(
            machine("I have left the company. If urgent, please write to the front desk."),
            ReplyClass::AutoReply
        );
        assert_eq!(
            machine("Out of office permanently: I no longer work here, contact Sam."),
            ReplyClass::AutoReply
        );
        // An absence that mentions nobody leaving stays an absence.
        assert_eq!(
            machine("I am out of the office until 9 March. For urgent matters call Sam."),
            ReplyClass::OutOfOffice
        );
        // Reading mail only now and then is an absence from a machine.
        assert_eq!(
            machine("Jeg er på kursus og læser kun min mail sporadisk."),
            ReplyClass::OutOfOffice
        );
    }

    #[test]
    fn an_unsubscribe_wins_over_a_refusal_in_the_same_reply() {
        assert_eq!(
            class_of("Not interested. Remove me from your list."),
            ReplyClass::Unsubscribe
        );
    }

    #[test]
    fn refusals_are_not_interested() {
        for body in [
            "Not interested, thanks.",
            "No thanks",
            "We're all set on this front.",
            "We already work with an agency.",
            "Not a priority for us this year.",
            "I'm not really interested.",
            "I’m not sure we’re interested at the moment",
            "Wrong person, sorry.",
            "We do this in-house.",
        ] {
            assert_eq!(class_of(body), ReplyClass::NotInterested, "{body}");
        }
    }

    #[test]
    fn meeting_requests_are_recognised() {
        for body in [
            "Happy to jump on a call. How about Tuesday at 2pm?",
            "Let's chat next week — send me an invite.",
            "Are you free Thursday afternoon?",
            "Book a time in my Calendly: calendly.com/sam",
            "Lets set up a call",
            "Tuesday works for me",
        ] {
            assert_eq!(class_of(body), ReplyClass::MeetingRequest, "{body}");
        }
    }

    #[test]
    fn interest_without_a_meeting_ask_is_interested() {
        for body in [
            "Sounds interesting, tell me more.",
            "Yes please",
            "Keen to learn more.",
            "We might be interested",
            "No, I'm interested!",
        ] {
            assert_eq!(class_of(body), ReplyClass::Interested, "{body}");
        }
    }

    #[test]
    fn questions_are_recognised_by_phrase_or_question_mark() {
        let c = classify(&Reply {
            subject: "",
            body: "How much does it cost?",
            received_on: on(),
            auto_submitted: false,
        });
        assert_eq!(
            (c.class, c.reason.rule),
            (ReplyClass::Question, "question.phrase")
        );
        assert_eq!(
            class_of("Who did you work with in Brisbane?"),
            ReplyClass::Question
        );
    }

    #[test]
    fn out_of_office_replies_carry_their_return_date() {
        let c = classify(&Reply {
            subject: "Automatic reply: churn at Acme",
            body: "Thank you for your email. I am out of the office until Monday 9 March with limited access to email. For urgent matters please contact jo@acme.com.",
            received_on: on(),
            auto_submitted: true,
        });
        assert_eq!(c.class, ReplyClass::OutOfOffice);
        assert_eq!(c.return_date, NaiveDate::from_ymd_opt(2026, 3, 9));
        assert!(c.confidence >= 0.9);
    }

    #[test]
    fn an_out_of_office_subject_alone_is_enough() {
        let c = classify(&Reply {
            subject: "Out of Office: back 12/03/2026",
            body: "",
            received_on: on(),
            auto_submitted: false,
        });
        assert_eq!(c.class, ReplyClass::OutOfOffice);
        assert_eq!(c.return_date, NaiveDate::from_ymd_opt(2026, 3, 12));
    }

    #[test]
    fn machine_replies_without_an_absence_are_auto_replies() {
        assert_eq!(
            class_of("This is an automated response. We have received your email and will respond within 24 hours."),
            ReplyClass::AutoReply
        );
        assert_eq!(
            class_of("Sam is no longer with the company. Please contact hello@acme.com."),
            ReplyClass::AutoReply
        );
        let c = classify(&Reply {
            subject: "Re: hi",
            body: "Thanks, got it. Unsubscribe: https://x",
            received_on: on(),
            auto_submitted: true,
        });
        assert_eq!(c.class, ReplyClass::AutoReply);
    }

    #[test]
    fn our_quoted_email_never_decides_the_class() {
        let body = "Interesting — what does it cost?\n\nOn Mon, 2 Mar 2026, Dani <dani@agency.com> wrote:\n> Worth a quick call? Reply STOP to unsubscribe.";
        assert_eq!(class_of(body), ReplyClass::Question);
    }

    #[test]
    fn empty_or_signature_only_replies_are_unclassified() {
        assert_eq!(class_of(""), ReplyClass::Unclassified);
        assert_eq!(class_of("Sent from my iPhone"), ReplyClass::Unclassified);
        // Text no rule recognises goes to the model; the rules alone leave it unclassified.
        let c = classify_rules(&ReplyConfig::default(), &Reply {
            subject: "",
            body: "ok",
            received_on: on(),
            auto_submitted: false,
        });
        assert_eq!((c.confidence, c.reason.rule), (0.0, "no_rule_matched"));
    }

    #[test]
    fn words_inside_other_words_do_not_fire() {
        // "keen" inside "Keener", "stop" inside "nonstop", "zoom" inside "zooming".
        assert_eq!(
            rules_class_of("Keener Smith here, nonstop week, zooming around."),
            ReplyClass::Unclassified
        );
    }

    #[test]
    fn common_phrases_of_six_other_languages_are_read() {
        for (body, class) in [
            (
                "Bitte entfernen Sie mich aus Ihrem Verteiler.",
                ReplyClass::Unsubscribe,
            ),
            ("Merci de me désinscrire.", ReplyClass::Unsubscribe),
            ("Por favor, denme de baja.", ReplyClass::Unsubscribe),
            ("Kein Interesse, danke.", ReplyClass::NotInterested),
            (
                "Merci, mais cela ne nous intéresse pas.",
                ReplyClass::NotInterested,
            ),
            ("Geen interesse.", ReplyClass::NotInterested),
            ("Non siamo interessati.", ReplyClass::NotInterested),
            (
                "Me interesa, envíeme más información.",
                ReplyClass::Interested,
            ),
            ("Tenho interesse.", ReplyClass::Interested),
            ("¿Podemos hablar el jueves?", ReplyClass::MeetingRequest),
            (
                "Können wir einen Termin vereinbaren?",
                ReplyClass::MeetingRequest,
            ),
        ] {
            assert_eq!(class_of(body), class, "{body}");
        }
    }

    #[test]
    fn a_machine_reply_that_says_when_its_author_is_back_is_an_absence_in_any_language() {
        let c = classify(&Reply {
            subject: "Automatische Antwort: churn",
            body: "Ich bin ab dem 16.03. wieder erreichbar.",
            received_on: on(),
            auto_submitted: true,
        });
        assert_eq!(
            (c.class, c.return_date),
            (
                ReplyClass::OutOfOffice,
                NaiveDate::from_ymd_opt(2026, 3, 16)
            )
        );
        let c = classify(&Reply {
            subject: "Re: churn",
            body: "Estaré de viaje hasta el 10 de marzo.",
            received_on: on(),
            auto_submitted: true,
        });
        assert_eq!(
            (c.class, c.return_date),
            (
                ReplyClass::OutOfOffice,
                NaiveDate::from_ymd_opt(2026, 3, 10)
            )
        );
    }

    #[test]
    fn localized_quote_headers_hide_our_email() {
        let body = "Kein Interesse.\n\n-----Ursprüngliche Nachricht-----\nVon: Dani\nGesendet: Dienstag\n\nLust auf ein Gespräch? Abmelden: Link";
        assert_eq!(class_of(body), ReplyClass::NotInterested);
        let body = "Non merci.\n\nDe : Dani <dani@agency.example>\nEnvoyé : mardi 3 mars 2026\nÀ : Claire\n\nPour vous désabonner…";
        assert_eq!(class_of(body), ReplyClass::NotInterested);
    }

    #[test]
    fn auto_submitted_is_read_from_any_of_the_headers() {
        assert!(auto_submitted([
            ("From", "a@b.example"),
            ("X-Autorespond", "1")
        ]));
        assert!(auto_submitted([("Precedence", "auto_reply")]));
        assert!(!auto_submitted([
            ("Auto-Submitted", "no"),
            ("Subject", "Auto: x")
        ]));
    }

    #[test]
    fn auto_submitted_headers_are_read() {
        assert!(is_auto_submitted_header("Auto-Submitted", "auto-replied"));
        assert!(!is_auto_submitted_header("Auto-Submitted", "no"));
        assert!(is_auto_submitted_header("X-Autoreply", "yes"));
        assert!(is_auto_submitted_header("Precedence", "auto_reply"));
        assert!(!is_auto_submitted_header("Subject", "auto"));
    }

    #[test]
    fn the_reason_names_the_rule_and_phrase() {
        let c = classify(&Reply {
            subject: "",
            body: "Not interested.",
            received_on: on(),
            auto_submitted: false,
        });
        assert_eq!(
            c.reason.to_string(),
            "not_interested.phrase: \"not interested\""
        );
    }
}
