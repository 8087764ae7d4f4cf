//! Uploaded files, kept in PostgreSQL (`store::uploads`) so that whichever process runs the
//! import can read them and an import survives a restart: the upload is written in one
//! transaction as it arrives ([`UploadWriter`]), previewed (header, first rows, detected
//! mapping), and then handed to an import with the mapping the person chose
//! (`flows::imports`). A waiting upload belongs to the workspace it was uploaded to and expires
//! after [`STAGED_TTL`]; the file of an import is deleted when the import finishes. Expired and
//! finished files are swept when a workspace uploads and by the worker's schedule (`jobs`). A
//! workspace's files, waiting or being imported, stay under [`WORKSPACE_QUOTA_BYTES`]
//! together, measured under a per-workspace lock that holds across processes.
//!
//! Why PostgreSQL rather than a directory: every process already reaches the database, a
//! file and the import that reads it commit and vanish together (no orphan on a disk another
//! machine cannot see), and backups and tenant isolation (row-level security) cover it as well.

use super::mapping::Mapping;
use super::source;
use crate::store::uploads;
use crate::{Error, Result};
use domain::column_mapping::{first_columns_only, ImportPreview};
use domain::ids::{UserId, WorkspaceId};
use sqlx::PgPool;
use std::io::{self, Read};
use std::time::Duration;
use uuid::Uuid;

/// How long an uploaded file waits for its mapping.
pub const STAGED_TTL: Duration = Duration::from_secs(3600);
/// Most bytes of uploads one workspace may keep at once (waiting or being imported).
pub const WORKSPACE_QUOTA_BYTES: u64 = 400 * 1024 * 1024;
/// Rows shown under the header.
pub const PREVIEW_ROWS: usize = 5;
/// Bytes per stored chunk.
pub const CHUNK_BYTES: usize = 1024 * 1024;

fn ttl() -> chrono::Duration {
    chrono::Duration::from_std(STAGED_TTL).expect("small duration")
}

fn over_quota(room: bool) -> Error {
    let mb = WORKSPACE_QUOTA_BYTES / 1024 / 1024;
    Error::Conflict(if room {
        format!("This upload would take the workspace over its {mb} MB of uploads waiting or being imported; import or wait for those first")
    } else {
        format!("this workspace already has {mb} MB of uploads waiting or being imported; import or wait for them (an unused upload expires after an hour)")
    })
}

/// An upload being stored: one transaction that holds the workspace's upload lock from the
/// quota check to the last byte, so two uploads sent at once cannot each see the same room
/// left. Dropped without [`UploadWriter::finish`] (a refused or broken upload), it leaves
/// nothing behind.
pub struct UploadWriter {
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    ws: WorkspaceId,
    id: Uuid,
    room: u64,
    size: u64,
    seq: i32,
    buf: Vec<u8>,
}

impl UploadWriter {
    /// Locks the workspace's uploads, forgets its expired ones and measures the room left;
    /// refuses at once when there is none.
    pub async fn begin(pool: &PgPool, ws: WorkspaceId, user: UserId) -> Result<Self> {
        let mut tx = crate::db::tenant(pool, ws).await?;
        uploads::lock_workspace(&mut tx, ws).await?;
        uploads::delete_expired_of(&mut tx, ws, ttl()).await?;
        let room = WORKSPACE_QUOTA_BYTES.saturating_sub(uploads::usage(&mut *tx, ws).await?);
        if room == 0 {
            return Err(over_quota(false));
        }
        let id = uploads::create(&mut tx, ws, "upload.csv", Some(user)).await?;
        Ok(UploadWriter { tx, ws, id, room, size: 0, seq: 0, buf: Vec::with_capacity(CHUNK_BYTES) })
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends the next bytes; a conflict once the workspace's quota would be passed.
    pub async fn write(&mut self, mut bytes: &[u8]) -> Result<()> {
        self.size += bytes.len() as u64;
        if self.size > self.room {
            return Err(over_quota(true));
        }
        while !bytes.is_empty() {
            let take = (CHUNK_BYTES - self.buf.len()).min(bytes.len());
            self.buf.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.buf.len() == CHUNK_BYTES {
                self.store_chunk().await?;
            }
        }
        Ok(())
    }

    async fn store_chunk(&mut self) -> Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        uploads::add_chunk(&mut self.tx, self.ws, self.id, self.seq, &self.buf).await?;
        self.seq += 1;
        self.buf.clear();
        Ok(())
    }

    /// Stores the rest and commits the upload under its file name; returns its id.
    pub async fn finish(mut self, filename: &str) -> Result<Uuid> {
        self.store_chunk().await?;
        let name = filename.trim();
        let name: String = if name.is_empty() { "upload.csv".into() } else { name.chars().take(255).collect() };
        uploads::rename(&mut self.tx, self.ws, self.id, &name).await?;
        self.tx.commit().await?;
        Ok(self.id)
    }
}

/// Reads a stored upload from its first byte, one chunk at a time. Blocking: use it only on a
/// blocking thread (`spawn_blocking`, as `import::read_records` and [`preview`] do), where it
/// waits for each chunk on the runtime it was made on.
pub struct UploadReader {
    pool: PgPool,
    ws: WorkspaceId,
    id: Uuid,
    runtime: tokio::runtime::Handle,
    seq: i32,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl UploadReader {
    /// Call from async code (it keeps the current runtime's handle).
    pub fn new(pool: PgPool, ws: WorkspaceId, id: Uuid) -> Self {
        UploadReader { pool, ws, id, runtime: tokio::runtime::Handle::current(), seq: 0, buf: Vec::new(), pos: 0, done: false }
    }
}

impl Read for UploadReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.buf.len() {
            if self.done || out.is_empty() {
                return Ok(0);
            }
            match self.runtime.block_on(async { uploads::chunk(&mut *crate::db::tenant(&self.pool, self.ws).await?, self.ws, self.id, self.seq).await }).map_err(|e| io::Error::other(e.to_string()))? {
                Some(bytes) => {
                    self.buf = bytes;
                    self.pos = 0;
                    self.seq += 1;
                }
                None => self.done = true,
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Bytes of the workspace's uploads, waiting or being imported.
pub async fn usage(pool: &PgPool, ws: WorkspaceId) -> Result<u64> {
    uploads::usage(&mut *crate::db::tenant(pool, ws).await?, ws).await
}

/// A waiting upload of the workspace, younger than the TTL.
pub async fn waiting(pool: &PgPool, ws: WorkspaceId, id: Uuid) -> Result<uploads::Upload> {
    let gone = Error::NotFound("uploaded file (it expires after an hour; upload it again)");
    match uploads::get(&mut *crate::db::tenant(pool, ws).await?, ws, id).await? {
        Some(u) if u.import_id.is_none() && chrono::Utc::now() - u.created_at <= ttl() => Ok(u),
        _ => Err(gone),
    }
}

/// The header, first rows and detected mapping of a waiting upload.
pub async fn preview(pool: &PgPool, ws: WorkspaceId, id: Uuid) -> Result<ImportPreview> {
    let upload = waiting(pool, ws, id).await?;
    let reader = UploadReader::new(pool.clone(), ws, id);
    tokio::task::spawn_blocking(move || preview_of(reader, id, upload.filename)).await.map_err(|e| Error::Internal(e.into()))?
}

/// Deletes an upload.
pub async fn discard(pool: &PgPool, ws: WorkspaceId, id: Uuid) -> Result<()> {
    let mut tx = crate::db::tenant(pool, ws).await?;
    uploads::delete(&mut *tx, ws, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes waiting uploads past the TTL and the files of finished imports; returns how many.
pub async fn sweep(pool: &PgPool) -> Result<u64> {
    uploads::sweep(pool, ttl()).await
}

/// The preview of any CSV source. Rows and cells are capped (`limits`), so a file without line
/// breaks is refused after one row's worth of bytes, whatever its size.
pub fn preview_of(input: impl std::io::Read + Send + 'static, id: Uuid, filename: String) -> Result<ImportPreview> {
    let unreadable = |e: std::io::Error| Error::Invalid(format!("the file could not be read: {e}"));
    let prepared = source::prepare(input).map_err(unreadable)?;
    let mut csv = csv::ReaderBuilder::new().delimiter(prepared.delimiter).has_headers(false).flexible(true).from_reader(prepared.reader);
    let mut record = csv::ByteRecord::new();
    let text = |r: &csv::ByteRecord| r.iter().map(|c| source::decode_field(c).trim().to_string()).collect::<Vec<_>>();
    let bad = |e: csv::Error| Error::Invalid(format!("the file is not readable CSV: {e}"));
    if !csv.read_byte_record(&mut record).map_err(bad)? {
        return Err(Error::Invalid("the file is empty".into()));
    }
    let headers = text(&record);
    let mut rows = Vec::new();
    while rows.len() < PREVIEW_ROWS && csv.read_byte_record(&mut record).map_err(bad)? {
        let mut row = text(&record);
        row.resize(headers.len(), String::new());
        rows.push(row);
    }
    let detected = Mapping::detect(headers.iter().map(String::as_str)).per_column(headers.len());
    Ok(ImportPreview { upload: id.to_string(), filename, mapping: first_columns_only(&detected), headers, rows })
}
