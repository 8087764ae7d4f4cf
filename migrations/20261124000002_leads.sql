-- Leads, their scores, and CSV imports with their error reports (SPEC §3, §4, §5).
-- Every table carries client_id (the workspace id) leading its primary key and every index, so
-- each query of one workspace reads only that workspace's part of an index and the tables can
-- be distributed by client_id later.

create table leads (
    client_id      uuid not null references workspaces(id),
    id             uuid not null default gen_random_uuid(),
    -- canonical form (trimmed, lower-cased) made by domain::leads; null for LinkedIn-only leads
    email          text check (email = lower(email) and length(email) <= 254),
    -- canonical https://www.linkedin.com/in/<slug> made by domain::leads
    linkedin_url   text check (length(linkedin_url) <= 300),
    first_name     text,
    last_name      text,
    title          text,
    company        text,
    -- bare lower-case host without www. (from the file, the website or a business email)
    company_domain text check (company_domain = lower(company_domain)),
    website        text,
    phone          text,
    -- free text as given ("Parramatta, NSW"); country kept apart because ICP location matches it
    location       text,
    country        text,
    industry       text,
    employee_count integer check (employee_count >= 0),
    -- domain::lead_status::LeadStatus::as_str
    status         text not null default 'new' check (status in (
                       'new', 'enriched', 'scored', 'queued', 'approved', 'in_sequence',
                       'contacted', 'opened', 'clicked', 'replied', 'linkedin_connected',
                       'ghosted', 'stalled', 'hesitant', 'converted', 'not_interested',
                       'unsubscribed', 'bounced', 'suppressed', 'exhausted', 'dead',
                       'revival_candidate', 'revival_queued', 'revival_sent')),
    source         text not null check (source in ('csv', 'apollo', 'manual', 'api')),
    -- the CSV import that brought the lead in, when it came from one
    import_id      uuid,
    -- the address check of domain::email_check at intake (text only, no DNS or SMTP)
    email_verdict  text check (email_verdict in ('deliverable', 'risky', 'invalid')),
    email_reason   text,
    -- true only once a verifier (Hunter, the enrichment waterfall) confirmed the mailbox; the
    -- text check above is not verification, so a CSV lead starts unverified
    email_verified boolean not null default false,
    enrichment_source     text,
    enrichment_confidence real check (enrichment_confidence between 0 and 1),
    -- the score (SPEC §4): whole ALS for sorting and tiers, the exact hundredths that the
    -- reasons add up to, and everything "why this score" needs
    als            smallint check (als between 0 and 100),
    als_exact      smallint check (als_exact between 0 and 10000),
    tier           text check (tier in ('hot', 'warm', 'cool', 'cold', 'dead')),
    components     jsonb,
    weights        jsonb,
    weight_source  text check (weight_source in ('client_learned', 'platform_industry',
                       'platform_global', 'platform_priors', 'defaults')),
    reasons        jsonb,
    scored_at      timestamptz,
    -- lower-case text the leads table searches and sorts by name; generated so that no writer
    -- can forget to maintain it
    search_text    text generated always as (lower(
                       coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' ||
                       coalesce(company, '') || ' ' || coalesce(email, ''))) stored,
    sort_name      text generated always as (lower(
                       coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) stored,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    deleted_at     timestamptz,
    primary key (client_id, id)
);

-- SPEC §3: unique per workspace by canonical email; by LinkedIn URL when there is no email.
-- Inserts use ON CONFLICT DO NOTHING, so these indexes are what deduplicates, even between
-- concurrent imports. A soft-deleted lead no longer blocks its address.
create unique index leads_unique_email on leads (client_id, email)
    where email is not null and deleted_at is null;
create unique index leads_unique_linkedin on leads (client_id, linkedin_url)
    where email is null and linkedin_url is not null and deleted_at is null;

-- The leads table page (100,000 leads per workspace): each sort has an index in its order, so
-- a page is an index range scan, not a sort of the workspace. Unscored leads sort last.
create index leads_by_als on leads (client_id, als desc nulls last, id)
    where deleted_at is null;
create index leads_by_created on leads (client_id, created_at desc, id)
    where deleted_at is null;
create index leads_by_name on leads (client_id, sort_name, id)
    where deleted_at is null;
-- Status filter (and its count) with the default score order; also the scoring flow's
-- "unscored leads" scan.
create index leads_by_status on leads (client_id, status, als desc nulls last, id)
    where deleted_at is null;
create index leads_by_import on leads (client_id, import_id) where import_id is not null;

-- Substring search on name, company and email. pg_trgm ships with PostgreSQL's contrib package
-- and is a trusted extension, but a stripped-down server may lack it: then search still works
-- (a scan of one workspace's rows), only without the index.
do $$
begin
    if exists (select 1 from pg_available_extensions where name = 'pg_trgm') then
        create extension if not exists pg_trgm;
        create index leads_search_trgm on leads using gin (search_text gin_trgm_ops)
            where deleted_at is null;
    end if;
end
$$;

-- One CSV upload. Counters are updated batch by batch in the same transaction as the rows, so
-- a page polling this row shows live progress that always matches what is in the database.
create table imports (
    client_id   uuid not null references workspaces(id),
    id          uuid not null default gen_random_uuid(),
    filename    text not null check (length(filename) between 1 and 255),
    status      text not null default 'running' check (status in ('running', 'completed', 'failed')),
    -- data rows read so far (blank lines are not rows)
    total_rows  integer not null default 0,
    imported    integer not null default 0,
    duplicates  integer not null default 0,
    invalid     integer not null default 0,
    -- why a failed import stopped (unreadable file, no usable header)
    error       text,
    -- the header → field mapping that was detected, shown next to the progress
    mapping     jsonb,
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    created_by  uuid references users(id),
    primary key (client_id, id)
);
create index imports_recent on imports (client_id, started_at desc);

-- The downloadable error report: one line per problem, rejected rows and duplicates alike.
create table import_errors (
    client_id   uuid not null,
    import_id   uuid not null,
    id          bigint generated always as identity,
    -- spreadsheet numbering: the header is row 1, the first data row is row 2; a record with
    -- quoted line breaks is still one row
    row_number  integer not null,
    -- the lead field the problem is about (email, linkedin_url, employee_count, ...), the same
    -- names the column-mapping screen shows next to the file's own headers
    column_name text not null,
    kind        text not null check (kind in ('invalid', 'duplicate')),
    message     text not null,
    primary key (client_id, import_id, id),
    foreign key (client_id, import_id) references imports (client_id, id) on delete cascade
);
