//! Attacks through the hosts a tenant names (issue 10): a model endpoint, a Clay webhook or a
//! mail server on loopback, a private network or the cloud metadata address — named literally,
//! through a public-looking name, or behind a redirect — is refused at the edge when it is
//! saved and, the real guard, at connect time, with no connection made. A trap listener on
//! 127.0.0.1 counts the connections that arrive: every test ends with zero.

use crate::support::*;
use domain::ids::{UserId, WorkspaceId};
use domain::sending::MailboxForm;
use engine::flows::{integrations, mailboxes};
use engine::net::{NetPolicy, StaticResolver};
use engine::providers::http::RetryPolicy;
use engine::{Engine, Error};
use serde_json::json;
use sqlx::PgPool;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const PRIVATE: &str = "that address is on a private network";
/// Resolves to 127.0.0.1 through the injected resolver: a public-looking name for loopback.
const REBOUND: &str = "models.tenant-example.com";
/// Resolves to 127.0.0.2, which the strict policy vouches for: the tests' "public" server.
const PUBLIC: &str = "api.public-model.com";

/// Counts every connection made to it.
struct Trap {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Trap {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            while let Ok((_sock, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        });
        Self { port, hits }
    }

    fn connections(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

/// The same installation twice: `open` as AGENCY_OS_FETCH_ALLOW_PRIVATE=true (to store what the
/// edge would refuse, as if the name changed what it resolves to after saving), `strict` as the
/// default. Both resolve REBOUND to loopback and PUBLIC to 127.0.0.2.
async fn engines(pool: &PgPool) -> (Engine, Engine) {
    let mut open = engine(pool).await;
    open.settings.providers.retry = RetryPolicy::none();
    open.settings.providers.timeout = std::time::Duration::from_secs(5);
    let resolver = Arc::new(
        StaticResolver::new().with(REBOUND, &["127.0.0.1".parse::<IpAddr>().unwrap()]).with(PUBLIC, &["127.0.0.2".parse::<IpAddr>().unwrap()]),
    );
    open.settings.net = NetPolicy::new(true).with_resolver(resolver.clone());
    let mut strict = open.clone();
    strict.settings.net = NetPolicy::new(false).with_resolver(resolver).vouch_for("127.0.0.2".parse().unwrap());
    (open, strict)
}

fn invalid(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::Invalid(m)) => m,
        other => panic!("expected a 422, got {other:?}"),
    }
}

async fn set_endpoint(engine: &Engine, u: UserId, ws: WorkspaceId, url: &str) -> Result<(), Error> {
    integrations::set_key(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), "openai_compatible", "sk-tenant-1", Some(&format!("{url} gpt-4o-mini"))).await.map(|_| ())
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_model_endpoint_on_a_private_address_is_refused_when_saved_and_when_called_with_no_connection_made(pool: PgPool) {
    let trap = Trap::start().await;
    let (open, strict) = engines(&pool).await;
    let (u, ws) = owner_workspace(&strict, "Mallory").await;
    let p = trap.port;
    for url in [
        format!("http://127.0.0.1:{p}/v1"),
        format!("http://localhost:{p}/v1"),
        format!("http://{REBOUND}:{p}/v1"),
        format!("http://10.0.0.7:{p}/v1"),
        "http://169.254.169.254/latest/meta-data".to_string(),
        format!("http://[::1]:{p}/v1"),
    ] {
        assert_eq!(invalid(set_endpoint(&strict, u, ws, &url).await), PRIVATE, "{url}");
        // Saved anyway (as if the name moved after the check): the call is refused before any
        // packet is sent.
        set_endpoint(&open, u, ws, &url).await.unwrap();
        let t = integrations::test_connection(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), "openai_compatible").await.unwrap();
        assert!(!t.ok && t.message.ends_with(PRIVATE), "{url}: {t:?}");
    }
    assert_eq!(trap.connections(), 0, "no connection reached the trap");
    // The operator's override lets a local model server be used.
    set_endpoint(&open, u, ws, &format!("http://127.0.0.1:{p}/v1")).await.unwrap();
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_public_endpoint_redirecting_to_a_private_address_is_not_followed(pool: PgPool) {
    let trap = Trap::start().await;
    let server = MockServer::builder().listener(std::net::TcpListener::bind("127.0.0.2:0").unwrap()).start().await;
    let port = server.address().port();
    let (_, strict) = engines(&pool).await;
    let (u, ws) = owner_workspace(&strict, "Mallory").await;
    let target = format!("http://127.0.0.1:{}/v1/chat/completions", trap.port);
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(307).insert_header("location", target.as_str()).set_body_string("secret banner")).mount(&server).await;

    set_endpoint(&strict, u, ws, &format!("http://{PUBLIC}:{port}/v1")).await.unwrap();
    let t = integrations::test_connection(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), "openai_compatible").await.unwrap();
    assert!(!t.ok, "{t:?}");
    assert!(!t.message.contains("secret banner") && !t.message.contains("127.0.0.1"), "{t:?}");
    assert!(!server.received_requests().await.unwrap().is_empty(), "the public endpoint was asked");
    assert_eq!(trap.connections(), 0, "the redirect was not followed");

    // The same public endpoint answering properly works under the strict policy.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "model": "gpt-4o-mini", "choices": [{ "message": { "content": "OK" }, "finish_reason": "stop" }],
            "usage": { "prompt_tokens": 20, "completion_tokens": 1 }
        })))
        .mount(&server)
        .await;
    let t = integrations::test_connection(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), "openai_compatible").await.unwrap();
    assert!(t.ok, "{t:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_clay_webhook_at_the_metadata_address_or_on_loopback_is_refused(pool: PgPool) {
    let trap = Trap::start().await;
    let (open, strict) = engines(&pool).await;
    let (u, ws) = owner_workspace(&strict, "Mallory").await;
    let metadata = integrations::set_key(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), "clay", "https://169.254.169.254/latest/meta-data/iam", None).await;
    assert_eq!(invalid(metadata), PRIVATE);
    let hook = format!("https://{REBOUND}:{}/hook", trap.port);
    assert_eq!(invalid(integrations::set_key(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), "clay", &hook, None).await), PRIVATE);
    integrations::set_key(&open, &engine::auth::Access::resolve(&open, u, ws).await.unwrap(), "clay", &hook, None).await.unwrap();
    let t = integrations::test_connection(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), "clay").await.unwrap();
    assert!(!t.ok && t.message.ends_with(PRIVATE), "{t:?}");
    assert_eq!(trap.connections(), 0);
}

fn mailbox(host: &str, port: u16, security: &str) -> MailboxForm {
    MailboxForm {
        address: format!("sam{}@northwind.com.au", uuid::Uuid::new_v4().simple()),
        display_name: "Sam Carter".into(),
        smtp_host: host.into(),
        smtp_port: port.to_string(),
        smtp_security: security.into(),
        smtp_username: "sam@northwind.com.au".into(),
        smtp_password: "app-password".into(),
        daily_cap: 40,
        ramp_start: 5,
        ramp_step: 3,
        ..Default::default()
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_mail_server_on_a_private_address_or_in_plain_text_is_refused_with_no_connection_made(pool: PgPool) {
    let trap = Trap::start().await;
    let (open, strict) = engines(&pool).await;
    let (u, ws) = owner_workspace(&strict, "Mallory").await;
    let p = trap.port;
    for host in ["127.0.0.1", "localhost", REBOUND, "10.1.2.3", "169.254.169.254"] {
        assert_eq!(invalid(mailboxes::add(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), mailbox(host, p, "tls")).await), format!("SMTP host: {PRIVATE}"), "{host}");
    }
    let mut imap = mailbox("smtp.northwind.com.au", 465, "tls");
    (imap.imap_host, imap.imap_security) = ("192.168.1.20".into(), "tls".into());
    assert_eq!(invalid(mailboxes::add(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), imap).await), format!("IMAP host: {PRIVATE}"));
    assert_eq!(invalid(mailboxes::add(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), mailbox("localhost", 25, "none")).await), "mail server: plain-text connections are not allowed; use TLS");
    assert!(mailboxes::list(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap()).await.unwrap().is_empty(), "nothing was saved");

    // Saved while the name looked public: the connection test is refused before connecting.
    for (host, security) in [(REBOUND, "tls"), ("127.0.0.1", "starttls"), ("localhost", "none")] {
        let m = mailboxes::add(&open, &engine::auth::Access::resolve(&open, u, ws).await.unwrap(), mailbox(host, p, security)).await.unwrap();
        let t = mailboxes::test_connection(&strict, &engine::auth::Access::resolve(&strict, u, ws).await.unwrap(), m.id).await.unwrap();
        assert!(!t.ok && (t.message.contains(PRIVATE) || t.message.contains("plain-text")), "{host}: {t:?}");
    }
    assert_eq!(trap.connections(), 0);
}
