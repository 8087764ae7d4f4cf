//! The lead status machine (SPEC §3, §11).
//!
//! This module owns three decisions, all pure:
//! - which [`Signal`] moves a lead from one [`LeadStatus`] to another, and which moves are
//!   refused ([`transition`]);
//! - engagement decay: whether a lead has become `ghosted`, `stalled` or `hesitant`, from the
//!   facts of its events and a `now` passed in ([`detect_decay`]);
//! - revival: whether a stale lead may be re-engaged with new copy ([`is_revival_candidate`]).
//!
//! It never reads a clock or a database; the engine records every accepted change as an
//! activity on the lead's timeline.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Every status a lead can be in (SPEC §3). Serialised in snake_case, the same string that
/// [`LeadStatus::as_str`] returns and [`FromStr`] accepts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Enriched,
    Scored,
    /// A draft is waiting for approval.
    Queued,
    Approved,
    InSequence,
    Contacted,
    Opened,
    Clicked,
    Replied,
    LinkedinConnected,
    Ghosted,
    Stalled,
    Hesitant,
    /// A meeting was booked.
    Converted,
    NotInterested,
    Unsubscribed,
    Bounced,
    Suppressed,
    /// The cadence finished without a reply.
    Exhausted,
    /// ALS below the dead threshold.
    Dead,
    RevivalCandidate,
    RevivalQueued,
    RevivalSent,
}

/// The funnel stages the UI groups statuses into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Pipeline,
    Outreach,
    Engaged,
    AtRisk,
    Terminal,
    Revival,
}

/// The statuses a lead can reach today (what the engine's signals move it to), grouped by
/// funnel stage for filters. Statuses of channels not built yet (LinkedIn connected, the revival
/// sends) and the suppression status nothing sets are left out, so no filter offers an empty
/// promise.
pub const FUNNEL_STAGES: &[(&str, &[LeadStatus])] = &[
    ("Preparing", &[LeadStatus::New, LeadStatus::Enriched, LeadStatus::Scored]),
    (
        "In outreach",
        &[LeadStatus::Queued, LeadStatus::Approved, LeadStatus::InSequence, LeadStatus::Contacted, LeadStatus::Opened, LeadStatus::Clicked],
    ),
    ("Engaged", &[LeadStatus::Replied, LeadStatus::Converted]),
    ("Gone quiet", &[LeadStatus::Ghosted, LeadStatus::Stalled, LeadStatus::Hesitant, LeadStatus::Exhausted, LeadStatus::RevivalCandidate]),
    ("Closed", &[LeadStatus::NotInterested, LeadStatus::Unsubscribed, LeadStatus::Bounced, LeadStatus::Dead]),
];

impl LeadStatus {
    pub const ALL: [LeadStatus; 24] = [
        LeadStatus::New,
        LeadStatus::Enriched,
        LeadStatus::Scored,
        LeadStatus::Queued,
        LeadStatus::Approved,
        LeadStatus::InSequence,
        LeadStatus::Contacted,
        LeadStatus::Opened,
        LeadStatus::Clicked,
        LeadStatus::Replied,
        LeadStatus::LinkedinConnected,
        LeadStatus::Ghosted,
        LeadStatus::Stalled,
        LeadStatus::Hesitant,
        LeadStatus::Converted,
        LeadStatus::NotInterested,
        LeadStatus::Unsubscribed,
        LeadStatus::Bounced,
        LeadStatus::Suppressed,
        LeadStatus::Exhausted,
        LeadStatus::Dead,
        LeadStatus::RevivalCandidate,
        LeadStatus::RevivalQueued,
        LeadStatus::RevivalSent,
    ];

    pub fn as_str(self) -> &'static str {
        use LeadStatus::*;
        match self {
            New => "new",
            Enriched => "enriched",
            Scored => "scored",
            Queued => "queued",
            Approved => "approved",
            InSequence => "in_sequence",
            Contacted => "contacted",
            Opened => "opened",
            Clicked => "clicked",
            Replied => "replied",
            LinkedinConnected => "linkedin_connected",
            Ghosted => "ghosted",
            Stalled => "stalled",
            Hesitant => "hesitant",
            Converted => "converted",
            NotInterested => "not_interested",
            Unsubscribed => "unsubscribed",
            Bounced => "bounced",
            Suppressed => "suppressed",
            Exhausted => "exhausted",
            Dead => "dead",
            RevivalCandidate => "revival_candidate",
            RevivalQueued => "revival_queued",
            RevivalSent => "revival_sent",
        }
    }

    pub fn stage(self) -> Stage {
        use LeadStatus::*;
        match self {
            New | Enriched | Scored | Queued | Approved => Stage::Pipeline,
            InSequence | Contacted => Stage::Outreach,
            Opened | Clicked | Replied | LinkedinConnected => Stage::Engaged,
            Ghosted | Stalled | Hesitant => Stage::AtRisk,
            Converted | NotInterested | Unsubscribed | Bounced | Suppressed | Exhausted | Dead => {
                Stage::Terminal
            }
            RevivalCandidate | RevivalQueued | RevivalSent => Stage::Revival,
        }
    }

    pub fn is_terminal(self) -> bool {
        self.stage() == Stage::Terminal
    }

    /// Terminal statuses that say "do not approach this person again": the person declined,
    /// opted out, cannot be reached, or was never worth it. Revival never touches them.
    pub fn is_terminal_negative(self) -> bool {
        use LeadStatus::*;
        matches!(
            self,
            NotInterested | Unsubscribed | Bounced | Suppressed | Dead
        )
    }

    /// Statuses in which nothing may be sent to the lead on any channel.
    pub fn blocks_outreach(self) -> bool {
        self.is_terminal()
    }
}

impl fmt::Display for LeadStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no lead status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown lead status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for LeadStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        LeadStatus::ALL
            .iter()
            .copied()
            .find(|st| st.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

/// Something that happened to a lead and may move its status: a provider webhook, a reply, a
/// pipeline step, a scheduled detection, or an explicit human action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "signal")]
pub enum Signal {
    Enriched,
    /// The lead was (re)scored; `als` is the new score 0–100.
    Scored {
        als: u8,
    },
    /// A draft for the lead entered the approval queue.
    Drafted,
    /// A reviewer rejected the queued draft; the lead goes back to be redrafted.
    DraftRejected,
    Approved,
    /// The lead was enrolled in a campaign's cadence.
    Enrolled,
    /// A touch went out (email sent, LinkedIn connection request sent, SMS sent, call made).
    Sent,
    Opened,
    Clicked,
    /// A human reply on any channel that is not an opt-out or a refusal.
    Replied,
    LinkedinConnected,
    Bounced,
    Unsubscribed,
    /// A spam complaint: treated as the strongest opt-out.
    Complained,
    /// The lead matched a suppression list entry.
    Suppressed,
    /// A meeting was booked (booking webhook or marked by hand).
    Converted,
    NotInterested,
    /// The cadence ran out of steps without a reply.
    CadenceFinished,
    /// Decay detection found the lead ghosted / stalled / hesitant.
    Decayed(Decay),
    /// The revival scan picked the lead.
    RevivalFlagged,
    /// The explicit, recorded re-permission of a person who had opted out or bounced (they wrote
    /// in, gave a new address, asked to hear from us again). The only way out of those states.
    RePermission,
    /// A person corrected how a reply was read (the Inbox's re-classify), and the status that
    /// reading caused is taken back to `back_to`, the status the lead had before that reply.
    /// Only the statuses a reply sets are left this way (`replied`, `not_interested`,
    /// `unsubscribed`), and never to a status that forbids contact. Leaving `unsubscribed`
    /// needs `opt_out_confirmed`: a person's explicit statement that the text did not ask to be
    /// removed (Spam Act 2003 s.18: a real request must be honoured, so moving the reply to
    /// another class alone never lifts it).
    ReplyCorrected { back_to: LeadStatus, opt_out_confirmed: bool },
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Enriched => "enriched",
            Signal::Scored { .. } => "scored",
            Signal::Drafted => "drafted",
            Signal::DraftRejected => "draft_rejected",
            Signal::Approved => "approved",
            Signal::Enrolled => "enrolled",
            Signal::Sent => "sent",
            Signal::Opened => "opened",
            Signal::Clicked => "clicked",
            Signal::Replied => "replied",
            Signal::LinkedinConnected => "linkedin_connected",
            Signal::Bounced => "bounced",
            Signal::Unsubscribed => "unsubscribed",
            Signal::Complained => "complained",
            Signal::Suppressed => "suppressed",
            Signal::Converted => "converted",
            Signal::NotInterested => "not_interested",
            Signal::CadenceFinished => "cadence_finished",
            Signal::Decayed(Decay::Ghosted) => "ghosted",
            Signal::Decayed(Decay::Stalled) => "stalled",
            Signal::Decayed(Decay::Hesitant) => "hesitant",
            Signal::RevivalFlagged => "revival_flagged",
            Signal::RePermission => "re_permission",
            Signal::ReplyCorrected { .. } => "reply_corrected",
        }
    }
}

/// Why a signal may not move a lead from its current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// The lead is in a terminal status that this signal may not leave.
    TerminalIsSticky,
    /// The signal makes no sense at this point of the lifecycle (e.g. approving a lead that
    /// has no queued draft, flagging a ghost that was never contacted).
    NotApplicable,
    /// Re-permission was asked for a lead that had not opted out or bounced.
    NothingToRestore,
}

/// A signal that was not allowed to change the lead's status. The engine still records the
/// signal as an activity; it just leaves the status alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{signal:?} cannot move a lead that is {from}: {reason:?}")]
pub struct RefusedTransition {
    pub from: LeadStatus,
    pub signal: Signal,
    pub reason: RefusalReason,
}

/// Thresholds of the status machine, stored as configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StatusRules {
    /// A score strictly below this makes a lead `dead` (SPEC §4: ALS < 20).
    pub dead_below_als: u8,
}

impl Default for StatusRules {
    fn default() -> Self {
        Self { dead_below_als: 20 }
    }
}

/// [`transition_with`] under the default [`StatusRules`].
pub fn transition(current: LeadStatus, signal: Signal) -> Result<LeadStatus, RefusedTransition> {
    transition_with(&StatusRules::default(), current, signal)
}

/// The status a lead moves to when `signal` arrives while it is `current`.
///
/// `Ok(current)` means the signal is accepted but changes nothing (a second open on an opened
/// lead, a follow-up sent to a lead that already clicked). `Err` means the signal is not allowed
/// to move the lead at all.
///
/// The shape of the rules:
/// - engagement only ratchets upward (contacted < opened < clicked/connected < replied); a late
///   open never demotes a reply;
/// - terminal statuses are sticky. The exits are deliberate and few: re-permission out of
///   `unsubscribed` / `bounced` / `suppressed` / `not_interested`; revival out of `exhausted`;
///   a late human answer or booking out of `exhausted` (the premise "no reply" is then false);
///   a rescore at or above the threshold out of `dead` (dead is a score verdict, not the
///   person's choice); and an opt-out (unsubscribe, complaint, suppression) out of any terminal
///   status that does not already forbid contact, because an opt-out must always be on record.
pub fn transition_with(
    rules: &StatusRules,
    current: LeadStatus,
    signal: Signal,
) -> Result<LeadStatus, RefusedTransition> {
    use LeadStatus as S;
    let refuse = |reason| {
        Err(RefusedTransition {
            from: current,
            signal,
            reason,
        })
    };
    let not_applicable = || refuse(RefusalReason::NotApplicable);

    if current.is_terminal() {
        return terminal_exit(rules, current, signal).ok_or(RefusedTransition {
            from: current,
            signal,
            reason: if signal == Signal::RePermission {
                RefusalReason::NothingToRestore
            } else {
                RefusalReason::TerminalIsSticky
            },
        });
    }

    match signal {
        // Opt-outs and hard endings win from every live status.
        Signal::Unsubscribed | Signal::Complained => Ok(S::Unsubscribed),
        Signal::Suppressed => Ok(S::Suppressed),
        Signal::Bounced => Ok(S::Bounced),
        Signal::NotInterested => Ok(S::NotInterested),
        Signal::Converted => Ok(S::Converted),
        Signal::RePermission => refuse(RefusalReason::NothingToRestore),
        Signal::ReplyCorrected { back_to, .. } => match current {
            S::Replied if corrected_target_ok(back_to) => Ok(back_to),
            _ => not_applicable(),
        },

        Signal::Enriched => Ok(if current == S::New {
            S::Enriched
        } else {
            current
        }),
        Signal::Scored { als } => match current {
            S::New | S::Enriched | S::Scored => Ok(if als < rules.dead_below_als {
                S::Dead
            } else {
                S::Scored
            }),
            // A rescore after outreach began refines priority but does not pull the lead out
            // of its sequence.
            _ => Ok(current),
        },
        Signal::Drafted => match current {
            S::Enriched | S::Scored | S::Queued => Ok(S::Queued),
            S::RevivalCandidate | S::RevivalQueued => Ok(S::RevivalQueued),
            _ if engagement_rank(current).is_some() || current.stage() == Stage::AtRisk => {
                Ok(current)
            }
            _ => not_applicable(),
        },
        Signal::DraftRejected => match current {
            S::Queued => Ok(S::Scored),
            S::RevivalQueued => Ok(S::RevivalCandidate),
            _ => Ok(current),
        },
        Signal::Approved => match current {
            S::Queued | S::Approved => Ok(S::Approved),
            S::RevivalQueued => Ok(S::RevivalQueued),
            _ if engagement_rank(current).is_some() || current.stage() == Stage::AtRisk => {
                Ok(current)
            }
            _ => not_applicable(),
        },
        Signal::Enrolled => match current {
            S::Approved | S::InSequence => Ok(S::InSequence),
            S::RevivalQueued => Ok(S::RevivalQueued),
            _ if engagement_rank(current).is_some() || current.stage() == Stage::AtRisk => {
                Ok(current)
            }
            _ => not_applicable(),
        },
        Signal::Sent => match current {
            // The provider saying a touch went out is a fact; it outranks our pipeline
            // bookkeeping, so any pre-contact status becomes contacted.
            S::New | S::Enriched | S::Scored | S::Queued | S::Approved | S::InSequence => {
                Ok(S::Contacted)
            }
            S::RevivalCandidate | S::RevivalQueued | S::RevivalSent => Ok(S::RevivalSent),
            _ => Ok(current),
        },
        Signal::Opened | Signal::Clicked | Signal::Replied | Signal::LinkedinConnected => {
            let target = match signal {
                Signal::Opened => S::Opened,
                Signal::Clicked => S::Clicked,
                Signal::Replied => S::Replied,
                _ => S::LinkedinConnected,
            };
            Ok(ratchet(current, target))
        }
        Signal::CadenceFinished => match current {
            // A reply ends the cadence by itself; finishing it afterwards changes nothing.
            S::Replied => Ok(S::Replied),
            S::InSequence
            | S::Contacted
            | S::Opened
            | S::Clicked
            | S::LinkedinConnected
            | S::Ghosted
            | S::Stalled
            | S::Hesitant
            | S::RevivalSent => Ok(S::Exhausted),
            _ => not_applicable(),
        },
        Signal::Decayed(decay) => {
            let target = decay.status();
            match (decay, current) {
                (Decay::Ghosted, S::Contacted | S::InSequence | S::RevivalSent | S::Ghosted) => {
                    Ok(target)
                }
                (Decay::Stalled, S::Opened | S::Clicked | S::LinkedinConnected | S::Stalled) => {
                    Ok(target)
                }
                (
                    Decay::Hesitant,
                    S::Opened | S::Clicked | S::LinkedinConnected | S::Stalled | S::Hesitant,
                ) => Ok(target),
                _ => not_applicable(),
            }
        }
        Signal::RevivalFlagged => {
            if is_revivable_status(current) || current == S::RevivalCandidate {
                Ok(S::RevivalCandidate)
            } else {
                not_applicable()
            }
        }
    }
}

/// The only ways out of a terminal status; `None` means the signal is refused.
fn terminal_exit(rules: &StatusRules, current: LeadStatus, signal: Signal) -> Option<LeadStatus> {
    use LeadStatus as S;
    // Repeating the signal that put the lead here is harmless (webhooks are redelivered).
    if signal_target(signal) == Some(current) {
        return Some(current);
    }
    let opted_out = matches!(current, S::Unsubscribed | S::Bounced | S::Suppressed);
    match signal {
        Signal::RePermission
            if matches!(
                current,
                S::Unsubscribed | S::Bounced | S::Suppressed | S::NotInterested
            ) =>
        {
            Some(S::New)
        }
        Signal::ReplyCorrected { back_to, opt_out_confirmed }
            if corrected_target_ok(back_to)
                && (current == S::NotInterested || (current == S::Unsubscribed && opt_out_confirmed)) =>
        {
            Some(back_to)
        }
        Signal::Unsubscribed | Signal::Complained if !opted_out => Some(S::Unsubscribed),
        Signal::Suppressed if !opted_out => Some(S::Suppressed),
        Signal::RevivalFlagged if current == S::Exhausted => Some(S::RevivalCandidate),
        Signal::Replied if current == S::Exhausted => Some(S::Replied),
        Signal::Converted if current == S::Exhausted => Some(S::Converted),
        Signal::NotInterested if current == S::Exhausted => Some(S::NotInterested),
        Signal::Bounced if current == S::Exhausted => Some(S::Bounced),
        Signal::Scored { als } if current == S::Dead => Some(if als < rules.dead_below_als {
            S::Dead
        } else {
            S::Scored
        }),
        _ => None,
    }
}

/// Where a corrected reply may take a lead back to: the live statuses a reply can have found it
/// in (or `exhausted`: a late reply reopens that), never one that forbids contact or one that
/// only a reply or a booking gives.
fn corrected_target_ok(back_to: LeadStatus) -> bool {
    use LeadStatus as S;
    !back_to.is_terminal_negative() && !matches!(back_to, S::Replied | S::Converted)
}

/// The terminal status a signal drives to, if it drives to one.
fn signal_target(signal: Signal) -> Option<LeadStatus> {
    use LeadStatus as S;
    match signal {
        Signal::Unsubscribed | Signal::Complained => Some(S::Unsubscribed),
        Signal::Suppressed => Some(S::Suppressed),
        Signal::Bounced => Some(S::Bounced),
        Signal::NotInterested => Some(S::NotInterested),
        Signal::Converted => Some(S::Converted),
        Signal::CadenceFinished => Some(S::Exhausted),
        _ => None,
    }
}

fn engagement_rank(status: LeadStatus) -> Option<u8> {
    use LeadStatus as S;
    match status {
        S::Contacted => Some(0),
        S::Opened => Some(1),
        S::Clicked | S::LinkedinConnected => Some(2),
        S::Replied => Some(3),
        _ => None,
    }
}

/// Moves to `target` unless the lead already shows equal or stronger engagement.
fn ratchet(current: LeadStatus, target: LeadStatus) -> LeadStatus {
    use LeadStatus as S;
    let target_rank = engagement_rank(target).unwrap_or(0);
    match engagement_rank(current) {
        Some(rank) if rank > target_rank => current,
        // Clicked and connected share a rank: keep what we had rather than flip-flop.
        Some(rank) if rank == target_rank && current != target => current,
        Some(_) => target,
        None => match current {
            // Another open is what makes a lead hesitant; it does not cure it.
            S::Hesitant if target == S::Opened => S::Hesitant,
            _ => target,
        },
    }
}

/// The three ways engagement decays (SPEC §3, "At risk").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// First touch sent at least 72 h ago and never opened.
    Ghosted,
    /// Last opened at least 7 days ago, never replied.
    Stalled,
    /// Opened at least twice, never replied.
    Hesitant,
}

impl Decay {
    pub fn status(self) -> LeadStatus {
        match self {
            Decay::Ghosted => LeadStatus::Ghosted,
            Decay::Stalled => LeadStatus::Stalled,
            Decay::Hesitant => LeadStatus::Hesitant,
        }
    }
}

/// Thresholds of decay detection, stored as configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecayRules {
    pub ghosted_after_hours: i64,
    pub stalled_after_days: i64,
    pub hesitant_min_opens: u32,
}

impl Default for DecayRules {
    fn default() -> Self {
        Self {
            ghosted_after_hours: 72,
            stalled_after_days: 7,
            hesitant_min_opens: 2,
        }
    }
}

/// What the timeline knows about a lead's engagement; the engine aggregates it from activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EngagementFacts {
    pub first_touch_sent_at: Option<DateTime<Utc>>,
    pub last_opened_at: Option<DateTime<Utc>>,
    pub open_count: u32,
    pub reply_count: u32,
}

/// Whether a lead in `status` has decayed by `now`, and how.
///
/// Only leads waiting on the prospect can decay: once they replied the next move is ours, and
/// terminal or pipeline leads have nothing to decay from. When both apply, `hesitant` wins over
/// `stalled` because repeated opens say more about the person than the calendar does. A lead
/// already in the decay status it would get yields `None`, so the daily job is idempotent.
pub fn detect_decay(
    rules: &DecayRules,
    status: LeadStatus,
    facts: &EngagementFacts,
    now: DateTime<Utc>,
) -> Option<Decay> {
    use LeadStatus as S;
    if facts.reply_count > 0 {
        return None;
    }
    let found = match status {
        S::InSequence | S::Contacted | S::RevivalSent => {
            let sent = facts.first_touch_sent_at?;
            let never_opened = facts.open_count == 0 && facts.last_opened_at.is_none();
            (never_opened && now - sent >= Duration::hours(rules.ghosted_after_hours))
                .then_some(Decay::Ghosted)
        }
        S::Opened | S::Clicked | S::LinkedinConnected | S::Stalled => {
            if facts.open_count >= rules.hesitant_min_opens {
                Some(Decay::Hesitant)
            } else {
                let opened = facts.last_opened_at?;
                (now - opened >= Duration::days(rules.stalled_after_days)).then_some(Decay::Stalled)
            }
        }
        _ => None,
    }?;
    (found.status() != status).then_some(found)
}

/// The window of staleness in which a lead may be revived, stored as configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevivalRules {
    pub min_days_since_touch: i64,
    pub max_days_since_touch: i64,
}

impl Default for RevivalRules {
    fn default() -> Self {
        Self {
            min_days_since_touch: 30,
            max_days_since_touch: 120,
        }
    }
}

/// Statuses a revival may start from: the lead was touched at some point, did not end
/// negatively, did not convert, and is not already in a revival.
fn is_revivable_status(status: LeadStatus) -> bool {
    use LeadStatus as S;
    matches!(
        status,
        S::InSequence
            | S::Contacted
            | S::Opened
            | S::Clicked
            | S::Replied
            | S::LinkedinConnected
            | S::Ghosted
            | S::Stalled
            | S::Hesitant
            | S::Exhausted
    )
}

/// Whether a lead last touched at `last_touched_at` may be picked by the revival scan at `now`:
/// inside the 30–120 day window (inclusive) and in a revivable status. Leads touched more
/// recently are still in play; older ones are too cold for "new copy" to be honest.
pub fn is_revival_candidate(
    rules: &RevivalRules,
    status: LeadStatus,
    last_touched_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let Some(touched) = last_touched_at else {
        return false;
    };
    let age = now - touched;
    is_revivable_status(status)
        && age >= Duration::days(rules.min_days_since_touch)
        && age <= Duration::days(rules.max_days_since_touch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use LeadStatus as S;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn every_status_round_trips_through_its_name_and_serde() {
        for s in LeadStatus::ALL {
            assert_eq!(s.as_str().parse::<LeadStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!("ghost".parse::<LeadStatus>().is_err());
        assert_eq!(
            " In_Sequence ".parse::<LeadStatus>().unwrap(),
            S::InSequence
        );
    }

    #[test]
    fn statuses_fall_into_the_funnel_stages_of_the_spec() {
        assert_eq!(S::Queued.stage(), Stage::Pipeline);
        assert_eq!(S::InSequence.stage(), Stage::Outreach);
        assert_eq!(S::LinkedinConnected.stage(), Stage::Engaged);
        assert_eq!(S::Hesitant.stage(), Stage::AtRisk);
        assert_eq!(S::Exhausted.stage(), Stage::Terminal);
        assert_eq!(S::Dead.stage(), Stage::Terminal);
        assert_eq!(S::RevivalSent.stage(), Stage::Revival);
    }

    #[test]
    fn pipeline_signals_walk_a_lead_to_contacted() {
        let mut s = S::New;
        for sig in [
            Signal::Enriched,
            Signal::Scored { als: 70 },
            Signal::Drafted,
            Signal::Approved,
            Signal::Enrolled,
            Signal::Sent,
        ] {
            s = transition(s, sig).unwrap();
        }
        assert_eq!(s, S::Contacted);
    }

    #[test]
    fn a_score_below_twenty_makes_the_lead_dead_and_a_later_rescore_revives_it() {
        assert_eq!(
            transition(S::Enriched, Signal::Scored { als: 19 }),
            Ok(S::Dead)
        );
        assert_eq!(
            transition(S::Enriched, Signal::Scored { als: 20 }),
            Ok(S::Scored)
        );
        assert_eq!(
            transition(S::Dead, Signal::Scored { als: 45 }),
            Ok(S::Scored)
        );
        assert!(transition(S::Dead, Signal::Opened).is_err());
    }

    #[test]
    fn engagement_only_moves_upward() {
        assert_eq!(transition(S::Contacted, Signal::Opened), Ok(S::Opened));
        assert_eq!(transition(S::Opened, Signal::Clicked), Ok(S::Clicked));
        assert_eq!(transition(S::Clicked, Signal::Opened), Ok(S::Clicked));
        assert_eq!(transition(S::Replied, Signal::Opened), Ok(S::Replied));
        assert_eq!(transition(S::Opened, Signal::Replied), Ok(S::Replied));
        assert_eq!(
            transition(S::Contacted, Signal::LinkedinConnected),
            Ok(S::LinkedinConnected)
        );
        assert_eq!(transition(S::Replied, Signal::Sent), Ok(S::Replied));
    }

    #[test]
    fn engagement_rescues_an_at_risk_lead_except_an_open_on_a_hesitant_one() {
        assert_eq!(transition(S::Ghosted, Signal::Opened), Ok(S::Opened));
        assert_eq!(transition(S::Stalled, Signal::Replied), Ok(S::Replied));
        assert_eq!(transition(S::Hesitant, Signal::Opened), Ok(S::Hesitant));
        assert_eq!(transition(S::Hesitant, Signal::Clicked), Ok(S::Clicked));
    }

    #[test]
    fn exits_of_the_spec_end_the_lifecycle() {
        assert_eq!(
            transition(S::Opened, Signal::Unsubscribed),
            Ok(S::Unsubscribed)
        );
        assert_eq!(transition(S::Contacted, Signal::Bounced), Ok(S::Bounced));
        assert_eq!(transition(S::Replied, Signal::Converted), Ok(S::Converted));
        assert_eq!(
            transition(S::Replied, Signal::NotInterested),
            Ok(S::NotInterested)
        );
        assert_eq!(
            transition(S::Contacted, Signal::CadenceFinished),
            Ok(S::Exhausted)
        );
        assert_eq!(
            transition(S::Opened, Signal::Complained),
            Ok(S::Unsubscribed)
        );
        assert_eq!(transition(S::Scored, Signal::Suppressed), Ok(S::Suppressed));
    }

    #[test]
    fn nothing_but_re_permission_leaves_unsubscribed_or_bounced() {
        for from in [S::Unsubscribed, S::Bounced, S::Suppressed] {
            for sig in [
                Signal::Opened,
                Signal::Replied,
                Signal::Sent,
                Signal::Converted,
                Signal::RevivalFlagged,
                Signal::Scored { als: 90 },
                Signal::Enriched,
            ] {
                let refused = transition(from, sig).unwrap_err();
                assert_eq!(
                    refused.reason,
                    RefusalReason::TerminalIsSticky,
                    "{from} {sig:?}"
                );
            }
            assert_eq!(transition(from, Signal::RePermission), Ok(S::New));
        }
    }

    #[test]
    fn a_corrected_reply_takes_back_only_what_a_reply_set_and_an_opt_out_only_when_confirmed() {
        let back = |back_to, confirmed| Signal::ReplyCorrected { back_to, opt_out_confirmed: confirmed };
        assert_eq!(transition(S::Replied, back(S::Contacted, false)), Ok(S::Contacted));
        assert_eq!(transition(S::NotInterested, back(S::Opened, false)), Ok(S::Opened));
        assert_eq!(transition(S::Exhausted, back(S::Contacted, false)).unwrap_err().reason, RefusalReason::TerminalIsSticky);
        // An unsubscribe stays unless a person confirmed the text did not ask to be removed.
        assert_eq!(transition(S::Unsubscribed, back(S::Contacted, false)).unwrap_err().reason, RefusalReason::TerminalIsSticky);
        assert_eq!(transition(S::Unsubscribed, back(S::Contacted, true)), Ok(S::Contacted));
        // Never into a status that forbids contact, and never out of one a reply did not set.
        for to in [S::Unsubscribed, S::Bounced, S::NotInterested, S::Dead, S::Converted, S::Replied] {
            assert!(transition(S::Replied, back(to, true)).is_err(), "{to}");
        }
        for from in [S::Bounced, S::Suppressed, S::Converted, S::Contacted, S::Opened] {
            assert!(transition(from, back(S::Contacted, true)).is_err(), "{from}");
        }
    }

    #[test]
    fn re_permission_is_refused_for_a_lead_that_never_opted_out() {
        let refused = transition(S::Opened, Signal::RePermission).unwrap_err();
        assert_eq!(refused.reason, RefusalReason::NothingToRestore);
        let refused = transition(S::Converted, Signal::RePermission).unwrap_err();
        assert_eq!(refused.reason, RefusalReason::NothingToRestore);
    }

    #[test]
    fn an_opt_out_is_recorded_even_after_conversion_or_refusal() {
        assert_eq!(
            transition(S::Converted, Signal::Unsubscribed),
            Ok(S::Unsubscribed)
        );
        assert_eq!(
            transition(S::NotInterested, Signal::Complained),
            Ok(S::Unsubscribed)
        );
        assert_eq!(
            transition(S::Exhausted, Signal::Suppressed),
            Ok(S::Suppressed)
        );
    }

    #[test]
    fn converted_is_sticky_for_engagement_and_bounces() {
        assert!(transition(S::Converted, Signal::Opened).is_err());
        assert!(transition(S::Converted, Signal::Bounced).is_err());
        assert!(transition(S::Converted, Signal::NotInterested).is_err());
    }

    #[test]
    fn a_redelivered_terminal_signal_is_accepted_without_change() {
        assert_eq!(
            transition(S::Unsubscribed, Signal::Unsubscribed),
            Ok(S::Unsubscribed)
        );
        assert_eq!(transition(S::Bounced, Signal::Bounced), Ok(S::Bounced));
        assert_eq!(
            transition(S::Exhausted, Signal::CadenceFinished),
            Ok(S::Exhausted)
        );
    }

    #[test]
    fn a_late_reply_after_the_cadence_finished_counts() {
        assert_eq!(transition(S::Exhausted, Signal::Replied), Ok(S::Replied));
        assert_eq!(
            transition(S::Exhausted, Signal::Converted),
            Ok(S::Converted)
        );
        assert!(transition(S::Exhausted, Signal::Opened).is_err());
    }

    #[test]
    fn revival_runs_candidate_then_queued_then_sent() {
        let s = transition(S::Exhausted, Signal::RevivalFlagged).unwrap();
        assert_eq!(s, S::RevivalCandidate);
        let s = transition(s, Signal::Drafted).unwrap();
        assert_eq!(s, S::RevivalQueued);
        let s = transition(s, Signal::Sent).unwrap();
        assert_eq!(s, S::RevivalSent);
        assert_eq!(transition(s, Signal::Replied), Ok(S::Replied));
        assert!(transition(S::NotInterested, Signal::RevivalFlagged).is_err());
        assert!(transition(S::Scored, Signal::RevivalFlagged).is_err());
    }

    #[test]
    fn decay_signals_apply_only_where_they_make_sense() {
        assert_eq!(
            transition(S::Contacted, Signal::Decayed(Decay::Ghosted)),
            Ok(S::Ghosted)
        );
        assert_eq!(
            transition(S::Opened, Signal::Decayed(Decay::Stalled)),
            Ok(S::Stalled)
        );
        assert_eq!(
            transition(S::Stalled, Signal::Decayed(Decay::Hesitant)),
            Ok(S::Hesitant)
        );
        assert!(transition(S::Replied, Signal::Decayed(Decay::Stalled)).is_err());
        assert!(transition(S::Opened, Signal::Decayed(Decay::Ghosted)).is_err());
    }

    #[test]
    fn approving_a_lead_without_a_draft_is_refused() {
        let refused = transition(S::Scored, Signal::Approved).unwrap_err();
        assert_eq!(refused.reason, RefusalReason::NotApplicable);
        assert_eq!(transition(S::Queued, Signal::DraftRejected), Ok(S::Scored));
    }

    fn facts(
        sent: Option<DateTime<Utc>>,
        opened: Option<DateTime<Utc>>,
        opens: u32,
    ) -> EngagementFacts {
        EngagementFacts {
            first_touch_sent_at: sent,
            last_opened_at: opened,
            open_count: opens,
            reply_count: 0,
        }
    }

    #[test]
    fn a_first_touch_unopened_for_72_hours_is_ghosted() {
        let r = DecayRules::default();
        let f = facts(Some(at(1, 9)), None, 0);
        assert_eq!(detect_decay(&r, S::Contacted, &f, at(4, 8)), None);
        assert_eq!(
            detect_decay(&r, S::Contacted, &f, at(4, 9)),
            Some(Decay::Ghosted)
        );
        assert_eq!(detect_decay(&r, S::Ghosted, &f, at(9, 9)), None);
    }

    #[test]
    fn an_open_seven_days_old_without_reply_is_stalled() {
        let r = DecayRules::default();
        let f = facts(Some(at(1, 9)), Some(at(2, 9)), 1);
        assert_eq!(detect_decay(&r, S::Opened, &f, at(9, 8)), None);
        assert_eq!(
            detect_decay(&r, S::Opened, &f, at(9, 9)),
            Some(Decay::Stalled)
        );
    }

    #[test]
    fn two_opens_without_reply_is_hesitant_even_before_a_stall() {
        let r = DecayRules::default();
        let f = facts(Some(at(1, 9)), Some(at(2, 9)), 2);
        assert_eq!(
            detect_decay(&r, S::Opened, &f, at(2, 10)),
            Some(Decay::Hesitant)
        );
        assert_eq!(
            detect_decay(&r, S::Stalled, &f, at(20, 10)),
            Some(Decay::Hesitant)
        );
    }

    #[test]
    fn a_reply_or_a_terminal_status_stops_decay() {
        let r = DecayRules::default();
        let mut f = facts(Some(at(1, 9)), Some(at(2, 9)), 3);
        assert_eq!(detect_decay(&r, S::Exhausted, &f, at(20, 9)), None);
        f.reply_count = 1;
        assert_eq!(detect_decay(&r, S::Opened, &f, at(20, 9)), None);
    }

    #[test]
    fn revival_needs_a_touch_thirty_to_one_hundred_twenty_days_old() {
        let r = RevivalRules::default();
        let now = at(31, 12);
        let days_ago = |d: i64| Some(now - Duration::days(d));
        assert!(!is_revival_candidate(&r, S::Exhausted, days_ago(29), now));
        assert!(is_revival_candidate(&r, S::Exhausted, days_ago(30), now));
        assert!(is_revival_candidate(&r, S::Ghosted, days_ago(120), now));
        assert!(!is_revival_candidate(&r, S::Ghosted, days_ago(121), now));
        assert!(!is_revival_candidate(&r, S::Ghosted, None, now));
    }

    #[test]
    fn terminal_negative_and_converted_leads_are_never_revived() {
        let r = RevivalRules::default();
        let now = at(31, 12);
        let touched = Some(now - Duration::days(60));
        for s in [
            S::NotInterested,
            S::Unsubscribed,
            S::Bounced,
            S::Suppressed,
            S::Dead,
            S::Converted,
        ] {
            assert!(!is_revival_candidate(&r, s, touched, now), "{s}");
        }
    }
}
