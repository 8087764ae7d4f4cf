-- Answers written in the Inbox (issue 11 §4).
--
-- The answer form sends an idempotency key: a double click or a retried request finds its key
-- here and gets the first submission's outcome back instead of writing a second answer. The row
-- is written in the same transaction as the answer's draft, so a key exists exactly when its
-- answer does.
create table inbox_answers (
    client_id       uuid not null references workspaces(id),
    idempotency_key text not null check (length(idempotency_key) between 8 and 200),
    reply_id        uuid not null,
    draft_id        uuid not null,
    -- awaiting_approval (co-pilot, manual) or queued (autopilot: approved and in the outbox)
    outcome         text not null check (outcome in ('awaiting_approval', 'queued')),
    created_by      uuid not null,
    created_at      timestamptz not null default now(),
    primary key (client_id, idempotency_key),
    foreign key (client_id, reply_id) references replies (client_id, id)
);
