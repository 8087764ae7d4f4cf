//! Settings → Mailboxes: each mailbox with today's usage against today's cap (the ramp
//! applied), why it is paused if it is, "Test connection", its DKIM record to publish, and its
//! cap and ramp; plus the form to add one. Passwords and keys never come back to the page.
//!
//! A mailbox is a native one (SMTP, with optional IMAP) or a sending account on Instantly or
//! Smartlead: then the form asks for the campaign prepared there and shows the webhook URL to
//! paste into the provider.

use crate::api::mailboxes::*;
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::sending::{ImapSecurity, MailboxInfo, MailboxKind, SmtpSecurity};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MailboxesPage() -> impl IntoView {
    let role = CurrentWorkspace::get().role;
    let ws = WorkspaceCtx::current();
    view! {
        <Title text="Mailboxes"/>
        <PageHeader title="Mailboxes" subtitle="The addresses your emails go out from: over SMTP with DKIM, or through a sending account on Instantly or Smartlead. Each has a daily cap and a ramp that warms it up."/>
        <p class="mb-4 text-sm"><a class="text-indigo-600 hover:underline" href=move || format!("/w/{}/settings", ws.id.get())>"← Settings"</a></p>
        {if role.can(Action::ManageIntegrations) {
            view! { <Mailboxes/> }.into_any()
        } else {
            view! { <p class="text-sm text-slate-600">"Only owners and admins manage mailboxes."</p> }.into_any()
        }}
    }
}

#[component]
fn Mailboxes() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let add = ServerAction::<AddMailbox>::new();
    let changed = RwSignal::new(0u32);
    let kind = RwSignal::new(MailboxKind::Smtp.as_str().to_string());
    let list = LocalResource::new(move || {
        let (id, _, _) = (ws.id.get(), add.version().get(), changed.get());
        list_mailboxes(id)
    });
    view! {
        {move || loaded_or_empty(list.get(), Vec::is_empty, || view! {
            <Empty title="No mailbox yet" body="Add the mailbox your emails should come from. Until one is added the workspace stays in shadow mode."/>
        }.into_any(), |items| view! {
            <div class="space-y-4" data-testid="mailboxes">
                {items.into_iter().map(|m| view! { <MailboxCard item=m changed=changed/> }).collect_view()}
            </div>
        }.into_any())}
        <Card class="mt-6 p-5">
            <h2 class="mb-3 text-base font-semibold">"Add a mailbox"</h2>
            <ActionForm action=add attr:class="grid gap-3 sm:grid-cols-2" attr:data-testid="add-mailbox">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                <div class="sm:col-span-2">
                    <label class=LABEL for="mailbox_kind">"Sends through"</label>
                    <select class=INPUT id="mailbox_kind" name="kind" data-testid="mailbox-kind"
                        on:change=move |ev| kind.set(event_target_value(&ev))>
                        {MailboxKind::ALL.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Field label="Email address" name="address" kind="email" placeholder="sam@youragency.com" required=true/>
                <Field label="Display name" name="display_name" kind="text" placeholder="Sam Carter" required=false/>
                {move || match MailboxKind::parse(&kind.get()).unwrap_or(MailboxKind::Smtp) {
                    MailboxKind::Smtp => view! { <SmtpFields/> }.into_any(),
                    external => view! { <ExternalFields kind=external/> }.into_any(),
                }}
                <div class="grid grid-cols-3 gap-2">
                    <NumberField label="Daily cap" name="daily_cap" value=30/>
                    <NumberField label="Ramp start" name="ramp_start" value=5/>
                    <NumberField label="+ per day" name="ramp_step" value=2/>
                </div>
                <div class="sm:col-span-2 flex items-center gap-3">
                    <button class=BUTTON type="submit" disabled=move || add.pending().get()>"Add mailbox"</button>
                    <FormError value=add.value()/>
                </div>
            </ActionForm>
        </Card>
    }
}

/// A native mailbox's server: SMTP to send, IMAP (optional) to look in the Sent folder.
#[component]
fn SmtpFields() -> impl IntoView {
    view! {
        <Field label="SMTP host" name="smtp_host" kind="text" placeholder="smtp.gmail.com" required=true/>
        <Field label="Port" name="smtp_port" kind="number" placeholder="587" required=true/>
        <div>
            <label class=LABEL for="smtp_security">"Security"</label>
            <select class=INPUT id="smtp_security" name="smtp_security">
                {SmtpSecurity::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
            </select>
        </div>
        <Field label="User name" name="smtp_username" kind="text" placeholder="usually the address" required=false/>
        <Field label="Password (an app password)" name="smtp_password" kind="password" placeholder="" required=false/>
        <fieldset class="sm:col-span-2 grid gap-3 rounded-lg border border-slate-200 p-3 sm:grid-cols-3" data-testid="imap-fields">
            <legend class="px-1 text-sm font-medium text-slate-700">"IMAP (optional)"</legend>
            <p class="sm:col-span-3 text-xs text-slate-500">
                "Used to confirm a send after a crash and to read bounces. It logs in with the SMTP user name and password. Leave empty to skip: a message a crash left in doubt then waits for you in the Outbox."
            </p>
            <Field label="IMAP host" name="imap_host" kind="text" placeholder="imap.gmail.com" required=false/>
            <Field label="IMAP port" name="imap_port" kind="number" placeholder="993" required=false/>
            <div>
                <label class=LABEL for="imap_security">"IMAP security"</label>
                <select class=INPUT id="imap_security" name="imap_security">
                    {ImapSecurity::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </div>
        </fieldset>
    }
}

/// A sending account on Instantly or Smartlead: the campaign prepared there, and the webhook
/// URL to paste into the provider.
#[component]
fn ExternalFields(kind: MailboxKind) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let provider = if kind == MailboxKind::Instantly { "Instantly" } else { "Smartlead" };
    let hook = LocalResource::new(move || sender_webhook_url(ws.id.get(), kind.as_str().to_string()));
    view! {
        <div class="sm:col-span-2 space-y-3 rounded-lg border border-slate-200 bg-slate-50 p-3" data-testid="external-fields">
            <p class="text-sm text-slate-700">
                {format!("Prepare a campaign in {provider} for us: its sending accounts, schedule and tracking as you like, and one step only, whose subject is ")}
                <code class="rounded bg-white px-1">"{{agency_os_subject}}"</code>" and whose body is "<code class="rounded bg-white px-1">"{{agency_os_body}}"</code>
                ". Each approved email joins that campaign as a lead carrying its subject and body (the unsubscribe footer included). Caps, ramp, pause and the bounce guard here still apply."
            </p>
            <div>
                <label class=LABEL for="provider_campaign">{format!("{provider} campaign id")}</label>
                <input class=INPUT id="provider_campaign" name="provider_campaign" type="text" required autocomplete="off"
                    placeholder=kind.campaign_hint() data-testid="provider-campaign"/>
            </div>
            <div>
                <label class=LABEL>"Webhook URL (paste it into the provider's webhook settings, all events)"</label>
                {move || loaded(hook.get(), |url| match url {
                    Some(url) => view! { <input class=format!("{INPUT} font-mono text-xs") readonly value=url data-testid="sender-webhook-url"/> }.into_any(),
                    None => view! {
                        <p class="text-sm text-amber-800" data-testid="sender-webhook-missing">
                            {format!("Store your {provider} API key in Settings → Integrations first: the webhook URL is made with it. Without a key, sends through this account run in the sandbox and nothing leaves.")}
                        </p>
                    }.into_any(),
                })}
            </div>
        </div>
    }
}

#[component]
fn Field(label: &'static str, name: &'static str, kind: &'static str, placeholder: &'static str, required: bool) -> impl IntoView {
    view! {
        <div>
            <label class=LABEL for=name>{label}</label>
            <input class=INPUT id=name name=name type=kind placeholder=placeholder required=required autocomplete="off"/>
        </div>
    }
}

#[component]
fn NumberField(label: &'static str, name: &'static str, value: i32) -> impl IntoView {
    view! {
        <div>
            <label class=LABEL>{label}</label>
            <input class=INPUT name=name type="number" min="0" value=value.to_string() required/>
        </div>
    }
}

#[component]
fn MailboxCard(item: MailboxInfo, changed: RwSignal<u32>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let id = item.id.to_string();
    let test = ServerAction::<TestMailbox>::new();
    let limits = ServerAction::<SetMailboxLimits>::new();
    let dkim = ServerAction::<GenerateDkim>::new();
    let pause = ServerAction::<PauseMailbox>::new();
    let resume = ServerAction::<ResumeMailbox>::new();
    let remove = ServerAction::<RemoveMailbox>::new();
    // Any change reloads the list so usage, pause state and the DKIM record stay true.
    Effect::new(move |_| {
        let v = limits.version().get() + dkim.version().get() + pause.version().get() + resume.version().get() + remove.version().get();
        if v > 0 {
            changed.update(|c| *c += 1);
        }
    });
    let paused = item.paused_at.is_some();
    let pct = if item.cap_today > 0 { (item.used_today * 100 / item.cap_today).min(100) } else { 100 };
    let domain_guess = item.address.rsplit_once('@').map(|(_, d)| d.to_string()).unwrap_or_default();
    let (id1, id2, id3, id4, id5) = (id.clone(), id.clone(), id.clone(), id.clone(), id);
    view! {
        <Card attr:data-testid="mailbox">
            <div class="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-5 py-4">
                <div>
                    <h2 class="text-base font-semibold" data-testid="mailbox-address">{item.address.clone()}</h2>
                    <p class="mt-0.5 text-sm text-slate-500" data-testid="mailbox-transport">{transport_line(&item)}</p>
                </div>
                <Badge tone=if paused { Tone::Bad } else { Tone::Good } attr:data-testid="mailbox-status">{if paused { "Paused" } else { "Sending" }}</Badge>
            </div>
            {item.bounce_check.clone().map(|c| view! {
                <div class=if c.error.is_some() { "border-b border-amber-100 bg-amber-50 px-5 py-2 text-sm text-amber-900" } else { "border-b border-slate-100 px-5 py-2 text-sm text-slate-600" }
                    data-testid="bounce-check">{c.summary()}</div>
            })}
            {item.paused_reason.clone().map(|r| view! {
                <div class="border-b border-red-100 bg-red-50 px-5 py-2 text-sm text-red-800" role="alert" data-testid="mailbox-paused-reason">{format!("Paused: {r}")}</div>
            })}
            <div class="space-y-4 px-5 py-4">
                <div>
                    <div class="flex justify-between text-sm"><span>"Today"</span><span data-testid="mailbox-usage">{format!("{} of {} sent", item.used_today, item.cap_today)}</span></div>
                    <div class="mt-1 h-2 rounded bg-slate-100"><div class="h-2 rounded bg-indigo-500" style=format!("width: {pct}%")></div></div>
                    <p class="mt-1 text-xs text-slate-500">{format!("Ramp: {} a day, +{} a day, up to {}", item.limits.ramp_start, item.limits.ramp_step, item.limits.daily_cap)}</p>
                </div>
                <ActionForm action=limits attr:class="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                    <input type="hidden" name="mailbox" value=id1/>
                    <div class="w-28"><label class=LABEL>"Daily cap"</label><input class=INPUT name="daily_cap" type="number" value=item.limits.daily_cap.to_string()/></div>
                    <div class="w-28"><label class=LABEL>"Ramp start"</label><input class=INPUT name="ramp_start" type="number" value=item.limits.ramp_start.to_string()/></div>
                    <div class="w-28"><label class=LABEL>"+ per day"</label><input class=INPUT name="ramp_step" type="number" value=item.limits.ramp_step.to_string()/></div>
                    <button class=BUTTON_SECONDARY type="submit">"Save limits"</button>
                    <FormError value=limits.value()/>
                </ActionForm>
                {item.kind.is_external().then(|| view! {
                    <div class="rounded-lg bg-slate-50 p-3">
                        <label class=LABEL>"Webhook URL (paste it into the provider, all events)"</label>
                        {match item.webhook_url.clone() {
                            Some(url) => view! { <input class=format!("{INPUT} font-mono text-xs") readonly value=url data-testid="mailbox-webhook-url"/> }.into_any(),
                            None => view! { <p class="text-sm text-amber-800">"No key stored for this provider yet (Settings → Integrations): sends run in the sandbox."</p> }.into_any(),
                        }}
                    </div>
                })}
                <div class="rounded-lg bg-slate-50 p-3" class:hidden=item.kind.is_external()>
                    <h3 class="text-sm font-semibold">"DKIM"</h3>
                    {item.dkim.clone().map(|k| view! {
                        <p class="mt-1 text-xs text-slate-600">{format!("Publish this TXT record ({}, selector {}):", k.algorithm, k.selector)}</p>
                        <label class=LABEL>"Name"</label>
                        <input class=format!("{INPUT} font-mono text-xs") readonly value=k.name data-testid="dkim-name"/>
                        <label class=LABEL>"Value"</label>
                        <textarea class=format!("{INPUT} font-mono text-xs") readonly rows="3" data-testid="dkim-value">{k.value}</textarea>
                    })}
                    <ActionForm action=dkim attr:class="mt-2 flex flex-wrap items-end gap-2">
                        <input type="hidden" name="workspace" value=move || ws.id.get()/>
                        <input type="hidden" name="mailbox" value=id2/>
                        <div><label class=LABEL>"Domain"</label><input class=INPUT name="domain" value=domain_guess required/></div>
                        <div class="w-32"><label class=LABEL>"Selector"</label><input class=INPUT name="selector" value="aos1" required/></div>
                        <div><label class=LABEL>"Algorithm"</label>
                            <select class=INPUT name="algorithm"><option value="ed25519">"ed25519"</option><option value="rsa">"RSA 2048"</option></select>
                        </div>
                        <button class=BUTTON_SECONDARY type="submit" disabled=move || dkim.pending().get()>{if item.dkim.is_some() { "Replace key" } else { "Generate key" }}</button>
                        <FormError value=dkim.value()/>
                    </ActionForm>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    <button class=BUTTON_SECONDARY type="button" disabled=move || test.pending().get() data-testid="test-mailbox"
                        on:click=move |_| { test.dispatch(TestMailbox { workspace: ws.id.get_untracked(), mailbox: id3.clone() }); }>
                        "Test connection"
                    </button>
                    {if paused {
                        view! { <button class=BUTTON_SECONDARY type="button" on:click=move |_| { resume.dispatch(ResumeMailbox { workspace: ws.id.get_untracked(), mailbox: id4.clone() }); }>"Resume"</button> }.into_any()
                    } else {
                        view! { <button class=BUTTON_SECONDARY type="button" on:click=move |_| { pause.dispatch(PauseMailbox { workspace: ws.id.get_untracked(), mailbox: id4.clone(), reason: None }); }>"Pause"</button> }.into_any()
                    }}
                    <button class=BUTTON_DANGER type="button" on:click=move |_| { remove.dispatch(RemoveMailbox { workspace: ws.id.get_untracked(), mailbox: id5.clone() }); }>"Remove"</button>
                    {move || test.value().get().map(|r| match r {
                        Ok(t) => view! { <Outcome ok=t.ok attr:data-testid="connection-test">{t.message}</Outcome> }.into_any(),
                        Err(e) => view! { <Outcome ok=false>{e.message}</Outcome> }.into_any(),
                    })}
                    <FormError value=remove.value()/>
                </div>
            </div>
        </Card>
    }
}

/// How the mailbox sends, one line: server and login, or provider and campaign.
fn transport_line(item: &MailboxInfo) -> String {
    match item.kind {
        MailboxKind::Smtp => {
            let imap = match (&item.imap_host, item.imap_port) {
                (Some(h), Some(p)) => format!("IMAP {h}:{p}"),
                _ => "no IMAP".to_string(),
            };
            format!("{}:{} · {} · {} · {imap}", item.smtp_host, item.smtp_port, item.smtp_security, if item.has_password { "password set" } else { "no login" })
        }
        k => format!("{} · campaign {}", k.label(), item.provider_campaign.as_deref().unwrap_or("?")),
    }
}
