//! The email channel by mailbox kind: native mailboxes go over SMTP (`email::transport`),
//! sending accounts on Instantly or Smartlead through the workspace's resolved
//! [`ExternalSender`] (`integrations::Resolver`: its own key, the installation's, or the sandbox).
//!
//! An external send is idempotent by our key, the outbox row's Message-ID without its angle
//! brackets ([`key_of`]): the platform keeps it with the lead, so a retry after a crash, or
//! reconciliation of a row left in `sending`, finds the earlier call by it and never queues the
//! message twice ([`SendOutcome::AlreadyAccepted`] counts as sent).
//!
//! Errors map once, here: a refusal (block list, unsubscribed, invalid address, already in the
//! campaign with another message) is [`SendError::Permanent`]; everything about the moment or
//! the account (rate limits, outages, a dead key, an unpaid plan, a campaign not found) is
//! [`SendError::Transient`], so the row waits for someone to fix it instead of being lost.
//!
//! A follow-up (a row with In-Reply-To) answers the lead's thread through the platform's reply
//! API (`ExternalSender::send_follow_up`): the key travels as an invisible marker in the body,
//! the thread is read for it before every call and when reconciling, so a retry after a crash
//! finds the earlier send instead of answering twice.
//!
//! What this module must not do: decide whether to send (the dispatcher's checks do).

use super::{MailTransport, OutgoingEmail, SendError};
use crate::email::unsubscribe::{self, UnsubscribeClaims, Via};
use crate::flows::mailboxes::integration_of;
use crate::integrations::Resolver;
use crate::providers::sender::{IdempotencyKey, OutboundEmail, Refusal, SendOutcome};
use crate::providers::ProviderError;
use crate::store::mailboxes::SendingMailbox;
use crate::store::outbox;
use crate::Engine;
use async_trait::async_trait;
use domain::ids::WorkspaceId;
use domain::integrations::Integration;
use domain::sending::MailboxKind;
use std::sync::Arc;

/// Sends each mailbox through the transport of its kind.
pub struct ByKind {
    pub smtp: Arc<dyn MailTransport>,
    pub external: Arc<dyn MailTransport>,
}

impl ByKind {
    fn pick(&self, mailbox: &SendingMailbox) -> &dyn MailTransport {
        if mailbox.kind == MailboxKind::Smtp.as_str() {
            self.smtp.as_ref()
        } else {
            self.external.as_ref()
        }
    }
}

#[async_trait]
impl MailTransport for ByKind {
    async fn send(&self, mailbox: &SendingMailbox, email: &OutgoingEmail) -> Result<String, SendError> {
        self.pick(mailbox).send(mailbox, email).await
    }

    async fn delivered(&self, mailbox: &SendingMailbox, message_id: &str) -> Option<bool> {
        self.pick(mailbox).delivered(mailbox, message_id).await
    }
}

/// Sends through Instantly or Smartlead. One per process (the resolver caches clients).
pub struct ExternalTransport {
    engine: Engine,
    resolver: Arc<Resolver>,
}

impl ExternalTransport {
    pub fn new(engine: Engine, resolver: Arc<Resolver>) -> Self {
        Self { engine, resolver }
    }

    fn provider(mailbox: &SendingMailbox) -> Result<Integration, SendError> {
        MailboxKind::parse(&mailbox.kind)
            .ok()
            .and_then(integration_of)
            .ok_or_else(|| SendError::Permanent(format!("mailbox kind {:?} does not send through a provider", mailbox.kind)))
    }

    fn campaign(mailbox: &SendingMailbox) -> Result<&str, SendError> {
        mailbox.provider_campaign.as_deref().filter(|c| !c.trim().is_empty()).ok_or_else(|| SendError::Permanent("the mailbox names no provider campaign".into()))
    }
}

/// Our idempotency key for a message: its Message-ID without the angle brackets.
pub fn key_of(message_id: &str) -> Result<IdempotencyKey, ProviderError> {
    IdempotencyKey::parse(message_id.trim().trim_start_matches('<').trim_end_matches('>'))
}

/// The plain-text body (footer included) as the HTML the platforms insert for
/// `{{agency_os_body}}`: escaped, paragraphs kept, links clickable.
pub fn text_to_html(text: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let line = |l: &str| {
        l.split(' ')
            .map(|w| {
                let w = escape(w);
                if w.starts_with("https://") || w.starts_with("http://") {
                    format!("<a href=\"{w}\">{w}</a>")
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let normalized = text.replace("\r\n", "\n");
    normalized
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().map(line).collect::<Vec<_>>().join("<br>")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn to_send_error(provider: Integration, e: ProviderError) -> SendError {
    let p = provider.label();
    match e {
        ProviderError::BadRequest(m) => SendError::Permanent(format!("{p} refused the request: {m}")),
        ProviderError::NoMatch => SendError::Permanent(format!("{p}: {e}")),
        ProviderError::Unauthorized => SendError::Transient(format!("{p} rejected the workspace's key; fix it in Settings → Integrations")),
        ProviderError::InsufficientCredits => SendError::Transient(format!("{p}: the account has no active paid plan or credits")),
        ProviderError::NotFound => SendError::Transient(format!("{p} has no such campaign; check the mailbox's campaign id")),
        // Rate limits, outages, timeouts, an unreadable answer (we cannot tell whether it was
        // queued, and a retry with the same key finds out), an open breaker.
        other => SendError::Transient(format!("{p}: {other}")),
    }
}

fn refusal_text(r: Refusal) -> &'static str {
    match r {
        Refusal::Blocklisted => "the address is on the provider account's block list",
        Refusal::Unsubscribed => "the address unsubscribed at the provider",
        Refusal::InvalidAddress => "the provider judged the address invalid",
        Refusal::AlreadyInCampaign => "the person is already in the provider's campaign with another message of ours",
    }
}

#[async_trait]
impl MailTransport for ExternalTransport {
    #[tracing::instrument(skip_all, fields(mailbox = %mailbox.id, kind = %mailbox.kind, message_id = %email.message_id))]
    async fn send(&self, mailbox: &SendingMailbox, email: &OutgoingEmail) -> Result<String, SendError> {
        let provider = Self::provider(mailbox)?;
        let campaign = Self::campaign(mailbox)?;
        // The platform sends our body as it is: without a working https link in it the person
        // could not opt out (Spam Act), so the message waits, as it does for SMTP, until the
        // installation's AGENCY_OS_PUBLIC_URL is https.
        crate::email::compose::ListUnsubscribe::new(&email.unsubscribe_url, None)
            .ok()
            .filter(|_| email.text.contains(&email.unsubscribe_url))
            .ok_or_else(|| SendError::Transient(format!("held: the unsubscribe link {:?} is not a usable https link in the body (set AGENCY_OS_PUBLIC_URL to the https address people reach)", email.unsubscribe_url)))?;
        let key = key_of(&email.message_id).map_err(|e| SendError::Permanent(e.to_string()))?;
        let outbound = OutboundEmail::new(key, campaign, &email.to, &email.subject, &text_to_html(&email.text)).map_err(|e| to_send_error(provider, e))?;
        let ws = WorkspaceId(mailbox.client_id);
        let sender = self.resolver.sender_for(ws, provider).await.map_err(|e| SendError::Transient(format!("{}: {e}", provider.label())))?;
        let p = provider.label();
        // A follow-up cannot be a second lead in the platform's campaign: it answers the lead's
        // thread there instead, as exactly once as a first touch (the key travels in the body).
        let outcome = if email.in_reply_to.is_some() {
            sender.send_follow_up(&outbound).await.map_err(|e| match e {
                ProviderError::NotFound => SendError::Transient(format!("{p} has not sent this lead's first email yet; the follow-up waits for it")),
                other => to_send_error(provider, other),
            })?
        } else {
            sender.send(&outbound).await.map_err(|e| to_send_error(provider, e))?
        };
        match outcome {
            SendOutcome::Accepted { provider_ref } if email.in_reply_to.is_some() => Ok(format!("{p} sent it in the lead's thread (message {})", provider_ref.as_deref().unwrap_or("?"))),
            SendOutcome::Accepted { provider_ref } => Ok(format!("{p} queued it in campaign {campaign} (lead {})", provider_ref.as_deref().unwrap_or("?"))),
            SendOutcome::AlreadyAccepted { provider_ref } => {
                Ok(format!("{p} already had it from an earlier attempt (lead {}); not queued again", provider_ref.as_deref().unwrap_or("?")))
            }
            SendOutcome::Refused(r) => {
                if r == Refusal::Unsubscribed {
                    // Their unsubscribe list is ours too: the next campaign must not try again.
                    if let Ok(address) = domain::suppression::canonical_email(&email.to) {
                        let claims = UnsubscribeClaims { workspace: ws, address, campaign: None };
                        if let Err(e) = unsubscribe::unsubscribe(self.engine.owner_pool(), &claims, Via::SenderRefusal).await {
                            tracing::warn!(error = %e, "could not suppress an address the provider reports unsubscribed");
                        }
                    }
                }
                Err(SendError::Permanent(format!("{p}: {}", refusal_text(r))))
            }
        }
    }

    /// Asks the platform whether the lead is in the campaign with our key. `None` when it cannot
    /// tell (error, row gone), so the row waits for a person rather than risk a second send.
    #[tracing::instrument(skip_all, fields(mailbox = %mailbox.id, kind = %mailbox.kind))]
    async fn delivered(&self, mailbox: &SendingMailbox, message_id: &str) -> Option<bool> {
        let provider = Self::provider(mailbox).ok()?;
        let campaign = Self::campaign(mailbox).ok()?;
        let ws = WorkspaceId(mailbox.client_id);
        let key = key_of(message_id).ok()?;
        let to = match async { outbox::recipient_of(&mut *self.engine.tenant(ws).await?, ws, message_id).await }.await {
            Ok(Some(to)) => to,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the message to reconcile");
                return None;
            }
        };
        // `find` reads the campaign, the recipient and the key only.
        let probe = OutboundEmail {
            key: key.clone(),
            campaign: campaign.to_string(),
            to: to.trim().to_lowercase(),
            first_name: None,
            last_name: None,
            company: None,
            subject: String::new(),
            body_html: String::new(),
        };
        let sender = self.resolver.sender_for(ws, provider).await.ok()?;
        // A first touch is a lead with our key; a follow-up a message with our key in the
        // thread of a lead holding another (its first touch's). No lead: neither went out.
        let found = match sender.find(&probe).await {
            Ok(None) => Ok(false),
            Ok(Some(f)) if f.key.as_deref() == Some(key.as_str()) => Ok(true),
            Ok(Some(_)) => sender.find_follow_up(&probe).await.map(|f| f.is_some()),
            Err(e) => Err(e),
        };
        match found {
            Ok(found) => Some(found),
            Err(e) => {
                tracing::warn!(error = %e, "cannot reconcile with the provider; the row waits");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_becomes_escaped_paragraphs_with_clickable_links() {
        let html = text_to_html("Hi <Ann> & co,\n\nWorth a chat?\nSam\n\n--\nUnsubscribe: https://app.example/u/T?a=1&b=2\n");
        assert_eq!(
            html,
            "<p>Hi &lt;Ann&gt; &amp; co,</p>\n<p>Worth a chat?<br>Sam</p>\n<p>--<br>Unsubscribe: <a href=\"https://app.example/u/T?a=1&amp;b=2\">https://app.example/u/T?a=1&amp;b=2</a></p>"
        );
    }

    #[test]
    fn the_key_is_the_message_id_without_brackets() {
        assert_eq!(key_of("<abc.1@agency.example>").unwrap().as_str(), "abc.1@agency.example");
        assert_eq!(key_of("abc.1@agency.example").unwrap().as_str(), "abc.1@agency.example");
    }

    #[test]
    fn refusals_are_permanent_and_trouble_with_the_moment_or_the_account_is_transient() {
        let p = Integration::Instantly;
        assert!(matches!(to_send_error(p, ProviderError::BadRequest("x".into())), SendError::Permanent(_)));
        for e in [
            ProviderError::RateLimited { retry_after: None },
            ProviderError::Upstream { status: 503 },
            ProviderError::Timeout,
            ProviderError::Unauthorized,
            ProviderError::InsufficientCredits,
            ProviderError::NotFound,
            ProviderError::Malformed("?".into()),
            ProviderError::CircuitOpen,
        ] {
            assert!(matches!(to_send_error(p, e.clone()), SendError::Transient(_)), "{e:?}");
        }
    }
}
