//! Billing (`/w/:ws/billing`, owner and admin): the plan and its status, usage against each of
//! its limits, the invoices from Stripe, and the upgrade path — Checkout buttons when Stripe is
//! configured, else a note that the operator sets plans.

use crate::api::billing::*;
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action as Perm;
use domain::plans::{format_money, BillingOverview, SubscriptionStatus, Tier};
use leptos::prelude::*;
use leptos_meta::Title;

/// Sends the browser to a Stripe page (Checkout, the portal).
fn open(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = leptos::web_sys::window() {
        let _ = w.location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

fn status_badge(s: SubscriptionStatus) -> (&'static str, Tone) {
    match s {
        SubscriptionStatus::Trialing => ("Trial", Tone::Info),
        SubscriptionStatus::Active => ("Active", Tone::Good),
        SubscriptionStatus::PastDue => ("Past due: sending and enrichment are paused", Tone::Bad),
        SubscriptionStatus::Cancelled => ("Cancelled: sending and enrichment are stopped", Tone::Neutral),
        SubscriptionStatus::Paused => ("Paused: sending and enrichment are stopped", Tone::Warn),
    }
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let role = CurrentWorkspace::get().role;
    let ws = WorkspaceCtx::current();
    let overview = LocalResource::new(move || load_billing(ws.id.get()));
    view! {
        <Title text="Billing"/>
        <PageHeader title="Billing" subtitle="Your plan, what it allows and how much of it is used."/>
        {if !role.can(Perm::ViewBilling) {
            view! { <p class="text-sm text-slate-600" data-testid="billing-forbidden">"Only the workspace's owners and admins see billing."</p> }.into_any()
        } else {
            view! {
                {move || loaded(overview.get(), |o| view! { <Overview o=o/> }.into_any())}
            }.into_any()
        }}
    }
}

#[component]
fn Overview(o: BillingOverview) -> impl IntoView {
    let (badge, tone) = status_badge(o.status);
    // The card's children take what they show of `o`; the sections below get their own copy.
    let rest = o.clone();
    let price = if o.founding_prices {
        o.terms.founding_price_aud
    } else {
        o.terms.regular_price_aud
    };
    view! {
        <div class="space-y-8">
            <Card attr:data-testid="billing-plan">
                <div class="flex flex-col gap-2 px-5 py-4 sm:flex-row sm:items-center sm:justify-between">
                    <div>
                        <h2 class="text-base font-semibold">
                            <span data-testid="billing-tier">{o.tier.label()}</span>
                            <span class="ml-2 text-sm font-normal text-slate-500">{format!("{} a month", format_money(i64::from(price) * 100, "aud"))}</span>
                        </h2>
                        {o.trial_ends_at.map(|t| view! { <p class="text-sm text-slate-500">{format!("Trial ends {}", t.format("%-d %B %Y"))}</p> })}
                    </div>
                    <Badge tone=tone class="self-start" attr:data-testid="billing-status" attr:data-status=o.status.as_str()>{badge}</Badge>
                </div>
                <div class="grid gap-4 border-t border-slate-100 px-5 py-4 sm:grid-cols-3" data-testid="billing-usage">
                    {o.usage.iter().map(|u| {
                        let pct = if u.limit == 0 { 100 } else { (u64::from(u.used) * 100 / u64::from(u.limit)).min(100) };
                        let bar = if pct >= 100 { "bg-red-500" } else if pct >= 80 { "bg-amber-500" } else { "bg-indigo-500" };
                        view! {
                            <div data-testid="usage-line">
                                <div class="flex items-baseline justify-between text-sm">
                                    <span class="font-medium">{u.label.clone()}</span>
                                    <span class="tabular-nums" data-testid="usage-figure">{format!("{} / {}", u.used, u.limit)}</span>
                                </div>
                                <div class="mt-1 h-2 rounded-full bg-slate-100" role="progressbar" aria-valuemin="0" aria-valuemax=u.limit.to_string() aria-valuenow=u.used.to_string() aria-label=u.label.clone()>
                                    <div class=format!("h-2 rounded-full {bar}") style=format!("width: {pct}%")></div>
                                </div>
                                <p class="mt-1 text-xs text-slate-500">{u.note.clone()}</p>
                            </div>
                        }
                    }).collect_view()}
                </div>
            </Card>
            <Upgrade o=rest.clone()/>
            <Invoices o=rest/>
        </div>
    }
}

#[component]
fn Upgrade(o: BillingOverview) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let checkout = Action::new_local(move |tier: &Tier| start_checkout(ws.id.get_untracked(), tier.as_str().to_string()));
    let portal = Action::new_local(move |_: &()| open_billing_portal(ws.id.get_untracked()));
    Effect::new(move |_| {
        if let Some(Ok(url)) = checkout.value().get() {
            open(&url);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(url)) = portal.value().get() {
            open(&url);
        }
    });
    let error = move || {
        checkout
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| portal.value().get().and_then(|r| r.err()))
            .map(|e| view! { <ErrorBox message=e.message/> })
    };
    let (current, stripe, manage, has_customer, founding) = (o.tier, o.stripe, o.can_manage, o.has_customer, o.founding_prices);
    view! {
        <Card attr:data-testid="billing-upgrade">
            <CardHeader title="Plans" subtitle="Every plan has every feature; they differ by lead pool, active campaigns and LinkedIn seats."/>
            <div class="grid gap-4 px-5 py-4 sm:grid-cols-3">
                {o.tiers.iter().map(|(tier, t)| {
                    let tier = *tier;
                    let price = if founding { t.founding_price_aud } else { t.regular_price_aud };
                    view! {
                        <div class=format!("rounded-lg p-4 ring-1 {}", if tier == current { "ring-indigo-500" } else { "ring-slate-200" }) data-testid="plan-card" data-tier=tier.as_str()>
                            <h3 class="font-semibold">{tier.label()}</h3>
                            <p class="text-sm text-slate-600">{format!("{} a month", format_money(i64::from(price) * 100, "aud"))}</p>
                            <ul class="mt-2 space-y-0.5 text-sm text-slate-600">
                                <li>{format!("{} leads a month", t.lead_pool)}</li>
                                <li>{format!("{} active campaigns", t.active_campaigns)}</li>
                                <li>{format!("{} LinkedIn seat{}", t.linkedin_seats, if t.linkedin_seats == 1 { "" } else { "s" })}</li>
                            </ul>
                            <div class="mt-3">
                                {if tier == current {
                                    view! { <span class="text-sm font-medium text-indigo-700">"Your plan"</span> }.into_any()
                                } else if stripe && manage {
                                    view! {
                                        <button class=BUTTON type="button" data-testid="checkout-button" disabled=move || checkout.pending().get()
                                            on:click=move |_| { checkout.dispatch(tier); }>
                                            {format!("Choose {}", tier.label())}
                                        </button>
                                    }.into_any()
                                } else {
                                    ().into_any()
                                }}
                            </div>
                        </div>
                    }
                }).collect_view()}
            </div>
            <div class="border-t border-slate-100 px-5 py-4 text-sm text-slate-600" data-testid="billing-how">
                {if !stripe {
                    view! { <p>"Plans are set by the operator of this installation: ask them to change yours."</p> }.into_any()
                } else if !manage {
                    view! { <p>"Only the workspace's owner can change the plan."</p> }.into_any()
                } else if has_customer {
                    view! {
                        <button class=BUTTON_SECONDARY type="button" data-testid="portal-button" disabled=move || portal.pending().get()
                            on:click=move |_| { portal.dispatch(()); }>
                            "Manage payment, plan and invoices in Stripe"
                        </button>
                    }.into_any()
                } else {
                    view! { <p>"Choosing a plan opens Stripe's secure checkout; you come back here when it is done."</p> }.into_any()
                }}
                <div class="mt-2">{error}</div>
            </div>
        </Card>
    }
}

#[component]
fn Invoices(o: BillingOverview) -> impl IntoView {
    if !o.stripe {
        return ().into_any();
    }
    view! {
        <Card title="Invoices" attr:data-testid="billing-invoices">
                {o.invoices_error.clone().map(|e| view! { <p class="text-sm text-amber-800" role="alert">{e}</p> })}
                {if o.invoices.is_empty() && o.invoices_error.is_none() {
                    view! { <p class="text-sm text-slate-500">"No invoices yet."</p> }.into_any()
                } else {
                    view! {
                        <InnerTable caption="Invoices" head=vec![("Invoice", ""), ("Date", ""), ("Amount", ""), ("Status", ""), ("", "")]>
                            {o.invoices.iter().map(|i| view! {
                                <tr data-testid="invoice-row">
                                    <td class="py-1.5 pr-4">{i.number.clone()}</td>
                                    <td class="py-1.5 pr-4">{i.created.format("%-d %b %Y").to_string()}</td>
                                    <td class="py-1.5 pr-4 tabular-nums">{i.amount.clone()}</td>
                                    <td class="py-1.5 pr-4">{i.status.clone()}</td>
                                    <td class="py-1.5 pr-4">{i.url.clone().map(|u| view! { <a class="text-indigo-700 hover:underline" href=u rel="noopener noreferrer" target="_blank" aria-label="View invoice">"View"</a> })}</td>
                                </tr>
                            }).collect_view()}
                        </InnerTable>
                    }.into_any()
                }}
        </Card>
    }
    .into_any()
}
