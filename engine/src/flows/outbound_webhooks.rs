//! Outbound webhooks (SPEC "Outbound webhooks", issue 10 §9): a workspace's own endpoints,
//! managed from Settings → Integrations by owners and admins, and the delivery of what the
//! engine records to them, signed per Standard Webhooks (`domain::webhooks`).
//!
//! Emission is not here: recording a reply, booking, unsubscribe, bounce or complaint writes its
//! activity, and that same statement writes a delivery row for every enabled endpoint
//! subscribed to the event (`store::activities::record_many`), so nothing is lost and nothing
//! is queued twice. Delivery is a schedule (`jobs`): each tick claims due rows with a lease
//! (state in the database, so a restart resumes), bounded overall by the process's slots and
//! per workspace by what it already holds, so one tenant's slow endpoint holds at most its own
//! share. Every attempt goes through the outbound policy (`net`): checked addresses only, no
//! redirects (a 3xx is a failure), a 15 s deadline, and the answer's body is never read, kept
//! or shown — only our words for the status.
//!
//! What this module must not do: send a remote answer back to the tenant, or re-authorise in
//! the delivery path (deliveries were authorised when their endpoint was made).

use crate::auth::authorize;
use crate::net::NetError;
use crate::store::outbound_webhooks::{self as store, Claimed, Settle};
use crate::store::audit;
use crate::{Engine, Error, Result};
use chrono::{DateTime, Utc};
use domain::account::Action;
use domain::ids::{UserId, WorkspaceId};
use domain::webhooks::{self as hooks, Answer, DeliveryView, EndpointView, EventType, NewSecret, WebhookSecret};
use rand::RngCore;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use uuid::Uuid;

/// The bounds of delivery.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryLimits {
    /// Attempts in flight at once in this process (all workspaces).
    pub total: usize,
    /// Attempts in flight at once for one workspace (all processes: counted in the database).
    pub per_workspace: i64,
    /// The most one attempt may take, connection to answer (the scheme recommends 15–30 s).
    pub timeout: Duration,
    /// How long a claim holds a row; longer than `timeout`, so a live attempt keeps it.
    pub lease: chrono::Duration,
}

impl Default for DeliveryLimits {
    fn default() -> Self {
        Self { total: 16, per_workspace: 2, timeout: Duration::from_secs(15), lease: chrono::Duration::seconds(60) }
    }
}

/// How long a rotated-out secret keeps signing beside the new one.
const ROTATION_OVERLAP_HOURS: i64 = 24;

/// Recent deliveries Settings shows per endpoint.
const RECENT: i64 = 10;

fn secret_context(ws: WorkspaceId, endpoint: Uuid) -> Vec<u8> {
    format!("agency-os/webhook-endpoint/v1|{ws}|{endpoint}").into_bytes()
}

fn new_secret() -> WebhookSecret {
    let mut bytes = [0u8; hooks::SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut bytes);
    WebhookSecret::from_bytes(&bytes).expect("32 bytes is a valid secret length")
}

fn open_secret(engine: &Engine, ws: WorkspaceId, endpoint: Uuid, sealed: &str) -> Result<WebhookSecret> {
    let raw = engine.settings.secrets.open(&secret_context(ws, endpoint), sealed).map_err(|e| Error::Internal(anyhow::anyhow!("opening a webhook secret: {e}")))?;
    let text = String::from_utf8(raw).map_err(|e| Error::Internal(e.into()))?;
    WebhookSecret::parse(&text).map_err(|e| Error::Internal(anyhow::anyhow!("a stored webhook secret: {e}")))
}

/// The audit row of a change to endpoint `id`, in the change's transaction.
async fn audited(tx: &mut sqlx::PgConnection, ws: WorkspaceId, actor: UserId, action: &'static str, id: Uuid, before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> Result<()> {
    let target_id = Some(id.to_string());
    audit::record(tx, audit::Record { workspace: Some(ws), actor: Some(actor), action, target_type: "webhook_endpoint", target_id, before, after }).await
}

/// The workspace's endpoints with their recent deliveries.
pub async fn list(engine: &Engine, user: UserId, ws: WorkspaceId) -> Result<Vec<EndpointView>> {
    let access = authorize(engine, user, ws, Action::ManageIntegrations).await?;
    views(engine, access.workspace).await
}

async fn views(engine: &Engine, ws: WorkspaceId) -> Result<Vec<EndpointView>> {
    let mut tx = engine.tenant(ws).await?;
    let endpoints = store::list(&mut tx, ws).await?;
    let recent = store::recent(&mut tx, ws, RECENT).await?;
    tx.commit().await?;
    Ok(endpoints
        .into_iter()
        .map(|e| EndpointView {
            id: e.id,
            events: e.events.iter().filter_map(|s| EventType::parse(s)).collect(),
            url: e.url,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            created_by: e.created_by_name,
            created_at: e.created_at,
            secret_rotated_at: e.secret_rotated_at,
            recent: recent.iter().filter(|(id, _)| *id == e.id).map(|(_, d)| d.clone()).collect(),
        })
        .collect())
}

/// Adds an endpoint. The URL must be https (http only where the operator allows private
/// addresses) and not on a private network; the events known ones. Returns the new secret,
/// which is shown this once. Invalid input changes nothing.
pub async fn create(engine: &Engine, user: UserId, ws: WorkspaceId, url: &str, events: &[String]) -> Result<NewSecret> {
    let access = authorize(engine, user, ws, Action::ManageIntegrations).await?;
    let net = &engine.settings.net;
    let url = hooks::parse_endpoint_url(url, net.allows_private()).map_err(|e| Error::Invalid(e.to_string()))?;
    let events = hooks::parse_events(events).map_err(|e| Error::Invalid(e.to_string()))?;
    // The edge check; the real guard is at connect time (a name may resolve elsewhere later).
    net.check_url_host(&url).await.map_err(|e| Error::Invalid(e.to_string()))?;
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    let id = Uuid::new_v4();
    let secret = new_secret();
    let sealed = engine.settings.secrets.seal(&secret_context(ws, id), secret.expose().as_bytes());
    let mut tx = engine.tenant(ws).await?;
    // Counted under a lock on the workspace row, so two adds at once cannot pass the limit.
    sqlx::query("select 1 from workspaces where id = $1 for update").bind(ws.0).execute(&mut *tx).await?;
    if store::count(&mut tx, ws).await? >= hooks::MAX_ENDPOINTS as i64 {
        return Err(Error::Invalid(hooks::EndpointError::TooMany.to_string()));
    }
    store::insert(&mut tx, ws, id, &url, &names, &sealed, access.user).await?;
    audited(&mut tx, ws, access.user, "webhooks.endpoint_created", id, None, Some(json!({ "url": url, "events": names }))).await?;
    tx.commit().await?;
    Ok(NewSecret { endpoint: id, secret: secret.expose() })
}

/// Switches an endpoint on or off. Deliveries owed to a switched-off endpoint wait; switched
/// on again, it gets them.
pub async fn set_enabled(engine: &Engine, user: UserId, ws: WorkspaceId, id: Uuid, enabled: bool) -> Result<()> {
    let access = authorize(engine, user, ws, Action::ManageIntegrations).await?;
    let mut tx = engine.tenant(ws).await?;
    let before = store::get(&mut tx, ws, id).await?.ok_or(Error::NotFound("webhook endpoint"))?;
    store::set_enabled(&mut tx, ws, id, enabled, Some("switched off in Settings")).await?;
    audited(&mut tx, ws, access.user, if enabled { "webhooks.endpoint_enabled" } else { "webhooks.endpoint_disabled" }, id, Some(json!({ "enabled": before.enabled, "reason": before.disabled_reason })), Some(json!({ "enabled": enabled }))).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes an endpoint and its deliveries.
pub async fn delete(engine: &Engine, user: UserId, ws: WorkspaceId, id: Uuid) -> Result<()> {
    let access = authorize(engine, user, ws, Action::ManageIntegrations).await?;
    let mut tx = engine.tenant(ws).await?;
    let before = store::get(&mut tx, ws, id).await?.ok_or(Error::NotFound("webhook endpoint"))?;
    store::delete(&mut tx, ws, id).await?;
    audited(&mut tx, ws, access.user, "webhooks.endpoint_deleted", id, Some(json!({ "url": before.url, "events": before.events })), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a new secret (shown this once). The old one keeps signing beside it for a day, so the
/// receiver can switch without refusing a delivery.
pub async fn rotate_secret(engine: &Engine, user: UserId, ws: WorkspaceId, id: Uuid) -> Result<NewSecret> {
    let access = authorize(engine, user, ws, Action::ManageIntegrations).await?;
    let secret = new_secret();
    let sealed = engine.settings.secrets.seal(&secret_context(ws, id), secret.expose().as_bytes());
    let mut tx = engine.tenant(ws).await?;
    if !store::rotate(&mut tx, ws, id, &sealed, Utc::now() + chrono::Duration::hours(ROTATION_OVERLAP_HOURS)).await? {
        return Err(Error::NotFound("webhook endpoint"));
    }
    audited(&mut tx, ws, access.user, "webhooks.secret_rotated", id, None, Some(json!({ "previous_valid_hours": ROTATION_OVERLAP_HOURS }))).await?;
    tx.commit().await?;
    Ok(NewSecret { endpoint: id, secret: secret.expose() })
}

/// "Send a test event": posts a `webhook.test` event to the endpoint now, once (no retries),
/// and returns the delivery as the list will show it.
pub async fn send_test(engine: &Engine, user: UserId, ws: WorkspaceId, id: Uuid) -> Result<DeliveryView> {
    let access = authorize(engine, user, ws, Action::ManageIntegrations).await?;
    let now = Utc::now();
    let event_id = format!("msg_{}", Uuid::new_v4().simple());
    let payload = json!({
        "type": hooks::TEST_EVENT,
        "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": { "message": "A test event from Agency OS: this endpoint is connected." },
    });
    let mut tx = engine.tenant(ws).await?;
    store::get(&mut tx, ws, id).await?.ok_or(Error::NotFound("webhook endpoint"))?;
    let delivery = store::insert_delivery(&mut tx, ws, id, &event_id, hooks::TEST_EVENT, &payload).await?;
    audited(&mut tx, ws, access.user, "webhooks.test_sent", id, None, Some(json!({ "event_id": event_id }))).await?;
    tx.commit().await?;
    let limits = DeliveryLimits::default();
    if let Some(claimed) = store::claim_one(engine.owner_pool(), ws, delivery, now, limits.lease).await? {
        attempt(engine, &client(engine, &limits)?, claimed, false).await;
    }
    let mut conn = engine.tenant(ws).await?;
    let view = store::delivery(&mut conn, ws, delivery).await?.ok_or(Error::NotFound("webhook delivery"))?;
    conn.commit().await?;
    Ok(view)
}

/// The HTTP client of deliveries: the outbound policy's resolver, no redirects, no proxy, the
/// attempt's deadline.
pub fn client(engine: &Engine, limits: &DeliveryLimits) -> Result<reqwest::Client> {
    crate::net::guard_http(reqwest::Client::builder(), &engine.settings.net)
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout)
        .user_agent("AgencyOS-Webhooks/1")
        .build()
        .map_err(|e| Error::Internal(anyhow::anyhow!("building the webhook client: {e}")))
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempted {
    pub workspace: WorkspaceId,
    pub delivery: Uuid,
    pub event_id: String,
    pub attempt: i32,
    pub outcome: Settle,
    /// Our words, as Settings shows them.
    pub status: String,
}

/// How the POST went, before the schedule is applied.
enum Posted {
    Answered(u16),
    /// Will not get better by waiting: the endpoint is switched off with this reason.
    Refused(String),
    /// Might get better.
    Failed(String),
}

/// The `webhook-signature` value: the current secret's entry, and the rotated-out one's while
/// it is still honoured.
fn signatures(engine: &Engine, c: &Claimed, ts: i64, body: &[u8], now: DateTime<Utc>) -> Result<String> {
    let ws = WorkspaceId(c.client_id);
    let mut sig = open_secret(engine, ws, c.endpoint_id, &c.secret)?.sign(&c.event_id, ts, body);
    if let (Some(prev), Some(until)) = (&c.previous_secret, c.previous_until) {
        if until > now {
            sig = format!("{sig} {}", open_secret(engine, ws, c.endpoint_id, prev)?.sign(&c.event_id, ts, body));
        }
    }
    Ok(sig)
}

async fn post(engine: &Engine, client: &reqwest::Client, c: &Claimed) -> Posted {
    let Ok(url) = reqwest::Url::parse(&c.url) else { return Posted::Refused("the URL is not valid".into()) };
    // reqwest asks the policy's resolver about names only; an address literal is checked here.
    if let Err(e) = engine.settings.net.check_url(&url) {
        return Posted::Refused(format!("refused: {e}"));
    }
    let body = match serde_json::to_vec(&c.payload) {
        Ok(b) => b,
        Err(e) => return Posted::Refused(format!("the payload could not be written: {e}")),
    };
    let now = Utc::now();
    let ts = now.timestamp();
    let sig = match signatures(engine, c, ts, &body, now) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(delivery = %c.id, error = %e, "webhook secret unusable");
            return Posted::Failed("the signing secret could not be opened".into());
        }
    };
    let sent = client
        .post(url)
        .header("webhook-id", &c.event_id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sig)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await;
    match sent {
        // The answer's body is never read: only its status counts, and nothing of it is kept.
        Ok(resp) => Posted::Answered(resp.status().as_u16()),
        Err(e) => match crate::net::refusal_in(&e) {
            Some(NetError::Private) => Posted::Refused(format!("refused: {}", NetError::Private)),
            Some(NetError::NoSuchHost) => Posted::Failed("the host name could not be resolved".into()),
            Some(other) => Posted::Failed(other.to_string()),
            None if e.is_timeout() => Posted::Failed("timed out".into()),
            None if e.is_connect() => Posted::Failed("could not connect".into()),
            None => Posted::Failed("the request failed".into()),
        },
    }
}

/// Makes one claimed attempt and records its outcome: 2xx delivered; 410 given up and the
/// endpoint switched off; else again per the schedule (`retry`), or given up when it is spent.
pub async fn attempt(engine: &Engine, client: &reqwest::Client, c: Claimed, retry: bool) -> Attempted {
    let ws = WorkspaceId(c.client_id);
    let posted = post(engine, client, &c).await;
    let now = Utc::now();
    let again = |why: String| match hooks::next_retry_secs(c.attempts.max(0) as u32).filter(|_| retry) {
        Some(wait) => (Settle::RetryAt(now + chrono::Duration::seconds(wait)), why, None::<String>),
        None if retry => (Settle::Failed, format!("{why}; gave up after {} attempts", c.attempts), None),
        None => (Settle::Failed, why, None),
    };
    let (outcome, status, disable) = match posted {
        Posted::Answered(code) => match hooks::read_status(code) {
            Answer::Delivered => (Settle::Delivered, format!("delivered ({code})"), None),
            Answer::Gone => (
                Settle::Failed,
                "answered 410 Gone: endpoint switched off".to_string(),
                Some(format!("The endpoint answered 410 Gone on {}: it asked for no more webhooks", now.format("%Y-%m-%d %H:%M UTC"))),
            ),
            Answer::Retry if (300..400).contains(&code) => again(format!("answered {code} (a redirect; redirects are not followed)")),
            Answer::Retry => again(format!("answered {code}")),
        },
        Posted::Refused(why) => (Settle::Failed, why.clone(), Some(format!("Switched off: {why}"))),
        Posted::Failed(why) => again(why),
    };
    if let Err(e) = store::settle(engine.owner_pool(), ws, c.id, c.attempts, &outcome, &status, disable.as_deref(), now).await {
        // The lease lapses and the row is claimed again: at least once, same webhook-id.
        tracing::warn!(workspace = %ws, delivery = %c.id, error = %e, "webhook outcome not recorded");
    }
    tracing::info!(workspace = %ws, delivery = %c.id, event = %c.event_type, attempt = c.attempts, %status, "webhook attempt");
    Attempted { workspace: ws, delivery: c.id, event_id: c.event_id, attempt: c.attempts, outcome, status }
}

/// One tick of the delivery schedule: claims as many due deliveries as `slots` has free (and
/// each workspace its share), and starts each attempt holding a slot. Returns their handles;
/// the schedule does not wait for them, so a slow endpoint holds its slot, not the tick. Their
/// state is in the database: a process that stops mid-attempt leaves a claim that lapses.
pub async fn start_due(engine: &Engine, now: DateTime<Utc>, slots: &Arc<Semaphore>, limits: &DeliveryLimits) -> Result<Vec<tokio::task::JoinHandle<Attempted>>> {
    let free = slots.available_permits();
    if free == 0 {
        return Ok(Vec::new());
    }
    let claimed = store::claim_due(engine.owner_pool(), now, limits.lease, free as i64, limits.per_workspace).await?;
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let client = client(engine, limits)?;
    let mut handles = Vec::with_capacity(claimed.len());
    for c in claimed {
        let permit = slots.clone().acquire_owned().await.map_err(|e| Error::Internal(e.into()))?;
        let (engine, client) = (engine.clone(), client.clone());
        handles.push(tokio::spawn(async move {
            let done = attempt(&engine, &client, c, true).await;
            drop(permit);
            done
        }));
    }
    Ok(handles)
}

/// [`start_due`] and wait for the attempts (tests, and a command-line pass).
pub async fn deliver_due(engine: &Engine, now: DateTime<Utc>, limits: &DeliveryLimits) -> Result<Vec<Attempted>> {
    let slots = Arc::new(Semaphore::new(limits.total));
    let mut done = Vec::new();
    for h in start_due(engine, now, &slots, limits).await? {
        done.push(h.await.map_err(|e| Error::Internal(e.into()))?);
    }
    Ok(done)
}
