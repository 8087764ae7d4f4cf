//! Dispatch: shadow mode, every just-in-time check, caps, threading, exactly once under
//! concurrent workers, and reconciliation after a crash.

use crate::support::*;
use chrono::Duration;
use domain::ids::DraftId;
use engine::dispatch::SendError;
use engine::flows::drafts;
use sqlx::PgPool;
use std::sync::Arc;

/// A live workspace with `n` approved first touches due now and one mailbox.
async fn ready(pool: &PgPool, n: usize, cap: i32) -> (engine::Engine, domain::ids::WorkspaceId) {
    let engine = engine(pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(pool, ws, n).await;
    let id = active_campaign(&engine, u, ws).await;
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    let batch = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(id), 5_000).await.unwrap();
    drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), batch.id).await.unwrap();
    // Due now, whatever day the cadence put them on.
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday() - Duration::minutes(1)).execute(pool).await.unwrap();
    mailbox(pool, ws, "sam@northwind.com.au", cap).await;
    (engine, ws)
}

async fn states(pool: &PgPool, ws: domain::ids::WorkspaceId) -> Vec<(String, i64)> {
    sqlx::query_as("select state, count(*) from outbox where client_id = $1 group by state order by state").bind(ws.0).fetch_all(pool).await.unwrap()
}

async fn last_error(pool: &PgPool, ws: domain::ids::WorkspaceId) -> String {
    sqlx::query_scalar("select coalesce(last_error, '') from outbox where client_id = $1 limit 1").bind(ws.0).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn shadow_mode_stores_messages_and_sends_nothing_until_go_live(pool: PgPool) {
    let (engine, ws) = ready(&pool, 3, 50).await;
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    let r = d.round(tuesday()).await.unwrap();
    assert_eq!((r.shadow, r.sent), (3, 0));
    assert_eq!(t.count(), 0, "shadow mode never calls the provider");
    assert_eq!(states(&pool, ws).await, vec![("shadow".into(), 3)]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_live_send_records_every_check_and_the_footer(pool: PgPool) {
    let (engine, ws) = ready(&pool, 2, 50).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let r = dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap();
    assert_eq!(r.sent, 2);
    let sent = t.sent.lock().unwrap().clone();
    assert!(sent[0].text.contains("1 George St, Sydney NSW 2000") && sent[0].text.contains("https://app.example/u/"));
    assert_eq!(sent[0].from_address, "sam@northwind.com.au");
    let checks: serde_json::Value = sqlx::query_scalar("select checks from outbox where client_id = $1 limit 1").bind(ws.0).fetch_one(&pool).await.unwrap();
    let names: Vec<&str> = checks.as_array().unwrap().iter().map(|c| c["check"].as_str().unwrap()).collect();
    assert!(names.contains(&"emergency_stop") && names.contains(&"window") && names.contains(&"mailbox_cap"), "{names:?}");
    assert!(checks.as_array().unwrap().iter().all(|c| c["ok"] == true));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_emergency_stop_set_after_approval_holds_the_send(pool: PgPool) {
    let (engine, ws) = ready(&pool, 1, 50).await;
    go_live(&pool, ws).await;
    sqlx::query("update platform_settings set emergency_stop = true, stop_reason = 'provider incident'").execute(&pool).await.unwrap();
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    assert_eq!(d.round(tuesday()).await.unwrap().postponed, 1);
    assert_eq!(t.count(), 0);
    assert!(last_error(&pool, ws).await.contains("platform emergency stop: provider incident"));
    sqlx::query("update platform_settings set emergency_stop = false").execute(&pool).await.unwrap();
    sqlx::query("update workspaces set sending_paused = true, sending_paused_reason = 'owner pressed stop' where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    assert_eq!(d.round(tuesday() + Duration::minutes(10)).await.unwrap().postponed, 1);
    assert!(last_error(&pool, ws).await.contains("owner pressed stop"));
    assert_eq!(t.count(), 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_lead_unsubscribed_after_approval_is_never_sent(pool: PgPool) {
    let (engine, ws) = ready(&pool, 1, 50).await;
    go_live(&pool, ws).await;
    sqlx::query("update leads set status = 'unsubscribed' where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().cancelled, 1);
    assert_eq!(t.count(), 0);
    assert_eq!(last_error(&pool, ws).await, "lead is unsubscribed");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_draft_changed_after_batch_approval_is_not_sent(pool: PgPool) {
    let (engine, ws) = ready(&pool, 1, 50).await;
    go_live(&pool, ws).await;
    sqlx::query("update drafts set body = body || ' (changed)', content_hash = 'changed' where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let t = Arc::new(Recorder::default());
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap().cancelled, 1);
    assert_eq!(t.count(), 0);
    assert_eq!(last_error(&pool, ws).await, "the draft changed after it was approved");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_daily_cap_holds_the_rest_until_tomorrow(pool: PgPool) {
    let (engine, ws) = ready(&pool, 5, 3).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let r = dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap();
    assert_eq!((r.sent, r.postponed), (3, 2));
    assert_eq!(t.count(), 3);
    let waiting: String = sqlx::query_scalar("select last_error from outbox where client_id = $1 and state = 'pending' limit 1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(waiting.contains("cap"), "{waiting}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn outside_the_window_and_an_unpaid_subscription_wait(pool: PgPool) {
    let (engine, ws) = ready(&pool, 1, 50).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    let saturday = tuesday() + Duration::days(4);
    assert_eq!(d.round(saturday).await.unwrap().postponed, 1);
    assert!(last_error(&pool, ws).await.contains("outside the sending window"));
    sqlx::query("update workspaces set subscription_status = 'past_due' where id = $1").bind(ws.0).execute(&pool).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday()).execute(&pool).await.unwrap();
    assert_eq!(d.round(tuesday()).await.unwrap().postponed, 1);
    assert_eq!(last_error(&pool, ws).await, "subscription is past_due");
    assert_eq!(t.count(), 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn transient_failures_retry_and_permanent_ones_fail_giving_the_slot_back(pool: PgPool) {
    let (engine, ws) = ready(&pool, 1, 50).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    *t.fail_with.lock().unwrap() = Some(SendError::Transient("421 try later".into()));
    assert_eq!(d.round(tuesday()).await.unwrap().postponed, 1);
    *t.fail_with.lock().unwrap() = Some(SendError::Permanent("550 no such user".into()));
    assert_eq!(d.round(tuesday() + Duration::hours(1)).await.unwrap().failed, 1);
    assert_eq!(states(&pool, ws).await, vec![("failed".into(), 1)]);
    let used: i32 = sqlx::query_scalar("select coalesce(sum(sent), 0)::int from mailbox_usage where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(used, 0, "slots of failed sends are given back");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn four_workers_send_every_message_exactly_once(pool: PgPool) {
    let (engine, ws) = ready(&pool, 300, 2000).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let mut tasks = Vec::new();
    for w in 0..4 {
        let d = dispatcher(&engine, t.clone(), &format!("w{w}"));
        tasks.push(tokio::spawn(async move {
            loop {
                let r = d.round(tuesday()).await.unwrap();
                if r.claimed == 0 {
                    break;
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let sent = t.sent.lock().unwrap().clone();
    let mut ids: Vec<&str> = sent.iter().map(|e| e.message_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((sent.len(), ids.len()), (300, 300), "each message once");
    assert_eq!(states(&pool, ws).await, vec![("sent".into(), 300)]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_crash_mid_send_is_reconciled_by_message_id_not_resent(pool: PgPool) {
    let (engine, ws) = ready(&pool, 2, 50).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    // Two rows were claimed by a worker that then died: one after the provider accepted it,
    // one before it got a mailbox.
    let claimed = engine::store::outbox::claim(&pool, "dead-worker", 2, tuesday()).await.unwrap();
    let mailbox: uuid::Uuid = sqlx::query_scalar("select id from mailboxes where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    engine::store::outbox::assign_mailbox(&pool, ws, claimed[0].id, "dead-worker", domain::ids::MailboxId(mailbox)).await.unwrap();
    t.known.lock().unwrap().insert(claimed[0].message_id.clone());

    let later = tuesday() + Duration::minutes(5);
    let (sent, requeued, undecided) = d.reconcile(later).await.unwrap();
    assert_eq!((sent, requeued, undecided), (1, 1, 0));
    let r = d.round(later).await.unwrap();
    assert_eq!(r.sent, 1, "only the one the provider never had is sent");
    assert_eq!(t.count(), 1);
    assert_eq!(states(&pool, ws).await, vec![("sent".into(), 2)]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn follow_ups_thread_under_the_first_email(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    leads(&pool, ws, 1).await;
    let mut s = settings("Auto");
    s.permission_mode = Some(domain::campaign::PermissionMode::Autopilot);
    let id = engine::flows::campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), s).await.unwrap();
    engine::flows::campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, domain::campaign::CampaignStatus::Active).await.unwrap();
    engine::flows::campaigns::enroll(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), id, &Default::default()).await.unwrap();
    mailbox(&pool, ws, "sam@northwind.com.au", 50).await;
    go_live(&pool, ws).await;
    let t = Arc::new(Recorder::default());
    let d = dispatcher(&engine, t.clone(), "w1");
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday()).execute(&pool).await.unwrap();
    assert_eq!(d.round(tuesday()).await.unwrap().sent, 1);
    // The next email step is drafted (autopilot approves it) once the first went out.
    drafts::draft_campaign(&engine, ws, id, tuesday()).await.unwrap();
    sqlx::query("update outbox set not_before = $2 where client_id = $1 and state = 'pending'").bind(ws.0).bind(tuesday()).execute(&pool).await.unwrap();
    assert_eq!(d.round(tuesday()).await.unwrap().sent, 1);
    let sent = t.sent.lock().unwrap().clone();
    assert_eq!(sent[1].in_reply_to.as_deref(), Some(sent[0].message_id.as_str()));
    assert_eq!(sent[1].references, vec![sent[0].message_id.clone()]);
    assert_eq!(sent[1].subject, format!("Re: {}", sent[0].subject));
    let _ = DraftId;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_ramping_workspace_sends_at_most_its_daily_limit_to_its_tiers_only_until_it_graduates(pool: PgPool) {
    use domain::score::Tier;
    use engine::flows::sending;
    let (engine, ws) = ready(&pool, 10, 50).await;
    go_live(&pool, ws).await;
    let owner: uuid::Uuid = sqlx::query_scalar("select user_id from memberships where client_id = $1 and role = 'owner'").bind(ws.0).fetch_one(&pool).await.unwrap();
    let owner = domain::ids::UserId(owner);
    let warm: Vec<uuid::Uuid> = sqlx::query_scalar("update leads set tier = 'warm' where id in (select id from leads where client_id = $1 order by id limit 4) returning id")
        .bind(ws.0)
        .fetch_all(&pool)
        .await
        .unwrap();
    let day1 = tuesday();
    let today = day1.date_naive();
    assert!(matches!(async { sending::start_ramp(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await?, 0, &[Tier::Hot], 2, today).await }.await, Err(engine::Error::Invalid(_))));
    assert!(matches!(async { sending::start_ramp(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await?, 3, &[], 2, today).await }.await, Err(engine::Error::Invalid(_))));
    let viewer = member(&engine, ws, "member").await;
    assert!(matches!(async { sending::start_ramp(&engine, &engine::auth::Access::resolve(&engine, viewer, ws).await?, 3, &[Tier::Hot], 2, today).await }.await, Err(engine::Error::Forbidden)));
    let state = sending::start_ramp(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), 3, &[Tier::Hot], 2, today).await.unwrap();
    let ramp = state.ramp.expect("the banner shows the ramp");
    assert_eq!((ramp.mode.daily_limit, ramp.sent_today), (3, 0));

    // Two workers at once: never more than the limit, never a warm lead.
    let t = Arc::new(Recorder::default());
    let (a, b) = (dispatcher(&engine, t.clone(), "w1"), dispatcher(&engine, t.clone(), "w2"));
    let (ra, rb) = tokio::join!(a.round(day1), b.round(day1));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 3, "{ra:?} {rb:?}");
    assert_eq!(t.count(), 3);
    let sent_to: Vec<uuid::Uuid> = sqlx::query_scalar("select lead_id from outbox where client_id = $1 and state = 'sent'").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert!(sent_to.iter().all(|l| !warm.contains(l)), "only hot leads while ramping");
    let reasons: Vec<String> = sqlx::query_scalar("select last_error from outbox where client_id = $1 and state = 'pending'").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(reasons.iter().filter(|r| r.contains("sends only to hot leads (warm lead)")).count(), 4, "{reasons:?}");
    assert_eq!(reasons.iter().filter(|r| r.contains("today's limit of 3 sends is reached")).count(), 3, "{reasons:?}");
    // (The banner counts days by the real clock; the graduation below is told the day.)
    assert_eq!(sending::get(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap()).await.unwrap().ramp.map(|r| r.mode.daily_limit), Some(3));

    // Not ready to graduate after one clean day; the next day sends the next three.
    let day2 = day1 + Duration::days(1);
    assert!(matches!(async { sending::graduate(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await?, day2.date_naive()).await }.await, Err(engine::Error::Conflict(_))));
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(day2).await.unwrap().sent, 3);
    assert_eq!(t.count(), 6);

    // Graduated after two clean days: the warm leads go too.
    let day3 = day1 + Duration::days(2);
    let state = sending::graduate(&engine, &engine::auth::Access::resolve(&engine, owner, ws).await.unwrap(), day3.date_naive()).await.unwrap();
    assert_eq!(state.ramp, None);
    assert_eq!(dispatcher(&engine, t.clone(), "w1").round(day3).await.unwrap().sent, 4);
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where client_id = $1 and action like 'sending.ramp%' order by id").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(actions, ["sending.ramp_start", "sending.ramp_graduate"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_ramping_campaign_tightens_a_workspace_that_does_not_ramp(pool: PgPool) {
    let (engine, ws) = ready(&pool, 8, 50).await;
    go_live(&pool, ws).await;
    sqlx::query("update campaigns set ramp = true where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let t = Arc::new(Recorder::default());
    let r = dispatcher(&engine, t.clone(), "w1").round(tuesday()).await.unwrap();
    assert_eq!((r.sent, r.postponed), (5, 3), "the starting ramp: 5 a day");
    let why: String = sqlx::query_scalar("select last_error from outbox where client_id = $1 and state = 'pending' limit 1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(why.contains("ramp mode of this campaign"), "{why}");
}
