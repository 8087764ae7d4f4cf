//! Byte-level helpers shared by the DSN and text readers: finding addresses and SMTP codes in
//! free text without regexes, and without slicing a `str` anywhere but at ASCII bytes.

use super::Failure;

fn is_local_byte(c: u8) -> bool {
    // RFC 5321 atext, dots, and UTF-8 (RFC 6531) bytes: what a local part may be made of.
    crate::email_check::is_atext(c) || c >= 0x80 || c == b'.'
}

fn is_domain_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80 || c == b'-' || c == b'.'
}

/// Byte ranges of the plausible addresses in `s`, in order. Plausible: a non-empty local part
/// and a domain with at least two labels ending in a letter.
pub(super) fn addresses(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    let mut last_end = 0;
    while let Some(rel) = b[from..].iter().position(|&c| c == b'@') {
        let at = from + rel;
        from = at + 1;
        // Bounded walks keep a line of a million '@'s linear.
        let mut start = at;
        // Never reach back into the previous address ("a@b.jpc@d.com" is two, not nested).
        while start > last_end && at - start < 64 && is_local_byte(b[start - 1]) {
            start -= 1;
        }
        while start < at && matches!(b[start], b'.' | b'\'' | b'`' | b'=' | b'?') {
            start += 1;
        }
        // Exchange's X.400 form writes the address as "…;dda:SMTP=jane@example.com;".
        if at - start > 5 && b[start..start + 5].eq_ignore_ascii_case(b"smtp=") {
            start += 5;
        }
        let mut end = at + 1;
        while end < b.len() && end - at <= 255 && is_domain_byte(b[end]) {
            end += 1;
        }
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start == at || end == at + 1 {
            continue;
        }
        // Stop at the boundary of a UTF-8 sequence so the range slices a `str` safely.
        while start < at && (b[start] & 0xC0) == 0x80 {
            start += 1;
        }
        while end > at + 1 && end < b.len() && (b[end] & 0xC0) == 0x80 {
            end -= 1;
        }
        if !s.is_char_boundary(start) || !s.is_char_boundary(end) || start >= at {
            continue;
        }
        let domain = &b[at + 1..end];
        let Some(dot) = domain.iter().rposition(|&c| c == b'.') else {
            continue;
        };
        let mut tld = &domain[dot + 1..];
        // "jane@example.jp您好": prose in another script runs straight on from an ASCII TLD.
        let ascii = tld.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        if ascii >= 2 && ascii < tld.len() && tld[ascii] >= 0x80 {
            end = at + 1 + dot + 1 + ascii;
            tld = &tld[..ascii];
        }
        if tld.len() < 2 || !tld.iter().all(|c| c.is_ascii_alphabetic() || *c >= 0x80) {
            continue;
        }
        out.push((start, end));
        last_end = end;
        from = end.max(from);
    }
    out
}

/// The failure class the first status code in `s` states: an enhanced code (`5.1.1`) when one
/// is present, else a basic reply code (`550`). Success codes (`2.x.x`, `250`) are skipped.
pub(super) fn code_class(s: &str) -> Option<Failure> {
    enhanced_class(s.as_bytes()).or_else(|| basic_class(s.as_bytes()))
}

pub(super) fn enhanced_class(b: &[u8]) -> Option<Failure> {
    let mut i = 0;
    while i + 5 <= b.len() {
        let c = b[i];
        if matches!(c, b'4' | b'5')
            && b[i + 1] == b'.'
            && (i == 0 || !(b[i - 1].is_ascii_digit() || b[i - 1] == b'.'))
        {
            let mut j = i + 2;
            let d1 = count_digits(b, j);
            if (1..=3).contains(&d1) && b.get(j + d1) == Some(&b'.') {
                j += d1 + 1;
                let d2 = count_digits(b, j);
                let after = b.get(j + d2).copied();
                if (1..=3).contains(&d2) && !matches!(after, Some(b'.') | Some(b'0'..=b'9')) {
                    return Some(if c == b'5' {
                        Failure::Permanent
                    } else {
                        Failure::Temporary
                    });
                }
            }
        }
        i += 1;
    }
    None
}

fn basic_class(b: &[u8]) -> Option<Failure> {
    let mut i = 0;
    while i + 3 <= b.len() {
        let c = b[i];
        if matches!(c, b'4' | b'5')
            && b[i + 1].is_ascii_digit()
            && b[i + 2].is_ascii_digit()
            && (i == 0
                || matches!(
                    b[i - 1],
                    b' ' | b'\t' | b'\n' | b':' | b'#' | b'(' | b'<' | b'"' | b'['
                ))
            && matches!(
                b.get(i + 3),
                None | Some(b' ' | b'-' | b')' | b'\r' | b'\n' | b'"' | b',')
            )
        {
            return Some(if c == b'5' {
                Failure::Permanent
            } else {
                Failure::Temporary
            });
        }
        i += 1;
    }
    None
}

fn count_digits(b: &[u8], from: usize) -> usize {
    b.get(from..).map_or(0, |rest| {
        rest.iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit())
            .count()
    })
}

/// ASCII-lower-cased copy; byte offsets stay those of the original.
pub(super) fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(s: &str) -> Vec<&str> {
        addresses(s).into_iter().map(|(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn addresses_are_found_inside_brackets_quotes_and_prose() {
        assert_eq!(
            found("<a@b.example.com>: said 550 'c.d@e.org' (f@g.jp)."),
            ["a@b.example.com", "c.d@e.org", "f@g.jp"]
        );
        assert_eq!(found("RCPT TO:<x+y@z.io>"), ["x+y@z.io"]);
    }

    #[test]
    fn run_together_addresses_never_overlap() {
        // Found by cargo fuzz: overlapping ranges made a later slice start after its end.
        let s = "<userunknown@example.jphironeko@example.com>";
        let ranges = addresses(s);
        for pair in ranges.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "{ranges:?}");
        }
    }

    #[test]
    fn prose_in_another_script_after_an_ascii_domain_is_not_part_of_it() {
        assert_eq!(found("kijitora@example.jp您好，"), ["kijitora@example.jp"]);
        assert_eq!(found("ich@bücher.de"), ["ich@bücher.de"]);
    }

    #[test]
    fn message_ids_and_hosts_without_a_real_tld_are_not_addresses() {
        assert!(found("<1234@localhost> <x@192.0.2.1> @ @@ a@ @b.c").is_empty());
    }

    #[test]
    fn enhanced_codes_win_and_ip_addresses_are_not_codes() {
        assert_eq!(
            code_class("host [192.0.2.45]: 550 4.2.2 full"),
            Some(Failure::Temporary)
        );
        assert_eq!(code_class("said: 550 unknown"), Some(Failure::Permanent));
        assert_eq!(code_class("#5.1.1 not found"), Some(Failure::Permanent));
        assert_eq!(code_class("at 10.4.5.6 and 2014 00:00:00"), None);
        assert_eq!(code_class("250 2.0.0 ok"), None);
        assert_eq!(code_class("(451 try later)"), Some(Failure::Temporary));
    }
}
