-- The cost ledger (SPEC §13): one row per billed provider call, so cost per lead, per meeting
-- and per workspace can be summed, budgets checked and margins reported.
-- Append-only: a correction is a new row with a negative cost, never an update.
-- client_id (the workspace) leads the primary key so the table can be distributed by it.

create table cost_ledger (
    client_id   uuid not null references workspaces(id),
    id          bigint generated always as identity,
    -- stable provider name (engine::providers::ProviderName::as_str): apollo, hunter, …
    provider    text not null check (length(provider) between 1 and 40),
    -- what was bought: people_match, email_finder, domain_rank_overview, …
    operation   text not null check (length(operation) between 1 and 60),
    -- how many of the provider's units (credits, requests, minutes)
    units       numeric not null check (units >= 0),
    -- Australian dollars, from configured unit costs; four places is a tenth of a cent
    cost_aud    numeric(12,4) not null,
    campaign_id uuid,
    -- our reference for the lead the call was for (lead id or canonical email), when any
    lead_ref    text,
    created_at  timestamptz not null default now(),
    primary key (client_id, id)
);

-- totals and daily budgets read a workspace's rows by time
create index cost_ledger_by_time on cost_ledger (client_id, created_at);
