-- Onboarding discovery runs (issue 13): reading the agency's website in a durable job, with the
-- progress the Onboarding page shows (it survives a reload and a restart: it is here, not in the
-- worker's memory) and the result to confirm.
create table onboarding_runs (
    client_id     uuid not null references workspaces(id),
    id            uuid not null default gen_random_uuid(),
    url           text not null check (length(url) between 1 and 2048),
    -- queued → reading → extracting → deriving → done | failed
    status        text not null default 'queued'
                  check (status in ('queued', 'reading', 'extracting', 'deriving', 'done', 'failed')),
    pages_read    integer not null default 0 check (pages_read >= 0),
    pages_planned integer not null default 0 check (pages_planned >= 0),
    -- the discover-icp object plus the full profile and draft (sources, stated/inferred, weights' reasons)
    result        jsonb,
    -- why it failed, worded for the person onboarding ("that address is on a private network")
    error         text check (length(error) <= 1000),
    requested_by  uuid not null references users(id),
    -- SPEC §14 platform intelligence: whether the agency agreed to share anonymised outcomes;
    -- off unless someone said yes, and then who and when
    consent       boolean not null default false,
    consent_by    uuid references users(id),
    consent_at    timestamptz,
    -- Confirm saved the (edited) profile as the workspace's ICP
    confirmed_by  uuid references users(id),
    confirmed_at  timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    primary key (client_id, id)
);
create index onboarding_runs_latest on onboarding_runs (client_id, created_at desc);

-- Row-level security for the new table, as for every tenant table.
select agency_os_protect_tenant_tables();
