//! One small component library every page is built from, so pages look and behave alike and
//! new pages need no class strings of their own:
//!
//! - [`Card`] (with [`CardHeader`]): the white surface content is grouped on;
//! - [`Table`]: a data table in a card; [`InnerTable`] for a small one inside a card;
//! - [`Badge`] with a [`Tone`] ([`class_badge`], [`tier_badge`]);
//! - [`Alert`] with an [`AlertKind`], [`FormError`] for the last submission's error, and
//!   [`Outcome`] for an action's result beside its button;
//! - [`Modal`]: the one accessible dialog (focus in and back, Tab kept inside, Escape and the
//!   backdrop close it);
//! - [`ChipsInput`]: a list edited as chips (add with Enter, remove with ×);
//! - [`Stat`]: one number with its label, hint and link;
//! - [`Tabs`] / [`Tab`] / [`TabCount`]: views of one list, by link or by button;
//! - [`Kbd`], [`KeyLegend`], [`KeyList`]: keyboard hints; [`typing`], [`on_control`], [`focus`]
//!   for keyboard-first pages;
//! - [`Loading`], [`ErrorBox`], [`Empty`], [`EmptyLine`] and [`loaded`] / [`loaded_or_empty`] /
//!   [`pending_or_error`], which render a resource's `Option<Result<T, AppError>>` through them;
//! - [`PageHeader`], [`ActivityList`], [`charts::BarChart`], and the form classes [`INPUT`],
//!   [`LABEL`], [`BUTTON`], [`BUTTON_SECONDARY`], [`BUTTON_DANGER`].
//!
//! Components take `class` for spacing and layout and pass attributes given with `attr:`
//! (`attr:data-testid`, `attr:aria-label`) on to their outer element.

mod activity;
mod alert;
mod badge;
mod card;
mod chips;
pub mod charts;
mod keys;
mod modal;
mod stat;
mod state;
mod table;
mod tabs;

pub use activity::ActivityList;
pub use alert::{Alert, AlertKind, FormError, Outcome};
pub use badge::{class_badge, tier_badge, Badge, Tone};
pub use card::{current_card, Card, CardHeader, CardTag};
pub use chips::ChipsInput;
pub use keys::{focus, on_control, typing, Kbd, KeyLegend, KeyList};
pub use modal::Modal;
pub use stat::Stat;
pub use state::{loaded, loaded_or_empty, pending_or_error, Empty, EmptyLine, ErrorBox, Loading};
pub use table::{InnerTable, Table};
pub use tabs::{Tab, TabCount, Tabs};

use leptos::prelude::*;

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

pub const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";
pub const LABEL: &str = "mb-1 block text-sm font-medium text-slate-700";
pub const BUTTON: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-600 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-indigo-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:cursor-not-allowed disabled:opacity-60";
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-60";
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 shadow-sm hover:bg-red-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-red-500 disabled:opacity-60";

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

/// A stored name (`in_sequence`) as a person reads it ("In sequence").
pub fn humanise(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
