//! The built-in template library: per cadence action, a few *angles*, each with two subject
//! lines (the A/B pair) and a body. Written for Australian B2B outreach: short, specific, no
//! stock openers (the quality guard would block them anyway, see `domain::guard`).
//!
//! Syntax is MiniJinja. Variables: `first_name`, `last_name`, `title`, `company`, `industry`,
//! `city`, `employees`, `domain`, `sender_name`, `sender_company`, and `signal` (the strongest
//! personalisation signal, a sentence fragment). Optional ones are tested with `if`.

use domain::cadence::StepAction;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    /// Stable id, stored on drafts and rejections (rejection memory rotates by it).
    pub id: &'static str,
    pub action: StepAction,
    pub angle: &'static str,
    pub subject_a: &'static str,
    pub subject_b: &'static str,
    pub body: &'static str,
}

pub const LIBRARY: &[Template] = &[
    Template {
        id: "intro-growth",
        action: StepAction::PersonalisedIntro,
        angle: "growth",
        subject_a: "{{ company }} and new clients{% if city %} in {{ city }}{% endif %}",
        subject_b: "Quick idea for {{ company }}",
        body: "Hi {{ first_name }},\n\n{{ signal }}, so I suspect winning the next few clients matters more to you than another tool.\n\nWe help {% if industry %}{{ industry }} {% endif %}firms{% if employees %} of around {{ employees }} people{% endif %} book qualified meetings without adding headcount: we find the right decision makers, write to them one by one, and only send what you approve.\n\nWould a 15-minute look at what that could mean for {{ company }} be useful next week?\n\n{{ sender_name }}\n{{ sender_company }}",
    },
    Template {
        id: "intro-pain",
        action: StepAction::PersonalisedIntro,
        angle: "pain",
        subject_a: "Pipeline at {{ company }}",
        subject_b: "{{ first_name }}, a question about referrals",
        body: "Hi {{ first_name }},\n\n{{ signal }}. Most {% if industry %}{{ industry }} {% endif %}teams we speak to still rely on referrals, which are great until a quiet month arrives.\n\nWe run outbound for agencies and their clients end to end, with every message approved by a person before it goes, so nothing embarrassing reaches a prospect.\n\nIs steadier lead flow something you are working on at {{ company }} this quarter?\n\n{{ sender_name }}\n{{ sender_company }}",
    },
    Template {
        id: "intro-peer",
        action: StepAction::PersonalisedIntro,
        angle: "peer",
        subject_a: "How {% if industry %}{{ industry }} {% endif %}firms fill their calendar",
        subject_b: "{{ company }}: 3 meetings a week?",
        body: "Hi {{ first_name }},\n\n{{ signal }}. Firms like yours{% if city %} around {{ city }}{% endif %} are getting three to five first meetings a week from outreach that reads like it was written by hand, because it was reviewed by hand.\n\nIf that sounds worth ten minutes, tell me a good time and I'll show you how it would work for {{ company }}.\n\n{{ sender_name }}\n{{ sender_company }}",
    },
    Template {
        id: "value-case",
        action: StepAction::ValueCaseStudy,
        angle: "case_study",
        subject_a: "What worked for a firm like {{ company }}",
        subject_b: "A short case study for {{ first_name }}",
        body: "Hi {{ first_name }},\n\nA quick example: a {% if industry %}{{ industry }} {% endif %}business of a similar size went from two referral meetings a month to eleven booked meetings in six weeks, without hiring.\n\nThe difference was choosing fewer, better-fitting prospects and writing to each one properly. Happy to walk you through what we would do for {{ company }}.\n\n{{ sender_name }}",
    },
    Template {
        id: "value-numbers",
        action: StepAction::ValueCaseStudy,
        angle: "numbers",
        subject_a: "The numbers behind outbound for {{ company }}",
        subject_b: "{{ first_name }}, worth a look?",
        body: "Hi {{ first_name }},\n\nOn a typical month we reach 400 well-chosen decision makers for a client, get replies from around 8 % of them and book 10 to 15 meetings. Every figure is shown in the client's dashboard, with the reason each prospect was picked.\n\nWould numbers like that make a difference at {{ company }}?\n\n{{ sender_name }}",
    },
    Template {
        id: "proof-clients",
        action: StepAction::SocialProof,
        angle: "social_proof",
        subject_a: "Who else is doing this",
        subject_b: "{{ company }} and firms like it",
        body: "Hi {{ first_name }},\n\nAgencies across Australia use us to run outreach for themselves and for their clients, and the common thread is that nothing goes out without a person approving it.\n\nIf it would help, I can share two short examples from {% if industry %}{{ industry }}{% else %}your sector{% endif %}.\n\n{{ sender_name }}",
    },
    Template {
        id: "breakup-close",
        action: StepAction::BreakUp,
        angle: "break_up",
        subject_a: "Should I close your file?",
        subject_b: "Last note from me, {{ first_name }}",
        body: "Hi {{ first_name }},\n\nI haven't heard back, which usually means the timing is wrong rather than the idea. I'll stop writing after this one.\n\nIf new clients become a priority for {{ company }} later in the year, just reply to this email and we'll pick it up from there.\n\n{{ sender_name }}",
    },
    Template {
        id: "close-graceful",
        action: StepAction::GracefulClose,
        angle: "graceful_close",
        subject_a: "Thanks, {{ first_name }}",
        subject_b: "Leaving this with you",
        body: "Hi {{ first_name }},\n\nThanks for your patience with my notes. I won't follow up again; if anything changes at {{ company }}, my details are below.\n\nAll the best,\n{{ sender_name }}",
    },
    Template {
        id: "li-connect",
        action: StepAction::ConnectionRequest,
        angle: "connect",
        subject_a: "",
        subject_b: "",
        body: "Hi {{ first_name }}, {{ signal }}. I work with {% if industry %}{{ industry }} {% endif %}firms on new-client growth and would be glad to connect.",
    },
    Template {
        id: "li-message",
        action: StepAction::DirectMessage,
        angle: "conversation",
        subject_a: "",
        subject_b: "",
        body: "Thanks for connecting, {{ first_name }}. Curious: where do most of {{ company }}'s new clients come from today?",
    },
    Template {
        id: "li-follow-up",
        action: StepAction::FollowUpMessage,
        angle: "conversation",
        subject_a: "",
        subject_b: "",
        body: "Hi {{ first_name }}, I sent a note by email about booking more first meetings for {{ company }}. Happy to share a two-minute summary here if easier.",
    },
    Template {
        id: "sms-short",
        action: StepAction::Sms,
        angle: "short",
        subject_a: "",
        subject_b: "",
        body: "Hi {{ first_name }}, {{ sender_name }} from {{ sender_company }}. I emailed about new-client growth for {{ company }}; is a 10-minute chat this week worth it?",
    },
    Template {
        id: "call-script",
        action: StepAction::PhoneCall,
        angle: "call",
        subject_a: "",
        subject_b: "",
        body: "Call {{ first_name }}{% if title %} ({{ title }}){% endif %} at {{ company }}: mention the emails, ask where new clients come from today, offer a 15-minute walkthrough.",
    },
    Template {
        id: "mail-letter",
        action: StepAction::DirectMail,
        angle: "letter",
        subject_a: "",
        subject_b: "",
        body: "Dear {{ first_name }},\n\n{{ signal }}. We help firms like {{ company }} win new clients with outreach that is approved by a person before it goes. If that is of interest, I would be glad to show you how it works.\n\nKind regards,\n{{ sender_name }}\n{{ sender_company }}",
    },
    Template {
        id: "custom-note",
        action: StepAction::Custom,
        angle: "note",
        subject_a: "A note for {{ company }}",
        subject_b: "{{ first_name }}, one more thing",
        body: "Hi {{ first_name }},\n\nFollowing up on my earlier note about new clients for {{ company }}. Is this worth a short conversation?\n\n{{ sender_name }}",
    },
];

/// The templates for an action, in library order (rotation starts at a per-lead seed).
pub fn for_action(action: StepAction) -> Vec<&'static Template> {
    LIBRARY.iter().filter(|t| t.action == action).collect()
}

pub fn by_id(id: &str) -> Option<&'static Template> {
    LIBRARY.iter().find(|t| t.id == id)
}
