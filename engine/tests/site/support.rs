//! Local test sites: a directory of fixture pages served over HTTP on 127.0.0.1 (as a static
//! host would serve a Jekyll build), and a trap listener that counts connections, to prove a
//! refused address was never contacted. Shared with the server's command-line tests.

#![allow(dead_code)] // each test binary uses part of it
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub fn sites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/fixtures/sites")
}

struct Files {
    root: PathBuf,
    origin: String,
}

impl Respond for Files {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path();
        if path.contains("..") {
            return ResponseTemplate::new(400);
        }
        let rel = path.trim_start_matches('/');
        let candidates = if rel.is_empty() || rel.ends_with('/') {
            vec![format!("{rel}index.html")]
        } else {
            vec![rel.to_string(), format!("{rel}/index.html")]
        };
        for c in candidates {
            let file = self.root.join(&c);
            if let Ok(bytes) = std::fs::read(&file) {
                let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
                let ty = match ext {
                    "html" => "text/html; charset=utf-8",
                    "xml" => "application/xml",
                    "txt" => "text/plain",
                    "pdf" => "application/pdf",
                    "svg" => "image/svg+xml",
                    _ => "application/octet-stream",
                };
                let body = if matches!(ext, "xml" | "txt") {
                    String::from_utf8_lossy(&bytes).replace("{ORIGIN}", &self.origin).into_bytes()
                } else {
                    bytes
                };
                return ResponseTemplate::new(200).set_body_raw(body, ty);
            }
        }
        ResponseTemplate::new(404).set_body_raw(b"<h1>Not found</h1>".to_vec(), "text/html")
    }
}

/// Serves `tests/fixtures/sites/<name>/` on 127.0.0.1.
pub async fn serve_site(name: &str) -> MockServer {
    let server = MockServer::start().await;
    let files = Files { root: sites_dir().join(name), origin: server.uri() };
    Mock::given(wiremock::matchers::any()).respond_with(files).mount(&server).await;
    server
}

/// The paths a server was asked for.
pub async fn requested_paths(server: &MockServer) -> Vec<String> {
    server.received_requests().await.unwrap_or_default().iter().map(|r| r.url.path().to_string()).collect()
}

/// A listener that accepts and counts connections: where a refused request would have gone.
pub struct Trap {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl Trap {
    pub async fn bind(ip: &str) -> Option<Trap> {
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.ok()?;
        let addr = listener.local_addr().ok()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        tokio::spawn(async move {
            while let Ok((_s, _)) = listener.accept().await {
                h.fetch_add(1, Ordering::SeqCst);
            }
        });
        Some(Trap { addr, hits })
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}
