//! Leads in Postgres: batch insert with database-enforced dedupe, the leads table page, the
//! detail view, and score persistence.
//!
//! Every function takes the workspace id and filters by it. Uniqueness (SPEC §3) is not checked
//! here by reading first: the partial unique indexes of the migration decide, and inserts use
//! `ON CONFLICT DO NOTHING`, so two concurrent imports of the same file cannot both win.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::email_check::Verdict;
use domain::ids::WorkspaceId;
use domain::lead_status::LeadStatus;
use domain::leads::{
    self, display_name, DedupeKey, ImportId, LeadDetail, LeadFilter, LeadId, LeadPage, LeadRow, LeadSource, NewLead,
    PageRequest, Sort, SortKey, StoredScore,
};
use domain::score::{ComponentPoints, Reason, Score, Weights};
use sqlx::{PgConnection, PgExecutor, Postgres, QueryBuilder};
use std::collections::HashMap;
use uuid::Uuid;

/// A lead the batch insert created, with the key that made it unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    pub id: LeadId,
    pub key: DedupeKey,
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("corrupt lead row: {e}"))
}

/// Inserts a batch in one statement (`INSERT … SELECT … FROM UNNEST(…)`) and returns the leads
/// that were created. A lead whose email (or, without email, LinkedIn URL) already exists in
/// the workspace is skipped by the database, as is a repeat within the batch; callers compare
/// the returned keys with what they sent to count duplicates.
pub async fn insert_many(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    source: LeadSource,
    import: Option<ImportId>,
    batch: &[NewLead],
) -> Result<Vec<Inserted>> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    fn col<'a>(batch: &'a [NewLead], f: impl Fn(&'a NewLead) -> Option<&'a String>) -> Vec<Option<&'a str>> {
        batch.iter().map(|l| f(l).map(String::as_str)).collect()
    }
    let employees: Vec<Option<i32>> =
        batch.iter().map(|l| l.employee_count.map(|n| i32::try_from(n).unwrap_or(i32::MAX))).collect();
    let verdicts: Vec<Option<&str>> = batch.iter().map(|l| l.email_verdict.map(leads::verdict_str)).collect();
    let rows: Vec<(Uuid, Option<String>, Option<String>)> = sqlx::query_as(
        "insert into leads (client_id, source, import_id, email, linkedin_url, first_name, last_name, title,
                            company, company_domain, website, phone, location, country, industry,
                            employee_count, email_verdict, email_reason)
         select $1, $2, $3, t.*
         from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::int4[],
                     $17::text[], $18::text[]) as t
         on conflict do nothing
         returning id, email, linkedin_url",
    )
    .bind(ws.0)
    .bind(source.as_str())
    .bind(import.map(|i| i.0))
    .bind(col(batch, |l| l.email.as_ref()))
    .bind(col(batch, |l| l.linkedin_url.as_ref()))
    .bind(col(batch, |l| l.first_name.as_ref()))
    .bind(col(batch, |l| l.last_name.as_ref()))
    .bind(col(batch, |l| l.title.as_ref()))
    .bind(col(batch, |l| l.company.as_ref()))
    .bind(col(batch, |l| l.company_domain.as_ref()))
    .bind(col(batch, |l| l.website.as_ref()))
    .bind(col(batch, |l| l.phone.as_ref()))
    .bind(col(batch, |l| l.location.as_ref()))
    .bind(col(batch, |l| l.country.as_ref()))
    .bind(col(batch, |l| l.industry.as_ref()))
    .bind(employees)
    .bind(verdicts)
    .bind(col(batch, |l| l.email_reason.as_ref()))
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, email, linkedin)| {
            let key = match (email, linkedin) {
                (Some(e), _) => DedupeKey::Email(e),
                (None, Some(l)) => DedupeKey::Linkedin(l),
                (None, None) => return Err(internal("inserted lead without email or LinkedIn URL")),
            };
            Ok(Inserted { id: LeadId(id), key })
        })
        .collect()
}

/// For keys that already belong to a live lead of the workspace: the import that brought that
/// lead in (`None` when it came from elsewhere). Lets an import say "an earlier row of this
/// file" rather than "already in your workspace".
pub async fn existing_by_key(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    keys: &[DedupeKey],
) -> Result<HashMap<DedupeKey, Option<ImportId>>> {
    let (mut emails, mut urls) = (Vec::new(), Vec::new());
    for k in keys {
        match k {
            DedupeKey::Email(e) => emails.push(e.as_str()),
            DedupeKey::Linkedin(l) => urls.push(l.as_str()),
        }
    }
    let rows: Vec<(Option<String>, Option<String>, Option<Uuid>)> = sqlx::query_as(
        "select email, linkedin_url, import_id from leads
         where client_id = $1 and deleted_at is null and email = any($2)
         union all
         select email, linkedin_url, import_id from leads
         where client_id = $1 and deleted_at is null and email is null and linkedin_url = any($3)",
    )
    .bind(ws.0)
    .bind(emails)
    .bind(urls)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(email, linkedin, import)| {
            let key = match (email, linkedin) {
                (Some(e), _) => DedupeKey::Email(e),
                (None, Some(l)) => DedupeKey::Linkedin(l),
                (None, None) => return None,
            };
            Some((key, import.map(ImportId)))
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct DetailRow {
    id: Uuid,
    email: Option<String>,
    linkedin_url: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    title: Option<String>,
    company: Option<String>,
    company_domain: Option<String>,
    website: Option<String>,
    phone: Option<String>,
    location: Option<String>,
    country: Option<String>,
    industry: Option<String>,
    employee_count: Option<i32>,
    status: String,
    source: String,
    import_id: Option<Uuid>,
    email_verdict: Option<String>,
    email_reason: Option<String>,
    email_verified: bool,
    enrichment_source: Option<String>,
    enrichment_confidence: Option<f32>,
    als: Option<i16>,
    als_exact: Option<i16>,
    tier: Option<String>,
    components: Option<serde_json::Value>,
    weights: Option<serde_json::Value>,
    weight_source: Option<String>,
    reasons: Option<serde_json::Value>,
    scored_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const DETAIL_COLUMNS: &str = "id, email, linkedin_url, first_name, last_name, title, company, company_domain, website,
    phone, location, country, industry, employee_count, status, source, import_id, email_verdict, email_reason,
    email_verified, enrichment_source, enrichment_confidence, als, als_exact, tier, components, weights,
    weight_source, reasons, scored_at, created_at, updated_at";

fn verdict(v: Option<String>) -> Result<Option<Verdict>> {
    v.map(|s| leads::parse_verdict(&s).map_err(internal)).transpose()
}

fn stored_score(r: &DetailRow) -> Result<Option<StoredScore>> {
    let (Some(als), Some(exact), Some(tier), Some(components), Some(weights), Some(source), Some(reasons), Some(at)) = (
        r.als,
        r.als_exact,
        &r.tier,
        &r.components,
        &r.weights,
        &r.weight_source,
        &r.reasons,
        r.scored_at,
    ) else {
        return Ok(None);
    };
    Ok(Some(StoredScore {
        als: u8::try_from(als).map_err(internal)?,
        als_exact: u16::try_from(exact).map_err(internal)?,
        tier: leads::parse_tier(tier).map_err(internal)?,
        components: serde_json::from_value::<ComponentPoints>(components.clone()).map_err(internal)?,
        weights: serde_json::from_value::<Weights>(weights.clone()).map_err(internal)?,
        weight_source: leads::parse_weight_source(source).map_err(internal)?,
        reasons: serde_json::from_value::<Vec<Reason>>(reasons.clone()).map_err(internal)?,
        scored_at: at,
    }))
}

fn detail(r: DetailRow) -> Result<LeadDetail> {
    let score = stored_score(&r)?;
    Ok(LeadDetail {
        id: LeadId(r.id),
        status: r.status.parse::<LeadStatus>().map_err(internal)?,
        source: r.source.parse::<LeadSource>().map_err(internal)?,
        email_verdict: verdict(r.email_verdict)?,
        employee_count: r.employee_count.map(|n| n.max(0) as u32),
        import_id: r.import_id.map(ImportId),
        email: r.email,
        linkedin_url: r.linkedin_url,
        first_name: r.first_name,
        last_name: r.last_name,
        title: r.title,
        company: r.company,
        company_domain: r.company_domain,
        website: r.website,
        phone: r.phone,
        location: r.location,
        country: r.country,
        industry: r.industry,
        email_reason: r.email_reason,
        email_verified: r.email_verified,
        enrichment_source: r.enrichment_source,
        enrichment_confidence: r.enrichment_confidence,
        score,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

/// One live lead of the workspace; `None` for an id of another workspace, as for an absent one.
pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, id: LeadId) -> Result<Option<LeadDetail>> {
    let row: Option<DetailRow> = sqlx::query_as(&format!(
        "select {DETAIL_COLUMNS} from leads where client_id = $1 and id = $2 and deleted_at is null"
    ))
    .bind(ws.0)
    .bind(id.0)
    .fetch_optional(db)
    .await?;
    row.map(detail).transpose()
}

/// Appends the filter's conditions; the workspace and soft-delete conditions always lead, so
/// every plan starts from one of the `(client_id, …) where deleted_at is null` indexes.
pub(crate) fn push_where(q: &mut QueryBuilder<'_, Postgres>, ws: WorkspaceId, f: &LeadFilter) {
    q.push(" from leads where client_id = ").push_bind(ws.0).push(" and deleted_at is null");
    if let Some(s) = f.status {
        q.push(" and status = ").push_bind(s.as_str());
    }
    if let Some(t) = f.tier {
        q.push(" and tier = ").push_bind(t.as_str());
    }
    if let Some(s) = f.source {
        q.push(" and source = ").push_bind(s.as_str());
    }
    if let Some(i) = f.import_id {
        q.push(" and import_id = ").push_bind(i.0);
    }
    if let Some(term) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // search_text is lower-cased by the table; LIKE metacharacters typed by the user are
        // matched literally.
        let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q.push(" and search_text like ").push_bind(format!("%{escaped}%"));
    }
}

fn order_by(sort: Sort) -> &'static str {
    // Each order matches an index of the migration read forwards or backwards, with id as the
    // tie-breaker so pages never overlap.
    match (sort.key, sort.descending) {
        (SortKey::Als, true) => " order by als desc nulls last, id",
        // Unscored leads stay last; this order costs a sort, and is rarely asked for.
        (SortKey::Als, false) => " order by als asc nulls last, id desc",
        (SortKey::CreatedAt, true) => " order by created_at desc, id",
        (SortKey::CreatedAt, false) => " order by created_at asc, id desc",
        (SortKey::Name, false) => " order by sort_name, id",
        (SortKey::Name, true) => " order by sort_name desc, id desc",
    }
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: Uuid,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    linkedin_url: Option<String>,
    title: Option<String>,
    company: Option<String>,
    status: String,
    source: String,
    als: Option<i16>,
    tier: Option<String>,
    email_verdict: Option<String>,
    created_at: DateTime<Utc>,
}

fn list_row(r: ListRow) -> Result<LeadRow> {
    Ok(LeadRow {
        id: LeadId(r.id),
        name: display_name(r.first_name.as_deref(), r.last_name.as_deref(), r.email.as_deref(), r.linkedin_url.as_deref()),
        status: r.status.parse().map_err(internal)?,
        source: r.source.parse().map_err(internal)?,
        als: r.als.map(|a| u8::try_from(a).map_err(internal)).transpose()?,
        tier: r.tier.as_deref().map(leads::parse_tier).transpose().map_err(internal)?,
        email_verdict: verdict(r.email_verdict)?,
        email: r.email,
        title: r.title,
        company: r.company,
        created_at: r.created_at,
    })
}

/// How far the leads table counts: beyond this it says "10,000+" rather than scanning every
/// matching lead on every page request.
pub const COUNT_CAP: u64 = 10_000;

/// One page of the leads table with the number of leads matching the filter (up to
/// [`COUNT_CAP`]).
///
/// Speed at 100,000 leads (p95 ≤ 50 ms): the page's ids are found first, from the index that
/// matches the sort (an index-only scan, so even a deep offset walks index entries, not rows),
/// and only those rows are then read; the count stops at the cap. The ids and the count are found
/// outside the tenant role ([`crate::db::step_out`]) so that a search can use the trigram index,
/// confined to the transaction's workspace by the policy's own condition; the rows are read back
/// in the tenant role.
pub async fn list(conn: &mut PgConnection, ws: WorkspaceId, filter: &LeadFilter, sort: Sort, page: PageRequest) -> Result<LeadPage> {
    let was_tenant = crate::db::step_out(conn).await?;
    let found = page_ids(conn, ws, filter, sort, page, was_tenant).await;
    // A failed read aborts the transaction, and then the resume fails too: report the read's error.
    let resumed = crate::db::resume(conn, was_tenant).await;
    let (ids, (total, total_capped)) = found?;
    resumed?;
    let mut q = QueryBuilder::new(
        "select id, first_name, last_name, email, linkedin_url, title, company, status, source, als, tier,
                email_verdict, created_at
         from leads where client_id = ",
    );
    q.push_bind(ws.0).push(" and id = any(").push_bind(ids).push(")");
    q.push(order_by(sort));
    let rows: Vec<ListRow> = q.build_query_as().fetch_all(&mut *conn).await?;
    Ok(LeadPage {
        rows: rows.into_iter().map(list_row).collect::<Result<_>>()?,
        total,
        total_capped,
        page: page.page.max(1),
        per_page: page.per_page(),
    })
}

/// The ids of one page and the capped count; `confine` adds the row policy's condition (for a
/// read made as the owner on behalf of the transaction's workspace).
async fn page_ids(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    filter: &LeadFilter,
    sort: Sort,
    page: PageRequest,
    confine: bool,
) -> Result<(Vec<Uuid>, (u64, bool))> {
    let scope = if confine { " and client_id = agency_os_workspace()" } else { "" };
    let mut q = QueryBuilder::new("select id");
    push_where(&mut q, ws, filter);
    q.push(scope).push(order_by(sort));
    q.push(" limit ").push_bind(i64::from(page.per_page()));
    q.push(" offset ").push_bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    let ids: Vec<Uuid> = q.build_query_scalar().fetch_all(&mut *conn).await?;
    let mut q = QueryBuilder::new("select count(*) from (select 1");
    push_where(&mut q, ws, filter);
    q.push(scope).push(" limit ").push_bind(COUNT_CAP as i64 + 1).push(") t");
    let n: i64 = q.build_query_scalar().fetch_one(&mut *conn).await?;
    let n = n.max(0) as u64;
    Ok((ids, (n.min(COUNT_CAP), n > COUNT_CAP)))
}

/// Live leads of the workspace matching the filter, exactly (the dashboard, tests).
pub async fn count<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId, filter: &LeadFilter) -> Result<u64> {
    let mut q = QueryBuilder::new("select count(*)");
    push_where(&mut q, ws, filter);
    let n: i64 = q.build_query_scalar().fetch_one(db).await?;
    Ok(n.max(0) as u64)
}

/// What the scorer needs of a lead, as loaded in batches by the scoring flow.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoringRow {
    pub id: Uuid,
    pub status: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
    pub title: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub location: Option<String>,
    pub country: Option<String>,
    /// Matched against the active campaigns' target accounts.
    pub company_domain: Option<String>,
    /// The company domain's measured web presence, if it was measured (`company_web`).
    pub web: Option<sqlx::types::Json<domain::score::WebPresence>>,
    /// Role start, hiring, funding and intent as providers reported them (`leads.timing`).
    pub timing: Option<sqlx::types::Json<domain::score::Timing>>,
}

/// The next `limit` live leads after `after` in id order; with `only_unscored`, those never
/// scored. Keyset paging by the primary key keeps each batch an index range scan however many
/// batches came before.
pub async fn scoring_batch<'e>(
    db: impl PgExecutor<'e>,
    ws: WorkspaceId,
    after: Option<LeadId>,
    only_unscored: bool,
    limit: i64,
) -> Result<Vec<ScoringRow>> {
    Ok(sqlx::query_as(
        "select l.id, l.status, l.email, l.email_verified, l.phone, l.linkedin_url, l.title, l.industry, l.employee_count,
                l.location, l.country, l.company_domain, cw.web, l.timing
         from leads l
         left join company_web cw on cw.client_id = l.client_id and cw.domain = l.company_domain
         where l.client_id = $1 and l.deleted_at is null
           and ($2::uuid is null or l.id > $2)
           and (not $3 or l.scored_at is null)
         order by l.id
         limit $4",
    )
    .bind(ws.0)
    .bind(after.map(|a| a.0))
    .bind(only_unscored)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// A score to store on one lead, and the status move it causes (if any).
#[derive(Debug, Clone)]
pub struct ScoreUpdate {
    pub id: LeadId,
    pub score: Score,
    /// The status the lead had when it was scored, and the one to move to. The move applies
    /// only if the status is still the old one, so a concurrent change (a send, a bounce) wins.
    pub status_change: Option<(LeadStatus, LeadStatus)>,
}

/// Stores scores for a batch in one statement. Returns how many leads were updated.
pub async fn save_scores(conn: &mut PgConnection, ws: WorkspaceId, updates: &[ScoreUpdate], scored_at: DateTime<Utc>) -> Result<u64> {
    if updates.is_empty() {
        return Ok(0);
    }
    let json = |v: serde_json::Result<serde_json::Value>| v.map(|v| v.to_string()).map_err(|e| Error::Internal(e.into()));
    let mut ids = Vec::with_capacity(updates.len());
    let mut als = Vec::with_capacity(updates.len());
    let mut exact = Vec::with_capacity(updates.len());
    let mut tiers = Vec::with_capacity(updates.len());
    let mut components = Vec::with_capacity(updates.len());
    let mut weights = Vec::with_capacity(updates.len());
    let mut sources = Vec::with_capacity(updates.len());
    let mut reasons = Vec::with_capacity(updates.len());
    let mut from = Vec::with_capacity(updates.len());
    let mut to = Vec::with_capacity(updates.len());
    for u in updates {
        let s = &u.score;
        ids.push(u.id.0);
        als.push(i16::from(s.als.whole()));
        exact.push(s.als.hundredths() as i16);
        tiers.push(s.tier.as_str());
        components.push(json(serde_json::to_value(s.components))?);
        weights.push(json(serde_json::to_value(s.weights.weights))?);
        sources.push(s.weights.source.as_str());
        reasons.push(json(serde_json::to_value(s.reasons))?);
        from.push(u.status_change.map(|(f, _)| f.as_str()));
        to.push(u.status_change.map(|(_, t)| t.as_str()));
    }
    let n = sqlx::query(
        "update leads l set
            als = s.als, als_exact = s.als_exact, tier = s.tier, components = s.components::jsonb,
            weights = s.weights::jsonb, weight_source = s.weight_source, reasons = s.reasons::jsonb,
            scored_at = $2,
            status = case when s.status_to is not null and l.status = s.status_from then s.status_to else l.status end,
            updated_at = now()
         from unnest($3::uuid[], $4::int2[], $5::int2[], $6::text[], $7::text[], $8::text[], $9::text[],
                     $10::text[], $11::text[], $12::text[])
              as s(id, als, als_exact, tier, components, weights, weight_source, reasons, status_from, status_to)
         where l.client_id = $1 and l.id = s.id and l.deleted_at is null",
    )
    .bind(ws.0)
    .bind(scored_at)
    .bind(ids)
    .bind(als)
    .bind(exact)
    .bind(tiers)
    .bind(components)
    .bind(weights)
    .bind(sources)
    .bind(reasons)
    .bind(from)
    .bind(to)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}

/// Stores one lead's score; `false` when the lead is not a live lead of the workspace.
pub async fn save_score(conn: &mut PgConnection, ws: WorkspaceId, update: &ScoreUpdate, scored_at: DateTime<Utc>) -> Result<bool> {
    Ok(save_scores(conn, ws, std::slice::from_ref(update), scored_at).await? == 1)
}

/// A person a people search found: no email or LinkedIn URL yet (searches reveal none), so the
/// provider's own id is what identifies them until enrichment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPerson {
    pub provider_ref: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    /// Bare lower-case host.
    pub company_domain: Option<String>,
}

/// Inserts found people as `new` leads of `source`, remembering which provider found them
/// under which id. A person the workspace already has from the same provider (live, deleted,
/// or earlier in the batch) is skipped by the unique index; returns the leads created with
/// their provider ids.
pub async fn insert_found(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    source: LeadSource,
    provider: &str,
    people: &[FoundPerson],
) -> Result<Vec<(LeadId, String)>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    fn col<'a>(people: &'a [FoundPerson], f: impl Fn(&'a FoundPerson) -> Option<&'a String>) -> Vec<Option<&'a str>> {
        people.iter().map(|p| f(p).map(String::as_str)).collect()
    }
    let refs: Vec<&str> = people.iter().map(|p| p.provider_ref.as_str()).collect();
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "insert into leads (client_id, source, source_provider, provider_ref, first_name, last_name, title,
                            company, company_domain)
         select $1, $2, $3, t.*
         from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) as t
         on conflict do nothing
         returning id, provider_ref",
    )
    .bind(ws.0)
    .bind(source.as_str())
    .bind(provider)
    .bind(refs)
    .bind(col(people, |p| p.first_name.as_ref()))
    .bind(col(people, |p| p.last_name.as_ref()))
    .bind(col(people, |p| p.title.as_ref()))
    .bind(col(people, |p| p.company.as_ref()))
    .bind(col(people, |p| p.company_domain.as_ref()))
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id, r)| (LeadId(id), r)).collect())
}

/// The live lead with this email (any of the given spellings, already canonical), locked for a
/// status change in the caller's transaction.
pub async fn find_by_email_for_update(conn: &mut PgConnection, ws: WorkspaceId, emails: &[String]) -> Result<Option<(LeadId, LeadStatus)>> {
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "select id, status from leads where client_id = $1 and email = any($2) and deleted_at is null
         order by created_at limit 1 for update",
    )
    .bind(ws.0)
    .bind(emails)
    .fetch_optional(conn)
    .await?;
    row.map(|(id, status)| Ok((LeadId(id), status.parse::<LeadStatus>().map_err(internal)?))).transpose()
}

/// One lead as the CSV export writes it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ExportRow {
    pub id: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub linkedin_url: Option<String>,
    pub title: Option<String>,
    pub company: Option<String>,
    pub company_domain: Option<String>,
    pub country: Option<String>,
    pub status: String,
    pub source: String,
    pub als: Option<i16>,
    pub tier: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The next `limit` live leads matching the filter after `after` (by id): the export walks the
/// workspace a page at a time on the primary key, so 100,000 leads stream without an offset
/// scan and without holding them all in memory.
pub async fn export_page(conn: &mut PgConnection, ws: WorkspaceId, filter: &LeadFilter, after: Option<Uuid>, limit: i64) -> Result<Vec<ExportRow>> {
    let mut q = QueryBuilder::new(
        "select id, first_name, last_name, email, linkedin_url, title, company, company_domain, country, status, source,
                als, tier, created_at",
    );
    push_where(&mut q, ws, filter);
    if let Some(a) = after {
        q.push(" and id > ").push_bind(a);
    }
    q.push(" order by id limit ").push_bind(limit.clamp(1, 10_000));
    Ok(q.build_query_as().fetch_all(&mut *conn).await?)
}

/// Industry, employee count, location and country of every live lead of the workspace: what
/// matching a draft profile reads (`flows::onboarding::matches`).
pub async fn icp_facts(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Vec<(Option<String>, Option<i32>, Option<String>, Option<String>)>> {
    Ok(sqlx::query_as("select industry, employee_count, location, country from leads where client_id = $1 and deleted_at is null")
        .bind(ws.0)
        .fetch_all(conn)
        .await?)
}
