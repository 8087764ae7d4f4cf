//! The deliverability guard (SPEC §10.5–10.6): a hard bounce or a spam complaint on a message
//! we sent is recorded on its outbox row, suppresses the address before the next send, moves
//! the lead through the status machine, and then the mailbox that sent it is judged over its
//! last 100 sends (`domain::deliverability`). A mailbox that trips the guard pauses itself with
//! the reason the Mailboxes page shows, and an audit row (the alert).
//!
//! Callers are the intakes: a bounce message read from a mailbox ([`record_bounce_message`],
//! which uses `domain::bounce`), a provider webhook or feedback loop naming the Message-ID
//! ([`record`]). Recording the same outcome twice changes nothing.

use crate::store::outbox::{self, SentMessage};
use crate::flows::signals;
use crate::store::activities::{self, NewActivity};
use crate::store::{audit, campaigns, mailboxes, suppressions};
use crate::{Engine, Error, Result};
use domain::deliverability::{pause_reason, MailboxHealth, WINDOW};
use domain::activity::ActivityKind;
use domain::ids::{CampaignId, MailboxId, WorkspaceId};
use domain::leads::LeadId;
use domain::lead_status::Signal;
use serde_json::json;
use sqlx::PgConnection;

/// What happened to a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A permanent delivery failure (5xx, "user unknown").
    Bounce,
    /// The recipient marked it as spam.
    Complaint,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Bounce => "bounce",
            Outcome::Complaint => "complaint",
        }
    }
}

/// What recording an outcome changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recorded {
    /// False when this outcome was already recorded for the message (nothing else changed).
    pub new: bool,
    pub suppressed: bool,
    pub lead_status: Option<String>,
    /// The reason the sending mailbox was paused, when this outcome tripped the guard.
    pub mailbox_paused: Option<String>,
}

/// Records a bounce or complaint for the message we sent with `message_id` (with or without
/// angle brackets). `source` says how it arrived (`dsn`, `webhook`, `fbl`). `NotFound` when
/// the workspace sent no such message.
#[tracing::instrument(skip(engine))]
pub async fn record(engine: &Engine, ws: WorkspaceId, message_id: &str, outcome: Outcome, source: &str) -> Result<Recorded> {
    let mut tx = engine.tenant(ws).await?;
    let sent = outbox::sent_by_message_id(&mut tx, ws, message_id).await?.ok_or(Error::NotFound("sent message"))?;
    let done = apply(&mut tx, ws, &sent, outcome, source).await?;
    tx.commit().await?;
    if let Some(reason) = &done.mailbox_paused {
        tracing::warn!(workspace = %ws, mailbox = ?sent.mailbox_id, reason, "deliverability guard paused a mailbox");
    }
    Ok(done)
}

async fn apply(tx: &mut PgConnection, ws: WorkspaceId, sent: &SentMessage, outcome: Outcome, source: &str) -> Result<Recorded> {
    let complaint = outcome == Outcome::Complaint;
    if !outbox::mark_outcome(tx, ws, sent.id, complaint).await? {
        return Ok(Recorded::default());
    }
    let reason = if complaint { suppressions::Reason::Complained } else { suppressions::Reason::Bounced };
    let suppressed = suppressions::insert(tx, ws, &suppressions::NewSuppression { address: &sent.to_address, reason, source, campaign_id: Some(sent.campaign_id) }).await?;

    let lead = LeadId(sent.lead_id);
    let campaign = Some(CampaignId(sent.campaign_id));
    let now = chrono::Utc::now();
    let (kind, summary) = if complaint {
        (ActivityKind::Complained, format!("Marked our email as spam; {} suppressed", sent.to_address))
    } else {
        (ActivityKind::Bounced, format!("Email to {} bounced; address suppressed", sent.to_address))
    };
    activities::record(
        tx,
        ws,
        &NewActivity {
            campaign,
            outbox: Some(sent.id),
            channel: Some("email".into()),
            detail: json!({ "address": sent.to_address, "source": source, "suppressed": suppressed }),
            dedupe_key: Some(format!("{}:{}", outcome.as_str(), sent.id)),
            ..NewActivity::on_lead(lead, kind, summary, now)
        },
    )
    .await?;
    // The status machine decides; a lead already terminal keeps its status and the
    // suppression alone stops further sends.
    let signal = if complaint { Signal::Complained } else { Signal::Bounced };
    let why = if complaint { "spam complaint" } else { "hard bounce" };
    let lead_status = signals::apply_in(tx, ws, lead, campaign, signal, why, now).await?.map(|(_, to)| to.as_str().to_string());
    campaigns::exit_lead(tx, ws, lead.0, if complaint { "complained" } else { "bounced" }, now).await?;
    audit::record(
        tx,
        audit::Record {
            workspace: Some(ws),
            actor: None,
            action: if complaint { "email.complained" } else { "email.bounced" },
            target_type: "outbox",
            target_id: Some(sent.id.to_string()),
            before: None,
            after: Some(json!({ "address": sent.to_address, "source": source, "suppressed": suppressed, "lead_status": lead_status })),
        },
    )
    .await?;

    let mut mailbox_paused = None;
    if let Some(m) = sent.mailbox_id.map(MailboxId) {
        let (sends, bounces, complaints) = mailboxes::recent_outcomes(&mut *tx, ws, m, i64::from(WINDOW)).await?;
        let health = MailboxHealth { sends: sends as u32, bounces: bounces as u32, complaints: complaints as u32 };
        if let Some(reason) = pause_reason(health) {
            if mailboxes::pause(&mut *tx, ws, m, &reason).await? {
                audit::record(
                    tx,
                    audit::Record {
                        workspace: Some(ws),
                        actor: None,
                        action: "mailbox.paused_by_guard",
                        target_type: "mailbox",
                        target_id: Some(m.to_string()),
                        before: None,
                        after: Some(json!({ "reason": reason, "sends": sends, "bounces": bounces, "complaints": complaints, "trigger": outcome.as_str() })),
                    },
                )
                .await?;
                mailbox_paused = Some(reason);
            }
        }
    }
    Ok(Recorded { new: true, suppressed, lead_status, mailbox_paused })
}

/// Reads a bounce message that came back to one of the workspace's mailboxes and records a
/// bounce for each permanently failed recipient we sent to: matched by a Message-ID the
/// report quotes, else the latest message sent to that address. Temporary failures change
/// nothing (the sending server retries them). Returns what each recorded bounce changed.
pub async fn record_bounce_message(engine: &Engine, ws: WorkspaceId, raw: &[u8]) -> Result<Vec<Recorded>> {
    let report = domain::bounce::parse_bounce(raw);
    let quoted = quoted_message_ids(raw);
    let mut out = Vec::new();
    for address in &report.permanent {
        let mut tx = engine.tenant(ws).await?;
        let mut found = None;
        for id in &quoted {
            if let Some(sent) = outbox::sent_by_message_id(&mut tx, ws, id).await? {
                if sent.to_address.eq_ignore_ascii_case(address) {
                    found = Some(sent);
                    break;
                }
            }
        }
        if found.is_none() {
            if let Some(id) = outbox::last_sent_to(&mut tx, ws, address).await? {
                found = outbox::sent_by_message_id(&mut tx, ws, &id).await?;
            }
        }
        let Some(sent) = found else { continue };
        let done = apply(&mut tx, ws, &sent, Outcome::Bounce, "dsn").await?;
        tx.commit().await?;
        out.push(done);
    }
    Ok(out)
}

/// Every `<…@…>` on a Message-ID header line of the report (its own, and the one of the
/// returned original, which is ours).
fn quoted_message_ids(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(256 * 1024)]);
    let mut ids = Vec::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else { continue };
        if !name.trim().eq_ignore_ascii_case("message-id") {
            continue;
        }
        let value = value.trim();
        if let (Some(start), Some(end)) = (value.find('<'), value.find('>')) {
            if start < end && value[start..end].contains('@') && !ids.iter().any(|i: &String| i == &value[start..=end]) {
                ids.push(value[start..=end].to_string());
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::quoted_message_ids;

    #[test]
    fn message_ids_are_read_from_the_report_and_the_returned_headers() {
        let raw = b"Message-ID: <dsn1@mx.example>\r\nSubject: Undelivered\r\n\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\nmessage-id:  <abc@agency.example>\r\nMessage-Id: <abc@agency.example>\r\n";
        assert_eq!(quoted_message_ids(raw), ["<dsn1@mx.example>", "<abc@agency.example>"]);
    }
}
