//! Settings → Ideal customer profile: the profile the score's company fit compares against and
//! "Find leads from ICP" searches with. Members and above edit it; viewers read it.

use crate::api::icp::{get_icp, SaveIcp};
use crate::api::onboarding::{icp_origin, StartOnboarding};
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::icp::{IcpField, IcpForm, Seniority};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn IcpPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_edit = CurrentWorkspace::get().role.can(Action::EditCampaigns);
    let save = ServerAction::<SaveIcp>::new();
    // Not refetched after a save: the form keeps what was typed, so a refused save can be
    // corrected in place rather than retyped.
    let icp = LocalResource::new(move || get_icp(ws.id.get()));
    view! {
        <Title text="Ideal customer profile"/>
        <PageHeader
            title="Ideal customer profile"
            subtitle="Who your outreach is for. Company fit in every lead's score compares against it, and “Find leads from ICP” on the Leads page searches with it."/>
        <IcpOriginCard can_edit=can_edit/>
        {move || loaded(icp.get(), |saved| {
            let form = IcpForm::from_icp(&saved);
            if can_edit {
                view! { <IcpEditor form=form save=save/> }.into_any()
            } else {
                view! { <IcpReadOnly form=form/> }.into_any()
            }
        })}
    }
}

/// Where the profile came from: the website it was derived from (and when), with a way to read
/// the site again, or a pointer to Onboarding when it was typed by hand.
#[component]
fn IcpOriginCard(can_edit: bool) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let origin = LocalResource::new(move || icp_origin(ws.id.get()));
    let reread = ServerAction::<StartOnboarding>::new();
    view! {
        <Card class="mb-6 px-5 py-4 text-sm" attr:data-testid="icp-origin">
            {move || loaded(origin.get(), move |o| match o {
                None => view! {
                    <p class="text-slate-600">"Typed by hand. " <a class="underline" href=format!("/w/{}/onboarding", ws.id.get())>"Derive it from your website"</a> " and confirm what is found."</p>
                }.into_any(),
                Some(o) => view! {
                    <p class="text-slate-700">
                        "Derived from " <a class="underline" href=o.url.clone() target="_blank" rel="noopener noreferrer" data-testid="icp-origin-url">{o.url.clone()}</a>
                        {format!(" ({} pages read on {}), confirmed on {}", o.pages_read, o.read_on, o.confirmed_on)}
                        {if o.consent { "; outcomes shared with platform intelligence." } else { "; outcomes not shared." }}
                        " Edits saved here since then are kept until you confirm a new reading."
                    </p>
                    {can_edit.then(|| view! {
                        <ActionForm action=reread attr:class="mt-3 flex flex-wrap items-center gap-3">
                            <input type="hidden" name="workspace" value=move || ws.id.get()/>
                            <input type="hidden" name="url" value=o.url.clone()/>
                            <button type="submit" class=BUTTON_SECONDARY disabled=move || reread.pending().get() data-testid="icp-reread">"Read the website again"</button>
                            <FormError value=reread.value()/>
                            {move || reread.value().get().and_then(|r| r.ok()).map(|_| view! {
                                <Outcome ok=true attr:data-testid="icp-reread-started">
                                    "Reading it again: " <a class="underline" href=format!("/w/{}/onboarding", ws.id.get())>"follow it on the Onboarding page"</a>
                                    ", then confirm what is found."
                                </Outcome>
                            })}
                        </ActionForm>
                    })}
                }.into_any(),
            })}
        </Card>
    }
}

/// The messages of the last refused save that concern `field` (each starts with its label).
fn field_errors(save: ServerAction<SaveIcp>, field: IcpField) -> impl IntoView {
    move || {
        let message = save.value().get().and_then(|r| r.err()).map(|e| e.message).unwrap_or_default();
        message
            .split("; ")
            .filter(|m| m.starts_with(field.label()))
            .map(|m| view! { <p class="mt-1 text-sm text-red-700" data-testid=format!("icp-error-{}", field.as_str())>{m.to_string()}</p> })
            .collect_view()
    }
}

#[component]
fn IcpEditor(form: IcpForm, save: ServerAction<SaveIcp>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let list = move |field: IcpField, value: String, hint: &'static str| {
        let id = format!("icp-{}", field.as_str());
        view! {
            <div>
                <label class=LABEL for=id.clone()>{field.label()}</label>
                <textarea class=INPUT id=id name=format!("icp[{}]", field.as_str()) rows="3" maxlength="6000"
                    aria-describedby=format!("icp-{}-hint", field.as_str())>{value}</textarea>
                <p class="mt-1 text-xs text-slate-500" id=format!("icp-{}-hint", field.as_str())>{hint}</p>
                {field_errors(save, field)}
            </div>
        }
    };
    let number = move |field: IcpField, value: String| {
        let id = format!("icp-{}", field.as_str());
        view! {
            <div>
                <label class=LABEL for=id.clone()>{field.label()}</label>
                <input class=INPUT id=id name=format!("icp[{}]", field.as_str()) inputmode="numeric" value=value required/>
                {field_errors(save, field)}
            </div>
        }
    };
    let seniorities = Seniority::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    view! {
        <Card>
            <ActionForm action=save attr:class="grid gap-4 px-5 py-5 sm:grid-cols-2" attr:data-testid="icp-form">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                <div class="sm:col-span-2">{list(IcpField::Industries, form.industries, "One per line, or separated by commas. Scored: +10 when a lead's industry is one of these.")}</div>
                {number(IcpField::EmployeesMin, form.employees_min)}
                {number(IcpField::EmployeesMax, form.employees_max)}
                <div class="sm:col-span-2">{list(IcpField::Locations, form.locations, "Countries, states or cities; one per line when a location has a comma (\"Sydney, NSW\"). Scored and searched.")}</div>
                {list(IcpField::JobTitles, form.job_titles, "Search only: people holding any of these titles.")}
                <div>
                    <label class=LABEL for="icp-seniorities">{IcpField::Seniorities.label()}</label>
                    <input class=INPUT id="icp-seniorities" name="icp[seniorities]" value=form.seniorities aria-describedby="icp-seniorities-hint"/>
                    <p class="mt-1 text-xs text-slate-500" id="icp-seniorities-hint">"Search only. Any of: " {seniorities}</p>
                    {field_errors(save, IcpField::Seniorities)}
                </div>
                <div class="sm:col-span-2">{list(IcpField::Keywords, form.keywords, "Search only: words the person's profile must mention.")}</div>
                <div class="sm:col-span-2 flex flex-col gap-2">
                    {move || save.value().get().and_then(|r| r.ok()).map(|saved| view! {
                        <Alert kind=AlertKind::Success attr:data-testid="icp-saved">
                            {if saved.rescoring {
                                "Saved. Re-scoring every lead against the new profile has started; scores update in a moment."
                            } else {
                                "Saved. The scoring part did not change, so scores stay as they are."
                            }}
                        </Alert>
                    })}
                    <button type="submit" class=format!("{BUTTON} self-start") disabled=move || save.pending().get() data-testid="icp-save">"Save profile"</button>
                </div>
            </ActionForm>
        </Card>
    }
}

#[component]
fn IcpReadOnly(form: IcpForm) -> impl IntoView {
    let row = |field: IcpField, value: String| {
        let shown = if value.trim().is_empty() { "—".to_string() } else { value.replace('\n', ", ") };
        view! {
            <div class="py-3 sm:grid sm:grid-cols-3 sm:gap-4">
                <dt class="text-sm font-medium text-slate-600">{field.label()}</dt>
                <dd class="mt-1 text-sm sm:col-span-2 sm:mt-0" data-testid=format!("icp-{}", field.as_str())>{shown}</dd>
            </div>
        }
    };
    view! {
        <Card class="px-5 py-2" attr:data-testid="icp-readonly">
            <dl class="divide-y divide-slate-100">
                {row(IcpField::Industries, form.industries)}
                {row(IcpField::EmployeesMin, form.employees_min)}
                {row(IcpField::EmployeesMax, form.employees_max)}
                {row(IcpField::Locations, form.locations)}
                {row(IcpField::JobTitles, form.job_titles)}
                {row(IcpField::Seniorities, form.seniorities)}
                {row(IcpField::Keywords, form.keywords)}
            </dl>
            <p class="pb-3 text-xs text-slate-500">"Viewers can read the profile; members and above can change it."</p>
        </Card>
    }
}
