//! Tables: a data table in a card, scrolling sideways on narrow screens, with one header style.

use super::card::SURFACE;
use leptos::prelude::*;

/// A table in a card. `head` gives each column's heading and its extra classes (alignment,
/// `hidden md:table-cell`); the children are the rows (`<tr>`, their cells padded `px-4 py-3`,
/// or `px-3 py-2` when `dense`). `class` adds classes to the card; attributes given with `attr:`
/// (`attr:data-testid`) land on the `<table>`'s card.
#[component]
pub fn Table(
    head: Vec<(&'static str, &'static str)>,
    #[prop(optional)] dense: bool,
    #[prop(optional, into)] class: String,
    /// what the table holds, for screen readers
    #[prop(optional)]
    caption: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let pad = if dense { "px-3 py-2" } else { "px-4 py-3" };
    view! {
        <div class=format!("overflow-x-auto {SURFACE} {class}")>
            <table class="min-w-full divide-y divide-slate-200 text-left text-sm">
                {caption.map(|c| view! { <caption class="sr-only">{c}</caption> })}
                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                    <tr>
                        {head.into_iter().map(|(label, extra)| view! { <th scope="col" class=format!("{pad} {extra}")>{label}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{children()}</tbody>
            </table>
        </div>
    }
}

/// A small table inside a card or panel that already has its surface (an invoice list, a
/// delivery log): no card of its own, a light header, cells padded `py-1.5 pr-4`. `head` as for
/// [`Table`]; `attr:` attributes land on the scrolling wrapper.
#[component]
pub fn InnerTable(
    head: Vec<(&'static str, &'static str)>,
    #[prop(optional, into)] class: String,
    /// what the table holds, for screen readers
    #[prop(optional)]
    caption: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class=format!("overflow-x-auto {class}")>
            <table class="min-w-full text-left text-sm">
                {caption.map(|c| view! { <caption class="sr-only">{c}</caption> })}
                <thead class="text-xs uppercase text-slate-500">
                    <tr>
                        {head.into_iter().map(|(label, extra)| view! { <th scope="col" class=format!("py-1.5 pr-4 font-medium {extra}")>{label}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100">{children()}</tbody>
            </table>
        </div>
    }
}
