//! Settings → Integrations → Outbound webhooks: the workspace's own endpoints, each with the
//! events it hears, its state (switched off by a person or by a 410 answer, with the reason),
//! and its recent deliveries; add one (its signing secret shown once, with a copy button), send
//! a test event, rotate the secret, switch off or on, delete. Shown to owners and admins only
//! (the page shows members and viewers no controls; the server refuses them anyway).

use crate::api::webhooks::*;
use crate::components::*;
use crate::pages::shell::WorkspaceCtx;
use crate::error::AppError;
use domain::webhooks::{DeliveryState, DeliveryView, EndpointView, EventType, NewSecret};
use leptos::prelude::*;

/// Copies the selected text (the secret's field, selected first so that a refused copy still
/// leaves it ready for Ctrl+C). True when the browser says it copied.
#[cfg(feature = "hydrate")]
fn copy_selection() -> bool {
    use wasm_bindgen::JsCast;
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.exec_command("copy").ok())
        .unwrap_or(false)
}

#[cfg(not(feature = "hydrate"))]
fn copy_selection() -> bool {
    false
}

#[component]
pub fn OutboundWebhooks() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let create = ServerAction::<CreateWebhookEndpoint>::new();
    let toggle = ServerAction::<SetWebhookEndpointEnabled>::new();
    let delete = ServerAction::<DeleteWebhookEndpoint>::new();
    let rotate = ServerAction::<RotateWebhookEndpointSecret>::new();
    let test = ServerAction::<SendWebhookTest>::new();
    // The endpoint of the last test sent and its result, kept here so that its card still shows
    // it after the list reloads with the new delivery.
    let testing = RwSignal::new(None::<String>);
    let tested = RwSignal::new(None::<(String, Result<DeliveryView, AppError>)>);
    Effect::new(move |_| {
        if let Some(r) = test.value().get() {
            tested.set(Some((testing.get_untracked().unwrap_or_default(), r)));
        }
    });
    let list = LocalResource::new(move || {
        let _ = (create.version().get(), toggle.version().get(), delete.version().get(), rotate.version().get(), test.version().get());
        list_webhook_endpoints(ws.id.get())
    });
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![EventType::LeadReplied, EventType::MeetingBooked]);
    // The secret of the last add or rotation, shown until the page is left.
    let shown = RwSignal::new(None::<NewSecret>);
    Effect::new(move |_| {
        if let Some(Ok(s)) = create.value().get() {
            url.set(String::new());
            shown.set(Some(s));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(s)) = rotate.value().get() {
            shown.set(Some(s));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let events = chosen.get_untracked().iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",");
        create.dispatch(CreateWebhookEndpoint { workspace: ws.id.get_untracked(), url: url.get_untracked(), events });
    };
    view! {
        <h2 class="mb-1 mt-8 text-lg font-semibold">"Outbound webhooks"</h2>
        <p class="mb-3 text-sm text-slate-600">
            "Your own systems hear what happens to your leads as it is recorded: a JSON POST to each endpoint, signed per Standard Webhooks (headers webhook-id, webhook-timestamp, webhook-signature), retried for a day when it fails."
        </p>
        <div class="mb-3 space-y-2">
            <FormError value=create.value()/><FormError value=toggle.value()/><FormError value=delete.value()/><FormError value=rotate.value()/>
        </div>
        {move || shown.get().map(|s| {
            let secret = s.secret.clone();
            // None until clicked; then whether the browser copied it.
            let copied = RwSignal::new(None::<bool>);
            let field: NodeRef<leptos::html::Input> = NodeRef::new();
            view! {
                <div class="mb-4 rounded-xl border border-amber-200 bg-amber-50 px-5 py-4" data-testid="webhook-secret-once">
                    <label class=LABEL for="webhook-secret">"Signing secret: copy it now, it is not shown again"</label>
                    <div class="flex gap-2">
                        <input class=format!("{INPUT} font-mono text-xs") id="webhook-secret" readonly autocomplete="off" value=secret node_ref=field data-testid="webhook-secret"/>
                        <button class=BUTTON_SECONDARY type="button" data-testid="webhook-secret-copy"
                            on:click=move |_| {
                                if let Some(el) = field.get() {
                                    el.select();
                                    copied.set(Some(copy_selection()));
                                }
                            }>
                            {move || match copied.get() {
                                None => "Copy",
                                Some(true) => "Copied",
                                Some(false) => "Selected: press Ctrl+C",
                            }}
                        </button>
                        <button class=BUTTON_SECONDARY type="button" on:click=move |_| shown.set(None)>"Done"</button>
                    </div>
                </div>
            }
        })}
        <Card class="mb-4" attr:data-testid="webhook-add">
            <div class="border-b border-slate-100 px-5 py-4">
                <h3 class="text-base font-semibold">"Add an endpoint"</h3>
                <p class="mt-0.5 text-sm text-slate-500">"An https URL of yours that answers 2xx. An answer of 410 switches it off; redirects are not followed."</p>
            </div>
            <form class="space-y-3 px-5 py-4" on:submit=submit>
                <div>
                    <label class=LABEL for="webhook-url">"Endpoint URL"</label>
                    <input class=INPUT id="webhook-url" type="url" required autocomplete="off" placeholder="https://hooks.example.com/agency-os"
                        prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                </div>
                <fieldset>
                    <legend class=LABEL>"Events"</legend>
                    <div class="grid gap-1 sm:grid-cols-2">
                        {EventType::ALL.into_iter().map(|e| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" data-testid=format!("webhook-event-{}", e.as_str())
                                    prop:checked=move || chosen.get().contains(&e)
                                    on:change=move |_| chosen.update(|c| if c.contains(&e) { c.retain(|x| *x != e) } else { c.push(e) })/>
                                {e.label()}" "<code class="text-xs text-slate-500">{e.as_str()}</code>
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <button class=BUTTON type="submit" data-testid="webhook-add-submit" disabled=move || create.pending().get() || chosen.get().is_empty()>"Add endpoint"</button>
            </form>
        </Card>
        {move || loaded_or_empty(
            list.get(),
            |items| items.is_empty(),
            || view! { <p class="text-sm text-slate-500" data-testid="webhook-none">"No endpoints yet."</p> }.into_any(),
            |items| view! {
                <div class="space-y-4" data-testid="webhook-endpoints">
                    {items.into_iter().map(|e| view! { <EndpointCard item=e toggle=toggle delete=delete rotate=rotate test=test testing=testing tested=tested/> }).collect_view()}
                </div>
            }.into_any(),
        )}
    }
}

#[component]
fn EndpointCard(
    item: EndpointView,
    toggle: ServerAction<SetWebhookEndpointEnabled>,
    delete: ServerAction<DeleteWebhookEndpoint>,
    rotate: ServerAction<RotateWebhookEndpointSecret>,
    test: ServerAction<SendWebhookTest>,
    testing: RwSignal<Option<String>>,
    tested: RwSignal<Option<(String, Result<DeliveryView, AppError>)>>,
) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let id = item.id.to_string();
    let enabled = item.enabled;
    let events = item.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ");
    let since = format!(
        "added{} · {}{}",
        item.created_by.as_ref().map(|n| format!(" by {n}")).unwrap_or_default(),
        when(item.created_at),
        item.secret_rotated_at.map(|t| format!(" · secret rotated {}", when(t))).unwrap_or_default()
    );
    let (id_t, id_r, id_e, id_d, mine) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    view! {
        <Card attr:data-testid="webhook-endpoint">
            <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-5 py-4">
                <div class="min-w-0">
                    <h3 class="break-all font-mono text-sm font-semibold" data-testid="webhook-endpoint-url">{item.url.clone()}</h3>
                    <p class="mt-0.5 text-sm text-slate-500">{events}</p>
                    <p class="text-xs text-slate-500">{since}</p>
                </div>
                <span class=if enabled { "rounded-full bg-emerald-50 px-2.5 py-0.5 text-xs font-medium text-emerald-800" } else { "rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium text-slate-700" }
                    data-testid="webhook-endpoint-status">{if enabled { "active" } else { "switched off" }}</span>
            </div>
            <div class="space-y-3 px-5 py-4">
                {item.disabled_reason.clone().filter(|_| !enabled).map(|r| view! { <p class="text-sm text-amber-800" data-testid="webhook-disabled-reason">{r}</p> })}
                <div class="flex flex-wrap items-center gap-2">
                    {enabled.then(|| view! {
                        <button class=BUTTON_SECONDARY type="button" data-testid="webhook-test" disabled=move || test.pending().get()
                            on:click=move |_| {
                                testing.set(Some(id_t.clone()));
                                test.dispatch(SendWebhookTest { workspace: ws.id.get_untracked(), endpoint: id_t.clone() });
                            }>
                            "Send a test event"
                        </button>
                    })}
                    <button class=BUTTON_SECONDARY type="button" data-testid="webhook-rotate" disabled=move || rotate.pending().get()
                        title="Make a new secret; the current one keeps signing beside it for 24 hours"
                        on:click=move |_| { rotate.dispatch(RotateWebhookEndpointSecret { workspace: ws.id.get_untracked(), endpoint: id_r.clone() }); }>
                        "Rotate secret"
                    </button>
                    <button class=BUTTON_SECONDARY type="button" data-testid="webhook-toggle" disabled=move || toggle.pending().get()
                        on:click=move |_| { toggle.dispatch(SetWebhookEndpointEnabled { workspace: ws.id.get_untracked(), endpoint: id_e.clone(), enabled: !enabled }); }>
                        {if enabled { "Switch off" } else { "Switch on" }}
                    </button>
                    <button class=BUTTON_DANGER type="button" data-testid="webhook-delete" disabled=move || delete.pending().get()
                        on:click=move |_| { delete.dispatch(DeleteWebhookEndpoint { workspace: ws.id.get_untracked(), endpoint: id_d.clone() }); }>
                        "Delete"
                    </button>
                    {move || tested.get().filter(|(endpoint, _)| *endpoint == mine).map(|(_, r)| match r {
                        Ok(d) => view! {
                            <span class=if d.state == DeliveryState::Delivered { "text-sm text-emerald-700" } else { "text-sm text-red-700" } data-testid="webhook-test-result">
                                {format!("Test event {}", d.last_status.unwrap_or_else(|| d.state.label().to_string()))}
                            </span>
                        }.into_any(),
                        Err(e) => view! { <span class="text-sm text-red-700" data-testid="webhook-test-result">{e.message}</span> }.into_any(),
                    })}
                </div>
                {(!item.recent.is_empty()).then(|| view! {
                    <InnerTable caption="Last deliveries" attr:data-testid="webhook-deliveries"
                        head=vec![("When", ""), ("Event", ""), ("webhook-id", "normal-case"), ("Status", ""), ("Attempts", "")]>
                                {item.recent.iter().map(|d| {
                                    let state_class = match d.state {
                                        DeliveryState::Delivered => "text-emerald-700",
                                        DeliveryState::Pending => "text-slate-700",
                                        DeliveryState::Failed => "text-red-700",
                                    };
                                    let detail = match (d.state, &d.last_status, d.next_attempt_at) {
                                        (DeliveryState::Pending, Some(s), Some(next)) => format!("{}: {s}; next try {}", d.state.label(), when(next)),
                                        (_, Some(s), _) => s.clone(),
                                        (state, None, _) => state.label().to_string(),
                                    };
                                    view! {
                                        <tr data-testid="webhook-delivery">
                                            <td class="py-1.5 pr-4 whitespace-nowrap">{when(d.created_at)}</td>
                                            <td class="py-1.5 pr-4 font-mono">{d.event_type.clone()}</td>
                                            <td class="py-1.5 pr-4 font-mono">{d.event_id.clone()}</td>
                                            <td class=format!("py-1.5 pr-4 {state_class}")>{detail}</td>
                                            <td class="py-1.5 pr-4">{d.attempts}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                    </InnerTable>
                })}
            </div>
        </Card>
    }
}
