-- Reports (SPEC §15, issue 14): the workspace's KPI targets, which the Reports page rates each
-- KPI against (green / amber / red). A JSON object of fractions read as domain::reports::KpiTargets;
-- any target not set there takes SPEC §15's default, so '{}' means "the defaults".
alter table workspaces
    add column kpi_targets jsonb not null default '{}' check (jsonb_typeof(kpi_targets) = 'object');
