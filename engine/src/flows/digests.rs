//! Digests (SPEC §15): the daily summary and the weekly review. A scheduled job ([`run_due`],
//! every fifteen minutes) finds, for every workspace, the digests due in its time zone
//! (`domain::digest::due`), builds each once from the Reports queries, and sends it by email to
//! every member who opted in and to the workspace's Slack channel when it asked — each recipient
//! claimed first (`store::digests::claim`), so a digest reaches a recipient once however many
//! processes tick, and a failed send is tried again at the next tick.

use crate::auth::Access;
use crate::flows::notify::{post_slack, send_email, slack_url, Failure};
use crate::store::{alerts, audit, dashboard, digests, reports, users};
use crate::{Engine, Error, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use domain::account::Action;
use domain::digest::{self as d, Activity, Digest, DigestKind, DigestPreview, DigestSettings, OpenAlert, Period};
use domain::ids::WorkspaceId;
use domain::reports::{DateRange, ReportFilters};
use serde_json::json;

/// What one run did, summed over workspaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ran {
    pub emails: u32,
    pub slack: u32,
    /// Sends that failed (tried again at the next tick, or given up for good).
    pub failed: u32,
    pub failed_workspaces: u32,
}

/// Sends every digest due at `now`. A workspace whose digest cannot be built is logged and
/// counted; the others go on.
pub async fn run_due(engine: &Engine, now: DateTime<Utc>) -> Result<Ran> {
    let mut ran = Ran::default();
    for (ws, name, tz) in digests::workspaces(engine.owner_pool()).await? {
        let tz = match d::parse_time_zone(&tz) {
            Ok(tz) => tz,
            Err(why) => {
                tracing::warn!(workspace = %ws, %why, "the workspace's time zone is unreadable; its digests wait until it is set again");
                continue;
            }
        };
        for kind in DigestKind::ALL {
            let Some(period) = d::due(kind, now, tz) else { continue };
            match send_due(engine, ws, &name, tz, kind, period, now).await {
                Ok(r) => {
                    ran.emails += r.emails;
                    ran.slack += r.slack;
                    ran.failed += r.failed;
                }
                Err(e) => {
                    tracing::error!(workspace = %ws, kind = kind.as_str(), error = %e, "building the digest failed");
                    ran.failed_workspaces += 1;
                }
            }
        }
    }
    Ok(ran)
}

/// Sends one workspace's due digest to each recipient not yet served.
async fn send_due(engine: &Engine, ws: WorkspaceId, name: &str, tz: Tz, kind: DigestKind, period: Period, now: DateTime<Utc>) -> Result<Ran> {
    let mut db = engine.tenant(ws).await?;
    let emails = match engine.settings.notify_mail {
        Some(_) => digests::subscribers(&mut db, ws, kind).await?,
        None => Vec::new(),
    };
    let wants_slack = digests::slack_wants(&mut db, ws, kind).await?;
    drop(db);
    let slack = if wants_slack { slack_url(engine, ws).await? } else { None };
    let mut recipients: Vec<(String, Recipient)> = emails.into_iter().map(|s| (s.user_id.to_string(), Recipient::Email(s.email))).collect();
    if let Some(url) = slack {
        recipients.push(("slack".into(), Recipient::Slack(url)));
    }
    let mut ran = Ran::default();
    let mut digest: Option<Digest> = None;
    for (key, to) in recipients {
        let mut tx = engine.tenant(ws).await?;
        let claimed = digests::claim(&mut tx, ws, kind, period.from, &key, now).await?;
        tx.commit().await?;
        if !claimed {
            continue;
        }
        let built = match &digest {
            Some(b) => b,
            None => match build(engine, ws, name, tz, kind, period, now).await {
                Ok(b) => digest.insert(b),
                Err(e) => {
                    give_back(engine, ws, kind, period, &key).await?;
                    return Err(e);
                }
            },
        };
        let sent = match &to {
            Recipient::Email(address) => {
                let mail = engine.settings.notify_mail.as_ref().expect("subscribers are read only when mail is configured");
                send_email(mail, std::slice::from_ref(address), &built.subject(), &built.email_text()).await
            }
            Recipient::Slack(url) => post_slack(engine, url, &built.slack_text()).await,
        };
        match sent {
            Ok(()) => {
                settle(engine, ws, kind, period, &key, now).await?;
                match to {
                    Recipient::Email(_) => ran.emails += 1,
                    Recipient::Slack(_) => ran.slack += 1,
                }
            }
            Err(Failure::GiveUp(why)) => {
                tracing::warn!(workspace = %ws, kind = kind.as_str(), recipient = %key, %why, "digest given up for this recipient");
                settle(engine, ws, kind, period, &key, now).await?;
                ran.failed += 1;
            }
            Err(Failure::Retry(why)) => {
                tracing::warn!(workspace = %ws, kind = kind.as_str(), recipient = %key, %why, "digest not sent; tried again at the next tick");
                give_back(engine, ws, kind, period, &key).await?;
                ran.failed += 1;
            }
        }
    }
    Ok(ran)
}

enum Recipient {
    Email(String),
    Slack(String),
}

async fn settle(engine: &Engine, ws: WorkspaceId, kind: DigestKind, period: Period, key: &str, now: DateTime<Utc>) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    digests::settle(&mut tx, ws, kind, period.from, key, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn give_back(engine: &Engine, ws: WorkspaceId, kind: DigestKind, period: Period, key: &str) -> Result<()> {
    let mut tx = engine.tenant(ws).await?;
    digests::release(&mut tx, ws, kind, period.from, key).await?;
    tx.commit().await?;
    Ok(())
}

fn range(p: Period) -> Result<DateRange> {
    DateRange::new(p.from, p.to).map_err(|e| Error::Internal(anyhow::anyhow!("digest period {}–{}: {e}", p.from, p.to)))
}

/// The digest of `kind` for `period`, from the same queries as the Reports page, read in one
/// transaction of the workspace.
pub async fn build(engine: &Engine, ws: WorkspaceId, name: &str, tz: Tz, kind: DigestKind, period: Period, now: DateTime<Utc>) -> Result<Digest> {
    let all = ReportFilters::default();
    let link = format!("{}/w/{ws}", engine.settings.public_url.trim_end_matches('/'));
    reports::refresh(engine.owner_pool(), ws).await?;
    let mut tx = engine.tenant(ws).await?;
    let this = range(period)?;
    let activity = Activity::of_days(&reports::by_day(&mut tx, ws, &this, &all).await?);
    let spend = spend_in(&mut tx, ws, &this).await?;
    Ok(match kind {
        DigestKind::Daily => {
            let budgets = alerts::budgets(&mut tx, ws).await?;
            let needing_attention = dashboard::counts_at(&mut tx, ws, now).await?.replies_attention;
            let open_alerts = alerts::open(&mut tx, ws).await?.into_iter().map(|a| OpenAlert { level: a.level, title: a.title }).collect();
            Digest::Daily(d::Daily {
                workspace: name.to_string(),
                period,
                activity,
                spend,
                daily_budget_cents: budgets.daily_cents,
                needing_attention,
                open_alerts,
                link,
            })
        }
        DigestKind::Weekly => {
            let before = range(Period { from: period.from - Duration::days(7), to: period.to - Duration::days(7) })?;
            let previous = Activity::of_days(&reports::by_day(&mut tx, ws, &before, &all).await?);
            let previous_spend = spend_in(&mut tx, ws, &before).await?;
            let best_angles = d::angles(&reports::breakdown(&mut tx, ws, &this, &all, reports::Dimension::Angle).await?);
            let by_hour: Vec<(DateTime<Utc>, i64, i64)> = reports::breakdown(&mut tx, ws, &this, &all, reports::Dimension::Hour)
                .await?
                .into_iter()
                .filter_map(|r| {
                    let at = NaiveDateTime::parse_from_str(&format!("{}:00", r.key), "%Y-%m-%dT%H:%M").ok()?.and_utc();
                    Some((at, r.counts.sent, r.counts.replied))
                })
                .collect();
            let today = now.with_timezone(&tz).date_naive();
            let month_so_far = match today.with_day(1) {
                Some(first) if first < today => Activity::of_days(&reports::by_day(&mut tx, ws, &range(Period { from: first, to: today - Duration::days(1) })?, &all).await?).meetings,
                _ => 0,
            };
            Digest::Weekly(d::Weekly {
                workspace: name.to_string(),
                period,
                activity,
                previous,
                spend,
                previous_spend,
                best_angles,
                best_hours: d::hours(&by_hour, tz),
                forecast: d::forecast(today, month_so_far),
                link,
            })
        }
    })
}

/// Spend in the range, ten-thousandths of an AUD, as Reports' costs count it.
async fn spend_in(conn: &mut sqlx::PgConnection, ws: WorkspaceId, range: &DateRange) -> Result<i64> {
    Ok(reports::costs(conn, ws, range, &ReportFilters::default()).await?.0.iter().map(|(_, _, cost)| cost).sum())
}

/// The Digests card of Settings for the caller.
pub async fn settings(engine: &Engine, access: &Access) -> Result<DigestSettings> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    let mut db = engine.tenant(ws).await?;
    let c = digests::choices(&mut db, ws, access.user).await?;
    drop(db);
    let my_email = users::get(engine.owner_pool(), access.user).await?.map(|u| u.email).unwrap_or_default();
    Ok(DigestSettings {
        time_zone: c.time_zone,
        slack_daily: c.slack_daily,
        slack_weekly: c.slack_weekly,
        slack_connected: c.slack_connected,
        email_available: engine.settings.notify_mail.is_some(),
        my_daily: c.my_daily,
        my_weekly: c.my_weekly,
        my_email,
        can_configure: access.role.can(Action::ConfigureDigests),
    })
}

/// The caller's own choice of digests by email (any member, viewers included: it is their inbox).
pub async fn set_mine(engine: &Engine, access: &Access, daily: bool, weekly: bool) -> Result<DigestSettings> {
    access.require(Action::ViewWorkspace)?;
    let mut tx = engine.tenant(access.workspace).await?;
    digests::subscribe(&mut tx, access.workspace, access.user, daily, weekly).await?;
    tx.commit().await?;
    settings(engine, access).await
}

/// The workspace's time zone and which digests its Slack channel gets; owners and admins,
/// audited. An unknown time zone changes nothing.
pub async fn configure(engine: &Engine, access: &Access, time_zone: &str, slack_daily: bool, slack_weekly: bool) -> Result<DigestSettings> {
    access.require(Action::ConfigureDigests)?;
    let tz = d::parse_time_zone(time_zone).map_err(Error::Invalid)?;
    let ws = access.workspace;
    let mut tx = engine.tenant(ws).await?;
    let before = digests::choices(&mut tx, ws, access.user).await?;
    digests::set_time_zone(&mut tx, ws, tz.name()).await?;
    digests::set_slack(&mut tx, ws, slack_daily, slack_weekly, access.user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "digests.configured",
            target_type: "workspace",
            target_id: Some(ws.0.to_string()),
            before: Some(json!({ "time_zone": before.time_zone, "slack_daily": before.slack_daily, "slack_weekly": before.slack_weekly })),
            after: Some(json!({ "time_zone": tz.name(), "slack_daily": slack_daily, "slack_weekly": slack_weekly })),
        },
    )
    .await?;
    tx.commit().await?;
    settings(engine, access).await
}

/// Preview emails one person may have sent in [`PREVIEW_WINDOW_SECS`].
pub const PREVIEW_EMAILS: u64 = 5;
pub const PREVIEW_WINDOW_SECS: u64 = 600;

/// The latest complete period's digest, shown to the caller and emailed to them when the
/// installation has a mailbox (at most [`PREVIEW_EMAILS`] in ten minutes). Sends nothing to anyone else and records nothing as sent.
pub async fn preview(engine: &Engine, access: &Access, kind: DigestKind, now: DateTime<Utc>) -> Result<DigestPreview> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    let mut db = engine.tenant(ws).await?;
    let tz = d::parse_time_zone(&digests::time_zone(&mut *db, ws).await?).unwrap_or(Tz::UTC);
    let name = crate::store::workspaces::name(&mut db, ws).await?.unwrap_or_default();
    drop(db);
    let email = users::get(engine.owner_pool(), access.user).await?.map(|u| u.email);
    let period = d::latest(kind, now, tz);
    let digest = build(engine, ws, &name, tz, kind, period, now).await?;
    let (emailed_to, note) = match (&engine.settings.notify_mail, email) {
        (None, _) => (None, Some("This installation has no mailbox for notices (AGENCY_OS_NOTIFY_SMTP_URL), so digests go to Slack only.".to_string())),
        (Some(_), None) => (None, Some("Your account has no email address to send to.".to_string())),
        (Some(mail), Some(address)) => match crate::auth::throttle::fixed_window(engine, &format!("throttle:digest-preview:{}", access.user), PREVIEW_EMAILS, PREVIEW_WINDOW_SECS).await {
            // The preview is still shown; only the email waits, so the button cannot be used to
            // flood an inbox or the installation's mailbox.
            Err(Error::Throttled { retry_after_secs }) => (
                None,
                Some(format!("Previews are emailed at most {PREVIEW_EMAILS} times in {} minutes; the next can go in {} min.", PREVIEW_WINDOW_SECS / 60, retry_after_secs.div_ceil(60))),
            ),
            Err(e) => return Err(e),
            Ok(()) => match send_email(mail, std::slice::from_ref(&address), &format!("Preview — {}", digest.subject()), &digest.email_text()).await {
                Ok(()) => (Some(address), None),
                Err(f) => (None, Some(format!("The preview could not be emailed: {}", f.why()))),
            },
        },
    };
    Ok(DigestPreview { kind, period, subject: digest.subject(), text: digest.email_text(), emailed_to, note })
}
