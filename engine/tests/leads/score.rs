use crate::support::*;
use chrono::{Duration, TimeZone, Utc};
use domain::lead_status::LeadStatus;
use domain::score::{ReasonCode, TitleRank, WeightCandidates, WeightSource, Weights};
use engine::flows::score::{score_workspace, score_workspace_with, Scope, ScoreSettings};
use sqlx::PgPool;

const CSV: &str = "email,first name,last name,title,company,country,employees,phone,linkedin\n\
    ann@acme.com.au,Ann,Lee,CEO,Acme,Australia,20,+61 2 9000 0001,linkedin.com/in/annlee\n\
    bob@beta.com,Bob,Stone,Intern,Beta,USA,5000,,\n";

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn scoring_stores_every_part_of_the_score_and_the_reasons_add_up_to_it(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    import_bytes(&pool, ws, CSV).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let counts = score_workspace(&pool, ws.0, Scope::Unscored, now).await.unwrap();
    assert_eq!((counts.scored, counts.status_changed), (2, 2));

    let ann = lead_by_email(&pool, ws.0, "ann@acme.com.au").await;
    let s = ann.score.expect("scored");
    let total: i64 = s.reasons.iter().map(|r| i64::from(r.contribution)).sum();
    assert_eq!(total, i64::from(s.als_exact), "reasons add up to the exact score");
    assert_eq!(s.als, ((s.als_exact + 50) / 100) as u8);
    assert_eq!(s.scored_at, now);
    // Nothing learned yet: the platform priors apply.
    assert_eq!(s.weight_source, WeightSource::PlatformPriors);
    assert_weights(s.weights, Weights::PLATFORM_PRIORS);
    assert_eq!(s.components.authority, 25);
    assert!(s.reasons.iter().any(|r| r.code == ReasonCode::Title { rank: TitleRank::Ceo }));
    assert!(s.reasons.iter().any(|r| r.code == ReasonCode::LocationInIcp));
    assert!(s.reasons.iter().any(|r| r.to_string() == "+6 phone number"), "{:?}", s.reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>());
    assert_eq!(ann.status, LeadStatus::Scored);

    // An intern at a 5,000-person US company scores below 20: the status machine makes it dead.
    let bob = lead_by_email(&pool, ws.0, "bob@beta.com").await;
    let bs = bob.score.unwrap();
    assert!(bs.als < 20, "{}", bs.als);
    assert_eq!((bob.status, bs.tier), (LeadStatus::Dead, domain::score::Tier::Dead));
    assert!(bs.reasons.iter().any(|r| r.code == ReasonCode::BadTitle));
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn unscored_runs_skip_scored_leads_and_rescoring_all_updates_them(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    import_bytes(&pool, ws, CSV).await;
    let first = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    score_workspace(&pool, ws.0, Scope::Unscored, first).await.unwrap();
    let before = lead_by_email(&pool, ws.0, "ann@acme.com.au").await.score.unwrap();

    import_bytes(&pool, ws, "email,title\ncat@gamma.com,CTO\n").await;
    let later = first + Duration::days(1);
    let counts = score_workspace(&pool, ws.0, Scope::Unscored, later).await.unwrap();
    assert_eq!(counts.scored, 1, "only the new lead");
    assert_eq!(lead_by_email(&pool, ws.0, "ann@acme.com.au").await.score.unwrap().scored_at, first);

    // The operator switches priors off: a full rescore moves every lead to the default weights.
    let settings = ScoreSettings { candidates: WeightCandidates { platform_priors: None, ..Default::default() }, ..Default::default() };
    let counts = score_workspace_with(&pool, ws.0, Scope::All, &settings, later).await.unwrap();
    assert_eq!(counts.scored, 3);
    let after = lead_by_email(&pool, ws.0, "ann@acme.com.au").await.score.unwrap();
    assert_eq!((after.weight_source, after.scored_at), (WeightSource::Defaults, later));
    assert_weights(after.weights, Weights::DEFAULT);
    assert_ne!(after.als_exact, before.als_exact, "different weights, different score");
    assert_eq!(after.reasons.iter().map(|r| i64::from(r.contribution)).sum::<i64>(), i64::from(after.als_exact));

    // Rescoring with the same inputs is idempotent.
    score_workspace_with(&pool, ws.0, Scope::All, &settings, later).await.unwrap();
    assert_eq!(lead_by_email(&pool, ws.0, "ann@acme.com.au").await.score.unwrap(), after);
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn scoring_never_moves_a_lead_out_of_a_terminal_or_later_status(pool: PgPool) {
    let ws = workspace(&pool, "Acme").await;
    import_bytes(&pool, ws, CSV).await;
    sqlx::query("update leads set status = 'bounced' where email = 'ann@acme.com.au'").execute(&pool).await.unwrap();
    sqlx::query("update leads set status = 'contacted' where email = 'bob@beta.com'").execute(&pool).await.unwrap();
    let counts = score_workspace(&pool, ws.0, Scope::All, Utc::now()).await.unwrap();
    assert_eq!((counts.scored, counts.status_changed), (2, 0));
    let ann = lead_by_email(&pool, ws.0, "ann@acme.com.au").await;
    assert_eq!(ann.status, LeadStatus::Bounced);
    // The bounce is a risk fact the score takes into account.
    assert!(ann.score.unwrap().reasons.iter().any(|r| r.code == ReasonCode::PreviouslyBounced));
    assert_eq!(lead_by_email(&pool, ws.0, "bob@beta.com").await.status, LeadStatus::Contacted);
}

/// Stored weights go through JSON and are rescaled to sum to 1 when read, so they match the
/// constants to rounding, not to the bit.
fn assert_weights(got: Weights, want: Weights) {
    for (g, w) in got.as_array().iter().zip(want.as_array()) {
        assert!((g - w).abs() < 1e-9, "{got:?} != {want:?}");
    }
}

#[sqlx::test(migrator = "engine::db::MIGRATOR")]
async fn the_scorer_takes_weights_from_the_stored_cascade(pool: PgPool) {
    use domain::score::{LearnedWeights, PlatformWeights, RawWeights};
    use engine::store::weights;
    let ws = workspace(&pool, "Acme").await;
    import_bytes(&pool, ws, CSV).await;
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let source = |pool: PgPool| async move {
        score_workspace(&pool, ws.0, Scope::All, now).await.unwrap();
        let s = lead_by_email(&pool, ws.0, "ann@acme.com.au").await.score.unwrap();
        (s.weight_source, s.weights)
    };
    let w = |a: [f64; 5]| Weights::new(RawWeights { data_quality: a[0], authority: a[1], company_fit: a[2], timing: a[3], risk: a[4] }).unwrap();
    let global = w([0.1, 0.4, 0.2, 0.2, 0.1]);
    let learned = w([0.3, 0.3, 0.2, 0.1, 0.1]);

    assert_eq!(source(pool.clone()).await.0, WeightSource::PlatformPriors, "nothing stored: the priors");

    weights::save_platform(&pool, None, &PlatformWeights { weights: global, confidence: 0.55 }).await.unwrap();
    let (src, got) = source(pool.clone()).await;
    assert_eq!(src, WeightSource::PlatformGlobal);
    assert_weights(got, global);

    // Learned weights from too few conversions do not count yet; with enough they win.
    let mut conn = pool.acquire().await.unwrap();
    weights::save_learned(&mut conn, ws.0, &LearnedWeights { weights: learned, confidence: 0.9, conversions: 10 }).await.unwrap();
    assert_eq!(source(pool.clone()).await.0, WeightSource::PlatformGlobal);
    weights::save_learned(&mut conn, ws.0, &LearnedWeights { weights: learned, confidence: 0.9, conversions: 80 }).await.unwrap();
    let (src, got) = source(pool.clone()).await;
    assert_eq!(src, WeightSource::ClientLearned);
    assert_weights(got, learned);

    // Another workspace's learned weights never apply here; a corrupt stored row falls back.
    let other = workspace(&pool, "Other").await;
    weights::save_learned(&mut conn, other.0, &LearnedWeights { weights: global, confidence: 0.99, conversions: 500 }).await.unwrap();
    assert_weights(source(pool.clone()).await.1, learned);
    sqlx::query("update workspace_weights set weights = '{\"data_quality\": 5}' where client_id = $1").bind(ws.0.0).execute(&pool).await.unwrap();
    assert_eq!(source(pool.clone()).await.0, WeightSource::PlatformGlobal);
}
