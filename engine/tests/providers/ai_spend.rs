//! The AI spend limiter against the real Redis.

use crate::redis;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::ids::WorkspaceId;
use engine::ai_spend::{AiError, AiSpendCaps, AiSpendLimiter, SpendScope};
use engine::ledger::CostAud;
use uuid::Uuid;

fn ws() -> WorkspaceId {
    WorkspaceId(Uuid::new_v4())
}

fn caps(workspace: f64, platform: f64) -> AiSpendCaps {
    AiSpendCaps {
        workspace_daily_aud: workspace,
        platform_daily_aud: platform,
    }
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_reservations_never_pass_the_workspace_cap() {
    let limiter = AiSpendLimiter::new(redis().await, &caps(1.0, 1000.0));
    let workspace = ws();
    let cap = limiter.default_workspace_cap();
    let now = Utc::now();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.reserve_at(workspace, cap, CostAud(700), now).await })
        })
        .collect();
    let mut granted = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                granted += 1;
                std::mem::forget(r);
            }
            Err(AiError::SpendCapReached {
                scope: SpendScope::Workspace,
            }) => refused += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    // A$1.00 holds fourteen reservations of A$0.07 (A$0.98), never fifteen.
    assert_eq!((granted, refused), (14, 36));
    let (spent, platform) = limiter.spent(workspace, now.date_naive()).await.unwrap();
    assert_eq!(spent, CostAud(9_800));
    assert_eq!(platform, CostAud(9_800));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_racing_reservations_from_many_workspaces_never_pass_the_platform_cap() {
    let limiter = AiSpendLimiter::new(redis().await, &caps(100.0, 2.0));
    let cap = limiter.default_workspace_cap();
    let now = Utc::now();
    let workspaces: Vec<WorkspaceId> = (0..50).map(|_| ws()).collect();
    let tasks: Vec<_> = workspaces
        .iter()
        .map(|&w| {
            let limiter = limiter.clone();
            tokio::spawn(async move { limiter.reserve_at(w, cap, CostAud(1_500), now).await })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(r) => {
                granted += 1;
                std::mem::forget(r);
            }
            Err(AiError::SpendCapReached {
                scope: SpendScope::Platform,
            }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(granted, 13);
    let (_, platform) = limiter.spent(workspaces[0], now.date_naive()).await.unwrap();
    assert_eq!(platform, CostAud(19_500));
}

#[tokio::test]
async fn a_refused_reservation_changes_nothing() {
    let limiter = AiSpendLimiter::new(redis().await, &caps(0.5, 100.0));
    let w = ws();
    let cap = limiter.default_workspace_cap();
    let r = limiter.reserve(w, cap, CostAud(4_000)).await.unwrap();
    assert_eq!(
        limiter.reserve(w, cap, CostAud(1_001)).await,
        Err(AiError::SpendCapReached {
            scope: SpendScope::Workspace
        })
    );
    let today = r.day();
    assert_eq!(limiter.spent(w, today).await.unwrap(), (CostAud(4_000), CostAud(4_000)));
    // Exactly up to the cap is allowed.
    let r2 = limiter.reserve(w, cap, CostAud(1_000)).await.unwrap();
    limiter.release(r).await.unwrap();
    limiter.release(r2).await.unwrap();
}

#[tokio::test]
async fn settling_keeps_the_actual_cost_and_releases_the_rest() {
    let limiter = AiSpendLimiter::new(redis().await, &caps(1.0, 100.0));
    let (a, b) = (ws(), ws());
    let cap = limiter.default_workspace_cap();
    let ra = limiter.reserve(a, cap, CostAud(6_000)).await.unwrap();
    let rb = limiter.reserve(b, cap, CostAud(2_000)).await.unwrap();
    let day = ra.day();
    limiter.settle(ra, CostAud(1_234)).await.unwrap();
    limiter.release(rb).await.unwrap();
    assert_eq!(limiter.spent(a, day).await.unwrap(), (CostAud(1_234), CostAud(1_234)));
    assert_eq!(limiter.spent(b, day).await.unwrap().0, CostAud::ZERO);
    // What was released is available again: 1234 + 8766 = the A$1.00 cap.
    let again = limiter.reserve(a, cap, CostAud(8_766)).await.unwrap();
    limiter.release(again).await.unwrap();
}

#[tokio::test]
async fn a_new_utc_day_starts_from_zero_and_late_settlements_land_on_their_own_day() {
    let r = redis().await;
    let limiter = AiSpendLimiter::new(r.clone(), &caps(1.0, 100.0));
    let w = ws();
    let cap = limiter.default_workspace_cap();
    let late = at(2026, 11, 24, 23, 59, 30);
    let held = limiter.reserve_at(w, cap, CostAud(10_000), late).await.unwrap();
    assert!(limiter.reserve_at(w, cap, CostAud(1), late).await.is_err());

    let next = at(2026, 11, 25, 0, 0, 5);
    let fresh = limiter.reserve_at(w, cap, CostAud(10_000), next).await.unwrap();

    // The call that started before midnight settles after it: only the 24th changes.
    limiter.settle(held, CostAud(2_500)).await.unwrap();
    let d24 = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let d25 = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    assert_eq!(limiter.spent(w, d24).await.unwrap().0, CostAud(2_500));
    assert_eq!(limiter.spent(w, d25).await.unwrap().0, CostAud(10_000));
    limiter.release(fresh).await.unwrap();

    // Day keys expire on their own.
    let mut c = r.conn.clone();
    let ttl: i64 = ::redis::cmd("TTL")
        .arg(r.key(&format!("ai_spend:{{{d24}}}:ws:{w}")))
        .query_async(&mut c)
        .await
        .unwrap();
    assert!(ttl > 24 * 3600 && ttl <= 48 * 3600, "ttl {ttl}");
}
