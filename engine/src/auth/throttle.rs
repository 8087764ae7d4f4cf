//! Login throttling with Redis counters, per account and per client IP. Counters are shared by
//! every web replica; a window starts at the first failure and expires on its own.

use crate::{Engine, Error, Result};
use redis::AsyncCommands;

#[derive(Clone, Debug)]
pub struct Limits {
    pub per_account: u32,
    pub per_ip: u32,
    pub window_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self { per_account: 5, per_ip: 30, window_secs: 15 * 60 }
    }
}

fn keys(engine: &Engine, account: &str, ip: &str) -> (String, String) {
    (
        engine.redis.key(&format!("throttle:login:acct:{account}")),
        engine.redis.key(&format!("throttle:login:ip:{ip}")),
    )
}

/// Refuses the attempt when either counter has reached its limit.
pub async fn check(engine: &Engine, account: &str, ip: &str) -> Result<()> {
    let (acct, ipk) = keys(engine, account, ip);
    let mut c = engine.redis.conn.clone();
    let (a, i): (Option<u32>, Option<u32>) = redis::pipe().get(&acct).get(&ipk).query_async(&mut c).await?;
    let limits = &engine.settings.throttle;
    let over = if a.unwrap_or(0) >= limits.per_account {
        Some(acct)
    } else if i.unwrap_or(0) >= limits.per_ip {
        Some(ipk)
    } else {
        None
    };
    if let Some(key) = over {
        let ttl: i64 = c.ttl(&key).await?;
        return Err(Error::Throttled { retry_after_secs: ttl.max(1) as u64 });
    }
    Ok(())
}

pub async fn record_failure(engine: &Engine, account: &str, ip: &str) -> Result<()> {
    let (acct, ipk) = keys(engine, account, ip);
    let window = engine.settings.throttle.window_secs as i64;
    let mut c = engine.redis.conn.clone();
    redis::pipe()
        .incr(&acct, 1)
        .ignore()
        .cmd("EXPIRE").arg(&acct).arg(window).arg("NX")
        .ignore()
        .incr(&ipk, 1)
        .ignore()
        .cmd("EXPIRE").arg(&ipk).arg(window).arg("NX")
        .ignore()
        .query_async::<()>(&mut c)
        .await?;
    Ok(())
}

pub async fn clear_account(engine: &Engine, account: &str) -> Result<()> {
    let (acct, _) = keys(engine, account, "");
    let mut c = engine.redis.conn.clone();
    c.del::<_, ()>(&acct).await?;
    Ok(())
}
