//! Leads added by hand, and what enrichment did for one lead.

use crate::auth::Access;
use crate::store::{audit, leads};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::WorkspaceId;
use domain::leads::{EnrichmentHistory, EnrichmentStep, LeadId, LeadInput, LeadSource};
use serde_json::json;

/// Adds one lead typed into the app, validated exactly like a CSV row, then queues it for
/// enrichment (the worker scores it afterwards).
pub async fn add_manual(engine: &Engine, access: &Access, input: LeadInput) -> Result<LeadId> {
    access.require(Action::EditCampaigns)?;
    let ws = access.workspace;
    let user = access.user;
    let lead = input
        .validate()
        .map_err(|errors| Error::Invalid(errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")))?;
    let mut tx = engine.tenant(ws).await?;
    let inserted = leads::insert_many(&mut tx, access.workspace, LeadSource::Manual, None, std::slice::from_ref(&lead)).await?;
    let Some(created) = inserted.first() else {
        return Err(Error::Conflict("This lead is already in the workspace".into()));
    };
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(access.workspace),
            actor: Some(user),
            action: "lead.create_manual",
            target_type: "lead",
            target_id: Some(created.id.to_string()),
            before: None,
            after: Some(json!({ "email": lead.email, "linkedin_url": lead.linkedin_url })),
        },
    )
    .await?;
    tx.commit().await?;
    if let Err(e) = crate::jobs::enqueue_pending_enrichment(engine.owner_pool(), access.workspace, 200).await {
        tracing::error!(error = ?e, "queueing enrichment for a manual lead failed");
    }
    Ok(created.id)
}

/// The waterfall's outcome for a lead and every provider call costed against it.
pub async fn enrichment_history(engine: &Engine, ws: WorkspaceId, lead: LeadId) -> Result<EnrichmentHistory> {
    let mut db = engine.tenant(ws).await?;
    let outcome: Option<(String, Option<String>, Option<String>, Option<f32>, i16, Option<String>, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select outcome, provider, source, confidence, credits, reason, created_at
         from enrichment_log where client_id = $1 and lead_id = $2",
    )
    .bind(ws.0)
    .bind(lead.0)
    .fetch_optional(&mut *db)
    .await?;
    let calls: Vec<(String, String, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
        "select provider, operation, cost_aud::text, created_at from cost_ledger
         where client_id = $1 and lead_ref = $2 order by created_at, id",
    )
    .bind(ws.0)
    .bind(lead.to_string())
    .fetch_all(&mut *db)
    .await?;
    Ok(EnrichmentHistory {
        outcome: outcome.as_ref().map(|o| o.0.clone()),
        provider: outcome.as_ref().and_then(|o| o.1.clone()),
        from_cache: outcome.as_ref().and_then(|o| o.2.as_deref()) == Some("cache"),
        confidence: outcome.as_ref().and_then(|o| o.3),
        credits: outcome.as_ref().map(|o| o.4).unwrap_or(0),
        reason: outcome.as_ref().and_then(|o| o.5.clone()),
        at: outcome.as_ref().map(|o| o.6),
        calls: calls
            .into_iter()
            .map(|(provider, operation, cost_aud, at)| EnrichmentStep { provider, operation, cost_aud, at })
            .collect(),
    })
}
