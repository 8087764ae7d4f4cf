//! The Leads section: the table (filters, search, sorting, server-side pages), the CSV import
//! with live progress and its error report, and one lead with every reason of its score.

use crate::api::icp::FindLeads;
use crate::api::leads::{get_import, get_lead, lead_enrichment, list_leads, AddLead, LeadQuery};
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::leads::{ImportStatus, LeadPage};
use domain::lead_status::FUNNEL_STAGES;
use domain::score::{Component, Tier};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn LeadsPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_import = CurrentWorkspace::get().role.can(Action::EditCampaigns);
    let query = use_query_map();
    let q = move |k: &str| query.read().get(k);
    let lead_query = Memo::new(move |_| LeadQuery {
        q: q("q"),
        status: q("status"),
        tier: q("tier"),
        source: q("source"),
        sort: q("sort"),
        page: q("page"),
        import: None,
    });
    let import_id = Memo::new(move |_| q("import"));
    let upload_id = Memo::new(move |_| q("upload"));
    // Bumped while an import runs so the progress and the table refresh.
    let (tick, set_tick) = signal(0u32);
    let page = LocalResource::new(move || {
        tick.track();
        list_leads(ws.id.get(), lead_query.get())
    });
    view! {
        <Title text="Leads"/>
        <div class="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Leads"</h1>
                <p class="mt-1 text-sm text-slate-600">"Every lead with its score and the reasons behind it."</p>
            </div>
        </div>
        {can_import.then(|| view! { <FindLeadsPanel on_found=set_tick/> <ImportPanel/> <AddLeadPanel on_added=set_tick/> })}
        {move || upload_id.get().filter(|_| can_import).map(|id| view! { <MappingPanel upload=id/> })}
        {move || import_id.get().map(|id| view! { <ImportProgress import=id on_tick=set_tick/> })}
        <Filters/>
        // Revival candidates join a campaign "with new copy" (their own control, which says what
        // it skipped and why); every other filter adds leads as they are. Both stay mounted and
        // the filter shows one, so changing the filter never tears down a loading campaign list.
        {can_import.then(|| {
            let revival = Memo::new(move |_| lead_query.with(|q| q.status.as_deref() == Some("revival_candidate")));
            view! {
                <div class:hidden=move || !revival.get()><ReviveInCampaign query=lead_query/></div>
                <div class:hidden=move || revival.get()><AddToCampaign query=lead_query/></div>
            }
        })}
        {move || loaded(page.get(), |p| view! { <LeadTable page=p/> }.into_any())}
    }
}

/// Enrols every lead matching the table's current filter into a chosen campaign; drafting for
/// them starts at once when the campaign is active.
#[component]
fn AddToCampaign(query: Memo<LeadQuery>) -> impl IntoView {
    use crate::api::campaigns::EnrollLeads;
    let ws = WorkspaceCtx::current();
    let enroll = ServerAction::<EnrollLeads>::new();
    let (chosen, set_chosen) = signal(String::new());
    view! {
        <div class="mb-4 flex flex-wrap items-center gap-2 text-sm" data-testid="add-to-campaign">
            <label for="enroll-campaign" class="text-slate-600">"Add the leads matching this filter to"</label>
            <CampaignSelect id="enroll-campaign" set_chosen=set_chosen/>
            <button type="button" class=BUTTON_SECONDARY data-testid="enroll-submit" disabled=move || enroll.pending().get() || chosen.get().is_empty()
                on:click=move |_| { enroll.dispatch(EnrollLeads { workspace: ws.id.get_untracked(), campaign: chosen.get_untracked(), query: query.get_untracked() }); }>
                "Add to campaign"
            </button>
            <span aria-live="polite">
                {move || enroll.value().get().map(|r| match r {
                    Ok(n) => view! { <Outcome ok=true attr:data-testid="enroll-result">{n} " leads added"</Outcome> }.into_any(),
                    Err(e) => view! { <Outcome ok=false attr:data-testid="enroll-error">{e.message}</Outcome> }.into_any(),
                })}
            </span>
        </div>
    }
}

/// The workspace's campaigns to enrol leads in (its id is the `id` and the test id).
#[component]
fn CampaignSelect(id: &'static str, set_chosen: WriteSignal<String>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let campaigns = LocalResource::new(move || crate::api::campaigns::list_campaigns(ws.id.get(), false));
    view! {
        <select id=id class="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm" data-testid=id
            on:change=move |ev| set_chosen.set(event_target_value(&ev))>
            <option value="">"Choose a campaign…"</option>
            {move || campaigns.get().and_then(|r| r.ok()).unwrap_or_default().into_iter().map(|c| view! {
                <option value=c.id.clone()>{c.name.clone()} " (" {c.status.as_str()} ")"</option>
            }).collect_view()}
        </select>
    }
}

/// "Enrol in campaign…" for the revival candidates matching the filter: they join the chosen
/// campaign with new copy (drafting uses only templates they were not sent), and the result
/// says how many joined and why the others were skipped.
#[component]
fn ReviveInCampaign(query: Memo<LeadQuery>) -> impl IntoView {
    use crate::api::campaigns::EnrollRevival;
    let ws = WorkspaceCtx::current();
    let enroll = ServerAction::<EnrollRevival>::new();
    let (chosen, set_chosen) = signal(String::new());
    view! {
        <Card tag=CardTag::Div class="mb-4 p-4 text-sm" attr:data-testid="revive-in-campaign">
            <p class="mb-2 text-slate-600">"Revival candidates were last touched 30 to 120 days ago. Enrolled here, they get copy they have not been sent: a new angle, else a template they have not seen. Suppressed leads, leads still in a cadence and leads already sent every first email of the campaign are skipped."</p>
            <div class="flex flex-wrap items-center gap-2">
                <label for="revive-campaign" class="text-slate-600">"Enrol in campaign…"</label>
                <CampaignSelect id="revive-campaign" set_chosen=set_chosen/>
                <button type="button" class=BUTTON data-testid="revive-submit" disabled=move || enroll.pending().get() || chosen.get().is_empty()
                    on:click=move |_| { enroll.dispatch(EnrollRevival { workspace: ws.id.get_untracked(), campaign: chosen.get_untracked(), query: query.get_untracked() }); }>
                    "Enrol with new copy"
                </button>
                <span aria-live="polite">
                    {move || enroll.value().get().map(|r| match r {
                        Ok(report) => view! { <Outcome ok=true attr:data-testid="revive-result">{report.summary()}</Outcome> }.into_any(),
                        Err(e) => view! { <Outcome ok=false attr:data-testid="revive-error">{e.message}</Outcome> }.into_any(),
                    })}
                </span>
            </div>
        </Card>
    }
}

/// "Find leads from ICP": a people search with the workspace's profile; the new leads are
/// enriched and scored by the worker, and the table refreshes at once to show them.
#[component]
fn FindLeadsPanel(on_found: WriteSignal<u32>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let find = ServerAction::<FindLeads>::new();
    Effect::new(move |_| {
        if matches!(find.value().get(), Some(Ok(_))) {
            on_found.update(|t| *t += 1);
        }
    });
    view! {
        <Card tag=CardTag::Details class="mb-6" attr:data-testid="find-leads-panel">
            <summary class="cursor-pointer select-none px-5 py-3 text-sm font-semibold text-indigo-700">"Find leads from ICP"</summary>
            <ActionForm action=find attr:class="flex flex-col gap-3 border-t border-slate-100 px-5 py-4 sm:flex-row sm:items-end" attr:data-testid="find-leads-form">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                <div>
                    <label class=LABEL for="find-count">"How many people"</label>
                    <select id="find-count" name="count" class="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
                        <option value="25" selected=true>"25"</option>
                        <option value="100">"100"</option>
                        <option value="500">"500"</option>
                    </select>
                </div>
                <button type="submit" class=BUTTON disabled=move || find.pending().get() data-testid="find-leads-submit">
                    {move || if find.pending().get() { "Searching…" } else { "Find leads" }}
                </button>
            </ActionForm>
            <div class="px-5 pb-4 flex flex-col gap-2" aria-live="polite">
                <FormError value=find.value()/>
                {move || find.value().get().and_then(|r| r.ok()).map(|r| view! {
                    <p class="text-sm text-emerald-800" data-testid="find-leads-result">
                        {r.found} " found · " <b>{r.new}</b> " new · " {r.duplicates} " already in your leads"
                        {(r.new > 0).then_some(". The new leads are being enriched and scored.")}
                    </p>
                    <p class="text-xs text-slate-600" data-testid="find-leads-source">"Searched with " {r.searched_with}</p>
                    {r.stopped.map(|s| view! { <p class="text-sm text-amber-800">{s}</p> })}
                })}
                <p class="text-xs text-slate-500">
                    "Searches with your "
                    <a class="underline" href=move || format!("/w/{}/settings/icp", ws.id.get())>"ideal customer profile"</a>
                    " (locations, employee range, job titles, seniorities, keywords). People already found are not added twice."
                </p>
            </div>
        </Card>
    }
}

#[component]
fn ImportPanel() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    view! {
        <Card tag=CardTag::Details class="mb-6" attr:data-testid="import-panel">
            <summary class="cursor-pointer select-none px-5 py-3 text-sm font-semibold text-indigo-700">"Import leads from a CSV file"</summary>
            <form method="post" enctype="multipart/form-data" action=move || format!("/w/{}/leads/import", ws.id.get())
                  class="flex flex-col gap-3 border-t border-slate-100 px-5 py-4 sm:flex-row sm:items-center" data-testid="import-form">
                <label class="sr-only" for="import-file">"CSV file"</label>
                <input id="import-file" name="file" type="file" accept=".csv,text/csv,.txt" required
                       class="block w-full text-sm text-slate-600 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-2 file:text-sm file:font-medium file:text-indigo-700 hover:file:bg-indigo-100"/>
                <button type="submit" class=BUTTON>"Import"</button>
                <button type="submit" class=BUTTON_SECONDARY formaction=move || format!("/w/{}/leads/import/preview", ws.id.get())
                        data-testid="import-choose-columns">"Choose columns…"</button>
            </form>
            <p class="px-5 pb-4 text-xs text-slate-500">
                "Columns are detected from the header (email, first name, last name, title, company, website, LinkedIn, phone, country…). Comma, semicolon or tab separated; up to 200 MB. Duplicates of existing leads are skipped; rows with problems are listed in a downloadable report."
            </p>
        </Card>
    }
}

/// Step two of an import with a chosen mapping: each column of the file with a select of our
/// fields (or "ignore"), pre-filled with the detection, over the first rows of the file. A
/// plain form post, so it works before the page is hydrated.
#[component]
fn MappingPanel(upload: String) -> impl IntoView {
    use crate::api::leads::import_preview;
    use domain::leads::Field;
    let ws = WorkspaceCtx::current();
    let id = upload.clone();
    let preview = LocalResource::new(move || import_preview(ws.id.get(), id.clone()));
    view! {
        <Card tag=CardTag::Div class="mb-6 p-5" attr:data-testid="mapping-panel">
            {move || loaded(preview.get(), |p| {
                    let action = format!("/w/{}/leads/import/{}", ws.id.get_untracked(), p.upload);
                    view! {
                        <h2 class="text-base font-semibold">"Choose what each column holds: " {p.filename.clone()}</h2>
                        <p class="mt-0.5 text-sm text-slate-500">"Map an email, a LinkedIn URL, or a name and a company; each field once."</p>
                        <form method="post" action=action class="mt-3">
                            <div class="overflow-x-auto">
                                <table class="min-w-full text-left text-sm">
                                    <thead>
                                        <tr>{p.headers.iter().cloned().zip(p.mapping.iter().copied()).enumerate().map(|(i, (h, detected))| view! {
                                            <th class="border-b border-slate-200 px-2 py-2 align-bottom">
                                                <div class="mb-1 font-medium text-slate-700">{h}</div>
                                                <select class=INPUT name=format!("col{i}") data-testid=format!("map-col{i}")>
                                                    <option value="ignore" selected=detected.is_none()>"ignore"</option>
                                                    {Field::ALL.into_iter().map(|f| view! {
                                                        <option value=f.as_str() selected=detected == Some(f)>{humanise(f.as_str())}</option>
                                                    }).collect_view()}
                                                </select>
                                            </th>
                                        }).collect_view()}</tr>
                                    </thead>
                                    <tbody>
                                        {p.rows.iter().map(|row| view! {
                                            <tr>{row.iter().map(|c| view! { <td class="border-b border-slate-100 px-2 py-1 text-slate-600">{c.clone()}</td> }).collect_view()}</tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <button type="submit" class=format!("{BUTTON} mt-3") data-testid="mapping-import">"Import"</button>
                        </form>
                    }.into_any()
            })}
        </Card>
    }
}

#[component]
fn AddLeadPanel(on_added: WriteSignal<u32>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let add = ServerAction::<AddLead>::new();
    Effect::new(move |_| {
        if matches!(add.value().get(), Some(Ok(_))) {
            on_added.update(|t| *t += 1);
        }
    });
    let field = |name: &'static str, label: &'static str, kind: &'static str| view! {
        <div>
            <label class=LABEL for=format!("add-{name}")>{label}</label>
            <input class=INPUT id=format!("add-{name}") name=format!("lead[{name}]") type=kind maxlength="254"/>
        </div>
    };
    view! {
        <Card tag=CardTag::Details class="mb-6" attr:data-testid="add-lead-panel">
            <summary class="cursor-pointer select-none px-5 py-3 text-sm font-semibold text-indigo-700">"Add a lead by hand"</summary>
            <ActionForm action=add attr:class="grid gap-3 border-t border-slate-100 px-5 py-4 sm:grid-cols-2" attr:data-testid="add-lead-form">
                <input type="hidden" name="workspace" value=move || ws.id.get()/>
                {field("first_name", "First name", "text")}
                {field("last_name", "Last name", "text")}
                {field("email", "Email", "email")}
                {field("linkedin_url", "LinkedIn URL", "url")}
                {field("title", "Title", "text")}
                {field("company", "Company", "text")}
                {field("website", "Website", "text")}
                {field("phone", "Phone", "tel")}
                <div class="sm:col-span-2 flex flex-col gap-2">
                    <FormError value=add.value()/>
                    {move || add.value().get().and_then(|r| r.ok()).map(|id| view! {
                        <p class="text-sm text-emerald-800" data-testid="lead-added">"Lead added; it will be enriched and scored in a moment. "
                            <a class="underline" href=format!("/w/{}/leads/{id}", ws.id.get_untracked())>"Open it"</a></p>
                    })}
                    <button type="submit" class=format!("{BUTTON} self-start") disabled=move || add.pending().get()>"Add lead"</button>
                </div>
            </ActionForm>
        </Card>
    }
}

#[component]
fn ImportProgress(import: String, on_tick: WriteSignal<u32>) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let (poll, set_poll) = signal(0u32);
    let id = import.clone();
    let view_res = LocalResource::new(move || {
        poll.track();
        get_import(ws.id.get(), id.clone())
    });
    // Poll once a second while the import runs; refresh the table as rows arrive.
    Effect::new(move |_| {
        if let Some(Ok(v)) = view_res.get() {
            on_tick.update(|t| *t += 1);
            if v.status == ImportStatus::Running {
                set_timeout(move || set_poll.update(|p| *p += 1), std::time::Duration::from_millis(1000));
            }
        }
    });
    view! {
        <Card tag=CardTag::Div class="mb-6 p-5" attr:data-testid="import-progress" attr:aria-live="polite">
            {move || loaded(view_res.get(), |v| {
                    let s = v.summary;
                    let done = v.status != ImportStatus::Running;
                    let report = format!("/w/{}/imports/{}/errors.csv", ws.id.get_untracked(), v.id);
                    view! {
                        <div class="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
                            <div>
                                <p class="text-sm font-semibold">
                                    {v.filename.clone()} " — "
                                    <span data-testid="import-status">{match v.status { ImportStatus::Running => "importing…", ImportStatus::Completed => "completed", ImportStatus::Failed => "failed" }}</span>
                                </p>
                                <p class="mt-1 text-sm text-slate-600" data-testid="import-counts">
                                    {s.total} " rows read · " <b>{s.imported}</b> " imported · " {s.duplicates} " duplicates · " {s.invalid} " with problems"
                                </p>
                                {v.resumed.map(|r| view! { <p class="mt-1 text-sm text-amber-800" data-testid="import-resumed">{r.describe()}</p> })}
                                {v.error.clone().map(|e| view! { <p class="mt-1 text-sm text-red-700">{e}</p> })}
                            </div>
                            {(done && (s.invalid > 0 || s.duplicates > 0)).then(|| view! {
                                <a class=BUTTON_SECONDARY href=report rel="external" data-testid="error-report">"Download error report"</a>
                            })}
                        </div>
                        {(!done).then(|| view! {
                            <div class="mt-3 h-1.5 w-full overflow-hidden rounded-full bg-slate-100"><div class="h-full w-1/3 animate-pulse rounded-full bg-indigo-500"></div></div>
                        })}
                    }.into_any()
            })}
        </Card>
    }
}

#[component]
fn Filters() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let select = |name: &'static str, label: &'static str, options: Vec<(String, String)>, current: String| {
        view! {
            <div>
                <label class="sr-only" for=format!("f-{name}")>{label}</label>
                <select id=format!("f-{name}") name=name class="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
                    {options.into_iter().map(|(v, l)| { let sel = v == current; view! { <option value=v selected=sel>{l}</option> } }).collect_view()}
                </select>
            </div>
        }
    };
    let tiers = std::iter::once((String::new(), "All tiers".to_string())).chain(Tier::ALL.iter().map(|t| (t.as_str().to_string(), humanise(t.as_str())))).collect();
    let status = get("status");
    let sorts = vec![
        ("score".to_string(), "Highest score".to_string()),
        ("score_asc".to_string(), "Lowest score".to_string()),
        ("newest".to_string(), "Newest".to_string()),
        ("oldest".to_string(), "Oldest".to_string()),
        ("name".to_string(), "Name".to_string()),
    ];
    view! {
        <form method="get" class="mb-4 flex flex-wrap items-center gap-2" role="search" data-testid="lead-filters">
            <label class="sr-only" for="f-q">"Search"</label>
            <input id="f-q" name="q" type="search" maxlength="200" placeholder="Search name, email, company…" value=get("q") class=format!("{INPUT} max-w-xs")/>
            {select("tier", "Tier", tiers, get("tier"))}
            <div>
                <label class="sr-only" for="f-status">"Status"</label>
                <select id="f-status" name="status" class="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
                    <option value="" selected=status.is_empty()>"All statuses"</option>
                    {FUNNEL_STAGES.iter().map(|(stage, statuses)| view! {
                        <optgroup label=*stage>
                            {statuses.iter().map(|s| { let v = s.as_str(); view! { <option value=v selected=status == v>{humanise(v)}</option> } }).collect_view()}
                        </optgroup>
                    }).collect_view()}
                </select>
            </div>
            {select("sort", "Sort", sorts, get("sort"))}
            <button type="submit" class=BUTTON_SECONDARY>"Apply"</button>
        </form>
    }
}

#[component]
fn LeadTable(page: LeadPage) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let query = use_query_map();
    if page.rows.is_empty() {
        return view! {
            <Empty title="No leads match" body="Import a CSV file, or change the filters. Each lead is scored from 0 to 100, and every point comes with a reason."/>
        }
        .into_any();
    }
    let pages = page.page_count().max(1);
    let link = move |p: u64| {
        let mut params: Vec<String> = query
            .get_untracked()
            .into_iter()
            .filter(|(k, _)| k != "page" && k != "import")
            .map(|(k, v)| format!("{k}={}", crate::pages::auth::urlencode(&v)))
            .collect();
        params.push(format!("page={p}"));
        format!("?{}", params.join("&"))
    };
    let current = page.page as u64;
    let total = page.total_label();
    let has_next = page.has_next();
    let of_pages = if page.total_capped { format!("{pages}+") } else { pages.to_string() };
    view! {
        <Table attr:data-testid="leads-table" caption="Leads"
            head=vec![("Lead", ""), ("Company", "hidden md:table-cell"), ("ALS", "text-right"), ("Tier", ""), ("Status", "hidden sm:table-cell"), ("Source", "hidden lg:table-cell")]>
                    {page.rows.into_iter().map(|r| {
                        let href = format!("/w/{}/leads/{}", ws.id.get_untracked(), r.id);
                        view! {
                            <tr class="hover:bg-slate-50" data-testid="lead-row">
                                <td class="px-4 py-3">
                                    <a href=href class="font-medium text-indigo-700 hover:underline">{r.name.clone()}</a>
                                    <div class="text-xs text-slate-500">{r.title.clone().unwrap_or_default()}</div>
                                    <div class="text-xs text-slate-400 md:hidden">{r.company.clone().unwrap_or_default()}</div>
                                </td>
                                <td class="hidden px-4 py-3 md:table-cell">{r.company.clone().unwrap_or_default()}</td>
                                <td class="px-4 py-3 text-right font-semibold tabular-nums">{r.als.map(|a| a.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td class="px-4 py-3">{tier_badge(r.tier)}</td>
                                <td class="hidden px-4 py-3 sm:table-cell">{humanise(r.status.as_str())}</td>
                                <td class="hidden px-4 py-3 lg:table-cell">{r.source.as_str().to_uppercase()}</td>
                            </tr>
                        }
                    }).collect_view()}
        </Table>
        <nav class="mt-4 flex items-center justify-between text-sm text-slate-600" aria-label="Pages">
            <span data-testid="leads-total">{total} " leads · page " {current} " of " {of_pages}</span>
            <span class="flex gap-2">
                {(current > 1).then(|| view! { <a class=BUTTON_SECONDARY href=link(current - 1)>"Previous"</a> })}
                {has_next.then(|| view! { <a class=BUTTON_SECONDARY href=link(current + 1)>"Next"</a> })}
            </span>
        </nav>
    }
    .into_any()
}

#[component]
pub fn LeadDetailPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let params = use_params_map();
    let lead = LocalResource::new(move || get_lead(ws.id.get(), params.read().get("lead").unwrap_or_default()));
    let history = LocalResource::new(move || lead_enrichment(ws.id.get(), params.read().get("lead").unwrap_or_default()));
    let maxima = domain::score::ScoringConfig::default().maxima;
    view! {
        <Title text="Lead"/>
        <a href=move || format!("/w/{}/leads", ws.id.get()) class="mb-4 inline-block text-sm text-indigo-700 hover:underline">"← All leads"</a>
        {move || match lead.get() {
            None => view! { <Loading/> }.into_any(),
            Some(Err(e)) => view! { <Empty title="Lead not found" body="It does not exist in this workspace."/> <p class="sr-only">{e.message}</p> }.into_any(),
            Some(Ok(l)) => {
                let name = l.name();
                let score = l.score.clone();
                let contact: Vec<(&str, Option<String>)> = vec![
                    ("Email", l.email.clone()),
                    ("Email check", l.email_verdict.map(|v| format!("{v:?}{}", l.email_reason.clone().map(|r| format!(" — {r}")).unwrap_or_default()))),
                    ("Phone", l.phone.clone()),
                    ("LinkedIn", l.linkedin_url.clone()),
                    ("Location", l.location.clone().or(l.country.clone())),
                ];
                let company: Vec<(&str, Option<String>)> = vec![
                    ("Company", l.company.clone()),
                    ("Domain", l.company_domain.clone()),
                    ("Website", l.website.clone()),
                    ("Industry", l.industry.clone()),
                    ("Employees", l.employee_count.map(|n| n.to_string())),
                ];
                let dl = |rows: Vec<(&'static str, Option<String>)>| view! {
                    <dl class="divide-y divide-slate-100 text-sm">
                        {rows.into_iter().map(|(k, v)| view! {
                            <div class="grid grid-cols-3 gap-2 py-2"><dt class="text-slate-500">{k}</dt><dd class="col-span-2 break-words">{v.unwrap_or_else(|| "—".into())}</dd></div>
                        }).collect_view()}
                    </dl>
                };
                view! {
                    <header class="mb-6 flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
                        <div>
                            <h1 class="text-2xl font-semibold tracking-tight" data-testid="lead-name">{name}</h1>
                            <p class="text-sm text-slate-600">{l.title.clone().unwrap_or_default()} {l.company.clone().map(|c| format!(" at {c}")).unwrap_or_default()}</p>
                        </div>
                        <div class="flex items-center gap-3">
                            <span class="text-4xl font-bold tabular-nums" data-testid="lead-als">{score.as_ref().map(|s| s.als.to_string()).unwrap_or_else(|| "—".into())}</span>
                            {tier_badge(score.as_ref().map(|s| s.tier))}
                        </div>
                    </header>
                    <div class="grid gap-6 lg:grid-cols-3">
                        <Card class="p-5 lg:col-span-2" attr:data-testid="score-breakdown">
                            <h2 class="mb-1 text-base font-semibold">"Why this score"</h2>
                            {match score {
                                None => view! { <p class="text-sm text-slate-500">"Not scored yet."</p> }.into_any(),
                                Some(s) => view! {
                                    <p class="mb-4 text-xs text-slate-500">
                                        "Weights: " {humanise(s.weight_source.as_str())} " · scored " {s.scored_at.format("%Y-%m-%d %H:%M UTC").to_string()}
                                    </p>
                                    <div class="mb-5 space-y-2">
                                        {Component::ALL.into_iter().map(|c| {
                                            let got = s.components.get(c);
                                            let max = maxima.get(c).max(1);
                                            let pct = (u32::from(got) * 100 / u32::from(max)).min(100);
                                            view! {
                                                <div class="grid grid-cols-[7rem_1fr_7.5rem] items-center gap-3 text-sm">
                                                    <span class="capitalize text-slate-600">{c.as_str()}</span>
                                                    <div class="h-2 overflow-hidden rounded-full bg-slate-100"><div class="h-full rounded-full bg-indigo-500" style=format!("width: {pct}%")></div></div>
                                                    <span class="text-right tabular-nums text-slate-700">{got} " / " {max} " · " {format!("{:.0}%", s.weights.get(c) * 100.0)}</span>
                                                </div>
                                            }
                                        }).collect_view()}
                                    </div>
                                    <ul class="divide-y divide-slate-100 text-sm" data-testid="score-reasons">
                                        {s.reasons.iter().map(|r| {
                                            let positive = r.contribution >= 0;
                                            view! {
                                                <li class="flex justify-between py-1.5" data-testid="score-reason">
                                                    <span>{r.to_string()}</span>
                                                    <span class=if positive { "tabular-nums text-emerald-700" } else { "tabular-nums text-rose-700" }>
                                                        {format!("{:+.2}", r.contribution_points())}
                                                    </span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                    <p class="mt-3 text-right text-sm font-semibold">"Total " {format!("{:.2}", f64::from(s.als_exact) / 100.0)}</p>
                                }.into_any(),
                            }}
                        </Card>
                        <div class="space-y-6">
                            <Card class="p-5"><h2 class="mb-2 text-base font-semibold">"Contact"</h2>{dl(contact)}</Card>
                            <Card class="p-5"><h2 class="mb-2 text-base font-semibold">"Company"</h2>{dl(company)}</Card>
                            <Card class="p-5">
                                <h2 class="mb-2 text-base font-semibold">"Enrichment"</h2>
                                <p class="text-sm text-slate-600">{match (l.enrichment_source.clone(), l.enrichment_confidence) {
                                    (Some(src), Some(c)) => format!("{src}, confidence {:.0}%", c * 100.0),
                                    (Some(src), None) => src,
                                    _ => "Not enriched yet".to_string(),
                                }}</p>
                                {move || history.get().and_then(|r| r.ok()).map(|h| view! {
                                    <div class="mt-2 text-xs text-slate-500" data-testid="enrichment-history">
                                        {h.reason.clone().map(|r| view! { <p class="mb-1">{r}</p> })}
                                        {(h.from_cache).then(|| view! { <p class="mb-1">"Answered from the cache: no provider was paid."</p> })}
                                        <ul class="divide-y divide-slate-100">
                                            {h.calls.into_iter().map(|c| view! {
                                                <li class="flex justify-between py-1"><span>{c.provider} " · " {c.operation}</span><span class="tabular-nums">"A$" {c.cost_aud}</span></li>
                                            }).collect_view()}
                                        </ul>
                                        <p class="mt-1">{h.credits} " credit(s) used"</p>
                                    </div>
                                })}
                            </Card>
                        </div>
                    </div>
                    <LeadTimeline lead=l.id.to_string()/>
                }.into_any()
            }
        }}
    }
}

/// One timeline across every channel, newest first, a page at a time ("Load older"), with the
/// note form for members.
#[component]
fn LeadTimeline(lead: String) -> impl IntoView {
    use crate::api::activity::{add_note, lead_timeline};
    use domain::inbox::TimelineEntry;
    let ws = WorkspaceCtx::current();
    let can_note = CurrentWorkspace::get().role.can(Action::ApproveDrafts);
    let first = {
        let lead = lead.clone();
        LocalResource::new(move || lead_timeline(ws.id.get(), lead.clone(), None))
    };
    let entries = RwSignal::new(Vec::<TimelineEntry>::new());
    let older = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let text = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(p)) = first.get() {
            entries.set(p.entries);
            older.set(p.older);
        }
    });
    let more = {
        let lead = lead.clone();
        leptos::prelude::Action::new_local(move |before: &String| lead_timeline(ws.id.get_untracked(), lead.clone(), Some(before.clone())))
    };
    Effect::new(move |_| match more.value().get() {
        Some(Ok(p)) => {
            entries.update(|v| v.extend(p.entries));
            older.set(p.older);
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    let save = {
        let lead = lead.clone();
        leptos::prelude::Action::new_local(move |t: &String| add_note(ws.id.get_untracked(), lead.clone(), t.clone()))
    };
    Effect::new(move |_| match save.value().get() {
        Some(Ok(e)) => {
            error.set(None);
            text.set(String::new());
            entries.update(|v| v.insert(0, e));
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    view! {
        <Card class="mt-6 p-5" attr:data-testid="lead-timeline">
            <h2 class="mb-3 text-base font-semibold">"Activity"</h2>
            {can_note.then(|| view! {
                <form class="mb-4 flex flex-col gap-2 sm:flex-row sm:items-start" data-testid="timeline-note-form"
                    on:submit=move |ev| { ev.prevent_default(); save.dispatch(text.get_untracked()); }>
                    <label class="sr-only" for="timeline-note">"Add a note"</label>
                    <textarea id="timeline-note" rows="2" maxlength=domain::inbox::MAX_NOTE_CHARS class=INPUT placeholder="Add a note for your team…" data-testid="timeline-note"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <button type="submit" class=BUTTON data-testid="timeline-note-submit" disabled=move || save.pending().get() || text.with(|t| t.trim().is_empty())>"Add note"</button>
                </form>
            })}
            {move || error.get().map(|e| view! { <ErrorBox message=e/> })}
            {move || loaded_or_empty(first.get(), |_| entries.with(|v| v.is_empty()), || view! {
                <EmptyLine text="No activity yet. Sends, opens, replies and status changes across every channel will appear here." attr:data-testid="timeline-empty"/>
            }.into_any(), |_| view! { <ActivityList entries=entries.get()/> }.into_any())}
            {move || older.get().map(|before| view! {
                <button type="button" class=format!("{BUTTON_SECONDARY} mt-4") data-testid="timeline-older" disabled=move || more.pending().get()
                    on:click=move |_| { more.dispatch(before.clone()); }>"Load older"</button>
            })}
        </Card>
    }
}
