//! Inbound SMS from Twilio (issue 16 item 3): the incoming-message webhook, authenticated by
//! `X-Twilio-Signature` before anything in it is read, and opt-outs honoured at once: STOP,
//! STOP ALL, UNSUBSCRIBE, CANCEL, END, QUIT (`domain::sms`) put the sender's number on the
//! workspace's suppression list in the same request, so no later SMS or call goes to it. The
//! confirmation text is Twilio's own (its Advanced Opt-Out answers the keyword); we answer an
//! empty TwiML response.
//!
//! Not yet here: other inbound messages becoming replies in the Inbox, and the HTTP route
//! (it waits for the workspace's Twilio credentials in Settings → Integrations, issue 16 item 8).
//!
//! What this module must not do: trust a parameter before the signature matched, or touch a
//! workspace other than the one the webhook's URL names.

use crate::providers::twilio;
use crate::store::suppressions::{self, NewEntry, Reason};
use crate::store::audit;
use crate::{Error, Result};
use domain::ids::WorkspaceId;
use domain::phone::E164;
use domain::suppression::EntryKind;
use serde_json::json;
use sqlx::PgPool;

/// The empty TwiML answer: nothing more is sent back by us.
pub const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

/// What an inbound message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// An opt-out keyword: the number is suppressed (`newly` false when it already was).
    OptedOut { number: E164, keyword: &'static str, newly: bool },
    /// Anything else: acknowledged.
    Received,
}

/// Handles one incoming-message webhook of workspace `ws`: `url` is the full address Twilio
/// requested, `params` the form parameters as received, `signature` the `X-Twilio-Signature`
/// header, `auth_token` the workspace's Twilio Auth Token.
pub async fn inbound(pool: &PgPool, ws: WorkspaceId, auth_token: &str, url: &str, params: &[(String, String)], signature: Option<&str>) -> Result<Inbound> {
    if !twilio::verify(auth_token, url, params, signature) {
        return Err(Error::Unauthenticated("the Twilio signature is missing or wrong".into()));
    }
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let Some(keyword) = param("Body").and_then(domain::sms::opt_out_keyword) else {
        return Ok(Inbound::Received);
    };
    let from = param("From").unwrap_or_default();
    let number = E164::parse(from).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut tx = crate::db::tenant(pool, ws).await?;
    let newly = suppressions::add(
        &mut tx,
        ws,
        &NewEntry { kind: EntryKind::Phone, value: number.as_str(), reason: Reason::Unsubscribed, source: "sms", note: Some(keyword) },
    )
    .await?;
    if newly {
        audit::record(
            &mut tx,
            audit::Record {
                workspace: Some(ws),
                actor: None,
                action: "suppression.sms_opt_out",
                target_type: "suppression",
                target_id: Some(number.to_string()),
                before: None,
                after: Some(json!({ "kind": "phone", "value": number.as_str(), "keyword": keyword, "message": param("MessageSid") })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Inbound::OptedOut { number, keyword, newly })
}
