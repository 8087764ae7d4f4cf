//! The workspace's ideal customer profile in Postgres: one row per workspace, absent until the
//! workspace saves one. Every function takes the workspace id. Validation is the caller's
//! (`domain::icp`); the table's checks are a backstop.

use crate::{Error, Result};
use domain::icp::{Seniority, WorkspaceIcp};
use domain::ids::{UserId, WorkspaceId};
use domain::score::Icp;
use sqlx::{PgConnection, PgExecutor};

#[derive(sqlx::FromRow)]
struct Row {
    industries: Vec<String>,
    employees_min: i32,
    employees_max: i32,
    locations: Vec<String>,
    job_titles: Vec<String>,
    seniorities: Vec<String>,
    keywords: Vec<String>,
}

fn icp(r: Row) -> Result<WorkspaceIcp> {
    let corrupt = |what: &str| Error::Internal(anyhow::anyhow!("corrupt workspace_icp row: {what}"));
    Ok(WorkspaceIcp {
        scoring: Icp {
            industries: r.industries,
            employees_min: u32::try_from(r.employees_min).map_err(|_| corrupt("employees_min"))?,
            employees_max: u32::try_from(r.employees_max).map_err(|_| corrupt("employees_max"))?,
            locations: r.locations,
        },
        job_titles: r.job_titles,
        seniorities: r.seniorities.iter().map(|s| s.parse::<Seniority>()).collect::<Result<_, _>>().map_err(|_| corrupt("seniorities"))?,
        keywords: r.keywords,
    })
}

/// The saved profile, or `None` when the workspace never saved one.
pub async fn get<'e>(db: impl PgExecutor<'e>, ws: WorkspaceId) -> Result<Option<WorkspaceIcp>> {
    let row: Option<Row> = sqlx::query_as(
        "select industries, employees_min, employees_max, locations, job_titles, seniorities, keywords
         from workspace_icp where client_id = $1",
    )
    .bind(ws.0)
    .fetch_optional(db)
    .await?;
    row.map(icp).transpose()
}

/// The saved profile, locking its row until the transaction ends so two saves in a row compare
/// against each other's result (the re-scoring decision depends on "did it change").
pub async fn get_for_update(conn: &mut PgConnection, ws: WorkspaceId) -> Result<Option<WorkspaceIcp>> {
    let row: Option<Row> = sqlx::query_as(
        "select industries, employees_min, employees_max, locations, job_titles, seniorities, keywords
         from workspace_icp where client_id = $1 for update",
    )
    .bind(ws.0)
    .fetch_optional(conn)
    .await?;
    row.map(icp).transpose()
}

/// Inserts or replaces the workspace's profile.
pub async fn upsert(conn: &mut PgConnection, ws: WorkspaceId, icp: &WorkspaceIcp, by: UserId) -> Result<()> {
    let int = |n: u32| i32::try_from(n).map_err(|_| Error::Invalid("Employee counts must be at most 10000000".into()));
    let seniorities: Vec<&str> = icp.seniorities.iter().map(|s| s.as_str()).collect();
    sqlx::query(
        "insert into workspace_icp (client_id, industries, employees_min, employees_max, locations, job_titles,
                                    seniorities, keywords, updated_at, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)
         on conflict (client_id) do update set
            industries = excluded.industries, employees_min = excluded.employees_min,
            employees_max = excluded.employees_max, locations = excluded.locations,
            job_titles = excluded.job_titles, seniorities = excluded.seniorities,
            keywords = excluded.keywords, updated_at = now(), updated_by = excluded.updated_by",
    )
    .bind(ws.0)
    .bind(&icp.scoring.industries)
    .bind(int(icp.scoring.employees_min)?)
    .bind(int(icp.scoring.employees_max)?)
    .bind(&icp.scoring.locations)
    .bind(&icp.job_titles)
    .bind(seniorities)
    .bind(&icp.keywords)
    .bind(by.0)
    .execute(conn)
    .await?;
    Ok(())
}
