//! The sending banner at the top of every workspace page (SPEC §10.1–10.2): everyone sees
//! whether messages go out (shadow mode, live, stopped, platform stop); owners and admins get
//! "Go live" (a dialog that asks for the workspace's name), "Back to shadow", and the red
//! "Stop all sending" that holds the very next send.

use crate::api::sending::*;
use crate::components::*;
use crate::pages::shell::WorkspaceCtx;
use domain::allocate::{RampOverview, RampStatus};
use domain::sending::SendingState;
use leptos::prelude::*;

#[component]
pub fn SendingBanner() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let go = ServerAction::<GoLive>::new();
    let shadow = ServerAction::<BackToShadow>::new();
    let stop = ServerAction::<StopSending>::new();
    let resume = ServerAction::<ResumeSending>::new();
    let start_ramp = ServerAction::<StartRamp>::new();
    let graduate = ServerAction::<GraduateRamp>::new();
    let leave = ServerAction::<LeaveRamp>::new();
    let state = LocalResource::new(move || {
        let _ = (go.version().get(), shadow.version().get(), stop.version().get(), resume.version().get());
        let _ = (start_ramp.version().get(), graduate.version().get(), leave.version().get());
        get_sending_state(ws.id.get())
    });
    let ramp_dialog = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(start_ramp.value().get(), Some(Ok(_))) {
            ramp_dialog.set(false);
        }
    });
    let dialog = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(go.value().get(), Some(Ok(_))) {
            dialog.set(false);
        }
    });
    // The header's "Shadow mode" pill reads the workspace summary: refresh it when the mode
    // changes here, so it never disagrees with the banner.
    Effect::new(move |prev: Option<()>| {
        let changed = matches!(go.value().get(), Some(Ok(_))) || matches!(shadow.value().get(), Some(Ok(_)));
        if prev.is_some() && changed {
            ws.info.refetch();
        }
    });
    view! {
        {move || state.get().and_then(|r| r.ok()).map(|s: SendingState| {
            let manage = s.can_manage;
            let (tone, text) = if s.platform_stop {
                ("border-red-300 bg-red-50 text-red-900", format!("Platform emergency stop: nothing is sent ({}).", s.platform_stop_reason.clone().unwrap_or_default()))
            } else if s.paused {
                ("border-red-300 bg-red-50 text-red-900", format!("Sending stopped: {}. Nothing goes out until it is resumed.", s.paused_reason.clone().unwrap_or_default()))
            } else if s.shadow_mode {
                ("border-amber-300 bg-amber-50 text-amber-900", "Shadow mode: messages are rendered and kept in the Outbox, never sent.".to_string())
            } else {
                ("border-emerald-300 bg-emerald-50 text-emerald-900", "Live: approved messages are sent.".to_string())
            };
            let label = StoredValue::new(format!("Workspace name: {}", s.confirm_text));
            view! {
                <div class=format!("mb-4 flex flex-wrap items-center gap-3 rounded-lg border px-4 py-2 text-sm {tone}") role="status" data-testid="sending-banner"
                    data-state=if s.platform_stop { "platform-stop" } else if s.paused { "stopped" } else if s.shadow_mode { "shadow" } else { "live" }>
                    <span class="flex-1 font-medium" data-testid="sending-state">{text}</span>
                    {(manage && s.shadow_mode).then(|| view! {
                        <button class=BUTTON type="button" data-testid="go-live" on:click=move |_| dialog.set(true)>"Go live"</button>
                    })}
                    {(manage && !s.shadow_mode).then(|| view! {
                        <button class=BUTTON_SECONDARY type="button" data-testid="back-to-shadow"
                            on:click=move |_| { shadow.dispatch(BackToShadow { workspace: ws.id.get_untracked() }); }>"Back to shadow"</button>
                    })}
                    {(manage && s.paused).then(|| view! {
                        <button class=BUTTON_SECONDARY type="button" data-testid="resume-sending"
                            on:click=move |_| { resume.dispatch(ResumeSending { workspace: ws.id.get_untracked() }); }>"Resume sending"</button>
                    })}
                    {(manage && s.ramp.is_none()).then(|| view! {
                        <button class=BUTTON_SECONDARY type="button" data-testid="start-ramp" on:click=move |_| ramp_dialog.set(true)>"Ramp mode…"</button>
                    })}
                    {(manage && !s.paused).then(|| view! {
                        <button type="button" data-testid="stop-sending"
                            class="inline-flex items-center rounded-md bg-red-600 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-red-500 focus-visible:ring-2 focus-visible:ring-red-500"
                            on:click=move |_| { stop.dispatch(StopSending { workspace: ws.id.get_untracked(), reason: None }); }>"Stop all sending"</button>
                    })}
                </div>
                {s.ramp.map(|r| view! { <RampLine ramp=r manage=manage graduate=graduate leave=leave/> })}
                <Show when=move || ramp_dialog.get()>
                    <RampDialog action=start_ramp open=ramp_dialog/>
                </Show>
                <Show when=move || dialog.get()>
                    <Modal id="go-live" title="Go live?" on_close=move || dialog.set(false) initial_focus="go-live-confirm" attr:data-testid="go-live-dialog">
                        <p class="mt-2 text-sm text-slate-600">"From the next dispatch round approved messages are sent for real from your mailboxes. Type the workspace name to confirm."</p>
                        <ActionForm action=go attr:class="mt-4 space-y-3">
                            <input type="hidden" name="workspace" value=move || ws.id.get()/>
                            <label class=LABEL for="go-live-confirm">{label.get_value()}</label>
                            <input class=INPUT id="go-live-confirm" name="confirmation" autocomplete="off" required data-testid="go-live-confirm"/>
                            <FormError value=go.value()/>
                            <div class="flex justify-end gap-2">
                                <button class=BUTTON_SECONDARY type="button" on:click=move |_| dialog.set(false)>"Cancel"</button>
                                <button class=BUTTON type="submit" data-testid="go-live-submit" disabled=move || go.pending().get()>"Go live"</button>
                            </div>
                        </ActionForm>
                    </Modal>
                </Show>
            }
        })}
        <FormError value=stop.value()/>
        <FormError value=graduate.value()/>
        <FormError value=leave.value()/>
    }
}

/// The ramp's day, limit, tiers and progress toward graduation, under the sending banner.
#[component]
fn RampLine(ramp: RampOverview, manage: bool, graduate: ServerAction<GraduateRamp>, leave: ServerAction<LeaveRamp>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let tiers: Vec<&str> = ramp.mode.tiers.iter().map(|t| t.as_str()).collect();
    let (progress, ready) = match ramp.status {
        RampStatus::Supervised { day, clean_days, needed } => (format!("day {day} · {clean_days} of {needed} clean days"), false),
        RampStatus::ReadyToGraduate => ("ready to graduate".to_string(), true),
        RampStatus::Graduated => (String::new(), false),
    };
    view! {
        <div class="-mt-2 mb-4 flex flex-wrap items-center gap-3 rounded-lg border border-sky-200 bg-sky-50 px-4 py-2 text-sm text-sky-900" role="status" data-testid="ramp-banner">
            <span class="flex-1">
                <b>"Ramp mode"</b> " · up to " {ramp.mode.daily_limit} " sends a day to " {tiers.join(", ")} " leads · "
                <span data-testid="ramp-sent-today">{ramp.sent_today} " of " {ramp.mode.daily_limit} " sent today"</span> " · " {progress}
            </span>
            {(manage && ready).then(|| view! {
                <button class=BUTTON type="button" data-testid="graduate-ramp"
                    on:click=move |_| { graduate.dispatch(GraduateRamp { workspace: ws.id.get_untracked() }); }>"Graduate"</button>
            })}
            {manage.then(|| view! {
                <button class=BUTTON_SECONDARY type="button" data-testid="leave-ramp"
                    on:click=move |_| { leave.dispatch(LeaveRamp { workspace: ws.id.get_untracked() }); }>"Leave ramp mode"</button>
            })}
        </div>
    }
}

/// Starts ramp mode: a daily limit, the tiers to send to and the supervised days (seed 001's
/// 5 a day, hot leads, 3 days by default).
#[component]
fn RampDialog(action: ServerAction<StartRamp>, open: RwSignal<bool>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let limit = RwSignal::new("5".to_string());
    let days = RwSignal::new("3".to_string());
    let tiers = RwSignal::new(vec!["hot".to_string()]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(StartRamp {
            workspace: ws.id.get_untracked(),
            daily_limit: limit.get_untracked().trim().parse().unwrap_or(0),
            supervised_days: days.get_untracked().trim().parse().unwrap_or(0),
            tiers: tiers.get_untracked(),
        });
    };
    view! {
        <Modal id="ramp" title="Start ramp mode" on_close=move || open.set(false) attr:data-testid="ramp-dialog">
            <form class="mt-2 space-y-4" on:submit=submit>
                <p class="text-sm text-slate-600">"Send a few messages a day to your best leads while you watch the replies and bounces. After the supervised days go cleanly, graduate to the full volume."</p>
                <div class="grid grid-cols-2 gap-3">
                    <div>
                        <label class=LABEL for="ramp-limit">"Sends a day"</label>
                        <input class=INPUT id="ramp-limit" type="number" min="1" max="500" required prop:value=limit on:input=move |ev| limit.set(event_target_value(&ev))/>
                    </div>
                    <div>
                        <label class=LABEL for="ramp-days">"Supervised days"</label>
                        <input class=INPUT id="ramp-days" type="number" min="1" max="90" required prop:value=days on:input=move |ev| days.set(event_target_value(&ev))/>
                    </div>
                </div>
                <fieldset>
                    <legend class=LABEL>"Send only to"</legend>
                    <div class="flex flex-wrap gap-4">
                        {["hot", "warm", "cool", "cold"].into_iter().map(|t| view! {
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" data-testid=format!("ramp-tier-{t}") prop:checked=move || tiers.with(|v| v.iter().any(|x| x == t))
                                    on:change=move |ev| { let on = event_target_checked(&ev); tiers.update(|v| { v.retain(|x| x != t); if on { v.push(t.to_string()); } }); }/>
                                {t} " leads"
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <FormError value=action.value()/>
                <div class="flex justify-end gap-2">
                    <button class=BUTTON_SECONDARY type="button" on:click=move |_| open.set(false)>"Cancel"</button>
                    <button class=BUTTON type="submit" data-testid="ramp-submit" disabled=move || action.pending().get()>"Start ramp mode"</button>
                </div>
            </form>
        </Modal>
    }
}
