//! The Inbox (issue 11 §4), the lead timeline and the Dashboard's numbers: reads shaped for the
//! UI, and what a person does with a reply.
//!
//! Every function takes the caller's [`Access`], resolved once at the edge; reads need any role,
//! changes need what the edge asked for (members and above). Ids are looked up inside the
//! workspace only, so another workspace's reply is simply not found and nothing changes.
//!
//! Answering goes through the approval queue and the outbox like any message: the answer
//! becomes the reply's reply draft (replacing a waiting suggestion), the permission mode decides
//! whether it waits for a person (co-pilot, manual) or is approved at once (autopilot), and
//! dispatch sends it with every just-in-time check, in the lead's thread (In-Reply-To their
//! message), from the thread's mailbox, DKIM-signed. The form's idempotency key makes a double
//! submit write one answer.

use crate::auth::Access;
use crate::flows::drafts::message_domain;
use crate::store::activities::{self, Activity, NewActivity};
use crate::store::replies::{self, InboxFilter, ReplyRow};
use crate::store::{audit, campaigns, drafts, inbox as store, leads, outbox};
use crate::{Engine, Error, Result};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use domain::activity::ActivityKind;
use domain::campaign::PermissionMode;
use domain::ids::{CampaignId, MailboxId};
use domain::inbox::{
    encode_cursor, parse_class, Answered, Conversation, DashboardNumbers, FilterOption, InboxItem, InboxPage, InboxTab, TabCount, ThreadEntry, TimelineEntry,
    TimelinePage, MAX_NOTE_CHARS, MAX_REPLY_CHARS,
};
use domain::leads::LeadId;
use domain::reply::ReplyClass;
use serde_json::json;
use uuid::Uuid;

/// Rows one Inbox page shows.
pub const PAGE: i64 = 50;
/// Entries one timeline page shows.
pub const TIMELINE_PAGE: i64 = 30;

/// What the Inbox lists.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub tab: InboxTab,
    pub campaign: Option<CampaignId>,
    pub mailbox: Option<MailboxId>,
    /// Inclusive days, in UTC.
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub search: Option<String>,
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

fn class_of(s: &str) -> ReplyClass {
    parse_class(s).unwrap_or(ReplyClass::Unclassified)
}

fn item(r: ReplyRow, mailboxes: &[FilterOption]) -> InboxItem {
    let class = class_of(&r.intent);
    let snippet: String = domain::reply::visible_text(&r.body_text).split_whitespace().collect::<Vec<_>>().join(" ").chars().take(160).collect();
    InboxItem {
        id: r.id,
        lead_id: r.lead_id.map(LeadId),
        lead_name: r.lead_name.unwrap_or_else(|| r.from_address.clone()),
        company: r.company,
        from: r.from_address,
        subject: r.subject,
        snippet,
        class,
        confidence: r.confidence,
        reason: r.intent_reason,
        classified_by: r.intent_source,
        return_date: r.return_date,
        received_at: r.received_at,
        unread: r.read_at.is_none(),
        archived: r.archived_at.is_some(),
        snoozed_until: r.snoozed_until,
        campaign: r.campaign_name,
        mailbox: r.mailbox_id.and_then(|m| mailboxes.iter().find(|o| o.id == m).map(|o| o.label.clone())),
    }
}

async fn options(db: &mut sqlx::PgConnection, access: &Access) -> Result<(Vec<FilterOption>, Vec<FilterOption>)> {
    let (mut campaigns, mut mailboxes) = (Vec::new(), Vec::new());
    for (what, id, label) in store::filter_options(db, access.workspace).await? {
        let o = FilterOption { id, label };
        if what == "campaign" { campaigns.push(o) } else { mailboxes.push(o) }
    }
    Ok((campaigns, mailboxes))
}

/// One page of the Inbox, newest first, with every tab's count.
pub async fn page(engine: &Engine, access: &Access, q: &Query) -> Result<InboxPage> {
    let ws = access.workspace;
    let filter = InboxFilter {
        classes: if q.tab == InboxTab::All { Vec::new() } else { q.tab.classes().to_vec() },
        campaign: q.campaign,
        mailbox: q.mailbox,
        since: q.since.map(midnight),
        until: q.until.map(|d| midnight(d + chrono::Duration::days(1))),
        search: q.search.clone(),
        include_archived: false,
        include_snoozed: false,
    };
    // One snapshot for the page, its counts and its filters.
    let mut db = access.tenant(engine).await?;
    let (rows, next) = replies::list(&mut db, ws, &filter, q.after, PAGE).await?;
    let counts = replies::counts(&mut *db, ws).await?;
    let (campaigns, mailboxes) = options(&mut db, access).await?;
    drop(db);
    Ok(InboxPage {
        items: rows.into_iter().map(|r| item(r, &mailboxes)).collect(),
        next: next.map(|(at, id)| encode_cursor(at, id)),
        counts: InboxTab::ALL
            .into_iter()
            .map(|tab| {
                let classes: &[ReplyClass] = if tab == InboxTab::All { &[] } else { tab.classes() };
                TabCount { tab, count: counts.total(classes), unread: counts.unread_of(classes) }
            })
            .collect(),
        campaigns,
        mailboxes,
    })
}

/// Live replies needing attention: the sidebar's number.
pub async fn attention(engine: &Engine, access: &Access) -> Result<i64> {
    Ok(replies::counts(&mut *access.tenant(engine).await?, access.workspace).await?.total(InboxTab::NeedsAttention.classes()))
}

/// Why no answer can be written to this reply here, if so.
fn answer_blocked(r: &ReplyRow) -> Option<String> {
    if r.lead_id.is_none() {
        Some("This reply matched none of your leads, so it cannot be answered from a campaign; answer it from your mail client.".into())
    } else if r.campaign_id.is_none() {
        Some("This reply came outside any campaign (no sender identity or mailbox to answer from); answer it from your mail client.".into())
    } else {
        None
    }
}

/// One conversation: the reply, the whole thread oldest first, and the lead. Members opening it
/// mark it read; a viewer's look changes nothing.
pub async fn open(engine: &Engine, access: &Access, reply: Uuid) -> Result<Conversation> {
    let ws = access.workspace;
    let mut db = access.tenant(engine).await?;
    let r = replies::get(&mut *db, ws, reply).await?.ok_or(Error::NotFound("reply"))?;
    if r.read_at.is_none() && access.role.can(domain::account::Action::ApproveDrafts) {
        replies::mark_read(&mut *db, ws, reply, true).await?;
    }
    let body = r.body_text.clone();
    let blocked = answer_blocked(&r);
    let (thread, lead) = match r.lead_id.map(LeadId) {
        Some(lead) => (replies::thread(&mut *db, ws, lead).await?, leads::get(&mut *db, ws, lead).await?),
        None => (Vec::new(), None),
    };
    db.commit().await?;
    let mut thread: Vec<ThreadEntry> = thread
        .into_iter()
        .map(|t| ThreadEntry {
            id: t.id,
            inbound: !t.outbound,
            at: t.at,
            from: t.from_address.unwrap_or_default(),
            to: t.to_address.unwrap_or_default(),
            subject: t.subject,
            body: t.body,
            state: t.state,
            class: t.intent.as_deref().map(class_of),
        })
        .collect();
    if thread.is_empty() {
        // A reply from a stranger: the thread is just what they wrote.
        thread.push(ThreadEntry { id: r.id, inbound: true, at: r.received_at, from: r.from_address.clone(), to: String::new(), subject: r.subject.clone(), body: body.clone(), state: None, class: Some(class_of(&r.intent)) });
    }
    let mut reply_item = item(r, &[]);
    reply_item.unread = false;
    Ok(Conversation { reply: reply_item, body, thread, lead, answer_blocked: blocked })
}

/// The mode that decides whether an answer waits for a person: the campaign's, else the
/// workspace's.
async fn mode_of(engine: &Engine, access: &Access, campaign: CampaignId) -> Result<PermissionMode> {
    let mut db = access.tenant(engine).await?;
    let c = campaigns::get(&mut *db, access.workspace, campaign).await?.ok_or(Error::NotFound("campaign"))?;
    Ok(match c.settings.permission_mode {
        Some(m) => m,
        None => store::workspace_mode(&mut *db, access.workspace).await?.parse().unwrap_or_default(),
    })
}

fn answered(outcome: &str, draft: Uuid) -> Answered {
    if outcome == "queued" { Answered::Queued { draft } } else { Answered::AwaitingApproval { draft } }
}

/// Answers a reply: exactly once per `key`, threaded under their message, through the approval
/// queue or (autopilot) straight into the outbox.
pub async fn answer(engine: &Engine, access: &Access, reply: Uuid, text: &str, key: &str) -> Result<Answered> {
    let ws = access.workspace;
    let body = text.trim();
    if body.is_empty() {
        return Err(Error::Invalid("Write your answer first".into()));
    }
    if body.chars().count() > MAX_REPLY_CHARS {
        return Err(Error::Invalid(format!("Keep the answer under {MAX_REPLY_CHARS} characters")));
    }
    let key = key.trim();
    if !(8..=200).contains(&key.len()) || key.chars().any(|c| c.is_control()) {
        return Err(Error::Invalid("The form's key is missing or malformed; reload the Inbox and answer again".into()));
    }
    let r = replies::get(&mut *access.tenant(engine).await?, ws, reply).await?.ok_or(Error::NotFound("reply"))?;
    if let Some(why) = answer_blocked(&r) {
        return Err(Error::Invalid(why));
    }
    let (lead, campaign) = (r.lead_id.expect("checked"), CampaignId(r.campaign_id.expect("checked")));
    let mode = mode_of(engine, access, campaign).await?;
    let subject = if r.subject.trim().to_ascii_lowercase().starts_with("re:") { r.subject.trim().to_string() } else { format!("Re: {}", r.subject.trim()) };
    let subject = replies::cap(&subject, 200).to_string();
    let hash = crate::drafting::content_hash(&subject, &subject, body);
    let now = Utc::now();

    let mut tx = engine.tenant(ws).await?;
    if let Some(done) = store::answer_by_key(&mut tx, ws, key).await? {
        if done.reply_id != reply {
            return Err(Error::Conflict("This form was already used for another reply; reload the Inbox".into()));
        }
        return Ok(answered(&done.outcome, done.draft_id));
    }
    let draft = match store::reply_draft(&mut tx, ws, reply).await? {
        None => drafts::insert_reply(
            &mut tx,
            ws,
            &drafts::NewReplyDraft { campaign, lead, reply, template: "reply.answer".into(), subject: subject.clone(), body: body.into(), content_hash: hash.clone(), generator: "user".into(), due_at: now },
        )
        .await?
        .ok_or_else(|| Error::Conflict("This reply was answered meanwhile; reload the conversation".into()))?,
        Some((id, status)) if matches!(status.as_str(), "pending" | "rejected" | "blocked") => {
            if !store::rewrite_reply_draft(&mut tx, ws, id, &subject, body, &hash).await? {
                return Err(Error::Conflict("This reply was answered meanwhile; reload the conversation".into()));
            }
            id
        }
        Some(_) => return Err(Error::Conflict("This message already has an answer on its way; answer their next message instead".into())),
    };
    let auto = mode == PermissionMode::Autopilot;
    let (kind, summary, outcome) = if auto {
        if !drafts::approve(&mut tx, ws, draft, &hash, access.user, None).await? {
            return Err(Error::Conflict("This reply was answered meanwhile; reload the conversation".into()));
        }
        outbox::enqueue_approved(&mut tx, ws, &[draft.0], &message_domain(engine)).await?;
        (ActivityKind::Approved, "Answer written in the Inbox, approved by autopilot and queued", "queued")
    } else {
        (ActivityKind::DraftQueued, "Answer written in the Inbox, waiting for approval", "awaiting_approval")
    };
    activities::record(
        &mut tx,
        ws,
        &NewActivity {
            campaign: Some(campaign),
            reply: Some(reply),
            channel: Some("email".into()),
            actor: Some(access.user),
            detail: json!({ "draft": draft, "kind": "reply", "text": body, "mode": mode.as_str() }),
            dedupe_key: Some(format!("answer:{key}")),
            ..NewActivity::on_lead(LeadId(lead), kind, summary, now)
        },
    )
    .await?;
    store::record_answer(&mut tx, ws, key, reply, draft, outcome, access.user).await?;
    replies::mark_read(&mut *tx, ws, reply, true).await?;
    audit_reply(&mut tx, access, "reply.answer", reply, json!({ "draft": draft, "outcome": outcome })).await?;
    tx.commit().await?;
    Ok(answered(outcome, draft.0))
}

async fn audit_reply(tx: &mut sqlx::PgConnection, access: &Access, action: &str, reply: Uuid, after: serde_json::Value) -> Result<()> {
    audit::record(
        tx,
        audit::Record { workspace: Some(access.workspace), actor: Some(access.user), action, target_type: "reply", target_id: Some(reply.to_string()), before: None, after: Some(after) },
    )
    .await
}

/// Re-classifies a reply by hand: the earlier class's action is reversed where safe and the
/// new class's follows (see `flows::replies::reclassify`, also for `lift_opt_out`).
pub async fn reclassify(engine: &Engine, access: &Access, reply: Uuid, class: ReplyClass, lift_opt_out: bool) -> Result<domain::inbox::Reclassified> {
    crate::flows::replies::reclassify(engine, access, reply, class, lift_opt_out).await
}

/// Archives a reply: it leaves every tab but All's archive.
pub async fn archive(engine: &Engine, access: &Access, reply: Uuid) -> Result<()> {
    let mut tx = engine.tenant(access.workspace).await?;
    if !replies::archive(&mut *tx, access.workspace, reply, true).await? {
        return Err(Error::NotFound("reply"));
    }
    audit_reply(&mut tx, access, "reply.archive", reply, json!({ "archived": true })).await?;
    tx.commit().await?;
    Ok(())
}

/// Hides a reply until the start of `until` (UTC).
pub async fn snooze(engine: &Engine, access: &Access, reply: Uuid, until: NaiveDate) -> Result<()> {
    let mut tx = engine.tenant(access.workspace).await?;
    if !replies::snooze(&mut *tx, access.workspace, reply, Some(midnight(until))).await? {
        return Err(Error::NotFound("reply"));
    }
    audit_reply(&mut tx, access, "reply.snooze", reply, json!({ "until": until })).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a meeting booked with the reply's lead (once per reply); true if it was new.
pub async fn meeting_booked(engine: &Engine, access: &Access, reply: Uuid) -> Result<bool> {
    let r = replies::get(&mut *access.tenant(engine).await?, access.workspace, reply).await?.ok_or(Error::NotFound("reply"))?;
    let lead = r.lead_id.map(LeadId).ok_or_else(|| Error::Invalid("This reply is not linked to a lead".into()))?;
    crate::flows::meetings::book(engine, access.workspace, lead, "manual", Some(format!("reply:{reply}")), None, Some(access.user)).await
}

fn entry(a: Activity) -> TimelineEntry {
    let text = ["text", "excerpt"].iter().find_map(|k| a.detail.get(*k).and_then(|v| v.as_str())).map(str::to_string);
    TimelineEntry {
        id: a.id,
        kind: a.kind,
        channel: a.channel,
        summary: a.summary,
        occurred_at: a.occurred_at,
        actor: a.actor_name,
        lead_id: a.lead_id.map(LeadId),
        lead_name: a.lead_name,
        text,
    }
}

/// Adds a note to the lead's timeline.
pub async fn note(engine: &Engine, access: &Access, lead: LeadId, text: &str) -> Result<TimelineEntry> {
    let ws = access.workspace;
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::Invalid("Write the note first".into()));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::Invalid(format!("Keep the note under {MAX_NOTE_CHARS} characters")));
    }
    leads::get(&mut *access.tenant(engine).await?, ws, lead).await?.ok_or(Error::NotFound("lead"))?;
    let first_line: String = text.lines().next().unwrap_or_default().chars().take(120).collect();
    // Microseconds, as stored: the note is read back by its time.
    let at = Utc::now().trunc_subsecs(6);
    let a = NewActivity { actor: Some(access.user), detail: json!({ "text": text }), ..NewActivity::on_lead(lead, ActivityKind::Note, first_line, at) };
    let mut tx = engine.tenant(ws).await?;
    activities::record(&mut tx, ws, &a).await?;
    // Read back as the timeline shows it (with the author's name).
    let newest = activities::timeline(&mut tx, ws, lead, None, 10).await?;
    tx.commit().await?;
    newest.into_iter().find(|x| x.kind == "note" && x.occurred_at == at).map(entry).ok_or(Error::NotFound("note"))
}

/// A page of the lead's timeline, newest first.
pub async fn timeline(engine: &Engine, access: &Access, lead: LeadId, before: Option<(DateTime<Utc>, Uuid)>) -> Result<TimelinePage> {
    let ws = access.workspace;
    let mut db = access.tenant(engine).await?;
    if before.is_none() {
        // The first page of a lead that is not ours is a 404, not an empty timeline.
        leads::get(&mut *db, ws, lead).await?.ok_or(Error::NotFound("lead"))?;
    }
    let mut rows = activities::timeline(&mut db, ws, lead, before, TIMELINE_PAGE + 1).await?;
    let more = rows.len() as i64 > TIMELINE_PAGE;
    rows.truncate(TIMELINE_PAGE as usize);
    let older = if more { rows.last().map(|a| encode_cursor(a.occurred_at, a.id)) } else { None };
    Ok(TimelinePage { entries: rows.into_iter().map(entry).collect(), older })
}

/// The workspace's latest activities, newest first.
pub async fn feed(engine: &Engine, access: &Access, limit: i64) -> Result<Vec<TimelineEntry>> {
    Ok(activities::feed(&mut *access.tenant(engine).await?, access.workspace, None, limit).await?.into_iter().map(entry).collect())
}

/// The Dashboard's numbers. Replies needing attention are counted as the Inbox counts them
/// (snoozed ones are not waiting), so the two never disagree.
pub async fn dashboard(engine: &Engine, access: &Access) -> Result<DashboardNumbers> {
    let mut db = access.tenant(engine).await?;
    let c = crate::store::dashboard::counts(&mut db, access.workspace).await?;
    let attention = replies::counts(&mut *db, access.workspace).await?.total(InboxTab::NeedsAttention.classes());
    Ok(DashboardNumbers {
        drafts_waiting: c.drafts_waiting,
        replies_attention: attention,
        meetings_this_week: c.meetings_this_week,
        leads: c.leads,
        sent_7d: c.sent_7d,
        sent_prev_7d: c.sent_prev_7d,
        replies_7d: c.replies_7d,
        replies_prev_7d: c.replies_prev_7d,
        meetings_last_week: c.meetings_last_week,
    })
}
