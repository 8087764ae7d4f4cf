//! The email channel against a fresh Postgres database per test: the suppression list and the
//! unsubscribe use case. (Composing, signing, SMTP and the sink are tested beside their code.)

use domain::ids::WorkspaceId;
use engine::email::unsubscribe::{self, UnsubscribeClaims, UnsubscribeKey, Via};
use engine::store::suppressions::{self, NewSuppression, Reason};
use engine::Error;
use sqlx::PgPool;
use uuid::Uuid;

async fn workspace(pool: &PgPool, name: &str) -> WorkspaceId {
    let user: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id")
        .bind(format!("{}@agency.example", name.to_lowercase()))
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    let ws: Uuid = sqlx::query_scalar("insert into workspaces (name, created_by) values ($1, $2) returning id").bind(name).bind(user).fetch_one(pool).await.unwrap();
    WorkspaceId(ws)
}

async fn lead(pool: &PgPool, ws: WorkspaceId, email: &str, status: &str) -> Uuid {
    sqlx::query_scalar("insert into leads (client_id, email, source, status) values ($1, $2, 'manual', $3) returning id")
        .bind(ws.0)
        .bind(email)
        .bind(status)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn status_of(pool: &PgPool, ws: WorkspaceId, id: Uuid) -> String {
    sqlx::query_scalar("select status from leads where client_id = $1 and id = $2").bind(ws.0).bind(id).fetch_one(pool).await.unwrap()
}

fn entry<'a>(address: &'a str, reason: Reason) -> NewSuppression<'a> {
    NewSuppression { address, reason, source: "user", campaign_id: None }
}

fn claims(ws: WorkspaceId, address: &str) -> UnsubscribeClaims {
    // Through a real token, as the endpoint gets them.
    let key = UnsubscribeKey::generate();
    let token = unsubscribe::issue(&key, ws, address, Some(Uuid::new_v4())).unwrap();
    unsubscribe::verify(&key, &token).unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn adding_an_address_twice_keeps_the_first_entry(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let mut conn = pool.acquire().await.unwrap();
    assert!(suppressions::insert(&mut conn, ws, &entry(" Ann@Customer.Example ", Reason::Bounced)).await.unwrap());
    assert!(!suppressions::insert(&mut conn, ws, &entry("ann@customer.example", Reason::Complained)).await.unwrap());
    assert!(suppressions::is_suppressed(&pool, ws, "ANN@customer.example").await.unwrap());
    assert!(!suppressions::is_suppressed(&pool, ws, "bob@customer.example").await.unwrap());
    let list = suppressions::list(&pool, ws, 100).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].address, "ann@customer.example");
    assert_eq!(list[0].reason, Reason::Bounced);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn addresses_are_stored_in_the_suppression_canonical_form(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let mut conn = pool.acquire().await.unwrap();
    suppressions::insert(&mut conn, ws, &entry("mailto:Jo@Bücher.Example", Reason::Manual)).await.unwrap();
    assert!(suppressions::is_suppressed(&pool, ws, "jo@xn--bcher-kva.example").await.unwrap());
    assert!(suppressions::is_suppressed(&pool, ws, "JO@bücher.example").await.unwrap());
    assert_eq!(suppressions::list(&pool, ws, 10).await.unwrap()[0].address, "jo@xn--bcher-kva.example");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_bad_address_or_source_is_refused_and_nothing_is_written(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let mut conn = pool.acquire().await.unwrap();
    for bad in ["", "no-at-sign", "@customer.example", "ann@", "ann@localhost"] {
        let e = suppressions::insert(&mut conn, ws, &entry(bad, Reason::Manual)).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{bad:?}: {e:?}");
        assert!(matches!(suppressions::is_suppressed(&pool, ws, bad).await, Err(Error::Invalid(_))), "{bad:?}");
    }
    let e = suppressions::insert(&mut conn, ws, &NewSuppression { address: "ann@customer.example", reason: Reason::Manual, source: " ", campaign_id: None }).await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));
    assert!(suppressions::list(&pool, ws, 10).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn each_workspace_sees_only_its_own_list(pool: PgPool) {
    let a = workspace(&pool, "Acme").await;
    let b = workspace(&pool, "Beta").await;
    let mut conn = pool.acquire().await.unwrap();
    suppressions::insert(&mut conn, a, &entry("ann@customer.example", Reason::Unsubscribed)).await.unwrap();
    assert!(!suppressions::is_suppressed(&pool, b, "ann@customer.example").await.unwrap());
    assert!(suppressions::list(&pool, b, 10).await.unwrap().is_empty());
    assert!(suppressions::get(&pool, b, "ann@customer.example").await.unwrap().is_none());
    // The same address may be listed by both, independently.
    assert!(suppressions::insert(&mut conn, b, &entry("ann@customer.example", Reason::Manual)).await.unwrap());
    assert_eq!(suppressions::get(&pool, a, "ann@customer.example").await.unwrap().unwrap().reason, Reason::Unsubscribed);
    assert_eq!(suppressions::get(&pool, b, "ann@customer.example").await.unwrap().unwrap().reason, Reason::Manual);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn unsubscribing_moves_a_live_lead_through_the_status_machine(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let id = lead(&pool, ws, "ann@customer.example", "opened").await;
    let out = unsubscribe::unsubscribe(&pool, &claims(ws, "ann@customer.example"), Via::OneClick).await.unwrap();
    assert!(out.newly_suppressed);
    let (lead_id, from, to) = out.lead.unwrap();
    assert_eq!((lead_id.0, from.as_str(), to.as_str()), (id, "opened", "unsubscribed"));
    assert_eq!(status_of(&pool, ws, id).await, "unsubscribed");
    let again = unsubscribe::unsubscribe(&pool, &claims(ws, "ann@customer.example"), Via::Link).await.unwrap();
    assert_eq!(again, unsubscribe::Outcome { newly_suppressed: false, lead: None });
    let audits: i64 = sqlx::query_scalar("select count(*) from audit_log where client_id = $1 and action = 'email.unsubscribed'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audits, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_terminal_lead_keeps_its_status_but_the_address_is_still_suppressed(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let id = lead(&pool, ws, "ann@customer.example", "bounced").await;
    let out = unsubscribe::unsubscribe(&pool, &claims(ws, "ann@customer.example"), Via::Link).await.unwrap();
    assert!(out.newly_suppressed);
    assert_eq!(out.lead, None);
    assert_eq!(status_of(&pool, ws, id).await, "bounced");
    assert!(suppressions::is_suppressed(&pool, ws, "ann@customer.example").await.unwrap());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_lead_stored_with_a_unicode_domain_is_found_from_the_token(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    let id = lead(&pool, ws, "jo@bücher.example", "contacted").await;
    unsubscribe::unsubscribe(&pool, &claims(ws, "Jo@Bücher.example"), Via::Link).await.unwrap();
    assert_eq!(status_of(&pool, ws, id).await, "unsubscribed");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_deleted_workspace_cannot_be_written_to(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    sqlx::query("update workspaces set deleted_at = now() where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let e = unsubscribe::unsubscribe(&pool, &claims(ws, "ann@customer.example"), Via::Link).await.unwrap_err();
    assert_eq!(e.status(), 404);
    let rows: i64 = sqlx::query_scalar("select count(*) from suppressions").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 0);
}

#[path = "../shared/dovecot.rs"]
mod dovecot;
mod imap_dovecot;
