//! Bounce (non-delivery report) parsing: which recipients of a message we sent failed
//! permanently, and which only temporarily.
//!
//! Owns the reading of a raw returned message: RFC 3464 delivery status notifications first
//! ([`dsn`]), then the free-text reports that Postfix, Exim, qmail, sendmail, Exchange,
//! GroupWise, Yahoo, Gmail and smaller servers still send ([`text`]). It decides nothing about
//! suppression or mailbox health — callers feed `permanent` to suppression (SPEC §10.5) and
//! count both towards the bounce rate (§10.6).
//!
//! Spam complaints (ARF feedback reports, RFC 5965) are read by [`parse_feedback_report`].
//!
//! Any input is accepted: arbitrary bytes, bad MIME, non-UTF-8, enormous lines. A message that
//! is not a bounce (a reply, an out-of-office, a newsletter, a read receipt, a spam complaint)
//! yields an empty report.

mod arf;
mod dsn;
mod scan;
mod ses;
mod text;

pub use arf::{parse_feedback_report, FeedbackReport};

use mail_parser::{MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};

/// Recipients a bounce reports, as written in the report, de-duplicated case-insensitively.
/// A recipient reported both ways counts as permanent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceReport {
    pub permanent: Vec<String>,
    pub temporary: Vec<String>,
}

impl BounceReport {
    pub fn is_empty(&self) -> bool {
        self.permanent.is_empty() && self.temporary.is_empty()
    }

    fn add(&mut self, address: &str, kind: Failure) {
        let address = address.trim();
        if address.is_empty() {
            return;
        }
        let known = |list: &Vec<String>| list.iter().position(|a| a.eq_ignore_ascii_case(address));
        match kind {
            Failure::Permanent => {
                if let Some(i) = known(&self.temporary) {
                    self.temporary.remove(i);
                }
                if known(&self.permanent).is_none() {
                    self.permanent.push(address.to_owned());
                }
            }
            Failure::Temporary => {
                if known(&self.permanent).is_none() && known(&self.temporary).is_none() {
                    self.temporary.push(address.to_owned());
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Permanent,
    Temporary,
}

/// Reads one raw message (RFC 5322 bytes, as fetched from the bounce mailbox).
pub fn parse_bounce(raw: &[u8]) -> BounceReport {
    let raw = normalise_line_ends(raw);
    parse_at_depth(&raw, 0)
}

/// A bounce that a gateway (a virus scanner, a forwarding rule) wrapped into another message is
/// read from the attachment; deeper nesting is our own returned message, never read.
const MAX_DEPTH: u8 = 1;

fn parse_at_depth(raw: &[u8], depth: u8) -> BounceReport {
    let raw = flatten_nested_messages(raw);
    let raw: &[u8] = &raw;
    let mut report = BounceReport::default();
    let Some(message) = MessageParser::default().parse(raw) else {
        // No header block at all: judge the bytes as a plain text report.
        let body = String::from_utf8_lossy(&raw[..raw.len().min(text::MAX_REPORT)]);
        text::parse(
            &text::Headers::default(),
            &body,
            &text::Context::default(),
            &mut report,
        );
        return report;
    };

    if let Some(ct) = message.content_type() {
        let report_type = ct.attribute("report-type").unwrap_or("");
        if ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
        {
            if report_type.eq_ignore_ascii_case("feedback-report") {
                // Spam complaints are reports, but not about delivery.
                return report;
            }
            if report_type.eq_ignore_ascii_case("disposition-notification") {
                // Read receipts are not bounces; a sieve `reject` notice is.
                for part in &message.parts {
                    let is_mdn = part.content_type().is_some_and(|ct| {
                        ct.subtype()
                            .is_some_and(|s| s.eq_ignore_ascii_case("disposition-notification"))
                    });
                    if let Some(address) = is_mdn
                        .then(|| dsn::rejected_by_recipient(part.contents()))
                        .flatten()
                    {
                        report.add(&address, Failure::Permanent);
                    }
                }
                return report;
            }
        }
    }

    let mut dsn_status = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let sub = ct.subtype().unwrap_or("");
        let is_status = (ct.ctype().eq_ignore_ascii_case("message")
            || ct.ctype().eq_ignore_ascii_case("text"))
            && (sub.eq_ignore_ascii_case("delivery-status")
                || sub.eq_ignore_ascii_case("global-delivery-status"));
        if is_status {
            if dsn::parse(part.contents(), &mut report) {
                return report;
            }
            dsn_status = dsn_status.or_else(|| dsn::status_class(part.contents()));
        }
    }

    let headers = text::Headers::from_message(&message);
    let mut body = String::new();
    for i in 0..message.text_body_count() {
        if body.len() >= text::MAX_REPORT {
            break;
        }
        let Some(part) = message.text_part(i as u32) else {
            continue;
        };
        match part.text_contents() {
            Some(html) if part.is_text_html() => text::html_to_lines(html, &mut body),
            Some(t) => body.push_str(t),
            None => continue,
        }
        body.push('\n');
    }
    if body.trim().is_empty() {
        // A multipart whose boundaries are missing or broken has no parts; read it flat.
        let start = (message.root_part().offset_body as usize).min(raw.len());
        let end = raw.len().min(start + text::MAX_REPORT);
        body = String::from_utf8_lossy(&raw[start..end]).into_owned();
    }
    // A delivery-status block pasted into a text part (or a report with broken MIME).
    let has_dsn_fields = [
        "Final-Recipient:",
        "final-recipient:",
        "Final-recipient:",
        "FINAL-RECIPIENT:",
    ]
    .iter()
    .any(|f| body.contains(f));
    if has_dsn_fields && dsn::parse(body.as_bytes(), &mut report) && !report.is_empty() {
        return report;
    }
    if body.contains("notificationType") && ses::parse(&body, &mut report) {
        return report;
    }
    let attached: Vec<&[u8]> = message
        .parts
        .iter()
        .filter(|part| part.content_type().is_some_and(is_attached_message))
        .map(|part| part.contents())
        .collect();
    let returned = attached
        .first()
        .map(|c| String::from_utf8_lossy(&c[..c.len().min(16 * 1024)]))
        .unwrap_or_default();
    let context = text::Context { dsn_status };
    let Some(kind) = text::parse(&headers, &body, &context, &mut report) else {
        return report;
    };
    if report.is_empty() && depth < MAX_DEPTH {
        for inner in &attached {
            let inner = parse_at_depth(inner, depth + 1);
            if !inner.is_empty() {
                return inner;
            }
        }
    }
    if report.is_empty() {
        for address in text::stand_ins(&headers, &body, &returned) {
            report.add(&address, kind);
        }
    }
    report
}

/// A returned message or its header, as attached to a report (after the renaming of
/// `flatten_nested_messages`).
fn is_attached_message(ct: &mail_parser::ContentType<'_>) -> bool {
    let sub = ct.subtype().unwrap_or("");
    (ct.ctype().eq_ignore_ascii_case("message")
        && (sub.eq_ignore_ascii_case("rfc82_") || sub.eq_ignore_ascii_case("globa_")))
        || (ct.ctype().eq_ignore_ascii_case("text") && sub.eq_ignore_ascii_case("rfc822-headers"))
}

/// Old Mac mail stores end lines with a bare CR; mail-parser and the readers want LF.
fn normalise_line_ends(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if raw.contains(&b'\n') || !raw.contains(&b'\r') {
        return std::borrow::Cow::Borrowed(raw);
    }
    std::borrow::Cow::Owned(
        raw.iter()
            .map(|&c| if c == b'\r' { b'\n' } else { c })
            .collect(),
    )
}

/// Renames `message/rfc822`, `message/global` and `multipart/digest` so mail-parser keeps
/// attached messages as opaque parts instead of parsing them.
///
/// We never read the returned copy of our own message, and mail-parser 0.11's recovery from a
/// corrupted nested message hits a `debug_assert!` (found by cargo fuzz: a `message/rfc822`
/// part holding only an empty `message/rfc822`). Same-length renames keep every offset.
fn flatten_nested_messages(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    const RENAMES: &[(&[u8], &[u8])] = &[
        (b"message/", b"rfc822"),
        (b"message/", b"global"),
        (b"multipart/", b"digest"),
    ];
    let mut out: Option<Vec<u8>> = None;
    for (slash, _) in raw.iter().enumerate().filter(|(_, &c)| c == b'/') {
        for (kind, sub) in RENAMES {
            let kind_start = (slash + 1).checked_sub(kind.len());
            let sub_end = slash + 1 + sub.len();
            let (Some(kind_start), true) = (kind_start, sub_end <= raw.len()) else {
                continue;
            };
            let token_ends = raw
                .get(sub_end)
                .is_none_or(|&c| !(c.is_ascii_alphanumeric() || c == b'-' || c == b'.'));
            if raw[kind_start..=slash].eq_ignore_ascii_case(kind)
                && raw[slash + 1..sub_end].eq_ignore_ascii_case(sub)
                && token_ends
            {
                let buf = out.get_or_insert_with(|| raw.to_vec());
                // "rfc822" → "rfc82_": an unknown subtype, treated as an opaque part.
                buf[sub_end - 1] = b'_';
            }
        }
    }
    match out {
        Some(buf) => std::borrow::Cow::Owned(buf),
        None => std::borrow::Cow::Borrowed(raw),
    }
}

#[cfg(test)]
mod tests;
