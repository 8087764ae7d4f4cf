//! The app shell around every workspace page: sidebar navigation, workspace switcher, user menu.

use crate::api::auth::{me, Logout};
use crate::api::workspaces::{get_workspace, list_workspaces};
use crate::components::{Badge, Loading, Tone};
use crate::error::AppError;
use crate::pages::auth::{urlencode, AuthCard};
use domain::account::WorkspaceSummary;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::{use_location, use_params_map};

/// The workspace every nested page works in; provided by the shell.
#[derive(Clone, Copy)]
pub struct WorkspaceCtx {
    pub id: Memo<String>,
    pub info: Resource<Result<WorkspaceSummary, AppError>>,
    pub all: Resource<Result<Vec<WorkspaceSummary>, AppError>>,
    pub user: Resource<Result<Option<domain::account::CurrentUser>, AppError>>,
}

/// The workspace as resolved for this render (name, role, mode).
#[derive(Clone, Debug)]
pub struct CurrentWorkspace(pub WorkspaceSummary);

impl CurrentWorkspace {
    pub fn get() -> WorkspaceSummary {
        expect_context::<CurrentWorkspace>().0
    }
}

impl WorkspaceCtx {
    pub fn current() -> Self {
        expect_context()
    }
}

/// Bumped by a page whose work changes the sidebar's numbers (the Inbox after an archive), so
/// they refresh without waiting for the next page change.
#[derive(Clone, Copy)]
pub struct BadgeRefresh(pub RwSignal<u32>);

const NAV: &[(&str, &str, &str)] = &[
    ("", "Dashboard", "M3 12l9-8 9 8M5 10v10h5v-6h4v6h5V10"),
    ("onboarding", "Onboarding", "M5 13l4 4L19 7"),
    ("campaigns", "Campaigns", "M3 11l18-7-7 18-2-8-9-3z"),
    ("leads", "Leads", "M16 14a4 4 0 10-8 0M12 10a3 3 0 100-6 3 3 0 000 6zM4 20h16"),
    ("approvals", "Approvals", "M9 12l2 2 4-4M4 5h16v14H4z"),
    ("outbox", "Outbox", "M4 12l16-8-6 16-2-6-8-2z"),
    ("inbox", "Inbox", "M4 4h16v12h-5l-3 3-3-3H4z"),
    ("reports", "Reports", "M5 20V10M12 20V4M19 20v-7"),
    ("settings", "Settings", "M12 15a3 3 0 100-6 3 3 0 000 6zM4 12h2M18 12h2M12 4v2M12 18v2"),
    ("settings/icp", "Ideal customer profile", "M12 21a9 9 0 100-18 9 9 0 000 18zM12 16a4 4 0 100-8 4 4 0 000 8zM12 12h.01"),
];

#[component]
pub fn WorkspaceShell() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("ws").unwrap_or_default());
    // Every resource the shell shows is created here, above the suspense boundary: a resource
    // created inside one can be re-created mid-render on the server and lose its context.
    let info = Resource::new(move || id.get(), get_workspace);
    let all = Resource::new(move || id.get(), |_| list_workspaces());
    let user = Resource::new(|| (), |_| me());
    provide_context(WorkspaceCtx { id, info, all, user });
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || info.get().map(|r| match r {
                Ok(w) => {
                    // Pages read the resolved workspace synchronously, so no page needs its own
                    // suspense boundary just to know the caller's role.
                    provide_context(CurrentWorkspace(w));
                    view! { <Frame/> }.into_any()
                }
                Err(e) if e.is_unauthenticated() => {
                    let next = urlencode(&location.pathname.get_untracked());
                    view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
                }
                Err(e) if e.status == 404 => {
                    #[cfg(feature = "ssr")]
                    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                        resp.set_status(http::StatusCode::NOT_FOUND);
                    }
                    view! {
                        <AuthCard title="Workspace not found">
                            <p class="text-sm text-slate-600" data-testid="workspace-not-found">"It does not exist, was deleted, or you are not a member."</p>
                            <a href="/" class="mt-4 inline-block text-sm font-medium text-indigo-600">"Go to your workspaces"</a>
                        </AuthCard>
                    }.into_any()
                }
                Err(e) => view! { <AuthCard title="Something went wrong"><p class="text-sm text-slate-600">{e.message}</p></AuthCard> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Frame() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let (menu_open, set_menu_open) = signal(false);
    let location = use_location();
    // The approvals badge: a capped count, refreshed on every page change.
    let refresh = RwSignal::new(0u32);
    provide_context(BadgeRefresh(refresh));
    let pending = LocalResource::new(move || {
        location.pathname.track();
        refresh.track();
        crate::api::approvals::pending_count(ws.id.get())
    });
    // The Inbox's number: replies needing attention.
    let attention = LocalResource::new(move || {
        location.pathname.track();
        refresh.track();
        crate::api::inbox::inbox_attention(ws.id.get())
    });
    // Close the mobile menu whenever the page changes.
    Effect::new(move |_| {
        location.pathname.track();
        set_menu_open.set(false);
    });
    view! {
        <div class="min-h-full lg:flex">
            <aside
                class=move || format!(
                    "fixed inset-y-0 left-0 z-30 w-64 transform bg-slate-900 text-slate-100 transition-transform lg:static lg:translate-x-0 {}",
                    if menu_open.get() { "translate-x-0" } else { "-translate-x-full" }
                )
                aria-label="Main navigation"
            >
                <div class="flex h-16 items-center gap-2 px-5">
                    <span class="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-500 font-bold">"A"</span>
                    <span class="font-semibold tracking-tight">"Agency OS"</span>
                </div>
                <div class="px-3"><Switcher/></div>
                <nav class="mt-4 space-y-1 px-3" data-testid="sidebar">
                    {NAV.iter().map(|(slug, label, icon)| {
                        let href = move || if slug.is_empty() { format!("/w/{}", ws.id.get()) } else { format!("/w/{}/{slug}", ws.id.get()) };
                        view! {
                            <A href=href exact=true attr:class="group flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-slate-300 hover:bg-slate-800 hover:text-white aria-[current=page]:bg-slate-800 aria-[current=page]:text-white">
                                <svg class="h-5 w-5 shrink-0 text-slate-400 group-hover:text-white" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d=*icon/></svg>
                                {*label}
                                {(*slug == "approvals").then(|| move || pending.get().and_then(|r| r.ok()).map(|n| nav_count(n, "nav-pending", "drafts waiting")))}
                                {(*slug == "inbox").then(|| move || attention.get().and_then(|r| r.ok()).map(|n| nav_count(n, "nav-attention", "replies need attention")))}
                            </A>
                        }
                    }).collect_view()}
                </nav>
            </aside>
            <Show when=move || menu_open.get()>
                <div class="fixed inset-0 z-20 bg-slate-900/40 lg:hidden" on:click=move |_| set_menu_open.set(false)></div>
            </Show>
            <div class="flex min-w-0 flex-1 flex-col">
                <header class="sticky top-0 z-10 flex h-16 items-center gap-3 border-b border-slate-200 bg-white/90 px-4 backdrop-blur sm:px-6">
                    <button
                        type="button"
                        class="rounded-md p-2 text-slate-600 hover:bg-slate-100 lg:hidden"
                        aria-label="Open navigation"
                        aria-expanded=move || menu_open.get().to_string()
                        on:click=move |_| set_menu_open.update(|o| *o = !*o)
                    >
                        <svg class="h-6 w-6" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" aria-hidden="true"><path d="M4 6h16M4 12h16M4 18h16" stroke-linecap="round"/></svg>
                    </button>
                    <div class="min-w-0 flex-1">
                        <Transition>
                            {move || ws.info.get().and_then(|r| r.ok()).map(|w| view! {
                                <div class="flex items-center gap-2">
                                    <span class="truncate font-semibold" data-testid="current-workspace">{w.name.clone()}</span>
                                    <Badge attr:data-testid="current-role">{w.role.label()}</Badge>
                                    {w.shadow_mode.then(|| view! {
                                        <Badge tone=Tone::Warn class="hidden sm:inline" attr:data-testid="shadow-pill" attr:title="Messages are rendered but never sent until an owner or admin goes live">"Shadow mode"</Badge>
                                    })}
                                </div>
                            })}
                        </Transition>
                    </div>
                    <UserMenu/>
                </header>
                <main class="mx-auto w-full max-w-6xl flex-1 px-4 py-6 sm:px-6 lg:px-8">
                    <crate::pages::sending::SendingBanner/>
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}

/// A sidebar item's number (hidden at zero), capped so it never widens the sidebar.
fn nav_count(n: i64, testid: &'static str, what: &'static str) -> Option<impl IntoView> {
    (n > 0).then(|| view! {
        <span class="ml-auto rounded-full bg-indigo-500 px-2 py-0.5 text-xs font-semibold text-white" data-testid=testid aria-label=format!("{n} {what}")>
            {if n >= 10_000 { "10k+".to_string() } else { n.to_string() }}
        </span>
    })
}

/// Lists the user's workspaces as plain links, so switching works with keyboard and without JS.
#[component]
fn Switcher() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let all = ws.all;
    view! {
        <details class="group relative" data-testid="workspace-switcher">
            <summary class="flex cursor-pointer list-none items-center justify-between rounded-md bg-slate-800 px-3 py-2 text-sm hover:bg-slate-700">
                <span class="truncate">
                    <Transition fallback=|| "Workspace">
                        {move || ws.info.get().and_then(|r| r.ok()).map(|w| w.name)}
                    </Transition>
                </span>
                <span aria-hidden="true" class="ml-2 text-slate-400">"▾"</span>
                <span class="sr-only">"Switch workspace"</span>
            </summary>
            <div class="absolute left-0 right-0 z-40 mt-1 overflow-hidden rounded-md bg-white py-1 text-slate-800 shadow-lg ring-1 ring-black/5">
                <Transition fallback=|| view! { <Loading/> }>
                    {move || all.get().map(|r| r.unwrap_or_default().into_iter().map(|w| {
                        let current = w.id.to_string() == ws.id.get();
                        view! {
                            <a href=format!("/w/{}", w.id) rel="external"
                               class=if current { "flex items-center justify-between px-3 py-2 text-sm font-semibold bg-indigo-50" } else { "flex items-center justify-between px-3 py-2 text-sm hover:bg-slate-50" }
                               data-testid="switch-workspace">
                                <span class="truncate">{w.name.clone()}</span>
                                <span class="ml-2 text-xs text-slate-500">{w.role.label()}</span>
                            </a>
                        }
                    }).collect_view())}
                </Transition>
                <a href="/workspaces/new" class="block border-t border-slate-100 px-3 py-2 text-sm text-indigo-600 hover:bg-slate-50">"+ New workspace"</a>
            </div>
        </details>
    }
}

#[component]
fn UserMenu() -> impl IntoView {
    let user = WorkspaceCtx::current().user;
    let logout = ServerAction::<Logout>::new();
    view! {
        <div class="flex items-center gap-3">
            <Transition>
                {move || user.get().and_then(|r| r.ok()).flatten().map(|u| view! {
                    <span class="hidden text-sm text-slate-600 sm:inline" data-testid="user-name">{u.name}</span>
                })}
            </Transition>
            <ActionForm action=logout>
                <button type="submit" class="rounded-md px-3 py-1.5 text-sm text-slate-600 hover:bg-slate-100" data-testid="logout">"Log out"</button>
            </ActionForm>
        </div>
    }
}
