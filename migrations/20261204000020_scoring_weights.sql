-- Stored scoring weights (SPEC §4, §14): what the scorer's cascade chooses from — a
-- workspace's own learned weights, then the platform's per-industry and global weights, then
-- the priors. The learning flow writes these; scoring reads them on every run.
create table workspace_weights (
    client_id   uuid primary key references workspaces (id) on delete cascade,
    -- domain::score::Weights as JSON (checked on read: finite, non-negative, summing to 1)
    weights     jsonb not null,
    confidence  double precision not null check (confidence between 0 and 1),
    conversions integer not null check (conversions >= 0),
    learned_at  timestamptz not null default now()
);

-- Aggregated across consenting workspaces; not a tenant's table.
create table platform_weights (
    scope      text not null check (scope in ('global', 'industry')),
    -- lower-case industry for scope 'industry'; '' for 'global'
    industry   text not null default '' check ((scope = 'global') = (industry = '')),
    weights    jsonb not null,
    confidence double precision not null check (confidence between 0 and 1),
    learned_at timestamptz not null default now(),
    primary key (scope, industry)
);

-- Tenants read the platform's weights while scoring; only the platform writes them.
revoke insert, update, delete on platform_weights from agency_os_tenant;

select agency_os_protect_tenant_tables();
