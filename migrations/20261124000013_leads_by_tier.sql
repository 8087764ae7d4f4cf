-- The leads table filtered by tier (SPEC §4 tiers on the Leads page). Without it a tier with few
-- or no leads (no "hot" leads yet is common) made every page and count walk the whole sort index:
-- ~90 ms at 100,000 leads. With it, a tier's page and its capped count are index range scans.
create index leads_by_tier on leads (client_id, tier, als desc nulls last, id)
    where deleted_at is null;
