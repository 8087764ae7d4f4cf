//! The Dashboard: the workspace's numbers, read from the database and each linking to the page
//! that lists them, and its live activity feed (refreshed every 15 seconds and whenever the tab
//! regains focus).

use crate::api::dashboard::{activity_feed, dashboard_counts};
use crate::components::*;
use crate::pages::shell::WorkspaceCtx;
use leptos::prelude::*;
use leptos_meta::Title;

/// How often the feed and numbers refresh while the page is open.
const REFRESH_SECS: u64 = 15;

#[component]
pub fn Dashboard() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let (tick, set_tick) = signal(0u32);
    let stats = LocalResource::new(move || crate::api::leads::workspace_stats(ws.id.get()));
    let numbers = LocalResource::new(move || {
        tick.track();
        dashboard_counts(ws.id.get())
    });
    let feed = LocalResource::new(move || {
        tick.track();
        activity_feed(ws.id.get())
    });
    #[cfg(feature = "hydrate")]
    {
        let bump = move || set_tick.update(|t| *t = t.wrapping_add(1));
        if let Ok(interval) = set_interval_with_handle(bump, std::time::Duration::from_secs(REFRESH_SECS)) {
            on_cleanup(move || interval.clear());
        }
        let focus = window_event_listener(leptos::ev::focus, move |_| bump());
        on_cleanup(move || focus.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_tick, REFRESH_SECS);

    view! {
        <Title text="Dashboard"/>
        <PageHeader title="Dashboard" subtitle="Activity, funnel and spend for this workspace at a glance."/>
        <div class="mb-6 grid grid-cols-2 gap-4 md:grid-cols-3 xl:grid-cols-6" data-testid="dashboard-stats">
            {move || {
                let s = stats.get().and_then(|r| r.ok());
                let n = numbers.get().and_then(|r| r.ok());
                let num = |f: fn(&domain::inbox::DashboardNumbers) -> i64| n.as_ref().map(|n| f(n).to_string()).unwrap_or_else(|| "…".into());
                let w = ws.id.get();
                let credits = s.as_ref().map(|s| s.credits_remaining.to_string()).unwrap_or_else(|| "…".into());
                let plan = s.as_ref().map(|s| format!("{} plan · {}", s.plan, s.subscription_status.replace('_', " ")));
                // This week against last, each under its number.
                let vs = |this: fn(&domain::inbox::DashboardNumbers) -> i64, last: fn(&domain::inbox::DashboardNumbers) -> i64, what: &str| {
                    n.as_ref().map(|n| format!("{what} · {}", domain::inbox::week_on_week(this(n), last(n)))).unwrap_or_else(|| what.to_string())
                };
                let replies_hint = n.as_ref().map(|n| format!("need attention · {} received in 7 days, {}", n.replies_7d, domain::inbox::week_on_week(n.replies_7d, n.replies_prev_7d)));
                view! {
                    <Stat label="Leads" testid="stat-leads" value=num(|n| n.leads) href=format!("/w/{w}/leads")/>
                    <Stat label="Sent" testid="stat-sent" value=num(|n| n.sent_7d) href=format!("/w/{w}/outbox") hint=vs(|n| n.sent_7d, |n| n.sent_prev_7d, "last 7 days")/>
                    <Stat label="Drafts waiting" testid="stat-drafts" value=num(|n| n.drafts_waiting) href=format!("/w/{w}/approvals") hint="for approval"/>
                    <Stat label="Replies" testid="stat-replies" value=num(|n| n.replies_attention) href=format!("/w/{w}/inbox?tab=needs_attention") hint=replies_hint.unwrap_or_else(|| "need attention".into())/>
                    <Stat label="Meetings" testid="stat-meetings" value=num(|n| n.meetings_this_week) href=format!("/w/{w}/leads?status=converted") hint=vs(|n| n.meetings_this_week, |n| n.meetings_last_week, "booked this week")/>
                    <Stat label="Enrichment credits" testid="stat-credits" value=credits hint=plan/>
                }
            }}
        </div>
        <crate::pages::alerts::AlertsPanel refresh=tick role=crate::pages::shell::CurrentWorkspace::get().role/>
        <Card class="p-5" attr:data-testid="activity-feed" attr:aria-live="polite">
            <h2 class="mb-3 text-base font-semibold">"Latest activity"</h2>
            {move || loaded_or_empty(feed.get(), Vec::is_empty, || view! {
                <Empty
                    title="No activity yet"
                    body="Once leads are imported and campaigns run, sends, replies and meetings appear here as they happen."
                    hint="Start with Onboarding to confirm your ideal customer profile."
                />
            }.into_any(), |entries| view! { <ActivityList entries=entries show_lead=true/> }.into_any())}
        </Card>
    }
}
