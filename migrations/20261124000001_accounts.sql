-- Accounts, workspaces, memberships, invitations and the audit log (SPEC §1).
-- Every tenant table carries client_id (the workspace id) leading its primary key so it can be
-- distributed by it later; users are global (a person may belong to many workspaces).

create table users (
    id            uuid primary key default gen_random_uuid(),
    -- canonical form: trimmed and lower-cased by domain::account::LoginEmail
    email         text not null unique check (email = lower(email) and length(email) <= 254),
    name          text not null check (length(name) between 1 and 100),
    password_hash text not null,
    is_operator   boolean not null default false,
    -- the workspace the user last opened, so log-in lands them where they left off
    last_client_id uuid,
    created_at    timestamptz not null default now(),
    deleted_at    timestamptz
);

create table workspaces (
    id              uuid primary key default gen_random_uuid(),
    name            text not null check (length(name) between 1 and 80),
    created_by      uuid not null references users(id),
    permission_mode text not null default 'co_pilot'
                    check (permission_mode in ('autopilot', 'co_pilot', 'manual')),
    -- SPEC §10.1: a new workspace sends nothing for real until an owner/admin goes live
    shadow_mode     boolean not null default true,
    created_at      timestamptz not null default now(),
    deleted_at      timestamptz
);

create table memberships (
    client_id  uuid not null references workspaces(id),
    user_id    uuid not null references users(id),
    role       text not null check (role in ('owner', 'admin', 'member', 'viewer')),
    created_at timestamptz not null default now(),
    -- removal is a soft delete; re-inviting the same person revives the row
    deleted_at timestamptz,
    primary key (client_id, user_id)
);
create index memberships_by_user on memberships (user_id) where deleted_at is null;

create table invitations (
    client_id   uuid not null references workspaces(id),
    id          uuid not null default gen_random_uuid(),
    email       text not null check (email = lower(email)),
    role        text not null check (role in ('owner', 'admin', 'member', 'viewer')),
    -- only the SHA-256 of the link's token is stored: a database leak does not leak invitations
    token_hash  text not null unique,
    invited_by  uuid not null references users(id),
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    accepted_at timestamptz,
    accepted_by uuid references users(id),
    revoked_at  timestamptz,
    primary key (client_id, id)
);
-- one open invitation per address per workspace
create unique index invitations_open_per_email on invitations (client_id, email)
    where accepted_at is null and revoked_at is null;

create table audit_log (
    id          bigint generated always as identity,
    -- null for account-level actions (sign-up, log-in) that belong to no workspace
    client_id   uuid references workspaces(id),
    actor_id    uuid references users(id),
    action      text not null,
    target_type text not null,
    target_id   text,
    before      jsonb,
    after       jsonb,
    request_id  text,
    created_at  timestamptz not null default now(),
    primary key (id)
);
create index audit_log_by_workspace on audit_log (client_id, created_at desc);
