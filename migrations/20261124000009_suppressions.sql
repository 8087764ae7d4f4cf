-- Per-workspace suppression list of email addresses (SPEC §10.5): people who unsubscribed,
-- hard-bounced, complained, or were added by hand. Dispatch checks it immediately before every
-- send; nothing is ever sent to an address listed here.
--
-- One row per (workspace, address): the first reason recorded is kept, because what matters is
-- that the address is suppressed, and a repeat (a second click on the same unsubscribe link, a
-- later bounce) must not fail or rewrite history. The primary key leads with client_id, like
-- every tenant table, so the list can be distributed by workspace later.

create table suppressions (
    client_id   uuid not null references workspaces(id),
    -- canonical form made by domain::suppression::canonical_email: trimmed, lower-case,
    -- ASCII (punycode) domain
    address     text not null check (address = lower(address) and length(address) between 3 and 320
                                     and position('@' in address) > 1),
    reason      text not null check (reason in ('unsubscribed', 'bounced', 'complained', 'manual')),
    -- how it arrived: 'link' (the unsubscribe page), 'one_click' (RFC 8058 POST by the mail
    -- client), 'reply', 'dsn', 'webhook', 'import', 'user'
    source      text not null check (length(source) between 1 and 40),
    -- the campaign whose email led to it; no foreign key because suppression outlives
    -- campaigns (a deleted campaign must not lift an opt-out)
    campaign_id uuid,
    created_at  timestamptz not null default now(),
    primary key (client_id, address)
);

-- The suppression page lists newest first.
create index suppressions_recent on suppressions (client_id, created_at desc);
