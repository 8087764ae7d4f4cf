//! Address check: decides whether an address is safe to send to, from its text alone.
//!
//! Owns the mailbox syntax we accept (RFC 5321 `Mailbox`: a Dot-string or Quoted-string local
//! part, a domain or — only when [`CheckOptions::allow_domain_literals`] is set — an address
//! literal), the length limits of RFC 5321 §4.5.3.1 with the RFC 3696 errata (a path of at most
//! 254 octets), IDN domains (U-labels converted to A-labels with `idna`), the RFC 6531 UTF-8
//! local part, role accounts and disposable domains.
//!
//! It must not look anything up: no DNS, no SMTP probe. A `Deliverable` verdict means "nothing in
//! the text says otherwise", which is what the dispatcher needs before it spends a send.
//!
//! The forms that only RFC 5322's obsolete or header syntax allows — comments, folding white
//! space, quoted strings mixed with atoms (`"a".b`), backslashes outside quotes, quoted pairs of
//! control characters, domain literals that are not IP addresses — are `Invalid`: no submission
//! server accepts them in `RCPT TO`, so sending to them only produces a bounce.

mod lists;
mod literal;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// How safe an address is to send to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Deliverable,
    /// Syntactically fine, but sending risks a complaint, a bounce or a wasted credit.
    Risky,
    Invalid,
}

/// Knobs for [`check_email`]. The default is the strict policy used before sending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckOptions {
    /// Accept `user@[192.0.2.1]` and `user@[IPv6:2001:db8::1]` (as `Risky`) instead of
    /// rejecting them. General address literals (`[tag:content]`) stay invalid either way.
    pub allow_domain_literals: bool,
}

/// The result printed by `agency-os check-email`, one JSON object per address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailCheck {
    pub address: String,
    pub verdict: Verdict,
    pub reason: Cow<'static, str>,
}

/// Checks one address. See [`classify`] for the allocation-free core.
pub fn check_email(address: &str, opts: &CheckOptions) -> EmailCheck {
    let (verdict, reason) = classify(address, opts);
    EmailCheck {
        address: address.to_owned(),
        verdict,
        reason: Cow::Borrowed(reason),
    }
}

pub const REASON_OK: &str = "no problems found";

/// The verdict and its reason, without copying the address. Allocates only for IDN domains.
pub fn classify(address: &str, opts: &CheckOptions) -> (Verdict, &'static str) {
    match check(address.as_bytes(), opts) {
        Ok(None) => (Verdict::Deliverable, REASON_OK),
        Ok(Some(reason)) => (Verdict::Risky, reason),
        Err(reason) => (Verdict::Invalid, reason),
    }
}

const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 255;
const MAX_LABEL: usize = 63;
// RFC 5321's 256-octet path minus the angle brackets (RFC 3696 erratum 1690).
const MAX_PATH: usize = 254;

#[derive(Clone, Copy, PartialEq, Eq)]
enum LocalKind {
    Dot,
    Quoted,
}

struct Local {
    end: usize,
    kind: LocalKind,
    utf8: bool,
}

/// `Ok(None)`: deliverable; `Ok(Some(reason))`: risky; `Err(reason)`: invalid.
fn check(b: &[u8], opts: &CheckOptions) -> Result<Option<&'static str>, &'static str> {
    if b.is_empty() {
        return Err("empty address");
    }
    let local = local_part(b)?;
    if local.end > MAX_LOCAL {
        return Err("local part exceeds 64 octets");
    }
    let domain = &b[local.end + 1..];
    if domain.is_empty() {
        return Err("missing domain");
    }

    let mut risk: Option<&'static str> = None;
    if domain[0] == b'[' {
        check_literal(domain, opts)?;
        if local.end + 1 + domain.len() > MAX_PATH {
            return Err("address exceeds 254 octets");
        }
        risk = Some("address literal instead of a domain name");
    } else {
        let mut lower = [0u8; MAX_DOMAIN];
        let ascii_len = domain_name(domain, &mut lower)?;
        if local.end + 1 + ascii_len > MAX_PATH {
            return Err("address exceeds 254 octets");
        }
        if lists::is_disposable(&lower[..ascii_len]) {
            return Ok(Some("disposable domain"));
        }
    }

    if local.kind == LocalKind::Dot && !local.utf8 {
        if let Some(reason) = lists::role_reason(&b[..local.end]) {
            return Ok(Some(reason));
        }
    }
    if local.utf8 {
        return Ok(Some("UTF-8 local part needs SMTPUTF8 (RFC 6531)"));
    }
    if local.kind == LocalKind::Quoted {
        return Ok(Some("quoted local part"));
    }
    Ok(risk)
}

pub(crate) fn is_atext(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
        )
}

fn local_part(b: &[u8]) -> Result<Local, &'static str> {
    if b[0] == b'"' {
        return quoted_local(b);
    }
    let mut utf8 = false;
    let mut prev_dot = false;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'@' => {
                if i == 0 {
                    return Err("empty local part");
                }
                if prev_dot {
                    return Err("local part ends with a dot");
                }
                return Ok(Local {
                    end: i,
                    kind: LocalKind::Dot,
                    utf8,
                });
            }
            b'.' => {
                if i == 0 {
                    return Err("local part starts with a dot");
                }
                if prev_dot {
                    return Err("consecutive dots in local part");
                }
                prev_dot = true;
                continue;
            }
            c if is_atext(c) => {}
            // U+0080..U+009F: C1 controls are UTF-8 but never part of a mailbox name.
            0xC2 if matches!(b.get(i + 1), Some(0x80..=0x9F)) => {
                return Err("control character in local part")
            }
            // Other non-ASCII bytes of a `&str` are well-formed UTF-8 (RFC 6531 atext).
            0x80..=0xFF => utf8 = true,
            b' ' | b'\t' | b'\r' | b'\n' => return Err("white space not allowed"),
            b'(' | b')' => return Err("comment not allowed"),
            b'"' => return Err("quote inside an unquoted local part"),
            b'\\' => return Err("backslash outside a quoted string"),
            _ => return Err("invalid character in local part"),
        }
        prev_dot = false;
    }
    Err("missing @")
}

fn quoted_local(b: &[u8]) -> Result<Local, &'static str> {
    let mut utf8 = false;
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                return match b.get(i + 1) {
                    Some(b'@') => Ok(Local {
                        end: i + 1,
                        kind: LocalKind::Quoted,
                        utf8,
                    }),
                    None => Err("missing @"),
                    Some(b'.') => Err("quoted string mixed with atoms (obsolete syntax)"),
                    Some(b' ' | b'\t' | b'\r' | b'\n') => Err("white space not allowed"),
                    Some(b'(') => Err("comment not allowed"),
                    Some(_) => Err("text after quoted string"),
                };
            }
            b'\\' => match b.get(i + 1) {
                // RFC 5321 quoted-pairSMTP: a backslash may only escape printable ASCII.
                Some(32..=126) => i += 1,
                None => return Err("unterminated quoted string"),
                Some(_) => return Err("invalid quoted pair"),
            },
            32..=126 => {}
            0xC2 if matches!(b.get(i + 1), Some(0x80..=0x9F)) => {
                return Err("control character in quoted string")
            }
            0x80..=0xFF => utf8 = true,
            b'\r' | b'\n' => return Err("folding white space not allowed"),
            _ => return Err("control character in quoted string"),
        }
        i += 1;
    }
    Err("unterminated quoted string")
}

fn check_literal(domain: &[u8], opts: &CheckOptions) -> Result<(), &'static str> {
    let close = match domain.iter().position(|&c| c == b']') {
        Some(p) => p,
        None => return Err("unterminated domain literal"),
    };
    if close + 1 != domain.len() {
        return Err("text after domain literal");
    }
    if !opts.allow_domain_literals {
        return Err("domain literal not allowed");
    }
    literal::address_literal(&domain[1..close])
}

/// Validates a domain name and writes its lower-case A-label form into `out`, returning its
/// length.
fn domain_name(domain: &[u8], out: &mut [u8; MAX_DOMAIN]) -> Result<usize, &'static str> {
    let mut non_ascii = false;
    for &c in domain {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' => {}
            0x80..=0xFF => non_ascii = true,
            b' ' | b'\t' | b'\r' | b'\n' => return Err("white space not allowed"),
            b'(' | b')' => return Err("comment not allowed"),
            b'@' => return Err("more than one @ outside quotes"),
            b'[' | b']' => return Err("domain literal must be the whole domain"),
            b'_' => return Err("underscore not allowed in domain"),
            _ => return Err("invalid character in domain"),
        }
    }
    if !non_ascii {
        let len = ascii_domain(domain)?;
        for (o, &c) in out.iter_mut().zip(domain) {
            *o = c.to_ascii_lowercase();
        }
        if has_a_label(&out[..len]) {
            // Only A-labels that decode to a valid U-label may be sent to.
            idna_to_ascii(domain).map_err(|_| "invalid A-label in domain")?;
        }
        return Ok(len);
    }
    if domain.len() > 4 * MAX_DOMAIN {
        return Err("domain exceeds 255 octets");
    }
    let ascii = idna_to_ascii(domain).map_err(|_| "invalid internationalised domain name")?;
    let len = ascii_domain(ascii.as_bytes())?;
    out[..len].copy_from_slice(ascii.as_bytes());
    Ok(len)
}

fn idna_to_ascii(domain: &[u8]) -> Result<Cow<'_, str>, idna::Errors> {
    idna::uts46::Uts46::new().to_ascii(
        domain,
        idna::uts46::AsciiDenyList::STD3,
        idna::uts46::Hyphens::CheckFirstLast,
        idna::uts46::DnsLength::Ignore,
    )
}

fn has_a_label(lower: &[u8]) -> bool {
    lower
        .split(|&c| c == b'.')
        .any(|label| label.starts_with(b"xn--"))
}

/// Label rules for an all-ASCII (A-label form) domain; returns its length.
fn ascii_domain(d: &[u8]) -> Result<usize, &'static str> {
    if d.is_empty() {
        // UTS 46 maps some code points (variation selectors, soft hyphens) to nothing.
        return Err("domain is empty after IDN mapping");
    }
    if d.len() > MAX_DOMAIN {
        return Err("domain exceeds 255 octets");
    }
    if d[0] == b'.' {
        return Err("domain starts with a dot");
    }
    if d[d.len() - 1] == b'.' {
        return Err("domain ends with a dot");
    }
    let mut labels = 0usize;
    let mut last: &[u8] = &[];
    for label in d.split(|&c| c == b'.') {
        if label.is_empty() {
            return Err("consecutive dots in domain");
        }
        if label.len() > MAX_LABEL {
            return Err("domain label exceeds 63 octets");
        }
        if label[0] == b'-' {
            return Err("domain label starts with a hyphen");
        }
        if label[label.len() - 1] == b'-' {
            return Err("domain label ends with a hyphen");
        }
        if let Some(&c) = label
            .iter()
            .find(|&&c| !(c.is_ascii_alphanumeric() || c == b'-'))
        {
            // Reachable only for what UTS 46 mapping produced.
            return Err(if c == b'_' {
                "underscore not allowed in domain"
            } else {
                "invalid character in domain"
            });
        }
        labels += 1;
        last = label;
    }
    if labels < 2 {
        return Err("domain needs at least two labels");
    }
    if last.iter().all(u8::is_ascii_digit) {
        return Err("top-level domain is numeric");
    }
    Ok(d.len())
}

#[cfg(test)]
mod tests;
