//! The just-in-time checks before a voice call (SPEC §10.7, issue 16 item 4): suppression (the
//! workspace's and the platform's lists), the calling hours of the Telemarketing Industry
//! Standard on the lead's clock (`domain::calling`, the same code as `agency-os call-window`), and
//! the Do Not Call Register wash for Australian numbers.
//!
//! A wash answer is reused for [`WASH_VALID_FOR`]: s 11(3) of the Do Not Call Register Act lets a
//! "not registered" answer support calls during the 30-day period that ends at the end of the
//! call's day, so an answer received on day D covers calls up to the end of day D + 29 in the
//! caller's reckoning. Reusing it for 29 × 24 hours from the instant of the answer stays inside
//! that period whatever the time zones, and re-washes a day early rather than a day late.
//! A listed number is never called; its answer is cached the same way (registrations can be
//! withdrawn, so it is asked again after the period too).
//!
//! What this module must not do: place the call, or wash a number it will not call (foreign
//! numbers are not the register's business).

use crate::providers::dncr::DncrWash;
use crate::store::dncr::{self, Washed};
use crate::store::outbox::CheckRecord;
use crate::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use domain::calling::{check_call_time, next_call_time};
use domain::ids::WorkspaceId;
use domain::phone::E164;
use sqlx::PgPool;

/// How long a wash answer is relied on (see the module documentation).
pub fn wash_valid_for() -> Duration {
    Duration::days(29)
}

/// Where a number stands with the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DncrStatus {
    /// Not an Australian number: the register does not cover it.
    NotAustralian,
    /// Not registered, per the answer of `washed_at`.
    Clear { washed_at: DateTime<Utc>, reference: String, cached: bool },
    /// On the register: no telemarketing call may be made.
    Listed { washed_at: DateTime<Utc>, reference: String, cached: bool },
}

/// The register's answer for `number`: the stored one while it is recent enough, else a fresh
/// wash (recorded). A failed wash is an error: the call must wait, never go ahead unwashed.
pub async fn dncr_status(pool: &PgPool, ws: WorkspaceId, wash: &dyn DncrWash, number: &E164, now: DateTime<Utc>) -> Result<DncrStatus> {
    if !number.is_australian() {
        return Ok(DncrStatus::NotAustralian);
    }
    let status = |w: Washed, cached: bool| {
        if w.listed {
            DncrStatus::Listed { washed_at: w.washed_at, reference: w.reference, cached }
        } else {
            DncrStatus::Clear { washed_at: w.washed_at, reference: w.reference, cached }
        }
    };
    let mut tx = crate::db::tenant(pool, ws).await?;
    if let Some(w) = dncr::latest(&mut *tx, ws, number).await? {
        if now - w.washed_at < wash_valid_for() && w.washed_at <= now {
            return Ok(status(w, true));
        }
    }
    tx.commit().await?;
    let answers = wash.wash(std::slice::from_ref(number), now).await.map_err(|e| Error::Conflict(format!("the Do Not Call Register could not be asked: {e}")))?;
    let answer = answers
        .into_iter()
        .find(|a| &a.number == number)
        .ok_or_else(|| Error::Conflict(format!("the Do Not Call Register gave no answer for {number}")))?;
    let w = Washed { listed: answer.listed, reference: answer.reference, washed_at: answer.washed_at };
    let mut tx = crate::db::tenant(pool, ws).await?;
    dncr::record(&mut *tx, ws, number, &w).await?;
    tx.commit().await?;
    Ok(status(w, false))
}

/// What to do with a call that is due.
#[derive(Debug, Clone, PartialEq)]
pub enum CallVerdict {
    Call,
    /// Outside calling hours: not before `until`.
    Postpone { until: DateTime<Utc>, reason: String },
    /// Never: suppressed or on the register.
    Refuse { reason: String },
}

/// Every check before a call to `number` whose owner's clock runs in `tz`, in order, each
/// recorded: suppression, calling hours, Do Not Call Register.
pub async fn check_call(pool: &PgPool, ws: WorkspaceId, wash: &dyn DncrWash, number: &E164, tz: Tz, now: DateTime<Utc>) -> Result<(CallVerdict, Vec<CheckRecord>)> {
    let mut log = Vec::new();
    let mut note = |check: &str, ok: bool, detail: String| log.push(CheckRecord { check: check.into(), ok, detail });

    let mut tx = crate::db::tenant(pool, ws).await?;
    let hit = crate::flows::suppression::check_phone(&mut *tx, ws, number).await?;
    tx.commit().await?;
    if let Some(hit) = hit {
        let why = hit.to_string();
        note("suppression", false, why.clone());
        return Ok((CallVerdict::Refuse { reason: why }, log));
    }
    note("suppression", true, "not suppressed".into());

    let decision = check_call_time(now, tz).ok_or_else(|| Error::Invalid("the call time is out of range".into()))?;
    if !decision.allowed() {
        let why = decision.to_string();
        note("calling_hours", false, why.clone());
        let until = next_call_time(now, tz).ok_or_else(|| Error::Invalid("no calling hours ahead".into()))?;
        return Ok((CallVerdict::Postpone { until, reason: why }, log));
    }
    note("calling_hours", true, decision.to_string());

    match dncr_status(pool, ws, wash, number, now).await? {
        DncrStatus::NotAustralian => note("dncr", true, "not an Australian number; the register does not cover it".into()),
        DncrStatus::Clear { washed_at, reference, cached } => note(
            "dncr",
            true,
            format!("not on the Do Not Call Register (washed {}, reference {reference}{})", washed_at.format("%Y-%m-%d %H:%M UTC"), if cached { ", cached" } else { "" }),
        ),
        DncrStatus::Listed { washed_at, reference, .. } => {
            let why = format!("{number} is on the Do Not Call Register (washed {}, reference {reference})", washed_at.format("%Y-%m-%d %H:%M UTC"));
            note("dncr", false, why.clone());
            return Ok((CallVerdict::Refuse { reason: why }, log));
        }
    }
    Ok((CallVerdict::Call, log))
}
