//! Lead imports: the CSV upload (streamed to a temporary file, never held in memory) and the
//! per-row error report download. Plain HTTP routes, so a form without JavaScript works too.

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

fn fail(e: engine::Error) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = ?e, "upload failed");
    }
    (status, axum::Json(serde_json::json!({ "error": e.public_message() }))).into_response()
}

async fn caller(session: &Session) -> Result<UserId, engine::Error> {
    session
        .get::<UserId>("user_id")
        .await
        .map_err(|e| engine::Error::Internal(anyhow::anyhow!("session: {e}")))?
        .ok_or_else(|| engine::Error::Unauthenticated("Please log in".into()))
}

fn workspace(raw: &str) -> Result<WorkspaceId, engine::Error> {
    raw.parse().map_err(|_| engine::Error::NotFound("workspace"))
}

/// `POST /w/{ws}/leads/import` (multipart, field `file`): starts the import and redirects to
/// the leads page, which shows its live progress. Answers JSON `{import}` to a script.
pub async fn upload(State(state): State<AppState>, session: Session, Path(ws): Path<String>, headers: axum::http::HeaderMap, mut form: Multipart) -> Response {
    let engine = state.engine.clone();
    let result = async {
        let user = caller(&session).await?;
        let access = engine::auth::authorize(&engine, user, workspace(&ws)?, Action::EditCampaigns).await?;
        let bad = |m: String| engine::Error::Invalid(m);
        let mut field = loop {
            match form.next_field().await.map_err(|e| bad(format!("The upload could not be read: {e}")))? {
                Some(f) if f.name() == Some("file") => break f,
                Some(_) => continue,
                None => return Err(bad("Choose a CSV file to import".into())),
            }
        };
        let filename = field.file_name().unwrap_or("upload.csv").to_string();
        let tmp = std::env::temp_dir().join(format!("agency-os-import-{}.csv", uuid::Uuid::new_v4()));
        let mut file = tokio::fs::File::create(&tmp).await.map_err(|e| engine::Error::Internal(e.into()))?;
        let mut size = 0usize;
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(format!("The upload was interrupted: {e}")))? {
            size += chunk.len();
            if size > MAX_UPLOAD_BYTES {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(bad(format!("The file is larger than {} MB", MAX_UPLOAD_BYTES / 1024 / 1024)));
            }
            file.write_all(&chunk).await.map_err(|e| engine::Error::Internal(e.into()))?;
        }
        file.flush().await.map_err(|e| engine::Error::Internal(e.into()))?;
        if size == 0 {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(bad("The file is empty".into()));
        }
        let id = engine::import::begin(&engine.pool, access.workspace, Some(user), &filename).await?;
        tokio::spawn(run_import(engine.clone(), access.workspace, user, id, tmp));
        Ok((access.workspace, id))
    }
    .await;
    match result {
        Ok((ws, id)) => {
            let wants_json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
            if wants_json {
                (StatusCode::ACCEPTED, axum::Json(serde_json::json!({ "import": id }))).into_response()
            } else {
                Redirect::to(&format!("/w/{ws}/leads?import={id}")).into_response()
            }
        }
        Err(e) => fail(e),
    }
}

/// Runs the import, then hands the new leads to the durable job queue: the worker enriches them
/// in batches and scores the workspace when none are left pending. The temporary file is
/// removed either way.
async fn run_import(engine: Engine, ws: WorkspaceId, user: UserId, id: domain::leads::ImportId, path: std::path::PathBuf) {
    match std::fs::File::open(&path) {
        Ok(file) => {
            let reader = std::io::BufReader::with_capacity(256 * 1024, file);
            let outcome = engine::import::run(&engine.pool, ws, Some(user), id, reader, Default::default(), |_| {}).await;
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
