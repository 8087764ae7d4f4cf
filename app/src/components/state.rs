//! The states of anything loaded from the server: loading, failed, empty, and the helpers that
//! render a resource's value through them, so every page shows them alike.

use super::alert::Alert;
use crate::error::AppError;
use leptos::prelude::*;

/// Something is loading.
#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <div class="flex items-center gap-2 py-6 text-sm text-slate-500" role="status">
            <span class="h-4 w-4 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600"></span>
            "Loading…"
        </div>
    }
}

/// A load or an action failed: its message, announced to screen readers. Attributes given with
/// `attr:` land on the box.
#[component]
pub fn ErrorBox(#[prop(into)] message: String) -> impl IntoView {
    view! { <Alert>{message}</Alert> }
}

/// A section's honest empty state: what would be here, and how to get it there.
#[component]
pub fn Empty(title: &'static str, body: &'static str, #[prop(optional)] hint: Option<&'static str>) -> impl IntoView {
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

/// A short empty line inside a card ("No invitations yet.").
#[component]
pub fn EmptyLine(#[prop(into)] text: String) -> impl IntoView {
    view! { <p class="text-sm text-slate-500">{text}</p> }
}

/// Renders what a resource holds (`resource.get()`): [`Loading`] while it loads, [`ErrorBox`]
/// when it failed, else `ready(value)`.
///
/// ```ignore
/// {move || loaded(members.get(), |list| view! { <MemberList list/> }.into_any())}
/// ```
pub fn loaded<T>(state: Option<Result<T, AppError>>, ready: impl FnOnce(T) -> AnyView) -> AnyView {
    match state {
        None => view! { <Loading/> }.into_any(),
        Some(Err(e)) => view! { <ErrorBox message=e.message/> }.into_any(),
        Some(Ok(v)) => ready(v),
    }
}

/// Like [`loaded`], with an empty state: `empty()` when `is_empty(&value)`.
pub fn loaded_or_empty<T>(
    state: Option<Result<T, AppError>>,
    is_empty: impl FnOnce(&T) -> bool,
    empty: impl FnOnce() -> AnyView,
    ready: impl FnOnce(T) -> AnyView,
) -> AnyView {
    loaded(state, |v| if is_empty(&v) { empty() } else { ready(v) })
}

/// Only the loading and error states of a resource, nothing once it is there: for pages that
/// copy the value into signals of their own (a queue that shrinks as it is worked through).
pub fn pending_or_error<T>(state: Option<Result<T, AppError>>) -> AnyView {
    loaded(state, |_| ().into_any())
}
