-- The workspace's drafting policy (issue 12): the quality guard's mode, beside the default
-- permission mode that already exists. `enforce` blocks a draft that fails a guard rule;
-- `soft` lets it through to the approval queue marked with what it would have blocked.
alter table workspaces
    add column guard_mode text not null default 'enforce' check (guard_mode in ('enforce', 'soft'));
