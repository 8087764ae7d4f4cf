//! Attacks on the web edge (issue 10 items 4–9), each tried the way an attacker would: roles
//! where the money and the law are, log-in and sign-up abuse, open redirects, security
//! headers, oversized uploads.

use crate::campaigns::ready_form;
use crate::support::*;
use engine::Settings;
use reqwest::StatusCode;
use serde_json::json;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PW: &str = "correct horse battery";

/// The owner of "Acme" and one more person of each role.
async fn acme(app: &TestApp) -> (Browser, Browser, Browser, Browser, String) {
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let mut people = Vec::new();
    for (role, name, email) in [("admin", "Cat", "cat@example.com"), ("member", "Bob", "bob@example.com"), ("viewer", "Vic", "vic@example.com")] {
        let b = app.user(name, email).await;
        b.accept(&owner.invite(&ws, email, role).await).await;
        people.push(b);
    }
    let viewer = people.pop().unwrap();
    let member = people.pop().unwrap();
    let admin = people.pop().unwrap();
    (owner, admin, member, viewer, ws)
}

async fn mode_of(app: &TestApp, id: &str) -> Option<String> {
    sqlx::query_scalar("select permission_mode from campaigns where id = $1::uuid").bind(id).fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_members_autopilot_switch_is_forbidden_and_changes_nothing_while_an_admins_goes_through(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (_owner, admin, member, _viewer, ws) = acme(&app).await;
    let mut autopilot = ready_form("Hands off");
    autopilot.permission_mode = "autopilot".into();
    let r = member.create_campaign(&ws, &autopilot).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert!(r.message().contains("Only an owner or admin can put a campaign on autopilot"), "{}", r.message());
    assert_eq!(app.count("campaigns").await, 0);

    // A member's own co-pilot campaign, switched to autopilot: refused, still co-pilot.
    let mut copilot = ready_form("Q1");
    copilot.permission_mode = "co_pilot".into();
    let id = member.create_campaign(&ws, &copilot).await.body.as_str().unwrap().to_string();
    let r = member.call_json("update_campaign", &json!({ "workspace": ws, "campaign": id, "form": autopilot })).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(mode_of(&app, &id).await.as_deref(), Some("co_pilot"));
    // Other edits by the member still work.
    let mut renamed = copilot.clone();
    renamed.name = "Q1 renamed".into();
    assert_eq!(member.call_json("update_campaign", &json!({ "workspace": ws, "campaign": id, "form": renamed })).await.status, StatusCode::OK);

    let r = admin.call_json("update_campaign", &json!({ "workspace": ws, "campaign": id, "form": autopilot })).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(mode_of(&app, &id).await.as_deref(), Some("autopilot"));

    // Going live stays an admin's decision too.
    assert_eq!(member.call("go_live", &[("workspace", &ws), ("confirmation", "Acme")]).await.status, StatusCode::FORBIDDEN);
    // The admin passes the role check (and meets the next one: no mailbox yet).
    let r = admin.call("go_live", &[("workspace", &ws), ("confirmation", "Acme")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{:?}", r.body);
    assert!(r.message().contains("mailbox"), "{}", r.message());
}

/// The token part of every `/u/…` link in `text`.
fn unsubscribe_tokens(text: &str) -> Vec<String> {
    text.split("/u/").skip(1).map(|rest| rest.split(|c: char| c.is_whitespace()).next().unwrap_or("").to_string()).collect()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_viewers_outbox_message_has_no_usable_unsubscribe_token(pool: PgPool) {
    let app = spawn_app(pool).await;
    let (owner, _admin, member, viewer, ws) = acme(&app).await;
    crate::sending::shadow_message(&app, &owner, &ws).await;
    let id = viewer.call("list_outbox", &[("workspace", &ws), ("state", "shadow")]).await.body["items"][0]["id"].as_str().unwrap().to_string();
    let key = &app.engine.settings.unsubscribe_key;

    let seen = viewer.call("get_outbox_message", &[("workspace", &ws), ("id", &id)]).await;
    assert_eq!(seen.status, StatusCode::OK);
    let text = seen.body["text"].as_str().unwrap();
    let tokens = unsubscribe_tokens(text);
    assert_eq!(tokens, ["[redacted]"], "{text}");
    assert!(tokens.iter().all(|t| engine::email::unsubscribe::verify(key, t).is_none()));
    assert!(!serde_json::to_string(&seen.body).unwrap().contains(&engine::email::unsubscribe::issue(key, engine_ws(&ws), "ann@harbour.com.au", None).unwrap()[..20]));

    // Those who may change campaigns see the link as it goes out.
    let text = member.call("get_outbox_message", &[("workspace", &ws), ("id", &id)]).await.body["text"].as_str().unwrap().to_string();
    let tokens = unsubscribe_tokens(&text);
    assert_eq!(tokens.len(), 1);
    assert!(engine::email::unsubscribe::verify(key, &tokens[0]).is_some(), "{text}");
}

fn engine_ws(ws: &str) -> domain::ids::WorkspaceId {
    domain::ids::WorkspaceId(ws.parse().unwrap())
}

/// Every Redis key of this test app.
async fn redis_keys(app: &TestApp) -> Vec<String> {
    let mut c = app.engine.redis.conn.clone();
    let pattern = format!("{}*", app.engine.redis.namespace);
    let mut keys = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(1000).query_async(&mut c).await.unwrap();
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_one_mebibyte_email_at_login_makes_no_redis_key(pool: PgPool) {
    let app = spawn_app(pool).await;
    let b = app.browser();
    // Just under the request body limit, so it reaches the log-in itself.
    let huge = format!("{}@example.com", "a".repeat(1000 * 1024));
    let r = b.call("login", &[("email", &huge), ("password", "whatever it is")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.message(), "Email or password is incorrect");
    let r = b.call("login", &[("email", "not an address"), ("password", "whatever it is")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(redis_keys(&app).await, Vec::<String>::new());
    // A well-formed one is counted.
    b.call("login", &[("email", "ann@example.com"), ("password", "whatever it is")]).await;
    assert!(!redis_keys(&app).await.is_empty());
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn sign_up_is_throttled_per_client_ip_and_another_ip_is_not(pool: PgPool) {
    let mut settings = Settings::default();
    settings.throttle.signups_per_ip = 3;
    let app = spawn_app_with(pool, settings).await;
    let bot = app.browser_from("192.0.2.7");
    for i in 0..3 {
        let r = bot.call("sign_up", &[("name", "Bot"), ("email", &format!("bot{i}@example.com")), ("password", PW)]).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    let r = app.browser_from("192.0.2.7").call("sign_up", &[("name", "Bot"), ("email", "bot9@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.message().contains("try again in"), "{}", r.message());
    assert_eq!(app.count("users").await, 3);
    // Input that fails validation is refused before it costs a sign-up attempt or a hash.
    let r = app.browser_from("192.0.2.8").call("sign_up", &[("name", "X"), ("email", "nope"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.browser_from("192.0.2.8").call("sign_up", &[("name", "Ann"), ("email", "ann@example.com"), ("password", PW)]).await;
    assert_eq!(r.status, StatusCode::OK);
    // Spoofed hops to the left of the proxy's own entry change nothing.
    let r = app
        .browser_from("10.9.9.9, 192.0.2.7")
        .call("sign_up", &[("name", "Bot"), ("email", "bot10@example.com"), ("password", PW)])
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn login(b: &Browser, password: &str) -> Reply {
    b.call("login", &[("email", "ann@example.com"), ("password", password)]).await
}

fn wait_of(r: &Reply) -> u64 {
    let m = r.message();
    m.split("try again in ").nth(1).and_then(|s| s.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{m}"))
}

/// Ends the account's current delay, as the passing of time would.
async fn let_the_delay_pass(app: &TestApp) {
    let key = app.engine.redis.key("throttle:login:acct:ann@example.com");
    let _: () = redis::cmd("HSET").arg(&key).arg("until").arg(0).query_async(&mut app.engine.redis.conn.clone()).await.unwrap();
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn failed_log_ins_bring_a_doubling_delay_capped_at_fifteen_minutes_and_a_success_resets_it(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let guesser = |i: u32| app.browser_from(&format!("198.51.100.{i}"));
    for i in 0..5 {
        assert_eq!(login(&guesser(i), "wrong password!").await.status, StatusCode::UNAUTHORIZED, "free attempt {i}");
    }
    let r = login(&guesser(9), PW).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // 15 s from the fifth failure (its own password check took a moment).
    assert!((10..=15).contains(&wait_of(&r)), "{}", r.message());
    let_the_delay_pass(&app).await;
    assert_eq!(login(&guesser(10), "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    let doubled = wait_of(&login(&guesser(11), PW).await);
    assert!((16..=30).contains(&doubled), "the delay doubles: {doubled}");
    // Many failures later the delay is capped: the right password waits at most 15 minutes.
    let key = app.engine.redis.key("throttle:login:acct:ann@example.com");
    let _: () = redis::cmd("HSET").arg(&key).arg("n").arg(500).query_async(&mut app.engine.redis.conn.clone()).await.unwrap();
    let_the_delay_pass(&app).await;
    assert_eq!(login(&guesser(12), "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    let capped = wait_of(&login(&guesser(13), PW).await);
    assert!((880..=900).contains(&capped), "capped: {capped}");
    let_the_delay_pass(&app).await;
    assert_eq!(login(&guesser(14), PW).await.status, StatusCode::OK);
    // The success reset it: five free attempts again.
    for i in 0..4 {
        assert_eq!(login(&guesser(20 + i), "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(login(&guesser(30), PW).await.status, StatusCode::OK);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn someone_elses_failures_never_lock_the_owner_out_of_a_browser_they_logged_in_from(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let laptop = app.browser_from("203.0.113.50");
    assert_eq!(login(&laptop, PW).await.status, StatusCode::OK);
    for i in 0..12 {
        login(&app.browser_from(&format!("198.51.100.{i}")), "wrong password!").await;
    }
    // A new browser waits out the delay; the known laptop goes straight in.
    assert_eq!(login(&app.browser_from("198.51.100.99"), PW).await.status, StatusCode::TOO_MANY_REQUESTS);
    let r = login(&laptop, PW).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // A device cookie made up by the guesser is worth nothing.
    let forged = app.browser_from("198.51.100.98");
    let r = forged.call_with("login", &[("email", "ann@example.com"), ("password", PW)], &[("sec-fetch-site", "same-origin"), ("cookie", "aos_device=made-up")]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_burst_of_parallel_guesses_gets_exactly_the_free_attempts(pool: PgPool) {
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let b = app.browser_from(&format!("198.51.100.{i}"));
        guesses.spawn(async move { login(&b, "wrong password!").await.status });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((checked, throttled), (5, 15));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn next_parameters_that_would_leave_the_site_after_browser_normalisation_go_home(pool: PgPool) {
    use app::api::auth::safe_next;
    for bad in [
        "/%09/evil.example",
        "/\t/evil.example",
        "/%0a",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "/%5cevil.example",
        "\\\\evil.example",
        "/%2F/evil.example",
        "https://evil.example/x",
        "javascript:alert(1)",
        " /x",
        "",
        "x",
        "/\u{0}",
    ] {
        assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
    }
    assert_eq!(safe_next(Some(&format!("/{}", "a".repeat(5000)))), "/");
    // Malformed escapes stay on the site (a browser reads them literally) and never panic.
    for odd in ["/%", "/%E0%A4%A", "/%ZZ", "/%C3%28", "/\u{1F600}"] {
        let to = safe_next(Some(odd));
        assert!(to.starts_with('/') && !to.starts_with("//"), "{odd:?} -> {to:?}");
    }
    assert_eq!(safe_next(None), "/");
    for (good, expect) in [("/invite/abc", "/invite/abc"), ("/w/1/leads?tier=hot#top", "/w/1/leads?tier=hot#top"), ("/a/../b", "/b"), ("/x%20y", "/x%20y")] {
        assert_eq!(safe_next(Some(good)), expect, "{good:?}");
    }

    // Over HTTP, as a plain form post.
    let app = spawn_app(pool).await;
    app.user("Ann", "ann@example.com").await;
    for (next, expect) in [("/%09/evil.example", "/"), ("/%0a", "/"), ("/\t/evil.example", "/"), ("/invite/abc", "/invite/abc")] {
        let resp = app
            .browser()
            .http
            .post(format!("{}/api/login", app.base))
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin")
            .form(&[("email", "ann@example.com"), ("password", PW), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND, "{next:?}");
        assert_eq!(resp.headers()["location"], expect, "{next:?}");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn every_response_carries_the_security_headers_and_a_page_allows_only_its_own_inline_scripts(pool: PgPool) {
    let app = spawn_app(pool).await;
    let http = reqwest::Client::new();
    let page = http.get(format!("{}/login", app.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let headers = page.headers().clone();
    let html = page.text().await.unwrap();
    for (name, value) in [("x-content-type-options", "nosniff"), ("x-frame-options", "DENY"), ("referrer-policy", "strict-origin-when-cross-origin")] {
        assert_eq!(headers[name], value, "{name}");
    }
    assert!(!headers.contains_key("strict-transport-security"), "no HSTS over plain http");
    let csp = headers["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'") && csp.contains("object-src 'none'"), "{csp}");
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("the page's policy names a nonce");
    assert!(nonce.len() >= 16);
    // Every inline script of the page carries that nonce, so hydration runs under the policy.
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split('>').next().unwrap_or("")).collect();
    assert!(!scripts.is_empty(), "the page has its hydration scripts");
    for s in &scripts {
        assert!(s.contains(&format!("nonce=\"{nonce}\"")), "a script without the nonce: <script{s}>");
    }
    // A second render has a fresh nonce, and a page that resolves resources on the server
    // (their data travels in inline scripts) nonces every one of them too.
    let again = http.get(format!("{}/invite/not-a-token", app.base)).send().await.unwrap();
    let csp = again.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(!csp.contains(nonce));
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).unwrap().to_string();
    let html = again.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).map(|s| s.split('>').next().unwrap_or("")).collect();
    assert!(!scripts.is_empty());
    for s in &scripts {
        assert!(s.contains(&format!("nonce=\"{nonce}\"")), "a script without the nonce: <script{s}>");
    }

    // The not-found page is a page too.
    let missing = http.get(format!("{}/no/such/page", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers()["content-security-policy"].to_str().unwrap().contains("'nonce-"));

    for path in ["/health", "/u/not-a-token", "/api/me"] {
        let r = http.get(format!("{}{path}", app.base)).send().await.unwrap();
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(!csp.contains("nonce") && csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{path}: {csp}");
        assert_eq!(r.headers()["x-frame-options"], "DENY", "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn hsts_is_sent_when_the_public_url_is_https(pool: PgPool) {
    let app = spawn_app_at(pool, Settings::default(), Some("https://app.agency.example")).await;
    let r = reqwest::get(format!("{}/health", app.base)).await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

/// Logs in with a client that keeps no cookies and returns the session cookie.
async fn session_cookie(app: &TestApp) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/api/login", app.base))
        .header("accept", "application/json")
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", "ann@example.com"), ("password", PW)])
        .send()
        .await
        .unwrap();
    r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|c| c.starts_with("aos_session=")).unwrap().split(';').next().unwrap().to_string()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_150_mb_single_line_csv_preview_is_refused_before_it_is_read_and_nothing_is_kept(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let cookie = session_cookie(&app).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();

    // The upload is generated as it is sent: a header, then 150 MB without a line break.
    let total: u64 = 150 * 1024 * 1024;
    let target = format!("/w/{ws}/leads/import/preview");
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = sent.clone();
    let writer = tokio::spawn(async move {
        let boundary = "XBOUNDARY";
        let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.csv\"\r\nContent-Type: text/csv\r\n\r\nemail,");
        let tail = format!("\r\n--{boundary}--\r\n");
        let length = head.len() as u64 + total + tail.len() as u64;
        let request = format!(
            "POST {target} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nSec-Fetch-Site: same-origin\r\nAccept: application/json\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\n\r\n{head}"
        );
        if write.write_all(request.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b'a'; 64 * 1024];
        while counter.load(std::sync::atomic::Ordering::Relaxed) < total {
            if write.write_all(&chunk).await.is_err() {
                return;
            }
            counter.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
        let _ = write.write_all(tail.as_bytes()).await;
    });

    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("}") {
        match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    drop(read);
    writer.abort();
    let sent = sent.load(std::sync::atomic::Ordering::Relaxed);
    let answer = String::from_utf8_lossy(&answer).to_string();
    assert!(answer.starts_with("HTTP/1.1 422"), "{answer}");
    assert!(answer.contains("a row is longer than 1 MiB"), "{answer}");
    // Refused after about one row's worth: far from the whole 150 MB (socket buffers aside).
    eprintln!("the server refused the 150 MB line after {sent} bytes had been sent");
    assert!(sent < 32 * 1024 * 1024, "the server took {sent} bytes");
    assert_eq!(engine::import::staged::usage(&app.pool, engine_ws(&ws)).await.unwrap(), 0, "nothing is left stored");
    assert_eq!(app.count("uploads").await + app.count("upload_chunks").await, 0, "the refused upload's transaction left nothing");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn uploads_beyond_the_workspace_quota_are_refused_and_another_workspace_is_unaffected(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    let other = owner.workspace("Beta").await;
    // Uploads of Acme waiting for their mapping fill its quota.
    fill_quota(&app, &ws, engine::import::staged::WORKSPACE_QUOTA_BYTES).await;
    let preview = |ws: String| preview_upload(&owner, ws, b"email\nann@acme.com\n".to_vec());
    let r = preview(ws.clone()).await.unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("uploads waiting"), "{body}");
    assert_eq!(preview(other).await.unwrap().status(), StatusCode::OK);
}

/// Two uploads sent at the same moment cannot each see the same room left: together they would
/// pass the quota, so the second is measured after the first is written and refused.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn parallel_uploads_cannot_both_pass_the_workspace_quota(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    // 3 MB left: room for either 2 MB file, not for both.
    fill_quota(&app, &ws, engine::import::staged::WORKSPACE_QUOTA_BYTES - 3 * 1024 * 1024).await;
    let mut csv = b"email\n".to_vec();
    let mut i = 0;
    while csv.len() < 2 * 1024 * 1024 {
        csv.extend_from_slice(format!("person{i}@acme.com\n").as_bytes());
        i += 1;
    }
    let (a, b) = tokio::join!(preview_upload(&owner, ws.clone(), csv.clone()), preview_upload(&owner, ws.clone(), csv.clone()));
    let mut statuses = [a.unwrap().status(), b.unwrap().status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    assert!(engine::import::staged::usage(&app.pool, engine_ws(&ws)).await.unwrap() <= engine::import::staged::WORKSPACE_QUOTA_BYTES);
}

/// Odd addresses never answer a 500: a trailing slash redirects to the page's one address (on
/// this site only), and near-miss workspace routes get the 404 page.
#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn trailing_slashes_redirect_to_the_canonical_page_and_near_misses_are_404(pool: PgPool) {
    let app = spawn_app(pool).await;
    let owner = app.user("Ann", "ann@example.com").await;
    let ws = owner.workspace("Acme").await;
    for (from, to) in [
        (format!("/w/{ws}/"), format!("/w/{ws}")),
        (format!("/w/{ws}/leads/?q=acme"), format!("/w/{ws}/leads?q=acme")),
        ("//evil.example/".to_string(), "/evil.example".to_string()),
        ("/%5Cevil.example/".to_string(), "/%5Cevil.example".to_string()),
        ("/\\/evil.example/".to_string(), "/evil.example".to_string()),
    ] {
        let r = owner.http.get(format!("{}{from}", owner.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT, "{from}");
        assert_eq!(r.headers()["location"], to.as_str(), "{from}");
    }
    let (status, _) = owner.get(&format!("/w/{ws}")).await;
    assert_eq!(status, StatusCode::OK);
    for near_miss in [format!("/w/{ws}/nonsense"), format!("/w/{ws}/leads/not-a-lead/extra"), "/w/not-a-uuid/inbox/x".to_string()] {
        let (status, body) = owner.get(&near_miss).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{near_miss}: {body}");
        assert!(!body.contains("missing from context"), "{near_miss}");
    }
}

/// Stands for uploads of `ws` waiting for their mapping, `bytes` in all (the quota counts the
/// stored size).
async fn fill_quota(app: &TestApp, ws: &str, bytes: u64) {
    sqlx::query("insert into uploads (client_id, filename, size_bytes) values ($1, 'filler.csv', $2)")
        .bind(engine_ws(ws).0)
        .bind(bytes as i64)
        .execute(&app.pool)
        .await
        .unwrap();
}

/// Step one of an import with a chosen mapping, as the page sends it.
async fn preview_upload(owner: &Browser, ws: String, csv: Vec<u8>) -> reqwest::Result<reqwest::Response> {
    let part = reqwest::multipart::Part::bytes(csv).file_name("leads.csv");
    owner
        .http
        .post(format!("{}/w/{ws}/leads/import/preview", owner.base))
        .header("sec-fetch-site", "same-origin")
        .header("accept", "application/json")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
}
