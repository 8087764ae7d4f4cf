//! Sign up, log in, log out, who am I.

use crate::error::AppError;
use domain::account::CurrentUser;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::ssr::*;

/// Where to go after logging in or signing up: `next` when it is a path on this site, else
/// home. Judged as a browser would read it — the WHATWG parser drops tabs and newlines and
/// reads `\` as `/`, so `/\tevil.example` or `/\evil.example` would leave the site — and
/// refused when it holds control characters or backslashes, raw or percent-encoded, or is too
/// long. Never panics.
#[cfg(feature = "ssr")]
pub fn safe_next(next: Option<&str>) -> String {
    const HOME: &str = "/";
    let Some(n) = next.filter(|n| !n.is_empty() && n.len() <= 2048) else { return HOME.into() };
    let suspicious = |s: &str| s.chars().any(|c| c.is_control() || c == '\\');
    let decoded = url::form_urlencoded::parse(format!("x={}", n.replace('+', "%2B")).as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default();
    if suspicious(n) || suspicious(&decoded) || !n.starts_with('/') || decoded.starts_with("//") || n.starts_with("//") {
        return HOME.into();
    }
    let Ok(base) = url::Url::parse("https://agency-os.invalid/") else { return HOME.into() };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() => u[url::Position::BeforePath..].to_string(),
        _ => HOME.into(),
    }
}

/// The cookie that marks a browser its owner has logged in from (see `engine::auth::throttle`).
#[cfg(feature = "ssr")]
const DEVICE_COOKIE: &str = "aos_device";

#[server(prefix = "/api", endpoint = "sign_up")]
pub async fn sign_up(name: String, email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    respond(async {
        let engine = engine()?;
        let input = engine::flows::accounts::SignUp { name: &name, email: &email, password: &password };
        let id = engine::flows::accounts::sign_up_from(&engine, input, &client_ip()).await?;
        start_session(id).await?;
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    respond(async {
        let engine = engine()?;
        let device = request_cookie(DEVICE_COOKIE);
        let done = engine::auth::login(&engine, &email, &password, &client_ip(), device.as_deref()).await?;
        start_session(done.user).await?;
        remember_device(&engine, &done.device);
        leptos_axum::redirect(&safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

/// A cookie of the request, by name.
#[cfg(feature = "ssr")]
fn request_cookie(name: &str) -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(feature = "ssr")]
fn remember_device(engine: &engine::Engine, token: &str) {
    let secure = if engine.settings.public_url.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!("{DEVICE_COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}", engine::auth::throttle::DEVICE_TTL_SECS);
    if let (Some(opts), Ok(value)) = (use_context::<leptos_axum::ResponseOptions>(), http::HeaderValue::from_str(&cookie)) {
        opts.append_header(http::header::SET_COOKIE, value);
    }
}

#[cfg(feature = "ssr")]
async fn start_session(id: domain::ids::UserId) -> Result<(), AppError> {
    let s = session().await?;
    // A new id at log-in defeats session fixation.
    s.cycle_id().await.map_err(|e| AppError::new(500, e.to_string()))?;
    s.insert(USER_KEY, id).await.map_err(|e| AppError::new(500, e.to_string()))?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    respond(async {
        let s = session().await?;
        s.flush().await.map_err(|e| AppError::new(500, e.to_string()))?;
        leptos_axum::redirect("/login");
        Ok(())
    })
    .await
}

/// The logged-in user, or `None` for a visitor.
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    respond(async {
        match user().await {
            Ok(id) => Ok(engine::store::users::get(engine()?.owner_pool(), id).await?),
            Err(e) if e.is_unauthenticated() => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

/// Where `/` should take this person: log-in, their last workspace, or creating one.
#[server(prefix = "/api", endpoint = "landing")]
pub async fn landing() -> Result<String, AppError> {
    respond(async {
        let id = match user().await {
            Ok(id) => id,
            Err(e) if e.is_unauthenticated() => return Ok("/login".to_string()),
            Err(e) => return Err(e),
        };
        let engine = engine()?;
        let list = engine::store::workspaces::list_for_user(engine.owner_pool(), id).await?;
        let last = engine::store::users::last_workspace(engine.owner_pool(), id).await?;
        let pick = last.and_then(|l| list.iter().find(|w| w.id == l)).or(list.first());
        Ok(match pick {
            Some(w) => format!("/w/{}", w.id),
            None => "/workspaces/new".to_string(),
        })
    })
    .await
}
