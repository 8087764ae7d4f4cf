//! The Inbox's own state (issue 11 §4): answers keyed by the form's idempotency key, rewriting a
//! reply's waiting draft with a person's answer, and the filter choices. Replies themselves live
//! in [`super::replies`], drafts in [`super::drafts`]. Every function takes the workspace id.

use crate::Result;
use domain::ids::{DraftId, UserId, WorkspaceId};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

/// An answer already written under a key.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Answer {
    pub reply_id: Uuid,
    pub draft_id: Uuid,
    pub outcome: String,
}

/// The answer written under `key`, if any. Waits for a transaction writing the same key, so two
/// submissions racing both see the first one's answer.
pub async fn answer_by_key(conn: &mut PgConnection, ws: WorkspaceId, key: &str) -> Result<Option<Answer>> {
    // Takes the key's lock: a second submission blocks here until the first commits.
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2, 0))")
        .bind(ws.0)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(sqlx::query_as("select reply_id, draft_id, outcome from inbox_answers where client_id = $1 and idempotency_key = $2")
        .bind(ws.0)
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

pub async fn record_answer(conn: &mut PgConnection, ws: WorkspaceId, key: &str, reply: Uuid, draft: DraftId, outcome: &str, by: UserId) -> Result<()> {
    sqlx::query(
        "insert into inbox_answers (client_id, idempotency_key, reply_id, draft_id, outcome, created_by)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ws.0)
    .bind(key)
    .bind(reply)
    .bind(draft.0)
    .bind(outcome)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// The reply's answer draft (a suggested one or a person's), locked, with its status.
pub async fn reply_draft(conn: &mut PgConnection, ws: WorkspaceId, reply: Uuid) -> Result<Option<(DraftId, String)>> {
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "select id, status from drafts where client_id = $1 and reply_id = $2 and kind = 'reply'
         order by created_at desc limit 1 for update",
    )
    .bind(ws.0)
    .bind(reply)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, s)| (DraftId(id), s)))
}

/// Puts a person's answer in place of the reply draft's text (a waiting suggestion, or one
/// rejected or blocked earlier), waiting for approval again. False when it has gone out meanwhile.
pub async fn rewrite_reply_draft(conn: &mut PgConnection, ws: WorkspaceId, draft: DraftId, subject: &str, body: &str, hash: &str) -> Result<bool> {
    Ok(sqlx::query(
        "update drafts set subject_a = $3, subject_b = $3, body = $4, content_hash = $5, status = 'pending', generator = 'user',
                edited_from = coalesce(edited_from, jsonb_build_object('subject_a', subject_a, 'subject_b', subject_b, 'body', body)),
                approved_by = null, approved_at = null, approved_hash = null,
                rejected_by = null, rejected_at = null, reject_reason = null, guard = null, updated_at = now()
         where client_id = $1 and id = $2 and kind = 'reply' and status in ('pending', 'rejected', 'blocked')",
    )
    .bind(ws.0)
    .bind(draft.0)
    .bind(subject)
    .bind(body)
    .bind(hash)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The workspace's permission mode as stored (`co_pilot` when unreadable is the caller's call).
pub async fn workspace_mode<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<String> {
    Ok(sqlx::query_scalar("select permission_mode from workspaces where id = $1").bind(ws.0).fetch_one(db).await?)
}

/// What the Inbox's campaign and mailbox filters offer: (id, name) of the workspace's campaigns
/// (not archived) and mailboxes.
pub async fn filter_options<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Vec<(String, Uuid, String)>> {
    Ok(sqlx::query_as(
        "(select 'campaign', id, name from campaigns where client_id = $1 and status <> 'archived' order by name limit 200)
         union all
         (select 'mailbox', id, address from mailboxes where client_id = $1 order by address limit 200)",
    )
    .bind(ws.0)
    .fetch_all(db)
    .await?)
}
