//! Settings → Digests: each member chooses the digests they get by email; owners and admins set
//! the workspace's time zone (digests are due at 08:00 in it) and which digests its Slack channel
//! gets; anyone can see the latest digest now and have it emailed to themselves.

use crate::api::digests::*;
use crate::components::*;
use crate::pages::shell::WorkspaceCtx;
use domain::digest::{DigestKind, DigestPreview, DigestSettings};
use leptos::prelude::*;

#[component]
pub fn DigestsCard() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let mine = ServerAction::<SetMyDigests>::new();
    let configure = ServerAction::<ConfigureDigests>::new();
    let preview = ServerAction::<PreviewDigest>::new();
    let settings = LocalResource::new(move || {
        let _ = (mine.version().get(), configure.version().get());
        get_digest_settings(ws.id.get())
    });
    view! {
        <Card title="Digests" subtitle="The daily summary (sends, replies, meetings, spend against the daily budget, open alerts) comes at 08:00 every day; the weekly review (the week against the one before, best angles and send times, cost per meeting, the month's forecast) at 08:00 every Monday — both in the workspace's time zone.">
            <div id="digests" data-testid="digests" class="space-y-5">
                {move || loaded(settings.get(), move |s: DigestSettings| view! {
                    <Mine s=s.clone() mine=mine/>
                    <Workspace s=s configure=configure/>
                }.into_any())}
                <div class="flex flex-wrap items-center gap-2 border-t border-slate-100 pt-4">
                    <span class="text-sm text-slate-600">"See the latest now (emailed to you only):"</span>
                    {DigestKind::ALL.into_iter().map(|kind| view! {
                        <button class=BUTTON_SECONDARY type="button" data-testid=format!("digest-preview-{}", kind.as_str()) disabled=move || preview.pending().get()
                            on:click=move |_| { preview.dispatch(PreviewDigest { workspace: ws.id.get_untracked(), kind: kind.as_str().into() }); }>
                            {format!("Send me a preview: {}", kind.label().to_lowercase())}
                        </button>
                    }).collect_view()}
                    <Show when=move || preview.pending().get()><span class="text-sm text-slate-500" role="status">"Building the digest…"</span></Show>
                </div>
                <FormError value=preview.value()/>
                {move || preview.value().get().and_then(|r| r.ok()).map(|p: DigestPreview| view! {
                    <div data-testid="digest-preview" class="space-y-2">
                        {match (&p.emailed_to, &p.note) {
                            (Some(to), _) => view! { <Outcome ok=true>{format!("Emailed to {to}.")}</Outcome> }.into_any(),
                            (None, Some(note)) => view! { <p class="text-sm text-amber-700">{note.clone()}</p> }.into_any(),
                            (None, None) => ().into_any(),
                        }}
                        <p class="text-sm font-medium">{p.subject.clone()}</p>
                        <pre class="max-h-96 overflow-auto whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-xs text-slate-800">{p.text.clone()}</pre>
                    </div>
                })}
            </div>
        </Card>
    }
}

/// The member's own email subscriptions: a change saves at once.
#[component]
fn Mine(s: DigestSettings, mine: ServerAction<SetMyDigests>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let (daily, weekly) = (s.my_daily, s.my_weekly);
    view! {
        <fieldset>
            <legend class=LABEL>{format!("By email to you ({})", s.my_email)}</legend>
            {(!s.email_available).then(|| view! {
                <p class="mb-2 text-sm text-slate-500" data-testid="digest-email-unavailable">"Email digests are off for this installation: its operator has not set a mailbox for notices (AGENCY_OS_NOTIFY_SMTP_URL). Slack digests still work."</p>
            })}
            <div class="flex flex-wrap gap-6">
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" data-testid="digest-my-daily" prop:checked=daily disabled=!s.email_available
                        on:change=move |_| { mine.dispatch(SetMyDigests { workspace: ws.id.get_untracked(), daily: !daily, weekly }); }/>
                    "Daily summary"
                </label>
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" data-testid="digest-my-weekly" prop:checked=weekly disabled=!s.email_available
                        on:change=move |_| { mine.dispatch(SetMyDigests { workspace: ws.id.get_untracked(), daily, weekly: !weekly }); }/>
                    "Weekly review"
                </label>
            </div>
            <FormError value=mine.value()/>
        </fieldset>
    }
}

/// The workspace's time zone and Slack digests: editable by owners and admins, shown to others.
#[component]
fn Workspace(s: DigestSettings, configure: ServerAction<ConfigureDigests>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    if !s.can_configure {
        let slack = match (s.slack_daily, s.slack_weekly) {
            (true, true) => "both digests",
            (true, false) => "the daily summary",
            (false, true) => "the weekly review",
            (false, false) => "no digests",
        };
        return view! {
            <p class="text-sm text-slate-600" data-testid="digest-workspace">{format!("Time zone: {}. The Slack channel gets {slack}.", s.time_zone)}</p>
        }
        .into_any();
    }
    let tz = RwSignal::new(s.time_zone.clone());
    let slack_daily = RwSignal::new(s.slack_daily);
    let slack_weekly = RwSignal::new(s.slack_weekly);
    let saved = move || matches!(configure.value().get(), Some(Ok(_)));
    view! {
        <form class="grid gap-4 sm:grid-cols-3" data-testid="digest-workspace-form"
            on:submit=move |ev| {
                ev.prevent_default();
                configure.dispatch(ConfigureDigests { workspace: ws.id.get_untracked(), time_zone: tz.get_untracked(), slack_daily: slack_daily.get_untracked(), slack_weekly: slack_weekly.get_untracked() });
            }>
            <div>
                <label class=LABEL for="digest-tz">"Workspace time zone"</label>
                <input class=INPUT id="digest-tz" list="digest-tz-names" maxlength="64" required autocomplete="off"
                    prop:value=move || tz.get() on:input=move |ev| tz.set(event_target_value(&ev))/>
                <datalist id="digest-tz-names">
                    {domain::digest::time_zone_names().map(|z| view! { <option value=z/> }).collect_view()}
                </datalist>
            </div>
            <fieldset class="sm:col-span-2">
                <legend class=LABEL>"To the workspace's Slack channel"</legend>
                {if s.slack_connected {
                    view! {
                        <div class="flex flex-wrap gap-6 pt-2">
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" data-testid="digest-slack-daily" prop:checked=move || slack_daily.get() on:change=move |_| slack_daily.update(|v| *v = !*v)/>
                                "Daily summary"
                            </label>
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" data-testid="digest-slack-weekly" prop:checked=move || slack_weekly.get() on:change=move |_| slack_weekly.update(|v| *v = !*v)/>
                                "Weekly review"
                            </label>
                        </div>
                    }.into_any()
                } else {
                    view! { <p class="pt-2 text-sm text-slate-500">"Connect a Slack webhook under Integrations to send digests there."</p> }.into_any()
                }}
            </fieldset>
            <div class="flex items-center gap-3 sm:col-span-3">
                <button class=BUTTON type="submit" data-testid="digest-save" disabled=move || configure.pending().get()>"Save"</button>
                <Show when=saved><Outcome ok=true>"Saved"</Outcome></Show>
                <FormError value=configure.value()/>
            </div>
        </form>
    }
    .into_any()
}
