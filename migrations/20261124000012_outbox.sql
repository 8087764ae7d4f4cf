-- Sending: mailboxes and the outbox (SPEC §6, §10).

-- A native mailbox: SMTP submission settings, its caps and ramp, its DKIM key, and whether the
-- deliverability guard paused it.
create table mailboxes (
    client_id        uuid not null references workspaces(id),
    id               uuid not null default gen_random_uuid(),
    address          text not null check (length(address) between 3 and 320),
    display_name     text not null default '',
    smtp_host        text not null,
    smtp_port        integer not null check (smtp_port between 1 and 65535),
    -- starttls | tls | none (none only for a local relay)
    smtp_security    text not null default 'starttls' check (smtp_security in ('starttls', 'tls', 'none')),
    smtp_username    text not null default '',
    -- encrypted with the workspace's key (engine::secrets); never returned
    smtp_password    text,
    -- IMAP, to reconcile a send a crash left in doubt by its Message-ID in the Sent folder
    imap_host        text,
    imap_port        integer check (imap_port between 1 and 65535),
    imap_security    text check (imap_security in ('tls', 'starttls', 'none')),
    daily_cap        integer not null default 30 check (daily_cap between 1 and 2000),
    -- ramp: start at ramp_start a day, add ramp_step a day until daily_cap
    ramp_start       integer not null default 5 check (ramp_start >= 1),
    ramp_step        integer not null default 2 check (ramp_step >= 0),
    ramp_started_on  date not null default current_date,
    dkim_domain      text,
    dkim_selector    text,
    dkim_algorithm   text check (dkim_algorithm in ('ed25519', 'rsa')),
    -- PEM PKCS#8, encrypted like the password
    dkim_key         text,
    paused_at        timestamptz,
    paused_reason    text,
    created_at       timestamptz not null default now(),
    primary key (client_id, id),
    unique (client_id, address)
);

-- One row per (lead, campaign, step, channel): the database, not the code, makes a second send
-- of the same touch impossible. States (SPEC §10.4):
--   pending  → waiting for its time, a worker, or a just-in-time check to pass
--   sending  → claimed by a worker that is about to call (or is calling) the provider
--   sent     → the provider accepted it
--   unknown  → a crash left it in `sending`; reconciliation by Message-ID decides sent/pending
--   failed   → the provider refused it for good
--   cancelled→ a check that cannot come right (suppressed, exited, approval void)
--   shadow   → rendered and stored while the workspace is in shadow mode, never sent
create table outbox (
    client_id      uuid not null,
    id             uuid not null default gen_random_uuid(),
    campaign_id    uuid not null,
    lead_id        uuid not null,
    step           smallint not null,
    channel        text not null,
    draft_id       uuid not null,
    mailbox_id     uuid,
    state          text not null default 'pending'
        check (state in ('pending', 'sending', 'sent', 'unknown', 'failed', 'cancelled', 'shadow')),
    -- what is (or was) sent, snapshotted at enqueue from the approved draft (SPEC §8)
    to_address     text not null,
    subject        text not null,
    variant        text not null default 'a' check (variant in ('a', 'b')),
    body           text not null,
    content_hash   text not null,
    message_id     text not null,
    in_reply_to    text,
    "references"   text[] not null default '{}',
    not_before     timestamptz not null default now(),
    attempts       integer not null default 0,
    claimed_by     text,
    claimed_at     timestamptz,
    sent_at        timestamptz,
    provider_reply text,
    -- the just-in-time checks of the last attempt: [{ "check": "window", "ok": true, "detail": "…" }]
    checks         jsonb not null default '[]',
    last_error     text,
    bounced_at     timestamptz,
    complained_at  timestamptz,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    primary key (client_id, id),
    unique (client_id, lead_id, campaign_id, step, channel),
    unique (message_id),
    foreign key (client_id, campaign_id) references campaigns (client_id, id),
    foreign key (client_id, lead_id) references leads (client_id, id),
    foreign key (client_id, draft_id) references drafts (client_id, id)
);
-- workers claim due rows across workspaces
create index outbox_due on outbox (not_before, id) where state = 'pending';
create index outbox_by_mailbox on outbox (client_id, mailbox_id, sent_at desc) where state = 'sent';
create index outbox_by_state on outbox (client_id, state, updated_at desc);

-- Sends reserved per mailbox and day (the mailbox's UTC day). A worker takes a slot with one
-- conditional update before it sends, so two workers can never both take the last one; a send
-- that fails for good gives its slot back.
create table mailbox_usage (
    client_id   uuid not null,
    mailbox_id  uuid not null,
    day         date not null,
    sent        integer not null default 0 check (sent >= 0),
    primary key (client_id, mailbox_id, day),
    foreign key (client_id, mailbox_id) references mailboxes (client_id, id)
);
