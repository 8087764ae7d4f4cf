//! The report facts (`report_messages`) kept up to date a lead at a time: after every kind of
//! change they equal a rewrite from nothing, a change committed while a refresh runs is never
//! lost, and one workspace's refresh neither reads nor writes another's.

use super::*;

/// The workspace's report rows, as text, in a fixed order.
async fn facts(pool: &PgPool, ws: Uuid) -> Vec<String> {
    sqlx::query_scalar("select r::text from report_messages r where client_id = $1 order by outbox_id")
        .bind(ws)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// The rows a rewrite from nothing gives: every row of the workspace removed, every lead it ever
/// messaged rewritten.
async fn rebuilt(pool: &PgPool, ws: Uuid) -> Vec<String> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("delete from report_messages where client_id = $1").bind(ws).execute(&mut *tx).await.unwrap();
    sqlx::query("insert into report_dirty (client_id, lead_id) select distinct client_id, lead_id from outbox where client_id = $1 on conflict do nothing")
        .bind(ws)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    reports::refresh(pool, WorkspaceId(ws)).await.unwrap();
    facts(pool, ws).await
}

/// Refreshes, checks the kept rows against a rewrite from nothing, and returns them.
async fn consistent(pool: &PgPool, ws: Uuid, after: &str) -> Vec<String> {
    reports::refresh(pool, WorkspaceId(ws)).await.unwrap();
    let kept = facts(pool, ws).await;
    assert_eq!(kept, rebuilt(pool, ws).await, "after {after}: the kept facts differ from a rewrite");
    let marks: i64 = sqlx::query_scalar("select count(*) from report_dirty where client_id = $1").bind(ws).fetch_one(pool).await.unwrap();
    assert_eq!(marks, 0, "after {after}: marks left");
    kept
}

/// One message's facts: (bounced, opened, replied, positive, auto, unsubscribed, meeting, days, touches).
type Fact = (bool, bool, bool, bool, bool, bool, Option<DateTime<Utc>>, Option<f64>, Option<i32>);

async fn fact(pool: &PgPool, outbox: Uuid) -> Option<Fact> {
    sqlx::query_as(
        "select bounced, opened, replied, positive, auto_replied, unsubscribed, meeting_at, meeting_days, meeting_touches
         from report_messages where outbox_id = $1",
    )
    .bind(outbox)
    .fetch_optional(pool)
    .await
    .unwrap()
}

const NOTHING: Fact = (false, false, false, false, false, false, None, None, None);

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_facts_follow_every_kind_of_change_and_equal_a_rewrite(pool: PgPool) {
    let ws = Seeder::workspace(&pool, "agency").await;
    let s = Seeder { pool: &pool, ws };
    let alpha = s.campaign("Alpha").await;
    let smtp = s.mailbox("sales@agency.example", "smtp").await;
    let instantly = s.mailbox("warm@agency.example", "instantly").await;
    let a = s.lead("a@example.com", "2026-11-01 00:00", Some((80, "hot")), alpha, "2026-11-01 00:00").await;
    let b = s.lead("b@example.com", "2026-11-01 00:00", Some((60, "warm")), alpha, "2026-11-01 00:00").await;
    let a0 = s.message(alpha, a, 0, "a", smtp, "sent", "sequence", "2026-11-02 10:00").await;
    let b0 = s.message(alpha, b, 0, "b", instantly, "sent", "sequence", "2026-11-02 11:00").await;
    // Another workspace's lead, changed throughout: its rows and marks are its own.
    let theirs = Seeder::workspace(&pool, "other").await;
    let o = Seeder { pool: &pool, ws: theirs };
    let oc = o.campaign("Theirs").await;
    let om = o.mailbox("them@other.example", "smtp").await;
    let ol = o.lead("o@example.com", "2026-11-01 00:00", None, oc, "2026-11-01 00:00").await;
    let o0 = o.message(oc, ol, 0, "a", om, "sent", "sequence", "2026-11-02 10:00").await;

    consistent(&pool, ws, "the first sends").await;
    assert_eq!(fact(&pool, a0).await, Some(NOTHING));
    assert_eq!(fact(&pool, o0).await, None, "a refresh of one workspace wrote another's rows");

    // an open of b's message, and a reply to it
    s.activity(b, Some(b0), "opened", "2026-11-02 12:00").await;
    s.reply(b, "not_interested", "2026-11-03 09:00").await;
    consistent(&pool, ws, "an open and a reply").await;
    assert_eq!(fact(&pool, b0).await, Some((false, true, true, false, false, false, None, None, None)));

    // the reply corrected to interested by a person
    sqlx::query("update replies set intent = 'interested', intent_source = 'user' where client_id = $1 and lead_id = $2")
        .bind(ws)
        .bind(b)
        .execute(&pool)
        .await
        .unwrap();
    consistent(&pool, ws, "a corrected intent").await;
    assert_eq!(fact(&pool, b0).await, Some((false, true, true, true, false, false, None, None, None)));

    // a's follow-up goes out: pending, then sent; the later reply and meeting are credited to it
    let a1 = s.message(alpha, a, 1, "a", smtp, "pending", "sequence", "2026-11-05 09:00").await;
    consistent(&pool, ws, "a pending message").await;
    assert_eq!(fact(&pool, a1).await, None, "a pending message is not a report message");
    sqlx::query("update outbox set state = 'sent', sent_at = $2 where id = $1")
        .bind(a1)
        .bind(t("2026-11-05 09:00"))
        .execute(&pool)
        .await
        .unwrap();
    s.reply(a, "out_of_office", "2026-11-05 10:00").await;
    s.meeting(a, "2026-11-09 10:00").await;
    consistent(&pool, ws, "a follow-up sent, an automatic reply and a meeting").await;
    assert_eq!(fact(&pool, a0).await, Some(NOTHING));
    // 11-02 10:00 → 11-09 10:00: seven days, two messages
    assert_eq!(fact(&pool, a1).await, Some((false, false, false, false, true, false, Some(t("2026-11-09 10:00")), Some(7.0), Some(2))));

    // the follow-up bounces, a unsubscribes, the meeting is removed
    s.bounce(a1, "2026-11-05 09:05").await;
    s.activity(a, None, "unsubscribed", "2026-11-10 08:00").await;
    sqlx::query("delete from meetings where client_id = $1 and lead_id = $2").bind(ws).bind(a).execute(&pool).await.unwrap();
    consistent(&pool, ws, "a bounce, an unsubscribe and a removed meeting").await;
    assert_eq!(fact(&pool, a1).await, Some((true, false, false, false, true, true, None, None, None)));

    // activities reports do not count leave the facts as they were and mark nothing
    s.activity(a, Some(a1), "status_changed", "2026-11-10 09:00").await;
    s.activity(a, Some(a1), "note", "2026-11-10 09:00").await;
    let marks: i64 = sqlx::query_scalar("select count(*) from report_dirty where client_id = $1").bind(ws).fetch_one(&pool).await.unwrap();
    assert_eq!(marks, 0);

    // meanwhile the other workspace's lead replied: its mark waits for its own refresh
    o.reply(ol, "interested", "2026-11-03 09:00").await;
    consistent(&pool, ws, "another workspace's reply").await;
    let their_marks: i64 = sqlx::query_scalar("select count(*) from report_dirty where client_id = $1").bind(theirs).fetch_one(&pool).await.unwrap();
    assert_eq!(their_marks, 1, "one workspace's refresh took another's mark");
    consistent(&pool, theirs, "their refresh").await;
    assert_eq!(fact(&pool, o0).await, Some((false, false, true, true, false, false, None, None, None)));

    // and the page counts from the facts: a's two messages and b's, one bounce, b's open,
    // both leads replied (b positively), a unsubscribed, no meeting
    let r = reports::report(&pool, WorkspaceId(ws), november(), ReportFilters::default()).await.unwrap();
    assert_eq!(r.totals, counts(3, 1, 1, 1, 2, 1, 1, 1, 1, 0, 0.0, 0, 2, 2));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn a_change_committed_while_a_refresh_runs_is_never_lost(pool: PgPool) {
    let ws = Seeder::workspace(&pool, "agency").await;
    let s = Seeder { pool: &pool, ws };
    let alpha = s.campaign("Alpha").await;
    let smtp = s.mailbox("sales@agency.example", "smtp").await;
    let a = s.lead("a@example.com", "2026-11-01 00:00", None, alpha, "2026-11-01 00:00").await;
    let a0 = s.message(alpha, a, 0, "a", smtp, "sent", "sequence", "2026-11-02 10:00").await;
    // The lead is marked and not yet refreshed when a writer changes it again and has not
    // committed: the refresh must not take the mark (it cannot see the change) nor wait for it.
    let mut writer = pool.begin().await.unwrap();
    sqlx::query("insert into replies (client_id, lead_id, source, message_id, from_address, received_at, intent) values ($1, $2, 'imap', 'm1', 'a@example.com', $3, 'interested')")
        .bind(ws)
        .bind(a)
        .bind(t("2026-11-03 09:00"))
        .execute(&mut *writer)
        .await
        .unwrap();
    let refreshed = tokio::time::timeout(std::time::Duration::from_secs(10), reports::refresh(&pool, WorkspaceId(ws)))
        .await
        .expect("a refresh waited for a writer")
        .unwrap();
    assert_eq!(refreshed, 0, "the refresh took a mark whose change it could not see");
    writer.commit().await.unwrap();
    assert_eq!(reports::refresh(&pool, WorkspaceId(ws)).await.unwrap(), 1);
    assert_eq!(fact(&pool, a0).await, Some((false, false, true, true, false, false, None, None, None)));

    // A writer that marks the lead while a refresh holds its mark waits for that refresh and
    // marks it anew, so its change is rewritten by the next one.
    let mut refresh_tx = pool.begin().await.unwrap();
    sqlx::query("insert into report_dirty (client_id, lead_id) values ($1, $2)").bind(ws).bind(a).execute(&pool).await.unwrap();
    let taken: Vec<Uuid> = sqlx::query_scalar("delete from report_dirty where client_id = $1 and lead_id in (select lead_id from report_dirty where client_id = $1 for update skip locked) returning lead_id")
        .bind(ws)
        .fetch_all(&mut *refresh_tx)
        .await
        .unwrap();
    assert_eq!(taken, vec![a]);
    let pool2 = pool.clone();
    let meeting = tokio::spawn(async move {
        sqlx::query("insert into meetings (client_id, lead_id, source, created_at) values ($1, $2, 'manual', $3)")
            .bind(ws)
            .bind(a)
            .bind(t("2026-11-06 10:00"))
            .execute(&pool2)
            .await
            .unwrap();
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    refresh_tx.commit().await.unwrap();
    meeting.await.unwrap();
    consistent(&pool, ws, "a meeting recorded during a refresh").await;
    assert_eq!(fact(&pool, a0).await.unwrap().6, Some(t("2026-11-06 10:00")));
}
