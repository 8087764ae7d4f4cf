//! Building one outgoing email as RFC 5322 bytes.
//!
//! The caller hands over a typed [`OutgoingEmail`]; everything that can be wrong with it (a
//! malformed Message-ID, a plain-http unsubscribe link, a header that would clash with ours) is
//! refused here with a [`ComposeError`] before a single byte is produced. Threading follows
//! RFC 5322 §3.6.4: a follow-up names its parent in `In-Reply-To` and the whole chain in
//! `References`, which is what makes mail clients show a cadence as one conversation.
//! Unsubscribing follows RFC 2369 (`List-Unsubscribe`) and RFC 8058 (one-click POST), which the
//! large mailbox providers require of bulk senders.

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::address::Envelope;
use lettre::{Address, Message};
use std::fmt;

/// Why an email could not be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    #[error("{0:?} is not a Message-ID of the form <left@right>")]
    InvalidMessageId(String),
    #[error("the unsubscribe link must be an https:// URL without spaces, commas or angle brackets, got {0:?}")]
    InvalidUnsubscribeUrl(String),
    #[error("{0:?} is not a valid header name")]
    InvalidHeaderName(String),
    #[error("header {0} is set by the composer and cannot be given as an extra header")]
    ReservedHeader(String),
    #[error("the subject must not be empty")]
    EmptySubject,
    #[error("{0:?} is not a domain name usable in a Message-ID")]
    InvalidDomain(String),
    #[error("the message could not be built: {0}")]
    Build(String),
}

/// A Message-ID in its angle-bracket form, `<left@right>`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MessageId(String);

impl MessageId {
    /// Parses `<left@right>` (surrounding whitespace ignored). Only printable ASCII without
    /// spaces or brackets inside: the id is copied verbatim into headers and into SQL lookups.
    pub fn parse(raw: &str) -> Result<Self, ComposeError> {
        let t = raw.trim();
        let invalid = || ComposeError::InvalidMessageId(raw.to_string());
        let inner = t.strip_prefix('<').and_then(|s| s.strip_suffix('>')).ok_or_else(invalid)?;
        let (left, right) = inner.split_once('@').ok_or_else(invalid)?;
        let ok_part = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'@' | b'"' | b'\\' | b',' | b'(' | b')'));
        if t.len() > 250 || !ok_part(left) || !ok_part(right) {
            return Err(invalid());
        }
        Ok(Self(t.to_string()))
    }

    /// A fresh id `<{uuid v7}@{domain}>`: time-ordered, unique without coordination, and under
    /// the sending domain as RFC 5322 recommends (some filters score foreign right-hand sides).
    pub fn generate(sending_domain: &str) -> Result<Self, ComposeError> {
        let domain = sending_domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let valid = domain.contains('.')
            && domain.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !valid {
            return Err(ComposeError::InvalidDomain(sending_domain.to_string()));
        }
        Ok(Self(format!("<{}@{domain}>", uuid::Uuid::now_v7().simple())))
    }

    /// With the angle brackets: `<id@domain>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", self.0)
    }
}

/// Where a recipient unsubscribes: the https link (required; its POST is the RFC 8058
/// one-click endpoint) and optionally a mailbox that unsubscribes whoever writes to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribe {
    url: String,
    mailto: Option<Address>,
}

impl ListUnsubscribe {
    pub fn new(url: &str, mailto: Option<Address>) -> Result<Self, ComposeError> {
        let u = url.trim();
        let rest = u.strip_prefix("https://").unwrap_or("");
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        // Inside <...> in a comma-separated list: these characters would end the URL early.
        if host.is_empty() || !u.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b',' | b'"')) {
            return Err(ComposeError::InvalidUnsubscribeUrl(url.to_string()));
        }
        Ok(Self { url: u.to_string(), mailto })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `List-Unsubscribe` value: `<https://…>, <mailto:…?subject=unsubscribe>`.
    pub fn header_value(&self) -> String {
        match &self.mailto {
            Some(m) => format!("<{}>, <mailto:{m}?subject=unsubscribe>", self.url),
            None => format!("<{}>", self.url),
        }
    }
}

/// Headers the composer writes itself; an extra header by one of these names would produce a
/// message with two of them, which DKIM verifiers and spam filters treat as tampering.
const RESERVED: &[&str] = &[
    "from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references",
    "list-unsubscribe", "list-unsubscribe-post", "mime-version", "content-type", "content-transfer-encoding",
    "dkim-signature", "return-path", "received",
];

/// One email ready to be composed. Built by the dispatch flow from a draft, a lead and a
/// mailbox; every field is already typed, so composing can only fail on the rules above.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub from: Mailbox,
    pub to: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub message_id: MessageId,
    /// The previous message of the thread, for a follow-up.
    pub in_reply_to: Option<MessageId>,
    /// The whole thread so far, oldest first.
    pub references: Vec<MessageId>,
    pub list_unsubscribe: ListUnsubscribe,
    /// Anything else (`X-Campaign-Id`, feedback-loop ids), name and unencoded value.
    pub extra_headers: Vec<(String, String)>,
}

impl OutgoingEmail {
    /// Sets `In-Reply-To` and `References` so that this email continues `thread` (the Message-IDs
    /// sent so far, oldest first). An empty thread makes this the first message.
    pub fn continuing(mut self, thread: &[MessageId]) -> Self {
        self.in_reply_to = thread.last().cloned();
        self.references = thread.to_vec();
        self
    }
}

/// The composed email: its bytes as they go on the wire (and into the DKIM signer) and the
/// SMTP envelope (return path and recipient) taken from its From and To.
#[derive(Debug, Clone)]
pub struct Composed {
    pub raw: Vec<u8>,
    pub envelope: Envelope,
}

/// Formats `email` as RFC 5322 bytes: a text/plain body, or multipart/alternative (text first,
/// as RFC 2046 orders the least preferred first) when there is an HTML body.
pub fn compose(email: &OutgoingEmail) -> Result<Composed, ComposeError> {
    if email.subject.trim().is_empty() {
        return Err(ComposeError::EmptySubject);
    }
    let mut extra = Vec::with_capacity(email.extra_headers.len());
    for (name, value) in &email.extra_headers {
        let valid_name = !name.is_empty() && name.len() <= 76 && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if !valid_name {
            return Err(ComposeError::InvalidHeaderName(name.clone()));
        }
        if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(ComposeError::ReservedHeader(name.clone()));
        }
        let header = HeaderName::new_from_ascii(name.clone()).map_err(|_| ComposeError::InvalidHeaderName(name.clone()))?;
        // HeaderValue::new encodes anything outside printable ASCII (CR and LF included) as an
        // RFC 2047 word, so a value can never start a header of its own.
        extra.push(HeaderValue::new(header, value.clone()));
    }

    let mut builder = Message::builder()
        .from(email.from.clone())
        .to(email.to.clone())
        .subject(email.subject.clone())
        .message_id(Some(email.message_id.as_str().to_string()));
    if let Some(r) = &email.reply_to {
        builder = builder.reply_to(r.clone());
    }
    if let Some(parent) = &email.in_reply_to {
        builder = builder.in_reply_to(parent.as_str().to_string());
    }
    if !email.references.is_empty() {
        let chain = email.references.iter().map(MessageId::as_str).collect::<Vec<_>>().join(" ");
        builder = builder.references(chain);
    }
    builder = builder
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), email.list_unsubscribe.header_value()))
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click".into()));
    for h in extra {
        builder = builder.raw_header(h);
    }

    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.clone());
    let message = match &email.html {
        Some(html) => {
            let html = SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone());
            builder.multipart(MultiPart::alternative().singlepart(text).singlepart(html))
        }
        None => builder.singlepart(text),
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    Ok(Composed { envelope: message.envelope().clone(), raw: message.formatted() })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn header<'a>(raw: &'a str, name: &str) -> Option<String> {
        // Unfolds continuation lines, as a reader of the header would.
        let head = raw.split("\r\n\r\n").next().unwrap();
        let mut out: Option<String> = None;
        let mut current: Option<String> = None;
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(c) = current.as_mut() {
                    c.push_str(line);
                }
                continue;
            }
            if let Some(c) = current.take() {
                out = out.or(Some(c));
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case(name) {
                    current = Some(v.trim_start().to_string());
                }
            }
        }
        out.or(current)
    }

    pub(crate) fn sample() -> OutgoingEmail {
        OutgoingEmail {
            from: "Sam Sender <sam@agency.example>".parse().unwrap(),
            to: "Ann Lead <ann@customer.example>".parse().unwrap(),
            reply_to: Some("replies@agency.example".parse().unwrap()),
            subject: "Quick question about Customer".into(),
            text: "Hi Ann,\n\nWorth a chat?\n\nSam".into(),
            html: None,
            message_id: MessageId::generate("agency.example").unwrap(),
            in_reply_to: None,
            references: vec![],
            list_unsubscribe: ListUnsubscribe::new("https://app.agency.example/u/TOKEN123", Some("unsubscribe@agency.example".parse().unwrap())).unwrap(),
            extra_headers: vec![("X-Campaign-Id".into(), "c-42".into())],
        }
    }

    #[test]
    fn a_plain_email_carries_every_header_the_channel_needs() {
        let email = sample();
        let c = compose(&email).unwrap();
        let raw = String::from_utf8(c.raw).unwrap();
        assert_eq!(header(&raw, "From").unwrap(), "\"Sam Sender\" <sam@agency.example>");
        assert_eq!(header(&raw, "To").unwrap(), "\"Ann Lead\" <ann@customer.example>");
        assert_eq!(header(&raw, "Reply-To").unwrap(), "replies@agency.example");
        assert_eq!(header(&raw, "Message-ID").unwrap(), email.message_id.as_str());
        assert_eq!(
            header(&raw, "List-Unsubscribe").unwrap(),
            "<https://app.agency.example/u/TOKEN123>, <mailto:unsubscribe@agency.example?subject=unsubscribe>"
        );
        assert_eq!(header(&raw, "List-Unsubscribe-Post").unwrap(), "List-Unsubscribe=One-Click");
        assert_eq!(header(&raw, "X-Campaign-Id").unwrap(), "c-42");
        assert_eq!(header(&raw, "MIME-Version").unwrap(), "1.0");
        assert!(header(&raw, "Date").is_some());
        assert!(header(&raw, "Content-Type").unwrap().starts_with("text/plain"));
        assert!(header(&raw, "In-Reply-To").is_none());
        assert!(raw.contains("Worth a chat?"));
        assert_eq!(c.envelope.from().unwrap().to_string(), "sam@agency.example");
        assert_eq!(c.envelope.to().iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["ann@customer.example"]);
    }

    #[test]
    fn an_html_body_makes_a_multipart_alternative_with_the_text_first() {
        let mut email = sample();
        email.html = Some("<p>Hi Ann,</p><p>Worth a chat?</p>".into());
        let raw = String::from_utf8(compose(&email).unwrap().raw).unwrap();
        assert!(header(&raw, "Content-Type").unwrap().starts_with("multipart/alternative"));
        let text_at = raw.find("Content-Type: text/plain").unwrap();
        let html_at = raw.find("Content-Type: text/html").unwrap();
        assert!(text_at < html_at);
        assert!(raw.contains("<p>Worth a chat?</p>"));
    }

    #[test]
    fn a_follow_up_threads_onto_the_whole_chain() {
        let first = MessageId::generate("agency.example").unwrap();
        let second = MessageId::generate("agency.example").unwrap();
        assert_ne!(first, second);
        let email = sample().continuing(&[first.clone(), second.clone()]);
        let raw = String::from_utf8(compose(&email).unwrap().raw).unwrap();
        assert_eq!(header(&raw, "In-Reply-To").unwrap(), second.as_str());
        let refs = header(&raw, "References").unwrap();
        let refs: Vec<&str> = refs.split_whitespace().collect();
        assert_eq!(refs, [first.as_str(), second.as_str()]);
    }

    #[test]
    fn generated_message_ids_live_under_the_sending_domain() {
        let id = MessageId::generate("Mail.Agency.Example.").unwrap();
        assert!(id.as_str().starts_with('<') && id.as_str().ends_with("@mail.agency.example>"), "{id}");
        assert_eq!(MessageId::parse(id.as_str()).unwrap(), id);
        assert!(MessageId::generate("localhost").is_err());
        assert!(MessageId::generate("bad domain.com").is_err());
    }

    #[test]
    fn malformed_message_ids_are_refused() {
        for bad in ["abc@def", "<abc>", "<@def>", "<a b@c>", "<a@b>\r\nBcc: x@y.z", "<a<b@c>"] {
            assert!(MessageId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(MessageId::parse(" <a.b@c.d> ").is_ok());
    }

    #[test]
    fn the_unsubscribe_link_must_be_https() {
        assert!(ListUnsubscribe::new("http://app.example/u/x", None).is_err());
        assert!(ListUnsubscribe::new("https://", None).is_err());
        assert!(ListUnsubscribe::new("https://app.example/u/x>, <https://evil", None).is_err());
        assert_eq!(ListUnsubscribe::new("https://app.example/u/x", None).unwrap().header_value(), "<https://app.example/u/x>");
    }

    #[test]
    fn extra_headers_cannot_clash_with_ours_or_inject_new_ones() {
        let mut email = sample();
        email.extra_headers = vec![("Bcc".into(), "spy@evil.example".into())];
        assert_eq!(compose(&email).unwrap_err(), ComposeError::ReservedHeader("Bcc".into()));
        email.extra_headers = vec![("list-unsubscribe".into(), "<https://evil>".into())];
        assert!(matches!(compose(&email).unwrap_err(), ComposeError::ReservedHeader(_)));
        email.extra_headers = vec![("X Bad".into(), "v".into())];
        assert!(matches!(compose(&email).unwrap_err(), ComposeError::InvalidHeaderName(_)));
        email.extra_headers = vec![("X-Note".into(), "a\r\nBcc: spy@evil.example".into())];
        let raw = String::from_utf8(compose(&email).unwrap().raw).unwrap();
        assert!(!raw.contains("\r\nBcc:"), "{raw}");
    }

    #[test]
    fn a_utf8_subject_is_encoded_for_7bit_transport() {
        let mut email = sample();
        email.subject = "Grüße aus Köln — café ☕".into();
        let raw = compose(&email).unwrap().raw;
        let head = String::from_utf8(raw.clone()).unwrap();
        let subject = header(&head, "Subject").unwrap();
        assert!(subject.starts_with("=?utf-8?"), "{subject}");
        assert!(head.split("\r\n\r\n").next().unwrap().is_ascii());
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Grüße aus Köln — café ☕"));
    }

    #[test]
    fn an_empty_subject_is_refused() {
        let mut email = sample();
        email.subject = "  ".into();
        assert_eq!(compose(&email).unwrap_err(), ComposeError::EmptySubject);
    }
}
