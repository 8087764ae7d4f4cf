-- Suppression that covers every channel (SPEC §10.5, issue 16 item 6) and the Do Not Call
-- Register wash record (§10.7).
--
-- 1. The per-workspace list, so far email addresses only, now also holds domains (an entry
--    suppresses the domain and every subdomain: `customer.com` covers `eu.customer.com`) and
--    phone numbers (E.164). The column keeps its name `address`; `kind` says what it holds. The
--    three canonical forms cannot collide (an email has an '@', a phone number starts with '+', a
--    domain has neither), so the primary key (client_id, address) stays as it is.

alter table suppressions add column kind text not null default 'email'
    check (kind in ('email', 'domain', 'phone'));

-- The canonical form of a value of each kind, for both lists.
create or replace function agency_os_suppression_value_ok(kind text, v text) returns boolean
  language sql immutable parallel safe
  as $$
    select case kind
        when 'email' then v = lower(v) and length(v) between 3 and 320 and position('@' in v) > 1
        -- canonical form of domain::suppression::canonical_domain: lower-case ASCII, at least
        -- two labels
        when 'domain' then v = lower(v) and length(v) between 3 and 253 and position('@' in v) = 0
                           and position('.' in v) > 1 and v !~ '^\+'
        -- E.164: '+', country code, at most 15 digits
        when 'phone' then v ~ '^\+[1-9][0-9]{3,14}$'
        else false
    end
  $$;

alter table suppressions drop constraint suppressions_address_check;
alter table suppressions add constraint suppressions_address_form check (agency_os_suppression_value_ok(kind, address));

-- 'imported': from a client's do-not-contact list (a CSV uploaded in Settings → Suppression).
alter table suppressions drop constraint suppressions_reason_check;
alter table suppressions add constraint suppressions_reason_check
    check (reason in ('unsubscribed', 'bounced', 'complained', 'manual', 'imported'));

-- What the person who added it wrote ("existing customer", "asked by phone").
alter table suppressions add column note text check (length(note) <= 500);

-- The Settings page filters by kind.
create index suppressions_by_kind on suppressions (client_id, kind, address);

-- A domain and each parent at a label boundary, down to two labels: 'a.eu.customer.com' gives
-- {a.eu.customer.com, eu.customer.com, customer.com}. A domain entry equal to any of them
-- suppresses the domain (the store's form of domain::suppression's apex rule; walking whole
-- labels is what keeps 'notcustomer.com' from matching 'customer.com'). Null or one label: {}.
create or replace function agency_os_domain_and_parents(d text) returns text[]
  language sql immutable parallel safe
  as $$
    select coalesce(array_agg(array_to_string(s.labels[i:], '.') order by i), '{}')
    from (select string_to_array(lower(trim(trailing '.' from d)), '.') as labels) s,
         generate_subscripts(s.labels, 1) i
    where i < array_length(s.labels, 1)
  $$;

-- 2. The platform-wide list, kept by the operator (`agency-os suppress --platform …`): nothing is
--    sent to these on any channel by any workspace. No client_id: it belongs to no tenant.
--    Workspaces read it (the just-in-time checks run under the tenant role) and never write it.

create table platform_suppressions (
    kind       text not null check (kind in ('email', 'domain', 'phone')),
    value      text primary key,
    note       text check (length(note) <= 500),
    created_at timestamptz not null default now(),
    check (agency_os_suppression_value_ok(kind, value))
);

revoke insert, update, delete, truncate on platform_suppressions from agency_os_tenant;
grant select on platform_suppressions to agency_os_tenant;

-- 3. Do Not Call Register wash results (Do Not Call Register Act 2006 s 11(3)): a number the
--    register did not show as registered may be called within 30 days of the answer; a listed
--    number may not be called at all. One row per (workspace, number), replaced by each new
--    wash; the row is the workspace's defence, so it keeps the register's reference and time.

create table dncr_washes (
    client_id  uuid not null references workspaces(id),
    number     text not null check (number ~ '^\+61[0-9]{4,13}$'),
    listed     boolean not null,
    -- the register's reference for the wash (the sandbox makes one up)
    reference  text not null check (length(reference) between 1 and 200),
    washed_at  timestamptz not null,
    primary key (client_id, number)
);

select agency_os_protect_tenant_tables();
