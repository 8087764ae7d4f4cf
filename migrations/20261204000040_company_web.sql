-- Web presence of a lead's company domain (DataForSEO: domain rank, organic traffic value,
-- top-10 keywords, spam score), measured during enrichment when the workspace has a
-- DataForSEO key, and read by scoring for its web-presence points (SPEC §4). Per workspace,
-- because each workspace pays for its own measurements.
create table company_web (
    client_id   uuid not null references workspaces (id) on delete cascade,
    domain      text not null check (domain = lower(domain)),
    -- domain::score::WebPresence as JSON
    web         jsonb not null,
    measured_at timestamptz not null default now(),
    primary key (client_id, domain)
);

select agency_os_protect_tenant_tables();
