-- Enrichment copies a LinkedIn URL onto a lead only when no other live lead of the workspace has
-- it. The unique index covers only leads without an email, so that check scanned the whole
-- workspace for every enriched lead lacking a URL: quadratic at 100,000 leads, and done while
-- the credit row is locked. This index answers it directly.
create index leads_by_linkedin on leads (client_id, linkedin_url) where deleted_at is null and linkedin_url is not null;
