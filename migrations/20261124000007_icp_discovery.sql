-- The workspace's ideal customer profile (SPEC §4 company fit, §5 discovery, §12) and the
-- provider id of leads found by a people search.

-- One row per workspace; no row means the defaults (domain::score::Icp::default(), no search
-- filters). The scorer reads industries, the employee range and locations; the people search
-- reads all of it. Limits mirror domain::icp so a writer that skips the domain check still
-- cannot store something the search or the UI cannot handle.
create table workspace_icp (
    client_id     uuid primary key references workspaces(id),
    industries    text[] not null default '{}' check (cardinality(industries) <= 50),
    employees_min integer not null check (employees_min >= 0),
    employees_max integer not null check (employees_max <= 10000000),
    locations     text[] not null default '{}' check (cardinality(locations) <= 50),
    job_titles    text[] not null default '{}' check (cardinality(job_titles) <= 50),
    -- Apollo's vocabulary: owner, founder, c_suite, partner, vp, head, director, manager, senior, entry
    seniorities   text[] not null default '{}' check (cardinality(seniorities) <= 10 and seniorities <@ array[
                      'owner', 'founder', 'c_suite', 'partner', 'vp', 'head', 'director', 'manager',
                      'senior', 'entry']::text[]),
    keywords      text[] not null default '{}' check (cardinality(keywords) <= 20),
    updated_at    timestamptz not null default now(),
    updated_by    uuid references users(id),
    check (employees_min <= employees_max)
);

-- Leads found by a people search carry the provider's person id, so enrichment can ask that
-- provider for exactly that person and a later search does not add them again.
alter table leads
    add column source_provider text check (length(source_provider) between 1 and 40),
    add column provider_ref    text check (length(provider_ref) between 1 and 200),
    add constraint leads_provider_ref_pair check ((source_provider is null) = (provider_ref is null));

-- Deliberately not partial on deleted_at (unlike the email index): a found person the user
-- deleted, or that enrichment showed to be a lead the workspace already had, must not come back
-- with the next search.
create unique index leads_unique_provider_ref on leads (client_id, source_provider, provider_ref)
    where provider_ref is not null;
