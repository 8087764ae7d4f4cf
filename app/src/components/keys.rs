//! Keyboard hints and the helpers every keyboard-first page uses to tell a shortcut from typing.

use leptos::prelude::*;

/// A key as it is shown ("j", "shift + a", "?").
#[component]
pub fn Kbd(children: Children) -> impl IntoView {
    view! { <kbd class="rounded border border-slate-300 bg-white px-1 font-mono text-xs">{children()}</kbd> }
}

/// A one-line legend of shortcuts: each key and what it does. Attributes given with `attr:`
/// land on it.
#[component]
pub fn KeyLegend(keys: Vec<(&'static str, &'static str)>) -> impl IntoView {
    view! {
        <div class="mb-4 flex flex-wrap gap-x-4 gap-y-1 rounded-lg bg-slate-100 px-3 py-2 text-xs text-slate-600" aria-label="Keyboard shortcuts">
            {keys.into_iter().map(|(k, what)| view! { <span><Kbd>{k}</Kbd> " " {what}</span> }).collect_view()}
        </div>
    }
}

/// Every key of a page and what it does, as a list (the help a `?` opens).
#[component]
pub fn KeyList(keys: Vec<(&'static str, &'static str)>) -> impl IntoView {
    view! {
        <dl class="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[6rem_1fr]">
            {keys.into_iter().map(|(k, what)| view! {
                <dt><Kbd>{k}</Kbd></dt>
                <dd class="text-slate-600">{what}</dd>
            }).collect_view()}
        </dl>
    }
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
