//! Public pages: landing redirect, log-in, sign-up, invitation, not found.

use crate::api::auth::{landing, Login, SignUp};
use crate::api::workspaces::{preview_invitation, AcceptInvitation};
use crate::components::*;
use domain::account::InvitationStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::{use_params_map, use_query_map};

/// Centred card used by the public pages.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="flex min-h-full items-center justify-center px-4 py-12">
            <div class="w-full max-w-md">
                <div class="mb-8 flex items-center justify-center gap-2">
                    <span class="flex h-9 w-9 items-center justify-center rounded-lg bg-indigo-600 text-lg font-bold text-white">"A"</span>
                    <span class="text-xl font-semibold tracking-tight">"Agency OS"</span>
                </div>
                <Card tag=CardTag::Div class="p-8">
                    <h1 class="mb-6 text-xl font-semibold text-slate-900">{title}</h1>
                    {children()}
                </Card>
            </div>
        </main>
    }
}

#[component]
pub fn Landing() -> impl IntoView {
    let target = Resource::new(|| (), |_| landing());
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || target.get().map(|r| match r {
                Ok(path) => view! { <Redirect path=path/> }.into_any(),
                Err(e) => view! { <AuthCard title="Something went wrong"><p class="text-sm text-slate-600">{e.message}</p></AuthCard> }.into_any(),
            })}
        </Suspense>
    }
}

fn next_param() -> Signal<Option<String>> {
    let q = use_query_map();
    Signal::derive(move || q.read().get("next"))
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let next = next_param();
    let signup_href = move || match next.get() {
        Some(n) => format!("/signup?next={}", urlencode(&n)),
        None => "/signup".into(),
    };
    view! {
        <Title text="Log in"/>
        <AuthCard title="Log in to your agency">
            <ActionForm action=action attr:class="space-y-4" attr:data-testid="login-form">
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default()/>
                <div>
                    <label class=LABEL for="email">"Email"</label>
                    <input class=INPUT id="email" name="email" type="email" autocomplete="username" required maxlength="254" autofocus/>
                </div>
                <div>
                    <label class=LABEL for="password">"Password"</label>
                    <input class=INPUT id="password" name="password" type="password" autocomplete="current-password" required maxlength="128"/>
                </div>
                <FormError value=action.value()/>
                <button class=format!("{BUTTON} w-full") type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600">
                "New to Agency OS? " <a class="font-medium text-indigo-600 hover:text-indigo-500" href=signup_href>"Create an account"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let next = next_param();
    let login_href = move || match next.get() {
        Some(n) => format!("/login?next={}", urlencode(&n)),
        None => "/login".into(),
    };
    view! {
        <Title text="Sign up"/>
        <AuthCard title="Create your account">
            <ActionForm action=action attr:class="space-y-4" attr:data-testid="signup-form">
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default()/>
                <div>
                    <label class=LABEL for="name">"Your name"</label>
                    <input class=INPUT id="name" name="name" type="text" autocomplete="name" required maxlength="100" autofocus/>
                </div>
                <div>
                    <label class=LABEL for="email">"Work email"</label>
                    <input class=INPUT id="email" name="email" type="email" autocomplete="username" required maxlength="254"/>
                </div>
                <div>
                    <label class=LABEL for="password">"Password"</label>
                    <input class=INPUT id="password" name="password" type="password" autocomplete="new-password" required minlength="10" maxlength="128"/>
                    <p class="mt-1 text-xs text-slate-500">"At least 10 characters."</p>
                </div>
                <FormError value=action.value()/>
                <button class=format!("{BUTTON} w-full") type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating account…" } else { "Create account" }}
                </button>
            </ActionForm>
            <p class="mt-6 text-center text-sm text-slate-600">
                "Already have an account? " <a class="font-medium text-indigo-600 hover:text-indigo-500" href=login_href>"Log in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, preview_invitation);
    let me = Resource::new(|| (), |_| crate::api::auth::me());
    let accept = ServerAction::<AcceptInvitation>::new();
    view! {
        <Title text="Invitation"/>
        <AuthCard title="You're invited">
            <Suspense fallback=|| view! { <Loading/> }>
                {move || {
                    let (p, who) = (preview.get()?, me.get()?);
                    Some(match p {
                        Err(_) => view! {
                            <p class="text-sm text-slate-600" data-testid="invite-missing">"This invitation link is not valid. Ask whoever invited you for a new one."</p>
                        }.into_any(),
                        Ok(p) => {
                            let here = format!("/invite/{}", token());
                            let status = p.status;
                            view! {
                                <div class="space-y-4" data-testid="invite-card">
                                    <p class="text-sm text-slate-700">
                                        <b>{p.invited_by.clone()}</b>" invited "<b>{p.email.clone()}</b>" to join "
                                        <b>{p.workspace_name.clone()}</b>" as "<b>{p.role.label()}</b>"."
                                    </p>
                                    {match (status, who.ok().flatten()) {
                                        (InvitationStatus::Pending, Some(u)) if u.email == p.email => view! {
                                            <ActionForm action=accept>
                                                <input type="hidden" name="token" value=token()/>
                                                <FormError value=accept.value()/>
                                                <button class=format!("{BUTTON} mt-2 w-full") type="submit" data-testid="accept-invite">"Accept and open workspace"</button>
                                            </ActionForm>
                                        }.into_any(),
                                        (InvitationStatus::Pending, Some(u)) => view! {
                                            <Alert kind=AlertKind::Warning>
                                                "You are logged in as " {u.email} ". This invitation is for " {p.email.clone()} ". Log out and log in with that address to accept."
                                            </Alert>
                                        }.into_any(),
                                        (InvitationStatus::Pending, None) => view! {
                                            <div class="flex flex-col gap-2">
                                                <a class=BUTTON href=format!("/signup?next={}", urlencode(&here))>"Create an account to accept"</a>
                                                <a class=BUTTON_SECONDARY href=format!("/login?next={}", urlencode(&here))>"I already have an account"</a>
                                            </div>
                                        }.into_any(),
                                        (s, _) => view! {
                                            <p class="rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700">"This invitation is " {s.label().to_lowercase()} "."</p>
                                        }.into_any(),
                                    }}
                                </div>
                            }.into_any()
                        }
                    })
                }}
            </Suspense>
        </AuthCard>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <AuthCard title="Page not found">
            <p class="text-sm text-slate-600">"There is nothing at this address."</p>
            <A href="/" attr:class="mt-4 inline-block text-sm font-medium text-indigo-600">"Go to your workspace"</A>
        </AuthCard>
    }
}

/// Percent-encodes a path for use in a query string.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
