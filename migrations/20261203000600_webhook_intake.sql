-- Webhook intake (issue 11 §2 and §5, issue 10 §9).
--
-- Booking webhooks (Cal.com, Calendly) sign their requests with a secret we make per workspace:
-- the signature, not the URL, is the credential. The secret is sealed like provider keys
-- (`aos1.` envelope bound to the workspace and provider); no row means no secret, and every
-- request for that workspace and provider is refused (fail closed).
create table booking_webhook_secrets (
    client_id  uuid not null references workspaces(id),
    provider   text not null check (provider in ('calcom', 'calendly')),
    secret     text not null check (secret like 'aos1.%'),
    created_by uuid not null references users(id),
    created_at timestamptz not null default now(),
    -- set when the secret was replaced ("Rotate" in Settings → Integrations)
    rotated_at timestamptz,
    primary key (client_id, provider)
);

-- Every authentic booking event, once: the unique key is the replay protection (Cal.com signs no
-- timestamp, and Calendly's tolerance window still lets a captured request be posted again).
-- `outcome` says what it did (booked, cancelled, rescheduled, unmatched, ignored), so an
-- unmatched booking stays visible to whoever wonders why a meeting did not show.
create table booking_webhook_events (
    client_id   uuid not null references workspaces(id),
    id          uuid not null default gen_random_uuid(),
    provider    text not null check (provider in ('calcom', 'calendly')),
    -- provider-specific identity of the event (Cal.com: trigger|uid|createdAt; Calendly:
    -- event|invitee uri), capped so a hostile body cannot bloat the index
    event_key   text not null check (length(event_key) between 1 and 600),
    event_type  text not null check (length(event_type) <= 100),
    outcome     text not null check (outcome in ('booked', 'cancelled', 'rescheduled', 'unmatched', 'ignored')),
    -- the invitee's address as the provider sent it (lower-cased), for unmatched events
    invitee     text check (length(invitee) <= 254),
    lead_id     uuid,
    received_at timestamptz not null default now(),
    primary key (client_id, id),
    unique (client_id, provider, event_key)
);

create index booking_webhook_events_recent on booking_webhook_events (client_id, received_at desc);
