//! The operator's console (`/ops`): every workspace with its plan, status, usage and last
//! activity, and the platform-wide emergency stop (with a reason). Read-only otherwise. Anyone
//! who is not an operator gets the 404 page.

use crate::api::ops::*;
use crate::components::*;
use crate::pages::auth::NotFound;
use domain::plans::{OpsOverview, SubscriptionStatus};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OpsPage() -> impl IntoView {
    let stop = ServerAction::<OpsEmergencyStop>::new();
    let data = Resource::new(move || stop.version().get(), |_| load_ops());
    view! {
        <Title text="Operator console"/>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok(o) => view! { <Console o=o stop=stop/> }.into_any(),
                Err(e) if e.status == 404 => view! { <NotFound/> }.into_any(),
                Err(e) => view! { <div class="p-6"><ErrorBox message=e.message/></div> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Console(o: OpsOverview, stop: ServerAction<OpsEmergencyStop>) -> impl IntoView {
    view! {
        <main class="mx-auto max-w-6xl space-y-6 p-6" data-testid="ops-console">
            <PageHeader title="Operator console" subtitle="Every workspace on this installation. Read-only except the emergency stop; every visit is audited."/>
            <Card class="p-5" attr:data-testid="ops-stop">
                <h2 class="text-base font-semibold">"Emergency stop"</h2>
                {if o.emergency_stop {
                    view! {
                        <p class="mt-1 text-sm text-red-800" data-testid="ops-stop-state">{format!("ON: nothing is sent by any workspace ({}).", o.stop_reason.clone().unwrap_or_default())}</p>
                        <ActionForm action=stop attr:class="mt-3">
                            <input type="hidden" name="on" value="false"/>
                            <button class=BUTTON type="submit" data-testid="ops-stop-lift">"Lift the stop"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <p class="mt-1 text-sm text-slate-600" data-testid="ops-stop-state">"Off: workspaces that are live send."</p>
                        <ActionForm action=stop attr:class="mt-3 flex flex-col gap-2 sm:flex-row sm:items-end">
                            <input type="hidden" name="on" value="true"/>
                            <div class="flex-1">
                                <label class=LABEL for="stop-reason">"Reason (shown to every workspace)"</label>
                                <input class=INPUT id="stop-reason" name="reason" required maxlength="200"/>
                            </div>
                            <button class=BUTTON_DANGER type="submit" data-testid="ops-stop-button">"Stop all sending"</button>
                        </ActionForm>
                    }.into_any()
                }}
                <div class="mt-2"><FormError value=stop.value()/></div>
            </Card>
            <Table attr:data-testid="ops-workspaces" caption="Workspaces" dense=true
                head=vec![("Workspace", ""), ("Plan", ""), ("Status", ""), ("Credits left", ""), ("Leads", ""), ("Active campaigns", ""), ("Last activity", "")]>
                        {o.workspaces.into_iter().map(|w| view! {
                            <tr data-testid="ops-workspace" data-id=w.id.clone()>
                                <td class="px-3 py-2 font-medium">{w.name}</td>
                                <td class="px-3 py-2">{w.tier.label()}</td>
                                <td class=format!("px-4 py-2 {}", if w.status.allows_work() { "" } else { "text-red-700" })>{status_label(w.status)}</td>
                                <td class="px-3 py-2 tabular-nums">{format!("{} / {}", w.credits_remaining, w.lead_pool)}</td>
                                <td class="px-3 py-2 tabular-nums">{w.leads}</td>
                                <td class="px-3 py-2 tabular-nums">{format!("{} / {}", w.active_campaigns, w.campaign_limit)}</td>
                                <td class="px-3 py-2">{w.last_activity.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "never".into())}</td>
                            </tr>
                        }).collect_view()}
            </Table>
        </main>
    }
}

fn status_label(s: SubscriptionStatus) -> &'static str {
    match s {
        SubscriptionStatus::Trialing => "trialing",
        SubscriptionStatus::Active => "active",
        SubscriptionStatus::PastDue => "past due",
        SubscriptionStatus::Cancelled => "cancelled",
        SubscriptionStatus::Paused => "paused",
    }
}
