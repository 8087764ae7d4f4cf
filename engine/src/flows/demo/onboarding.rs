//! The demo agency's completed onboarding (issue 13: "the demo workspace shows a completed
//! onboarding, its sources, edits and consent"). Its small website is embedded here and served
//! on a loopback port for the length of one read, so the demo goes through the real reader,
//! extraction and derivation and the real confirm flow; only the address shown is the agency's
//! own (`northwind-growth.example`) instead of the loopback one it was read from.

use crate::auth::Access;
use crate::flows::onboarding::{confirm, discover};
use crate::net::NetPolicy;
use crate::site::ReadLimits;
use crate::store::onboarding as store;
use crate::{Engine, Error, Result};
use domain::ids::{UserId, WorkspaceId};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Where the demo says its profile came from.
pub const SITE: &str = "https://northwind-growth.example";

const PAGES: [(&str, &str); 5] = [
    ("/", include_str!("site/index.html")),
    ("/services/", include_str!("site/services/index.html")),
    ("/work/", include_str!("site/work/index.html")),
    ("/about/", include_str!("site/about/index.html")),
    ("/contact/", include_str!("site/contact/index.html")),
];

/// Serves the embedded pages on a loopback port until the returned task is aborted.
async fn serve() -> Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| Error::Internal(e.into()))?;
    let base = format!("http://{}", listener.local_addr().map_err(|e| Error::Internal(e.into()))?);
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = vec![0u8; 8192];
                let Ok(n) = socket.read(&mut head).await else { return };
                let line = String::from_utf8_lossy(&head[..n]).lines().next().unwrap_or("").to_string();
                let path = line.split(' ').nth(1).unwrap_or("/");
                let (status, body) = match PAGES.iter().find(|(p, _)| *p == path) {
                    Some((_, html)) => ("200 OK", *html),
                    None => ("404 Not Found", "<h1>Not found</h1>"),
                };
                let reply = format!("HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    Ok((base, task))
}

/// Reads the demo agency's site, stores the finished run as the agency's own address, and
/// confirms it with one edit (New Zealand added to the locations) and consent given.
pub async fn complete(engine: &Engine, ws: WorkspaceId, user: UserId) -> Result<()> {
    let (base, server) = serve().await?;
    let limits = ReadLimits { delay: Duration::ZERO, any_port: true, ..ReadLimits::default() };
    let found = discover(&NetPolicy::new(true), &format!("{base}/"), &limits, |_, _, _| {}).await;
    server.abort();
    let found = found.map_err(|e| Error::Internal(anyhow::anyhow!("reading the demo site: {e}")))?;
    // The agency's own address in place of the loopback one, in its pages' links and where the
    // derivation names the site itself (its exclusions: "not northwind-growth.example itself").
    let shown = found.result().to_string().replace(&base, SITE).replace("127.0.0.1", SITE.trim_start_matches("https://"));
    let result: serde_json::Value = serde_json::from_str(&shown).map_err(|e| Error::Internal(e.into()))?;
    let mut tx = engine.tenant(ws).await?;
    let run = store::create(&mut tx, ws, &format!("{SITE}/"), user).await?;
    store::progress(&mut *tx, ws, run, "deriving", found.read.pages.len(), found.read.pages.len()).await?;
    store::finish(&mut *tx, ws, run, &result).await?;
    tx.commit().await?;
    let draft: domain::site::derive::IcpDraft = serde_json::from_value(result["draft"].clone()).map_err(|e| Error::Internal(e.into()))?;
    let mut icp = draft.to_workspace_icp();
    if !icp.scoring.locations.iter().any(|l| l == "New Zealand") {
        icp.scoring.locations.push("New Zealand".into());
    }
    confirm(engine, &Access::resolve(engine, user, ws).await?, run, &icp, true).await?;
    Ok(())
}
