//! Inbound SMS rules: which replies are opt-outs (Spam Act 2003: a functional unsubscribe,
//! honoured at once — we do it before the next send).
//!
//! The keywords are Twilio's default opt-out set (`twilio-messaging-webhooks.json`: STOP,
//! STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) plus `STOP ALL` written with a
//! space. Twilio counts a message only when it is exactly the keyword; we also accept it with
//! surrounding spaces, any letter case and trailing punctuation ("Stop.", "STOP!!"), since
//! missing an opt-out is worse than honouring one. Longer messages ("stop texting me please")
//! are left to the reply classifier.

/// The opt-out keyword `body` is, in upper case, if it is one.
pub fn opt_out_keyword(body: &str) -> Option<&'static str> {
    const KEYWORDS: [&str; 9] = [
        "STOP",
        "STOPALL",
        "STOP ALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
    ];
    let t = body
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    let words: Vec<&str> = t.split_whitespace().collect();
    let normal = words.join(" ").to_ascii_uppercase();
    KEYWORDS.into_iter().find(|k| *k == normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_keyword_alone_is_an_opt_out_in_any_case() {
        for (body, k) in [
            ("STOP", "STOP"),
            ("stop", "STOP"),
            (" Stop. ", "STOP"),
            ("STOP ALL", "STOP ALL"),
            ("stop  all!", "STOP ALL"),
            ("StopAll", "STOPALL"),
            ("unsubscribe", "UNSUBSCRIBE"),
            ("Cancel", "CANCEL"),
            ("END", "END"),
            ("quit!!", "QUIT"),
        ] {
            assert_eq!(opt_out_keyword(body), Some(k), "{body:?}");
        }
    }

    #[test]
    fn other_messages_are_not_opt_outs() {
        for body in [
            "",
            "Stop by tomorrow?",
            "please call me",
            "STOPPED",
            "end of month works",
            "¿stop?x",
        ] {
            assert_eq!(opt_out_keyword(body), None, "{body:?}");
        }
    }
}
