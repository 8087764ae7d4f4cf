//! Campaigns, drafting and the approval queue.

use crate::support::*;
use domain::campaign::{CampaignStatus, DraftingPolicy, PermissionMode, TargetAccount};
use domain::guard::GuardMode;
use domain::ids::DraftId;
use engine::flows::{campaigns, drafts, score, workspaces};
use engine::store::drafts as store;
use engine::Error;
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn activation_respects_the_plan_limit_and_the_sender_identity(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    for i in 0..5 {
        let id = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings(&format!("C{i}"))).await.unwrap();
        campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, CampaignStatus::Active).await.unwrap();
    }
    let sixth = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings("C6")).await.unwrap();
    let err = async { campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, sixth, CampaignStatus::Active).await }.await.unwrap_err();
    assert!(matches!(err, Error::Conflict(ref m) if m.contains("5 active campaigns")), "{err:?}");

    let mut anonymous = settings("No address");
    anonymous.physical_address.clear();
    let id = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), anonymous).await.unwrap();
    sqlx::query("update workspaces set plan = 'velocity' where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let err = async { campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, id, CampaignStatus::Active).await }.await.unwrap_err();
    assert!(matches!(err, Error::Invalid(ref m) if m.contains("physical address")), "{err:?}");

    let mut bad = settings(" ");
    bad.name = " ".into();
    assert!(matches!(async { campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, bad).await }.await, Err(Error::Invalid(_))));
    assert_eq!(campaigns::list(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), false).await.unwrap().len(), 7, "nothing written by the refused create");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn co_pilot_drafts_wait_for_a_human_and_autopilot_goes_straight_to_the_outbox(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 6).await;
    let id = active_campaign(&engine, u, ws).await;
    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.leads, r.drafted, r.auto_approved, r.blocked), (6, 6, 0, 0), "{r:?}");
    let page = drafts::queue(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, None, 50).await.unwrap();
    assert_eq!(page.pending, 6);
    let d = &page.drafts[0];
    assert_eq!(d.step, 0);
    assert!(d.body.contains(&d.lead_name.split(' ').next().unwrap().to_string()));
    assert_ne!(d.subject_a, d.subject_b);
    // Running again drafts nothing new: one live draft per touch, one pending per lead.
    let again = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!(again.drafted, 0);
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1", ws).await, 0);

    // Autopilot: approved and queued at once.
    let (u2, ws2) = owner_workspace(&engine, "Beta").await;
    leads(&pool, ws2, 3).await;
    let mut s = settings("Auto");
    s.permission_mode = Some(PermissionMode::Autopilot);
    let auto = active_campaign_with(&engine, u2, ws2, s).await;
    let r = drafts::draft_campaign(&engine, ws2, auto, tuesday()).await.unwrap();
    assert_eq!(r.auto_approved, 3);
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1 and state = 'pending'", ws2).await, 3);
}

/// A scored lead with nothing personal to say about it: the guard's GUARD-003 case.
async fn bare_lead(pool: &PgPool, ws: domain::ids::WorkspaceId) {
    sqlx::query("insert into leads (client_id, source, email, first_name, company, status) values ($1, 'csv', 'x@bare.com.au', 'Jo', 'Bare Pty', 'scored')")
        .bind(ws.0)
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_lead_without_personal_evidence_is_blocked_by_the_guard(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    bare_lead(&pool, ws).await;
    let id = active_campaign(&engine, u, ws).await;
    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.blocked), (1, 1));
    let guard: serde_json::Value = sqlx::query_scalar("select guard from drafts where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(guard["code"], "GUARD-003", "{guard}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_workspace_drafting_policy_decides_what_a_new_campaigns_drafts_do(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let policy = workspaces::drafting_policy(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap();
    assert_eq!(policy, DraftingPolicy { permission_mode: PermissionMode::CoPilot, guard_mode: GuardMode::Enforce });

    // A member and a viewer cannot change it; nothing is written.
    for role in ["member", "viewer"] {
        let m = member(&engine, ws, role).await;
        let autopilot = DraftingPolicy { permission_mode: PermissionMode::Autopilot, ..policy };
        assert!(matches!(async { workspaces::set_drafting_policy(&engine, &engine::auth::Access::resolve(&engine, m, ws).await?, autopilot).await }.await, Err(Error::Forbidden)), "{role}");
    }
    assert_eq!(workspaces::drafting_policy(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap()).await.unwrap(), policy);

    // Autopilot by default: a new campaign that names no mode sends its drafts straight to the outbox.
    let autopilot = DraftingPolicy { permission_mode: PermissionMode::Autopilot, guard_mode: GuardMode::Enforce };
    workspaces::set_drafting_policy(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), autopilot).await.unwrap();
    leads(&pool, ws, 3).await;
    let id = active_campaign(&engine, u, ws).await;
    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.auto_approved), (3, 3), "{r:?}");
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1 and state = 'pending'", ws).await, 3);

    // A campaign's own mode still wins over the default.
    let (u2, ws2) = owner_workspace(&engine, "Beta").await;
    workspaces::set_drafting_policy(&engine, &engine::auth::Access::resolve(&engine, u2, ws2).await.unwrap(), autopilot).await.unwrap();
    leads(&pool, ws2, 2).await;
    let mut manual = settings("Manual");
    manual.permission_mode = Some(PermissionMode::Manual);
    let m = active_campaign_with(&engine, u2, ws2, manual).await;
    let r = drafts::draft_campaign(&engine, ws2, m, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.auto_approved), (2, 0), "{r:?}");

    let (action, before, after): (String, serde_json::Value, serde_json::Value) =
        sqlx::query_as("select action, before, after from audit_log where client_id = $1 and action = 'workspace.drafting_policy'")
            .bind(ws.0)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(action, "workspace.drafting_policy");
    assert_eq!((before["permission_mode"].as_str(), after["permission_mode"].as_str()), (Some("co_pilot"), Some("autopilot")));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_soft_quality_guard_lets_a_failing_draft_reach_the_queue_marked_with_what_it_would_block(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let soft = DraftingPolicy { permission_mode: PermissionMode::CoPilot, guard_mode: GuardMode::Soft };
    workspaces::set_drafting_policy(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), soft).await.unwrap();
    bare_lead(&pool, ws).await;
    let id = active_campaign(&engine, u, ws).await;
    let r = drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    assert_eq!((r.drafted, r.blocked), (1, 0), "{r:?}");
    let (status, guard): (String, serde_json::Value) = sqlx::query_as("select status, guard from drafts where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "pending");
    assert_eq!(guard["code"], "GUARD-003", "{guard}");
    assert!(guard["message"].as_str().unwrap().starts_with("soft mode, would block"), "{guard}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_target_accounts_leads_score_higher_by_its_multiplier_with_the_reason_shown(pool: PgPool) {
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let ids = leads(&pool, ws, 2).await;
    // lead0@client0.com.au works at a target; lead1 does not.
    let score_of = |id: uuid::Uuid| {
        let pool = pool.clone();
        async move {
            let (als_exact, reasons): (i16, serde_json::Value) =
                sqlx::query_as("select als_exact, reasons from leads where id = $1").bind(id).fetch_one(&pool).await.unwrap();
            (als_exact, reasons.to_string())
        }
    };
    score::score_workspace(&pool, ws, score::Scope::All, tuesday()).await.unwrap();
    let (plain0, _) = score_of(ids[0]).await;
    let (plain1, _) = score_of(ids[1]).await;

    let jobs = || async {
        let n: i64 = sqlx::query_scalar("select count(*) from apalis.jobs where job_type = 'agency_os::ScoreWorkspace'").fetch_one(&pool).await.unwrap();
        n
    };
    let queued_before = jobs().await;
    let mut s = settings("Targets");
    s.target_accounts = vec![TargetAccount { domain: "client0.com.au".into(), multiplier: 1.5 }];
    let id = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), s.clone()).await.unwrap();
    // A draft campaign's list does not count yet.
    score::score_workspace(&pool, ws, score::Scope::All, tuesday()).await.unwrap();
    assert_eq!(score_of(ids[0]).await.0, plain0);
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, CampaignStatus::Active).await.unwrap();
    assert_eq!(jobs().await, queued_before + 1, "activating a campaign with targets queues a re-score");

    score::score_workspace(&pool, ws, score::Scope::All, tuesday()).await.unwrap();
    let (target, reasons) = score_of(ids[0]).await;
    assert!(((f64::from(plain0) * 1.5).min(10_000.0) - f64::from(target)).abs() <= 1.0, "{plain0} ×1.5 ≈ {target}");
    assert!(reasons.contains("listed"), "{reasons}");
    let lead = engine::store::leads::get(&pool, ws, domain::leads::LeadId(ids[0])).await.unwrap().unwrap();
    let shown: Vec<String> = lead.score.unwrap().reasons.iter().map(|r| r.to_string()).collect();
    assert!(shown.iter().any(|r| r == "\u{d7}1.5 target account (on a campaign's list)"), "{shown:?}");
    assert_eq!(score_of(ids[1]).await.0, plain1, "a lead elsewhere is unchanged");

    // Changing the list queues a re-score, and the new multiplier applies.
    s.target_accounts = vec![TargetAccount { domain: "client0.com.au".into(), multiplier: 1.2 }];
    campaigns::update(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, s).await.unwrap();
    assert_eq!(jobs().await, queued_before + 2);
    score::score_workspace(&pool, ws, score::Scope::All, tuesday()).await.unwrap();
    assert!(((f64::from(plain0) * 1.2) - f64::from(score_of(ids[0]).await.0)).abs() <= 1.0);

    // Pausing the campaign takes its list away again.
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, CampaignStatus::Paused).await.unwrap();
    score::score_workspace(&pool, ws, score::Scope::All, tuesday()).await.unwrap();
    assert_eq!(score_of(ids[0]).await.0, plain0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn approve_reject_and_edit_each_do_what_they_say(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 3).await;
    let id = active_campaign(&engine, u, ws).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let page = drafts::queue(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, None, 50).await.unwrap();
    let (a, b, c) = (&page.drafts[0], &page.drafts[1], &page.drafts[2]);

    // Approve with a stale hash: refused, nothing changes.
    let err = async { drafts::approve(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, DraftId(a.id), "not-the-hash").await }.await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)));
    drafts::approve(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), DraftId(a.id), &a.content_hash).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1", ws).await, 1);
    assert!(matches!(async { drafts::approve(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, DraftId(a.id), &a.content_hash).await }.await, Err(Error::Conflict(_))), "approving twice");

    // Reject needs a reason; the redraft uses another template.
    assert!(matches!(async { drafts::reject(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, DraftId(b.id), "  ").await }.await, Err(Error::Invalid(_))));
    drafts::reject(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), DraftId(b.id), "Too salesy for a logistics MD").await.unwrap();
    let redraft: (String, String) = sqlx::query_as("select template, status from drafts where client_id = $1 and lead_id = $2 and status <> 'rejected'")
        .bind(ws.0)
        .bind(b.lead_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(redraft.0, b.template, "rotated away from the rejected template");
    assert_eq!(redraft.1, "pending");
    let memory = store::rejection_memory(&pool, ws, b.lead_id, 30).await.unwrap();
    assert_eq!(memory.rejections[0].reason, "Too salesy for a logistics MD");

    // Edit then approve: the edited text goes out, the original is kept for the diff.
    let new_hash = drafts::edit_and_approve(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), DraftId(c.id), &c.content_hash, "Hello from Sam", "A note for you", "Hi there,\n\nShort and sweet.").await.unwrap();
    let view = store::get(&pool, ws, DraftId(c.id)).await.unwrap().unwrap();
    assert_eq!(view.status, "approved");
    assert_eq!(view.content_hash, new_hash);
    assert_eq!(view.edited_from.unwrap()["body"], c.body);
    let body: String = sqlx::query_scalar("select body from outbox where client_id = $1 and draft_id = $2").bind(ws.0).bind(c.id).fetch_one(&pool).await.unwrap();
    assert_eq!(body, "Hi there,\n\nShort and sweet.");
    assert!(matches!(
        drafts::edit_and_approve(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), DraftId(c.id), &new_hash, "Same", "same", "x").await,
        Err(Error::Invalid(_))
    ));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_frozen_batch_executes_once_and_skips_drafts_changed_after_it_was_frozen(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 5).await;
    let id = active_campaign(&engine, u, ws).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let batch = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(id), 100).await.unwrap();
    assert_eq!(batch.drafts, 5);
    // Someone edits one draft after the batch was frozen.
    let page = drafts::queue(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, None, 50).await.unwrap();
    let edited = &page.drafts[0];
    store::edit(&mut *pool.acquire().await.unwrap(), ws, DraftId(edited.id), &edited.content_hash, "New A", "New B", "Changed body", "h-new").await.unwrap();

    let outcome = drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    assert_eq!((outcome.approved, outcome.stale), (4, 1));
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1", ws).await, 4);
    let status: String = sqlx::query_scalar("select status from drafts where id = $1").bind(edited.id).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "pending", "the changed draft was not approved by the batch");
    assert!(matches!(async { drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await?, batch.id).await }.await, Err(Error::Conflict(_))), "executes once");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspace_cannot_see_or_act_on_drafts(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let (intruder, their_ws) = owner_workspace(&engine, "Other").await;
    leads(&pool, ws, 2).await;
    let id = active_campaign(&engine, u, ws).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let d = drafts::queue(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), None, None, 10).await.unwrap().drafts[0].clone();
    // Through their own workspace: the draft does not exist there.
    assert!(matches!(async { drafts::approve(&engine, &engine::auth::Access::resolve(&engine, intruder, their_ws).await?, DraftId(d.id), &d.content_hash).await }.await, Err(Error::NotFound(_))));
    assert!(matches!(async { drafts::reject(&engine, &engine::auth::Access::resolve(&engine, intruder, their_ws).await?, DraftId(d.id), "no").await }.await, Err(Error::NotFound(_))));
    assert_eq!(drafts::queue(&engine, &engine::auth::Access::resolve(&engine, intruder, their_ws).await.unwrap(), None, None, 10).await.unwrap().pending, 0);
    // Through ours: not a member.
    assert!(matches!(async { drafts::queue(&engine, &engine::auth::Access::resolve(&engine, intruder, ws).await?, None, None, 10).await }.await, Err(Error::NotFound(_))));
    assert!(matches!(async { campaigns::get(&engine, &engine::auth::Access::resolve(&engine, intruder, their_ws).await?, id).await }.await, Err(Error::NotFound(_))));
    let status: String = sqlx::query_scalar("select status from drafts where id = $1").bind(d.id).fetch_one(&pool).await.unwrap();
    assert_eq!(status, "pending");
}
