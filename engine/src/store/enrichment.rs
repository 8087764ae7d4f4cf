//! Enrichment bookkeeping in Postgres: the workspace's plan and credits, which leads are still
//! pending enrichment, and the one transaction that writes an enrichment (log row, credit
//! charge, lead update) so that it happens exactly once per lead.
//!
//! Every function takes the workspace id and filters by it. This module does not call
//! providers or decide what to accept: that is `flows::enrich`.

use crate::store::leads::{ScoreUpdate, ScoringRow};
use crate::Result;
use chrono::{DateTime, Utc};
use domain::ids::WorkspaceId;
use domain::lead_status::LeadStatus;
use domain::leads::canonical_email;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// A workspace's plan as far as enrichment cares (SPEC §2).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanState {
    pub plan: String,
    pub subscription_status: String,
    pub credits_remaining: i32,
}

impl PlanState {
    /// SPEC §2: enrichment and sending run only for `trialing` and `active`.
    pub fn may_enrich(&self) -> bool {
        matches!(self.subscription_status.as_str(), "trialing" | "active")
    }
}

pub async fn plan_state<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<PlanState>> {
    Ok(sqlx::query_as(
        "select plan, subscription_status, credits_remaining from workspaces where id = $1 and deleted_at is null",
    )
    .bind(ws.0)
    .fetch_optional(db)
    .await?)
}

/// Operator and billing use: set status and credits (tests use it to reach each state).
pub async fn set_plan_state<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, status: &str, credits: i32) -> Result<()> {
    sqlx::query("update workspaces set subscription_status = $2, credits_remaining = $3 where id = $1")
        .bind(ws.0)
        .bind(status)
        .bind(credits)
        .execute(db)
        .await?;
    Ok(())
}

/// What the waterfall needs to know about a lead.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PendingLead {
    pub id: Uuid,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    /// Which people search found the lead, and its id there (see `flows::discover`).
    pub source_provider: Option<String>,
    pub provider_ref: Option<String>,
    /// The rest of what scoring reads, so a batch can score its leads without reading them again.
    pub status: String,
    pub email_verified: bool,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub country: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub web: Option<sqlx::types::Json<domain::score::WebPresence>>,
    pub timing: Option<sqlx::types::Json<domain::score::Timing>>,
}

impl PendingLead {
    /// The lead as scoring sees it, unchanged.
    pub fn scoring_row(&self) -> ScoringRow {
        ScoringRow {
            id: self.id,
            status: self.status.clone(),
            email: self.email.clone(),
            email_verified: self.email_verified,
            phone: self.phone.clone(),
            linkedin_url: self.linkedin_url.clone(),
            title: self.title.clone(),
            industry: self.industry.clone(),
            employee_count: self.employee_count,
            location: self.location.clone(),
            country: self.country.clone(),
            company_domain: self.company_domain.clone(),
            web: self.web.clone(),
            timing: self.timing,
        }
    }
}

const PENDING: &str = "select l.id, l.email, l.linkedin_url, l.first_name, l.last_name, l.company, l.company_domain,
            l.source_provider, l.provider_ref, l.status, l.email_verified, l.title, l.phone, l.location, l.country,
            l.industry, l.employee_count, cw.web, l.timing
     from leads l
     left join company_web cw on cw.client_id = l.client_id and cw.domain = l.company_domain
     where l.client_id = $1 and l.status = 'new' and l.deleted_at is null
       and not exists (select 1 from enrichment_log e where e.client_id = l.client_id and e.lead_id = l.id)";

/// The next `limit` pending leads after `after` (keyset order by id), for the pipeline.
pub async fn pending_batch<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, after: Option<Uuid>, limit: i64) -> Result<Vec<PendingLead>> {
    Ok(sqlx::query_as(&format!("{PENDING} and ($2::uuid is null or l.id > $2) order by l.id limit $3"))
        .bind(ws.0)
        .bind(after)
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// Of the given leads, those still pending: what a (re)tried batch job still has to do.
pub async fn pending_among<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, ids: &[Uuid]) -> Result<Vec<PendingLead>> {
    Ok(sqlx::query_as(&format!("{PENDING} and l.id = any($2) order by l.id"))
        .bind(ws.0)
        .bind(ids)
        .fetch_all(db)
        .await?)
}

pub async fn count_pending<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<i64> {
    Ok(sqlx::query_scalar(&format!("select count(*) from ({PENDING}) p"))
        .bind(ws.0)
        .fetch_one(db)
        .await?)
}

/// The accepted data, already normalised by the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrichment {
    pub provider: String,
    /// `provider` or `cache`.
    pub source: &'static str,
    pub confidence: f32,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub title: Option<String>,
    pub company_domain: Option<String>,
    pub linkedin_url: Option<String>,
    pub phone: Option<String>,
    pub location: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    /// What the provider reported of timing; merged into the lead's, field by field.
    pub timing: domain::score::Timing,
    pub reason: String,
}

/// What [`record_batch`] did with each accepted lead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchCharge {
    /// Logged, charged one credit each, updated.
    pub charged: Vec<Uuid>,
    /// An earlier run already enriched or skipped them: nothing written.
    pub already_done: Vec<Uuid>,
    /// No credit was left for them: nothing written, they stay pending.
    pub no_credits: Vec<Uuid>,
    /// Skips newly recorded (a skip an earlier run recorded is not counted).
    pub skipped: Vec<Uuid>,
    /// Leads scored in the same transaction (only with [`BatchScoring`]).
    pub scored: u64,
}

/// Scoring done by the batch's own write (the pipeline's single pass), so that a lead is
/// written once rather than once enriched and again scored: each lead's score is computed from
/// what the lead will hold after the write (its values as read, plus what the enrichment adds)
/// and stored by the same statement that stores the enrichment.
pub struct BatchScoring<'a> {
    /// The leads as read for the batch, by id.
    pub before: &'a std::collections::HashMap<Uuid, PendingLead>,
    /// The score and status move of a lead as scoring sees it (`flows::score::BatchScorer`).
    pub score: &'a (dyn Fn(&ScoringRow) -> Result<ScoreUpdate> + Sync),
    pub scored_at: DateTime<Utc>,
    /// Web presence measured in this batch, by company domain.
    pub web: &'a std::collections::HashMap<String, domain::score::WebPresence>,
}

/// Writes a whole batch in one transaction of the caller's: the log rows (their primary key
/// makes a second attempt a no-op), the credits (taken only while there are some) and the lead
/// updates for accepted results, and the log rows of skips — a handful of statements per batch.
///
/// A lead keeps what it already had (what the user gave wins over provider data) and gains
/// what it lacked; `next_status` comes from the domain status machine, and a lead that moved on
/// meanwhile (scored, contacted) keeps its status.
///
/// Credits: at most `credits_remaining` leads (in the given order) are charged; the rest are
/// left pending. When the credits seen before writing cover the batch (the usual case), the
/// charge is the last statement — `credits_remaining - n` only while at least `n` remain — so
/// batches of one workspace queue on the workspace row only for their commits, not for their
/// whole writes; should another batch have taken the credits meanwhile, the writes are rolled
/// back to a savepoint and done again with the row locked first, charging what is left.
///
/// Duplicates: an email or LinkedIn URL that another lead already has, or that an earlier
/// result of the same batch brings, is not copied (one statement cannot see its own earlier
/// rows, so the batch is checked here first).
pub async fn record_batch(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    accepted: &[(Uuid, Enrichment)],
    skipped: &[(Uuid, String)],
    next_status: LeadStatus,
    scoring: Option<&BatchScoring<'_>>,
) -> Result<BatchCharge> {
    let mut out = BatchCharge::default();
    if !skipped.is_empty() {
        let ids: Vec<Uuid> = skipped.iter().map(|(id, _)| *id).collect();
        let reasons: Vec<&str> = skipped.iter().map(|(_, r)| r.as_str()).collect();
        out.skipped = sqlx::query_scalar(
            "insert into enrichment_log (client_id, lead_id, outcome, reason)
             select $1, id, 'skipped', reason from unnest($2::uuid[], $3::text[]) as t(id, reason)
             on conflict do nothing returning lead_id",
        )
        .bind(ws.0)
        .bind(&ids)
        .bind(&reasons)
        .fetch_all(&mut *conn)
        .await?;
        // A skipped lead keeps its data: score it as it is (a skip an earlier run recorded was
        // that run's to score).
        if let Some(scoring) = scoring {
            let updates =
                out.skipped.iter().filter_map(|id| scoring.before.get(id)).map(|l| (scoring.score)(&l.scoring_row())).collect::<Result<Vec<_>>>()?;
            out.scored += crate::store::leads::save_scores(&mut *conn, ws, &updates, scoring.scored_at).await?;
        }
    }
    if accepted.is_empty() {
        return Ok(out);
    }
    let seen: Option<i32> =
        sqlx::query_scalar("select credits_remaining from workspaces where id = $1").bind(ws.0).fetch_optional(&mut *conn).await?;
    if usize::try_from(seen.unwrap_or(0)).unwrap_or(0) >= accepted.len() {
        sqlx::query("savepoint record_batch").execute(&mut *conn).await?;
        if let Some(written) = write_enriched(&mut *conn, ws, accepted, next_status, scoring, true).await? {
            sqlx::query("release savepoint record_batch").execute(&mut *conn).await?;
            out.add(written);
            return Ok(out);
        }
        sqlx::query("rollback to savepoint record_batch").execute(&mut *conn).await?;
    }
    // `for no key update`: every log row takes a key-share lock on the workspace row through
    // its foreign key, which `for update` would conflict with — two batches each holding the
    // other's wanted lock (a deadlock seen with 8 batches at once).
    let credits: Option<i32> = sqlx::query_scalar("select credits_remaining from workspaces where id = $1 for no key update")
        .bind(ws.0)
        .fetch_optional(&mut *conn)
        .await?;
    let affordable = usize::try_from(credits.unwrap_or(0)).unwrap_or(0).min(accepted.len());
    let (to_charge, unpaid) = accepted.split_at(affordable);
    out.no_credits = unpaid.iter().map(|(id, _)| *id).collect();
    if let Some(written) = write_enriched(&mut *conn, ws, to_charge, next_status, scoring, false).await? {
        out.add(written);
    }
    Ok(out)
}

impl BatchCharge {
    fn add(&mut self, w: BatchCharge) {
        self.charged.extend(w.charged);
        self.already_done.extend(w.already_done);
        self.scored += w.scored;
    }
}

/// Logs, updates and charges the enriched leads of a batch (see [`record_batch`]). With
/// `only_if_enough`, the charge is taken only if the credits still cover it, and `None` says
/// they did not (the caller rolls back what was written); otherwise the caller holds the
/// workspace row and has checked the credits.
async fn write_enriched(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    to_charge: &[(Uuid, Enrichment)],
    next_status: LeadStatus,
    scoring: Option<&BatchScoring<'_>>,
    only_if_enough: bool,
) -> Result<Option<BatchCharge>> {
    let mut written = BatchCharge::default();
    if to_charge.is_empty() {
        return Ok(Some(written));
    }
    let ids: Vec<Uuid> = to_charge.iter().map(|(id, _)| *id).collect();
    let providers: Vec<&str> = to_charge.iter().map(|(_, e)| e.provider.as_str()).collect();
    let sources: Vec<&str> = to_charge.iter().map(|(_, e)| e.source).collect();
    let confidences: Vec<f32> = to_charge.iter().map(|(_, e)| e.confidence).collect();
    let reasons: Vec<&str> = to_charge.iter().map(|(_, e)| e.reason.as_str()).collect();
    let logged: Vec<Uuid> = sqlx::query_scalar(
        "insert into enrichment_log (client_id, lead_id, outcome, provider, source, confidence, credits, reason)
         select $1, id, 'enriched', p, s, c, 1, r
         from unnest($2::uuid[], $3::text[], $4::text[], $5::real[], $6::text[]) as t(id, p, s, c, r)
         on conflict do nothing returning lead_id",
    )
    .bind(ws.0)
    .bind(&ids)
    .bind(&providers)
    .bind(&sources)
    .bind(&confidences)
    .bind(&reasons)
    .fetch_all(&mut *conn)
    .await?;
    let logged: std::collections::HashSet<Uuid> = logged.into_iter().collect();
    let mut seen_email = std::collections::HashSet::new();
    let mut seen_linkedin = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(logged.len());
    for (id, e) in to_charge {
        if !logged.contains(id) {
            written.already_done.push(*id);
            continue;
        }
        let email = Some(canonical_email(&e.email)).filter(|m| !m.is_empty() && seen_email.insert(m.clone()));
        let linkedin = e.linkedin_url.clone().filter(|u| seen_linkedin.insert(u.clone()));
        rows.push((*id, e, email, linkedin));
        written.charged.push(*id);
    }
    if rows.is_empty() {
        return Ok(Some(written));
    }
    let scores = match scoring {
        Some(scoring) => Some(score_enriched(&mut *conn, ws, &rows, next_status, scoring).await?),
        None => None,
    };
    let score_col = |f: &dyn Fn(&ScoreUpdate) -> Result<Option<String>>| -> Result<Vec<Option<String>>> {
        match &scores {
            Some(s) => s.iter().map(|u| u.as_ref().map_or(Ok(None), f)).collect(),
            None => Ok(vec![None; rows.len()]),
        }
    };
    let json = |v: serde_json::Result<serde_json::Value>| v.map(|v| Some(v.to_string())).map_err(|e| crate::Error::Internal(e.into()));
    let als: Vec<Option<i16>> = scores.as_ref().map_or(vec![None; rows.len()], |s| s.iter().map(|u| u.as_ref().map(|u| i16::from(u.score.als.whole()))).collect());
    let als_exact: Vec<Option<i16>> =
        scores.as_ref().map_or(vec![None; rows.len()], |s| s.iter().map(|u| u.as_ref().map(|u| u.score.als.hundredths() as i16)).collect());
    let tiers = score_col(&|u| Ok(Some(u.score.tier.as_str().to_string())))?;
    let components = score_col(&|u| json(serde_json::to_value(u.score.components)))?;
    let weights = score_col(&|u| json(serde_json::to_value(u.score.weights.weights)))?;
    let weight_sources = score_col(&|u| Ok(Some(u.score.weights.source.as_str().to_string())))?;
    let score_reasons = score_col(&|u| json(serde_json::to_value(&u.score.reasons)))?;
    // The status a lead still `new` moves to: enriched, or on from there as its score says.
    let statuses = score_col(&|u| Ok(Some(u.status_change.map_or(next_status, |(_, to)| to).as_str().to_string())))?;
    let col = |f: &dyn Fn(&Enrichment) -> Option<String>| rows.iter().map(|(_, e, _, _)| f(e)).collect::<Vec<_>>();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let emails: Vec<Option<String>> = rows.iter().map(|r| r.2.clone()).collect();
    let linkedins: Vec<Option<String>> = rows.iter().map(|r| r.3.clone()).collect();
    let employees: Vec<Option<i32>> = rows.iter().map(|r| r.1.employee_count).collect();
    let confidences: Vec<f32> = rows.iter().map(|r| r.1.confidence).collect();
    let timings = rows
        .iter()
        .map(|r| if r.1.timing.is_empty() { Ok(None) } else { json(serde_json::to_value(r.1.timing)) })
        .collect::<Result<Vec<Option<String>>>>()?;
    let updated = sqlx::query(
        "update leads l set
            email = case when l.email is null and v.email is not null and not exists (
                        select 1 from leads o where o.client_id = l.client_id and o.email = v.email and o.deleted_at is null)
                    then v.email else l.email end,
            -- verified when the provider confirmed the address the lead has or now takes
            email_verified = l.email_verified or coalesce(l.email = v.email, false) or (
                        l.email is null and v.email is not null and not exists (
                        select 1 from leads o where o.client_id = l.client_id and o.email = v.email and o.deleted_at is null)),
            linkedin_url = case when l.linkedin_url is null and v.linkedin is not null and not exists (
                        select 1 from leads o where o.client_id = l.client_id and o.linkedin_url = v.linkedin and o.deleted_at is null)
                    then v.linkedin else l.linkedin_url end,
            first_name = coalesce(l.first_name, v.first_name),
            last_name = coalesce(l.last_name, v.last_name),
            company = coalesce(l.company, v.company),
            title = coalesce(l.title, v.title),
            company_domain = coalesce(l.company_domain, lower(v.company_domain)),
            phone = coalesce(l.phone, v.phone),
            location = coalesce(l.location, v.location),
            industry = coalesce(l.industry, v.industry),
            employee_count = coalesce(l.employee_count, v.employee_count),
            -- a provider's timing report is the present: its facts replace the stored ones
            timing = case when v.timing is null then l.timing else coalesce(l.timing, '{}'::jsonb) || v.timing::jsonb end,
            enrichment_source = v.provider,
            enrichment_confidence = v.confidence,
            status = case when l.status = 'new' then coalesce(v.status, $16) else l.status end,
            -- the score, when the batch scores (null otherwise: the lead keeps what it had)
            als = case when v.tier is null then l.als else v.als end,
            als_exact = case when v.tier is null then l.als_exact else v.als_exact end,
            tier = coalesce(v.tier, l.tier),
            components = coalesce(v.components::jsonb, l.components),
            weights = coalesce(v.weights::jsonb, l.weights),
            weight_source = coalesce(v.weight_source, l.weight_source),
            reasons = coalesce(v.reasons::jsonb, l.reasons),
            scored_at = case when v.tier is null then l.scored_at else $17 end,
            updated_at = now()
         from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::text[], $13::int4[], $14::text[], $15::real[], $18::text[],
                     $19::int2[], $20::int2[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[],
                     $26::text[])
              as v(id, email, first_name, last_name, company, title, company_domain, linkedin, phone, location,
                   industry, employee_count, provider, confidence, status, als, als_exact, tier, components,
                   weights, weight_source, reasons, timing)
         where l.client_id = $1 and l.id = v.id",
    )
    .bind(ws.0)
    .bind(&ids)
    .bind(&emails)
    .bind(col(&|e| Some(e.first_name.clone())))
    .bind(col(&|e| Some(e.last_name.clone())))
    .bind(col(&|e| Some(e.company.clone())))
    .bind(col(&|e| e.title.clone()))
    .bind(col(&|e| e.company_domain.clone()))
    .bind(&linkedins)
    .bind(col(&|e| e.phone.clone()))
    .bind(col(&|e| e.location.clone()))
    .bind(col(&|e| e.industry.clone()))
    .bind(&employees)
    .bind(col(&|e| Some(e.provider.clone())))
    .bind(&confidences)
    .bind(next_status.as_str())
    .bind(scoring.map(|s| s.scored_at))
    .bind(&statuses)
    .bind(&als)
    .bind(&als_exact)
    .bind(&tiers)
    .bind(&components)
    .bind(&weights)
    .bind(&weight_sources)
    .bind(&score_reasons)
    .bind(&timings)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if scores.is_some() {
        written.scored += updated;
    }
    // Last, so that the workspace row is held from here to the commit only.
    let charged = sqlx::query(
        "update workspaces set credits_remaining = credits_remaining - $2 where id = $1 and (not $3 or credits_remaining >= $2)",
    )
    .bind(ws.0)
    .bind(rows.len() as i32)
    .bind(only_if_enough)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok((charged == 1 || !only_if_enough).then_some(written))
}

/// The score of each enriched lead as it will be once the batch's update has run: what it had,
/// plus what the enrichment fills in (the same rules as the update: a gap is filled, an email
/// or LinkedIn URL only when no other live lead has it). `None` for a lead not in `before`.
async fn score_enriched(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    rows: &[(Uuid, &Enrichment, Option<String>, Option<String>)],
    next_status: LeadStatus,
    scoring: &BatchScoring<'_>,
) -> Result<Vec<Option<ScoreUpdate>>> {
    // Addresses the update would copy into a lead that lacks one: taken if another lead has them.
    let (mut emails, mut urls) = (Vec::new(), Vec::new());
    for (id, _, email, linkedin) in rows {
        let Some(before) = scoring.before.get(id) else { continue };
        if before.email.is_none() {
            emails.extend(email.as_deref());
        }
        if before.linkedin_url.is_none() {
            urls.extend(linkedin.as_deref());
        }
    }
    let (mut taken_emails, mut taken_urls) = (std::collections::HashSet::new(), std::collections::HashSet::new());
    if !emails.is_empty() || !urls.is_empty() {
        let taken: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
            "select email, null from leads where client_id = $1 and deleted_at is null and email = any($2)
             union all
             select null, linkedin_url from leads where client_id = $1 and deleted_at is null and linkedin_url = any($3)",
        )
        .bind(ws.0)
        .bind(&emails)
        .bind(&urls)
        .fetch_all(&mut *conn)
        .await?;
        for (email, url) in taken {
            taken_emails.extend(email);
            taken_urls.extend(url);
        }
    }
    rows.iter()
        .map(|(id, e, email, linkedin)| {
            let Some(before) = scoring.before.get(id) else { return Ok(None) };
            let took_email = before.email.is_none() && email.as_ref().is_some_and(|m| !taken_emails.contains(m));
            let after = ScoringRow {
                id: *id,
                // A lead still `new` is written as `next_status`; scoring moves it on from there.
                status: if before.status == LeadStatus::New.as_str() { next_status.as_str().to_string() } else { before.status.clone() },
                email: if took_email { email.clone() } else { before.email.clone() },
                email_verified: before.email_verified || (before.email.is_some() && before.email == *email) || took_email,
                phone: before.phone.clone().or_else(|| e.phone.clone()),
                linkedin_url: before
                    .linkedin_url
                    .clone()
                    .or_else(|| linkedin.clone().filter(|u| !taken_urls.contains(u))),
                title: before.title.clone().or_else(|| e.title.clone()),
                industry: before.industry.clone().or_else(|| e.industry.clone()),
                employee_count: before.employee_count.or(e.employee_count),
                location: before.location.clone().or_else(|| e.location.clone()),
                country: before.country.clone(),
                company_domain: before.company_domain.clone().or_else(|| e.company_domain.clone()),
                web: None,
                timing: Some(sqlx::types::Json(before.timing.map(|t| t.0).unwrap_or_default().updated_by(e.timing))),
            };
            let after = ScoringRow {
                web: after.company_domain.as_ref().and_then(|d| scoring.web.get(d)).copied().map(sqlx::types::Json).or_else(|| before.web.clone()),
                ..after
            };
            (scoring.score)(&after).map(Some)
        })
        .collect()
}

/// A lead found by a people search whose enrichment revealed someone the workspace already
/// has (same email or LinkedIn URL on another live lead): it is retired (soft-deleted, keeping
/// its provider id so the next search does not bring it back) and its enrichment logged as a
/// skip naming the lead it duplicates; no credit is charged. Returns that lead, or `None` (and
/// changes nothing) when the lead is not a found one or has no twin.
pub async fn retire_found_duplicate(conn: &mut PgConnection, ws: WorkspaceId, lead: Uuid, email: &str, linkedin_url: Option<&str>) -> Result<Option<Uuid>> {
    let twin: Option<Uuid> = sqlx::query_scalar(
        "select o.id from leads l
         join leads o on o.client_id = l.client_id and o.id <> l.id and o.deleted_at is null
                     and (o.email = $3 or ($4::text is not null and o.linkedin_url = $4))
         where l.client_id = $1 and l.id = $2 and l.provider_ref is not null and l.email is null
           and l.deleted_at is null
         order by o.created_at limit 1",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(canonical_email(email))
    .bind(linkedin_url)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(twin) = twin else { return Ok(None) };
    let logged = record_skipped(&mut *conn, ws, lead, &format!("same person as lead {twin}; this found lead was retired")).await?;
    if !logged {
        return Ok(None);
    }
    sqlx::query("update leads set deleted_at = now(), updated_at = now() where client_id = $1 and id = $2")
        .bind(ws.0)
        .bind(lead)
        .execute(&mut *conn)
        .await?;
    Ok(Some(twin))
}

/// Records that the waterfall found nothing acceptable: the lead stays `new` and un-enriched
/// (SPEC §5 "graceful skip"), is not charged, and is not tried again by the pipeline.
pub async fn record_skipped<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, lead: Uuid, reason: &str) -> Result<bool> {
    Ok(sqlx::query(
        "insert into enrichment_log (client_id, lead_id, outcome, reason) values ($1, $2, 'skipped', $3)
         on conflict do nothing",
    )
    .bind(ws.0)
    .bind(lead)
    .bind(reason)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// The monthly reset (SPEC §2): every workspace whose `credits_reset_at` has passed gets its
/// tier's lead pool (from `plans`, the configuration) back (set, not added: unused credits do not roll over) and its next reset a
/// month later. Setting rather than adding is what makes a repeated or concurrent run harmless.
///
/// Unlike the rest of the store this spans workspaces: it is the scheduler's sweep, run by the
/// worker, never on behalf of a user.
pub async fn reset_due_credits<'e>(db: impl PgExecutor<'e>, plans: &domain::plans::Plans, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    let pool = |t: domain::plans::Tier| i32::try_from(plans.terms(t).lead_pool).unwrap_or(i32::MAX);
    Ok(sqlx::query(
        "update workspaces set
            credits_remaining = case plan when 'velocity' then $3 when 'dominance' then $4 else $2 end,
            -- keep the anchor day; a workspace months behind (worker down) restarts from now
            credits_reset_at = case when credits_reset_at + interval '1 month' > $1
                                    then credits_reset_at + interval '1 month'
                                    else $1 + interval '1 month' end
         where credits_reset_at <= $1 and deleted_at is null",
    )
    .bind(now)
    .bind(pool(domain::plans::Tier::Ignition))
    .bind(pool(domain::plans::Tier::Velocity))
    .bind(pool(domain::plans::Tier::Dominance))
    .execute(db)
    .await?
    .rows_affected())
}

/// Stores (replaces) the measured web presence of a company domain.
pub async fn save_web(db: impl sqlx::PgExecutor<'_>, ws: WorkspaceId, domain: &str, web: &domain::score::WebPresence) -> Result<()> {
    sqlx::query(
        "insert into company_web (client_id, domain, web) values ($1, lower($2), $3)
         on conflict (client_id, domain) do update set web = excluded.web, measured_at = now()",
    )
    .bind(ws.0)
    .bind(domain)
    .bind(sqlx::types::Json(web))
    .execute(db)
    .await?;
    Ok(())
}
