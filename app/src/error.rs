//! The one error type that crosses the server-function boundary. It carries the HTTP status
//! (set on the response by the server) and a message fit to show the user.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub status: u16,
    pub message: String,
}

impl AppError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(404, format!("{what} not found"))
    }
    pub fn is_unauthenticated(&self) -> bool {
        self.status == 401
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) => {
                AppError::new(400, format!("The request was malformed: {m}"))
            }
            ServerFnErrorErr::Request(_) => AppError::new(503, "Could not reach the server. Check your connection and try again."),
            other => AppError::new(500, other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<engine::Error> for AppError {
    fn from(e: engine::Error) -> Self {
        let status = e.status();
        if status >= 500 {
            tracing::error!(error = ?e, "server function failed");
        }
        AppError::new(status, e.public_message())
    }
}

#[cfg(feature = "ssr")]
impl From<domain::account::InputError> for AppError {
    fn from(e: domain::account::InputError) -> Self {
        AppError::new(422, e.to_string())
    }
}
