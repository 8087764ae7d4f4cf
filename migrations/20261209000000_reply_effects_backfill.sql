-- Replies recorded before the effects log (20261205000300_reply_effects) have no effects, so a
-- person re-classifying one could not undo what it did. Their effects are read back from the rows
-- the reply's own transaction wrote, matched exactly (a reply, its suppression, its status
-- activity and its exits share that transaction's `now()` or the reply's received time), never
-- guessed from what merely looks alike:
--   suppressed  the listing with source 'reply' for the sender, made in the reply's transaction
--   exited      the enrolments it ended (exited at the reply's received time, for a reply reason)
--   withdrawn   the waiting cadence drafts it took out of the queue (in its transaction)
--   status      the status_changed activity of the lead written in the reply's transaction
--   hot         the lead's hot mark, set at the reply's received time
--   suggested   the reply draft answering it
-- A pause cannot be read back (the shifts it made are not kept elsewhere) and stays as it is.
-- Reversals stay narrow (reply_effects.rs): an effect whose row has changed since is not undone.
-- The created_at offsets keep the order the reply made them in, which reversal runs backwards.

with legacy as (
    select r.client_id, r.id, r.lead_id, r.from_address, r.received_at, r.created_at
    from replies r
    where r.lead_id is not null
      and not exists (select 1 from reply_effects e where e.client_id = r.client_id and e.reply_id = r.id)
)
insert into reply_effects (client_id, reply_id, lead_id, kind, detail, created_at)
select l.client_id, l.id, l.lead_id, 'suppressed', jsonb_build_object('address', s.address), l.created_at + interval '1 microsecond'
from legacy l
join suppressions s on s.client_id = l.client_id and s.address = lower(l.from_address) and s.source = 'reply' and s.created_at = l.created_at
union all
select l.client_id, l.id, l.lead_id, 'exited',
       jsonb_build_object('campaigns', jsonb_agg(cl.campaign_id order by cl.campaign_id), 'reason', min(cl.exit_reason), 'at', to_jsonb(l.received_at)),
       l.created_at + interval '2 microseconds'
from legacy l
join campaign_leads cl on cl.client_id = l.client_id and cl.lead_id = l.lead_id and cl.state = 'exited'
     and cl.exited_at = l.received_at and cl.exit_reason in ('unsubscribed', 'not_interested', 'replied')
group by l.client_id, l.id, l.lead_id, l.received_at, l.created_at
union all
select l.client_id, l.id, l.lead_id, 'withdrawn',
       jsonb_build_object('drafts', jsonb_agg(d.id order by d.id), 'reason', min(d.reject_reason)),
       l.created_at + interval '3 microseconds'
from legacy l
join drafts d on d.client_id = l.client_id and d.lead_id = l.lead_id and d.kind = 'sequence' and d.status = 'rejected'
     and d.rejected_at = l.created_at and d.reject_reason like 'withdrawn: the lead %'
group by l.client_id, l.id, l.lead_id, l.created_at
union all
select l.client_id, l.id, l.lead_id, 'status', jsonb_build_object('from', a.detail -> 'from', 'to', a.detail -> 'to'), l.created_at + interval '4 microseconds'
from legacy l
join lateral (
    select detail from activities a
    where a.client_id = l.client_id and a.lead_id = l.lead_id and a.kind = 'status_changed' and a.created_at = l.created_at
      and a.detail ? 'from' and a.detail ? 'to'
    order by a.occurred_at desc, a.id desc limit 1
) a on true
union all
select l.client_id, l.id, l.lead_id, 'hot', jsonb_build_object('at', to_jsonb(le.hot_at)), l.created_at + interval '5 microseconds'
from legacy l
join leads le on le.client_id = l.client_id and le.id = l.lead_id and le.hot_at = l.received_at
union all
select l.client_id, l.id, l.lead_id, 'suggested', jsonb_build_object('draft', d.id), l.created_at + interval '6 microseconds'
from legacy l
join drafts d on d.client_id = l.client_id and d.reply_id = l.id and d.kind = 'reply';
