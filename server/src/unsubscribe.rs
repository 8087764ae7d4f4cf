//! The public unsubscribe endpoint, `/u/{token}`: no login, the signed token is the
//! authorisation.
//!
//! `GET` only shows a page with a button: mail scanners and link previewers fetch every link
//! in a message, so a GET that unsubscribed would opt people out who never clicked. `POST`
//! unsubscribes at once, both from that button and as the RFC 8058 one-click request that mail
//! clients send with the body `List-Unsubscribe=One-Click`. A token we did not issue gets a 404
//! and nothing is written.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::email::unsubscribe::{self, Via};
use engine::Engine;

pub async fn confirm_page(State(engine): State<Engine>, Path(token): Path<String>) -> Response {
    match unsubscribe::verify(&engine.settings.unsubscribe_key, &token) {
        Some(claims) => page(
            StatusCode::OK,
            "Unsubscribe",
            &format!(
                "<p>Stop emails to <strong>{}</strong>?</p>\
                 <form method=\"post\"><button type=\"submit\">Unsubscribe</button></form>\
                 <p class=\"note\">You will not receive further emails from this sender.</p>",
                escape(&mask(&claims.address))
            ),
        ),
        None => not_found(),
    }
}

pub async fn unsubscribe(State(engine): State<Engine>, Path(token): Path<String>, body: Bytes) -> Response {
    let Some(claims) = unsubscribe::verify(&engine.settings.unsubscribe_key, &token) else {
        return not_found();
    };
    let one_click = String::from_utf8_lossy(&body).split('&').any(|kv| kv.trim() == "List-Unsubscribe=One-Click");
    let via = if one_click { Via::OneClick } else { Via::Link };
    // `unsubscribe` opens its own transaction confined to the token's workspace.
    match unsubscribe::unsubscribe(engine.owner_pool(), &claims, via).await {
        Ok(_) if one_click => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "Unsubscribed.\n").into_response(),
        Ok(_) => page(
            StatusCode::OK,
            "Unsubscribed",
            &format!("<p><strong>{}</strong> is unsubscribed. You will not receive further emails from this sender.</p>", escape(&mask(&claims.address))),
        ),
        Err(e) if e.status() == 404 => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribe failed");
            page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "<p>We could not record your request. Please try the link again in a minute.</p>")
        }
    }
}

fn not_found() -> Response {
    page(StatusCode::NOT_FOUND, "Link not valid", "<p>This unsubscribe link is not valid. Copy the whole link from the email, or reply to the email asking to be removed.</p>")
}

/// `ann@customer.com` → `a**@customer.com`: enough for the person to recognise their address,
/// not enough to read it off a forwarded link.
fn mask(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}{}@{domain}", "*".repeat(local.chars().count().saturating_sub(1).clamp(1, 6)))
        }
        None => "your address".into(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}}\
         button{{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#1f2937;color:#fff;cursor:pointer}}\
         .note{{color:#6b7280;font-size:.9rem}}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    );
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_and_escaped() {
        assert_eq!(mask("ann@customer.com"), "a**@customer.com");
        assert_eq!(mask("a@x.com"), "a*@x.com");
        assert_eq!(escape("<a&\"b>"), "&lt;a&amp;&quot;b&gt;");
    }
}
