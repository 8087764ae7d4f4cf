//! The components rendered to HTML as the server sends them: what a page built from them can
//! rely on (its test ids and ARIA attributes reach the element, the states read alike).

use super::*;
use crate::error::AppError;

fn html(f: impl FnOnce() -> AnyView) -> String {
    Owner::new().with(|| f().to_html())
}

#[test]
fn a_card_is_a_section_with_the_surface_and_takes_the_callers_classes_and_attributes() {
    let out = html(|| view! { <Card class="mt-6 p-5" attr:data-testid="lead-timeline" attr:aria-label="Activity">"x"</Card> }.into_any());
    assert!(out.starts_with("<section"), "{out}");
    assert!(out.contains("rounded-xl bg-white shadow-sm ring-1 ring-slate-200 mt-6 p-5"), "{out}");
    assert!(out.contains(r#"data-testid="lead-timeline""#), "{out}");
    assert!(out.contains(r#"aria-label="Activity""#), "{out}");
}

#[test]
fn a_card_with_a_title_has_a_heading_row_and_a_padded_body() {
    let out = html(|| view! { <Card title="Members" subtitle="Who may do what." tag=CardTag::Div>"body"</Card> }.into_any());
    assert!(out.starts_with("<div"), "{out}");
    assert!(out.contains("<h2 class=\"text-base font-semibold\">Members</h2>"), "{out}");
    assert!(out.contains("Who may do what."), "{out}");
    assert!(out.contains(r#"<div class="px-5 py-4">body</div>"#), "{out}");
}

#[test]
fn a_details_card_folds() {
    let out = html(|| view! { <Card tag=CardTag::Details><summary>"More"</summary></Card> }.into_any());
    assert!(out.starts_with("<details"), "{out}");
}

#[test]
fn the_modal_is_a_labelled_modal_dialog_with_its_title() {
    let out = html(|| view! { <Modal id="go-live" title="Go live?" on_close=|| () attr:data-testid="go-live-dialog">"body"</Modal> }.into_any());
    assert!(out.contains(r#"role="dialog""#), "{out}");
    assert!(out.contains(r#"aria-modal="true""#), "{out}");
    assert!(out.contains(r#"aria-labelledby="go-live-title""#), "{out}");
    assert!(out.contains(r#"<h2 id="go-live-title""#), "{out}");
    assert!(out.contains(">Go live?</h2>"), "{out}");
    assert!(out.contains(r#"data-testid="go-live-dialog""#), "{out}");
}

#[test]
fn a_resource_reads_loading_then_its_error_then_its_value() {
    let loading = html(|| loaded(None::<Result<u32, AppError>>, |n| view! { <p>{n}</p> }.into_any()));
    assert!(loading.contains(r#"role="status""#) && loading.contains("Loading…"), "{loading}");
    let failed = html(|| loaded(Some(Err::<u32, _>(AppError::new(503, "Could not reach the server."))), |n| view! { <p>{n}</p> }.into_any()));
    assert!(failed.contains(r#"role="alert""#) && failed.contains("Could not reach the server."), "{failed}");
    let ready = html(|| loaded(Some(Ok::<_, AppError>(7u32)), |n| view! { <p>{n}</p> }.into_any()));
    assert_eq!(ready, "<p>7</p>");
}

#[test]
fn an_empty_value_shows_the_empty_state_not_an_empty_list() {
    let empty = || view! { <Empty title="No campaigns yet" body="Make one."/> }.into_any();
    let out = html(|| loaded_or_empty(Some(Ok::<_, AppError>(Vec::<u32>::new())), Vec::is_empty, empty, |_| view! { <ul></ul> }.into_any()));
    assert!(out.contains("No campaigns yet") && !out.contains("<ul>"), "{out}");
    let out = html(|| loaded_or_empty(Some(Ok::<_, AppError>(vec![1u32])), Vec::is_empty, empty, |_| view! { <ul></ul> }.into_any()));
    assert_eq!(out, "<ul></ul>");
}

#[test]
fn pending_or_error_shows_nothing_once_loaded() {
    let out = html(|| pending_or_error(Some(Ok::<_, AppError>(()))));
    // only hydration markers: no element, no text
    assert!(!out.contains("Loading") && !out.contains("role=") && !out.contains("<div") && !out.contains("<p"), "{out}");
}

#[test]
fn a_table_has_its_headings_as_column_headers_and_the_rows_in_its_body() {
    let out = html(|| {
        view! { <Table head=vec![("Lead", ""), ("ALS", "text-right")] caption="Leads" attr:data-testid="leads-table"><tr><td>"Ann"</td></tr></Table> }.into_any()
    });
    assert!(out.contains(r#"data-testid="leads-table""#), "{out}");
    assert!(out.contains(r#"<caption class="sr-only">Leads</caption>"#), "{out}");
    assert!(out.contains(r#"<th scope="col" class="px-4 py-3 text-right">ALS</th>"#), "{out}");
    assert!(out.contains(r#"<tbody class="divide-y divide-slate-100"><tr><td>Ann</td></tr></tbody>"#), "{out}");
}

#[test]
fn an_inner_table_has_no_card_of_its_own_and_its_attributes_reach_the_wrapper() {
    let out = html(|| {
        view! { <InnerTable head=vec![("Invoice", ""), ("Amount", "text-right")] caption="Invoices" attr:data-testid="invoices"><tr><td>"INV-1"</td></tr></InnerTable> }.into_any()
    });
    assert!(out.starts_with("<div") && out.contains(r#"data-testid="invoices""#) && out.contains("overflow-x-auto"), "{out}");
    assert!(!out.contains("shadow-sm"), "{out}");
    assert!(out.contains(r#"<caption class="sr-only">Invoices</caption>"#), "{out}");
    assert!(out.contains(r#"<th scope="col" class="py-1.5 pr-4 font-medium text-right">Amount</th>"#), "{out}");
    assert!(out.contains("<tr><td>INV-1</td></tr></tbody>"), "{out}");
}

#[test]
fn the_current_tab_is_marked_for_screen_readers() {
    let out = html(|| {
        view! {
            <Tabs label="Inbox tabs">
                <Tab href=Signal::derive(|| "?tab=all".to_string()) selected=Signal::derive(|| true)>"All"</Tab>
                <Tab href=Signal::derive(|| "?tab=ooo".to_string()) selected=Signal::derive(|| false)>"Out of office"</Tab>
                <Tab selected=Signal::derive(|| true) on_select=Callback::new(|_| ())>"Shadow"</Tab>
            </Tabs>
        }
        .into_any()
    });
    assert!(out.starts_with("<nav") && out.contains(r#"aria-label="Inbox tabs""#), "{out}");
    assert_eq!(out.matches(r#"aria-current="page""#).count(), 1, "{out}");
    assert!(out.contains(r#"aria-pressed="true""#), "{out}");
}

#[test]
fn badges_and_stats_carry_the_callers_test_ids() {
    let out = html(|| view! { <Badge tone=Tone::Warn attr:data-testid="shadow-pill">"Shadow mode"</Badge> }.into_any());
    assert!(out.contains("bg-amber-100 text-amber-800") && out.contains(r#"data-testid="shadow-pill""#), "{out}");
    let out = html(|| view! { <Stat label="Leads" value="12" testid="stat-leads" href="/w/1/leads"/> }.into_any());
    assert!(out.starts_with(r#"<a href="/w/1/leads""#), "{out}");
    assert!(out.contains(r#"data-testid="stat-leads""#) && out.contains(">12</div>"), "{out}");
}

#[test]
fn a_key_legend_shows_each_key_as_a_key() {
    let out = html(|| view! { <KeyLegend keys=vec![("j / k", "next / previous")]/> }.into_any());
    assert!(out.contains(">j / k</kbd>") && out.contains("next / previous"), "{out}");
}
