//! Shared setup: an owner with a workspace, scored leads, a ready campaign, a mailbox, and a
//! transport that records what it was asked to send.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use domain::campaign::{CampaignSettings, CampaignStatus};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::leads::LeadFilter;
use domain::score::Channel;
use engine::cache::Redis;
use engine::dispatch::{DispatchSettings, Dispatcher, MailTransport, OutgoingEmail, SendError};
use engine::flows::campaigns;
use engine::store::mailboxes::SendingMailbox;
use engine::{Engine, Settings};
use sqlx::PgPool;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub async fn engine(pool: &PgPool) -> Engine {
    let redis = Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", Uuid::new_v4())).await.expect("the local Redis");
    // The tests' providers and mail servers listen on 127.0.0.1 (AGENCY_OS_FETCH_ALLOW_PRIVATE=true).
    let settings = Settings { net: engine::net::NetPolicy::new(true), ..Settings::default() };
    Engine::new(pool.clone(), redis, settings)
}

pub async fn user(pool: &PgPool, name: &str) -> UserId {
    let id: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id")
        .bind(format!("{}-{}@example.com", name.to_lowercase(), Uuid::new_v4()))
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    UserId(id)
}

/// An owner and their workspace.
pub async fn owner_workspace(engine: &Engine, name: &str) -> (UserId, WorkspaceId) {
    let u = user(engine.owner_pool(), name).await;
    let ws = engine::flows::workspaces::create(engine, u, name).await.unwrap();
    (u, ws)
}

/// A new user who is a member of the workspace with this role.
pub async fn member(engine: &Engine, ws: WorkspaceId, role: &str) -> UserId {
    let u = user(engine.owner_pool(), role).await;
    sqlx::query("insert into memberships (client_id, user_id, role) values ($1, $2, $3)").bind(ws.0).bind(u.0).bind(role).execute(engine.owner_pool()).await.unwrap();
    u
}

/// `n` scored leads with everything a template needs.
pub async fn leads(pool: &PgPool, ws: WorkspaceId, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id: Uuid = sqlx::query_scalar(
            "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry,
                                location, employee_count, status, als, tier)
             values ($1, 'csv', $2, $3, 'Nguyen', 'Managing Director', $4, 'example.com.au', 'Logistics', 'Adelaide SA', 40,
                     'scored', 80, 'hot') returning id",
        )
        .bind(ws.0)
        .bind(format!("lead{i}@client{i}.com.au"))
        .bind(format!("Ann{i}"))
        .bind(format!("Harbour Freight {i}"))
        .fetch_one(pool)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

pub fn settings(name: &str) -> CampaignSettings {
    let mut s = CampaignSettings::new_default(name);
    s.channels = vec![Channel::Email, Channel::LinkedIn];
    s.sender_name = "Sam Carter".into();
    s.sender_company = "Northwind Growth".into();
    s.physical_address = "1 George St, Sydney NSW 2000".into();
    s
}

/// An active campaign with every lead of the workspace enrolled.
pub async fn active_campaign(engine: &Engine, u: UserId, ws: WorkspaceId) -> CampaignId {
    active_campaign_with(engine, u, ws, settings("Q1")).await
}

/// An active campaign with these settings and every lead of the workspace enrolled.
pub async fn active_campaign_with(engine: &Engine, u: UserId, ws: WorkspaceId, s: CampaignSettings) -> CampaignId {
    let id = campaigns::create(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), s).await.unwrap();
    campaigns::set_status(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), id, CampaignStatus::Active).await.unwrap();
    campaigns::enroll(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), id, &LeadFilter::default()).await.unwrap();
    id
}

pub async fn mailbox(pool: &PgPool, ws: WorkspaceId, address: &str, cap: i32) -> Uuid {
    sqlx::query_scalar(
        "insert into mailboxes (client_id, address, smtp_host, smtp_port, smtp_security, daily_cap, ramp_start, ramp_step)
         values ($1, $2, '127.0.0.1', 2525, 'none', $3, $3, 0) returning id",
    )
    .bind(ws.0)
    .bind(address)
    .bind(cap)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub async fn go_live(pool: &PgPool, ws: WorkspaceId) {
    sqlx::query("update workspaces set shadow_mode = false where id = $1").bind(ws.0).execute(pool).await.unwrap();
}

/// A Tuesday 10:00 in Sydney: inside the default window.
pub fn tuesday() -> DateTime<Utc> {
    chrono_tz::Australia::Sydney.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap().with_timezone(&Utc)
}

/// A weekday 10:00 in Sydney at least `days` after the later of [`tuesday`] and the wall clock:
/// when a follow-up is due. A send records the real time (`sent_at = now()`), so the follow-up
/// a test waits for is due some days after the moment the test runs, not after `tuesday()`.
pub fn weekday_morning_after(days: i64) -> DateTime<Utc> {
    use chrono::Datelike;
    let from = tuesday().max(Utc::now()) + chrono::Duration::days(days);
    let mut day = from.with_timezone(&chrono_tz::Australia::Sydney).date_naive() + chrono::Duration::days(1);
    while matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        day = day.succ_opt().unwrap();
    }
    chrono_tz::Australia::Sydney.from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap()).single().unwrap().with_timezone(&Utc)
}

/// Records every message; can be told to fail, and answers reconciliation from what it has.
#[derive(Default)]
pub struct Recorder {
    pub sent: Mutex<Vec<OutgoingEmail>>,
    pub fail_with: Mutex<Option<SendError>>,
    pub known: Mutex<HashSet<String>>,
}

#[async_trait]
impl MailTransport for Recorder {
    async fn send(&self, _m: &SendingMailbox, email: &OutgoingEmail) -> Result<String, SendError> {
        if let Some(e) = self.fail_with.lock().unwrap().clone() {
            return Err(e);
        }
        self.known.lock().unwrap().insert(email.message_id.clone());
        self.sent.lock().unwrap().push(email.clone());
        Ok(format!("250 queued as {}", email.message_id))
    }

    async fn delivered(&self, _m: &SendingMailbox, message_id: &str) -> Option<bool> {
        Some(self.known.lock().unwrap().contains(message_id))
    }
}

impl Recorder {
    pub fn count(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

pub fn dispatcher(engine: &Engine, transport: Arc<Recorder>, worker: &str) -> Dispatcher {
    Dispatcher {
        engine: engine.clone(),
        transport,
        unsubscribe: Arc::new(|ws, c, to| format!("https://app.example/u/{ws}.{c}.{to}")),
        settings: DispatchSettings::default(),
        worker: worker.into(),
    }
}

pub async fn count(pool: &PgPool, sql: &str, ws: WorkspaceId) -> i64 {
    sqlx::query_scalar(sql).bind(ws.0).fetch_one(pool).await.unwrap()
}
