-- Outbound webhooks (SPEC "Outbound webhooks", issue 10 §9): a workspace's own endpoints hear
-- about replies, bookings, unsubscribes, bounces and complaints, signed per Standard Webhooks.
--
-- Outbox pattern: a delivery row is written in the same transaction as the fact (the activity
-- insert itself, see engine::store::activities::record_many), so nothing is lost when the
-- process stops, and (endpoint, event id) is unique, so nothing is queued twice. The delivery
-- job claims due rows with a lease; the `webhook-id` (event_id) never changes across retries.

create table webhook_endpoints (
    client_id         uuid not null references workspaces(id),
    id                uuid not null default gen_random_uuid(),
    url               text not null check (length(url) between 1 and 1000),
    -- event types (domain::webhooks::EventType::as_str), at least one
    events            text[] not null check (cardinality(events) > 0),
    -- the whsec_ secret, sealed with the master key (engine::secrets) like provider keys
    secret            text not null,
    -- the secret replaced by the last rotation: deliveries are signed with both for a day, so a
    -- receiver can switch over without dropping any
    previous_secret   text,
    previous_until    timestamptz,
    enabled           boolean not null default true,
    -- our words for why it was switched off (by a person, or by a 410 answer)
    disabled_reason   text check (disabled_reason is null or length(disabled_reason) <= 300),
    created_by        uuid references users(id),
    created_at        timestamptz not null default now(),
    secret_rotated_at timestamptz,
    primary key (client_id, id)
);

create table webhook_deliveries (
    client_id       uuid not null,
    id              uuid not null default gen_random_uuid(),
    endpoint_id     uuid not null,
    -- the webhook-id header: msg_ + the activity's id, the same on every attempt
    event_id        text not null check (length(event_id) <= 100),
    event_type      text not null check (length(event_type) <= 60),
    payload         jsonb not null,
    attempts        int not null default 0,
    -- when the next attempt is due; null once delivered or given up
    next_attempt_at timestamptz,
    -- a worker holds it until then (a stopped worker's claim lapses and it is tried again)
    claimed_until   timestamptz,
    last_attempt_at timestamptz,
    -- our classified words for the last attempt, never the endpoint's answer
    last_status     text check (last_status is null or length(last_status) <= 300),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    created_at      timestamptz not null default now(),
    primary key (client_id, id),
    unique (client_id, endpoint_id, event_id),
    foreign key (client_id, endpoint_id) references webhook_endpoints (client_id, id) on delete cascade
);
-- the delivery job's scan: only rows still owed
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where next_attempt_at is not null;
-- Settings' recent deliveries per endpoint
create index webhook_deliveries_recent on webhook_deliveries (client_id, endpoint_id, created_at desc);

select agency_os_protect_tenant_tables();
