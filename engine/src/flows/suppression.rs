//! The suppression lists as people manage them (SPEC §10.5): a workspace's list in Settings →
//! Suppression (view, search, add, remove, import a client's do-not-contact CSV, export), the
//! operator's platform-wide list (`agency-os suppress --platform`), and the one check every
//! channel calls just before it sends.
//!
//! Adding is open to members (suppressing is always safe); lifting an entry is an admin's act,
//! audited, and never possible for a person's own opt-out (an unsubscribe or a spam complaint):
//! only the person can undo that, by opting in again.
//!
//! What this module must not do: send, or decide anything but "is this contact suppressed".

use crate::auth::Access;
use crate::store::suppressions::{self, Candidates, Entry, Hit, NewEntry, Reason};
use crate::store::audit;
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::WorkspaceId;
use domain::phone::E164;
use domain::suppression::{
    canonical_domain, canonical_email, canonical_value, EntryKind, ImportReport, ImportRowError, ListedEntry, SuppressionPage, DEFAULT_REGION,
    IMPORT_ERRORS_SHOWN, IMPORT_MAX_BYTES, IMPORT_MAX_VALUES,
};
use serde_json::json;

/// Rows per page of the Settings list.
pub const PAGE_SIZE: i64 = 50;

fn lifts_an_opt_out(reason: Reason) -> bool {
    matches!(reason, Reason::Unsubscribed | Reason::Complained)
}

fn view(e: Entry, can_lift: bool) -> ListedEntry {
    ListedEntry {
        removable: can_lift && !lifts_an_opt_out(e.reason),
        kind: e.kind,
        value: e.value,
        reason: e.reason.as_str().into(),
        source: e.source,
        note: e.note,
        created_at: e.created_at,
    }
}

/// A page of the workspace's list, newest first, filtered by a search text and a kind.
pub async fn page(engine: &Engine, access: &Access, search: &str, kind: Option<EntryKind>, page: i64) -> Result<SuppressionPage> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    let can_lift = access.role.can(Action::LiftSuppression);
    let mut tx = engine.tenant(ws).await?;
    let (rows, total) = suppressions::search(&mut tx, ws, search, kind, PAGE_SIZE, page.max(0) * PAGE_SIZE).await?;
    let platform_entries: i64 = sqlx::query_scalar("select count(*) from platform_suppressions").fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(SuppressionPage { entries: rows.into_iter().map(|e| view(e, can_lift)).collect(), total, platform_entries })
}

/// Reads a value of `kind` (guessed from its shape when `None`) into its canonical form.
pub fn parse_value(kind: Option<EntryKind>, raw: &str) -> Result<(EntryKind, String)> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::Invalid("enter an email address, a domain or a phone number".into()));
    }
    let kind = kind.unwrap_or_else(|| EntryKind::guess(raw));
    let value = canonical_value(kind, raw, DEFAULT_REGION).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok((kind, value))
}

fn clean_note(note: Option<&str>) -> Result<Option<&str>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 500) {
        return Err(Error::Invalid("a note may be at most 500 characters".into()));
    }
    Ok(note)
}

/// Adds one entry by hand (audited); false if it was already listed.
pub async fn add(engine: &Engine, access: &Access, kind: Option<EntryKind>, raw: &str, note: Option<&str>) -> Result<bool> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let (kind, value) = parse_value(kind, raw)?;
    let note = clean_note(note)?;
    let mut tx = engine.tenant(ws).await?;
    let added = suppressions::add(&mut tx, ws, &NewEntry { kind, value: &value, reason: Reason::Manual, source: "user", note }).await?;
    if added {
        audit::record(
            &mut tx,
            audit::Record {
                workspace: Some(ws),
                actor: Some(access.user),
                action: "suppression.add",
                target_type: "suppression",
                target_id: Some(value.clone()),
                before: None,
                after: Some(json!({ "kind": kind, "value": value, "note": note })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// Lifts one entry (admins; audited with what was removed). A person's own opt-out is refused.
pub async fn remove(engine: &Engine, access: &Access, raw: &str) -> Result<()> {
    access.require(Action::LiftSuppression)?;
    let ws = access.workspace;
    let (_, value) = parse_value(None, raw).or_else(|_| Ok::<_, Error>((EntryKind::Email, raw.trim().to_lowercase())))?;
    let mut tx = engine.tenant(ws).await?;
    let Some(removed) = suppressions::remove(&mut tx, ws, &value).await? else {
        return Err(Error::NotFound("suppression entry"));
    };
    if lifts_an_opt_out(removed.reason) {
        // Dropping the transaction puts it back.
        return Err(Error::Conflict(format!(
            "{} {} by the person themselves; only they can undo that, by opting in again",
            removed.value,
            if removed.reason == Reason::Unsubscribed { "unsubscribed" } else { "complained" }
        )));
    }
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "suppression.remove",
            target_type: "suppression",
            target_id: Some(removed.value.clone()),
            before: Some(json!({ "kind": removed.kind, "value": removed.value, "reason": removed.reason, "source": removed.source, "note": removed.note })),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The column a header cell names: a value of a fixed kind, a value whose kind is in a `kind`
/// column (or guessed), the kind, or a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Value(Option<EntryKind>),
    Kind,
    Note,
    Other,
}

fn column(header: &str) -> Option<Column> {
    let h = header.trim().trim_start_matches('\u{feff}').to_ascii_lowercase().replace(['_', '-'], " ");
    Some(match h.as_str() {
        "value" | "entry" | "contact" => Column::Value(None),
        "email" | "email address" | "e mail" | "address" => Column::Value(Some(EntryKind::Email)),
        "domain" | "website" | "company domain" => Column::Value(Some(EntryKind::Domain)),
        "phone" | "phone number" | "mobile" | "number" | "telephone" => Column::Value(Some(EntryKind::Phone)),
        "kind" | "type" => Column::Kind,
        "note" | "notes" | "comment" => Column::Note,
        _ => return None,
    })
}

/// Imports a client's do-not-contact list (members; one audit row for the import). The file is
/// CSV (any of `, ; tab` as delimiter): with a header naming its columns (`email`, `domain`,
/// `phone`, or `value` with an optional `kind`; `note`), or without one, a value per line in its
/// first column, each value's kind guessed from its shape. At most [`IMPORT_MAX_BYTES`] and
/// [`IMPORT_MAX_VALUES`]; every value that cannot be read is reported with its line.
pub async fn import_csv(engine: &Engine, access: &Access, filename: &str, data: &[u8]) -> Result<ImportReport> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    if data.len() > IMPORT_MAX_BYTES {
        return Err(Error::Invalid(format!("the file is larger than {} MB; split it", IMPORT_MAX_BYTES / (1024 * 1024))));
    }
    let text = String::from_utf8_lossy(data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data)).into_owned();
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| first_line.bytes().filter(|b| b == d).count()).unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut records = reader.records();
    let mut report = ImportReport::default();
    let fail = |report: &mut ImportReport, line: u64, value: &str, message: String| {
        report.failed += 1;
        if report.errors.len() < IMPORT_ERRORS_SHOWN {
            report.errors.push(ImportRowError { line, value: value.chars().take(200).collect(), message });
        }
    };
    // The header, if the first row names at least one value column.
    let mut columns: Vec<Column> = vec![Column::Value(None)];
    let mut pending_first: Option<csv::StringRecord> = None;
    if let Some(first) = records.next() {
        let first = first.map_err(|e| Error::Invalid(format!("line 1 cannot be read as CSV: {e}")))?;
        let named: Vec<Option<Column>> = first.iter().map(column).collect();
        if named.iter().any(|c| matches!(c, Some(Column::Value(_)))) {
            columns = named.into_iter().map(|c| c.unwrap_or(Column::Other)).collect();
        } else {
            pending_first = Some(first);
        }
    }
    let mut tx = engine.tenant(ws).await?;
    let mut line_of_pending = 1u64;
    let mut rows = pending_first.map(Ok).into_iter().chain(records);
    loop {
        let Some(record) = rows.next() else { break };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                fail(&mut report, line, "", format!("cannot be read as CSV: {e}"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(line_of_pending);
        line_of_pending = line + 1;
        let cell = |c: Column| columns.iter().position(|x| *x == c).and_then(|i| record.get(i)).map(str::trim).filter(|v| !v.is_empty());
        let row_kind = cell(Column::Kind);
        let note = cell(Column::Note).map(|n| n.chars().take(500).collect::<String>());
        for (i, col) in columns.iter().enumerate() {
            let Column::Value(fixed) = *col else { continue };
            let Some(raw) = record.get(i).map(str::trim).filter(|v| !v.is_empty()) else { continue };
            report.values += 1;
            if report.values > IMPORT_MAX_VALUES {
                return Err(Error::Invalid(format!("the file holds more than {IMPORT_MAX_VALUES} values; split it")));
            }
            let kind = match (fixed, row_kind) {
                (Some(k), _) => Some(k),
                (None, Some(k)) => match EntryKind::parse(k) {
                    Some(k) => Some(k),
                    None => {
                        fail(&mut report, line, raw, format!("unknown kind {k:?} (email, domain or phone)"));
                        continue;
                    }
                },
                (None, None) => None,
            };
            match parse_value(kind, raw) {
                Err(e) => fail(&mut report, line, raw, e.to_string()),
                Ok((kind, value)) => {
                    let new = NewEntry { kind, value: &value, reason: Reason::Imported, source: "import", note: note.as_deref() };
                    if suppressions::add(&mut tx, ws, &new).await? {
                        report.added += 1;
                    } else {
                        report.already_listed += 1;
                    }
                }
            }
        }
    }
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "suppression.import",
            target_type: "suppression",
            target_id: None,
            before: None,
            after: Some(json!({ "file": filename.chars().take(200).collect::<String>(), "values": report.values, "added": report.added,
                                "already_listed": report.already_listed, "failed": report.failed })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The whole list as CSV (`kind,value,reason,source,note,created_at`), which `import_csv` reads
/// back.
pub async fn export_csv(engine: &Engine, access: &Access) -> Result<String> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let entries = suppressions::all(&mut tx, ws).await?;
    tx.commit().await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Internal(anyhow::anyhow!(e));
    w.write_record(["kind", "value", "reason", "source", "note", "created_at"]).map_err(io)?;
    for e in entries {
        // A value or note starting with = + - @ would be a formula to a spreadsheet; a leading
        // apostrophe is the convention that keeps it text. Phone numbers start with '+' and
        // are left alone: they are read back by our own import, which strips nothing.
        let note = e.note.unwrap_or_default();
        let note = if note.starts_with(['=', '+', '-', '@']) { format!("'{note}") } else { note };
        w.write_record([e.kind.as_str(), e.value.as_str(), e.reason.as_str(), e.source.as_str(), note.as_str(), e.created_at.to_rfc3339().as_str()]).map_err(io)?;
    }
    String::from_utf8(w.into_inner().map_err(|e| Error::Internal(anyhow::anyhow!(e.to_string())))?).map_err(|e| Error::Internal(anyhow::anyhow!(e)))
}

/// The contact a channel is about to write to; raw values, canonicalised here.
#[derive(Debug, Clone, Copy, Default)]
pub struct Contact<'a> {
    pub email: Option<&'a str>,
    pub company_domain: Option<&'a str>,
    pub phone: Option<&'a E164>,
}

/// The just-in-time suppression check of every channel: the workspace's list and the
/// platform's, exact address, the address's domain and the company's domain with their parents
/// (an apex entry covers every subdomain), and the phone number. Call it inside the send's own
/// transaction or right before the provider call; `Some` means do not send, with the reason.
pub async fn check<'e>(db: impl sqlx::PgExecutor<'e>, ws: WorkspaceId, c: &Contact<'_>) -> Result<Option<Hit>> {
    let email = c.email.and_then(|e| canonical_email(e).ok());
    let domains = c.company_domain.and_then(|d| canonical_domain(d).ok()).into_iter().collect();
    let candidates = Candidates { email, domains, phone: c.phone.map(|p| p.as_str().to_string()) };
    suppressions::check(db, ws, &candidates).await
}

/// [`check`] for a phone number alone (SMS, voice).
pub async fn check_phone<'e>(db: impl sqlx::PgExecutor<'e>, ws: WorkspaceId, phone: &E164) -> Result<Option<Hit>> {
    check(db, ws, &Contact { phone: Some(phone), ..Contact::default() }).await
}

/// Operator: adds to the platform-wide list; false if already there.
pub async fn platform_add(engine: &Engine, raw: &str, kind: Option<EntryKind>, note: Option<&str>) -> Result<(EntryKind, String, bool)> {
    let (kind, value) = parse_value(kind, raw)?;
    let note = clean_note(note)?;
    // The platform-wide list belongs to no tenant: the operator writes it as the owner.
    let mut conn = engine.owner_pool().acquire().await?;
    let added = suppressions::platform_add(&mut conn, kind, &value, note).await?;
    audit::record(
        &mut conn,
        audit::Record {
            workspace: None,
            actor: None,
            action: if added { "platform_suppression.add" } else { "platform_suppression.add_again" },
            target_type: "platform_suppression",
            target_id: Some(value.clone()),
            before: None,
            after: Some(json!({ "kind": kind, "value": value, "note": note })),
        },
    )
    .await?;
    Ok((kind, value, added))
}

/// Operator: lifts an entry of the platform-wide list; false if it was not there.
pub async fn platform_remove(engine: &Engine, raw: &str) -> Result<(String, bool)> {
    let (_, value) = parse_value(None, raw).or_else(|_| Ok::<_, Error>((EntryKind::Email, raw.trim().to_lowercase())))?;
    let mut conn = engine.owner_pool().acquire().await?;
    let removed = suppressions::platform_remove(&mut conn, &value).await?;
    if removed {
        audit::record(
            &mut conn,
            audit::Record {
                workspace: None,
                actor: None,
                action: "platform_suppression.remove",
                target_type: "platform_suppression",
                target_id: Some(value.clone()),
                before: Some(json!({ "value": value })),
                after: None,
            },
        )
        .await?;
    }
    Ok((value, removed))
}
