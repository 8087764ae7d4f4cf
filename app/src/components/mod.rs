//! Small shared pieces of UI.

pub mod charts;

use crate::error::AppError;
use leptos::prelude::*;

/// Shows the error of the last submission, if any, in a way screen readers announce.
#[component]
pub fn FormError<T, V>(value: V) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || {
        value.get().and_then(|r| r.err()).map(|e| {
            view! {
                <div role="alert" data-testid="form-error" class="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
                    {e.message}
                </div>
            }
        })
    }
}

/// A page section's honest empty state.
#[component]
pub fn EmptyState(title: &'static str, body: &'static str, #[prop(optional)] hint: Option<&'static str>) -> impl IntoView {
    view! {
        <div class="rounded-xl border-2 border-dashed border-slate-200 bg-white px-6 py-14 text-center">
            <div class="mx-auto mb-4 flex h-12 w-12 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
                <svg class="h-6 w-6" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
                    <path d="M4 7h16M4 12h10M4 17h7" stroke-linecap="round"/>
                </svg>
            </div>
            <h2 class="text-base font-semibold text-slate-900">{title}</h2>
            <p class="mx-auto mt-1 max-w-md text-sm text-slate-600">{body}</p>
            {hint.map(|h| view! { <p class="mt-4 text-xs text-slate-500">{h}</p> })}
        </div>
    }
}

/// The page heading with an optional description.
#[component]
pub fn PageHeader(title: &'static str, #[prop(optional)] subtitle: Option<&'static str>) -> impl IntoView {
    view! {
        <header class="mb-6">
            <h1 class="text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
            {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-600">{s}</p> })}
        </header>
    }
}

pub fn spinner() -> impl IntoView {
    view! {
        <div class="flex items-center gap-2 py-6 text-sm text-slate-500" role="status">
            <span class="h-4 w-4 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600"></span>
            "Loading…"
        </div>
    }
}

pub const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";
pub const LABEL: &str = "mb-1 block text-sm font-medium text-slate-700";
pub const BUTTON: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:cursor-not-allowed disabled:opacity-60";
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-60";
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 shadow-sm hover:bg-red-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 disabled:opacity-60";

/// Focuses an element once the view has rendered it (a field that has just been opened does
/// not exist yet when the key press is handled).
pub fn focus(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        let id = id.to_string();
        set_timeout(
            move || {
                use leptos::wasm_bindgen::JsCast;
                if let Some(el) = leptos::web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(&id)) {
                    if let Ok(h) = el.dyn_into::<leptos::web_sys::HtmlElement>() {
                        let _ = h.focus();
                    }
                }
            },
            std::time::Duration::ZERO,
        );
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// The tag name of the element a key press landed on (`INPUT`, `BUTTON`…), and whether it is
/// editable; `None` on the server.
fn key_target(ev: &leptos::ev::KeyboardEvent) -> Option<(String, bool)> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok()).map(|el| (el.tag_name(), el.has_attribute("contenteditable")))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

/// Whether a key press happened while typing in a field: then it is typing, not a shortcut.
pub fn typing(ev: &leptos::ev::KeyboardEvent) -> bool {
    key_target(ev).is_some_and(|(tag, editable)| editable || matches!(tag.as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}

/// Whether a key press landed on a button or link: its Enter is a click, not a shortcut.
pub fn on_control(ev: &leptos::ev::KeyboardEvent) -> bool {
    key_target(ev).is_some_and(|(tag, _)| matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY"))
}

/// A key that is new each time it is asked for in this browser tab: the idempotency key of a
/// form opened once, so submitting that form twice does its work once.
pub fn fresh_key(prefix: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::js_sys::{Date, Math};
        format!("{prefix}-{}-{}", Date::now() as u64, (Math::random() * 1e12) as u64)
    }
    #[cfg(not(feature = "hydrate"))]
    format!("{prefix}-server")
}

/// A moment as every page shows it.
pub fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// An error from a server function, announced to screen readers.
pub fn alert(message: String) -> impl IntoView {
    view! { <p role="alert" class="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">{message}</p> }
}

/// The badge of a reply class.
pub fn class_badge(class: domain::reply::ReplyClass) -> impl IntoView {
    use domain::reply::ReplyClass::*;
    let colour = match class {
        MeetingRequest => "bg-emerald-100 text-emerald-800",
        Interested => "bg-green-100 text-green-800",
        Question => "bg-sky-100 text-sky-800",
        NotInterested => "bg-slate-200 text-slate-700",
        Unsubscribe => "bg-rose-100 text-rose-800",
        OutOfOffice => "bg-amber-100 text-amber-800",
        AutoReply => "bg-slate-100 text-slate-600",
        Unclassified => "bg-violet-100 text-violet-800",
    };
    view! {
        <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {colour}") data-testid="reply-class" data-class=class.as_str()>
            {domain::inbox::class_label(class)}
        </span>
    }
}

/// The icon path and colour of an activity kind.
fn activity_icon(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "sent" | "delivered" => ("M4 12l16-8-6 16-2-6-8-2z", "bg-indigo-100 text-indigo-700"),
        "replied" => ("M4 4h16v12h-5l-3 3-3-3H4z", "bg-emerald-100 text-emerald-700"),
        "opened" | "clicked" => ("M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12zM12 15a3 3 0 100-6 3 3 0 000 6z", "bg-sky-100 text-sky-700"),
        "bounced" | "complained" | "unsubscribed" | "rejected" => ("M6 6l12 12M18 6L6 18", "bg-rose-100 text-rose-700"),
        "meeting_booked" => ("M4 6h16v14H4zM8 3v4M16 3v4M4 10h16", "bg-emerald-100 text-emerald-700"),
        "note" => ("M5 4h14v16H5zM8 8h8M8 12h8M8 16h5", "bg-amber-100 text-amber-700"),
        "status_changed" => ("M4 12h12M12 6l6 6-6 6", "bg-violet-100 text-violet-700"),
        "approved" => ("M5 13l4 4L19 7", "bg-green-100 text-green-700"),
        "paused" => ("M8 5v14M16 5v14", "bg-amber-100 text-amber-700"),
        _ => ("M12 8v4l3 3M12 21a9 9 0 100-18 9 9 0 000 18z", "bg-slate-100 text-slate-600"),
    }
}

/// A list of activities (a lead's timeline, the workspace's feed), newest first. `show_lead`
/// names the lead on each entry (the feed spans leads; a lead's timeline does not need it).
#[component]
pub fn ActivityList(entries: Vec<domain::inbox::TimelineEntry>, #[prop(optional)] show_lead: bool) -> impl IntoView {
    let ws = crate::pages::shell::WorkspaceCtx::current();
    view! {
        <ol class="space-y-3" data-testid="activity-list">
            {entries.into_iter().map(|e| {
                let (icon, colour) = activity_icon(&e.kind);
                let who = e.actor.clone().unwrap_or_else(|| "Agency OS".into());
                let lead = (show_lead).then(|| e.lead_id.map(|id| {
                    let name = e.lead_name.clone().unwrap_or_else(|| "a lead".into());
                    view! { <a class="font-medium text-indigo-700 hover:underline" href=move || format!("/w/{}/leads/{id}", ws.id.get())>{name}</a> " · " }
                })).flatten();
                view! {
                    <li class="flex gap-3" data-testid="activity" data-kind=e.kind.clone()>
                        <span class=format!("mt-0.5 flex h-7 w-7 shrink-0 items-center justify-center rounded-full {colour}")>
                            <svg class="h-4 w-4" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d=icon/></svg>
                        </span>
                        <div class="min-w-0 flex-1 text-sm">
                            <p>
                                {lead}
                                <span class="font-medium" data-testid="activity-kind">{domain::inbox::activity_label(&e.kind)}</span>
                                {e.channel.clone().filter(|c| !c.is_empty()).map(|c| view! { <span class="ml-1 text-xs text-slate-500">"(" {c} ")"</span> })}
                                " — "
                                <span data-testid="activity-summary">{e.summary.clone()}</span>
                            </p>
                            {e.text.clone().filter(|t| !t.trim().is_empty()).map(|t| view! {
                                <p class="mt-1 whitespace-pre-wrap rounded-md bg-slate-50 px-2 py-1 text-slate-700" data-testid="activity-text">{t}</p>
                            })}
                            <p class="mt-0.5 text-xs text-slate-500">
                                <time datetime=e.occurred_at.to_rfc3339()>{when(e.occurred_at)}</time> " · " {who}
                            </p>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}

/// The badge of an ALS tier.
pub fn tier_badge(tier: Option<domain::score::Tier>) -> impl IntoView {
    let (label, class) = match tier {
        Some(domain::score::Tier::Hot) => ("Hot", "bg-rose-100 text-rose-800"),
        Some(domain::score::Tier::Warm) => ("Warm", "bg-amber-100 text-amber-800"),
        Some(domain::score::Tier::Cool) => ("Cool", "bg-sky-100 text-sky-800"),
        Some(domain::score::Tier::Cold) => ("Cold", "bg-slate-100 text-slate-700"),
        Some(domain::score::Tier::Dead) => ("Dead", "bg-slate-200 text-slate-500"),
        None => ("Unscored", "bg-slate-50 text-slate-400"),
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-medium {class}")>{label}</span> }
}

/// A stored name (`in_sequence`) as a person reads it ("In sequence").
pub fn humanise(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}
