//! Events an external sending platform (Instantly, Smartlead) posts to
//! `/webhooks/{provider}/{workspace}/{token}` (SPEC §10.5–10.6, §11), turned into what they mean
//! for the workspace the URL names — never another:
//!
//! - a bounce or a spam complaint on a message we sent through that provider → the
//!   deliverability guard (`deliverability::record`, source `webhook`): suppression, lead
//!   status, and the sending account judged over its last sends, paused if it trips;
//! - an unsubscribe → the same path as our own unsubscribe link: suppression and the lead moved
//!   by the status machine;
//! - opened, clicked, replies and automatic replies → the lead's activities, status and inbox
//!   (`flows::webhooks`);
//! - sent, anything unknown → acknowledged, nothing written (the platforms retry any answer
//!   other than 2xx).
//!
//! The platforms know the lead and their campaign, not our Message-ID: the message is the
//! latest one the workspace sent to that address through a sending account of that provider
//! (in that campaign, when the event names one). Recording is idempotent: the same event again
//! changes nothing.

use crate::email::unsubscribe::{self, UnsubscribeClaims, Via};
use crate::flows::deliverability::{self, Outcome, Recorded};
use crate::flows::webhooks;
use crate::integrations::Resolver;
use crate::providers::sender::{SenderEvent, SenderEventKind};
use crate::store::outbox;
use crate::{Engine, Error, Result};
use domain::ids::WorkspaceId;
use domain::integrations::Integration;
use serde::Serialize;

/// What an event did, for the webhook's answer and the tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "handled", rename_all = "snake_case")]
pub enum Handled {
    /// A bounce or complaint recorded against our message (`new` false: it already was).
    Deliverability { new: bool, suppressed: bool, mailbox_paused: Option<String> },
    /// The address was suppressed (`new` false: it already was) and its lead moved if it could.
    Unsubscribed { new: bool, lead_moved: bool },
    /// An open or a click recorded on the lead (`new` false: this event already was).
    Engagement { new: bool },
    /// A reply recorded and classified (`new` false, no class: already recorded).
    Reply { new: bool, class: Option<String> },
    /// Acknowledged, nothing written; says why.
    Ignored { reason: String },
}

impl From<webhooks::Listened> for Handled {
    fn from(l: webhooks::Listened) -> Self {
        match l {
            webhooks::Listened::Engagement { new } => Handled::Engagement { new },
            webhooks::Listened::Reply { new, class } => Handled::Reply { new, class },
            webhooks::Listened::Ignored(reason) => Handled::Ignored { reason },
        }
    }
}

fn ignored(reason: impl Into<String>) -> Handled {
    Handled::Ignored { reason: reason.into() }
}

/// Records one authenticated event of `provider` for the workspace.
#[tracing::instrument(skip(engine, event))]
pub async fn record(engine: &Engine, ws: WorkspaceId, provider: Integration, event: &SenderEvent) -> Result<Handled> {
    let kind = match provider {
        Integration::Instantly => "instantly",
        Integration::Smartlead => "smartlead",
        other => return Err(Error::Invalid(format!("{} does not send email", other.label()))),
    };
    let outcome = match &event.kind {
        SenderEventKind::Bounced => Outcome::Bounce,
        SenderEventKind::Complained => Outcome::Complaint,
        SenderEventKind::Unsubscribed => return unsubscribed(engine, ws, kind, event).await,
        SenderEventKind::Sent => return Ok(ignored("sent: recorded when the provider accepted it")),
        SenderEventKind::Opened | SenderEventKind::Clicked => return Ok(webhooks::engagement(engine, ws, provider, event).await?.into()),
        SenderEventKind::Replied { .. } | SenderEventKind::AutoReplied { .. } => {
            let resolver = Resolver::from_engine(engine);
            return Ok(webhooks::reply(engine, &resolver, ws, provider, event).await?.into());
        }
        SenderEventKind::Other { name } => return Ok(ignored(format!("unknown event {name:?}"))),
    };
    let Some(address) = event.lead_email.as_deref() else {
        return Ok(ignored("the event names no lead"));
    };
    let Some(message_id) = outbox::last_sent_via(&mut *engine.tenant(ws).await?, ws, kind, event.campaign.as_deref(), address).await? else {
        return Ok(ignored("no message of ours to this lead through this provider"));
    };
    match deliverability::record(engine, ws, &message_id, outcome, "webhook").await {
        Ok(Recorded { new, suppressed, mailbox_paused, .. }) => Ok(Handled::Deliverability { new, suppressed, mailbox_paused }),
        // Found a moment ago; gone only if the row changed state meanwhile.
        Err(Error::NotFound(_)) => Ok(ignored("the message is no longer a sent one")),
        Err(e) => Err(e),
    }
}

/// Our own unsubscribe path, with the campaign of the message it concerns when there is one.
async fn unsubscribed(engine: &Engine, ws: WorkspaceId, kind: &str, event: &SenderEvent) -> Result<Handled> {
    let Some(raw) = event.lead_email.as_deref() else {
        return Ok(ignored("the event names no lead"));
    };
    let Ok(address) = domain::suppression::canonical_email(raw) else {
        return Ok(ignored("the lead's address is not an email address"));
    };
    // The provider's campaign lies outside ours; our campaign comes from the message we sent.
    let last = outbox::last_sent_via(&mut *engine.tenant(ws).await?, ws, kind, event.campaign.as_deref(), &address).await?;
    let campaign = match last {
        Some(message_id) => campaign_of(engine, ws, &message_id).await?,
        None => None,
    };
    let claims = UnsubscribeClaims { workspace: ws, address, campaign };
    // `unsubscribe` opens its own transaction confined to the claims' workspace.
    let out = unsubscribe::unsubscribe(engine.owner_pool(), &claims, Via::Webhook).await?;
    Ok(Handled::Unsubscribed { new: out.newly_suppressed, lead_moved: out.lead.is_some() })
}

async fn campaign_of(engine: &Engine, ws: WorkspaceId, message_id: &str) -> Result<Option<uuid::Uuid>> {
    let mut conn = engine.tenant(ws).await?;
    Ok(outbox::sent_by_message_id(&mut conn, ws, message_id).await?.map(|s| s.campaign_id))
}
