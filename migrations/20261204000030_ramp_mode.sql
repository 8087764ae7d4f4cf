-- Workspace ramp mode (SPEC §6, seed 001): domain::allocate::WorkspaceSending as JSON — a
-- daily limit, the tiers it may send to and N supervised days, then graduation. Null: the
-- workspace never ramped, so only the mailboxes' own caps apply.
alter table workspaces
    add column sending_mode jsonb check (sending_mode is null or jsonb_typeof(sending_mode) = 'object');

-- Live sends counted against a ramp's daily limit, per UTC day: one row for the workspace
-- (scope = the workspace id) and one per campaign that ramps on its own (scope = its id).
-- Taken atomically like mailbox slots, so concurrent workers never pass the limit.
create table ramp_usage (
    client_id uuid not null references workspaces (id) on delete cascade,
    scope_id  uuid not null,
    day       date not null,
    sent      integer not null default 0 check (sent >= 0),
    primary key (client_id, scope_id, day)
);

select agency_os_protect_tenant_tables();
