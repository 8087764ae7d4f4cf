//! The Outbox: messages by state (shadow, pending, sent, cancelled, failed, unknown) with the
//! recipient, subject, when, and the just-in-time checks recorded on each — which passed, which
//! refused and why. Any message opens in full, so in shadow mode a user reads exactly what
//! would go out, footer and unsubscribe link included (a viewer sees the link's token redacted).

use crate::api::sending::*;
use crate::components::*;
use crate::pages::shell::WorkspaceCtx;
use domain::sending::{OutboxItem, OUTBOX_STATES};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let state = RwSignal::new("shadow".to_string());
    let open = RwSignal::new(None::<String>);
    let page = LocalResource::new(move || list_outbox(ws.id.get(), state.get()));
    let message = LocalResource::new(move || {
        let id = open.get();
        let w = ws.id.get();
        async move {
            match id {
                Some(id) => Some(get_outbox_message(w, id).await),
                None => None,
            }
        }
    });
    view! {
        <Title text="Outbox"/>
        <PageHeader title="Outbox" subtitle="Every message the system has rendered, by state, with the checks it passed just before sending."/>
        <Tabs label="Message states" attr:data-testid="outbox-states">
            {OUTBOX_STATES.iter().map(|s| {
                let s = s.to_string();
                let s2 = s.clone();
                let s3 = s.clone();
                let count = move || page.get().and_then(|r| r.ok()).map(|p| {
                    p.counts.iter().filter(|(k, _)| *k == s3 || (s3 == "pending" && k == "sending")).map(|(_, n)| *n).sum::<i64>()
                }).unwrap_or(0);
                let select = s.clone();
                let testid = format!("outbox-tab-{s}");
                view! {
                    <Tab selected=Signal::derive(move || state.get() == s2) attr:data-testid=testid
                        on_select=Callback::new(move |_| { state.set(select.clone()); open.set(None); })>
                        {s.clone()} <TabCount>{count}</TabCount>
                    </Tab>
                }
            }).collect_view()}
        </Tabs>
        <div class="grid gap-4 lg:grid-cols-2">
            <div>
                {move || loaded_or_empty(page.get(), |p| p.items.is_empty(),
                    || view! { <EmptyLine text="No messages in this state." attr:data-testid="outbox-empty"/> }.into_any(),
                    |p| view! {
                        <Card tag=CardTag::Ul class="divide-y divide-slate-100" attr:data-testid="outbox-list">
                            {p.items.into_iter().map(|i| view! { <Row item=i open=open/> }).collect_view()}
                        </Card>
                    }.into_any())}
            </div>
            <div>
                {move || message.get().flatten().map(|r| loaded(Some(r), |m| {
                        let redacted = m.text.contains("/u/[redacted]");
                        view! {
                        <Card tag=CardTag::Article class="p-5" attr:data-testid="outbox-message">
                            <dl class="mb-3 grid grid-cols-[6rem_1fr] gap-1 text-sm">
                                <dt class="text-slate-500">"From"</dt><dd>{m.from.clone().unwrap_or_else(|| "(the mailbox chosen at send time)".into())}</dd>
                                <dt class="text-slate-500">"To"</dt><dd>{m.item.to_address.clone()}</dd>
                                <dt class="text-slate-500">"Subject"</dt><dd class="font-medium">{m.item.subject.clone()}</dd>
                                <dt class="text-slate-500">"Message-ID"</dt><dd class="font-mono text-xs">{m.message_id.clone()}</dd>
                            </dl>
                            <pre class="whitespace-pre-wrap rounded bg-slate-50 p-3 text-sm" data-testid="outbox-body">{m.text}</pre>
                            {redacted.then(|| view! {
                                <p class="mt-2 text-xs text-slate-500" data-testid="outbox-redacted">"The unsubscribe link's token is hidden from viewers: it would unsubscribe the recipient."</p>
                            })}
                        </Card>
                    }.into_any()
                }))}
            </div>
        </div>
    }
}

#[component]
fn Row(item: OutboxItem, open: RwSignal<Option<String>>) -> impl IntoView {
    let id = item.id.to_string();
    let failed = item.checks.iter().filter(|c| !c.ok).count();
    view! {
        <li class="px-4 py-3" data-testid="outbox-row">
            <button type="button" class="block w-full text-left" on:click=move |_| open.set(Some(id.clone()))>
                <div class="flex justify-between gap-2 text-sm">
                    <span class="truncate font-medium">{item.subject.clone()}</span>
                    <span class="shrink-0 text-xs text-slate-500">{item.when.format("%Y-%m-%d %H:%M UTC").to_string()}</span>
                </div>
                <div class="text-xs text-slate-600">{format!("{} · {} step {}", item.to_address, item.campaign, item.step + 1)}
                    {item.bounced.then(|| " · bounced")}{item.complained.then(|| " · complaint")}</div>
            </button>
            {item.last_error.clone().map(|e| view! { <p class="mt-1 text-xs text-red-700" data-testid="outbox-error">{e}</p> })}
            <details class="mt-1 text-xs" data-testid="outbox-checks">
                <summary class="cursor-pointer text-slate-500">{format!("{} checks, {} refused", item.checks.len(), failed)}</summary>
                <ul class="mt-1 space-y-0.5">
                    {item.checks.into_iter().map(|c| view! {
                        <li class=if c.ok { "text-emerald-700" } else { "text-red-700" }>
                            {if c.ok { "✓ " } else { "✗ " }}<span class="font-medium">{c.check}</span>": "{c.detail}
                        </li>
                    }).collect_view()}
                </ul>
            </details>
        </li>
    }
}
