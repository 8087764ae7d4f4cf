//! The Outbox page (SPEC §10): messages by state with the just-in-time checks recorded on each,
//! and any message in full — a shadow message shows exactly what would go out, footer and
//! unsubscribe link included (its token redacted for viewers). Read-only; every member may look.

use crate::auth::Access;
use crate::email::unsubscribe;
use crate::store::outbox::{self, PageRow};
use crate::{Engine, Error, Result};
use domain::account::Action;
use domain::ids::OutboxId;
use domain::sending::{CheckResult, OutboxItem, OutboxMessage, OutboxPage, OUTBOX_STATES};

/// What a viewer sees in place of the unsubscribe token.
pub const REDACTED: &str = "[redacted]";

/// Rows one page shows.
pub const PAGE: i64 = 100;

fn item(r: PageRow) -> OutboxItem {
    OutboxItem {
        id: OutboxId(r.id),
        state: r.state,
        to_address: r.to_address,
        subject: r.subject,
        campaign: r.campaign,
        step: r.step,
        when: r.when,
        last_error: r.last_error,
        // Rows written before any check ran hold `[]`; anything unreadable shows as no checks
        // rather than failing the page.
        checks: serde_json::from_value::<Vec<CheckResult>>(r.checks).unwrap_or_default(),
        bounced: r.bounced,
        complained: r.complained,
    }
}

/// Counts per state and the newest rows in `state`.
pub async fn page(engine: &Engine, access: &Access, state: &str) -> Result<OutboxPage> {
    access.require(Action::ViewWorkspace)?;
    let state = state.trim();
    if !OUTBOX_STATES.contains(&state) {
        return Err(Error::Invalid(format!("the outbox state must be one of {}, not {state:?}", OUTBOX_STATES.join(", "))));
    }
    let mut db = access.tenant(engine).await?;
    let counts = outbox::counts(&mut *db, access.workspace).await?;
    let items = outbox::page(&mut *db, access.workspace, state, PAGE).await?.into_iter().map(item).collect();
    Ok(OutboxPage { counts, items })
}

/// One message as it was (or would be) sent: the body with the compliance footer.
pub async fn message(engine: &Engine, access: &Access, id: OutboxId) -> Result<OutboxMessage> {
    access.require(Action::ViewWorkspace)?;
    let ws = access.workspace;
    let m = outbox::message(&mut *access.tenant(engine).await?, access.workspace, id).await?.ok_or(Error::NotFound("message"))?;
    // A working token unsubscribes the lead: only those who may change campaigns see one.
    let token = match access.role.can(Action::EditCampaigns) {
        true => unsubscribe::issue(&engine.settings.unsubscribe_key, ws, &m.row.to_address, Some(m.campaign_id))?,
        false => REDACTED.to_string(),
    };
    let link = unsubscribe::link(&engine.settings.public_url, &token);
    let sender = crate::drafting::Sender { name: m.sender_name.clone(), company: m.sender_company.clone(), physical_address: m.physical_address.clone() };
    let from = m.mailbox_address.as_ref().map(|a| match m.mailbox_name.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => format!("{n} <{a}>"),
        None => a.clone(),
    });
    Ok(OutboxMessage {
        text: format!("{}{}", m.body, crate::drafting::footer(&sender, &link)),
        from,
        message_id: m.message_id,
        in_reply_to: m.in_reply_to,
        item: item(m.row),
    })
}
