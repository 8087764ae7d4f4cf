//! A list edited as chips.

use super::LABEL;
use leptos::prelude::*;

/// A list edited as chips: each value with its remove button, and a text box that adds what is
/// typed on Enter (and on a comma when `commas` is set; pasted "a, b" then adds both), or when
/// it loses focus; Backspace in the empty box removes the last chip. The form receives the
/// values one per line in a hidden field named `name` (with a trailing line break, so a single
/// value holding a comma, "Sydney, NSW", stays one value).
#[component]
pub fn ChipsInput(
    id: String,
    name: String,
    label: &'static str,
    initial: Vec<String>,
    /// Whether a comma separates values (not for places like "Sydney, NSW").
    #[prop(optional)]
    commas: bool,
) -> impl IntoView {
    let (items, set_items) = signal(initial);
    let (draft, set_draft) = signal(String::new());
    let add = move |text: String| {
        let parts: Vec<String> = if commas { text.split(',').map(str::to_string).collect() } else { vec![text] };
        let new: Vec<String> = parts.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
        if !new.is_empty() {
            set_items.update(|v| {
                for n in new {
                    if !v.iter().any(|x| x.eq_ignore_ascii_case(&n)) {
                        v.push(n);
                    }
                }
            });
        }
        set_draft.set(String::new());
    };
    let joined = move || items.with(|v| if v.is_empty() { String::new() } else { format!("{}\n", v.join("\n")) });
    let testid = format!("{id}-chips");
    view! {
        <div>
            <label class=LABEL for=id.clone()>{label}</label>
            <div class="flex flex-wrap items-center gap-2 rounded-md border border-slate-300 bg-white px-2 py-2 focus-within:ring-2 focus-within:ring-indigo-500" data-testid=testid>
                <For each=move || items.get() key=|v| v.clone() let:value>
                    <span class="inline-flex items-center gap-1 rounded-full bg-slate-100 px-3 py-1 text-sm" data-testid="chip">
                        {value.clone()}
                        <button type="button" class="rounded-full px-1 text-slate-500 hover:bg-slate-200 hover:text-slate-900" aria-label=format!("Remove {value}")
                            on:click={
                                let value = value.clone();
                                move |_| set_items.update(|v| v.retain(|x| x != &value))
                            }>"×"</button>
                    </span>
                </For>
                <input id=id class="min-w-[10rem] flex-1 border-0 p-1 text-sm focus:outline-none" placeholder="Add… (Enter)" autocomplete="off"
                    prop:value=move || draft.get()
                    on:input=move |ev| set_draft.set(event_target_value(&ev))
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" => {
                            ev.prevent_default();
                            add(draft.get_untracked());
                        }
                        "," if commas => {
                            ev.prevent_default();
                            add(draft.get_untracked());
                        }
                        "Backspace" if draft.with_untracked(String::is_empty) => set_items.update(|v| {
                            v.pop();
                        }),
                        _ => {}
                    }
                    on:blur=move |_| add(draft.get_untracked())/>
            </div>
            <input type="hidden" name=name value=joined/>
        </div>
    }
}
