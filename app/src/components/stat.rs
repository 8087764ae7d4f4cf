//! Stats: one number in a card with its label and a hint, linking to where it comes from.

use super::card::SURFACE;
use leptos::prelude::*;

/// A number in a card. `testid` names the number itself (tests read it); with `href` the whole
/// card is a link; `badge` sits beside the label (a status). Children come under the number (a
/// target, how it is counted). Attributes given with `attr:` land on the card.
#[component]
pub fn Stat(
    #[prop(into)] label: String,
    #[prop(into)] value: String,
    #[prop(optional, into)] testid: Option<String>,
    #[prop(optional, into)] hint: MaybeProp<String>,
    #[prop(optional, into)] href: Option<String>,
    #[prop(optional)] badge: Option<AnyView>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let inner = view! {
        <div class="flex items-start justify-between gap-2">
            <div class="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
            {badge}
        </div>
        <div class="mt-1 text-2xl font-semibold tabular-nums" data-testid=testid>{value}</div>
        {move || hint.get().map(|h| view! { <div class="mt-0.5 text-xs text-slate-500">{h}</div> })}
        {children.map(|c| c())}
    };
    match href {
        Some(h) => view! { <a href=h class=format!("block p-4 hover:ring-indigo-300 {SURFACE}")>{inner}</a> }.into_any(),
        None => view! { <div class=format!("p-4 {SURFACE}")>{inner}</div> }.into_any(),
    }
}
