-- Durable imports (issue 12): the uploaded CSV is kept in PostgreSQL, where every server and
-- worker process can read it, and an import records how far it got, so a process killed
-- mid-import is resumed by the job queue from its last committed batch (no row read twice, no
-- count added twice).

-- One uploaded file: waiting for its mapping (import_id null, expires after an hour) or read by
-- an import (deleted when the import finishes). `size_bytes` is what the workspace's upload
-- quota counts.
create table uploads (
    client_id  uuid not null references workspaces(id),
    id         uuid not null default gen_random_uuid(),
    filename   text not null check (length(filename) between 1 and 255),
    size_bytes bigint not null default 0 check (size_bytes >= 0),
    created_by uuid references users(id),
    created_at timestamptz not null default now(),
    -- the import reading this file; set once (the claim of "Import")
    import_id  uuid,
    primary key (client_id, id)
);
create unique index uploads_by_import on uploads (client_id, import_id) where import_id is not null;
create index uploads_by_age on uploads (created_at) where import_id is null;

-- The file's bytes in order, 1 MiB a row: bytea stays under TOAST's limits, a reader holds
-- one chunk at a time, and the whole file is written in the upload's one transaction.
create table upload_chunks (
    client_id uuid not null,
    upload_id uuid not null,
    seq       integer not null check (seq >= 0),
    data      bytea not null,
    primary key (client_id, upload_id, seq),
    foreign key (client_id, upload_id) references uploads (client_id, id) on delete cascade
);

alter table imports
    -- the file being imported (null for imports run from a local file by the command line)
    add column upload_id        uuid,
    -- the mapping a person chose, one entry per column (a field name or null); null: detected
    add column chosen_mapping   jsonb,
    -- checkpoint: the last file row (header = row 1) whose batch is committed with its leads,
    -- report lines and counters; a resumed run skips rows up to here
    add column rows_done        integer not null default 0,
    -- how many times a worker started on it; more than one means it was resumed
    add column runs             integer not null default 0,
    -- the first resumption after a restart, and the checkpoint it resumed from
    add column resumed_at       timestamptz,
    add column resumed_from_row integer,
    -- the last sign of life of the run (start, each batch); a stale running import is requeued
    add column heartbeat_at     timestamptz;

-- Imports that were running when this version was installed read a temporary file of a
-- process that is gone: nothing can resume them.
update imports set status = 'failed', finished_at = now(),
       error = 'interrupted by a server restart before imports could resume; upload the file again'
 where status = 'running';

create index imports_running on imports (heartbeat_at) where status = 'running';

select agency_os_protect_tenant_tables();
