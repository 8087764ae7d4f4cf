//! The product's sections. Later capabilities fill them; until then each says honestly what it
//! will hold and what to do first.

use crate::components::{EmptyState, PageHeader};
use leptos::prelude::*;
use leptos_meta::Title;

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

section!(Reports, "Reports", "Funnel, KPIs, costs and what converts.",
    "No data to report yet", "Open, reply and meeting rates, cost per lead and per meeting, and the best angles and send times will show here.",
    "Reports fill in as campaigns run.");
