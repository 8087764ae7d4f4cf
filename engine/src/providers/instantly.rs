//! Instantly (API v2) as an external sender, and its webhook events.
//!
//! Written against Instantly's published OpenAPI document (`../shared/reference/providers/
//! instantly-v2-openapi.json`): the key is a Bearer token; `POST /api/v2/leads/add` adds leads
//! to a campaign with custom variables and answers a summary (`leads_uploaded`, `in_blocklist`,
//! `duplicated_leads`, `skipped_count`, `invalid_email_count`, `created_leads[{id, index}]`);
//! `POST /api/v2/leads/list` finds leads by campaign and address, each with its custom variables
//! in `payload`. Errors are `{"statusCode", "error", "message"}` with 400, 401, 402 (no paid
//! plan), 404 and 429.
//!
//! How a send maps onto a campaign and why the key is a custom variable: see [`super::sender`].
//!
//! Webhooks: Instantly signs nothing (subscriptions may set custom headers, which the intake route
//! checks); the payload is flat, keyed on `event_type` (`instantly-webhooks.DERIVED.json`).

use super::http::{common_status_error, excerpt, parse_json, HttpCore, HttpSettings, Reply};
use super::sender::*;
use super::*;
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub const DEFAULT_BASE_URL: &str = "https://api.instantly.ai";

#[derive(Debug, Clone)]
pub struct InstantlyClient {
    http: HttpCore,
    key: ApiKey,
}

impl InstantlyClient {
    pub fn new(key: ApiKey, settings: HttpSettings) -> Result<Self, ProviderError> {
        Ok(Self {
            http: HttpCore::new(ProviderName::Instantly, &settings)?,
            key,
        })
    }

    pub fn with_defaults(key: ApiKey) -> Result<Self, ProviderError> {
        Self::new(key, HttpSettings::new(DEFAULT_BASE_URL))
    }

    /// One cheap authenticated call ("Test connection"): the first campaign of the account.
    pub async fn check(&self) -> Result<(), ProviderError> {
        let url = self.http.url("api/v2/campaigns");
        let _: Value = self.http.send(|c| c.get(&url).bearer_auth(self.key.expose()).query(&[("limit", "1")]), classify).await?;
        Ok(())
    }

    async fn post<T: serde::de::DeserializeOwned>(&self, path: &str, body: Value) -> Result<T, ProviderError> {
        let url = self.http.url(path);
        self.http
            .send(
                |c| c.post(&url).bearer_auth(self.key.expose()).json(&body),
                classify,
            )
            .await
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    error: Option<String>,
}

fn classify<T: serde::de::DeserializeOwned>(r: Reply) -> Result<T, ProviderError> {
    let message = || {
        serde_json::from_slice::<ErrorBody>(&r.body)
            .ok()
            .and_then(|e| e.message.or(e.error))
            .unwrap_or_else(|| excerpt(&r.body))
    };
    match r.status {
        200..=299 => parse_json(&r.body),
        // "Workspace does not have an active paid plan": every call will fail until someone pays.
        402 => Err(ProviderError::InsufficientCredits),
        s => Err(common_status_error(s, &r.headers, message)),
    }
}

/// The parts of the bulk-add summary we act on; Instantly documents all of them as required.
#[derive(Deserialize)]
struct AddSummary {
    leads_uploaded: u32,
    #[serde(default)]
    in_blocklist: u32,
    #[serde(default)]
    duplicated_leads: u32,
    #[serde(default)]
    skipped_count: u32,
    #[serde(default)]
    invalid_email_count: u32,
    #[serde(default)]
    created_leads: Vec<CreatedLead>,
}

#[derive(Deserialize)]
struct CreatedLead {
    id: String,
}

#[derive(Deserialize)]
struct LeadPage {
    items: Vec<Lead>,
}

#[derive(Deserialize)]
struct Lead {
    id: String,
    email: Option<String>,
    campaign: Option<String>,
    payload: Option<Map<String, Value>>,
}

/// Instantly's Email object (`GET /api/v2/emails/{id}`), the parts a reply needs.
#[derive(Deserialize)]
struct Email {
    message_id: Option<String>,
    subject: Option<String>,
    body: Option<EmailBody>,
    content_preview: Option<String>,
    timestamp_email: Option<String>,
    timestamp_created: Option<String>,
}

#[derive(Deserialize)]
struct EmailBody {
    text: Option<String>,
    html: Option<String>,
}

/// One message of the lead's thread as `GET /api/v2/emails` lists it.
#[derive(Deserialize)]
struct ThreadEmail {
    id: String,
    eaccount: Option<String>,
    /// 1 sent from the campaign, 2 received, 3 sent by hand or as a reply, 4 scheduled.
    ue_type: Option<u8>,
    body: Option<EmailBody>,
}

#[derive(Deserialize)]
struct EmailPage {
    items: Vec<ThreadEmail>,
}

impl InstantlyClient {
    /// The lead's messages in the campaign, newest first (Instantly's default order). The first
    /// page is enough: a cold thread holds a handful of messages.
    async fn thread(&self, email: &OutboundEmail) -> Result<Vec<ThreadEmail>, ProviderError> {
        let url = self.http.url("api/v2/emails");
        let page: Result<EmailPage, ProviderError> = self
            .http
            .send(
                |c| c.get(&url).bearer_auth(self.key.expose()).query(&[("lead", email.to.as_str()), ("campaign_id", email.campaign.as_str()), ("limit", "50")]),
                classify,
            )
            .await;
        match page {
            Ok(p) => Ok(p.items),
            Err(ProviderError::NotFound) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

fn ours(thread: &[ThreadEmail], key: &IdempotencyKey) -> Option<FoundSend> {
    thread
        .iter()
        .find(|e| e.body.as_ref().and_then(|b| b.html.as_deref()).is_some_and(|h| carries_key(h, key)))
        .map(|e| FoundSend { provider_ref: Some(e.id.clone()), key: Some(key.to_string()) })
}

/// Instantly's ids are UUIDs; anything else never reaches a URL path.
fn path_safe(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[async_trait]
impl ExternalSender for InstantlyClient {
    fn provider(&self) -> ProviderName {
        ProviderName::Instantly
    }

    #[tracing::instrument(skip_all, fields(provider = "instantly", key = %email.key))]
    async fn send(&self, email: &OutboundEmail) -> Result<SendOutcome, ProviderError> {
        let mut lead = json!({
            "email": email.to,
            "custom_variables": {
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
            "campaign_id": email.campaign,
            "leads": [lead],
            // The lead may be in our other campaigns (another client's, another cadence); only a
            // duplicate in *this* campaign matters, and Instantly reports that as duplicated_leads.
            "skip_if_in_workspace": false,
            "skip_if_in_campaign": false,
            "verify_leads_on_import": false,
        });
        let s: AddSummary = self.post("api/v2/leads/add", body).await?;
        if s.leads_uploaded > 0 {
            return Ok(SendOutcome::Accepted {
                provider_ref: s.created_leads.into_iter().next().map(|l| l.id),
            });
        }
        if s.in_blocklist > 0 {
            return Ok(SendOutcome::Refused(Refusal::Blocklisted));
        }
        if s.invalid_email_count > 0 {
            return Ok(SendOutcome::Refused(Refusal::InvalidAddress));
        }
        if s.duplicated_leads > 0 || s.skipped_count > 0 {
            return Ok(reconcile(self.find(email).await?, &email.key));
        }
        Err(ProviderError::Malformed(
            "Instantly accepted the request but neither uploaded nor skipped the lead".into(),
        ))
    }

    #[tracing::instrument(skip_all, fields(provider = "instantly", key = %email.key))]
    async fn find(&self, email: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError> {
        let body = json!({
            "campaign": email.campaign,
            "contacts": [email.to],
            "limit": 10,
        });
        let page: LeadPage = self.post("api/v2/leads/list", body).await?;
        Ok(page
            .items
            .into_iter()
            .filter(|l| l.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&email.to)))
            .find(|l| l.campaign.as_deref().is_none_or(|c| c == email.campaign))
            .map(|l| FoundSend {
                key: l
                    .payload
                    .as_ref()
                    .and_then(|p| p.get(KEY_VARIABLE))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                provider_ref: Some(l.id),
            }))
    }

    /// `GET /api/v2/emails/{email_id}`: the reply a `reply_received` webhook names by its
    /// `email_id`, with its full body (the webhook carries a snippet at most).
    #[tracing::instrument(skip_all, fields(provider = "instantly"))]
    async fn fetch_reply(&self, event: &SenderEvent) -> Result<Option<FetchedReply>, ProviderError> {
        let Some(id) = event.message_id.as_deref().filter(|id| path_safe(id)) else {
            return Ok(None);
        };
        let url = self.http.url(&format!("api/v2/emails/{id}"));
        let email: Email = match self.http.send(|c| c.get(&url).bearer_auth(self.key.expose()), classify).await {
            Ok(e) => e,
            Err(ProviderError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let body = email.body.unwrap_or(EmailBody { text: None, html: None });
        let text = non_empty(body.text)
            .or_else(|| non_empty(body.html).map(|h| html_to_text(&h)))
            .or(non_empty(email.content_preview))
            .unwrap_or_default();
        Ok(Some(FetchedReply {
            subject: non_empty(email.subject),
            text: cap(text, MAX_REPLY_BYTES),
            message_id: non_empty(email.message_id),
            received_at: parse_time(email.timestamp_email.as_deref()).or(parse_time(email.timestamp_created.as_deref())),
        }))
    }

    /// `POST /api/v2/emails/reply` onto the newest message we sent the lead in the campaign, from
    /// the mailbox that sent it, after reading the thread for our key (see the trait).
    #[tracing::instrument(skip_all, fields(provider = "instantly", key = %email.key))]
    async fn send_follow_up(&self, email: &OutboundEmail) -> Result<SendOutcome, ProviderError> {
        let thread = self.thread(email).await?;
        if let Some(found) = ours(&thread, &email.key) {
            return Ok(SendOutcome::AlreadyAccepted { provider_ref: found.provider_ref });
        }
        let target = thread
            .iter()
            .find(|e| matches!(e.ue_type, Some(1 | 3)) && e.eaccount.is_some())
            .ok_or(ProviderError::NotFound)?;
        let body = json!({
            "reply_to_uuid": target.id,
            "eaccount": target.eaccount,
            "subject": email.subject,
            "body": { "html": format!("{}\n{}", email.body_html, key_marker(&email.key)) },
        });
        let sent: Value = self.post("api/v2/emails/reply", body).await?;
        Ok(SendOutcome::Accepted { provider_ref: sent.get("id").and_then(Value::as_str).map(str::to_string) })
    }

    async fn find_follow_up(&self, email: &OutboundEmail) -> Result<Option<FoundSend>, ProviderError> {
        Ok(ours(&self.thread(email).await?, &email.key))
    }
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Hook {
    event_type: String,
    timestamp: Option<String>,
    campaign_id: Option<String>,
    lead_email: Option<String>,
    step: Option<u32>,
    email_id: Option<String>,
    reply_subject: Option<String>,
    reply_text: Option<String>,
    reply_text_snippet: Option<String>,
    reply_html: Option<String>,
}

/// Reads one Instantly webhook body. `Malformed` when it is not JSON or has no `event_type`.
pub fn parse_webhook(body: &[u8]) -> Result<SenderEvent, ProviderError> {
    let h: Hook = parse_json(body)?;
    // The text, else the HTML as text, else the snippet; the intake prefers the body fetched by
    // `email_id` (the authoritative one) when it can read it.
    let text = non_empty(h.reply_text)
        .or_else(|| non_empty(h.reply_html.as_deref().map(html_to_text)))
        .or(non_empty(h.reply_text_snippet))
        .map(|t| cap(t, MAX_REPLY_BYTES));
    let kind = match h.event_type.as_str() {
        "email_sent" => SenderEventKind::Sent,
        "email_opened" => SenderEventKind::Opened,
        // The payload says link_clicked; the subscription enum says email_link_clicked.
        "link_clicked" | "email_link_clicked" => SenderEventKind::Clicked,
        "reply_received" => SenderEventKind::Replied {
            subject: non_empty(h.reply_subject),
            text,
            untracked: false,
        },
        "auto_reply_received" => SenderEventKind::AutoReplied { text },
        "email_bounced" => SenderEventKind::Bounced,
        "lead_unsubscribed" => SenderEventKind::Unsubscribed,
        other => SenderEventKind::Other { name: other.to_string() },
    };
    Ok(SenderEvent {
        provider: ProviderName::Instantly,
        kind,
        lead_email: address_of(h.lead_email.as_deref()),
        campaign: non_empty(h.campaign_id),
        occurred_at: parse_time(h.timestamp.as_deref()),
        step: h.step,
        message_id: non_empty(h.email_id),
    })
}
