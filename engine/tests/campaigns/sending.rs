//! Mailboxes (sealed secrets, a real SMTP login against the sink, DKIM keys), going live and the
//! emergency stops, the outbox view, and the deliverability guard.

use crate::support::*;
use chrono::Duration;
use domain::ids::{MailboxId, UserId, WorkspaceId};
use domain::sending::{MailboxForm, SendLimits};
use engine::email::dkim::{dns_record, DkimPrivateKey};
use engine::email::sink::{SinkOptions, SmtpSink};
use engine::flows::deliverability::{self, Outcome};
use engine::flows::{drafts, mailboxes, outbox, sending};
use engine::store::mailboxes::secret_context;
use engine::{Engine, Error};
use sqlx::PgPool;
use std::sync::Arc;

fn form(address: &str, port: u16) -> MailboxForm {
    MailboxForm {
        address: address.into(),
        display_name: "Sam Carter".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: port.to_string(),
        smtp_security: "none".into(),
        smtp_username: "sam@northwind.com.au".into(),
        smtp_password: "app-password-9f3k".into(),
        daily_cap: 40,
        ramp_start: 5,
        ramp_step: 3,
        ..Default::default()
    }
}

async fn audit_actions(pool: &PgPool, ws: WorkspaceId) -> Vec<String> {
    sqlx::query_scalar("select action from audit_log where client_id = $1 order by id").bind(ws.0).fetch_all(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_mailbox_is_added_with_its_password_sealed_and_its_connection_tested_against_a_real_server(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { require_auth: true, ..Default::default() }).await.unwrap();
    let m = mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form(" Sam@Northwind.com.au ", sink.addr().port())).await.unwrap();
    assert_eq!(m.address, "sam@northwind.com.au");
    assert!(m.has_password);
    assert_eq!((m.cap_today, m.used_today), (5, 0), "the ramp starts at 5 a day");

    let stored: String = sqlx::query_scalar("select smtp_password from mailboxes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(!stored.contains("app-password-9f3k"));
    let opened = engine.settings.secrets.open(&secret_context(ws, m.id, "smtp_password"), &stored).unwrap();
    assert_eq!(opened, b"app-password-9f3k");
    // Sealed for this mailbox only: another mailbox's context does not open it.
    assert!(engine.settings.secrets.open(&secret_context(ws, MailboxId(uuid::Uuid::new_v4()), "smtp_password"), &stored).is_err());

    let test = mailboxes::test_connection(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id).await.unwrap();
    assert!(test.ok, "{}", test.message);
    assert_eq!(sink.logins(), ["sam@northwind.com.au"]);
    assert_eq!(sink.count(), 0, "a connection test sends no mail");

    let audit: String = sqlx::query_scalar("select after::text from audit_log where client_id = $1 and action = 'mailbox.add'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(!audit.contains("app-password"), "{audit}");

    // A server nobody listens on: a failed test in words, not an error.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dead = mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("ops@northwind.com.au", port)).await.unwrap();
    let test = mailboxes::test_connection(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), dead.id).await.unwrap();
    assert!(!test.ok && test.message.contains("connection problem"), "{}", test.message);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn bad_mailbox_input_and_the_wrong_role_change_nothing(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let mut bad = form("sam@northwind.com.au", 2525);
    bad.smtp_host = "smtp northwind".into();
    assert!(matches!(async { mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, bad).await }.await, Err(Error::Invalid(m)) if m.contains("host name")));
    let mut clear = form("sam@northwind.com.au", 2525);
    clear.smtp_host = "smtp.northwind.com.au".into();
    assert!(matches!(async { mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, clear).await }.await, Err(Error::Invalid(m)) if m.contains("localhost")));
    let m = member(&engine, ws, "member").await;
    assert!(matches!(async { mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, m, ws).await?, form("sam@northwind.com.au", 2525)).await }.await, Err(Error::Forbidden)));
    let (stranger, _) = owner_workspace(&engine, "Other").await;
    assert!(matches!(async { mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, stranger, ws).await?).await }.await, Err(Error::NotFound(_))));
    assert_eq!(count(&pool, "select count(*) from mailboxes where client_id = $1", ws).await, 0);

    let added = mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("sam@northwind.com.au", 2525)).await.unwrap();
    assert!(matches!(async { mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, form("SAM@northwind.com.au", 2525)).await }.await, Err(Error::Conflict(_))));
    let bad_limits = SendLimits { daily_cap: 10, ramp_start: 20, ramp_step: 1 };
    assert!(matches!(async { mailboxes::set_limits(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, added.id, bad_limits).await }.await, Err(Error::Invalid(_))));
    assert!(matches!(async { mailboxes::generate_dkim(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, added.id, "northwind", "s1", None).await }.await, Err(Error::Invalid(_))));
    assert!(matches!(async { mailboxes::generate_dkim(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, added.id, "northwind.com.au", "s1", Some("dsa")).await }.await, Err(Error::Invalid(_))));
    let after = mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap();
    assert_eq!(after, vec![added]);
    assert_eq!(audit_actions(&pool, ws).await.iter().filter(|a| a.starts_with("mailbox.")).count(), 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn dkim_keys_are_generated_sealed_and_published_as_the_record_shown(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let m = mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("sam@northwind.com.au", 2525)).await.unwrap();
    let record = mailboxes::generate_dkim(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id, "Northwind.com.au", "s2026", None).await.unwrap();
    assert_eq!(record.name, "s2026._domainkey.northwind.com.au");
    assert!(record.value.starts_with("v=DKIM1; k=ed25519; p="), "{}", record.value);

    let sealed: String = sqlx::query_scalar("select dkim_key from mailboxes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(!sealed.contains("PRIVATE KEY"));
    let pem = String::from_utf8(engine.settings.secrets.open(&secret_context(ws, m.id, "dkim_key"), &sealed).unwrap()).unwrap();
    let key = DkimPrivateKey::from_pem(&pem).unwrap();
    assert_eq!(dns_record("northwind.com.au", "s2026", &key).unwrap().value, record.value, "the stored key is the published one");
    assert_eq!(mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap()[0].dkim.as_ref(), Some(&record));

    let rsa = mailboxes::generate_dkim(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id, "northwind.com.au", "r1", Some("rsa")).await.unwrap();
    assert!(rsa.value.starts_with("v=DKIM1; k=rsa; p="));
    assert_eq!(mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap()[0].dkim.as_ref(), Some(&rsa), "a new key replaces the old");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn caps_ramp_pause_resume_and_remove_are_audited(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let m = mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("sam@northwind.com.au", 2525)).await.unwrap();
    let changed = mailboxes::set_limits(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id, SendLimits { daily_cap: 100, ramp_start: 20, ramp_step: 10 }).await.unwrap();
    assert_eq!((changed.limits.daily_cap, changed.cap_today), (100, 20));
    let paused = mailboxes::pause(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id, "warming a new domain").await.unwrap();
    assert_eq!(paused.paused_reason.as_deref(), Some("warming a new domain"));
    assert!(engine::store::mailboxes::sendable(&pool, ws, chrono::Utc::now().date_naive()).await.unwrap().is_empty());
    assert!(mailboxes::resume(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id).await.unwrap().paused_at.is_none());
    mailboxes::remove(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id).await.unwrap();
    assert!(mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap().is_empty());
    assert!(matches!(async { mailboxes::remove(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, m.id).await }.await, Err(Error::NotFound(_))));
    assert_eq!(audit_actions(&pool, ws).await.into_iter().filter(|a| a.starts_with("mailbox.")).collect::<Vec<_>>(), ["mailbox.add", "mailbox.limits", "mailbox.pause", "mailbox.resume", "mailbox.remove"]);
}

/// A workspace with `n` approved first touches due now (shadow mode still on).
async fn approved(pool: &PgPool, n: usize) -> (Engine, UserId, WorkspaceId) {
    let engine = engine(pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(pool, ws, n).await;
    let id = active_campaign(&engine, u, ws).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let batch = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(id), 5_000).await.unwrap();
    drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday() - Duration::minutes(1)).execute(pool).await.unwrap();
    (engine, u, ws)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn going_live_takes_the_typed_name_a_mailbox_and_an_admin(pool: PgPool) {
    let (engine, u, ws) = approved(&pool, 2).await;
    let state = sending::get(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap();
    assert!(state.shadow_mode && state.can_manage && !state.sending());
    assert!(matches!(async { sending::go_live(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, "Acme").await }.await, Err(Error::Conflict(m)) if m.contains("mailbox")), "no mailbox yet");
    mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("sam@northwind.com.au", 2525)).await.unwrap();
    assert!(matches!(async { sending::go_live(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, "acme").await }.await, Err(Error::Invalid(_))), "the name exactly");
    let m = member(&engine, ws, "member").await;
    assert!(matches!(async { sending::go_live(&engine, &engine::auth::Access::resolve(&engine, m, ws).await?, "Acme").await }.await, Err(Error::Forbidden)));
    assert!(!sending::get(&engine, &engine::auth::Access::resolve(&engine, m, ws).await.unwrap()).await.unwrap().can_manage);
    assert!(sending::get(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap().shadow_mode, "refusals change nothing");

    let admin = member(&engine, ws, "admin").await;
    let live = sending::go_live(&engine, &engine::auth::Access::resolve(&engine, admin, ws).await.unwrap(), " Acme ").await.unwrap();
    assert!(!live.shadow_mode && live.sending());
    let (before, after): (serde_json::Value, serde_json::Value) =
        sqlx::query_as("select before, after from audit_log where client_id = $1 and action = 'sending.go_live'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!((before["shadow_mode"].as_bool(), after["shadow_mode"].as_bool()), (Some(true), Some(false)));

    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().sent, 2);
    let back = sending::back_to_shadow(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap();
    assert!(back.shadow_mode);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_stop_button_holds_the_next_send_and_resume_releases_it(pool: PgPool) {
    let (engine, u, ws) = approved(&pool, 1).await;
    mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("sam@northwind.com.au", 2525)).await.unwrap();
    sending::go_live(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "Acme").await.unwrap();
    let stopped = sending::pause_sending(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "wrong template went out").await.unwrap();
    assert!(stopped.paused && !stopped.sending());
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    assert_eq!(d.round(tuesday()).await.unwrap().postponed, 1);
    assert_eq!(t.count(), 0);
    let page = outbox::page(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "pending").await.unwrap();
    let stop = page.items[0].checks.iter().find(|c| c.check == "emergency_stop").unwrap();
    assert!(!stop.ok && stop.detail.contains("wrong template went out"), "{stop:?}");

    assert!(!sending::resume_sending(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap().paused);
    assert_eq!(d.round(tuesday() + Duration::minutes(10)).await.unwrap().sent, 1);
    assert_eq!(t.count(), 1);

    // The platform switch holds every workspace the same way.
    let (on, reason) = sending::set_platform_stop(&engine, true, Some("provider incident")).await.unwrap();
    assert!(on && reason.as_deref() == Some("provider incident"));
    assert!(sending::get(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap().platform_stop);
    assert!(!sending::set_platform_stop(&engine, false, None).await.unwrap().0);
    let actions = audit_actions(&pool, ws).await;
    assert!(actions.contains(&"sending.stop".to_string()) && actions.contains(&"sending.resume".to_string()), "{actions:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_shadow_message_shows_exactly_what_would_go_out(pool: PgPool) {
    let (engine, u, ws) = approved(&pool, 1).await;
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().shadow, 1);
    let page = outbox::page(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "shadow").await.unwrap();
    assert_eq!(page.counts, vec![("shadow".to_string(), 1)]);
    let item = &page.items[0];
    assert!(item.checks.iter().any(|c| c.check == "shadow_mode" && c.ok));
    assert_eq!(item.campaign, "Q1");
    let full = outbox::message(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), item.id).await.unwrap();
    assert!(full.text.contains("1 George St, Sydney NSW 2000") && full.text.contains("/u/"), "{}", full.text);
    assert!(full.text.starts_with(&sqlx::query_scalar::<_, String>("select body from outbox where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap()));
    assert!(matches!(async { outbox::page(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, "bogus").await }.await, Err(Error::Invalid(_))));
    let (stranger, _) = owner_workspace(&engine, "Other").await;
    assert!(matches!(async { outbox::message(&engine, &engine::auth::Access::resolve(&engine, stranger, ws).await?, item.id).await }.await, Err(Error::NotFound(_))));
}

/// A live workspace that has sent `n` messages through one mailbox; their Message-IDs.
async fn sent(pool: &PgPool, n: usize) -> (Engine, UserId, WorkspaceId, MailboxId, Vec<String>) {
    let (engine, u, ws) = approved(pool, n).await;
    let m = mailboxes::add(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), form("sam@northwind.com.au", 2525)).await.unwrap();
    mailboxes::set_limits(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), m.id, SendLimits { daily_cap: 2000, ramp_start: 2000, ramp_step: 0 }).await.unwrap();
    sending::go_live(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "Acme").await.unwrap();
    let mut d = dispatcher(&engine, Arc::new(Recorder::default()), "w1");
    d.settings.claim = 500;
    assert_eq!(d.round(tuesday()).await.unwrap().sent as usize, n);
    let ids = sqlx::query_scalar("select message_id from outbox where client_id = $1 order by message_id").bind(ws.0).fetch_all(pool).await.unwrap();
    (engine, u, ws, m.id, ids)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn six_bounces_in_a_hundred_sends_pause_the_mailbox_and_five_do_not(pool: PgPool) {
    let (engine, u, ws, m, ids) = sent(&pool, 100).await;
    for id in &ids[..5] {
        let r = deliverability::record(&engine, ws, id, Outcome::Bounce, "dsn").await.unwrap();
        assert!(r.new && r.suppressed && r.mailbox_paused.is_none());
        assert_eq!(r.lead_status.as_deref(), Some("bounced"));
    }
    // The same bounce again changes nothing.
    assert_eq!(deliverability::record(&engine, ws, &ids[0], Outcome::Bounce, "dsn").await.unwrap(), Default::default());
    assert!(mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap()[0].paused_at.is_none(), "5 % is allowed");

    let r = deliverability::record(&engine, ws, ids[5].trim_matches(|c| c == '<' || c == '>'), Outcome::Bounce, "webhook").await.unwrap();
    let reason = r.mailbox_paused.expect("the sixth bounce trips the guard");
    assert!(reason.contains("bounce rate 6.0 %"), "{reason}");
    let shown = &mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap()[0];
    assert_eq!(shown.paused_reason.as_deref(), Some(reason.as_str()), "the reason is visible");
    assert_eq!(count(&pool, "select count(*) from audit_log where client_id = $1 and action = 'mailbox.paused_by_guard'", ws).await, 1);
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and reason = 'bounced'", ws).await, 6);
    assert!(engine::store::mailboxes::sendable(&pool, ws, tuesday().date_naive()).await.unwrap().iter().all(|x| x.id != m.0));
    assert!(matches!(deliverability::record(&engine, ws, "<nobody@else>", Outcome::Bounce, "dsn").await, Err(Error::NotFound(_))));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn one_complaint_pauses_the_mailbox_and_dispatch_then_skips_it(pool: PgPool) {
    let (engine, u, ws, _m, ids) = sent(&pool, 30).await;
    let r = deliverability::record(&engine, ws, &ids[3], Outcome::Complaint, "fbl").await.unwrap();
    assert!(r.mailbox_paused.unwrap().contains("complaint rate"));
    assert_eq!(r.lead_status.as_deref(), Some("unsubscribed"));
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and reason = 'complained'", ws).await, 1);

    // A message due again (as a later step would be) finds no mailbox that may send: it waits
    // with the reason recorded, nothing goes out.
    sqlx::query("update outbox set state = 'pending', mailbox_id = null, sent_at = null, not_before = $3 where client_id = $1 and message_id = $2")
        .bind(ws.0)
        .bind(&ids[0])
        .bind(tuesday())
        .execute(&pool)
        .await
        .unwrap();
    let t = Arc::new(Recorder::default());
    let report = dispatcher(&engine, t.clone(), "w2").round(tuesday() + Duration::minutes(1)).await.unwrap();
    assert_eq!((report.sent, t.count()), (0, 0), "{report:?}");
    assert_eq!(report.postponed, 1);
    let page = outbox::page(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), "pending").await.unwrap();
    let cap = page.items[0].checks.iter().find(|c| c.check == "mailbox_cap").unwrap();
    assert!(!cap.ok && cap.detail.contains("paused"), "{cap:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_bounce_message_is_matched_to_the_message_it_returns(pool: PgPool) {
    let (engine, _u, ws, _m, ids) = sent(&pool, 3).await;
    let to: String = sqlx::query_scalar("select to_address from outbox where client_id = $1 and message_id = $2").bind(ws.0).bind(&ids[1]).fetch_one(&pool).await.unwrap();
    let dsn = format!(
        "From: MAILER-DAEMON@mx.client.example\r\nTo: sam@northwind.com.au\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.client.example>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.example\r\n\r\nFinal-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {}\r\nTo: {to}\r\n\r\n--b--\r\n",
        ids[1]
    );
    let done = deliverability::record_bounce_message(&engine, ws, dsn.as_bytes()).await.unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    let bounced: Vec<String> = sqlx::query_scalar("select message_id from outbox where client_id = $1 and bounced_at is not null").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(bounced, vec![ids[1].clone()]);
    // Not a bounce at all: nothing recorded.
    assert!(deliverability::record_bounce_message(&engine, ws, b"Subject: thanks!\r\n\r\nSounds good.\r\n").await.unwrap().is_empty());
}
