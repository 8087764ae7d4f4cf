//! The card: the white, rounded, ringed surface every page groups its content on.

use leptos::prelude::*;

/// The classes of a card's surface. Only components use it; pages use [`Card`].
pub(crate) const SURFACE: &str = "rounded-xl bg-white shadow-sm ring-1 ring-slate-200";

/// The element a card is rendered as: a `<section>` unless the content asks for another.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CardTag {
    #[default]
    Section,
    Div,
    Article,
    /// A card that folds open (`<details>`; its first child should be a `<summary>`).
    Details,
    /// A list whose items are the card's rows.
    Ul,
    Ol,
    Aside,
}

/// A card. `class` adds padding, margins or layout (`"p-5"`, `"mt-6 grid gap-4"`); attributes
/// given with `attr:` (`attr:data-testid`, `attr:aria-label`, `attr:role`) land on the card.
/// With a `title`, the card gets a header row (see [`CardHeader`]) and its children a padded body.
#[component]
pub fn Card(
    #[prop(optional)] tag: CardTag,
    #[prop(optional, into)] class: String,
    #[prop(optional, into)] title: Option<String>,
    #[prop(optional, into)] subtitle: Option<String>,
    children: Children,
) -> impl IntoView {
    let class = if class.is_empty() { SURFACE.to_string() } else { format!("{SURFACE} {class}") };
    let body = match title {
        Some(t) => view! {
            <CardHeader title=t subtitle=subtitle.unwrap_or_default()/>
            <div class="px-5 py-4">{children()}</div>
        }
        .into_any(),
        None => children().into_any(),
    };
    match tag {
        CardTag::Section => view! { <section class=class>{body}</section> }.into_any(),
        CardTag::Div => view! { <div class=class>{body}</div> }.into_any(),
        CardTag::Article => view! { <article class=class>{body}</article> }.into_any(),
        CardTag::Details => view! { <details class=class>{body}</details> }.into_any(),
        CardTag::Ul => view! { <ul class=class>{body}</ul> }.into_any(),
        CardTag::Ol => view! { <ol class=class>{body}</ol> }.into_any(),
        CardTag::Aside => view! { <aside class=class>{body}</aside> }.into_any(),
    }
}

/// A card's header row: its title, an optional line under it, and anything given as children
/// (a status badge, a button) on the right.
#[component]
pub fn CardHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: String,
    /// `3` when the card sits under a heading of its own
    #[prop(optional)]
    level: u8,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let subtitle = (!subtitle.is_empty()).then(|| view! { <p class="mt-0.5 text-sm text-slate-500">{subtitle}</p> });
    let heading = if level == 3 {
        view! { <h3 class="text-base font-semibold">{title}</h3> }.into_any()
    } else {
        view! { <h2 class="text-base font-semibold">{title}</h2> }.into_any()
    };
    view! {
        <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-5 py-4">
            <div>{heading}{subtitle}</div>
            {children.map(|c| c())}
        </div>
    }
}

/// The classes of a card the keyboard moves through (a draft in the queue): ringed in the
/// accent colour while it is the current one. For elements that must stay list items.
pub fn current_card(current: bool) -> &'static str {
    if current {
        "rounded-xl bg-white shadow-sm outline-none ring-2 ring-indigo-500"
    } else {
        "rounded-xl bg-white shadow-sm outline-none ring-1 ring-slate-200"
    }
}
