//! The real email channel end to end: a campaign's approved emails go through SmtpTransport to
//! the SMTP sink, arrive with the right headers and a DKIM signature dkimpy accepts, follow-ups
//! thread, an unsubscribe through the email's own link cancels the next step, and a send a
//! crash left in doubt is settled by asking the sink's IMAP side for its Message-ID.

use crate::support::*;
use domain::campaign::{CampaignStatus, PermissionMode};
use domain::ids::{MailboxId, WorkspaceId};
use engine::dispatch::{DispatchSettings, Dispatcher};
use engine::email::dkim::{dns_record, DkimAlgorithm, DkimPrivateKey, DnsTxtRecord};
use engine::email::sink::{ReceivedMessage, SinkOptions, SmtpSink};
use engine::email::transport::SmtpTransport;
use engine::email::unsubscribe;
use engine::flows::{campaigns, drafts};
use engine::store::mailboxes::secret_context;
use engine::Engine;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

/// dkimpy's verdict on `signed`, its DNS query answered with `record` (as the engine's own DKIM
/// tests do: an independent verifier, not the library that signed).
fn dkimpy_verifies(signed: &[u8], record: &DnsTxtRecord) -> bool {
    use std::io::Write;
    let script = r#"
import sys, dkim
name, value = sys.argv[1], sys.argv[2]
def dns(qname, timeout=5):
    q = qname.decode() if isinstance(qname, bytes) else qname
    return value.encode() if q.rstrip('.') == name else None
msg = sys.stdin.buffer.read()
try:
    ok = dkim.verify(msg, dnsfunc=dns)
except dkim.DKIMException as e:
    print(e, file=sys.stderr)
    ok = False
print("PASS" if ok else "FAIL")
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, &record.name, &record.value])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child.stdin.take().unwrap().write_all(signed).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dkimpy (pip install dkimpy pynacl): {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim() == "PASS"
}

/// A header of a received message, unfolded.
fn header(m: &ReceivedMessage, name: &str) -> Option<String> {
    let parsed = mail_parser::MessageParser::default().parse(&m.raw).unwrap();
    parsed.header_raw(name).map(|v| v.replace("\r\n", "").trim().to_string())
}

/// A mailbox on the sink whose password and DKIM key are sealed as the app seals them.
async fn sink_mailbox(engine: &Engine, ws: WorkspaceId, sink: &SmtpSink, imap_port: u16, key: &DkimPrivateKey) -> Uuid {
    let id = mailbox(engine.owner_pool(), ws, "sam@northwind.com.au", 500).await;
    let seal = |field: &str, text: &str| engine.settings.secrets.seal(&secret_context(ws, MailboxId(id), field), text.as_bytes());
    sqlx::query(
        "update mailboxes set smtp_port = $3, smtp_username = 'sam@northwind.com.au', smtp_password = $4,
                imap_host = '127.0.0.1', imap_port = $5, imap_security = 'none',
                dkim_domain = 'northwind.com.au', dkim_selector = 's1', dkim_algorithm = $6, dkim_key = $7
         where client_id = $1 and id = $2",
    )
    .bind(ws.0)
    .bind(id)
    .bind(i32::from(sink.addr().port()))
    .bind(seal("smtp_password", "app-password"))
    .bind(i32::from(imap_port))
    .bind(key.algorithm().as_str())
    .bind(seal("dkim_key", &key.to_pem()))
    .execute(engine.owner_pool())
    .await
    .unwrap();
    id
}

fn real_dispatcher(engine: &Engine, worker: &str) -> Dispatcher {
    let key = engine.settings.unsubscribe_key.clone();
    let base = engine.settings.public_url.clone();
    Dispatcher {
        engine: engine.clone(),
        transport: Arc::new(SmtpTransport::new(engine.settings.secrets.clone(), engine.settings.net.clone())),
        unsubscribe: Arc::new(move |ws, c, to| unsubscribe::link(&base, &unsubscribe::issue(&key, ws, to, Some(c.0)).unwrap())),
        settings: DispatchSettings::default(),
        worker: worker.into(),
    }
}

async fn due_now(pool: &PgPool, ws: WorkspaceId) {
    sqlx::query("update outbox set not_before = $2 where client_id = $1 and state = 'pending'").bind(ws.0).bind(tuesday()).execute(pool).await.unwrap();
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn approved_emails_arrive_signed_threaded_and_an_unsubscribe_cancels_the_next_step(pool: PgPool) {
    let mut engine = engine(&pool).await;
    engine.settings.public_url = "https://app.northwind.example".into();
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions { require_auth: true, ..Default::default() }).await.unwrap();
    let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 2).await;
    let mut s = settings("Auto");
    s.permission_mode = Some(PermissionMode::Autopilot);
    let id = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), s).await.unwrap();
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, CampaignStatus::Active).await.unwrap();
    campaigns::enroll(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, &Default::default()).await.unwrap();
    let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
    sink_mailbox(&engine, ws, &sink, imap.port(), &key).await;
    go_live(&pool, ws).await;
    let d = real_dispatcher(&engine, "w1");

    // Step 1 to both leads.
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    due_now(&pool, ws).await;
    assert_eq!(d.round(tuesday()).await.unwrap().sent, 2);
    let first = sink.messages();
    assert_eq!(first.len(), 2);
    let record = dns_record("northwind.com.au", "s1", &key).unwrap();
    for m in &first {
        assert_eq!(m.auth_user.as_deref(), Some("sam@northwind.com.au"), "logged in with the opened password");
        assert_eq!(m.mail_from, "sam@northwind.com.au");
        let to = header(m, "To").unwrap();
        assert_eq!(m.rcpt_to, [to.clone()]);
        assert!(to.starts_with("lead") && to.ends_with(".com.au"), "{to}");
        assert_eq!(header(m, "From").unwrap(), "\"Sam Carter\" <sam@northwind.com.au>");
        assert!(!header(m, "Subject").unwrap().is_empty());
        let row_id: String = sqlx::query_scalar("select message_id from outbox where client_id = $1 and to_address = $2 and state = 'sent'")
            .bind(ws.0)
            .bind(&to)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(header(m, "Message-ID").unwrap(), row_id, "the outbox row's Message-ID is the one sent");
        let lu = header(m, "List-Unsubscribe").unwrap();
        assert!(lu.starts_with("<https://app.northwind.example/u/") && lu.ends_with('>'), "{lu}");
        assert_eq!(header(m, "List-Unsubscribe-Post").unwrap(), "List-Unsubscribe=One-Click");
        assert!(header(m, "In-Reply-To").is_none());
        assert!(dkimpy_verifies(&m.raw, &record), "DKIM verifies for {to}");
    }

    // Step 2 is drafted for both (autopilot approves it into the outbox)...
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    // ...then the second lead follows the link in the email it got (the one-click POST's use case).
    let leaver = &first[1];
    let lu = header(leaver, "List-Unsubscribe").unwrap();
    let token = lu.trim_matches(['<', '>']).rsplit('/').next().unwrap().to_string();
    let claims = unsubscribe::verify(&engine.settings.unsubscribe_key, &token).expect("our own token");
    assert_eq!(claims.address, leaver.rcpt_to[0]);
    assert!(unsubscribe::unsubscribe(&pool, &claims, unsubscribe::Via::OneClick).await.unwrap().newly_suppressed);

    // Step 2 goes out threaded to the one who stayed; the approved step 2 of the one who left is
    // stopped at send time.
    due_now(&pool, ws).await;
    let r = d.round(tuesday()).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    let all = sink.messages();
    assert_eq!(all.len(), 3);
    let follow_up = &all[2];
    let stayer = &first[0];
    assert_eq!(follow_up.rcpt_to, stayer.rcpt_to);
    assert_eq!(header(follow_up, "In-Reply-To"), header(stayer, "Message-ID"));
    assert_eq!(header(follow_up, "References"), header(stayer, "Message-ID"));
    assert_eq!(header(follow_up, "Subject").unwrap(), format!("Re: {}", header(stayer, "Subject").unwrap()));
    assert!(dkimpy_verifies(&follow_up.raw, &record));
    assert!(all.iter().filter(|m| m.rcpt_to == leaver.rcpt_to).count() == 1, "nothing more to the address that unsubscribed");
    let leaver_rows: Vec<String> = sqlx::query_scalar("select state from outbox where client_id = $1 and to_address = $2 and step > 1")
        .bind(ws.0)
        .bind(&leaver.rcpt_to[0])
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(!leaver_rows.is_empty() && leaver_rows.iter().all(|s| s == "cancelled"), "{leaver_rows:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_send_left_in_doubt_is_settled_by_asking_imap_for_its_message_id(pool: PgPool) {
    let mut engine = engine(&pool).await;
    engine.settings.public_url = "https://app.northwind.example".into();
    let sink = SmtpSink::start("127.0.0.1:0".parse().unwrap(), SinkOptions::default()).await.unwrap();
    let imap = sink.serve_imap("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 2).await;
    let id = active_campaign(&engine, u, ws).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let batch = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(id), 100).await.unwrap();
    drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    due_now(&pool, ws).await;
    let key = DkimPrivateKey::generate(DkimAlgorithm::Ed25519).unwrap();
    let mb = sink_mailbox(&engine, ws, &sink, imap.port(), &key).await;
    go_live(&pool, ws).await;
    let d = real_dispatcher(&engine, "w1");
    assert_eq!(d.round(tuesday()).await.unwrap().sent, 2);
    assert_eq!(sink.count(), 2);

    // A crash: one row really went out but its worker died before recording it; the other was
    // claimed with a mailbox chosen and never reached the server.
    let ids: Vec<Uuid> = sqlx::query_scalar("select id from outbox where client_id = $1 order by to_address").bind(ws.0).fetch_all(&pool).await.unwrap();
    let gone_id = "<never-arrived@northwind.com.au>";
    sqlx::query("update outbox set state = 'sending', claimed_by = 'dead', claimed_at = now() - interval '1 hour', sent_at = null where client_id = $1 and id = $2")
        .bind(ws.0).bind(ids[0]).execute(&pool).await.unwrap();
    sqlx::query("update outbox set state = 'sending', claimed_by = 'dead', claimed_at = now() - interval '1 hour', sent_at = null, mailbox_id = $3, message_id = $4 where client_id = $1 and id = $2")
        .bind(ws.0).bind(ids[1]).bind(mb).bind(gone_id).execute(&pool).await.unwrap();
    let (sent, requeued, undecided) = d.reconcile(chrono::Utc::now()).await.unwrap();
    assert_eq!((sent, requeued, undecided), (1, 1, 0));
    let states: Vec<String> = sqlx::query_scalar("select state from outbox where client_id = $1 order by to_address").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(states, ["sent", "pending"]);
    // The requeued one goes out once; the one the server had is never sent again.
    assert_eq!(d.round(tuesday()).await.unwrap().sent, 1);
    assert_eq!(sink.count(), 3);
    assert_eq!(sink.count_by_message_id(gone_id), 1);

    // A mailbox without IMAP cannot tell: the row waits for a person.
    sqlx::query("update mailboxes set imap_host = null where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    sqlx::query("update outbox set state = 'sending', claimed_by = 'dead', claimed_at = now() - interval '1 hour' where client_id = $1 and id = $2")
        .bind(ws.0).bind(ids[0]).execute(&pool).await.unwrap();
    assert_eq!(d.reconcile(chrono::Utc::now()).await.unwrap(), (0, 0, 1));
}
