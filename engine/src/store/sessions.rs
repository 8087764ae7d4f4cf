//! Log-in sessions, kept by tower-sessions' PostgreSQL store in `tower_sessions.session` (the
//! server makes that table at start). Only their clean-up is the engine's, as a schedule.

use crate::Result;
use sqlx::PgExecutor;

/// Deletes the sessions that have expired (cross-tenant: sessions belong to users, not to
/// workspaces). Returns how many. A database the server never started on has no session table
/// yet: nothing to delete.
pub async fn delete_expired<'e>(db: impl PgExecutor<'e>) -> Result<u64> {
    let deleted = sqlx::query("delete from tower_sessions.session where expiry_date < (now() at time zone 'utc')").execute(db).await;
    match deleted {
        Ok(done) => Ok(done.rows_affected()),
        Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P01") | Some("3F000")) => Ok(0),
        Err(e) => Err(e.into()),
    }
}
