-- Per-workspace provider credentials (SPEC §16): Apollo, Hunter, DataForSEO, BetterContact, Clay.
-- The credential is sealed with AES-256-GCM by the engine (engine/src/secrets.rs) before it
-- reaches this table: `ciphertext` is `aos1.<key id>.<base64>`, bound to the workspace id and
-- provider, so neither a database dump nor a row copied into another workspace yields a usable
-- key. `last4` is all the UI ever shows again. One key per provider per workspace.

create table provider_keys (
    client_id    uuid not null references workspaces(id),
    provider     text not null check (provider in ('apollo', 'hunter', 'dataforseo', 'bettercontact', 'clay')),
    ciphertext   text not null check (ciphertext like 'aos1.%'),
    last4        text not null check (length(last4) <= 4),
    -- Clay only: the secret in our callback URL (/webhooks/clay/<workspace>/<token>), sealed
    -- like the key. Clay cannot sign its requests, so this unguessable path is what
    -- authenticates a callback; it survives a key replacement so the table keeps working.
    callback_token text check (callback_token is null or callback_token like 'aos1.%'),
    created_by   uuid not null references users(id),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    primary key (client_id, provider)
);
