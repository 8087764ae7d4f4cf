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

section!(Onboarding, "Onboarding", "Tell us your website; we derive your ideal customer profile for you to confirm.",
    "Onboarding has not started", "Enter your agency's website and Agency OS extracts your services, clients and the customers you serve best.",
    "Your confirmed profile is what every campaign targets.");
