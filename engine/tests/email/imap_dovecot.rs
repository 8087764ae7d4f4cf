//! The product's IMAP client against a real Dovecot (the harness in `tests/shared/dovecot.rs`):
//! over TLS from the first byte and over STARTTLS, reading new mail once and leaving every
//! message unread.

use crate::dovecot::Dovecot;
use engine::email::imap::{self, FetchLimits, ImapSecurity, ImapSettings, InboxCursor};
use engine::email::smtp::SmtpPassword;
use std::time::Duration;

const USER: &str = "sam@northwind.example";

fn settings(d: &Dovecot, security: ImapSecurity, password: &str) -> ImapSettings {
    let port = if security == ImapSecurity::Tls { d.tls_port() } else { d.starttls_port() };
    ImapSettings { host: d.host().into(), port, security, username: USER.into(), password: SmtpPassword::new(password), timeout: Duration::from_secs(10), net: engine::net::NetPolicy::new(true) }
}

fn message(n: u32) -> Vec<u8> {
    format!("From: Kim <kim@client.example>\r\nTo: {USER}\r\nSubject: n{n}\r\nMessage-ID: <n{n}@client.example>\r\n\r\nline one\r\n.dot-stuffed line\r\n").into_bytes()
}

#[tokio::test]
async fn mail_delivered_to_dovecot_is_read_over_tls_and_starttls_once_and_stays_unread() {
    let Some(d) = Dovecot::start().await else { return };
    d.add_user(USER, "app-password");
    d.deliver(USER, &message(1)).await;
    d.deliver(USER, &message(2)).await;

    let tls = settings(&d, ImapSecurity::Tls, "app-password");
    let first = imap::fetch_new(&tls, InboxCursor::default(), FetchLimits::default()).await.unwrap_or_else(|e| panic!("{e}\n{}", d.log()));
    assert_eq!(first.messages.iter().map(|m| m.uid).collect::<Vec<_>>(), [1, 2]);
    let raw = first.messages[1].raw.as_deref().expect("the body was read");
    assert!(raw.ends_with(&message(2)), "the message arrives as delivered, under Dovecot's trace headers:\n{}", String::from_utf8_lossy(raw));
    let cursor = first.next_cursor(InboxCursor::default());

    d.deliver(USER, &message(3)).await;
    let starttls = settings(&d, ImapSecurity::StartTls, "app-password");
    let second = imap::fetch_new(&starttls, cursor, FetchLimits::default()).await.unwrap_or_else(|e| panic!("{e}\n{}", d.log()));
    assert_eq!(second.messages.iter().map(|m| m.uid).collect::<Vec<_>>(), [3], "only what is new");
    let third = imap::fetch_new(&starttls, second.next_cursor(cursor), FetchLimits::default()).await.unwrap();
    assert!(third.messages.is_empty() && !third.more, "{third:?}");

    assert!(imap::has_message_id(&tls, "<n2@client.example>").await.unwrap());
    assert!(!imap::has_message_id(&starttls, "<nowhere@client.example>").await.unwrap());

    let flags = d.flags(USER);
    assert_eq!(flags.len(), 3);
    assert!(flags.iter().all(|(_, f)| !f.contains("\\Seen")), "reading marked nothing read: {flags:?}");
}

#[tokio::test]
async fn a_wrong_password_at_dovecot_is_an_authentication_failure_in_our_words() {
    let Some(d) = Dovecot::start().await else { return };
    d.add_user(USER, "app-password");
    let e = imap::fetch_new(&settings(&d, ImapSecurity::StartTls, "wrong-password"), InboxCursor::default(), FetchLimits::default()).await.unwrap_err();
    assert_eq!(e.kind(), imap::FailureKind::Authentication, "{e:?}");
    let reason = e.reason();
    assert!(reason.starts_with("authentication failed") && !reason.contains("wrong-password"), "{reason}");
}
