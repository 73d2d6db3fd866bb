//! Datastore failures, classified by what a caller can do about them (what a client
//! sees of them is decided at the HTTP edge, `crate::error`).

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::sdk_error::is_transient;

/// A DynamoDB call failed: `operation` names the call, `message` is for the log.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)]
pub enum StoreError {
    /// The datastore could not be reached, timed out or throttled us: worth a retry.
    #[error("datastore unavailable during {operation}: {message}")]
    Unavailable {
        operation: &'static str,
        message: String,
    },
    /// The datastore answered with an error (`code`) a retry will not fix.
    #[error("datastore error during {operation}: {code}: {message}")]
    Rejected {
        operation: &'static str,
        code: String,
        message: String,
    },
    /// An item did not have the shape this code writes.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    /// A write conditional on the caller's session found it ended: nothing was written.
    #[error("the session has ended")]
    SessionEnded,
    /// Concurrent writes kept cancelling this one: nothing was written; retry soon.
    #[error("the write kept conflicting with concurrent writes")]
    Contended,
}

impl StoreError {
    /// Classifies an SDK error from `operation`.
    pub fn from_sdk<E>(operation: &'static str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let message = aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string();
        if is_transient(&error) {
            return Self::Unavailable { operation, message };
        }
        let code = error.code().unwrap_or("Unknown").to_owned();
        Self::Rejected {
            operation,
            code,
            message,
        }
    }

    /// Whether a conditional write was applied (`false`: its condition did not hold).
    pub fn applied<T, E>(
        operation: &'static str,
        result: Result<T, SdkError<E, HttpResponse>>,
    ) -> Result<bool, Self>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(Self::from_sdk(operation, e)),
        }
    }

    /// Whether a retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }
}
