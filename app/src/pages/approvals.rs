//! The approval queue, keyboard-first: j/k move, a approve, r reject (a reason is required),
//! e edit then approve (with the diff against the drafter's text), x select, shift+a bulk
//! approve the selection or everything pending through a frozen batch and a confirmation.
//!
//! Only one page of drafts is ever rendered; "Load more" follows the keyset cursor, so the
//! page stays fast however long the queue is.

use crate::api::approvals::*;
use crate::components::*;
use crate::error::AppError;
use crate::pages::shell::{CurrentWorkspace, WorkspaceCtx};
use domain::account::Action as Can;
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::HashSet;

/// One thing the reviewer asked for.
#[derive(Clone)]
enum Op {
    Approve { id: String, hash: String },
    Reject { id: String, reason: String },
    Edit { id: String, hash: String, subject_a: String, subject_b: String, body: String },
    Freeze { ids: Vec<String> },
    Execute { batch: String },
    More { after: String },
}

#[derive(Clone)]
enum Done {
    /// The draft left the queue (approved or rejected).
    Handled(String, &'static str),
    Frozen(Frozen),
    Executed(BatchResult),
    More(QueuePage),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Browse,
    Reject,
    Edit,
}

/// A line diff (longest common subsequence); drafts are short, so quadratic is fine.
pub fn line_diff(a: &str, b: &str) -> Vec<(char, String)> {
    let (x, y): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut l = vec![vec![0u32; y.len() + 1]; x.len() + 1];
    for i in (0..x.len()).rev() {
        for j in (0..y.len()).rev() {
            l[i][j] = if x[i] == y[j] { l[i + 1][j + 1] + 1 } else { l[i + 1][j].max(l[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < x.len() && j < y.len() {
        if x[i] == y[j] {
            out.push((' ', x[i].to_string()));
            i += 1;
            j += 1;
        } else if l[i + 1][j] >= l[i][j + 1] {
            out.push(('-', x[i].to_string()));
            i += 1;
        } else {
            out.push(('+', y[j].to_string()));
            j += 1;
        }
    }
    out.extend(x[i..].iter().map(|s| ('-', s.to_string())));
    out.extend(y[j..].iter().map(|s| ('+', s.to_string())));
    out
}

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_approve = CurrentWorkspace::get().role.can(Can::ApproveDrafts);
    let (reload, set_reload) = signal(0u32);
    let first = LocalResource::new(move || {
        reload.track();
        approval_queue(ws.id.get(), None, None)
    });
    let items = RwSignal::new(Vec::<DraftItem>::new());
    let next = RwSignal::new(None::<String>);
    let pending = RwSignal::new(0i64);
    let capped = RwSignal::new(false);
    let cursor = RwSignal::new(0usize);
    let selected = RwSignal::new(HashSet::<String>::new());
    let mode = RwSignal::new(Mode::Browse);
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(None::<Frozen>);
    // Edit and reject fields.
    let reason = RwSignal::new(String::new());
    let ed_a = RwSignal::new(String::new());
    let ed_b = RwSignal::new(String::new());
    let ed_body = RwSignal::new(String::new());

    Effect::new(move |_| {
        if let Some(Ok(p)) = first.get() {
            items.set(p.drafts);
            next.set(p.next);
            pending.set(p.pending);
            capped.set(p.pending_capped);
            cursor.set(0);
            selected.set(HashSet::new());
        }
    });

    let op = Action::new_local(move |op: &Op| {
        let op = op.clone();
        let w = ws.id.get_untracked();
        async move {
            match op {
                Op::Approve { id, hash } => approve_draft(w, id.clone(), hash).await.map(|_| Done::Handled(id, "Approved")),
                Op::Reject { id, reason } => reject_draft(w, id.clone(), reason).await.map(|_| Done::Handled(id, "Rejected")),
                Op::Edit { id, hash, subject_a, subject_b, body } => {
                    edit_approve_draft(w, id.clone(), hash, subject_a, subject_b, body).await.map(|_| Done::Handled(id, "Edited and approved"))
                }
                Op::Freeze { ids } => freeze_batch(w, None, ids.join(",")).await.map(Done::Frozen),
                Op::Execute { batch } => execute_batch(w, batch).await.map(Done::Executed),
                Op::More { after } => approval_queue(w, None, Some(after)).await.map(Done::More),
            }
        }
    });
    let busy = op.pending();

    Effect::new(move |_| {
        let Some(result): Option<Result<Done, AppError>> = op.value().get() else { return };
        match result {
            Err(e) => error.set(Some(e.message)),
            Ok(Done::Handled(id, what)) => {
                error.set(None);
                mode.set(Mode::Browse);
                items.update(|v| v.retain(|d| d.id != id));
                selected.update(|s| {
                    s.remove(&id);
                });
                pending.update(|p| *p = (*p - 1).max(0));
                let len = items.with_untracked(|v| v.len());
                cursor.update(|c| *c = (*c).min(len.saturating_sub(1)));
                notice.set(Some(format!("{what}.")));
                if len == 0 {
                    set_reload.update(|r| *r += 1);
                } else {
                    focus(&format!("draft-{}", cursor.get_untracked()));
                }
            }
            Ok(Done::Frozen(f)) => {
                error.set(None);
                confirm.set(Some(f));
                focus("confirm-bulk");
            }
            Ok(Done::Executed(r)) => {
                confirm.set(None);
                notice.set(Some(format!("{} approved · {} changed since you chose them and were left out.", r.approved, r.stale)));
                set_reload.update(|x| *x += 1);
            }
            Ok(Done::More(p)) => {
                items.update(|v| v.extend(p.drafts));
                next.set(p.next);
                pending.set(p.pending);
            }
        }
    });

    let current = move || items.with(|v| v.get(cursor.get()).cloned());
    let start_reject = move || {
        if current().is_some() {
            reason.set(String::new());
            mode.set(Mode::Reject);
            focus("reject-reason");
        }
    };
    let start_edit = move || {
        if let Some(d) = current() {
            ed_a.set(d.subject_a);
            ed_b.set(d.subject_b);
            ed_body.set(d.body);
            mode.set(Mode::Edit);
            focus("edit-subject-a");
        }
    };
    let approve = move || {
        if let Some(d) = current() {
            op.dispatch(Op::Approve { id: d.id, hash: d.content_hash });
        }
    };
    let bulk = move || {
        let ids: Vec<String> = selected.with_untracked(|s| items.with_untracked(|v| v.iter().filter(|d| s.contains(&d.id)).map(|d| d.id.clone()).collect()));
        op.dispatch(Op::Freeze { ids });
    };
    let submit_reject = move || {
        if let Some(d) = current() {
            let r = reason.get_untracked();
            if r.trim().is_empty() {
                error.set(Some("Say why the draft is rejected: the next draft for this lead learns from it.".into()));
                focus("reject-reason");
                return;
            }
            op.dispatch(Op::Reject { id: d.id, reason: r });
        }
    };
    let submit_edit = move || {
        if let Some(d) = current() {
            op.dispatch(Op::Edit { id: d.id, hash: d.content_hash, subject_a: ed_a.get_untracked(), subject_b: ed_b.get_untracked(), body: ed_body.get_untracked() });
        }
    };
    let move_to = move |i: usize| {
        let len = items.with_untracked(|v| v.len());
        if len > 0 {
            let i = i.min(len - 1);
            cursor.set(i);
            focus(&format!("draft-{i}"));
        }
    };

    if can_approve {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let key = ev.key();
            if key == "Escape" {
                mode.set(Mode::Browse);
                confirm.set(None);
                move_to(cursor.get_untracked());
                return;
            }
            // Typing in a field is typing, not a shortcut.
            let typing = typing(&ev);
            if typing || mode.get_untracked() != Mode::Browse || confirm.get_untracked().is_some() || busy.get_untracked() {
                return;
            }
            let handled = match key.as_str() {
                "j" | "ArrowDown" => {
                    move_to(cursor.get_untracked() + 1);
                    true
                }
                "k" | "ArrowUp" => {
                    move_to(cursor.get_untracked().saturating_sub(1));
                    true
                }
                "a" => {
                    approve();
                    true
                }
                "A" => {
                    bulk();
                    true
                }
                "r" => {
                    start_reject();
                    true
                }
                "e" => {
                    start_edit();
                    true
                }
                "x" => {
                    if let Some(d) = current() {
                        selected.update(|s| {
                            if !s.remove(&d.id) {
                                s.insert(d.id);
                            }
                        });
                    }
                    true
                }
                _ => false,
            };
            if handled {
                ev.prevent_default();
            }
        });
        on_cleanup(move || handle.remove());
    }

    view! {
        <Title text="Approvals"/>
        <div class="mb-4 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Approvals"</h1>
                <p class="mt-1 text-sm text-slate-600">
                    <span data-testid="pending-count">{move || if capped.get() { format!("{}+", pending.get()) } else { pending.get().to_string() }}</span>
                    " drafts waiting for a human decision."
                </p>
            </div>
            {can_approve.then(|| view! {
                <div class="flex gap-2">
                    <button type="button" class=BUTTON_SECONDARY data-testid="bulk-selected" disabled=move || busy.get() || selected.with(|s| s.is_empty())
                        on:click=move |_| bulk()>{move || format!("Approve selected ({})", selected.with(|s| s.len()))}</button>
                    <button type="button" class=BUTTON data-testid="bulk-all" disabled=move || busy.get() || pending.get() == 0
                        on:click=move |_| { op.dispatch(Op::Freeze { ids: vec![] }); }>{move || format!("Approve all {} pending", pending.get())}</button>
                </div>
            })}
        </div>
        {can_approve.then(|| view! {
            <KeyLegend attr:data-testid="shortcut-legend"
                keys=vec![("j / k", "next / previous"), ("a", "approve"), ("r", "reject with a reason"), ("e", "edit then approve"), ("x", "select"), ("shift + a", "approve selected, or all"), ("esc", "cancel")]/>
        })}
        <div aria-live="polite" class="mb-3 space-y-2">
            {move || notice.get().map(|n| view! { <Alert kind=AlertKind::Success attr:data-testid="queue-notice">{n}</Alert> })}
            {move || error.get().map(|e| view! { <Alert attr:data-testid="queue-error">{e}</Alert> })}
        </div>
        {move || confirm.get().map(|f| {
            let batch = f.batch.clone();
            view! {
                <Modal id="confirm" title=format!("Approve {} drafts?", f.drafts) on_close=move || confirm.set(None) initial_focus="confirm-bulk" attr:data-testid="confirm-dialog">
                    <p class="mt-1 text-sm text-slate-600">"Exactly these drafts, as they are now, are approved; any that change before you confirm are left out. This confirmation expires in 15 minutes."</p>
                    <div class="mt-4 flex justify-end gap-2">
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| confirm.set(None)>"Cancel"</button>
                        <button type="button" id="confirm-bulk" class=BUTTON data-testid="confirm-bulk" disabled=move || busy.get()
                            on:click=move |_| { op.dispatch(Op::Execute { batch: batch.clone() }); }>"Approve them"</button>
                    </div>
                </Modal>
            }
        })}
        {move || pending_or_error(first.get())}
        <Show when=move || matches!(first.get(), Some(Ok(_))) && items.with(|v| v.is_empty())>
            <Empty title="Nothing to approve" body="Drafts appear here before they are sent. Approve, reject with a reason, or edit — all from the keyboard."
                hint="Activate a campaign and add leads to it to get drafts."/>
        </Show>
        <ol class="space-y-3" data-testid="queue" aria-label="Drafts waiting for approval">
            {move || items.get().into_iter().enumerate().map(|(i, d)| {
                let is_current = move || cursor.get() == i;
                let id = d.id.clone();
                let id_sel = d.id.clone();
                let evidence = d.evidence.clone();
                let original = d.original.clone();
                let (orig_a, orig_b, orig_body) = original.clone().map(|o| (o.subject_a, o.subject_b, o.body)).unwrap_or_else(|| (d.subject_a.clone(), d.subject_b.clone(), d.body.clone()));
                view! {
                    <li id=format!("draft-{i}") tabindex="-1" data-testid="draft" data-draft-id=d.id.clone()
                        aria-current=move || is_current().then_some("true")
                        aria-label=format!("Draft for {} at {}, step {}", d.lead_name, d.company.clone().unwrap_or_default(), d.step)
                        on:click=move |_| cursor.set(i)
                        class=move || format!("p-4 {}", current_card(is_current()))>
                        <div class="flex flex-wrap items-center gap-2 text-sm">
                            <label class="flex items-center" on:click=|ev| ev.stop_propagation()>
                                <span class="sr-only">"Select"</span>
                                <input type="checkbox" data-testid="draft-select" prop:checked=move || selected.with(|s| s.contains(&id_sel))
                                    on:change={ let id = id.clone(); move |ev| { let on = event_target_checked(&ev); selected.update(|s| { if on { s.insert(id.clone()); } else { s.remove(&id); } }); } }/>
                            </label>
                            <span class="font-semibold" data-testid="draft-lead">{d.lead_name.clone()}</span>
                            <span class="text-slate-500">{d.company.clone().unwrap_or_default()}</span>
                            <Badge>"ALS " {d.als.map(|a| a.to_string()).unwrap_or_else(|| "—".into())} " · " {d.tier.clone().unwrap_or_else(|| "unscored".into())}</Badge>
                            {d.reply.then(|| view! { <Badge tone=Tone::Warn attr:data-testid="draft-reply">"Suggested reply"</Badge> })}
                            <span class="ml-auto text-xs text-slate-500">{d.campaign_name.clone()} {if d.reply { " · answer to their reply".to_string() } else { format!(" · step {}", d.step) }} " · " {d.channel.clone()} " · " {d.angle.clone()}</span>
                        </div>
                        <dl class="mt-2 grid gap-1 text-sm sm:grid-cols-[6rem_1fr]">
                            <dt class="text-slate-500">"Subject A"</dt><dd data-testid="subject-a">{d.subject_a.clone()}</dd>
                            <dt class="text-slate-500">"Subject B"</dt><dd data-testid="subject-b">{d.subject_b.clone()}</dd>
                        </dl>
                        <pre class="mt-2 whitespace-pre-wrap font-sans text-sm text-slate-800" data-testid="draft-body">{d.body.clone()}</pre>
                        {(!evidence.is_empty()).then(|| view! {
                            <div class="mt-2 text-xs text-slate-600" data-testid="evidence">
                                <span class="font-medium">"Personalised with: "</span>
                                {evidence.iter().map(|e| format!("{}: {}", e.kind.replace('_', " "), e.value)).collect::<Vec<_>>().join(" · ")}
                            </div>
                        })}
                        <p class="mt-2 text-xs text-slate-500" data-testid="drafted-by">"Drafted by " {d.drafted_by.clone()}</p>
                        {d.guard_note.clone().map(|n| view! { <p class="mt-2 rounded bg-amber-50 px-2 py-1 text-xs text-amber-800" data-testid="guard-note">"Quality guard: " {n}</p> })}
                        {original.map(|o| view! { <Diff before=format!("{}\n{}\n\n{}", o.subject_a, o.subject_b, o.body) after=format!("{}\n{}\n\n{}", d.subject_a, d.subject_b, d.body)/> })}
                        <Show when=move || is_current() && mode.get() == Mode::Reject>
                            <form class="mt-3 flex flex-col gap-2" on:submit=move |ev| { ev.prevent_default(); submit_reject(); }>
                                <label class=LABEL for="reject-reason">"Why reject it? (required; the next draft for this lead learns from it)"</label>
                                <textarea id="reject-reason" class=INPUT rows="2" maxlength="500" required data-testid="reject-reason"
                                    prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))
                                    on:keydown=move |ev| if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); submit_reject(); }></textarea>
                                <div class="flex gap-2">
                                    <button type="submit" class=BUTTON_DANGER data-testid="reject-submit" disabled=move || busy.get()>"Reject"</button>
                                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| mode.set(Mode::Browse)>"Cancel"</button>
                                </div>
                            </form>
                        </Show>
                        {
                            let (orig_a, orig_b, orig_body) = (orig_a.clone(), orig_b.clone(), orig_body.clone());
                            view! {
                                <Show when=move || is_current() && mode.get() == Mode::Edit>
                                    <form class="mt-3 flex flex-col gap-2" data-testid="edit-form" on:submit=move |ev| { ev.prevent_default(); submit_edit(); }>
                                        <label class=LABEL for="edit-subject-a">"Subject A"</label>
                                        <input id="edit-subject-a" class=INPUT maxlength="200" prop:value=move || ed_a.get() on:input=move |ev| ed_a.set(event_target_value(&ev))/>
                                        <label class=LABEL for="edit-subject-b">"Subject B"</label>
                                        <input id="edit-subject-b" class=INPUT maxlength="200" prop:value=move || ed_b.get() on:input=move |ev| ed_b.set(event_target_value(&ev))/>
                                        <label class=LABEL for="edit-body">"Body"</label>
                                        <textarea id="edit-body" class=INPUT rows="10" data-testid="edit-body" prop:value=move || ed_body.get() on:input=move |ev| ed_body.set(event_target_value(&ev))></textarea>
                                        {
                                            let (a, b, body) = (orig_a.clone(), orig_b.clone(), orig_body.clone());
                                            move || {
                                                let before = format!("{a}\n{b}\n\n{body}");
                                                let after = format!("{}\n{}\n\n{}", ed_a.get(), ed_b.get(), ed_body.get());
                                                (before != after).then(|| view! { <Diff before=before after=after/> })
                                            }
                                        }
                                        <div class="flex gap-2">
                                            <button type="submit" class=BUTTON data-testid="edit-approve" disabled=move || busy.get()>"Approve edited draft"</button>
                                            <button type="button" class=BUTTON_SECONDARY on:click=move |_| mode.set(Mode::Browse)>"Cancel"</button>
                                        </div>
                                    </form>
                                </Show>
                            }
                        }
                        {can_approve.then(|| view! {
                            <div class="mt-3 flex gap-2">
                                <button type="button" class=BUTTON_SECONDARY aria-label="Approve (a)" data-testid="approve" disabled=move || busy.get()
                                    on:click=move |_| { cursor.set(i); approve(); }>"Approve"</button>
                                <button type="button" class=BUTTON_SECONDARY aria-label="Reject (r)" on:click=move |ev| { ev.stop_propagation(); cursor.set(i); start_reject(); }>"Reject"</button>
                                <button type="button" class=BUTTON_SECONDARY aria-label="Edit (e)" on:click=move |ev| { ev.stop_propagation(); cursor.set(i); start_edit(); }>"Edit"</button>
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ol>
        {move || next.get().map(|after| view! {
            <button type="button" class=format!("{BUTTON_SECONDARY} mt-4") data-testid="load-more" disabled=move || busy.get()
                on:click=move |_| { op.dispatch(Op::More { after: after.clone() }); }>"Load more"</button>
        })}
    }
}

#[component]
fn Diff(before: String, after: String) -> impl IntoView {
    view! {
        <div class="mt-2 rounded-md bg-slate-50 p-2 font-mono text-xs" data-testid="draft-diff" aria-label="Changes against the drafter's text">
            {line_diff(&before, &after).into_iter().map(|(k, line)| {
                let class = match k { '+' => "bg-emerald-50 text-emerald-800", '-' => "bg-rose-50 text-rose-800 line-through", _ => "text-slate-500" };
                view! { <div class=class>{format!("{k} {line}")}</div> }
            }).collect_view()}
        </div>
    }
}
