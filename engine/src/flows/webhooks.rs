//! What a sending platform's engagement and reply events mean for the lead (issue 11 §2): the part
//! of `flows::sender_events` that listens rather than protects.
//!
//! - opened / clicked → an `opened` / `clicked` activity on the lead of the URL's workspace with
//!   that address, and the status machine's `Opened` / `Clicked` signal — once per event (the
//!   activity's dedupe key is the event's identity; a replay records nothing and moves nothing);
//! - a reply or an automatic reply → `flows::replies::record` with source `instantly` /
//!   `smartlead`, threaded to the message we sent that lead through that provider (its
//!   Message-ID as In-Reply-To), so it is classified and acted on exactly like a reply read over
//!   IMAP. The body is read through the platform's API when the event names the reply by id
//!   (`ExternalSender::fetch_reply`): the webhook carries a snippet at most. Idempotent by the
//!   provider's reply id.
//!
//! What this module must not do: look outside the workspace the URL names, or write anything for
//! an address that is not a lead of it.

use crate::flows::replies::{self, IncomingReply, RecordOutcome};
use crate::flows::signals;
use crate::integrations::Resolver;
use crate::providers::sender::{cap, FetchedReply, SenderEvent, SenderEventKind, MAX_REPLY_BYTES};
use crate::store::activities::{self, NewActivity};
use crate::store::{outbox, webhook_events};
use crate::{Engine, Error, Result};
use chrono::Utc;
use domain::activity::ActivityKind;
use domain::ids::{CampaignId, MailboxId, WorkspaceId};
use domain::integrations::Integration;
use domain::lead_status::Signal;
use serde_json::json;
use sha2::{Digest, Sha256};

/// What an engagement or reply event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listened {
    /// An opened/clicked activity; `new` false when this event was already recorded.
    Engagement { new: bool },
    /// A reply recorded and classified (`new` false, no class: already recorded).
    Reply { new: bool, class: Option<String> },
    /// Acknowledged, nothing written; says why.
    Ignored(String),
}

/// The event's identity: the same body posted again gives the same key, so a replay is
/// recognised whatever the provider puts (or not) in it.
fn fingerprint(provider: Integration, event: &SenderEvent) -> String {
    let canonical = serde_json::to_vec(event).unwrap_or_default();
    format!("{}:{}", provider.slug(), hex::encode(&Sha256::digest(&canonical)[..16]))
}

/// The message of ours the event is about, with its row's ids, when we sent one to that address
/// through that provider.
struct Ours {
    message_id: String,
    outbox: uuid::Uuid,
    campaign: uuid::Uuid,
    mailbox: Option<uuid::Uuid>,
}

async fn ours(engine: &Engine, ws: WorkspaceId, provider: Integration, event: &SenderEvent, address: &str) -> Result<Option<Ours>> {
    let mut conn = engine.tenant(ws).await?;
    let Some(message_id) = outbox::last_sent_via(&mut *conn, ws, provider.slug(), event.campaign.as_deref(), address).await? else {
        return Ok(None);
    };
    Ok(outbox::sent_by_message_id(&mut conn, ws, &message_id).await?.map(|s| Ours { message_id, outbox: s.id, campaign: s.campaign_id, mailbox: s.mailbox_id }))
}

/// Opened or clicked.
#[tracing::instrument(skip(engine, event))]
pub async fn engagement(engine: &Engine, ws: WorkspaceId, provider: Integration, event: &SenderEvent) -> Result<Listened> {
    let (kind, signal, verb) = match event.kind {
        SenderEventKind::Opened => (ActivityKind::Opened, Signal::Opened, "Opened"),
        SenderEventKind::Clicked => (ActivityKind::Clicked, Signal::Clicked, "Clicked a link in"),
        _ => return Err(Error::Invalid("not an engagement event".into())),
    };
    let Some(address) = event.lead_email.as_deref() else {
        return Ok(Listened::Ignored("the event names no lead".into()));
    };
    let Some(lead) = webhook_events::lead_by_email(&mut *engine.tenant(ws).await?, ws, address).await? else {
        return Ok(Listened::Ignored("no lead of this workspace has that address".into()));
    };
    let sent = ours(engine, ws, provider, event, address).await?;
    let at = event.occurred_at.unwrap_or_else(Utc::now);
    let activity = NewActivity {
        lead: Some(lead),
        campaign: sent.as_ref().map(|s| CampaignId(s.campaign)),
        outbox: sent.as_ref().map(|s| s.outbox),
        reply: None,
        kind,
        channel: Some("email".into()),
        actor: None,
        summary: format!("{verb} the email ({})", provider.label()),
        detail: json!({ "source": provider.slug(), "step": event.step, "provider_campaign": event.campaign }),
        dedupe_key: Some(fingerprint(provider, event)),
        occurred_at: at,
    };
    let mut tx = engine.tenant(ws).await?;
    let new = activities::record(&mut tx, ws, &activity).await?;
    if new {
        let why = format!("{} reported the email {}", provider.label(), if signal == Signal::Opened { "opened" } else { "clicked" });
        signals::apply_in(&mut tx, ws, lead, activity.campaign, signal, &why, at).await?;
    }
    tx.commit().await?;
    Ok(Listened::Engagement { new })
}

/// A reply or an automatic reply.
#[tracing::instrument(skip(engine, resolver, event))]
pub async fn reply(engine: &Engine, resolver: &Resolver, ws: WorkspaceId, provider: Integration, event: &SenderEvent) -> Result<Listened> {
    let (subject, text) = match &event.kind {
        SenderEventKind::Replied { subject, text, .. } => (subject.clone(), text.clone()),
        SenderEventKind::AutoReplied { text } => (None, text.clone()),
        _ => return Err(Error::Invalid("not a reply event".into())),
    };
    let Some(address) = event.lead_email.clone() else {
        return Ok(Listened::Ignored("the event names no lead".into()));
    };
    // Read through the API only when the event carries no text (one call saved per reply, and
    // the platform's rate limits kept for sending).
    let fetched = match text {
        Some(_) => None,
        None => fetch(resolver, ws, provider, event).await?,
    };
    let text = fetched.as_ref().map(|f| f.text.clone()).filter(|t| !t.trim().is_empty()).or(text).unwrap_or_default();
    let subject = fetched.as_ref().and_then(|f| f.subject.clone()).or(subject).unwrap_or_default();
    let sent = ours(engine, ws, provider, event, &address).await?;
    // The platform's id for the reply keys it (a redelivery records nothing); without one, the
    // event itself does.
    let message_id = event.message_id.clone().map(|id| format!("{}:{id}", provider.slug())).unwrap_or_else(|| fingerprint(provider, event));
    let mut references = Vec::new();
    if let Some(rfc) = fetched.as_ref().and_then(|f| f.message_id.clone()) {
        references.push(rfc);
    }
    let incoming = IncomingReply {
        source: provider.slug().into(),
        mailbox: sent.as_ref().and_then(|s| s.mailbox).map(MailboxId),
        message_id,
        in_reply_to: sent.as_ref().map(|s| s.message_id.clone()),
        references,
        from: address,
        subject: cap(subject, 998),
        text: cap(text, MAX_REPLY_BYTES),
        received_at: fetched.as_ref().and_then(|f| f.received_at).or(event.occurred_at).unwrap_or_else(Utc::now),
        raw_headers: Vec::new(),
    };
    Ok(match replies::record(engine, ws, incoming).await? {
        RecordOutcome::Recorded { class, .. } => Listened::Reply { new: true, class: Some(class.as_str().to_string()) },
        RecordOutcome::Duplicate => Listened::Reply { new: false, class: None },
        RecordOutcome::Unmatched => Listened::Ignored("neither a message of ours nor a lead of this workspace".into()),
    })
}

/// Reads the reply through the platform's API. A failure is an error, so the webhook answers
/// 5xx and the platform delivers it again later (a reply is not recorded without its text).
async fn fetch(resolver: &Resolver, ws: WorkspaceId, provider: Integration, event: &SenderEvent) -> Result<Option<FetchedReply>> {
    let sender = resolver.sender_for(ws, provider).await?;
    sender
        .fetch_reply(event)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("reading the reply from {}: {e}", provider.label())))
}
