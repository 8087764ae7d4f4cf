//! Drafting at volume: one live draft per touch when two passes race, and the time a pass takes
//! for 500 and 10,000 enrolled leads (printed, never asserted).

use crate::support::*;
use domain::campaign::{CampaignStatus, PermissionMode};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::leads::LeadFilter;
use engine::flows::{campaigns, drafts};
use engine::Engine;
use sqlx::PgPool;
use std::time::Instant;

/// `n` addressable leads in one statement (the per-row helper is too slow for thousands).
async fn many_leads(pool: &PgPool, ws: WorkspaceId, n: i32) {
    sqlx::query(
        "insert into leads (client_id, source, email, first_name, last_name, title, company, company_domain, industry,
                            location, employee_count, status, als, tier)
         select $1, 'csv', 'lead' || i || '@client' || i || '.example.com.au', 'Ann' || i, 'Nguyen', 'Managing Director',
                'Harbour Freight ' || i, 'client' || i || '.example.com.au', 'Logistics', 'Adelaide SA', 40, 'scored', 80, 'hot'
         from generate_series(1, $2) i",
    )
    .bind(ws.0)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

async fn campaign(engine: &Engine, u: UserId, ws: WorkspaceId, mode: PermissionMode) -> CampaignId {
    let mut s = settings("Scale");
    s.permission_mode = Some(mode);
    let id = campaigns::create(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), s).await.unwrap();
    campaigns::set_status(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), id, CampaignStatus::Active).await.unwrap();
    campaigns::enroll(engine, &engine::auth::Access::resolve(engine, u, ws).await.unwrap(), id, &LeadFilter::default()).await.unwrap();
    id
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn two_drafting_passes_racing_over_1200_leads_leave_exactly_one_live_draft_per_touch(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    many_leads(&pool, ws, 1200).await;
    let id = campaign(&engine, u, ws, PermissionMode::Autopilot).await;

    let (a, b) = tokio::join!(drafts::draft_campaign(&engine, ws, id, tuesday()), drafts::draft_campaign(&engine, ws, id, tuesday()));
    let (a, b) = (a.unwrap(), b.unwrap());
    // Autopilot drafts the next touch once the previous is approved, so each pass may go a
    // step further; whatever the interleaving, no touch has two live drafts.
    let duplicates = count(
        &pool,
        "select count(*) from (select 1 from drafts where client_id = $1 and status in ('pending', 'approved', 'sent')
           group by lead_id, step, channel having count(*) > 1) t",
        ws,
    )
    .await;
    assert_eq!(duplicates, 0, "{a:?} {b:?}");
    let first_touches = count(&pool, "select count(*) from drafts where client_id = $1 and step = 0 and status = 'approved'", ws).await;
    assert_eq!(first_touches, 1200, "every lead's first touch drafted once: {a:?} {b:?}");
    let drafts_total = count(&pool, "select count(*) from drafts where client_id = $1", ws).await;
    assert_eq!(a.drafted + b.drafted, drafts_total as u64, "the reports count what was written: {a:?} {b:?}");
    // Every approved draft is in the outbox exactly once.
    let approved = count(&pool, "select count(*) from drafts where client_id = $1 and status = 'approved'", ws).await;
    let queued = count(&pool, "select count(*) from outbox where client_id = $1", ws).await;
    assert_eq!(approved, queued);
    assert_eq!(a.auto_approved + b.auto_approved, approved as u64);
}

/// Figures for the README: `cargo test -p engine --test campaigns -- --ignored drafting_pass_timings --nocapture`.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
#[ignore = "a measurement, not a check: run it on purpose"]
async fn drafting_pass_timings(pool: PgPool) {
    let engine = engine(&pool).await;
    for (n, mode) in [(500, PermissionMode::CoPilot), (10_000, PermissionMode::CoPilot), (10_000, PermissionMode::Autopilot)] {
        let (u, ws) = owner_workspace(&engine, &format!("Scale {n} {mode:?}")).await;
        many_leads(&pool, ws, n).await;
        let id = campaign(&engine, u, ws, mode).await;
        let t = Instant::now();
        let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
        let first = t.elapsed();
        assert_eq!(r.drafted, n as u64, "{r:?}");
        let t = Instant::now();
        let again = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
        let second = t.elapsed();
        // Autopilot drafts the next touch of an approved one at once; co-pilot waits.
        assert!(mode == PermissionMode::Autopilot || again.drafted == 0);
        println!(
            "drafting {n} leads ({mode:?}): first pass {:.0} ms ({:.2} ms/lead), second pass {:.0} ms ({} drafted)",
            first.as_secs_f64() * 1000.0,
            first.as_secs_f64() * 1000.0 / n as f64,
            second.as_secs_f64() * 1000.0,
            again.drafted
        );
    }
    // The in-memory share of a pass (render + guard + hash), so the SQL share can be told apart.
    let sender = engine::drafting::Sender { name: "Sam Carter".into(), company: "Northwind Growth".into(), physical_address: "1 George St".into() };
    let template = engine::drafting::templates::by_id("intro-growth").unwrap();
    let t = Instant::now();
    for i in 0..10_000 {
        let vars = engine::drafting::LeadVars {
            first_name: format!("Ann{i}"),
            title: "Managing Director".into(),
            company: format!("Harbour Freight {i}"),
            industry: "Logistics".into(),
            city: "Adelaide".into(),
            employees: Some(40),
            ..Default::default()
        };
        let r = engine::drafting::render(template, &vars, &sender).unwrap();
        let guard = domain::guard::GuardConfig::default();
        let draft = domain::guard::Draft { body: &r.body, template_id: Some(r.template), evidence: &r.evidence };
        assert!(domain::guard::check(&guard, &draft, &Default::default(), tuesday()).allows());
        engine::drafting::content_hash(&r.subject_a, &r.subject_b, &r.body);
    }
    println!("render + guard + hash, 10000 leads in memory: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
}
