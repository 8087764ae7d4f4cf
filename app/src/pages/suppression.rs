//! Settings → Suppression (`/w/:ws/settings/suppression`): the workspace's list of email
//! addresses, domains and phone numbers nothing is ever sent to, on any channel. Everyone sees
//! it; members add and import; admins lift entries (audited), never a person's own opt-out.
//! Search, kind and page live in the address, so a filtered view can be shared and reloaded.

use crate::api::suppression::{list_suppressions, AddSuppression, RemoveSuppression};
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::suppression::EntryKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SuppressionPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_add = CurrentWorkspace::get().role.can(Action::EditCampaigns);
    let query = use_query_map();
    let q = Memo::new(move |_| query.read().get("q").unwrap_or_default());
    let kind = Memo::new(move |_| query.read().get("kind").unwrap_or_default());
    let page = Memo::new(move |_| query.read().get("page").and_then(|p| p.parse::<i64>().ok()).unwrap_or(0).max(0));
    let add = ServerAction::<AddSuppression>::new();
    let remove = ServerAction::<RemoveSuppression>::new();
    let list = LocalResource::new(move || {
        add.version().get();
        remove.version().get();
        list_suppressions(ws.id.get(), q.get(), kind.get(), page.get())
    });
    view! {
        <Title text="Suppression list"/>
        <PageHeader
            title="Suppression list"
            subtitle="Nothing is sent to these on any channel: an email address, a domain (which covers all its subdomains) or a phone number. Every send checks the list just before it goes out."/>
        <div class="space-y-6">
            <ImportResult/>
            {can_add.then(|| view! { <AddForm add=add/> })}
            <Card>
                <form method="get" class="flex flex-col gap-3 border-b border-slate-100 px-5 py-4 sm:flex-row sm:items-end" data-testid="suppression-search">
                    <div class="flex-1">
                        <label class=LABEL for="supp-q">"Search"</label>
                        <input class=INPUT id="supp-q" name="q" type="search" placeholder="name@, customer.com, +6141…" prop:value=move || q.get()/>
                    </div>
                    <div>
                        <label class=LABEL for="supp-kind">"Kind"</label>
                        <select class=INPUT id="supp-kind" name="kind">
                            <option value="" selected=move || kind.get().is_empty()>"All"</option>
                            {EntryKind::ALL.into_iter().map(|k| view! {
                                <option value=k.as_str() selected=move || kind.get() == k.as_str()>{humanise(k.as_str())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <button class=BUTTON_SECONDARY type="submit">"Search"</button>
                    <a class=BUTTON_SECONDARY href=move || format!("/w/{}/settings/suppression/export.csv", ws.id.get()) data-testid="suppression-export" rel="external">"Export CSV"</a>
                </form>
                <FormError value=remove.value()/>
                {move || loaded(list.get(), |p| {
                        let total = p.total;
                        let shown = p.entries.len() as i64;
                        let at = page.get();
                        let nav = move |to: i64| {
                            let mut parts = vec![format!("page={to}")];
                            if !q.get_untracked().is_empty() { parts.push(format!("q={}", encode(&q.get_untracked()))); }
                            if !kind.get_untracked().is_empty() { parts.push(format!("kind={}", kind.get_untracked())); }
                            format!("?{}", parts.join("&"))
                        };
                        view! {
                            <p class="px-5 pt-3 text-xs text-slate-500" data-testid="suppression-count">
                                {total} {if total == 1 { " entry" } else { " entries" }}
                                {(p.platform_entries > 0).then(|| format!(" · and {} on the platform-wide list kept by the operator, which applies too", p.platform_entries))}
                            </p>
                            {if p.entries.is_empty() {
                                view! { <p class="px-5 py-6 text-sm text-slate-500">"Nothing here."</p> }.into_any()
                            } else {
                                view! {
                                    <InnerTable class="px-5" caption="Suppressed addresses and domains" attr:data-testid="suppression-table"
                                        head=vec![("Value", ""), ("Kind", ""), ("Why", ""), ("Added", ""), ("", "")]>
                                            {p.entries.into_iter().map(|e| {
                                                let value = e.value.clone();
                                                view! {
                                                    <tr data-testid="suppression-row">
                                                        <td class="py-2 pr-4 font-mono text-xs">{e.value.clone()}</td>
                                                        <td class="py-2 pr-4">{humanise(e.kind.as_str())}</td>
                                                        <td class="py-2 pr-4">{humanise(&e.reason)} {e.note.clone().map(|n| view! { <span class="block text-xs text-slate-500">{n}</span> })}</td>
                                                        <td class="py-2 pr-4 text-xs text-slate-500">{when(e.created_at)}</td>
                                                        <td class="py-2 text-right">
                                                            {e.removable.then(|| view! {
                                                                <ActionForm action=remove>
                                                                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                                                                    <input type="hidden" name="value" value=value.clone()/>
                                                                    <button class=BUTTON_DANGER type="submit" data-testid="suppression-remove">"Remove"</button>
                                                                </ActionForm>
                                                            })}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                    </InnerTable>
                                }.into_any()
                            }}
                            <div class="flex justify-between px-5 py-3 text-sm">
                                {(at > 0).then(|| view! { <a class="underline" href=nav(at - 1)>"← Newer"</a> })}
                                <span></span>
                                {((at + 1) * domain_page_size() < total && shown > 0).then(|| view! { <a class="underline" href=nav(at + 1)>"Older →"</a> })}
                            </div>
                        }.into_any()
                })}
            </Card>
        </div>
    }
}

/// Rows per page (the engine's `flows::suppression::PAGE_SIZE`).
fn domain_page_size() -> i64 {
    50
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[component]
fn AddForm(add: ServerAction<AddSuppression>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! {
        <Card class="grid gap-6 p-5 lg:grid-cols-2">
            <div>
                <h2 class="text-base font-semibold">"Add"</h2>
                <ActionForm action=add attr:class="mt-3 flex flex-col gap-3" attr:data-testid="suppression-add">
                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                    <div>
                        <label class=LABEL for="supp-value">"Email address, domain or phone number"</label>
                        <input class=INPUT id="supp-value" name="value" required maxlength="320" placeholder="customer.com"/>
                    </div>
                    <div class="flex gap-3">
                        <div>
                            <label class=LABEL for="supp-add-kind">"Kind"</label>
                            <select class=INPUT id="supp-add-kind" name="kind">
                                <option value="" selected=true>"Detect"</option>
                                {EntryKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{humanise(k.as_str())}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="flex-1">
                            <label class=LABEL for="supp-note">"Note"</label>
                            <input class=INPUT id="supp-note" name="note" maxlength="500" placeholder="Existing customer"/>
                        </div>
                    </div>
                    <div><button class=BUTTON type="submit" disabled=move || add.pending().get()>"Add to the list"</button></div>
                    <FormError value=add.value()/>
                    {move || add.value().get().and_then(|r| r.ok()).map(|added| view! {
                        <p class="text-sm text-emerald-800" data-testid="suppression-added">{if added { "Added." } else { "Already on the list." }}</p>
                    })}
                </ActionForm>
            </div>
            <div>
                <h2 class="text-base font-semibold">"Import a do-not-contact list"</h2>
                <form method="post" enctype="multipart/form-data" action=move || format!("/w/{}/settings/suppression/import", ws.id.get())
                      class="mt-3 flex flex-col gap-3" data-testid="suppression-import">
                    <label class="sr-only" for="supp-file">"CSV file"</label>
                    <input id="supp-file" name="file" type="file" accept=".csv,text/csv,.txt" required
                           class="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-2 file:text-sm file:font-medium file:text-indigo-700"/>
                    <div><button class=BUTTON type="submit">"Import"</button></div>
                </form>
                <p class="mt-2 text-xs text-slate-500">
                    "CSV with columns email, domain or phone (or value and kind; note optional), or one value per line. Up to 5 MB. Values already listed are skipped; every value that cannot be read is reported with its line."
                </p>
            </div>
        </Card>
    }
}

/// What the last import did, from the page's address (the import route redirects here).
#[component]
fn ImportResult() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        let added = q.get("added")?;
        let already = q.get("already").unwrap_or_default();
        let failed = q.get("failed").unwrap_or_default();
        let errors: Vec<String> = q.get_all("error").unwrap_or_default();
        Some(view! {
            <Card tag=CardTag::Div class="p-5" attr:role="status" attr:data-testid="suppression-import-result">
                <p class="text-sm"><b>{added}</b> " added · " {already} " already listed · " <b>{failed.clone()}</b> " could not be read"</p>
                {(!errors.is_empty()).then(|| view! {
                    <ul class="mt-2 list-disc pl-5 text-sm text-red-800" data-testid="suppression-import-errors">
                        {errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}
                    </ul>
                })}
            </Card>
        })
    }
}
