//! `agency-os bench-reports`: the Reports page (`store::reports::report`, every query of the page
//! in one snapshot) and the leads CSV export on a workspace of 100,000 leads, 200,000 messages
//! and 1,000,000 activities over 90 days, with a second workspace of the same shape beside it
//! (a report must not read its rows). Generated in SQL in a scratch database, dropped afterwards.

use crate::config::Config;
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::reports::{DateRange, ReportFilters};
use engine::Engine;
use futures::StreamExt;
use crate::bench::pct;
use std::time::Instant;

const BENCH_DB: &str = "agency_os_bench_reports";

pub async fn run(config: &Config, leads: usize, runs: usize, keep: bool) -> anyhow::Result<()> {
    let engine = crate::bench_dispatch::open_bench_engine(config, BENCH_DB).await?;
    let result = measure(&engine, leads, runs).await;
    crate::bench_dispatch::close_bench_engine(engine, config, BENCH_DB, keep).await?;
    result
}

struct Seeded {
    user: UserId,
    ws: WorkspaceId,
    campaigns: Vec<CampaignId>,
}

/// One workspace: `n` leads, each added and enrolled just before its first message, two sequence
/// messages each (sent over the last 90 days, through two campaigns and two mailboxes, A/B
/// subjects), ten activities per lead, a reply from one lead in
/// ten (every class), a meeting from one in a hundred, and a ledger row per enrichment.
async fn seed(engine: &Engine, name: &str, n: usize) -> anyhow::Result<Seeded> {
    let pool = engine.owner_pool();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let user: uuid::Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, 'Bench Owner', 'x') returning id")
        .bind(format!("bench-{tag}@example.com"))
        .fetch_one(pool)
        .await?;
    let user = UserId(user);
    let ws = engine::flows::workspaces::create(engine, user, name).await?;
    let n = n as i64;
    let steps: &[&str] = &[
        // two campaigns, two mailboxes
        "insert into campaigns (client_id, name, status, cadence, sending_window) select $1, 'Campaign ' || c, 'active', '[]', '{}' from generate_series(1, 2) c",
        "insert into mailboxes (client_id, address, display_name, smtp_host, smtp_port, smtp_security, daily_cap, ramp_start, ramp_step)
         select $1, 'sender' || m || '@agency.example', 'Sender ' || m, 'smtp.agency.example', 587, 'starttls', 500, 500, 0 from generate_series(1, 2) m",
        "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry, status, als, tier, created_at)
         select $1, 'csv', 'lead' || i || '@client' || (i % 5000) || '.example.com', 'Ann' || i, 'Nguyen', 'Managing Director',
                'Harbour Freight ' || (i % 5000), 'client' || (i % 5000) || '.example.com', 'Logistics',
                (array['contacted', 'replied', 'in_sequence', 'exhausted'])[1 + i % 4], (i * 37) % 101,
                (array['hot', 'warm', 'cool', 'cold', 'dead'])[1 + i % 5], now() - interval '100 days'
         from generate_series(1, $2) i",
        // two messages per lead: the first on a day of the last 90, the follow-up three days on
        "create temp table bench_msgs on commit drop as
         select l.id as lead_id, l.email, s.step, c.id as campaign_id, mb.id as mailbox_id,
                now() - make_interval(days => 3 + abs(hashtext(l.id::text)) % 87, hours => abs(hashtext(l.email)) % 10) + make_interval(days => s.step * 3) as sent_at,
                gen_random_uuid() as draft_id, gen_random_uuid() as outbox_id,
                (array['pain_point', 'social_proof', 'roi', 'question'])[1 + (abs(hashtext(l.id::text)) % 4)] as angle
         from leads l
         cross join generate_series(0, 1) s(step)
         join lateral (select id from campaigns where client_id = $1 order by name offset (abs(hashtext(l.id::text)) % 2) limit 1) c on true
         join lateral (select id from mailboxes where client_id = $1 order by address offset (abs(hashtext(l.email)) % 2) limit 1) mb on true
         where l.client_id = $1",
        // each lead was added two days before its first message and enrolled the day after
        "update leads l set created_at = m.sent_at - interval '2 days' from bench_msgs m where m.lead_id = l.id and m.step = 0",
        "insert into campaign_leads (client_id, campaign_id, lead_id, enrolled_at)
         select $1, campaign_id, lead_id, sent_at - interval '1 day' from bench_msgs where step = 0",
        "insert into drafts (client_id, id, campaign_id, lead_id, step, channel, due_at, status, template, angle, subject_a, subject_b, body, content_hash)
         select $1, draft_id, campaign_id, lead_id, step, 'email', sent_at, 'sent', 'first_touch', angle, 'Quick question', 'A thought', 'Hello', md5(draft_id::text)
         from bench_msgs",
        "insert into outbox (client_id, id, campaign_id, lead_id, step, channel, draft_id, state, to_address, subject, variant, body, content_hash, message_id,
                             not_before, sent_at, mailbox_id, bounced_at)
         select $1, outbox_id, campaign_id, lead_id, step, 'email', draft_id, 'sent', email, 'Quick question', (array['a', 'b'])[1 + abs(hashtext(outbox_id::text)) % 2],
                'Hello', md5(draft_id::text), '<' || outbox_id || '@agency.example>', sent_at, sent_at, mailbox_id,
                case when abs(hashtext(outbox_id::text)) % 50 = 0 then sent_at + interval '5 minutes' end
         from bench_msgs",
        // ten activities per lead: queued, approved and sent per message, two opens, a status change
        "insert into activities (client_id, lead_id, outbox_id, kind, summary, occurred_at)
         select $1, m.lead_id, case when k.kind in ('sent', 'opened') then m.outbox_id end, k.kind, k.kind, m.sent_at + k.after
         from bench_msgs m
         cross join (values ('draft_queued', interval '-2 days'), ('approved', interval '-1 day'), ('sent', interval '0'),
                            ('opened', interval '3 hours'), ('status_changed', interval '1 minute')) k(kind, after)",
        // one lead in ten replies a day after its first message, every class
        "insert into replies (client_id, lead_id, source, message_id, from_address, subject, body_text, received_at, intent, confidence)
         select $1, lead_id, 'imap', '<reply-' || lead_id || '@prospect.example>', email, 'Re: Quick question', 'Thanks',
                sent_at + interval '1 day',
                (array['interested', 'meeting_request', 'question', 'not_interested', 'unsubscribe', 'out_of_office', 'auto_reply'])[1 + abs(hashtext(lead_id::text)) % 7], 0.9
         from bench_msgs where step = 0 and abs(hashtext(lead_id::text || 'r')) % 10 = 0 and sent_at + interval '1 day' < now()",
        "insert into meetings (client_id, lead_id, source, title, created_at)
         select $1, lead_id, 'calcom', 'Intro call', sent_at + interval '4 days'
         from bench_msgs where step = 0 and abs(hashtext(lead_id::text || 'm')) % 100 = 0 and sent_at + interval '4 days' < now()",
        "insert into cost_ledger (client_id, provider, operation, units, cost_aud, created_at)
         select $1, (array['apollo', 'hunter', 'anthropic'])[1 + i % 3], 'enrich', 1, 0.0500, now() - make_interval(days => (i % 90)::int)
         from generate_series(1, $2) i",
    ];
    let mut tx = pool.begin().await?;
    for sql in steps {
        let q = sqlx::query(sql).bind(ws.0);
        let q = if sql.contains("$2") { q.bind(n) } else { q };
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    // Statistics first, as autovacuum would have them for tables that grew over 90 days.
    sqlx::query("analyze").execute(pool).await?;
    // The report facts of every lead messaged, written as the schedule would after the sends.
    let t = Instant::now();
    let rewritten = engine::store::reports::refresh(pool, ws).await?;
    println!("{name}: report facts of {rewritten} leads written in {:.1} s", t.elapsed().as_secs_f64());
    sqlx::query("analyze report_messages").execute(pool).await?;
    let campaigns: Vec<uuid::Uuid> = sqlx::query_scalar("select id from campaigns where client_id = $1 order by name").bind(ws.0).fetch_all(pool).await?;
    Ok(Seeded { user, ws, campaigns: campaigns.into_iter().map(CampaignId).collect() })
}

async fn measure(engine: &Engine, leads: usize, runs: usize) -> anyhow::Result<()> {
    let build = if cfg!(debug_assertions) { "debug build" } else { "release build" };
    let t = Instant::now();
    let s = seed(engine, "Reports Bench", leads).await?;
    seed(engine, "Other Agency", leads / 10).await?;
    let counts: (i64, i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from leads where client_id = $1), (select count(*) from outbox where client_id = $1),
                (select count(*) from activities where client_id = $1), (select count(*) from replies where client_id = $1),
                (select count(*) from meetings where client_id = $1)",
    )
    .bind(s.ws.0)
    .fetch_one(engine.owner_pool())
    .await?;
    println!(
        "seeded {} leads, {} messages, {} activities, {} replies, {} meetings (and a second workspace) in {:.1} s",
        counts.0,
        counts.1,
        counts.2,
        counts.3,
        counts.4,
        t.elapsed().as_secs_f64()
    );

    let access = engine::auth::Access::resolve(engine, s.user, s.ws).await?;
    let t = Instant::now();
    let mut stream = Box::pin(engine::flows::reports::leads_csv(engine, &access, Default::default()));
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    println!(
        "leads CSV export: {} rows, {:.1} MB in {:.2} s ({build})",
        lines.saturating_sub(1),
        bytes as f64 / 1_048_576.0,
        t.elapsed().as_secs_f64()
    );
    let today = chrono::Utc::now().date_naive();
    let ranges = [7u16, 30, 90];
    let filters = [
        ReportFilters::default(),
        ReportFilters { campaign: Some(s.campaigns[0]), ..Default::default() },
        ReportFilters { channel: Some(domain::score::Channel::Email), ..Default::default() },
    ];
    let mut times = Vec::with_capacity(runs);
    let mut by_range: Vec<(u16, Vec<f64>)> = ranges.iter().map(|d| (*d, Vec::new())).collect();
    let mut sent_90 = 0;
    for i in 0..runs {
        let days = ranges[i % ranges.len()];
        let range = DateRange::last_days(today, days);
        let f = filters[(i / ranges.len()) % filters.len()];
        let t = Instant::now();
        let report = engine::flows::reports::report(engine, &access, range, f).await?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if days == 90 && f == ReportFilters::default() {
            sent_90 = report.totals.sent;
        }
        eprintln!("report {}: last {days} days, {f:?}: {ms:.0} ms", i + 1);
        times.push(ms);
        by_range[i % ranges.len()].1.push(ms);
    }
    println!(
        "reports page ({runs} requests: last 7 / 30 / 90 days × all, one campaign, email; {build}): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        pct(&times, 0.50),
        pct(&times, 0.95),
        pct(&times, 1.0)
    );
    for (days, t) in by_range.into_iter().filter(|(_, t)| !t.is_empty()) {
        println!("  last {days:>2} days: p50 {:.1} ms, p95 {:.1} ms", pct(&t, 0.5), pct(&t, 0.95));
    }
    println!("  (90 days, all: {sent_90} messages counted)");

    Ok(())
}
