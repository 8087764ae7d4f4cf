//! The one modal dialog: a titled panel over a dimmed page that takes the keyboard while it is
//! open. It is `role="dialog"` with `aria-modal` and `aria-labelledby` its title; focus moves
//! into it when it opens (to `initial_focus`, else its first control), Tab stays inside it,
//! Escape and a click on the backdrop close it, and focus returns to where it was on close.
//!
//! The caller decides when it exists (`<Show when=...>` or an `Option` mapped to a view) and
//! what closing means (`on_close`).

use leptos::prelude::*;

/// What Tab may move to inside the dialog.
#[cfg(feature = "hydrate")]
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// A modal dialog. `id` must be unique on the page (the title's id is `{id}-title`); attributes
/// given with `attr:` (`attr:data-testid`) land on the dialog element.
#[component]
pub fn Modal(
    id: &'static str,
    #[prop(into)] title: String,
    /// what closing means (Escape, the backdrop, a Cancel button that calls it too)
    #[prop(into)]
    on_close: Callback<()>,
    /// the id of the element to focus on opening; the first control when not given
    #[prop(optional)]
    initial_focus: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    let panel = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        use leptos::web_sys::HtmlElement;
        // Where focus was, to give it back on close.
        let before = StoredValue::new_local(
            leptos::web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element()).and_then(|e| e.dyn_into::<HtmlElement>().ok()),
        );
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) {
                return true;
            }
            let Some(el) = panel.get() else { return false };
            let target = initial_focus
                .and_then(|i| el.query_selector(&format!("#{i}")).ok().flatten())
                .or_else(|| el.query_selector(FOCUSABLE).ok().flatten())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            let _ = match target {
                Some(t) => t.focus(),
                None => el.focus(),
            };
            true
        });
        on_cleanup(move || {
            if let Some(Some(el)) = before.try_get_value() {
                if el.is_connected() {
                    let _ = el.focus();
                }
            }
        });
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                ev.prevent_default();
                on_close.run(());
            } else if ev.key() == "Tab" {
                trap_tab(&ev, panel);
            }
        });
        on_cleanup(move || keys.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = initial_focus;
    // Only a click on the backdrop itself closes: a click inside the panel bubbles up to here
    // too (and Leptos delegates events, so `currentTarget` is not the backdrop: compare nodes).
    let backdrop_ref = NodeRef::<leptos::html::Div>::new();
    let backdrop = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsValue;
            let on_backdrop = match (ev.target(), backdrop_ref.get_untracked()) {
                (Some(t), Some(b)) => AsRef::<JsValue>::as_ref(&t) == AsRef::<JsValue>::as_ref(&b),
                _ => false,
            };
            if on_backdrop {
                on_close.run(());
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, on_close);
    };
    view! {
        <div node_ref=backdrop_ref class="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/50 p-4" role="dialog" aria-modal="true" aria-labelledby=labelled_by
            on:click=backdrop>
            <div node_ref=panel tabindex="-1" class="max-h-full w-full max-w-md overflow-y-auto rounded-xl bg-white p-6 shadow-xl outline-none">
                <h2 id=title_id class="text-lg font-semibold">{title}</h2>
                {children()}
            </div>
        </div>
    }
}

/// Keeps Tab and Shift+Tab inside the panel: from its last control to its first and back.
#[cfg(feature = "hydrate")]
fn trap_tab(ev: &leptos::ev::KeyboardEvent, panel: NodeRef<leptos::html::Div>) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::HtmlElement;
    let Some(el) = panel.get_untracked() else { return };
    let Ok(list) = el.query_selector_all(FOCUSABLE) else { return };
    let items: Vec<HtmlElement> = (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<HtmlElement>().ok()).collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        ev.prevent_default();
        return;
    };
    let active = leptos::web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
    let inside = active.as_ref().is_some_and(|a| el.contains(Some(a)));
    let at = |e: &HtmlElement| active.as_ref().is_some_and(|a| a == e.unchecked_ref::<leptos::web_sys::Element>());
    if ev.shift_key() && (!inside || at(first)) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && (!inside || at(last)) {
        ev.prevent_default();
        let _ = first.focus();
    }
}
