//! The activity list: a lead's timeline and the workspace's feed, one entry per thing that
//! happened, newest first.

use super::when;
use leptos::prelude::*;

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
