//! Hostile IMAP servers (issue 10 §2): a tenant points its mailbox at a server it controls. A
//! literal of two gigabytes is refused before anything is allocated, a server trickling its
//! replies is cut off at the poll's deadline while another tenant's mailbox is read at the same
//! time, and a mailbox that keeps failing backs off. No assertion here depends on how fast the
//! machine is: deadlines are small, and what is asserted is what happened.

use crate::bounces::{deliver, postfix_dsn, sent_through_sink, setup, sink_mailbox, state};
use crate::support::*;
use chrono::{DateTime, Duration as Span, Utc};
use domain::ids::{MailboxId, WorkspaceId};
use engine::email::imap::FetchLimits;
use engine::flows::bounces::{self, PollReport, PollSettings};
use engine::store::mailbox_polls::Backoff;
use engine::Engine;
use sqlx::PgPool;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// What a fake server does once the client has logged in and sent a command.
#[derive(Clone, Copy)]
enum Hostile {
    /// Answers FETCH with a `{2000000000}` literal and then streams as much of it as the
    /// client will take.
    HugeLiteral,
    /// Answers every command after LOGIN with one untagged line every two seconds, for ever.
    Trickle,
}

/// A fake IMAP server on a free port, behaving as `how` (plain text: the tests allow it).
async fn hostile_server(how: Hostile) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n").await?;
                while let Some(line) = lines.next_line().await? {
                    let (tag, rest) = line.split_once(' ').unwrap_or((&line, ""));
                    let command = rest.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    match (command.as_str(), how) {
                        ("LOGIN", _) => w.write_all(format!("{tag} OK logged in\r\n").as_bytes()).await?,
                        ("EXAMINE", Hostile::HugeLiteral) => {
                            w.write_all(format!("* 1 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n{tag} OK [READ-ONLY] done\r\n").as_bytes()).await?
                        }
                        ("UID", Hostile::HugeLiteral) => {
                            w.write_all(b"* 1 FETCH (UID 5 BODY[] {2000000000}\r\n").await?;
                            // As fast as the client reads: a client that allocated and read
                            // would grow by what arrives.
                            let chunk = vec![b'x'; 1 << 20];
                            for _ in 0..256 {
                                w.write_all(&chunk).await?;
                            }
                        }
                        (_, Hostile::Trickle) => loop {
                            w.write_all(b"* OK still looking\r\n").await?;
                            tokio::time::sleep(Duration::from_secs(2)).await;
                        },
                        _ => w.write_all(format!("{tag} BAD what\r\n").as_bytes()).await?,
                    }
                }
                Ok::<_, std::io::Error>(())
            });
        }
    });
    port
}

/// Points a mailbox's IMAP at 127.0.0.1:`port` in plain text.
async fn point_imap(pool: &PgPool, ws: WorkspaceId, m: MailboxId, port: u16) {
    sqlx::query("update mailboxes set imap_host = '127.0.0.1', imap_port = $3, imap_security = 'none' where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(m.0)
        .bind(i32::from(port))
        .execute(pool)
        .await
        .unwrap();
}

/// Resident memory of this test process, in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    statm.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 4096
}

fn report_for(reports: &[PollReport], m: MailboxId) -> &PollReport {
    reports.iter().find(|r| r.mailbox == m.0).unwrap_or_else(|| panic!("no report for {m}: {reports:?}"))
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_two_gigabyte_literal_is_refused_unread_and_the_mailbox_is_marked_failed_with_a_classified_reason(pool: PgPool) {
    let (engine, sink, sink_imap) = setup(&pool).await;
    let (_, ws) = owner_workspace(&engine, "Mallory").await;
    let m = sink_mailbox(&engine, ws, "m@mallory.example", &sink, sink_imap).await;
    let port = hostile_server(Hostile::HugeLiteral).await;
    point_imap(&pool, ws, m, port).await;

    let before = rss();
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    let grown = rss().saturating_sub(before);
    let error = r.error.clone().expect("the poll failed");
    assert!(error.contains("unexpected answer: a literal of 2000000000 bytes, over the"), "{error}");
    assert!(!error.contains("fake ready"), "nothing the server said is reflected: {error}");
    // A sanity check only (other tests share the process): the 256 MiB the server pushed did
    // not land in memory.
    assert!(grown < 128 << 20, "resident memory grew by {grown} bytes");
    let s = state(&pool, ws, m).await;
    assert_eq!(s.last_error.as_deref(), Some(error.as_str()));
    assert_eq!((s.last_uid, s.uidvalidity, s.consecutive_failures), (0, None, 1), "the position did not move; one failure counted");
    assert!(s.next_poll_at.is_some(), "it backs off");
}

/// A TCP relay to `to` that holds each connection until `open` turns true: a server whose
/// replies can only start once something else has happened.
async fn gated_relay(to: u16, open: watch::Receiver<bool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let mut open = open.clone();
            tokio::spawn(async move {
                if open.wait_for(|o| *o).await.is_err() {
                    return;
                }
                let mut server = tokio::net::TcpStream::connect(("127.0.0.1", to)).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    port
}

/// A relay to `to` that turns `seen` true when a client connects.
async fn signalling_relay(to: u16, seen: watch::Sender<bool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            seen.send_replace(true);
            tokio::spawn(async move {
                let mut server = tokio::net::TcpStream::connect(("127.0.0.1", to)).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    port
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_server_trickling_a_line_every_two_seconds_is_cut_off_at_its_deadline_while_another_tenants_mailbox_is_read(pool: PgPool) {
    let (engine, sink, sink_imap) = setup(&pool).await;
    // The honest tenant: a bounce waits in its INBOX on the sink.
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let good = sink_mailbox(&engine, ws, sender, &sink, sink_imap).await;
    let sent = sent_through_sink(&engine, ws, u, 2).await;
    deliver(&sink, sender, postfix_dsn(sender, &sent[0].0, &sent[0].1, "5.1.1", "failed").as_bytes()).await;
    // Its server answers only once the hostile server has a client: unless the two polls are
    // under way at the same time, the honest one times out and this test fails.
    let (seen_tx, seen_rx) = watch::channel(false);
    point_imap(&pool, ws, good, gated_relay(sink_imap, seen_rx).await).await;
    let (_, other) = owner_workspace(&engine, "Mallory").await;
    let slow = sink_mailbox(&engine, other, "m@mallory.example", &sink, sink_imap).await;
    point_imap(&pool, other, slow, signalling_relay(hostile_server(Hostile::Trickle).await, seen_tx).await).await;

    // Each line comes well within the per-reply timeout: only the session's deadline stops it.
    let settings = PollSettings { timeout: Duration::from_secs(10), limits: FetchLimits { deadline: Duration::from_secs(6), ..FetchLimits::default() }, ..PollSettings::default() };
    let reports = bounces::poll_all_with(&engine, settings).await.unwrap();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let ok = report_for(&reports, good);
    assert_eq!((ok.bounces, ok.error.as_deref()), (1, None), "the honest tenant's bounce is recorded: {ok:?}");
    assert_eq!(state(&pool, ws, good).await.bounces_recorded, 1);
    let error = report_for(&reports, slow).error.clone().expect("the trickling server's poll failed");
    assert!(error.contains("timed out: the session outlived its deadline"), "{error}");
    assert!(!error.contains("still looking"), "nothing the server said is reflected: {error}");
    let s = state(&pool, other, slow).await;
    assert_eq!((s.last_error.as_deref(), s.consecutive_failures), (Some(error.as_str()), 1));
}

async fn failures(engine: &Engine, ws: WorkspaceId, m: MailboxId) -> (i32, Option<DateTime<Utc>>) {
    let s = state(engine.owner_pool(), ws, m).await;
    (s.consecutive_failures, s.next_poll_at)
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_mailbox_that_keeps_failing_backs_off_doubling_up_to_the_cap_and_a_success_resets_it(pool: PgPool) {
    let (engine, sink, sink_imap) = setup(&pool).await;
    let (_, ws) = owner_workspace(&engine, "Acme").await;
    let m = sink_mailbox(&engine, ws, "locked@acme.example", &sink, sink_imap).await;
    sink.refuse_imap_login("locked@acme.example");
    let (_, other) = owner_workspace(&engine, "Beta").await;
    let fine = sink_mailbox(&engine, other, "kim@beta.example", &sink, sink_imap).await;
    let settings = PollSettings { backoff: Backoff { base: Duration::from_secs(60), max: Duration::from_secs(240) }, ..PollSettings::default() };
    let t0 = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap();
    let polled = |reports: &[PollReport], m: MailboxId| reports.iter().any(|r| r.mailbox == m.0);

    let r = bounces::poll_all_at(&engine, settings, t0).await.unwrap();
    assert!(report_for(&r, m).error.as_deref().is_some_and(|e| e.starts_with("reading 127.0.0.1") && e.contains("authentication failed")), "{r:?}");
    assert_eq!(failures(&engine, ws, m).await, (1, Some(t0 + Span::seconds(60))));

    // Until then the sweep leaves it alone (and reads the others).
    let r = bounces::poll_all_at(&engine, settings, t0 + Span::seconds(59)).await.unwrap();
    assert!(!polled(&r, m) && polled(&r, fine), "{r:?}");
    assert_eq!(failures(&engine, ws, m).await.0, 1);

    // Each failure in a row doubles the wait, up to the cap.
    let mut at = t0 + Span::seconds(60);
    for (n, wait) in [(2, 120), (3, 240), (4, 240)] {
        let r = bounces::poll_all_at(&engine, settings, at).await.unwrap();
        assert!(polled(&r, m), "due at {at}");
        assert_eq!(failures(&engine, ws, m).await, (n, Some(at + Span::seconds(wait))), "failure {n}");
        at += Span::seconds(wait);
    }

    // Polling that one mailbox on demand ignores the wait (and still counts a failure).
    let r = bounces::poll_mailbox_with(&engine, ws, m, settings).await.unwrap();
    assert!(r.error.is_some());
    assert_eq!(failures(&engine, ws, m).await.0, 5);

    // Fixed: the next poll succeeds and the back-off is gone.
    sqlx::query("update mailboxes set smtp_username = 'sam@acme.example' where id = $1").bind(m.0).execute(&pool).await.unwrap();
    let r = bounces::poll_all_at(&engine, settings, at + Span::seconds(240)).await.unwrap();
    assert!(report_for(&r, m).error.is_none(), "{r:?}");
    assert_eq!(failures(&engine, ws, m).await, (0, None));
    let r = bounces::poll_all_at(&engine, settings, at + Span::seconds(241)).await.unwrap();
    assert!(polled(&r, m) && polled(&r, fine), "polled every time again: {r:?}");
}

/// A trickling server that counts the sessions it holds at once, and the most it ever held.
async fn counting_trickler() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (now, most) = (std::sync::Arc::new(AtomicUsize::new(0)), std::sync::Arc::new(AtomicUsize::new(0)));
    let peak = most.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (now, most) = (now.clone(), most.clone());
            tokio::spawn(async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
                // Greets, then says nothing useful until the client gives up and hangs up.
                let _ = stream.write_all(b"* OK [CAPABILITY IMAP4rev1] fake ready\r\n").await;
                let mut buf = [0u8; 1024];
                loop {
                    match tokio::time::timeout(Duration::from_millis(300), tokio::io::AsyncReadExt::read(&mut stream, &mut buf)).await {
                        Ok(Ok(0)) | Ok(Err(_)) => break,
                        Ok(Ok(_)) => {}
                        Err(_) => {
                            if stream.write_all(b"* OK still looking\r\n").await.is_err() {
                                break;
                            }
                        }
                    }
                }
                now.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (port, peak)
}

/// One account cannot buy more of the shared sweep by making more workspaces: its mailboxes in
/// all of them are read at most `per_owner` at a time, while another account's mailbox is read.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn one_owner_with_many_workspaces_gets_no_more_of_the_sweep_than_its_per_owner_bound(pool: PgPool) {
    let (engine, sink, sink_imap) = setup(&pool).await;
    let (port, peak) = counting_trickler().await;
    let (mallory, first) = owner_workspace(&engine, "Mallory 1").await;
    let mut slow = Vec::new();
    for i in 0..3 {
        let ws = if i == 0 { first } else { engine::flows::workspaces::create(&engine, mallory, &format!("Mallory {}", i + 1)).await.unwrap() };
        for j in 0..2 {
            let m = sink_mailbox(&engine, ws, &format!("m{j}@mallory{i}.example"), &sink, sink_imap).await;
            point_imap(&pool, ws, m, port).await;
            slow.push(m);
        }
    }
    let (_, honest) = owner_workspace(&engine, "Acme").await;
    let good = sink_mailbox(&engine, honest, "sam@northwind.com.au", &sink, sink_imap).await;

    let settings = PollSettings {
        concurrency: 8,
        per_workspace: 2,
        per_owner: 2,
        timeout: Duration::from_secs(5),
        limits: FetchLimits { deadline: Duration::from_millis(800), ..FetchLimits::default() },
        ..PollSettings::default()
    };
    let reports = bounces::poll_all_with(&engine, settings).await.unwrap();
    assert_eq!(reports.len(), 7, "{reports:?}");
    assert_eq!(report_for(&reports, good).error, None, "the other account's mailbox is read");
    for m in &slow {
        assert!(report_for(&reports, *m).error.as_deref().is_some_and(|e| e.contains("deadline")), "{m}");
    }
    // Six slow mailboxes in three workspaces, and never more than two sessions at once.
    assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 2);
}
