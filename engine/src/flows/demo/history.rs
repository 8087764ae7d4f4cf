//! Ninety days of earlier campaigns in the demo workspace, so every chart and table of Reports
//! and the weekly review has something true to show: leads imported and scored by the real
//! pipeline, two finished campaigns of three steps (two mailboxes, A/B subjects, an angle per
//! step), a few bounces, replies of every class recorded and classified by the real reply flow
//! (which ends the follow-ups, unsubscribes and suppresses), meetings booked through the real
//! booking flow, and the enrichment and drafting spend on the days it happened. Nothing is sent:
//! the messages are written as the dispatcher records a send.

use crate::flows::replies::{IncomingReply, RecordOutcome};
use crate::{Engine, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::LeadId;
use uuid::Uuid;

const FIRST: [&str; 24] = [
    "Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Jack", "Isla", "William", "Mia", "Oliver", "Ava", "Thomas", "Grace", "Lucas", "Chloe",
    "Henry", "Zoe", "Ethan", "Ruby", "Samuel", "Priya", "Daniel", "Mei", "Aarav",
];
const LAST: [&str; 20] = [
    "Nguyen", "Smith", "Patel", "Kelly", "Walker", "Chen", "O'Brien", "Taylor", "Singh", "Martin", "Rossi", "Brown", "Wilson", "Murphy", "Tran",
    "Campbell", "Anderson", "Papadopoulos", "Lee", "Harris",
];
const TITLES: [&str; 6] = ["Managing Director", "Founder", "Principal", "Owner", "CEO", "Director"];
const CITIES: [(&str, &str); 6] = [("Sydney", "NSW"), ("Melbourne", "VIC"), ("Brisbane", "QLD"), ("Perth", "WA"), ("Adelaide", "SA"), ("Parramatta", "NSW")];
/// (company, domain, industry, employees)
const COMPANIES: [(&str, &str, &str, u32); 40] = [
    ("Kestrel Accounting", "kestrelaccounting.com.au", "Accounting", 18),
    ("Bluegum Legal", "bluegumlegal.com.au", "Legal Services", 24),
    ("Ironbark Building Co", "ironbarkbuilding.com.au", "Construction", 45),
    ("Saltwater Physio", "saltwaterphysio.com.au", "Health Care", 12),
    ("Wattle Financial Planning", "wattlefp.com.au", "Financial Services", 9),
    ("Harbourside Architects", "harboursidearchitects.com.au", "Architecture", 16),
    ("Coastline Electrical", "coastlineelectrical.com.au", "Construction", 30),
    ("Redgum Veterinary", "redgumvet.com.au", "Veterinary", 21),
    ("Southern Cross Logistics", "sxlogistics.com.au", "Logistics", 85),
    ("Banksia Dental", "banksiadental.com.au", "Dental", 14),
    ("Summit Recruitment", "summitrecruit.com.au", "Staffing and Recruiting", 27),
    ("Magpie Marketing", "magpiemarketing.com.au", "Marketing Services", 11),
    ("Riverbend Plumbing", "riverbendplumbing.com.au", "Construction", 19),
    ("Acacia Property Group", "acaciaproperty.com.au", "Real Estate", 33),
    ("Lighthouse IT Services", "lighthouseit.com.au", "IT Services", 40),
    ("Eucalypt Engineering", "eucalypteng.com.au", "Engineering", 58),
    ("Pelican Freight", "pelicanfreight.com.au", "Logistics", 64),
    ("Jarrah Joinery", "jarrahjoinery.com.au", "Manufacturing", 22),
    ("Brightwater Childcare", "brightwaterchildcare.com.au", "Education", 38),
    ("Cockatoo Creative", "cockatoocreative.com.au", "Design", 8),
    ("Tasman Insurance Brokers", "tasmanbrokers.com.au", "Insurance", 26),
    ("Mallee Agribusiness", "malleeagri.com.au", "Agriculture", 44),
    ("Opal Skin Clinic", "opalskin.com.au", "Health Care", 10),
    ("Kookaburra Cleaning", "kookaburracleaning.com.au", "Facilities Services", 70),
    ("Northshore Conveyancing", "northshoreconvey.com.au", "Legal Services", 7),
    ("Boab Mining Services", "boabmining.com.au", "Mining", 120),
    ("Sandstone Wealth", "sandstonewealth.com.au", "Financial Services", 15),
    ("Bottlebrush Events", "bottlebrushevents.com.au", "Events Services", 13),
    ("Waratah Medical Centre", "waratahmedical.com.au", "Health Care", 29),
    ("Dingo Fleet Services", "dingofleet.com.au", "Automotive", 36),
    ("Mangrove Marine", "mangrovemarine.com.au", "Marine", 17),
    ("Quokka Software", "quokkasoftware.com.au", "Software", 23),
    ("Silver Wattle Aged Care", "silverwattlecare.com.au", "Health Care", 95),
    ("Kurrajong Landscapes", "kurrajonglandscapes.com.au", "Landscaping", 20),
    ("Gidgee Solar", "gidgeesolar.com.au", "Renewables", 31),
    ("Currawong Capital", "currawongcapital.com.au", "Financial Services", 12),
    ("Lyrebird Studios", "lyrebirdstudios.com.au", "Media Production", 9),
    ("Tidewater Hospitality", "tidewaterhospitality.com.au", "Hospitality", 110),
    ("Blackbutt Timber", "blackbutttimber.com.au", "Wholesale", 48),
    ("Emu Plains Automotive", "emuplainsauto.com.au", "Automotive", 16),
];

/// History leads: four people at each company.
pub const LEADS: usize = 160;

/// The history's leads as a CSV in the demo file's columns, one person per row.
pub fn csv() -> String {
    let mut out = String::from("First Name,Last Name,Email,Title,Company,Website,LinkedIn URL,Phone,City,State,Country,Industry,# Employees\n");
    for i in 0..LEADS {
        let (company, domain, industry, employees) = COMPANIES[i % COMPANIES.len()];
        let k = i / COMPANIES.len();
        let first = FIRST[(i * 5 + k * 7) % FIRST.len()];
        let last = LAST[(i * 3 + k * 11) % LAST.len()];
        let (city, state) = CITIES[(i + k) % CITIES.len()];
        let local = format!("{}.{}", first.to_lowercase(), last.to_lowercase().replace('\'', ""));
        out.push_str(&format!(
            "{first},\"{last}\",{local}@{domain},{},{company},https://www.{domain},https://www.linkedin.com/in/{}{}-{}{},+61 2 9{:03} {:04},{city},{state},Australia,{industry},{employees}\n",
            TITLES[(i + k * 2) % TITLES.len()],
            first.to_lowercase(),
            last.to_lowercase().replace('\'', ""),
            &domain[..3],
            k,
            (i * 37) % 1000,
            (i * 7919) % 10000,
        ));
    }
    out
}

/// What the history's prospects wrote back, by the class meant (the real classifier decides).
const REPLIES: [(&str, &[&str]); 7] = [
    ("interested", &[
        "Hi Alex, thanks for following up. This is actually on our list for next quarter, send me some more detail?",
        "Sounds interesting. We've been struggling with exactly this. What would it look like for a firm our size?",
        "Yes, keen to hear more. Happy to chat.",
    ]),
    ("meeting_request", &[
        "Hi Alex, happy to have a quick call. Does Tuesday at 10am work?",
        "Let's set up a time to talk next week. I'm free Wednesday or Thursday afternoon.",
    ]),
    ("question", &[
        "What does it cost, and do you work with businesses outside Sydney?",
        "How is this different from the agency we already use?",
    ]),
    ("not_interested", &[
        "Thanks but we're not looking at this right now.",
        "Not for us, we have this covered in-house. Please don't follow up.",
    ]),
    ("unsubscribe", &["Please remove me from your list.", "Unsubscribe"]),
    ("out_of_office", &["I'm on annual leave until Monday 17th with no access to email. For anything urgent please call the office."]),
    ("auto_reply", &["Thanks for your email. This is an automatic confirmation that we have received it; we aim to respond within two business days."]),
];

/// What happens to a lead of the history, from a stable hash of its place: a bounce, a reply of
/// a class after one of its three messages, or silence.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Bounced,
    Reply { class: usize, after_step: u8, variant: usize },
    Silent,
}

fn outcome(i: usize) -> Outcome {
    let h = (i as u64).wrapping_mul(2_654_435_761) % 1000;
    let after_step = (h % 3) as u8;
    let reply = |class: usize| Outcome::Reply { class, after_step, variant: (h / 7) as usize };
    match h {
        0..=24 => Outcome::Bounced,
        25..=69 => reply(0),
        70..=94 => reply(1),
        95..=124 => reply(2),
        125..=174 => reply(3),
        175..=194 => reply(4),
        // automatic answers come after the last message, so the cadence had nothing left to hold
        195..=229 => Outcome::Reply { class: 5, after_step: 2, variant: 0 },
        230..=249 => Outcome::Reply { class: 6, after_step: 2, variant: 0 },
        _ => Outcome::Silent,
    }
}

/// The `n`th weekday back from `today` (Sydney), at `minutes` past 09:00 local, in UTC.
fn weekday_at(today: NaiveDate, days_back: i64, minutes: i64) -> DateTime<Utc> {
    let mut day = today - Duration::days(days_back);
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day.pred_opt().unwrap_or(day);
    }
    let tz = chrono_tz::Australia::Sydney;
    let local = day.and_hms_opt(9, 0, 0).unwrap_or_default() + Duration::minutes(minutes);
    tz.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| Utc.from_utc_datetime(&local))
}

/// The three steps: days after the first message, template, angle and the two subjects.
const STEPS: [(i64, &str, &str, &str, &str); 3] = [
    (0, "first_touch", "pain_point", "Quick question about {company}", "{first}, an idea for {company}"),
    (3, "follow_up", "social_proof", "How a firm like {company} filled its calendar", "Re: Quick question about {company}"),
    (7, "break_up", "roi", "Worth a conversation?", "Should I close your file, {first}?"),
];

const BODY: &str = "Hi {first},\n\nI work with owners of businesses like {company} who want a steady flow of qualified \
enquiries without adding to their own workload.\n\nWould it be worth a 15-minute call to see if it fits?\n\nAlex Morgan\nNorthwind Growth";

/// Writes the history: the leads (already imported and scored: `emails` are theirs) enrolled in
/// two campaigns over the last 90 days, their messages, and what came of them.
pub async fn write(engine: &Engine, ws: WorkspaceId, user: UserId, now: DateTime<Utc>) -> Result<()> {
    let access = crate::auth::Access::resolve(engine, user, ws).await?;
    let mut campaigns = Vec::new();
    for name in ["Q3 Professional services owners", "Q4 Trades and logistics"] {
        let mut settings = domain::campaign::CampaignSettings::new_default(name);
        settings.sender_name = "Alex Morgan".into();
        settings.sender_company = "Northwind Growth".into();
        settings.physical_address = "Level 5, 1 George St, Sydney NSW 2000".into();
        campaigns.push(crate::flows::campaigns::create(engine, &access, settings).await?);
    }
    let emails: Vec<String> = csv().lines().skip(1).filter_map(|l| l.split(',').nth(2)).map(str::to_string).collect();
    let mut tx = engine.tenant(ws).await?;
    let leads: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "select id, lower(email), coalesce(first_name, ''), coalesce(company, '') from leads where client_id = $1 and lower(email) = any($2)",
    )
    .bind(ws.0)
    .bind(&emails)
    .fetch_all(&mut *tx)
    .await?;
    let mut by_email: std::collections::HashMap<String, (Uuid, String, String)> = leads.into_iter().map(|(id, e, f, c)| (e, (id, f, c))).collect();
    let mailboxes: Vec<Uuid> = sqlx::query_scalar(
        "insert into mailboxes (client_id, address, display_name, smtp_host, smtp_port, smtp_security, daily_cap, ramp_start, ramp_step)
         values ($1, 'alex@northwind-growth.example', 'Alex Morgan', 'smtp.northwind-growth.example', 587, 'starttls', 50, 50, 0),
                ($1, 'sam@northwind-growth.example', 'Sam Lee', 'smtp.northwind-growth.example', 587, 'starttls', 50, 50, 0)
         on conflict (client_id, address) do update set display_name = excluded.display_name
         returning id",
    )
    .bind(ws.0)
    .fetch_all(&mut *tx)
    .await?;
    let today = now.with_timezone(&chrono_tz::Australia::Sydney).date_naive();

    let mut replies = Vec::new();
    let mut enrolments = Vec::new();
    let mut m = Messages::default();
    for (i, email) in emails.iter().enumerate() {
        let Some((lead, first, company)) = by_email.remove(email) else { continue };
        // the first half over days 88–47, the second over 46–17 (its last messages ten days ago)
        let half = (i >= LEADS / 2) as usize;
        let place = (i % (LEADS / 2)) as i64;
        let days_back = if half == 0 { 88 - place * 42 / (LEADS as i64 / 2) } else { 46 - place * 30 / (LEADS as i64 / 2) };
        let minutes = ((i * 37) % 420) as i64;
        let first_at = weekday_at(today, days_back, minutes);
        let (campaign, mailbox) = (campaigns[half].0, mailboxes[i % mailboxes.len()]);
        let outcome = outcome(i);
        let last_step = match outcome {
            Outcome::Bounced => 0,
            Outcome::Reply { after_step, .. } => after_step,
            Outcome::Silent => 2,
        };
        let fill = |s: &str| s.replace("{first}", &first).replace("{company}", &company);
        let mut last_message = None;
        for (step, (after, template, angle, subject_a, subject_b)) in STEPS.iter().enumerate().take(usize::from(last_step) + 1) {
            let sent_at = weekday_at(today, days_back - after, minutes);
            let variant = if (i + step) % 2 == 0 { "a" } else { "b" };
            let subject = fill(if variant == "a" { subject_a } else { subject_b });
            let message_id = format!("<history-{i}-{step}@northwind-growth.example>");
            let bounced = (outcome == Outcome::Bounced).then(|| sent_at + Duration::minutes(4));
            m.push(Message { lead, campaign, mailbox, step: step as i16, template, angle, subject_a: fill(subject_a), subject_b: fill(subject_b), variant, subject: subject.clone(), body: fill(BODY), to: email.clone(), message_id: message_id.clone(), sent_at, bounced_at: bounced });
            last_message = Some((message_id, subject, sent_at));
        }
        let (state, exit_reason, status) = match outcome {
            Outcome::Bounced => ("exited", Some("bounced"), "bounced"),
            Outcome::Silent => ("finished", None, "ghosted"),
            Outcome::Reply { .. } => ("active", None, "contacted"),
        };
        enrolments.push(Enrolment { lead, campaign, email: email.clone(), first_at, last_at: last_message.as_ref().map(|x| x.2).unwrap_or(first_at), state, exit_reason, status });
        if let (Outcome::Reply { class, variant, .. }, Some((message_id, subject, sent_at))) = (outcome, last_message) {
            replies.push((i, LeadId(lead), class, variant, message_id, subject, sent_at, email.clone()));
        }
    }
    enrol(&mut tx, ws, &enrolments).await?;
    m.write(&mut tx, ws).await?;
    tx.commit().await?;

    // What came back, through the real reply flow (classified, threaded, acted on), and the
    // meetings the positive ones led to, booked through the real booking flow.
    for (i, lead, class, variant, message_id, subject, sent_at, from) in replies {
        let (meant, texts) = REPLIES[class];
        let received_at = sent_at + Duration::hours(22 + (i as i64 % 7) * 3);
        let mut headers = Vec::new();
        if meant == "auto_reply" {
            headers.push(("Auto-Submitted".to_string(), "auto-replied".to_string()));
        }
        let reply = IncomingReply {
            source: "imap".into(),
            mailbox: None,
            message_id: format!("<history-reply-{i}@{}>", from.split('@').nth(1).unwrap_or("prospect.example")),
            in_reply_to: Some(message_id.clone()),
            references: vec![message_id],
            from,
            subject: format!("Re: {subject}"),
            text: texts[variant % texts.len()].to_string(),
            received_at,
            raw_headers: headers,
        };
        let RecordOutcome::Recorded { reply, .. } = crate::flows::replies::record(engine, ws, reply).await? else { continue };
        handled(engine, ws, reply, received_at).await?;
        if meant == "meeting_request" || (meant == "interested" && i % 2 == 0) {
            let booked = received_at + Duration::hours(5);
            crate::flows::meetings::book(engine, ws, lead, "calcom", Some(format!("history-booking-{i}")), Some(booked + Duration::days(3)), None).await?;
            let mut tx = engine.tenant(ws).await?;
            sqlx::query("update meetings set created_at = $3 where client_id = $1 and lead_id = $2")
                .bind(ws.0)
                .bind(lead.0)
                .bind(booked)
                .execute(&mut *tx)
                .await?;
            sqlx::query("update activities set occurred_at = $3 where client_id = $1 and lead_id = $2 and kind in ('meeting_booked', 'status_changed') and occurred_at > $3")
                .bind(ws.0)
                .bind(lead.0)
                .bind(booked)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
    }
    // Both campaigns ran and are over.
    for c in campaigns {
        for status in [domain::campaign::CampaignStatus::Active, domain::campaign::CampaignStatus::Paused] {
            crate::flows::campaigns::set_status(engine, &access, c, status).await?;
        }
    }
    Ok(())
}

/// A history reply as the agency left it: read, answered where an answer was suggested (the
/// answer sent two hours later), and archived.
async fn handled(engine: &Engine, ws: WorkspaceId, reply: Uuid, at: DateTime<Utc>) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    sqlx::query("update replies set read_at = $3, archived_at = $3 + interval '2 hours' where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(reply)
        .bind(at + Duration::hours(1))
        .execute(&mut *tx)
        .await?;
    // the suggested answer went out, as the approval queue would have sent it
    let answers: Vec<(Uuid, Uuid, Uuid, i16, String, String, String, String)> = sqlx::query_as(
        "update drafts set status = 'sent', approved_at = $3, due_at = $3 where client_id = $1 and reply_id = $2 and status = 'pending'
         returning id, campaign_id, lead_id, step, channel, subject_a, body, content_hash",
    )
    .bind(ws.0)
    .bind(reply)
    .bind(at + Duration::hours(2))
    .fetch_all(&mut *tx)
    .await?;
    for (draft, campaign, lead, step, channel, subject, body, hash) in answers {
        sqlx::query(
            "insert into outbox (client_id, campaign_id, lead_id, step, channel, draft_id, state, to_address, subject, body, content_hash,
                                 message_id, not_before, sent_at, kind, reply_id)
             select $1, $2, $3, $4, $5, $6, 'sent', coalesce(l.email, ''), $7, $8, $9, '<answer-' || $6 || '@northwind-growth.example>', $10, $10, 'reply', $11
             from leads l where l.client_id = $1 and l.id = $3",
        )
        .bind(ws.0)
        .bind(campaign)
        .bind(lead)
        .bind(step)
        .bind(channel)
        .bind(draft)
        .bind(subject)
        .bind(body)
        .bind(hash)
        .bind(at + Duration::hours(2))
        .bind(reply)
        .execute(&mut *tx)
        .await?;
        sqlx::query("update activities set occurred_at = $3 where client_id = $1 and lead_id = $2 and occurred_at > $3")
            .bind(ws.0)
            .bind(lead)
            .bind(at)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A history lead's enrolment and where its sequence ended.
struct Enrolment {
    lead: Uuid,
    campaign: Uuid,
    email: String,
    first_at: DateTime<Utc>,
    last_at: DateTime<Utc>,
    state: &'static str,
    exit_reason: Option<&'static str>,
    status: &'static str,
}

/// Enrols the history's leads and dates what the import, enrichment and scoring left for them
/// (rows, spend, activities) to two days before each one's first message, in one statement.
async fn enrol(tx: &mut sqlx::PgConnection, ws: WorkspaceId, e: &[Enrolment]) -> Result<()> {
    sqlx::query(
        "with e as (
            select * from unnest($2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::text[], $9::text[])
              as x(lead, campaign, email, first_at, last_at, state, exit_reason, status)
        ),
        enrolled as (
            insert into campaign_leads (client_id, campaign_id, lead_id, enrolled_at, state, exit_reason)
            select $1, campaign, lead, first_at - interval '20 hours', state, exit_reason from e
            on conflict do nothing
        ),
        added as (
            update leads l set created_at = e.first_at - interval '2 days', status = e.status, updated_at = e.last_at
            from e where l.client_id = $1 and l.id = e.lead
        ),
        spent as (
            update cost_ledger c set created_at = e.first_at - interval '2 days' + interval '5 minutes'
            from e where c.client_id = $1 and c.lead_ref in (e.lead::text, e.email)
        ),
        enriched as (
            update enrichment_log g set created_at = e.first_at - interval '2 days' + interval '5 minutes'
            from e where g.client_id = $1 and g.lead_id = e.lead
        )
        update activities a set occurred_at = e.first_at - interval '2 days' + interval '6 minutes'
        from e where a.client_id = $1 and a.lead_id = e.lead",
    )
    .bind(ws.0)
    .bind(e.iter().map(|x| x.lead).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.campaign).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.email.clone()).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.first_at).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.last_at).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.state).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.exit_reason).collect::<Vec<_>>())
    .bind(e.iter().map(|x| x.status).collect::<Vec<_>>())
    .execute(tx)
    .await?;
    Ok(())
}

struct Message {
    lead: Uuid,
    campaign: Uuid,
    mailbox: Uuid,
    step: i16,
    template: &'static str,
    angle: &'static str,
    subject_a: String,
    subject_b: String,
    variant: &'static str,
    subject: String,
    body: String,
    to: String,
    message_id: String,
    sent_at: DateTime<Utc>,
    bounced_at: Option<DateTime<Utc>>,
}

/// The history's messages, written in one statement each for drafts, the outbox and the
/// activities a send leaves.
#[derive(Default)]
struct Messages(Vec<Message>);

impl Messages {
    fn push(&mut self, m: Message) {
        self.0.push(m);
    }

    async fn write(&self, tx: &mut sqlx::PgConnection, ws: WorkspaceId) -> Result<()> {
        let col = |f: fn(&Message) -> String| self.0.iter().map(f).collect::<Vec<_>>();
        let ids: Vec<Uuid> = self.0.iter().map(|_| Uuid::new_v4()).collect();
        sqlx::query(
            "with m as (
                select * from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::smallint[], $7::text[], $8::text[], $9::text[], $10::text[],
                                     $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[], $17::timestamptz[])
                  as x(draft, lead, campaign, mailbox, step, template, angle, subject_a, subject_b, variant, subject, body, to_address, message_id, sent_at, bounced_at)
            ),
            d as (
                insert into drafts (client_id, id, campaign_id, lead_id, step, channel, due_at, status, template, angle, subject_a, subject_b, body,
                                    content_hash, approved_at, approved_hash)
                select $1, draft, campaign, lead, step, 'email', sent_at, 'sent', template, angle, subject_a, subject_b, body,
                       md5(subject_a || subject_b || body), sent_at - interval '20 hours', md5(subject_a || subject_b || body)
                from m returning id
            ),
            o as (
                insert into outbox (client_id, campaign_id, lead_id, step, channel, draft_id, mailbox_id, state, to_address, subject, variant, body,
                                    content_hash, message_id, not_before, sent_at, bounced_at, attempts, provider_reply)
                select $1, campaign, lead, step, 'email', draft, mailbox, 'sent', to_address, subject, variant, body, md5(subject_a || subject_b || body),
                       message_id, sent_at, sent_at, bounced_at, 1, '250 2.0.0 Ok: queued'
                from m where draft in (select id from d)
                returning id, lead_id, campaign_id, sent_at, bounced_at, subject
            )
            insert into activities (client_id, lead_id, campaign_id, outbox_id, kind, channel, summary, occurred_at)
            select $1, lead_id, campaign_id, id, 'sent', 'email', 'Sent: ' || left(subject, 200), sent_at from o
            union all
            select $1, lead_id, campaign_id, id, 'bounced', 'email', 'Bounced: the address does not exist', bounced_at from o where bounced_at is not null",
        )
        .bind(ws.0)
        .bind(&ids)
        .bind(self.0.iter().map(|m| m.lead).collect::<Vec<_>>())
        .bind(self.0.iter().map(|m| m.campaign).collect::<Vec<_>>())
        .bind(self.0.iter().map(|m| m.mailbox).collect::<Vec<_>>())
        .bind(self.0.iter().map(|m| m.step).collect::<Vec<_>>())
        .bind(col(|m| m.template.to_string()))
        .bind(col(|m| m.angle.to_string()))
        .bind(col(|m| m.subject_a.clone()))
        .bind(col(|m| m.subject_b.clone()))
        .bind(col(|m| m.variant.to_string()))
        .bind(col(|m| m.subject.clone()))
        .bind(col(|m| m.body.clone()))
        .bind(col(|m| m.to.clone()))
        .bind(col(|m| m.message_id.clone()))
        .bind(self.0.iter().map(|m| m.sent_at).collect::<Vec<_>>())
        .bind(self.0.iter().map(|m| m.bounced_at).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        // the drafting model's spend per message, on the day each was written
        sqlx::query(
            "insert into cost_ledger (client_id, provider, operation, units, cost_aud, campaign_id, lead_ref, created_at)
             select $1, 'anthropic', 'draft', 1, 0.0042, campaign, lead::text, sent_at - interval '20 hours'
             from unnest($2::uuid[], $3::uuid[], $4::timestamptz[]) as x(campaign, lead, sent_at)",
        )
        .bind(ws.0)
        .bind(self.0.iter().map(|m| m.campaign).collect::<Vec<_>>())
        .bind(self.0.iter().map(|m| m.lead).collect::<Vec<_>>())
        .bind(self.0.iter().map(|m| m.sent_at).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}
