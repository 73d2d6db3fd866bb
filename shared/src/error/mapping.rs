//! The one place where the domain's and the datastore's failures become the
//! contract's errors: which status, which `errorCode`, which sentence.
//!
//! The domain ([`crate::domain`]) and the store ([`crate::store`]) fail with their own
//! types and know nothing of HTTP; handlers use `?` and these conversions decide what
//! the client sees. A failure the client cannot act on is logged here and answered
//! with a 500 or a 503 that says nothing of its cause.

use crate::ApiError;
use crate::domain::password::HashError;
use crate::domain::{FieldError, LoginRefused};
use crate::store::StoreError;

/// Seconds a client should wait after a 503 from an unavailable datastore.
const DATASTORE_RETRY_AFTER_SECONDS: u64 = 1;

/// Input that does not parse: a 400 naming the field.
impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::BadRequest {
            field: error.field.to_owned(),
            message: error.to_string(),
        }
    }
}

/// A login body refused before any lookup: a 400 for a malformed body; a name or
/// password too long to exist gets the answer to any wrong one.
impl From<LoginRefused> for ApiError {
    fn from(refused: LoginRefused) -> Self {
        match refused {
            LoginRefused::Invalid(error) => error.into(),
            LoginRefused::CannotMatch => ApiError::InvalidCredentials,
        }
    }
}

/// A password that could not be hashed: a bug or a resource limit, so a 500.
impl From<HashError> for ApiError {
    fn from(error: HashError) -> Self {
        tracing::error!(error = %error, "password hashing failed");
        ApiError::Internal
    }
}

/// A datastore failure: a 503 when a retry may succeed (saying whether a write may
/// have been applied), a 401 when the caller's session ended under a conditional
/// write, a 500 otherwise.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if matches!(error, StoreError::SessionEnded) {
            return ApiError::session_ended();
        }
        if matches!(error, StoreError::Contended) {
            tracing::warn!(error = %error, "write contended");
            return ApiError::Contended { retry_after: 1 };
        }
        if error.is_transient() {
            tracing::warn!(error = %error, "datastore unavailable");
            ApiError::ServiceUnavailable {
                retry_after: DATASTORE_RETRY_AFTER_SECONDS,
                during_write: false,
            }
        } else {
            tracing::error!(error = %error, "datastore error");
            ApiError::Internal
        }
    }
}

#[cfg(test)]
mod tests {
    use http::StatusCode;
    use serde_json::{Map, json};

    use super::*;
    use crate::domain::Reason;

    #[test]
    fn a_field_error_is_a_400_with_its_sentence() {
        let error = ApiError::from(FieldError::new(
            "userName",
            Reason::LengthOutside { min: 3, max: 32 },
        ));
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            error.body(Map::new()),
            json!({
                "success": false,
                "errorCode": "BAD_REQUEST",
                "errorMessage": "userName must be 3 to 32 characters long.",
            })
        );
    }

    #[test]
    fn a_login_too_long_to_match_is_invalid_credentials() {
        assert_eq!(
            ApiError::from(LoginRefused::CannotMatch),
            ApiError::InvalidCredentials
        );
        let missing = FieldError::new("password", Reason::Missing);
        assert_eq!(
            ApiError::from(LoginRefused::Invalid(missing.clone())),
            ApiError::from(missing)
        );
    }

    #[test]
    fn datastore_failures_say_only_what_the_client_can_do() {
        let unavailable = StoreError::Unavailable {
            operation: "GetItem",
            message: "timed out".to_owned(),
        };
        assert_eq!(
            ApiError::from(unavailable),
            ApiError::ServiceUnavailable {
                retry_after: DATASTORE_RETRY_AFTER_SECONDS,
                during_write: false,
            }
        );
        let rejected = StoreError::Rejected {
            operation: "PutItem",
            code: "ValidationException".to_owned(),
            message: "bad item".to_owned(),
        };
        assert_eq!(ApiError::from(rejected), ApiError::Internal);
        assert_eq!(
            ApiError::from(StoreError::Corrupt("no pk".to_owned())),
            ApiError::Internal
        );
        assert_eq!(
            ApiError::from(StoreError::SessionEnded),
            ApiError::session_ended()
        );
    }
}
