//! Accounts, workspaces and roles (SPEC §1): validated input types and the permission table.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a piece of account input was refused. Messages are shown to the user as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum InputError {
    #[error("{field} is required")]
    Empty { field: String },
    #[error("{field} must be at most {max} characters")]
    TooLong { field: String, max: usize },
    #[error("{field} must be at least {min} characters")]
    TooShort { field: String, min: usize },
    #[error("{0}")]
    Invalid(String),
}

fn bounded(field: &str, raw: &str, min: usize, max: usize) -> Result<String, InputError> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(InputError::Empty { field: field.into() });
    }
    let n = v.chars().count();
    if n > max {
        return Err(InputError::TooLong { field: field.into(), max });
    }
    if n < min {
        return Err(InputError::TooShort { field: field.into(), min });
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(InputError::Invalid(format!("{field} must not contain control characters")));
    }
    Ok(v.to_string())
}

/// A login email: trimmed and lower-cased (the canonical form used for uniqueness).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoginEmail(String);

impl LoginEmail {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let v = bounded("Email", raw, 3, Self::MAX)?.to_lowercase();
        let Some((local, domain)) = v.rsplit_once('@') else {
            return Err(InputError::Invalid("Enter an email address like name@company.com".into()));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !(domain_ok && local_ok) {
            return Err(InputError::Invalid("Enter an email address like name@company.com".into()));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LoginEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password. Length is the rule that matters (NIST SP 800-63B); the upper bound keeps
/// argon2 work bounded against deliberately huge inputs.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN: usize = 10;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let n = raw.chars().count();
        if n == 0 {
            return Err(InputError::Empty { field: "Password".into() });
        }
        if n < Self::MIN {
            return Err(InputError::TooShort { field: "Password".into(), min: Self::MIN });
        }
        if n > Self::MAX {
            return Err(InputError::TooLong { field: "Password".into(), max: Self::MAX });
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(****)")
    }
}

/// A person's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        bounded("Name", raw, 1, 100).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A workspace's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceName(String);

impl WorkspaceName {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        bounded("Workspace name", raw, 2, 80).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A member's role in a workspace, most powerful first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Member, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "member" => Ok(Role::Member),
            "viewer" => Ok(Role::Viewer),
            _ => Err(InputError::Invalid("Role must be owner, admin, member or viewer".into())),
        }
    }

    fn rank(self) -> u8 {
        match self {
            Role::Owner => 4,
            Role::Admin => 3,
            Role::Member => 2,
            Role::Viewer => 1,
        }
    }

    /// True when this role is at least as powerful as `other`.
    pub fn at_least(self, other: Role) -> bool {
        self.rank() >= other.rank()
    }

    pub fn can(self, action: Action) -> bool {
        self.at_least(action.min_role())
    }

    /// Which roles this role may hand out or take away. Only an owner makes owners.
    pub fn can_assign(self, target: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Admin => !matches!(target, Role::Owner),
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a member can try to do; the permission table lives in `min_role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    ViewWorkspace,
    EditCampaigns,
    ApproveDrafts,
    ManageMembers,
    ManageIntegrations,
    GoLive,
    RenameWorkspace,
    DeleteWorkspace,
    ManageBilling,
    /// Seeing the plan, usage and invoices (the Billing page).
    ViewBilling,
    ViewAudit,
    /// Putting a campaign on autopilot, which removes human approval of its drafts.
    ChooseAutopilot,
    /// Setting the KPI targets the Reports page rates against.
    SetReportTargets,
    /// The workspace's drafting policy: default permission mode and quality guard mode.
    ConfigureDrafting,
    /// Taking an entry off the suppression list: someone may be contacted again.
    LiftSuppression,
    /// The workspace's daily and monthly budgets.
    SetBudgets,
    /// Acknowledging or resolving an alert.
    HandleAlerts,
    /// The workspace's time zone and the digests its Slack channel gets.
    ConfigureDigests,
}

impl Action {
    pub fn min_role(self) -> Role {
        match self {
            Action::ViewWorkspace => Role::Viewer,
            Action::EditCampaigns | Action::ApproveDrafts | Action::HandleAlerts => Role::Member,
            Action::ManageMembers
            | Action::ManageIntegrations
            | Action::GoLive
            | Action::RenameWorkspace
            | Action::ViewAudit
            | Action::ViewBilling
            | Action::ChooseAutopilot
            | Action::SetReportTargets
            | Action::ConfigureDrafting
            | Action::LiftSuppression
            | Action::SetBudgets
            | Action::ConfigureDigests => Role::Admin,
            Action::DeleteWorkspace | Action::ManageBilling => Role::Owner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_emails_are_canonical_and_malformed_ones_refused() {
        assert_eq!(LoginEmail::parse("  Ann@Example.COM ").unwrap().as_str(), "ann@example.com");
        for bad in ["", "ann", "ann@", "@x.com", "ann@x", "a..b@x.com", "ann@-x.com", "a b@x.com"] {
            assert!(LoginEmail::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(LoginEmail::parse(&format!("{}@x.com", "a".repeat(300))).is_err());
    }

    #[test]
    fn passwords_are_bounded_and_never_printed() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        let p = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }

    #[test]
    fn permission_table_matches_spec() {
        assert!(Role::Viewer.can(Action::ViewWorkspace));
        assert!(!Role::Viewer.can(Action::ApproveDrafts));
        assert!(Role::Member.can(Action::ApproveDrafts));
        assert!(!Role::Member.can(Action::ManageMembers));
        assert!(Role::Admin.can(Action::GoLive));
        assert!(!Role::Member.can(Action::ChooseAutopilot) && Role::Admin.can(Action::ChooseAutopilot));
        assert!(!Role::Admin.can(Action::DeleteWorkspace));
        assert!(Role::Owner.can(Action::DeleteWorkspace));
        assert!(!Role::Admin.can_assign(Role::Owner));
        assert!(Role::Admin.can_assign(Role::Viewer));
        assert!(!Role::Member.can_assign(Role::Viewer));
    }

    #[test]
    fn workspace_names_are_trimmed_and_bounded() {
        assert_eq!(WorkspaceName::parse("  Acme  ").unwrap().as_str(), "Acme");
        assert!(WorkspaceName::parse("   ").is_err());
        assert!(WorkspaceName::parse(&"x".repeat(81)).is_err());
        assert!(WorkspaceName::parse("a\u{0}b").is_err());
    }
}

// ---- Views shared by the server and the browser -------------------------------------------

use crate::ids::{InvitationId, UserId, WorkspaceId};
use chrono::{DateTime, Utc};

/// The logged-in person, as the UI sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
}

/// A workspace the user belongs to, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: WorkspaceId,
    pub name: String,
    pub role: Role,
    pub shadow_mode: bool,
    pub member_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub fn label(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "Pending",
            InvitationStatus::Accepted => "Accepted",
            InvitationStatus::Revoked => "Revoked",
            InvitationStatus::Expired => "Expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: InvitationStatus,
}

/// A freshly created invitation with its one-time link (shown once to the inviter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvitation {
    pub invitation: Invitation,
    pub link: String,
}

/// What the invitation page shows before the invitee accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub status: InvitationStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}
