//! Log-in and sign-up throttling with Redis, shared by every web replica.
//!
//! Log-in: each account (or, for a browser it has logged in from before, that device) gets a
//! few free failures, then a progressive delay — 15 s, 30 s, 60 s … capped at 15 minutes —
//! instead of a hard lock-out, and a success resets it. A known device (the `aos_device`
//! cookie a successful log-in leaves) has its own delay, so someone guessing the password
//! from elsewhere never locks its owner out (OWASP "device cookies"). Each client IP has a
//! budget of attempts per window. The check and the recording of an attempt are one Lua
//! script: an attempt counts before the password is checked, so a burst of parallel guesses
//! cannot all slip through one check before any failure is recorded.
//!
//! Sign-up: attempts per client IP per window, counted before the password is hashed.
//!
//! Callers validate the email first (`LoginEmail::parse`): no key is ever made from raw input.

use crate::{Engine, Error, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct Limits {
    /// Failures an account (or a known device) may have before the delay starts.
    pub per_account: u32,
    /// Log-in attempts per client IP per window.
    pub per_ip: u32,
    pub window_secs: u64,
    /// The first delay; each further failure doubles it.
    pub first_delay_secs: u64,
    /// The longest delay: the right password waits at most this long.
    pub max_delay_secs: u64,
    /// Sign-up attempts per client IP per sign-up window.
    pub signups_per_ip: u32,
    pub signup_window_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_ip: 30,
            window_secs: 15 * 60,
            first_delay_secs: 15,
            max_delay_secs: 15 * 60,
            signups_per_ip: 30,
            signup_window_secs: 3600,
        }
    }
}

/// How long a known-device cookie is honoured.
pub const DEVICE_TTL_SECS: u64 = 180 * 24 * 3600;

/// KEYS[1]: the account's (or device's) failure hash {n, until}; KEYS[2]: the IP's counter.
/// ARGV: now (ms), free failures, per-IP budget, window (s), first delay (s), max delay (s).
/// Returns {1, 0} when the attempt may proceed (and is counted), {0, seconds} when refused.
const CHECK_AND_RECORD: &str = r#"
local now = tonumber(ARGV[1])
local wait_ms = tonumber(redis.call('HGET', KEYS[1], 'until') or '0') - now
if wait_ms > 0 then return {0, math.ceil(wait_ms / 1000)} end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then
  local ttl = redis.call('TTL', KEYS[2])
  if ttl < 1 then ttl = 1 end
  return {0, ttl}
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local free = tonumber(ARGV[2])
if n >= free then
  local delay = math.min(tonumber(ARGV[5]) * 2 ^ (n - free), tonumber(ARGV[6]))
  redis.call('HSET', KEYS[1], 'until', now + delay * 1000)
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[6]))
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[4], 'NX')
return {1, 0}
"#;

/// A success: the account's failures are forgotten and the attempt is given back to the IP.
const SUCCEEDED: &str = r#"
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 1
"#;

fn digest(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Whose failures an attempt counts against.
pub struct Subject {
    key: String,
    ip: String,
}

impl Subject {
    /// `account` is the canonical email; `device` the known-device cookie, if the browser has
    /// one, which counts only when it was issued to this account.
    pub async fn resolve(engine: &Engine, account: &str, ip: &str, device: Option<&str>) -> Result<Self> {
        let ip = engine.redis.key(&format!("throttle:login:ip:{ip}"));
        if let Some(token) = device.filter(|t| !t.is_empty() && t.len() <= 64) {
            let owner: Option<String> = redis::cmd("GET").arg(engine.redis.key(&format!("device:{}", digest(token)))).query_async(&mut engine.redis.conn.clone()).await?;
            if owner.as_deref() == Some(&digest(account)) {
                return Ok(Self { key: engine.redis.key(&format!("throttle:login:dev:{}", digest(token))), ip });
            }
        }
        Ok(Self { key: engine.redis.key(&format!("throttle:login:acct:{account}")), ip })
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Refuses the attempt while its delay or the IP's budget says so; otherwise counts it.
pub async fn check_and_record(engine: &Engine, subject: &Subject) -> Result<()> {
    let l = &engine.settings.throttle;
    let (ok, wait): (i64, i64) = redis::Script::new(CHECK_AND_RECORD)
        .key(&subject.key)
        .key(&subject.ip)
        .arg(now_ms())
        .arg(l.per_account)
        .arg(l.per_ip)
        .arg(l.window_secs)
        .arg(l.first_delay_secs)
        .arg(l.max_delay_secs)
        .invoke_async(&mut engine.redis.conn.clone())
        .await?;
    match ok {
        1 => Ok(()),
        _ => Err(Error::Throttled { retry_after_secs: wait.max(1) as u64 }),
    }
}

/// Clears the subject's failures and remembers this browser as a known device of `account`;
/// returns the device token for the cookie.
pub async fn succeeded(engine: &Engine, subject: &Subject, account: &str) -> Result<String> {
    let mut c = engine.redis.conn.clone();
    redis::Script::new(SUCCEEDED).key(&subject.key).key(&subject.ip).invoke_async::<i64>(&mut c).await?;
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    redis::cmd("SET")
        .arg(engine.redis.key(&format!("device:{}", digest(&token))))
        .arg(digest(account))
        .arg("EX")
        .arg(DEVICE_TTL_SECS)
        .query_async::<()>(&mut c)
        .await?;
    Ok(token)
}

/// Counts one use of `what` (a Redis key under the installation's namespace) in a fixed window
/// (atomically: INCR and the window's expiry in one MULTI); refuses, with the wait, once `limit`
/// uses were counted in the window.
pub async fn fixed_window(engine: &Engine, what: &str, limit: u64, window_secs: u64) -> Result<()> {
    let key = engine.redis.key(what);
    let (n, ttl): (u64, i64) = redis::pipe()
        .atomic()
        .incr(&key, 1)
        .cmd("EXPIRE")
        .arg(&key)
        .arg(window_secs)
        .arg("NX")
        .ignore()
        .cmd("TTL")
        .arg(&key)
        .query_async(&mut engine.redis.conn.clone())
        .await?;
    if n > limit {
        return Err(Error::Throttled { retry_after_secs: ttl.max(1) as u64 });
    }
    Ok(())
}

/// Counts a sign-up attempt from `ip`; refuses once the IP used its budget for the window.
pub async fn sign_up_attempt(engine: &Engine, ip: &str) -> Result<()> {
    let l = &engine.settings.throttle;
    fixed_window(engine, &format!("throttle:signup:ip:{ip}"), u64::from(l.signups_per_ip), l.signup_window_secs).await
}
