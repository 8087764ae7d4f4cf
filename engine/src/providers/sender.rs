//! Sending one approved email through an external sending platform (Instantly, Smartlead), and
//! the typed events those platforms report back by webhook.
//!
//! Neither platform has a "send this message now" call for cold outreach: both send sequences
//! to the leads of a campaign. So a send here is *adding the lead to a campaign the workspace has
//! set up for us*, carrying the approved subject and body as custom variables; the campaign's
//! only step is the template `{{agency_os_subject}}` / `{{agency_os_body}}` (see
//! [`SUBJECT_VARIABLE`], [`BODY_VARIABLE`]). The platform then sends it from its own mailboxes,
//! inside its own schedule.
//!
//! Exactly once (SPEC §10.4): our idempotency key travels with the lead as a third custom
//! variable ([`KEY_VARIABLE`]). A retried call after a crash finds the lead already in the
//! campaign and compares the stored key with ours: the same key means our earlier call got
//! through ([`SendOutcome::AlreadyAccepted`]); another key means a different message is already
//! queued for that person ([`Refusal::AlreadyInCampaign`]), and nothing is sent twice.
//! [`ExternalSender::find`] does that comparison on its own, for the dispatcher's reconciliation
//! of rows left in `sending`.
//!
//! What this module must not do: decide whether a send is allowed (suppression, caps, windows and
//! the emergency stop are the dispatcher's), or turn events into lead status changes (intake).

use super::{ProviderError, ProviderName};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The custom variable that carries our idempotency key.
pub const KEY_VARIABLE: &str = "agency_os_key";
/// The custom variable the campaign's subject template must consist of.
pub const SUBJECT_VARIABLE: &str = "agency_os_subject";
/// The custom variable the campaign's body template must consist of.
pub const BODY_VARIABLE: &str = "agency_os_body";

/// Our idempotency key for one outbox row: stable across retries of that row, unique across
/// rows. Printable ASCII without spaces, so every provider stores it unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, ProviderError> {
        let v = raw.trim();
        if v.is_empty() || v.len() > Self::MAX || !v.chars().all(|c| c.is_ascii_graphic()) {
            return Err(ProviderError::BadRequest(format!(
                "an idempotency key is 1 to {} printable ASCII characters without spaces",
                Self::MAX
            )));
        }
        Ok(Self(v.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One approved email, as the dispatcher hands it over. Built with [`OutboundEmail::new`], which
/// refuses what no provider would accept, before any call is made.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundEmail {
    pub key: IdempotencyKey,
    /// The provider's campaign prepared for us (Instantly: a UUID; Smartlead: a number).
    pub campaign: String,
    /// Lower-cased recipient address.
    pub to: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub subject: String,
    /// HTML body, compliance footer included (the platforms send what they are given).
    pub body_html: String,
}

impl OutboundEmail {
    pub fn new(
        key: IdempotencyKey,
        campaign: &str,
        to: &str,
        subject: &str,
        body_html: &str,
    ) -> Result<Self, ProviderError> {
        let to = to.trim().to_lowercase();
        let valid_to = to
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !to.chars().any(char::is_whitespace));
        if !valid_to {
            return Err(ProviderError::BadRequest("the recipient is not an email address".into()));
        }
        let campaign = campaign.trim();
        if campaign.is_empty() {
            return Err(ProviderError::BadRequest("no provider campaign is configured".into()));
        }
        if subject.trim().is_empty() || subject.contains(['\r', '\n']) {
            return Err(ProviderError::BadRequest("the subject must be one non-empty line".into()));
        }
        if body_html.trim().is_empty() {
            return Err(ProviderError::BadRequest("the body is empty".into()));
        }
        Ok(Self {
            key,
            campaign: campaign.to_string(),
            to,
            first_name: None,
            last_name: None,
            company: None,
            subject: subject.trim().to_string(),
            body_html: body_html.to_string(),
        })
    }

    pub fn with_names(mut self, first: Option<&str>, last: Option<&str>, company: Option<&str>) -> Self {
        let clean = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        self.first_name = clean(first);
        self.last_name = clean(last);
        self.company = clean(company);
        self
    }
}

/// The body and address are personal data: Debug shows the key and campaign only.
impl fmt::Debug for OutboundEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundEmail")
            .field("key", &self.key)
            .field("campaign", &self.campaign)
            .finish_non_exhaustive()
    }
}

/// What the provider did with the email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendOutcome {
    /// Queued now. `provider_ref` is the provider's lead id when its answer names one.
    Accepted { provider_ref: Option<String> },
    /// An earlier call with the same key already got through: mark the row sent, do not resend.
    AlreadyAccepted { provider_ref: Option<String> },
    /// The provider will not send it. Nothing is queued; retrying will not help.
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// On the provider account's block list.
    Blocklisted,
    /// Unsubscribed at the provider: add it to our suppression list too.
    Unsubscribed,
    /// The provider judged the address invalid.
    InvalidAddress,
    /// The person is already in that campaign with another message of ours (another key).
    AlreadyInCampaign,
}

/// A reconciled send, found by [`ExternalSender::find`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundSend {
    pub provider_ref: Option<String>,
    /// The key stored with the lead; equal to ours when it was our call that got through.
    pub key: Option<String>,
}

/// An external sending platform. Sandbox and real clients implement it; the dispatcher holds an
/// `Arc<dyn ExternalSender>`.
#[async_trait]
pub trait ExternalSender: Send + Sync {
    fn provider(&self) -> ProviderName;

    /// Queues one email, idempotently by `email.key` (see the module docs).
    async fn send(&self, email: &OutboundEmail) -> Result<SendOutcome, ProviderError>;

    /// The lead this email's recipient is in `email.campaign` as, if any, with the key stored on
    /// it. For reconciling a row a crash left in `sending`: `Some` with our key means it went.
    async fn find(&self, email: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError>;

    /// The reply an event announces, read through the platform's API, for events that carry an
    /// id but not the text. `None` when the platform has no such reply (or cannot read one: the
    /// sandbox).
    async fn fetch_reply(&self, event: &SenderEvent) -> Result<Option<FetchedReply>, ProviderError> {
        let _ = event;
        Ok(None)
    }

    /// Sends `email` as an answer in the recipient's thread of `email.campaign` (a follow-up
    /// step), exactly once by `email.key`: the thread is read first, and a message carrying our
    /// key ([`key_marker`]) means an earlier call got through ([`SendOutcome::AlreadyAccepted`]).
    /// `NotFound` while the platform has not sent the thread's first email yet.
    async fn send_follow_up(&self, email: &OutboundEmail) -> Result<SendOutcome, ProviderError> {
        let _ = email;
        Err(ProviderError::BadRequest("this platform cannot answer in a thread".into()))
    }

    /// The follow-up carrying `email.key` in the recipient's thread, if it was sent (for
    /// reconciling a row a crash left in `sending`).
    async fn find_follow_up(&self, email: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError> {
        let _ = email;
        Ok(None)
    }
}

/// What a follow-up's HTML carries so that the platform's copy of the thread shows whether our
/// call got through: an HTML comment, invisible to the reader, holding our idempotency key.
pub fn key_marker(key: &IdempotencyKey) -> String {
    format!("<!-- agency-os-key:{key} -->")
}

/// Whether a message body read back from the platform carries `key`'s marker.
pub fn carries_key(html: &str, key: &IdempotencyKey) -> bool {
    html.contains(&format!("agency-os-key:{key} "))
}

/// A lead's reply as a platform's API returns it, text capped at [`MAX_REPLY_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedReply {
    pub subject: Option<String>,
    pub text: String,
    /// The RFC Message-ID the mail server gave it, when the platform reports it.
    pub message_id: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
}

/// Longest reply text we keep (the replies table holds at most 64 KiB).
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn cap(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// Plain text of a reply's HTML, for platforms that return HTML only: tags dropped, line and
/// paragraph breaks kept, the common entities decoded. Not a renderer: good enough for reading
/// and classifying a reply.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len().min(MAX_REPLY_BYTES));
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let raw_tag = &rest[start + 1..start + end];
        let closing = raw_tag.starts_with('/');
        let tag = raw_tag.trim_start_matches('/').to_ascii_lowercase();
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        if matches!(name, "br" | "p" | "div" | "li" | "tr" | "blockquote") {
            out.push('\n');
        }
        // Skip style and script contents entirely.
        let after = &rest[start + end + 1..];
        rest = if matches!(name, "style" | "script") && !closing {
            after.find(&format!("</{name}")).map_or("", |i| &after[i..])
        } else {
            after
        };
    }
    out.push_str(rest);
    let decoded = out.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&");
    let mut lines: Vec<&str> = decoded.lines().map(str::trim_end).collect();
    lines.dedup_by(|a, b| a.is_empty() && b.is_empty());
    lines.join("\n").trim().to_string()
}

/// Turns "the provider already has this lead" into the right outcome by comparing keys.
pub(crate) fn reconcile(found: Option<FoundSend>, key: &IdempotencyKey) -> SendOutcome {
    match found {
        Some(f) if f.key.as_deref() == Some(key.as_str()) => SendOutcome::AlreadyAccepted {
            provider_ref: f.provider_ref,
        },
        _ => SendOutcome::Refused(Refusal::AlreadyInCampaign),
    }
}

// ---------------------------------------------------------------------------------------------
// Webhook events
// ---------------------------------------------------------------------------------------------

/// One event a sending platform reported, in our vocabulary (SPEC §11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SenderEvent {
    pub provider: ProviderName,
    pub kind: SenderEventKind,
    /// The lead's address, lower-cased.
    pub lead_email: Option<String>,
    /// The provider's campaign id, as text.
    pub campaign: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
    /// 1-based step of the provider's sequence.
    pub step: Option<u32>,
    /// The provider's id for the message concerned (for a reply, the reply's).
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum SenderEventKind {
    Sent,
    Opened,
    Clicked,
    /// The lead answered. `text` is the reply's plain text when the provider includes it.
    Replied {
        subject: Option<String>,
        text: Option<String>,
        /// The provider could not tie it to one of its sequence emails (Smartlead's untracked
        /// replies): the intake matches it by address.
        untracked: bool,
    },
    /// An automatic answer (out of office, vacation responder).
    AutoReplied { text: Option<String> },
    Bounced,
    /// The recipient marked the message as spam. Neither Instantly's nor Smartlead's published
    /// event lists name such an event today; the variant exists so an intake that learns one
    /// (or a feedback loop) records it as a complaint.
    Complained,
    Unsubscribed,
    /// Anything else the platform reports (lead labels, account errors, campaign status), kept
    /// by name so intake can log it without us guessing its meaning.
    Other { name: String },
}

/// Reads an RFC 3339 timestamp leniently: providers differ in precision and offset style.
pub(crate) fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?.trim()).ok().map(|t| t.with_timezone(&Utc))
}

/// `Name <addr@x>` or a bare address → the lower-cased address.
pub(crate) fn address_of(s: Option<&str>) -> Option<String> {
    let s = s?.trim();
    let inner = match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => &s[a + 1..b],
        _ => s,
    };
    let inner = inner.trim();
    inner.contains('@').then(|| inner.to_lowercase())
}

pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> IdempotencyKey {
        IdempotencyKey::parse(s).unwrap()
    }

    #[test]
    fn an_idempotency_key_is_printable_ascii_without_spaces() {
        assert!(IdempotencyKey::parse("outbox-7f1c:1").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("two words").is_err());
        assert!(IdempotencyKey::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn an_outbound_email_refuses_what_no_provider_accepts() {
        let ok = OutboundEmail::new(key("k"), "c1", " Ana@Example.COM ", "Hi", "<p>x</p>").unwrap();
        assert_eq!(ok.to, "ana@example.com");
        assert!(OutboundEmail::new(key("k"), "c1", "not-an-address", "Hi", "b").is_err());
        assert!(OutboundEmail::new(key("k"), " ", "a@b.co", "Hi", "b").is_err());
        assert!(OutboundEmail::new(key("k"), "c1", "a@b.co", "Hi\r\nBcc: x", "b").is_err());
        assert!(OutboundEmail::new(key("k"), "c1", "a@b.co", "Hi", "  ").is_err());
    }

    #[test]
    fn debug_output_hides_the_address_and_body() {
        let e = OutboundEmail::new(key("k1"), "c1", "ana@example.com", "Secret subject", "body").unwrap();
        let d = format!("{e:?}");
        assert!(!d.contains("ana@") && !d.contains("Secret") && d.contains("k1"));
    }

    #[test]
    fn a_lead_found_with_our_key_was_our_send_and_any_other_is_a_refusal() {
        let ours = Some(FoundSend {
            provider_ref: Some("L1".into()),
            key: Some("k1".into()),
        });
        assert_eq!(
            reconcile(ours, &key("k1")),
            SendOutcome::AlreadyAccepted {
                provider_ref: Some("L1".into())
            }
        );
        let theirs = Some(FoundSend {
            provider_ref: Some("L1".into()),
            key: Some("k0".into()),
        });
        assert_eq!(reconcile(theirs, &key("k1")), SendOutcome::Refused(Refusal::AlreadyInCampaign));
        assert_eq!(reconcile(None, &key("k1")), SendOutcome::Refused(Refusal::AlreadyInCampaign));
    }

    #[test]
    fn reply_html_becomes_readable_text() {
        let t = html_to_text("<div>Hi Sam,</div><div><br></div><p>Thursday works &amp; so does Friday.</p><style>p{}</style><blockquote>On Mon you wrote</blockquote>");
        assert_eq!(t, "Hi Sam,\n\nThursday works & so does Friday.\n\nOn Mon you wrote");
        assert_eq!(cap("héllo".into(), 2), "h");
    }

    #[test]
    fn addresses_are_read_from_display_forms() {
        assert_eq!(address_of(Some("Sunita Soy <Sunita@X.io>")), Some("sunita@x.io".into()));
        assert_eq!(address_of(Some("lead@example.com")), Some("lead@example.com".into()));
        assert_eq!(address_of(Some("nobody")), None);
    }
}
