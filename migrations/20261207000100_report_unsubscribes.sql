-- Reports credit each unsubscribe to the last message before it. Found through the lead index,
-- an unsubscribe costs one index scan per contacted lead (1.7 s of a 90-day report at 100,000
-- leads); this index holds only the unsubscribes, so they are read once and joined.
create index activities_unsubscribes on activities (client_id, occurred_at) where kind = 'unsubscribed';
