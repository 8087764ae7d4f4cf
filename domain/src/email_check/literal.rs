//! RFC 5321 §4.1.3 address literals: `IPv4-address-literal` and `IPv6-address-literal`.
//! General (`tag:content`) literals are refused: no public mail system routes them.

pub(super) fn address_literal(inner: &[u8]) -> Result<(), &'static str> {
    if inner.len() >= 5 && inner[..5].eq_ignore_ascii_case(b"IPv6:") {
        return if ipv6(&inner[5..]) {
            Ok(())
        } else {
            Err("invalid IPv6 address literal")
        };
    }
    if inner.contains(&b':') {
        return Err("general address literal not supported");
    }
    if ipv4(inner) {
        Ok(())
    } else {
        Err("invalid IPv4 address literal")
    }
}

/// `Snum 3("." Snum)`, each Snum 1–3 digits worth 0–255.
pub(super) fn ipv4(s: &[u8]) -> bool {
    let mut parts = 0;
    for part in s.split(|&c| c == b'.') {
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let value = part
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0'));
        if value > 255 {
            return false;
        }
        parts += 1;
    }
    parts == 4
}

/// Counts colon-separated groups of 1–4 hex digits; `None` if any group is malformed.
fn hex_groups(s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return Some(0);
    }
    let mut n = 0;
    for group in s.split(|&c| c == b':') {
        if group.is_empty() || group.len() > 4 || !group.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        n += 1;
    }
    Some(n)
}

/// RFC 5321 IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp. Stricter than RFC 4291 on
/// purpose: `::` must stand for at least two groups, as RFC 5321 says.
pub(super) fn ipv6(s: &[u8]) -> bool {
    let (hex, full, comp_max) = match s.iter().rposition(|&c| c == b':') {
        Some(pos) if s[pos + 1..].contains(&b'.') => {
            if !ipv4(&s[pos + 1..]) {
                return false;
            }
            // Keep a "::" that directly precedes the IPv4 part.
            let hex = if pos > 0 && s[pos - 1] == b':' {
                &s[..=pos]
            } else {
                &s[..pos]
            };
            (hex, 6, 4)
        }
        _ => (s, 8, 6),
    };
    match find_double_colon(hex) {
        None => hex_groups(hex) == Some(full),
        Some(at) => {
            let (left, right) = (&hex[..at], &hex[at + 2..]);
            if find_double_colon(right).is_some() {
                return false;
            }
            match (hex_groups(left), hex_groups(right)) {
                (Some(l), Some(r)) => l + r <= comp_max,
                _ => false,
            }
        }
    }
}

fn find_double_colon(s: &[u8]) -> Option<usize> {
    s.windows(2).position(|w| w == b"::")
}
