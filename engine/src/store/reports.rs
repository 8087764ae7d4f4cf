//! Reports (SPEC §13, §15): the counts behind the Reports page. Every function takes the
//! workspace id, a date range and the filters; `domain::reports` turns the counts into KPIs,
//! targets and A/B verdicts.
//!
//! Messages are counted from their report facts (`report_messages`: one row per message sent,
//! with what is credited to it), which [`refresh`] rewrites a lead at a time from the outbox,
//! replies, activities and meetings whenever one of those changes; the page refreshes its
//! workspace before it reads. Counting the facts instead of working out every message's last
//! touch on each request is what keeps the page fast at hundreds of thousands of messages.
//! The funnel, the events of each day and the costs read the tables that record them.
//!
//! How things are counted (the same everywhere, so a breakdown's rows add up to its total):
//! - A *message* is a sequence message in state `sent` whose `sent_at` falls in the range and
//!   which matches the filters (campaign, channel, mailbox). Shadow-mode messages reached nobody;
//!   our answers to replies are not outreach.
//! - A reply, unsubscribe or meeting is credited to the last sequence message sent to the lead
//!   before it (last touch), whenever it arrived: "of the messages of this period, what came of
//!   them". It counts only if that message is one of the report's messages, and once per lead.
//! - Opens are per message, and only for messages sent through a platform that reports them
//!   (Instantly, Smartlead); we add no tracking pixel to our own mail.
//!
//! All queries of one report run in one read-only repeatable-read transaction, so the page
//! never shows a total from one moment and its breakdown from another.

use crate::Result;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use domain::ids::{CampaignId, UserId, WorkspaceId};
use domain::reports::{
    self as r, BreakdownRow, DateRange, DayRow, KpiTargets, Report, ReportCounts, ReportFilters,
    VariantRow,
};
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use uuid::Uuid;

/// What a breakdown groups messages by. Each is a fixed SQL expression over the report row `o`
/// (never text from a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Total,
    Campaign,
    Step,
    Mailbox,
    Channel,
    /// campaign, step and A/B subject variant
    Variant,
    /// the angle of the draft the message was sent from
    Angle,
    /// the UTC hour the message went out in (`YYYY-MM-DDTHH`), regrouped by local hour by the
    /// weekly review's "best send times"
    Hour,
}

impl Dimension {
    /// The report row's columns the dimension groups by (see [`GROUP_COLUMNS`]).
    fn columns(self) -> &'static [&'static str] {
        match self {
            Dimension::Total => &[],
            Dimension::Campaign => &["campaign_id"],
            Dimension::Step => &["step"],
            Dimension::Mailbox => &["mailbox_id"],
            Dimension::Channel => &["channel"],
            Dimension::Variant => &["campaign_id", "step", "variant"],
            Dimension::Angle => &["angle"],
            Dimension::Hour => &["hour"],
        }
    }

    /// A group's key as the page and the CSV know it.
    fn key(self, g: &Group) -> String {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let id = |v: &Option<Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
        let step = g.step.map(|s| s.to_string()).unwrap_or_default();
        match self {
            Dimension::Total => String::new(),
            Dimension::Campaign => id(&g.campaign_id),
            Dimension::Step => step,
            Dimension::Mailbox => id(&g.mailbox_id),
            Dimension::Channel => text(&g.channel),
            Dimension::Variant => format!("{}:{step}:{}", id(&g.campaign_id), text(&g.variant)),
            Dimension::Angle => text(&g.angle),
            Dimension::Hour => g.hour.map(|h| h.format("%Y-%m-%dT%H").to_string()).unwrap_or_default(),
        }
    }
}

/// The columns a breakdown may group by, as selected from the report row `o`.
const GROUP_COLUMNS: [(&str, &str); 7] = [
    ("campaign_id", "o.campaign_id"),
    ("step", "o.step"),
    ("variant", "o.variant"),
    ("angle", "o.angle"),
    ("mailbox_id", "o.mailbox_id"),
    ("channel", "o.channel"),
    ("hour", "date_trunc('hour', o.sent_at, 'UTC')"),
];

/// One group of one dimension, per [`counts_many`].
#[derive(sqlx::FromRow)]
struct Group {
    g: i32,
    campaign_id: Option<Uuid>,
    step: Option<i16>,
    variant: Option<String>,
    angle: Option<String>,
    mailbox_id: Option<Uuid>,
    channel: Option<String>,
    hour: Option<chrono::DateTime<Utc>>,
    sent: i64,
    bounced: i64,
    tracked: i64,
    opened: i64,
    contacted: i64,
    replied: i64,
    positive: i64,
    auto_replied: i64,
    unsubscribed: i64,
    meetings: i64,
    scored: i64,
    icp_matched: i64,
    meeting_days: f64,
    meeting_touches: i64,
}

/// The range's bounds as instants: the first day's midnight UTC, and the midnight after the last.
fn bounds(range: &DateRange) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN));
    (at(range.from()), at(range.end_exclusive()))
}

type QueryAs<'q, O> = sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>;

/// Binds what every report query is scoped by: $1 workspace, $2..$3 the range's instants,
/// $4 campaign, $5 channel, $6 mailbox (null for "all").
fn scoped<'q, O>(
    q: QueryAs<'q, O>,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
) -> QueryAs<'q, O> {
    let (from, to) = bounds(range);
    q.bind(ws.0)
        .bind(from)
        .bind(to)
        .bind(f.campaign.map(|c| c.0))
        .bind(f.channel.map(|c| c.as_str()))
        .bind(f.mailbox.map(|m| m.0))
}

/// The counts of the report's messages for each of `dims`, in one pass: the messages of the
/// range and filters ($1 workspace, $2..$3 range, $4 campaign, $5 channel, $6 mailbox) are
/// grouped first by dimension value and lead (so every "leads that …" count is a plain count),
/// then by dimension value. Each dimension's groups come biggest first, keyed by the value.
///
/// A lead's first meeting in a group is the one with the fewest days and touches: both grow
/// with the meeting's time, measured from the same first message.
async fn counts_many(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
    dims: &[Dimension],
) -> Result<Vec<Vec<(String, ReportCounts)>>> {
    // only the columns some dimension groups by; every other one is a null of its type
    let used: Vec<&str> = GROUP_COLUMNS.iter().map(|c| c.0).filter(|c| dims.iter().any(|d| d.columns().contains(c))).collect();
    let select: Vec<String> = GROUP_COLUMNS
        .iter()
        .map(|(name, expr)| if used.contains(name) { format!("{expr} as {name}") } else { format!("null as {name}") })
        .collect();
    let mut sets: Vec<String> = Vec::new();
    for set in dims.iter().map(|d| format!("({})", d.columns().iter().chain(&["lead_id"]).copied().collect::<Vec<_>>().join(", "))) {
        if !sets.contains(&set) {
            sets.push(set);
        }
    }
    // `grouping(…)` sets a bit for every column left out of a row's set, the first the highest
    let mask = |d: &Dimension| -> i32 {
        used.iter().enumerate().filter(|(_, c)| !d.columns().contains(c)).map(|(i, _)| 1 << (used.len() - 1 - i)).sum()
    };
    let grouping = if used.is_empty() { "0".to_string() } else { format!("grouping({})", used.join(", ")) };
    let outer: Vec<String> = GROUP_COLUMNS.iter().map(|(name, _)| if used.contains(name) { name.to_string() } else { format!("null as {name}") }).collect();
    let rows: Vec<Group> = scoped(sqlx::query_as(&format!(
        "with s as (
            select o.lead_id, o.bounced::int as bounced, (tracked and not o.bounced)::int as tracked,
                   (tracked and not o.bounced and o.opened)::int as opened,
                   -- (every shift in brackets: PostgreSQL gives | and << the same precedence)
                   o.replied::int | (o.positive::int << 1) | (o.auto_replied::int << 2) | (o.unsubscribed::int << 3)
                     | ((o.meeting_at is not null)::int << 4) | ((l.als is not null)::int << 5)
                     | (coalesce(l.tier in ('hot', 'warm'), false)::int << 6) as flags,
                   o.meeting_days, o.meeting_touches, {select}
            from report_messages o
            join leads l on l.client_id = o.client_id and l.id = o.lead_id
            left join mailboxes mb on mb.client_id = o.client_id and mb.id = o.mailbox_id
            cross join lateral (select coalesce(mb.kind in ('instantly', 'smartlead'), false) as tracked) t
            where o.client_id = $1 and o.sent_at >= $2 and o.sent_at < $3
              and ($4::uuid is null or o.campaign_id = $4)
              and ($5::text is null or o.channel = $5)
              and ($6::uuid is null or o.mailbox_id = $6)
        ),
        -- what a lead did in a group, its outcomes as bits (see `flags` above)
        per_lead as (
            select {grouping} as g, {used_list} count(*) as sent, sum(bounced) as bounced, sum(tracked) as tracked,
                   sum(opened) as opened, bit_or(flags) as flags, min(meeting_days) as days, min(meeting_touches) as touches
            from s group by grouping sets ({sets})
        )
        select g, {outer}, sum(sent)::bigint as sent, sum(bounced)::bigint as bounced, sum(tracked)::bigint as tracked,
               sum(opened)::bigint as opened, count(*) as contacted, count(*) filter (where flags & 1 > 0) as replied,
               count(*) filter (where flags & 2 > 0) as positive, count(*) filter (where flags & 4 > 0) as auto_replied,
               count(*) filter (where flags & 8 > 0) as unsubscribed, count(*) filter (where flags & 16 > 0) as meetings,
               count(*) filter (where flags & 32 > 0) as scored, count(*) filter (where flags & 64 > 0) as icp_matched,
               coalesce(sum(days), 0)::float8 as meeting_days, coalesce(sum(touches), 0)::bigint as meeting_touches
        from per_lead
        group by g{group_used}",
        select = select.join(", "),
        used_list = used.iter().map(|c| format!("{c}, ")).collect::<String>(),
        sets = sets.join(", "),
        outer = outer.join(", "),
        group_used = used.iter().map(|c| format!(", {c}")).collect::<String>(),
    )), ws, range, f)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<Vec<(String, ReportCounts)>> = vec![Vec::new(); dims.len()];
    for g in rows {
        for (i, d) in dims.iter().enumerate().filter(|(_, d)| mask(d) == g.g) {
            out[i].push((
                d.key(&g),
                ReportCounts {
                    sent: g.sent,
                    bounced: g.bounced,
                    tracked: g.tracked,
                    opened: g.opened,
                    contacted: g.contacted,
                    replied: g.replied,
                    positive: g.positive,
                    auto_replied: g.auto_replied,
                    unsubscribed: g.unsubscribed,
                    meetings: g.meetings,
                    scored: g.scored,
                    icp_matched: g.icp_matched,
                    meeting_days: g.meeting_days,
                    meeting_touches: g.meeting_touches,
                },
            ));
        }
    }
    // biggest first, then by key
    for groups in &mut out {
        groups.sort_by(|a, b| b.1.sent.cmp(&a.1.sent).then_with(|| a.0.cmp(&b.0)));
    }
    Ok(out)
}

/// The counts of the report's messages grouped by `dim`, keyed by the group's value.
async fn counts_by(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
    dim: Dimension,
) -> Result<Vec<(String, ReportCounts)>> {
    Ok(counts_many(conn, ws, range, f, &[dim]).await?.pop().unwrap_or_default())
}

/// The totals of the report (every KPI's counts).
pub async fn totals(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
) -> Result<ReportCounts> {
    Ok(total_of(counts_by(conn, ws, range, f, Dimension::Total).await?))
}

fn total_of(groups: Vec<(String, ReportCounts)>) -> ReportCounts {
    groups.into_iter().next().map(|(_, c)| c).unwrap_or_default()
}

/// Names of the workspace's campaigns and mailboxes, for breakdown labels.
async fn names(conn: &mut PgConnection, ws: WorkspaceId) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "select id::text, name from campaigns where client_id = $1
         union all
         select id::text, address from mailboxes where client_id = $1",
    )
    .bind(ws.0)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The campaigns and mailboxes the filters offer, by name.
pub async fn options(conn: &mut PgConnection, ws: WorkspaceId) -> Result<r::ReportOptions> {
    let campaigns: Vec<(Uuid, String)> = sqlx::query_as("select id, name from campaigns where client_id = $1 order by lower(name), id").bind(ws.0).fetch_all(&mut *conn).await?;
    let mailboxes: Vec<(Uuid, String)> = sqlx::query_as("select id, address from mailboxes where client_id = $1 order by address, id").bind(ws.0).fetch_all(conn).await?;
    Ok(r::ReportOptions {
        campaigns: campaigns.into_iter().map(|(id, n)| (CampaignId(id), n)).collect(),
        mailboxes: mailboxes.into_iter().map(|(id, n)| (domain::ids::MailboxId(id), n)).collect(),
    })
}

/// One breakdown (campaign, step, mailbox or channel), biggest first.
pub async fn breakdown(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
    dim: Dimension,
) -> Result<Vec<BreakdownRow>> {
    let names = names(conn, ws).await?;
    Ok(breakdown_rows(dim, counts_by(conn, ws, range, f, dim).await?, &names))
}

/// A breakdown's groups, labelled for the page.
fn breakdown_rows(dim: Dimension, groups: Vec<(String, ReportCounts)>, names: &HashMap<String, String>) -> Vec<BreakdownRow> {
    groups
        .into_iter()
        .map(|(key, counts)| {
            let label = match dim {
                Dimension::Step => key
                    .parse::<i32>()
                    .map(|s| format!("Step {}", s + 1))
                    .unwrap_or_else(|_| key.clone()),
                Dimension::Mailbox if key.is_empty() => "No mailbox".into(),
                Dimension::Channel => key.replace('_', " "),
                Dimension::Angle if key == "none" => "No angle".into(),
                Dimension::Angle => key.replace(['_', '-'], " "),
                Dimension::Hour => key.clone(),
                _ => names.get(&key).cloned().unwrap_or_else(|| key.clone()),
            };
            BreakdownRow { key, label, counts }
        })
        .collect()
}

/// The A/B pairs: every campaign step whose messages went out with both subjects, B tested
/// against A on replies per lead contacted. A step that sent only one variant has nothing to
/// compare and is left out.
pub async fn variants(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
) -> Result<Vec<VariantRow>> {
    let names = names(conn, ws).await?;
    Ok(variant_rows(counts_by(conn, ws, range, f, Dimension::Variant).await?, &names))
}

/// The variant groups (`campaign:step:variant`) paired A against B.
fn variant_rows(groups: Vec<(String, ReportCounts)>, names: &HashMap<String, String>) -> Vec<VariantRow> {
    let mut pairs: HashMap<(Uuid, i16), (Option<ReportCounts>, Option<ReportCounts>)> =
        HashMap::new();
    for (key, counts) in groups {
        let mut parts = key.split(':');
        let (Some(Ok(campaign)), Some(Ok(step)), Some(variant)) = (
            parts.next().map(Uuid::parse_str),
            parts.next().map(str::parse::<i16>),
            parts.next(),
        ) else {
            continue;
        };
        let e = pairs.entry((campaign, step)).or_default();
        if variant == "b" {
            e.1 = Some(counts);
        } else {
            e.0 = Some(counts);
        }
    }
    let mut rows: Vec<VariantRow> = pairs
        .into_iter()
        .filter_map(|((campaign, step), (a, b))| {
            let (a, b) = (a?, b?);
            Some(VariantRow {
                campaign_id: CampaignId(campaign),
                campaign: names
                    .get(&campaign.to_string())
                    .cloned()
                    .unwrap_or_default(),
                step,
                comparison: r::compare_variants((a.replied, a.contacted), (b.replied, b.contacted)),
                a,
                b,
            })
        })
        .collect();
    rows.sort_by(|x, y| {
        x.campaign
            .cmp(&y.campaign)
            .then(x.campaign_id.cmp(&y.campaign_id))
            .then(x.step.cmp(&y.step))
    });
    rows
}

/// Sends, bounces, replies and meetings per day of the range (every day, zeros included), by
/// when each happened. Replies and meetings count when their last touch matches the filters.
pub async fn by_day(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
) -> Result<Vec<DayRow>> {
    let rows: Vec<(NaiveDate, i64, i64, i64, i64, i64)> = scoped(sqlx::query_as(
        "with days as (
            select d::date as day from generate_series($7::date, $8::date, interval '1 day') d
        ),
        sends as (
            select (o.sent_at at time zone 'UTC')::date as day, count(*) as sent, count(*) filter (where o.bounced) as bounced
            from report_messages o
            where o.client_id = $1 and o.sent_at >= $2 and o.sent_at < $3
              and ($4::uuid is null or o.campaign_id = $4) and ($5::text is null or o.channel = $5) and ($6::uuid is null or o.mailbox_id = $6)
            group by 1
        ),
        ev as (
            select (e.at at time zone 'UTC')::date as day, e.kind
            from (
                select r.lead_id, r.received_at as at,
                       case when r.intent in ('auto_reply', 'out_of_office') then 'auto' else 'human' end as kind
                from replies r where r.client_id = $1 and r.received_at >= $2 and r.received_at < $3 and r.lead_id is not null
                union all
                select m.lead_id, m.created_at, 'meeting' from meetings m where m.client_id = $1 and m.created_at >= $2 and m.created_at < $3
            ) e
            cross join lateral (
                select o.campaign_id, o.channel, o.mailbox_id from report_messages o
                where o.client_id = $1 and o.lead_id = e.lead_id and o.sent_at <= e.at
                order by o.sent_at desc, o.outbox_id desc limit 1
            ) t
            where ($4::uuid is null or t.campaign_id = $4) and ($5::text is null or t.channel = $5) and ($6::uuid is null or t.mailbox_id = $6)
        ),
        evd as (
            select day, count(*) filter (where kind = 'human') as replies, count(*) filter (where kind = 'auto') as autos,
                   count(*) filter (where kind = 'meeting') as meetings
            from ev group by day
        )
        select days.day, coalesce(sends.sent, 0), coalesce(sends.bounced, 0), coalesce(evd.replies, 0), coalesce(evd.autos, 0), coalesce(evd.meetings, 0)
        from days left join sends on sends.day = days.day left join evd on evd.day = days.day
        order by days.day",
    ), ws, range, f)
    .bind(range.from())
    .bind(range.to())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(day, sent, bounced, replies, auto_replies, meetings)| DayRow {
                day,
                sent,
                bounced,
                replies,
                auto_replies,
                meetings,
            },
        )
        .collect())
}

/// The funnel, once per lead: leads that entered in the range (added to the workspace, or, with
/// a campaign filter, enrolled in that campaign), then those of them we messaged (within the
/// channel and mailbox filters), those who engaged (opened or clicked one of our messages,
/// replied as a person, or booked), and those who booked. Each stage is a subset of the one
/// before.
pub async fn funnel(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
) -> Result<[i64; 4]> {
    let row: (i64, i64, i64, i64) = scoped(sqlx::query_as(
        "with entered as (
            select l.id from leads l
            where $4::uuid is null and l.client_id = $1 and l.deleted_at is null and l.created_at >= $2 and l.created_at < $3
            union
            select cl.lead_id from campaign_leads cl
            where cl.client_id = $1 and cl.campaign_id = $4 and cl.enrolled_at >= $2 and cl.enrolled_at < $3
        ),
        msgs as (
            select o.lead_id,
                   bool_or(($4::uuid is null or o.campaign_id = $4) and ($5::text is null or o.channel = $5)
                           and ($6::uuid is null or o.mailbox_id = $6)) as outreach,
                   bool_or(o.opened) as opened
            from entered e join report_messages o on o.client_id = $1 and o.lead_id = e.id
            group by o.lead_id
        ),
        reached as (
            select e.id, coalesce(m.outreach, false) as outreach,
                   e.id in (select mt.lead_id from meetings mt where mt.client_id = $1) as meeting,
                   coalesce(m.opened, false)
                     or e.id in (select r.lead_id from replies r where r.client_id = $1 and r.lead_id is not null
                                 and r.intent not in ('auto_reply', 'out_of_office')) as engaged
            from entered e left join msgs m on m.lead_id = e.id
        )
        select count(*), count(*) filter (where outreach), count(*) filter (where outreach and (engaged or meeting)),
               count(*) filter (where outreach and meeting)
        from reached",
    ), ws, range, f)
    .fetch_one(conn)
    .await?;
    Ok([row.0, row.1, row.2, row.3])
}

/// Spend in the range by provider (calls, ten-thousandths of an AUD), leads enriched in the
/// range, and the credits left. The ledger knows the campaign of a call, not its channel or
/// mailbox: only the campaign filter narrows costs.
pub async fn costs(
    conn: &mut PgConnection,
    ws: WorkspaceId,
    range: &DateRange,
    f: &ReportFilters,
) -> Result<(Vec<(String, i64, i64)>, i64, i64)> {
    let (from, to) = bounds(range);
    let by_provider: Vec<(String, i64, i64)> = sqlx::query_as(
        "select provider, count(*), coalesce(sum(cost_aud) * 10000, 0)::bigint
         from cost_ledger
         where client_id = $1 and created_at >= $2 and created_at < $3 and ($4::uuid is null or campaign_id = $4)
         group by provider order by 3 desc, provider",
    )
    .bind(ws.0)
    .bind(from)
    .bind(to)
    .bind(f.campaign.map(|c| c.0))
    .fetch_all(&mut *conn)
    .await?;
    let (enriched, credits): (i64, i64) = sqlx::query_as(
        "select (select count(*) from enrichment_log
                 where client_id = $1 and outcome = 'enriched' and created_at >= $2 and created_at < $3),
                (select credits_remaining::bigint from workspaces where id = $1)",
    )
    .bind(ws.0)
    .bind(from)
    .bind(to)
    .fetch_one(conn)
    .await?;
    Ok((by_provider, enriched, credits))
}

/// Leads rewritten per transaction by [`refresh`]: a backlog (the first report after an upgrade,
/// a bulk import of replies) is worked through in short transactions.
const REFRESH_BATCH: i64 = 2_000;

/// Brings the workspace's report facts (`report_messages`) up to date: rewrites the rows of every
/// lead marked since the last refresh, from the outbox, replies, activities and meetings as
/// this transaction sees them. Returns how many leads were rewritten.
///
/// Triggers mark a lead in the transaction that changes one of its messages, replies, meetings,
/// opens or unsubscribes (migration `report_rollup`). A mark is taken only with `skip locked`,
/// and a writer re-marking a lead updates the mark (a row lock held to its commit), so a mark is
/// never taken while a change it stands for is still uncommitted: either this refresh sees the
/// change, or the mark outlives it for the next refresh. Refreshes never wait on writers.
///
/// What is credited to a message (the same rules the whole page counts by):
/// - a reply, unsubscribe or meeting goes to the last sequence message sent to the lead before
///   it (last touch), whenever it arrived;
/// - a message is opened when an open or click of that very message was recorded;
/// - a lead's meeting carries the days since the lead's first message and how many messages it
///   had been sent by then.
pub async fn refresh(pool: &PgPool, ws: WorkspaceId) -> Result<u64> {
    let mut rewritten = 0u64;
    loop {
        let mut tx = crate::db::tenant(pool, ws).await?;
        // compiling the rewrite (JIT) would cost more than running it
        sqlx::query("select set_config('jit', 'off', true)").execute(&mut *tx).await?;
        let leads: Vec<Uuid> = sqlx::query_scalar(
            "delete from report_dirty where client_id = $1 and lead_id in (
                 select lead_id from report_dirty where client_id = $1 limit $2 for update skip locked)
             returning lead_id",
        )
        .bind(ws.0)
        .bind(REFRESH_BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if leads.is_empty() {
            break;
        }
        rewrite(&mut tx, ws, &leads).await?;
        tx.commit().await?;
        rewritten += leads.len() as u64;
        if (leads.len() as i64) < REFRESH_BATCH {
            break;
        }
    }
    Ok(rewritten)
}

/// The workspaces with leads marked for [`refresh`] (across tenants: the schedule's list).
pub async fn workspaces_to_refresh(pool: &PgPool) -> Result<Vec<WorkspaceId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar("select distinct client_id from report_dirty")
        .fetch_all(&mut *crate::db::across_tenants(pool).await?)
        .await?;
    Ok(ids.into_iter().map(WorkspaceId).collect())
}

/// Rewrites the report rows of `leads` (see [`refresh`]).
async fn rewrite(conn: &mut PgConnection, ws: WorkspaceId, leads: &[Uuid]) -> Result<()> {
    sqlx::query("delete from report_messages where client_id = $1 and lead_id = any($2)")
        .bind(ws.0)
        .bind(leads)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "with m as (
            select o.id, o.lead_id, o.campaign_id, o.step, o.variant, o.channel, o.mailbox_id, o.sent_at, o.bounced_at,
                   coalesce(nullif(d.angle, ''), 'none') as angle
            from outbox o
            left join drafts d on d.client_id = o.client_id and d.id = o.draft_id
            where o.client_id = $1 and o.lead_id = any($2) and o.state = 'sent' and o.kind = 'sequence'
        ),
        ev as (
            select t.id as outbox_id, e.kind, e.at
            from (
                select r.lead_id, r.received_at as at,
                       case when r.intent in ('auto_reply', 'out_of_office') then 'auto'
                            when r.intent in ('interested', 'meeting_request', 'question') then 'positive'
                            else 'human' end as kind
                from replies r where r.client_id = $1 and r.lead_id = any($2)
                union all
                select a.lead_id, a.occurred_at, 'unsubscribed' from activities a
                where a.client_id = $1 and a.lead_id = any($2) and a.kind = 'unsubscribed'
                union all
                select mt.lead_id, mt.created_at, 'meeting' from meetings mt where mt.client_id = $1 and mt.lead_id = any($2)
            ) e
            cross join lateral (
                select o.id from outbox o
                where o.client_id = $1 and o.lead_id = e.lead_id and o.state = 'sent' and o.kind = 'sequence' and o.sent_at <= e.at
                order by o.sent_at desc, o.id desc limit 1
            ) t
        ),
        credited as (
            select outbox_id,
                   bool_or(kind in ('human', 'positive')) as replied, bool_or(kind = 'positive') as positive,
                   bool_or(kind = 'auto') as auto_replied, bool_or(kind = 'unsubscribed') as unsubscribed,
                   min(at) filter (where kind = 'meeting') as meeting_at
            from ev group by outbox_id
        ),
        meet as (
            select c.outbox_id, (extract(epoch from c.meeting_at - min(m2.sent_at)) / 86400)::float8 as days, count(*)::int as touches
            from credited c
            join m m1 on m1.id = c.outbox_id
            join m m2 on m2.lead_id = m1.lead_id and m2.sent_at <= c.meeting_at
            where c.meeting_at is not null
            group by c.outbox_id, c.meeting_at
        ),
        opened as (
            select distinct a.outbox_id from activities a
            where a.client_id = $1 and a.lead_id = any($2) and a.kind in ('opened', 'clicked') and a.outbox_id is not null
        )
        insert into report_messages (client_id, outbox_id, lead_id, campaign_id, step, variant, channel, mailbox_id, angle,
                                     sent_at, bounced, opened, replied, positive, auto_replied, unsubscribed,
                                     meeting_at, meeting_days, meeting_touches)
        select $1, m.id, m.lead_id, m.campaign_id, m.step, m.variant, m.channel, m.mailbox_id,
               m.angle, m.sent_at, m.bounced_at is not null, op.outbox_id is not null,
               coalesce(c.replied, false), coalesce(c.positive, false), coalesce(c.auto_replied, false),
               coalesce(c.unsubscribed, false), c.meeting_at, mt.days, mt.touches
        from m
        left join opened op on op.outbox_id = m.id
        left join credited c on c.outbox_id = m.id
        left join meet mt on mt.outbox_id = m.id",
    )
    .bind(ws.0)
    .bind(leads)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The whole Reports page for a range and filters, read in one consistent snapshot.
#[tracing::instrument(skip(pool))]
pub async fn report(
    pool: &PgPool,
    ws: WorkspaceId,
    range: DateRange,
    f: ReportFilters,
) -> Result<Report> {
    refresh(pool, ws).await?;
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    // A report is a few big aggregations: compiling them (JIT) costs more than it saves, and
    // its per-lead groups should stay in memory.
    sqlx::query("select set_config('jit', 'off', true), set_config('work_mem', '48MB', true)")
        .execute(&mut *tx)
        .await?;
    // After the isolation level, which must come first: from here on only this workspace's rows.
    crate::db::enter(&mut tx, ws).await?;
    let targets = targets(&mut tx, ws).await?;
    let funnel = funnel(&mut tx, ws, &range, &f).await?;
    let names = names(&mut tx, ws).await?;
    use Dimension::*;
    let mut groups = counts_many(&mut tx, ws, &range, &f, &[Total, Campaign, Step, Angle, Mailbox, Channel, Variant])
        .await?
        .into_iter();
    let mut next = || groups.next().unwrap_or_default();
    let totals = total_of(next());
    let by_campaign = breakdown_rows(Campaign, next(), &names);
    let by_step = breakdown_rows(Step, next(), &names);
    let by_angle = breakdown_rows(Angle, next(), &names);
    let by_mailbox = breakdown_rows(Mailbox, next(), &names);
    let by_channel = breakdown_rows(Channel, next(), &names);
    let variants = variant_rows(next(), &names);
    let by_day = by_day(&mut tx, ws, &range, &f).await?;
    let (spend, enriched, credits) = costs(&mut tx, ws, &range, &f).await?;
    tx.commit().await?;
    Ok(Report {
        range,
        filters: f,
        funnel: r::funnel(funnel),
        kpis: r::kpis(&totals, &targets),
        costs: r::cost_report(spend, enriched, totals.replied, totals.meetings, credits),
        totals,
        by_campaign,
        by_step,
        by_angle,
        by_mailbox,
        by_channel,
        variants,
        by_day,
    })
}

/// The workspace's KPI targets; the defaults of SPEC §15 for any not set.
pub async fn targets(conn: &mut PgConnection, ws: WorkspaceId) -> Result<KpiTargets> {
    let v: Option<serde_json::Value> =
        sqlx::query_scalar("select kpi_targets from workspaces where id = $1")
            .bind(ws.0)
            .fetch_optional(conn)
            .await?;
    // A stored value this version cannot read falls back to the defaults rather than breaking
    // the Reports page; saving the targets again rewrites it.
    Ok(v.and_then(|v| serde_json::from_value::<KpiTargets>(v).ok())
        .and_then(|t| t.validated().ok())
        .unwrap_or_default())
}

/// Saves the workspace's KPI targets (already validated by the caller's `KpiTargets::validated`)
/// with an audit row, in one transaction.
pub async fn set_targets(
    pool: &PgPool,
    ws: WorkspaceId,
    actor: UserId,
    t: KpiTargets,
) -> Result<()> {
    let t = t
        .validated()
        .map_err(|e| crate::Error::Invalid(e.to_string()))?;
    let mut tx = crate::db::tenant(pool, ws).await?;
    let before = targets(&mut tx, ws).await?;
    sqlx::query("update workspaces set kpi_targets = $2 where id = $1")
        .bind(ws.0)
        .bind(serde_json::to_value(t).map_err(|e| crate::Error::Internal(e.into()))?)
        .execute(&mut *tx)
        .await?;
    super::audit::record(
        &mut tx,
        super::audit::Record {
            workspace: Some(ws),
            actor: Some(actor),
            action: "reports.targets_changed",
            target_type: "workspace",
            target_id: Some(ws.to_string()),
            before: serde_json::to_value(before).ok(),
            after: serde_json::to_value(t).ok(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// For the operator's `/metrics`, across every workspace on purpose: the outbox's messages by
/// state and channel (`outbox_by_state` index, one pass).
pub async fn outbox_by_state(pool: &PgPool) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as("select state, channel, count(*) from outbox group by state, channel order by 1, 2").fetch_all(pool).await?)
}

/// For `/metrics`: the job queue by job type and status (apalis's own table), and how many of
/// each type have failed for good or are being retried after a failure.
pub async fn jobs_by_status(pool: &PgPool) -> Result<Vec<(String, String, i64)>> {
    Ok(sqlx::query_as("select job_type, status, count(*) from apalis.jobs group by job_type, status order by 1, 2").fetch_all(pool).await?)
}

/// For `/metrics`: provider calls billed, and their cost in AUD, by provider, over the ledger.
pub async fn spend_by_provider(pool: &PgPool) -> Result<Vec<(String, i64, f64)>> {
    Ok(sqlx::query_as("select provider, count(*), coalesce(sum(cost_aud), 0)::float8 from cost_ledger group by provider order by 1").fetch_all(pool).await?)
}

/// For `/metrics`: mailbox polls by outcome of the last poll (ok, failing, never polled).
pub async fn mailbox_poll_health(pool: &PgPool) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "select case when last_error is not null then 'failing' when last_success_at is not null then 'ok' else 'never' end, count(*)
         from mailbox_polls group by 1 order by 1",
    )
    .fetch_all(pool)
    .await?)
}

/// For `/ready`: how many stored secrets each master key id sealed, over every sealed column
/// (provider keys and Clay tokens, mailbox passwords and DKIM keys, booking and outbound
/// webhook secrets, Slack webhooks), so values no configured key can open are found.
pub async fn sealed_by_key(pool: &PgPool) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "select key_id, count(*) from (
             select split_part(ciphertext, '.', 2) as key_id from provider_keys
             union all select split_part(callback_token, '.', 2) from provider_keys where callback_token is not null
             union all select split_part(smtp_password, '.', 2) from mailboxes where smtp_password is not null
             union all select split_part(dkim_key, '.', 2) from mailboxes where dkim_key is not null
             union all select split_part(secret, '.', 2) from booking_webhook_secrets
             union all select split_part(slack_webhook, '.', 2) from workspace_notifications where slack_webhook is not null
             union all select split_part(secret, '.', 2) from webhook_endpoints
             union all select split_part(previous_secret, '.', 2) from webhook_endpoints where previous_secret is not null
         ) sealed group by key_id order by 1",
    )
    .fetch_all(pool)
    .await?)
}

/// For the operator's `/metrics`, across every workspace on purpose: messages due to send now
/// and the age in seconds of the oldest of them (0 when none). Reads the `outbox_due` index.
pub async fn outbox_depth(pool: &PgPool) -> Result<(i64, f64)> {
    Ok(sqlx::query_as(
        "select count(*), coalesce(extract(epoch from now() - min(not_before)), 0)::float8
         from outbox where state = 'pending' and not_before <= now()",
    )
    .fetch_one(pool)
    .await?)
}
