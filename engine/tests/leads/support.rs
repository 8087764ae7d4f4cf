use domain::ids::{UserId, WorkspaceId};
use domain::leads::{LeadDetail, LeadId};
use engine::import::{self, ImportOutcome};
use sqlx::PgPool;
use uuid::Uuid;

/// A workspace with one owner, made directly in SQL: these tests are about leads, not accounts.
pub async fn workspace(pool: &PgPool, name: &str) -> (WorkspaceId, UserId) {
    let user: Uuid = sqlx::query_scalar("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id")
        .bind(format!("{}@example.com", name.to_lowercase().replace(' ', "-")))
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    let ws: Uuid = sqlx::query_scalar("insert into workspaces (name, created_by) values ($1, $2) returning id")
        .bind(name)
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap();
    sqlx::query("insert into memberships (client_id, user_id, role) values ($1, $2, 'owner')")
        .bind(ws)
        .bind(user)
        .execute(pool)
        .await
        .unwrap();
    (WorkspaceId(ws), UserId(user))
}

pub async fn import_bytes(pool: &PgPool, ws: (WorkspaceId, UserId), bytes: impl Into<Vec<u8>>) -> ImportOutcome {
    import::import_csv(pool, ws.0, Some(ws.1), "leads.csv", std::io::Cursor::new(bytes.into()), |_| {}).await.unwrap()
}

pub async fn lead_by_email(pool: &PgPool, ws: WorkspaceId, email: &str) -> LeadDetail {
    let id: Uuid = sqlx::query_scalar("select id from leads where client_id = $1 and email = $2")
        .bind(ws.0)
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{email}: {e}"));
    engine::store::leads::get(pool, ws, LeadId(id)).await.unwrap().unwrap()
}
