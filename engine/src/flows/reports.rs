//! Reports (SPEC §15): the page's data, its KPI targets, and CSV exports of every table and of
//! the lead list. The caller has authorised already (`Access`); this never re-checks roles.
//!
//! CSV files start with a UTF-8 byte-order mark so spreadsheet programs read accents and "€"
//! correctly, and a cell that would start a formula (=, +, -, @) is prefixed with an apostrophe:
//! lead names and subjects come from the outside world and must not run in someone's Excel.

use crate::auth::Access;
use crate::store::{leads as leads_store, reports as store};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::CampaignId;
use domain::leads::LeadFilter;
use domain::reports::{self as r, BreakdownRow, DateRange, KpiTargets, Report, ReportFilters, ReportTable};
use futures::Stream;
use uuid::Uuid;

pub async fn report(engine: &Engine, access: &Access, range: DateRange, filters: ReportFilters) -> Result<Report> {
    // `report` opens its own read-only snapshot confined to the workspace.
    store::report(engine.owner_pool(), access.workspace, range, filters).await
}

/// Brings the report facts of every workspace with changed leads up to date (the schedule's
/// work); returns how many leads were rewritten. One workspace's failure is logged and the
/// others go on.
pub async fn refresh_all(engine: &Engine) -> Result<u64> {
    let mut rewritten = 0;
    for ws in store::workspaces_to_refresh(engine.owner_pool()).await? {
        match store::refresh(engine.owner_pool(), ws).await {
            Ok(n) => rewritten += n,
            Err(e) => tracing::warn!(workspace = %ws, error = %e, "report refresh failed"),
        }
    }
    Ok(rewritten)
}

pub async fn options(engine: &Engine, access: &Access) -> Result<r::ReportOptions> {
    store::options(&mut *access.tenant(engine).await?, access.workspace).await
}

pub async fn targets(engine: &Engine, access: &Access) -> Result<KpiTargets> {
    store::targets(&mut *access.tenant(engine).await?, access.workspace).await
}

pub async fn set_targets(engine: &Engine, access: &Access, targets: KpiTargets) -> Result<()> {
    store::set_targets(engine.owner_pool(), access.workspace, access.user, targets).await
}

/// The byte-order mark every export starts with.
pub const BOM: &str = "\u{feff}";

/// A cell as a spreadsheet will read it: text that would start a formula is defused with a
/// leading apostrophe (OWASP "CSV injection"); plain numbers, negative ones included, are kept.
fn cell(s: &str) -> String {
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err();
    if formula {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Rows as CSV text (RFC 4180 quoting by the `csv` crate), without the BOM.
pub fn csv_lines(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|c| cell(c))).map_err(|e| Error::Internal(e.into()))?;
    }
    w.into_inner().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.2}", v * 100.0)).unwrap_or_default()
}

fn money(v: Option<i64>) -> String {
    v.map(|v| format!("{:.4}", v as f64 / 10_000.0)).unwrap_or_default()
}

const COUNT_HEADERS: [&str; 15] = [
    "sent",
    "bounced",
    "delivered",
    "opens_known",
    "opened",
    "leads_contacted",
    "leads_replied",
    "leads_positive",
    "leads_auto_replied",
    "leads_unsubscribed",
    "leads_meeting",
    "reply_rate_pct",
    "bounce_rate_pct",
    "open_rate_pct",
    "booking_rate_pct",
];

fn count_cells(c: &r::ReportCounts) -> Vec<String> {
    let rate = |n: i64, d: i64| pct((d > 0).then(|| n as f64 / d as f64));
    let mut v: Vec<String> = [c.sent, c.bounced, c.delivered(), c.tracked, c.opened, c.contacted, c.replied, c.positive, c.auto_replied, c.unsubscribed, c.meetings]
        .iter()
        .map(i64::to_string)
        .collect();
    v.extend([rate(c.replied, c.contacted), rate(c.bounced, c.sent), rate(c.opened, c.tracked), rate(c.meetings, c.contacted)]);
    v
}

fn breakdown_rows(first: &str, rows: &[BreakdownRow]) -> Vec<Vec<String>> {
    let mut out = vec![std::iter::once(first.to_string()).chain(COUNT_HEADERS.iter().map(|h| h.to_string())).collect()];
    out.extend(rows.iter().map(|b| std::iter::once(b.label.clone()).chain(count_cells(&b.counts)).collect()));
    out
}

/// One table of the report as rows of cells, its header first.
pub fn table_rows(report: &Report, table: ReportTable) -> Vec<Vec<String>> {
    let s = |x: &str| x.to_string();
    match table {
        ReportTable::Funnel => {
            let mut out = vec![vec![s("stage"), s("leads"), s("conversion_from_previous_pct"), s("meaning")]];
            out.extend(report.funnel.iter().map(|f| vec![s(f.stage.label()), f.leads.to_string(), pct(f.conversion), s(f.stage.meaning())]));
            out
        }
        ReportTable::Kpis => {
            let mut out = vec![vec![s("kpi"), s("value"), s("numerator"), s("denominator"), s("formula"), s("target"), s("status"), s("note")]];
            out.extend(report.kpis.iter().map(|k| {
                vec![
                    s(k.key.label()),
                    k.display(),
                    format!("{}", k.numerator),
                    k.denominator.to_string(),
                    s(k.key.formula()),
                    k.target.map(|t| t.to_string()).unwrap_or_default(),
                    s(k.status.as_str()),
                    k.note.clone().unwrap_or_default(),
                ]
            }));
            out
        }
        ReportTable::Campaigns => breakdown_rows("campaign", &report.by_campaign),
        ReportTable::Steps => breakdown_rows("step", &report.by_step),
        ReportTable::Angles => breakdown_rows("angle", &report.by_angle),
        ReportTable::Mailboxes => breakdown_rows("mailbox", &report.by_mailbox),
        ReportTable::Channels => breakdown_rows("channel", &report.by_channel),
        ReportTable::Variants => {
            let mut out = vec![["campaign", "step", "a_leads", "a_replied", "a_reply_rate_pct", "b_leads", "b_replied", "b_reply_rate_pct", "difference_points", "p_value", "verdict", "note"]
                .map(s)
                .to_vec()];
            out.extend(report.variants.iter().map(|v| {
                let rate = |c: &r::ReportCounts| pct((c.contacted > 0).then(|| c.replied as f64 / c.contacted as f64));
                vec![
                    v.campaign.clone(),
                    (v.step + 1).to_string(),
                    v.a.contacted.to_string(),
                    v.a.replied.to_string(),
                    rate(&v.a),
                    v.b.contacted.to_string(),
                    v.b.replied.to_string(),
                    rate(&v.b),
                    v.comparison.difference.map(|d| format!("{:.2}", d * 100.0)).unwrap_or_default(),
                    v.comparison.p_value.map(|p| format!("{p:.4}")).unwrap_or_default(),
                    format!("{:?}", v.comparison.verdict),
                    v.comparison.note.clone(),
                ]
            }));
            out
        }
        ReportTable::Days => {
            let mut out = vec![["day", "sent", "bounced", "human_replies", "automatic_replies", "meetings"].map(s).to_vec()];
            out.extend(report.by_day.iter().map(|d| {
                vec![d.day.to_string(), d.sent.to_string(), d.bounced.to_string(), d.replies.to_string(), d.auto_replies.to_string(), d.meetings.to_string()]
            }));
            out
        }
        ReportTable::Costs => {
            let c = &report.costs;
            let mut out = vec![["item", "kind", "calls", "aud"].map(s).to_vec()];
            out.extend(c.by_provider.iter().map(|p| vec![p.provider.clone(), s(p.kind.label()), p.calls.to_string(), money(Some(p.cost))]));
            out.extend(c.by_kind.iter().map(|(k, v)| vec![format!("total {}", k.label().to_lowercase()), s(k.label()), String::new(), money(Some(*v))]));
            out.push(vec![s("total"), String::new(), String::new(), money(Some(c.total))]);
            out.push(vec![s("per enriched lead"), String::new(), c.enriched_leads.to_string(), money(c.per_enriched_lead)]);
            out.push(vec![s("per reply"), String::new(), report.totals.replied.to_string(), money(c.per_reply)]);
            out.push(vec![s("per meeting"), String::new(), report.totals.meetings.to_string(), money(c.per_meeting)]);
            out
        }
    }
}

/// One report table as a complete CSV file (BOM included).
pub async fn table_csv(engine: &Engine, access: &Access, range: DateRange, filters: ReportFilters, table: ReportTable) -> Result<Vec<u8>> {
    let report = report(engine, access, range, filters).await?;
    let mut out = BOM.as_bytes().to_vec();
    out.extend(csv_lines(&table_rows(&report, table))?);
    Ok(out)
}

/// Leads read per database round trip while exporting.
const EXPORT_PAGE: i64 = 2_000;

const LEAD_HEADERS: [&str; 14] =
    ["id", "first_name", "last_name", "email", "linkedin_url", "title", "company", "company_domain", "country", "status", "source", "als", "tier", "created_at"];

/// The lead list with its filters as a CSV stream: the BOM and header, then one chunk per page
/// of leads. Memory stays at one page whatever the workspace's size; an error mid-way ends the
/// stream with that error (the download is then visibly cut short rather than silently partial).
pub fn leads_csv(engine: &Engine, access: &Access, filter: LeadFilter) -> impl Stream<Item = Result<Vec<u8>>> + Send + 'static {
    let engine = engine.clone();
    let ws = access.workspace;
    enum State {
        Start,
        After(Option<Uuid>),
        Done,
    }
    futures::stream::try_unfold(State::Start, move |state| {
        let engine = engine.clone();
        let filter = filter.clone();
        async move {
            let after = match state {
                State::Done => return Ok(None),
                State::Start => {
                    let mut head = BOM.as_bytes().to_vec();
                    head.extend(csv_lines(&[LEAD_HEADERS.map(String::from).to_vec()])?);
                    return Ok(Some((head, State::After(None))));
                }
                State::After(a) => a,
            };
            let page = leads_store::export_page(&mut *engine.tenant(ws).await?, ws, &filter, after, EXPORT_PAGE).await?;
            if page.is_empty() {
                return Ok(None);
            }
            let next = if (page.len() as i64) < EXPORT_PAGE { State::Done } else { State::After(page.last().map(|l| l.id)) };
            let o = |v: &Option<String>| v.clone().unwrap_or_default();
            let rows: Vec<Vec<String>> = page
                .iter()
                .map(|l| {
                    vec![
                        l.id.to_string(),
                        o(&l.first_name),
                        o(&l.last_name),
                        o(&l.email),
                        o(&l.linkedin_url),
                        o(&l.title),
                        o(&l.company),
                        o(&l.company_domain),
                        o(&l.country),
                        l.status.clone(),
                        l.source.clone(),
                        l.als.map(|a| a.to_string()).unwrap_or_default(),
                        o(&l.tier),
                        l.created_at.to_rfc3339(),
                    ]
                })
                .collect();
            Ok(Some((csv_lines(&rows)?, next)))
        }
    })
}

const MESSAGE_HEADERS: [&str; 14] =
    ["message_id", "to", "lead", "company", "step", "channel", "variant", "subject", "state", "queued_at", "sent_at", "bounced_at", "complained_at", "replied"];

/// A campaign's messages (every state, shadow included) as a CSV stream, as [`leads_csv`]: the
/// BOM and header, then a chunk per page. NotFound, before anything is streamed, when the
/// campaign is not this workspace's.
pub async fn campaign_messages_csv(engine: &Engine, access: &Access, campaign: CampaignId) -> Result<impl Stream<Item = Result<Vec<u8>>> + Send + 'static> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    crate::store::campaigns::get(&mut *access.tenant(engine).await?, ws, campaign).await?.ok_or(Error::NotFound("campaign"))?;
    let engine = engine.clone();
    enum State {
        Start,
        After(Option<Uuid>),
        Done,
    }
    Ok(futures::stream::try_unfold(State::Start, move |state| {
        let engine = engine.clone();
        async move {
            let after = match state {
                State::Done => return Ok(None),
                State::Start => {
                    let mut head = BOM.as_bytes().to_vec();
                    head.extend(csv_lines(&[MESSAGE_HEADERS.map(String::from).to_vec()])?);
                    return Ok(Some((head, State::After(None))));
                }
                State::After(a) => a,
            };
            let page = crate::store::outbox::export_page(&mut *engine.tenant(ws).await?, ws, campaign.0, after, EXPORT_PAGE).await?;
            if page.is_empty() {
                return Ok(None);
            }
            let next = if (page.len() as i64) < EXPORT_PAGE { State::Done } else { State::After(page.last().map(|m| m.id)) };
            let t = |v: Option<chrono::DateTime<chrono::Utc>>| v.map(|t| t.to_rfc3339()).unwrap_or_default();
            let rows: Vec<Vec<String>> = page
                .into_iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        m.to_address,
                        m.lead_name.unwrap_or_default(),
                        m.company.unwrap_or_default(),
                        (i32::from(m.step) + 1).to_string(),
                        m.channel,
                        m.variant.to_uppercase(),
                        m.subject,
                        m.state,
                        m.created_at.to_rfc3339(),
                        t(m.sent_at),
                        t(m.bounced_at),
                        t(m.complained_at),
                        if m.replied { "yes" } else { "no" }.to_string(),
                    ]
                })
                .collect();
            Ok(Some((csv_lines(&rows)?, next)))
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_that_would_run_as_a_formula_is_defused_and_numbers_are_kept() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-12.5"), "-12.5");
        assert_eq!(cell("Zoë"), "Zoë");
        let text = String::from_utf8(csv_lines(&[vec!["a,b".into(), "say \"hi\"".into()]]).unwrap()).unwrap();
        assert_eq!(text, "\"a,b\",\"say \"\"hi\"\"\"\r\n");
    }
}
