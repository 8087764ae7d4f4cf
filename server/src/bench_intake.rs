//! `agency-os bench-intake`: the reply intake path (`engine::flows::replies::record`: match,
//! classify, store, timeline, action) for 10,000 replies — events per second and p99 per event —
//! then the Inbox page (`store::replies::list`) and the lead timeline (`store::activities::
//! timeline`) with 100,000 activities and 10,000 replies in the workspace. Runs in its own
//! scratch database, dropped afterwards.

use crate::config::Config;
use domain::leads::LeadId;
use domain::reply::ReplyClass;
use engine::flows::replies::{IncomingReply, RecordOutcome};
use engine::store::replies::InboxFilter;
use engine::Engine;
use crate::bench::pct;
use std::time::Instant;

const BENCH_DB: &str = "agency_os_bench_intake";

/// One text per class, with quoted history, as prospects write them.
const TEXTS: [&str; 7] = [
    "Sure, let's set up a call next week. Does Thursday at 2pm work?",
    "Thanks, this sounds interesting. Tell me more.",
    "How much does it cost per month?",
    "Not interested, thanks.",
    "Please remove me from your mailing list.",
    "I am out of the office until 14 December with limited access to email.",
    "Thank you for your email. This is an automated response.",
];

pub async fn run(config: &Config, replies: usize, activities: usize, keep: bool) -> anyhow::Result<()> {
    let engine = crate::bench_dispatch::open_bench_engine(config, BENCH_DB).await?;
    let result = measure(&engine, replies, activities).await;
    crate::bench_dispatch::close_bench_engine(engine, config, BENCH_DB, keep).await?;
    result
}

async fn measure(engine: &Engine, replies: usize, activities: usize) -> anyhow::Result<()> {
    let build = if cfg!(debug_assertions) { "debug build" } else { "release build" };
    let t = Instant::now();
    // A workspace whose every lead got its first email (approved through the real flows; marked
    // sent here, nothing is delivered).
    let seeded = crate::bench_dispatch::seed(engine, replies, false, &[]).await?;
    let ws = seeded.workspace;
    let access = engine::auth::Access::resolve(engine, seeded.user, ws).await?;
    // A bulk approval takes at most MAX_BATCH drafts: approve in batches until none wait.
    loop {
        let batch = match engine::flows::drafts::freeze_batch(engine, &access, Some(seeded.campaign), engine::flows::drafts::MAX_BATCH).await {
            Ok(b) => b,
            Err(engine::Error::Invalid(_)) => break,
            Err(e) => return Err(e.into()),
        };
        engine::flows::drafts::execute_batch(engine, &access, batch.id).await?;
    }
    sqlx::query("update outbox set state = 'sent', sent_at = now() - interval '2 days' where client_id = $1").bind(ws.0).execute(engine.owner_pool()).await?;
    let sent: Vec<(String, String)> = sqlx::query_as("select message_id, to_address from outbox where client_id = $1 order by to_address").bind(ws.0).fetch_all(engine.owner_pool()).await?;
    eprintln!("seeded {} sent messages in {:.1} s", sent.len(), t.elapsed().as_secs_f64());

    let t = Instant::now();
    let started = chrono::Utc::now();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (message_id, to)) in sent.iter().enumerate() {
        let r = IncomingReply {
            source: "imap".into(),
            mailbox: None,
            message_id: format!("<bench-{i}@prospect.example>"),
            in_reply_to: Some(message_id.clone()),
            references: vec![message_id.clone()],
            from: to.clone(),
            subject: "Re: Quick question".into(),
            text: format!("{}\n\nOn Tue, Sam Carter wrote:\n> Would a short call make sense?\n> Unsubscribe here\n", TEXTS[i % TEXTS.len()]),
            received_at: started - chrono::Duration::seconds(i as i64),
            raw_headers: if i % 7 == 6 { vec![("Auto-Submitted".into(), "auto-replied".into())] } else { vec![] },
        };
        let (engine, gate) = (engine.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let t = Instant::now();
            let out = engine::flows::replies::record(&engine, ws, r).await;
            (out, t.elapsed().as_secs_f64() * 1000.0)
        });
    }
    let results = tasks.join_all().await;
    let seconds = t.elapsed().as_secs_f64();
    let mut times = Vec::with_capacity(results.len());
    let mut recorded = 0;
    for (out, ms) in results {
        if let RecordOutcome::Recorded { .. } = out? {
            recorded += 1;
        }
        times.push(ms);
    }
    println!(
        "reply intake ({build}, engine::flows::replies::record, 8 at once): {recorded} of {} replies recorded in {seconds:.2} s = {:.0} events/s; per event p50 {:.1} ms, p99 {:.1} ms",
        times.len(),
        times.len() as f64 / seconds,
        pct(&times, 0.5),
        pct(&times, 0.99)
    );

    // Fill the timeline up to `activities` with opens and clicks spread over the leads.
    let have: i64 = sqlx::query_scalar("select count(*) from activities where client_id = $1").bind(ws.0).fetch_one(engine.owner_pool()).await?;
    let more = (activities as i64 - have).max(0);
    sqlx::query(
        "with l as (select id, row_number() over (order by id) - 1 as n from leads where client_id = $1)
         insert into activities (client_id, lead_id, campaign_id, kind, channel, summary, occurred_at)
         select $1, l.id, $2, case when i % 3 = 0 then 'clicked' else 'opened' end, 'email', 'Opened the email',
                now() - make_interval(mins => i)
         from generate_series(1, $3::int) i join l on l.n = i % $4",
    )
    .bind(ws.0)
    .bind(seeded.campaign.0)
    .bind(more as i32)
    .bind(replies.max(1) as i64)
    .execute(engine.owner_pool())
    .await?;
    sqlx::query("analyze activities").execute(engine.owner_pool()).await?;
    sqlx::query("analyze replies").execute(engine.owner_pool()).await?;
    let (acts, reps): (i64, i64) = sqlx::query_as("select (select count(*) from activities where client_id = $1), (select count(*) from replies where client_id = $1)")
        .bind(ws.0)
        .fetch_one(engine.owner_pool())
        .await?;

    let needs_attention = InboxFilter { classes: vec![ReplyClass::MeetingRequest, ReplyClass::Interested, ReplyClass::Question, ReplyClass::Unclassified], ..Default::default() };
    let all = InboxFilter::default();
    let mut times = Vec::new();
    let mut after = None;
    for i in 0..200 {
        let filter = if i % 2 == 0 { &needs_attention } else { &all };
        let cursor = if i % 4 == 3 { after } else { None };
        let t = Instant::now();
        // As the page reads them: one transaction confined to the workspace.
        let mut db = engine.tenant(ws).await?;
        let (rows, next) = engine::store::replies::list(&mut db, ws, filter, cursor, 50).await?;
        let counts = engine::store::replies::counts(&mut *db, ws).await?;
        drop(db);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!rows.is_empty() && counts.unread > 0, "the inbox is empty");
        after = next.or(after);
    }
    println!(
        "Inbox page ({build}, store::replies::list 50 rows + counts, {reps} replies, {acts} activities, 200 requests): p50 {:.1} ms, p95 {:.1} ms",
        pct(&times, 0.5),
        pct(&times, 0.95)
    );

    let leads: Vec<uuid::Uuid> = sqlx::query_scalar("select id from leads where client_id = $1 order by id limit 200").bind(ws.0).fetch_all(engine.owner_pool()).await?;
    let mut times = Vec::new();
    for lead in &leads {
        let t = Instant::now();
        let page = engine::store::activities::timeline(&mut *engine.tenant(ws).await?, ws, LeadId(*lead), None, 50).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(!page.is_empty(), "a lead without a timeline");
    }
    println!(
        "lead timeline ({build}, store::activities::timeline 50 rows, {acts} activities, {} leads): p50 {:.1} ms, p95 {:.1} ms",
        times.len(),
        pct(&times, 0.5),
        pct(&times, 0.95)
    );
    Ok(())
}

