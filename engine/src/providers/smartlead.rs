//! Smartlead as an external sender, and its webhook events.
//!
//! Written against Smartlead's API documentation (api.smartlead.ai, "Add Leads to Campaign",
//! "Get Lead by Email", the webhook events reference): the key is the `api_key` *query
//! parameter*; `POST /campaigns/{campaign_id}/leads` takes `{"lead_list": [...], "settings":
//! {...}}` with `custom_fields` per lead and answers counts; `GET /leads/?email=` returns the lead
//! with its `custom_fields` and the campaigns it is in. Errors are `{"error": …}` or
//! `{"message": …}` with 400, 401, 404, 422, 429 and 500.
//!
//! Smartlead's documents disagree on the names of the add-leads counts (`upload_count` /
//! `added_count` / `inserted_count`, `already_added_to_campaign` / `duplicate_count`,
//! `block_count` / `blocked_count`, `unsubscribed_leads`), so every name is read. They also document two webhook payload shapes (flat with `event_type`, nested with
//! `event` and a `lead` object); both are read.
//!
//! The key travels in the query string: URLs are never logged or put in errors (transport
//! errors are stripped of them in `http::transport_error`).

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::sender::*;
use super::*;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use subtle::ConstantTimeEq;

pub const DEFAULT_BASE_URL: &str = "https://server.smartlead.ai/api/v1";

#[derive(Debug, Clone)]
pub struct SmartleadClient {
    http: HttpCore,
    key: ApiKey,
}

impl SmartleadClient {
    pub fn new(key: ApiKey, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::Smartlead, &settings)?,
            key,
        })
    }

    pub fn with_defaults(key: ApiKey) -> Result<Self, ProviderError> {
        Self::new(key, HttpSettings::new(DEFAULT_BASE_URL))
    }
}

impl SmartleadClient {
    /// One cheap authenticated call ("Test connection"): the account's campaigns.
    pub async fn check(&self) -> Result<(), ProviderError> {
        let url = self.http.url("campaigns/");
        let _: Value = self.http.send(|c| c.get(&url).query(&[("api_key", self.key.expose())]), classify).await?;
        Ok(())
    }
}

/// Smartlead campaign ids are integers; anything else is refused before a call is made.
fn campaign_id(email: &OutboundEmail) -> Result<u64, ProviderError> {
    email
        .campaign
        .parse::<u64>()
        .map_err(|_| ProviderError::BadRequest("a Smartlead campaign id is a number".into()))
}

#[derive(Deserialize)]
struct ErrorBody {
    error: Option<Value>,
    message: Option<String>,
}

fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .and_then(|e| {
            e.message.or(e.error.map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            }))
        })
        .unwrap_or_else(|| excerpt(body))
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<T, ProviderError> {
    match r.status {
        200..=299 => parse_json(&r.body),
        s => Err(common_status_error(s, &r.headers, || error_message(&r.body))),
    }
}

/// Every count under each name Smartlead's documents use; a name may be missing from an answer,
/// and some answers carry two of them (`already_added_to_campaign` *and* `duplicate_count`).
#[derive(Deserialize)]
struct AddResult {
    ok: Option<bool>,
    upload_count: Option<u32>,
    added_count: Option<u32>,
    inserted_count: Option<u32>,
    already_added_to_campaign: Option<u32>,
    /// Duplicates skipped. We send one lead per request, so it cannot be a duplicate of another
    /// lead in the request: it is already in the campaign.
    duplicate_count: Option<u32>,
    block_count: Option<u32>,
    blocked_count: Option<u32>,
    unsubscribed_leads: Option<Value>,
    invalid_email_count: Option<u32>,
    message: Option<String>,
    error: Option<String>,
}

fn sum(counts: &[Option<u32>]) -> u32 {
    counts.iter().map(|c| c.unwrap_or(0)).sum()
}

/// `unsubscribed_leads` is a count in some answers and the list of addresses in others.
fn count(v: &Option<Value>) -> u32 {
    match v {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as u32,
        Some(Value::Array(a)) => a.len() as u32,
        _ => 0,
    }
}

#[derive(Deserialize)]
struct FoundLead {
    id: Option<Value>,
    custom_fields: Option<Map<String, Value>>,
    lead_campaign_data: Option<Vec<LeadCampaign>>,
}

#[derive(Deserialize)]
struct LeadCampaign {
    campaign_id: Option<Value>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Message history (`GET /campaigns/{c}/leads/{lead}/message-history`). The official page shows
/// `{messages: [{direction, …}]}`, clients observe `{history: [{type: SENT|REPLY, …}]}`: both are
/// read.
#[derive(Deserialize)]
struct History {
    history: Option<Vec<HistoryItem>>,
    messages: Option<Vec<HistoryItem>>,
}

#[derive(Deserialize)]
struct HistoryItem {
    #[serde(rename = "type")]
    kind: Option<String>,
    stats_id: Option<String>,
    direction: Option<String>,
    message_id: Option<String>,
    time: Option<String>,
    received_at: Option<String>,
    email_body: Option<String>,
    subject: Option<String>,
}

impl HistoryItem {
    fn is_reply(&self) -> bool {
        self.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("REPLY")) || self.direction.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("inbound"))
    }
}

impl SmartleadClient {
    /// Smartlead's id of the lead with this address, if it is in `campaign`.
    async fn lead_id(&self, campaign: u64, address: &str) -> Result<Option<String>, ProviderError> {
        let url = self.http.url("leads/");
        let lead: Option<FoundLead> = match self.http.send(|c| c.get(&url).query(&[("email", address), ("api_key", self.key.expose())]), classify).await {
            Ok(l) => l,
            Err(ProviderError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(lead) = lead else { return Ok(None) };
        let in_campaign = lead
            .lead_campaign_data
            .as_ref()
            .is_none_or(|cs| cs.iter().any(|c| c.campaign_id.as_ref().and_then(text_of).as_deref() == Some(&campaign.to_string())));
        // Smartlead's lead ids are numbers; anything else never reaches a URL path.
        Ok(lead.id.as_ref().and_then(text_of).filter(|id| in_campaign && id.chars().all(|c| c.is_ascii_digit())))
    }

    /// The lead's thread in the campaign, oldest first.
    async fn history(&self, campaign: u64, lead: &str) -> Result<Vec<HistoryItem>, ProviderError> {
        let url = self.http.url(&format!("campaigns/{campaign}/leads/{lead}/message-history"));
        let history: History = match self.http.send(|c| c.get(&url).query(&[("api_key", self.key.expose())]), classify).await {
            Ok(h) => h,
            Err(ProviderError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(history.history.or(history.messages).unwrap_or_default())
    }
}

fn ours(history: &[HistoryItem], key: &IdempotencyKey) -> Option<FoundSend> {
    history
        .iter()
        .find(|h| !h.is_reply() && h.email_body.as_deref().is_some_and(|b| carries_key(b, key)))
        .map(|h| FoundSend { provider_ref: h.stats_id.clone(), key: Some(key.to_string()) })
}

#[async_trait]
impl ExternalSender for SmartleadClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Smartlead
    }

    #[tracing::instrument(skip_all, fields(provider = "smartlead", key = %email.key))]
    async fn send(&self, email: &OutboundEmail) -> Result<SendOutcome, ProviderError> {
        let campaign = campaign_id(email)?;
        let mut lead = json!({
            "email": email.to,
            "custom_fields": {
                KEY_VARIABLE: email.key.as_str(),
                SUBJECT_VARIABLE: email.subject,
                BODY_VARIABLE: email.body_html,
            }
        });
        for (field, value) in [
            ("first_name", &email.first_name),
            ("last_name", &email.last_name),
            ("company_name", &email.company),
        ] {
            if let Some(v) = value {
                lead[field] = json!(v);
            }
        }
        let body = json!({
            "lead_list": [lead],
            "settings": {
                "ignore_global_block_list": false,
                "ignore_unsubscribe_list": false,
                // Our other campaigns may hold the same person; only this campaign is our concern.
                "ignore_duplicate_leads_in_other_campaign": true,
            }
        });
        let url = self.http.url(&format!("campaigns/{campaign}/leads"));
        let r: AddResult = self
            .http
            .send(
                |c| c.post(&url).query(&[("api_key", self.key.expose())]).json(&body),
                classify,
            )
            .await?;
        if r.ok == Some(false) {
            return Err(ProviderError::BadRequest(
                r.message.or(r.error).unwrap_or_else(|| "Smartlead refused the leads".into()),
            ));
        }
        if sum(&[r.upload_count, r.added_count, r.inserted_count]) > 0 {
            // The answer names no lead id; webhooks identify the lead by address and campaign.
            return Ok(SendOutcome::Accepted { provider_ref: None });
        }
        if count(&r.unsubscribed_leads) > 0 {
            return Ok(SendOutcome::Refused(Refusal::Unsubscribed));
        }
        if sum(&[r.block_count, r.blocked_count]) > 0 {
            return Ok(SendOutcome::Refused(Refusal::Blocklisted));
        }
        if r.invalid_email_count.unwrap_or(0) > 0 {
            return Ok(SendOutcome::Refused(Refusal::InvalidAddress));
        }
        if sum(&[r.already_added_to_campaign, r.duplicate_count]) > 0 {
            return Ok(reconcile(self.find(email).await?, &email.key));
        }
        // Nothing uploaded and no reason given: we cannot tell whether it is queued, so the
        // dispatcher must reconcile (`find`) rather than resend.
        Err(ProviderError::Malformed(
            "Smartlead answered without adding or skipping the lead".into(),
        ))
    }

    #[tracing::instrument(skip_all, fields(provider = "smartlead", key = %email.key))]
    async fn find(&self, email: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError> {
        let campaign = campaign_id(email)?;
        let url = self.http.url("leads/");
        let result: Result<Option<FoundLead>, ProviderError> = self
            .http
            .send(
                |c| {
                    c.get(&url)
                        .query(&[("email", email.to.as_str()), ("api_key", self.key.expose())])
                },
                classify,
            )
            .await;
        let lead = match result {
            Ok(Some(l)) => l,
            Ok(None) | Err(ProviderError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(id) = lead.id.as_ref().and_then(text_of) else {
            return Ok(None);
        };
        // Without campaign data we cannot tell which campaign holds it; the key decides then.
        let in_campaign = lead.lead_campaign_data.as_ref().is_none_or(|cs| {
            cs.iter()
                .any(|c| c.campaign_id.as_ref().and_then(text_of).as_deref() == Some(&campaign.to_string()))
        });
        if !in_campaign {
            return Ok(None);
        }
        Ok(Some(FoundSend {
            key: lead
                .custom_fields
                .as_ref()
                .and_then(|f| f.get(KEY_VARIABLE))
                .and_then(text_of),
            provider_ref: Some(id),
        }))
    }

    /// The reply an `EMAIL_REPLY` event names, from the lead's message history in the campaign
    /// (the lead found by address, as `find` does): the entry with the event's Message-ID, else
    /// the latest reply.
    #[tracing::instrument(skip_all, fields(provider = "smartlead"))]
    async fn fetch_reply(&self, event: &SenderEvent) -> Result<Option<FetchedReply>, ProviderError> {
        let (Some(campaign), Some(address)) = (event.campaign.as_deref().and_then(|c| c.parse::<u64>().ok()), event.lead_email.as_deref()) else {
            return Ok(None);
        };
        let Some(lead) = self.lead_id(campaign, address).await? else {
            return Ok(None);
        };
        let replies: Vec<HistoryItem> = self.history(campaign, &lead).await?.into_iter().filter(HistoryItem::is_reply).collect();
        let wanted = event.message_id.as_deref().map(|m| m.trim_matches(['<', '>']));
        let position = replies
            .iter()
            .position(|r| r.message_id.as_deref().map(|m| m.trim_matches(['<', '>'])) == wanted && wanted.is_some())
            .or(replies.len().checked_sub(1));
        let Some(item) = position.and_then(|i| replies.into_iter().nth(i)) else {
            return Ok(None);
        };
        Ok(Some(FetchedReply {
            subject: non_empty(item.subject),
            text: cap(item.email_body.as_deref().map(html_to_text).unwrap_or_default(), MAX_REPLY_BYTES),
            message_id: non_empty(item.message_id),
            received_at: parse_time(item.time.as_deref()).or(parse_time(item.received_at.as_deref())),
        }))
    }

    /// `POST /campaigns/{id}/reply-email-thread` answering the newest message of the lead's
    /// thread, after reading the thread for our key (see the trait).
    #[tracing::instrument(skip_all, fields(provider = "smartlead", key = %email.key))]
    async fn send_follow_up(&self, email: &OutboundEmail) -> Result<SendOutcome, ProviderError> {
        let campaign = campaign_id(email)?;
        let lead = self.lead_id(campaign, &email.to).await?.ok_or(ProviderError::NotFound)?;
        let history = self.history(campaign, &lead).await?;
        if let Some(found) = ours(&history, &email.key) {
            return Ok(SendOutcome::AlreadyAccepted { provider_ref: found.provider_ref });
        }
        // The thread is our campaign's sent message (its stats id is what a reply hangs on);
        // the message answered is the newest one, ours or theirs, quoted as Smartlead's clients do.
        let stats_id = history.iter().rev().filter(|h| !h.is_reply()).find_map(|h| h.stats_id.clone()).ok_or(ProviderError::NotFound)?;
        let last = history.last().ok_or(ProviderError::NotFound)?;
        let body = json!({
            "email_stats_id": stats_id,
            "email_body": format!("{}\n{}", email.body_html, key_marker(&email.key)),
            "reply_message_id": last.message_id,
            "reply_email_time": last.time,
            "reply_email_body": last.email_body,
            "to_email": email.to,
        });
        let url = self.http.url(&format!("campaigns/{campaign}/reply-email-thread"));
        let _: Value = self.http.send(|c| c.post(&url).query(&[("api_key", self.key.expose())]).json(&body), classify).await?;
        Ok(SendOutcome::Accepted { provider_ref: Some(stats_id) })
    }

    async fn find_follow_up(&self, email: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError> {
        let campaign = campaign_id(email)?;
        let Some(lead) = self.lead_id(campaign, &email.to).await? else {
            return Ok(None);
        };
        Ok(ours(&self.history(campaign, &lead).await?, &email.key))
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Hook {
    #[serde(alias = "event")]
    event_type: String,
    campaign_id: Option<Value>,
    sl_lead_email: Option<String>,
    lead_email: Option<String>,
    to_email: Option<String>,
    lead: Option<HookLead>,
    sender_detail: Option<String>,
    sequence_number: Option<u32>,
    message_id: Option<String>,
    subject: Option<String>,
    visible_text: Option<String>,
    reply_message: Option<ReplyMessage>,
    time_sent: Option<String>,
    time_opened: Option<String>,
    event_timestamp: Option<String>,
    timestamp: Option<String>,
}

#[derive(Deserialize)]
struct HookLead {
    email: Option<String>,
}

#[derive(Deserialize)]
struct ReplyMessage {
    message_id: Option<String>,
    text: Option<String>,
    html: Option<String>,
    time: Option<String>,
}

/// Reads one Smartlead webhook body, either documented shape. `Malformed` when it is not JSON or
/// names no event.
pub fn parse_webhook(body: &[u8]) -> Result<SenderEvent, ProviderError> {
    let h: Hook = parse_json(body)?;
    let name = h.event_type.trim().to_ascii_uppercase();
    let reply_text = h
        .reply_message
        .as_ref()
        .and_then(|m| non_empty(m.text.clone()).or_else(|| non_empty(m.html.as_deref().map(html_to_text))))
        .or(non_empty(h.visible_text.clone()))
        .map(|t| cap(t, MAX_REPLY_BYTES));
    let untracked = name == "UNTRACKED_REPLIES";
    let kind = match name.as_str() {
        "EMAIL_SENT" | "FIRST_EMAIL_SENT" => SenderEventKind::Sent,
        "EMAIL_OPEN" => SenderEventKind::Opened,
        "EMAIL_LINK_CLICK" => SenderEventKind::Clicked,
        "EMAIL_REPLY" | "UNTRACKED_REPLIES" => SenderEventKind::Replied {
            subject: non_empty(h.subject.clone()),
            text: reply_text,
            untracked,
        },
        "EMAIL_BOUNCE" => SenderEventKind::Bounced,
        "LEAD_UNSUBSCRIBED" => SenderEventKind::Unsubscribed,
        _ => SenderEventKind::Other {
            name: h.event_type.trim().to_string(),
        },
    };
    // An untracked reply comes *from* the lead: the sender is the lead, the recipient our mailbox.
    let lead_email = if untracked {
        address_of(h.sender_detail.as_deref())
    } else {
        [
            h.sl_lead_email.as_deref(),
            h.lead_email.as_deref(),
            h.lead.as_ref().and_then(|l| l.email.as_deref()),
            h.to_email.as_deref(),
        ]
        .into_iter()
        .find_map(address_of)
    };
    let message_id = h
        .reply_message
        .as_ref()
        .and_then(|m| non_empty(m.message_id.clone()))
        .or(non_empty(h.message_id));
    let occurred_at = [
        h.reply_message.as_ref().and_then(|m| m.time.as_deref()),
        h.time_sent.as_deref(),
        h.time_opened.as_deref(),
        h.event_timestamp.as_deref(),
        h.timestamp.as_deref(),
    ]
    .into_iter()
    .find_map(parse_time);
    Ok(SenderEvent {
        provider: ProviderName::Smartlead,
        kind,
        lead_email,
        campaign: h.campaign_id.as_ref().and_then(text_of),
        occurred_at,
        step: h.sequence_number,
        message_id,
    })
}

/// Whether the body's `secret_key` (set on the webhook in Smartlead) is `expected`, compared in
/// constant time. The intake route refuses the webhook when it is not.
pub fn webhook_secret_matches(body: &[u8], expected: &ApiKey) -> bool {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return false;
    };
    let Some(got) = v.get("secret_key").and_then(Value::as_str) else {
        return false;
    };
    !expected.expose().is_empty() && bool::from(got.as_bytes().ct_eq(expected.expose().as_bytes()))
}
