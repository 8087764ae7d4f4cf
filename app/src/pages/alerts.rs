//! Budgets and alerts on screen: the Dashboard's alert panel (spend against the budgets, open
//! alerts with acknowledge and resolve, the week's resolved ones folded away) and the budgets
//! card in Settings.

use crate::api::alerts::*;
use crate::components::*;
use crate::pages::shell::WorkspaceCtx;
use domain::account::{Action, Role};
use domain::alerts::{AlertView, BudgetStatus, Level};
use leptos::prelude::*;

fn aud(x: f64) -> String {
    domain::reports::aud((x * 10_000.0).round() as i64)
}

fn cents(c: i64) -> String {
    aud(c as f64 / 100.0)
}

/// "A$12.30 of A$100.00 today" — or just the spend when there is no budget.
fn against(spent: f64, budget: Option<i64>, when: &str) -> String {
    match budget {
        Some(b) => format!("{} of {} {when}", aud(spent), cents(b)),
        None => format!("{} {when} (no budget)", aud(spent)),
    }
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %b %H:%M UTC").to_string()
}

/// The Dashboard's alerts: what needs attention now, with the spend against the budgets.
/// `refresh` is the Dashboard's tick, so the panel follows the evaluation job.
#[component]
pub fn AlertsPanel(refresh: ReadSignal<u32>, role: Role) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let ack = ServerAction::<AcknowledgeAlert>::new();
    let resolve = ServerAction::<ResolveAlert>::new();
    let alerts = LocalResource::new(move || {
        let (id, _, _, _) = (ws.id.get(), refresh.get(), ack.version().get(), resolve.version().get());
        list_alerts(id)
    });
    let status = LocalResource::new(move || {
        refresh.track();
        get_budget_status(ws.id.get())
    });
    let can_handle = role.can(Action::HandleAlerts);
    view! {
        <Card class="mb-6 p-5" attr:data-testid="alerts-panel">
            <div class="mb-3 flex flex-wrap items-baseline justify-between gap-2">
                <h2 class="text-base font-semibold">"Alerts and budget"</h2>
                {move || status.get().and_then(|r| r.ok()).map(|s: BudgetStatus| view! {
                    <p class="text-sm text-slate-600" data-testid="budget-status">
                        {against(s.spend_today, s.budgets.daily_cents, "today")}" · "{against(s.spend_month, s.budgets.monthly_cents, "this month")}
                        " · "<a class="text-indigo-700 hover:underline" href=format!("/w/{}/settings#budgets", ws.id.get())>"Budgets"</a>
                    </p>
                })}
            </div>
            <FormError value=ack.value()/>
            <FormError value=resolve.value()/>
            {move || loaded(alerts.get(), |list: Vec<AlertView>| {
                let (open, resolved): (Vec<AlertView>, Vec<AlertView>) = list.into_iter().partition(AlertView::is_open);
                let resolved_count = resolved.len();
                view! {
                    {if open.is_empty() {
                        view! { <p class="text-sm text-slate-600" data-testid="no-alerts">"No open alerts. Spend over budget, a stopped workspace, a paused mailbox, failing jobs or sends, and a reached AI cap show here and on Slack."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="space-y-2" data-testid="open-alerts">
                                {open.into_iter().map(|a| view! { <AlertRow alert=a ack=ack resolve=resolve can_handle=can_handle/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(resolved_count > 0).then(|| view! {
                        <details class="mt-3 text-sm">
                            <summary class="cursor-pointer text-slate-600">{format!("Resolved this week ({resolved_count})")}</summary>
                            <ul class="mt-2 space-y-1" data-testid="resolved-alerts">
                                {resolved.into_iter().map(|a| {
                                    let by = match (&a.resolved_by, a.resolved_at) {
                                        (Some(who), Some(t)) => format!("resolved by {who}, {}", when(t)),
                                        (None, Some(t)) => format!("cleared on its own, {}", when(t)),
                                        _ => String::new(),
                                    };
                                    view! { <li class="text-slate-600">{a.title.clone()}" — "{by}</li> }
                                }).collect_view()}
                            </ul>
                        </details>
                    })}
                }.into_any()
            })}
        </Card>
    }
}

#[component]
fn AlertRow(alert: AlertView, ack: ServerAction<AcknowledgeAlert>, resolve: ServerAction<ResolveAlert>, can_handle: bool) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let (tone, box_class) = match alert.level {
        Level::Critical => (Tone::Bad, "border-red-200 bg-red-50"),
        Level::Warning => (Tone::Warn, "border-amber-200 bg-amber-50"),
    };
    let id = alert.id;
    let acknowledged = alert.acknowledged_at.map(|t| format!("Acknowledged by {} · {}", alert.acknowledged_by.clone().unwrap_or_else(|| "someone".into()), when(t)));
    let announced = match alert.announcements {
        0 => "not announced yet".to_string(),
        1 => "announced once".to_string(),
        n => format!("announced {n} times"),
    };
    view! {
        <li class=format!("rounded-lg border p-3 {box_class}") data-testid="alert" data-level=alert.level.as_str()>
            <div class="flex flex-wrap items-start justify-between gap-2">
                <div class="min-w-0">
                    <p class="font-medium"><Badge tone=tone>{alert.level.label()}</Badge>" "{alert.title.clone()}</p>
                    <p class="mt-1 text-sm text-slate-700">{alert.detail.clone()}</p>
                    <p class="mt-1 text-xs text-slate-500">
                        {format!("Since {} · {announced}", when(alert.fired_at))}
                        {acknowledged.map(|a| view! { " · "<span data-testid="alert-acknowledged">{a}</span> })}
                    </p>
                    {alert.notify_error.clone().map(|e| view! { <p class="mt-1 text-xs text-amber-800" data-testid="alert-notify-error">"Last announcement: "{e}</p> })}
                </div>
                {can_handle.then(|| view! {
                    <div class="flex shrink-0 gap-2">
                        {alert.acknowledged_at.is_none().then(|| view! {
                            <button type="button" class=BUTTON_SECONDARY data-testid="alert-acknowledge" disabled=move || ack.pending().get()
                                on:click=move |_| { ack.dispatch(AcknowledgeAlert { workspace: ws.id.get_untracked(), id }); }>
                                "Acknowledge"
                            </button>
                        })}
                        <button type="button" class=BUTTON_SECONDARY data-testid="alert-resolve" disabled=move || resolve.pending().get()
                            title="Mark it handled; if the condition still holds, a new alert opens at the next check"
                            on:click=move |_| { resolve.dispatch(ResolveAlert { workspace: ws.id.get_untracked(), id }); }>
                            "Resolve"
                        </button>
                    </div>
                })}
            </div>
        </li>
    }
}

/// Settings: the daily and monthly budgets. Everyone sees them; owners and admins change them
/// (audited).
#[component]
pub fn BudgetsCard(role: Role) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let save = ServerAction::<SetBudgets>::new();
    let status = LocalResource::new(move || {
        save.version().get();
        get_budget_status(ws.id.get())
    });
    let editable = role.can(Action::SetBudgets);
    let saved = move || matches!(save.value().get(), Some(Ok(())));
    let shown = |c: Option<i64>| c.map(|c| format!("{:.2}", c as f64 / 100.0)).unwrap_or_default();
    view! {
        <Card title="Budgets" subtitle="Spend on enrichment, AI and sending, in AUD. Over budget by 10 % raises a warning, by 20 % a critical alert (Dashboard, Slack and email to owners and admins).">
            <div id="budgets"></div>
            {move || loaded(status.get(), move |s: BudgetStatus| view! {
                <ActionForm action=save attr:class="grid gap-4 sm:grid-cols-3" attr:data-testid="budgets-form">
                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                    <div>
                        <label class=LABEL for="budget-daily">"Daily budget (A$)"</label>
                        <input class=INPUT id="budget-daily" name="daily" inputmode="decimal" placeholder="No budget" maxlength="20" prop:value=shown(s.budgets.daily_cents) disabled=!editable/>
                        <p class="mt-1 text-xs text-slate-500">{format!("Spent today: {}", aud(s.spend_today))}</p>
                    </div>
                    <div>
                        <label class=LABEL for="budget-monthly">"Monthly budget (A$)"</label>
                        <input class=INPUT id="budget-monthly" name="monthly" inputmode="decimal" placeholder="No budget" maxlength="20" prop:value=shown(s.budgets.monthly_cents) disabled=!editable/>
                        <p class="mt-1 text-xs text-slate-500">{format!("Spent this month: {}", aud(s.spend_month))}</p>
                    </div>
                    {editable.then(|| view! {
                        <div class="flex items-end gap-3">
                            <button class=BUTTON type="submit" disabled=move || save.pending().get()>"Save"</button>
                            <Show when=saved><span class="text-sm text-emerald-700" role="status">"Saved"</span></Show>
                        </div>
                    })}
                    <div class="sm:col-span-3"><FormError value=save.value()/></div>
                </ActionForm>
            }.into_any())}
        </Card>
    }
}
