//! Uploads kept between the two steps of an import with a chosen mapping: the file is spooled
//! to a private temporary directory, previewed (header, first rows, detected mapping), and
//! then handed to the import with the mapping the person chose. A staged file belongs to the
//! workspace it was uploaded to (its name carries the workspace id) and expires after
//! [`STAGED_TTL`]; expired files are swept whenever a new one is staged and by the worker's
//! schedule (`jobs`). A workspace's files, staged or being imported, stay under
//! [`WORKSPACE_QUOTA_BYTES`] together, so no tenant fills the disk the others share.
//!
//! Everything here is blocking file I/O: call it from `spawn_blocking`.

use super::mapping::Mapping;
use super::source;
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use domain::column_mapping::{first_columns_only, ImportPreview};
use domain::ids::{UserId, WorkspaceId};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use uuid::Uuid;

/// How long an uploaded file waits for its mapping.
pub const STAGED_TTL: Duration = Duration::from_secs(3600);
/// Most bytes of uploads one workspace may have on disk at once (staged or being imported).
pub const WORKSPACE_QUOTA_BYTES: u64 = 400 * 1024 * 1024;
/// Rows shown under the header.
pub const PREVIEW_ROWS: usize = 5;

#[derive(Serialize, Deserialize)]
struct Meta {
    filename: String,
    user: Uuid,
    staged_at: DateTime<Utc>,
}

/// Where staged files live: one directory under the system temporary directory.
pub fn dir() -> PathBuf {
    std::env::temp_dir().join("agency-os-staged")
}

fn paths(ws: WorkspaceId, id: Uuid) -> (PathBuf, PathBuf) {
    let base = dir().join(format!("{ws}-{id}"));
    (base.with_extension("csv"), base.with_extension("json"))
}

/// A new staged upload of the workspace: its id and the path to write the file to.
pub fn reserve(ws: WorkspaceId) -> Result<(Uuid, PathBuf)> {
    std::fs::create_dir_all(dir()).map_err(|e| Error::Internal(e.into()))?;
    sweep();
    let id = Uuid::new_v4();
    Ok((id, paths(ws, id).0))
}

/// A path in the staging directory for a file the direct import (no mapping step) reads; it
/// counts against the workspace's quota and is swept like staged files.
pub fn importing_path(ws: WorkspaceId) -> Result<PathBuf> {
    std::fs::create_dir_all(dir()).map_err(|e| Error::Internal(e.into()))?;
    Ok(dir().join(format!("{ws}-{}.importing", Uuid::new_v4())))
}

/// Bytes of the workspace's files in the staging directory.
pub fn usage(ws: WorkspaceId) -> u64 {
    let prefix = format!("{ws}-");
    let Ok(entries) = std::fs::read_dir(dir()) else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

/// How many more bytes the workspace may upload now; refuses when none.
pub fn room(ws: WorkspaceId) -> Result<u64> {
    let left = WORKSPACE_QUOTA_BYTES.saturating_sub(usage(ws));
    if left == 0 {
        return Err(Error::Conflict(format!(
            "this workspace already has {} MB of uploads waiting or being imported; import or wait for them (an unused upload expires after an hour)",
            WORKSPACE_QUOTA_BYTES / 1024 / 1024
        )));
    }
    Ok(left)
}

/// Records who staged the written file and its name; from now on it can be previewed.
pub fn seal(ws: WorkspaceId, id: Uuid, filename: &str, user: UserId) -> Result<()> {
    let meta = Meta { filename: filename.chars().take(255).collect(), user: user.0, staged_at: Utc::now() };
    let json = serde_json::to_vec(&meta).map_err(|e| Error::Internal(e.into()))?;
    std::fs::write(paths(ws, id).1, json).map_err(|e| Error::Internal(e.into()))
}

fn meta(ws: WorkspaceId, id: Uuid) -> Result<Meta> {
    let gone = || Error::NotFound("uploaded file (it expires after an hour; upload it again)");
    let raw = std::fs::read(paths(ws, id).1).map_err(|_| gone())?;
    let meta: Meta = serde_json::from_slice(&raw).map_err(|_| gone())?;
    if Utc::now() - meta.staged_at > chrono::Duration::from_std(STAGED_TTL).expect("small duration") {
        discard(ws, id);
        return Err(gone());
    }
    Ok(meta)
}

/// The header, first rows and detected mapping of a staged upload.
pub fn preview(ws: WorkspaceId, id: Uuid) -> Result<ImportPreview> {
    let meta = meta(ws, id)?;
    let file = std::fs::File::open(paths(ws, id).0).map_err(|_| Error::NotFound("uploaded file"))?;
    preview_of(std::io::BufReader::new(file), id, meta.filename)
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

/// Takes the staged file out of staging for its import: returns its path (now the caller's
/// to delete) and original name.
pub fn take(ws: WorkspaceId, id: Uuid) -> Result<(PathBuf, String)> {
    let meta = meta(ws, id)?;
    let (csv, json) = paths(ws, id);
    let taken = dir().join(format!("{ws}-{id}.importing"));
    // The rename is the claim: a second "Import" of the same upload finds nothing.
    std::fs::rename(&csv, &taken).map_err(|_| Error::NotFound("uploaded file"))?;
    let _ = std::fs::remove_file(json);
    Ok((taken, meta.filename))
}

/// Deletes a staged upload.
pub fn discard(ws: WorkspaceId, id: Uuid) {
    let (csv, json) = paths(ws, id);
    let _ = std::fs::remove_file(csv);
    let _ = std::fs::remove_file(json);
}

/// Removes staged files older than the TTL (by modification time); returns how many. A file
/// an import still reads stays readable to it (the import holds it open).
pub fn sweep() -> u64 {
    let Ok(entries) = std::fs::read_dir(dir()) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let old = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok()).is_some_and(|age| age > STAGED_TTL);
        if old && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
