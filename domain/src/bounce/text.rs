//! Free-text bounces: the human-readable reports of servers that send no RFC 3464 part, or a
//! broken one.
//!
//! Three steps. (1) Decide whether the message is a bounce at all: a phrase only a
//! mail server writes ("This is the qmail-send program", "Delivery has failed to these
//! recipients or groups", …), or a bounce-looking sender/subject together with a failure
//! phrase ("user unknown", "mailbox unavailable", …). (2) Cut the report off where the copy of
//! the original message starts, and take as recipients the addresses the report lists: at the
//! start of a line, after a display name, or after `RCPT TO:`. (3) Classify each recipient from
//! the codes in the text that follows it (enhanced code, else reply code), else from the
//! report's own wording (a delay warning is temporary, anything else permanent).

use mail_parser::Message;

use super::{scan, BounceReport, Failure};

/// Text beyond this is the returned message, not the report; it is never scanned.
pub(super) const MAX_REPORT: usize = 64 * 1024;

/// Phrases only a delivery report contains. Lower case.
const MARKERS: &[&str] = &[
    // qmail, and Yahoo's qmail-based servers
    "this is the qmail-send program",
    "i'm afraid i wasn't able to deliver your message",
    "sorry, we were unable to deliver your message to the following address",
    // Postfix (non-DSN form and its delay warning)
    "this is the mail system at host",
    "i'm sorry to have to inform you that your message could not",
    "this is a warning only.  you do not need to resend your message",
    // Exim
    "this message was created automatically by mail delivery software",
    "could not be delivered to one or more of its recipients",
    "has not yet been delivered to one or more of its recipients",
    // sendmail
    "the following addresses had permanent fatal errors",
    "the following addresses had transient non-fatal errors",
    "transcript of session follows",
    "warning: could not send message for past",
    // Microsoft Exchange / SMTPSVC / Office 365
    "delivery has failed to these recipients or groups",
    "delivery has failed to these recipients or distribution lists",
    "the following recipient(s) cannot be reached",
    "the following recipient(s) could not be reached",
    "did not reach the following recipient(s)",
    "your message did not reach some or all of the intended recipients",
    "your message couldn't be delivered",
    "your message wasn't delivered",
    "delivery has failed to these recipients",
    // GroupWise
    "the message that you sent was undeliverable to the following",
    // Gmail
    "delivery to the following recipient failed permanently",
    "delivery to the following recipients failed permanently",
    "delivery to the following recipient has been delayed",
    "delivery to the following recipients has been delayed",
    "there was a problem delivering your message to",
    // Lotus Notes / Domino, Courier, OpenSMTPD, MessagingServer and friends
    "your message was not delivered to the following recipients",
    "unable to deliver message to the following address",
    "your message has encountered delivery problems",
    "the original message was received at",
    "delivery to the following recipients failed",
    "this is the mail delivery agent at",
    "your message could not be delivered to the following",
    "the following message to <",
    "mail delivery failed",
    "message delivery has failed",
    "------- failure reasons",
    "an error has occurred while attempting to deliver a message",
];

/// Phrases that make a message from a bounce-looking sender a bounce. Lower case.
const FAILURE_PHRASES: &[&str] = &[
    "user unknown",
    "unknown user",
    "no such user",
    "no such recipient",
    "no such mailbox",
    "unknown recipient",
    "recipient unknown",
    "invalid recipient",
    "mailbox unavailable",
    "mailbox not found",
    "mailbox does not exist",
    "mailbox is full",
    "quota exceeded",
    "address rejected",
    "recipient address rejected",
    "does not exist",
    "not found",
    "undeliverable",
    "undelivered",
    "could not be delivered",
    "couldn't be delivered",
    "was not delivered",
    "wasn't delivered",
    "unable to deliver",
    "delivery failed",
    "delivery failure",
    "permanent error",
    "permanent failure",
    "failed permanently",
    "temporary failure",
    "deferred",
    "delayed",
    "not yet been delivered",
    "account has been disabled",
    "account is disabled",
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
    "temporarily deferred",
    "retry timeout exceeded",
    "is temporarily unavailable",
    "temporary failure",
];

/// Lines at which the copy of the original message starts. Lower case, trimmed.
const ORIGINAL_STARTS: &[&str] = &[
    "--- below this line is a copy of the message",
    "------ this is a copy of the message",
    "------ this is a copy of your message",
    "----- original message -----",
    "-----original message-----",
    "original message headers:",
    "------- returned message",
    "----- unsent message follows -----",
    "----- original message follows -----",
    "--- the header of the original message is following",
    // Also matches the renamed `message/rfc82_` (see `flatten_nested_messages`).
    "content-type: message/rfc82",
    "------ forwarded message",
    "---------- forwarded message",
    "--- original message follows",
    "----- message text follows -----",
    "--- start of returned message",
    "below is a copy of the original message",
    "original message follows",
    "----- message header follows",
    "----- original message header follows",
];

/// What the text reader needs from the bounce's own headers.
#[derive(Default)]
pub(super) struct Headers {
    from: String,
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
                    let piece = piece.trim();
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
        let from = m
            .from()
            .and_then(|a| a.first())
            .map(|a| {
                format!("{} {}", a.name().unwrap_or(""), a.address().unwrap_or(""))
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let auto_submitted = raw("auto-submitted");
        let auto_reply = auto_submitted.starts_with("auto-replied")
            || !raw("x-autoreply").is_empty()
            || !raw("x-autorespond").is_empty();
        Headers {
            from,
            subject: m.subject().unwrap_or("").to_ascii_lowercase(),
            own,
            failed_recipients,
            auto_reply,
        }
    }

    fn looks_like_bounce(&self) -> bool {
        const SENDERS: &[&str] = &[
            "mailer-daemon",
            "mailer_daemon",
            "postmaster",
            "mail delivery",
            "maildelivery",
            "mail administrator",
            "mail system",
        ];
        const SUBJECTS: &[&str] = &[
            "undeliver",
            "undelivered",
            "delivery status notification",
            "delivery failure",
            "delivery failed",
            "delivery problem",
            "delivery notification",
            "delivery has failed",
            "failure notice",
            "failure delivery",
            "returned mail",
            "returned to sender",
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
        ];
        !self.failed_recipients.is_empty()
            || SENDERS.iter().any(|s| self.from.contains(s))
            || SUBJECTS.iter().any(|s| self.subject.contains(s))
    }
}

pub(super) fn parse(headers: &Headers, body: &str, report: &mut BounceReport) {
    let body = report_section(body);
    let lower = scan::lower(body);
    let marked = MARKERS.iter().any(|m| lower.contains(m));
    if !marked {
        let failure_words = FAILURE_PHRASES.iter().any(|p| lower.contains(p));
        // An auto-reply may quote a failure phrase ("not found"); only a server's own wording
        // or an explicit failed-recipients header outweighs the auto-reply header.
        if !(headers.looks_like_bounce() && failure_words)
            || (headers.auto_reply && headers.failed_recipients.is_empty())
        {
            return;
        }
    }
    let default = if TEMPORARY_PHRASES.iter().any(|p| lower.contains(p)) {
        Failure::Temporary
    } else {
        Failure::Permanent
    };

    let candidates = recipients(body, &lower, headers);
    for (i, &(start, end)) in candidates.iter().enumerate() {
        let next = candidates
            .get(i + 1)
            .map_or(body.len(), |&(s, _)| s)
            .clamp(end, end + 2000);
        let context = &lower[end..floor_boundary(&lower, next)];
        let kind = scan::code_class(context).unwrap_or(default);
        report.add(&body[start..end], kind);
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
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The report without the copy of the original message.
fn report_section(body: &str) -> &str {
    let body = &body[..floor_boundary(body, body.len().min(MAX_REPORT))];
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let t = line.trim();
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

/// Byte ranges of the addresses the report lists as recipients.
fn recipients(body: &str, lower: &str, headers: &Headers) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (start, end) in scan::addresses(body) {
        let address = &lower[start..end];
        let local = address.split('@').next().unwrap_or("");
        if matches!(
            local,
            "mailer-daemon" | "mailer_daemon" | "postmaster" | "maildaemon"
        ) || headers.own.iter().any(|o| o == address)
        {
            continue;
        }
        // "for <a@b>;" is a Received header of the returned copy, not a report line.
        if lower[end..].trim_start_matches('>').starts_with(';') {
            continue;
        }
        let line_start = lower[..start].rfind('\n').map_or(0, |p| p + 1);
        // Exim names the sender on its own line after "A message sent by".
        let previous = lower[..line_start].trim_end();
        if previous.ends_with("sent by") && lower[line_start..start].trim().len() <= 1 {
            continue;
        }
        if listed(&lower[line_start..start]) {
            out.push((start, end));
        }
    }
    out
}

/// Whether the text before an address on its line presents it as a recipient.
fn listed(prefix: &str) -> bool {
    let p = prefix.trim_end_matches(['<', '"', '\'', '(', '[', ' ', '\t']);
    let p = p
        .strip_suffix("mailto:")
        .unwrap_or(p)
        .trim_end_matches(['<', ' ']);
    let p = p.trim_start();
    if p.is_empty() || p.ends_with("rcpt to:") || p.ends_with("original-recipient:") {
        return true;
    }
    const LEAD_INS: &[&str] = &[
        "final-recipient: rfc822;",
        "recipient:",
        "address:",
        "unknown user:",
        "user unknown:",
        "no such user:",
        "invalid recipient:",
        "unknown recipient:",
        "mailbox unavailable:",
        "failed recipient:",
    ];
    if LEAD_INS.iter().any(|l| p.ends_with(l)) {
        return true;
    }
    // "Jane Doe (jane@…)", "Your message to jane@… could not…": prose or a display name, but
    // never a header or diagnostic line ("From: …", "said: 550 …", "MAIL FROM:<…>").
    p.len() <= 80
        && !p.contains(':')
        && !p.contains(">>>")
        && !p.contains("<<<")
        && ![
            "from",
            "sender",
            "reply",
            "contact",
            "postmaster",
            "administrator",
            "envelope",
        ]
        .iter()
        .any(|w| p.contains(w))
}
