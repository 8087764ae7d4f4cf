-- Reports at volume (SPEC §13): the Reports page read every message of its range from the outbox
-- and, for each, looked up the lead's replies, unsubscribes, meetings and opens and the message
-- they answer (last touch). At 200,000 messages and 1,000,000 activities that took 1.9 s for
-- 7 days and 10 s for 30. The facts of a sent message only change when something happens to its
-- lead, so they are kept per message here and a report only counts them.
--
-- One row per sequence message sent (outbox state 'sent', kind 'sequence'), with what reports
-- credit to it: the replies, unsubscribes and meetings whose last touch it is, whether it was
-- opened, how long its lead's first meeting took. Rows are rewritten a lead at a time by
-- engine::store::reports::refresh from the tables below, so the rules live in one place.
create table report_messages (
    client_id       uuid not null references workspaces(id),
    outbox_id       uuid not null,
    lead_id         uuid not null,
    campaign_id     uuid not null,
    step            smallint not null,
    variant         text not null,
    channel         text not null,
    mailbox_id      uuid,
    -- the angle of the draft it was sent from ('none' without one)
    angle           text not null,
    sent_at         timestamptz not null,
    bounced         boolean not null,
    opened          boolean not null,
    -- replies credited here: by a person (positive included), positive, automatic
    replied         boolean not null,
    positive        boolean not null,
    auto_replied    boolean not null,
    unsubscribed    boolean not null,
    -- the first meeting credited here, with the days since the lead's first message and the
    -- messages the lead had been sent by then
    meeting_at      timestamptz,
    meeting_days    float8,
    meeting_touches integer,
    primary key (client_id, outbox_id)
);
create index report_messages_by_sent on report_messages (client_id, sent_at);
create index report_messages_by_lead on report_messages (client_id, lead_id);

-- Leads whose facts must be rewritten. Written by the triggers below in the same transaction as
-- the change, so a change that commits always leaves its mark. A lead already marked is marked
-- again (an update, so the mark stays locked until the change commits): a refresh takes marks
-- with `skip locked` and so never takes one whose change it cannot see yet.
create table report_dirty (
    client_id uuid not null references workspaces(id),
    lead_id   uuid not null,
    marked_at timestamptz not null default now(),
    primary key (client_id, lead_id)
);

-- Marks the leads of the statement's rows that count in reports: tg_argv[0] is the condition
-- such a row meets. Statement-level, so a bulk insert marks each lead once.
create or replace function report_mark() returns trigger language plpgsql as $$
declare mark text := 'insert into report_dirty (client_id, lead_id)
                      select distinct client_id, lead_id from %I where lead_id is not null and (%s)
                      on conflict (client_id, lead_id) do update set marked_at = excluded.marked_at';
begin
  if tg_op in ('INSERT', 'UPDATE') then
    execute format(mark, 'new_rows', tg_argv[0]);
  end if;
  if tg_op in ('UPDATE', 'DELETE') then
    execute format(mark, 'old_rows', tg_argv[0]);
  end if;
  return null;
end $$;

do $$
declare t record;
begin
  for t in select * from (values
      ('outbox', $c$state = 'sent' and kind = 'sequence'$c$),
      ('replies', 'true'),
      ('meetings', 'true'),
      -- of the activities only opens, clicks and unsubscribes count in reports
      ('activities', $c$kind in ('opened', 'clicked', 'unsubscribed')$c$)) as x(name, counts)
  loop
    execute format('create trigger report_%1$s_insert after insert on %1$I
                      referencing new table as new_rows for each statement execute function report_mark(%2$L)', t.name, t.counts);
    execute format('create trigger report_%1$s_update after update on %1$I
                      referencing old table as old_rows new table as new_rows for each statement execute function report_mark(%2$L)', t.name, t.counts);
    execute format('create trigger report_%1$s_delete after delete on %1$I
                      referencing old table as old_rows for each statement execute function report_mark(%2$L)', t.name, t.counts);
  end loop;
end $$;

-- Every lead already messaged is rewritten at the first refresh.
insert into report_dirty (client_id, lead_id)
select distinct client_id, lead_id from outbox where state = 'sent' and kind = 'sequence'
on conflict do nothing;

select agency_os_protect_tenant_tables();
