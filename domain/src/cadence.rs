//! Cadences: the sequence of touches a lead receives and when the next one is due (SPEC §7).
//!
//! This module owns the default 8-step sequence, campaign-edited sequences and their
//! validation, step conditions, exits, out-of-office pauses and email threading. It answers
//! "what next for this lead?" from the lead's progress and its signals at a given instant; it
//! does not choose a sending resource or a window (see `allocate` and `window`) and it never
//! schedules anything once an exit signal exists.

use crate::score::Channel;
use chrono::{DateTime, Days, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// What a step does; the drafter picks the template by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepAction {
    PersonalisedIntro,
    ConnectionRequest,
    ValueCaseStudy,
    DirectMessage,
    SocialProof,
    FollowUpMessage,
    BreakUp,
    GracefulClose,
    PhoneCall,
    Sms,
    DirectMail,
    Custom,
}

/// When a due step is actually sent; a step whose condition fails is skipped, not delayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepCondition {
    Always,
    HasLinkedinUrl,
    NotReplied,
    LinkedinConnected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CadenceStep {
    /// Day of the sequence, 1 = the enrolment day.
    pub day: u16,
    pub channel: Channel,
    pub action: StepAction,
    pub condition: StepCondition,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum CadenceError {
    #[error("a cadence needs at least one step")]
    Empty,
    #[error("a cadence has at most {max} steps")]
    TooManySteps { max: usize },
    #[error("step {step}: days start at 1")]
    DayZero { step: usize },
    #[error("step {step}: a cadence lasts at most {max} days")]
    DayTooLate { step: usize, max: u16 },
    #[error("step {step}: days must not go backwards")]
    DaysNotAscending { step: usize },
    #[error("step {step}: the same channel twice on one day")]
    SameChannelSameDay { step: usize },
}

/// A checked sequence of steps: at least one, at most `MAX_STEPS`, days 1..=`MAX_DAY` and
/// never going backwards, one touch per channel per day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<CadenceStep>", into = "Vec<CadenceStep>")]
pub struct Cadence {
    steps: Vec<CadenceStep>,
}

impl Cadence {
    pub const MAX_STEPS: usize = 32;
    pub const MAX_DAY: u16 = 365;

    pub fn new(steps: Vec<CadenceStep>) -> Result<Cadence, CadenceError> {
        if steps.is_empty() {
            return Err(CadenceError::Empty);
        }
        if steps.len() > Self::MAX_STEPS {
            return Err(CadenceError::TooManySteps {
                max: Self::MAX_STEPS,
            });
        }
        for (i, s) in steps.iter().enumerate() {
            let step = i + 1;
            if s.day == 0 {
                return Err(CadenceError::DayZero { step });
            }
            if s.day > Self::MAX_DAY {
                return Err(CadenceError::DayTooLate {
                    step,
                    max: Self::MAX_DAY,
                });
            }
            if let Some(prev) = i.checked_sub(1).map(|j| steps[j]) {
                if s.day < prev.day {
                    return Err(CadenceError::DaysNotAscending { step });
                }
            }
            if steps[..i]
                .iter()
                .any(|p| p.day == s.day && p.channel == s.channel)
            {
                return Err(CadenceError::SameChannelSameDay { step });
            }
        }
        Ok(Cadence { steps })
    }

    /// The default sequence of SPEC §7 (email + LinkedIn over 21 days).
    pub fn default_sequence() -> Cadence {
        use Channel::{Email, LinkedIn};
        use StepAction::*;
        use StepCondition::*;
        let s = |day, channel, action, condition| CadenceStep {
            day,
            channel,
            action,
            condition,
        };
        Cadence {
            steps: vec![
                s(1, Email, PersonalisedIntro, Always),
                s(2, LinkedIn, ConnectionRequest, HasLinkedinUrl),
                s(5, Email, ValueCaseStudy, NotReplied),
                s(7, LinkedIn, DirectMessage, LinkedinConnected),
                s(10, Email, SocialProof, NotReplied),
                s(14, LinkedIn, FollowUpMessage, LinkedinConnected),
                s(17, Email, BreakUp, NotReplied),
                s(21, Email, GracefulClose, NotReplied),
            ],
        }
    }

    /// The default sequence plus a day-3 call for hot leads (seed 001's template).
    pub fn hot_sequence() -> Cadence {
        let mut steps = Self::default_sequence().steps;
        let call = CadenceStep {
            day: 3,
            channel: Channel::Voice,
            action: StepAction::PhoneCall,
            condition: StepCondition::NotReplied,
        };
        steps.insert(2, call);
        Cadence { steps }
    }

    pub fn steps(&self) -> &[CadenceStep] {
        &self.steps
    }
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence::default_sequence()
    }
}

impl TryFrom<Vec<CadenceStep>> for Cadence {
    type Error = CadenceError;
    fn try_from(v: Vec<CadenceStep>) -> Result<Self, Self::Error> {
        Cadence::new(v)
    }
}

impl From<Cadence> for Vec<CadenceStep> {
    fn from(c: Cadence) -> Self {
        c.steps
    }
}

/// A set of step indices (0-based), as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepSet(u32);

impl StepSet {
    pub const EMPTY: StepSet = StepSet(0);

    pub fn contains(self, i: usize) -> bool {
        i < 32 && self.0 & (1 << i) != 0
    }

    pub fn with(self, i: usize) -> StepSet {
        if i < 32 {
            StepSet(self.0 | 1 << i)
        } else {
            self
        }
    }

    pub fn union(self, o: StepSet) -> StepSet {
        StepSet(self.0 | o.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..32).filter(move |i| self.contains(*i))
    }
}

/// Where a lead is in its cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadProgress {
    /// Day 1 of the cadence starts here.
    pub enrolled_at: DateTime<Utc>,
    pub sent: StepSet,
    pub skipped: StepSet,
    pub has_linkedin_url: bool,
    pub linkedin_connected: bool,
}

/// A signal that matters to the cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CadenceEvent {
    Replied {
        at: DateTime<Utc>,
    },
    Unsubscribed {
        at: DateTime<Utc>,
    },
    Bounced {
        at: DateTime<Utc>,
    },
    Converted {
        at: DateTime<Utc>,
    },
    NotInterested {
        at: DateTime<Utc>,
    },
    /// An out-of-office reply; `returns_at` when it names a return date.
    OutOfOffice {
        at: DateTime<Utc>,
        returns_at: Option<DateTime<Utc>>,
    },
    LinkedinConnected {
        at: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    Replied,
    Unsubscribed,
    Bounced,
    Converted,
    NotInterested,
}

impl CadenceEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match *self {
            CadenceEvent::Replied { at }
            | CadenceEvent::Unsubscribed { at }
            | CadenceEvent::Bounced { at }
            | CadenceEvent::Converted { at }
            | CadenceEvent::NotInterested { at }
            | CadenceEvent::OutOfOffice { at, .. }
            | CadenceEvent::LinkedinConnected { at } => at,
        }
    }

    pub fn exit_reason(&self) -> Option<ExitReason> {
        Some(match self {
            CadenceEvent::Replied { .. } => ExitReason::Replied,
            CadenceEvent::Unsubscribed { .. } => ExitReason::Unsubscribed,
            CadenceEvent::Bounced { .. } => ExitReason::Bounced,
            CadenceEvent::Converted { .. } => ExitReason::Converted,
            CadenceEvent::NotInterested { .. } => ExitReason::NotInterested,
            _ => return None,
        })
    }
}

/// How long an out-of-office reply pauses the cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRules {
    /// When the reply names no return date.
    pub default_days: u32,
    /// A stated return date further out than this is capped: a typo ("back in 2062") must not
    /// freeze a lead for decades.
    pub max_days: u32,
}

impl Default for PauseRules {
    fn default() -> Self {
        Self {
            default_days: 7,
            max_days: 90,
        }
    }
}

/// Which earlier email a follow-up threads under (In-Reply-To / References).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threading {
    pub parent_step: usize,
}

/// What to do next for a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Step `step` is due since `due_at`; place it in the next sending slot. `skipped` are
    /// earlier steps whose condition failed when due; record them as skipped.
    Send {
        step: usize,
        due_at: DateTime<Utc>,
        thread: Option<Threading>,
        skipped: StepSet,
    },
    /// Nothing is due before `until`, when step `step` is.
    Wait {
        step: usize,
        until: DateTime<Utc>,
        skipped: StepSet,
    },
    /// Out of office until `until`.
    Paused { until: DateTime<Utc> },
    /// An exit signal arrived; the cadence is over for this lead.
    Exited {
        reason: ExitReason,
        at: DateTime<Utc>,
    },
    /// Every step was sent or skipped.
    Finished { skipped: StepSet },
}

/// Merged pause intervals, from out-of-office replies received by `now`.
fn pauses(
    events: &[CadenceEvent],
    rules: &PauseRules,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut v: Vec<_> = events
        .iter()
        .filter_map(|e| match *e {
            CadenceEvent::OutOfOffice { at, returns_at } if at <= now => {
                let cap = at.checked_add_days(Days::new(u64::from(rules.max_days)));
                let fallback = at.checked_add_days(Days::new(u64::from(rules.default_days)));
                let end = match returns_at {
                    Some(r) if r > at => Some(cap.map_or(r, |c| r.min(c))),
                    _ => fallback,
                }?;
                Some((at, end))
            }
            _ => None,
        })
        .collect();
    v.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// When a step falls due: its day on the cadence clock, which stops while the lead is out of
/// office so the spacing between touches survives a pause.
fn due_at(
    enrolled: DateTime<Utc>,
    day: u16,
    pauses: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Option<DateTime<Utc>> {
    let mut due = enrolled.checked_add_days(Days::new(u64::from(day.saturating_sub(1))))?;
    for &(s, e) in pauses {
        let s = s.max(enrolled);
        if s <= due && e > s {
            due = due.checked_add_signed(e - s)?;
        }
    }
    Some(due)
}

/// Decides the next step for a lead at `now`. Never returns `Send` or `Wait` when any exit
/// signal exists, whatever its timestamp: a reply we know of is a reply.
pub fn next_step(
    cadence: &Cadence,
    progress: &LeadProgress,
    events: &[CadenceEvent],
    rules: &PauseRules,
    now: DateTime<Utc>,
) -> Decision {
    if let Some((reason, at)) = events
        .iter()
        .filter_map(|e| e.exit_reason().map(|r| (r, e.at())))
        .min_by_key(|(_, at)| *at)
    {
        return Decision::Exited { reason, at };
    }
    let pauses = pauses(events, rules, now);
    if let Some(&(_, end)) = pauses.iter().find(|(s, e)| *s <= now && now < *e) {
        return Decision::Paused { until: end };
    }
    let connected = progress.linkedin_connected
        || events
            .iter()
            .any(|e| matches!(e, CadenceEvent::LinkedinConnected { at } if *at <= now));
    let replied = events
        .iter()
        .any(|e| matches!(e, CadenceEvent::Replied { .. }));

    let mut skipped = StepSet::EMPTY;
    for (i, step) in cadence.steps.iter().enumerate() {
        if progress.sent.contains(i) || progress.skipped.contains(i) {
            continue;
        }
        // A lead without a LinkedIn URL will never have one mid-cadence in a way we can act
        // on; skip such steps at once rather than wait for them.
        if step.condition == StepCondition::HasLinkedinUrl && !progress.has_linkedin_url {
            skipped = skipped.with(i);
            continue;
        }
        let Some(due) = due_at(progress.enrolled_at, step.day, &pauses) else {
            // Beyond the calendar: nothing more can ever be due.
            return Decision::Finished { skipped };
        };
        if due > now {
            return Decision::Wait {
                step: i,
                until: due,
                skipped,
            };
        }
        let holds = match step.condition {
            StepCondition::Always => true,
            StepCondition::HasLinkedinUrl => progress.has_linkedin_url,
            StepCondition::NotReplied => !replied,
            StepCondition::LinkedinConnected => connected,
        };
        if !holds {
            skipped = skipped.with(i);
            continue;
        }
        let thread = if step.channel == Channel::Email {
            cadence.steps[..i]
                .iter()
                .enumerate()
                .find(|(j, s)| s.channel == Channel::Email && progress.sent.contains(*j))
                .map(|(j, _)| Threading { parent_step: j })
        } else {
            None
        };
        return Decision::Send {
            step: i,
            due_at: due,
            thread,
            skipped,
        };
    }
    Decision::Finished { skipped }
}

/// Days are a convenient unit for the UI; this is the gap between two steps' nominal days.
pub fn days_between(a: &CadenceStep, b: &CadenceStep) -> TimeDelta {
    TimeDelta::days(i64::from(b.day) - i64::from(a.day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn enrolled() -> DateTime<Utc> {
        t("2026-03-02T09:00:00Z")
    }

    fn day(n: u64) -> DateTime<Utc> {
        enrolled() + Days::new(n - 1)
    }

    fn progress(sent: &[usize]) -> LeadProgress {
        LeadProgress {
            enrolled_at: enrolled(),
            sent: sent.iter().fold(StepSet::EMPTY, |s, i| s.with(*i)),
            skipped: StepSet::EMPTY,
            has_linkedin_url: true,
            linkedin_connected: false,
        }
    }

    fn next(p: &LeadProgress, events: &[CadenceEvent], now: DateTime<Utc>) -> Decision {
        next_step(
            &Cadence::default_sequence(),
            p,
            events,
            &PauseRules::default(),
            now,
        )
    }

    #[test]
    fn the_default_sequence_is_the_eight_steps_of_the_spec() {
        let c = Cadence::default_sequence();
        let days: Vec<u16> = c.steps().iter().map(|s| s.day).collect();
        assert_eq!(days, [1, 2, 5, 7, 10, 14, 17, 21]);
        let channels: Vec<Channel> = c.steps().iter().map(|s| s.channel).collect();
        use Channel::{Email as E, LinkedIn as L};
        assert_eq!(channels, [E, L, E, L, E, L, E, E]);
        assert_eq!(Cadence::new(c.steps().to_vec()), Ok(c));
        assert_eq!(Cadence::hot_sequence().steps()[2].channel, Channel::Voice);
    }

    #[test]
    fn the_intro_email_is_due_on_enrolment() {
        assert_eq!(
            next(&progress(&[]), &[], enrolled()),
            Decision::Send {
                step: 0,
                due_at: enrolled(),
                thread: None,
                skipped: StepSet::EMPTY
            }
        );
    }

    #[test]
    fn the_next_step_waits_for_its_day() {
        assert_eq!(
            next(&progress(&[0, 1]), &[], day(3)),
            Decision::Wait {
                step: 2,
                until: day(5),
                skipped: StepSet::EMPTY
            }
        );
    }

    #[test]
    fn follow_up_emails_thread_under_the_first_email() {
        match next(&progress(&[0, 1]), &[], day(5)) {
            Decision::Send {
                step: 2, thread, ..
            } => assert_eq!(thread, Some(Threading { parent_step: 0 })),
            other => panic!("{other:?}"),
        }
        match next(&progress(&[0, 1, 2, 3, 4, 5, 6]), &[], day(21)) {
            Decision::Send {
                step: 7, thread, ..
            } => assert_eq!(thread, Some(Threading { parent_step: 0 })),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn linkedin_steps_are_skipped_without_a_linkedin_url() {
        let p = LeadProgress {
            has_linkedin_url: false,
            ..progress(&[0])
        };
        assert_eq!(
            next(&p, &[], day(2)),
            Decision::Wait {
                step: 2,
                until: day(5),
                skipped: StepSet::EMPTY.with(1)
            }
        );
    }

    #[test]
    fn linkedin_messages_need_an_accepted_connection_when_due() {
        let p = progress(&[0, 1, 2]);
        assert_eq!(
            next(&p, &[], day(7)),
            Decision::Wait {
                step: 4,
                until: day(10),
                skipped: StepSet::EMPTY.with(3)
            }
        );
        let connected = [CadenceEvent::LinkedinConnected { at: day(4) }];
        assert!(matches!(
            next(&p, &connected, day(7)),
            Decision::Send {
                step: 3,
                thread: None,
                ..
            }
        ));
        let p = LeadProgress {
            linkedin_connected: true,
            ..p
        };
        assert!(matches!(
            next(&p, &[], day(7)),
            Decision::Send { step: 3, .. }
        ));
    }

    #[test]
    fn every_exit_signal_ends_the_cadence() {
        let p = progress(&[0]);
        for e in [
            CadenceEvent::Replied { at: day(2) },
            CadenceEvent::Unsubscribed { at: day(2) },
            CadenceEvent::Bounced { at: day(2) },
            CadenceEvent::Converted { at: day(2) },
            CadenceEvent::NotInterested { at: day(2) },
        ] {
            let d = next(&p, &[e], day(5));
            assert_eq!(
                d,
                Decision::Exited {
                    reason: e.exit_reason().unwrap(),
                    at: day(2)
                }
            );
        }
    }

    #[test]
    fn the_earliest_exit_is_reported_even_if_stamped_after_now() {
        let events = [
            CadenceEvent::Bounced { at: day(9) },
            CadenceEvent::Replied { at: day(8) },
        ];
        assert_eq!(
            next(&progress(&[0]), &events, day(2)),
            Decision::Exited {
                reason: ExitReason::Replied,
                at: day(8)
            }
        );
    }

    #[test]
    fn out_of_office_pauses_until_the_return_date_and_shifts_the_rest() {
        let p = progress(&[0, 1]);
        let ooo = [CadenceEvent::OutOfOffice {
            at: day(3),
            returns_at: Some(day(6)),
        }];
        assert_eq!(next(&p, &ooo, day(4)), Decision::Paused { until: day(6) });
        // Step 3 (day 5) moves by the 3-day pause to day 8.
        assert_eq!(
            next(&p, &ooo, day(6)),
            Decision::Wait {
                step: 2,
                until: day(8),
                skipped: StepSet::EMPTY
            }
        );
    }

    #[test]
    fn out_of_office_without_a_date_pauses_seven_days() {
        let p = progress(&[0, 1]);
        let ooo = [CadenceEvent::OutOfOffice {
            at: day(3),
            returns_at: None,
        }];
        assert_eq!(next(&p, &ooo, day(4)), Decision::Paused { until: day(10) });
        let past = [CadenceEvent::OutOfOffice {
            at: day(3),
            returns_at: Some(day(1)),
        }];
        assert_eq!(next(&p, &past, day(4)), Decision::Paused { until: day(10) });
    }

    #[test]
    fn absurd_return_dates_are_capped_at_ninety_days() {
        let ooo = [CadenceEvent::OutOfOffice {
            at: day(3),
            returns_at: Some(DateTime::<Utc>::MAX_UTC),
        }];
        assert_eq!(
            next(&progress(&[0]), &ooo, day(4)),
            Decision::Paused { until: day(93) }
        );
    }

    #[test]
    fn a_lead_with_every_step_settled_is_finished() {
        let p = progress(&[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(
            next(&p, &[], day(30)),
            Decision::Finished {
                skipped: StepSet::EMPTY
            }
        );
    }

    #[test]
    fn campaign_steps_are_validated() {
        let s = |day, channel| CadenceStep {
            day,
            channel,
            action: StepAction::Custom,
            condition: StepCondition::Always,
        };
        assert_eq!(Cadence::new(vec![]), Err(CadenceError::Empty));
        assert_eq!(
            Cadence::new(vec![s(0, Channel::Email)]),
            Err(CadenceError::DayZero { step: 1 })
        );
        assert_eq!(
            Cadence::new(vec![s(3, Channel::Email), s(2, Channel::Email)]),
            Err(CadenceError::DaysNotAscending { step: 2 })
        );
        assert_eq!(
            Cadence::new(vec![s(1, Channel::Email), s(1, Channel::Email)]),
            Err(CadenceError::SameChannelSameDay { step: 2 })
        );
        assert_eq!(
            Cadence::new(vec![s(400, Channel::Email)]),
            Err(CadenceError::DayTooLate { step: 1, max: 365 })
        );
        assert_eq!(
            Cadence::new(vec![s(1, Channel::Email); 33]),
            Err(CadenceError::TooManySteps { max: 32 })
        );
        assert!(Cadence::new(vec![
            s(1, Channel::Email),
            s(1, Channel::LinkedIn),
            s(4, Channel::Sms)
        ])
        .is_ok());
        assert!(serde_json::from_str::<Cadence>("[]").is_err());
    }

    #[test]
    fn an_edited_cadence_threads_under_its_first_sent_email() {
        let s = |day, channel| CadenceStep {
            day,
            channel,
            action: StepAction::Custom,
            condition: StepCondition::Always,
        };
        let c = Cadence::new(vec![
            s(1, Channel::LinkedIn),
            s(2, Channel::Email),
            s(4, Channel::Email),
        ])
        .unwrap();
        let rules = PauseRules::default();
        match next_step(&c, &progress(&[0]), &[], &rules, day(2)) {
            Decision::Send {
                step: 1,
                thread: None,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
        match next_step(&c, &progress(&[0, 1]), &[], &rules, day(4)) {
            Decision::Send {
                step: 2,
                thread: Some(Threading { parent_step: 1 }),
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn enrolment_at_the_end_of_time_finishes_instead_of_panicking() {
        let p = LeadProgress {
            enrolled_at: DateTime::<Utc>::MAX_UTC,
            ..progress(&[0])
        };
        assert_eq!(
            next(&p, &[], DateTime::<Utc>::MAX_UTC),
            Decision::Finished {
                skipped: StepSet::EMPTY
            }
        );
    }
}
