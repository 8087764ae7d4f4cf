//! Bounces read back from a real Dovecot (issue 11 §2: the IMAP client is tested against a real
//! server, not only our sink): the product sends through the SMTP sink, the bounce arrives in
//! the mailbox's INBOX on a private Dovecot over LMTP, and `poll_mailbox` reads it over TLS
//! from the first byte or over STARTTLS, records it once, and leaves every message unread.

use crate::bounces::{postfix_dsn, sent_through_sink, setup, sink_mailbox, state, PASSWORD};
use crate::dovecot::Dovecot;
use crate::support::*;
use engine::flows::bounces;
use sqlx::PgPool;

async fn a_bounce_is_read_once_and_nothing_is_marked_seen(pool: PgPool, security: &str) {
    let Some(dovecot) = Dovecot::start().await else { return };
    let (engine, sink, sink_imap) = setup(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let m = sink_mailbox(&engine, ws, sender, &sink, sink_imap).await;
    let sent = sent_through_sink(&engine, ws, u, 3).await;
    // The mailbox reads its INBOX on Dovecot, logging in as it does for SMTP.
    dovecot.add_user(sender, PASSWORD);
    let port = if security == "tls" { dovecot.tls_port() } else { dovecot.starttls_port() };
    sqlx::query("update mailboxes set imap_host = $3, imap_port = $4, imap_security = $5 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(m.0)
        .bind(dovecot.host())
        .bind(i32::from(port))
        .bind(security)
        .execute(&pool)
        .await
        .unwrap();
    dovecot.deliver(sender, format!("From: Kim <{}>\r\nSubject: Re: Quick question\r\nIn-Reply-To: {}\r\n\r\nNot now.\r\n", sent[2].0, sent[2].1).as_bytes()).await;
    dovecot.deliver(sender, postfix_dsn(sender, &sent[0].0, &sent[0].1, "5.1.1", "failed").as_bytes()).await;

    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.messages, r.bounces, r.error.as_deref()), (2, 1, None), "{r:?}\n{}", dovecot.log());
    let bounced: i64 = sqlx::query_scalar("select count(*) from outbox where client_id = $1 and bounced_at is not null and message_id = $2")
        .bind(ws.0)
        .bind(&sent[0].1)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(bounced, 1);

    // A second poll finds nothing new and records nothing.
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.messages, r.bounces, r.error.as_deref()), (0, 0, None), "{r:?}");
    // Read again from the start (as after a crash before the position moved): nothing twice.
    sqlx::query("update mailbox_polls set last_uid = 0 where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.messages, r.bounces, r.error.as_deref()), (2, 0, None), "{r:?}");
    let s = state(&pool, ws, m).await;
    assert_eq!((s.last_uid, s.bounces_recorded, s.consecutive_failures), (2, 1, 0));

    let flags = dovecot.flags(sender);
    assert_eq!(flags.len(), 2);
    assert!(flags.iter().all(|(_, f)| !f.contains("\\Seen")), "nothing marked read: {flags:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_bounce_at_dovecot_is_read_once_over_implicit_tls_and_left_unread(pool: PgPool) {
    a_bounce_is_read_once_and_nothing_is_marked_seen(pool, "tls").await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_bounce_at_dovecot_is_read_once_over_starttls_and_left_unread(pool: PgPool) {
    a_bounce_is_read_once_and_nothing_is_marked_seen(pool, "starttls").await;
}
