//! The pre-queue quality guard and per-lead rejection memory (SPEC §8).
//!
//! Owns the five GUARD rules a draft must pass before it enters the approval queue, the draft
//! fingerprint, the value type of a lead's rejection memory (what was rejected, why, with which
//! template, within a 30-day TTL evaluated against a `now` passed in) and the template rotation
//! that steers the drafter away from rejected templates. Persisting the memory is the engine's
//! job; nothing here reads a clock or a store.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The rule a finding comes from. The codes are stable: they appear in audit logs and the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GuardCode {
    /// Rejected too often recently, and nothing new to say.
    #[serde(rename = "GUARD-001")]
    RepeatedRejection,
    /// Same text as a draft that was rejected.
    #[serde(rename = "GUARD-002")]
    RejectedFingerprint,
    /// No lead-specific personalisation evidence.
    #[serde(rename = "GUARD-003")]
    NoPersonalisation,
    /// Opens with a banned cliché.
    #[serde(rename = "GUARD-004")]
    BannedOpener,
    /// Too many sentences of generic AI filler.
    #[serde(rename = "GUARD-005")]
    GenericDensity,
}

impl GuardCode {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardCode::RepeatedRejection => "GUARD-001",
            GuardCode::RejectedFingerprint => "GUARD-002",
            GuardCode::NoPersonalisation => "GUARD-003",
            GuardCode::BannedOpener => "GUARD-004",
            GuardCode::GenericDensity => "GUARD-005",
        }
    }
}

impl fmt::Display for GuardCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `enforce` blocks; `soft` only reports what it would have blocked (SPEC §8 "log only").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuardMode {
    #[default]
    Enforce,
    Soft,
}

impl GuardMode {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardMode::Enforce => "enforce",
            GuardMode::Soft => "soft",
        }
    }
}

impl std::str::FromStr for GuardMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "enforce" => Ok(GuardMode::Enforce),
            "soft" => Ok(GuardMode::Soft),
            other => Err(format!("unknown quality guard mode \"{other}\" (enforce or soft)")),
        }
    }
}

/// Guard thresholds and phrase tables, stored as configuration. Phrases are matched on the
/// normalised text (see [`normalise`]), so write them lower-case, without punctuation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardConfig {
    pub mode: GuardMode,
    /// GUARD-001 blocks when the lead was rejected *more than* this many times in the window.
    pub max_rejections: usize,
    pub rejection_ttl_days: i64,
    /// GUARD-003: how many distinct evidence items a draft needs.
    pub min_evidence: usize,
    /// GUARD-005 blocks when the share of generic sentences is strictly above this.
    pub max_generic_density: f64,
    pub banned_openers: Vec<String>,
    pub generic_phrases: Vec<String>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            mode: GuardMode::Enforce,
            max_rejections: 3,
            rejection_ttl_days: 30,
            min_evidence: 1,
            max_generic_density: 0.40,
            banned_openers: DEFAULT_BANNED_OPENERS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            generic_phrases: DEFAULT_GENERIC_PHRASES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// Openers reviewers rejected again and again. A leading "i" is optional when matching, so
/// "hope this email finds you well" also catches "I hope this email finds you well".
pub const DEFAULT_BANNED_OPENERS: &[&str] = &[
    "hope this email finds you well",
    "hope this message finds you well",
    "hope this note finds you well",
    "hope this finds you well",
    "trust this email finds you well",
    "hope you are doing well",
    "hope youre doing well",
    "hope you are well",
    "hope youre well",
    "hope all is well",
    "hope you had a great weekend",
    "my name is",
    "wanted to reach out",
    "am reaching out",
    "im reaching out",
    "am writing to",
    "im writing to",
    "just checking in",
    "just following up",
    "just wanted to follow up",
    "allow me to introduce myself",
    "let me introduce myself",
    "came across your profile",
    "came across your company",
    "quick question",
    "i know you are busy",
    "i know youre busy",
];

/// Filler that makes a message read as machine-written. One hit marks a sentence generic.
pub const DEFAULT_GENERIC_PHRASES: &[&str] = &[
    "in todays fast paced",
    "fast paced world",
    "ever evolving",
    "ever changing landscape",
    "digital landscape",
    "navigate the complexities",
    "leverage",
    "synergy",
    "synergies",
    "game changer",
    "game changing",
    "cutting edge",
    "state of the art",
    "best in class",
    "world class",
    "next level",
    "unlock the power",
    "unlock your",
    "unleash",
    "revolutionize",
    "revolutionise",
    "transformative",
    "seamless",
    "seamlessly",
    "streamline your",
    "innovative solution",
    "tailored solution",
    "holistic approach",
    "robust solution",
    "drive growth",
    "drive results",
    "take your business",
    "empower your",
    "elevate your",
    "supercharge",
    "delve",
    "in the realm of",
    "paradigm shift",
    "move the needle",
    "low hanging fruit",
    "win win",
    "value proposition",
    "touch base",
    "circle back",
    "at the end of the day",
    "dont hesitate to",
    "do not hesitate to",
    "i would love to",
    "id love to",
    "look forward to hearing from you",
    "looking forward to hearing from you",
];

/// A piece of lead-specific evidence the draft is built on (a recent post, a hire, a funding
/// round, a tech-stack fact), as produced by enrichment and its sub-extractors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: String,
    pub value: String,
}

impl Evidence {
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            value: value.into(),
        }
    }

    /// The identity used to tell new evidence from evidence already seen at a rejection.
    pub fn key(&self) -> String {
        format!("{}:{}", normalise(&self.kind), normalise(&self.value))
    }
}

/// What the guard looks at. `body` is the text the drafter wrote, without the compliance footer
/// (the footer is identical for every draft and would dilute GUARD-005).
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub body: &'a str,
    pub template_id: Option<&'a str>,
    pub evidence: &'a [Evidence],
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: GuardCode,
    pub message: String,
}

/// The guard's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Block,
    /// Soft mode: a rule fired, the draft goes through anyway and the finding is logged.
    PassWouldBlock,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub mode: GuardMode,
    pub outcome: Outcome,
    /// Every rule that fired, in rule order. Empty exactly when the outcome is `Pass`.
    pub findings: Vec<Finding>,
    /// The draft's fingerprint, so a later rejection can be remembered against it.
    pub fingerprint: String,
}

impl Verdict {
    /// Whether the draft may enter the queue.
    pub fn allows(&self) -> bool {
        self.outcome != Outcome::Block
    }

    /// Whether a rule fired, whatever the mode.
    pub fn would_block(&self) -> bool {
        !self.findings.is_empty()
    }

    /// The code of the first rule that fired.
    pub fn code(&self) -> Option<GuardCode> {
        self.findings.first().map(|f| f.code)
    }

    /// One line for logs and the UI.
    pub fn message(&self) -> String {
        if self.findings.is_empty() {
            return "passed all quality checks".to_string();
        }
        let parts: Vec<String> = self
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.code, f.message))
            .collect();
        let prefix = match self.outcome {
            Outcome::PassWouldBlock => "soft mode, would block: ",
            _ => "",
        };
        format!("{prefix}{}", parts.join("; "))
    }
}

/// The normalised form used for fingerprints and phrase matching:
/// 1. lower-case (Unicode-aware);
/// 2. typographic apostrophes and quotes are dropped like ASCII ones, so "you’re" and
///    "you're" both become "youre";
/// 3. every other character that is neither a letter nor a digit becomes a space, so
///    punctuation, dashes and emoji do not distinguish two drafts ("Hi, Sam!" = "hi sam");
/// 4. runs of white space collapse to one space; leading and trailing space is trimmed.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if matches!(
            c,
            '\'' | '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{00b4}'
        ) {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// SHA-256 (lower-case hex) of the [`normalise`]d body. Subjects are left out on purpose: they
/// rotate between A/B variants, and a rejected body under a new subject is the same draft.
pub fn fingerprint(body: &str) -> String {
    hex::encode(Sha256::digest(normalise(body).as_bytes()))
}

/// One rejection by a reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    pub at: DateTime<Utc>,
    pub reason: String,
    pub fingerprint: String,
    pub template_id: Option<String>,
    /// [`Evidence::key`]s the rejected draft had, to recognise new evidence later.
    pub evidence_keys: Vec<String>,
}

/// A lead's rejection history. Entries older than the TTL are ignored by every query and
/// dropped by [`RejectionMemory::prune`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionMemory {
    pub rejections: Vec<Rejection>,
}

/// What the drafter is told about past rejections of this lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectionContext {
    pub count: usize,
    pub reasons: Vec<String>,
    pub rejected_templates: Vec<String>,
}

impl RejectionMemory {
    pub fn record(&mut self, at: DateTime<Utc>, reason: &str, draft: &Draft<'_>) {
        self.rejections.push(Rejection {
            at,
            reason: reason.trim().to_string(),
            fingerprint: fingerprint(draft.body),
            template_id: draft.template_id.map(str::to_string),
            evidence_keys: draft.evidence.iter().map(Evidence::key).collect(),
        });
    }

    /// Rejections still inside the TTL at `now`. A rejection dated after `now` (clock skew
    /// between servers) counts as live rather than vanishing.
    pub fn live(&self, now: DateTime<Utc>, ttl_days: i64) -> impl Iterator<Item = &Rejection> {
        let cutoff = now - Duration::days(ttl_days);
        self.rejections.iter().filter(move |r| r.at > cutoff)
    }

    pub fn count(&self, now: DateTime<Utc>, ttl_days: i64) -> usize {
        self.live(now, ttl_days).count()
    }

    pub fn has_fingerprint(&self, fp: &str, now: DateTime<Utc>, ttl_days: i64) -> bool {
        self.live(now, ttl_days).any(|r| r.fingerprint == fp)
    }

    /// Whether `evidence` holds an item none of the live rejections had.
    pub fn is_new_evidence(
        &self,
        evidence: &[Evidence],
        now: DateTime<Utc>,
        ttl_days: i64,
    ) -> bool {
        evidence.iter().map(Evidence::key).any(|k| {
            !self
                .live(now, ttl_days)
                .any(|r| r.evidence_keys.contains(&k))
        })
    }

    pub fn context(&self, now: DateTime<Utc>, ttl_days: i64) -> RejectionContext {
        let mut ctx = RejectionContext::default();
        for r in self.live(now, ttl_days) {
            ctx.count += 1;
            if !r.reason.is_empty() && !ctx.reasons.contains(&r.reason) {
                ctx.reasons.push(r.reason.clone());
            }
            if let Some(t) = &r.template_id {
                if !ctx.rejected_templates.contains(t) {
                    ctx.rejected_templates.push(t.clone());
                }
            }
        }
        ctx
    }

    /// The memory without expired entries.
    pub fn prune(&self, now: DateTime<Utc>, ttl_days: i64) -> RejectionMemory {
        RejectionMemory {
            rejections: self.live(now, ttl_days).cloned().collect(),
        }
    }

    fn last_rejected(
        &self,
        template: &str,
        now: DateTime<Utc>,
        ttl_days: i64,
    ) -> Option<DateTime<Utc>> {
        self.live(now, ttl_days)
            .filter(|r| r.template_id.as_deref() == Some(template))
            .map(|r| r.at)
            .max()
    }
}

/// The template to draft with next. Rotation starts at `seed % len` (the drafter passes a
/// stable per-lead seed, so a lead does not hop between templates for no reason) and skips
/// templates rejected for this lead within the TTL. When every template was rejected, the one
/// rejected longest ago is reused, since it has had the most time for new evidence to arrive.
pub fn next_template<'a>(
    candidates: &[&'a str],
    memory: &RejectionMemory,
    now: DateTime<Utc>,
    ttl_days: i64,
    seed: u64,
) -> Option<&'a str> {
    if candidates.is_empty() {
        return None;
    }
    let start = (seed % candidates.len() as u64) as usize;
    let rotation = candidates.iter().cycle().skip(start).take(candidates.len());
    let mut oldest: Option<(DateTime<Utc>, &'a str)> = None;
    for &t in rotation {
        match memory.last_rejected(t, now, ttl_days) {
            None => return Some(t),
            Some(at) if oldest.is_none_or(|(o, _)| at < o) => oldest = Some((at, t)),
            Some(_) => {}
        }
    }
    oldest.map(|(_, t)| t)
}

/// Copy for a revived lead (issue 11 §7, "new copy"): of the candidate templates `(id, angle)`
/// for a touch, the ones this lead has not received. Templates with an angle new to the lead
/// come first; only when every angle was used are templates it was not sent offered (the same
/// angle in other words); when it has seen them all, none, so drafting skips the touch rather
/// than repeat itself. Order is kept, so rotation still works on the result.
pub fn unsent_copy<'a>(candidates: &[(&'a str, &'a str)], sent_templates: &[String], sent_angles: &[String]) -> Vec<&'a str> {
    let seen = |list: &[String], x: &str| list.iter().any(|s| s == x);
    let new_angle: Vec<&str> = candidates.iter().filter(|(id, angle)| !seen(sent_angles, angle) && !seen(sent_templates, id)).map(|(id, _)| *id).collect();
    if !new_angle.is_empty() {
        return new_angle;
    }
    candidates.iter().filter(|(id, _)| !seen(sent_templates, id)).map(|(id, _)| *id).collect()
}

/// Runs GUARD-001..005 on a draft for a lead with the given rejection memory.
pub fn check(
    config: &GuardConfig,
    draft: &Draft<'_>,
    memory: &RejectionMemory,
    now: DateTime<Utc>,
) -> Verdict {
    let ttl = config.rejection_ttl_days;
    let fp = fingerprint(draft.body);
    let mut findings = Vec::new();

    let rejected = memory.count(now, ttl);
    if rejected > config.max_rejections && !memory.is_new_evidence(draft.evidence, now, ttl) {
        findings.push(Finding {
            code: GuardCode::RepeatedRejection,
            message: format!(
                "lead was rejected {rejected} times in the last {ttl} days (limit {}) and the draft brings no new evidence",
                config.max_rejections
            ),
        });
    }

    if memory.has_fingerprint(&fp, now, ttl) {
        findings.push(Finding {
            code: GuardCode::RejectedFingerprint,
            message: "this text is the same as a draft already rejected for this lead".to_string(),
        });
    }

    let distinct_evidence = {
        let mut keys: Vec<String> = draft
            .evidence
            .iter()
            .filter(|e| !normalise(&e.value).is_empty())
            .map(Evidence::key)
            .collect();
        keys.sort();
        keys.dedup();
        keys.len()
    };
    if distinct_evidence < config.min_evidence {
        findings.push(Finding {
            code: GuardCode::NoPersonalisation,
            message: format!(
                "no lead-specific personalisation evidence ({distinct_evidence} item(s), {} needed)",
                config.min_evidence
            ),
        });
    }

    if let Some(opener) = banned_opener(&config.banned_openers, draft.body) {
        findings.push(Finding {
            code: GuardCode::BannedOpener,
            message: format!("opens with the banned phrase \"{opener}\""),
        });
    }

    let (generic, total) = generic_sentences(&config.generic_phrases, draft.body);
    if total > 0 && generic as f64 / total as f64 > config.max_generic_density {
        findings.push(Finding {
            code: GuardCode::GenericDensity,
            message: format!(
                "{generic} of {total} sentences are generic filler ({:.0}% > {:.0}%)",
                100.0 * generic as f64 / total as f64,
                100.0 * config.max_generic_density
            ),
        });
    }

    let outcome = match (findings.is_empty(), config.mode) {
        (true, _) => Outcome::Pass,
        (false, GuardMode::Enforce) => Outcome::Block,
        (false, GuardMode::Soft) => Outcome::PassWouldBlock,
    };
    Verdict {
        mode: config.mode,
        outcome,
        findings,
        fingerprint: fp,
    }
}

const GREETINGS: &[&str] = &[
    "hi",
    "hey",
    "hello",
    "dear",
    "good morning",
    "good afternoon",
    "g day",
    "gday",
    "greetings",
];

/// The banned pattern the draft opens with, if any. The opener is the first sentence after an
/// optional salutation ("Hi Sam," on its own line or before the first comma).
fn banned_opener<'c>(banned: &'c [String], body: &str) -> Option<&'c str> {
    let mut text = body.trim_start();
    let first_line = text.lines().next().unwrap_or("");
    let first_norm = normalise(first_line);
    let starts_with_greeting = GREETINGS.iter().any(|g| {
        first_norm == *g
            || first_norm
                .strip_prefix(g)
                .is_some_and(|rest| rest.starts_with(' '))
    });
    let short_line = first_line.split_whitespace().count() <= 4;
    if starts_with_greeting {
        // "Hi Sam," / "Hi Sam - ..." / "Hi Sam" alone on a line.
        let cut = [",", "\u{2014}", "\u{2013}", "!", ":", " - "]
            .iter()
            .filter_map(|sep| first_line.find(sep).map(|i| i + sep.len()))
            .min();
        text = match cut {
            Some(i) => &text[i..],
            None if short_line => &text[first_line.len()..],
            None => text,
        };
    } else if short_line
        && first_line.trim_end().ends_with(',')
        && body.trim_start().len() > first_line.len()
    {
        // A bare "Sam," salutation line.
        text = &text[first_line.len()..];
    }
    let opener = first_sentence(text);
    let norm = normalise(opener);
    let without_i = norm.strip_prefix("i ").unwrap_or(&norm);
    banned.iter().map(String::as_str).find(|p| {
        let p = p.trim();
        !p.is_empty() && (starts_with_phrase(&norm, p) || starts_with_phrase(without_i, p))
    })
}

fn starts_with_phrase(text: &str, phrase: &str) -> bool {
    text.strip_prefix(phrase)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

fn first_sentence(text: &str) -> &str {
    let text = text.trim_start();
    let end = text
        .find(['.', '!', '?', '\n'])
        .map(|i| i + 1)
        .unwrap_or(text.len());
    &text[..end]
}

/// (sentences holding a generic phrase, sentences with at least one word).
fn generic_sentences(phrases: &[String], body: &str) -> (usize, usize) {
    let mut generic = 0;
    let mut total = 0;
    for sentence in body.split(['.', '!', '?', '\n', ';']) {
        let norm = normalise(sentence);
        if norm.is_empty() {
            continue;
        }
        total += 1;
        let padded = format!(" {norm} ");
        if phrases.iter().any(|p| {
            let p = p.trim();
            !p.is_empty() && padded.contains(&format!(" {p} "))
        }) {
            generic += 1;
        }
    }
    (generic, total)
}

#[cfg(test)]
mod tests {
    #[test]
    fn revival_copy_prefers_a_new_angle_then_an_unsent_template_then_nothing() {
        let c = [("intro-growth", "growth"), ("intro-pain", "pain"), ("intro-peer", "peer"), ("intro-pain-2", "pain")];
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(unsent_copy(&c, &s(&["intro-growth"]), &s(&["growth"])), ["intro-pain", "intro-peer", "intro-pain-2"]);
        assert_eq!(unsent_copy(&c, &s(&["intro-growth", "intro-pain"]), &s(&["growth", "pain"])), ["intro-peer"]);
        // Every angle used: a template not sent, in the same angle.
        assert_eq!(unsent_copy(&c, &s(&["intro-growth", "intro-pain", "intro-peer"]), &s(&["growth", "pain", "peer"])), ["intro-pain-2"]);
        assert!(unsent_copy(&c, &s(&["intro-growth", "intro-pain", "intro-peer", "intro-pain-2"]), &s(&["growth", "pain", "peer"])).is_empty());
        assert_eq!(unsent_copy(&c, &[], &[]).len(), 4);
    }

    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 31, 12, 0, 0).unwrap()
    }

    fn ev() -> Vec<Evidence> {
        vec![Evidence::new(
            "recent_post",
            "Spoke at Brisbane SaaS meetup about churn",
        )]
    }

    const GOOD: &str = "Hi Sam,\n\nSaw your talk at the Brisbane SaaS meetup on churn. \
        The point about onboarding calls stuck with me. We cut churn for two Queensland \
        agencies by rebuilding their first week. Worth a 15 minute chat on Thursday?";

    fn draft<'a>(body: &'a str, evidence: &'a [Evidence]) -> Draft<'a> {
        Draft {
            body,
            template_id: Some("case_study"),
            evidence,
        }
    }

    fn codes(v: &Verdict) -> Vec<GuardCode> {
        v.findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_specific_plain_draft_passes() {
        let e = ev();
        let v = check(
            &GuardConfig::default(),
            &draft(GOOD, &e),
            &RejectionMemory::default(),
            now(),
        );
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.message());
        assert!(v.allows());
        assert_eq!(v.message(), "passed all quality checks");
    }

    #[test]
    fn normalisation_ignores_case_punctuation_apostrophes_and_spacing() {
        assert_eq!(
            normalise("  Hi,   Sam!\n\nYou’re  RIGHT — it's "),
            "hi sam youre right its"
        );
        assert_eq!(
            fingerprint("Hi, Sam!  Great talk."),
            fingerprint("hi sam great talk")
        );
        assert_ne!(
            fingerprint("hi sam great talk"),
            fingerprint("hi pat great talk")
        );
        assert_eq!(fingerprint("x").len(), 64);
    }

    fn memory_with(n: usize, body: &str, days_ago: i64, evidence: &[Evidence]) -> RejectionMemory {
        let mut m = RejectionMemory::default();
        for i in 0..n {
            let d = Draft {
                body,
                template_id: Some("intro"),
                evidence,
            };
            m.record(
                now() - Duration::days(days_ago) + Duration::minutes(i as i64),
                "too generic",
                &d,
            );
        }
        m
    }

    #[test]
    fn guard_001_blocks_a_lead_rejected_more_than_three_times_in_thirty_days() {
        let e = ev();
        let cfg = GuardConfig::default();
        let three = memory_with(3, "older text", 5, &e);
        assert!(!codes(&check(&cfg, &draft(GOOD, &e), &three, now()))
            .contains(&GuardCode::RepeatedRejection));
        let four = memory_with(4, "older text", 5, &e);
        let v = check(&cfg, &draft(GOOD, &e), &four, now());
        assert_eq!(codes(&v), vec![GuardCode::RepeatedRejection]);
        assert_eq!(v.outcome, Outcome::Block);
    }

    #[test]
    fn guard_001_lets_new_evidence_through_and_forgets_old_rejections() {
        let e = ev();
        let cfg = GuardConfig::default();
        let four = memory_with(4, "older text", 5, &e);
        let fresh = vec![Evidence::new("hiring", "Hiring a Head of Growth")];
        assert!(check(&cfg, &draft(GOOD, &fresh), &four, now()).allows());
        let stale = memory_with(4, "older text", 31, &e);
        assert!(check(&cfg, &draft(GOOD, &e), &stale, now()).allows());
    }

    #[test]
    fn guard_002_blocks_a_draft_identical_to_a_rejected_one_up_to_punctuation() {
        let e = ev();
        let m = memory_with(1, GOOD, 2, &e);
        let same = GOOD.replace(',', "").replace("Thursday?", "thursday");
        let v = check(&GuardConfig::default(), &draft(&same, &e), &m, now());
        assert_eq!(codes(&v), vec![GuardCode::RejectedFingerprint]);
    }

    #[test]
    fn guard_003_blocks_a_draft_without_evidence() {
        let blank = vec![Evidence::new("recent_post", "  ")];
        let v = check(
            &GuardConfig::default(),
            &draft(GOOD, &blank),
            &RejectionMemory::default(),
            now(),
        );
        assert_eq!(codes(&v), vec![GuardCode::NoPersonalisation]);
        let v = check(
            &GuardConfig::default(),
            &draft(GOOD, &[]),
            &RejectionMemory::default(),
            now(),
        );
        assert_eq!(v.code(), Some(GuardCode::NoPersonalisation));
    }

    #[test]
    fn guard_004_blocks_banned_openers_after_a_salutation() {
        let e = ev();
        let cfg = GuardConfig::default();
        for body in [
            "Hi Sam,\nI hope this email finds you well. Saw your talk.",
            "Hi Sam, I hope this email finds you well.",
            "My name is Dani and I run an agency.",
            "Hello Sam!\n\nI hope you’re doing well.",
            "Dear Ms Lee,\nI wanted to reach out about your churn talk.",
            "Hey Sam - just checking in on my last note.",
            "Sam,\nJust checking in.",
        ] {
            let v = check(&cfg, &draft(body, &e), &RejectionMemory::default(), now());
            assert!(
                codes(&v).contains(&GuardCode::BannedOpener),
                "{body}: {}",
                v.message()
            );
        }
    }

    #[test]
    fn guard_004_allows_the_phrases_later_in_the_message() {
        let e = ev();
        let body = "Hi Sam,\nSaw your churn talk. My name is on the invite list for the next one.";
        let v = check(
            &GuardConfig::default(),
            &draft(body, &e),
            &RejectionMemory::default(),
            now(),
        );
        assert!(
            !codes(&v).contains(&GuardCode::BannedOpener),
            "{}",
            v.message()
        );
        let hi_mynameis = "Hi Mynameis,\nSaw your churn talk.";
        let v = check(
            &GuardConfig::default(),
            &draft(hi_mynameis, &e),
            &RejectionMemory::default(),
            now(),
        );
        assert!(v.allows());
    }

    #[test]
    fn guard_005_blocks_when_more_than_forty_percent_of_sentences_are_generic() {
        let e = ev();
        let cfg = GuardConfig::default();
        // 2 of 5 = 40 %: not above the threshold.
        let two_of_five =
            "Saw your talk. We leverage data. Churn fell. It is a game changer. Chat Thursday?";
        assert!(check(
            &cfg,
            &draft(two_of_five, &e),
            &RejectionMemory::default(),
            now()
        )
        .allows());
        let three_of_five = "Saw your talk. We leverage data. Results are best in class. It is a game changer. Chat Thursday?";
        let v = check(
            &cfg,
            &draft(three_of_five, &e),
            &RejectionMemory::default(),
            now(),
        );
        assert_eq!(codes(&v), vec![GuardCode::GenericDensity]);
        assert!(v.findings[0].message.contains("3 of 5"));
    }

    #[test]
    fn generic_phrases_match_whole_words_only() {
        let (g, t) = generic_sentences(&["delve".to_string()], "We delved into it. Delve deeper.");
        assert_eq!((g, t), (1, 2));
    }

    #[test]
    fn soft_mode_passes_but_reports_what_it_would_block() {
        let cfg = GuardConfig {
            mode: GuardMode::Soft,
            ..GuardConfig::default()
        };
        let v = check(
            &cfg,
            &draft("My name is Dani.", &[]),
            &RejectionMemory::default(),
            now(),
        );
        assert_eq!(v.outcome, Outcome::PassWouldBlock);
        assert!(v.allows() && v.would_block());
        assert_eq!(
            codes(&v),
            vec![GuardCode::NoPersonalisation, GuardCode::BannedOpener]
        );
        assert!(v.message().starts_with("soft mode, would block: GUARD-003"));
    }

    #[test]
    fn guard_codes_serialise_as_their_public_names() {
        assert_eq!(
            serde_json::to_string(&GuardCode::GenericDensity).unwrap(),
            "\"GUARD-005\""
        );
        assert_eq!(GuardCode::RepeatedRejection.to_string(), "GUARD-001");
    }

    #[test]
    fn rejection_memory_expires_after_thirty_days() {
        let e = ev();
        let mut m = memory_with(1, "a", 31, &e);
        m.rejections.extend(memory_with(1, "b", 29, &e).rejections);
        assert_eq!(m.count(now(), 30), 1);
        assert_eq!(m.prune(now(), 30).rejections.len(), 1);
        assert!(m.has_fingerprint(&fingerprint("b"), now(), 30));
        assert!(!m.has_fingerprint(&fingerprint("a"), now(), 30));
    }

    #[test]
    fn rejection_context_lists_distinct_reasons_and_templates() {
        let e = ev();
        let mut m = RejectionMemory::default();
        m.record(
            now(),
            "too salesy",
            &Draft {
                body: "a",
                template_id: Some("intro"),
                evidence: &e,
            },
        );
        m.record(
            now(),
            "too salesy",
            &Draft {
                body: "b",
                template_id: Some("case_study"),
                evidence: &e,
            },
        );
        m.record(
            now(),
            "wrong name",
            &Draft {
                body: "c",
                template_id: Some("intro"),
                evidence: &e,
            },
        );
        let ctx = m.context(now(), 30);
        assert_eq!(ctx.count, 3);
        assert_eq!(ctx.reasons, vec!["too salesy", "wrong name"]);
        assert_eq!(ctx.rejected_templates, vec!["intro", "case_study"]);
    }

    #[test]
    fn template_rotation_skips_rejected_templates() {
        let e = ev();
        let templates = ["intro", "case_study", "social_proof"];
        let mut m = RejectionMemory::default();
        assert_eq!(next_template(&templates, &m, now(), 30, 0), Some("intro"));
        assert_eq!(
            next_template(&templates, &m, now(), 30, 4),
            Some("case_study")
        );
        m.record(
            now(),
            "meh",
            &Draft {
                body: "a",
                template_id: Some("intro"),
                evidence: &e,
            },
        );
        assert_eq!(
            next_template(&templates, &m, now(), 30, 0),
            Some("case_study")
        );
        m.record(
            now() - Duration::days(2),
            "meh",
            &Draft {
                body: "b",
                template_id: Some("case_study"),
                evidence: &e,
            },
        );
        m.record(
            now() - Duration::days(1),
            "meh",
            &Draft {
                body: "c",
                template_id: Some("social_proof"),
                evidence: &e,
            },
        );
        // All rejected: the one rejected longest ago comes back.
        assert_eq!(
            next_template(&templates, &m, now(), 30, 0),
            Some("case_study")
        );
        // After the TTL the memory no longer steers.
        assert_eq!(
            next_template(&templates, &m, now() + Duration::days(31), 30, 0),
            Some("intro")
        );
        assert_eq!(next_template(&[], &m, now(), 30, 0), None);
    }
}
