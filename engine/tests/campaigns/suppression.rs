//! Suppression on every channel, just in time: a domain (by its apex) or a platform entry added
//! after a message was queued stops it; the phone check future channels call; and the checks
//! before a voice call (suppression, calling hours, the Do Not Call Register with its 30-day
//! cache).

use crate::support::*;
use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::phone::E164;
use domain::suppression::EntryKind;
use engine::flows::calling::{check_call, CallVerdict};
use engine::flows::suppression;
use engine::providers::dncr::{DncrWash, SandboxDncr, WashResult};
use engine::providers::ProviderError;
use sqlx::PgPool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A live workspace with one approved first touch due now, to `ann@eu.client0.com.au`.
async fn queued(pool: &PgPool) -> (engine::Engine, domain::ids::UserId, domain::ids::WorkspaceId) {
    let engine = engine(pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(pool, ws, 1).await;
    sqlx::query("update leads set email = 'ann@eu.client0.com.au' where client_id = $1").bind(ws.0).execute(pool).await.unwrap();
    let id = active_campaign(&engine, u, ws).await;
    engine::flows::drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let batch = engine::flows::drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(id), 5_000).await.unwrap();
    engine::flows::drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday() - Duration::minutes(1)).execute(pool).await.unwrap();
    mailbox(pool, ws, "sam@northwind.com.au", 50).await;
    go_live(pool, ws).await;
    let to: String = sqlx::query_scalar("select to_address from outbox where client_id = $1").bind(ws.0).fetch_one(pool).await.unwrap();
    assert_eq!(to, "ann@eu.client0.com.au");
    (engine, u, ws)
}

async fn last_error(pool: &PgPool, ws: domain::ids::WorkspaceId) -> String {
    sqlx::query_scalar("select coalesce(last_error, '') from outbox where client_id = $1 limit 1").bind(ws.0).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_domain_suppressed_by_its_apex_after_queuing_stops_the_queued_message(pool: PgPool) {
    let (engine, u, ws) = queued(&pool).await;
    // A look-alike and a sibling subdomain change nothing.
    suppression::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, "notclient0.com.au", None).await.unwrap();
    suppression::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, "us.client0.com.au", None).await.unwrap();
    // The apex, added after the message was approved and queued.
    assert!(suppression::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(EntryKind::Domain), "https://www.client0.com.au/contact", Some("client asked")).await.unwrap());
    let t = Arc::new(Recorder::default());
    let r = dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap();
    assert_eq!((r.sent, r.cancelled), (0, 1));
    assert_eq!(t.count(), 0);
    assert_eq!(last_error(&pool, ws).await, "domain client0.com.au is on the suppression list");
    let checks: serde_json::Value = sqlx::query_scalar("select checks from outbox where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    let failed: Vec<&str> = checks.as_array().unwrap().iter().filter(|c| c["ok"] == false).map(|c| c["check"].as_str().unwrap()).collect();
    assert_eq!(failed, ["suppression"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_platform_list_and_the_company_domain_stop_a_queued_message_too(pool: PgPool) {
    let (engine, _u, ws) = queued(&pool).await;
    let (kind, value, added) = suppression::platform_add(&engine, "CLIENT0.com.au", None, Some("operator: legal hold")).await.unwrap();
    assert_eq!((kind, value.as_str(), added), (EntryKind::Domain, "client0.com.au", true));
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().cancelled, 1);
    assert_eq!(last_error(&pool, ws).await, "domain client0.com.au is on the platform suppression list");

    // Another workspace: the email's domain is clean, but the lead's company domain is listed.
    let (engine2, u2, ws2) = queued(&pool).await;
    suppression::platform_remove(&engine2, "client0.com.au").await.unwrap();
    suppression::add(&engine2, &engine::auth::Access::resolve(&engine2, u2, ws2).await.unwrap(), None, "example.com.au", None).await.unwrap();
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine2, t.clone(), "w1").round(tuesday()).await.unwrap().cancelled, 1);
    assert_eq!(last_error(&pool, ws2).await, "domain example.com.au is on the suppression list");
    assert_eq!(t.count(), 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_workspace_s_entries_never_stop_another_workspace_s_sends(pool: PgPool) {
    let (engine, _u, ws) = queued(&pool).await;
    let (other_user, other) = owner_workspace(&engine, "Other agency").await;
    suppression::add(&engine, &engine::auth::Access::resolve(&engine, other_user, other).await.unwrap(), None, "client0.com.au", None).await.unwrap();
    suppression::add(&engine, &engine::auth::Access::resolve(&engine, other_user, other).await.unwrap(), None, "ann@eu.client0.com.au", None).await.unwrap();
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().sent, 1);
    // Nor can a member of one read or lift the other's entries.
    assert!(matches!(async { suppression::page(&engine, &engine::auth::Access::resolve(&engine, other_user, ws).await?, "", None, 0).await }.await, Err(engine::Error::NotFound(_))));
    let (mine, _) = {
        let p = suppression::page(&engine, &engine::auth::Access::resolve(&engine, other_user, other).await.unwrap(), "client0", None, 0).await.unwrap();
        (p.entries, p.total)
    };
    assert_eq!(mine.len(), 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_phone_check_finds_a_number_however_it_was_written(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    assert!(suppression::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, "0412 345 678", None).await.unwrap());
    assert!(!suppression::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(EntryKind::Phone), "+61 412-345-678", None).await.unwrap(), "the same number");
    let n = E164::parse("+61412345678").unwrap();
    let hit = suppression::check_phone(&pool, ws, &n).await.unwrap().unwrap();
    assert_eq!(hit.to_string(), "number +61412345678 is on the workspace suppression list");
    assert!(suppression::check_phone(&pool, ws, &E164::parse("+61412345679").unwrap()).await.unwrap().is_none());
    suppression::platform_add(&engine, "+1 415 555 2671", None, None).await.unwrap();
    let hit = suppression::check_phone(&pool, ws, &E164::parse("+14155552671").unwrap()).await.unwrap().unwrap();
    assert_eq!(hit.list, "platform");
    // The same check through a tenant transaction (row-level security on): it still sees the
    // platform list and only its own workspace's entries.
    let (u2, ws2) = owner_workspace(&engine, "Other").await;
    let _ = u2;
    let mut tx = engine::db::tenant(&pool, ws2).await.unwrap();
    assert!(suppression::check_phone(&mut *tx, ws2, &n).await.unwrap().is_none());
    assert!(suppression::check_phone(&mut *tx, ws2, &E164::parse("+14155552671").unwrap()).await.unwrap().is_some());
    let denied = sqlx::query("insert into platform_suppressions (kind, value) values ('domain', 'tenant-wrote.example')").execute(&mut *tx).await;
    assert!(denied.is_err(), "a workspace cannot write the platform list");
}

/// Counts the washes it is asked for, answering like the sandbox.
#[derive(Default)]
struct CountingWash(AtomicUsize);

#[async_trait]
impl DncrWash for CountingWash {
    async fn wash(&self, numbers: &[E164], now: DateTime<Utc>) -> Result<Vec<WashResult>, ProviderError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        SandboxDncr.wash(numbers, now).await
    }
}

fn sydney(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Australia::Sydney.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_call_is_refused_for_a_listed_number_and_postponed_outside_calling_hours(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let tz = chrono_tz::Australia::Sydney;
    let wash = CountingWash::default();
    // Wednesday 2 December 2026, 10:00: a clean number may be called; the wash is recorded.
    let wednesday = sydney(2026, 12, 2, 10, 0);
    let clean = E164::parse("+61412345678").unwrap();
    let (verdict, checks) = check_call(&pool, ws, &wash, &clean, tz, wednesday).await.unwrap();
    assert_eq!(verdict, CallVerdict::Call);
    assert_eq!(checks.iter().map(|c| c.check.as_str()).collect::<Vec<_>>(), ["suppression", "calling_hours", "dncr"]);
    assert_eq!(wash.0.load(Ordering::SeqCst), 1);

    // A listed number (the sandbox lists numbers ending in 0) is refused with the register's reference.
    let listed = E164::parse("+61412345670").unwrap();
    let (verdict, _) = check_call(&pool, ws, &wash, &listed, tz, wednesday).await.unwrap();
    assert!(matches!(verdict, CallVerdict::Refuse { ref reason } if reason.contains("Do Not Call Register") && reason.contains("sandbox-")), "{verdict:?}");

    // 20:01 on a weekday, a Sunday, Christmas: postponed to the next permitted moment, no wash.
    let washes = wash.0.load(Ordering::SeqCst);
    let (verdict, _) = check_call(&pool, ws, &wash, &clean, tz, sydney(2026, 12, 2, 20, 1)).await.unwrap();
    assert!(matches!(verdict, CallVerdict::Postpone { ref reason, until } if reason.contains("after calling hours") && until == sydney(2026, 12, 3, 9, 0)), "{verdict:?}");
    let (verdict, _) = check_call(&pool, ws, &wash, &clean, tz, sydney(2026, 12, 6, 11, 0)).await.unwrap();
    assert!(matches!(verdict, CallVerdict::Postpone { ref reason, until } if reason.contains("Sunday") && until == sydney(2026, 12, 7, 9, 0)), "{verdict:?}");
    let (verdict, _) = check_call(&pool, ws, &wash, &clean, tz, sydney(2026, 12, 25, 11, 0)).await.unwrap();
    assert!(matches!(verdict, CallVerdict::Postpone { ref reason, until } if reason.contains("Christmas Day") && until == sydney(2026, 12, 29, 9, 0)), "{verdict:?}");
    assert_eq!(wash.0.load(Ordering::SeqCst), washes, "no wash for a call that cannot be made now");

    // A suppressed number is refused before anything else.
    suppression::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, "+61 412 345 678", Some("asked not to be called")).await.unwrap();
    let (verdict, checks) = check_call(&pool, ws, &wash, &clean, tz, wednesday).await.unwrap();
    assert!(matches!(verdict, CallVerdict::Refuse { ref reason } if reason.contains("suppression list")), "{verdict:?}");
    assert_eq!(checks.len(), 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_wash_is_relied_on_for_at_most_30_days(pool: PgPool) {
    let engine = engine(&pool).await;
    let (_u, ws) = owner_workspace(&engine, "Acme").await;
    let tz = chrono_tz::Australia::Sydney;
    let wash = CountingWash::default();
    let n = E164::parse("+61412345678").unwrap();
    let first = sydney(2026, 12, 2, 10, 0);
    check_call(&pool, ws, &wash, &n, tz, first).await.unwrap();
    // Wednesday 28 days later: the cached answer.
    let (_, checks) = check_call(&pool, ws, &wash, &n, tz, first + Duration::days(28)).await.unwrap();
    assert!(checks[2].detail.contains("cached"), "{:?}", checks[2]);
    assert_eq!(wash.0.load(Ordering::SeqCst), 1);
    // 31 days after (Saturday 2 January 2027): washed again, and the new answer recorded.
    let later = first + Duration::days(31);
    let (verdict, checks) = check_call(&pool, ws, &wash, &n, tz, later).await.unwrap();
    assert_eq!(verdict, CallVerdict::Call);
    assert!(!checks[2].detail.contains("cached"), "{:?}", checks[2]);
    assert_eq!(wash.0.load(Ordering::SeqCst), 2);
    let washed_at: DateTime<Utc> = sqlx::query_scalar("select washed_at from dncr_washes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(washed_at, later);
    // A foreign number is not the register's business: no wash.
    let (verdict, checks) = check_call(&pool, ws, &wash, &E164::parse("+14155552671").unwrap(), tz, later).await.unwrap();
    assert_eq!(verdict, CallVerdict::Call);
    assert!(checks[2].detail.contains("not an Australian number"));
    assert_eq!(wash.0.load(Ordering::SeqCst), 2);
}

/// Twilio's incoming-message parameters (`twilio-messaging-webhooks.json` example) with `body`
/// from `from`.
fn incoming(from: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "AU"), ("SmsMessageSid", "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), ("NumMedia", "0"), ("SmsSid", "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("SmsStatus", "received"), ("Body", body), ("FromCountry", "AU"), ("To", "+61400000000"), ("NumSegments", "1"),
        ("MessageSid", "SMXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), ("AccountSid", "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), ("From", from), ("ApiVersion", "2010-04-01"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_sms_stop_suppresses_the_number_at_once_and_only_when_twilio_signed_it(pool: PgPool) {
    use engine::flows::sms::{inbound, Inbound};
    use engine::providers::twilio::signature;
    let engine = engine(&pool).await;
    let (_u, ws) = owner_workspace(&engine, "Acme").await;
    let token = "workspace-twilio-token";
    let url = format!("https://app.example/webhooks/twilio/{ws}/sms");
    let n = E164::parse("+61412345678").unwrap();

    // Forged (signed with another token) or unsigned: refused, nothing written.
    let stop = incoming("+61412345678", "STOP");
    let forged = signature("another-token", &url, &stop);
    assert!(matches!(inbound(&pool, ws, token, &url, &stop, Some(&forged)).await, Err(engine::Error::Unauthenticated(_))));
    assert!(matches!(inbound(&pool, ws, token, &url, &stop, None).await, Err(engine::Error::Unauthenticated(_))));
    assert!(suppression::check_phone(&pool, ws, &n).await.unwrap().is_none());

    // A message that is not a keyword changes nothing.
    let hello = incoming("+61412345678", "Stop by on Tuesday?");
    assert_eq!(inbound(&pool, ws, token, &url, &hello, Some(&signature(token, &url, &hello))).await.unwrap(), Inbound::Received);
    assert!(suppression::check_phone(&pool, ws, &n).await.unwrap().is_none());

    // Each keyword suppresses at once; a repeat is acknowledged and not added twice.
    for (i, kw) in ["STOP", "stop all", "Unsubscribe", "CANCEL", "end", "Quit."].into_iter().enumerate() {
        let from = format!("+6141234567{i}");
        let p = incoming(&from, kw);
        let out = inbound(&pool, ws, token, &url, &p, Some(&signature(token, &url, &p))).await.unwrap();
        assert!(matches!(out, Inbound::OptedOut { newly: true, .. }), "{kw}: {out:?}");
        let hit = suppression::check_phone(&pool, ws, &E164::parse(&from).unwrap()).await.unwrap();
        assert!(hit.is_some(), "{kw} did not suppress {from}");
    }
    let again = incoming("+61412345670", "STOP");
    let out = inbound(&pool, ws, token, &url, &again, Some(&signature(token, &url, &again))).await.unwrap();
    assert!(matches!(out, Inbound::OptedOut { newly: false, .. }), "{out:?}");
    // The opt-out is the person's: nobody in the workspace can lift it.
    let reason: String = sqlx::query_scalar("select reason from suppressions where client_id = $1 and address = '+61412345670'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(reason, "unsubscribed");
}
