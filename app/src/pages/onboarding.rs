//! Onboarding (`/w/:ws/onboarding`): enter the agency's website, watch the reading job's steps
//! (kept in the database, so a reload shows where it is), see what was found with its sources
//! and whether each item was stated or inferred, edit the derived profile, answer the
//! data-sharing question, and confirm.

use crate::api::onboarding::{onboarding_run, ConfirmOnboarding, OnboardingState, StartOnboarding};
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::icp::IcpField;
use domain::site::{Provenance, Sourced};
use leptos::prelude::*;
use leptos_meta::Title;

/// How often the page asks for the run's progress while it is under way.
const POLL_MS: u64 = 1_000;

#[component]
pub fn OnboardingPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_edit = CurrentWorkspace::get().role.can(Action::EditCampaigns);
    let start = ServerAction::<StartOnboarding>::new();
    let confirm = ServerAction::<ConfirmOnboarding>::new();
    let (tick, set_tick) = signal(0u32);
    let run = LocalResource::new(move || {
        tick.track();
        start.version().track();
        onboarding_run(ws.id.get())
    });
    // Re-rendered only when the run changes, so edits in the form survive the polling.
    let current = Memo::new(move |_| run.get().and_then(|r| r.ok()).flatten());
    let active = move || current.get().is_some_and(|r| !matches!(r.status.as_str(), "done" | "failed"));
    #[cfg(feature = "hydrate")]
    {
        let bump = move || {
            if active() {
                set_tick.update(|t| *t = t.wrapping_add(1));
            }
        };
        if let Ok(interval) = set_interval_with_handle(bump, std::time::Duration::from_millis(POLL_MS)) {
            on_cleanup(move || interval.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_tick, POLL_MS);
    view! {
        <Title text="Onboarding"/>
        <PageHeader title="Onboarding" subtitle="Tell us your website; we derive your ideal customer profile for you to confirm."/>
        {can_edit.then(|| view! {
            <Card class="mb-6">
                <ActionForm action=start attr:class="flex flex-col gap-3 px-5 py-4 sm:flex-row sm:items-end" attr:data-testid="onboarding-start">
                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                    <div class="flex-1">
                        <label class=LABEL for="onboarding-url">"Your agency's website"</label>
                        <input class=INPUT id="onboarding-url" name="url" placeholder="youragency.com" required maxlength="2048" autocomplete="url"/>
                    </div>
                    <button type="submit" class=BUTTON disabled=move || start.pending().get() || active() data-testid="onboarding-submit">
                        {move || if active() { "Reading…" } else { "Read my website" }}
                    </button>
                </ActionForm>
                <div class="px-5 pb-4"><FormError value=start.value()/></div>
            </Card>
        })}
        {move || match (run.get(), current.get()) {
            (None, _) => view! { <Loading/> }.into_any(),
            (Some(Err(e)), _) => view! { <ErrorBox message=e.message/> }.into_any(),
            (_, None) => view! {
                <Empty title="Onboarding has not started"
                    body="Enter your agency's website and Agency OS reads it (at most 25 pages, politely) to find your services, clients and the customers you serve best."
                    hint="Your confirmed profile is what every campaign targets."/>
            }.into_any(),
            (_, Some(r)) => view! { <RunView run=r confirm=confirm can_edit=can_edit/> }.into_any(),
        }}
    }
}

fn step_label(r: &OnboardingState) -> String {
    match r.status.as_str() {
        "queued" => "Waiting for a worker…".into(),
        "reading" => format!("Reading pages {}/{}", r.pages_read, r.pages_planned.max(r.pages_read)),
        "extracting" => "Extracting what the pages say…".into(),
        "deriving" => "Deriving your ideal customer profile…".into(),
        "failed" => "Could not read the website".into(),
        _ => format!("Read {} pages", r.pages_read),
    }
}

fn tag(p: Provenance) -> impl IntoView {
    match p {
        Provenance::Stated => view! { <span class="ml-1 rounded bg-emerald-50 px-1 text-[10px] font-medium uppercase text-emerald-700">"stated"</span> },
        Provenance::Inferred => view! { <span class="ml-1 rounded bg-amber-50 px-1 text-[10px] font-medium uppercase text-amber-700">"inferred"</span> },
    }
}

fn chips<T: ToString>(items: Vec<Sourced<T>>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="text-sm text-slate-500">"Nothing found"</p> }.into_any();
    }
    view! {
        <ul class="flex flex-wrap gap-2">
            {items.into_iter().map(|s| view! {
                <li class="rounded-full bg-slate-100 px-3 py-1 text-sm">
                    <a class="hover:underline" href=s.source_url.clone() target="_blank" rel="noopener noreferrer" title=s.source_url.clone()>{s.value.to_string()}</a>
                    {tag(s.provenance)}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// How many of the workspace's leads the derived profile matches, before it is confirmed.
#[component]
fn MatchingLeads(run: String) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let matches = LocalResource::new(move || crate::api::onboarding::onboarding_matches(ws.id.get(), run.clone()));
    view! {
        <p class="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700" data-testid="onboarding-matches">
            {move || match matches.get() {
                None => view! { "Counting the leads this profile matches…" }.into_any(),
                Some(Err(e)) => view! { {e.message} }.into_any(),
                Some(Ok(None)) => view! { "" }.into_any(),
                Some(Ok(Some(m))) if m.leads == 0 => view! { "You have no leads yet: once you import some, this shows how many fit the profile." }.into_any(),
                Some(Ok(Some(m))) => view! {
                    "Of your " <b data-testid="matches-leads">{m.leads}</b> " leads, "
                    <b data-testid="matches-all">{m.all}</b> " fit this profile on industry, size and location ("
                    {m.industry} " on industry, " {m.size} " on size, " {m.location} " on location), as the score counts company fit. "
                    "This counts the profile as derived; your edits count once confirmed."
                }.into_any(),
            }}
        </p>
    }
}

fn card(title: &'static str, testid: &'static str, body: AnyView) -> impl IntoView {
    view! {
        <Card class="px-5 py-4" attr:data-testid=testid>
            <h2 class="mb-2 text-sm font-semibold text-slate-900">{title}</h2>
            {body}
        </Card>
    }
}

#[component]
fn RunView(run: OnboardingState, confirm: ServerAction<ConfirmOnboarding>, can_edit: bool) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let progress = view! {
        <p class="mb-4 text-sm text-slate-700" role="status" data-testid="onboarding-step" data-status=run.status.clone()>
            <b>{step_label(&run)}</b> " · " {run.url.clone()}
        </p>
    };
    if run.status == "failed" {
        return view! {
            {progress}
            <Alert attr:data-testid="onboarding-error">{run.error.clone().unwrap_or_default()}</Alert>
        }
        .into_any();
    }
    let (Some(p), Some(form)) = (run.profile.clone(), run.icp.clone()) else {
        return progress.into_any();
    };
    let single = |s: Option<Sourced<String>>| chips(s.into_iter().collect());
    let clients = p.clients.iter().map(|c| Sourced { value: c.domain.as_ref().map_or(c.name.clone(), |d| format!("{} ({d})", c.name)), source_url: c.source_url.clone(), provenance: c.provenance }).collect();
    let team = p.team_size.clone().map(|t| Sourced { value: t.value.to_string(), source_url: t.source_url, provenance: t.provenance });
    // Lists are edited as chips; the field's value goes to the form one per line.
    let chips_field = |field: IcpField, value: String, commas: bool| {
        view! { <ChipsInput id=format!("onb-{}", field.as_str()) name=format!("icp[{}]", field.as_str()) label=field.label() initial=domain::icp::split_list(&value) commas=commas/> }
    };
    let line = |field: IcpField, value: String| {
        let id = format!("onb-{}", field.as_str());
        view! {
            <div>
                <label class=LABEL for=id.clone()>{field.label()}</label>
                <input class=INPUT id=id name=format!("icp[{}]", field.as_str()) value=value/>
            </div>
        }
    };
    let list = |v: Vec<String>| view! { <ul class="list-disc pl-5 text-sm text-slate-700">{v.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul> };
    view! {
        {progress}
        <div class="grid gap-4 lg:grid-cols-2">
            {card("Company", "onboarding-company", single(p.company_name.clone()).into_any())}
            {card("Value proposition", "onboarding-vp", single(p.value_proposition.clone()).into_any())}
            {card("Services", "onboarding-services", chips(p.services.clone()).into_any())}
            {card("Clients and portfolio", "onboarding-clients", chips(clients).into_any())}
            {card("Industries served", "onboarding-industries", chips(p.industries_served.clone()).into_any())}
            {card("Team size", "onboarding-team", single(team).into_any())}
            {card("Locations", "onboarding-locations", chips(p.locations.clone()).into_any())}
            {card("Pain points of your buyers", "onboarding-pains", list(run.pain_points.clone()).into_any())}
            {card("Exclusions", "onboarding-exclusions", list(run.exclusions.clone()).into_any())}
            {card("Suggested score weights", "onboarding-weights", view! {
                <ul class="text-sm text-slate-700">{run.weights.clone().into_iter().map(|(c, w, why)| view! {
                    <li><b>{c.replace('_', " ")}</b> " " {format!("{:.0} %", w * 100.0)} " — " {why}</li>
                }).collect_view()}</ul>
            }.into_any())}
        </div>
        <details class="mt-4 text-sm text-slate-600">
            <summary>{format!("{} pages read", run.pages.len())}</summary>
            <ul class="mt-2 list-disc pl-5">{run.pages.clone().into_iter().map(|(u, k)| view! { <li><a class="underline" href=u.clone() target="_blank" rel="noopener noreferrer">{u.clone()}</a> " (" {k} ")"</li> }).collect_view()}</ul>
            <ul class="mt-2 list-disc pl-5">{run.notes.clone().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
        </details>
        {can_edit.then(|| view! {
            <Card class="mt-6">
                <ActionForm action=confirm attr:class="grid gap-4 px-5 py-5 sm:grid-cols-2" attr:data-testid="onboarding-confirm-form">
                    <input type="hidden" name="workspace" value=move || ws.id.get()/>
                    <input type="hidden" name="run" value=run.id.clone()/>
                    <h2 class="sm:col-span-2 text-base font-semibold">"Your ideal customer profile (edit before confirming)"</h2>
                    <div class="sm:col-span-2"><MatchingLeads run=run.id.clone()/></div>
                    <div class="sm:col-span-2">{chips_field(IcpField::Industries, form.industries.clone(), true)}</div>
                    {line(IcpField::EmployeesMin, form.employees_min.clone())}
                    {line(IcpField::EmployeesMax, form.employees_max.clone())}
                    {chips_field(IcpField::Locations, form.locations.clone(), false)}
                    {chips_field(IcpField::JobTitles, form.job_titles.clone(), true)}
                    {line(IcpField::Seniorities, form.seniorities.clone())}
                    {chips_field(IcpField::Keywords, form.keywords.clone(), true)}
                    <label class="sm:col-span-2 flex items-start gap-2 text-sm text-slate-700">
                        <input type="checkbox" name="consent" value="yes" checked=run.consent data-testid="onboarding-consent"/>
                        <span>"Share anonymised campaign outcomes with the platform to improve everyone's targeting (platform intelligence). Off unless you tick it; you can change your answer by confirming again."</span>
                    </label>
                    <div class="sm:col-span-2 flex flex-col gap-2">
                        <FormError value=confirm.value()/>
                        {move || confirm.value().get().and_then(|r| r.ok()).map(|rescoring| view! {
                            <Alert kind=AlertKind::Success attr:data-testid="onboarding-confirmed">
                                "Confirmed: this is now your ideal customer profile"
                                {if rescoring { " and your leads are being re-scored against it." } else { "." }}
                                " " <a class="underline" href=format!("/w/{}/settings/icp", ws.id.get())>"See it in Settings"</a>
                            </Alert>
                        })}
                        {run.confirmed.then(|| view! { <p class="text-xs text-slate-500">"This run was confirmed before; confirming again saves your edits."</p> })}
                        <button type="submit" class=format!("{BUTTON} self-start") disabled=move || confirm.pending().get() data-testid="onboarding-confirm">"Confirm profile"</button>
                    </div>
                </ActionForm>
            </Card>
        })}
    }
    .into_any()
}
