//! Stored scoring weights: a workspace's learned ones and the platform's (SPEC §4 cascade).

use crate::Result;
use domain::ids::WorkspaceId;
use domain::score::{LearnedWeights, PlatformWeights, WeightCandidates, Weights};
use sqlx::{PgConnection, PgExecutor};

/// Every stored candidate for a workspace whose ICP names `industry` first (if any); the
/// priors stay as given. A stored row that no longer reads as valid weights is skipped, so a
/// bad row falls back down the cascade instead of failing every score.
pub async fn candidates(conn: &mut PgConnection, ws: WorkspaceId, industry: Option<&str>) -> Result<WeightCandidates> {
    let learned: Option<(serde_json::Value, f64, i32)> =
        sqlx::query_as("select weights, confidence, conversions from workspace_weights where client_id = $1")
            .bind(ws.0)
            .fetch_optional(&mut *conn)
            .await?;
    let platform: Vec<(String, serde_json::Value, f64)> = sqlx::query_as(
        "select scope, weights, confidence from platform_weights
         where scope = 'global' or (scope = 'industry' and industry = lower($1))",
    )
    .bind(industry.unwrap_or_default().trim())
    .fetch_all(&mut *conn)
    .await?;
    let weights = |v: serde_json::Value| serde_json::from_value::<Weights>(v).ok();
    let pick = |scope: &str| {
        platform
            .iter()
            .filter(|(s, _, _)| s == scope)
            .find_map(|(_, w, c)| weights(w.clone()).map(|weights| PlatformWeights { weights, confidence: *c }))
    };
    Ok(WeightCandidates {
        client_learned: learned.and_then(|(w, confidence, n)| {
            weights(w).map(|weights| LearnedWeights { weights, confidence, conversions: u32::try_from(n).unwrap_or(0) })
        }),
        platform_industry: pick("industry"),
        platform_global: pick("global"),
        ..WeightCandidates::default()
    })
}

/// Stores (replaces) a workspace's learned weights.
pub async fn save_learned(conn: &mut PgConnection, ws: WorkspaceId, learned: &LearnedWeights) -> Result<()> {
    sqlx::query(
        "insert into workspace_weights (client_id, weights, confidence, conversions) values ($1, $2, $3, $4)
         on conflict (client_id) do update set weights = excluded.weights, confidence = excluded.confidence,
             conversions = excluded.conversions, learned_at = now()",
    )
    .bind(ws.0)
    .bind(serde_json::to_value(learned.weights).map_err(|e| crate::Error::Internal(e.into()))?)
    .bind(learned.confidence.clamp(0.0, 1.0))
    .bind(i32::try_from(learned.conversions).unwrap_or(i32::MAX))
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores (replaces) the platform's weights for one industry, or the global ones (`None`).
pub async fn save_platform<'e>(db: impl PgExecutor<'e>, industry: Option<&str>, platform: &PlatformWeights) -> Result<()> {
    let (scope, industry) = match industry.map(str::trim).filter(|i| !i.is_empty()) {
        Some(i) => ("industry", i.to_lowercase()),
        None => ("global", String::new()),
    };
    sqlx::query(
        "insert into platform_weights (scope, industry, weights, confidence) values ($1, $2, $3, $4)
         on conflict (scope, industry) do update set weights = excluded.weights, confidence = excluded.confidence,
             learned_at = now()",
    )
    .bind(scope)
    .bind(industry)
    .bind(serde_json::to_value(platform.weights).map_err(|e| crate::Error::Internal(e.into()))?)
    .bind(platform.confidence.clamp(0.0, 1.0))
    .execute(db)
    .await?;
    Ok(())
}
