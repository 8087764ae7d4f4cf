//! Bounces and complaints read back from a native mailbox (SPEC §10.5–10.6), end to end: the
//! product sends through SMTP to the sink, the returned messages (Postfix, Gmail and Exchange
//! bounces, an ARF complaint, a temporary failure, a reply, someone else's bounce) arrive in the
//! same INBOX by SMTP, and `poll_mailbox` reads them over the sink's real IMAP side.

use crate::support::*;
use domain::ids::{MailboxId, WorkspaceId};
use engine::dispatch::{DispatchSettings, Dispatcher};
use engine::email::sink::{SinkOptions, SmtpSink};
use engine::email::smtp::{SmtpMailer, SmtpSettings};
use engine::email::transport::SmtpTransport;
use engine::email::unsubscribe;
use engine::flows::bounces::{self, PollReport};
use engine::flows::drafts;
use engine::store::mailbox_polls::{self, PollState};
use engine::store::mailboxes::secret_context;
use engine::{Engine, Error};
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

pub(crate) const PASSWORD: &str = "imap-and-smtp-app-password";

/// A mailbox on the sink with SMTP and IMAP, its password sealed as the app seals it.
pub(crate) async fn sink_mailbox(engine: &Engine, ws: WorkspaceId, address: &str, sink: &SmtpSink, imap_port: u16) -> MailboxId {
    let id = mailbox(engine.owner_pool(), ws, address, 500).await;
    let sealed = engine.settings.secrets.seal(&secret_context(ws, MailboxId(id), "smtp_password"), PASSWORD.as_bytes());
    sqlx::query(
        "update mailboxes set smtp_port = $3, smtp_username = $4, smtp_password = $5, imap_host = '127.0.0.1', imap_port = $6, imap_security = 'none'
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id)
    .bind(i32::from(sink.addr().port()))
    .bind(address)
    .bind(sealed)
    .bind(i32::from(imap_port))
    .execute(engine.owner_pool())
    .await
    .unwrap();
    MailboxId(id)
}

/// A live workspace that has sent one email to each of `n` leads through `mailbox` on the sink,
/// over real SMTP. Returns (to_address, message_id, lead_id) per message, by address.
pub(crate) async fn sent_through_sink(engine: &Engine, ws: WorkspaceId, u: domain::ids::UserId, n: usize) -> Vec<(String, String, Uuid)> {
    let pool = engine.owner_pool();
    leads(pool, ws, n).await;
    let campaign = active_campaign(engine, u, ws).await;
    drafts::draft_campaign(engine, ws, campaign, tuesday()).await.unwrap();
    let batch = drafts::freeze_batch(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), Some(campaign), 5_000).await.unwrap();
    drafts::execute_batch(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday()).execute(pool).await.unwrap();
    go_live(pool, ws).await;
    let key = engine.settings.unsubscribe_key.clone();
    let base = engine.settings.public_url.clone();
    let d = Dispatcher {
        engine: engine.clone(),
        transport: Arc::new(SmtpTransport::new(engine.settings.secrets.clone(), engine.settings.net.clone())),
        unsubscribe: Arc::new(move |ws, c, to| unsubscribe::link(&base, &unsubscribe::issue(&key, ws, to, Some(c.0)).unwrap())),
        settings: DispatchSettings { claim: 500, ..DispatchSettings::default() },
        worker: "w1".into(),
    };
    assert_eq!(d.round(tuesday()).await.unwrap().sent as usize, n);
    sqlx::query_as("select to_address, message_id, lead_id from outbox where client_id = $1 and state = 'sent' order by to_address")
        .bind(ws.0)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Delivers a returned message into the sink as a mail server would: null reverse path.
pub(crate) async fn deliver(sink: &SmtpSink, to: &str, raw: &[u8]) {
    let env = lettre::address::Envelope::new(None, vec![to.parse().unwrap()]).unwrap();
    SmtpMailer::new(&SmtpSettings::local(sink.addr().port())).unwrap().send(raw, &env).await.unwrap();
}

/// What Postfix sends back: RFC 3464 report with the returned header.
pub(crate) fn postfix_dsn(sender: &str, to: &str, message_id: &str, status: &str, action: &str) -> String {
    let id = Uuid::new_v4().simple();
    format!(
        "Return-Path: <>\r\nDate: Tue,  1 Dec 2026 10:01:02 +1100 (AEDT)\r\nFrom: MAILER-DAEMON@mx1.client.example (Mail Delivery System)\r\n\
Subject: Undelivered Mail Returned to Sender\r\nTo: {sender}\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"4F1A62C0A1.1764543662/mx1.client.example\"\r\n\
Message-Id: <{id}@mx1.client.example>\r\n\r\n\
This is a MIME-encapsulated message.\r\n\r\n--4F1A62C0A1.1764543662/mx1.client.example\r\nContent-Description: Notification\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nThis is the mail system at host mx1.client.example.\r\n\r\n\
I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients. It's attached below.\r\n\r\n\
<{to}>: host mx2.client.example[203.0.113.7] said: 550 {status} <{to}>:\r\n    Recipient address rejected: User unknown (in reply to RCPT TO command)\r\n\r\n\
--4F1A62C0A1.1764543662/mx1.client.example\r\nContent-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; mx1.client.example\r\nX-Postfix-Queue-ID: 4F1A62C0A1\r\nX-Postfix-Sender: rfc822; {sender}\r\n\
Arrival-Date: Tue,  1 Dec 2026 10:01:01 +1100 (AEDT)\r\n\r\nFinal-Recipient: rfc822; {to}\r\nOriginal-Recipient: rfc822;{to}\r\n\
Action: {action}\r\nStatus: {status}\r\nRemote-MTA: dns; mx2.client.example\r\nDiagnostic-Code: smtp; 550 {status} <{to}>: Recipient address rejected:\r\n    User unknown\r\n\r\n\
--4F1A62C0A1.1764543662/mx1.client.example\r\nContent-Description: Undelivered Message Headers\r\nContent-Type: text/rfc822-headers\r\n\r\n\
Return-Path: <{sender}>\r\nFrom: \"Sam Carter\" <{sender}>\r\nTo: {to}\r\nSubject: Quick question\r\nMessage-ID: {message_id}\r\n\
Date: Tue, 1 Dec 2026 10:00:00 +1100\r\n\r\n--4F1A62C0A1.1764543662/mx1.client.example--\r\n"
    )
}

/// Gmail's "Address not found": nested multiparts, the report, and the whole original.
fn gmail_dsn(sender: &str, to: &str, message_id: &str) -> String {
    format!(
        "Return-Path: <>\r\nFrom: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\nTo: {sender}\r\nAuto-Submitted: auto-replied\r\n\
Subject: Delivery Status Notification (Failure)\r\nReferences: {message_id}\r\nIn-Reply-To: {message_id}\r\nX-Failed-Recipients: {to}\r\n\
Message-ID: <6566a1b2.050a0220.{}.GMR@mx.google.com>\r\nDate: Mon, 30 Nov 2026 15:00:02 -0800 (PST)\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; boundary=\"000000000000f1f2f3\"; report-type=delivery-status\r\n\r\n\
--000000000000f1f2f3\r\nContent-Type: multipart/related; boundary=\"000000000000f4f5f6\"\r\n\r\n\
--000000000000f4f5f6\r\nContent-Type: multipart/alternative; boundary=\"000000000000f7f8f9\"\r\n\r\n\
--000000000000f7f8f9\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\n\r\n\r\n** Address not found **\r\n\r\n\
Your message wasn't delivered to {to} because the address couldn't be found, or is unable to receive mail.\r\n\r\n\
Learn more here: https://support.google.com/mail/?p=NoSuchUser\r\n\r\nThe response was:\r\n\r\n\
The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.\r\n\r\n\
--000000000000f7f8f9\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n\r\n<html><body><h2>Address not found</h2><p>Your message wasn't delivered to <b>{to}</b>.</p></body></html>\r\n\
--000000000000f7f8f9--\r\n--000000000000f4f5f6--\r\n\
--000000000000f1f2f3\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; googlemail.com\r\nReceived-From-MTA: dns; {sender}\r\n\
Arrival-Date: Mon, 30 Nov 2026 15:00:01 -0800 (PST)\r\nX-Original-Message-ID: {message_id}\r\n\r\nFinal-Recipient: rfc822; {to}\r\n\
Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.client.example. (203.0.113.8, the server for the domain.)\r\n\
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.\r\nLast-Attempt-Date: Mon, 30 Nov 2026 15:00:02 -0800 (PST)\r\n\r\n\
--000000000000f1f2f3\r\nContent-Type: message/rfc822\r\n\r\nFrom: \"Sam Carter\" <{sender}>\r\nTo: {to}\r\nSubject: Quick question\r\n\
Message-ID: {message_id}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHi,\r\n\r\nWorth a chat?\r\n\r\n--000000000000f1f2f3--\r\n",
        Uuid::new_v4().simple()
    )
}

/// Exchange Online's non-delivery report.
fn exchange_ndr(sender: &str, to: &str, message_id: &str) -> String {
    format!(
        "From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@client.onmicrosoft.com>\r\nTo: <{sender}>\r\n\
Date: Mon, 30 Nov 2026 23:00:03 +0000\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"9a8b7c6d-e5f4-4321-a1b2-c3d4e5f60789\"\r\n\
X-MS-Exchange-Message-Is-Ndr:\r\nContent-Language: en-US\r\nMessage-ID: <{}@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>\r\n\
In-Reply-To: {message_id}\r\nReferences: {message_id}\r\nSubject: Undeliverable: Quick question\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\r\n\
--9a8b7c6d-e5f4-4321-a1b2-c3d4e5f60789\r\nContent-Type: text/plain; charset=\"us-ascii\"\r\n\r\n\
Your message to {to} couldn't be delivered.\r\n{to} wasn't found at client.example.\r\n\r\nsam     Office 365      {to}\r\nAction Required                 Recipient\r\n\
Unknown To address\r\n\r\nDiagnostic information for administrators:\r\nGenerating server: AM0PR01MB1234.eurprd01.prod.exchangelabs.com\r\n\
{to}\r\nRemote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'\r\n\r\n\
--9a8b7c6d-e5f4-4321-a1b2-c3d4e5f60789\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com\r\n\
Received-From-MTA: dns;mail.northwind.example\r\nArrival-Date: Mon, 30 Nov 2026 23:00:02 +0000\r\n\r\nFinal-Recipient: rfc822;{to}\r\n\
Action: failed\r\nStatus: 5.1.10\r\nDiagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup\r\n\r\n\
--9a8b7c6d-e5f4-4321-a1b2-c3d4e5f60789\r\nContent-Type: message/rfc822\r\n\r\nFrom: Sam Carter <{sender}>\r\nTo: <{to}>\r\nSubject: Quick question\r\n\
Message-ID: {message_id}\r\nDate: Mon, 30 Nov 2026 23:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi,\r\n\r\n--9a8b7c6d-e5f4-4321-a1b2-c3d4e5f60789--\r\n",
        Uuid::new_v4().simple()
    )
}

/// A feedback-loop complaint (RFC 5965) quoting the original message.
fn arf_complaint(sender: &str, to: &str, message_id: &str) -> String {
    format!(
        "From: Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>\r\nTo: {sender}\r\nSubject: FW: Quick question\r\n\
Message-ID: <{}@arf.mail.yahoo.com>\r\nDate: Tue, 1 Dec 2026 01:02:03 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"----=_Part_1\"\r\n\r\n\
------=_Part_1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThis is an email abuse report for an email message received from IP 203.0.113.20.\r\n\r\n\
------=_Part_1\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: Yahoo!-Mail-Feedback/2.0\r\nVersion: 1\r\n\
Original-Mail-From: <{sender}>\r\nOriginal-Rcpt-To: <{to}>\r\nArrival-Date: Tue, 1 Dec 2026 01:00:00 +0000\r\nReported-Domain: northwind.com.au\r\n\
Authentication-Results: mta1.mail.yahoo.com; dkim=pass header.d=northwind.com.au\r\n\r\n\
------=_Part_1\r\nContent-Type: message/rfc822\r\n\r\nFrom: \"Sam Carter\" <{sender}>\r\nTo: {to}\r\nSubject: Quick question\r\nMessage-ID: {message_id}\r\n\
MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nHi,\r\n\r\n------=_Part_1--\r\n",
        Uuid::new_v4().simple()
    )
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/tests/fixtures/bounces").join(name)).unwrap()
}

pub(crate) async fn state(pool: &PgPool, ws: WorkspaceId, m: MailboxId) -> PollState {
    mailbox_polls::get(pool, ws, m).await.unwrap().expect("the poll left its state")
}

async fn lead_status(pool: &PgPool, ws: WorkspaceId, lead: Uuid) -> String {
    sqlx::query_scalar("select status from leads where client_id = $1 and id = $2").bind(ws.0).bind(lead).fetch_one(pool).await.unwrap()
}

async fn paused_reason(pool: &PgPool, ws: WorkspaceId, m: MailboxId) -> Option<String> {
    sqlx::query_scalar("select paused_reason from mailboxes where client_id = $1 and id = $2").bind(ws.0).bind(m.0).fetch_one(pool).await.unwrap()
}

/// Everything a recording can change in a workspace, to show that something did not.
async fn footprint(pool: &PgPool, ws: WorkspaceId) -> (i64, i64, i64, i64, i64) {
    sqlx::query_as(
        "select (select count(*) from outbox where client_id = $1 and bounced_at is not null),
                (select count(*) from outbox where client_id = $1 and complained_at is not null),
                (select count(*) from suppressions where client_id = $1),
                (select count(*) from leads where client_id = $1 and status in ('bounced', 'unsubscribed')),
                (select count(*) from audit_log where client_id = $1)",
    )
    .bind(ws.0)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn nothing_new(r: &PollReport) -> bool {
    r.bounces == 0 && r.complaints == 0 && r.paused.is_empty() && r.error.is_none()
}

pub(crate) async fn setup(pool: &PgPool) -> (Engine, SmtpSink, u16) {
    let mut engine = engine(pool).await;
    engine.settings.public_url = "https://app.northwind.example".into();
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
    let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (engine, sink, imap.port())
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn bounces_and_a_complaint_read_over_imap_suppress_move_leads_and_pause_the_mailbox_past_five_percent(pool: PgPool) {
    let (engine, sink, imap) = setup(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let m = sink_mailbox(&engine, ws, sender, &sink, imap).await;
    let sent = sent_through_sink(&engine, ws, u, 100).await;
    assert_eq!(sink.count(), 100);

    // Five bounces of three kinds, someone else's bounce, and a reply: 5 % is allowed.
    deliver(&sink, sender, postfix_dsn(sender, &sent[0].0, &sent[0].1, "5.1.1", "failed").as_bytes()).await;
    deliver(&sink, sender, gmail_dsn(sender, &sent[1].0, &sent[1].1).as_bytes()).await;
    deliver(&sink, sender, exchange_ndr(sender, &sent[2].0, &sent[2].1).as_bytes()).await;
    deliver(&sink, sender, postfix_dsn(sender, &sent[3].0, &sent[3].1, "5.2.1", "failed").as_bytes()).await;
    deliver(&sink, sender, postfix_dsn(sender, &sent[4].0, &sent[4].1, "5.1.1", "failed").as_bytes()).await;
    deliver(&sink, sender, &fixture("lhost-exchange2007-01.eml")).await;
    deliver(&sink, sender, format!("From: {0}\r\nTo: {sender}\r\nSubject: Re: Quick question\r\nIn-Reply-To: {1}\r\n\r\nSounds good, Tuesday works.\r\n", sent[9].0, sent[9].1).as_bytes()).await;

    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.messages, r.bounces, r.complaints, r.unmatched, r.temporary), (107, 5, 0, 1, 0), "{r:?}");
    assert!(r.paused.is_empty() && r.error.is_none() && !r.more, "{r:?}");
    for (to, _, lead) in &sent[..5] {
        assert_eq!(lead_status(&pool, ws, *lead).await, "bounced", "{to}");
    }
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and reason = 'bounced' and source = 'dsn'", ws).await, 5);
    assert_eq!(paused_reason(&pool, ws, m).await, None, "5 bounces in 100 sends is 5 %: allowed");
    let s = state(&pool, ws, m).await;
    assert_eq!((s.uidvalidity, s.last_uid, s.messages_read, s.bounces_recorded, s.last_error), (Some(1), 107, 107, 5, None));
    assert_ne!(lead_status(&pool, ws, sent[9].2).await, "bounced", "a reply is not a bounce");

    // The sixth bounce trips the guard; a complaint, a temporary failure and a complaint about
    // no message of ours come with it.
    deliver(&sink, sender, postfix_dsn(sender, &sent[5].0, &sent[5].1, "5.1.1", "failed").as_bytes()).await;
    deliver(&sink, sender, arf_complaint(sender, &sent[6].0, &sent[6].1).as_bytes()).await;
    deliver(&sink, sender, postfix_dsn(sender, &sent[7].0, &sent[7].1, "4.4.1", "delayed").as_bytes()).await;
    deliver(&sink, sender, &fixture("arf-01.eml")).await;
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.messages, r.bounces, r.complaints, r.temporary, r.unmatched), (4, 1, 1, 1, 1), "{r:?}");
    let reason = r.paused.first().expect("the sixth bounce pauses the mailbox").clone();
    assert!(reason.contains("bounce rate 6.0 %"), "{reason}");
    assert_eq!(paused_reason(&pool, ws, m).await.as_deref(), Some(reason.as_str()), "the reason is on the mailbox");
    assert_eq!(count(&pool, "select count(*) from audit_log where client_id = $1 and action = 'mailbox.paused_by_guard'", ws).await, 1);
    assert_eq!(lead_status(&pool, ws, sent[6].2).await, "unsubscribed", "a complaint ends the conversation");
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and reason = 'complained' and source = 'fbl'", ws).await, 1);
    let complained: Vec<String> = sqlx::query_scalar("select message_id from outbox where client_id = $1 and complained_at is not null").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(complained, [sent[6].1.clone()]);
    // The temporary failure changed nothing for its recipient.
    assert_ne!(lead_status(&pool, ws, sent[7].2).await, "bounced");
    let temp_suppressed: i64 = sqlx::query_scalar("select count(*) from suppressions where client_id = $1 and address = lower($2)")
        .bind(ws.0)
        .bind(&sent[7].0)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(temp_suppressed, 0);
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1 and bounced_at is not null", ws).await, 6);

    // Nothing new: a poll records nothing and the position stays.
    let before = footprint(&pool, ws).await;
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert!(nothing_new(&r) && r.messages == 0, "{r:?}");
    assert_eq!(state(&pool, ws, m).await.last_uid, 111);

    // A crash after the messages were recorded but before the position moved: everything is
    // read again and nothing is recorded twice.
    sqlx::query("update mailbox_polls set last_uid = 0 where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert!(nothing_new(&r) && r.messages == 111, "{r:?}");
    assert_eq!(footprint(&pool, ws).await, before);
    assert_eq!(state(&pool, ws, m).await.last_uid, 111);

    // The server renumbers INBOX: reading starts over, again without a second recording.
    sink.set_imap_uidvalidity(77);
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert!(r.restarted && nothing_new(&r) && r.messages == 111, "{r:?}");
    assert_eq!(footprint(&pool, ws).await, before);
    let s = state(&pool, ws, m).await;
    assert_eq!((s.uidvalidity, s.last_uid, s.bounces_recorded, s.complaints_recorded), (Some(77), 111, 6, 1));
    assert_eq!(sink.count(), 111, "reading never sent or changed anything");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspaces_mailbox_reading_the_same_bounces_changes_nothing_here(pool: PgPool) {
    let (engine, sink, imap) = setup(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let m = sink_mailbox(&engine, ws, sender, &sink, imap).await;
    let sent = sent_through_sink(&engine, ws, u, 20).await;
    for (to, id, _) in &sent[..3] {
        deliver(&sink, sender, postfix_dsn(sender, to, id, "5.1.1", "failed").as_bytes()).await;
    }
    deliver(&sink, sender, arf_complaint(sender, &sent[3].0, &sent[3].1).as_bytes()).await;
    let (_, other) = owner_workspace(&engine, "Rival").await;
    // The sink keeps one INBOX for every login: the rival's mailbox sees Acme's bounces.
    let theirs = sink_mailbox(&engine, other, "kim@rival.example", &sink, imap).await;

    let before = footprint(&pool, ws).await;
    let r = bounces::poll_mailbox(&engine, other, theirs).await.unwrap();
    assert_eq!((r.messages, r.bounces, r.complaints, r.unmatched), (24, 0, 0, 4), "{r:?}");
    assert_eq!(footprint(&pool, ws).await, before, "Acme's outbox, suppressions and leads are untouched");
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1", other).await, 0);
    // Naming Acme's mailbox from the other workspace finds nothing.
    assert!(matches!(bounces::poll_mailbox(&engine, other, m).await, Err(Error::NotFound(_))));
    assert!(mailbox_polls::get(&pool, other, m).await.unwrap().is_none());

    // Acme's own poll records them.
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.bounces, r.complaints), (3, 1), "{r:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_server_refusing_the_login_is_stored_as_a_clear_error_and_the_other_mailboxes_are_still_read(pool: PgPool) {
    let (engine, sink, imap) = setup(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let good = sink_mailbox(&engine, ws, sender, &sink, imap).await;
    let sent = sent_through_sink(&engine, ws, u, 5).await;
    deliver(&sink, sender, postfix_dsn(sender, &sent[0].0, &sent[0].1, "5.1.1", "failed").as_bytes()).await;
    let (beta_owner, other) = owner_workspace(&engine, "Beta").await;
    let locked = sink_mailbox(&engine, other, "locked@beta.example", &sink, imap).await;
    sink.refuse_imap_login("locked@beta.example");
    // A mailbox without IMAP is not polled at all; a paused one is (its bounces still count).
    mailbox(&pool, other, "smtp-only@beta.example", 10).await;
    assert!(engine::store::mailboxes::pause(&pool, ws, good, "paused by a person").await.unwrap());

    let reports = bounces::poll_all(&engine).await.unwrap();
    assert_eq!(reports.len(), 2, "{reports:?}");
    let bad = reports.iter().find(|r| r.mailbox == locked.0).unwrap();
    let error = bad.error.clone().expect("the refusal is reported");
    assert!(error.contains("LOGIN") && error.contains("AUTHENTICATIONFAILED"), "{error}");
    assert!(!error.contains(PASSWORD), "{error}");
    let s = state(&pool, other, locked).await;
    assert_eq!(s.last_error.as_deref(), Some(error.as_str()), "stored where the Mailboxes page can show it");
    assert_eq!((s.uidvalidity, s.last_uid, s.last_success_at), (None, 0, None), "the position did not move");
    // What the Mailboxes page shows each owner: their own mailbox's check, never the other's.
    let listed = engine::flows::mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, beta_owner, other).await.unwrap()).await.unwrap();
    let shown = listed.iter().find(|i| i.id == locked).and_then(|i| i.bounce_check.clone()).expect("the check is on the page");
    assert_eq!(shown.error.as_deref(), Some(error.as_str()));
    assert!(shown.summary().starts_with("Bounce check failed: "), "{}", shown.summary());
    // The back-off the poller applies is on the page too: when it will try again.
    assert_eq!((shown.failures_in_a_row, shown.next_try_at), (1, s.next_poll_at));
    assert!(shown.next_try_at.is_some() && shown.summary().contains("next try"), "{}", shown.summary());
    let acme = engine::flows::mailboxes::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap();
    assert_eq!(acme.len(), 1);
    let mine = acme[0].bounce_check.clone().expect("read once");
    assert_eq!((mine.error, mine.bounces, mine.complaints), (None, 1, 0));
    let ok = reports.iter().find(|r| r.mailbox == good.0).unwrap();
    assert_eq!((ok.bounces, ok.error.as_deref()), (1, None), "{ok:?}");

    // Fixed: the next poll reads it and clears the error.
    sqlx::query("update mailboxes set smtp_username = 'kim@beta.example' where id = $1").bind(locked.0).execute(&pool).await.unwrap();
    let r = bounces::poll_mailbox(&engine, other, locked).await.unwrap();
    assert!(r.error.is_none(), "{r:?}");
    let s = state(&pool, other, locked).await;
    assert!(s.last_error.is_none() && s.last_success_at.is_some() && s.last_uid > 0, "{s:?}");

    // A mailbox without an IMAP server cannot be polled, and says why.
    let smtp_only = MailboxId(sqlx::query_scalar("select id from mailboxes where address = 'smtp-only@beta.example'").fetch_one(&pool).await.unwrap());
    assert!(matches!(bounces::poll_mailbox(&engine, other, smtp_only).await, Err(Error::Invalid(e)) if e.contains("IMAP")));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_mailbox_another_process_is_reading_is_left_alone(pool: PgPool) {
    let (engine, sink, imap) = setup(&pool).await;
    let (_, ws) = owner_workspace(&engine, "Acme").await;
    let m = sink_mailbox(&engine, ws, "sam@northwind.com.au", &sink, imap).await;
    deliver(&sink, "sam@northwind.com.au", &fixture("lhost-postfix-01.eml")).await;
    // What the other process's poll holds while it reads.
    let key = engine.redis.key(&format!("bounce-poll:{m}"));
    let mut c = engine.redis.conn.clone();
    let _: () = redis::cmd("SET").arg(&key).arg("another-process").query_async(&mut c).await.unwrap();

    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert!(r.busy && r.messages == 0 && r.error.is_none(), "{r:?}");
    assert!(mailbox_polls::get(&pool, ws, m).await.unwrap().is_none(), "nothing read, nothing moved");
    let held: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut c).await.unwrap();
    assert_eq!(held.as_deref(), Some("another-process"), "someone else's lock is not released");

    let _: () = redis::cmd("DEL").arg(&key).query_async(&mut c).await.unwrap();
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert!(!r.busy && r.messages == 1 && r.unmatched == 1, "{r:?}");
    let after: Option<String> = redis::cmd("GET").arg(&key).query_async(&mut c).await.unwrap();
    assert_eq!(after, None, "our own lock is released when the poll ends");

    // Removing the mailbox takes its reading position with it.
    let mut conn = pool.acquire().await.unwrap();
    assert!(engine::store::mailboxes::delete(&mut conn, ws, m).await.unwrap());
    assert!(mailbox_polls::get(&pool, ws, m).await.unwrap().is_none());
}
