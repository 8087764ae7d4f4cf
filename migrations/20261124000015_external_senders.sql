-- External senders (SPEC §10, issue #6 items 6–7): a mailbox is either a native SMTP mailbox or
-- a sending account on Instantly or Smartlead. An external "mailbox" sends by adding the lead to
-- a campaign the agency prepared on the platform (its only step is {{agency_os_subject}} /
-- {{agency_os_body}}); `provider_campaign` names that campaign. Caps, ramp, pause and the
-- deliverability guard apply to both kinds alike, so they stay one table.

alter table mailboxes
    add column kind text not null default 'smtp' check (kind in ('smtp', 'instantly', 'smartlead')),
    add column provider_campaign text check (provider_campaign is null or length(provider_campaign) between 1 and 200),
    -- An external account has no SMTP server of ours to talk to.
    alter column smtp_host drop not null,
    alter column smtp_port drop not null;

alter table mailboxes
    add constraint mailboxes_kind_settings check (
        case kind
            when 'smtp' then smtp_host is not null and smtp_port is not null and provider_campaign is null
            else provider_campaign is not null and smtp_host is null and smtp_port is null
        end
    );

-- Webhooks find the message a provider event is about by the lead's address among the
-- workspace's sent messages.
create index outbox_sent_to on outbox (client_id, lower(to_address), sent_at desc) where state = 'sent';

-- Instantly and Smartlead keys are stored like the others; their webhook URLs carry a token in
-- `callback_token`, sealed per workspace and provider, as Clay's does.
alter table provider_keys drop constraint provider_keys_provider_check;
alter table provider_keys add constraint provider_keys_provider_check
    check (provider in ('apollo', 'hunter', 'dataforseo', 'bettercontact', 'clay', 'instantly', 'smartlead'));
