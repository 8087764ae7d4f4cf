#![recursion_limit = "256"]
//! The Leptos UI of Agency OS: pages, components and thin server functions.
//!
//! Server-only code sits behind the `ssr` feature; the same crate compiles to WASM with the
//! `hydrate` feature.

pub mod api;
pub mod components;
pub mod error;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

/// The client's IP, put in the request by the server's middleware (used for throttling).
#[derive(Clone, Debug)]
pub struct ClientIp(pub String);

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" class="h-full bg-slate-50">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="h-full text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    use pages::*;
    view! {
        <Stylesheet id="leptos" href="/pkg/agency-os.css"/>
        <Title formatter=|t: String| if t.is_empty() { "Agency OS".to_string() } else { format!("{t} · Agency OS") }/>
        <Router>
            <Routes fallback=|| view! { <auth::NotFound/> }>
                <Route path=path!("/") view=auth::Landing ssr=SsrMode::Async/>
                <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=auth::SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/invite/:token") view=auth::InvitePage ssr=SsrMode::Async/>
                <Route path=path!("/workspaces/new") view=workspace::NewWorkspacePage ssr=SsrMode::Async/>
                <Route path=path!("/ops") view=ops::OpsPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/w/:ws") view=shell::WorkspaceShell ssr=SsrMode::Async>
                    <Route path=path!("") view=dashboard::Dashboard ssr=SsrMode::Async/>
                    <Route path=path!("onboarding") view=onboarding::OnboardingPage ssr=SsrMode::Async/>
                    <Route path=path!("campaigns") view=campaigns::CampaignsPage ssr=SsrMode::Async/>
                    <Route path=path!("campaigns/new") view=campaigns::NewCampaignPage ssr=SsrMode::Async/>
                    <Route path=path!("campaigns/:id") view=campaigns::CampaignPage ssr=SsrMode::Async/>
                    <Route path=path!("leads") view=leads::LeadsPage ssr=SsrMode::Async/>
                    <Route path=path!("leads/:lead") view=leads::LeadDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("approvals") view=approvals::ApprovalsPage ssr=SsrMode::Async/>
                    <Route path=path!("inbox") view=inbox::InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("reports") view=reports::ReportsPage ssr=SsrMode::Async/>
                    <Route path=path!("settings") view=settings::SettingsPage ssr=SsrMode::Async/>
                    <Route path=path!("billing") view=billing::BillingPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/icp") view=icp::IcpPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/integrations") view=integrations::IntegrationsPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/mailboxes") view=mailboxes::MailboxesPage ssr=SsrMode::Async/>
                    <Route path=path!("settings/suppression") view=suppression::SuppressionPage ssr=SsrMode::Async/>
                    <Route path=path!("outbox") view=outbox::OutboxPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
