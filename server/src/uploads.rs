//! Lead imports: the CSV upload (streamed into PostgreSQL a chunk at a time, never held in
//! memory, see `engine::import::staged`) and the per-row error report download. Plain HTTP
//! routes, so a form without JavaScript works too. The import itself is a durable job
//! (`engine::flows::imports`): a restart resumes it.
//!
//! Uploads count against the workspace's upload quota while they are written, a line longer
//! than any row may be stops the upload at once, and every CSV step runs on a blocking thread
//! (`spawn_blocking`), never on the async workers that serve everyone.

use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use domain::account::Action;
use domain::ids::{UserId, WorkspaceId};
use tower_sessions::Session;

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

/// One lock per workspace in this process, taken before the upload's database lock (which
/// holds across processes, see `UploadWriter`), so uploads queued behind another of the same
/// workspace wait here without holding a database connection. Uploads to other workspaces
/// never wait for it.
fn upload_lock(ws: WorkspaceId) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    static LOCKS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<WorkspaceId, std::sync::Arc<tokio::sync::Mutex<()>>>>> =
        std::sync::LazyLock::new(Default::default);
    let mut locks = LOCKS.lock().unwrap_or_else(|p| p.into_inner());
    // Forget the locks nobody holds or waits for, so the map stays as small as the uploads in flight.
    locks.retain(|_, l| std::sync::Arc::strong_count(l) > 1);
    locks.entry(ws).or_default().clone()
}

// `engine::import` opens its own transactions confined to the workspace it is given, so it takes
// the pool itself (see `Engine::owner_pool`).

/// Streams the multipart field `file` into a stored upload (never held in memory), at most the
/// bytes the workspace's quota has left; returns the upload's id. A refused or broken upload
/// leaves nothing stored.
async fn spool(engine: &engine::Engine, form: &mut Multipart, ws: WorkspaceId, user: UserId) -> Result<uuid::Uuid, engine::Error> {
    let lock = upload_lock(ws);
    let _held = lock.lock().await;
    let mut file = engine::import::staged::UploadWriter::begin(engine.owner_pool(), ws, user).await?;
    let bad = |m: String| engine::Error::Invalid(m);
    let mut field = loop {
        match form.next_field().await.map_err(|e| bad(format!("The upload could not be read: {e}")))? {
            Some(f) if f.name() == Some("file") => break f,
            Some(_) => continue,
            None => return Err(bad("Choose a CSV file to import".into())),
        }
    };
    let filename = field.file_name().unwrap_or("upload.csv").to_string();
    let mut lines = engine::import::limits::LineWatch::default();
    while let Some(chunk) = field.chunk().await.map_err(|e| bad(format!("The upload was interrupted: {e}")))? {
        if file.size() as usize + chunk.len() > MAX_UPLOAD_BYTES {
            return Err(bad(format!("The file is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)));
        }
        lines.feed(&chunk).map_err(|e| bad(format!("The file cannot be imported: {e}")))?;
        file.write(&chunk).await?;
    }
    if file.size() == 0 {
        return Err(bad("The file is empty".into()));
    }
    file.finish(&filename).await
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
        let upload = spool(&engine, &mut form, ws, user).await?;
        let id = engine::flows::imports::start(&engine, ws, user, upload, None).await?;
        Ok((ws, id))
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
        let id = spool(&engine, &mut form, ws, user).await?;
        match engine::import::staged::preview(engine.owner_pool(), ws, id).await {
            Ok(p) => Ok((ws, p)),
            Err(e) => {
                // A file we cannot even preview is not kept.
                engine::import::staged::discard(engine.owner_pool(), ws, id).await?;
                Err(e)
            }
        }
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
        engine::import::staged::preview(engine.owner_pool(), access.workspace, id).await
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
        let preview = engine::import::staged::preview(engine.owner_pool(), ws, id).await?;
        domain::column_mapping::validate(&preview.headers, &choice).map_err(engine::Error::Invalid)?;
        let import = engine::flows::imports::start(&engine, ws, user, id, Some(choice)).await?;
        Ok((ws, import))
    }
    .await;
    started(result, wants_json(&headers))
}

/// `GET /w/{ws}/imports/{id}/errors.csv`: the rows that were rejected or skipped, and why.
pub async fn error_report(State(state): State<AppState>, session: Session, Path((ws, import)): Path<(String, String)>) -> Response {
    let engine = state.engine;
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::ViewWorkspace).await?;
        let id = import.parse().map_err(|_| engine::Error::NotFound("import"))?;
        engine::import::error_report_csv(engine.owner_pool(), access.workspace, id).await
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
