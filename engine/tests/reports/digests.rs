//! Digests of the seeded workspace: due at 08:00 in its time zone, sent once to each member who
//! opted in (over real SMTP to the sink) and to its Slack channel (a local HTTP server), with the
//! figures of the Reports queries; a failed send is tried again, a claim left by a stopped
//! process lapses, and a preview goes to the asker only.

use super::{engine, seed, t};
use domain::account::Role;
use domain::digest::DigestKind;
use domain::ids::{UserId, WorkspaceId};
use engine::flows::digests::{self, Ran};
use engine::flows::notify::{self, NotifyMail};
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn member(pool: &PgPool, e: &engine::Engine, ws: WorkspaceId, name: &str, role: Role) -> engine::auth::Access {
    let user: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id")
        .bind(format!("{name}@agency.example"))
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    sqlx::query("insert into memberships (client_id, user_id, role) values ($1, $2, $3)").bind(ws.0).bind(user).bind(role.as_str()).execute(pool).await.unwrap();
    engine::auth::Access::resolve(e, UserId(user), ws).await.unwrap()
}

fn body(raw: &[u8]) -> String {
    mail_parser::MessageParser::default().parse(raw).expect("a parsable message").body_text(0).expect("a text body").to_string()
}

fn subject(raw: &[u8]) -> String {
    mail_parser::MessageParser::default().parse(raw).unwrap().subject().unwrap_or_default().to_string()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn due_digests_reach_each_subscriber_and_slack_once_with_the_report_figures(pool: PgPool) {
    let s = seed(&pool).await;
    let sink = engine::email::sink::SmtpSink::start("127.0.0.1:0".parse().unwrap(), Default::default()).await.unwrap();
    let mut e = engine(&pool).await;
    e.settings.notify_mail = Some(NotifyMail::parse(&format!("smtp+plain://127.0.0.1:{}", sink.addr().port()), "Agency OS <notices@agency.example>").unwrap());
    e.settings.public_url = "https://app.example".into();
    // The Slack stand-in listens on 127.0.0.1, which the outbound policy allows only when told.
    e.settings.net = engine::net::NetPolicy::new(true);
    let owner = member(&pool, &e, s.ws, "olive", Role::Owner).await;
    let viewer = member(&pool, &e, s.ws, "vera", Role::Viewer).await;
    let leaver = member(&pool, &e, s.ws, "lee", Role::Member).await;

    let slack = MockServer::start().await;
    // Slack is down for the first post, then takes every message.
    Mock::given(method("POST")).and(path("/services/T0/B0/digest")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&slack).await;
    Mock::given(method("POST")).and(path("/services/T0/B0/digest")).respond_with(ResponseTemplate::new(200).set_body_string("ok")).mount(&slack).await;
    notify::set_slack(&e, &owner, &format!("{}/services/T0/B0/digest", slack.uri())).await.unwrap();

    // Only owners and admins set the time zone and the Slack digests; a bad zone changes nothing.
    assert!(matches!(digests::configure(&e, &viewer, "Europe/London", true, true).await, Err(engine::Error::Forbidden)));
    assert!(matches!(digests::configure(&e, &owner, "Mars/Olympus", true, true).await, Err(engine::Error::Invalid(_))));
    assert_eq!(digests::settings(&e, &owner).await.unwrap().time_zone, "Australia/Sydney", "the default, unchanged");
    let set = digests::configure(&e, &owner, " Europe/London ", true, true).await.unwrap();
    assert_eq!((set.time_zone.as_str(), set.slack_daily, set.slack_weekly, set.slack_connected), ("Europe/London", true, true, true));
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where client_id = $1 and action = 'digests.configured'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audited, 1);

    // Each member chooses for themselves; someone who leaves gets nothing.
    let mine = digests::set_mine(&e, &viewer, true, true).await.unwrap();
    assert!(mine.my_daily && mine.my_weekly && mine.email_available && !mine.can_configure);
    digests::set_mine(&e, &owner, false, true).await.unwrap();
    digests::set_mine(&e, &leaver, true, true).await.unwrap();
    sqlx::query("update memberships set deleted_at = now() where user_id = $1").bind(leaver.user.0).execute(&pool).await.unwrap();

    // 07:59 on Monday 9 November in London: nothing is due yet.
    assert_eq!(digests::run_due(&e, t("2026-11-09 07:59")).await.unwrap(), Ran::default());
    assert_eq!(sink.count(), 0);

    // 08:05: Sunday's summary to Vera, the week's review to Vera and Olive, both to Slack — whose
    // first post fails and is given back for the next tick.
    let ran = digests::run_due(&e, t("2026-11-09 08:05")).await.unwrap();
    assert_eq!((ran.emails, ran.slack, ran.failed, ran.failed_workspaces), (3, 1, 1, 0));
    let mails = sink.messages();
    let to = |who: &str, kind: &str| -> String {
        let m = mails.iter().find(|m| m.rcpt_to == [format!("{who}@agency.example")] && body(&m.raw).starts_with(kind)).unwrap_or_else(|| panic!("{kind} to {who}"));
        body(&m.raw)
    };
    let daily = to("vera", "Daily summary");
    for want in ["Daily summary of agency for Sunday 8 November 2026", "Sent: 0 (0 bounced)", "Meetings booked: 1", "Spend: A$0.00 (no daily budget set)", "https://app.example/w/"] {
        assert!(daily.contains(want), "{want}\n{daily}");
    }
    let weekly = to("vera", "Weekly review");
    assert_eq!(weekly, to("olive", "Weekly review"));
    // The week of 2–8 November as Reports counts it: five messages (one bounced), three replies
    // from people (L7, L3, L1) and L3's automatic one apart, L1's meeting; A$0.1244 spent against
    // the week before's A$0.1430; November's first eight days had one meeting → 30 × 1 / 8 ≈ 4.
    for want in [
        "Weekly review of agency for 2 Nov – 8 Nov 2026",
        "Sent: 5 — +5 on the week before (0)",
        "Replies from people: 3 — +3 on the week before (0)",
        "Meetings booked: 1 — +1 on the week before (0)",
        "Bounces: 1 (20.0 % of sends)",
        "Spend: A$0.12 (the week before: A$0.14)",
        "Cost per meeting: A$0.12 (A$0.12 ÷ 1 meeting)",
        "Best angles: not enough data yet",
        "Forecast for November: 4 meetings at the current rate (1 in its first 8 days)",
        "reports?from=2026-11-02&to=2026-11-08",
    ] {
        assert!(weekly.contains(want), "{want}\n{weekly}");
    }
    assert!(subject(&mails[0].raw).starts_with("agency: "), "{}", subject(&mails[0].raw));
    assert!(mails.iter().all(|m| !m.rcpt_to.iter().any(|r| r.starts_with("lee@"))), "a former member got a digest");

    // The next tick sends only what failed: the Slack post given back.
    let ran = digests::run_due(&e, t("2026-11-09 08:20")).await.unwrap();
    assert_eq!((ran.emails, ran.slack, ran.failed), (0, 1, 0));
    let posts = slack.received_requests().await.unwrap();
    assert_eq!(posts.len(), 3, "one failed post, then one of each digest");
    let texts: Vec<String> = posts.iter().map(|p| serde_json::from_slice::<serde_json::Value>(&p.body).unwrap()["text"].as_str().unwrap().to_string()).collect();
    assert!(texts.iter().any(|t| t.starts_with("*Weekly review of agency*") && t.contains("Sent: 5 — +5")), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("*Daily summary of agency*") && t.contains("Meetings booked: 1")), "{texts:?}");
    // And then nothing, however often it ticks.
    assert_eq!(digests::run_due(&e, t("2026-11-09 09:00")).await.unwrap(), Ran::default());
    assert_eq!(sink.count(), 3);

    // A process that claimed Tuesday's summary for Vera and stopped before sending: another
    // process leaves the claim alone for ten minutes, then sends it.
    sqlx::query("insert into digest_sends (client_id, kind, period, recipient, claimed_at) values ($1, 'daily', '2026-11-09', $2, $3)")
        .bind(s.ws.0)
        .bind(viewer.user.0.to_string())
        .bind(t("2026-11-10 08:00"))
        .execute(&pool)
        .await
        .unwrap();
    let ran = digests::run_due(&e, t("2026-11-10 08:05")).await.unwrap();
    assert_eq!((ran.emails, ran.slack), (0, 1), "Slack's daily is sent; Vera's is claimed elsewhere");
    let ran = digests::run_due(&e, t("2026-11-10 08:15")).await.unwrap();
    assert_eq!((ran.emails, ran.slack), (1, 0), "the lapsed claim is taken and Vera's summary sent");
    assert_eq!(digests::run_due(&e, t("2026-11-10 08:30")).await.unwrap(), Ran::default());
    let weekly_sent: i64 = sqlx::query_scalar("select count(*) from digest_sends where client_id = $1 and kind = 'weekly' and done_at is not null").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(weekly_sent, 3, "Tuesday sends no weekly review");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_preview_goes_to_the_asker_only_and_counts_as_no_send(pool: PgPool) {
    let s = seed(&pool).await;
    let sink = engine::email::sink::SmtpSink::start("127.0.0.1:0".parse().unwrap(), Default::default()).await.unwrap();
    let mut e = engine(&pool).await;
    let viewer = member(&pool, &e, s.ws, "vera", Role::Viewer).await;
    // Without a mailbox for notices the preview is still shown, with the reason it was not sent.
    let shown = digests::preview(&e, &viewer, DigestKind::Weekly, t("2026-11-11 10:00")).await.unwrap();
    assert_eq!((shown.period.from.to_string(), shown.period.to.to_string()), ("2026-11-02".into(), "2026-11-08".into()));
    assert!(shown.emailed_to.is_none() && shown.note.unwrap().contains("AGENCY_OS_NOTIFY_SMTP_URL"));
    assert!(shown.text.contains("Sent: 5 — +5 on the week before (0)"), "{}", shown.text);

    e.settings.notify_mail = Some(NotifyMail::parse(&format!("smtp+plain://127.0.0.1:{}", sink.addr().port()), "Agency OS <notices@agency.example>").unwrap());
    let p = digests::preview(&e, &viewer, DigestKind::Daily, t("2026-11-03 07:00")).await.unwrap();
    assert_eq!(p.emailed_to.as_deref(), Some("vera@agency.example"));
    // 07:00 UTC on the 3rd is 18:00 on the 3rd in Sydney (the default zone): the latest complete
    // day there is the 2nd.
    assert!(p.text.contains("Monday 2 November 2026") && p.text.contains("Sent: 2 (1 bounced)"), "{}", p.text);
    assert_eq!(sink.count(), 1);
    assert_eq!(sink.messages()[0].rcpt_to, ["vera@agency.example"]);
    assert!(subject(&sink.messages()[0].raw).starts_with("Preview — agency"));
    let recorded: i64 = sqlx::query_scalar("select count(*) from digest_sends").fetch_one(&pool).await.unwrap();
    assert_eq!(recorded, 0);

    // The button cannot flood an inbox: five emails in ten minutes, then the preview is only shown.
    for _ in 1..digests::PREVIEW_EMAILS {
        assert!(digests::preview(&e, &viewer, DigestKind::Daily, t("2026-11-03 07:00")).await.unwrap().emailed_to.is_some());
    }
    let held = digests::preview(&e, &viewer, DigestKind::Daily, t("2026-11-03 07:00")).await.unwrap();
    assert!(held.emailed_to.is_none() && held.text.contains("Sent: 2"), "{held:?}");
    assert!(held.note.as_deref().is_some_and(|n| n.contains("at most 5 times in 10 minutes")), "{:?}", held.note);
    assert_eq!(sink.count(), digests::PREVIEW_EMAILS as usize);
}
