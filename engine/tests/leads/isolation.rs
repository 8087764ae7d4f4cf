use crate::support::*;
use domain::leads::{LeadFilter, PageRequest, Sort};
use engine::import;
use engine::store::{imports, leads};
use sqlx::PgPool;

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn one_workspace_never_sees_or_dedupes_against_another(pool: PgPool) {
    let a = workspace(&pool, "Alpha").await;
    let b = workspace(&pool, "Beta").await;
    let csv = "email,linkedin\nann@acme.com,\n,linkedin.com/in/bob\n";
    let in_a = import_bytes(&pool, a, csv).await;
    // The same people imported into B are new to B: no dedupe across workspaces.
    let in_b = import_bytes(&pool, b, csv).await;
    assert_eq!((in_a.summary.imported, in_b.summary.imported), (2, 2));

    let a_lead = lead_by_email(&pool, a.0, "ann@acme.com").await;
    assert!(leads::get(&pool, b.0, a_lead.id).await.unwrap().is_none(), "B cannot read A's lead by id");
    let page = leads::list(&pool, b.0, &LeadFilter::default(), Sort::default(), PageRequest::default()).await.unwrap();
    assert_eq!(page.total, 2);
    assert!(page.rows.iter().all(|r| r.id != a_lead.id));
    let filter = LeadFilter { import_id: Some(in_a.id), ..Default::default() };
    assert_eq!(leads::count(&pool, b.0, &filter).await.unwrap(), 0, "B cannot list A's import");
    assert!(imports::get(&pool, b.0, in_a.id).await.unwrap().is_none());
    assert_eq!(import::error_report_csv(&pool, b.0, in_a.id).await.unwrap_err().status(), 404);

    // Scoring B touches only B's leads.
    let counts = engine::flows::score::score_workspace(&pool, b.0, engine::flows::score::Scope::All, chrono::Utc::now()).await.unwrap();
    assert_eq!(counts.scored, 2);
    assert!(leads::get(&pool, a.0, a_lead.id).await.unwrap().unwrap().score.is_none());
}
