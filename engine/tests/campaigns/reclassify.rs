//! A person re-classifies a reply (issue 11 §3; task: "re-classify undoes what the first class
//! did"): the earlier class's action is reversed where it is safe and was this reply's own doing,
//! the new class's action follows, all audited with before/after and on the lead's timeline, and
//! a repeat changes nothing. An unsubscribe is lifted only with the person's confirmation and
//! never when the opt-out came (also) from anywhere else.

use crate::replies::{enrolment, follow_up, kinds, lead_status, monday_after, record, reply, scene, Scene};
use crate::support::*;
use domain::reply::ReplyClass;
use engine::flows::replies;
use engine::store::suppressions;
use sqlx::PgPool;
use uuid::Uuid;

async fn reclassify(s: &Scene, id: Uuid, class: ReplyClass, lift: bool) -> domain::inbox::Reclassified {
    replies::reclassify(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), id, class, lift).await.unwrap()
}

async fn suppressed(s: &Scene) -> bool {
    suppressions::is_suppressed(s.engine.owner_pool(), s.ws, "lead0@client0.com.au").await.unwrap()
}

/// The reply drafts (suggested answers) and their statuses.
async fn suggestions(s: &Scene) -> Vec<String> {
    sqlx::query_scalar("select status from drafts where client_id = $1 and kind = 'reply' order by created_at").bind(s.ws.0).fetch_all(s.engine.owner_pool()).await.unwrap()
}

async fn hot(s: &Scene) -> bool {
    sqlx::query_scalar("select hot_at is not null from leads where client_id = $1 and id = $2").bind(s.ws.0).bind(s.lead).fetch_one(s.engine.owner_pool()).await.unwrap()
}

async fn audits(s: &Scene, action: &str) -> Vec<(serde_json::Value, serde_json::Value)> {
    sqlx::query_as("select before, after from audit_log where client_id = $1 and action = $2 order by id")
        .bind(s.ws.0)
        .bind(action)
        .fetch_all(s.engine.owner_pool())
        .await
        .unwrap()
}

async fn activity_count(s: &Scene) -> i64 {
    count(s.engine.owner_pool(), "select count(*) from activities where client_id = $1", s.ws).await
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn unsubscribe_to_interested_keeps_the_opt_out_until_a_person_confirms_then_lifts_only_this_replys_suppression(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, class, _) = record(&s, reply(&s, "u1", "Please remove me from your mailing list.")).await;
    assert_eq!(class, ReplyClass::Unsubscribe);
    assert!(suppressed(&s).await);

    // Moving it alone never lifts an unsubscribe: the class changes, the opt-out stays, and the
    // answer asks the question.
    let r = reclassify(&s, id, ReplyClass::Interested, false).await;
    assert_eq!((r.from, r.to), (ReplyClass::Unsubscribe, ReplyClass::Interested));
    assert!(r.confirm_lift.as_deref().is_some_and(|q| q.contains("did not ask to be removed")), "{r:?}");
    assert!(r.kept.iter().any(|k| k.contains("stays suppressed")), "{r:?}");
    assert!(suppressed(&s).await);
    assert_eq!(lead_status(&s).await, "unsubscribed");
    assert!(suggestions(&s).await.is_empty(), "no answer is suggested to a lead that may not be contacted");
    assert!(!hot(&s).await);
    let intent: String = sqlx::query_scalar("select intent from replies where id = $1").bind(id).fetch_one(&pool).await.unwrap();
    assert_eq!(intent, "interested");

    // Confirmed: the reply's own suppression is lifted, the status goes back and the new class
    // acts — hot, a suggested answer, the cadence still ended.
    let r = reclassify(&s, id, ReplyClass::Interested, true).await;
    assert!(r.confirm_lift.is_none() && r.undone.iter().any(|u| u.contains("lifted")), "{r:?}");
    assert!(!suppressed(&s).await);
    assert_eq!(lead_status(&s).await, "replied");
    assert!(hot(&s).await);
    assert_eq!(suggestions(&s).await, ["pending"]);
    assert_eq!(enrolment(&s).await.0, "exited");
    let lifted = audits(&s, "suppression.lift").await;
    assert_eq!(lifted.len(), 1);
    assert_eq!((lifted[0].0["reason"].as_str(), lifted[0].0["source"].as_str()), (Some("unsubscribed"), Some("reply")));
    let audit = audits(&s, "reply.reclassify").await;
    assert_eq!(audit.len(), 2);
    assert_eq!((audit[0].0["suppressed"].as_bool(), audit[0].1["suppressed"].as_bool()), (Some(true), Some(true)));
    assert_eq!((audit[1].0["lead_status"].as_str(), audit[1].1["lead_status"].as_str(), audit[1].1["suppressed"].as_bool()), (Some("unsubscribed"), Some("replied"), Some(false)));
    let notes: Vec<String> = sqlx::query_scalar("select summary from activities where client_id = $1 and kind = 'note' order by occurred_at").bind(s.ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(notes.len(), 2, "{notes:?}");
    let moves: Vec<String> = sqlx::query_scalar("select summary from activities where client_id = $1 and kind = 'status_changed' order by occurred_at, created_at").bind(s.ws.0).fetch_all(&pool).await.unwrap();
    assert!(moves.iter().any(|m| m.starts_with("unsubscribed → contacted")) && moves.last().unwrap().starts_with("contacted → replied"), "{moves:?}");

    // Again, either way: nothing changes.
    let before = activity_count(&s).await;
    for lift in [true, false] {
        let r = reclassify(&s, id, ReplyClass::Interested, lift).await;
        assert!(r.undone.is_empty() && r.kept.is_empty() && r.action == "none", "{r:?}");
    }
    assert_eq!(activity_count(&s).await, before);
    assert_eq!(audits(&s, "reply.reclassify").await.len(), 2);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_suppression_from_another_source_is_never_lifted_by_correcting_a_reply(pool: PgPool) {
    // Listed by hand before the reply: the reply's unsubscribe added nothing of its own.
    let s = scene(&pool).await;
    sqlx::query("insert into suppressions (client_id, address, reason, source) values ($1, 'lead0@client0.com.au', 'manual', 'user')").bind(s.ws.0).execute(&pool).await.unwrap();
    let (id, _, _) = record(&s, reply(&s, "u1", "Please remove me from your mailing list.")).await;
    let r = reclassify(&s, id, ReplyClass::Interested, true).await;
    assert!(suppressed(&s).await, "{r:?}");
    let reason: String = sqlx::query_scalar("select reason from suppressions where client_id = $1").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(reason, "manual");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_replys_own_suppression_stays_when_the_lead_also_opted_out_by_the_link(pool: PgPool) {
    let s2 = scene(&pool).await;
    let (id, _, _) = record(&s2, reply(&s2, "u2", "Please remove me from your mailing list.")).await;
    sqlx::query("insert into activities (client_id, lead_id, kind, summary, detail) values ($1, $2, 'unsubscribed', 'Unsubscribed by the link in the email', '{\"via\": \"link\"}')")
        .bind(s2.ws.0)
        .bind(s2.lead)
        .execute(&pool)
        .await
        .unwrap();
    let r = reclassify(&s2, id, ReplyClass::Interested, true).await;
    assert!(r.kept.iter().any(|k| k.contains("also opted out")), "{r:?}");
    assert!(suppressed(&s2).await);
    assert_eq!(lead_status(&s2).await, "unsubscribed");
    assert!(audits(&s2, "suppression.lift").await.is_empty());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn not_interested_to_interested_takes_the_status_back_and_the_lead_becomes_hot_with_a_suggested_answer(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, class, _) = record(&s, reply(&s, "n1", "Not interested, thanks.")).await;
    assert_eq!(class, ReplyClass::NotInterested);
    let r = reclassify(&s, id, ReplyClass::Interested, false).await;
    assert!(r.undone.iter().any(|u| u.contains("Status back to contacted")), "{r:?}");
    assert_eq!(r.action, "hot");
    assert_eq!(lead_status(&s).await, "replied");
    assert!(hot(&s).await);
    assert_eq!(suggestions(&s).await, ["pending"]);
    // Both classes end the cadence: it stays ended, nothing was re-opened in between.
    assert_eq!(enrolment(&s).await.0, "exited");
    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!(r.sent, 0, "the suggested answer waits for approval and the follow-up is refused");
    assert_eq!(follow_up(&s).await.0, "cancelled");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn out_of_office_to_interested_clears_the_pause_this_reply_set_then_the_new_class_acts(pool: PgPool) {
    let s = scene(&pool).await;
    let enrolled_before: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select enrolled_at from campaign_leads where client_id = $1").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    let (id, class, _) = record(&s, reply(&s, "o1", "I am out of the office until 14 December 2026 with limited access to email.")).await;
    assert_eq!(class, ReplyClass::OutOfOffice);
    assert!(enrolment(&s).await.1.is_some());
    let r = reclassify(&s, id, ReplyClass::Interested, false).await;
    assert!(r.undone.iter().any(|u| u.contains("pause until 2026-12-14 cleared")), "{r:?}");
    let (state, paused): (String, Option<chrono::DateTime<chrono::Utc>>) = enrolment(&s).await;
    assert_eq!((state.as_str(), paused), ("exited", None));
    let enrolled_after: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select enrolled_at from campaign_leads where client_id = $1").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(enrolled_after, enrolled_before, "the shift the pause added is taken back");
    assert_eq!(lead_status(&s).await, "replied");
    assert_eq!(suggestions(&s).await, ["pending"]);
    assert!(hot(&s).await);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn interested_to_not_interested_withdraws_the_unapproved_suggestion_and_the_hot_mark(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, class, _) = record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    assert_eq!(class, ReplyClass::Interested);
    assert!(hot(&s).await);
    let r = reclassify(&s, id, ReplyClass::NotInterested, false).await;
    assert!(r.undone.iter().any(|u| u.contains("Suggested answer withdrawn")) && r.undone.iter().any(|u| u.contains("hot")), "{r:?}");
    assert_eq!(suggestions(&s).await, ["rejected"]);
    assert!(!hot(&s).await);
    assert_eq!(lead_status(&s).await, "not_interested");
    assert_eq!(enrolment(&s).await.0, "exited");
    assert!(kinds(&s).await.contains(&"note".to_string()));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_approved_suggestion_is_kept_and_said_so(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, _, _) = record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    let q = engine::flows::drafts::queue(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), None, None, 50).await.unwrap();
    engine::flows::drafts::approve(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), domain::ids::DraftId(q.drafts[0].id), &q.drafts[0].content_hash).await.unwrap();
    let r = reclassify(&s, id, ReplyClass::NotInterested, false).await;
    assert!(r.kept.iter().any(|k| k.contains("suggested answer stays: it is already approved")), "{r:?}");
    assert_eq!(suggestions(&s).await, ["approved"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn interested_to_out_of_office_puts_the_lead_back_in_its_cadence_paused(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, _, _) = record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    assert_eq!(enrolment(&s).await.0, "exited");
    let r = reclassify(&s, id, ReplyClass::OutOfOffice, false).await;
    assert!(r.undone.iter().any(|u| u.contains("Back in the cadence")), "{r:?}");
    assert_eq!(r.action, "paused");
    let (state, paused) = enrolment(&s).await;
    assert_eq!(state, "active");
    assert!(paused.is_some_and(|p| p > chrono::Utc::now()), "paused until the default return");
    assert_eq!(lead_status(&s).await, "contacted", "an absence is not an answer");
    assert!(!hot(&s).await);
    assert_eq!(suggestions(&s).await, ["rejected"]);
    assert_eq!(follow_up(&s).await.0, "pending", "the follow-up waits for the pause, it is not lost");
}

/// The reply's live effects as (kind, detail), in the order they were made; arrays in a detail
/// sorted and times in one notation ("Z" or "+00:00"), since neither carries anything.
async fn effects(s: &Scene, id: Uuid) -> Vec<(String, serde_json::Value)> {
    let rows: Vec<(String, serde_json::Value)> =
        sqlx::query_as("select kind, detail from reply_effects where client_id = $1 and reply_id = $2 and undone_at is null order by created_at, kind")
            .bind(s.ws.0)
            .bind(id)
            .fetch_all(s.engine.owner_pool())
            .await
            .unwrap();
    rows.into_iter()
        .map(|(k, mut d)| {
            if let Some(o) = d.as_object_mut() {
                for v in o.values_mut() {
                    if let Some(a) = v.as_array_mut() {
                        a.sort_by_key(|x| x.to_string());
                    }
                    if let Some(t) = v.as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
                        *v = serde_json::json!(t.with_timezone(&chrono::Utc).to_rfc3339());
                    }
                }
            }
            (k, d)
        })
        .collect()
}

/// Forgets the reply's effects, as if it had been recorded before the effects log, and runs
/// the migration that reads them back.
async fn as_legacy_then_backfilled(s: &Scene, id: Uuid) {
    sqlx::query("delete from reply_effects where client_id = $1 and reply_id = $2").bind(s.ws.0).bind(id).execute(s.engine.owner_pool()).await.unwrap();
    sqlx::raw_sql(include_str!("../../../migrations/20261209000000_reply_effects_backfill.sql")).execute(s.engine.owner_pool()).await.unwrap();
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_reply_recorded_before_the_effects_log_gets_back_exactly_the_effects_it_made_and_can_be_corrected(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, class, _) = record(&s, reply(&s, "legacy-u", "Please remove me from your mailing list.")).await;
    assert_eq!(class, ReplyClass::Unsubscribe);
    let recorded = effects(&s, id).await;
    let kinds: Vec<&str> = recorded.iter().map(|(k, _)| k.as_str()).collect();
    assert!(kinds.contains(&"suppressed") && kinds.contains(&"status") && kinds.contains(&"exited"), "{recorded:?}");

    as_legacy_then_backfilled(&s, id).await;
    assert_eq!(effects(&s, id).await, recorded, "read back exactly as the live code wrote them");
    // Running it again adds nothing: the reply has effects now.
    sqlx::raw_sql(include_str!("../../../migrations/20261209000000_reply_effects_backfill.sql")).execute(&pool).await.unwrap();
    assert_eq!(effects(&s, id).await.len(), recorded.len());

    // And the correction works on them: the opt-out is lifted with confirmation, the status
    // goes back, the new class acts.
    let r = reclassify(&s, id, ReplyClass::Interested, true).await;
    assert!(r.undone.iter().any(|u| u.contains("lifted")), "{r:?}");
    assert!(!suppressed(&s).await);
    assert_eq!(lead_status(&s).await, "replied");
    assert!(hot(&s).await);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_legacy_positive_reply_gets_back_its_exit_status_hot_mark_and_suggestion(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, class, _) = record(&s, reply(&s, "legacy-i", "Sounds interesting, tell me more about how it works.")).await;
    assert!(class.is_positive(), "{class:?}");
    let recorded = effects(&s, id).await;
    let kinds: Vec<&str> = recorded.iter().map(|(k, _)| k.as_str()).collect();
    assert!(kinds.contains(&"hot") && kinds.contains(&"suggested") && kinds.contains(&"status"), "{recorded:?}");

    as_legacy_then_backfilled(&s, id).await;
    assert_eq!(effects(&s, id).await, recorded);

    let r = reclassify(&s, id, ReplyClass::NotInterested, false).await;
    assert!(r.undone.iter().any(|u| u.contains("withdrawn")), "{r:?}");
    assert!(!hot(&s).await);
    assert_eq!(suggestions(&s).await, ["rejected"]);
    assert_eq!(lead_status(&s).await, "not_interested");
}
