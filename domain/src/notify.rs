//! Telling the agency that a lead answered (SPEC §11: "notify"): what the Slack message and the
//! email say, and the rules a typed-in Slack webhook must pass. The sending is the engine's.

use serde::{Deserialize, Serialize};

/// The workspace's notification settings as Settings shows them (the webhook never comes back,
/// only its last four characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NotificationSettings {
    pub slack_last4: Option<String>,
    /// Owners and admins get an email for each positive reply.
    pub email_owners: bool,
    /// Whether the installation has a mailbox to send such emails from; without one the email
    /// switch is shown as unavailable rather than pretending.
    pub email_available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlackUrlError {
    #[error("Paste the Slack incoming-webhook URL: it is empty")]
    Empty,
    #[error("The webhook URL is one line of at most 500 characters without spaces")]
    Shape,
    #[error("The webhook URL must start with https:// and have a host, like https://hooks.slack.com/services/…")]
    NotHttps,
}

/// Checks a pasted incoming-webhook URL. `allow_http` is for installations whose operator lets
/// tenants reach private addresses (a local test server); everyone else needs https.
pub fn parse_slack_webhook(raw: &str, allow_http: bool) -> Result<String, SlackUrlError> {
    let url = raw.trim();
    if url.is_empty() {
        return Err(SlackUrlError::Empty);
    }
    if url.chars().count() > 500 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SlackUrlError::Shape);
    }
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://").filter(|_| allow_http));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    if host.is_none_or(|h| h.is_empty() || h.contains('@')) {
        return Err(SlackUrlError::NotHttps);
    }
    Ok(url.to_string())
}

/// The last four characters of the webhook (its secret ends it), as Settings shows them.
/// Text for Slack's mrkdwn with its three control characters escaped: whatever a tenant or a
/// lead wrote shows as written and cannot become a mention (`<!channel>`) or a disguised link.
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

pub fn last4(url: &str) -> String {
    let chars: Vec<char> = url.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// What one announcement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyNotice<'a> {
    pub lead_name: Option<&'a str>,
    pub company: Option<&'a str>,
    pub from_address: &'a str,
    /// The class as stored (`interested`, `meeting_request`, `question`).
    pub intent: &'a str,
    pub campaign: Option<&'a str>,
    /// The visible text of the reply (quotes and signature already stripped).
    pub excerpt: &'a str,
    /// The lead's page, where the conversation and its timeline are.
    pub link: &'a str,
}

impl ReplyNotice<'_> {
    fn who(&self) -> String {
        match (self.lead_name.map(str::trim).filter(|n| !n.is_empty()), self.company.map(str::trim).filter(|c| !c.is_empty())) {
            (Some(n), Some(c)) => format!("{n} ({c})"),
            (Some(n), None) => n.to_string(),
            (None, Some(c)) => format!("{} ({c})", self.from_address),
            (None, None) => self.from_address.to_string(),
        }
    }

    fn what(&self) -> &'static str {
        match self.intent {
            "meeting_request" => "wants a meeting",
            "interested" => "is interested",
            "question" => "asked a question",
            _ => "replied",
        }
    }

    fn excerpt(&self, max: usize) -> String {
        let flat = self.excerpt.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() <= max {
            flat
        } else {
            flat.chars().take(max).collect::<String>() + "…"
        }
    }

    /// The email's subject line.
    pub fn subject(&self) -> String {
        format!("{} {}", self.who(), self.what())
    }

    /// The plain-text email body.
    pub fn email_text(&self) -> String {
        let mut s = format!("{} {}", self.who(), self.what());
        if let Some(c) = self.campaign {
            s.push_str(&format!(" (campaign: {c})"));
        }
        s.push_str(&format!(".\n\n> {}\n\nOpen the conversation: {}\n\nFollow-ups to this lead have stopped; a suggested answer is waiting for approval.\n", self.excerpt(600), self.link));
        s
    }

    /// Slack's `text` (mrkdwn). Slack reads `<`, `>` and `&` as markup, so what the lead wrote is
    /// escaped: a reply cannot turn into a mention of `@channel` or a disguised link.
    pub fn slack_text(&self) -> String {
        let esc = slack_escape;
        let mut s = format!("*{}* {}", esc(&self.who()), self.what());
        if let Some(c) = self.campaign {
            s.push_str(&format!(" · {}", esc(c)));
        }
        s.push_str(&format!("\n> {}\n<{}|Open the conversation>", esc(&self.excerpt(300)), self.link));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice<'a>(excerpt: &'a str) -> ReplyNotice<'a> {
        ReplyNotice {
            lead_name: Some("Ann Lee"),
            company: Some("Acme"),
            from_address: "ann@acme.com",
            intent: "meeting_request",
            campaign: Some("Q1 agencies"),
            excerpt,
            link: "https://app.example/w/1/leads/2",
        }
    }

    #[test]
    fn webhook_urls_must_be_https_unless_the_operator_allows_local_servers() {
        assert_eq!(parse_slack_webhook(" https://hooks.slack.com/services/T0/B0/xyz ", false).unwrap(), "https://hooks.slack.com/services/T0/B0/xyz");
        assert_eq!(parse_slack_webhook("http://127.0.0.1:9/hook", false), Err(SlackUrlError::NotHttps));
        assert!(parse_slack_webhook("http://127.0.0.1:9/hook", true).is_ok());
        assert_eq!(parse_slack_webhook("", false), Err(SlackUrlError::Empty));
        assert_eq!(parse_slack_webhook("https://a b", false), Err(SlackUrlError::Shape));
        assert_eq!(parse_slack_webhook("https:///x", false), Err(SlackUrlError::NotHttps));
        assert_eq!(parse_slack_webhook("https://user@evil.example/x", false), Err(SlackUrlError::NotHttps));
        assert_eq!(parse_slack_webhook("ftp://hooks.slack.com/x", true), Err(SlackUrlError::NotHttps));
        assert_eq!(last4("https://hooks.slack.com/services/T0/B0/abcd1234"), "1234");
    }

    #[test]
    fn the_message_says_who_answered_what_and_where_to_open_it() {
        let n = notice("Sounds good — can we talk Tuesday?");
        assert_eq!(n.subject(), "Ann Lee (Acme) wants a meeting");
        let text = n.email_text();
        assert!(text.starts_with("Ann Lee (Acme) wants a meeting (campaign: Q1 agencies)."), "{text}");
        assert!(text.contains("> Sounds good — can we talk Tuesday?") && text.contains("https://app.example/w/1/leads/2"), "{text}");
        let no_name = ReplyNotice { lead_name: None, company: None, intent: "question", ..n };
        assert_eq!(no_name.subject(), "ann@acme.com asked a question");
    }

    #[test]
    fn what_the_lead_wrote_cannot_become_slack_markup() {
        let n = notice("<!channel> click <https://evil.example|here> & win");
        let text = n.slack_text();
        assert!(!text.contains("<!channel>") && !text.contains("<https://evil"), "{text}");
        assert!(text.contains("&lt;!channel&gt;") && text.contains("&amp; win"), "{text}");
        assert!(text.ends_with("<https://app.example/w/1/leads/2|Open the conversation>"), "{text}");
        let long = "word ".repeat(200);
        assert!(notice(&long).slack_text().contains('…'));
    }
}
