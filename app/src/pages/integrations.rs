//! Settings → Integrations: each enrichment provider in sandbox mode or connected with the
//! workspace's own key (shown as its last four characters only), with set/replace, remove and
//! "Test connection". Clay also shows the callback URL its table must post results to, and the
//! senders their webhook URL; each such URL can be rotated. Below, the workspace's outbound
//! webhook endpoints (`pages::webhooks`), and the booking webhooks (Cal.com, Calendly): URL and
//! signing secret, made and rotated here.

use crate::api::integrations::*;
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::integrations::{BookingWebhookView, Integration, IntegrationView};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let role = CurrentWorkspace::get().role;
    let ws = WorkspaceCtx::current();
    view! {
        <Title text="Integrations"/>
        <PageHeader title="Integrations" subtitle="Providers run in sandbox mode (realistic, offline, free) until you connect your own key."/>
        <p class="mb-4 text-sm"><a class="text-indigo-600 hover:underline" href=move || format!("/w/{}/settings", ws.id.get())>"← Settings"</a></p>
        {if role.can(Action::ManageIntegrations) {
            view! { <ProviderList/><Notifications/><crate::pages::webhooks::OutboundWebhooks/><BookingWebhooks/> }.into_any()
        } else {
            view! { <p class="text-sm text-slate-600">"Only owners and admins manage integrations."</p> }.into_any()
        }}
    }
}

#[component]
fn ProviderList() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let set = ServerAction::<SetProviderKey>::new();
    let remove = ServerAction::<RemoveProviderKey>::new();
    let rotate = ServerAction::<RotateWebhookToken>::new();
    let list = LocalResource::new(move || {
        let (id, _, _, _) = (ws.id.get(), set.version().get(), remove.version().get(), rotate.version().get());
        list_integrations(id)
    });
    view! {
        <div class="mb-3"><FormError value=set.value()/><FormError value=remove.value()/><FormError value=rotate.value()/></div>
        {move || loaded(list.get(), |items| view! {
            <div class="space-y-4" data-testid="integrations">
                {items.into_iter().map(|i| view! { <ProviderCard item=i set=set remove=remove rotate=rotate/> }).collect_view()}
            </div>
        }.into_any())}
    }
}

#[component]
fn ProviderCard(item: IntegrationView, set: ServerAction<SetProviderKey>, remove: ServerAction<RemoveProviderKey>, rotate: ServerAction<RotateWebhookToken>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let provider = item.provider;
    let slug = provider.slug();
    let test = ServerAction::<TestProviderKey>::new();
    let connected = item.key.is_some();
    let testable = connected || item.platform_key;
    let status = item.status();
    let since = item.key.as_ref().map(|k| format!("set by {} · updated {}", k.created_by, k.updated_at.format("%Y-%m-%d %H:%M UTC")));
    view! {
        <Card attr:data-testid=format!("integration-{slug}")>
            <CardHeader title=provider.label() subtitle=provider.purpose()>
                <Badge tone=if connected { Tone::Good } else { Tone::Neutral } attr:data-testid="integration-status">{status}</Badge>
            </CardHeader>
            <div class="space-y-3 px-5 py-4">
                {since.map(|s| view! { <p class="text-xs text-slate-500">{s}</p> })}
                {item.callback_url.clone().map(|url| view! {
                    <div>
                        <label class=LABEL>{if provider == Integration::Clay {
                            "Callback URL for the table's HTTP API column (keep it secret: it is the password)"
                        } else {
                            "Webhook URL: paste it into the provider's webhook settings for all events (keep it secret: it is the password)"
                        }}</label>
                        <div class="flex gap-2">
                            <input class=format!("{INPUT} font-mono text-xs") readonly value=url
                                data-testid=if provider == Integration::Clay { "clay-callback-url".to_string() } else { format!("webhook-url-{slug}") }/>
                            // A leaked URL is retired by making a new one; the provider must get the new one.
                            <button class=BUTTON_SECONDARY type="button" data-testid=format!("rotate-{slug}") disabled=move || rotate.pending().get()
                                title="Make a new URL: the current one stops working at once"
                                on:click=move |_| { rotate.dispatch(RotateWebhookToken { workspace: ws.id.get_untracked(), provider: slug.to_string() }); }>
                                "Rotate"
                            </button>
                        </div>
                    </div>
                })}
                <ActionForm action=set attr:class="flex flex-col gap-3 sm:flex-row sm:items-end">
                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                    <input type="hidden" name="provider" value=slug/>
                    <div class="flex-1">
                        <label class=LABEL for=format!("key-{slug}")>{if connected { "Replace key" } else { "Key" }}</label>
                        <input class=INPUT id=format!("key-{slug}") name="key" type="password" autocomplete="off" required placeholder=provider.key_hint()/>
                    </div>
                    {provider.extra_hint().map(|hint| view! {
                        <div class="flex-1">
                            <label class=LABEL for=format!("extra-{slug}")>{hint}</label>
                            // Clay's extra is a token (hidden); an endpoint's is a URL and model.
                            <input class=INPUT id=format!("extra-{slug}") name="extra" autocomplete="off"
                                type=if provider == Integration::Clay { "password" } else { "text" }/>
                        </div>
                    })}
                    <button class=BUTTON type="submit" disabled=move || set.pending().get()>"Save"</button>
                </ActionForm>
                <div class="flex flex-wrap items-center gap-2">
                    {testable.then(|| view! {
                        <button class=BUTTON_SECONDARY type="button" disabled=move || test.pending().get()
                            on:click=move |_| { test.dispatch(TestProviderKey { workspace: ws.id.get_untracked(), provider: slug.to_string() }); }>
                            "Test connection"
                        </button>
                    })}
                    {connected.then(|| view! {
                        <button class=BUTTON_DANGER type="button"
                            on:click=move |_| { remove.dispatch(RemoveProviderKey { workspace: ws.id.get_untracked(), provider: slug.to_string() }); }>
                            "Remove key"
                        </button>
                    })}
                    {move || test.value().get().map(|r| match r {
                        Ok(t) => view! {
                            <Outcome ok=t.ok attr:data-testid="connection-test">{t.message}</Outcome>
                        }.into_any(),
                        Err(e) => view! { <Outcome ok=false>{e.message}</Outcome> }.into_any(),
                    })}
                </div>
            </div>
        </Card>
    }
}

/// Who hears when a lead answers positively: a Slack channel (incoming webhook) and, when the
/// installation has a mailbox for it, an email to the owners and admins.
#[component]
fn Notifications() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let set = ServerAction::<SetSlackWebhook>::new();
    let remove = ServerAction::<RemoveSlackWebhook>::new();
    let email = ServerAction::<SetEmailOwners>::new();
    let test = ServerAction::<TestSlackWebhook>::new();
    let current = LocalResource::new(move || {
        let (id, _, _, _) = (ws.id.get(), set.version().get(), remove.version().get(), email.version().get());
        get_notification_settings(id)
    });
    view! {
        <h2 class="mb-1 mt-8 text-lg font-semibold">"Reply notifications"</h2>
        <p class="mb-3 text-sm text-slate-600">"When a lead is interested, asks for a meeting or asks a question, we tell you here as well as in the Inbox."</p>
        <div class="mb-3"><FormError value=set.value()/><FormError value=remove.value()/><FormError value=email.value()/></div>
        {move || loaded(current.get(), |s| {
                let connected = s.slack_last4.is_some();
                view! {
                    <Card attr:data-testid="notifications">
                        <CardHeader title="Slack" level=3 subtitle="An incoming webhook of the channel to post to (Slack → Apps → Incoming Webhooks).">
                            <Badge tone=if connected { Tone::Good } else { Tone::Neutral } attr:data-testid="slack-status">{s.slack_last4.clone().map(|l| format!("connected ••••{l}")).unwrap_or_else(|| "not connected".into())}</Badge>
                        </CardHeader>
                        <div class="space-y-3 px-5 py-4">
                            <ActionForm action=set attr:class="flex flex-col gap-3 sm:flex-row sm:items-end">
                                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                                <div class="flex-1">
                                    <label class=LABEL for="slack-url">{if connected { "Replace webhook URL" } else { "Webhook URL" }}</label>
                                    <input class=INPUT id="slack-url" name="url" type="password" autocomplete="off" required placeholder="https://hooks.slack.com/services/…"/>
                                </div>
                                <button class=BUTTON type="submit" disabled=move || set.pending().get()>"Save"</button>
                            </ActionForm>
                            {connected.then(|| view! {
                                <div class="flex flex-wrap items-center gap-2">
                                    <button class=BUTTON_SECONDARY type="button" data-testid="slack-test" disabled=move || test.pending().get()
                                        on:click=move |_| { test.dispatch(TestSlackWebhook { workspace: ws.id.get_untracked() }); }>
                                        "Send a test message"
                                    </button>
                                    <button class=BUTTON_DANGER type="button"
                                        on:click=move |_| { remove.dispatch(RemoveSlackWebhook { workspace: ws.id.get_untracked() }); }>
                                        "Disconnect"
                                    </button>
                                    {move || test.value().get().map(|r| match r {
                                        Ok(()) => view! { <Outcome ok=true attr:data-testid="slack-test-result">"Sent: look in the channel"</Outcome> }.into_any(),
                                        Err(e) => view! { <Outcome ok=false attr:data-testid="slack-test-result">{e.message}</Outcome> }.into_any(),
                                    })}
                                </div>
                            })}
                            <div class="border-t border-slate-100 pt-3">
                                {if s.email_available {
                                    let on = s.email_owners;
                                    view! {
                                        <label class="flex items-center gap-2 text-sm">
                                            <input type="checkbox" data-testid="email-owners" prop:checked=on
                                                on:change=move |_| { email.dispatch(SetEmailOwners { workspace: ws.id.get_untracked(), on: !on }); }/>
                                            "Email the owners and admins too"
                                        </label>
                                    }.into_any()
                                } else {
                                    view! { <p class="text-sm text-slate-500" data-testid="email-owners-unavailable">"Email notices are off for this installation: its operator has not set a mailbox for them (AGENCY_OS_NOTIFY_SMTP_URL)."</p> }.into_any()
                                }}
                            </div>
                        </div>
                    </Card>
                }.into_any()
        })}
    }
}

/// Cal.com and Calendly: the URL to paste and the signing secret, made on first use and rotated
/// on demand. Until a secret exists every booking webhook for the workspace is refused.
#[component]
fn BookingWebhooks() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let rotate = ServerAction::<RotateBookingSecret>::new();
    let list = LocalResource::new(move || {
        let (id, _) = (ws.id.get(), rotate.version().get());
        list_booking_webhooks(id)
    });
    view! {
        <h2 class="mb-1 mt-8 text-lg font-semibold">"Meeting bookings"</h2>
        <p class="mb-3 text-sm text-slate-600">"A booking whose invitee is one of your leads marks the lead converted, stops its campaigns and credits the touches that led there."</p>
        <div class="mb-3"><FormError value=rotate.value()/></div>
        {move || loaded(list.get(), |items| view! {
            <div class="space-y-4" data-testid="booking-webhooks">
                {items.into_iter().map(|i| view! { <BookingCard item=i rotate=rotate/> }).collect_view()}
            </div>
        }.into_any())}
    }
}

#[component]
fn BookingCard(item: BookingWebhookView, rotate: ServerAction<RotateBookingSecret>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let slug = item.provider.slug();
    let has_secret = item.secret.is_some();
    let since = item.rotated_at.or(item.created_at).map(|t| format!("secret made {}", t.format("%Y-%m-%d %H:%M UTC")));
    view! {
        <Card attr:data-testid=format!("booking-{slug}")>
            <CardHeader title=item.provider.label() level=3 subtitle=item.provider.setup_hint()>
                <Badge tone=if has_secret { Tone::Good } else { Tone::Neutral } attr:data-testid="booking-status">{if has_secret { "Ready" } else { "Not set up" }}</Badge>
            </CardHeader>
            <div class="space-y-3 px-5 py-4">
                <div>
                    <label class=LABEL>"Webhook URL"</label>
                    <input class=format!("{INPUT} font-mono text-xs") readonly value=item.url.clone() data-testid=format!("booking-url-{slug}")/>
                </div>
                {item.secret.clone().map(|secret| view! {
                    <div>
                        <label class=LABEL>"Signing secret (keep it secret: whoever has it can book meetings on your leads)"</label>
                        <input class=format!("{INPUT} font-mono text-xs") readonly autocomplete="off" value=secret
                            data-testid=format!("booking-secret-{slug}")/>
                    </div>
                })}
                {since.map(|s| view! { <p class="text-xs text-slate-500">{s}</p> })}
                <button class=if has_secret { BUTTON_SECONDARY } else { BUTTON } type="button" data-testid=format!("booking-rotate-{slug}")
                    disabled=move || rotate.pending().get()
                    title=if has_secret { "Make a new secret: the current one stops working at once" } else { "Make the secret to paste into the provider" }
                    on:click=move |_| { rotate.dispatch(RotateBookingSecret { workspace: ws.id.get_untracked(), provider: slug.to_string() }); }>
                    {if has_secret { "Rotate secret" } else { "Create secret" }}
                </button>
            </div>
        </Card>
    }
}
