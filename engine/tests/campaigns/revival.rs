//! Revival enrolment (issue 11 §7): revival candidates join a campaign "with new copy". Drafting
//! writes to them with an angle they were not sent, and the enrolment skips — and counts, by
//! reason — leads that are suppressed, without an address, still in another cadence, or were
//! in this campaign before. Members and above; audited.

use crate::support::*;
use domain::campaign::CampaignStatus;
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::lead_status::{LeadStatus, Signal};
use domain::leads::LeadFilter;
use engine::flows::{campaigns, drafts, signals};
use engine::Engine;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

/// Five leads who got the first email of campaign Q1 on [`tuesday`].
async fn contacted(pool: &PgPool) -> (Engine, UserId, WorkspaceId, Vec<Uuid>, CampaignId) {
    let engine = engine(pool).await;
    let (u, ws) = owner_workspace(&engine, "Acme").await;
    let ids = leads(pool, ws, 5).await;
    mailbox(pool, ws, "sam@northwind.com.au", 100).await;
    let q1 = active_campaign(&engine, u, ws).await;
    sqlx::query("update campaign_leads set enrolled_at = $2 where client_id = $1").bind(ws.0).bind(tuesday()).execute(pool).await.unwrap();
    drafts::draft_campaign(&engine, ws, q1, tuesday()).await.unwrap();
    let b = drafts::freeze_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), Some(q1), 100).await.unwrap();
    drafts::execute_batch(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), b.id).await.unwrap();
    go_live(pool, ws).await;
    let r = dispatcher(&engine, Arc::new(Recorder::default()), "w1").round(tuesday()).await.unwrap();
    assert_eq!(r.sent, 5, "{r:?}");
    (engine, u, ws, ids, q1)
}

/// The template and angle of the lead's first email in the campaign.
async fn first_copy(pool: &PgPool, ws: WorkspaceId, campaign: CampaignId, lead: Uuid) -> Option<(String, String)> {
    sqlx::query_as("select template, angle from drafts where client_id = $1 and campaign_id = $2 and lead_id = $3 and step = 0 and kind = 'sequence' and status <> 'rejected'")
        .bind(ws.0)
        .bind(campaign.0)
        .bind(lead)
        .fetch_optional(pool)
        .await
        .unwrap()
}

fn revival_filter() -> LeadFilter {
    LeadFilter { status: Some(LeadStatus::RevivalCandidate), ..LeadFilter::default() }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn revival_candidates_join_a_campaign_with_copy_they_were_not_sent_and_the_rest_are_skipped_with_reasons(pool: PgPool) {
    let (engine, u, ws, ids, q1) = contacted(&pool).await;
    // Q1's cadence ended for four of them; the fifth is still in it. All five are flagged as the
    // decay job does, through the status machine.
    sqlx::query("update campaign_leads set state = 'finished', exit_reason = 'cadence finished', exited_at = now() where client_id = $1 and lead_id <> $2")
        .bind(ws.0)
        .bind(ids[4])
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    let moved = signals::apply_many(&mut tx, ws, &ids, None, Signal::RevivalFlagged, "last touched 30–120 days ago", tuesday() + chrono::Duration::days(40)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(moved.len(), 5);
    // One suppressed (by its company's domain), one without an address any more.
    sqlx::query("insert into suppressions (client_id, address, reason, source, kind) values ($1, 'client1.com.au', 'manual', 'user', 'domain')").bind(ws.0).execute(&pool).await.unwrap();
    sqlx::query("update leads set email = null where client_id = $1 and id = $2").bind(ws.0).bind(ids[2]).execute(&pool).await.unwrap();
    // A lead that is not a revival candidate is never taken, whatever else the filter says.
    let other: Uuid = sqlx::query_scalar(
        "insert into leads (client_id, source, email, first_name, company, status, als) values ($1, 'csv', 'zoe@elsewhere.com.au', 'Zoe', 'Elsewhere', 'contacted', 90) returning id",
    )
    .bind(ws.0)
    .fetch_one(&pool)
    .await
    .unwrap();

    let q2 = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings("Revival")).await.unwrap();
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), q1, CampaignStatus::Paused).await.unwrap();
    campaigns::set_status(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), q2, CampaignStatus::Active).await.unwrap();

    // A viewer may not.
    let viewer = member(&engine, ws, "viewer").await;
    assert!(matches!(async { campaigns::enroll_revival(&engine, &engine::auth::Access::resolve(&engine, viewer, ws).await?, q2, &revival_filter()).await }.await, Err(engine::Error::Forbidden | engine::Error::ForbiddenTo(_))));

    let member = member(&engine, ws, "member").await;
    let report = campaigns::enroll_revival(&engine, &engine::auth::Access::resolve(&engine, member, ws).await.unwrap(), q2, &revival_filter()).await.unwrap();
    assert_eq!(report.enrolled, 2, "{report:?}");
    let mut skipped = report.skipped.clone();
    skipped.sort();
    assert_eq!(
        skipped,
        [("still in another campaign".to_string(), 1), ("suppressed".to_string(), 1), ("without an email address".to_string(), 1)]
    );
    assert_eq!(report.summary().split(": ").next(), Some("2 enrolled, 3 skipped"));
    let enrolled: Vec<Uuid> = sqlx::query_scalar("select lead_id from campaign_leads where client_id = $1 and campaign_id = $2 and revival order by lead_id").bind(ws.0).bind(q2.0).fetch_all(&pool).await.unwrap();
    let mut expected = vec![ids[0], ids[3]];
    expected.sort();
    assert_eq!(enrolled, expected);
    assert!(!enrolled.contains(&other));
    let audit: serde_json::Value = sqlx::query_scalar("select after from audit_log where client_id = $1 and action = 'campaign.enroll_revival'").bind(ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audit["enrolled"], 2);

    // Again: nothing twice.
    let again = campaigns::enroll_revival(&engine, &engine::auth::Access::resolve(&engine, member, ws).await.unwrap(), q2, &revival_filter()).await.unwrap();
    assert_eq!(again.enrolled, 0);
    assert!(again.skipped.iter().any(|(r, n)| r == "in this campaign before" && *n == 2), "{again:?}");

    // Drafting writes to them with an angle they were not sent in Q1.
    let d = drafts::draft_campaign(&engine, ws, q2, tuesday() + chrono::Duration::days(41)).await.unwrap();
    assert_eq!((d.drafted, d.no_new_copy), (2, 0), "{d:?}");
    for lead in [ids[0], ids[3]] {
        let (old_t, old_a) = first_copy(&pool, ws, q1, lead).await.unwrap();
        let (new_t, new_a) = first_copy(&pool, ws, q2, lead).await.unwrap();
        assert_ne!(new_t, old_t);
        assert_ne!(new_a, old_a, "a new angle, not the same one in other words");
    }
    let status: String = sqlx::query_scalar("select status from leads where id = $1").bind(ids[0]).fetch_one(&pool).await.unwrap();
    assert!(status.starts_with("revival"), "{status}");

}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_revived_lead_that_was_sent_every_first_email_is_skipped_rather_than_sent_old_copy(pool: PgPool) {
    let (engine, u, ws, ids, q1) = contacted(&pool).await;
    sqlx::query("update campaign_leads set state = 'finished', exit_reason = 'cadence finished', exited_at = now() where client_id = $1").bind(ws.0).execute(&pool).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    signals::apply_many(&mut tx, ws, &ids[..1], None, Signal::RevivalFlagged, "last touched 30–120 days ago", tuesday() + chrono::Duration::days(40)).await.unwrap();
    tx.commit().await.unwrap();
    // Lead 0 was (in earlier campaigns) sent every first-email template there is.
    let (template, _) = first_copy(&pool, ws, q1, ids[0]).await.unwrap();
    for (i, (t, angle)) in [("intro-growth", "growth"), ("intro-pain", "pain"), ("intro-peer", "peer")].into_iter().filter(|(t, _)| *t != template).enumerate() {
        let old = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings(&format!("Old {i}"))).await.unwrap();
        let draft: Uuid = sqlx::query_scalar(
            "insert into drafts (client_id, campaign_id, lead_id, step, channel, due_at, template, angle, subject_a, subject_b, body, content_hash, generator, status, kind)
             values ($1, $2, $3, 0, 'email', now(), $4, $5, 's', 't', 'b', 'h', 'template', 'sent', 'sequence') returning id",
        )
        .bind(ws.0)
        .bind(old.0)
        .bind(ids[0])
        .bind(t)
        .bind(angle)
        .fetch_one(&pool)
        .await
        .unwrap();
        sqlx::query(
            "insert into outbox (client_id, campaign_id, lead_id, draft_id, step, channel, kind, state, to_address, subject, body, content_hash, message_id, sent_at)
             select client_id, campaign_id, lead_id, id, 0, 'email', 'sequence', 'sent', 'lead0@client0.com.au', 's', 'b', 'h', '<m' || id || '@x>', now() from drafts where id = $1",
        )
        .bind(draft)
        .execute(&pool)
        .await
        .unwrap();
    }
    let q2 = campaigns::create(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), settings("Revival")).await.unwrap();
    let report = campaigns::enroll_revival(&engine, &engine::auth::Access::resolve(&engine, u, ws).await.unwrap(), q2, &revival_filter()).await.unwrap();
    assert_eq!(report.enrolled, 0, "{report:?}");
    assert_eq!(report.skipped, [("already sent every first email of this campaign".to_string(), 1)]);
}
