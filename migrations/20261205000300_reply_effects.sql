-- What each reply's action did (issue 11 §3, "a user can re-classify a reply by hand; the action
-- follows the new class"): one row per effect, written in the reply's own transaction, so that a
-- person's correction undoes exactly what THIS reply caused and nothing another source did.
--
-- kind / detail:
--   suppressed  {address}                 the reply added the address to the suppression list
--                                         (only when the insert was new: a listing that existed
--                                         before belongs to whoever made it)
--   status      {from, to}                the reply moved the lead's status
--   exited      {campaigns, reason, at}   the reply ended these enrolments
--   withdrawn   {drafts, reason}          the reply took these pending cadence drafts out of the queue
--   paused      {until, shifts}           the reply paused these enrolments (shift in seconds each)
--   hot         {at}                      the reply marked the lead hot
--   suggested   {draft}                   the reply queued this suggested answer
--
-- `undone_at` marks an effect a correction reversed; an effect kept on purpose (an opt-out the
-- person did not confirm to lift, a suggested answer already approved) stays live, so a later
-- correction can still see and, with confirmation, reverse it.

create table reply_effects (
    client_id  uuid not null references workspaces(id),
    id         uuid not null default gen_random_uuid(),
    reply_id   uuid not null,
    lead_id    uuid not null,
    kind       text not null check (kind in ('suppressed', 'status', 'exited', 'withdrawn', 'paused', 'hot', 'suggested')),
    detail     jsonb not null default '{}',
    created_at timestamptz not null default clock_timestamp(),
    undone_at  timestamptz,
    undone_by  uuid references users(id),
    primary key (client_id, id),
    foreign key (client_id, reply_id) references replies (client_id, id)
);
-- a reply's live effects, newest last (a correction reverses them newest first)
create index reply_effects_live on reply_effects (client_id, reply_id, created_at) where undone_at is null;

select agency_os_protect_tenant_tables();
