//! Badges: the small rounded labels of a state, a class or a count.

use leptos::prelude::*;

/// A badge's colour, named for what it means rather than for the colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Tone {
    /// Plain information (a role, a count).
    #[default]
    Neutral,
    /// Greyed out: nothing there yet, or no longer in use.
    Muted,
    /// Done, healthy, connected.
    Good,
    /// A strong positive (a meeting, a hot lead).
    Strong,
    /// Needs a look soon.
    Warn,
    /// Refused, failed, stopped.
    Bad,
    /// Neutral information that should stand out (a question, a cool lead).
    Info,
    /// Not yet decided (unclassified).
    Pending,
    /// The product's own accent (an active filter, a mode).
    Accent,
}

impl Tone {
    /// The background and text colour classes of the tone.
    pub fn classes(self) -> &'static str {
        match self {
            Tone::Neutral => "bg-slate-100 text-slate-700",
            Tone::Muted => "bg-slate-50 text-slate-400",
            Tone::Good => "bg-emerald-100 text-emerald-800",
            Tone::Strong => "bg-rose-100 text-rose-800",
            Tone::Warn => "bg-amber-100 text-amber-800",
            Tone::Bad => "bg-red-100 text-red-800",
            Tone::Info => "bg-sky-100 text-sky-800",
            Tone::Pending => "bg-violet-100 text-violet-800",
            Tone::Accent => "bg-indigo-100 text-indigo-800",
        }
    }
}

/// A badge. `class` adds classes (`capitalize`); attributes given with `attr:`
/// (`attr:data-testid`) land on it.
#[component]
pub fn Badge(#[prop(optional)] tone: Tone, #[prop(optional, into)] class: String, children: Children) -> impl IntoView {
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {} {class}", tone.classes())>{children()}</span> }
}

/// The badge of a reply class.
pub fn class_badge(class: domain::reply::ReplyClass) -> impl IntoView {
    use domain::reply::ReplyClass::*;
    let tone = match class {
        MeetingRequest | Interested => Tone::Good,
        Question => Tone::Info,
        NotInterested | AutoReply => Tone::Neutral,
        Unsubscribe => Tone::Strong,
        OutOfOffice => Tone::Warn,
        Unclassified => Tone::Pending,
    };
    view! {
        <Badge tone=tone attr:data-testid="reply-class" attr:data-class=class.as_str()>{domain::inbox::class_label(class)}</Badge>
    }
}

/// The badge of an ALS tier.
pub fn tier_badge(tier: Option<domain::score::Tier>) -> impl IntoView {
    use domain::score::Tier;
    let (label, tone) = match tier {
        Some(Tier::Hot) => ("Hot", Tone::Strong),
        Some(Tier::Warm) => ("Warm", Tone::Warn),
        Some(Tier::Cool) => ("Cool", Tone::Info),
        Some(Tier::Cold) => ("Cold", Tone::Neutral),
        Some(Tier::Dead) => ("Dead", Tone::Muted),
        None => ("Unscored", Tone::Muted),
    };
    view! { <Badge tone=tone>{label}</Badge> }
}
