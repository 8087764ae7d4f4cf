-- Revival enrolment (issue 11 §7): a revival candidate enrolled "with new copy". The flag on
-- the enrolment tells drafting to write to this lead with an angle (else a template) it has not
-- been sent before, whatever status the lead moves through afterwards.

alter table campaign_leads add column revival boolean not null default false;
