use super::lists::{DISPOSABLE_DOMAINS, ROLE_ACCOUNTS};
use super::*;

fn strict(address: &str) -> (Verdict, &'static str) {
    classify(address, &CheckOptions::default())
}

fn literals(address: &str) -> (Verdict, &'static str) {
    classify(
        address,
        &CheckOptions {
            allow_domain_literals: true,
        },
    )
}

fn invalid(address: &str, reason: &str) {
    assert_eq!(strict(address), (Verdict::Invalid, reason), "{address:?}");
}

#[test]
fn an_ordinary_address_is_deliverable() {
    assert_eq!(
        strict("jane.doe@example.com"),
        (Verdict::Deliverable, REASON_OK)
    );
    assert_eq!(strict("a@b.co").0, Verdict::Deliverable);
    assert_eq!(
        strict("user+tag@sub.example.com.au").0,
        Verdict::Deliverable
    );
}

#[test]
fn every_rfc5321_atext_character_is_accepted_in_a_dot_string() {
    assert_eq!(
        strict("!#$%&'*+-/=?^_`{|}~@example.com").0,
        Verdict::Deliverable
    );
}

#[test]
fn empty_and_at_less_input_is_invalid() {
    invalid("", "empty address");
    invalid("jane.example.com", "missing @");
    invalid("@example.com", "empty local part");
    invalid("jane@", "missing domain");
}

#[test]
fn dots_must_separate_atoms_in_the_local_part() {
    invalid(".jane@example.com", "local part starts with a dot");
    invalid("jane.@example.com", "local part ends with a dot");
    invalid("ja..ne@example.com", "consecutive dots in local part");
}

#[test]
fn obsolete_rfc5322_forms_are_invalid() {
    invalid("(comment)jane@example.com", "comment not allowed");
    invalid("jane(comment)@example.com", "comment not allowed");
    invalid("jane@(comment)example.com", "comment not allowed");
    invalid(" jane@example.com", "white space not allowed");
    invalid("jane @example.com", "white space not allowed");
    invalid("jane@example.com ", "white space not allowed");
    invalid("\r\n jane@example.com", "white space not allowed");
    invalid(
        "\"jane\".doe@example.com",
        "quoted string mixed with atoms (obsolete syntax)",
    );
    invalid(
        "jane\\@doe@example.com",
        "backslash outside a quoted string",
    );
    invalid("\"a\\\u{7}\"@example.com", "invalid quoted pair");
    invalid("\"a\r\n b\"@example.com", "folding white space not allowed");
    invalid(
        "\"a\u{7}\"@example.com",
        "control character in quoted string",
    );
}

#[test]
fn quoted_strings_are_accepted_but_risky() {
    assert_eq!(
        strict("\"john..doe\"@example.org"),
        (Verdict::Risky, "quoted local part")
    );
    assert_eq!(strict("\"a\\\"b\"@example.org").0, Verdict::Risky);
    assert_eq!(strict("\" \"@example.org").0, Verdict::Risky);
    invalid("\"unterminated@example.org", "unterminated quoted string");
    invalid("\"a\"b@example.org", "text after quoted string");
    invalid("a\"b\"@example.org", "quote inside an unquoted local part");
}

#[test]
fn length_limits_follow_rfc5321_and_the_rfc3696_errata() {
    let local64 = "a".repeat(64);
    assert_eq!(
        strict(&format!("{local64}@example.com")).0,
        Verdict::Deliverable
    );
    invalid(
        &format!("{}@example.com", "a".repeat(65)),
        "local part exceeds 64 octets",
    );
    let label63 = "b".repeat(63);
    assert_eq!(strict(&format!("a@{label63}.com")).0, Verdict::Deliverable);
    invalid(
        &format!("a@{}.com", "b".repeat(64)),
        "domain label exceeds 63 octets",
    );
    // 64 + 1 + 189 = 254 octets: the longest path allowed.
    let domain189 = format!("{}.{}.{}", "c".repeat(63), "d".repeat(63), "e".repeat(61));
    assert_eq!(domain189.len(), 189);
    assert_eq!(
        strict(&format!("{local64}@{domain189}")).0,
        Verdict::Deliverable
    );
    invalid(
        &format!("{local64}@{domain189}x"),
        "address exceeds 254 octets",
    );
    let domain_long = vec!["f".repeat(63); 5].join(".");
    invalid(&format!("a@{domain_long}"), "domain exceeds 255 octets");
}

#[test]
fn domain_labels_must_be_letters_digits_and_inner_hyphens() {
    invalid("a@-example.com", "domain label starts with a hyphen");
    invalid("a@example-.com", "domain label ends with a hyphen");
    invalid("a@.example.com", "domain starts with a dot");
    invalid("a@example.com.", "domain ends with a dot");
    invalid("a@example..com", "consecutive dots in domain");
    invalid("a@exa_mple.com", "underscore not allowed in domain");
    invalid("a@exa/mple.com", "invalid character in domain");
    invalid("a@b@example.com", "more than one @ outside quotes");
    invalid("a@exam[ple.com", "domain literal must be the whole domain");
    assert_eq!(strict("a@mason-dixon.com").0, Verdict::Deliverable);
    assert_eq!(strict("a@123.com").0, Verdict::Deliverable);
}

#[test]
fn a_domain_needs_two_labels_and_an_alphabetic_tld() {
    invalid("admin@localhost", "domain needs at least two labels");
    invalid("a@example.123", "top-level domain is numeric");
    invalid("a@255.255.255.255", "top-level domain is numeric");
}

#[test]
fn domain_literals_are_refused_unless_allowed() {
    invalid("a@[192.0.2.1]", "domain literal not allowed");
    invalid("a@[192.0.2.1", "unterminated domain literal");
    invalid("a@[192.0.2.1]x", "text after domain literal");
    assert_eq!(
        literals("jane@[192.0.2.1]"),
        (Verdict::Risky, "address literal instead of a domain name")
    );
}

#[test]
fn allowed_ipv4_literals_are_validated() {
    assert_eq!(literals("a@[255.255.255.255]").0, Verdict::Risky);
    assert_eq!(
        literals("a@[255.255.255]"),
        (Verdict::Invalid, "invalid IPv4 address literal")
    );
    assert_eq!(literals("a@[255.255.255.256]").0, Verdict::Invalid);
    assert_eq!(literals("a@[1.2.3.4.5]").0, Verdict::Invalid);
    assert_eq!(literals("a@[RFC-5322-literal]").0, Verdict::Invalid);
    assert_eq!(
        literals("a@[x-tag:stuff]"),
        (Verdict::Invalid, "general address literal not supported")
    );
}

#[test]
fn allowed_ipv6_literals_follow_rfc5321_group_rules() {
    for ok in [
        "IPv6:1111:2222:3333:4444:5555:6666:7777:8888",
        "IPv6:1111:2222:3333:4444:5555::8888",
        "IPv6:::3333:4444:5555:6666:7777:8888",
        "IPv6:::",
        "IPv6:2001:db8::1",
        "IPv6:1111:2222:3333:4444:5555:6666:255.255.255.255",
        "IPv6:1111:2222:3333:4444::255.255.255.255",
        "IPv6:::255.255.255.255",
        "ipv6:::1",
    ] {
        assert_eq!(literals(&format!("a@[{ok}]")).0, Verdict::Risky, "{ok}");
    }
    for bad in [
        "IPv6:1111:2222:3333:4444:5555:6666:7777",
        "IPv6:1111:2222:3333:4444:5555:6666:7777:8888:9999",
        "IPv6:1111:2222:3333:4444:5555:6666:7777:888G",
        "IPv6:1111:2222:3333:4444:5555:6666::8888",
        "IPv6:1111:2222:3333:4444:5555:6666::7777:8888",
        "IPv6::3333:4444:5555:6666:7777:8888",
        "IPv6:1111::4444:5555::8888",
        "IPv6:1111:2222:3333:4444:5555:255.255.255.255",
        "IPv6:1111:2222:3333:4444:5555:6666::255.255.255.255",
        "IPv6:1111:2222:3333:4444:::255.255.255.255",
        "IPv6::255.255.255.255",
        "IPv6:1::2:",
        "IPv6:1:2:3:4:5:6:7:1.2.3.256",
    ] {
        assert_eq!(
            literals(&format!("a@[{bad}]")),
            (Verdict::Invalid, "invalid IPv6 address literal"),
            "{bad}"
        );
    }
}

#[test]
fn unicode_domains_are_converted_to_a_labels() {
    assert_eq!(strict("jane@bücher.de"), (Verdict::Deliverable, REASON_OK));
    assert_eq!(strict("jane@例え.テスト").0, Verdict::Deliverable);
    assert_eq!(strict("jane@xn--bcher-kva.de").0, Verdict::Deliverable);
    invalid("jane@xn--a.com", "invalid A-label in domain");
    invalid("jane@bü_cher.de", "underscore not allowed in domain");
    invalid("jane@bücher", "domain needs at least two labels");
    invalid(
        &format!("jane@{}.de", "ü".repeat(70)),
        "domain label exceeds 63 octets",
    );
}

#[test]
fn a_domain_that_idn_mapping_empties_is_invalid_not_a_panic() {
    // Found by cargo fuzz: U+FE0F maps to nothing under UTS 46.
    invalid("Fe@\u{FE0F}", "domain is empty after IDN mapping");
    invalid("a@\u{AD}", "domain is empty after IDN mapping");
}

#[test]
fn a_utf8_local_part_is_allowed_but_flagged() {
    assert_eq!(
        strict("用户@例子.广告"),
        (Verdict::Risky, "UTF-8 local part needs SMTPUTF8 (RFC 6531)")
    );
    assert_eq!(strict("josé@example.com").0, Verdict::Risky);
}

#[test]
fn role_accounts_are_risky_with_the_role_named() {
    assert_eq!(
        strict("info@example.com"),
        (Verdict::Risky, "role account (info@)")
    );
    assert_eq!(
        strict("Sales@example.com"),
        (Verdict::Risky, "role account (sales@)")
    );
    assert_eq!(
        strict("noreply@example.com"),
        (Verdict::Risky, "role account (noreply@)")
    );
    assert_eq!(
        strict("support+eu@example.com"),
        (Verdict::Risky, "role account (support@)")
    );
    assert_eq!(strict("postmaster@example.com").0, Verdict::Risky);
    assert_eq!(
        strict("information.desk@example.com").0,
        Verdict::Deliverable
    );
    assert_eq!(strict("martin@example.com").0, Verdict::Deliverable);
}

#[test]
fn disposable_domains_and_their_subdomains_are_risky() {
    assert_eq!(
        strict("jane@mailinator.com"),
        (Verdict::Risky, "disposable domain")
    );
    assert_eq!(
        strict("jane@YOPMAIL.com"),
        (Verdict::Risky, "disposable domain")
    );
    assert_eq!(strict("jane@guerrillamail.org").0, Verdict::Risky);
    assert_eq!(strict("jane@inbox.mailinator.com").0, Verdict::Risky);
    assert_eq!(strict("jane@notmailinator.com").0, Verdict::Deliverable);
    assert_eq!(strict("jane@mailinator.com.au").0, Verdict::Deliverable);
}

#[test]
fn disposable_outranks_role_when_both_apply() {
    assert_eq!(strict("info@yopmail.com").1, "disposable domain");
}

#[test]
fn the_embedded_lists_are_sorted_lowercase_and_unique() {
    for pair in ROLE_ACCOUNTS.windows(2) {
        assert!(pair[0].0 < pair[1].0, "{} !< {}", pair[0].0, pair[1].0);
    }
    for pair in DISPOSABLE_DOMAINS.windows(2) {
        assert!(pair[0] < pair[1], "{} !< {}", pair[0], pair[1]);
    }
    for d in DISPOSABLE_DOMAINS {
        assert_eq!(*d, d.to_ascii_lowercase());
        assert_eq!(
            strict(&format!("x@{d}")),
            (Verdict::Risky, "disposable domain"),
            "{d}"
        );
    }
    assert!(DISPOSABLE_DOMAINS.len() >= 100);
}

#[test]
fn check_email_serialises_to_the_cli_shape() {
    let json =
        serde_json::to_string(&check_email("info@example.com", &CheckOptions::default())).unwrap();
    assert_eq!(
        json,
        r#"{"address":"info@example.com","verdict":"risky","reason":"role account (info@)"}"#
    );
    let back: EmailCheck = serde_json::from_str(&json).unwrap();
    assert_eq!(back.verdict, Verdict::Risky);
}
