//! Reports against a seeded workspace whose every count is known by construction (see `seed`),
//! with a second workspace whose data must never be counted.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use domain::ids::{CampaignId, MailboxId, WorkspaceId};
use domain::reports::{
    BreakdownRow, DateRange, DayRow, FunnelStage, KpiKey, KpiStatus, KpiTargets, ReportCounts,
    ReportFilters, Verdict,
};
use domain::score::Channel;
use engine::store::reports::{self, Dimension};
use sqlx::PgPool;
use uuid::Uuid;

fn t(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .unwrap()
        .and_utc()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn november() -> DateRange {
    DateRange::parse("2026-11-01", "2026-11-30").unwrap()
}

struct Seeder<'a> {
    pool: &'a PgPool,
    ws: Uuid,
}

impl Seeder<'_> {
    async fn workspace(pool: &PgPool, name: &str) -> Uuid {
        let user: Uuid = sqlx::query_scalar(
            "insert into users (email, name, password_hash) values ($1, $1, 'x') returning id",
        )
        .bind(format!("{name}@example.com"))
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query_scalar("insert into workspaces (name, created_by, credits_remaining) values ($1, $2, 1000) returning id")
            .bind(name)
            .bind(user)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    async fn campaign(&self, name: &str) -> Uuid {
        sqlx::query_scalar("insert into campaigns (client_id, name, cadence, sending_window) values ($1, $2, '[]', '{}') returning id")
            .bind(self.ws)
            .bind(name)
            .fetch_one(self.pool)
            .await
            .unwrap()
    }

    async fn mailbox(&self, address: &str, kind: &str) -> Uuid {
        let (host, port, pc) = if kind == "smtp" {
            (Some("smtp.example.com"), Some(587), None)
        } else {
            (None, None, Some("prepared"))
        };
        sqlx::query_scalar("insert into mailboxes (client_id, address, kind, smtp_host, smtp_port, provider_campaign) values ($1, $2, $3, $4, $5, $6) returning id")
            .bind(self.ws)
            .bind(address)
            .bind(kind)
            .bind(host)
            .bind(port)
            .bind(pc)
            .fetch_one(self.pool)
            .await
            .unwrap()
    }

    /// A lead with a score (`als`) and tier, created at `created`, enrolled in `campaign`.
    async fn lead(
        &self,
        email: &str,
        created: &str,
        als: Option<(i16, &str)>,
        campaign: Uuid,
        enrolled: &str,
    ) -> Uuid {
        let id: Uuid = sqlx::query_scalar("insert into leads (client_id, email, source, created_at, als, tier) values ($1, $2, 'manual', $3, $4, $5) returning id")
            .bind(self.ws)
            .bind(email)
            .bind(t(created))
            .bind(als.map(|a| a.0))
            .bind(als.map(|a| a.1))
            .fetch_one(self.pool)
            .await
            .unwrap();
        sqlx::query("insert into campaign_leads (client_id, campaign_id, lead_id, enrolled_at) values ($1, $2, $3, $4)")
            .bind(self.ws)
            .bind(campaign)
            .bind(id)
            .bind(t(enrolled))
            .execute(self.pool)
            .await
            .unwrap();
        id
    }

    /// A message to `lead`: sequence step `step`, subject variant, mailbox, state and time.
    #[allow(clippy::too_many_arguments)]
    async fn message(
        &self,
        campaign: Uuid,
        lead: Uuid,
        step: i16,
        variant: &str,
        mailbox: Uuid,
        state: &str,
        kind: &str,
        at: &str,
    ) -> Uuid {
        let draft: Uuid = sqlx::query_scalar(
            "insert into drafts (client_id, campaign_id, lead_id, step, channel, due_at, status, template, angle, body, content_hash, kind)
             values ($1, $2, $3, $4, 'email', $5, 'sent', 't', case when $4 = 0 then 'pain_point' else 'social_proof' end, 'b', 'h', $6) returning id",
        )
        .bind(self.ws)
        .bind(campaign)
        .bind(lead)
        .bind(step)
        .bind(t(at))
        .bind(kind)
        .fetch_one(self.pool)
        .await
        .unwrap();
        sqlx::query_scalar(
            "insert into outbox (client_id, campaign_id, lead_id, step, channel, draft_id, mailbox_id, state, to_address, subject,
                                 variant, body, content_hash, message_id, sent_at, kind)
             values ($1, $2, $3, $4, 'email', $5, $6, $7, 'x@example.com', 's', $8, 'b', 'h', gen_random_uuid()::text,
                     case when $7 in ('sent', 'shadow') then $9 end, $10) returning id",
        )
        .bind(self.ws)
        .bind(campaign)
        .bind(lead)
        .bind(step)
        .bind(draft)
        .bind(mailbox)
        .bind(state)
        .bind(variant)
        .bind(t(at))
        .bind(kind)
        .fetch_one(self.pool)
        .await
        .unwrap()
    }

    async fn bounce(&self, outbox: Uuid, at: &str) {
        sqlx::query("update outbox set bounced_at = $3 where client_id = $1 and id = $2")
            .bind(self.ws)
            .bind(outbox)
            .bind(t(at))
            .execute(self.pool)
            .await
            .unwrap();
    }

    async fn activity(&self, lead: Uuid, outbox: Option<Uuid>, kind: &str, at: &str) {
        sqlx::query("insert into activities (client_id, lead_id, outbox_id, kind, summary, occurred_at) values ($1, $2, $3, $4, 'x', $5)")
            .bind(self.ws)
            .bind(lead)
            .bind(outbox)
            .bind(kind)
            .bind(t(at))
            .execute(self.pool)
            .await
            .unwrap();
    }

    async fn reply(&self, lead: Uuid, intent: &str, at: &str) {
        sqlx::query("insert into replies (client_id, lead_id, source, message_id, from_address, received_at, intent) values ($1, $2, 'imap', gen_random_uuid()::text, 'x@example.com', $3, $4)")
            .bind(self.ws)
            .bind(lead)
            .bind(t(at))
            .bind(intent)
            .execute(self.pool)
            .await
            .unwrap();
    }

    async fn meeting(&self, lead: Uuid, at: &str) {
        sqlx::query("insert into meetings (client_id, lead_id, source, created_at) values ($1, $2, 'manual', $3)")
            .bind(self.ws)
            .bind(lead)
            .bind(t(at))
            .execute(self.pool)
            .await
            .unwrap();
    }

    async fn cost(&self, provider: &str, aud: &str, campaign: Option<Uuid>, at: &str) {
        sqlx::query("insert into cost_ledger (client_id, provider, operation, units, cost_aud, campaign_id, created_at) values ($1, $2, 'op', 1, $3::numeric, $4, $5)")
            .bind(self.ws)
            .bind(provider)
            .bind(aud)
            .bind(campaign)
            .bind(t(at))
            .execute(self.pool)
            .await
            .unwrap();
    }

    async fn enriched(&self, lead: Uuid, outcome: &str, at: &str) {
        sqlx::query("insert into enrichment_log (client_id, lead_id, outcome, credits, created_at) values ($1, $2, $3, $4, $5)")
            .bind(self.ws)
            .bind(lead)
            .bind(outcome)
            .bind(if outcome == "enriched" { 1i16 } else { 0 })
            .bind(t(at))
            .execute(self.pool)
            .await
            .unwrap();
    }
}

struct Seeded {
    ws: WorkspaceId,
    alpha: Uuid,
    beta: Uuid,
    smtp: Uuid,
    instantly: Uuid,
    other_campaign: Uuid,
}

/// The seeded workspace. Every figure the tests assert follows from these lines:
///
/// | lead | created | tier | messages (campaign, step, variant, mailbox, sent) | afterwards |
/// |---|---|---|---|---|
/// | L1 | 11-01 | hot | Alpha s0 a smtp 11-02 10:00; Alpha s1 a smtp 11-05 | interested reply 11-06; our answer 11-07; meeting 11-08 10:00 |
/// | L2 | 11-01 | warm | Alpha s0 b smtp 11-02 10:00, bounced | |
/// | L3 | 11-01 | cool | Alpha s0 b instantly 11-03 | opened; auto reply 11-03 12:00; not-interested reply 11-04 |
/// | L4 | 11-01 | hot | Beta s0 a instantly 11-03 | opened and clicked; unsubscribed 11-04 |
/// | L5 | 11-01 | cold | Beta s0 a instantly 11-10; Beta s1 12-05 (after the range) | |
/// | L6 | 11-01 | — | Beta s0 held in shadow mode; Beta s1 pending | |
/// | L7 | 10-20 | — | Alpha s0 a smtp 10-25 (before the range) | reply 11-02 |
/// | L8 | 11-01 | — | none (enrolled in Alpha) | |
/// | L9 | 10-01 | warm | Beta s0 a smtp 11-12 00:00 | meeting-request reply 11-13; meeting 11-20 00:00 |
async fn seed(pool: &PgPool) -> Seeded {
    let ws = Seeder::workspace(pool, "agency").await;
    let s = Seeder { pool, ws };
    let alpha = s.campaign("Alpha").await;
    let beta = s.campaign("Beta").await;
    let smtp = s.mailbox("sales@agency.example", "smtp").await;
    let instantly = s.mailbox("warm@agency.example", "instantly").await;

    let l1 = s
        .lead(
            "l1@example.com",
            "2026-11-01 00:00",
            Some((85, "hot")),
            alpha,
            "2026-11-01 00:00",
        )
        .await;
    let l2 = s
        .lead(
            "l2@example.com",
            "2026-11-01 00:00",
            Some((65, "warm")),
            alpha,
            "2026-11-01 00:00",
        )
        .await;
    let l3 = s
        .lead(
            "l3@example.com",
            "2026-11-01 00:00",
            Some((45, "cool")),
            alpha,
            "2026-11-01 00:00",
        )
        .await;
    let l4 = s
        .lead(
            "l4@example.com",
            "2026-11-01 00:00",
            Some((90, "hot")),
            beta,
            "2026-11-01 00:00",
        )
        .await;
    let l5 = s
        .lead(
            "l5@example.com",
            "2026-11-01 00:00",
            Some((30, "cold")),
            beta,
            "2026-11-01 00:00",
        )
        .await;
    let l6 = s
        .lead(
            "l6@example.com",
            "2026-11-01 00:00",
            None,
            beta,
            "2026-11-01 00:00",
        )
        .await;
    let l7 = s
        .lead(
            "l7@example.com",
            "2026-10-20 00:00",
            None,
            alpha,
            "2026-10-20 00:00",
        )
        .await;
    s.lead(
        "l8@example.com",
        "2026-11-01 00:00",
        None,
        alpha,
        "2026-11-01 00:00",
    )
    .await;
    let l9 = s
        .lead(
            "l9@example.com",
            "2026-10-01 00:00",
            Some((70, "warm")),
            beta,
            "2026-11-01 00:00",
        )
        .await;

    s.message(
        alpha,
        l1,
        0,
        "a",
        smtp,
        "sent",
        "sequence",
        "2026-11-02 10:00",
    )
    .await;
    s.message(
        alpha,
        l1,
        1,
        "a",
        smtp,
        "sent",
        "sequence",
        "2026-11-05 09:00",
    )
    .await;
    s.reply(l1, "interested", "2026-11-06 09:00").await;
    s.message(
        alpha,
        l1,
        100,
        "a",
        smtp,
        "sent",
        "reply",
        "2026-11-07 09:00",
    )
    .await;
    s.meeting(l1, "2026-11-08 10:00").await;

    let m2 = s
        .message(
            alpha,
            l2,
            0,
            "b",
            smtp,
            "sent",
            "sequence",
            "2026-11-02 10:00",
        )
        .await;
    s.bounce(m2, "2026-11-02 10:05").await;

    let m3 = s
        .message(
            alpha,
            l3,
            0,
            "b",
            instantly,
            "sent",
            "sequence",
            "2026-11-03 08:00",
        )
        .await;
    s.activity(l3, Some(m3), "opened", "2026-11-03 09:00").await;
    s.reply(l3, "auto_reply", "2026-11-03 12:00").await;
    s.reply(l3, "not_interested", "2026-11-04 12:00").await;

    let m4 = s
        .message(
            beta,
            l4,
            0,
            "a",
            instantly,
            "sent",
            "sequence",
            "2026-11-03 08:00",
        )
        .await;
    s.activity(l4, Some(m4), "opened", "2026-11-03 09:00").await;
    s.activity(l4, Some(m4), "clicked", "2026-11-03 09:01")
        .await;
    s.activity(l4, None, "unsubscribed", "2026-11-04 10:00")
        .await;

    s.message(
        beta,
        l5,
        0,
        "a",
        instantly,
        "sent",
        "sequence",
        "2026-11-10 08:00",
    )
    .await;
    s.message(
        beta,
        l5,
        1,
        "a",
        instantly,
        "sent",
        "sequence",
        "2026-12-05 08:00",
    )
    .await;

    s.message(
        beta,
        l6,
        0,
        "a",
        smtp,
        "shadow",
        "sequence",
        "2026-11-10 08:00",
    )
    .await;
    s.message(
        beta,
        l6,
        1,
        "a",
        smtp,
        "pending",
        "sequence",
        "2026-11-12 08:00",
    )
    .await;

    s.message(
        alpha,
        l7,
        0,
        "a",
        smtp,
        "sent",
        "sequence",
        "2026-10-25 08:00",
    )
    .await;
    s.reply(l7, "interested", "2026-11-02 08:00").await;

    s.message(
        beta,
        l9,
        0,
        "a",
        smtp,
        "sent",
        "sequence",
        "2026-11-12 00:00",
    )
    .await;
    s.reply(l9, "meeting_request", "2026-11-13 08:00").await;
    s.meeting(l9, "2026-11-20 00:00").await;

    s.cost("apollo", "0.0500", None, "2026-11-01 01:00").await;
    s.cost("apollo", "0.0700", None, "2026-11-01 02:00").await;
    s.cost("hunter", "0.0230", None, "2026-11-01 03:00").await;
    s.cost("anthropic", "0.1234", Some(alpha), "2026-11-02 03:00")
        .await;
    s.cost("instantly", "0.0010", Some(beta), "2026-11-03 03:00")
        .await;
    s.cost("apollo", "9.0000", None, "2026-10-15 03:00").await;
    s.enriched(l1, "enriched", "2026-11-01 01:00").await;
    s.enriched(l2, "enriched", "2026-11-01 02:00").await;
    s.enriched(l3, "skipped", "2026-11-01 03:00").await;

    // Another workspace, busy in the same days: none of this may show in the first one.
    let other = Seeder::workspace(pool, "other").await;
    let o = Seeder { pool, ws: other };
    let oc = o.campaign("Theirs").await;
    let om = o.mailbox("them@other.example", "instantly").await;
    for i in 0..3 {
        let lead = o
            .lead(
                &format!("o{i}@example.com"),
                "2026-11-01 00:00",
                Some((95, "hot")),
                oc,
                "2026-11-01 00:00",
            )
            .await;
        let m = o
            .message(
                oc,
                lead,
                0,
                if i == 0 { "a" } else { "b" },
                om,
                "sent",
                "sequence",
                "2026-11-02 10:00",
            )
            .await;
        o.activity(lead, Some(m), "opened", "2026-11-02 11:00")
            .await;
        o.reply(lead, "interested", "2026-11-02 12:00").await;
        o.meeting(lead, "2026-11-03 10:00").await;
        o.enriched(lead, "enriched", "2026-11-01 01:00").await;
    }
    o.cost("apollo", "5.0000", Some(oc), "2026-11-02 03:00")
        .await;

    Seeded {
        ws: WorkspaceId(ws),
        alpha,
        beta,
        smtp,
        instantly,
        other_campaign: oc,
    }
}

fn counts(
    sent: i64,
    bounced: i64,
    tracked: i64,
    opened: i64,
    contacted: i64,
    replied: i64,
    positive: i64,
    auto: i64,
    unsub: i64,
    meetings: i64,
    days: f64,
    touches: i64,
    scored: i64,
    icp: i64,
) -> ReportCounts {
    ReportCounts {
        sent,
        bounced,
        tracked,
        opened,
        contacted,
        replied,
        positive,
        auto_replied: auto,
        unsubscribed: unsub,
        meetings,
        meeting_days: days,
        meeting_touches: touches,
        scored,
        icp_matched: icp,
    }
}

fn rows(b: &[BreakdownRow]) -> Vec<(String, ReportCounts)> {
    b.iter().map(|r| (r.label.clone(), r.counts)).collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_kpi_of_the_seeded_workspace_is_exact(pool: PgPool) {
    let s = seed(&pool).await;
    let report = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap();
    // L1×2, L2, L3, L4, L5, L9: seven messages to six leads; L7's reply answers an October
    // message and L5's December message is outside the range; the shadow, pending and
    // answer-to-a-reply messages are not outreach.
    assert_eq!(
        report.totals,
        counts(7, 1, 3, 2, 6, 3, 2, 1, 1, 2, 14.0, 3, 6, 4)
    );

    let kpi = |k: KpiKey| report.kpis.iter().find(|x| x.key == k).unwrap().clone();
    let check = |k: KpiKey, num: f64, den: i64, value: Option<f64>, status: KpiStatus| {
        let x = kpi(k);
        assert_eq!(
            (x.numerator, x.denominator, x.value, x.status),
            (num, den, value, status),
            "{k:?}"
        );
    };
    check(KpiKey::Delivered, 6.0, 7, Some(6.0), KpiStatus::NoTarget);
    check(KpiKey::OpenRate, 2.0, 3, Some(2.0 / 3.0), KpiStatus::Green);
    check(KpiKey::ReplyRate, 3.0, 6, Some(0.5), KpiStatus::Green);
    check(
        KpiKey::PositiveReplyRate,
        2.0,
        6,
        Some(2.0 / 6.0),
        KpiStatus::NoTarget,
    );
    check(KpiKey::BounceRate, 1.0, 7, Some(1.0 / 7.0), KpiStatus::Red);
    check(
        KpiKey::UnsubscribeRate,
        1.0,
        6,
        Some(1.0 / 6.0),
        KpiStatus::NoTarget,
    );
    check(KpiKey::Meetings, 2.0, 6, Some(2.0), KpiStatus::NoTarget);
    check(
        KpiKey::BookingRate,
        2.0,
        6,
        Some(2.0 / 6.0),
        KpiStatus::Green,
    );
    // L1: 11-02 10:00 → 11-08 10:00 = 6 days after 2 messages; L9: 8 days after 1
    check(
        KpiKey::DaysToMeeting,
        14.0,
        2,
        Some(7.0),
        KpiStatus::NoTarget,
    );
    check(
        KpiKey::TouchesToMeeting,
        3.0,
        2,
        Some(1.5),
        KpiStatus::NoTarget,
    );
    // hot or warm: L1, L2, L4, L9 of six scored; 66.7 % is within a fifth of 80 %
    check(
        KpiKey::IcpMatchRate,
        4.0,
        6,
        Some(4.0 / 6.0),
        KpiStatus::Amber,
    );
    assert!(kpi(KpiKey::OpenRate)
        .note
        .unwrap()
        .contains("3 of 6 delivered"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_funnel_counts_each_lead_once_in_every_stage_it_reached(pool: PgPool) {
    let s = seed(&pool).await;
    let r = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap();
    // entered: L1–L6, L8 (L7 and L9 were added in October); messaged: L1–L5 (L6 only in shadow);
    // engaged: L1 (replied, booked), L3 (opened, replied), L4 (opened); booked: L1
    let f: Vec<(FunnelStage, i64, Option<f64>)> = r
        .funnel
        .iter()
        .map(|s| (s.stage, s.leads, s.conversion))
        .collect();
    assert_eq!(
        f,
        vec![
            (FunnelStage::Pipeline, 7, None),
            (FunnelStage::Outreach, 5, Some(5.0 / 7.0)),
            (FunnelStage::Engaged, 3, Some(0.6)),
            (FunnelStage::Meeting, 1, Some(1.0 / 3.0))
        ]
    );
    // With a campaign, the pipeline is who was enrolled in it in the range: L4, L5, L6, L9.
    let beta = ReportFilters {
        campaign: Some(CampaignId(s.beta)),
        ..Default::default()
    };
    let r = reports::report(&pool, s.ws, november(), beta)
        .await
        .unwrap();
    assert_eq!(
        r.funnel.iter().map(|s| s.leads).collect::<Vec<_>>(),
        vec![4, 3, 2, 1]
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn breakdowns_split_the_totals_exactly(pool: PgPool) {
    let s = seed(&pool).await;
    let r = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap();
    assert_eq!(
        rows(&r.by_campaign),
        vec![
            (
                "Alpha".into(),
                counts(4, 1, 1, 1, 3, 2, 1, 1, 0, 1, 6.0, 2, 3, 2)
            ),
            (
                "Beta".into(),
                counts(3, 0, 2, 1, 3, 1, 1, 0, 1, 1, 8.0, 1, 3, 2)
            ),
        ]
    );
    // The seed's first steps argue a pain point and the later ones social proof: the angles
    // split the totals as the steps do.
    let by_angle = rows(&r.by_angle);
    let by_step = rows(&r.by_step);
    assert_eq!(by_angle.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(), ["pain point", "social proof"]);
    assert_eq!(by_angle[0].1, by_step[0].1, "angle pain point = step 1");
    assert_eq!(by_angle[1].1, by_step[1].1, "angle social proof = step 2");
    // L1's reply and meeting follow its second message (step 2); L3's and L9's their first.
    assert_eq!(
        rows(&r.by_step),
        vec![
            (
                "Step 1".into(),
                counts(6, 1, 3, 2, 6, 2, 1, 1, 1, 1, 8.0, 1, 6, 4)
            ),
            (
                "Step 2".into(),
                counts(1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 6.0, 2, 1, 1)
            )
        ]
    );
    assert_eq!(
        rows(&r.by_mailbox),
        vec![
            (
                "sales@agency.example".into(),
                counts(4, 1, 0, 0, 3, 2, 2, 0, 0, 2, 14.0, 3, 3, 3)
            ),
            (
                "warm@agency.example".into(),
                counts(3, 0, 3, 2, 3, 1, 0, 1, 1, 0, 0.0, 0, 3, 1)
            ),
        ]
    );
    assert_eq!(rows(&r.by_channel), vec![("email".into(), r.totals)]);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_variant_split_pairs_a_and_b_of_the_same_step(pool: PgPool) {
    let s = seed(&pool).await;
    let r = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap();
    // Only Alpha's first step went out with both subjects (L1 got A; L2 and L3 got B).
    assert_eq!(r.variants.len(), 1, "{:?}", r.variants);
    let v = &r.variants[0];
    assert_eq!(
        (v.campaign_id, v.campaign.as_str(), v.step),
        (CampaignId(s.alpha), "Alpha", 0)
    );
    assert_eq!(v.a, counts(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0.0, 0, 1, 1));
    assert_eq!(v.b, counts(2, 1, 1, 1, 2, 1, 0, 1, 0, 0, 0.0, 0, 2, 1));
    assert_eq!((v.comparison.a, v.comparison.b), ((0, 1), (1, 2)));
    assert_eq!(v.comparison.verdict, Verdict::NotEnoughData);
    assert!(v.comparison.note.starts_with("Not enough data yet"));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn days_show_sends_and_replies_when_they_happened_with_automatic_replies_apart(pool: PgPool) {
    let s = seed(&pool).await;
    let r = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap();
    assert_eq!(r.by_day.len(), 30);
    let busy: Vec<DayRow> = r
        .by_day
        .iter()
        .copied()
        .filter(|d| d.sent + d.replies + d.auto_replies + d.meetings > 0)
        .collect();
    let d = |s: &str, sent, bounced, replies, auto_replies, meetings| DayRow {
        day: day(s),
        sent,
        bounced,
        replies,
        auto_replies,
        meetings,
    };
    assert_eq!(
        busy,
        vec![
            // L7's reply counts on the day it came, though its message was sent in October
            d("2026-11-02", 2, 1, 1, 0, 0),
            d("2026-11-03", 2, 0, 0, 1, 0),
            d("2026-11-04", 0, 0, 1, 0, 0),
            d("2026-11-05", 1, 0, 0, 0, 0),
            d("2026-11-06", 0, 0, 1, 0, 0),
            d("2026-11-08", 0, 0, 0, 0, 1),
            d("2026-11-10", 1, 0, 0, 0, 0),
            d("2026-11-12", 1, 0, 0, 0, 0),
            d("2026-11-13", 0, 0, 1, 0, 0),
            d("2026-11-20", 0, 0, 0, 0, 1),
        ]
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn costs_by_provider_and_kind_and_per_outcome(pool: PgPool) {
    let s = seed(&pool).await;
    let c = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap()
        .costs;
    use domain::reports::CostKind::*;
    // October's A$9 apollo row and the other workspace's A$5 are not counted.
    assert_eq!(c.total, 2_674);
    assert_eq!(
        c.by_provider
            .iter()
            .map(|p| (p.provider.as_str(), p.kind, p.calls, p.cost))
            .collect::<Vec<_>>(),
        vec![
            ("anthropic", Ai, 1, 1_234),
            ("apollo", Enrichment, 2, 1_200),
            ("hunter", Enrichment, 1, 230),
            ("instantly", Sending, 1, 10)
        ]
    );
    assert_eq!(
        c.by_kind,
        vec![(Enrichment, 1_430), (Ai, 1_234), (Sending, 10), (Other, 0)]
    );
    // 1430 / 2 enriched, 2674 / 3 replied leads, 2674 / 2 leads with meetings
    assert_eq!(
        (
            c.enriched_leads,
            c.per_enriched_lead,
            c.per_reply,
            c.per_meeting
        ),
        (2, Some(715), Some(891), Some(1_337))
    );
    assert_eq!(c.credits_remaining, 1000);
    // The ledger knows campaigns only: Alpha's spend is its AI call.
    let alpha = ReportFilters {
        campaign: Some(CampaignId(s.alpha)),
        ..Default::default()
    };
    assert_eq!(
        reports::report(&pool, s.ws, november(), alpha)
            .await
            .unwrap()
            .costs
            .total,
        1_234
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn filters_and_a_narrower_range_narrow_every_count(pool: PgPool) {
    let s = seed(&pool).await;
    // The page refreshes the report facts itself; the parts read here need it done first.
    reports::refresh(&pool, s.ws).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let all = reports::breakdown(
        &mut conn,
        s.ws,
        &november(),
        &ReportFilters::default(),
        Dimension::Campaign,
    )
    .await
    .unwrap();
    let beta = ReportFilters {
        campaign: Some(CampaignId(s.beta)),
        ..Default::default()
    };
    assert_eq!(
        reports::totals(&mut conn, s.ws, &november(), &beta)
            .await
            .unwrap(),
        all[1].counts
    );
    let instantly = ReportFilters {
        mailbox: Some(MailboxId(s.instantly)),
        ..Default::default()
    };
    assert_eq!(
        reports::totals(&mut conn, s.ws, &november(), &instantly)
            .await
            .unwrap(),
        counts(3, 0, 3, 2, 3, 1, 0, 1, 1, 0, 0.0, 0, 3, 1)
    );
    let smtp_alpha = ReportFilters {
        campaign: Some(CampaignId(s.alpha)),
        mailbox: Some(MailboxId(s.smtp)),
        ..Default::default()
    };
    assert_eq!(
        reports::totals(&mut conn, s.ws, &november(), &smtp_alpha)
            .await
            .unwrap(),
        counts(3, 1, 0, 0, 2, 1, 1, 0, 0, 1, 6.0, 2, 2, 2)
    );
    let linkedin = ReportFilters {
        channel: Some(Channel::LinkedIn),
        ..Default::default()
    };
    assert_eq!(
        reports::totals(&mut conn, s.ws, &november(), &linkedin)
            .await
            .unwrap(),
        ReportCounts::default()
    );
    // 1–4 November: L1's first message, L2, L3, L4; L1's reply followed its 5 November message.
    let early = DateRange::parse("2026-11-01", "2026-11-04").unwrap();
    assert_eq!(
        reports::totals(&mut conn, s.ws, &early, &ReportFilters::default())
            .await
            .unwrap(),
        counts(4, 1, 2, 2, 4, 1, 0, 1, 1, 0, 0.0, 0, 4, 3)
    );
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn another_workspace_is_never_counted_even_when_named_in_a_filter(pool: PgPool) {
    let s = seed(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let theirs = ReportFilters {
        campaign: Some(CampaignId(s.other_campaign)),
        ..Default::default()
    };
    let r = reports::report(&pool, s.ws, november(), theirs)
        .await
        .unwrap();
    assert_eq!(r.totals, ReportCounts::default());
    assert_eq!(
        r.funnel.iter().map(|s| s.leads).collect::<Vec<_>>(),
        vec![0, 0, 0, 0]
    );
    assert_eq!(r.costs.total, 0);
    assert!(r.variants.is_empty() && r.by_campaign.is_empty());
    assert!(r
        .by_day
        .iter()
        .all(|d| d.sent + d.replies + d.meetings == 0));
    // and the other workspace sees only its own three leads
    let other: Uuid = sqlx::query_scalar("select client_id from campaigns where id = $1")
        .bind(s.other_campaign)
        .fetch_one(&pool)
        .await
        .unwrap();
    reports::refresh(&pool, WorkspaceId(other)).await.unwrap();
    let o = reports::totals(
        &mut conn,
        WorkspaceId(other),
        &november(),
        &ReportFilters::default(),
    )
    .await
    .unwrap();
    assert_eq!(o, counts(3, 0, 3, 3, 3, 3, 3, 0, 0, 3, 3.0, 3, 3, 3));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn kpi_targets_are_workspace_settings_with_the_spec_defaults(pool: PgPool) {
    let s = seed(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(
        reports::targets(&mut conn, s.ws).await.unwrap(),
        KpiTargets::default()
    );
    let user: Uuid = sqlx::query_scalar("select created_by from workspaces where id = $1")
        .bind(s.ws.0)
        .fetch_one(&pool)
        .await
        .unwrap();
    let strict = KpiTargets {
        reply_rate: 0.6,
        bounce_rate: 0.2,
        ..KpiTargets::default()
    };
    reports::set_targets(&pool, s.ws, domain::ids::UserId(user), strict)
        .await
        .unwrap();
    assert_eq!(reports::targets(&mut conn, s.ws).await.unwrap(), strict);
    let r = reports::report(&pool, s.ws, november(), ReportFilters::default())
        .await
        .unwrap();
    let status = |k: KpiKey| r.kpis.iter().find(|x| x.key == k).unwrap().status;
    // reply 50 % against 60 %: within a fifth, amber; bounce 14 % under 20 %: green
    assert_eq!(
        (status(KpiKey::ReplyRate), status(KpiKey::BounceRate)),
        (KpiStatus::Amber, KpiStatus::Green)
    );
    let audit: i64 = sqlx::query_scalar("select count(*) from audit_log where client_id = $1 and action = 'reports.targets_changed'").bind(s.ws.0).fetch_one(&pool).await.unwrap();
    assert_eq!(audit, 1);
    let bad = KpiTargets {
        open_rate: 1.5,
        ..KpiTargets::default()
    };
    assert!(
        reports::set_targets(&pool, s.ws, domain::ids::UserId(user), bad)
            .await
            .is_err()
    );
    assert_eq!(reports::targets(&mut conn, s.ws).await.unwrap(), strict);
}

async fn engine(pool: &PgPool) -> engine::Engine {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis = engine::cache::Redis::connect(&url, format!("test-{}:", Uuid::new_v4())).await.expect("redis");
    engine::Engine::new(pool.clone(), redis, engine::Settings::default())
}

/// A viewer of the workspace, resolved as a request would resolve it.
async fn access(pool: &PgPool, ws: WorkspaceId) -> engine::auth::Access {
    let user: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, 'Viewer', 'x') returning id")
        .bind(format!("viewer-{}@example.com", Uuid::new_v4()))
        .fetch_one(pool)
        .await
        .unwrap();
    sqlx::query("insert into memberships (client_id, user_id, role) values ($1, $2, 'viewer')").bind(ws.0).bind(user).execute(pool).await.unwrap();
    let access = engine::auth::Access::resolve(&engine(pool).await, domain::ids::UserId(user), ws).await.unwrap();
    assert_eq!(access.role, domain::account::Role::Viewer);
    access
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_report_table_exports_as_csv_with_a_bom_and_the_page_figures(pool: PgPool) {
    use domain::reports::ReportTable;
    let s = seed(&pool).await;
    let engine = engine(&pool).await;
    let access = access(&pool, s.ws).await;
    let bytes = engine::flows::reports::table_csv(&engine, &access, november(), ReportFilters::default(), ReportTable::Campaigns).await.unwrap();
    assert_eq!(&bytes[..3], b"\xef\xbb\xbf", "UTF-8 byte-order mark");
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..3], ["campaign", "sent", "bounced"]);
    let rows: Vec<Vec<String>> = rdr.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    // Alpha: 4 sent, 1 bounced, 3 delivered, 1 with opens known, 1 opened, 3 leads, 2 replied …, reply rate 66.67 %
    assert_eq!(rows[0][..8], ["Alpha", "4", "1", "3", "1", "1", "3", "2"]);
    assert_eq!(rows[0][12], "66.67");
    assert_eq!(rows[1][0], "Beta");
    assert_eq!(rows.len(), 2);
    let kpis = engine::flows::reports::table_csv(&engine, &access, november(), ReportFilters::default(), ReportTable::Kpis).await.unwrap();
    let text = String::from_utf8(kpis[3..].to_vec()).unwrap();
    assert!(text.contains("Reply rate,50.0 %,3,6,leads with a human reply ÷ leads contacted,≥ 8.0 %,green,"), "{text}");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_lead_list_streams_as_csv_page_by_page_with_its_filters(pool: PgPool) {
    use futures::TryStreamExt;
    let s = seed(&pool).await;
    // 4,500 more leads: the export must walk past its 2,000-lead pages without losing or
    // repeating one, and its filter must hold on every page.
    sqlx::query(
        "insert into leads (client_id, email, first_name, source, status)
         select $1, 'bulk' || i || '@example.com', case when i = 1 then '=cmd()' else 'Zoë' end, 'csv', case when i % 3 = 0 then 'contacted' else 'new' end
         from generate_series(1, 4500) i",
    )
    .bind(s.ws.0)
    .execute(&pool)
    .await
    .unwrap();
    let engine = engine(&pool).await;
    let mine = access(&pool, s.ws).await;
    let all: Vec<Vec<u8>> = engine::flows::reports::leads_csv(&engine, &mine, Default::default()).try_collect().await.unwrap();
    let bytes = all.concat();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4509);
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(ids.len(), 4509, "no lead twice");
    assert!(rows.iter().any(|r| r.get(1) == Some("'=cmd()")), "a formula is defused");
    assert!(rows.iter().any(|r| r.get(1) == Some("Zoë")));
    let contacted = domain::leads::LeadFilter { status: Some(domain::lead_status::LeadStatus::Contacted), ..Default::default() };
    let some: Vec<Vec<u8>> = engine::flows::reports::leads_csv(&engine, &mine, contacted).try_collect().await.unwrap();
    let bytes = some.concat();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&bytes[3..]).records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1500);
    assert!(rows.iter().all(|r| r.get(9) == Some("contacted")));
    // another workspace's export holds only its own three leads
    let other: Uuid = sqlx::query_scalar("select client_id from campaigns where id = $1").bind(s.other_campaign).fetch_one(&pool).await.unwrap();
    let theirs: Vec<Vec<u8>> = engine::flows::reports::leads_csv(&engine, &access(&pool, WorkspaceId(other)).await, Default::default()).try_collect().await.unwrap();
    assert_eq!(csv::Reader::from_reader(&theirs.concat()[3..]).records().count(), 3);
}

mod digests;
mod rollup;
