-- A mailbox whose IMAP server keeps failing is polled less and less often (issue 10: one
-- tenant's slow or hostile server must not keep taking the shared poller's time).
--
-- Each failure in a row doubles the wait before the sweep polls the mailbox again, up to a
-- cap the poller sets; one successful poll resets both columns. Polling a mailbox on demand
-- (`agency-os poll-bounces` for one mailbox, the Mailboxes page) ignores the wait.
alter table mailbox_polls
    -- failed polls since the last successful one
    add column consecutive_failures integer not null default 0 check (consecutive_failures >= 0),
    -- the sweep leaves the mailbox alone until then; null: poll it whenever the sweep runs
    add column next_poll_at timestamptz;
