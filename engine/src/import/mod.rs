//! CSV import of leads (SPEC §5 discovery, issue 5 item 4): stream a file, map its columns,
//! validate each row, insert in batches with database-enforced dedupe, record progress and the
//! per-row error report, and audit the import.
//!
//! Memory is bounded by the batch size, not the file: rows are read one at a time from any
//! `std::io::Read`, at most `batch_size` validated leads and their report lines are held before
//! they are handed to the writer (which holds one batch more while it writes it, so reading
//! the next batch overlaps the database's work on the last), and duplicates are found by the database's unique indexes (only repeats
//! inside one batch are caught in memory, because one INSERT cannot see its own rows).
//!
//! This module does not authorise: callers (server functions, the CLI) check the member may
//! import into the workspace before calling.
//!
//! Reading and parsing (the synchronous `csv` crate) run on a blocking thread, handing rows
//! over in chunks of bounded size ([`read_records`]); give it a local file or an in-memory
//! buffer (spool uploads to disk first), never a network stream. Rows and cells are capped
//! ([`limits`]).

pub mod limits;
pub mod mapping;
pub mod source;
pub mod staged;

use crate::store::imports::{self, Problem, ProblemKind};
use crate::store::{audit, leads};
use crate::{Error, Result};
use domain::ids::{UserId, WorkspaceId};
use domain::leads::{DedupeKey, Field, ImportId, ImportSummary, LeadInput, LeadSource, NewLead};
use mapping::Mapping;
use serde_json::json;
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::io::Read;

/// Tuning of one import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Rows read between two writes to the database (and the most rows held in memory).
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { batch_size: 1_000 }
    }
}

/// The result of a finished import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOutcome {
    pub id: ImportId,
    pub summary: ImportSummary,
    /// The most rows (valid leads waiting to be written plus rows of the current batch) held
    /// in memory at once; never above the batch size. Reported so tests and the benchmark
    /// can show the bound.
    pub peak_buffered_rows: usize,
}

/// Creates the import row and runs the import with default options. The progress callback
/// gets the running counts after every batch.
pub async fn import_csv<R: Read + Send + 'static>(
    pool: &PgPool,
    ws: WorkspaceId,
    user: Option<UserId>,
    filename: &str,
    reader: R,
    progress: impl FnMut(&ImportSummary) + Send,
) -> Result<ImportOutcome> {
    let id = begin(pool, ws, user, filename).await?;
    run(pool, ws, user, id, reader, ImportOptions::default(), progress).await
}

/// Creates the `imports` row (status `running`) so a caller can hand its id to the import page
/// before the rows are read.
pub async fn begin(pool: &PgPool, ws: WorkspaceId, user: Option<UserId>, filename: &str) -> Result<ImportId> {
    let name = filename.trim();
    let name: String = if name.is_empty() { "upload.csv".into() } else { name.chars().take(255).collect() };
    let mut tx = crate::db::tenant(pool, ws).await?;
    let id = imports::create(&mut tx, ws, &name, user).await?;
    tx.commit().await?;
    Ok(id)
}

/// Reads the file into the import `id`. A file that cannot be read at all (no usable header,
/// broken stream) marks the import `failed` with the reason and returns `Error::Invalid`; rows
/// written before a mid-file failure stay imported and counted.
pub async fn run<R: Read + Send + 'static>(
    pool: &PgPool,
    ws: WorkspaceId,
    user: Option<UserId>,
    id: ImportId,
    reader: R,
    options: ImportOptions,
    progress: impl FnMut(&ImportSummary) + Send,
) -> Result<ImportOutcome> {
    run_mapped(pool, ws, user, id, reader, options, None, progress).await
}

/// [`run`] with the columns mapped as a person chose (`choice`: one entry per column, a field
/// or `None` to ignore it) instead of detected from the header. The choice is checked against
/// the file's header row (`domain::column_mapping::validate`); a bad one fails the import with
/// its reason before any row is read.
///
/// Resumable: the run starts from the import's checkpoint (the last row whose batch is
/// committed), so running an interrupted import again over the same file skips the rows already
/// in and adds each count once. Every batch moves the checkpoint in its own transaction, only
/// from where it stands ([`imports::advance`]); a run that finds it moved by another run stops
/// without touching the import, and only the run that finishes it audits it.
#[allow(clippy::too_many_arguments)]
pub async fn run_mapped<R: Read + Send + 'static>(
    pool: &PgPool,
    ws: WorkspaceId,
    user: Option<UserId>,
    id: ImportId,
    reader: R,
    options: ImportOptions,
    choice: Option<Vec<Option<Field>>>,
    mut progress: impl FnMut(&ImportSummary) + Send,
) -> Result<ImportOutcome> {
    let start = imports::checkpoint(&mut *crate::db::tenant(pool, ws).await?, ws, id).await?.ok_or(Error::NotFound("import"))?;
    let mut job = Job::new(pool, ws, id, options.batch_size.max(1));
    job.choice = choice;
    job.checkpoint = start.rows_done;
    job.running = start.summary;
    if start.status != domain::leads::ImportStatus::Running {
        // Finished by an earlier run: nothing to read, nothing to count again.
        return as_it_stands(pool, ws, id, 0).await;
    }
    let result = job.read_all(reader, &mut progress).await;
    if job.superseded {
        return as_it_stands(pool, ws, id, job.peak).await;
    }
    let failure = match &result {
        Ok(()) => None,
        Err(Error::Invalid(m)) => Some(m.clone()),
        Err(_) => Some("the import stopped because of a server error; rows read so far were kept".to_string()),
    };
    let mut tx = crate::db::tenant(pool, ws).await?;
    let finished_now = imports::finish(&mut tx, ws, id, failure.as_deref()).await?;
    let view = imports::get(&mut *tx, ws, id).await?.ok_or(Error::NotFound("import"))?;
    if !finished_now {
        // Another run finished it meanwhile and audited it.
        tx.commit().await?;
        return Ok(ImportOutcome { id, summary: view.summary, peak_buffered_rows: job.peak });
    }
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: user,
            action: "lead.import",
            target_type: "import",
            target_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "filename": view.filename,
                "status": view.status.as_str(),
                "total": view.summary.total,
                "imported": view.summary.imported,
                "duplicates": view.summary.duplicates,
                "invalid": view.summary.invalid,
                "error": failure,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    result?;
    Ok(ImportOutcome { id, summary: view.summary, peak_buffered_rows: job.peak })
}

/// The import as it stands, for a run that leaves it to another.
async fn as_it_stands(pool: &PgPool, ws: WorkspaceId, id: ImportId, peak: usize) -> Result<ImportOutcome> {
    let view = imports::get(&mut *crate::db::tenant(pool, ws).await?, ws, id).await?.ok_or(Error::NotFound("import"))?;
    Ok(ImportOutcome { id, summary: view.summary, peak_buffered_rows: peak })
}

/// The error report of an import as CSV (`row,column,kind,message`), rejected rows and
/// skipped duplicates in row order. `NotFound` for another workspace's import.
pub async fn error_report_csv(pool: &PgPool, ws: WorkspaceId, id: ImportId) -> Result<String> {
    let mut db = crate::db::tenant(pool, ws).await?;
    imports::get(&mut *db, ws, id).await?.ok_or(Error::NotFound("import"))?;
    let problems = imports::problems(&mut *db, ws, id).await?;
    drop(db);
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Internal(e.into());
    w.write_record(["row", "column", "kind", "message"]).map_err(io)?;
    for p in problems {
        w.write_record([p.row_number.to_string().as_str(), &p.column, p.kind.as_str(), &p.message]).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(anyhow::anyhow!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.into()))
}

/// State of one running import.
struct Job<'a> {
    pool: &'a PgPool,
    ws: WorkspaceId,
    id: ImportId,
    batch_size: usize,
    /// Valid leads of the current batch, and the row each came from.
    leads: Vec<NewLead>,
    rows: Vec<u64>,
    /// First row of each key in the current batch.
    keys: HashMap<DedupeKey, u64>,
    problems: Vec<Problem>,
    delta: ImportSummary,
    running: ImportSummary,
    peak: usize,
    /// A mapping chosen by a person, replacing detection.
    choice: Option<Vec<Option<Field>>>,
    /// The previous batch, being written while the next is read.
    writing: Option<tokio::task::JoinHandle<Result<Option<ImportSummary>>>>,
    /// The last row handed to the writer: the checkpoint once that batch commits. Rows up to
    /// the checkpoint the run started from are skipped.
    checkpoint: u64,
    /// Another run moved the checkpoint: this one stops and leaves the import to it.
    superseded: bool,
}

impl<'a> Job<'a> {
    fn new(pool: &'a PgPool, ws: WorkspaceId, id: ImportId, batch_size: usize) -> Self {
        Job {
            pool,
            ws,
            id,
            batch_size,
            leads: Vec::with_capacity(batch_size),
            rows: Vec::with_capacity(batch_size),
            keys: HashMap::with_capacity(batch_size),
            problems: Vec::new(),
            delta: ImportSummary::default(),
            running: ImportSummary::default(),
            peak: 0,
            choice: None,
            writing: None,
            checkpoint: 0,
            superseded: false,
        }
    }

    async fn read_all<R: Read + Send + 'static>(&mut self, reader: R, progress: &mut (impl FnMut(&ImportSummary) + Send)) -> Result<()> {
        let mut records = read_records(reader);
        let header = match records.recv().await {
            Some(Ok(mut chunk)) if !chunk.is_empty() => chunk.swap_remove(0),
            Some(Err(e)) => return Err(e),
            _ => return Err(Error::Invalid("the file is empty".into())),
        };
        let headers: Vec<String> = header.iter().map(|h| source::decode_field(h).into_owned()).collect();
        let mapping = match &self.choice {
            None => Mapping::detect(headers.iter().map(String::as_str)),
            Some(choice) => {
                domain::column_mapping::validate(&headers, choice).map_err(Error::Invalid)?;
                Mapping::chosen(&headers, choice)
            }
        };
        {
            let mut tx = crate::db::tenant(self.pool, self.ws).await?;
            imports::set_mapping(&mut tx, self.ws, self.id, &mapping.headers).await?;
            tx.commit().await?;
        }
        if let (None, Some(problem)) = (&self.choice, mapping.problem()) {
            return Err(Error::Invalid(problem));
        }

        // Spreadsheet numbering: the header is row 1. Rows up to the checkpoint are in already.
        let skip_through = self.checkpoint;
        let mut row: u64 = 1;
        while let Some(chunk) = records.recv().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(e) => {
                    // Keep what was read; the failure is reported on the import.
                    self.flush(row, progress).await?;
                    self.drain(progress).await?;
                    return Err(e);
                }
            };
            for record in &chunk {
                row += 1;
                if row <= skip_through {
                    continue;
                }
                self.take_row(row, &mapping, record);
                if self.delta.total as usize >= self.batch_size {
                    self.flush(row, progress).await?;
                }
            }
        }
        self.flush(row, progress).await?;
        self.drain(progress).await
    }

    fn take_row(&mut self, row: u64, mapping: &Mapping, record: &csv::ByteRecord) {
        let mut input = LeadInput::default();
        for &(col, field) in &mapping.columns {
            let Some(raw) = record.get(col) else { continue };
            let text = source::decode_field(raw);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let slot = input.get_mut(field);
            match (field, slot.as_mut()) {
                // City, state and region columns all describe the location.
                (Field::Location, Some(existing)) => {
                    existing.push_str(", ");
                    existing.push_str(text);
                }
                (_, Some(_)) => {}
                (_, None) => *slot = Some(text.to_string()),
            }
        }
        if input.is_blank() {
            return;
        }
        self.delta.total += 1;
        match input.validate() {
            Err(errors) => {
                self.delta.invalid += 1;
                self.problems.extend(errors.into_iter().map(|e| Problem {
                    row_number: row,
                    column: e.field.as_str().to_string(),
                    kind: ProblemKind::Invalid,
                    message: e.message,
                }));
            }
            Ok(lead) => {
                let Some(key) = lead.dedupe_key() else { return };
                if let Some(first) = self.keys.get(&key) {
                    self.delta.duplicates += 1;
                    self.problems.push(duplicate(row, &key, format!("row {first} of this file")));
                } else {
                    self.keys.insert(key, row);
                    self.leads.push(lead);
                    self.rows.push(row);
                }
            }
        }
        self.peak = self.peak.max(self.leads.len());
    }

    /// Hands the batch read so far to the writer and returns once the previous batch is
    /// written: the file is read on while the database writes, and batches are still written
    /// one after another in file order (so a later batch sees the earlier one's leads).
    async fn flush(&mut self, through_row: u64, progress: &mut (impl FnMut(&ImportSummary) + Send)) -> Result<()> {
        if self.delta == ImportSummary::default() {
            return Ok(());
        }
        self.drain(progress).await?;
        let (from_row, to_row) = (self.checkpoint, through_row.max(self.checkpoint));
        self.checkpoint = to_row;
        let batch = Batch {
            from_row,
            to_row,
            leads: std::mem::replace(&mut self.leads, Vec::with_capacity(self.batch_size)),
            rows: std::mem::replace(&mut self.rows, Vec::with_capacity(self.batch_size)),
            problems: std::mem::take(&mut self.problems),
            delta: std::mem::take(&mut self.delta),
        };
        self.keys.clear();
        let (pool, ws, id) = (self.pool.clone(), self.ws, self.id);
        self.writing = Some(tokio::spawn(async move { batch.write(&pool, ws, id).await }));
        Ok(())
    }

    /// Waits for the batch being written, if any, and reports the progress it made.
    async fn drain(&mut self, progress: &mut (impl FnMut(&ImportSummary) + Send)) -> Result<()> {
        let Some(writing) = self.writing.take() else {
            return Ok(());
        };
        let Some(delta) = writing.await.map_err(|e| Error::Internal(anyhow::anyhow!("import batch write failed: {e}")))?? else {
            self.superseded = true;
            return Err(Error::Conflict("another run of this import is further on".into()));
        };
        self.running.total += delta.total;
        self.running.imported += delta.imported;
        self.running.duplicates += delta.duplicates;
        self.running.invalid += delta.invalid;
        progress(&self.running);
        Ok(())
    }
}

/// One batch on its way to the database: the rows after `from_row` up to `to_row`.
struct Batch {
    from_row: u64,
    to_row: u64,
    /// Valid leads, and the row each came from.
    leads: Vec<NewLead>,
    rows: Vec<u64>,
    problems: Vec<Problem>,
    delta: ImportSummary,
}

impl Batch {
    /// Writes the batch, its report lines, the counters and the checkpoint in one transaction,
    /// so the progress the page shows always matches the leads in the database and a resumed
    /// run starts exactly after the last committed batch. Returns the batch's counts, with the
    /// duplicates only the database could see added; `None` when the checkpoint is not where
    /// this batch starts (another run wrote it), and then nothing is written.
    async fn write(mut self, pool: &PgPool, ws: WorkspaceId, id: ImportId) -> Result<Option<ImportSummary>> {
        let mut tx = crate::db::tenant(pool, ws).await?;
        if !imports::advance(&mut tx, ws, id, self.from_row, self.to_row).await? {
            return Ok(None);
        }
        let inserted = leads::insert_many(&mut tx, ws, LeadSource::Csv, Some(id), &self.leads).await?;
        let created: HashSet<&DedupeKey> = inserted.iter().map(|i| &i.key).collect();
        let skipped: Vec<(u64, DedupeKey)> = self
            .leads
            .iter()
            .zip(&self.rows)
            .filter_map(|(l, row)| l.dedupe_key().filter(|k| !created.contains(k)).map(|k| (*row, k)))
            .collect();
        if !skipped.is_empty() {
            let keys: Vec<DedupeKey> = skipped.iter().map(|(_, k)| k.clone()).collect();
            let owners = leads::existing_by_key(&mut tx, ws, &keys).await?;
            for (row, key) in skipped {
                let whose = match owners.get(&key) {
                    Some(Some(import)) if *import == id => "an earlier row of this file".to_string(),
                    _ => "a lead already in this workspace".to_string(),
                };
                self.problems.push(duplicate(row, &key, whose));
                self.delta.duplicates += 1;
            }
        }
        self.delta.imported += inserted.len() as u64;
        self.problems.sort_by_key(|p| p.row_number);
        imports::add_problems(&mut tx, ws, id, &self.problems).await?;
        imports::add_progress(&mut tx, ws, id, self.delta).await?;
        tx.commit().await?;
        Ok(Some(self.delta))
    }
}

fn duplicate(row: u64, key: &DedupeKey, of: String) -> Problem {
    let (column, what) = match key {
        DedupeKey::Email(_) => (Field::Email, "email"),
        DedupeKey::Linkedin(_) => (Field::LinkedinUrl, "LinkedIn URL"),
    };
    Problem { row_number: row, column: column.as_str().into(), kind: ProblemKind::Duplicate, message: format!("duplicate: same {what} as {of}") }
}

/// Most bytes of rows in one hand-over from the reading thread (rows are capped at
/// [`limits::MAX_RECORD_BYTES`], so a chunk holds at least one).
const CHUNK_BYTES: usize = 4 * 1024 * 1024;
/// Most rows in one hand-over.
const CHUNK_ROWS: usize = 500;

/// Reads the CSV on a blocking thread (file reads and parsing stay off the async workers) and
/// hands its records over in chunks: the header alone first, then rows in file order. At most
/// two chunks wait at a time, so memory stays bounded by [`CHUNK_BYTES`] whatever the file. A
/// read error ends the stream with the error, naming the row; dropping the receiver stops the
/// thread at its next hand-over.
pub fn read_records<R: Read + Send + 'static>(reader: R) -> tokio::sync::mpsc::Receiver<Result<Vec<csv::ByteRecord>>> {
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::task::spawn_blocking(move || {
        let prepared = match source::prepare(reader) {
            Ok(p) => p,
            Err(e) => return tx.blocking_send(Err(Error::Invalid(format!("the file could not be read: {e}")))).unwrap_or(()),
        };
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(prepared.delimiter)
            .has_headers(false)
            // Rows with missing or extra trailing cells are common in hand-made sheets; the
            // mapped cells are what count.
            .flexible(true)
            .from_reader(prepared.reader);
        let (mut chunk, mut bytes, mut row) = (Vec::new(), 0usize, 0u64);
        loop {
            let mut record = csv::ByteRecord::new();
            match csv.read_byte_record(&mut record) {
                Ok(true) => {
                    row += 1;
                    bytes += record.as_slice().len();
                    chunk.push(record);
                    if row == 1 || chunk.len() >= CHUNK_ROWS || bytes >= CHUNK_BYTES {
                        if tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                            return;
                        }
                        bytes = 0;
                    }
                }
                Ok(false) => {
                    if !chunk.is_empty() {
                        let _ = tx.blocking_send(Ok(chunk));
                    }
                    return;
                }
                Err(e) => {
                    if !chunk.is_empty() && tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err() {
                        return;
                    }
                    let _ = tx.blocking_send(Err(csv_error(e, row + 1)));
                    return;
                }
            }
        }
    });
    rx
}

fn csv_error(e: csv::Error, row: u64) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::Invalid(format!("the file could not be read at row {row}: {io}")),
        _ => Error::Invalid(format!("the file could not be read at row {row}: {e}")),
    }
}
