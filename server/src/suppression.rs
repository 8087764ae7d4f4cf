//! Settings → Suppression's file routes: importing a client's do-not-contact list (multipart
//! upload, capped at `domain::suppression::IMPORT_MAX_BYTES`) and exporting the list as CSV.
//! Plain HTTP routes so the forms work without JavaScript; each authorises and calls one
//! `engine::flows::suppression` function.

use crate::uploads::{caller, fail, workspace};
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use domain::suppression::{ImportReport, IMPORT_MAX_BYTES};
use tower_sessions::Session;

/// How many of an import's row errors travel back to the page in its address.
pub const ERRORS_IN_REDIRECT: usize = 20;

async fn read_file(form: &mut Multipart) -> Result<(String, Vec<u8>), engine::Error> {
    let bad = |m: String| engine::Error::Invalid(m);
    // The field `file`; any other is skipped.
    while let Some(mut field) = form.next_field().await.map_err(|e| bad(format!("The upload could not be read: {e}")))? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("suppression.csv").to_string();
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| bad(format!("The upload was interrupted: {e}")))? {
            if data.len() + chunk.len() > IMPORT_MAX_BYTES {
                return Err(bad(format!("The file is larger than {} MB; split it", IMPORT_MAX_BYTES / 1024 / 1024)));
            }
            data.extend_from_slice(&chunk);
        }
        if data.is_empty() {
            return Err(bad("The file is empty".into()));
        }
        return Ok((filename, data));
    }
    Err(bad("Choose a CSV file to import".into()))
}

/// The page's address showing what an import did (counts and the first row errors).
pub fn result_address(ws: &str, r: &ImportReport) -> String {
    let mut q = url_form(&[("added", r.added.to_string()), ("already", r.already_listed.to_string()), ("failed", r.failed.to_string())]);
    for e in r.errors.iter().take(ERRORS_IN_REDIRECT) {
        q.push('&');
        q.push_str(&url_form(&[("error", format!("line {}: {}", e.line, e.message))]));
    }
    format!("/w/{ws}/settings/suppression?{q}")
}

fn url_form(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", v.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect::<String>()))
        .collect::<Vec<_>>()
        .join("&")
}

/// `POST /w/{ws}/settings/suppression/import` (multipart, field `file`): imports and redirects
/// to the page with what it did; answers the whole report as JSON to a script.
pub async fn import(State(state): State<AppState>, session: Session, Path(ws): Path<String>, headers: axum::http::HeaderMap, mut form: Multipart) -> Response {
    let engine = state.engine;
    let result = async {
        let user = caller(&session).await?;
        let id = workspace(&ws)?;
        // Authorised before the body is read.
        let access = engine::auth::authorize(&engine, user, id, domain::account::Action::EditCampaigns).await?;
        let (filename, data) = read_file(&mut form).await?;
        engine::flows::suppression::import_csv(&engine, &access, &filename, &data).await
    }
    .await;
    let json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    match result {
        Ok(report) if json => axum::Json(report).into_response(),
        Ok(report) => Redirect::to(&result_address(&ws, &report)).into_response(),
        Err(e) => fail(e),
    }
}

/// `GET /w/{ws}/settings/suppression/export.csv`: the whole list.
pub async fn export(State(state): State<AppState>, session: Session, Path(ws): Path<String>) -> Response {
    let engine = state.engine;
    let result = async {
        let access = engine::auth::Access::resolve(&engine, caller(&session).await?, workspace(&ws)?).await?;
        engine::flows::suppression::export_csv(&engine, &access).await
    }
    .await;
    match result {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"suppression-list.csv\"".to_string()),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            csv,
        )
            .into_response(),
        Err(e) => fail(e),
    }
}
