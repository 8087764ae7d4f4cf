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

/// What kind of sender a mailbox is (the `mailboxes.kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailboxKind {
    /// A native mailbox we send from over SMTP.
    Smtp,
    /// A sending account on Instantly: the lead joins a campaign prepared there.
    Instantly,
    /// A sending account on Smartlead: likewise.
    Smartlead,
}

impl MailboxKind {
    pub const ALL: [MailboxKind; 3] = [MailboxKind::Smtp, MailboxKind::Instantly, MailboxKind::Smartlead];

    pub fn as_str(self) -> &'static str {
        match self {
            MailboxKind::Smtp => "smtp",
            MailboxKind::Instantly => "instantly",
            MailboxKind::Smartlead => "smartlead",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MailboxKind::Smtp => "Our own mailbox (SMTP)",
            MailboxKind::Instantly => "Instantly sending account",
            MailboxKind::Smartlead => "Smartlead sending account",
        }
    }

    pub fn is_external(self) -> bool {
        self != MailboxKind::Smtp
    }

    /// Empty means SMTP: the form before external senders existed did not send a kind.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "smtp" => Ok(MailboxKind::Smtp),
            "instantly" => Ok(MailboxKind::Instantly),
            "smartlead" => Ok(MailboxKind::Smartlead),
            other => Err(InputError::Invalid(format!("the kind must be smtp, instantly or smartlead, not {other:?}"))),
        }
    }

    /// What the campaign field asks for, per provider.
    pub fn campaign_hint(self) -> &'static str {
        match self {
            MailboxKind::Smtp => "",
            MailboxKind::Instantly => "the campaign's id, a UUID from its URL in Instantly (app.instantly.ai/app/campaign/<id>/…)",
            MailboxKind::Smartlead => "the campaign's number from its URL in Smartlead (app.smartlead.ai/app/email-campaign/<number>/…)",
        }
    }
}

/// How the IMAP connection is protected (the `mailboxes.imap_security` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImapSecurity {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143).
    Starttls,
    /// No encryption: only for a server on the same machine.
    None,
}

impl ImapSecurity {
    pub const ALL: [ImapSecurity; 3] = [ImapSecurity::Tls, ImapSecurity::Starttls, ImapSecurity::None];

    pub fn as_str(self) -> &'static str {
        match self {
            ImapSecurity::Tls => "tls",
            ImapSecurity::Starttls => "starttls",
            ImapSecurity::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImapSecurity::Tls => "TLS (993)",
            ImapSecurity::Starttls => "STARTTLS (143)",
            ImapSecurity::None => "None (local server only)",
        }
    }

    /// The usual port for this protection.
    pub fn default_port(self) -> u16 {
        match self {
            ImapSecurity::Tls => 993,
            ImapSecurity::Starttls | ImapSecurity::None => 143,
        }
    }

    /// Empty means TLS, what every hosted mailbox offers.
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "tls" | "ssl" => Ok(ImapSecurity::Tls),
            "starttls" => Ok(ImapSecurity::Starttls),
            "none" => Ok(ImapSecurity::None),
            other => Err(InputError::Invalid(format!("IMAP security must be tls, starttls or none, not {other:?}"))),
        }
    }
}

/// The add-mailbox form as typed. Fields that do not apply to the chosen kind are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxForm {
    /// `smtp` (or empty), `instantly` or `smartlead`.
    #[serde(default)]
    pub kind: String,
    pub address: String,
    pub display_name: String,
    pub smtp_host: String,
    pub smtp_port: String,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    /// Optional: how to read the mailbox (reconciliation after a crash, bounces).
    #[serde(default)]
    pub imap_host: String,
    #[serde(default)]
    pub imap_port: String,
    #[serde(default)]
    pub imap_security: String,
    /// External kinds: the campaign prepared on the platform.
    #[serde(default)]
    pub provider_campaign: String,
    pub daily_cap: i32,
    pub ramp_start: i32,
    pub ramp_step: i32,
}

/// Where a mailbox that passed validation sends through.
#[derive(Clone, PartialEq, Eq)]
pub enum ValidTransport {
    Smtp(ValidSmtp),
    /// Instantly or Smartlead, and the campaign prepared there.
    External { kind: MailboxKind, campaign: String },
}

/// A native mailbox's server settings. The password stays out of `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidSmtp {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: String,
    pub password: String,
    pub imap: Option<ValidImap>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidImap {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
}

/// A mailbox form that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMailbox {
    pub address: String,
    pub display_name: String,
    pub transport: ValidTransport,
    pub limits: SendLimits,
}

impl ValidMailbox {
    pub fn kind(&self) -> MailboxKind {
        match &self.transport {
            ValidTransport::Smtp(_) => MailboxKind::Smtp,
            ValidTransport::External { kind, .. } => *kind,
        }
    }
}

impl std::fmt::Debug for ValidTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValidTransport::Smtp(s) => f
                .debug_struct("Smtp")
                .field("host", &s.host)
                .field("port", &s.port)
                .field("security", &s.security)
                .field("username", &s.username)
                .field("imap", &s.imap)
                .finish_non_exhaustive(),
            ValidTransport::External { kind, campaign } => f.debug_struct("External").field("kind", kind).field("campaign", campaign).finish(),
        }
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

fn parse_port(raw: &str, what: &str) -> Result<u16, InputError> {
    raw.trim()
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| InputError::Invalid(format!("the {what} port must be a number from 1 to 65535, not {:?}", raw.trim())))
}

fn local(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1")
}

/// The campaign id as the provider writes it: Instantly's are UUIDs, Smartlead's numbers.
pub fn parse_provider_campaign(kind: MailboxKind, raw: &str) -> Result<String, InputError> {
    let c = raw.trim();
    let name = match kind {
        MailboxKind::Smtp => return Err(InputError::Invalid("an SMTP mailbox has no provider campaign".into())),
        MailboxKind::Instantly => "Instantly",
        MailboxKind::Smartlead => "Smartlead",
    };
    if c.is_empty() {
        return Err(InputError::Invalid(format!("the {name} campaign id is missing: {}", kind.campaign_hint())));
    }
    let ok = match kind {
        MailboxKind::Instantly => uuid::Uuid::try_parse(c).is_ok(),
        _ => c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()) && c.trim_start_matches('0') != "",
    };
    if !ok {
        return Err(InputError::Invalid(format!("{c:?} is not a valid {name} campaign id: {}", kind.campaign_hint())));
    }
    Ok(c.to_ascii_lowercase())
}

impl MailboxForm {
    pub fn validate(self) -> Result<ValidMailbox, InputError> {
        let kind = MailboxKind::parse(&self.kind)?;
        let address = crate::account::LoginEmail::parse(&self.address)
            .map_err(|_| InputError::Invalid(format!("{:?} is not an email address", self.address.trim())))?
            .as_str()
            .to_string();
        let display_name = self.display_name.trim().to_string();
        if display_name.chars().count() > 120 || display_name.chars().any(|c| c.is_control()) {
            return Err(InputError::Invalid("the display name must be at most 120 characters, without control characters".into()));
        }
        let transport = if kind.is_external() {
            ValidTransport::External { kind, campaign: parse_provider_campaign(kind, &self.provider_campaign)? }
        } else {
            ValidTransport::Smtp(self.smtp()?)
        };
        let limits = SendLimits { daily_cap: self.daily_cap, ramp_start: self.ramp_start, ramp_step: self.ramp_step }.validate()?;
        Ok(ValidMailbox { address, display_name, transport, limits })
    }

    fn smtp(&self) -> Result<ValidSmtp, InputError> {
        let host = parse_host(&self.smtp_host)?;
        let port = parse_port(&self.smtp_port, "SMTP")?;
        let security = SmtpSecurity::parse(&self.smtp_security)?;
        // Sending in clear text over the network would hand the password to anyone on the path.
        if security == SmtpSecurity::None && !local(&host) {
            return Err(InputError::Invalid("security none is only allowed for a relay on this machine (localhost); use starttls or tls".into()));
        }
        let username = self.smtp_username.trim().to_string();
        if username.len() > 320 || username.chars().any(|c| c.is_control()) {
            return Err(InputError::Invalid("the user name must be at most 320 characters, without control characters".into()));
        }
        if self.smtp_password.len() > 1024 {
            return Err(InputError::Invalid("the password must be at most 1024 characters".into()));
        }
        if !username.is_empty() && self.smtp_password.is_empty() {
            return Err(InputError::Invalid("a user name needs its password (an app password for Gmail or Microsoft 365)".into()));
        }
        Ok(ValidSmtp { host, port, security, username, password: self.smtp_password.clone(), imap: self.imap()? })
    }

    /// IMAP is optional: no host means none. It logs in with the SMTP user name and password.
    fn imap(&self) -> Result<Option<ValidImap>, InputError> {
        if self.imap_host.trim().is_empty() {
            if !self.imap_port.trim().is_empty() {
                return Err(InputError::Invalid("an IMAP port needs its IMAP host (or leave both empty)".into()));
            }
            return Ok(None);
        }
        let host = parse_host(&self.imap_host).map_err(|_| InputError::Invalid(format!("{:?} is not an IMAP host name like imap.example.com", self.imap_host.trim())))?;
        let security = ImapSecurity::parse(&self.imap_security)?;
        if security == ImapSecurity::None && !local(&host) {
            return Err(InputError::Invalid("IMAP security none is only allowed for a server on this machine (localhost); use tls or starttls".into()));
        }
        let port = if self.imap_port.trim().is_empty() { security.default_port() } else { parse_port(&self.imap_port, "IMAP")? };
        Ok(Some(ValidImap { host, port, security }))
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
    /// `smtp`, `instantly` or `smartlead`.
    pub kind: MailboxKind,
    /// External kinds: the provider's campaign the sends go through.
    pub provider_campaign: Option<String>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_security: Option<String>,
    /// External kinds: where the provider must post its events (bounces, unsubscribes), once
    /// the workspace connected its key; `None` otherwise.
    pub webhook_url: Option<String>,
    pub limits: SendLimits,
    /// Today's cap with the ramp applied.
    pub cap_today: i32,
    pub used_today: i32,
    pub dkim: Option<DkimRecord>,
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_reason: Option<String>,
    /// How reading its INBOX for bounces and complaints went; `None` before the first read (or
    /// for a mailbox without IMAP settings).
    pub bounce_check: Option<BounceCheck>,
}

/// The last read of a mailbox's INBOX for bounces and complaints, and what it found in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceCheck {
    pub last_read_at: Option<DateTime<Utc>>,
    /// Why the last read failed; `None` when it succeeded.
    pub error: Option<String>,
    pub bounces: i64,
    pub complaints: i64,
    /// Failed reads since the last good one.
    #[serde(default)]
    pub failures_in_a_row: i32,
    /// A failing server is left alone until then (the poller backs off); `None` when healthy.
    #[serde(default)]
    pub next_try_at: Option<DateTime<Utc>>,
}

impl BounceCheck {
    /// The line the Mailboxes page shows.
    pub fn summary(&self) -> String {
        match (&self.error, self.last_read_at) {
            (Some(e), _) => {
                let mut line = format!("Bounce check failed: {e}");
                if self.failures_in_a_row > 1 {
                    line.push_str(&format!(" ({} times in a row)", self.failures_in_a_row));
                }
                if let Some(next) = self.next_try_at {
                    line.push_str(&format!(" · next try {}", next.format("%Y-%m-%d %H:%M UTC")));
                }
                line
            }
            (None, Some(at)) => format!(
                "Bounce check: INBOX read {} · {} bounce{}, {} complaint{} recorded",
                at.format("%Y-%m-%d %H:%M UTC"),
                self.bounces,
                if self.bounces == 1 { "" } else { "s" },
                self.complaints,
                if self.complaints == 1 { "" } else { "s" }
            ),
            (None, None) => "Bounce check: not read yet".into(),
        }
    }
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
    /// Ramp mode while the workspace ramps (SPEC §6); `None` otherwise.
    #[serde(default)]
    pub ramp: Option<crate::allocate::RampOverview>,
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
            ..Default::default()
        }
    }

    fn smtp(m: &ValidMailbox) -> &ValidSmtp {
        match &m.transport {
            ValidTransport::Smtp(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_good_form_is_canonicalised() {
        let m = form().validate().unwrap();
        assert_eq!(m.address, "sam@agency.example");
        assert_eq!(m.kind(), MailboxKind::Smtp);
        let s = smtp(&m);
        assert_eq!(s.host, "smtp.agency.example");
        assert_eq!(s.port, 587);
        assert_eq!(s.security, SmtpSecurity::Starttls);
        assert_eq!(s.imap, None, "IMAP is optional");
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
            (|f| f.kind = "mailgun".into(), "smtp, instantly or smartlead"),
            (|f| f.imap_host = "imap example".into(), "IMAP host"),
            (|f| f.imap_port = "993".into(), "needs its IMAP host"),
            (|f| {
                f.imap_host = "imap.agency.example".into();
                f.imap_port = "99999".into();
            }, "IMAP port"),
            (|f| {
                f.imap_host = "imap.agency.example".into();
                f.imap_security = "ssl3".into();
            }, "IMAP security"),
            (|f| {
                f.imap_host = "imap.agency.example".into();
                f.imap_security = "none".into();
            }, "localhost"),
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

    #[test]
    fn imap_settings_are_read_with_the_usual_port_by_default() {
        let mut f = form();
        f.imap_host = " IMAP.Agency.Example ".into();
        let m = f.clone().validate().unwrap();
        assert_eq!(smtp(&m).imap, Some(ValidImap { host: "imap.agency.example".into(), port: 993, security: ImapSecurity::Tls }));
        f.imap_security = "starttls".into();
        assert_eq!(smtp(&f.clone().validate().unwrap()).imap.as_ref().unwrap().port, 143);
        f.imap_port = "1143".into();
        assert_eq!(smtp(&f.validate().unwrap()).imap.as_ref().unwrap().port, 1143);
    }

    #[test]
    fn an_external_account_needs_the_providers_campaign_id_and_no_smtp_server() {
        let mut f = form();
        f.kind = "instantly".into();
        f.smtp_host = String::new();
        f.smtp_port = String::new();
        f.provider_campaign = " 8B7C5C2E-1D3A-4F6B-9C0D-2E4F6A8B0C1D ".into();
        let m = f.clone().validate().unwrap();
        assert_eq!(m.transport, ValidTransport::External { kind: MailboxKind::Instantly, campaign: "8b7c5c2e-1d3a-4f6b-9c0d-2e4f6a8b0c1d".into() });
        assert_eq!(m.limits.daily_cap, 40, "caps and ramp apply to external accounts alike");

        f.provider_campaign = "12345".into();
        assert!(f.clone().validate().unwrap_err().to_string().contains("not a valid Instantly campaign id"));
        f.provider_campaign = String::new();
        assert!(f.clone().validate().unwrap_err().to_string().contains("campaign id is missing"));

        f.kind = "smartlead".into();
        f.provider_campaign = "98765".into();
        assert_eq!(f.clone().validate().unwrap().transport, ValidTransport::External { kind: MailboxKind::Smartlead, campaign: "98765".into() });
        for bad in ["abc", "-5", "0", "1.5", "8b7c5c2e-1d3a-4f6b-9c0d-2e4f6a8b0c1d"] {
            f.provider_campaign = bad.into();
            let e = f.clone().validate().unwrap_err().to_string();
            assert!(e.contains("Smartlead campaign id") && e.contains("number"), "{bad}: {e}");
        }
        f.provider_campaign = "98765".into();
        f.daily_cap = 0;
        assert!(f.validate().unwrap_err().to_string().contains("daily cap"));
    }
}

#[cfg(test)]
mod bounce_check_tests {
    use super::BounceCheck;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_page_line_says_what_the_last_read_found_or_why_it_failed() {
        let none = BounceCheck { last_read_at: None, error: None, bounces: 0, complaints: 0, failures_in_a_row: 0, next_try_at: None };
        let mut c = BounceCheck { last_read_at: Some(Utc.with_ymd_and_hms(2026, 11, 24, 9, 5, 0).unwrap()), bounces: 1, complaints: 2, ..none.clone() };
        assert_eq!(c.summary(), "Bounce check: INBOX read 2026-11-24 09:05 UTC · 1 bounce, 2 complaints recorded");
        c.error = Some("LOGIN refused".into());
        c.failures_in_a_row = 1;
        assert_eq!(c.summary(), "Bounce check failed: LOGIN refused");
        // A server that keeps failing is backed off, and the page says until when.
        c.failures_in_a_row = 4;
        c.next_try_at = Some(Utc.with_ymd_and_hms(2026, 11, 24, 10, 5, 0).unwrap());
        assert_eq!(c.summary(), "Bounce check failed: LOGIN refused (4 times in a row) · next try 2026-11-24 10:05 UTC");
        assert_eq!(none.summary(), "Bounce check: not read yet");
    }
}
