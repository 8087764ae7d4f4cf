//! The Inbox, keyboard-first: replies across every mailbox and sending account, newest first,
//! by tab (needs attention, out of office, …) with counts, unread state and filters; a
//! conversation opens beside the list with the whole thread and the lead's card, and is
//! answered, re-classified, snoozed, archived, or marked as a booked meeting from there.
//!
//! Keys come from `domain::inbox::command_for`, and the help overlay lists `domain::inbox::KEYMAP`,
//! so what is shown and what is handled cannot drift apart. Keys are ignored while typing.

use crate::api::activity::add_note;
use crate::api::inbox::*;
use crate::components::*;
use crate::error::AppError;
use crate::pages::shell::{BadgeRefresh, CurrentWorkspace, WorkspaceCtx};
use domain::account::Action as Can;
use domain::inbox::{class_label, command_for, reclassify_key, Answered, Conversation, InboxCommand, InboxItem, InboxPage, InboxTab, Reclassified, TabCount, KEYMAP, RECLASSIFY_ORDER};
use domain::reply::ReplyClass;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

#[derive(Clone)]
enum Op {
    Answer { reply: Uuid, body: String, key: String },
    Reclassify { reply: Uuid, class: ReplyClass, lift_opt_out: bool },
    Archive { reply: Uuid },
    Snooze { reply: Uuid, until: String },
    Meeting { reply: Uuid },
    Note { lead: String, text: String },
    More { after: String },
}

#[derive(Clone)]
enum Done {
    Answered(Answered),
    Reclassified(Uuid, Reclassified),
    /// Archived or snoozed: it leaves the list.
    Gone(Uuid, &'static str),
    Meeting(bool),
    Noted,
    More(InboxPage),
}

/// Which form is open on the conversation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Browse,
    Reply,
    Snooze,
    Note,
    Meeting,
}

fn bump(counts: &mut [TabCount], class: ReplyClass, by: i64, unread: bool) {
    let home = InboxTab::of(class);
    for c in counts.iter_mut().filter(|c| c.tab == home || c.tab == InboxTab::All) {
        c.count = (c.count + by).max(0);
        if unread {
            c.unread = (c.unread + by).max(0);
        }
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let can_act = CurrentWorkspace::get().role.can(Can::ApproveDrafts);
    let badge = use_context::<BadgeRefresh>();
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let q = query.read();
        InboxQuery { tab: q.get("tab"), campaign: q.get("campaign"), mailbox: q.get("mailbox"), since: q.get("since"), until: q.get("until"), q: q.get("q"), after: None }
    });
    let tab = Memo::new(move |_| filters.with(|f| f.tab.as_deref().and_then(|t| t.parse::<InboxTab>().ok()).unwrap_or_default()));
    let first = LocalResource::new(move || inbox_list(ws.id.get(), filters.get()));

    let items = RwSignal::new(Vec::<InboxItem>::new());
    let next = RwSignal::new(None::<String>);
    let counts = RwSignal::new(Vec::<TabCount>::new());
    let options = RwSignal::new((Vec::new(), Vec::new()));
    let cursor = RwSignal::new(0usize);
    let opened = RwSignal::new(None::<Uuid>);
    let mode = RwSignal::new(Mode::Browse);
    let help = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    // What the last re-classification undid and kept, shown above its conversation.
    let correction = RwSignal::new(None::<(Uuid, Reclassified)>);
    let error = RwSignal::new(None::<String>);
    let answer = RwSignal::new(String::new());
    let answer_key = RwSignal::new(String::new());
    let snooze_until = RwSignal::new("1".to_string());
    let note = RwSignal::new(String::new());
    let (conv_tick, set_conv_tick) = signal(0u32);

    Effect::new(move |_| {
        if let Some(Ok(p)) = first.get() {
            items.set(p.items);
            next.set(p.next);
            counts.set(p.counts);
            options.set((p.campaigns, p.mailboxes));
            cursor.set(0);
        }
    });

    let conversation = LocalResource::new(move || {
        conv_tick.track();
        let (w, id) = (ws.id.get(), opened.get());
        async move {
            match id {
                Some(id) => Some(open_conversation(w, id.to_string()).await),
                None => None,
            }
        }
    });
    // Opening marks the reply read (for members): the list and the counts follow.
    Effect::new(move |_| {
        if let Some(Some(Ok(c))) = conversation.get() {
            let id = c.reply.id;
            let was_unread = items.with_untracked(|v| v.iter().any(|i| i.id == id && i.unread));
            if was_unread && can_act {
                items.update(|v| v.iter_mut().filter(|i| i.id == id).for_each(|i| i.unread = false));
                counts.update(|cs| {
                    let home = InboxTab::of(c.reply.class);
                    cs.iter_mut().filter(|x| x.tab == home || x.tab == InboxTab::All).for_each(|x| x.unread = (x.unread - 1).max(0));
                });
            }
        }
    });

    let op = Action::new_local(move |op: &Op| {
        let op = op.clone();
        let w = ws.id.get_untracked();
        async move {
            match op {
                Op::Answer { reply, body, key } => answer_reply(w, reply.to_string(), body, key).await.map(Done::Answered),
                Op::Reclassify { reply, class, lift_opt_out } => reclassify_reply(w, reply.to_string(), class.as_str().to_string(), lift_opt_out).await.map(|r| Done::Reclassified(reply, r)),
                Op::Archive { reply } => archive_reply(w, reply.to_string()).await.map(|_| Done::Gone(reply, "Archived.")),
                Op::Snooze { reply, until } => snooze_reply(w, reply.to_string(), until).await.map(|_| Done::Gone(reply, "Snoozed: it comes back on the day you chose.")),
                Op::Meeting { reply } => reply_meeting_booked(w, reply.to_string()).await.map(Done::Meeting),
                Op::Note { lead, text } => add_note(w, lead, text).await.map(|_| Done::Noted),
                Op::More { after } => {
                    let mut q = filters.get_untracked();
                    q.after = Some(after);
                    inbox_list(w, q).await.map(Done::More)
                }
            }
        }
    });
    let busy = op.pending();
    let refresh_badge = move || {
        if let Some(b) = badge {
            b.0.update(|n| *n += 1);
        }
    };

    Effect::new(move |_| {
        let Some(result): Option<Result<Done, AppError>> = op.value().get() else { return };
        match result {
            Err(e) => error.set(Some(e.message)),
            Ok(done) => {
                error.set(None);
                match done {
                    Done::Answered(a) => {
                        mode.set(Mode::Browse);
                        answer.set(String::new());
                        notice.set(Some(a.message().to_string()));
                        set_conv_tick.update(|t| *t += 1);
                    }
                    Done::Reclassified(id, r) => {
                        let class = r.to;
                        let before = items.with_untracked(|v| v.iter().find(|i| i.id == id).map(|i| (i.class, i.unread)));
                        if let Some((old, unread)) = before {
                            counts.update(|cs| {
                                bump(cs, old, -1, unread);
                                bump(cs, class, 1, unread);
                            });
                        }
                        let stays = tab.get_untracked().classes().contains(&class);
                        items.update(|v| {
                            if stays {
                                v.iter_mut().filter(|i| i.id == id).for_each(|i| i.class = class);
                            } else {
                                v.retain(|i| i.id != id);
                            }
                        });
                        notice.set(Some(format!("Re-classified as {}.", class_label(class).to_lowercase())));
                        correction.set(Some((id, r)));
                        set_conv_tick.update(|t| *t += 1);
                        refresh_badge();
                    }
                    Done::Gone(id, what) => {
                        mode.set(Mode::Browse);
                        if let Some((class, unread)) = items.with_untracked(|v| v.iter().find(|i| i.id == id).map(|i| (i.class, i.unread))) {
                            counts.update(|cs| bump(cs, class, -1, unread));
                        }
                        items.update(|v| v.retain(|i| i.id != id));
                        let len = items.with_untracked(|v| v.len());
                        cursor.update(|c| *c = (*c).min(len.saturating_sub(1)));
                        // The next conversation opens where the last one was, as in a mail client.
                        opened.set(items.with_untracked(|v| v.get(cursor.get_untracked()).map(|i| i.id)));
                        notice.set(Some(what.to_string()));
                        refresh_badge();
                        focus(&format!("reply-{}", cursor.get_untracked()));
                    }
                    Done::Meeting(new) => {
                        mode.set(Mode::Browse);
                        notice.set(Some(if new { "Meeting booked: the lead is converted and its campaigns stop." } else { "A meeting was already recorded for this lead." }.to_string()));
                        set_conv_tick.update(|t| *t += 1);
                        refresh_badge();
                    }
                    Done::Noted => {
                        mode.set(Mode::Browse);
                        note.set(String::new());
                        notice.set(Some("Note added to the lead's timeline.".into()));
                    }
                    Done::More(p) => {
                        items.update(|v| v.extend(p.items));
                        next.set(p.next);
                    }
                }
            }
        }
    });

    let current = move || items.with(|v| v.get(cursor.get()).cloned());
    let open_at = move |i: usize| {
        let len = items.with_untracked(|v| v.len());
        if len == 0 {
            return;
        }
        let i = i.min(len - 1);
        cursor.set(i);
        mode.set(Mode::Browse);
        opened.set(items.with_untracked(|v| v.get(i).map(|x| x.id)));
        focus(&format!("reply-{i}"));
    };
    let move_to = move |i: usize| {
        let len = items.with_untracked(|v| v.len());
        if len == 0 {
            return;
        }
        let i = i.min(len - 1);
        cursor.set(i);
        // With a conversation open, it follows the cursor.
        if opened.get_untracked().is_some() {
            open_at(i);
        } else {
            focus(&format!("reply-{i}"));
        }
    };
    let start = move |m: Mode, field: &'static str| {
        if let Some(it) = current() {
            if opened.get_untracked() != Some(it.id) {
                opened.set(Some(it.id));
            }
            if m == Mode::Reply && (mode.get_untracked() != Mode::Reply || answer_key.get_untracked().is_empty()) {
                answer_key.set(fresh_key(&it.id.to_string()));
            }
            mode.set(m);
            focus(field);
        }
    };
    let submit_answer = move || {
        let Some(it) = current() else { return };
        let body = answer.get_untracked();
        if body.trim().is_empty() {
            error.set(Some("Write your answer first.".into()));
            focus("answer-body");
            return;
        }
        op.dispatch(Op::Answer { reply: it.id, body, key: answer_key.get_untracked() });
    };
    let submit_snooze = move || {
        if let Some(it) = current() {
            op.dispatch(Op::Snooze { reply: it.id, until: snooze_until.get_untracked() });
        }
    };
    let submit_note = move || {
        let Some(lead) = current().and_then(|i| i.lead_id) else {
            error.set(Some("This reply is not linked to a lead, so there is no timeline to note on.".into()));
            return;
        };
        op.dispatch(Op::Note { lead: lead.to_string(), text: note.get_untracked() });
    };
    let act = move |f: fn(Uuid) -> Op| {
        if let Some(it) = current() {
            op.dispatch(f(it.id));
        }
    };

    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let Some(cmd) = command_for(&ev.key()) else { return };
        if cmd == InboxCommand::Close {
            help.set(false);
            if mode.get_untracked() != Mode::Browse {
                mode.set(Mode::Browse);
                focus(&format!("reply-{}", cursor.get_untracked()));
            }
            return;
        }
        // Typing in a field is typing, not a shortcut; an open form keeps the keys too.
        if typing(&ev) || mode.get_untracked() != Mode::Browse || busy.get_untracked() || (cmd == InboxCommand::Open && on_control(&ev)) {
            return;
        }
        let acting = matches!(cmd, InboxCommand::Reply | InboxCommand::Archive | InboxCommand::Snooze | InboxCommand::Reclassify(_) | InboxCommand::MeetingBooked | InboxCommand::Note);
        if acting && !can_act {
            return;
        }
        match cmd {
            InboxCommand::Next => move_to(cursor.get_untracked() + 1),
            InboxCommand::Previous => move_to(cursor.get_untracked().saturating_sub(1)),
            InboxCommand::Open => open_at(cursor.get_untracked()),
            InboxCommand::Reply => start(Mode::Reply, "answer-body"),
            InboxCommand::Snooze => start(Mode::Snooze, "snooze-until"),
            InboxCommand::Note => start(Mode::Note, "note-text"),
            InboxCommand::MeetingBooked => start(Mode::Meeting, "meeting-confirm"),
            InboxCommand::Archive => act(|reply| Op::Archive { reply }),
            InboxCommand::Reclassify(class) => {
                if let Some(it) = current() {
                    op.dispatch(Op::Reclassify { reply: it.id, class, lift_opt_out: false });
                }
            }
            InboxCommand::Help => help.update(|h| *h = !*h),
            InboxCommand::Close => {}
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());

    let tab_link = move |t: InboxTab| {
        let mut params: Vec<String> = query
            .get()
            .into_iter()
            .filter(|(k, _)| k != "tab")
            .map(|(k, v)| format!("{k}={}", crate::pages::auth::urlencode(&v)))
            .collect();
        params.push(format!("tab={}", t.as_str()));
        format!("?{}", params.join("&"))
    };

    view! {
        <Title text="Inbox"/>
        <div class="mb-4 flex flex-col gap-1 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="text-2xl font-semibold tracking-tight">"Inbox"</h1>
                <p class="mt-1 text-sm text-slate-600">"Replies across every mailbox and sending account, classified. Press " <Kbd>"?"</Kbd> " for the keys."</p>
            </div>
        </div>
        <Tabs label="Inbox tabs" attr:data-testid="inbox-tabs">
            {InboxTab::ALL.into_iter().map(|t| {
                let count = move || counts.with(|cs| cs.iter().find(|c| c.tab == t).copied());
                view! {
                    <Tab href=Signal::derive(move || tab_link(t)) selected=Signal::derive(move || tab.get() == t) attr:data-testid=format!("inbox-tab-{}", t.as_str())>
                        {t.label()}
                        <TabCount>{move || count().map(|c| c.count.to_string()).unwrap_or_default()}</TabCount>
                        {move || count().filter(|c| c.unread > 0).map(|c| view! { <span class="sr-only">{format!("{} unread", c.unread)}</span> })}
                    </Tab>
                }
            }).collect_view()}
        </Tabs>
        <Filters options=options/>
        <div aria-live="polite" class="mb-3 space-y-2">
            {move || notice.get().map(|n| view! { <Alert kind=AlertKind::Success attr:data-testid="inbox-notice">{n}</Alert> })}
            {move || error.get().map(|e| view! { <Alert attr:data-testid="inbox-error">{e}</Alert> })}
        </div>
        <Show when=move || help.get()>
            <Card class="mb-4 p-4" attr:role="region" attr:aria-labelledby="keys-title" attr:data-testid="key-help">
                <h2 id="keys-title" class="mb-2 text-sm font-semibold">"Keyboard"</h2>
                <KeyList keys=KEYMAP.to_vec()/>
            </Card>
        </Show>
        <div class="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
            <div>
                {move || pending_or_error(first.get())}
                <Show when=move || matches!(first.get(), Some(Ok(_))) && items.with(|v| v.is_empty())>
                    <div data-testid="inbox-empty">
                        <Empty title="No replies here" body="Replies are read from your mailboxes and sending accounts, classified, and listed here newest first."
                            hint="Another tab, or fewer filters, may show more."/>
                    </div>
                </Show>
                <Card tag=CardTag::Ol class="divide-y divide-slate-100 overflow-hidden" attr:data-testid="inbox-list" attr:aria-label="Replies">
                    {move || items.get().into_iter().enumerate().map(|(i, it)| {
                        let is_current = move || cursor.get() == i;
                        let is_open = move || opened.get() == Some(it.id);
                        let weight = if it.unread { "font-semibold text-slate-900" } else { "text-slate-700" };
                        view! {
                            <li id=format!("reply-{i}") tabindex="-1" data-testid="inbox-item" data-reply-id=it.id.to_string()
                                data-unread=it.unread.to_string() data-class=it.class.as_str()
                                aria-current=move || is_current().then_some("true")
                                aria-label=format!("{} from {}{}", if it.unread { "Unread reply" } else { "Reply" }, it.lead_name, it.company.clone().map(|c| format!(" at {c}")).unwrap_or_default())
                                on:click=move |_| open_at(i)
                                on:keydown=move |ev| if ev.key() == "Enter" { ev.stop_propagation(); open_at(i); }
                                class=move || format!("cursor-pointer px-4 py-3 outline-none {} {}",
                                    if is_open() { "bg-indigo-50" } else { "hover:bg-slate-50" },
                                    if is_current() { "ring-2 ring-inset ring-indigo-500" } else { "" })>
                                <div class="flex items-center gap-2 text-sm">
                                    {it.unread.then(|| view! { <span class="h-2 w-2 shrink-0 rounded-full bg-indigo-600" data-testid="unread-dot" aria-hidden="true"></span> })}
                                    <span class=format!("truncate {weight}") data-testid="inbox-lead">{it.lead_name.clone()}</span>
                                    <span class="hidden truncate text-xs text-slate-500 sm:inline">{it.company.clone().unwrap_or_default()}</span>
                                    <span class="ml-auto shrink-0 text-xs text-slate-500"><time datetime=it.received_at.to_rfc3339()>{it.received_at.format("%-d %b %H:%M").to_string()}</time></span>
                                </div>
                                <div class="mt-1 flex items-center gap-2">
                                    {class_badge(it.class)}
                                    <span class=format!("truncate text-sm {weight}") data-testid="inbox-subject">{it.subject.clone()}</span>
                                </div>
                                <p class="mt-1 truncate text-xs text-slate-500">{it.snippet.clone()}</p>
                            </li>
                        }
                    }).collect_view()}
                </Card>
                {move || next.get().map(|after| view! {
                    <button type="button" class=format!("{BUTTON_SECONDARY} mt-3") data-testid="inbox-more" disabled=move || busy.get()
                        on:click=move |_| { op.dispatch(Op::More { after: after.clone() }); }>"Load more"</button>
                })}
            </div>
            <div>
                {move || correction.get().filter(|(id, _)| opened.get() == Some(*id)).map(|(id, r)| view! {
                    <CorrectionView r=r busy=busy can_act=can_act
                        on_lift=Callback::new(move |class: ReplyClass| { op.dispatch(Op::Reclassify { reply: id, class, lift_opt_out: true }); })/>
                })}
                {move || match conversation.get() {
                    None | Some(None) => view! {
                        <div class="rounded-xl border-2 border-dashed border-slate-200 px-6 py-14 text-center text-sm text-slate-500" data-testid="no-conversation">
                            "Choose a conversation (" <Kbd>"j"</Kbd> " / " <Kbd>"k"</Kbd> ", then " <Kbd>"enter"</Kbd> ")."
                        </div>
                    }.into_any(),
                    Some(Some(Err(e))) => view! { <ErrorBox message=e.message/> }.into_any(),
                    Some(Some(Ok(c))) => view! {
                        <ConversationView c=c can_act=can_act mode=mode busy=busy answer=answer snooze_until=snooze_until note=note
                            on_answer=Callback::new(move |_| submit_answer())
                            on_snooze=Callback::new(move |_| submit_snooze())
                            on_note=Callback::new(move |_| submit_note())
                            on_meeting=Callback::new(move |_| act(|reply| Op::Meeting { reply }))
                            on_archive=Callback::new(move |_| act(|reply| Op::Archive { reply }))
                            on_reclassify=Callback::new(move |class: ReplyClass| { if let Some(it) = current() { op.dispatch(Op::Reclassify { reply: it.id, class, lift_opt_out: false }); } })
                            on_start=Callback::new(move |(m, field): (Mode, &'static str)| start(m, field))
                            on_cancel=Callback::new(move |_| mode.set(Mode::Browse))/>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

/// What a re-classification reversed and kept. When it kept an unsubscribe only because nobody
/// confirmed lifting it, the person is asked, with the reason, and may lift it here: moving a
/// reply to another class never lifts an opt-out by itself (see `flows::replies::reclassify`).
#[component]
fn CorrectionView(r: Reclassified, busy: Memo<bool>, can_act: bool, on_lift: Callback<ReplyClass>) -> impl IntoView {
    let to = r.to;
    let list = |title: &'static str, items: Vec<String>, test: &'static str| {
        (!items.is_empty()).then(|| view! {
            <div class="mt-1">
                <p class="font-medium">{title}</p>
                <ul class="ml-4 list-disc" data-testid=test>{items.into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            </div>
        })
    };
    view! {
        <section class="mb-3 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700 ring-1 ring-slate-200" data-testid="correction" aria-label="What the re-classification changed">
            <p>{format!("{} → {}", class_label(r.from), class_label(r.to))} {(r.action != "none").then(|| format!(" · new action: {}", r.action))}</p>
            {list("Undone", r.undone.clone(), "correction-undone")}
            {list("Kept", r.kept.clone(), "correction-kept")}
            {r.confirm_lift.clone().filter(|_| can_act).map(|why| view! {
                <Alert kind=AlertKind::Warning class="mt-2" attr:data-testid="confirm-lift">
                    <p>{why}</p>
                    <button type="button" class=format!("{BUTTON_SECONDARY} mt-2") data-testid="confirm-lift-button" disabled=move || busy.get()
                        on:click=move |_| on_lift.run(to)>"The text did not ask to be removed: lift the unsubscribe"</button>
                </Alert>
            })}
        </section>
    }
}

/// The filter bar: a GET form, so every filter lives in the URL and survives a reload.
#[component]
fn Filters(options: RwSignal<(Vec<domain::inbox::FilterOption>, Vec<domain::inbox::FilterOption>)>) -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let select = move |name: &'static str, all: &'static str, pick: fn(&(Vec<domain::inbox::FilterOption>, Vec<domain::inbox::FilterOption>)) -> Vec<domain::inbox::FilterOption>| {
        let current = get(name);
        view! {
            <label class="sr-only" for=format!("f-{name}")>{all}</label>
            <select id=format!("f-{name}") name=name class="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm" data-testid=format!("filter-{name}")>
                <option value="">{all}</option>
                {move || options.with(|o| pick(o)).into_iter().map(|o| {
                    let id = o.id.to_string();
                    let sel = id == current;
                    view! { <option value=id selected=sel>{o.label}</option> }
                }).collect_view()}
            </select>
        }
    };
    view! {
        <form method="get" class="mb-4 flex flex-wrap items-center gap-2" role="search" data-testid="inbox-filters">
            <input type="hidden" name="tab" value=get("tab")/>
            <label class="sr-only" for="f-q">"Search"</label>
            <input id="f-q" name="q" type="search" maxlength="200" placeholder="Search sender, subject, text…" value=get("q") class=format!("{INPUT} max-w-xs") data-testid="inbox-search"/>
            {select("campaign", "All campaigns", |o| o.0.clone())}
            {select("mailbox", "All mailboxes", |o| o.1.clone())}
            <label class="text-sm text-slate-600" for="f-since">"From"</label>
            <input id="f-since" name="since" type="date" value=get("since") class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"/>
            <label class="text-sm text-slate-600" for="f-until">"to"</label>
            <input id="f-until" name="until" type="date" value=get("until") class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"/>
            <button type="submit" class=BUTTON_SECONDARY>"Apply"</button>
        </form>
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn ConversationView(
    c: Conversation,
    can_act: bool,
    mode: RwSignal<Mode>,
    busy: Memo<bool>,
    answer: RwSignal<String>,
    snooze_until: RwSignal<String>,
    note: RwSignal<String>,
    on_answer: Callback<()>,
    on_snooze: Callback<()>,
    on_note: Callback<()>,
    on_meeting: Callback<()>,
    on_archive: Callback<()>,
    on_reclassify: Callback<ReplyClass>,
    on_start: Callback<(Mode, &'static str)>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let ws = WorkspaceCtx::current();
    let r = c.reply.clone();
    let blocked = c.answer_blocked.clone();
    let can_answer = can_act && blocked.is_none();
    let key_btn = |label: &'static str, key: &'static str| view! { {label} " " <Kbd>{key}</Kbd> };
    view! {
        <Card class="p-4" attr:data-testid="conversation" attr:data-reply-id=r.id.to_string() attr:aria-label="Conversation">
            <header class="mb-3">
                <h2 class="text-base font-semibold" data-testid="conversation-subject">{r.subject.clone()}</h2>
                <p class="text-sm text-slate-600">{r.from.clone()} {r.mailbox.clone().map(|m| format!(" → {m}"))} {r.campaign.clone().map(|c| format!(" · {c}"))}</p>
                <p class="mt-1 flex flex-wrap items-center gap-2 text-xs text-slate-500" data-testid="classification">
                    {class_badge(r.class)}
                    {format!("{:.0}% sure", r.confidence * 100.0)} " · " {r.reason.clone()} " · by " {r.classified_by.clone()}
                    {r.return_date.map(|d| format!(" · back on {d}"))}
                </p>
            </header>
            {can_act.then(|| view! {
                <div class="mb-3 flex flex-wrap items-center gap-2" data-testid="conversation-actions">
                    <button type="button" class=BUTTON_SECONDARY data-testid="action-reply" disabled=!can_answer on:click=move |_| on_start.run((Mode::Reply, "answer-body"))>{key_btn("Reply", "r")}</button>
                    <button type="button" class=BUTTON_SECONDARY data-testid="action-archive" disabled=move || busy.get() on:click=move |_| on_archive.run(())>{key_btn("Archive", "e")}</button>
                    <button type="button" class=BUTTON_SECONDARY data-testid="action-snooze" on:click=move |_| on_start.run((Mode::Snooze, "snooze-until"))>{key_btn("Snooze", "s")}</button>
                    <button type="button" class=BUTTON_SECONDARY data-testid="action-meeting" disabled=r.lead_id.is_none() on:click=move |_| on_start.run((Mode::Meeting, "meeting-confirm"))>{key_btn("Meeting booked", "m")}</button>
                    <button type="button" class=BUTTON_SECONDARY data-testid="action-note" disabled=r.lead_id.is_none() on:click=move |_| on_start.run((Mode::Note, "note-text"))>{key_btn("Note", "n")}</button>
                    <label class="sr-only" for="reclassify">"Re-classify"</label>
                    <select id="reclassify" class="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm" data-testid="reclassify"
                        on:change=move |ev| { if let Some(c) = domain::inbox::parse_class(&event_target_value(&ev)) { on_reclassify.run(c); } }>
                        {RECLASSIFY_ORDER.into_iter().map(|c| view! {
                            <option value=c.as_str() selected=c == r.class>{format!("{} {}", reclassify_key(c).unwrap_or(' '), class_label(c))}</option>
                        }).collect_view()}
                        {(r.class == ReplyClass::Unclassified).then(|| view! { <option value="" selected=true>"Unclassified"</option> })}
                    </select>
                </div>
            })}
            {blocked.clone().filter(|_| can_act).map(|b| view! { <Alert kind=AlertKind::Warning class="mb-3" attr:data-testid="answer-blocked">{b}</Alert> })}
            <Show when=move || mode.get() == Mode::Reply>
                <form class="mb-4 flex flex-col gap-2" data-testid="answer-form" on:submit=move |ev| { ev.prevent_default(); on_answer.run(()); }>
                    <label class=LABEL for="answer-body">"Your answer (ctrl + enter sends; the permission mode decides whether it needs approval)"</label>
                    <textarea id="answer-body" class=INPUT rows="6" maxlength=domain::inbox::MAX_REPLY_CHARS data-testid="answer-body"
                        prop:value=move || answer.get() on:input=move |ev| answer.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) { ev.prevent_default(); on_answer.run(()); }></textarea>
                    <div class="flex gap-2">
                        <button type="submit" class=BUTTON data-testid="answer-submit" disabled=move || busy.get()>"Send answer"</button>
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    </div>
                </form>
            </Show>
            <Show when=move || mode.get() == Mode::Snooze>
                <form class="mb-4 flex flex-wrap items-end gap-2" data-testid="snooze-form" on:submit=move |ev| { ev.prevent_default(); on_snooze.run(()); }>
                    <div>
                        <label class=LABEL for="snooze-until">"Snooze for days, or until a date (YYYY-MM-DD)"</label>
                        <input id="snooze-until" class=INPUT maxlength="10" data-testid="snooze-until" prop:value=move || snooze_until.get() on:input=move |ev| snooze_until.set(event_target_value(&ev))/>
                    </div>
                    <button type="submit" class=BUTTON data-testid="snooze-submit" disabled=move || busy.get()>"Snooze"</button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </form>
            </Show>
            <Show when=move || mode.get() == Mode::Note>
                <form class="mb-4 flex flex-col gap-2" data-testid="note-form" on:submit=move |ev| { ev.prevent_default(); on_note.run(()); }>
                    <label class=LABEL for="note-text">"Note for the lead's timeline"</label>
                    <textarea id="note-text" class=INPUT rows="2" maxlength=domain::inbox::MAX_NOTE_CHARS data-testid="note-text"
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" && !ev.shift_key() { ev.prevent_default(); on_note.run(()); }></textarea>
                    <div class="flex gap-2">
                        <button type="submit" class=BUTTON data-testid="note-submit" disabled=move || busy.get()>"Add note"</button>
                        <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
                    </div>
                </form>
            </Show>
            <Show when=move || mode.get() == Mode::Meeting>
                <div class="mb-4 flex flex-wrap items-center gap-2 rounded-md bg-emerald-50 px-3 py-2 text-sm" data-testid="meeting-form">
                    <span>"Mark a meeting booked? The lead becomes converted and its campaigns stop."</span>
                    <button type="button" id="meeting-confirm" class=BUTTON data-testid="meeting-confirm" disabled=move || busy.get() on:click=move |_| on_meeting.run(())>"Mark booked"</button>
                    <button type="button" class=BUTTON_SECONDARY on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </div>
            </Show>
            <div class="grid gap-4 xl:grid-cols-[minmax(0,1fr)_15rem]">
                <ol class="space-y-3" data-testid="thread" aria-label="The whole thread, oldest first">
                    {c.thread.into_iter().map(|m| {
                        let (side, tone) = if m.inbound { ("in", "bg-emerald-50 ring-emerald-200") } else { ("out", "bg-slate-50 ring-slate-200") };
                        view! {
                            <li class=format!("rounded-lg p-3 text-sm ring-1 {tone}") data-testid="thread-entry" data-direction=side>
                                <div class="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                                    <span class="font-medium text-slate-700">{if m.inbound { "They wrote" } else { "We sent" }}</span>
                                    <span>{m.from.clone()} " → " {m.to.clone()}</span>
                                    {m.state.clone().filter(|s| s != "sent").map(|s| view! { <Badge attr:data-testid="thread-state">{s}</Badge> })}
                                    {m.class.map(class_badge)}
                                    <time class="ml-auto" datetime=m.at.to_rfc3339()>{when(m.at)}</time>
                                </div>
                                <p class="mt-1 font-medium">{m.subject.clone()}</p>
                                <pre class="mt-1 whitespace-pre-wrap break-words font-sans text-slate-800" data-testid="thread-body">{m.body.clone()}</pre>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <aside class="h-fit rounded-lg bg-slate-50 p-3 text-sm ring-1 ring-slate-200" data-testid="lead-card" aria-label="Lead">
                    {match c.lead {
                        None => view! { <p class="text-slate-500">"Not linked to a lead: the sender matched none of this workspace's leads."</p> }.into_any(),
                        Some(l) => {
                            let href = format!("/w/{}/leads/{}", ws.id.get_untracked(), l.id);
                            let score = l.score.clone();
                            view! {
                                <a href=href class="font-semibold text-indigo-700 hover:underline" data-testid="lead-link">{l.name()}</a>
                                <p class="text-slate-600">{l.title.clone().unwrap_or_default()}</p>
                                <p class="text-slate-600" data-testid="lead-company">{l.company.clone().unwrap_or_default()}</p>
                                <div class="mt-2 flex items-center gap-2">
                                    <span class="text-2xl font-bold tabular-nums" data-testid="lead-card-als">{score.as_ref().map(|s| s.als.to_string()).unwrap_or_else(|| "—".into())}</span>
                                    {tier_badge(score.as_ref().map(|s| s.tier))}
                                </div>
                                <p class="mt-2 text-xs text-slate-500">"Status: " <span data-testid="lead-card-status">{humanise(l.status.as_str())}</span></p>
                                <p class="text-xs text-slate-500 break-all">{l.email.clone().unwrap_or_default()}</p>
                            }.into_any()
                        }
                    }}
                </aside>
            </div>
        </Card>
    }
}
