-- Stripe billing (SPEC §2): which Stripe customer and subscription pay for a workspace, when
-- its trial ends, and each Stripe webhook event processed once.

-- The Stripe ids are filled by `checkout.session.completed` (the workspace travels as the
-- session's client_reference_id); later subscription and invoice events find the workspace by
-- its customer. `billing_synced_at` is the `created` time of the last event applied: Stripe
-- delivers in any order, so an older event must not undo a newer one.
alter table workspaces
    add column stripe_customer_id     text,
    add column stripe_subscription_id text,
    add column trial_ends_at          timestamptz,
    add column billing_synced_at      timestamptz;
create unique index workspaces_stripe_customer on workspaces (stripe_customer_id) where stripe_customer_id is not null;

-- Every authentic Stripe event, once: the primary key on Stripe's event id makes a replay (or
-- Stripe's at-least-once redelivery) a no-op, because the row is inserted in the same
-- transaction as the change it causes. A platform table (the event may name no workspace yet),
-- so it has no client_id and no row-level security; only the webhook flow and the operator
-- read it.
create table stripe_events (
    id           text primary key,
    type         text not null,
    workspace_id uuid references workspaces(id),
    -- what it did: applied (state changed), unchanged, stale, unmatched (no workspace), ignored
    outcome      text not null,
    created_at   timestamptz not null,
    received_at  timestamptz not null default now()
);
create index stripe_events_by_workspace on stripe_events (workspace_id, received_at desc) where workspace_id is not null;
