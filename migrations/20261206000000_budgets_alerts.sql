-- Budgets and alerts (SPEC §13). A workspace's daily and monthly budgets in AUD (null: none),
-- and its alerts: one open alert per condition (the partial unique index), which may rise from
-- warning to critical, is announced in the app, on Slack and by email, repeated while critical
-- and unacknowledged, and resolved when its condition clears or by a person.

alter table workspaces
    add column daily_budget_cents   bigint check (daily_budget_cents > 0),
    add column monthly_budget_cents bigint check (monthly_budget_cents > 0);

create table alerts (
    client_id        uuid not null references workspaces(id),
    id               uuid not null default gen_random_uuid(),
    -- domain::alerts::Condition::key: 'budget.daily', 'mailbox_paused:<address>', …
    condition        text not null check (length(condition) between 1 and 200),
    level            text not null check (level in ('warning', 'critical')),
    title            text not null check (length(title) between 1 and 300),
    detail           text not null check (length(detail) <= 1000),
    fired_at         timestamptz not null default now(),
    acknowledged_at  timestamptz,
    acknowledged_by  uuid references users(id),
    -- resolved_by null with resolved_at set: the condition cleared on its own
    resolved_at      timestamptz,
    resolved_by      uuid references users(id),
    -- announcements: when last (null: owed now), how many, and the last channel failure (our
    -- words, never a remote answer)
    notified_at      timestamptz,
    notify_count     int not null default 0,
    notify_error     text check (length(notify_error) <= 300),
    primary key (client_id, id)
);
create unique index alerts_one_open on alerts (client_id, condition) where resolved_at is null;
create index alerts_recent on alerts (client_id, fired_at desc);

select agency_os_protect_tenant_tables();
