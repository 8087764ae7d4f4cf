//! Test harness: the real router on a real port, a fresh database per test (sqlx::test), the
//! real Redis with a key namespace per test.

#![allow(dead_code)]

use engine::{cache::Redis, Engine, Settings};
use reqwest::StatusCode;
use serde_json::Value;
use server::{router, session_store, AppState, RouterSettings};
use sqlx::PgPool;

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub engine: Engine,
}

/// The bearer token the test router's `/metrics` wants.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

pub async fn spawn_app(pool: PgPool) -> TestApp {
    // The tests' model endpoints and mail servers listen on 127.0.0.1.
    spawn_app_with(pool, Settings { net: engine::net::NetPolicy::new(true), ..Settings::default() }).await
}

pub async fn spawn_app_with(pool: PgPool, settings: Settings) -> TestApp {
    spawn_app_at(pool, settings, None).await
}

/// As [`spawn_app_with`], with the router told it is reached at `public_url` (e.g. https).
pub async fn spawn_app_at(pool: PgPool, mut settings: Settings, public_url: Option<&str>) -> TestApp {
    // The seed the sandbox had before providers were resolved per workspace.
    settings.providers.sandbox_seed = 7;
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis = Redis::connect(&redis_url, format!("test-{}:", uuid::Uuid::new_v4())).await.expect("redis");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    settings.public_url = base.clone();
    let engine = Engine::new(pool.clone(), redis, settings);
    let store = session_store(&pool).await.expect("session store");
    // As `serve` does: the job worker runs beside the web app.
    engine::jobs::setup(&pool).await.expect("job tables");
    // Resolved per workspace as in `serve`: the sandbox unless a test stores a key.
    let jobs = engine::jobs::monitor(engine::jobs::JobContext::configured(engine.clone()));
    tokio::spawn(async move {
        let _ = jobs.run().await;
    });
    let leptos_options = leptos::config::LeptosOptions::builder().output_name("agency-os").site_addr(addr).build();
    let state = AppState { engine: engine.clone(), leptos_options };
    let app = router(
        state,
        store,
        &RouterSettings {
            public_url: public_url.unwrap_or(&base).to_string(),
            secure_cookies: false,
            trusted_proxies: 1,
            session_days: 14,
            metrics_token: Some(server::metrics::MetricsToken::parse(METRICS_TOKEN).unwrap()),
        },
    );
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });
    TestApp { base, pool, engine }
}

/// One browser: its own cookie jar, posting as our own pages do.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    /// Sent as X-Forwarded-For (the test app trusts the proxy header) to vary the client IP.
    pub ip: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub location: Option<String>,
}

impl Reply {
    pub fn message(&self) -> String {
        self.body.get("message").and_then(|m| m.as_str()).unwrap_or_default().to_string()
    }
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        self.browser_from("203.0.113.10")
    }

    pub fn browser_from(&self, ip: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            base: self.base.clone(),
            ip: ip.into(),
        }
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(&self.pool).await.unwrap()
    }

    /// Signs a new user up in a fresh browser and returns that browser, logged in.
    pub async fn user(&self, name: &str, email: &str) -> Browser {
        let b = self.browser();
        let r = b.call("sign_up", &[("name", name), ("email", email), ("password", "correct horse battery")]).await;
        assert_eq!(r.status, StatusCode::OK, "sign up {email}: {:?}", r.body);
        b
    }
}

impl Browser {
    /// Calls a server function the way the hydrated app does.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        self.call_with(endpoint, form, &[("sec-fetch-site", "same-origin")]).await
    }

    pub async fn call_with(&self, endpoint: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let mut req = self
            .http
            .post(format!("{}/api/{endpoint}", self.base))
            .header("accept", "application/json")
            .header("x-forwarded-for", &self.ip)
            .form(form);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(String::from);
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body, location }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp = self.http.get(format!("{}{path}", self.base)).header("accept", "text/html").send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    /// Creates a workspace and returns its id.
    pub async fn workspace(&self, name: &str) -> String {
        let r = self.call("create_workspace", &[("name", name)]).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        r.body.as_str().unwrap().to_string()
    }

    /// Invites `email` with `role` and returns the link's token.
    pub async fn invite(&self, ws: &str, email: &str, role: &str) -> String {
        let r = self.call("invite_member", &[("workspace", ws), ("email", email), ("role", role)]).await;
        assert_eq!(r.status, StatusCode::OK, "invite: {:?}", r.body);
        r.body["link"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
    }

    pub async fn accept(&self, token: &str) -> String {
        let r = self.call("accept_invitation", &[("token", token)]).await;
        assert_eq!(r.status, StatusCode::OK, "accept: {:?}", r.body);
        r.body.as_str().unwrap().to_string()
    }

    pub async fn my_user_id(&self) -> String {
        let r = self.call("me", &[]).await;
        r.body["id"].as_str().expect("logged in").to_string()
    }
}

/// A mail transport that must never be called: the workspace is in shadow mode.
pub struct NoSend;

#[async_trait::async_trait]
impl engine::dispatch::MailTransport for NoSend {
    async fn send(&self, _m: &engine::store::mailboxes::SendingMailbox, _e: &engine::dispatch::OutgoingEmail) -> Result<String, engine::dispatch::SendError> {
        panic!("shadow mode must not call the transport")
    }
    async fn delivered(&self, _m: &engine::store::mailboxes::SendingMailbox, _id: &str) -> Option<bool> {
        None
    }
}

/// A Tuesday 10:00 in Sydney: inside a campaign's default sending window (the lead's local
/// working hours), so dispatch judged then sends.
pub fn tuesday_morning() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00+11:00").unwrap().with_timezone(&chrono::Utc)
}

/// Sends every pending outbox row of the workspace now, judged at [`tuesday_morning`], through
/// a transport that must not be called (the workspace is in shadow mode).
pub async fn dispatch_shadow(app: &TestApp, ws: domain::ids::WorkspaceId) -> engine::dispatch::RoundReport {
    let at = tuesday_morning();
    sqlx::query("update outbox set not_before = $2 where client_id = $1 and state = 'pending'")
        .bind(ws.0)
        .bind(at - chrono::Duration::minutes(1))
        .execute(&app.pool)
        .await
        .unwrap();
    let d = engine::dispatch::Dispatcher {
        engine: app.engine.clone(),
        transport: std::sync::Arc::new(NoSend),
        unsubscribe: std::sync::Arc::new(|_, _, _| String::new()),
        settings: engine::dispatch::DispatchSettings::default(),
        worker: "t".into(),
    };
    d.round(at).await.unwrap()
}

/// Scored leads at Harbour Freight (first name, address) in an active campaign ("Q1", in `mode`)
/// whose first touches are approved (by a person unless autopilot) and sent in shadow mode.
pub async fn shadow_campaign(app: &TestApp, user: domain::ids::UserId, ws: domain::ids::WorkspaceId, leads: &[(&str, &str)], mode: Option<domain::campaign::PermissionMode>) -> domain::ids::CampaignId {
    let c = approved_campaign(app, user, ws, leads, mode).await;
    assert_eq!(dispatch_shadow(app, ws).await.shadow as usize, leads.len());
    c
}

/// As [`shadow_campaign`], with the approved first touches left in the outbox, unsent.
pub async fn approved_campaign(app: &TestApp, user: domain::ids::UserId, ws: domain::ids::WorkspaceId, leads: &[(&str, &str)], mode: Option<domain::campaign::PermissionMode>) -> domain::ids::CampaignId {
    let e = &app.engine;
    for (first, email) in leads {
        sqlx::query(
            "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry, location, employee_count, status, als, tier)
             values ($1, 'csv', $2, $3, 'Nguyen', 'Managing Director', 'Harbour Freight', 'harbour.com.au', 'Logistics', 'Adelaide SA', 40, 'scored', 80, 'hot')",
        )
        .bind(ws.0)
        .bind(email)
        .bind(first)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let mut s = domain::campaign::CampaignSettings::new_default("Q1");
    s.sender_name = "Sam Carter".into();
    s.sender_company = "Northwind Growth".into();
    s.physical_address = "1 George St, Sydney NSW 2000".into();
    s.permission_mode = mode;
    let access = engine::auth::Access::resolve(e, user, ws).await.unwrap();
    let c = engine::flows::campaigns::create(e, &access, s).await.unwrap();
    engine::flows::campaigns::set_status(e, &access, c, domain::campaign::CampaignStatus::Active).await.unwrap();
    engine::flows::campaigns::enroll(e, &access, c, &Default::default()).await.unwrap();
    engine::flows::drafts::draft_campaign(e, ws, c, chrono::Utc::now()).await.unwrap();
    if mode != Some(domain::campaign::PermissionMode::Autopilot) {
        let batch = engine::flows::drafts::freeze_batch(e, &access, Some(c), 100).await.unwrap();
        engine::flows::drafts::execute_batch(e, &access, batch.id).await.unwrap();
    }
    c
}
