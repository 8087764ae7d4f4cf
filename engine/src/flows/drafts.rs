//! Drafting and approval (SPEC §8, §9).
//!
//! Drafting: for each lead enrolled in an active campaign, the cadence (`domain::cadence`)
//! names the next touch; if it is an email with no live draft yet, the template engine writes
//! one (rotating away from templates rejected for this lead) — or, when the workspace has a
//! language model, the model rewrites it through `ai_spend::LimitedModel`, with the template as
//! the fallback on any failure and the reason kept on the draft — the quality guard judges it, and
//! the permission mode decides whether it waits for a human or is approved at once. Approved
//! drafts go straight into the outbox; the dispatcher sends them when due.
//!
//! Approval: approve, reject with a reason (rejection memory, then a new draft with another
//! template), edit then approve (the original kept for the diff), and bulk approval through a
//! frozen batch that executes once and approves only drafts unchanged since it was frozen.
//!
//! Channels other than email have no sender yet; their steps are skipped by the drafting pass
//! rather than left to block the cadence.

use crate::ai_spend::LimitedModel;
use crate::auth::Access;
use crate::drafting::{self, LeadVars, Sender};
use crate::integrations::{self, LanguageModel};
use crate::store::campaigns::{self, Enrolled};
use crate::store::drafts::LeadDrafts;
use crate::flows::signals;
use crate::store::activities::{self, NewActivity};
use crate::store::{audit, drafts, outbox};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Duration, Utc};
use domain::account::Action;
use domain::activity::ActivityKind;
use domain::cadence::{next_step, Decision, LeadProgress, PauseRules, StepAction, StepSet};
use domain::campaign::{CampaignStatus, DraftingPolicy, PermissionMode};
use domain::guard::{check, fingerprint, next_template, Draft as GuardDraft, GuardConfig, RejectionMemory};
use domain::ids::{BatchId, CampaignId, DraftId, UserId, WorkspaceId};
use domain::lead_status::{LeadStatus, Signal};
use domain::score::Channel;
use futures::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// What a drafting pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftReport {
    pub leads: u64,
    pub drafted: u64,
    pub auto_approved: u64,
    pub blocked: u64,
    /// Leads the templates cannot address (no first name or company) or without an email.
    pub unaddressable: u64,
    /// Leads whose next touch already has a draft, or is not an email.
    pub nothing_to_do: u64,
    /// Revived leads that have already been sent every template of their next touch: skipped
    /// rather than written to with copy they have seen.
    pub no_new_copy: u64,
}

/// The host part of our Message-IDs: the public URL's host.
pub fn message_domain(engine: &Engine) -> String {
    let url = engine.settings.public_url.trim();
    let host = url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("localhost");
    if host.is_empty() { "localhost".into() } else { host.to_string() }
}

fn lead_vars(e: &Enrolled) -> LeadVars {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    LeadVars {
        first_name: s(&e.first_name),
        last_name: s(&e.last_name),
        title: s(&e.title),
        company: s(&e.company),
        industry: s(&e.industry),
        city: e.location.as_deref().and_then(|l| l.split(',').next()).unwrap_or_default().trim().to_string(),
        employees: e.employee_count,
        domain: s(&e.company_domain),
    }
}

fn seed(lead: Uuid) -> u64 {
    let d = Sha256::digest(lead.as_bytes());
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

/// The workspace's drafting policy with the campaign's own permission mode, if it set one.
async fn policy_of(engine: &Engine, ws: WorkspaceId, campaign: Option<PermissionMode>) -> Result<DraftingPolicy> {
    let mut policy = crate::store::workspaces::drafting_policy(&mut *engine.tenant(ws).await?, ws).await?.ok_or(Error::NotFound("workspace"))?;
    if let Some(m) = campaign {
        policy.permission_mode = m;
    }
    Ok(policy)
}

/// Enrolled leads per page: each page is three queries and one insert statement.
const PAGE: i64 = 500;
/// Model calls in flight at once within a page; each waits on the provider, not on us.
const MODEL_CONCURRENCY: usize = 4;

/// How a pass writes: a language model when the workspace (or installation) has one that can
/// be used, the template engine otherwise and whenever the model fails.
enum Writer {
    /// `note` says why no model is used although one is configured (an unusable key).
    Templates { note: Option<String> },
    Model { model: Box<LimitedModel>, name: String },
}

/// Everything one drafting pass over a campaign holds constant.
struct Pass<'a> {
    engine: &'a Engine,
    ws: WorkspaceId,
    campaign: campaigns::Campaign,
    mode: PermissionMode,
    sender: Sender,
    guard: GuardConfig,
    message_domain: String,
    writer: Writer,
    now: DateTime<Utc>,
}

impl<'a> Pass<'a> {
    /// `None` when the campaign is not active: nothing to draft.
    async fn start(engine: &'a Engine, ws: WorkspaceId, id: CampaignId, now: DateTime<Utc>) -> Result<Option<Pass<'a>>> {
        let campaign = campaigns::get(&mut *engine.tenant(ws).await?, ws, id).await?.ok_or(Error::NotFound("campaign"))?;
        if campaign.status != CampaignStatus::Active {
            return Ok(None);
        }
        let policy = policy_of(engine, ws, campaign.settings.permission_mode).await?;
        let mode = policy.permission_mode;
        let sender = Sender {
            name: campaign.settings.sender_name.clone(),
            company: campaign.settings.sender_company.clone(),
            physical_address: campaign.settings.physical_address.clone(),
        };
        let writer = match integrations::language_model(engine, ws, Some(id.0)).await? {
            LanguageModel::Ready { model, name } => Writer::Model { model, name },
            LanguageModel::None => Writer::Templates { note: None },
            LanguageModel::Unusable(why) => Writer::Templates { note: Some(format!("template used: {why}")) },
        };
        Ok(Some(Pass { engine, ws, campaign, mode, sender, guard: GuardConfig { mode: policy.guard_mode, ..GuardConfig::default() }, message_domain: message_domain(engine), writer, now }))
    }
}

/// Drafts the next touch of every lead of an active campaign. Safe to run again at any time,
/// and concurrently: a touch with a live draft is left alone (the database enforces one live
/// draft per touch).
///
/// Set-based: a page of enrolled leads costs one query for their drafts, one for their
/// rejection memory and one multi-row insert, whatever the page size; the rendering, the
/// cadence and the guard run in memory.
pub async fn draft_campaign(engine: &Engine, ws: WorkspaceId, id: CampaignId, now: DateTime<Utc>) -> Result<DraftReport> {
    let mut report = DraftReport::default();
    let Some(pass) = Pass::start(engine, ws, id, now).await? else { return Ok(report) };
    let mut after = None;
    loop {
        let page = campaigns::enrolled_batch(&mut *engine.tenant(ws).await?, ws, id, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.lead_id);
        let live: Vec<Enrolled> = page.into_iter().filter(|l| !l.deleted).collect();
        draft_page(&pass, &live, &mut report).await?;
    }
    Ok(report)
}

/// One touch decided in memory, before any text is final.
struct Planned<'l> {
    lead: &'l Enrolled,
    vars: LeadVars,
    step: usize,
    due_at: DateTime<Utc>,
    action: StepAction,
    rendered: drafting::Rendered,
    memory: RejectionMemory,
    first_touch: bool,
    human_approved: bool,
}

/// The text a draft will carry and who wrote it.
struct Text {
    subject_a: String,
    subject_b: String,
    body: String,
    generator: String,
    note: Option<String>,
}

impl Text {
    fn template(r: &drafting::Rendered, note: Option<String>) -> Self {
        Text { subject_a: r.subject_a.clone(), subject_b: r.subject_b.clone(), body: r.body.clone(), generator: "template".into(), note }
    }
}

/// What the cadence asks of one lead, from the drafts it already has; `None` when nothing.
fn plan<'l>(pass: &Pass, lead: &'l Enrolled, existing: Option<&LeadDrafts>, memory: Option<&RejectionMemory>, received: Option<&drafts::CopyReceived>, report: &mut DraftReport) -> Option<Planned<'l>> {
    let empty = LeadDrafts::default();
    let existing = existing.unwrap_or(&empty);
    if existing.awaiting_review {
        report.nothing_to_do += 1;
        return None;
    }
    let cadence = &pass.campaign.settings.cadence;
    let steps = cadence.steps();
    // Touches with a live or blocked draft count as handled for the cadence; steps on channels
    // without a sender are skipped.
    let mut sent = StepSet::EMPTY;
    let mut skipped = StepSet::EMPTY;
    for (i, s) in steps.iter().enumerate() {
        let i16_i = i as i16;
        if existing.live_steps.contains(&i16_i) || existing.blocked_steps.contains(&i16_i) {
            sent = sent.with(i);
        } else if s.channel != Channel::Email {
            skipped = skipped.with(i);
        }
    }
    let progress = LeadProgress { enrolled_at: lead.enrolled_at, sent, skipped, has_linkedin_url: lead.linkedin_url.is_some(), linkedin_connected: false };
    // Draft ahead: the next touch is drafted as soon as the previous one exists, so a human can
    // approve it before it falls due; the outbox holds it until then.
    let far_future = pass.now + Duration::days(400);
    let (step, due_at) = match next_step(cadence, &progress, &[], &PauseRules::default(), far_future) {
        Decision::Send { step, due_at, .. } => (step, due_at),
        Decision::Wait { step, until, .. } => (step, until),
        _ => {
            report.nothing_to_do += 1;
            return None;
        }
    };
    let action = steps[step].action;
    let memory = memory.cloned().unwrap_or_default();
    let candidates = drafting::candidates(action);
    let ids: Vec<&str> = if lead.revival {
        // Revival is "new copy": only templates the lead was not sent, a new angle first.
        let pairs: Vec<(&str, &str)> = candidates.iter().map(|t| (t.id, t.angle)).collect();
        let got = received.cloned().unwrap_or_default();
        let fresh = domain::guard::unsent_copy(&pairs, &got.templates, &got.angles);
        if fresh.is_empty() {
            report.no_new_copy += 1;
            return None;
        }
        fresh
    } else {
        candidates.iter().map(|t| t.id).collect()
    };
    let Some(template_id) = next_template(&ids, &memory, pass.now, pass.guard.rejection_ttl_days, seed(lead.lead_id)) else {
        report.nothing_to_do += 1;
        return None;
    };
    let template = candidates.iter().find(|t| t.id == template_id).copied().expect("chosen from the candidates");
    let vars = lead_vars(lead);
    let Ok(rendered) = drafting::render(template, &vars, &pass.sender) else {
        report.unaddressable += 1;
        return None;
    };
    let first_touch = !steps[..step].iter().enumerate().any(|(j, s)| s.channel == Channel::Email && existing.live_steps.contains(&(j as i16)));
    Some(Planned { lead, vars, step, due_at, action, rendered, memory, first_touch, human_approved: existing.human_approved })
}

/// How long a pass may hold a touch while the model writes it; a crashed pass's claims lapse.
const MODEL_CLAIM_SECS: u64 = 600;

fn claim_key(pass: &Pass<'_>, p: &Planned<'_>) -> String {
    pass.engine.redis.key(&format!("drafting:model:{}:{}:{}:{}", pass.ws, pass.campaign.id.0, p.lead.lead_id, p.step))
}

/// Claims touches for this pass's model calls (one pipelined `SET NX` each), so two passes
/// racing (the scheduler and a campaign change) do not both pay for a draft only one of them
/// can store. `false` where another pass holds the touch. Redis down: everything is "claimed" —
/// the spend limiter refuses without Redis anyway, so templates are used and nothing is spent.
async fn claim_touches(pass: &Pass<'_>, keys: &[String]) -> Vec<bool> {
    if keys.is_empty() {
        return Vec::new();
    }
    let mut pipe = redis::pipe();
    for k in keys {
        pipe.cmd("SET").arg(k).arg("1").arg("NX").arg("EX").arg(MODEL_CLAIM_SECS);
    }
    let mut conn = pass.engine.redis.conn.clone();
    match pipe.query_async::<Vec<Option<String>>>(&mut conn).await {
        Ok(r) => r.into_iter().map(|v| v.is_some()).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "could not claim drafting touches");
            vec![true; keys.len()]
        }
    }
}

/// Lets the touches go once their drafts are stored (a rejection may redraft one at once).
async fn release_claims(pass: &Pass<'_>, keys: &[String]) {
    if keys.is_empty() {
        return;
    }
    let mut conn = pass.engine.redis.conn.clone();
    let del: redis::RedisResult<i64> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
    if let Err(e) = del {
        // They lapse on their own after MODEL_CLAIM_SECS.
        tracing::warn!(error = %e, "could not release drafting claims");
    }
}

/// The model's text for every planned touch: `None` where another pass is writing it, the
/// template (with why) where the model cannot be used. Returns the claims to release once the
/// drafts are stored.
async fn model_texts(pass: &Pass<'_>, model: &LimitedModel, name: &str, planned: &[Planned<'_>]) -> Result<(Vec<Option<Text>>, Vec<String>)> {
    // GUARD-003 would block a draft without lead-specific evidence whoever wrote it: no call.
    let asks: Vec<usize> = (0..planned.len()).filter(|&i| !planned[i].rendered.evidence.is_empty()).collect();
    let keys: Vec<String> = asks.iter().map(|&i| claim_key(pass, &planned[i])).collect();
    let got = claim_touches(pass, &keys).await;
    let mut claimed = Vec::new();
    let mut ask = vec![false; planned.len()];
    let mut taken = vec![false; planned.len()];
    for ((&i, key), ok) in asks.iter().zip(keys).zip(got) {
        if ok {
            ask[i] = true;
            claimed.push(key);
        } else {
            taken[i] = true;
        }
    }
    // A pass that stored its draft and released its claim before ours: look again, once for
    // the page, so a touch drafted meanwhile is not paid for twice.
    let ids: Vec<Uuid> = (0..planned.len()).filter(|&i| ask[i]).map(|i| planned[i].lead.lead_id).collect();
    if !ids.is_empty() {
        let now = drafts::for_leads(&mut *pass.engine.tenant(pass.ws).await?, pass.ws, pass.campaign.id, &ids).await?;
        for (i, p) in planned.iter().enumerate() {
            let step = p.step as i16;
            if ask[i] && now.get(&p.lead.lead_id).is_some_and(|d| d.live_steps.contains(&step) || d.blocked_steps.contains(&step)) {
                ask[i] = false;
                taken[i] = true;
            }
        }
    }
    // In order, a few at a time: the provider's latency, not ours, is the cost here. Boxed
    // before they meet the stream: a stream over a closure's futures trips the compiler's
    // higher-ranked lifetime check where callers spawn this flow.
    let calls: Vec<futures::future::BoxFuture<'_, Option<Text>>> = planned
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (ask, taken) = (ask[i], taken[i]);
            async move {
                if taken {
                    None
                } else if ask {
                    Some(ask_model(pass, model, name, p).await)
                } else {
                    Some(Text::template(&p.rendered, Some("template used: no lead-specific evidence to give the model".into())))
                }
            }
            .boxed()
        })
        .collect();
    Ok((futures::stream::iter(calls).buffered(MODEL_CONCURRENCY).collect().await, claimed))
}

/// Asks the model for one touch; the template's text, with the reason, on any failure.
async fn ask_model(pass: &Pass<'_>, model: &LimitedModel, name: &str, p: &Planned<'_>) -> Text {
    let prompt = drafting::model::prompt(&p.vars, &p.rendered, p.action, &pass.sender, &p.memory);
    let answer = match model.generate(&prompt, Some(p.lead.lead_id.to_string())).await {
        Ok(g) => g,
        Err(e) => {
            tracing::info!(workspace = %pass.ws, model = name, error = %e, "model drafting fell back to the template");
            return Text::template(&p.rendered, Some(format!("template used: {e}")));
        }
    };
    let truncated = matches!(answer.stop_reason.as_deref(), Some("max_tokens" | "length"));
    match drafting::model::parse_answer(&answer.text, truncated, &[pass.message_domain.as_str()]) {
        Ok(d) => Text { subject_a: d.subject_a, subject_b: d.subject_b, body: d.body, generator: format!("model:{name}"), note: None },
        Err(e) => {
            tracing::info!(workspace = %pass.ws, model = name, error = %e, "model answer refused; template used");
            Text::template(&p.rendered, Some(format!("template used: the model's answer was refused ({e})")))
        }
    }
}

/// Drafts one page of enrolled leads (sorted by lead id).
async fn draft_page(pass: &Pass<'_>, page: &[Enrolled], report: &mut DraftReport) -> Result<()> {
    let engine = pass.engine;
    report.leads += page.len() as u64;
    let addressable: Vec<&Enrolled> = page
        .iter()
        .filter(|l| {
            let status: Option<LeadStatus> = l.status.parse().ok();
            let ok = status.is_some_and(|s| !s.blocks_outreach()) && l.email.is_some();
            if !ok {
                report.unaddressable += 1;
            }
            ok
        })
        .collect();
    if addressable.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = addressable.iter().map(|l| l.lead_id).collect();
    let mut db = engine.tenant(pass.ws).await?;
    let existing = drafts::for_leads(&mut *db, pass.ws, pass.campaign.id, &ids).await?;
    let memories = drafts::rejection_memories(&mut *db, pass.ws, &ids, pass.guard.rejection_ttl_days).await?;
    let revived: Vec<Uuid> = addressable.iter().filter(|l| l.revival).map(|l| l.lead_id).collect();
    let received = if revived.is_empty() { Default::default() } else { drafts::copy_received(&mut *db, pass.ws, &revived).await? };
    drop(db);
    let planned: Vec<Planned> = addressable.iter().filter_map(|l| plan(pass, l, existing.get(&l.lead_id), memories.get(&l.lead_id), received.get(&l.lead_id), report)).collect();
    if planned.is_empty() {
        return Ok(());
    }
    let (texts, claimed) = match &pass.writer {
        Writer::Templates { note } => (planned.iter().map(|p| Some(Text::template(&p.rendered, note.clone()))).collect(), Vec::new()),
        Writer::Model { model, name } => model_texts(pass, model, name, &planned).await?,
    };
    let mut new = Vec::with_capacity(planned.len());
    for (p, text) in planned.iter().zip(texts) {
        let Some(text) = text else {
            // Another pass is drafting this touch.
            report.nothing_to_do += 1;
            continue;
        };
        let template_id = p.rendered.template;
        let judge = |body: &str| check(&pass.guard, &GuardDraft { body, template_id: Some(template_id), evidence: &p.rendered.evidence }, &p.memory, pass.now);
        let mut verdict = judge(&text.body);
        let mut text = text;
        // A model draft the guard stops is not worth a human's time when the template passes.
        if !verdict.allows() && text.generator != "template" {
            let fallback = judge(&p.rendered.body);
            if fallback.allows() {
                let why = format!("template used: the model's draft failed the quality guard ({})", verdict.message());
                text = Text::template(&p.rendered, Some(why));
                verdict = fallback;
            }
        }
        let status = if !verdict.allows() {
            "blocked"
        } else if pass.mode.auto_approves(p.first_touch, p.human_approved) {
            "approved"
        } else {
            "pending"
        };
        new.push(drafts::NewDraft {
            campaign: pass.campaign.id,
            lead: p.lead.lead_id,
            step: p.step as i16,
            channel: Channel::Email.as_str().into(),
            due_at: p.due_at.max(pass.now),
            template: template_id.into(),
            angle: p.rendered.angle.into(),
            content_hash: drafting::content_hash(&text.subject_a, &text.subject_b, &text.body),
            subject_a: text.subject_a,
            subject_b: text.subject_b,
            body: text.body,
            evidence: serde_json::to_value(&p.rendered.evidence).unwrap_or_default(),
            guard: verdict.would_block().then(|| json!({ "code": verdict.code().map(|c| c.as_str()), "message": verdict.message(), "outcome": verdict.outcome })),
            generator: text.generator,
            generator_note: text.note,
            status,
        });
    }
    let mut tx = engine.tenant(pass.ws).await?;
    let inserted = drafts::insert_many(&mut tx, pass.ws, pass.campaign.id, &new).await?;
    let approved: Vec<Uuid> = inserted.iter().filter(|d| d.status == "approved").map(|d| d.id).collect();
    outbox::enqueue_approved(&mut tx, pass.ws, &approved, &pass.message_domain).await?;
    record_drafted(&mut tx, pass.ws, pass.campaign.id, &inserted, pass.now).await?;
    tx.commit().await?;
    release_claims(pass, &claimed).await;
    report.drafted += inserted.len() as u64;
    report.auto_approved += approved.len() as u64;
    report.blocked += inserted.iter().filter(|d| d.status == "blocked").count() as u64;
    // Touches another pass drafted first.
    report.nothing_to_do += (new.len() - inserted.len()) as u64;
    Ok(())
}
/// The timeline and the statuses after a drafting page, set-based: a waiting draft is a
/// `draft_queued` activity and moves its lead to `queued`; one autopilot approved at once is an
/// `approved` activity and moves its lead through queued and approved to `in_sequence` (it is in
/// the outbox). Two statements for the activities and three for the statuses, per page.
async fn record_drafted(tx: &mut sqlx::PgConnection, ws: WorkspaceId, campaign: CampaignId, inserted: &[drafts::Inserted], now: DateTime<Utc>) -> Result<()> {
    const QUEUED: &[Signal] = &[Signal::Drafted];
    const AUTO: &[Signal] = &[Signal::Drafted, Signal::Approved, Signal::Enrolled];
    let mut acts = Vec::new();
    let mut moves: Vec<(Uuid, &[Signal])> = Vec::new();
    for d in inserted {
        let (kind, summary, signals): (ActivityKind, String, &[Signal]) = match d.status.as_str() {
            "pending" => (ActivityKind::DraftQueued, format!("Step {} drafted, waiting for approval", d.step + 1), QUEUED),
            "approved" => (ActivityKind::Approved, format!("Step {} drafted and approved by the permission mode", d.step + 1), AUTO),
            _ => continue,
        };
        acts.push(NewActivity {
            campaign: Some(campaign),
            channel: Some(Channel::Email.as_str().into()),
            detail: json!({ "draft": d.id, "step": d.step, "auto": d.status == "approved" }),
            ..NewActivity::on_lead(domain::leads::LeadId(d.lead_id), kind, summary, now)
        });
        moves.push((d.lead_id, signals));
    }
    activities::record_many(tx, ws, &acts).await?;
    signals::apply_batch(tx, ws, &moves, Some(campaign), "draft queued", now).await?;
    Ok(())
}

/// After drafts were approved by a person (one, edited, or a bulk batch): an `approved` activity
/// each, and each lead moves to approved and, its touch now in the outbox, `in_sequence`.
async fn record_approved(tx: &mut sqlx::PgConnection, ws: WorkspaceId, ids: &[Uuid], by: UserId, now: DateTime<Utc>) -> Result<()> {
    const APPROVED: &[Signal] = &[Signal::Approved, Signal::Enrolled];
    let rows: Vec<(Uuid, Uuid, Uuid, i16, String)> =
        sqlx::query_as("select id, lead_id, campaign_id, step, kind from drafts where client_id = $1 and id = any($2) order by lead_id")
            .bind(ws.0)
            .bind(ids)
            .fetch_all(&mut *tx)
            .await?;
    let acts: Vec<NewActivity> = rows
        .iter()
        .map(|(id, lead, campaign, step, kind)| NewActivity {
            campaign: Some(CampaignId(*campaign)),
            channel: Some(Channel::Email.as_str().into()),
            actor: Some(by),
            detail: json!({ "draft": id, "step": step, "kind": kind }),
            ..NewActivity::on_lead(
                domain::leads::LeadId(*lead),
                ActivityKind::Approved,
                if kind == "reply" { "Suggested reply approved".to_string() } else { format!("Step {} approved", step + 1) },
                now,
            )
        })
        .collect();
    activities::record_many(tx, ws, &acts).await?;
    let mut by_campaign: std::collections::BTreeMap<Uuid, Vec<(Uuid, &[Signal])>> = Default::default();
    for (_, lead, campaign, _, kind) in &rows {
        if kind == "sequence" {
            by_campaign.entry(*campaign).or_default().push((*lead, APPROVED));
        }
    }
    for (campaign, moves) in by_campaign {
        signals::apply_batch(tx, ws, &moves, Some(CampaignId(campaign)), "draft approved", now).await?;
    }
    Ok(())
}

/// Drafts for every active campaign of every workspace: the scheduler's sweep.
pub async fn draft_all(engine: &Engine, now: DateTime<Utc>) -> Result<DraftReport> {
    let active: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "select c.client_id, c.id from campaigns c join workspaces w on w.id = c.client_id and w.deleted_at is null
         where c.status = 'active' order by c.client_id, c.id",
    )
    // Every workspace's campaigns: the scheduler's sweep spans tenants.
    .fetch_all(engine.owner_pool())
    .await?;
    let mut total = DraftReport::default();
    for (ws, id) in active {
        let r = draft_campaign(engine, WorkspaceId(ws), CampaignId(id), now).await?;
        total.leads += r.leads;
        total.drafted += r.drafted;
        total.auto_approved += r.auto_approved;
        total.blocked += r.blocked;
        total.unaddressable += r.unaddressable;
        total.nothing_to_do += r.nothing_to_do;
    }
    Ok(total)
}

async fn audit(tx: &mut sqlx::PgConnection, access: &Access, action: &str, id: String, after: serde_json::Value) -> Result<()> {
    audit::record(
        tx,
        audit::Record { workspace: Some(access.workspace), actor: Some(access.user), action, target_type: "draft", target_id: Some(id), before: None, after: Some(after) },
    )
    .await
}

fn changed() -> Error {
    Error::Conflict("this draft changed or was already handled; reload the queue".into())
}

/// Approves one draft as the reviewer saw it (`seen_hash`), and queues it for sending.
pub async fn approve(engine: &Engine, access: &Access, id: DraftId, seen_hash: &str) -> Result<()> {
    access.require(Action::ApproveDrafts)?;
    let ws = access.workspace;
    let user = access.user;
    let mut tx = engine.tenant(ws).await?;
    if !drafts::approve(&mut tx, ws, id, seen_hash, user, None).await? {
        return Err(not_found_or_changed(engine, ws, id).await);
    }
    outbox::enqueue_approved(&mut tx, ws, &[id.0], &message_domain(engine)).await?;
    record_approved(&mut tx, ws, &[id.0], user, Utc::now()).await?;
    audit(&mut tx, &access, "draft.approve", id.to_string(), json!({ "hash": seen_hash })).await?;
    tx.commit().await?;
    Ok(())
}

async fn not_found_or_changed(engine: &Engine, ws: WorkspaceId, id: DraftId) -> Error {
    let found = async { drafts::get(&mut *engine.tenant(ws).await?, ws, id).await };
    match found.await {
        Ok(Some(_)) => changed(),
        Ok(None) => Error::NotFound("draft"),
        Err(e) => e,
    }
}

/// Rejects a draft with a reason (required), remembers it for the lead, and drafts the touch
/// again with another template.
pub async fn reject(engine: &Engine, access: &Access, id: DraftId, reason: &str) -> Result<()> {
    access.require(Action::ApproveDrafts)?;
    let ws = access.workspace;
    let user = access.user;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid("Say why the draft is rejected: the next draft for this lead learns from it".into()));
    }
    if reason.chars().count() > 500 {
        return Err(Error::Invalid("Keep the reason under 500 characters".into()));
    }
    let draft = drafts::get(&mut *engine.tenant(ws).await?, ws, id).await?.ok_or(Error::NotFound("draft"))?;
    let evidence: Vec<domain::guard::Evidence> = serde_json::from_value(draft.evidence.clone()).unwrap_or_default();
    let keys: Vec<String> = evidence.iter().map(|e| e.key()).collect();
    let mut tx = engine.tenant(ws).await?;
    if !drafts::reject(&mut tx, ws, id, reason, &fingerprint(&draft.body), &keys, user).await? {
        return Err(changed());
    }
    audit(&mut tx, &access, "draft.reject", id.to_string(), json!({ "reason": reason, "template": draft.template })).await?;
    let lead = domain::leads::LeadId(draft.lead_id);
    activities::record(
        &mut tx,
        ws,
        &NewActivity {
            campaign: Some(CampaignId(draft.campaign_id)),
            channel: Some(draft.channel.clone()),
            actor: Some(user),
            detail: json!({ "draft": id, "step": draft.step, "reason": reason, "template": draft.template }),
            ..NewActivity::on_lead(lead, ActivityKind::Rejected, format!("Step {} rejected: {reason}", draft.step + 1), Utc::now())
        },
    )
    .await?;
    if draft.kind == "sequence" {
        signals::apply_in(&mut tx, ws, lead, Some(CampaignId(draft.campaign_id)), Signal::DraftRejected, "draft rejected", Utc::now()).await?;
    }
    tx.commit().await?;
    // The rotated draft: best effort, the next sweep retries it anyway. A suggested reply is
    // not redrafted: the person answers from the Inbox instead.
    if draft.kind != "sequence" {
        return Ok(());
    }
    if let Err(e) = draft_campaign_lead(engine, ws, CampaignId(draft.campaign_id), draft.lead_id, Utc::now()).await {
        tracing::warn!(error = %e, "redraft after rejection failed; the scheduler will retry");
    }
    Ok(())
}

/// Drafts one lead of a campaign (after a rejection).
async fn draft_campaign_lead(engine: &Engine, ws: WorkspaceId, id: CampaignId, lead: Uuid, now: DateTime<Utc>) -> Result<DraftReport> {
    let mut report = DraftReport::default();
    let Some(pass) = Pass::start(engine, ws, id, now).await? else { return Ok(report) };
    let enrolled = campaigns::enrolled_lead(&mut *engine.tenant(ws).await?, ws, id, lead).await?;
    if let Some(e) = enrolled {
        draft_page(&pass, std::slice::from_ref(&e), &mut report).await?;
    }
    Ok(report)
}
/// Edit then approve: the reviewer's text replaces the draft's (the original is kept once for
/// the diff), and the edited version is what is approved and sent.
pub async fn edit_and_approve(engine: &Engine, access: &Access, id: DraftId, seen_hash: &str, subject_a: &str, subject_b: &str, body: &str) -> Result<String> {
    access.require(Action::ApproveDrafts)?;
    let ws = access.workspace;
    let user = access.user;
    let (subject_a, subject_b, body) = (subject_a.trim(), subject_b.trim(), body.trim());
    if body.is_empty() {
        return Err(Error::Invalid("The message body cannot be empty".into()));
    }
    if body.chars().count() > 20_000 || subject_a.chars().count() > 200 || subject_b.chars().count() > 200 {
        return Err(Error::Invalid("Subjects are at most 200 characters and the body at most 20,000".into()));
    }
    let draft = drafts::get(&mut *engine.tenant(ws).await?, ws, id).await?.ok_or(Error::NotFound("draft"))?;
    if draft.channel == "email" && draft.kind == "sequence" && (subject_a.is_empty() || subject_b.is_empty() || subject_a.eq_ignore_ascii_case(subject_b)) {
        return Err(Error::Invalid("An email needs two different subjects for its A/B test".into()));
    }
    let new_hash = drafting::content_hash(subject_a, subject_b, body);
    let mut tx = engine.tenant(ws).await?;
    if !drafts::edit(&mut tx, ws, id, seen_hash, subject_a, subject_b, body, &new_hash).await? {
        return Err(changed());
    }
    if !drafts::approve(&mut tx, ws, id, &new_hash, user, None).await? {
        return Err(changed());
    }
    outbox::enqueue_approved(&mut tx, ws, &[id.0], &message_domain(engine)).await?;
    record_approved(&mut tx, ws, &[id.0], user, Utc::now()).await?;
    audit(&mut tx, &access, "draft.edit_approve", id.to_string(), json!({ "from": seen_hash, "to": new_hash })).await?;
    tx.commit().await?;
    Ok(new_hash)
}

/// A frozen bulk approval, as shown to the reviewer before they confirm it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrozenBatch {
    pub id: BatchId,
    pub drafts: usize,
    pub expires_at: DateTime<Utc>,
}

/// How long a frozen batch may wait for its confirmation.
pub const BATCH_TTL_MINUTES: i64 = 15;
/// Most drafts one bulk approval takes.
pub const MAX_BATCH: i64 = 2_000;

/// Freezes the pending drafts of a campaign (or all) — their ids and content hashes — for a
/// bulk approval the reviewer confirms next.
pub async fn freeze_batch(engine: &Engine, access: &Access, campaign: Option<CampaignId>, limit: i64) -> Result<FrozenBatch> {
    access.require(Action::ApproveDrafts)?;
    let ws = access.workspace;
    let user = access.user;
    let items = drafts::pending_items(&mut *engine.tenant(ws).await?, ws, campaign, limit.clamp(1, MAX_BATCH)).await?;
    if items.is_empty() {
        return Err(Error::Invalid("There is nothing pending to approve".into()));
    }
    let expires_at = Utc::now() + Duration::minutes(BATCH_TTL_MINUTES);
    let mut tx = engine.tenant(ws).await?;
    let id = drafts::insert_batch(&mut tx, ws, &items, expires_at, user).await?;
    audit(&mut tx, &access, "batch.freeze", id.to_string(), json!({ "drafts": items.len() })).await?;
    tx.commit().await?;
    Ok(FrozenBatch { id, drafts: items.len(), expires_at })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOutcome {
    pub approved: usize,
    /// Drafts edited, rejected or approved elsewhere after the batch was frozen: not approved.
    pub stale: usize,
}

/// Executes a frozen batch — once. Only drafts still pending with their frozen hash are
/// approved; a second execution, or one after expiry, is refused and changes nothing.
pub async fn execute_batch(engine: &Engine, access: &Access, id: BatchId) -> Result<BatchOutcome> {
    access.require(Action::ApproveDrafts)?;
    let ws = access.workspace;
    let user = access.user;
    let mut tx = engine.tenant(ws).await?;
    let Some(items) = drafts::claim_batch(&mut tx, ws, id, Utc::now()).await? else {
        return Err(Error::Conflict("This bulk approval was already carried out or has expired; select the drafts again".into()));
    };
    let approved = drafts::approve_frozen(&mut tx, ws, &items, user, id).await?;
    outbox::enqueue_approved(&mut tx, ws, &approved, &message_domain(engine)).await?;
    record_approved(&mut tx, ws, &approved, user, Utc::now()).await?;
    let outcome = BatchOutcome { approved: approved.len(), stale: items.len() - approved.len() };
    drafts::finish_batch(&mut tx, ws, id, outcome.approved as i32, outcome.stale as i32).await?;
    audit(&mut tx, &access, "batch.execute", id.to_string(), json!({ "approved": outcome.approved, "stale": outcome.stale })).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// The approval queue page.
pub async fn queue(engine: &Engine, access: &Access, campaign: Option<CampaignId>, after: Option<drafts::QueueCursor>, limit: i64) -> Result<drafts::QueuePage> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    drafts::queue(&mut *engine.tenant(ws).await?, ws, campaign, after, limit).await
}

/// Freezes the reviewer's selection (only drafts of this workspace still pending) for a bulk
/// approval confirmed next, like [`freeze_batch`].
pub async fn freeze_selection(engine: &Engine, access: &Access, ids: &[DraftId]) -> Result<FrozenBatch> {
    access.require(Action::ApproveDrafts)?;
    let ws = access.workspace;
    let user = access.user;
    if ids.len() as i64 > MAX_BATCH {
        return Err(Error::Invalid(format!("Select at most {MAX_BATCH} drafts at once")));
    }
    let ids: Vec<Uuid> = ids.iter().map(|d| d.0).collect();
    let items = drafts::selected_items(&mut *engine.tenant(ws).await?, ws, &ids).await?;
    if items.is_empty() {
        return Err(Error::Invalid("None of the selected drafts is still pending".into()));
    }
    let expires_at = Utc::now() + Duration::minutes(BATCH_TTL_MINUTES);
    let mut tx = engine.tenant(ws).await?;
    let id = drafts::insert_batch(&mut tx, ws, &items, expires_at, user).await?;
    audit(&mut tx, &access, "batch.freeze", id.to_string(), json!({ "drafts": items.len(), "selected": ids.len() })).await?;
    tx.commit().await?;
    Ok(FrozenBatch { id, drafts: items.len(), expires_at })
}
