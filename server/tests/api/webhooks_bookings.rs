//! Cal.com and Calendly booking webhooks through the real router: the signature made with the
//! workspace's secret (shown in Settings → Integrations) is the only credential; a booking
//! converts the matching lead of that workspace once, a replay changes nothing, anything not
//! signed with the current secret is 401 with nothing written, and no other workspace is touched.

use crate::support::*;
use engine::flows::bookings::{sign_calcom, sign_calendly};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::PgPool;

async fn post(url: &str, header: Option<(&str, String)>, body: &str) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(url).header("content-type", "application/json").body(body.to_string());
    if let Some((name, value)) = header {
        req = req.header(name, value);
    }
    req.send().await.unwrap()
}

/// Makes (or rotates) the workspace's secret for `provider`; returns (url, secret).
async fn secret(b: &Browser, ws: &str, provider: &str) -> (String, String) {
    let r = b.call("rotate_booking_secret", &[("workspace", ws), ("provider", provider)]).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    (r.body["url"].as_str().unwrap().to_string(), r.body["secret"].as_str().unwrap().to_string())
}

async fn lead(app: &TestApp, ws: &str, email: &str) -> uuid::Uuid {
    sqlx::query_scalar("insert into leads (client_id, source, email, first_name, status) values ($1::uuid, 'csv', $2, 'Guest', 'contacted') returning id")
        .bind(ws)
        .bind(email)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn status(app: &TestApp, id: uuid::Uuid) -> String {
    sqlx::query_scalar("select status from leads where id = $1").bind(id).fetch_one(&app.pool).await.unwrap()
}

/// Everything a booking webhook may write, for "nothing changed" assertions.
async fn written(app: &TestApp) -> (i64, i64, i64) {
    (app.count("booking_webhook_events").await, app.count("meetings").await, app.count("activities").await)
}

fn calcom_booking(trigger: &str, uid: &str, email: &str) -> String {
    json!({
        "triggerEvent": trigger,
        "createdAt": "2026-12-03T09:00:00.000Z",
        "payload": {
            "uid": uid, "bookingId": 100, "title": "Intro call", "startTime": "2026-12-08T10:00:00Z", "endTime": "2026-12-08T10:30:00Z",
            "attendees": [{ "email": email, "name": "Guest User", "timeZone": "UTC" }],
            "organizer": { "email": "sam@agency.example", "name": "Sam", "timeZone": "UTC" },
            "status": if trigger == "BOOKING_CANCELLED" { "CANCELLED" } else { "ACCEPTED" },
            "cancellationReason": "Something came up"
        }
    })
    .to_string()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_signed_calcom_booking_converts_the_lead_once_and_a_replay_changes_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let eve = app.user("Eve", "eve@example.com").await;
    let other = eve.workspace("Elsewhere").await;
    let (url, key) = secret(&ann, &acme, "calcom").await;
    assert_eq!(url, format!("{}/webhooks/calcom/{acme}", app.base));
    let stored: Vec<String> = sqlx::query_scalar("select secret from booking_webhook_secrets").fetch_all(&app.pool).await.unwrap();
    assert!(stored.iter().all(|s| s.starts_with("aos1.") && !s.contains(&key)), "the secret is stored sealed");
    let ours = lead(&app, &acme, "guest@client.example").await;
    // The same person is a lead of another workspace too: it must never be touched.
    let theirs = lead(&app, &other, "guest@client.example").await;

    let body = calcom_booking("BOOKING_CREATED", "booking-1", "Guest@Client.example");
    let r = post(&url, Some(("X-Cal-Signature-256", sign_calcom(&key, body.as_bytes()))), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "outcome": "booked", "replay": false }));
    assert_eq!(status(&app, ours).await, "converted");
    assert_eq!(status(&app, theirs).await, "contacted");
    let meetings: Vec<(String, String, Option<String>)> =
        sqlx::query_as("select client_id::text, source, external_id from meetings").fetch_all(&app.pool).await.unwrap();
    assert_eq!(meetings, vec![(acme.clone(), "calcom".into(), Some("booking-1".into()))]);
    let before = written(&app).await;

    // The same delivery again (a provider retry, or someone who captured it): 200, nothing new.
    let r = post(&url, Some(("X-Cal-Signature-256", sign_calcom(&key, body.as_bytes()))), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["replay"], true);
    assert_eq!(written(&app).await, before);

    // A cancellation is an activity on the lead, recorded once; the status stays.
    let cancel = calcom_booking("BOOKING_CANCELLED", "booking-1", "guest@client.example");
    for _ in 0..2 {
        let r = post(&url, Some(("X-Cal-Signature-256", sign_calcom(&key, cancel.as_bytes()))), &cancel).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let notes: Vec<String> = sqlx::query_scalar("select summary from activities where lead_id = $1 and detail->>'event' = 'meeting_cancelled'")
        .bind(ours)
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(notes, vec!["Meeting cancelled on Cal.com: Something came up".to_string()]);
    assert_eq!(status(&app, ours).await, "converted");
    let theirs_activities: i64 = sqlx::query_scalar("select count(*) from activities where client_id = $1::uuid").bind(&other).fetch_one(&app.pool).await.unwrap();
    assert_eq!(theirs_activities, 0, "no other workspace touched");
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn booking_webhooks_without_a_valid_signature_are_refused_and_write_nothing(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let eve = app.user("Eve", "eve@example.com").await;
    let other = eve.workspace("Elsewhere").await;
    let ours = lead(&app, &acme, "guest@client.example").await;
    let body = calcom_booking("BOOKING_CREATED", "booking-1", "guest@client.example");
    let calcom = format!("{}/webhooks/calcom/{acme}", app.base);

    // Fail closed: no secret made yet → even a "signed" request is refused.
    assert_eq!(post(&calcom, Some(("X-Cal-Signature-256", sign_calcom("", body.as_bytes()))), &body).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(post(&calcom, Some(("X-Cal-Signature-256", "no-secret-provided".into())), &body).await.status(), StatusCode::UNAUTHORIZED);

    let (_, key) = secret(&ann, &acme, "calcom").await;
    let (_, other_key) = secret(&eve, &other, "calcom").await;
    let good = sign_calcom(&key, body.as_bytes());
    let tampered = body.replace("Intro call", "Intro call!");
    for (url, header, b) in [
        (calcom.clone(), None, body.clone()),
        (calcom.clone(), Some(("X-Cal-Signature-256", "0".repeat(64))), body.clone()),
        (calcom.clone(), Some(("X-Cal-Signature-256", sign_calcom(&other_key, body.as_bytes()))), body.clone()),
        (calcom.clone(), Some(("X-Cal-Signature-256", good.clone())), tampered),
        // Our signature on another workspace's URL, an unknown workspace, a malformed one.
        (format!("{}/webhooks/calcom/{other}", app.base), Some(("X-Cal-Signature-256", good.clone())), body.clone()),
        (format!("{}/webhooks/calcom/{}", app.base, uuid::Uuid::new_v4()), Some(("X-Cal-Signature-256", good.clone())), body.clone()),
        (format!("{}/webhooks/calcom/not-a-uuid", app.base), Some(("X-Cal-Signature-256", good.clone())), body.clone()),
        // The Cal.com secret does not sign Calendly deliveries.
        (format!("{}/webhooks/calendly/{acme}", app.base), Some(("Calendly-Webhook-Signature", sign_calendly(&key, chrono::Utc::now().timestamp(), body.as_bytes()))), body.clone()),
    ] {
        let r = post(&url, header.clone(), &b).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{url} {header:?}");
    }
    assert_eq!(written(&app).await, (0, 0, 0));
    assert_eq!(status(&app, ours).await, "contacted");

    // Rotating the secret retires the old one at once.
    let (_, new_key) = secret(&ann, &acme, "calcom").await;
    assert_ne!(new_key, key);
    assert_eq!(post(&calcom, Some(("X-Cal-Signature-256", good)), &body).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(written(&app).await, (0, 0, 0));
    // Authentic but not an event: 400, nothing written.
    assert_eq!(post(&calcom, Some(("X-Cal-Signature-256", sign_calcom(&new_key, b"[1]"))), "[1]").await.status(), StatusCode::BAD_REQUEST);
    let r = post(&calcom, Some(("X-Cal-Signature-256", sign_calcom(&new_key, body.as_bytes()))), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(status(&app, ours).await, "converted");

    // A viewer or another workspace's owner cannot read or rotate the secret.
    assert_eq!(eve.call("list_booking_webhooks", &[("workspace", &acme)]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(eve.call("rotate_booking_secret", &[("workspace", &acme), ("provider", "calcom")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(ann.call("rotate_booking_secret", &[("workspace", &acme), ("provider", "zoom")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

fn calendly_event(event: &str, uri: &str, email: &str) -> String {
    json!({
        "created_at": "2026-12-03T09:00:00.000000Z",
        "created_by": "https://api.calendly.com/users/AAAA",
        "event": event,
        "payload": {
            "email": email, "name": "Guest User", "status": "active", "uri": uri, "rescheduled": false,
            "scheduled_event": { "uri": "https://api.calendly.com/scheduled_events/E1", "name": "30 Minute Meeting", "start_time": "2026-12-08T15:00:00.000000Z" }
        }
    })
    .to_string()
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_calendly_booking_inside_the_tolerance_converts_and_a_stale_or_unmatched_one_does_not(pool: PgPool) {
    let app = spawn_app(pool).await;
    let ann = app.user("Ann", "ann@example.com").await;
    let acme = ann.workspace("Acme").await;
    let (url, key) = secret(&ann, &acme, "calendly").await;
    let ours = lead(&app, &acme, "test@example.com").await;
    let now = chrono::Utc::now().timestamp();
    let body = calendly_event("invitee.created", "https://api.calendly.com/scheduled_events/E1/invitees/I1", "test@example.com");

    // Signed ten minutes ago: stale, refused, nothing written.
    let r = post(&url, Some(("Calendly-Webhook-Signature", sign_calendly(&key, now - 600, body.as_bytes()))), &body).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(written(&app).await, (0, 0, 0));

    let r = post(&url, Some(("Calendly-Webhook-Signature", sign_calendly(&key, now, body.as_bytes()))), &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({ "outcome": "booked", "replay": false }));
    assert_eq!(status(&app, ours).await, "converted");
    // Re-signed with a fresh timestamp, the same event is still a replay.
    let before = written(&app).await;
    let r = post(&url, Some(("Calendly-Webhook-Signature", sign_calendly(&key, now + 1, body.as_bytes()))), &body).await;
    assert_eq!(r.json::<Value>().await.unwrap()["replay"], true);
    assert_eq!(written(&app).await, before);

    // Someone who is not a lead: recorded as unmatched, nothing else.
    let stranger = calendly_event("invitee.created", "https://api.calendly.com/scheduled_events/E2/invitees/I2", "stranger@else.example");
    let r = post(&url, Some(("Calendly-Webhook-Signature", sign_calendly(&key, now, stranger.as_bytes()))), &stranger).await;
    assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "unmatched");
    let (events, meetings, activities) = written(&app).await;
    assert_eq!((events, meetings, activities), (before.0 + 1, before.1, before.2));
    let unmatched: (String, Option<uuid::Uuid>) = sqlx::query_as("select invitee, lead_id from booking_webhook_events where outcome = 'unmatched'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(unmatched, ("stranger@else.example".into(), None));
}
