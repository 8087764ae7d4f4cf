//! Cuts a reply down to what its author wrote: quoted history and signatures go, so our own
//! outbound text (with its "book a call" and "unsubscribe" footer) can never classify the reply.

/// The lines the author wrote: everything before the first quote header or signature, minus
/// `>`-quoted lines (kept apart so inline answers between quoted lines survive).
pub fn visible_text(body: &str) -> String {
    let plain;
    let body = if looks_like_html(body) {
        plain = html_to_text(body);
        plain.as_str()
    } else {
        body
    };
    let lines: Vec<&str> = body.lines().collect();
    let mut out = String::with_capacity(body.len().min(4096));
    let mut kept_lines = 0usize;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.starts_with('>') {
            continue;
        }
        if is_quote_header(line, &lines[i + 1..]) {
            if kept_lines == 0 {
                // Nothing above the quote: the author wrote below it.
                return bottom_posted(&lines[i + 1..]);
            }
            break;
        }
        if is_signature_start(raw, line, &lines[i + 1..], kept_lines) {
            break;
        }
        // A client that flattened the quote into the answer's line: "Sounds great. On Mon,
        // Jul 6, 2026 at 9:02 AM Nate wrote: Hey there …".
        if let Some(cut) = inline_attribution(line) {
            out.push_str(line[..cut].trim_end());
            out.push('\n');
            break;
        }
        if !line.is_empty() {
            kept_lines += 1;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// What follows a `>`-quoted message when the author answered below it; nothing when the quote
/// is not `>`-marked (the answer cannot be told from the quoted text then).
fn bottom_posted(rest: &[&str]) -> String {
    let Some(last_quoted) = rest.iter().rposition(|l| l.trim_start().starts_with('>')) else {
        return String::new();
    };
    let below = rest[last_quoted + 1..].join("\n");
    if below.trim().is_empty() {
        return String::new();
    }
    visible_text(&below)
}

/// Where an attribution ("On Mon, 6 Jul 2026 at 9:02 AM Nate wrote:") starts inside a line, if
/// one does: a capitalised opener of [`ATTRIBUTION_STARTS`] at a word start, a date's digit
/// after it, and a [`WROTE`] ending within 250 bytes.
fn inline_attribution(line: &str) -> Option<usize> {
    const OPENERS: &[&str] = &["On ", "Am ", "Le ", "El ", "Op ", "Em ", "Il ", "Den "];
    let lower = line.to_lowercase();
    if lower.len() != line.len() {
        // Lower-casing changed byte offsets; offsets below index `line`.
        return None;
    }
    let wrote_at = WROTE.iter().filter_map(|w| lower.find(w)).min()?;
    OPENERS
        .iter()
        .filter_map(|o| {
            line[..wrote_at].match_indices(o).map(|(i, _)| i).find(|&i| {
                (i == 0 || line.as_bytes()[i - 1] == b' ')
                    && wrote_at - i <= 250
                    && line[i..wrote_at].bytes().any(|b| b.is_ascii_digit())
            })
        })
        .min()
}

fn looks_like_html(body: &str) -> bool {
    let head = &body[..body.len().min(4096)];
    let lower = head.to_ascii_lowercase();
    ["<html", "<body", "<div", "<p>", "<p ", "<br", "<table"]
        .iter()
        .any(|t| lower.contains(t))
}

/// A reply that came as HTML, as text: the quoted history (Gmail's and Outlook's quote blocks)
/// cut off, block tags as line breaks, other tags dropped, the common entities decoded.
fn html_to_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let cut = [
        "<blockquote",
        "class=\"gmail_quote",
        "id=\"divrplyfwdmsg",
        "id=\"appendonsend",
        "class=\"moz-cite-prefix",
        "id=\"mail-editor-reference-message-container",
    ]
    .iter()
    .filter_map(|m| lower.find(m))
    .min()
    .unwrap_or(html.len());
    // ASCII lowering keeps every byte offset, so `cut` is a boundary of the original too.
    let html = &html[..cut];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split([' ', '/', '\t', '\n'])
            .next()
            .unwrap_or("");
        if matches!(
            name,
            "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table"
        ) {
            out.push('\n');
        }
        let skip = matches!(name, "style" | "script" | "head") && !tag.starts_with('/');
        rest = &rest[open + close + 1..];
        if skip {
            let end = format!("</{name}");
            match rest.to_ascii_lowercase().find(&end) {
                Some(i) => rest = &rest[i..],
                None => rest = "",
            }
        }
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&rsquo;", "\u{2019}")
        .replace("&amp;", "&")
}

fn lower_starts_with(line: &str, prefix: &str) -> bool {
    line.len() >= prefix.len()
        && line.is_char_boundary(prefix.len())
        && line[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn lower_ends_with(line: &str, suffix: &str) -> bool {
    line.len() >= suffix.len()
        && line.is_char_boundary(line.len() - suffix.len())
        && line[line.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Attribution lines written by mail clients above the quoted message.
const WROTE: &[&str] = &[
    "wrote:",
    "schrieb:",
    "a écrit :",
    "a écrit:",
    "escribió:",
    "escribio:",
    "scritto:",
    "schreef:",
    "escreveu:",
    "skrev:",
    "napisał(a):",
    "napisał:",
    "napisała:",
    "napsal:",
    "napsala:",
    "napsal(a):",
    "kirjoitti:",
];

/// The first line of a quoted reply in the languages of [`WROTE`]: "On …", "Am …", "Le …",
/// "El …", "Op …", "Em …", "Il giorno …", "Den …".
const ATTRIBUTION_STARTS: &[&str] = &[
    "on ", "am ", "le ", "el ", "op ", "em ", "il ", "den ", "w dniu ", "dne ", "dňa ",
];

/// Outlook's header block above a quoted message, per language: the From line, and the
/// fields that follow it.
const FROM_FIELDS: &[&str] = &[
    "from:", "von:", "de :", "de:", "van:", "da:", "od:", "från:", "fra:", "lähettäjä:",
];
const NEXT_FIELDS: &[&str] = &[
    "sent:",
    "date:",
    "to:",
    "gesendet:",
    "datum:",
    "an:",
    "envoyé :",
    "envoyé:",
    "date :",
    "à :",
    "enviado el:",
    "enviado:",
    "fecha:",
    "para:",
    "verzonden:",
    "aan:",
    "inviato:",
    "data:",
    "a:",
    "wysłane:",
    "skickat:",
    "sendt:",
    "til:",
    "till:",
    "enviada:",
    "subject:",
    "betreff:",
    "objet :",
    "objet:",
    "asunto:",
    "onderwerp:",
    "oggetto:",
    "assunto:",
    "ämne:",
    "emne:",
    "odesláno:",
    "komu:",
    "předmět:",
    "wysłano:",
    "do:",
    "temat:",
    "lähetetty:",
    "vastaanottaja:",
    "aihe:",
];

fn is_quote_header(line: &str, next: &[&str]) -> bool {
    if line.is_empty() {
        return false;
    }
    // "On Mon, 3 Mar 2026 at 09:12, Sam Lee <sam@x.com> wrote:", which clients wrap over up to
    // three lines.
    if ATTRIBUTION_STARTS
        .iter()
        .any(|p| lower_starts_with(line, p))
    {
        let mut joined = line.to_string();
        for n in next.iter().take(2) {
            if WROTE.iter().any(|w| lower_ends_with(joined.trim_end(), w)) {
                break;
            }
            joined.push(' ');
            joined.push_str(n.trim());
        }
        if WROTE.iter().any(|w| lower_ends_with(joined.trim_end(), w)) && joined.len() < 400 {
            return true;
        }
    }
    if WROTE.iter().any(|w| lower_ends_with(line, w)) && line.contains('@') {
        return true;
    }
    // Apple Mail's forward, per language.
    if [
        "begin forwarded message:",
        "anfang der weitergeleiteten nachricht:",
        "début du message réexpédié :",
        "inicio del mensaje reenviado:",
        "begin doorgestuurd bericht:",
        "inizio messaggio inoltrato:",
        "início da mensagem reencaminhada:",
        "vidarebefordrat mejl:",
    ]
    .iter()
    .any(|p| line.to_lowercase() == *p)
    {
        return true;
    }
    let dashed = line.trim_matches(|c| c == '-' || c == ' ' || c == '_');
    if line.starts_with("---")
        && (dashed.eq_ignore_ascii_case("original message")
            || dashed.eq_ignore_ascii_case("forwarded message")
            || lower_starts_with(dashed, "reply message")
            || lower_starts_with(dashed, "original")
            || [
                "ursprüngliche nachricht",
                "weitergeleitete nachricht",
                "message d'origine",
                "message transféré",
                "mensaje original",
                "mensaje reenviado",
                "oorspronkelijk bericht",
                "doorgestuurd bericht",
                "mensagem original",
                "mensagem encaminhada",
                "messaggio originale",
                "messaggio inoltrato",
                "původní e-mail",
                "původní zpráva",
                "přeposlaná zpráva",
                "wiadomość oryginalna",
                "oryginalna wiadomość",
                "ursprungligt meddelande",
                "oprindelig meddelelse",
                "opprinnelig melding",
                "alkuperäinen viesti",
            ]
            .iter()
            .any(|p| dashed.to_lowercase().starts_with(p)))
    {
        return true;
    }
    if lower_starts_with(line, "begin forwarded message") {
        return true;
    }
    // Outlook's separator line above its header block.
    if line.len() >= 10 && line.bytes().all(|b| b == b'_') {
        return true;
    }
    // Outlook / Exchange header block: "From: ..." then "Sent:" or "Date:" within a few lines.
    let field_line = line.trim_start_matches('*');
    if FROM_FIELDS.iter().any(|f| lower_starts_with(field_line, f)) {
        return next.iter().take(4).any(|n| {
            let n = n.trim().trim_start_matches('*').to_lowercase();
            NEXT_FIELDS.iter().any(|f| n.starts_with(f))
        });
    }
    false
}

/// Client-added footers: everything after them is boilerplate.
const DEVICE_FOOTERS: &[&str] = &[
    "sent from my ",
    "sent from outlook",
    "sent from mail for windows",
    "sent from yahoo mail",
    "sent from the all new aol",
    "get outlook for ",
    "sent via the samsung",
    "sent with proton mail",
    "sent using ",
    "sent from gmail",
];

/// Closing words that start a "Regards,\nName\nTitle" block.
const SIGN_OFFS: &[&str] = &[
    "regards",
    "kind regards",
    "best regards",
    "warm regards",
    "warmest regards",
    "many regards",
    "best",
    "all the best",
    "best wishes",
    "thanks",
    "thank you",
    "many thanks",
    "thanks again",
    "cheers",
    "ta",
    "thx",
    "sincerely",
    "yours sincerely",
    "yours faithfully",
    "yours truly",
    "warmly",
    "talk soon",
    "speak soon",
    "mit freundlichen grüßen",
    "mit freundlichen grüssen",
    "freundliche grüße",
    "viele grüße",
    "beste grüße",
    "liebe grüße",
    "gruß",
    "grüße",
    "mfg",
    "lg",
    "cordialement",
    "bien cordialement",
    "bien à vous",
    "salutations",
    "saludos",
    "un saludo",
    "saludos cordiales",
    "atentamente",
    "met vriendelijke groet",
    "met vriendelijke groeten",
    "groeten",
    "groet",
    "mvg",
    "atenciosamente",
    "abraços",
    "abraço",
    "cumprimentos",
    "cordiali saluti",
    "distinti saluti",
    "saluti",
    "un saluto",
    "s pozdravem",
    "s přátelským pozdravem",
    "pozdrawiam",
    "z poważaniem",
    "med vänlig hälsning",
    "vänliga hälsningar",
    "med venlig hilsen",
    "venlig hilsen",
    "med vennlig hilsen",
    "vennlig hilsen",
    "mvh",
    "ystävällisin terveisin",
    "terveisin",
];

/// Lines that open a legal or environmental footer; nothing after them is the author's.
const DISCLAIMERS: &[&str] = &[
    "this email and any attachments",
    "this e-mail and any attachments",
    "this message and any attachments",
    "this email is confidential",
    "this e-mail is confidential",
    "confidentiality notice",
    "disclaimer:",
    "the information contained in this",
    "please consider the environment",
];

/// A signature block is at most this many non-empty lines after the sign-off; a longer tail is
/// more likely real content that happens to follow a line like "Thanks!".
const MAX_SIGNATURE_LINES: usize = 8;

fn is_signature_start(raw: &str, line: &str, next: &[&str], kept_lines: usize) -> bool {
    if raw == "-- " || raw == "--" || line == "--" || line == "—" {
        return true;
    }
    if DEVICE_FOOTERS.iter().any(|f| lower_starts_with(line, f)) {
        return true;
    }
    if kept_lines > 0 && DISCLAIMERS.iter().any(|f| lower_starts_with(line, f)) {
        return true;
    }
    let word = line.trim_end_matches([',', '!', '.', '-', ' ']);
    if word.is_empty() || word.len() > 32 || kept_lines == 0 {
        return false;
    }
    let word = word.to_lowercase();
    let is_sign_off = SIGN_OFFS.iter().any(|s| word == *s);
    if !is_sign_off {
        return false;
    }
    let tail = next.iter().filter(|l| !l.trim().is_empty()).count();
    tail <= MAX_SIGNATURE_LINES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_attribution_and_quoted_lines_are_dropped() {
        let body = "Yes, Thursday works.\n\nOn Mon, 3 Mar 2026 at 09:12, Dani Apgar <dani@agency.com> wrote:\n> Worth a chat?\n> Unsubscribe here";
        assert_eq!(visible_text(body).trim(), "Yes, Thursday works.");
    }

    #[test]
    fn an_attribution_flattened_into_the_answers_line_ends_the_answer() {
        let body = "let's do it, call me this week. On Mon, Jul 6, 2026 at 9:02 AM Nate wrote: Hey there. Reply \"unsubscribe\" to opt out.";
        assert_eq!(visible_text(body).trim(), "let's do it, call me this week.");
        // Without a date it is a sentence, not an attribution.
        let body = "On balance we said no. On the call Sam wrote: fine";
        assert_eq!(visible_text(body).trim(), body);
    }

    #[test]
    fn an_answer_written_below_the_quote_is_read() {
        let body = "On Mon, Jul 20, 2026 at 9:02 AM Nate <nate@printshop.example> wrote:\n> Can I send over pricing?\n> Don't want these? Reply \"unsubscribe\".\n\nplease remove me from your list\n\n-- \nKim";
        assert_eq!(visible_text(body).trim(), "please remove me from your list");
        // A quote with nothing below it leaves nothing.
        assert_eq!(visible_text("On Mon, 3 Mar 2026, Dani <d@x.com> wrote:\n> Worth a chat?").trim(), "");
    }

    #[test]
    fn a_wrapped_attribution_line_is_recognised() {
        let body = "Sounds good\n\nOn Mon, 3 Mar 2026 at 09:12, Dani Apgar <\ndani@agency.com> wrote:\n\nbook a call";
        assert_eq!(visible_text(body).trim(), "Sounds good");
    }

    #[test]
    fn outlook_header_blocks_end_the_reply() {
        let body = "Not for us, thanks.\r\n\r\n________________________________\r\nFrom: Dani <dani@agency.com>\r\nSent: Monday, 3 March 2026 9:12 AM\r\nTo: Sam\r\nSubject: churn\r\n\r\nWorth a chat?";
        assert_eq!(visible_text(body).trim(), "Not for us, thanks.");
        let body =
            "Not for us.\nFrom: Dani <dani@agency.com>\nSent: Monday\nSubject: x\nbook a call";
        assert_eq!(visible_text(body).trim(), "Not for us.");
        let body = "Please remove me.\n-----Original Message-----\nFrom: Dani";
        assert_eq!(visible_text(body).trim(), "Please remove me.");
    }

    #[test]
    fn an_html_reply_is_read_as_text_without_its_quoted_history() {
        let body = "<html><head><style>p{color:red}</style></head><body><div dir=\"ltr\">Not for us,&nbsp;thanks.<br></div><br><div class=\"gmail_quote\"><div>On Tue, Dani wrote:</div><blockquote>Book a call?</blockquote></div></body></html>";
        assert_eq!(visible_text(body).trim(), "Not for us, thanks.");
    }

    #[test]
    fn scandinavian_header_blocks_and_apple_forwards_end_the_reply() {
        let body = "Nej tack.\n\nFrån: Dani <dani@agency.com>\nSkickat: den 3 mars 2026 09:12\nTill: Sam\nÄmne: churn\n\nBoka ett samtal?";
        assert_eq!(visible_text(body).trim(), "Nej tack.");
        let body = "Nei takk.\nFra: Dani <dani@agency.com>\nSendt: 3. mars 2026\nTil: Sam\nEmne: x";
        assert_eq!(visible_text(body).trim(), "Nei takk.");
        let body = "Looping in Kim.\n\nBegin forwarded message:\n\nFrom: Dani\nWorth a call?";
        assert_eq!(visible_text(body).trim(), "Looping in Kim.");
    }

    #[test]
    fn czech_and_polish_attributions_and_original_message_lines_end_the_reply() {
        let body = "Nemáme zájem.\n29. května 2026 10:05:47 SELČ, Petr <p@post.example> napsal:\n>Dobry den";
        assert_eq!(visible_text(body).trim(), "Nemáme zájem.");
        let body = "Díky, ozvu se.\nDne 28.05.2026 v 17:53 Petr Svoboda napsal(a):\nSchůzka?";
        assert_eq!(visible_text(body).trim(), "Díky, ozvu se.");
        let body = "Proszę o ofertę.\n-----Wiadomość oryginalna-----\nOd: Adam\nWysłano: pon";
        assert_eq!(visible_text(body).trim(), "Proszę o ofertę.");
        let body = "Cena 195 000 Kč.\n---------- Původní e-mail ----------\nOd: Petr";
        assert_eq!(visible_text(body).trim(), "Cena 195 000 Kč.");
    }

    #[test]
    fn inline_answers_between_quoted_lines_are_kept() {
        let body = "> Would Tuesday work?\nTuesday at 10 is fine.\n> Or Wednesday?";
        assert_eq!(visible_text(body).trim(), "Tuesday at 10 is fine.");
    }

    #[test]
    fn signatures_and_device_footers_are_dropped() {
        let body =
            "Keen to hear more.\n\nKind regards,\nSam Lee\nHead of Growth | Acme\n+61 412 345 678";
        assert_eq!(visible_text(body).trim(), "Keen to hear more.");
        let body = "Call me Tuesday\n\nSent from my iPhone\n\nOn 3 Mar wrote:";
        assert_eq!(visible_text(body).trim(), "Call me Tuesday");
        let body = "Interesting.\n-- \nSam Lee\nUnsubscribe from our newsletter";
        assert_eq!(visible_text(body).trim(), "Interesting.");
    }

    #[test]
    fn a_sign_off_word_as_the_first_line_is_content_not_a_signature() {
        let body = "Thanks!\nWhat does it cost?";
        assert_eq!(visible_text(body).trim(), "Thanks!\nWhat does it cost?");
    }
}
