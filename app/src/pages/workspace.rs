//! Creating a workspace.

use crate::api::workspaces::CreateWorkspace;
use crate::components::*;
use crate::pages::auth::AuthCard;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    let action = ServerAction::<CreateWorkspace>::new();
    view! {
        <Title text="New workspace"/>
        <AuthCard title="Create a workspace">
            <p class="mb-4 text-sm text-slate-600">
                "A workspace holds one agency's or one client's leads, campaigns and team. You can create more later."
            </p>
            <ActionForm action=action attr:class="space-y-4" attr:data-testid="new-workspace-form">
                <div>
                    <label class=LABEL for="name">"Workspace name"</label>
                    <input class=INPUT id="name" name="name" type="text" required minlength="2" maxlength="80" placeholder="e.g. Northwind Digital" autofocus/>
                </div>
                <FormError value=action.value()/>
                <button class=format!("{BUTTON} w-full") type="submit" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Creating…" } else { "Create workspace" }}
                </button>
            </ActionForm>
            <a href="/" class="mt-4 block text-center text-sm text-slate-500 hover:text-slate-700">"Cancel"</a>
        </AuthCard>
    }
}
