//! Free-text bounces: the human-readable reports of servers that send no RFC 3464 part, or a
//! broken one.
//!
//! Three steps. (1) Decide whether the message is a bounce at all: a phrase only a mail server
//! writes ("This is the qmail-send program", "Delivery has failed to these recipients or
//! groups", …), an `X-Failed-Recipients` header, or two of: a daemon sender (MAILER-DAEMON,
//! postmaster, "Mail Delivery System"), a bounce subject ("Undeliverable: …", "failure
//! notice"), a failure phrase in the text ("user unknown", "mailbox full", an SMTP status). An
//! auto-reply needs the strongest signals. (2) Cut the report off where the copy of the
//! original message starts, and take as recipients the addresses the report *presents* as
//! recipients: alone at the start of a line (after bullets or brackets), after a recipient
//! lead-in ("Intended recipient:", "RCPT TO:", "Your message to", "could not be delivered
//! to:"), or after a display name. Addresses of the bounce's own sender and receiver, daemon
//! mailboxes, "contact postmaster@…" lines, Received headers and Message-IDs are never
//! recipients. (3) Classify each recipient from the codes in the text after it (enhanced code,
//! else reply code), else on its own line, else from the report's own wording (a delay
//! warning is temporary, anything else permanent).
//!
//! When the report names no recipient in such a position, the subject ("Undeliverable:
//! jane@…") and then the `To:` of the returned copy (when it names exactly one address) stand
//! in for it.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use mail_parser::Message;

use super::{scan, BounceReport, Failure};

/// Text beyond this is the returned message, not the report; it is never scanned.
pub(super) const MAX_REPORT: usize = 64 * 1024;

/// Phrases only a delivery report contains. Lower case.
const MARKERS: &[&str] = &[
    // qmail, and Yahoo's qmail-based servers
    "this is the qmail-send program",
    "i'm afraid i wasn't able to deliver",
    "sorry, we were unable to deliver your message to the following address",
    "we were not able to deliver your message to the following address",
    // Postfix (non-DSN form and its delay warning)
    "this is the mail system at host",
    "i'm sorry to have to inform you that your message could not",
    "this is a warning only.  you do not need to resend your message",
    // Exim
    "this message was created automatically by mail delivery software",
    "could not be delivered to one or more of its recipients",
    "has not yet been delivered to one or more of its recipients",
    "could not be delivered to all of its recipients",
    // sendmail
    "the following addresses had permanent fatal errors",
    "the following addresses had transient non-fatal errors",
    "the following addresses had permanent delivery errors",
    "the following addresses had delivery problems",
    "transcript of session follows",
    "the original message was received at",
    "the following addresses had delivery errors",
    "warning: could not send message for past",
    // Microsoft Exchange / SMTPSVC / Office 365
    "delivery has failed to these recipients or groups",
    "delivery has failed to these recipients or distribution lists",
    "the following recipient(s) cannot be reached",
    "the following recipient(s) could not be reached",
    "did not reach the following recipient(s)",
    "did not reach the following recipient",
    "your message did not reach some or all of the intended recipients",
    "your message couldn't be delivered",
    "your message wasn't delivered",
    "delivery has failed to these recipients",
    "delivery to the following recipients failed",
    "delivery to the following recipient failed",
    // GroupWise
    "the message that you sent was undeliverable to the following",
    // Gmail
    "delivery to the following recipient failed permanently",
    "delivery to the following recipients failed permanently",
    "delivery to the following recipient has been delayed",
    "delivery to the following recipients has been delayed",
    "there was a problem delivering your message to",
    // Lotus Notes / Domino, Courier, OpenSMTPD, MessagingServer, SMTP32, InterScan and friends
    "your message was not delivered to the following recipients",
    "unable to deliver message to the following address",
    "your message has encountered delivery problems",
    "delivery to the following recipients was aborted",
    "delevery to the following recipients was aborted",
    "this is the mail delivery agent at",
    "your message could not be delivered to the following",
    "could not be delivered to the following recipients",
    "could not be delivered to:",
    "the following message to <",
    "message delivery has failed",
    "------- failure reasons",
    "an error has occurred while attempting to deliver a message",
    "delivery failed 20 attempts",
    "invalid final delivery userid",
    "message not delivered to the following",
    "failed addresses follow:",
    "the following recipients returned permanent errors",
    "the following recipient(s) could not be",
    "your mail cannot be delivered to the following address",
    "we had trouble delivering your message",
    "this is the dragonfly mail agent",
    "there was an error delivering your mail to",
    "a message could not be delivered to:",
    "the following address(es) failed",
    "a message that you sent could not be delivered",
    "mail delivery failed",
];

/// Phrases that make a message from a daemon sender, or with a bounce subject, a bounce.
/// Lower case.
const FAILURE_PHRASES: &[&str] = &[
    "user unknown",
    "unknown user",
    "no such user",
    "no such recipient",
    "no such mailbox",
    "no mailbox",
    "unknown recipient",
    "recipient unknown",
    "invalid recipient",
    "invalid user",
    "invalid address",
    "invalid mailbox",
    "no valid recipients",
    "mailbox unavailable",
    "mailbox not found",
    "mailbox does not exist",
    "mailbox is full",
    "mailbox full",
    "mailbox exceeds",
    "full mailbox",
    "over quota",
    "quota exceeded",
    "exceeding their quota",
    "exceeded the local limit",
    "address rejected",
    "recipient address rejected",
    "rejected",
    "does not exist",
    "doesn't exist",
    "not found",
    "unknown host",
    "host unknown",
    "undeliverable",
    "undelivered",
    "could not be delivered",
    "couldn't be delivered",
    "cannot be delivered",
    "can't be delivered",
    "was not delivered",
    "wasn't delivered",
    "not be delivered",
    "unable to deliver",
    "not able to deliver",
    "error delivering",
    "trouble delivering",
    "delivery failed",
    "delivery failure",
    "delivery has failed",
    "failed to deliver",
    "permanent error",
    "permanent failure",
    "failed permanently",
    "temporary failure",
    "deferred",
    "delayed",
    "not yet been delivered",
    "account has been disabled",
    "account is disabled",
    "not accepted",
    "not reach",
    "returned mail",
    "message looping",
];

/// Wording of a report about a delay rather than a failure. Lower case.
const TEMPORARY_PHRASES: &[&str] = &[
    "has not yet been delivered",
    "warning: could not send message for past",
    "transient non-fatal errors",
    "this is a warning only",
    "this is a warning message only",
    "still undelivered",
    "deferred:",
    "has been delayed",
    "delivery delayed",
    "delayed mail",
    "will retry",
    "will be retried",
    "will continue to try",
    "will keep trying",
    "still trying",
    "attempts will continue",
    "temporarily deferred",
    "retry timeout exceeded",
    "is temporarily unavailable",
    "temporary failure",
    "has been postponed",
    "advisory-only",
    "have been failing for a long time",
    "could not send mail for past",
    "only a temporary failure",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phrase {
    Marker,
    Failure,
    Temporary,
}

struct Phrases {
    ac: AhoCorasick,
    kinds: Vec<Phrase>,
}

fn phrases() -> &'static Phrases {
    static PHRASES: OnceLock<Phrases> = OnceLock::new();
    PHRASES.get_or_init(|| {
        let mut patterns = Vec::new();
        let mut kinds = Vec::new();
        for (list, kind) in [
            (MARKERS, Phrase::Marker),
            (FAILURE_PHRASES, Phrase::Failure),
            (TEMPORARY_PHRASES, Phrase::Temporary),
        ] {
            for p in list {
                patterns.push(*p);
                kinds.push(kind);
            }
        }
        let ac = AhoCorasick::new(patterns).expect("bounce phrase table builds");
        Phrases { ac, kinds }
    })
}

/// Which kinds of phrase occur in `lower`.
#[derive(Default)]
struct Found {
    marker: bool,
    failure: bool,
    temporary: bool,
}

fn find_phrases(texts: &[&str]) -> Found {
    let p = phrases();
    let mut found = Found::default();
    for text in texts {
        for m in p.ac.find_overlapping_iter(text) {
            match p.kinds[m.pattern().as_usize()] {
                Phrase::Marker => found.marker = true,
                Phrase::Failure => found.failure = true,
                Phrase::Temporary => found.temporary = true,
            }
        }
    }
    found
}

/// Lines at which the copy of the original message starts, once leading dashes, pipes and
/// white space are trimmed. Lower case.
const ORIGINAL_STARTS: &[&str] = &[
    "below this line is a copy of the message",
    "below the next line is a copy of the message",
    "this is a copy of the message",
    "this is a copy of your message",
    "original message",
    "returned message",
    "unsent message follows",
    "unsent message below",
    "the header of the original message is following",
    "header of the source mail",
    // Also matches the renamed `message/rfc82_` (see `flatten_nested_messages`).
    "content-type: message/rfc82",
    "forwarded message",
    "message text follows",
    "start of returned message",
    "below is a copy of the original message",
    "message header follows",
    "message headers follow",
    "original message header follows",
    "returned mail follows",
    "the first 50 lines of your original message follow",
    "the original message headers",
];

/// What the text reader needs from the bounce's own headers.
#[derive(Default)]
pub(super) struct Headers {
    from: String,
    /// Whether the From header names no address at all (`From: MAILER-DAEMON <>`).
    from_empty: bool,
    subject: String,
    /// Addresses of the bounce's From/To/Return-Path: the sender being told, never a recipient.
    own: Vec<String>,
    failed_recipients: Vec<String>,
    auto_reply: bool,
}

impl Headers {
    pub(super) fn from_message(m: &Message<'_>) -> Self {
        let mut own = Vec::new();
        for addr in [m.from(), m.to(), m.reply_to(), m.sender()]
            .into_iter()
            .flatten()
        {
            for a in addr.iter() {
                if let Some(e) = a.address() {
                    own.push(e.to_ascii_lowercase());
                }
            }
        }
        if let Some(rp) = m.return_address() {
            own.push(rp.to_ascii_lowercase());
        }
        let mut failed_recipients = Vec::new();
        for (name, value) in m.headers_raw() {
            if name.eq_ignore_ascii_case("x-failed-recipients") {
                for piece in value.split(',') {
                    let piece = piece.trim().trim_start_matches('<').trim_end_matches('>');
                    if piece.contains('@') {
                        failed_recipients.push(piece.to_owned());
                    }
                }
            }
        }
        let raw = |name: &str| {
            m.headers_raw()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_ascii_lowercase())
                .unwrap_or_default()
        };
        let first_from = m.from().and_then(|a| a.first());
        let from = first_from
            .map(|a| {
                format!("{} {}", a.name().unwrap_or(""), a.address().unwrap_or(""))
                    .to_ascii_lowercase()
            })
            .unwrap_or_else(|| raw("from"));
        let from_empty = !raw("from").is_empty()
            && first_from.is_none_or(|a| a.address().is_none_or(|e| e.trim().is_empty()));
        let auto_submitted = raw("auto-submitted");
        let auto_reply = auto_submitted.starts_with("auto-replied")
            || !raw("x-autoreply").is_empty()
            || !raw("x-autorespond").is_empty()
            || raw("precedence") == "auto_reply";
        Headers {
            from,
            from_empty,
            subject: m.subject().unwrap_or("").to_ascii_lowercase(),
            own,
            failed_recipients,
            auto_reply,
        }
    }

    /// The From names a mail server's daemon rather than a person.
    fn from_daemon(&self) -> bool {
        const SENDERS: &[&str] = &[
            "mailer-daemon",
            "mailer_daemon",
            "mailerdaemon",
            "maildaemon",
            "mdaemon",
            "postmaster",
            "post_master",
            "mail delivery",
            "maildelivery",
            "mail.delivery",
            "delivery subsystem",
            "mail administrator",
            "mail system",
            "ndr administrator",
        ];
        self.from_empty || SENDERS.iter().any(|s| self.from.contains(s))
    }

    /// The subject is a server's, not a reply to one ("Re: Undeliverable" is a person).
    fn subject_says_bounce(&self) -> bool {
        const SUBJECTS: &[&str] = &[
            "undeliver",
            "undelivered",
            "delivery status notification",
            "delivery failure",
            "delivery failed",
            "delivery problem",
            "delivery notification",
            "delivery has failed",
            "delivery error",
            "delivery warning",
            "failure notice",
            "failure delivery",
            "returned mail",
            "returned to sender",
            "returning message",
            "returning to sender",
            "non-delivery",
            "nondelivery",
            "non delivery",
            "not delivered",
            "could not be delivered",
            "could not send message",
            "delayed mail",
            "delivery delayed",
            "mail system error",
            "message status",
            "mail failed",
            "mail failure",
            "failed mail",
            "mail error",
            "error sending your mail",
            "processing error",
            "nameserver error",
            "user unknown",
            "automatically rejected",
            "message delivery",
            "bounce notification",
        ];
        let s = self.subject.trim_start();
        let s = s
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map_or(s, |(_, r)| r)
            .trim_start();
        if [
            "re:", "re :", "aw:", "sv:", "fw:", "fwd:", "tr:", "antw:", "wg:",
        ]
        .iter()
        .any(|p| s.starts_with(p))
        {
            return false;
        }
        SUBJECTS.iter().any(|p| s.contains(p))
    }

    fn is_own(&self, address: &str) -> bool {
        self.own.iter().any(|o| o == address)
    }
}

/// What the rest of the message tells the text reader.
#[derive(Default)]
pub(super) struct Context {
    /// The status class of a delivery-status part that named no usable address (a file or
    /// pipe delivery): the class of failures the text does not qualify.
    pub dsn_status: Option<Failure>,
}

/// Reads a free-text report. Returns the class that recipients the report does not qualify
/// have (for [`stand_ins`]) when the message is a bounce, `None` when it is not one.
pub(super) fn parse(
    headers: &Headers,
    body: &str,
    context: &Context,
    report: &mut BounceReport,
) -> Option<Failure> {
    let dsn_status = context.dsn_status;
    let body = &body[..floor_boundary(body, body.len().min(MAX_REPORT))];
    let section = report_section(body);
    let lower = scan::lower(section);
    let found = find_phrases(&[&lower]);
    let candidates = recipients(section, &lower, headers);
    // "<jane@…>:" on a line of its own is how qmail-like servers list failed recipients.
    let listing = candidates.iter().any(|&(_, end)| {
        let rest = lower[end..].trim_start_matches('>');
        rest.starts_with(':') && !rest.starts_with("://")
    });
    let failure = found.failure || listing || scan::enhanced_class(lower.as_bytes()).is_some();
    let strong = found.marker || !headers.failed_recipients.is_empty();
    let (daemon, subject) = (headers.from_daemon(), headers.subject_says_bounce());
    let bounce = if headers.auto_reply {
        // An auto-reply may quote a failure phrase ("not found"); only a server's own wording,
        // an explicit failed-recipients header or a daemon's bounce subject outweighs it.
        strong || (daemon && subject)
    } else {
        strong || (daemon && (subject || failure)) || (subject && failure)
    };
    if !bounce {
        return None;
    }
    let in_subject = find_phrases(&[&headers.subject]);
    let worded = found.temporary || in_subject.temporary || headers.subject.contains("delay");
    let default = dsn_status.unwrap_or(if worded {
        Failure::Temporary
    } else {
        Failure::Permanent
    });

    for (i, &(start, end)) in candidates.iter().enumerate() {
        let line_start = lower[..start].rfind('\n').map_or(0, |p| p + 1);
        let line_end = lower[end..].find('\n').map_or(lower.len(), |p| end + p);
        let next = candidates
            .get(i + 1)
            .map_or(section.len(), |&(s, _)| s)
            .clamp(end, end + 2000);
        let after = &lower[end..floor_boundary(&lower, next)];
        // The code on the address's own line ("554 <jane@…>... Remote protocol error",
        // "jane@…: 550 5.1.1 unknown") is about it; then what follows it.
        let kind = scan::code_class(&lower[end..line_end.min(next.max(end))])
            .or_else(|| scan::code_class(&lower[line_start..start]))
            .or_else(|| scan::code_class(after))
            .unwrap_or(default);
        report.add(&section[start..end], kind);
    }
    for address in &headers.failed_recipients {
        let kind = lower
            .find(&address.to_ascii_lowercase())
            .map(|at| {
                let stop = floor_boundary(&lower, (at + address.len() + 2000).min(lower.len()));
                scan::code_class(&lower[at..stop]).unwrap_or(default)
            })
            .unwrap_or(default);
        report.add(address, kind);
    }
    Some(default)
}

/// When the report lists nobody: the addresses in the subject ("Undeliverable: jane@…"), else
/// the single address in the `To:` of the returned copy, when the copy had no `Cc:` (with
/// several recipients, which one failed is unknown).
pub(super) fn stand_ins(headers: &Headers, body: &str, returned: &str) -> Vec<String> {
    let body = &body[..floor_boundary(body, body.len().min(MAX_REPORT))];
    let report_end = report_section(body).len();
    let usable = |a: &str| {
        let a = a.to_ascii_lowercase();
        !headers.is_own(&a) && !is_daemon_address(&a)
    };
    let subject = &headers.subject;
    let from_subject: Vec<String> = scan::addresses(subject)
        .into_iter()
        .map(|(s, e)| subject[s..e].to_owned())
        .filter(|a| usable(a))
        .collect();
    if !from_subject.is_empty() {
        return from_subject;
    }
    let copy = &body[floor_boundary(body, report_end)..];
    [returned, copy, body]
        .into_iter()
        .find_map(sole_recipient)
        .filter(|a| usable(a))
        .into_iter()
        .collect()
}

/// The one address of the first header block in `text` that has a `To:` field, if that block
/// names exactly one recipient (one address in To, no Cc).
fn sole_recipient(text: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().take(400).collect();
    let is_field = |l: &str, name: &str| {
        let l = l.trim_start();
        l.len() > name.len()
            && l.is_char_boundary(name.len())
            && l[..name.len()].eq_ignore_ascii_case(name)
    };
    let at = lines.iter().position(|l| is_field(l, "to:"))?;
    // The header block around it: up to the blank lines before and after.
    let first = lines[..at]
        .iter()
        .rposition(|l| l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let last = lines[at..]
        .iter()
        .position(|l| l.trim().is_empty())
        .map_or(lines.len(), |i| at + i);
    let block = &lines[first..last];
    // Several recipients: which one failed is unknown. A mailing list's message: To names the
    // list. (A newsletter's List-Unsubscribe or "Precedence: bulk" says nothing of the kind.)
    let list_fields = [
        "cc:",
        "list-id:",
        "list-post:",
        "mailing-list:",
        "x-beenthere:",
    ];
    if block
        .iter()
        .any(|l| list_fields.iter().any(|f| is_field(l, f)))
    {
        return None;
    }
    // The To field with its folded continuation lines.
    let mut field = lines[at].trim_start()[3..].to_owned();
    for l in &lines[at + 1..last] {
        if !l.starts_with([' ', '\t']) {
            break;
        }
        field.push(' ');
        field.push_str(l.trim());
    }
    let found = scan::addresses(&field);
    match found.as_slice() {
        [(s, e)] => Some(field[*s..*e].to_owned()),
        _ => None,
    }
}

/// The text of an HTML part with its line structure: block tags and `<br>` end lines, other
/// tags go, the common entities are decoded. (A report written as HTML lists its recipients
/// one per line or cell; reading it flat would lose where each line starts.)
pub(super) fn html_to_lines(html: &str, out: &mut String) {
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('&') {
            let entity = rest[..rest.len().min(8)].find(';').map(|e| &rest[..=e]);
            let decoded = match entity {
                Some("&lt;") => "<",
                Some("&gt;") => ">",
                Some("&amp;") => "&",
                Some("&quot;") => "\"",
                Some("&nbsp;") | Some("&#160;") => " ",
                Some("&#39;") | Some("&apos;") => "'",
                _ => "&",
            };
            out.push_str(decoded);
            rest = &rest[entity.map_or(1, str::len)..];
            continue;
        }
        let Some(close) = rest.find('>') else {
            out.push_str(rest);
            return;
        };
        let tag = rest[1..close].trim_start_matches('/').to_ascii_lowercase();
        let name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("");
        rest = &rest[close + 1..];
        if matches!(name, "style" | "script") && !tag.starts_with('/') {
            let end_tag = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = lower.find(&end_tag).map_or("", |e| &rest[e..]);
            continue;
        }
        if matches!(
            name,
            "br" | "p"
                | "div"
                | "tr"
                | "li"
                | "table"
                | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "pre"
                | "blockquote"
        ) {
            out.push('\n');
        } else if matches!(name, "td" | "th") {
            out.push(' ');
        }
    }
    out.push_str(rest);
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The report without the copy of the original message.
fn report_section(body: &str) -> &str {
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let t = line.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '|' | '=' | '*' | '_' | '>')
        });
        if t.len() >= 10 {
            let head = &t.as_bytes()[..t.len().min(60)];
            let head = String::from_utf8_lossy(head).to_ascii_lowercase();
            if ORIGINAL_STARTS.iter().any(|s| head.starts_with(s)) {
                return &body[..offset];
            }
        }
        offset += line.len();
    }
    body
}

fn is_daemon_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("");
    matches!(
        local,
        "mailer-daemon" | "mailer_daemon" | "maildaemon" | "mdaemon" | "postmaster"
    )
}

/// A mailing list's control address ("list-owner@…", "list-request@…"): what a list's
/// rejection tells you to contact, never a person who failed to receive mail.
fn is_list_control_address(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("");
    local.ends_with("-owner") || local.ends_with("-request")
}

/// How an address is placed on its line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Alone at the start of the line, after bullets or brackets: how most servers list the
    /// failed recipients ("<jane@…>:", "  jane@…", "* jane@…").
    LineStart,
    /// After words that present a recipient ("Your message to", "Intended recipient:").
    LeadIn,
}

/// Byte ranges of the addresses the report lists as recipients.
fn recipients(body: &str, lower: &str, headers: &Headers) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (start, end) in scan::addresses(body) {
        let address = &lower[start..end];
        if address.starts_with("mailer-daemon@")
            || address.starts_with("mailer_daemon@")
            || address.starts_with("maildaemon@")
            || is_list_control_address(address)
        {
            continue;
        }
        let rest = &lower[end..];
        let line_start = lower[..start].rfind('\n').map_or(0, |p| p + 1);
        // "for <a@b>;" is a Received header of the returned copy, not a report line.
        if rest.trim_start_matches('>').starts_with(';')
            && lower[line_start..start]
                .trim_end_matches(['<', ' '])
                .ends_with("for")
        {
            continue;
        }
        let line_end = rest.find('\n').map_or(lower.len(), |p| end + p);
        let previous = previous_line(lower, line_start);
        // Exim names the sender on its own line after "A message sent by".
        if previous.ends_with("sent by") && lower[line_start..start].trim().len() <= 1 {
            continue;
        }
        let suffix = &lower[end..line_end];
        let mut found = placement(&lower[line_start..start], suffix);
        let adjacent = lower[..line_start.saturating_sub(1)]
            .rsplit('\n')
            .next()
            .is_some_and(|l| !l.trim().is_empty());
        let prose_follows = suffix.starts_with(' ')
            && suffix
                .trim_start()
                .starts_with(|c: char| c.is_ascii_lowercase());
        if found == Some(Placement::LineStart)
            && adjacent
            && !previous.contains('@')
            && previous.ends_with(|c: char| c.is_ascii_lowercase() || c == ',')
        {
            // A sentence wrapped before the address ("contact the list owner at\n jane@…",
            // "…, e.g., if\n jane@… fails, try"): the end of the previous line presents it.
            if NOT_A_RECIPIENT.iter().any(|w| previous.contains(w)) {
                found = None;
            } else if prose_follows {
                found = placement(previous, suffix).filter(|p| *p == Placement::LeadIn);
            }
        }
        let Some(placement) = found else {
            continue;
        };
        if placement == Placement::LeadIn && is_daemon_address(address) {
            let lead = &lower[line_start..start];
            if !(lead.contains("deliver") || lead.contains("recipient")) {
                continue;
            }
        }
        if headers.is_own(address) {
            // The bounce's own addressee is the sender being told, unless the report lists it
            // the way servers list failed recipients ("<jane@…>:"): someone wrote to herself.
            let colon_after = rest.trim_start_matches(['>', ' ']).starts_with(':');
            if !(placement == Placement::LineStart && colon_after) {
                continue;
            }
        }
        out.push((start, end));
    }
    out
}

/// The last non-blank line before `line_start`, trimmed.
fn previous_line(lower: &str, line_start: usize) -> &str {
    let before = lower[..line_start].trim_end();
    let from = before.rfind('\n').map_or(0, |p| p + 1);
    before[from..].trim()
}

/// Words that, before an address on the same line, show it is not a recipient: a sender, a
/// contact, a header of the returned copy, a Received or Message-ID line.
const NOT_A_RECIPIENT: &[&str] = &[
    "from",
    "sender",
    "reply",
    "contact",
    "postmaster",
    "administrator",
    "envelope",
    "sent by",
    "message-id",
    "message id",
    "return-path",
    "received",
    "question",
    "help",
    "support",
    "please",
    "write to",
    "owner",
    "helo",
    "ehlo",
    "subject",
    "cc:",
    "date:",
    "<<<",
    "try ",
];

/// Words that, ending the text before an address, present it as a recipient.
const LEAD_IN_WORDS: &[&str] = &[
    "to",
    "for",
    "recipient",
    "recipients",
    "recipient(s)",
    "address",
    "addresses",
    "address(es)",
    "addressed",
    "user",
    "userid",
    "mailbox",
    "account",
    "rcpt",
    "error-for",
    "attempts",
    "addressee",
];

/// Words that, in a lead-in ending with a colon ("Delivery failed: jane@…"), say the line
/// reports a failure for the address that follows.
const FAILURE_LEAD_WORDS: &[&str] = &[
    "fail",
    "deliver",
    "unknown",
    "invalid",
    "reject",
    "bounce",
    "exceed",
    "full",
    "quota",
    "reach",
    "unavailable",
    "not exist",
];

/// Where an address stands on its line, judged from the text before it (`prefix`) and after
/// it (`suffix`), both lower case. `None`: not presented as a recipient.
fn placement(prefix: &str, suffix: &str) -> Option<Placement> {
    if suffix
        .trim_start_matches(['>', ' ', ':', '.'])
        .starts_with("sender")
        || suffix.contains("sender address")
    {
        return None;
    }
    let trim = |s: &str| -> usize {
        s.trim_end_matches(['<', '"', '\'', '(', '[', ' ', '\t', '='])
            .len()
    };
    let mut p = &prefix[..trim(prefix)];
    // Address-type tags: "mailto:", "[SMTP:", "rfc822;", the X.400 form "…;dda:SMTP=".
    for tag in ["mailto:", "smtp:", "smtp", "rfc822;", "rfc822:"] {
        if let Some(rest) = p.strip_suffix(tag) {
            p = &rest[..trim(rest)];
            break;
        }
    }
    if p.ends_with("dda:") {
        return Some(Placement::LeadIn);
    }
    let lead = p.trim_start_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '*' | '-' | '•' | '>' | '|' | '#' | '\'' | '"' | '<' | '[' | '('
            )
    });
    if lead.is_empty() {
        return Some(Placement::LineStart);
    }
    // Recipients named by sendmail's transcript and the DSN-like lines some servers write.
    for l in [
        "rcpt to:",
        "original-recipient:",
        "final-recipient:",
        "generated from",
        "expanded from:",
        "expanded from",
        "generated by",
    ] {
        if lead.ends_with(l) {
            return Some(Placement::LeadIn);
        }
    }
    // sendmail's "554 <jane@…>... Remote protocol error": a reply code about the address.
    if is_reply_code(lead) {
        return Some(Placement::LeadIn);
    }
    // A header line of a quoted copy ("To: list@…", "Delivered-To: …", "X-Original-To: …")
    // names the original recipients, which may be a list's, not the failed ones; a field
    // that says "recipient" ("Error-For:", "X-Failed-Recipients:") does name them.
    if let Some(name) = lead.strip_suffix(':') {
        if !name.contains(' ') && name.len() < 30 {
            let names_recipient = name.contains("recipient")
                || name.contains("rcpt")
                || matches!(
                    name,
                    "error-for" | "address" | "user" | "userid" | "mailbox"
                );
            return names_recipient.then_some(Placement::LeadIn);
        }
    }
    if NOT_A_RECIPIENT.iter().any(|w| lead.contains(w)) {
        return None;
    }
    let words = lead.trim_end_matches([':', ',', ' ']);
    let last = words
        .rsplit(|c: char| c.is_whitespace() || c == ':')
        .next()
        .unwrap_or("");
    let colon = lead.ends_with(':');
    if LEAD_IN_WORDS.contains(&last)
        || (colon && LEAD_IN_WORDS.iter().any(|w| words.contains(w)))
        || (colon && FAILURE_LEAD_WORDS.iter().any(|w| words.contains(w)))
    {
        return Some(Placement::LeadIn);
    }
    // "Jane Doe (jane@…)" / "Jane Doe <jane@…>": a display name before the address.
    let display_name = lead.len() <= 40
        && lead
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | ',' | '\'' | '"' | '-'))
        && prefix.trim_end().ends_with(['(', '<']);
    display_name.then_some(Placement::LeadIn)
}

/// "550", "554 5.1.1", "550-5.1.1", "#550": an SMTP reply, optionally with its enhanced code.
fn is_reply_code(lead: &str) -> bool {
    let lead = lead.trim_start_matches('#');
    let b = lead.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) || !matches!(b[0], b'4' | b'5') {
        return false;
    }
    let rest = lead[3..].trim_start_matches([' ', '-']);
    rest.is_empty() || (rest.len() <= 9 && rest.bytes().all(|c| c.is_ascii_digit() || c == b'.'))
}
