//! Provider keys of a workspace (SPEC §16): owners and admins set, replace and remove them, and
//! test them with one cheap real call. A key is sealed before it is stored (`crate::secrets`)
//! and never comes back out of this module towards a caller: views carry the provider, the
//! last four characters and dates. Audit rows say which provider changed, never the key.
//!
//! Also the webhook tokens: `POST /webhooks/{clay|instantly|smartlead}/{workspace}/{token}` is
//! authenticated by the unguessable token in its path (none of them signs its requests), made
//! when the provider's key is first stored, sealed per workspace and provider. Clay callbacks are
//! correlated in Redis here; sender events in `flows::sender_events`.

use crate::auth::Access;
use crate::ai_spend::AiError;
use crate::integrations::{self, callback_context, real_client, Credential, RealClient};
use crate::providers::llm::Prompt;
use crate::providers::clay::CallbackMatch;
use crate::providers::clay_inbox::RedisClayInbox;
use crate::store::{audit, provider_keys};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::WorkspaceId;
use crate::net::NetError;
use crate::providers::ProviderError;
use domain::integrations::{last4, parse_credential, ConnectionTest, CredentialInput, Integration, IntegrationView};
use rand::RngCore;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// Every provider with its state for the workspace.
pub async fn list(engine: &Engine, access: &Access) -> Result<Vec<IntegrationView>> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let rows = provider_keys::list(&mut *access.tenant(engine).await?, access.workspace).await?;
    let mut out = Vec::new();
    for provider in Integration::ALL {
        let row = rows.iter().find(|r| r.integration() == Some(provider));
        let callback_url = match row.and_then(|r| r.callback_token.as_deref()) {
            Some(sealed) if provider.has_webhook() => Some(webhook_url(engine, ws, provider, &open_token(engine, ws, provider, sealed)?)),
            _ => None,
        };
        out.push(IntegrationView {
            provider,
            key: row.map(|r| r.shown()),
            platform_key: engine.settings.providers.platform.contains_key(&provider),
            callback_url,
        });
    }
    Ok(out)
}

fn open_token(engine: &Engine, ws: WorkspaceId, provider: Integration, sealed: &str) -> Result<String> {
    let label = provider.label();
    let raw = engine
        .settings
        .secrets
        .open(&callback_context(ws, provider), sealed)
        .map_err(|e| Error::Internal(anyhow::anyhow!("the {label} webhook token cannot be opened: {e}")))?;
    String::from_utf8(raw).map_err(|_| Error::Internal(anyhow::anyhow!("the {label} webhook token is not text")))
}

/// `{public_url}/webhooks/{provider}/{workspace}/{token}`: what the provider posts to.
fn webhook_url(engine: &Engine, ws: WorkspaceId, provider: Integration, token: &str) -> String {
    format!("{}/webhooks/{}/{ws}/{token}", engine.settings.public_url.trim_end_matches('/'), provider.slug())
}

/// The workspace's webhook URL for `provider`, when its key is stored (the token is made with
/// the key). For the Mailboxes page of an external sending account.
pub async fn webhook_url_for(engine: &Engine, ws: WorkspaceId, provider: Integration) -> Result<Option<String>> {
    let Some(sealed) = provider_keys::get(&mut *engine.tenant(ws).await?, ws, provider).await?.and_then(|r| r.callback_token) else {
        return Ok(None);
    };
    Ok(Some(webhook_url(engine, ws, provider, &open_token(engine, ws, provider, &sealed)?)))
}

/// 32 random bytes, hex: what stands between the internet and a workspace's webhook.
fn new_callback_token() -> String {
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

/// Sets or replaces the workspace's key for `provider` (`extra`: Clay's table auth token).
/// Invalid input changes nothing. Returns the provider's new view.
pub async fn set_key(engine: &Engine, access: &Access, provider: &str, key: &str, extra: Option<&str>) -> Result<IntegrationView> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let provider = Integration::parse(provider).map_err(|e| Error::Invalid(e.to_string()))?;
    let input = parse_credential(provider, key, extra).map_err(|e| Error::Invalid(e.to_string()))?;
    // The connect-time check (`crate::net`) is the real guard; this one says so while the
    // owner is still looking at the form.
    let url = match &input {
        CredentialInput::ClayTable { webhook_url, .. } => Some(webhook_url.as_str()),
        CredentialInput::Endpoint { base_url, .. } => base_url.as_deref(),
        _ => None,
    };
    if let Some(url) = url {
        engine.settings.net.check_url_host(url).await.map_err(|e| Error::Invalid(e.to_string()))?;
    }
    let shown = last4(&input);
    let sealed = Credential::from(input).seal(&engine.settings.secrets, ws, provider);
    let mut tx = engine.tenant(ws).await?;
    let before = provider_keys::get(&mut *tx, ws, provider).await?;
    // A webhook URL is made once and kept across key replacements, so what was pasted into
    // the provider (Clay's HTTP API column, Instantly's or Smartlead's webhook) keeps working.
    let token = (provider.has_webhook() && before.as_ref().is_none_or(|b| b.callback_token.is_none()))
        .then(|| engine.settings.secrets.seal(&callback_context(ws, provider), new_callback_token().as_bytes()));
    provider_keys::upsert(&mut tx, ws, provider, &sealed, &shown, token.as_deref(), access.user).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: if before.is_some() { "provider_key.replace" } else { "provider_key.set" },
            target_type: "provider_key",
            target_id: Some(provider.slug().into()),
            // The last four characters only: the audit log is readable by every admin.
            before: before.as_ref().map(|b| json!({ "last4": b.last4 })),
            after: Some(json!({ "last4": shown })),
        },
    )
    .await?;
    tx.commit().await?;
    integrations::keys_changed(engine, ws).await;
    list(engine, access).await?.into_iter().find(|v| v.provider == provider).ok_or(Error::NotFound("provider"))
}

/// Replaces the webhook token of `provider` (Clay, Instantly, Smartlead): the URL Settings shows
/// changes and the old one answers 404 from now on. Audited without the token.
pub async fn rotate_webhook_token(engine: &Engine, access: &Access, provider: &str) -> Result<IntegrationView> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let provider = Integration::parse(provider).map_err(|e| Error::Invalid(e.to_string()))?;
    if !provider.has_webhook() {
        return Err(Error::Invalid(format!("{} has no webhook URL", provider.label())));
    }
    let sealed = engine.settings.secrets.seal(&callback_context(ws, provider), new_callback_token().as_bytes());
    let mut tx = engine.tenant(ws).await?;
    if !provider_keys::set_callback_token(&mut tx, ws, provider, &sealed).await? {
        return Err(Error::Invalid(format!("{} has no key yet: store it first, the webhook URL comes with it", provider.label())));
    }
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "webhook_token.rotate",
            target_type: "provider_key",
            target_id: Some(provider.slug().into()),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    list(engine, access).await?.into_iter().find(|v| v.provider == provider).ok_or(Error::NotFound("provider"))
}

/// Removes the workspace's key: the provider falls back to the installation's key or the
/// sandbox. For Clay the callback URL stops working too.
pub async fn remove_key(engine: &Engine, access: &Access, provider: &str) -> Result<()> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let provider = Integration::parse(provider).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut tx = engine.tenant(ws).await?;
    let before = provider_keys::get(&mut *tx, ws, provider).await?.ok_or(Error::NotFound("provider key"))?;
    provider_keys::delete(&mut tx, ws, provider).await?;
    audit::record(
        &mut tx,
        audit::Record {
            workspace: Some(ws),
            actor: Some(access.user),
            action: "provider_key.remove",
            target_type: "provider_key",
            target_id: Some(provider.slug().into()),
            before: Some(json!({ "last4": before.last4 })),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    integrations::keys_changed(engine, ws).await;
    Ok(())
}

/// One cheap real call with the key the workspace would use (its own, else the
/// installation's); the provider's typed error, in words, when it fails.
pub async fn test_connection(engine: &Engine, access: &Access, provider: &str) -> Result<ConnectionTest> {
    access.require(Action::ManageIntegrations)?;
    let ws = access.workspace;
    let provider = Integration::parse(provider).map_err(|e| Error::Invalid(e.to_string()))?;
    let sources = integrations::sources(engine, access.workspace).await?;
    let credential = match sources.get(&provider) {
        Some(integrations::Source::Workspace(c) | integrations::Source::Platform(c)) => c.clone(),
        Some(integrations::Source::Unopenable(e)) => {
            return Ok(ConnectionTest { ok: false, message: format!("{e}; set the key again") });
        }
        _ => return Err(Error::Invalid(format!("{} has no key yet: it runs in sandbox mode", provider.label()))),
    };
    let result = match real_client(engine, ws, provider, &credential) {
        // The model's own refusals (a spend cap, a missing price) are ours to word.
        Ok(RealClient::Model(m)) => match m.generate(&Prompt::new("", "Reply with the single word OK.", 5, 0.0).expect("a fixed prompt"), None).await {
            Ok(_) => Ok(()),
            Err(AiError::Provider(e)) => Err(in_our_words(e)),
            Err(e) => Err(e.to_string()),
        },
        Ok(client) => client.check().await.map_err(in_our_words),
        Err(e) => Err(in_our_words(e)),
    };
    Ok(match result {
        Ok(()) => ConnectionTest { ok: true, message: format!("Connected to {}", provider.label()) },
        Err(e) => ConnectionTest { ok: false, message: format!("{}: {e}", provider.label()) },
    })
}

/// A failed check as the tenant sees it: a class of failure, never text from the other end
/// (an error body may come from whatever the tenant pointed us at).
fn in_our_words(e: ProviderError) -> String {
    match e {
        ProviderError::BadRequest(_) | ProviderError::Malformed(_) | ProviderError::NotFound => NetError::Unexpected.to_string(),
        ProviderError::Upstream { status } => format!("{} (HTTP {status})", NetError::Unexpected),
        ProviderError::Transport(_) => NetError::Refused.to_string(),
        ProviderError::Timeout => NetError::TimedOut.to_string(),
        other => other.to_string(),
    }
}

/// What a Clay callback did.
#[derive(Debug, Clone, PartialEq)]
pub enum ClayCallback {
    Matched(CallbackMatch),
    /// Authentic, but nothing we are waiting for (late, duplicate, or a row not ours).
    Unmatched,
}

/// Authenticates `POST /webhooks/{provider}/{ws}/{token}` (Clay, Instantly, Smartlead).
/// `NotFound` for an unknown workspace, a workspace without that provider, or a wrong token —
/// indistinguishable on purpose. The tokens are compared in constant time.
#[tracing::instrument(skip(engine, token))]
pub async fn authenticate_webhook(engine: &Engine, ws: WorkspaceId, provider: Integration, token: &str) -> Result<()> {
    if !provider.has_webhook() {
        return Err(Error::NotFound("webhook"));
    }
    let row = provider_keys::get(&mut *engine.tenant(ws).await?, ws, provider).await?.ok_or(Error::NotFound("webhook"))?;
    let sealed = row.callback_token.ok_or(Error::NotFound("webhook"))?;
    let expected = open_token(engine, ws, provider, &sealed)?;
    if !bool::from(expected.as_bytes().ct_eq(token.as_bytes())) {
        return Err(Error::NotFound("webhook"));
    }
    Ok(())
}

/// Records an authenticated Clay callback: matched (by our echoed key, else LinkedIn URL,
/// else email or name + domain) to a pending submission of the workspace, its outcome stored
/// for the enrichment that is polling for it.
#[tracing::instrument(skip(engine, payload))]
pub async fn record_clay_callback(engine: &Engine, ws: WorkspaceId, payload: &Value) -> Result<ClayCallback> {
    if !payload.is_object() {
        return Err(Error::Invalid("a Clay callback is a JSON object".into()));
    }
    let inbox = RedisClayInbox::new(engine.redis.clone(), ws, engine.settings.providers.clay_pending_ttl);
    match inbox.accept_callback(payload).await {
        Ok(Some(m)) => {
            tracing::info!(workspace = %ws, correlation = %m.correlation_key, "Clay callback matched");
            Ok(ClayCallback::Matched(m))
        }
        Ok(None) => Ok(ClayCallback::Unmatched),
        Err(e) => Err(Error::Internal(anyhow::anyhow!("recording a Clay callback: {e}"))),
    }
}

/// Re-seals every stored provider key and Clay callback token that an older master key sealed
/// (`agency-os rotate-secrets`, after AGENCY_OS_SECRET_KEY changed and the old key moved to
/// AGENCY_OS_PREVIOUS_SECRET_KEYS). Returns how many rows were rewritten; running it again
/// rewrites none. A row replaced meanwhile is left alone (it is sealed with the new key).
pub async fn reseal_all(engine: &Engine) -> Result<usize> {
    let ring = &engine.settings.secrets;
    let mut done = 0;
    for ws in provider_keys::workspaces_with_keys(engine.owner_pool()).await? {
        let rows = provider_keys::list(&mut *engine.tenant(ws).await?, ws).await?;
        for row in rows {
            let Some(provider) = row.integration() else { continue };
            let stale_token = row.callback_token.as_deref().is_some_and(|t| ring.is_stale(t));
            if !ring.is_stale(&row.ciphertext) && !stale_token {
                continue;
            }
            let fail = |e: crate::secrets::SecretError| Error::Internal(anyhow::anyhow!("{provider} key of workspace {ws}: {e}"));
            let ciphertext = ring.seal(&integrations::key_context(ws, provider), &ring.open(&integrations::key_context(ws, provider), &row.ciphertext).map_err(fail)?);
            let token = match row.callback_token.as_deref() {
                Some(t) => Some(ring.seal(&callback_context(ws, provider), &ring.open(&callback_context(ws, provider), t).map_err(fail)?)),
                None => None,
            };
            let mut tx = engine.tenant(ws).await?;
            if provider_keys::reseal(&mut tx, ws, provider, (&row.ciphertext, row.callback_token.as_deref()), (&ciphertext, token.as_deref())).await? {
                done += 1;
            }
            tx.commit().await?;
        }
        integrations::keys_changed(engine, ws).await;
    }
    Ok(done)
}
