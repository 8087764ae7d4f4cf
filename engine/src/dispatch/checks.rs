//! The just-in-time checks (SPEC §10.2–10.3, §10.5): decided from what was read at the moment
//! of sending, without I/O, so each rule is tested on its own and the dispatcher cannot skip
//! one by accident. Every check is recorded, passed or not.

use crate::store::outbox::{CheckRecord, SendContext};
use chrono::{DateTime, Duration, Utc};
use domain::allocate::{RampLimits, WorkspaceSending};
use domain::lead_status::LeadStatus;
use domain::score::Tier;
use domain::window::{next_open, parse_time_zone, is_inside_window, SendingWindow};

/// What to do with a claimed row.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every check passed: send (or, in shadow mode, store as shadow).
    Send { shadow: bool },
    /// Not now; try again from `until`.
    Postpone { until: DateTime<Utc>, reason: String },
    /// Never: the touch is void (lead gone, approval void, exited).
    Cancel { reason: String },
}

/// Why an automated step is refused once the lead wrote back.
pub const REPLIED: &str = "the lead replied";

/// How long to wait before looking again at a row held back by a switch a person will flip
/// (emergency stop, paused campaign, unpaid subscription).
pub const RECHECK: Duration = Duration::minutes(5);

struct Log(Vec<CheckRecord>);

impl Log {
    fn pass(&mut self, check: &str, detail: impl Into<String>) {
        self.0.push(CheckRecord { check: check.into(), ok: true, detail: detail.into() });
    }
    fn fail(&mut self, check: &str, detail: impl Into<String>) {
        self.0.push(CheckRecord { check: check.into(), ok: false, detail: detail.into() });
    }
}

/// Runs the checks in a fixed order; the first that fails decides. Returns the verdict and the
/// record of every check run.
pub fn evaluate(ctx: &SendContext, content_hash: &str, now: DateTime<Utc>) -> (Verdict, Vec<CheckRecord>) {
    let mut log = Log(Vec::new());
    let verdict = run(ctx, content_hash, now, &mut log);
    (verdict, log.0)
}

fn run(ctx: &SendContext, content_hash: &str, now: DateTime<Utc>, log: &mut Log) -> Verdict {
    let later = |reason: String| Verdict::Postpone { until: now + RECHECK, reason };
    if ctx.platform_stop {
        let why = format!("platform emergency stop{}", ctx.platform_stop_reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default());
        log.fail("emergency_stop", &why);
        return later(why);
    }
    if ctx.workspace_paused {
        let why = format!("workspace sending paused{}", ctx.workspace_paused_reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default());
        log.fail("emergency_stop", &why);
        return later(why);
    }
    log.pass("emergency_stop", "no stop in force");

    if !matches!(ctx.subscription_status.as_str(), "trialing" | "active") {
        let why = format!("subscription is {}", ctx.subscription_status);
        log.fail("subscription", &why);
        return later(why);
    }
    log.pass("subscription", &ctx.subscription_status);

    match ctx.campaign_status.as_str() {
        "active" => log.pass("campaign_active", "active"),
        "archived" => {
            log.fail("campaign_active", "campaign archived");
            return Verdict::Cancel { reason: "campaign archived".into() };
        }
        other => {
            let why = format!("campaign is {other}");
            log.fail("campaign_active", &why);
            return later(why);
        }
    }

    let status: Option<LeadStatus> = ctx.lead_status.parse().ok();
    if ctx.kind == "reply" {
        // An answer a person approved: it goes to a lead who replied, outside any cadence, but
        // never to one who opted out, bounced or was written off.
        if status.is_none_or(|s| s.is_terminal_negative()) {
            let why = format!("lead is {}", ctx.lead_status);
            log.fail("lead_reachable", &why);
            return Verdict::Cancel { reason: why };
        }
        log.pass("lead_reachable", format!("answer to the lead's reply ({})", ctx.lead_status));
    } else {
        // SPEC §11: whatever else holds, no automated step follows a reply from the person.
        if ctx.lead_replied {
            log.fail("lead_replied", REPLIED);
            return Verdict::Cancel { reason: REPLIED.into() };
        }
        log.pass("lead_replied", "no reply from the lead");
        let exited = matches!(status, Some(LeadStatus::Replied)) || status.is_none_or(|s| s.blocks_outreach());
        if exited {
            let why = format!("lead is {}", ctx.lead_status);
            log.fail("lead_reachable", &why);
            return Verdict::Cancel { reason: why };
        }
        if ctx.enrolment_state.as_deref() != Some("active") {
            let why = format!("lead left the campaign ({})", ctx.enrolment_state.as_deref().unwrap_or("not enrolled"));
            log.fail("lead_reachable", &why);
            return Verdict::Cancel { reason: why };
        }
        log.pass("lead_reachable", &ctx.lead_status);
        if let Some(until) = ctx.paused_until.filter(|u| *u > now) {
            let why = format!("cadence paused until {} (out of office)", until.format("%Y-%m-%d %H:%M UTC"));
            log.fail("paused", &why);
            return Verdict::Postpone { until, reason: why };
        }
    }

    if let Some(why) = &ctx.suppressed_by {
        log.fail("suppression", why);
        return Verdict::Cancel { reason: why.clone() };
    }
    log.pass("suppression", "not suppressed");

    let approved = ctx.draft_status == "approved" || ctx.draft_status == "sent";
    let hash_ok = ctx.approved_hash.as_deref() == Some(ctx.draft_content_hash.as_str()) && ctx.draft_content_hash == content_hash;
    if !approved || !hash_ok {
        let why = if !approved { format!("draft is {}", ctx.draft_status) } else { "the draft changed after it was approved".to_string() };
        log.fail("approval_valid", &why);
        return Verdict::Cancel { reason: why };
    }
    log.pass("approval_valid", "approved content unchanged");

    if ctx.earlier_unsent && ctx.kind != "reply" {
        log.fail("step_due", "an earlier touch of this sequence has not gone out yet");
        return later("an earlier touch of this sequence has not gone out yet".into());
    }
    log.pass("step_due", "due, and every earlier touch has gone out");

    let window: Option<SendingWindow> = serde_json::from_value(ctx.sending_window.clone()).ok();
    let tz = parse_time_zone(&ctx.time_zone).ok();
    match (window, tz) {
        (Some(w), Some(tz)) => {
            if is_inside_window(now, tz, &w) {
                log.pass("window", format!("inside the sending window ({})", ctx.time_zone));
            } else {
                let until = next_open(now, tz, &w).ok().unwrap_or(now + Duration::hours(1));
                let why = format!("outside the sending window ({}); next opening {until}", ctx.time_zone);
                log.fail("window", &why);
                return Verdict::Postpone { until, reason: why };
            }
        }
        _ => {
            log.fail("window", "the campaign's window or time zone is unreadable");
            return later("the campaign's window or time zone is unreadable".into());
        }
    }

    let ramp = ramp_limits(ctx, now);
    if ramp.is_limited() && ctx.kind != "reply" {
        let tier = ctx.lead_tier.as_deref().and_then(|t| Tier::ALL.into_iter().find(|x| x.as_str() == t));
        if let Some(why) = ramp.tier_refusal(tier) {
            log.fail("ramp", &why);
            return Verdict::Postpone { until: now + Duration::days(1), reason: why };
        }
        log.pass("ramp", "the lead's tier is one ramp mode sends to");
    }

    if ctx.shadow_mode {
        log.pass("shadow_mode", "workspace in shadow mode: stored, not sent");
        return Verdict::Send { shadow: true };
    }
    log.pass("shadow_mode", "live");
    Verdict::Send { shadow: false }
}

/// The ramp limits this send obeys (SPEC §6): the workspace's and, if it ramps on its own, the
/// campaign's.
pub fn ramp_limits(ctx: &SendContext, now: DateTime<Utc>) -> RampLimits {
    let today = now.date_naive();
    let mode = ctx.sending_mode.as_ref().map(|v| WorkspaceSending::from_stored(v, today));
    RampLimits::of(mode.as_ref(), ctx.campaign_ramp, today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A Tuesday 10:00 in Sydney.
    fn tuesday_morning() -> DateTime<Utc> {
        chrono_tz::Australia::Sydney.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap().with_timezone(&Utc)
    }

    fn ok() -> SendContext {
        SendContext {
            platform_stop: false,
            platform_stop_reason: None,
            workspace_paused: false,
            workspace_paused_reason: None,
            shadow_mode: false,
            subscription_status: "active".into(),
            campaign_status: "active".into(),
            sending_window: serde_json::to_value(SendingWindow::default()).unwrap(),
            time_zone: "Australia/Sydney".into(),
            sender_name: "Sam".into(),
            sender_company: "Northwind".into(),
            physical_address: "1 George St".into(),
            lead_status: "approved".into(),
            lead_email: Some("jo@acme.com.au".into()),
            enrolment_state: Some("active".into()),
            draft_status: "approved".into(),
            draft_content_hash: "h1".into(),
            approved_hash: Some("h1".into()),
            suppressed_by: None,
            parent_message_id: None,
            parent_subject: None,
            parent_mailbox: None,
            earlier_unsent: false,
            kind: "sequence".into(),
            lead_replied: false,
            paused_until: None,
            sending_mode: None,
            campaign_ramp: false,
            lead_tier: Some("hot".into()),
        }
    }

    fn verdict(ctx: &SendContext) -> Verdict {
        evaluate(ctx, "h1", tuesday_morning()).0
    }

    #[test]
    fn all_checks_pass_and_are_all_recorded() {
        let (v, log) = evaluate(&ok(), "h1", tuesday_morning());
        assert_eq!(v, Verdict::Send { shadow: false });
        let names: Vec<&str> = log.iter().map(|c| c.check.as_str()).collect();
        assert_eq!(names, ["emergency_stop", "subscription", "campaign_active", "lead_replied", "lead_reachable", "suppression", "approval_valid", "step_due", "window", "shadow_mode"]);
        assert!(log.iter().all(|c| c.ok));
    }

    #[test]
    fn each_failing_check_refuses_with_its_reason() {
        let now = tuesday_morning();
        let mut c = ok();
        c.platform_stop = true;
        assert!(matches!(verdict(&c), Verdict::Postpone { ref reason, until } if reason.contains("platform emergency stop") && until == now + RECHECK));
        let mut c = ok();
        c.workspace_paused = true;
        assert!(matches!(verdict(&c), Verdict::Postpone { ref reason, .. } if reason.contains("workspace sending paused")));
        let mut c = ok();
        c.subscription_status = "past_due".into();
        assert!(matches!(verdict(&c), Verdict::Postpone { ref reason, .. } if reason == "subscription is past_due"));
        let mut c = ok();
        c.campaign_status = "paused".into();
        assert!(matches!(verdict(&c), Verdict::Postpone { .. }));
        let mut c = ok();
        c.lead_status = "unsubscribed".into();
        assert_eq!(verdict(&c), Verdict::Cancel { reason: "lead is unsubscribed".into() });
        let mut c = ok();
        c.lead_status = "replied".into();
        assert!(matches!(verdict(&c), Verdict::Cancel { .. }));
        let mut c = ok();
        c.suppressed_by = Some("address a@b.example is on the suppression list".into());
        assert!(matches!(verdict(&c), Verdict::Cancel { ref reason } if reason.contains("suppression")));
        let mut c = ok();
        c.draft_content_hash = "h2".into();
        assert_eq!(verdict(&c), Verdict::Cancel { reason: "the draft changed after it was approved".into() });
        let mut c = ok();
        c.draft_status = "pending".into();
        assert!(matches!(verdict(&c), Verdict::Cancel { ref reason } if reason == "draft is pending"));
        let mut c = ok();
        c.shadow_mode = true;
        assert_eq!(verdict(&c), Verdict::Send { shadow: true });
    }

    #[test]
    fn after_a_reply_no_automated_step_goes_but_an_approved_answer_does() {
        let mut c = ok();
        c.lead_replied = true;
        let (v, log) = evaluate(&c, "h1", tuesday_morning());
        assert_eq!(v, Verdict::Cancel { reason: "the lead replied".into() });
        assert!(log.iter().any(|r| r.check == "lead_replied" && !r.ok && r.detail == "the lead replied"));
        c.kind = "reply".into();
        c.lead_status = "replied".into();
        c.enrolment_state = Some("exited".into());
        c.earlier_unsent = true;
        assert_eq!(verdict(&c), Verdict::Send { shadow: false });
        c.lead_status = "unsubscribed".into();
        assert!(matches!(verdict(&c), Verdict::Cancel { .. }));
    }

    #[test]
    fn a_paused_enrolment_waits_until_the_pause_ends() {
        let now = tuesday_morning();
        let mut c = ok();
        c.paused_until = Some(now + Duration::days(3));
        assert!(matches!(verdict(&c), Verdict::Postpone { until, ref reason } if until == now + Duration::days(3) && reason.contains("out of office")));
        c.paused_until = Some(now - Duration::hours(1));
        assert_eq!(verdict(&c), Verdict::Send { shadow: false });
    }

    #[test]
    fn outside_the_window_waits_for_the_next_opening() {
        let saturday = chrono_tz::Australia::Sydney.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap().with_timezone(&Utc);
        let (v, log) = evaluate(&ok(), "h1", saturday);
        let Verdict::Postpone { until, .. } = v else { panic!("{v:?}") };
        let monday_8 = chrono_tz::Australia::Sydney.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap().with_timezone(&Utc);
        assert_eq!(until, monday_8);
        assert!(log.iter().any(|c| c.check == "window" && !c.ok));
    }

    #[test]
    fn an_outbox_snapshot_that_differs_from_the_approved_draft_is_not_sent() {
        let (v, _) = evaluate(&ok(), "something-else", tuesday_morning());
        assert!(matches!(v, Verdict::Cancel { .. }));
    }
}
