-- Workspace API keys for the REST API (/api/v1, SPEC §16). Created and revoked by owners and
-- admins. The key itself is shown once at creation; only its SHA-256 is stored, so a database
-- leak does not leak usable keys. The key has 256 random bits, so a fast hash is enough (no
-- password stretching needed) and lets a presented key be found by an index lookup.

create table api_keys (
    client_id    uuid not null references workspaces(id),
    id           uuid not null default gen_random_uuid(),
    name         text not null check (length(name) between 1 and 80),
    -- the key's first characters, shown in Settings so a person can tell keys apart
    prefix       text not null,
    -- lower-case hex SHA-256 of the full key
    key_hash     text not null unique check (length(key_hash) = 64),
    created_by   uuid not null references users(id),
    created_at   timestamptz not null default now(),
    -- written at most once a minute per key, so busy integrations do not write on every call
    last_used_at timestamptz,
    revoked_at   timestamptz,
    primary key (client_id, id)
);
