//! The embedded role-account and disposable-domain lists. Both are sorted so a lookup is a
//! binary search over static data: no allocation, no start-up cost, wasm-friendly.

macro_rules! roles {
    ($($name:literal),* $(,)?) => {
        &[$(($name, concat!("role account (", $name, "@)"))),*]
    };
}

/// Local parts that reach a team or a machine rather than a person. Sending cold outreach to
/// them draws complaints (SPEC §10.6), so they are `Risky`. Sorted by byte value.
pub(super) static ROLE_ACCOUNTS: &[(&str, &str)] = roles![
    "abuse",
    "accounting",
    "accounts",
    "admin",
    "administrator",
    "all",
    "billing",
    "bookings",
    "careers",
    "ceo-office",
    "compliance",
    "contact",
    "contactus",
    "customercare",
    "customerservice",
    "devnull",
    "dns",
    "do-not-reply",
    "donotreply",
    "enquiries",
    "enquiry",
    "everyone",
    "feedback",
    "finance",
    "ftp",
    "hello",
    "help",
    "helpdesk",
    "hostmaster",
    "hr",
    "info",
    "information",
    "inquiries",
    "inquiry",
    "investors",
    "ir",
    "it",
    "jobs",
    "legal",
    "list",
    "list-request",
    "mail",
    "maildaemon",
    "mailer-daemon",
    "marketing",
    "media",
    "news",
    "newsletter",
    "no-reply",
    "no_reply",
    "noc",
    "noreply",
    "null",
    "office",
    "orders",
    "payments",
    "postmaster",
    "press",
    "privacy",
    "purchasing",
    "reception",
    "recruiting",
    "recruitment",
    "root",
    "sales",
    "security",
    "service",
    "services",
    "shop",
    "spam",
    "staff",
    "subscribe",
    "support",
    "sysadmin",
    "team",
    "tech",
    "undisclosed-recipients",
    "unsubscribe",
    "usenet",
    "uucp",
    "webmaster",
    "welcome",
    "www",
];

/// Throwaway-inbox services. A listed domain also matches its subdomains, because several
/// services hand out `anything.their-domain`. Sorted by byte value, lower case.
pub(super) static DISPOSABLE_DOMAINS: &[&str] = &[
    "0-mail.com",
    "10minutemail.co.uk",
    "10minutemail.com",
    "10minutemail.de",
    "10minutemail.net",
    "1secmail.com",
    "1secmail.net",
    "1secmail.org",
    "20minutemail.com",
    "33mail.com",
    "anonbox.net",
    "anonymbox.com",
    "armyspy.com",
    "burnermail.io",
    "cool.fr.nf",
    "courriel.fr.nf",
    "cuvox.de",
    "dayrep.com",
    "discard.email",
    "discardmail.com",
    "discardmail.de",
    "dispostable.com",
    "dropmail.me",
    "e4ward.com",
    "einrot.com",
    "emailfake.com",
    "emailondeck.com",
    "emlhub.com",
    "emlpro.com",
    "emltmp.com",
    "esiix.com",
    "fakeinbox.com",
    "fakermail.com",
    "fleckens.hu",
    "getairmail.com",
    "getnada.com",
    "grr.la",
    "guerrillamail.biz",
    "guerrillamail.com",
    "guerrillamail.de",
    "guerrillamail.info",
    "guerrillamail.net",
    "guerrillamail.org",
    "guerrillamailblock.com",
    "gustr.com",
    "harakirimail.com",
    "inboxkitten.com",
    "incognitomail.org",
    "jetable.fr.nf",
    "jetable.org",
    "jourrapide.com",
    "mail-temporaire.fr",
    "mailcatch.com",
    "maildrop.cc",
    "mailexpire.com",
    "mailforspam.com",
    "mailinator.com",
    "mailinator.net",
    "mailinator.org",
    "mailinator2.com",
    "mailmetrash.com",
    "mailnesia.com",
    "mailnull.com",
    "mailpoof.com",
    "mailsac.com",
    "meltmail.com",
    "mintemail.com",
    "minuteinbox.com",
    "moakt.com",
    "mohmal.com",
    "moncourrier.fr.nf",
    "monemail.fr.nf",
    "monmail.fr.nf",
    "mytemp.email",
    "mytrashmail.com",
    "nada.email",
    "pokemail.net",
    "rhyta.com",
    "sharklasers.com",
    "spam4.me",
    "spambox.us",
    "spamex.com",
    "spamfree24.org",
    "spamgourmet.com",
    "superrito.com",
    "teleworm.us",
    "temp-mail.io",
    "temp-mail.org",
    "tempail.com",
    "tempinbox.com",
    "tempmail.net",
    "tempmailaddress.com",
    "tempmailo.com",
    "tempr.email",
    "throwam.com",
    "throwawaymail.com",
    "tmail.ws",
    "tmpmail.net",
    "tmpmail.org",
    "trash-mail.com",
    "trashmail.com",
    "trashmail.de",
    "trashmail.me",
    "trashmail.net",
    "wegwerfmail.de",
    "wegwerfmail.net",
    "wwjmp.com",
    "xojxe.com",
    "yopmail.com",
    "yopmail.fr",
    "yopmail.net",
];

/// `domain` must already be lower case. Tries the domain, then each parent, so
/// `x.mailinator.com` matches `mailinator.com`.
pub(super) fn is_disposable(domain: &[u8]) -> bool {
    let mut rest = domain;
    loop {
        if DISPOSABLE_DOMAINS
            .binary_search_by(|probe| probe.as_bytes().cmp(rest))
            .is_ok()
        {
            return true;
        }
        match rest.iter().position(|&c| c == b'.') {
            Some(dot) => rest = &rest[dot + 1..],
            None => return false,
        }
    }
}

/// The reason when `local` (an ASCII dot-string) is a role account. A `+tag` subaddress is
/// ignored: `info+leads@` still reaches `info@`.
pub(super) fn role_reason(local: &[u8]) -> Option<&'static str> {
    let base = match local.iter().position(|&c| c == b'+') {
        Some(plus) => &local[..plus],
        None => local,
    };
    if base.is_empty() || base.len() > 32 {
        return None;
    }
    let mut buf = [0u8; 32];
    let lower = &mut buf[..base.len()];
    for (o, &c) in lower.iter_mut().zip(base) {
        *o = c.to_ascii_lowercase();
    }
    let lower = &*lower;
    ROLE_ACCOUNTS
        .binary_search_by(|(name, _)| name.as_bytes().cmp(lower))
        .ok()
        .map(|i| ROLE_ACCOUNTS[i].1)
}
