//! Tabs: a row of views of one list (the Inbox's classes, the Outbox's states), the current one
//! marked for sight and for screen readers.

use leptos::prelude::*;

/// The row of tabs. Attributes given with `attr:` (`attr:data-testid`) land on the `<nav>`.
#[component]
pub fn Tabs(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <nav class="mb-3 flex flex-wrap gap-1 border-b border-slate-200" aria-label=label>{children()}</nav>
    }
}

fn tab_class(selected: bool) -> &'static str {
    if selected {
        "-mb-px flex items-center gap-1.5 border-b-2 border-indigo-600 px-3 py-2 text-sm font-medium text-indigo-700"
    } else {
        "-mb-px flex items-center gap-1.5 border-b-2 border-transparent px-3 py-2 text-sm font-medium text-slate-600 hover:text-slate-900"
    }
}

/// One tab: a link when it has an `href` (the tab is in the URL, `aria-current="page"`), else a
/// button calling `on_select` (`aria-pressed`). Attributes given with `attr:` land on it.
#[component]
pub fn Tab(
    #[prop(into)] selected: Signal<bool>,
    #[prop(optional, into)] href: Option<Signal<String>>,
    #[prop(optional)] on_select: Option<Callback<()>>,
    children: Children,
) -> impl IntoView {
    match href {
        Some(href) => view! {
            <a href=href aria-current=move || selected.get().then_some("page") class=move || tab_class(selected.get())>{children()}</a>
        }
        .into_any(),
        None => view! {
            <button type="button" aria-pressed=move || if selected.get() { "true" } else { "false" } class=move || tab_class(selected.get())
                on:click=move |_| if let Some(f) = on_select { f.run(()) }>{children()}</button>
        }
        .into_any(),
    }
}

/// The count beside a tab's name.
#[component]
pub fn TabCount(children: Children) -> impl IntoView {
    view! { <span class="rounded-full bg-slate-100 px-1.5 text-xs tabular-nums text-slate-700" data-testid="tab-count">{children()}</span> }
}
