-- Digests (SPEC §15): the workspace's time zone (digests are due at 08:00 local), who wants
-- which digest by email, whether the workspace's Slack channel gets them, and one row per digest
-- sent to one recipient for one period, so a digest goes out once however many processes run
-- the schedule and however often it ticks.

-- An IANA name, checked by domain::digest::parse_time_zone at the edge.
alter table workspaces add column time_zone text not null default 'Australia/Sydney'
    check (length(time_zone) between 1 and 64);

alter table workspace_notifications
    add column slack_daily_digest  boolean not null default false,
    add column slack_weekly_digest boolean not null default false;

-- A member's own choice; nobody is subscribed until they opt in.
create table digest_subscriptions (
    client_id  uuid not null references workspaces(id),
    user_id    uuid not null references users(id),
    daily      boolean not null default false,
    weekly     boolean not null default false,
    updated_at timestamptz not null default now(),
    primary key (client_id, user_id)
);

create table digest_sends (
    client_id uuid not null references workspaces(id),
    kind      text not null check (kind in ('daily', 'weekly')),
    -- the first day of the period covered, in the workspace's time zone
    period    date not null,
    -- 'slack', or the member's user id
    recipient text not null check (length(recipient) <= 64),
    -- taken by the process about to send; a claim left unfinished for ten minutes (the process
    -- stopped mid-send) may be taken again, so a digest is not lost to a restart
    claimed_at timestamptz not null default now(),
    -- sent, or given up for good (a revoked Slack webhook); null while under way
    done_at   timestamptz,
    primary key (client_id, kind, period, recipient)
);

select agency_os_protect_tenant_tables();
