//! Workspace settings: name, drafting policy, budgets, members and roles, invitations, audit
//! log, deletion.

use crate::api::workspaces::*;
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::{Action, InvitationStatus, Role};
use domain::campaign::PermissionMode;
use domain::guard::GuardMode;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let role = CurrentWorkspace::get().role;
    view! {
        <Title text="Settings"/>
        <PageHeader title="Settings" subtitle="Your workspace, its members and what they may do."/>
        <div class="space-y-8">
            <WorkspaceName role=role/>
            <Drafting role=role/>
            <crate::pages::alerts::BudgetsCard role=role/>
            <crate::pages::digests::DigestsCard/>
            <Members role=role/>
            {role.can(Action::ManageMembers).then(|| view! { <Invitations role=role/> })}
            {role.can(Action::ViewBilling).then(|| view! { <BillingLink/> })}
            {role.can(Action::ManageIntegrations).then(|| view! { <IntegrationsLink/> })}
            {role.can(Action::ManageIntegrations).then(|| view! { <MailboxesLink/> })}
            <SuppressionLink/>
            {role.can(Action::ManageIntegrations).then(|| view! { <ApiKeys/> })}
            {role.can(Action::ViewAudit).then(|| view! { <AuditLog/> })}
            {role.can(Action::DeleteWorkspace).then(|| view! { <DangerZone/> })}
        </div>
    }
}

#[component]
fn WorkspaceName(role: Role) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let rename = ServerAction::<RenameWorkspace>::new();
    Effect::new(move |_| {
        if matches!(rename.value().get(), Some(Ok(()))) {
            ws.info.refetch();
        }
    });
    let name = move || ws.info.get().and_then(|r| r.ok()).map(|w| w.name).unwrap_or_default();
    view! {
        <Card title="Workspace">
            {if role.can(Action::RenameWorkspace) {
                view! {
                    <ActionForm action=rename attr:class="flex flex-col gap-3 sm:flex-row sm:items-end">
                        <input type="hidden" name="workspace" value=move || ws.id.get()/>
                        <div class="flex-1">
                            <label class=LABEL for="ws-name">"Name"</label>
                            <input class=INPUT id="ws-name" name="name" required minlength="2" maxlength="80" prop:value=name/>
                        </div>
                        <button class=BUTTON type="submit" disabled=move || rename.pending().get()>"Save"</button>
                    </ActionForm>
                    <div class="mt-2"><FormError value=rename.value()/></div>
                }.into_any()
            } else {
                view! { <p class="text-sm">{name}</p> }.into_any()
            }}
        </Card>
    }
}

/// The workspace's default permission mode and quality guard mode. Everyone sees them; owners
/// and admins change them (audited).
#[component]
fn Drafting(role: Role) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let save = ServerAction::<SetDraftingPolicy>::new();
    let policy = LocalResource::new(move || {
        save.version().get();
        get_drafting_policy(ws.id.get())
    });
    let editable = role.can(Action::ConfigureDrafting);
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    view! {
        <Card title="Drafting and approval" subtitle="How new drafts are handled in campaigns that do not choose for themselves.">
            {move || loaded(policy.get(), |p| view! {
                    <ActionForm action=save attr:class="grid gap-4 sm:grid-cols-2" attr:data-testid="drafting-policy">
                        <input type="hidden" name="workspace" value=move || ws.id.get()/>
                        <div>
                            <label class=LABEL for="ws-permission-mode">"Default permission mode"</label>
                            <select class=INPUT id="ws-permission-mode" name="permission_mode" disabled=!editable>
                                <option value="co_pilot" selected=p.permission_mode == PermissionMode::CoPilot>"Co-pilot: the first message of each sequence waits for approval"</option>
                                <option value="manual" selected=p.permission_mode == PermissionMode::Manual>"Manual: every message waits for approval"</option>
                                <option value="autopilot" selected=p.permission_mode == PermissionMode::Autopilot>"Autopilot: drafts that pass the guard go out without review"</option>
                            </select>
                        </div>
                        <div>
                            <label class=LABEL for="ws-guard-mode">"Quality guard"</label>
                            <select class=INPUT id="ws-guard-mode" name="guard_mode" disabled=!editable>
                                <option value="enforce" selected=p.guard_mode == GuardMode::Enforce>"Enforce: a draft that fails a rule is blocked"</option>
                                <option value="soft" selected=p.guard_mode == GuardMode::Soft>"Soft: it reaches the queue marked with what it would have blocked"</option>
                            </select>
                        </div>
                        {editable.then(|| view! {
                            <div class="flex items-center gap-3 sm:col-span-2">
                                <button class=BUTTON type="submit" disabled=move || save.pending().get()>"Save"</button>
                                <Show when=saved><span class="text-sm text-emerald-700" role="status">"Saved"</span></Show>
                                <FormError value=save.value()/>
                            </div>
                        })}
                    </ActionForm>
                }.into_any())}
        </Card>
    }
}

#[component]
fn Members(role: Role) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let change = ServerAction::<ChangeRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    // Lists below the shell load in the browser: a resource created under the shell's suspense
    // boundary cannot be relied on to keep its server context during streaming.
    let members = LocalResource::new(move || {
        let (id, _, _) = (ws.id.get(), change.version().get(), remove.version().get());
        list_members(id)
    });
    let manage = role.can(Action::ManageMembers);
    view! {
        <Card title="Members" subtitle="Owners manage billing and deletion; admins manage members, integrations and go-live; members run campaigns and approve drafts; viewers only read.">
            <FormError value=change.value()/>
            <FormError value=remove.value()/>
            {move || loaded(members.get(), |list| view! {
                        <ul class="divide-y divide-slate-100" data-testid="members">
                            {list.into_iter().map(|m| {
                                let uid = m.user_id.to_string();
                                let uid2 = uid.clone();
                                let editable = manage && role.can_assign(m.role);
                                view! {
                                    <li class="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="member-row" data-email=m.email.clone()>
                                        <div class="min-w-0">
                                            <div class="truncate text-sm font-medium">{m.name.clone()}</div>
                                            <div class="truncate text-xs text-slate-500">{m.email.clone()}</div>
                                        </div>
                                        <div class="flex items-center gap-2">
                                            {if editable {
                                                view! {
                                                    <label class="sr-only" for=format!("role-{uid}")>"Role"</label>
                                                    <select id=format!("role-{uid}") class="rounded-md border border-slate-300 px-2 py-1 text-sm" data-testid="member-role-select"
                                                        on:change=move |ev| {
                                                            change.dispatch(ChangeRole { workspace: ws.id.get_untracked(), member: uid.clone(), role: event_target_value(&ev) });
                                                        }>
                                                        {Role::ALL.into_iter().filter(|r| role.can_assign(*r)).map(|r| view! {
                                                            <option value=r.as_str() selected=r == m.role>{r.label()}</option>
                                                        }).collect_view()}
                                                    </select>
                                                    <button class=BUTTON_DANGER type="button"
                                                        on:click=move |_| { remove.dispatch(RemoveMember { workspace: ws.id.get_untracked(), member: uid2.clone() }); }>
                                                        "Remove"
                                                    </button>
                                                }.into_any()
                                            } else {
                                                view! { <Badge attr:data-testid="member-role">{m.role.label()}</Badge> }.into_any()
                                            }}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any())}
        </Card>
    }
}

#[component]
fn Invitations(role: Role) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let invite = ServerAction::<InviteMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let list = LocalResource::new(move || {
        let (id, _, _) = (ws.id.get(), invite.version().get(), revoke.version().get());
        list_invitations(id)
    });
    view! {
        <Card title="Invite someone" subtitle="They get a link to join with the role you pick. Links expire after 7 days.">
            <ActionForm action=invite attr:class="grid gap-3 sm:grid-cols-[1fr_auto_auto] sm:items-end" attr:data-testid="invite-form">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                <div>
                    <label class=LABEL for="invite-email">"Email"</label>
                    <input class=INPUT id="invite-email" name="email" type="email" required maxlength="254" placeholder="colleague@agency.com"/>
                </div>
                <div>
                    <label class=LABEL for="invite-role">"Role"</label>
                    <select class=INPUT id="invite-role" name="role">
                        {Role::ALL.into_iter().filter(|r| role.can_assign(*r)).map(|r| view! {
                            <option value=r.as_str() selected=r == Role::Member>{r.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button class=BUTTON type="submit" disabled=move || invite.pending().get()>
                    {move || if invite.pending().get() { "Inviting…" } else { "Send invitation" }}
                </button>
            </ActionForm>
            <div class="mt-3"><FormError value=invite.value()/></div>
            {move || invite.value().get().and_then(|r| r.ok()).map(|issued| view! {
                <div class="mt-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm" data-testid="invite-issued">
                    <p class="font-medium text-emerald-900">"Invitation created for " {issued.invitation.email.clone()} ". Send them this link:"</p>
                    <input class=format!("{INPUT} mt-2 font-mono text-xs") readonly value=issued.link.clone() data-testid="invite-link" on:focus=|ev| {
                        #[cfg(feature = "hydrate")]
                        {
                            use wasm_bindgen::JsCast;
                            if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) { el.select(); }
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }/>
                </div>
            })}
            <h3 class="mt-6 text-sm font-semibold text-slate-700">"Invitations"</h3>
            <FormError value=revoke.value()/>
            {move || loaded_or_empty(list.get(), Vec::is_empty, || view! { <div class="mt-2"><EmptyLine text="No invitations yet."/></div> }.into_any(), |items| view! {
                            <ul class="mt-2 divide-y divide-slate-100" data-testid="invitations">
                                {items.into_iter().map(|i| {
                                    let id = i.id.to_string();
                                    let pending = i.status == InvitationStatus::Pending;
                                    view! {
                                        <li class="flex items-center justify-between py-2 text-sm">
                                            <span class="min-w-0 truncate">{i.email.clone()} <span class="text-slate-500">" · " {i.role.label()} " · " {i.status.label()}</span></span>
                                            {pending.then(|| view! {
                                                <button class=BUTTON_SECONDARY type="button" on:click=move |_| {
                                                    revoke.dispatch(RevokeInvitation { workspace: ws.id.get_untracked(), invitation: id.clone() });
                                                }>"Revoke"</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any())}
        </Card>
    }
}

#[component]
fn ApiKeys() -> impl IntoView {
    use crate::api::api_keys::{list_api_keys, CreateApiKey, RevokeApiKey};
    let ws = WorkspaceCtx::current();
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = LocalResource::new(move || {
        let (id, _, _) = (ws.id.get(), create.version().get(), revoke.version().get());
        list_api_keys(id)
    });
    view! {
        <Card title="API keys" subtitle="For the REST API (/api/v1, described at /api/v1/openapi.json). A key is shown once; only its hash is kept.">
            <ActionForm action=create attr:class="flex flex-col gap-3 sm:flex-row sm:items-end" attr:data-testid="api-key-form">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                <div class="flex-1">
                    <label class=LABEL for="api-key-name">"Key name"</label>
                    <input class=INPUT id="api-key-name" name="name" required maxlength="80" placeholder="e.g. CRM sync"/>
                </div>
                <button class=BUTTON type="submit" disabled=move || create.pending().get()>"Create key"</button>
            </ActionForm>
            <div class="mt-2"><FormError value=create.value()/><FormError value=revoke.value()/></div>
            {move || create.value().get().and_then(|r| r.ok()).map(|k| view! {
                <div class="mt-3 rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm" data-testid="api-key-created">
                    <p class="font-medium text-emerald-900">"Copy this key now; it will not be shown again."</p>
                    <input class=format!("{INPUT} mt-2 font-mono text-xs") readonly value=k.key.clone() data-testid="api-key-secret"/>
                </div>
            })}
            {move || loaded_or_empty(keys.get(), Vec::is_empty, || view! { <div class="mt-3"><EmptyLine text="No API keys yet."/></div> }.into_any(), |list| view! {
                        <ul class="mt-3 divide-y divide-slate-100 text-sm" data-testid="api-keys">
                            {list.into_iter().map(|k| {
                                let id = k.id.to_string();
                                let live = k.revoked_at.is_none();
                                view! {
                                    <li class="flex items-center justify-between py-2">
                                        <span class="min-w-0 truncate"><b>{k.name.clone()}</b> " · " <code class="text-xs">{k.prefix.clone()} "…"</code>
                                            <span class="text-slate-500">{if live { String::new() } else { " · revoked".to_string() }}</span></span>
                                        {live.then(|| view! {
                                            <button class=BUTTON_DANGER type="button" on:click=move |_| {
                                                revoke.dispatch(RevokeApiKey { workspace: ws.id.get_untracked(), key: id.clone() });
                                            }>"Revoke"</button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any())}
        </Card>
    }
}

/// The way to Settings → Integrations (provider keys).
#[component]
fn IntegrationsLink() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! {
        <Card title="Integrations" subtitle="Providers, reply notifications (Slack) and meeting bookings (Cal.com, Calendly).">
            // Named from the same list the Integrations page shows, so the summary cannot drift from it.
            <p class="mb-3 text-sm text-slate-600" data-testid="integrations-summary">{format!(
                "{}: sandbox (or the installation's key) until you connect your own.",
                domain::integrations::Integration::ALL.iter().map(|i| i.label()).collect::<Vec<_>>().join(", ")
            )}</p>
            <a class=BUTTON_SECONDARY href=move || format!("/w/{}/settings/integrations", ws.id.get()) data-testid="integrations-link">"Manage provider keys"</a>
        </Card>
    }
}

/// The way to the Billing page (plan, usage, invoices).
#[component]
fn BillingLink() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! {
        <Card title="Billing" subtitle="Your plan, its usage against each limit, invoices and upgrades.">
            <a class=BUTTON_SECONDARY href=move || format!("/w/{}/billing", ws.id.get()) data-testid="billing-link">"Billing"</a>
        </Card>
    }
}

/// The way to Settings → Mailboxes (SMTP, caps, DKIM).
#[component]
fn MailboxesLink() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! {
        <Card title="Mailboxes" subtitle="The addresses emails go out from: SMTP settings, daily caps and ramp, DKIM keys, and why a mailbox paused.">
            <a class=BUTTON_SECONDARY href=move || format!("/w/{}/settings/mailboxes", ws.id.get()) data-testid="mailboxes-link">"Manage mailboxes"</a>
        </Card>
    }
}

/// The way to Settings → Suppression (who is never contacted, on any channel).
#[component]
fn SuppressionLink() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! {
        <Card title="Suppression list" subtitle="Email addresses, domains and phone numbers nothing is ever sent to, on any channel: opt-outs, bounces, and your clients' do-not-contact lists.">
            <a class=BUTTON_SECONDARY href=move || format!("/w/{}/settings/suppression", ws.id.get()) data-testid="suppression-link">"Manage the suppression list"</a>
        </Card>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let entries = LocalResource::new(move || audit_log(ws.id.get()));
    view! {
        <Card title="Audit log" subtitle="Every change in this workspace: who, what, and what it was before.">
            {move || loaded(entries.get(), |list| view! {
                    <ul class="max-h-80 divide-y divide-slate-100 overflow-y-auto text-sm" data-testid="audit-log">
                        {list.into_iter().map(|e| view! {
                            <li class="py-2">
                                <details class="group">
                                    <summary class="flex cursor-pointer list-none flex-col gap-0.5 sm:flex-row sm:justify-between">
                                        <span>
                                            <b>{e.actor.clone().unwrap_or_else(|| "system".into())}</b> " · " <code class="text-xs">{e.action.clone()}</code>
                                            " · " <span class="text-slate-600">{e.target_type.clone()}</span>
                                            {e.target_id.clone().map(|t| view! { " " <code class="text-xs text-slate-500">{t}</code> })}
                                        </span>
                                        <span class="text-xs text-slate-500">{e.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</span>
                                    </summary>
                                    <div class="mt-2 grid gap-2 sm:grid-cols-2" data-testid="audit-change">
                                        <AuditValue label="Before" value=e.before.clone()/>
                                        <AuditValue label="After" value=e.after.clone()/>
                                    </div>
                                </details>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any())}
        </Card>
    }
}

/// One side of an audited change, pretty-printed; "—" when there was none (a creation or a
/// deletion).
#[component]
fn AuditValue(label: &'static str, value: Option<serde_json::Value>) -> impl IntoView {
    let text = value.map(|v| serde_json::to_string_pretty(&v).unwrap_or_default()).unwrap_or_else(|| "—".into());
    view! {
        <div>
            <p class="text-xs font-medium text-slate-500">{label}</p>
            <pre class="mt-0.5 overflow-x-auto rounded bg-slate-50 p-2 text-xs text-slate-700">{text}</pre>
        </div>
    }
}

#[component]
fn DangerZone() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let delete = ServerAction::<DeleteWorkspace>::new();
    let (confirm, set_confirm) = signal(String::new());
    let name = move || ws.info.get().and_then(|r| r.ok()).map(|w| w.name).unwrap_or_default();
    view! {
        <Card title="Delete workspace" subtitle="Removes the workspace for everyone. Its data is kept for the audit trail but nobody can open it.">
            <ActionForm action=delete attr:class="flex flex-col gap-3 sm:flex-row sm:items-end">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                <div class="flex-1">
                    <label class=LABEL for="confirm-delete">"Type the workspace name to confirm"</label>
                    <input class=INPUT id="confirm-delete" on:input=move |ev| set_confirm.set(event_target_value(&ev))/>
                </div>
                <button class=BUTTON_DANGER type="submit" disabled=move || confirm.get() != name()>"Delete workspace"</button>
            </ActionForm>
            <div class="mt-2"><FormError value=delete.value()/></div>
        </Card>
    }
}
