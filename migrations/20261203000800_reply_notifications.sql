-- Telling people when a lead answers (issue: replies, signals and the lead timeline): a
-- workspace's Slack incoming webhook and whether owners and admins get an email, and one row
-- per positive reply that must be announced, written in the reply's own transaction so that no
-- announcement is lost when the process stops between recording the reply and sending.

create table workspace_notifications (
    client_id     uuid primary key references workspaces(id),
    -- the incoming-webhook URL, sealed with the master key (it is a bearer secret)
    slack_webhook text,
    slack_last4   text check (slack_last4 is null or length(slack_last4) <= 4),
    email_owners  boolean not null default true,
    updated_by    uuid references users(id),
    updated_at    timestamptz not null default now()
);

create table reply_notifications (
    client_id   uuid not null references workspaces(id),
    reply_id    uuid not null,
    created_at  timestamptz not null default now(),
    -- when a job was last queued for it; the sweep re-queues only what waited long after that
    queued_at   timestamptz not null default now(),
    -- per channel: pending, sent, skipped (not configured) or failed (given up)
    slack       text not null default 'pending' check (slack in ('pending', 'sent', 'skipped', 'failed')),
    email       text not null default 'pending' check (email in ('pending', 'sent', 'skipped', 'failed')),
    attempts    int not null default 0,
    -- our own words for the last failure, never a remote server's answer
    last_error  text check (last_error is null or length(last_error) <= 300),
    done_at     timestamptz,
    primary key (client_id, reply_id),
    foreign key (client_id, reply_id) references replies (client_id, id)
);
create index reply_notifications_open on reply_notifications (queued_at) where done_at is null;

select agency_os_protect_tenant_tables();
