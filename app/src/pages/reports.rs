//! Reports (SPEC §15): the funnel, the KPIs against the workspace's targets (each with its
//! formula, numerator and denominator), breakdowns per campaign, step, A/B variant, mailbox and
//! channel, sends and replies per day, and costs — for a range (7 / 30 / 90 days or custom) and
//! filters (campaign, channel, mailbox). Every table downloads as CSV; every chart has its
//! numbers in a table beside it.

use crate::api::reports::{load_report, report_filter_options, report_targets};
use crate::components::charts::{BarChart, Series, COLORS};
use crate::components::*;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action;
use domain::reports::{self as r, BreakdownRow, Kpi, KpiStatus, Report, ReportQuery, ReportTable};
use domain::score::Channel;
use leptos::prelude::*;
use leptos_meta::Title;

const PRESETS: [u16; 3] = [7, 30, 90];

#[component]
pub fn ReportsPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    // 0 = the custom range in `from` / `to`
    let preset = RwSignal::new(30u16);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let campaign = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let mailbox = RwSignal::new(String::new());
    let query = Memo::new(move |_| ReportQuery { from: from.get(), to: to.get(), campaign: campaign.get(), channel: channel.get(), mailbox: mailbox.get() });
    // A preset ignores the dates (the server counts back from its today), so filling the date
    // fields from a preset's answer below does not fetch the report again.
    let request = Memo::new(move |_| {
        let (p, mut q) = (preset.get(), query.get());
        if p > 0 {
            q.from.clear();
            q.to.clear();
        }
        (p, q)
    });
    let report = LocalResource::new(move || {
        let (p, q) = request.get();
        load_report(ws.id.get(), p, q)
    });
    let options = LocalResource::new(move || report_filter_options(ws.id.get()));
    // A preset fills the custom fields with its dates, so switching to "custom" starts from them.
    Effect::new(move |_| {
        if let Some(Ok(r)) = report.get() {
            if preset.get_untracked() > 0 {
                from.set(r.range.from().to_string());
                to.set(r.range.to().to_string());
            }
        }
    });
    let select_class = "rounded-md border border-slate-300 bg-white px-2 py-2 text-sm";
    view! {
        <Title text="Reports"/>
        <PageHeader title="Reports" subtitle="Funnel, KPIs against your targets, what works best, and what it costs."/>
        <Card class="mb-6 flex flex-wrap items-end gap-3 p-4" attr:data-testid="report-controls" attr:aria-label="Range and filters">
            <div role="group" aria-label="Range" class="flex gap-1">
                {PRESETS.into_iter().map(|d| view! {
                    <button type="button" data-testid=format!("preset-{d}") aria-pressed=move || (preset.get() == d).to_string()
                        class=move || if preset.get() == d { "rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white" } else { BUTTON_SECONDARY }
                        on:click=move |_| preset.set(d)>{format!("{d} days")}</button>
                }).collect_view()}
            </div>
            <div>
                <label class=LABEL for="r-from">"From"</label>
                <input id="r-from" type="date" class=INPUT data-testid="range-from" prop:value=move || from.get()
                    on:change=move |ev| { from.set(event_target_value(&ev)); preset.set(0); }/>
            </div>
            <div>
                <label class=LABEL for="r-to">"To"</label>
                <input id="r-to" type="date" class=INPUT data-testid="range-to" prop:value=move || to.get()
                    on:change=move |ev| { to.set(event_target_value(&ev)); preset.set(0); }/>
            </div>
            <div>
                <label class=LABEL for="r-campaign">"Campaign"</label>
                <select id="r-campaign" class=select_class data-testid="filter-campaign" on:change=move |ev| campaign.set(event_target_value(&ev))>
                    <option value="">"All campaigns"</option>
                    {move || options.get().and_then(|o| o.ok()).map(|o| o.campaigns.into_iter().map(|(id, name)| {
                        let v = id.to_string();
                        let selected = campaign.get_untracked() == v;
                        view! { <option value=v selected=selected>{name}</option> }
                    }).collect_view())}
                </select>
            </div>
            <div>
                <label class=LABEL for="r-channel">"Channel"</label>
                <select id="r-channel" class=select_class data-testid="filter-channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                    <option value="">"All channels"</option>
                    {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str()>{c.to_string()}</option> }).collect_view()}
                </select>
            </div>
            <div>
                <label class=LABEL for="r-mailbox">"Mailbox"</label>
                <select id="r-mailbox" class=select_class data-testid="filter-mailbox" on:change=move |ev| mailbox.set(event_target_value(&ev))>
                    <option value="">"All mailboxes"</option>
                    {move || options.get().and_then(|o| o.ok()).map(|o| o.mailboxes.into_iter().map(|(id, address)| {
                        let v = id.to_string();
                        let selected = mailbox.get_untracked() == v;
                        view! { <option value=v selected=selected>{address}</option> }
                    }).collect_view())}
                </select>
            </div>
        </Card>
        {move || loaded(report.get(), |rep| view! { <ReportBody report=rep/> }.into_any())}
        <Targets on_saved=move || report.refetch()/>
    }
}

#[component]
fn Section(title: &'static str, #[prop(optional)] csv: Option<String>, #[prop(optional)] testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="mb-6" data-testid=testid>
            <div class="mb-2 flex items-center justify-between gap-2">
                <h2 class="text-base font-semibold text-slate-900">{title}</h2>
                {csv.map(|href| view! { <a class=BUTTON_SECONDARY href=href rel="external" download="" data-testid=format!("{testid}-csv")>"Download CSV"</a> })}
            </div>
            {children()}
        </section>
    }
}

#[component]
fn ReportBody(report: Report) -> impl IntoView {
    let ws = WorkspaceCtx::current().id.get_untracked();
    let Report { range, filters, funnel, totals, kpis, by_campaign, by_step, by_angle, by_mailbox, by_channel, variants, by_day, costs } = report;
    let href = move |t: ReportTable| format!("/w/{ws}/reports/export/{}?{}", t.slug(), r::query_string(&range, &filters));
    let days: Vec<String> = by_day.iter().map(|d| d.day.format("%d %b").to_string()).collect();
    let per_day = |f: fn(&r::DayRow) -> i64| by_day.iter().map(|d| f(d) as f64).collect::<Vec<f64>>();
    let (sent_per_day, replies_per_day, autos_per_day) = (per_day(|d| d.sent), per_day(|d| d.replies), per_day(|d| d.auto_replies));
    let sent: i64 = by_day.iter().map(|d| d.sent).sum();
    let replies: i64 = by_day.iter().map(|d| d.replies).sum();
    let autos: i64 = by_day.iter().map(|d| d.auto_replies).sum();
    let funnel_desc = format!(
        "Of {} leads that entered between {} and {}, {} were messaged, {} engaged and {} booked a meeting.",
        funnel[0].leads, range.from(), range.to(), funnel[1].leads, funnel[2].leads, funnel[3].leads
    );
    let funnel_labels: Vec<String> = funnel.iter().map(|s| s.stage.label().to_string()).collect();
    let funnel_values: Vec<f64> = funnel.iter().map(|s| s.leads as f64).collect();
    let cost_desc = format!("{} spent in the period: {}.", r::aud(costs.total), costs.by_kind.iter().map(|(k, v)| format!("{} {}", k.label(), r::aud(*v))).collect::<Vec<_>>().join(", "));
    let cost_labels: Vec<String> = costs.by_kind.iter().map(|(k, _)| k.label().to_string()).collect();
    let cost_values: Vec<f64> = costs.by_kind.iter().map(|(_, v)| *v as f64 / 10_000.0).collect();
    let range_text = format!("{range} ({} days)", range.days());
    view! {
        <p class="mb-4 text-sm text-slate-600" data-testid="report-range">{range_text}</p>
        <Section title="Funnel" csv=href(ReportTable::Funnel) testid="report-funnel">
            <div class="grid gap-4 lg:grid-cols-2">
                <BarChart id="funnel" title="Leads by stage".into() description=funnel_desc
                    labels=funnel_labels
                    series=vec![Series { name: "Leads".into(), color: COLORS[0], values: funnel_values }]/>
                <Table class="self-start" dense=true attr:data-testid="funnel-table" caption="Leads by stage"
                    head=vec![("Stage", ""), ("Leads", "text-right"), ("From previous", "text-right")]>
                        {funnel.iter().map(|s| view! {
                            <tr>
                                <th scope="row" class="px-3 py-2 text-left font-medium">{s.stage.label()}<div class="text-xs font-normal text-slate-500">{s.stage.meaning()}</div></th>
                                <td class="px-3 py-2 text-right tabular-nums" data-testid=format!("funnel-{:?}", s.stage).to_lowercase()>{s.leads}</td>
                                <td class="px-3 py-2 text-right tabular-nums">{s.conversion.map(r::percent).unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                </Table>
            </div>
        </Section>
        <Section title="KPIs against targets" csv=href(ReportTable::Kpis) testid="report-kpis">
            <div class="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
                {kpis.into_iter().map(|k| view! { <KpiCard kpi=k/> }).collect_view()}
            </div>
            <p class="mt-2 text-xs text-slate-500">{format!("Automatic replies and out-of-office answers are counted apart: {} lead(s) answered only automatically or also automatically in this period.", totals.auto_replied)}</p>
        </Section>
        <Section title="Sends and replies per day" csv=href(ReportTable::Days) testid="report-days">
            <div class="grid gap-4 lg:grid-cols-2">
                <BarChart id="sends" title="Messages sent per day".into()
                    description=format!("{sent} messages sent in the period, by the day they went out.")
                    labels=days.clone() series=vec![Series { name: "Sent".into(), color: COLORS[0], values: sent_per_day }]/>
                <BarChart id="replies" title="Replies per day".into()
                    description=format!("{replies} replies from people and {autos} automatic replies, by the day they arrived.")
                    labels=days series=vec![
                        Series { name: "Human replies".into(), color: COLORS[2], values: replies_per_day },
                        Series { name: "Automatic replies".into(), color: COLORS[1], values: autos_per_day },
                    ]/>
            </div>
        </Section>
        <Section title="By campaign" csv=href(ReportTable::Campaigns) testid="report-campaigns">
            <BreakdownTable first="Campaign" rows=by_campaign/>
        </Section>
        <Section title="By step" csv=href(ReportTable::Steps) testid="report-steps">
            <BreakdownTable first="Step" rows=by_step/>
        </Section>
        <Section title="By angle" csv=href(ReportTable::Angles) testid="report-angles">
            <BreakdownTable first="Angle" rows=by_angle/>
        </Section>
        <Section title="A/B subject variants" csv=href(ReportTable::Variants) testid="report-variants">
            <VariantTable rows=variants/>
        </Section>
        <Section title="By mailbox" csv=href(ReportTable::Mailboxes) testid="report-mailboxes">
            <BreakdownTable first="Mailbox" rows=by_mailbox/>
        </Section>
        <Section title="By channel" csv=href(ReportTable::Channels) testid="report-channels">
            <BreakdownTable first="Channel" rows=by_channel/>
        </Section>
        <Section title="Costs" csv=href(ReportTable::Costs) testid="report-costs">
            <div class="grid gap-4 lg:grid-cols-2">
                <BarChart id="costs" title="Spend by kind (AUD)".into() description=cost_desc
                    labels=cost_labels
                    series=vec![Series { name: "AUD".into(), color: COLORS[3], values: cost_values }]
                    format=|v| format!("A${v:.2}")/>
                <div>
                    <dl class="grid grid-cols-2 gap-2 text-sm" data-testid="cost-summary">
                        <dt class="text-slate-500">"Total"</dt><dd class="tabular-nums" data-testid="cost-total">{r::aud(costs.total)}</dd>
                        <dt class="text-slate-500">"Per enriched lead"</dt><dd class="tabular-nums">{costs.per_enriched_lead.map(r::aud).unwrap_or_else(|| "—".into())}" ("{costs.enriched_leads}" enriched)"</dd>
                        <dt class="text-slate-500">"Per reply"</dt><dd class="tabular-nums">{costs.per_reply.map(r::aud).unwrap_or_else(|| "—".into())}</dd>
                        <dt class="text-slate-500">"Per meeting"</dt><dd class="tabular-nums">{costs.per_meeting.map(r::aud).unwrap_or_else(|| "—".into())}</dd>
                        <dt class="text-slate-500">"Credits left"</dt><dd class="tabular-nums">{costs.credits_remaining}</dd>
                    </dl>
                    <p class="mt-2 text-xs text-slate-500">"The cost ledger records each call's campaign, not its channel or mailbox: only the campaign filter narrows costs."</p>
                    <InnerTable class="mt-3" caption="Spend by provider" attr:data-testid="cost-table"
                        head=vec![("Provider", ""), ("Kind", ""), ("Calls", "text-right"), ("Spend", "text-right")]>
                        {costs.by_provider.iter().map(|p| view! {
                            <tr><td class="py-1.5 pr-4">{p.provider.clone()}</td><td class="py-1.5 pr-4">{p.kind.label()}</td>
                            <td class="py-1.5 pr-4 text-right tabular-nums">{p.calls}</td><td class="py-1.5 pr-4 text-right tabular-nums">{r::aud(p.cost)}</td></tr>
                        }).collect_view()}
                    </InnerTable>
                </div>
            </div>
        </Section>
    }
}

fn status_tone(s: KpiStatus) -> Tone {
    match s {
        KpiStatus::Green => Tone::Good,
        KpiStatus::Amber => Tone::Warn,
        KpiStatus::Red => Tone::Bad,
        KpiStatus::NoTarget | KpiStatus::NoData => Tone::Neutral,
    }
}

fn status_words(s: KpiStatus) -> &'static str {
    match s {
        KpiStatus::Green => "on target",
        KpiStatus::Amber => "near target",
        KpiStatus::Red => "off target",
        KpiStatus::NoTarget => "no target",
        KpiStatus::NoData => "no data yet",
    }
}

#[component]
fn KpiCard(kpi: Kpi) -> impl IntoView {
    let key = kpi.key.as_str();
    view! {
        <Stat label=kpi.key.label() value=kpi.display() testid=format!("kpi-{key}-value")
            badge=view! { <Badge tone=status_tone(kpi.status)>{status_words(kpi.status)}</Badge> }.into_any()
            attr:data-testid=format!("kpi-{key}") attr:data-status=kpi.status.as_str()>
            {kpi.target.map(|t| view! { <div class="text-xs text-slate-500">"Target "{t.to_string()}</div> })}
            {kpi.note.clone().map(|n| view! { <p class="mt-1 text-xs text-amber-700">{n}</p> })}
            <details class="mt-2 text-xs text-slate-600">
                <summary class="cursor-pointer">"How it is counted"</summary>
                <p class="mt-1">{kpi.key.formula()}</p>
                <p class="mt-1 tabular-nums" data-testid=format!("kpi-{key}-parts")>{format!("{} ÷ {}", trim(kpi.numerator), kpi.denominator)}</p>
            </details>
        </Stat>
    }
}

/// 14 rather than 14.0; 6.5 stays 6.5.
fn trim(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn rate(n: i64, d: i64) -> String {
    if d > 0 {
        r::percent(n as f64 / d as f64)
    } else {
        "—".into()
    }
}

#[component]
fn BreakdownTable(first: &'static str, rows: Vec<BreakdownRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="text-sm text-slate-600">"No messages were sent in this range with these filters."</p> }.into_any();
    }
    view! {
        <Table dense=true head=vec![
            (first, ""), ("Sent", "text-right"), ("Bounce rate", "text-right"), ("Open rate", "text-right"),
            ("Leads", "text-right"), ("Replied", "text-right"), ("Reply rate", "text-right"), ("Positive", "text-right"),
            ("Automatic", "text-right"), ("Unsubscribed", "text-right"), ("Meetings", "text-right"), ("Booking rate", "text-right"),
        ]>
                    {rows.into_iter().map(|b| {
                        let c = b.counts;
                        let td = "px-3 py-2 text-right tabular-nums";
                        view! {
                            <tr data-testid="breakdown-row">
                                <th scope="row" class="px-3 py-2 text-left font-medium">{b.label}</th>
                                <td class=td>{c.sent}</td><td class=td>{rate(c.bounced, c.sent)}</td><td class=td>{rate(c.opened, c.tracked)}</td>
                                <td class=td>{c.contacted}</td><td class=td>{c.replied}</td><td class=td>{rate(c.replied, c.contacted)}</td><td class=td>{c.positive}</td>
                                <td class=td>{c.auto_replied}</td><td class=td>{c.unsubscribed}</td><td class=td>{c.meetings}</td><td class=td>{rate(c.meetings, c.contacted)}</td>
                            </tr>
                        }
                    }).collect_view()}
        </Table>
    }
    .into_any()
}

#[component]
fn VariantTable(rows: Vec<r::VariantRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="text-sm text-slate-600">"No step went out with both subject A and subject B in this range."</p> }.into_any();
    }
    view! {
        <div class="space-y-3">
            {rows.into_iter().map(|v| view! {
                <Card tag=CardTag::Div class="p-4" attr:data-testid="variant-row">
                    <div class="text-sm font-medium">{format!("{} · step {}", v.campaign, v.step + 1)}</div>
                    <InnerTable class="mt-2" caption="Subject A against subject B"
                        head=vec![("Variant", ""), ("Leads", "text-right"), ("Replied", "text-right"), ("Reply rate", "text-right")]>
                        <tr><th scope="row" class="py-1.5 pr-4 text-left font-normal">"A"</th><td class="py-1.5 pr-4 text-right tabular-nums">{v.a.contacted}</td><td class="py-1.5 pr-4 text-right tabular-nums">{v.a.replied}</td><td class="py-1.5 pr-4 text-right tabular-nums">{rate(v.a.replied, v.a.contacted)}</td></tr>
                        <tr><th scope="row" class="py-1.5 pr-4 text-left font-normal">"B"</th><td class="py-1.5 pr-4 text-right tabular-nums">{v.b.contacted}</td><td class="py-1.5 pr-4 text-right tabular-nums">{v.b.replied}</td><td class="py-1.5 pr-4 text-right tabular-nums">{rate(v.b.replied, v.b.contacted)}</td></tr>
                    </InnerTable>
                    <p class="mt-2 text-sm text-slate-700" data-testid="variant-note">{v.comparison.note}</p>
                </Card>
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// The workspace's KPI targets; admins and owners may change them.
#[component]
fn Targets(on_saved: impl Fn() + Send + Sync + Copy + 'static) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can = CurrentWorkspace::get().role.can(Action::SetReportTargets);
    let targets = LocalResource::new(move || report_targets(ws.id.get()));
    let save = ServerAction::<crate::api::reports::SaveReportTargets>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            on_saved();
        }
    });
    view! {
        <Card tag=CardTag::Details class="mb-6 p-4" attr:data-testid="report-targets">
            <summary class="cursor-pointer text-sm font-semibold">"KPI targets"</summary>
            {move || targets.get().and_then(|t| t.ok()).map(|t| {
                let field = move |name: &'static str, label: &'static str, v: f64| view! {
                    <div>
                        <label class=LABEL for=format!("t-{name}")>{label}</label>
                        <input id=format!("t-{name}") name=name type="number" min="0.1" max="100" step="0.1" class=INPUT value=format!("{:.1}", v * 100.0) disabled=!can/>
                    </div>
                };
                view! {
                    <ActionForm action=save attr:class="mt-3 grid grid-cols-2 gap-3 sm:grid-cols-6 sm:items-end">
                        <input type="hidden" name="workspace" value=ws.id.get_untracked()/>
                        {field("open", "Open rate ≥ %", t.open_rate)}
                        {field("reply", "Reply rate ≥ %", t.reply_rate)}
                        {field("bounce", "Bounce rate < %", t.bounce_rate)}
                        {field("icp", "ICP match ≥ %", t.icp_match_rate)}
                        {field("booking", "Booking rate ≥ %", t.booking_rate)}
                        {can.then(|| view! { <button type="submit" class=BUTTON>"Save targets"</button> })}
                    </ActionForm>
                }
            })}
            <FormError value=save.value()/>
            {(!can).then(|| view! { <p class="mt-2 text-xs text-slate-500">"Only an owner or admin can change the targets."</p> })}
            <p class="mt-2 text-xs text-slate-500">"A KPI is green when it meets its target, amber when it misses by less than a fifth of the target, red beyond."</p>
        </Card>
    }
}
