-- Timing facts providers report about a lead (domain::score::Timing as JSON: role start,
-- company hiring, last funding, intent signals). Null: nothing reported yet, which the scorer
-- reads as unknown rather than as "no".
alter table leads add column timing jsonb;
