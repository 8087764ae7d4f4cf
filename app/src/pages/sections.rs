//! The product's sections. Later capabilities fill them; until then each says honestly what it
//! will hold and what to do first.

use crate::components::{EmptyState, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn Dashboard() -> impl IntoView {
    let ws = crate::pages::shell::WorkspaceCtx::current();
    let stats = LocalResource::new(move || crate::api::leads::workspace_stats(ws.id.get()));
    let card = |k: &'static str, v: String, hint: Option<String>| view! {
        <div class="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200">
            <div class="text-xs font-medium uppercase tracking-wide text-slate-500">{k}</div>
            <div class="mt-1 text-2xl font-semibold tabular-nums">{v}</div>
            {hint.map(|h| view! { <div class="mt-0.5 text-xs text-slate-500">{h}</div> })}
        </div>
    };
    view! {
        <Title text="Dashboard"/>
        <PageHeader title="Dashboard" subtitle="Activity, funnel and spend for this workspace at a glance."/>
        <div class="mb-6 grid grid-cols-2 gap-4 lg:grid-cols-4" data-testid="dashboard-stats">
            {move || {
                let s = stats.get().and_then(|r| r.ok());
                let leads = s.as_ref().map(|s| s.leads.to_string()).unwrap_or_else(|| "…".into());
                let credits = s.as_ref().map(|s| s.credits_remaining.to_string()).unwrap_or_else(|| "…".into());
                let plan = s.as_ref().map(|s| format!("{} plan · {}", s.plan, s.subscription_status.replace('_', " ")));
                view! {
                    {card("Leads", leads, None)}
                    {card("Enrichment credits", credits, plan)}
                    {card("Drafts waiting", "0".into(), None)}
                    {card("Replies", "0".into(), None)}
                }
            }}
        </div>
        <EmptyState
            title="No activity yet"
            body="Once leads are imported and campaigns run, sends, replies and meetings appear here as they happen."
            hint="Start with Onboarding to confirm your ideal customer profile."
        />
    }
}

macro_rules! section {
    ($name:ident, $title:literal, $subtitle:literal, $empty:literal, $body:literal, $hint:literal) => {
        #[component]
        pub fn $name() -> impl IntoView {
            view! {
                <Title text=$title/>
                <PageHeader title=$title subtitle=$subtitle/>
                <EmptyState title=$empty body=$body hint=$hint/>
            }
        }
    };
}

section!(Onboarding, "Onboarding", "Tell us your website; we derive your ideal customer profile for you to confirm.",
    "Onboarding has not started", "Enter your agency's website and Agency OS extracts your services, clients and the customers you serve best.",
    "Your confirmed profile is what every campaign targets.");
section!(Inbox, "Inbox", "Replies across every channel, classified.",
    "No replies yet", "Replies are read, classified (interested, question, not interested, out of office…) and routed here.",
    "Unsubscribes are honoured before the next send.");
section!(Reports, "Reports", "Funnel, KPIs, costs and what converts.",
    "No data to report yet", "Open, reply and meeting rates, cost per lead and per meeting, and the best angles and send times will show here.",
    "Reports fill in as campaigns run.");
