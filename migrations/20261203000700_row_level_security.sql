-- Row-level security as defence in depth (SPEC §1): a tenant's work runs in a transaction that has
-- switched to the role `agency_os_tenant` and set `agency_os.workspace_id` (engine::db::tenant).
-- Under that role every tenant table shows and accepts only that workspace's rows, so a query
-- that forgot its `client_id` filter returns nothing of another tenant's rather than everything.
-- The owner (the role the server logs in as) is not subject to the policies: cross-tenant work
-- (outbox claims, schedules, log-in lookups) runs as the owner through engine::db::across_tenants.

-- Roles belong to the whole server, so another database of the same server (or a test running
-- its migrations at the same moment) may have made it already.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'agency_os_tenant') then
    begin
      create role agency_os_tenant nologin;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
end $$;

-- A superuser may take any role; any other owner must be a member to switch to it.
do $$
begin
  if not (select rolsuper from pg_roles where rolname = current_user)
     and not pg_has_role(current_user, 'agency_os_tenant', 'member') then
    execute format('grant agency_os_tenant to %I', current_user);
  end if;
end $$;

grant usage on schema public to agency_os_tenant;
grant select, insert, update, delete on all tables in schema public to agency_os_tenant;
grant usage, select on all sequences in schema public to agency_os_tenant;
alter default privileges in schema public grant select, insert, update, delete on tables to agency_os_tenant;
alter default privileges in schema public grant usage, select on sequences to agency_os_tenant;

-- The workspace of the current transaction; null (matching nothing) when none was set.
create or replace function agency_os_workspace() returns uuid
  language sql stable parallel safe
  as $$ select nullif(current_setting('agency_os.workspace_id', true), '')::uuid $$;

-- Every table with a client_id column is a tenant table, now and in later migrations that call
-- this again for their new tables.
create or replace function agency_os_protect_tenant_tables() returns void
  language plpgsql as $$
declare t text;
begin
  for t in
    select c.table_name from information_schema.columns c
    join information_schema.tables tb using (table_schema, table_name)
    where c.table_schema = 'public' and c.column_name = 'client_id' and tb.table_type = 'BASE TABLE'
  loop
    execute format('alter table %I enable row level security', t);
    continue when exists (select 1 from pg_policies where schemaname = 'public' and tablename = t and policyname = 'tenant_rows');
    execute format('create policy tenant_rows on %I to agency_os_tenant
                      using (client_id = agency_os_workspace())
                      with check (client_id = agency_os_workspace())', t);
  end loop;
end $$;

select agency_os_protect_tenant_tables();

alter table workspaces enable row level security;
create policy tenant_rows on workspaces to agency_os_tenant
  using (id = agency_os_workspace()) with check (id = agency_os_workspace());
