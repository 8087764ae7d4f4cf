//! The engine's one error type. `server` maps it to HTTP statuses and UI messages in one place.

use domain::account::InputError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input: the message is shown to the user as it is.
    #[error("{0}")]
    Invalid(String),
    /// Not logged in, or bad credentials (deliberately generic).
    #[error("{0}")]
    Unauthenticated(String),
    /// Logged in but the role does not allow it.
    #[error("your role does not allow this")]
    Forbidden,
    /// Logged in but the role does not allow it, with what only a higher role may do.
    #[error("{0}")]
    ForbiddenTo(&'static str),
    /// Absent, deleted, or belonging to another workspace: indistinguishable on purpose.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Invalid(e.to_string())
    }
}

impl Error {
    /// HTTP status for this error; the single mapping used by every route and server function.
    pub fn status(&self) -> u16 {
        match self {
            Error::Invalid(_) => 422,
            Error::Unauthenticated(_) => 401,
            Error::Forbidden | Error::ForbiddenTo(_) => 403,
            Error::NotFound(_) => 404,
            Error::Conflict(_) => 409,
            Error::Throttled { .. } => 429,
            Error::Database(_) | Error::Redis(_) | Error::Internal(_) => 500,
        }
    }

    /// What the user is told. Server faults are opaque: details go to the log only.
    pub fn public_message(&self) -> String {
        match self.status() {
            500 => "Something went wrong on our side. Please try again.".into(),
            _ => self.to_string(),
        }
    }
}

/// Turns a unique-constraint violation into a conflict with a user-facing message.
pub(crate) fn on_unique(e: sqlx::Error, message: &str) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict(message.into()),
        _ => Error::Database(e),
    }
}
