-- Language-model drafting (SPEC §8).

-- Why a draft was written the way it was. `generator` already says 'template' or
-- 'model:<model name>'; this says why a template was used although a model is configured
-- (spend cap reached, provider down, breaker open, an answer that failed the checks), so the
-- approval queue can show it and operators can see how often the fallback happens. Null when
-- there is nothing to explain (a model draft, or no model configured).
alter table drafts add column generator_note text;

-- Workspaces may store a language-model key (Anthropic, or an OpenAI-compatible endpoint).
alter table provider_keys drop constraint provider_keys_provider_check;
alter table provider_keys add constraint provider_keys_provider_check
    check (provider in ('apollo', 'hunter', 'dataforseo', 'bettercontact', 'clay', 'instantly', 'smartlead', 'anthropic', 'openai_compatible'));
