//! The demo workspace the run command seeds, so a newcomer has something to log in to.
//! Idempotent: running it again changes nothing and reports the same login.

mod history;
mod onboarding;

use crate::flows::{accounts, workspaces};
use crate::store::users;
use crate::{Engine, Error, Result};
use domain::account::LoginEmail;
use domain::ids::{UserId, WorkspaceId};

pub const DEMO_EMAIL: &str = "demo@agency-os.local";
pub const DEMO_PASSWORD: &str = "demo-password-2026";
pub const DEMO_WORKSPACE: &str = "Demo Agency";

pub struct Demo {
    pub user: UserId,
    pub workspace: WorkspaceId,
    pub created: bool,
}

/// Realistic Australian and international leads (with a few bad rows, to show the report).
pub const DEMO_LEADS_CSV: &str = include_str!("../../../end2end/fixtures/demo-leads.csv");

/// Seeds the demo workspace and, when it has no leads yet, imports and scores the demo leads,
/// writes 90 days of earlier campaigns (`history`) and sets a campaign under way.
pub async fn seed(engine: &Engine) -> Result<Demo> {
    let demo = seed_workspace(engine).await?;
    let leads = crate::store::leads::count(&mut *engine.tenant(demo.workspace).await?, demo.workspace, &Default::default()).await?;
    if leads == 0 {
        // The import opens its own transactions confined to the workspace.
        crate::import::import_csv(engine.owner_pool(), demo.workspace, Some(demo.user), "demo-leads.csv", std::io::Cursor::new(DEMO_LEADS_CSV.as_bytes()), |_| {}).await?;
        crate::import::import_csv(engine.owner_pool(), demo.workspace, Some(demo.user), "earlier-campaigns.csv", std::io::Cursor::new(history::csv().into_bytes()), |_| {}).await?;
        demo_timing(engine, demo.workspace).await?;
        // The agency's onboarding, confirmed before the leads are scored, so they are scored
        // against the profile it confirmed.
        onboarding::complete(engine, demo.workspace, demo.user).await?;
        let enricher = crate::flows::enrich::Enricher::sandbox(2026);
        crate::flows::pipeline::pipeline(engine, &enricher, demo.workspace, |_| {}).await?;
        history::write(engine, demo.workspace, demo.user, chrono::Utc::now()).await?;
        // The daily decay job, run once now: the earlier campaigns' quiet leads become revival
        // candidates (last touched 30 to 120 days ago), as they would on a live installation.
        crate::flows::decay::run_workspace(engine, demo.workspace, chrono::Utc::now()).await?;
        campaign_under_way(engine, &demo).await?;
        demo_budgets(engine, demo.workspace).await?;
    }
    Ok(demo)
}

/// Budgets just under what the demo's enrichment spent today, so the Dashboard shows spend
/// against a budget and the alert it raises (no Slack or email is configured in the demo).
async fn demo_budgets(engine: &Engine, ws: WorkspaceId) -> Result<()> {
    let now = chrono::Utc::now();
    let (today, _) = crate::store::alerts::spend(&mut *engine.tenant(ws).await?, ws, now).await?;
    let daily_cents = ((today * 85.0).floor() as i64).max(100);
    let mut tx = engine.tenant(ws).await?;
    crate::store::alerts::set_budgets(&mut tx, ws, domain::alerts::Budgets { daily_cents: Some(daily_cents), monthly_cents: Some(daily_cents * 20) }).await?;
    tx.commit().await?;
    crate::flows::alerts::evaluate_workspace(engine, ws, now).await?;
    Ok(())
}

/// Timing facts as a provider would have reported them for some demo leads (the sandbox invents
/// none), so the demo's "why this score" shows the timing rules: a few people new in their
/// role, some companies hiring or recently funded, a couple with intent signals.
async fn demo_timing(engine: &Engine, ws: domain::ids::WorkspaceId) -> Result<()> {
    sqlx::query(
        "with numbered as (select id, row_number() over (order by email nulls last, id) as n from leads where client_id = $1)
         update leads l set timing = jsonb_strip_nulls(jsonb_build_object(
             'role_started_on', case when n % 5 = 1 then to_char(current_date - 45 - (n % 60)::int, 'YYYY-MM-DD') end,
             'company_hiring', case when n % 4 = 2 then true end,
             'funded_on', case when n % 7 = 3 then to_char(current_date - 120, 'YYYY-MM-DD') end,
             'intent_signals', case when n % 6 = 4 then (1 + n % 3)::int end))
         from numbered where l.client_id = $1 and l.id = numbered.id and (n % 5 = 1 or n % 4 = 2 or n % 7 = 3 or n % 6 = 4)",
    )
    .bind(ws.0)
    .execute(engine.owner_pool())
    .await?;
    Ok(())
}

/// Accepts every message and sends nothing: the demo's history is made by the real flows, but
/// no email leaves the machine.
struct NoNetwork;

#[async_trait::async_trait]
impl crate::dispatch::MailTransport for NoNetwork {
    async fn send(&self, _m: &crate::store::mailboxes::SendingMailbox, e: &crate::dispatch::OutgoingEmail) -> std::result::Result<String, crate::dispatch::SendError> {
        Ok(format!("250 demo: not sent ({})", e.message_id))
    }

    async fn delivered(&self, _m: &crate::store::mailboxes::SendingMailbox, _id: &str) -> Option<bool> {
        Some(true)
    }
}

/// What the demo's prospects wrote back, one of every class.
const DEMO_REPLIES: [&str; 7] = [
    "Hi Alex,\n\nTiming is good actually. Can we set up a call next week? Thursday at 2pm works for me.\n\nCheers",
    "Thanks for reaching out, this sounds interesting. Tell me more about how it worked for the other freight companies.",
    "How much does it cost per month, and is there a minimum term?",
    "Not interested, thanks. We handle this in-house.",
    "Please remove me from your mailing list.",
    "I am out of the office until 14 December with limited access to email. For urgent matters contact reception.",
    "Thank you for your email. This is an automated response to confirm we have received your message.",
];

/// A campaign under way, as the real flows leave it: leads enrolled and drafted, a first batch
/// approved and "sent" (through a transport that sends nothing), replies of every class
/// classified and acted on, a meeting booked, and drafts still waiting in the queue. The
/// workspace stays in shadow mode.
async fn campaign_under_way(engine: &Engine, demo: &Demo) -> Result<()> {
    use chrono::{Duration, Utc};
    use domain::campaign::{CampaignSettings, CampaignStatus};
    let (u, ws) = (demo.user, demo.workspace);
    let access = crate::auth::Access::resolve(engine, u, ws).await?;
    let mut settings = CampaignSettings::new_default("Q1 Logistics decision makers");
    settings.sender_name = "Alex Morgan".into();
    settings.sender_company = "Northwind Growth".into();
    settings.physical_address = "Level 5, 1 George St, Sydney NSW 2000".into();
    let campaign = crate::flows::campaigns::create(engine, &access, settings).await?;
    crate::flows::campaigns::set_status(engine, &access, campaign, CampaignStatus::Active).await?;
    let filter = domain::leads::LeadFilter { status: Some(domain::lead_status::LeadStatus::Scored), ..Default::default() };
    crate::flows::campaigns::enroll(engine, &access, campaign, &filter).await?;
    let insert_mailbox = sqlx::query(
        "insert into mailboxes (client_id, address, display_name, smtp_host, smtp_port, smtp_security, daily_cap, ramp_start, ramp_step)
         values ($1, 'alex@northwind-growth.example', 'Alex Morgan', 'smtp.northwind-growth.example', 587, 'starttls', 50, 50, 0)
         on conflict do nothing",
    )
    .bind(ws.0);
    in_workspace(engine, ws, insert_mailbox).await?;
    let now = Utc::now();
    // A weekday morning in Sydney a week ago: inside the default sending window.
    let started = {
        use chrono::{Datelike, TimeZone};
        let tz = chrono_tz::Australia::Sydney;
        let mut day = (now - Duration::days(7)).with_timezone(&tz).date_naive();
        while matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            day = day.pred_opt().unwrap_or(day);
        }
        tz.from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap_or_default()).single().map(|t| t.with_timezone(&Utc)).unwrap_or(now - Duration::days(7))
    };
    in_workspace(engine, ws, sqlx::query("update campaign_leads set enrolled_at = $2 where client_id = $1 and campaign_id = $3").bind(ws.0).bind(started).bind(campaign.0)).await?;
    crate::flows::drafts::draft_campaign(engine, ws, campaign, started).await?;
    let queue = crate::flows::drafts::queue(engine, &access, Some(campaign), None, 200).await?;
    // Most first touches approved and sent; the rest wait in the approval queue.
    let approve: Vec<domain::ids::DraftId> = queue.drafts.iter().take(queue.drafts.len().saturating_sub(4)).map(|d| domain::ids::DraftId(d.id)).collect();
    if approve.is_empty() {
        return Ok(());
    }
    let batch = crate::flows::drafts::freeze_selection(engine, &access, &approve).await?;
    crate::flows::drafts::execute_batch(engine, &access, batch.id).await?;
    in_workspace(engine, ws, sqlx::query("update outbox set not_before = $2 where client_id = $1 and state = 'pending'").bind(ws.0).bind(started)).await?;
    in_workspace(engine, ws, sqlx::query("update workspaces set shadow_mode = false where id = $1").bind(ws.0)).await?;
    let dispatcher = crate::dispatch::Dispatcher {
        engine: engine.clone(),
        transport: std::sync::Arc::new(NoNetwork),
        unsubscribe: std::sync::Arc::new(|ws, c, to| format!("https://demo.invalid/u/{ws}/{c}/{to}")),
        settings: crate::dispatch::DispatchSettings { claim: 500, ..Default::default() },
        worker: "demo".into(),
    };
    let sent = dispatcher.round(started + Duration::minutes(30)).await;
    in_workspace(engine, ws, sqlx::query("update workspaces set shadow_mode = true where id = $1").bind(ws.0)).await?;
    sent?;
    // The follow-ups, drafted ahead.
    crate::flows::drafts::draft_campaign(engine, ws, campaign, now).await?;

    let sent: Vec<(String, String, String)> = sqlx::query_as(
        "select o.message_id, o.to_address, o.subject from outbox o where o.client_id = $1 and o.campaign_id = $2 and o.state = 'sent' order by o.to_address limit 7",
    )
    .bind(ws.0)
    .bind(campaign.0)
    .fetch_all(&mut *engine.tenant(ws).await?)
    .await?;
    let mut meeting_lead = None;
    for (i, ((message_id, to, subject), text)) in sent.iter().zip(DEMO_REPLIES).enumerate() {
        let mut headers = Vec::new();
        if i == 6 {
            headers.push(("Auto-Submitted".to_string(), "auto-replied".to_string()));
        }
        let reply = crate::flows::replies::IncomingReply {
            source: "imap".into(),
            mailbox: None,
            message_id: format!("<demo-reply-{i}@prospect.example>"),
            in_reply_to: Some(message_id.clone()),
            references: vec![message_id.clone()],
            from: to.clone(),
            subject: format!("Re: {subject}"),
            text: format!("{text}\n\nOn {}, Alex Morgan wrote:\n> {subject}\n", started.format("%a %-d %b %Y")),
            received_at: started + Duration::days(1) + Duration::hours(i as i64 * 3),
            raw_headers: headers,
        };
        if let crate::flows::replies::RecordOutcome::Recorded { lead, .. } = crate::flows::replies::record(engine, ws, reply).await? {
            if i == 0 {
                meeting_lead = lead;
            }
        }
    }
    if let Some(lead) = meeting_lead {
        crate::flows::meetings::book(engine, ws, lead, "calcom", Some("demo-booking-1".into()), Some(now + Duration::days(2)), None).await?;
    }
    Ok(())
}

/// One statement of the demo's set-up, committed in the workspace's tenant scope.
async fn in_workspace(engine: &Engine, ws: WorkspaceId, q: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    q.execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn seed_workspace(engine: &Engine) -> Result<Demo> {
    let email = LoginEmail::parse(DEMO_EMAIL)?;
    if let Some((user, _)) = users::find_credentials(engine.owner_pool(), &email).await? {
        let existing = crate::store::workspaces::list_for_user(engine.owner_pool(), user).await?;
        if let Some(ws) = existing.into_iter().find(|w| w.name == DEMO_WORKSPACE) {
            return Ok(Demo { user, workspace: ws.id, created: false });
        }
        let workspace = workspaces::create(engine, user, DEMO_WORKSPACE).await?;
        return Ok(Demo { user, workspace, created: true });
    }
    let user = accounts::sign_up(engine, accounts::SignUp { name: "Demo Owner", email: DEMO_EMAIL, password: DEMO_PASSWORD })
        .await
        .map_err(|e| match e {
            Error::Conflict(_) => Error::Internal(anyhow::anyhow!("demo user appeared concurrently; run again")),
            other => other,
        })?;
    let workspace = workspaces::create(engine, user, DEMO_WORKSPACE).await?;
    Ok(Demo { user, workspace, created: true })
}
