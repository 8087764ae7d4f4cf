//! `agency-os poll-bounces`, run as an operator runs it: it reads the mailboxes' INBOXes on the
//! SMTP sink in this process over IMAP, records a bounce once, and names a mailbox it cannot read.

use engine::email::sink::{SinkOptions, SmtpSink};
use engine::{cache::Redis, Engine};
use sqlx::PgPool;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// Hands `raw` to the sink as a bouncing mail server would (null reverse path), in plain SMTP.
async fn deliver(sink: &SmtpSink, to: &str, raw: &str) {
    let stream = tokio::net::TcpStream::connect(sink.addr()).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut reply = String::new();
    r.read_line(&mut reply).await.unwrap();
    let data = format!("{}\r\n.\r\n", raw.trim_end().replace("\r\n.", "\r\n.."));
    for command in ["EHLO mx.client.example".to_string(), "MAIL FROM:<>".into(), format!("RCPT TO:<{to}>"), "DATA".into(), data, "QUIT".into()] {
        w.write_all(format!("{}\r\n", command.trim_end()).as_bytes()).await.unwrap();
        loop {
            reply.clear();
            r.read_line(&mut reply).await.unwrap();
            if reply.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        }
        assert!(reply.starts_with('2') || reply.starts_with('3'), "{command}: {reply}");
    }
}

/// A live workspace whose three messages went out through a mailbox on the sink, and a
/// Postfix-style bounce for the first of them waiting in the sink's INBOX. Returns the engine,
/// the sink, its IMAP port, the workspace id, and the bounced (address, Message-ID).
async fn one_bounce_waiting(pool: &PgPool) -> (Engine, SmtpSink, u16, uuid::Uuid, String, String) {
    let redis = Redis::connect("redis://127.0.0.1:6379", format!("test:{}:", uuid::Uuid::new_v4())).await.unwrap();
    let mut settings = engine::Settings { net: engine::net::NetPolicy::new(true), ..engine::Settings::default() };
    settings.public_url = "https://app.bounces.example".into();
    let engine = Engine::new(pool.clone(), redis, settings);
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
    let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let seeded = server::bench_dispatch::seed(&engine, 3, true, &[(sink.addr().port(), imap.port())]).await.unwrap();
    let ws = seeded.workspace.0;
    // Sent through the mailbox (dispatch itself is proven by the engine's tests).
    sqlx::query("update outbox set state = 'sent', sent_at = now(), mailbox_id = (select id from mailboxes where client_id = $1) where client_id = $1")
        .bind(ws)
        .execute(pool)
        .await
        .unwrap();
    let (to, message_id): (String, String) = sqlx::query_as("select to_address, message_id from outbox where client_id = $1 order by to_address limit 1").bind(ws).fetch_one(pool).await.unwrap();
    deliver(
        &sink,
        SENDER,
        &format!(
            "From: MAILER-DAEMON@mx.client.example\r\nTo: {SENDER}\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver it.\r\n\r\n\
--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.client.example\r\n\r\nFinal-Recipient: rfc822; {to}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n\
--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\nTo: {to}\r\n\r\n--b--\r\n"
        ),
    )
    .await;
    let port = imap.port();
    (engine, sink, port, ws, to, message_id)
}

/// The mailbox `seed` made.
const SENDER: &str = "sam0@northwind.example.com";

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn poll_bounces_records_a_returned_message_once_and_names_a_mailbox_it_cannot_read(pool: PgPool) {
    let (_engine, sink, imap_port, ws, to, message_id) = one_bounce_waiting(&pool).await;
    let sender = SENDER;
    let db: String = sqlx::query_scalar("select current_database()").fetch_one(&pool).await.unwrap();
    let server_url = std::env::var("DATABASE_URL").unwrap();
    let (base, _) = server_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{db}");
    let data = std::env::temp_dir().join(format!("aos-poll-{}", uuid::Uuid::new_v4().simple()));
    // The sink runs on this test's runtime: the command waits on a blocking thread.
    let run = move || {
        let (url, data) = (url.clone(), data.clone());
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_agency-os"))
                .arg("poll-bounces")
                .env("DATABASE_URL", url)
                .env("REDIS_URL", "redis://127.0.0.1:6379")
                .env("AGENCY_OS_DATA_DIR", data)
                .env("AGENCY_OS_LOG", "error")
                .env("AGENCY_OS_FETCH_ALLOW_PRIVATE", "true")
                .output()
                .unwrap()
        })
    };

    let out = run().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("{sender} (workspace {ws}): 1 read, 1 bounce, 0 complaints")), "{stdout}");
    let bounced: Vec<String> = sqlx::query_scalar("select message_id from outbox where client_id = $1 and bounced_at is not null").bind(ws).fetch_all(&pool).await.unwrap();
    assert_eq!(bounced, [message_id]);
    let suppressed: i64 = sqlx::query_scalar("select count(*) from suppressions where client_id = $1 and address = $2").bind(ws).bind(&to).fetch_one(&pool).await.unwrap();
    assert_eq!(suppressed, 1);

    // Again: nothing new. A second mailbox whose server refuses the login is named, and the
    // command says it failed.
    sqlx::query(
        "insert into mailboxes (client_id, address, smtp_host, smtp_port, smtp_security, imap_host, imap_port, imap_security)
         values ($1, 'kim@northwind.example.com', '127.0.0.1', $2, 'none', '127.0.0.1', $3, 'none')",
    )
    .bind(ws)
    .bind(i32::from(sink.addr().port()))
    .bind(i32::from(imap_port))
    .execute(&pool)
    .await
    .unwrap();
    sink.refuse_imap_login("kim@northwind.example.com");
    let out = run().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!out.status.success());
    assert!(stdout.contains(&format!("{sender} (workspace {ws}): 0 read, 0 bounces")), "{stdout}");
    assert!(stdout.contains("kim@northwind.example.com") && stdout.contains("FAILED") && stdout.contains("AUTHENTICATIONFAILED"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 2 mailbox(es) could not be read"));
    let bounced: i64 = sqlx::query_scalar("select count(*) from outbox where client_id = $1 and bounced_at is not null").bind(ws).fetch_one(&pool).await.unwrap();
    assert_eq!(bounced, 1);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_job_worker_reads_the_mailboxes_on_its_schedule_until_it_is_stopped(pool: PgPool) {
    let (engine, _sink, _, ws, _, message_id) = one_bounce_waiting(&pool).await;
    // What `serve` registers for AGENCY_OS_BOUNCE_POLL_SECS=1 (0 turns the schedule off).
    assert!(engine::jobs::every(0).is_none(), "0 turns it off");
    let schedules = engine::jobs::Schedules { drafting: None, bounces: engine::jobs::every(1).map(|cron| (cron, Default::default())) };
    let monitor = engine::jobs::monitor_with(engine::jobs::JobContext::configured(engine.clone()), schedules);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(monitor.run_with_signal(async move {
        let _ = stopped.await;
        Ok(())
    }));
    // The schedule ticks every second; wait for the first read (bounded, so a missing schedule
    // fails the test).
    let mut bounced: Vec<String> = Vec::new();
    for _ in 0..200 {
        bounced = sqlx::query_scalar("select message_id from outbox where client_id = $1 and bounced_at is not null").bind(ws).fetch_all(&pool).await.unwrap();
        if !bounced.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(bounced, [message_id]);
    // Later ticks read the mailbox again and record nothing twice.
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    stop.send(()).unwrap();
    worker.await.expect("the worker stops").expect("cleanly");
    let polled: i64 = sqlx::query_scalar("select bounces_recorded from mailbox_polls where client_id = $1").bind(ws).fetch_one(&pool).await.unwrap();
    assert_eq!(polled, 1);
    let suppressed: i64 = sqlx::query_scalar("select count(*) from suppressions where client_id = $1").bind(ws).fetch_one(&pool).await.unwrap();
    assert_eq!(suppressed, 1);
}
