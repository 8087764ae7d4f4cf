//! Hosts a tenant names, at the edge (issue 10): with the default policy a mail server or a
//! model endpoint on a private address is refused with a 422 that says why, and nothing is saved.

use crate::support::*;
use axum::http::StatusCode;
use engine::Settings;
use sqlx::PgPool;

const PRIVATE: &str = "that address is on a private network";

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_mailbox_or_model_endpoint_on_a_private_address_is_a_422_and_saves_nothing(pool: PgPool) {
    // The default settings: AGENCY_OS_FETCH_ALLOW_PRIVATE off.
    let app = spawn_app_with(pool, Settings::default()).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;

    for host in ["10.0.0.5", "169.254.169.254", "localhost"] {
        let r = owner
            .call(
                "add_mailbox",
                &[
                    ("workspace", ws.as_str()),
                    ("address", "sam@northwind.com.au"),
                    ("display_name", "Sam Carter"),
                    ("smtp_host", host),
                    ("smtp_port", "465"),
                    ("smtp_security", "tls"),
                    ("smtp_username", "sam@northwind.com.au"),
                    ("smtp_password", "app-password"),
                    ("daily_cap", "40"),
                    ("ramp_start", "5"),
                    ("ramp_step", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{host}: {:?}", r.body);
        assert_eq!(r.message(), format!("SMTP host: {PRIVATE}"), "{host}");
    }
    let r = owner.call("list_mailboxes", &[("workspace", ws.as_str())]).await;
    assert_eq!(r.body, serde_json::json!([]), "nothing was saved");

    for url in ["http://127.0.0.1:11434/v1", "http://[::ffff:10.0.0.1]/v1", "http://0.0.0.0:8080/v1"] {
        let extra = format!("{url} gpt-4o-mini");
        let r = owner
            .call("set_provider_key", &[("workspace", ws.as_str()), ("provider", "openai_compatible"), ("key", "sk-tenant-1"), ("extra", extra.as_str())])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {:?}", r.body);
        assert_eq!(r.message(), PRIVATE, "{url}");
    }
}
