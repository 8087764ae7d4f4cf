-- Replies, signals and the lead timeline (SPEC §3, §7, §11; issue 11).
--
-- Every tenant table leads with client_id (the workspace id) in its primary key and indexes.

-- Every touch and signal on a lead, one row each: the lead page's timeline and the Dashboard's
-- feed read this table only. `dedupe_key` makes an intake that sees the same event twice (a
-- webhook redelivered, a mailbox read again) record it once.
create table activities (
    client_id    uuid not null references workspaces(id),
    id           uuid not null default gen_random_uuid(),
    lead_id      uuid,
    campaign_id  uuid,
    outbox_id    uuid,
    reply_id     uuid,
    -- domain::activity::ActivityKind::as_str
    kind         text not null check (kind in (
                     'draft_queued', 'approved', 'rejected', 'sent', 'delivered', 'bounced', 'opened',
                     'clicked', 'replied', 'unsubscribed', 'status_changed', 'meeting_booked', 'note',
                     'complained', 'paused', 'resumed')),
    channel      text,
    actor_user_id uuid,
    summary      text not null check (length(summary) <= 1000),
    detail       jsonb not null default '{}',
    dedupe_key   text check (length(dedupe_key) <= 300),
    occurred_at  timestamptz not null default now(),
    created_at   timestamptz not null default now(),
    primary key (client_id, id)
);
create unique index activities_dedupe on activities (client_id, dedupe_key) where dedupe_key is not null;
-- the lead timeline, newest first, keyset-paged on (occurred_at, id)
create index activities_by_lead on activities (client_id, lead_id, occurred_at desc, id desc);
-- the workspace feed
create index activities_feed on activities (client_id, occurred_at desc, id desc);
-- decay detection counts a lead's opens
create index activities_opens on activities (client_id, lead_id, occurred_at) where kind = 'opened';

-- A message that came back from a prospect: read from a native mailbox over IMAP or reported by
-- a sending platform's webhook. Unique by (source, message_id): reading the same message again
-- records nothing.
create table replies (
    client_id     uuid not null references workspaces(id),
    id            uuid not null default gen_random_uuid(),
    lead_id       uuid,
    campaign_id   uuid,
    -- the message of ours it answers, when threading found it
    outbox_id     uuid,
    mailbox_id    uuid,
    source        text not null check (source in ('imap', 'instantly', 'smartlead')),
    message_id    text not null check (length(message_id) between 1 and 998),
    in_reply_to   text,
    -- the References chain as received (our answer threads under it)
    reference_ids text[] not null default '{}',
    from_address  text not null check (length(from_address) <= 320),
    subject       text not null default '' check (length(subject) <= 1000),
    -- the text as received, quoted history kept; capped at 64 KiB by the intake
    body_text     text not null default '' check (length(body_text) <= 65536),
    received_at   timestamptz not null,
    -- domain::reply::ReplyClass::as_str
    intent        text not null check (intent in ('meeting_request', 'interested', 'question', 'not_interested',
                      'unsubscribe', 'out_of_office', 'auto_reply', 'unclassified')),
    confidence    real not null default 0 check (confidence between 0 and 1),
    -- the rule (and phrase) or the model's reason, or who corrected it
    intent_reason text not null default '',
    intent_source text not null default 'rules' check (intent_source in ('rules', 'model', 'user')),
    return_date   date,
    read_at       timestamptz,
    archived_at   timestamptz,
    snoozed_until timestamptz,
    created_at    timestamptz not null default now(),
    primary key (client_id, id),
    unique (client_id, source, message_id)
);
-- the Inbox: newest first, live or archived
create index replies_inbox on replies (client_id, archived_at, received_at desc, id desc);
-- the Inbox's tabs (classes) and their counts
create index replies_by_intent on replies (client_id, intent, archived_at, received_at desc, id desc);
-- a lead's replies: the just-in-time "the lead replied" check and the thread view
create index replies_by_lead on replies (client_id, lead_id, received_at);

-- A booked meeting: the conversion (SPEC §11). A booking tool's event is recorded once by its id.
create table meetings (
    client_id   uuid not null references workspaces(id),
    id          uuid not null default gen_random_uuid(),
    lead_id     uuid not null,
    source      text not null check (source in ('calcom', 'calendly', 'manual')),
    external_id text check (length(external_id) <= 300),
    starts_at   timestamptz,
    title       text not null default '' check (length(title) <= 300),
    created_by  uuid,
    created_at  timestamptz not null default now(),
    primary key (client_id, id),
    unique (client_id, source, external_id),
    foreign key (client_id, lead_id) references leads (client_id, id)
);
create index meetings_by_lead on meetings (client_id, lead_id, created_at desc);
create index meetings_by_start on meetings (client_id, starts_at);

-- Out-of-office pauses a lead's cadence until its return (SPEC §7); the dispatcher holds every
-- automated step of the enrolment until then.
alter table campaign_leads
    add column paused_until timestamptz,
    add column exited_at timestamptz;

-- A suggested answer to a reply waits in the approval queue like any draft; `kind` keeps it
-- apart from the cadence's automated steps (which the "lead replied" check refuses) and
-- `reply_id` names the reply it answers. Reply drafts and their outbox rows use steps from 100
-- up, so the one-row-per-touch constraints still hold for the sequence.
alter table drafts
    add column kind text not null default 'sequence' check (kind in ('sequence', 'reply')),
    add column reply_id uuid;
alter table outbox
    add column kind text not null default 'sequence' check (kind in ('sequence', 'reply')),
    add column reply_id uuid;

-- A lead whose reply was positive (interested, meeting, question): the next move is a
-- person's. Shown on the Leads page and the Inbox; cleared by nothing automatic.
alter table leads add column hot_at timestamptz;
