//! RFC 3464 `message/delivery-status` bodies (and RFC 6533 `global-delivery-status`).

use super::{scan, BounceReport, Failure};

#[derive(Default)]
struct Recipient {
    final_recipient: Option<String>,
    original_recipient: Option<String>,
    action: Option<String>,
    status: Option<String>,
    diagnostic: Option<String>,
}

/// Adds the failed recipients of one delivery-status body to `report`. Returns false when the
/// body has no per-recipient block, so the caller can fall back to the text part.
pub(super) fn parse(body: &[u8], report: &mut BounceReport) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(256 * 1024)]);
    let mut recipients: Vec<Recipient> = Vec::new();
    let mut current = Recipient::default();
    // RFC 822-style unfolding: a line starting with white space continues the previous field.
    let mut field: Option<(String, String)> = None;
    let flush_field = |field: &mut Option<(String, String)>, current: &mut Recipient| {
        if let Some((name, value)) = field.take() {
            let value = value.trim().to_owned();
            match name.as_str() {
                "final-recipient" => current.final_recipient = Some(value),
                "original-recipient" => current.original_recipient = Some(value),
                "action" => current.action = Some(value.to_ascii_lowercase()),
                "status" => current.status = Some(value),
                "diagnostic-code" => current.diagnostic = Some(value),
                _ => {}
            }
        }
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush_field(&mut field, &mut current);
            let block = std::mem::take(&mut current);
            if block.final_recipient.is_some() || block.original_recipient.is_some() {
                recipients.push(block);
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = field.as_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        flush_field(&mut field, &mut current);
        if let Some((name, value)) = line.split_once(':') {
            field = Some((name.trim().to_ascii_lowercase(), value.to_owned()));
        }
    }
    flush_field(&mut field, &mut current);
    if current.final_recipient.is_some() || current.original_recipient.is_some() {
        recipients.push(current);
    }
    if recipients.is_empty() {
        return false;
    }

    for r in &recipients {
        let Some(kind) = classify(r) else {
            continue;
        };
        // The original recipient is the address we put in RCPT TO; the final one may be
        // where a forward led. Suppression has to match what we sent to.
        let address = r
            .original_recipient
            .as_deref()
            .and_then(address_of)
            .or_else(|| r.final_recipient.as_deref().and_then(address_of));
        if let Some(address) = address {
            report.add(address, kind);
        }
    }
    true
}

fn classify(r: &Recipient) -> Option<Failure> {
    let action = r.action.as_deref().unwrap_or("");
    // Success notices (RFC 3464 §2.3.3) name recipients too; they are not failures.
    if action.starts_with("delivered")
        || action.starts_with("relayed")
        || action.starts_with("expanded")
    {
        return None;
    }
    if action.starts_with("delayed") {
        return Some(Failure::Temporary);
    }
    let status = r.status.as_deref().unwrap_or("").trim();
    match status.as_bytes().first() {
        Some(b'5') => return Some(Failure::Permanent),
        Some(b'4') => return Some(Failure::Temporary),
        Some(b'2') => return None,
        _ => {}
    }
    if let Some(kind) = r.diagnostic.as_deref().and_then(scan::code_class) {
        return Some(kind);
    }
    if action.starts_with("failed") {
        return Some(Failure::Permanent);
    }
    None
}

/// `rfc822; <a@b.c>` → `a@b.c`. Address types other than rfc822 (x400, utf-8 with encoded
/// forms) are returned as written after the type.
fn address_of(value: &str) -> Option<&str> {
    let (kind, rest) = match value.split_once(';') {
        Some((kind, rest)) => (kind.trim(), rest),
        None => ("rfc822", value),
    };
    let rest = rest
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if rest.is_empty() {
        return None;
    }
    if kind.eq_ignore_ascii_case("rfc822") && !rest.contains('@') {
        return None;
    }
    Some(rest)
}
