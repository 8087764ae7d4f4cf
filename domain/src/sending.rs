//! Sending, as the Settings, shell and Outbox pages see it (SPEC §6, §10): the mailbox form and
//! its validation, the workspace's sending state (shadow, live, stopped), and outbox rows with
//! their just-in-time checks. Shared by the browser and the server so both validate alike.

use crate::account::InputError;
use crate::ids::{MailboxId, OutboxId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How the SMTP connection is protected (the `mailboxes.smtp_security` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is then required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

impl SmtpSecurity {
    pub const ALL: [SmtpSecurity; 3] = [SmtpSecurity::Starttls, SmtpSecurity::Tls, SmtpSecurity::None];

    pub fn as_str(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "starttls",
            SmtpSecurity::Tls => "tls",
            SmtpSecurity::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SmtpSecurity::Starttls => "STARTTLS (587)",
            SmtpSecurity::Tls => "TLS (465)",
            SmtpSecurity::None => "None (local relay only)",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpSecurity::Starttls),
            "tls" | "ssl" => Ok(SmtpSecurity::Tls),
            "none" => Ok(SmtpSecurity::None),
            other => Err(InputError::Invalid(format!("security must be starttls, tls or none, not {other:?}"))),
        }
    }
}

/// Daily cap and ramp: start at `ramp_start` sends a day, add `ramp_step` a day, never above
/// `daily_cap`. Bounds match the table's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendLimits {
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
}

impl SendLimits {
    pub const MAX_CAP: i32 = 2000;

    pub fn validate(self) -> Result<Self, InputError> {
        if !(1..=Self::MAX_CAP).contains(&self.daily_cap) {
            return Err(InputError::Invalid(format!("the daily cap must be 1 to {}", Self::MAX_CAP)));
        }
        if !(1..=self.daily_cap).contains(&self.ramp_start) {
            return Err(InputError::Invalid("the ramp must start at 1 to the daily cap sends a day".into()));
        }
        if !(0..=Self::MAX_CAP).contains(&self.ramp_step) {
            return Err(InputError::Invalid(format!("the ramp step must be 0 to {} a day", Self::MAX_CAP)));
        }
        Ok(self)
    }
}

impl Default for SendLimits {
    fn default() -> Self {
        Self { daily_cap: 30, ramp_start: 5, ramp_step: 2 }
    }
}

/// The add-mailbox form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxForm {
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
}

/// A mailbox form that passed validation. The password stays out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidMailbox {
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    pub smtp_username: String,
    pub smtp_password: String,
    pub limits: SendLimits,
}

impl std::fmt::Debug for ValidMailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidMailbox")
            .field("address", &self.address)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .finish_non_exhaustive()
    }
}

/// A host name (or IP literal) to connect to: letters, digits, dots, hyphens, at most 253.
pub fn parse_host(raw: &str) -> Result<String, InputError> {
    let h = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if h.is_empty() || h.len() > 253 || !h.split('.').all(label_ok) {
        return Err(InputError::Invalid(format!("{:?} is not a host name like smtp.example.com", raw.trim())));
    }
    Ok(h)
}

impl MailboxForm {
    pub fn validate(self) -> Result<ValidMailbox, InputError> {
        let address = crate::account::LoginEmail::parse(&self.address)
            .map_err(|_| InputError::Invalid(format!("{:?} is not an email address", self.address.trim())))?
            .as_str()
            .to_string();
        let display_name = self.display_name.trim().to_string();
        if display_name.chars().count() > 120 || display_name.chars().any(|c| c.is_control()) {
            return Err(InputError::Invalid("the display name must be at most 120 characters, without control characters".into()));
        }
        let smtp_host = parse_host(&self.smtp_host)?;
        let smtp_port: u16 = self
            .smtp_port
            .trim()
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| InputError::Invalid(format!("the port must be a number from 1 to 65535, not {:?}", self.smtp_port.trim())))?;
        let smtp_security = SmtpSecurity::parse(&self.smtp_security)?;
        // Sending in clear text over the network would hand the password to anyone on the path.
        if smtp_security == SmtpSecurity::None && !matches!(smtp_host.as_str(), "localhost" | "127.0.0.1") {
            return Err(InputError::Invalid("security none is only allowed for a relay on this machine (localhost); use starttls or tls".into()));
        }
        let smtp_username = self.smtp_username.trim().to_string();
        if smtp_username.len() > 320 || smtp_username.chars().any(|c| c.is_control()) {
            return Err(InputError::Invalid("the user name must be at most 320 characters, without control characters".into()));
        }
        if self.smtp_password.len() > 1024 {
            return Err(InputError::Invalid("the password must be at most 1024 characters".into()));
        }
        if !smtp_username.is_empty() && self.smtp_password.is_empty() {
            return Err(InputError::Invalid("a user name needs its password (an app password for Gmail or Microsoft 365)".into()));
        }
        let limits = SendLimits { daily_cap: self.daily_cap, ramp_start: self.ramp_start, ramp_step: self.ramp_step }.validate()?;
        Ok(ValidMailbox { address, display_name, smtp_host, smtp_port, smtp_security, smtp_username, smtp_password: self.smtp_password, limits })
    }
}

/// A DKIM key's public half as it must be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DkimRecord {
    pub domain: String,
    pub selector: String,
    pub algorithm: String,
    /// `selector._domainkey.domain`
    pub name: String,
    /// `v=DKIM1; k=…; p=…`
    pub value: String,
}

/// A mailbox as Settings shows it: never a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailboxInfo {
    pub id: MailboxId,
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: String,
    pub smtp_username: String,
    pub has_password: bool,
    pub limits: SendLimits,
    /// Today's cap with the ramp applied.
    pub cap_today: i32,
    pub used_today: i32,
    pub dkim: Option<DkimRecord>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_reason: Option<String>,
}

/// Whether a workspace sends for real, and what holds it back (SPEC §10.1–10.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingState {
    pub shadow_mode: bool,
    pub paused: bool,
    pub paused_reason: Option<String>,
    pub platform_stop: bool,
    pub platform_stop_reason: Option<String>,
    /// Mailboxes that may send (not paused).
    pub sendable_mailboxes: i64,
    /// The caller may go live, go back to shadow, stop and resume (owner/admin).
    pub can_manage: bool,
    /// What must be typed to go live (the workspace name).
    pub confirm_text: String,
}

impl SendingState {
    /// Messages leave for real only when every switch allows it.
    pub fn sending(&self) -> bool {
        !self.shadow_mode && !self.paused && !self.platform_stop
    }
}

/// The outbox states a user can filter by (`sending` shows under pending).
pub const OUTBOX_STATES: [&str; 6] = ["shadow", "pending", "sent", "cancelled", "failed", "unknown"];

/// One just-in-time check as recorded on the row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub ok: bool,
    pub detail: String,
}

/// An outbox row in the list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxItem {
    pub id: OutboxId,
    pub state: String,
    pub to_address: String,
    pub subject: String,
    pub campaign: String,
    pub step: i16,
    /// Sent (or stored as shadow) at, else when it is next due.
    pub when: DateTime<Utc>,
    pub last_error: Option<String>,
    pub checks: Vec<CheckResult>,
    pub bounced: bool,
    pub complained: bool,
}

/// One message in full: exactly what went (or would go) out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub item: OutboxItem,
    pub from: Option<String>,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Body with the compliance footer, as sent.
    pub text: String,
}

/// The outbox page: counts per state and the rows of the chosen state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub counts: Vec<(String, i64)>,
    pub items: Vec<OutboxItem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> MailboxForm {
        MailboxForm {
            address: " Sam@Agency.Example ".into(),
            display_name: "Sam Carter".into(),
            smtp_host: "SMTP.Agency.Example".into(),
            smtp_port: "587".into(),
            smtp_security: "starttls".into(),
            smtp_username: "sam@agency.example".into(),
            smtp_password: "app-password".into(),
            daily_cap: 40,
            ramp_start: 5,
            ramp_step: 3,
        }
    }

    #[test]
    fn a_good_form_is_canonicalised() {
        let m = form().validate().unwrap();
        assert_eq!(m.address, "sam@agency.example");
        assert_eq!(m.smtp_host, "smtp.agency.example");
        assert_eq!(m.smtp_port, 587);
        assert_eq!(m.smtp_security, SmtpSecurity::Starttls);
        assert!(!format!("{m:?}").contains("app-password"));
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: Vec<(fn(&mut MailboxForm), &str)> = vec![
            (|f| f.address = "sam".into(), "email address"),
            (|f| f.smtp_host = "smtp example".into(), "host name"),
            (|f| f.smtp_port = "0".into(), "port"),
            (|f| f.smtp_port = "70000".into(), "port"),
            (|f| f.smtp_security = "ssl3".into(), "security"),
            (|f| f.smtp_security = "none".into(), "localhost"),
            (|f| f.smtp_password = String::new(), "password"),
            (|f| f.daily_cap = 0, "daily cap"),
            (|f| f.daily_cap = 5000, "daily cap"),
            (|f| f.ramp_start = 41, "ramp"),
            (|f| f.ramp_step = -1, "ramp step"),
        ];
        for (change, word) in cases {
            let mut f = form();
            change(&mut f);
            let e = f.validate().unwrap_err().to_string();
            assert!(e.contains(word), "{e:?} should mention {word}");
        }
        let mut local = form();
        local.smtp_host = "localhost".into();
        local.smtp_security = "none".into();
        assert!(local.validate().is_ok());
    }
}
