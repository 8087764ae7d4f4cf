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

/// Adds the failed recipients of one delivery-status body to `report`. Returns false when no
/// per-recipient block says what happened (none at all, or none with an action, status or
/// diagnostic we can read), so the caller can fall back to the text part.
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
            let name = name.trim().to_ascii_lowercase();
            // Some servers run the per-recipient blocks together without the blank line: a
            // second recipient field starts the next block.
            let repeated = (name == "final-recipient" && current.final_recipient.is_some())
                || (name == "original-recipient" && current.original_recipient.is_some());
            if repeated {
                recipients.push(std::mem::take(&mut current));
            }
            field = Some((name, value.to_owned()));
        }
    }
    flush_field(&mut field, &mut current);
    if current.final_recipient.is_some() || current.original_recipient.is_some() {
        recipients.push(current);
    }
    if recipients.is_empty() {
        return false;
    }

    let mut decided = false;
    for r in &recipients {
        let kind = match classify(r) {
            Decision::Failed(kind) => kind,
            Decision::Succeeded => {
                decided = true;
                continue;
            }
            Decision::Unknown => continue,
        };
        // The original recipient is the address we put in RCPT TO; the final one may be
        // where a forward led. Suppression has to match what we sent to.
        let address = r
            .original_recipient
            .as_deref()
            .and_then(address_of)
            .or_else(|| r.final_recipient.as_deref().and_then(address_of));
        if let Some(address) = address {
            decided = true;
            report.add(address, kind);
        }
    }
    decided
}

/// The class of the first per-recipient `Status:` in a delivery-status body, for a report
/// whose recipients could not be read as addresses.
pub(super) fn status_class(body: &[u8]) -> Option<Failure> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        if !name.trim().eq_ignore_ascii_case("status") {
            return None;
        }
        match value.trim().as_bytes().first() {
            Some(b'5') => Some(Failure::Permanent),
            Some(b'4') => Some(Failure::Temporary),
            _ => None,
        }
    })
}

enum Decision {
    Failed(Failure),
    Succeeded,
    Unknown,
}

fn classify(r: &Recipient) -> Decision {
    let action = r.action.as_deref().unwrap_or("");
    // Success notices (RFC 3464 §2.3.3) name recipients too; they are not failures.
    if action.starts_with("delivered")
        || action.starts_with("relayed")
        || action.starts_with("expanded")
    {
        return Decision::Succeeded;
    }
    if action.starts_with("delayed") {
        return Decision::Failed(Failure::Temporary);
    }
    let status = r.status.as_deref().unwrap_or("").trim();
    match status.as_bytes().first() {
        Some(b'5') => return Decision::Failed(Failure::Permanent),
        Some(b'4') => return Decision::Failed(Failure::Temporary),
        Some(b'2') => return Decision::Succeeded,
        _ => {}
    }
    if let Some(kind) = r.diagnostic.as_deref().and_then(scan::code_class) {
        return Decision::Failed(kind);
    }
    // "expired" is not in RFC 3464 but some servers (SendGrid) write it when they gave up.
    if action.starts_with("failed") || action.starts_with("expired") {
        return Decision::Failed(Failure::Permanent);
    }
    Decision::Unknown
}

/// The recipient of a sieve `reject` (RFC 5429): a disposition notification whose
/// disposition is an automatic deletion. Read receipts ("displayed") and other dispositions
/// are not rejections.
pub(super) fn rejected_by_recipient(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let mut recipient = None;
    let mut disposition = String::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("final-recipient")
            || (recipient.is_none() && name.eq_ignore_ascii_case("original-recipient"))
        {
            recipient = address_of(value.trim()).map(str::to_owned);
        } else if name.eq_ignore_ascii_case("disposition") {
            disposition = value.to_ascii_lowercase();
        }
    }
    let rejected = disposition.contains("automatic-action")
        && (disposition.contains("deleted") || disposition.contains("rejected"));
    recipient.filter(|_| rejected)
}

/// `rfc822; <a@b.c>` → `a@b.c`. Address types other than rfc822 (x400, utf-8 with encoded
/// forms) are returned as written after the type.
fn address_of(value: &str) -> Option<&str> {
    let (kind, mut rest) = match value.split_once(';') {
        Some((kind, rest)) => (kind.trim(), rest),
        None => ("rfc822", value),
    };
    // Some servers repeat the type: "rfc822; rfc822;jane@example.com".
    while let Some(r) = rest
        .trim_start()
        .strip_prefix("rfc822;")
        .or_else(|| rest.trim_start().strip_prefix("RFC822;"))
    {
        rest = r;
    }
    let rest = rest
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if rest.is_empty() {
        return None;
    }
    if kind.eq_ignore_ascii_case("rfc822") {
        // A pipe or file delivery names the address among other words
        // ("|/usr/bin/filter jane@example.com /home/jane"); a bare "@host" names nobody.
        let rest = if rest.contains(char::is_whitespace) {
            rest.split_whitespace().find(|w| w.contains('@'))?
        } else {
            rest
        };
        let rest = rest.trim_start_matches('<').trim_end_matches('>');
        let (local, domain) = rest.rsplit_once('@')?;
        if local.is_empty() || domain.is_empty() {
            return None;
        }
        return Some(rest);
    }
    Some(rest)
}
