-- Reading bounces and spam complaints back from native mailboxes (SPEC §10.5–10.6).
--
-- One row per mailbox whose INBOX has been read: where reading stopped, so the next poll asks
-- the IMAP server only for newer messages, and how the last poll went, so a mailbox whose
-- server refuses the login is visible instead of silently unread.
create table mailbox_polls (
    client_id            uuid not null,
    mailbox_id           uuid not null,
    -- INBOX's UIDVALIDITY when last_uid was read (an unsigned 32-bit number); when the server
    -- reports another one, its UIDs mean other messages and reading starts over
    uidvalidity          bigint check (uidvalidity between 0 and 4294967295),
    -- the highest UID whose message was recorded; advanced only after recording committed
    last_uid             bigint not null default 0 check (last_uid between 0 and 4294967295),
    last_polled_at       timestamptz,
    -- the last poll that reached the server and recorded everything it fetched
    last_success_at      timestamptz,
    -- why the last poll failed (the server's reply, never a password); null after a success
    last_error           text,
    -- totals over the mailbox's life, for the Mailboxes page and the CLI
    messages_read        bigint not null default 0,
    bounces_recorded     bigint not null default 0,
    complaints_recorded  bigint not null default 0,
    primary key (client_id, mailbox_id),
    -- a removed mailbox takes its reading position with it
    foreign key (client_id, mailbox_id) references mailboxes (client_id, id) on delete cascade
);
