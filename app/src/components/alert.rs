//! Alerts: a message about the page as a whole (an error, a confirmation, a warning), in one
//! look, announced to screen readers.

use crate::error::AppError;
use leptos::prelude::*;

/// What an alert says: errors are announced at once (`role="alert"`), the rest politely
/// (`role="status"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertKind {
    #[default]
    Error,
    Success,
    Warning,
    Info,
}

impl AlertKind {
    fn classes(self) -> &'static str {
        match self {
            AlertKind::Error => "border-red-200 bg-red-50 text-red-800",
            AlertKind::Success => "border-emerald-200 bg-emerald-50 text-emerald-800",
            AlertKind::Warning => "border-amber-200 bg-amber-50 text-amber-800",
            AlertKind::Info => "border-sky-200 bg-sky-50 text-sky-800",
        }
    }
    fn role(self) -> &'static str {
        if self == AlertKind::Error { "alert" } else { "status" }
    }
}

/// An alert box. `class` adds margins; attributes given with `attr:` land on it.
#[component]
pub fn Alert(#[prop(optional)] kind: AlertKind, #[prop(optional, into)] class: String, children: Children) -> impl IntoView {
    view! {
        <div role=kind.role() class=format!("rounded-md border px-3 py-2 text-sm {} {class}", kind.classes())>{children()}</div>
    }
}

/// Shows the error of the last submission, if any, in a way screen readers announce.
#[component]
pub fn FormError<T, V>(value: V) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    move || value.get().and_then(|r| r.err()).map(|e| view! { <Alert attr:data-testid="form-error">{e.message}</Alert> })
}

/// The outcome of an action, in a line beside the button that ran it ("Connected", "3 leads
/// added", the refusal): green when it worked, red when not. Attributes given with `attr:` land
/// on it.
#[component]
pub fn Outcome(ok: bool, children: Children) -> impl IntoView {
    view! {
        <span role=if ok { "status" } else { "alert" } class=if ok { "text-sm text-emerald-700" } else { "text-sm text-red-700" }>{children()}</span>
    }
}
