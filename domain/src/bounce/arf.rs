//! Spam complaints from feedback loops: the Abuse Reporting Format (RFC 5965).
//!
//! A mailbox provider that runs a feedback loop (Yahoo, Microsoft JMRP, Comcast, Fastmail, …)
//! sends a `multipart/report; report-type=feedback-report` whose second part is a
//! `message/feedback-report` (fields such as `Feedback-Type: abuse`) and whose third part is the
//! message complained about (`message/rfc822`, or only its header as `text/rfc822-headers`).
//! The Message-ID of that third part is ours: it names the outbox row the complaint is about.
//!
//! Pure: bytes in, a report out. Anything else (a bounce, a reply, broken MIME) is `None`.

use mail_parser::{MessageParser, MimeHeaders};
use serde::{Deserialize, Serialize};

/// What a feedback report says. Field values are as written (trimmed); the Message-ID keeps
/// its angle brackets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackReport {
    /// `abuse`, `fraud`, `virus`, `not-spam`, `auth-failure`, `other` (RFC 5965 §7.3, RFC 6650),
    /// lower-cased.
    pub feedback_type: String,
    /// The Message-ID of the message complained about, from its returned header.
    pub original_message_id: Option<String>,
    /// `Original-Rcpt-To`, when the provider did not redact it.
    pub original_rcpt_to: Option<String>,
    /// `Original-Mail-From`.
    pub original_mail_from: Option<String>,
}

impl FeedbackReport {
    /// Whether the recipient reported the message as unwanted: `abuse` (spam) or `fraud`
    /// (phishing). `not-spam`, `virus`, `auth-failure` and `other` say nothing about whether
    /// the recipient wanted it.
    pub fn is_complaint(&self) -> bool {
        matches!(self.feedback_type.as_str(), "abuse" | "fraud")
    }
}

/// Reads one raw message; `Some` only for a feedback report with a `Feedback-Type`.
pub fn parse_feedback_report(raw: &[u8]) -> Option<FeedbackReport> {
    // Attached messages are kept opaque (see `flatten_nested_messages`); we read the returned
    // header ourselves.
    let raw = super::flatten_nested_messages(raw);
    let message = MessageParser::default().parse(&raw[..])?;
    let ct = message.content_type()?;
    let is_report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
        && ct.attribute("report-type").is_some_and(|t| t.trim().eq_ignore_ascii_case("feedback-report"));
    if !is_report {
        return None;
    }
    let mut report: Option<FeedbackReport> = None;
    let mut original_id = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else { continue };
        let (kind, sub) = (ct.ctype(), ct.subtype().unwrap_or(""));
        if kind.eq_ignore_ascii_case("message") && sub.eq_ignore_ascii_case("feedback-report") {
            if report.is_none() {
                report = fields(part.contents());
            }
        } else if original_id.is_none()
            && ((kind.eq_ignore_ascii_case("message") && (sub.eq_ignore_ascii_case("rfc82_") || sub.eq_ignore_ascii_case("globa_")))
                || (kind.eq_ignore_ascii_case("text") && sub.eq_ignore_ascii_case("rfc822-headers")))
        {
            original_id = header_value(part.contents(), "message-id").and_then(|v| angle_id(&v));
        }
    }
    let mut report = report?;
    report.original_message_id = original_id;
    Some(report)
}

/// The fields of a `message/feedback-report` body (RFC 822-style, folded lines unfolded).
fn fields(body: &[u8]) -> Option<FeedbackReport> {
    let mut r = FeedbackReport::default();
    let mut seen_type = false;
    for (name, value) in header_fields(body) {
        match name.as_str() {
            "feedback-type" if !seen_type => {
                r.feedback_type = value.to_ascii_lowercase();
                seen_type = true;
            }
            "original-rcpt-to" if r.original_rcpt_to.is_none() => r.original_rcpt_to = Some(bare_address(&value)),
            "original-mail-from" if r.original_mail_from.is_none() => r.original_mail_from = Some(bare_address(&value)),
            _ => {}
        }
    }
    (seen_type && !r.feedback_type.is_empty()).then_some(r)
}

/// `(lower-cased name, unfolded trimmed value)` of each field of a header block, up to the
/// first empty line.
fn header_fields(block: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(&block[..block.len().min(64 * 1024)]);
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            // Blank lines before the first field (a part that starts with one) are skipped.
            if out.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    for (_, v) in &mut out {
        *v = v.trim().to_string();
    }
    out
}

fn header_value(block: &[u8], name: &str) -> Option<String> {
    header_fields(block).into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

/// `<local@host>` out of a header value; `None` when there is none.
fn angle_id(value: &str) -> Option<String> {
    let start = value.find('<')?;
    let end = start + value[start..].find('>')?;
    let inner = &value[start + 1..end];
    (inner.contains('@') && !inner.contains(char::is_whitespace)).then(|| value[start..=end].to_string())
}

/// `<a@b.example>` or `a@b.example` → `a@b.example`.
fn bare_address(value: &str) -> String {
    value.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arf(feedback_type: &str, original: &str, original_type: &str) -> String {
        format!(
            "From: staff@fbl.mail.example\r\nTo: fbl@agency.example\r\nSubject: FW: Quick question\r\nMessage-ID: <report-1@fbl.mail.example>\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=\"feedback-report\";\r\n boundary=\"part1_13d.2e68ed54_boundary\"\r\n\r\n\
--part1_13d.2e68ed54_boundary\r\nContent-Type: text/plain; charset=\"US-ASCII\"\r\n\r\nThis is an email abuse report for an email message received from IP 192.0.2.1.\r\n\r\n\
--part1_13d.2e68ed54_boundary\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: {feedback_type}\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n\
Original-Mail-From: <sam@northwind.example>\r\nOriginal-Rcpt-To: <ann@customer.example>\r\nArrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\r\nSource-IP: 192.0.2.1\r\n\r\n\
--part1_13d.2e68ed54_boundary\r\nContent-Type: {original_type}\r\nContent-Disposition: inline\r\n\r\n{original}\r\n--part1_13d.2e68ed54_boundary--\r\n"
        )
    }

    const ORIGINAL: &str = "From: Sam Carter <sam@northwind.example>\r\nTo: ann@customer.example\r\nSubject: Quick question\r\n\
Message-ID:\r\n <8f2c1e@northwind.example>\r\nDate: Thu, 8 Mar 2005 14:00:00 EDT\r\n\r\nHi Ann,\r\nMessage-ID: <not-this@body.example>\r\n";

    #[test]
    fn an_abuse_report_names_the_message_complained_about() {
        let r = parse_feedback_report(arf("abuse", ORIGINAL, "message/rfc822").as_bytes()).unwrap();
        assert_eq!(r.feedback_type, "abuse");
        assert!(r.is_complaint());
        assert_eq!(r.original_message_id.as_deref(), Some("<8f2c1e@northwind.example>"));
        assert_eq!(r.original_rcpt_to.as_deref(), Some("ann@customer.example"));
        assert_eq!(r.original_mail_from.as_deref(), Some("sam@northwind.example"));
    }

    #[test]
    fn a_report_quoting_only_the_header_is_read_the_same() {
        let headers = ORIGINAL.split("\r\n\r\n").next().unwrap();
        let r = parse_feedback_report(arf("Abuse", headers, "text/rfc822-headers").as_bytes()).unwrap();
        assert_eq!(r.feedback_type, "abuse");
        assert_eq!(r.original_message_id.as_deref(), Some("<8f2c1e@northwind.example>"));
    }

    #[test]
    fn not_spam_virus_and_auth_failure_reports_are_not_complaints() {
        for t in ["not-spam", "virus", "auth-failure", "other"] {
            let r = parse_feedback_report(arf(t, ORIGINAL, "message/rfc822").as_bytes()).unwrap();
            assert!(!r.is_complaint(), "{t}");
        }
        assert!(parse_feedback_report(arf("fraud", ORIGINAL, "message/rfc822").as_bytes()).unwrap().is_complaint());
    }

    #[test]
    fn a_report_without_the_original_has_no_message_id() {
        let raw = arf("abuse", "", "text/plain");
        let r = parse_feedback_report(raw.as_bytes()).unwrap();
        assert_eq!(r.original_message_id, None);
    }

    #[test]
    fn bounces_replies_and_reports_without_a_feedback_type_are_not_feedback_reports() {
        let dsn = "From: MAILER-DAEMON@mx.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n";
        assert_eq!(parse_feedback_report(dsn.as_bytes()), None);
        assert_eq!(parse_feedback_report(b"Subject: Re: Quick question\r\n\r\nFeedback-Type: abuse\r\n"), None);
        let no_type = arf("abuse", ORIGINAL, "message/rfc822").replace("Feedback-Type: abuse\r\n", "");
        assert_eq!(parse_feedback_report(no_type.as_bytes()), None);
        assert_eq!(parse_feedback_report(b""), None);
        assert_eq!(parse_feedback_report(&[0xff, 0xfe, b'\n', b':']), None);
    }
}
