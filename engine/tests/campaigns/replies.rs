//! Replies, signals and the timeline (issue 11) against the real Postgres and Redis: each reply
//! class's action, idempotent intake, the "the lead replied" check, statuses moved through the
//! status machine with their activities, meetings, decay with an injected clock, and the
//! Dashboard's counts. The end-to-end IMAP read uses the product's own SMTP/IMAP sink.

use crate::bounces::{deliver, sent_through_sink, setup, sink_mailbox};
use crate::support::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::ids::{CampaignId, DraftId, UserId, WorkspaceId};
use domain::leads::LeadId;
use domain::reply::ReplyClass;
use engine::flows::replies::{self, IncomingReply, RecordOutcome};
use engine::flows::{bounces, decay, drafts, meetings};
use engine::store::{activities, dashboard};
use engine::Engine;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

pub(crate) struct Scene {
    pub(crate) engine: Engine,
    pub(crate) u: UserId,
    pub(crate) ws: WorkspaceId,
    pub(crate) lead: Uuid,
    pub(crate) rec: Arc<Recorder>,
    /// The Message-ID of the first email.
    pub(crate) first: String,
}

/// Monday 10:00 in Sydney, six days after [`tuesday`]: the first follow-up (day 5) is due.
pub(crate) fn monday_after() -> DateTime<Utc> {
    tuesday() + Duration::days(6)
}

/// A live workspace whose one lead got the first email (through a recording transport) and has
/// the next one approved in the outbox, due on day 5.
pub(crate) async fn scene(pool: &PgPool) -> Scene {
    let engine = engine(pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let lead = leads(pool, ws, 1).await[0];
    mailbox(pool, ws, "sam@northwind.com.au", 100).await;
    let campaign = active_campaign(&engine, u, ws).await;
    sqlx::query("update campaign_leads set enrolled_at = $2 where client_id = $1").bind(ws.0).bind(tuesday()).execute(pool).await.unwrap();
    drafts::draft_campaign(&engine, ws, campaign, tuesday()).await.unwrap();
    let b = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(campaign), 100).await.unwrap();
    drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), b.id).await.unwrap();
    go_live(pool, ws).await;
    let rec = Arc::new(Recorder::default());
    let r = dispatcher(&engine, rec.clone(), "w1").round(tuesday()).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    // Co-pilot approves the follow-ups of a sequence a person approved: drafted ahead, queued.
    drafts::draft_campaign(&engine, ws, campaign, tuesday()).await.unwrap();
    assert_eq!(count(pool, "select count(*) from outbox where client_id = $1 and state = 'pending'", ws).await, 1);
    let first = rec.sent.lock().unwrap()[0].message_id.clone();
    Scene { engine, u, ws, lead, rec, first }
}

pub(crate) fn reply(s: &Scene, id: &str, text: &str) -> IncomingReply {
    IncomingReply {
        source: "imap".into(),
        mailbox: None,
        message_id: format!("<{id}@client0.com.au>"),
        in_reply_to: Some(s.first.clone()),
        references: vec![s.first.clone()],
        from: "Ann0 Nguyen <lead0@client0.com.au>".into(),
        subject: "Re: a quick question".into(),
        text: format!("{text}\r\n\r\nOn Tue, 1 Dec 2026 at 10:00, Sam Carter wrote:\r\n> Hi Ann0, would a short call make sense? Book a call here.\r\n> Unsubscribe: https://app.example/u/x\r\n"),
        received_at: tuesday() + Duration::days(1),
        raw_headers: vec![],
    }
}

pub(crate) async fn record(s: &Scene, r: IncomingReply) -> (Uuid, ReplyClass, String) {
    match replies::record(&s.engine, s.ws, r).await.unwrap() {
        RecordOutcome::Recorded { reply, class, action, lead } => {
            assert_eq!(lead, Some(LeadId(s.lead)));
            (reply, class, action)
        }
        other => panic!("not recorded: {other:?}"),
    }
}

pub(crate) async fn lead_status(s: &Scene) -> String {
    sqlx::query_scalar("select status from leads where client_id = $1 and id = $2").bind(s.ws.0).bind(s.lead).fetch_one(s.engine.owner_pool()).await.unwrap()
}

pub(crate) async fn enrolment(s: &Scene) -> (String, Option<DateTime<Utc>>) {
    sqlx::query_as("select state, paused_until from campaign_leads where client_id = $1 and lead_id = $2")
        .bind(s.ws.0)
        .bind(s.lead)
        .fetch_one(s.engine.owner_pool())
        .await
        .unwrap()
}

/// The follow-up's outbox state and last error.
pub(crate) async fn follow_up(s: &Scene) -> (String, Option<String>) {
    sqlx::query_as("select state, last_error from outbox where client_id = $1 and kind = 'sequence' and step > 0 order by step limit 1")
        .bind(s.ws.0)
        .fetch_one(s.engine.owner_pool())
        .await
        .unwrap()
}

pub(crate) async fn kinds(s: &Scene) -> Vec<String> {
    let t = activities::timeline(&mut *s.engine.tenant(s.ws).await.unwrap(), s.ws, LeadId(s.lead), None, 200).await.unwrap();
    t.into_iter().map(|a| a.kind).collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_interested_reply_makes_the_lead_hot_queues_a_suggested_answer_sent_threaded_and_refuses_the_follow_up(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, class, action) = record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    assert_eq!((class, action.as_str()), (ReplyClass::Interested, "hot"));
    assert_eq!(lead_status(&s).await, "replied");
    assert!(count(&pool, "select count(*) from leads where client_id = $1 and hot_at is not null", s.ws).await == 1);
    assert_eq!(enrolment(&s).await.0, "exited");

    // The suggested answer waits in the approval queue as a reply draft.
    let q = drafts::queue(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), None, None, 50).await.unwrap();
    assert_eq!(q.drafts.len(), 1);
    let d = &q.drafts[0];
    assert_eq!((d.kind.as_str(), d.reply_id), ("reply", Some(id)));
    assert!(d.body.starts_with("Hi Ann0,"), "{}", d.body);
    drafts::approve(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), DraftId(d.id), &d.content_hash).await.unwrap();

    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!((r.sent, r.cancelled), (1, 1), "{r:?}");
    let sent = s.rec.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    let answer = &sent[1];
    assert_eq!(answer.in_reply_to.as_deref(), Some("<r1@client0.com.au>"));
    assert!(answer.references.contains(&s.first) && answer.references.contains(&"<r1@client0.com.au>".to_string()));
    assert_eq!(answer.subject, "Re: a quick question");
    assert_eq!(answer.to, "lead0@client0.com.au");
    assert_eq!(follow_up(&s).await, ("cancelled".into(), Some("the lead replied".into())));
    let checks: serde_json::Value = sqlx::query_scalar("select checks from outbox where client_id = $1 and kind = 'sequence' and state = 'cancelled'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert!(checks.as_array().unwrap().iter().any(|c| c["check"] == "lead_replied" && c["ok"] == false), "{checks}");
    let k = kinds(&s).await;
    assert!(k.contains(&"replied".into()) && k.contains(&"draft_queued".into()) && k.iter().filter(|k| *k == "sent").count() == 2, "{k:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn meeting_requests_and_questions_are_hot_with_their_own_suggested_answer(pool: PgPool) {
    let s = scene(&pool).await;
    let (_, class, action) = record(&s, reply(&s, "m1", "Sure, let's set up a call next week. Does Thursday at 2pm work for you?")).await;
    assert_eq!((class, action.as_str()), (ReplyClass::MeetingRequest, "hot"));
    let (_, class, action) = record(&s, reply(&s, "q1", "How much does it cost per month?")).await;
    assert_eq!((class, action.as_str()), (ReplyClass::Question, "hot"));
    let templates: Vec<String> = sqlx::query_scalar("select template from drafts where client_id = $1 and kind = 'reply' order by step").bind(s.ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(templates, ["reply.meeting_request", "reply.question"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_unsubscribe_reply_suppresses_the_address_at_once(pool: PgPool) {
    let s = scene(&pool).await;
    let (_, class, action) = record(&s, reply(&s, "u1", "Please remove me from your mailing list.")).await;
    assert_eq!((class, action.as_str()), (ReplyClass::Unsubscribe, "suppressed"));
    assert_eq!(count(&pool, "select count(*) from suppressions where client_id = $1 and address = 'lead0@client0.com.au'", s.ws).await, 1);
    assert_eq!(lead_status(&s).await, "unsubscribed");
    assert_eq!(enrolment(&s).await.0, "exited");
    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!((r.sent, r.cancelled), (0, 1));
    assert!(kinds(&s).await.contains(&"unsubscribed".into()));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_not_interested_reply_ends_the_cadence(pool: PgPool) {
    let s = scene(&pool).await;
    let (_, class, action) = record(&s, reply(&s, "n1", "Not interested, thanks.")).await;
    assert_eq!((class, action.as_str()), (ReplyClass::NotInterested, "exited"));
    assert_eq!(lead_status(&s).await, "not_interested");
    assert_eq!(enrolment(&s).await.0, "exited");
    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!((r.sent, r.cancelled), (0, 1));
    assert_eq!(follow_up(&s).await, ("cancelled".into(), Some("the lead replied".into())));
    assert_eq!(count(&pool, "select count(*) from drafts where client_id = $1 and kind = 'reply'", s.ws).await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_out_of_office_reply_pauses_the_cadence_until_the_return_date_then_it_resumes_where_it_stopped(pool: PgPool) {
    let s = scene(&pool).await;
    let (_, class, action) = record(&s, reply(&s, "o1", "I am out of the office until 14 December 2026 with limited access to email.")).await;
    assert_eq!((class, action.as_str()), (ReplyClass::OutOfOffice, "paused"));
    let back = Utc.with_ymd_and_hms(2026, 12, 14, 8, 0, 0).unwrap();
    assert_eq!(enrolment(&s).await, ("active".into(), Some(back)));
    assert_eq!(lead_status(&s).await, "contacted", "an absence is not an answer");
    // The follow-up keeps its distance from the reply: it moved with the pause.
    let not_before: DateTime<Utc> = sqlx::query_scalar("select not_before from outbox where client_id = $1 and state = 'pending'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert!(not_before > back, "{not_before}");

    // Even a row due during the pause is held by the just-in-time check.
    sqlx::query("update outbox set not_before = $2 where client_id = $1 and state = 'pending'").bind(s.ws.0).bind(tuesday()).execute(&pool).await.unwrap();
    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!((r.sent, r.postponed), (0, 1), "{r:?}");
    let (state, why) = follow_up(&s).await;
    assert_eq!(state, "pending");
    assert!(why.unwrap().contains("out of office"));

    // The daily sweep after the return date resumes it, and the follow-up goes.
    assert_eq!(decay::resume_paused(&s.engine, back + Duration::hours(1)).await.unwrap(), 1);
    assert_eq!(enrolment(&s).await, ("active".into(), None));
    let friday = tuesday() + Duration::days(17);
    let r = dispatcher(&s.engine, s.rec.clone(), "w3").round(friday).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
    let k = kinds(&s).await;
    assert!(k.contains(&"paused".into()) && k.contains(&"resumed".into()), "{k:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_auto_reply_is_recorded_and_changes_nothing_else(pool: PgPool) {
    let s = scene(&pool).await;
    let mut r = reply(&s, "a1", "Thank you for your email. This is an automated response: we have received your message and will reply shortly.");
    r.raw_headers = vec![("Auto-Submitted".into(), "auto-replied".into())];
    let (_, class, action) = record(&s, r).await;
    assert_eq!((class, action.as_str()), (ReplyClass::AutoReply, "none"));
    assert_eq!(lead_status(&s).await, "contacted");
    assert_eq!(enrolment(&s).await.0, "active");
    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!(r.sent, 1, "{r:?}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_reply_recorded_twice_is_stored_and_acted_on_once(pool: PgPool) {
    let s = scene(&pool).await;
    record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    assert_eq!(replies::record(&s.engine, s.ws, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await.unwrap(), RecordOutcome::Duplicate);
    assert_eq!(count(&pool, "select count(*) from replies where client_id = $1", s.ws).await, 1);
    assert_eq!(count(&pool, "select count(*) from activities where client_id = $1 and kind = 'replied'", s.ws).await, 1);
    assert_eq!(count(&pool, "select count(*) from drafts where client_id = $1 and kind = 'reply'", s.ws).await, 1);
    // Mail from nobody we wrote to is not ours to record.
    let mut stranger = reply(&s, "x1", "Our newsletter");
    stranger.from = "news@somewhere.example".into();
    stranger.in_reply_to = None;
    stranger.references = vec![];
    assert_eq!(replies::record(&s.engine, s.ws, stranger).await.unwrap(), RecordOutcome::Unmatched);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_copy_of_our_own_answer_threaded_under_the_lead_is_not_a_reply_from_the_lead(pool: PgPool) {
    let s = scene(&pool).await;
    let mut ours = reply(&s, "own1", "Thanks Ann, Tuesday 10am works.");
    ours.from = "Sam Carter <SAM@northwind.com.au>".into();
    assert_eq!(replies::record(&s.engine, s.ws, ours).await.unwrap(), RecordOutcome::Unmatched);
    assert_eq!(count(&pool, "select count(*) from replies where client_id = $1", s.ws).await, 0);
    assert_eq!(count(&pool, "select count(*) from activities where client_id = $1 and kind = 'replied'", s.ws).await, 0);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_reply_matched_by_its_sender_alone_still_reaches_the_lead(pool: PgPool) {
    let s = scene(&pool).await;
    let mut r = reply(&s, "s1", "Not interested, thanks.");
    r.in_reply_to = None;
    r.references = vec![];
    r.from = "LEAD0@client0.com.au".into();
    record(&s, r).await;
    assert_eq!(lead_status(&s).await, "not_interested");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_person_reclassifies_a_reply_the_action_follows_and_the_correction_is_kept(pool: PgPool) {
    let s = scene(&pool).await;
    let (id, _, _) = record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    replies::reclassify(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), id, ReplyClass::NotInterested, false).await.unwrap();
    assert_eq!(lead_status(&s).await, "not_interested");
    let (intent, source): (String, String) = sqlx::query_as("select intent, intent_source from replies where client_id = $1").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!((intent.as_str(), source.as_str()), ("not_interested", "user"));
    let detail: serde_json::Value = sqlx::query_scalar("select detail from activities where client_id = $1 and kind = 'note'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!((detail["from"].as_str(), detail["to"].as_str()), (Some("interested"), Some("not_interested")));
    // Another workspace's member cannot.
    let (stranger, _) = owner_workspace(&s.engine, "Other").await;
    assert!(async { replies::reclassify(&s.engine, &engine::auth::Access::resolve(&s.engine, stranger, s.ws).await?, id, ReplyClass::Interested, false).await }.await.is_err());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn statuses_walk_through_the_status_machine_each_change_an_activity_on_the_timeline(pool: PgPool) {
    let engine = engine(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let lead = leads(&pool, ws, 1).await[0];
    mailbox(&pool, ws, "sam@northwind.com.au", 100).await;
    let campaign = active_campaign(&engine, u, ws).await;
    let status = || async { sqlx::query_scalar::<_, String>("select status from leads where id = $1").bind(lead).fetch_one(&pool).await.unwrap() };
    drafts::draft_campaign(&engine, ws, campaign, tuesday()).await.unwrap();
    assert_eq!(status().await, "queued");
    let b = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(campaign), 100).await.unwrap();
    drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), b.id).await.unwrap();
    assert_eq!(status().await, "in_sequence");
    sqlx::query("update outbox set not_before = $2 where client_id = $1").bind(ws.0).bind(tuesday()).execute(&pool).await.unwrap();
    go_live(&pool, ws).await;
    dispatcher(&engine, Arc::new(Recorder::default()), "w1").round(tuesday()).await.unwrap();
    assert_eq!(status().await, "contacted");

    let t = activities::timeline(&mut *engine::db::tenant(&pool, ws).await.unwrap(), ws, LeadId(lead), None, 50).await.unwrap();
    let moves: Vec<(String, String)> = t
        .iter()
        .rev()
        .filter(|a| a.kind == "status_changed")
        .map(|a| (a.detail["from"].as_str().unwrap().to_string(), a.detail["to"].as_str().unwrap().to_string()))
        .collect();
    // The test's clock (drafting, sending) and the real one (approval) interleave on the
    // timeline, so the chain is compared as a set.
    let mut moves = moves;
    moves.sort();
    let mut want = [("scored", "queued"), ("queued", "approved"), ("approved", "in_sequence"), ("in_sequence", "contacted")].map(|(a, b)| (a.to_string(), b.to_string()));
    want.sort();
    assert_eq!(moves, want);
    assert!(t.windows(2).all(|w| (w[0].occurred_at, w[0].id) > (w[1].occurred_at, w[1].id)), "newest first");
    let sent = t.iter().find(|a| a.kind == "sent").unwrap();
    assert_eq!(sent.detail["to"], "lead0@client0.com.au");
    assert!(sent.detail["body"].as_str().unwrap().contains("Ann0") && sent.detail["message_id"].as_str().unwrap().starts_with('<'));
    assert!(t.iter().any(|a| a.kind == "approved" && a.actor_name.is_some()));
    // Keyset paging: the second page continues where the first ended, without overlap.
    let p1 = activities::timeline(&mut *engine::db::tenant(&pool, ws).await.unwrap(), ws, LeadId(lead), None, 3).await.unwrap();
    let last = p1.last().unwrap();
    let p2 = activities::timeline(&mut *engine::db::tenant(&pool, ws).await.unwrap(), ws, LeadId(lead), Some((last.occurred_at, last.id)), 50).await.unwrap();
    assert_eq!(p1.len() + p2.len(), t.len());
    assert!(p2.iter().all(|a| !p1.iter().any(|b| b.id == a.id)));
    // The workspace feed has them too, and no other workspace sees them.
    assert_eq!(activities::feed(&mut *engine::db::tenant(&pool, ws).await.unwrap(), ws, None, 200).await.unwrap().len(), t.len());
    let (_, other) = owner_workspace(&engine, "Other").await;
    assert!(activities::timeline(&mut *engine::db::tenant(&pool, other).await.unwrap(), other, LeadId(lead), None, 50).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_booked_meeting_converts_the_lead_once_stops_its_campaign_and_credits_the_last_touch(pool: PgPool) {
    let s = scene(&pool).await;
    let starts = tuesday() + Duration::days(8);
    assert!(meetings::book(&s.engine, s.ws, LeadId(s.lead), "calcom", Some("bk_1".into()), Some(starts), None).await.unwrap());
    assert!(!meetings::book(&s.engine, s.ws, LeadId(s.lead), "calcom", Some("bk_1".into()), Some(starts), None).await.unwrap());
    assert_eq!(lead_status(&s).await, "converted");
    assert_eq!(enrolment(&s).await.0, "exited");
    let detail: serde_json::Value = sqlx::query_scalar("select detail from activities where client_id = $1 and kind = 'meeting_booked'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    let credited = detail["credited"].as_array().unwrap();
    assert_eq!(credited.len(), 1);
    assert_eq!(credited[0]["channel"], "email");
    assert_eq!(count(&pool, "select count(*) from meetings where client_id = $1", s.ws).await, 1);
    let r = dispatcher(&s.engine, s.rec.clone(), "w2").round(monday_after()).await.unwrap();
    assert_eq!((r.sent, r.cancelled), (0, 1));
    // Another workspace cannot book on this lead.
    let (_, other) = owner_workspace(&s.engine, "Other").await;
    assert!(meetings::book(&s.engine, other, LeadId(s.lead), "manual", None, None, None).await.is_err());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn decay_detection_moves_silent_leads_by_the_clock_it_is_given_once(pool: PgPool) {
    let s = scene(&pool).await;
    let sent_at: DateTime<Utc> = sqlx::query_scalar("select sent_at from outbox where client_id = $1 and state = 'sent'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    let r = decay::run_workspace(&s.engine, s.ws, sent_at + Duration::hours(71)).await.unwrap();
    assert_eq!(r.ghosted, 0);
    let r = decay::run_workspace(&s.engine, s.ws, sent_at + Duration::hours(73)).await.unwrap();
    assert_eq!(r.ghosted, 1);
    assert_eq!(lead_status(&s).await, "ghosted");
    assert_eq!(decay::run_workspace(&s.engine, s.ws, sent_at + Duration::hours(74)).await.unwrap(), decay::DecayReport::default());
    // Forty days on, the ghost is a revival candidate.
    let r = decay::run_workspace(&s.engine, s.ws, sent_at + Duration::days(40)).await.unwrap();
    assert_eq!(r.revival_candidates, 1);
    assert_eq!(lead_status(&s).await, "revival_candidate");
    let whys: Vec<String> = sqlx::query_scalar("select detail->>'to' from activities where client_id = $1 and kind = 'status_changed' order by occurred_at desc limit 2").bind(s.ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(whys, ["revival_candidate", "ghosted"]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn dashboard_counts_come_from_the_database_and_change_with_it(pool: PgPool) {
    let s = scene(&pool).await;
    let now = Utc::now();
    let before = dashboard::counts_at(&mut *engine::db::tenant(&pool, s.ws).await.unwrap(), s.ws, now).await.unwrap();
    assert_eq!((before.replies_attention, before.meetings_this_week, before.leads), (0, 0, 1));
    record(&s, reply(&s, "r1", "Yes, this sounds interesting. Tell me more.")).await;
    meetings::book(&s.engine, s.ws, LeadId(s.lead), "manual", None, None, Some(s.u)).await.unwrap();
    let after = dashboard::counts_at(&mut *engine::db::tenant(&pool, s.ws).await.unwrap(), s.ws, now + Duration::seconds(1)).await.unwrap();
    assert_eq!(after.replies_attention, 1);
    assert_eq!(after.replies_unread, 1);
    assert_eq!(after.meetings_this_week, 1);
    assert_eq!(after.hot_leads, 1);
    assert_eq!(after.drafts_waiting, before.drafts_waiting + 1, "the suggested answer waits");
    // A week on, this week's reply and meeting are last week's.
    let later = dashboard::counts_at(&mut *engine::db::tenant(&pool, s.ws).await.unwrap(), s.ws, now + Duration::days(7) + Duration::seconds(1)).await.unwrap();
    assert_eq!((later.replies_7d, later.replies_prev_7d), (0, after.replies_7d));
    assert_eq!((later.meetings_this_week, later.meetings_last_week), (0, 1));
    assert_eq!(later.sent_prev_7d, after.sent_7d);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_reply_sent_to_the_mailbox_is_read_over_imap_threaded_recorded_once_and_the_follow_up_is_refused(pool: PgPool) {
    let (engine, sink, imap) = setup(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let m = sink_mailbox(&engine, ws, sender, &sink, imap).await;
    let sent = sent_through_sink(&engine, ws, u, 2).await;
    let campaign: Uuid = sqlx::query_scalar("select id from campaigns where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    drafts::draft_campaign(&engine, ws, CampaignId(campaign), tuesday()).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from outbox where client_id = $1 and state = 'pending'", ws).await, 2);

    let (to, message_id, lead) = &sent[0];
    let raw = format!(
        "From: Ann <{to}>\r\nTo: {sender}\r\nSubject: Re: Quick question\r\nMessage-ID: <reply-1@client.example>\r\nIn-Reply-To: {message_id}\r\nReferences: {message_id}\r\nDate: Wed, 2 Dec 2026 09:00:00 +1100\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Sure, let's set up a call next week. Does Thursday at 2pm work?</p><blockquote>Book a call. Unsubscribe.</blockquote>\r\n"
    );
    deliver(&sink, sender, raw.as_bytes()).await;
    deliver(&sink, sender, b"From: news@shop.example\r\nTo: sam@northwind.com.au\r\nSubject: Sale\r\nMessage-ID: <n1@shop.example>\r\n\r\nBig sale today.\r\n").await;
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.replies, r.bounces, r.error.clone()), (1, 0, None), "{r:?}");
    let (rlead, intent, outbox_id, body): (Option<Uuid>, String, Option<Uuid>, String) =
        sqlx::query_as("select lead_id, intent, outbox_id, body_text from replies where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(rlead, Some(*lead));
    assert_eq!(intent, "meeting_request");
    assert!(outbox_id.is_some());
    assert!(body.contains("Thursday"));

    // Read again from the start: nothing recorded twice.
    sqlx::query("update mailbox_polls set last_uid = 0 where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!(r.replies, 0, "{r:?}");
    assert_eq!(count(&pool, "select count(*) from replies where client_id = $1", ws).await, 1);

    // The lead's follow-up is refused; the other lead's goes.
    let key = engine.settings.unsubscribe_key.clone();
    let base = engine.settings.public_url.clone();
    let d = engine::dispatch::Dispatcher {
        engine: engine.clone(),
        transport: Arc::new(engine::email::transport::SmtpTransport::new(engine.settings.secrets.clone(), engine.settings.net.clone())),
        unsubscribe: Arc::new(move |ws, c, to| engine::email::unsubscribe::link(&base, &engine::email::unsubscribe::issue(&key, ws, to, Some(c.0)).unwrap())),
        settings: engine::dispatch::DispatchSettings::default(),
        worker: "w2".into(),
    };
    let r = d.round(weekday_morning_after(9)).await.unwrap();
    assert_eq!((r.sent, r.cancelled), (1, 1), "{r:?}");
    let why: Option<String> = sqlx::query_scalar("select last_error from outbox where client_id = $1 and lead_id = $2 and state = 'cancelled'").bind(ws.0).bind(lead).fetch_one(&pool).await.unwrap();
    assert_eq!(why.as_deref(), Some("the lead replied"));
}

/// The reply intake against a real Dovecot (issue 11: TLS from the first byte and STARTTLS):
/// threaded to its lead, classified, recorded once when read twice, left unread, and the lead's
/// follow-up refused.
async fn a_reply_at_dovecot_is_threaded_recorded_once_and_stops_the_follow_up(pool: PgPool, security: &str) {
    let Some(dovecot) = crate::dovecot::Dovecot::start().await else { return };
    let (engine, sink, sink_imap) = setup(&pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let sender = "sam@northwind.com.au";
    let m = sink_mailbox(&engine, ws, sender, &sink, sink_imap).await;
    let sent = sent_through_sink(&engine, ws, u, 2).await;
    let campaign: Uuid = sqlx::query_scalar("select id from campaigns where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    drafts::draft_campaign(&engine, ws, CampaignId(campaign), tuesday()).await.unwrap();
    dovecot.add_user(sender, crate::bounces::PASSWORD);
    let port = if security == "tls" { dovecot.tls_port() } else { dovecot.starttls_port() };
    sqlx::query("update mailboxes set imap_host = $3, imap_port = $4, imap_security = $5 where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(m.0)
        .bind(dovecot.host())
        .bind(i32::from(port))
        .bind(security)
        .execute(&pool)
        .await
        .unwrap();
    let (to, message_id, lead) = &sent[1];
    let raw = format!(
        "From: Kim <{to}>\r\nTo: {sender}\r\nSubject: Re: Quick question\r\nMessage-ID: <kim-1@client.example>\r\nIn-Reply-To: {message_id}\r\nReferences: {message_id}\r\n\r\nNot interested, thanks.\r\n\r\n> Book a call\r\n"
    );
    dovecot.deliver(sender, raw.as_bytes()).await;
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.replies, r.error.as_deref()), (1, None), "{r:?}\n{}", dovecot.log());
    sqlx::query("update mailbox_polls set last_uid = 0 where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let r = bounces::poll_mailbox(&engine, ws, m).await.unwrap();
    assert_eq!((r.messages, r.replies), (1, 0), "{r:?}");
    let (rlead, intent): (Option<Uuid>, String) = sqlx::query_as("select lead_id, intent from replies where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!((rlead, intent.as_str()), (Some(*lead), "not_interested"));
    assert!(dovecot.flags(sender).iter().all(|(_, f)| !f.contains("\\Seen")), "nothing marked read");
    let d = dispatcher(&engine, Arc::new(Recorder::default()), "w2");
    go_live(&pool, ws).await;
    d.round(weekday_morning_after(9)).await.unwrap();
    let why: Option<String> = sqlx::query_scalar("select last_error from outbox where client_id = $1 and lead_id = $2 and state = 'cancelled'").bind(ws.0).bind(lead).fetch_one(&pool).await.unwrap();
    assert_eq!(why.as_deref(), Some("the lead replied"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_reply_at_dovecot_over_implicit_tls_is_recorded_once_and_stops_the_follow_up(pool: PgPool) {
    a_reply_at_dovecot_is_threaded_recorded_once_and_stops_the_follow_up(pool, "tls").await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_reply_at_dovecot_over_starttls_is_recorded_once_and_stops_the_follow_up(pool: PgPool) {
    a_reply_at_dovecot_is_threaded_recorded_once_and_stops_the_follow_up(pool, "starttls").await;
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_demo_workspace_shows_a_campaign_under_way_replies_of_every_class_and_a_booked_meeting(pool: PgPool) {
    // `agency-os demo` runs after `migrate`, which makes the job tables (the onboarding's
    // confirmation queues a re-score).
    engine::jobs::setup(&pool).await.unwrap();
    let engine = engine(&pool).await;
    let demo = engine::flows::demo::seed(&engine).await.unwrap();
    let ws = demo.workspace;
    // A completed onboarding: read from the agency's site, edited, consented, confirmed, and
    // the leads scored against what it confirmed.
    let (url, consent, confirmed): (String, bool, bool) =
        sqlx::query_as("select url, consent, confirmed_at is not null from onboarding_runs where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!((url.as_str(), consent, confirmed), ("https://northwind-growth.example/", true, true));
    let run: serde_json::Value = sqlx::query_scalar("select result from onboarding_runs where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(run["summary"]["company_name"], "Northwind Growth");
    let clients = run["summary"]["clients"].to_string();
    assert!(clients.contains("Ironbark Logistics") && clients.contains("\"source_url\":\"https://northwind-growth.example/"), "{clients}");
    assert!(!run.to_string().contains("127.0.0.1"), "the loopback address it was read from is never shown");
    let locations: Vec<String> = sqlx::query_scalar("select locations from workspace_icp where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(locations.contains(&"New Zealand".to_string()), "the edit is in the confirmed profile: {locations:?}");
    assert!(count(&pool, "select count(*) from leads where client_id = $1 and reasons::text like '%industry_in_icp%'", ws).await > 0, "leads scored on the confirmed industries");
    let intents: Vec<String> = sqlx::query_scalar("select distinct intent from replies where client_id = $1 order by intent").bind(ws.0).fetch_all(&pool).await.unwrap();
    assert_eq!(intents, ["auto_reply", "interested", "meeting_request", "not_interested", "out_of_office", "question", "unsubscribe"]);
    // this week's meeting, and those of the earlier campaigns, each lead converted
    assert_eq!(count(&pool, "select count(*) from meetings where client_id = $1 and created_at > now() - interval '7 days'", ws).await, 1);
    let meetings = count(&pool, "select count(*) from meetings where client_id = $1", ws).await;
    assert!(meetings >= 5, "{meetings} meetings");
    assert_eq!(count(&pool, "select count(*) from leads where client_id = $1 and status = 'converted'", ws).await, meetings);
    assert!(count(&pool, "select count(*) from drafts where client_id = $1 and status = 'pending'", ws).await > 0);
    assert!(count(&pool, "select count(*) from leads where client_id = $1 and status = 'contacted'", ws).await > 0);
    // The earlier campaigns' quiet leads are revival candidates, for the Leads page's revival panel.
    assert!(count(&pool, "select count(*) from leads where client_id = $1 and status = 'revival_candidate'", ws).await >= 10);
    let shadow: bool = sqlx::query_scalar("select shadow_mode from workspaces where id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert!(shadow, "the demo never sends for real");
    let c = dashboard::counts(&mut *engine::db::tenant(&pool, ws).await.unwrap(), ws).await.unwrap();
    assert!(c.replies_attention >= 2 && c.meetings_this_week == 1, "{c:?}");
    // Timing facts reach the demo's scores: "why this score" shows the timing rules.
    for code in ["new_role", "hiring", "recently_funded", "intent_signals"] {
        let n = count(&pool, &format!("select count(*) from leads where client_id = $1 and reasons::text like '%\"{code}%'"), ws).await;
        assert!(n > 0, "no demo lead shows {code}");
    }
    // Ninety days of history: every chart and table of Reports has data over the last 90 days.
    let today = chrono::Utc::now().date_naive();
    let r = engine::store::reports::report(&pool, ws, domain::reports::DateRange::last_days(today, 90), Default::default()).await.unwrap();
    let days_with_sends = r.by_day.iter().filter(|d| d.sent > 0).count();
    assert!(days_with_sends >= 40, "sends on {days_with_sends} days");
    assert!(r.by_day.iter().filter(|d| d.replies > 0).count() >= 10 && r.by_day.iter().any(|d| d.auto_replies > 0) && r.by_day.iter().filter(|d| d.meetings > 0).count() >= 4);
    assert!(r.totals.sent >= 300 && r.totals.bounced > 0 && r.totals.replied >= 20 && r.totals.positive >= 8 && r.totals.unsubscribed > 0 && r.totals.meetings >= 5, "{:?}", r.totals);
    assert!(r.by_campaign.len() >= 3 && r.by_step.len() >= 3 && r.by_angle.len() >= 3 && r.by_mailbox.len() == 2, "{:?}", r.by_campaign);
    assert!(r.variants.len() >= 3, "{} A/B pairs", r.variants.len());
    let providers: Vec<&str> = r.costs.by_provider.iter().map(|p| p.provider.as_str()).collect();
    assert!(providers.contains(&"anthropic") && providers.len() >= 3, "{providers:?}");
    assert!(r.funnel.iter().all(|s| s.leads > 0), "{:?}", r.funnel);
    // the last 7 days hold this week's campaign only: the history ended before
    let week = engine::store::reports::report(&pool, ws, domain::reports::DateRange::last_days(today, 7), Default::default()).await.unwrap();
    assert_eq!(week.by_campaign.len(), 1);
    // Seeding again changes nothing.
    let replies = count(&pool, "select count(*) from replies where client_id = $1", ws).await;
    engine::flows::demo::seed(&engine).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from replies where client_id = $1", ws).await, replies);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_model_refines_a_reply_the_rules_are_unsure_of_and_is_never_asked_about_an_opt_out(pool: PgPool) {
    use crate::model_drafting::{anthropic_answer, anthropic_workspace, mount_anthropic};
    let server = wiremock::MockServer::start().await;
    mount_anthropic(&server, anthropic_answer(r#"{"intent": "interested", "confidence": 0.8}"#), 1).await;
    let (engine, _u, ws) = anthropic_workspace(&pool, &server).await;
    leads(&pool, ws, 2).await;
    let incoming = |id: &str, from: &str, text: &str| IncomingReply {
        source: "imap".into(),
        mailbox: None,
        message_id: format!("<{id}@client.example>"),
        in_reply_to: None,
        references: vec![],
        from: from.into(),
        subject: "Re: a quick question".into(),
        text: text.into(),
        received_at: tuesday(),
        raw_headers: vec![],
    };
    let out = replies::record(&engine, ws, incoming("m1", "lead0@client0.com.au", "Ok")).await.unwrap();
    assert!(matches!(out, RecordOutcome::Recorded { class: ReplyClass::Interested, .. }), "{out:?}");
    let (source, reason): (String, String) = sqlx::query_as("select intent_source, intent_reason from replies where client_id = $1").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(source, "model");
    assert!(reason.contains("rules said"), "{reason}");
    // An opt-out is the rules' to decide: no call (the mock expects exactly one).
    let out = replies::record(&engine, ws, incoming("m2", "lead1@client1.com.au", "Please remove me from your mailing list.")).await.unwrap();
    assert!(matches!(out, RecordOutcome::Recorded { class: ReplyClass::Unsubscribe, .. }), "{out:?}");
}

/// Reply notifications: a positive reply is owed in its own transaction, announced once to the
/// workspace's Slack webhook (the lead's words escaped) and by email to owners and admins through
/// the installation's mailbox; a retry after a passing Slack failure sends only what is missing;
/// a negative reply is not announced; another workspace's webhook never hears of it.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_positive_reply_is_announced_once_on_slack_and_by_email_and_a_retry_sends_only_what_is_missing(pool: PgPool) {
    use engine::flows::notify::{self, Failure, NotifyMail};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let sink = engine::email::sink::SmtpSink::start("127.0.0.1:0".parse().unwrap(), Default::default()).await.unwrap();
    let mut s = scene(&pool).await;
    s.engine.settings.notify_mail = Some(NotifyMail::parse(&format!("smtp+plain://127.0.0.1:{}", sink.addr().port()), "Agency OS <notices@agency.example>").unwrap());
    let slack = MockServer::start().await;
    // Slack is down for the first call, then takes the message.
    Mock::given(method("POST")).and(path("/services/T0/B0/acme")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).expect(1).mount(&slack).await;
    Mock::given(method("POST")).and(path("/services/T0/B0/acme")).respond_with(ResponseTemplate::new(200).set_body_string("ok")).expect(1).mount(&slack).await;
    let settings = notify::set_slack(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), &format!("{}/services/T0/B0/acme", slack.uri())).await.unwrap();
    assert_eq!(settings.slack_last4.as_deref(), Some("acme"));
    assert!(settings.email_owners && settings.email_available);
    // Another workspace with its own webhook hears nothing of Acme's reply.
    let (beta_owner, beta) = owner_workspace(&s.engine, "Beta").await;
    let other = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&other).await;
    notify::set_slack(&s.engine, &engine::auth::Access::resolve(&s.engine, beta_owner, beta).await.unwrap(), &format!("{}/services/T1/B1/beta", other.uri())).await.unwrap();

    let (id, class, _) = record(&s, reply(&s, "r-notify", "Sounds good <!channel> — can we talk Tuesday at 2pm?")).await;
    assert!(class.is_positive(), "{class:?}");
    let owed = engine::store::notifications::owed(&pool, s.ws, id).await.unwrap().expect("owed in the reply's transaction");
    assert_eq!((owed.slack.as_str(), owed.email.as_str(), owed.done_at), ("pending", "pending", None));

    // First try: Slack fails for now, the email goes out; the job is to be retried.
    let first = notify::deliver(&s.engine, s.ws, id).await;
    assert!(matches!(first, Err(Failure::Retry(_))), "{first:?}");
    let owed = engine::store::notifications::owed(&pool, s.ws, id).await.unwrap().unwrap();
    assert_eq!((owed.slack.as_str(), owed.email.as_str(), owed.attempts), ("pending", "sent", 1));
    assert!(owed.last_error.unwrap().contains("503"));
    assert_eq!(sink.count(), 1);
    // Quoted-printable soft line breaks joined, as a mail reader shows it.
    let mail = String::from_utf8_lossy(&sink.messages()[0].raw).replace("=\r\n", "");
    assert!(mail.contains("Subject: Ann0 Nguyen"), "{mail}");
    assert!(mail.contains(&format!("/w/{}/leads/{}", s.ws, s.lead)), "the email links to the conversation: {mail}");
    assert_eq!(sink.messages()[0].rcpt_to.len(), 1, "the one owner");

    // The retry posts to Slack once and does not send the email again.
    let second = notify::deliver(&s.engine, s.ws, id).await.unwrap();
    assert_eq!((second.slack.as_str(), second.email.as_str()), ("sent", "sent"));
    assert_eq!(sink.count(), 1);
    let owed = engine::store::notifications::owed(&pool, s.ws, id).await.unwrap().unwrap();
    assert!(owed.done_at.is_some());
    let posted = slack.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&posted.last().unwrap().body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert!(text.contains("wants a meeting") || text.contains("is interested"), "{text}");
    assert!(text.contains("&lt;!channel&gt;") && !text.contains("<!channel>"), "the lead's words are escaped: {text}");
    // Nothing is re-queued once done.
    assert_eq!(notify::requeue_overdue(&s.engine, Utc::now() + Duration::hours(1)).await.unwrap(), 0);

    // A not-interested reply owes nothing.
    let (no, class, _) = record(&s, reply(&s, "r-no", "Not interested, thanks. Please don't contact me again about this.")).await;
    assert!(!class.is_positive(), "{class:?}");
    assert!(engine::store::notifications::owed(&pool, s.ws, no).await.unwrap().is_none());
    slack.verify().await;
    other.verify().await;
}

/// A stop between the reply's commit and queuing its job loses nothing: the sweep queues it, and
/// a revoked webhook is given up rather than retried forever.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_owed_announcement_whose_job_was_never_queued_is_swept_and_a_revoked_webhook_is_given_up(pool: PgPool) {
    use engine::flows::notify;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    engine::jobs::setup(&pool).await.unwrap();
    let s = scene(&pool).await;
    let slack = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST")).respond_with(ResponseTemplate::new(404).set_body_string("no_service")).expect(1).mount(&slack).await;
    notify::set_slack(&s.engine, &engine::auth::Access::resolve(&s.engine, s.u, s.ws).await.unwrap(), &format!("{}/services/T0/B0/gone", slack.uri())).await.unwrap();
    let (id, _, _) = record(&s, reply(&s, "r-swept", "Yes, interested — send me more details please.")).await;
    // As if the process had stopped before queuing: nothing queued yet is "overdue" only later.
    assert_eq!(notify::requeue_overdue(&s.engine, Utc::now() - Duration::minutes(15)).await.unwrap(), 0);
    assert_eq!(notify::requeue_overdue(&s.engine, Utc::now() + Duration::minutes(1)).await.unwrap(), 1);
    let queued: i64 = sqlx::query_scalar("select count(*) from apalis.jobs where job_type = 'agency_os::NotifyReply'").fetch_one(&pool).await.unwrap();
    assert_eq!(queued, 2, "the one queued after the commit and the sweep's");
    // The webhook was revoked: Slack is given up (email is not configured here: skipped).
    let done = notify::deliver(&s.engine, s.ws, id).await.unwrap();
    assert_eq!((done.slack.as_str(), done.email.as_str()), ("failed", "skipped"));
    let owed = engine::store::notifications::owed(&pool, s.ws, id).await.unwrap().unwrap();
    assert!(owed.done_at.is_some());
    assert!(!owed.last_error.unwrap().contains("no_service"), "Slack's own answer is never passed on");
    // A second delivery (the swept job) sends nothing more.
    notify::deliver(&s.engine, s.ws, id).await.unwrap();
    slack.verify().await;
}

/// A terse reply that only the text model has a guess for, and an unsure one, does not move the
/// lead on that guess: it is recorded as unclassified and waits for a person.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn an_unsure_guess_of_the_text_model_is_left_for_a_person(pool: PgPool) {
    let s = scene(&pool).await;
    let text = "Ok";
    let c = replies::classify_rules("Re: a quick question", text, &[], tuesday().date_naive());
    assert!(c.reason.rule == "model.text" && c.confidence < 0.5, "precondition: only an unsure model guess for {text:?}: {c:?}");
    let (id, class, _) = record(&s, reply(&s, "r-ok", text)).await;
    assert_eq!(class, ReplyClass::Unclassified);
    let (reason,): (String,) = sqlx::query_as("select intent_reason from replies where client_id = $1 and id = $2").bind(s.ws.0).bind(id).fetch_one(&pool).await.unwrap();
    assert!(reason.starts_with("unsure: the text model's best guess was"), "{reason}");
    assert_eq!(lead_status(&s).await, "replied", "not moved to not_interested on a guess");
}
