//! Which failures of an AWS SDK call a retry may fix, for both clients (DynamoDB,
//! Secrets Manager): the SDK's own throttling and transient error codes, which its
//! retries already act on, and every server error or call that got no answer.

use aws_runtime::retries::classifiers::{THROTTLING_ERRORS, TRANSIENT_ERRORS};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Whether a retry of the call that failed with `error` may succeed: it timed out or
/// never reached the service, or the service answered a 5xx or a throttling or
/// transient code. A request the SDK could not build is a bug, never transient.
pub fn is_transient<E: ProvideErrorMetadata>(error: &SdkError<E, HttpResponse>) -> bool {
    match error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            service.raw().status().is_server_error()
                || THROTTLING_ERRORS.contains(&code)
                || TRANSIENT_ERRORS.contains(&code)
        }
        SdkError::ConstructionFailure(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::error::ErrorMetadata;
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn answered(status: u16, code: &str) -> SdkError<GetItemError, HttpResponse> {
        let error = GetItemError::generic(ErrorMetadata::builder().code(code).build());
        let status = http::StatusCode::from_u16(status).expect("a status code");
        SdkError::service_error(error, HttpResponse::new(status.into(), SdkBody::empty()))
    }

    #[test]
    fn throttling_and_server_errors_are_worth_a_retry() {
        assert!(is_transient(&answered(400, "ThrottlingException")));
        assert!(is_transient(&answered(
            400,
            "ProvisionedThroughputExceededException"
        )));
        assert!(is_transient(&answered(
            400,
            "TransactionInProgressException"
        )));
        assert!(is_transient(&answered(500, "InternalServerError")));
        assert!(is_transient(&answered(503, "ServiceUnavailable")));
    }

    #[test]
    fn refusals_are_not_worth_a_retry() {
        assert!(!is_transient(&answered(
            400,
            "ConditionalCheckFailedException"
        )));
        assert!(!is_transient(&answered(400, "ValidationException")));
        assert!(!is_transient(&answered(400, "AccessDeniedException")));
    }

    #[test]
    fn calls_without_an_answer_are_worth_a_retry_and_unbuildable_ones_are_not() {
        let timeout = SdkError::<GetItemError, HttpResponse>::timeout_error("no answer");
        assert!(is_transient(&timeout));
        let unbuilt = SdkError::<GetItemError, HttpResponse>::construction_failure("a bug");
        assert!(!is_transient(&unbuilt));
    }
}
