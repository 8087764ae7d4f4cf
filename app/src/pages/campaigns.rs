//! The Campaigns section: the list with status and numbers, and the editor (new or existing):
//! settings, the cadence editor, sending window, target accounts, sender identity, and the
//! activate / pause / resume / archive buttons with the engine's reasons when refused.

use crate::api::campaigns::*;
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::campaign::CampaignStatus;
use domain::score::Channel;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

pub fn status_badge(s: CampaignStatus) -> impl IntoView {
    let tone = match s {
        CampaignStatus::Draft => Tone::Neutral,
        CampaignStatus::Active => Tone::Good,
        CampaignStatus::Paused => Tone::Warn,
        CampaignStatus::Archived => Tone::Muted,
    };
    view! { <Badge tone=tone class="capitalize" attr:data-testid="campaign-status">{s.as_str()}</Badge> }
}

fn label(s: &str) -> String {
    let s = s.replace('_', " ");
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

#[component]
pub fn CampaignsPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_edit = CurrentWorkspace::get().role.can(Action::EditCampaigns);
    let list = LocalResource::new(move || list_campaigns(ws.id.get(), false));
    view! {
        <Title text="Campaigns"/>
        <div class="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Campaigns"</h1>
                <p class="mt-1 text-sm text-slate-600">"Sequences across email and LinkedIn, with limits you control."</p>
            </div>
            {can_edit.then(|| view! {
                <a class=BUTTON href=move || format!("/w/{}/campaigns/new", ws.id.get()) data-testid="new-campaign">"New campaign"</a>
            })}
        </div>
        {move || loaded_or_empty(list.get(), Vec::is_empty, || view! {
                <Empty
                    title="No campaigns yet"
                    body="A campaign takes leads through a cadence of personalised touches, sent only within caps and sending windows."
                    hint="New workspaces start in shadow mode: nothing is sent until an owner or admin goes live."
                />
            }.into_any(), |rows| view! {
                <Table attr:data-testid="campaigns-table" caption="Campaigns"
                    head=vec![("Campaign", ""), ("Status", ""), ("Leads", "text-right"), ("Drafts waiting", "text-right"), ("Sent", "text-right")]>
                            {rows.into_iter().map(|c| view! {
                                <tr class="hover:bg-slate-50" data-testid="campaign-row">
                                    <td class="px-4 py-3"><a class="font-medium text-indigo-700 hover:underline" href=format!("/w/{}/campaigns/{}", ws.id.get_untracked(), c.id)>{c.name.clone()}</a></td>
                                    <td class="px-4 py-3">{status_badge(c.status)}</td>
                                    <td class="px-4 py-3 text-right tabular-nums">{c.leads}</td>
                                    <td class="px-4 py-3 text-right tabular-nums">{c.pending_drafts}</td>
                                    <td class="px-4 py-3 text-right tabular-nums">{c.sent}</td>
                                </tr>
                            }).collect_view()}
                </Table>
            }.into_any())}
    }
}

#[component]
pub fn NewCampaignPage() -> impl IntoView {
    view! {
        <Title text="New campaign"/>
        <BackLink/>
        <h1 class="mb-6 text-2xl font-semibold tracking-tight">"New campaign"</h1>
        <Editor initial=CampaignForm::new_default() id=None status=None/>
    }
}

#[component]
fn BackLink() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! { <a href=move || format!("/w/{}/campaigns", ws.id.get()) class="mb-4 inline-block text-sm text-indigo-700 hover:underline">"← All campaigns"</a> }
}

#[component]
pub fn CampaignPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let params = use_params_map();
    let (version, set_version) = signal(0u32);
    let campaign = LocalResource::new(move || {
        version.track();
        get_campaign(ws.id.get(), params.read().get("id").unwrap_or_default())
    });
    view! {
        <Title text="Campaign"/>
        <BackLink/>
        {move || match campaign.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(e)) => view! { <Empty title="Campaign not found" body="It does not exist in this workspace."/> <p class="sr-only">{e.message}</p> }.into_any(),
            Some(Ok(c)) => view! {
                <header class="mb-6 flex flex-wrap items-center gap-3">
                    <h1 class="text-2xl font-semibold tracking-tight" data-testid="campaign-name">{c.form.name.clone()}</h1>
                    {status_badge(c.status)}
                    <a class=format!("ml-auto {BUTTON_SECONDARY}") rel="external" data-testid="campaign-messages-csv"
                        href=format!("/w/{}/campaigns/{}/messages.csv", ws.id.get_untracked(), c.id)>"Download messages (CSV)"</a>
                </header>
                <StatusButtons id=c.id.clone() status=c.status on_change=set_version/>
                <Editor initial=c.form.clone() id=Some(c.id.clone()) status=Some(c.status)/>
            }.into_any(),
        }}
    }
}

/// The moves the status machine allows from here, each a button; a refusal (plan limit,
/// missing sender identity) is shown as the engine words it.
#[component]
fn StatusButtons(id: String, status: CampaignStatus, on_change: WriteSignal<u32>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    if !CurrentWorkspace::get().role.can(Action::EditCampaigns) {
        return ().into_any();
    }
    let act = ServerAction::<SetCampaignStatus>::new();
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(_))) {
            on_change.update(|v| *v += 1);
        }
    });
    let moves: Vec<(&'static str, &'static str, &'static str)> = match status {
        CampaignStatus::Draft => vec![("active", "Activate", BUTTON), ("archived", "Archive", BUTTON_DANGER)],
        CampaignStatus::Active => vec![("paused", "Pause", BUTTON_SECONDARY), ("archived", "Archive", BUTTON_DANGER)],
        CampaignStatus::Paused => vec![("resume", "Resume", BUTTON), ("archived", "Archive", BUTTON_DANGER)],
        CampaignStatus::Archived => vec![],
    };
    view! {
        <div class="mb-6 flex flex-col gap-2">
            <div class="flex flex-wrap gap-2">
                {moves.into_iter().map(|(to, text, class)| {
                    let id = id.clone();
                    view! {
                        <button type="button" class=class data-testid=format!("campaign-{text}").to_lowercase()
                            disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(SetCampaignStatus { workspace: ws.id.get_untracked(), campaign: id.clone(), status: to.into() }); }>
                            {text}
                        </button>
                    }
                }).collect_view()}
            </div>
            <div aria-live="polite"><FormError value=act.value()/></div>
        </div>
    }
    .into_any()
}

#[component]
fn Editor(initial: CampaignForm, id: Option<String>, status: Option<CampaignStatus>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_edit = CurrentWorkspace::get().role.can(Action::EditCampaigns) && status != Some(CampaignStatus::Archived);
    let form = RwSignal::new(initial);
    let create = ServerAction::<CreateCampaign>::new();
    let update = ServerAction::<UpdateCampaign>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(new_id)) = create.value().get() {
            navigate(&format!("/w/{}/campaigns/{new_id}", ws.id.get_untracked()), Default::default());
        }
    });
    let is_new = id.is_none();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.get_untracked();
        match id.clone() {
            None => {
                create.dispatch(CreateCampaign { workspace: ws.id.get_untracked(), form: f });
            }
            Some(c) => {
                update.dispatch(UpdateCampaign { workspace: ws.id.get_untracked(), campaign: c, form: f });
            }
        }
    };
    let text = move |key: &'static str, title: &'static str, get: fn(&CampaignForm) -> String, set: fn(&mut CampaignForm, String)| view! {
        <div>
            <label class=LABEL for=format!("c-{key}")>{title}</label>
            <input class=INPUT id=format!("c-{key}") data-testid=format!("c-{key}") prop:value=move || form.with(get) disabled=!can_edit
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))/>
        </div>
    };
    view! {
        <form on:submit=save class="space-y-6" data-testid="campaign-form" aria-label="Campaign settings">
            <Card title="Campaign">
                <div class="grid gap-4 sm:grid-cols-2">
                    {text("name", "Name", |f| f.name.clone(), |f, v| f.name = v)}
                    <div>
                        <label class=LABEL for="c-mode">"Permission mode"</label>
                        <select id="c-mode" class=INPUT disabled=!can_edit data-testid="c-mode"
                            on:change=move |ev| form.update(|f| f.permission_mode = event_target_value(&ev))>
                            {[("", "Workspace default"), ("autopilot", "Autopilot — approve what passes the guard"), ("co_pilot", "Co-pilot — first touches wait for a human"), ("manual", "Manual — every touch waits")]
                                .into_iter().map(|(v, l)| view! { <option value=v selected=move || form.with(|f| f.permission_mode == v)>{l}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="sm:col-span-2">
                        <label class=LABEL for="c-description">"Description"</label>
                        <textarea id="c-description" class=INPUT rows="2" disabled=!can_edit prop:value=move || form.with(|f| f.description.clone())
                            on:input=move |ev| form.update(|f| f.description = event_target_value(&ev))></textarea>
                    </div>
                    <fieldset class="sm:col-span-2">
                        <legend class=LABEL>"Channels"</legend>
                        <div class="flex flex-wrap gap-4">
                            {Channel::ALL.into_iter().map(|c| {
                                let key = c.as_str();
                                // Only email sends today; the other channels are shown, not offered.
                                let works = c == Channel::Email;
                                view! {
                                    <label class="flex items-center gap-2 text-sm" class:text-slate-400=!works
                                        title=(!works).then_some("Not sending yet: steps on this channel are skipped")>
                                        <input type="checkbox" disabled=!can_edit || !works data-testid=format!("c-channel-{key}")
                                            prop:checked=move || form.with(|f| f.channels.iter().any(|x| x == key))
                                            on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| { f.channels.retain(|x| x != key); if on { f.channels.push(key.into()); } }); }/>
                                        {label(key)}
                                        {(!works).then(|| view! { <span class="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-500" data-testid=format!("c-channel-{key}-soon")>"coming soon"</span> })}
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    </fieldset>
                </div>
            </Card>
            <Card title="Cadence">
                <CadenceEditor form=form can_edit=can_edit/>
            </Card>
            <Card title="Sending window">
                <div class="grid gap-4 sm:grid-cols-3">
                    <fieldset class="sm:col-span-3">
                        <legend class=LABEL>"Days (in each lead's time zone)"</legend>
                        <div class="flex flex-wrap gap-3">
                            {WEEKDAYS.into_iter().map(|(key, name, _)| view! {
                                <label class="flex items-center gap-1 text-sm">
                                    <input type="checkbox" disabled=!can_edit prop:checked=move || form.with(|f| f.days.iter().any(|d| d == key))
                                        on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| { f.days.retain(|d| d != key); if on { f.days.push(key.into()); } }); }/>
                                    {name}
                                </label>
                            }).collect_view()}
                        </div>
                    </fieldset>
                    <div>
                        <label class=LABEL for="c-start">"From hour"</label>
                        <input id="c-start" type="number" min="0" max="23" class=INPUT disabled=!can_edit prop:value=move || form.with(|f| f.start_hour.to_string())
                            on:input=move |ev| form.update(|f| f.start_hour = event_target_value(&ev).parse().unwrap_or(0))/>
                    </div>
                    <div>
                        <label class=LABEL for="c-end">"Until hour"</label>
                        <input id="c-end" type="number" min="1" max="24" class=INPUT disabled=!can_edit prop:value=move || form.with(|f| f.end_hour.to_string())
                            on:input=move |ev| form.update(|f| f.end_hour = event_target_value(&ev).parse().unwrap_or(0))/>
                    </div>
                    {text("tz", "Time zone when the lead's is unknown", |f| f.time_zone.clone(), |f, v| f.time_zone = v)}
                    <label class="flex items-center gap-2 text-sm sm:col-span-3">
                        <input type="checkbox" disabled=!can_edit prop:checked=move || form.with(|f| f.ramp)
                            on:change=move |ev| form.update(|f| f.ramp = event_target_checked(&ev))/>
                        "Ramp mode: start slowly (a few sends a day, hot leads first) while you supervise"
                    </label>
                </div>
            </Card>
            <Card title="Target accounts">
                <TargetsEditor form=form can_edit=can_edit/>
            </Card>
            <Card title="Sender identity (required by the Spam Act in every email)">
                <div class="grid gap-4 sm:grid-cols-2">
                    {text("sender-name", "Sender name", |f| f.sender_name.clone(), |f, v| f.sender_name = v)}
                    {text("sender-company", "Company", |f| f.sender_company.clone(), |f, v| f.sender_company = v)}
                    <div class="sm:col-span-2">{text("address", "Physical address", |f| f.physical_address.clone(), |f, v| f.physical_address = v)}</div>
                </div>
            </Card>
            {can_edit.then(|| view! {
                <div class="flex flex-col gap-2" aria-live="polite">
                    <FormError value=create.value()/>
                    <FormError value=update.value()/>
                    {move || matches!(update.value().get(), Some(Ok(()))).then(|| view! { <p class="text-sm text-emerald-800" data-testid="campaign-saved">"Saved."</p> })}
                    <button type="submit" class=format!("{BUTTON} self-start") data-testid="campaign-save" disabled=move || create.pending().get() || update.pending().get()>
                        {if is_new { "Create campaign" } else { "Save changes" }}
                    </button>
                </div>
            })}
        </form>
    }
}

/// Steps in order; each row edits day, channel, action and condition, and moves or removes
/// itself. The domain checks the whole sequence when it is saved.
#[component]
fn CadenceEditor(form: RwSignal<CampaignForm>, can_edit: bool) -> impl IntoView {
    let select = move |i: usize, what: &'static str, options: Vec<String>, get: fn(&StepForm) -> String, set: fn(&mut StepForm, String)| view! {
        <select class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm" disabled=!can_edit aria-label=format!("Step {} {what}", i + 1)
            on:change=move |ev| form.update(|f| if let Some(s) = f.steps.get_mut(i) { set(s, event_target_value(&ev)) })>
            {options.into_iter().map(|o| {
                let sel = o.clone();
                let soon = what == "channel" && o != Channel::Email.as_str();
                view! { <option value=o.clone() selected=move || form.with(|f| f.steps.get(i).map(get) == Some(sel.clone()))>{label(&o)}{soon.then_some(" (coming soon)")}</option> }
            }).collect_view()}
        </select>
    };
    let channels: Vec<String> = Channel::ALL.iter().map(|c| c.as_str().to_string()).collect();
    let actions: Vec<String> = ACTIONS.iter().map(wire).collect();
    let conditions: Vec<String> = CONDITIONS.iter().map(wire).collect();
    view! {
        <ol class="space-y-2" data-testid="cadence-steps">
            {move || (0..form.with(|f| f.steps.len())).map(|i| {
                let n = form.with(|f| f.steps.len());
                view! {
                    <li class="flex flex-wrap items-center gap-2 rounded-md bg-slate-50 px-3 py-2" data-testid="cadence-step">
                        <span class="w-14 text-xs font-semibold text-slate-500">"Step " {i + 1}</span>
                        <label class="flex items-center gap-1 text-sm">"Day"
                            <input type="number" min="1" max="365" class="w-20 rounded-md border border-slate-300 px-2 py-1.5 text-sm" disabled=!can_edit
                                aria-label=format!("Step {} day", i + 1)
                                prop:value=move || form.with(|f| f.steps.get(i).map(|s| s.day.to_string()).unwrap_or_default())
                                on:input=move |ev| form.update(|f| if let Some(s) = f.steps.get_mut(i) { s.day = event_target_value(&ev).parse().unwrap_or(0) })/>
                        </label>
                        {select(i, "channel", channels.clone(), |s| s.channel.clone(), |s, v| s.channel = v)}
                        {select(i, "action", actions.clone(), |s| s.action.clone(), |s, v| s.action = v)}
                        {select(i, "condition", conditions.clone(), |s| s.condition.clone(), |s, v| s.condition = v)}
                        {can_edit.then(|| view! {
                            <span class="ml-auto flex gap-1">
                                <button type="button" class=BUTTON_SECONDARY aria-label=format!("Move step {} up", i + 1) disabled={i == 0}
                                    on:click=move |_| form.update(|f| f.steps.swap(i, i - 1))>"↑"</button>
                                <button type="button" class=BUTTON_SECONDARY aria-label=format!("Move step {} down", i + 1) disabled={i + 1 >= n}
                                    on:click=move |_| form.update(|f| f.steps.swap(i, i + 1))>"↓"</button>
                                <button type="button" class=BUTTON_DANGER aria-label=format!("Remove step {}", i + 1)
                                    on:click=move |_| form.update(|f| { f.steps.remove(i); })>"Remove"</button>
                            </span>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
        {can_edit.then(|| view! {
            <div class="mt-3 flex gap-2">
                <button type="button" class=BUTTON_SECONDARY data-testid="add-step" on:click=move |_| form.update(|f| {
                    let day = f.steps.last().map(|s| s.day.saturating_add(3)).unwrap_or(1);
                    f.steps.push(StepForm { day, channel: "email".into(), action: "custom".into(), condition: "not_replied".into() });
                })>"Add step"</button>
                <button type="button" class=BUTTON_SECONDARY on:click=move |_| form.update(|f| f.steps = CampaignForm::new_default().steps)>"Reset to the default 8 steps"</button>
            </div>
        })}
    }
}

#[component]
fn TargetsEditor(form: RwSignal<CampaignForm>, can_edit: bool) -> impl IntoView {
    view! {
        <p class="mb-3 text-sm text-slate-600">"While this campaign is active, the scores of leads at these companies (by company or email domain, subdomains included) are multiplied; ×1.5 for tier 1 and ×1.2 for tier 2 are common."</p>
        <ul class="space-y-2" data-testid="targets">
            {move || (0..form.with(|f| f.targets.len())).map(|i| view! {
                <li class="flex flex-wrap items-center gap-2">
                    <input class=format!("{INPUT} max-w-xs") placeholder="acme.com.au" aria-label=format!("Target {} domain", i + 1) disabled=!can_edit
                        prop:value=move || form.with(|f| f.targets.get(i).map(|t| t.domain.clone()).unwrap_or_default())
                        on:input=move |ev| form.update(|f| if let Some(t) = f.targets.get_mut(i) { t.domain = event_target_value(&ev) })/>
                    <label class="flex items-center gap-1 text-sm">"×"
                        <input type="number" step="0.1" min="0.1" max="10" class="w-24 rounded-md border border-slate-300 px-2 py-1.5 text-sm" disabled=!can_edit
                            aria-label=format!("Target {} multiplier", i + 1)
                            prop:value=move || form.with(|f| f.targets.get(i).map(|t| t.multiplier.to_string()).unwrap_or_default())
                            on:input=move |ev| form.update(|f| if let Some(t) = f.targets.get_mut(i) { t.multiplier = event_target_value(&ev).parse().unwrap_or(0.0) })/>
                    </label>
                    {can_edit.then(|| view! {
                        <button type="button" class=BUTTON_DANGER aria-label=format!("Remove target {}", i + 1) on:click=move |_| form.update(|f| { f.targets.remove(i); })>"Remove"</button>
                    })}
                </li>
            }).collect_view()}
        </ul>
        {can_edit.then(|| view! {
            <button type="button" class=format!("{BUTTON_SECONDARY} mt-3") on:click=move |_| form.update(|f| f.targets.push(TargetForm { domain: String::new(), multiplier: 1.5 }))>"Add target account"</button>
        })}
    }
}
