//! Lead imports: the CSV upload (streamed to a temporary file, never held in memory) and the
//! per-row error report download. Plain HTTP routes, so a form without JavaScript works too.
//!
//! Uploads count against the workspace's staging quota while they are written, a line longer
//! than any row may be stops the upload at once, and every file and CSV step runs on a
//! blocking thread (`spawn_blocking`), never on the async workers that serve everyone.

use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::account::Action;
use domain::ids::{UserId, WorkspaceId};
use engine::Engine;
use tokio::io::AsyncWriteExt;
use tower_sessions::Session;

/// Leads per enrichment job.
pub const ENRICH_BATCH: usize = 200;

/// Largest CSV we accept (a 100,000-row export is ~20–50 MB).
pub const MAX_UPLOAD_BYTES: usize = 200 * 1024 * 1024;

pub(crate) fn fail(e: engine::Error) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = ?e, "upload failed");
    }
    (status, axum::Json(serde_json::json!({ "error": e.public_message() }))).into_response()
}

pub(crate) async fn caller(session: &Session) -> Result<UserId, engine::Error> {
    session
        .get::<UserId>("user_id")
        .await
        .map_err(|e| engine::Error::Internal(anyhow::anyhow!("session: {e}")))?
        .ok_or_else(|| engine::Error::Unauthenticated("Please log in".into()))
}

pub(crate) fn workspace(raw: &str) -> Result<WorkspaceId, engine::Error> {
    raw.parse().map_err(|_| engine::Error::NotFound("workspace"))
}

fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// Runs blocking file work (staging, previews) off the async workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, engine::Error> + Send + 'static) -> Result<T, engine::Error> {
    tokio::task::spawn_blocking(work).await.map_err(|e| engine::Error::Internal(e.into()))?
}

/// One lock per workspace, held from the quota check to the last byte written, so two uploads
/// sent at once cannot each see the same room left and together pass the quota. Uploads to
/// other workspaces never wait for it.
fn upload_lock(ws: WorkspaceId) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    static LOCKS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<WorkspaceId, std::sync::Arc<tokio::sync::Mutex<()>>>>> =
        std::sync::LazyLock::new(Default::default);
    let mut locks = LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    // Forget the locks nobody holds or waits for, so the map stays as small as the uploads in flight.
    locks.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
    locks.entry(ws).or_default().clone()
}

/// Streams the multipart field `file` to `path` (never held in memory), at most the bytes the
/// workspace's quota has left; returns the file name.
async fn spool(form: &mut Multipart, ws: WorkspaceId, path: &std::path::Path) -> Result<String, engine::Error> {
    let lock = upload_lock(ws);
    let _held = lock.lock().await;
    let room = blocking(move || engine::import::staged::room(ws)).await?;
    let bad = |m: String| engine::Error::Invalid(m);
    let mut field = loop {
        match form.next_field().await.map_err(|e| bad(format!("The upload could not be read: {e}")))? {
            Some(f) if f.name() == Some("file") => break f,
            Some(_) => continue,
            None => return Err(bad("Choose a CSV file to import".into())),
        }
    };
    let filename = field.file_name().unwrap_or("upload.csv").to_string();
    let result = async {
        let mut file = tokio::fs::File::create(path).await.map_err(|e| engine::Error::Internal(e.into()))?;
        let mut size = 0usize;
        let mut lines = engine::import::limits::LineWatch::default();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(format!("The upload was interrupted: {e}")))? {
            size += chunk.len();
            if size > MAX_UPLOAD_BYTES {
                return Err(bad(format!("The file is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)));
            }
            if size as u64 > room {
                return Err(engine::Error::Conflict(format!(
                    "This upload would take the workspace over its {} MB of uploads waiting or being imported; import or wait for those first",
                    engine::import::staged::WORKSPACE_QUOTA_BYTES / 1024 / 1024
                )));
            }
            lines.feed(&chunk).map_err(|e| bad(format!("The file cannot be imported: {e}")))?;
            file.write_all(&chunk).await.map_err(|e| engine::Error::Internal(e.into()))?;
        }
        file.flush().await.map_err(|e| engine::Error::Internal(e.into()))?;
        if size == 0 {
            return Err(bad("The file is empty".into()));
        }
        Ok(filename)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(path).await;
    }
    result
}

/// `POST /w/{ws}/leads/import` (multipart, field `file`): starts the import with the mapping
/// detected from the header and redirects to the leads page, which shows its live progress.
/// Answers JSON `{import}` to a script.
pub async fn upload(State(state): State<AppState>, session: Session, Path(ws): Path<String>, headers: axum::http::HeaderMap, mut form: Multipart) -> Response {
    let engine = state.engine.clone();
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::EditCampaigns).await?;
        let ws = access.workspace;
        let tmp = blocking(move || engine::import::staged::importing_path(ws)).await?;
        let filename = spool(&mut form, ws, &tmp).await?;
        let id = engine::import::begin(&engine.pool, access.workspace, Some(user), &filename).await?;
        tokio::spawn(run_import(engine.clone(), access.workspace, user, id, tmp, None));
        Ok((access.workspace, id))
    }
    .await;
    started(result, wants_json(&headers))
}

fn started(result: Result<(WorkspaceId, domain::leads::ImportId), engine::Error>, json: bool) -> Response {
    match result {
        Ok((_, id)) if json => (StatusCode::ACCEPTED, axum::Json(serde_json::json!({ "import": id }))).into_response(),
        Ok((ws, id)) => Redirect::to(&format!("/w/{ws}/leads?import={id}")).into_response(),
        Err(e) => fail(e),
    }
}

/// `POST /w/{ws}/leads/import/preview` (multipart, field `file`): step one of an import with a
/// chosen mapping. Keeps the file (an hour at most) and answers its header, first five rows
/// and detected mapping as JSON, or redirects the page to the mapping table.
pub async fn preview(State(state): State<AppState>, session: Session, Path(ws): Path<String>, headers: axum::http::HeaderMap, mut form: Multipart) -> Response {
    let engine = state.engine.clone();
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::EditCampaigns).await?;
        let ws = access.workspace;
        let (id, path) = blocking(move || engine::import::staged::reserve(ws)).await?;
        let filename = spool(&mut form, ws, &path).await?;
        blocking(move || {
            engine::import::staged::seal(ws, id, &filename, user)?;
            match engine::import::staged::preview(ws, id) {
                Ok(p) => Ok((ws, p)),
                Err(e) => {
                    // A file we cannot even preview is not kept.
                    engine::import::staged::discard(ws, id);
                    Err(e)
                }
            }
        })
        .await
    }
    .await;
    match result {
        Ok((_, p)) if wants_json(&headers) => axum::Json(p).into_response(),
        Ok((ws, p)) => Redirect::to(&format!("/w/{ws}/leads?upload={}", p.upload)).into_response(),
        Err(e) => fail(e),
    }
}

/// `GET /w/{ws}/leads/import/{upload}`: the preview of a staged upload, as JSON.
pub async fn staged_preview(State(state): State<AppState>, session: Session, Path((ws, upload)): Path<(String, String)>) -> Response {
    let engine = state.engine;
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::EditCampaigns).await?;
        let id = upload.parse().map_err(|_| engine::Error::NotFound("uploaded file"))?;
        let ws = access.workspace;
        blocking(move || engine::import::staged::preview(ws, id)).await
    }
    .await;
    match result {
        Ok(p) => axum::Json(p).into_response(),
        Err(e) => fail(e),
    }
}

/// The chosen mapping, from JSON `{"mapping": ["email", "ignore", …]}` or from the page's form
/// fields `col0`, `col1`, … (one per column, a field name or `ignore`).
#[derive(serde::Deserialize)]
struct MappingBody {
    mapping: Vec<String>,
}

fn chosen_mapping(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<Vec<Option<domain::leads::Field>>, engine::Error> {
    let bad = |m: String| engine::Error::Invalid(m);
    let is_json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("application/json"));
    let raw: Vec<String> = if is_json {
        serde_json::from_slice::<MappingBody>(body).map_err(|e| bad(format!("The mapping must be {{\"mapping\": [\"email\", \"ignore\", …]}} ({e})")))?.mapping
    } else {
        let pairs: Vec<(String, String)> = form_pairs(body);
        let mut cols: Vec<(usize, String)> = pairs
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix("col").and_then(|n| n.parse::<usize>().ok()).map(|n| (n, v)))
            .collect();
        cols.sort_by_key(|(n, _)| *n);
        if cols.iter().enumerate().any(|(i, (n, _))| i != *n) {
            return Err(bad("The mapping form must have one field per column, col0, col1, …".into()));
        }
        cols.into_iter().map(|(_, v)| v).collect()
    };
    raw.iter().map(|c| domain::column_mapping::parse_choice(c).map_err(|m| bad(format!("The mapping names an {m}")))).collect()
}

/// `application/x-www-form-urlencoded` pairs, decoded by axum's own query decoder (the same
/// format), so no second URL-encoding crate is needed. Undecodable input yields no pairs,
/// which the caller reports as a mapping with no columns.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&format!("/?{}", String::from_utf8_lossy(body)).parse().unwrap_or_default())
        .map(|q| q.0)
        .unwrap_or_default()
}

/// `POST /w/{ws}/leads/import/{upload}`: step two, starts the import of a staged upload with
/// the chosen mapping. A bad mapping (a field twice, nothing that identifies people, unknown
/// field, wrong column count) answers 422 and leaves the upload staged for another try.
pub async fn import_staged(
    State(state): State<AppState>,
    session: Session,
    Path((ws, upload)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let engine = state.engine.clone();
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::EditCampaigns).await?;
        let id = upload.parse().map_err(|_| engine::Error::NotFound("uploaded file"))?;
        let choice = chosen_mapping(&headers, &body)?;
        let ws = access.workspace;
        let (path, filename, choice) = blocking(move || {
            let preview = engine::import::staged::preview(ws, id)?;
            domain::column_mapping::validate(&preview.headers, &choice).map_err(engine::Error::Invalid)?;
            let (path, filename) = engine::import::staged::take(ws, id)?;
            Ok((path, filename, choice))
        })
        .await?;
        let import = engine::import::begin(&engine.pool, access.workspace, Some(user), &filename).await?;
        tokio::spawn(run_import(engine.clone(), access.workspace, user, import, path, Some(choice)));
        Ok((access.workspace, import))
    }
    .await;
    started(result, wants_json(&headers))
}

/// Runs the import, then hands the new leads to the durable job queue: the worker enriches them
/// in batches and scores the workspace when none are left pending. The temporary file is
/// removed either way.
async fn run_import(
    engine: Engine,
    ws: WorkspaceId,
    user: UserId,
    id: domain::leads::ImportId,
    path: std::path::PathBuf,
    choice: Option<Vec<Option<domain::leads::Field>>>,
) {
    match tokio::fs::File::open(&path).await {
        Ok(file) => {
            // Read on the import's own blocking thread (`engine::import::read_records`).
            let reader = std::io::BufReader::with_capacity(256 * 1024, file.into_std().await);
            let outcome = engine::import::run_mapped(&engine.pool, ws, Some(user), id, reader, Default::default(), choice, |_| {}).await;
            if let Err(e) = outcome {
                tracing::warn!(import = %id, error = %e, "import ended with an error");
            }
            if let Err(e) = engine::jobs::enqueue_pending_enrichment(&engine.pool, ws, ENRICH_BATCH).await {
                tracing::error!(import = %id, error = ?e, "queueing enrichment after import failed");
            }
        }
        Err(e) => tracing::error!(import = %id, error = %e, "uploaded file vanished"),
    }
    let _ = tokio::fs::remove_file(&path).await;
}

/// `GET /w/{ws}/imports/{id}/errors.csv`: the rows that were rejected or skipped, and why.
pub async fn error_report(State(state): State<AppState>, session: Session, Path((ws, import)): Path<(String, String)>) -> Response {
    let engine = state.engine;
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::ViewWorkspace).await?;
        let id = import.parse().map_err(|_| engine::Error::NotFound("import"))?;
        engine::import::error_report_csv(&engine.pool, access.workspace, id).await
    }
    .await;
    match result {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"import-{import}-errors.csv\"")),
            ],
            csv,
        )
            .into_response(),
        Err(e) => fail(e),
    }
}
