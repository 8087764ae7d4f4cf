-- Plans, subscription status and enrichment credits (SPEC §2), and the enrichment log (SPEC §5).

-- Tiers differ by lead pool (credits per month), active campaigns and seats; the pool is the
-- only figure stored per workspace because it is the one that is consumed. A new workspace
-- starts trialing on Ignition with Ignition's pool of 1,250 credits.
alter table workspaces
    add column plan text not null default 'ignition'
        check (plan in ('ignition', 'velocity', 'dominance')),
    add column subscription_status text not null default 'trialing'
        check (subscription_status in ('trialing', 'active', 'past_due', 'cancelled', 'paused')),
    -- never negative: the enrichment flow decrements with "where credits_remaining > 0", so two
    -- workers racing for the last credit cannot both win
    add column credits_remaining integer not null default 1250 check (credits_remaining >= 0),
    -- when the monthly reset is due
    add column credits_reset_at timestamptz not null default (now() + interval '1 month');

-- One row per lead that went through the enrichment waterfall: enriched (and charged one
-- credit) or skipped (with the reason). The primary key (client_id, lead_id) is what makes a
-- retried enrichment job harmless: the row, the credit charge and the lead update are written
-- in one transaction, so a lead is either fully enriched and charged once, or not touched.
-- "Pending enrichment" is a `new` lead with no row here.
create table enrichment_log (
    client_id  uuid not null references workspaces(id),
    lead_id    uuid not null,
    outcome    text not null check (outcome in ('enriched', 'skipped')),
    -- the provider whose data was accepted (apollo, hunter, bettercontact, clay); null if skipped
    provider   text,
    -- where the accepted data came from this time: a provider call or the Redis cache
    source     text check (source in ('provider', 'cache')),
    confidence real check (confidence between 0 and 1),
    -- credits charged: 1 for an enriched lead, 0 for a skip
    credits    smallint not null default 0 check (credits in (0, 1)),
    -- why a lead was skipped, or each provider's answer on the way down the waterfall
    reason     text,
    created_at timestamptz not null default now(),
    primary key (client_id, lead_id),
    foreign key (client_id, lead_id) references leads (client_id, id)
);
