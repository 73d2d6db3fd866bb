//! The Lambda Invoke API on the gateway's port, as `sam local start-lambda` offers it:
//! `POST /2015-03-31/functions/{FunctionName}/invocations`.
//!
//! This is what `aws lambda invoke --endpoint-url http://127.0.0.1:3001` and the AWS
//! SDKs call. The request body is the event, handed to the function's pool as it is
//! (no HTTP API conversion), and the answer is the function's result as it wrote it:
//! the direct way to reach an instance, without the HTTP gateway in between.
//!
//! - `{FunctionName}` is the short name (`rule`), the logical id (`RuleFunction`), the
//!   function name, or a full or partial ARN, with `$LATEST` as the only qualifier.
//! - `X-Amz-Invocation-Type`: `RequestResponse` (the default) waits for the result;
//!   `Event` queues the invocation and answers 202; `DryRun` only checks, 204.
//! - A function error is a 200 with `X-Amz-Function-Error: Unhandled` and the runtime's
//!   error report, as on Lambda; a timeout or a crashed instance is reported the same
//!   way. The API's own errors carry `X-Amzn-ErrorType` and `{"Type", "message"}`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::{BodyExt as _, Limited};

use crate::platform::Platform;
use crate::runtime::pool::{OutcomeKind, Pool};
use crate::server::errors::InvokeError;
use crate::server::gateway::Gateway;

/// Where the API's paths start.
pub const PREFIX: &str = "/2015-03-31/functions/";
/// The `Invoke` operation's path, in axum's syntax.
pub(crate) const INVOKE_PATH: &str = "/2015-03-31/functions/{name}/invocations";
/// The other operations of the API's version, which the local platform does not offer.
pub(crate) const OTHER_OPERATIONS: &str = "/2015-03-31/{*operation}";

/// Lambda's payload limit for synchronous invocations.
const SYNC_PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;
/// Lambda's payload limit for asynchronous (`Event`) invocations.
const ASYNC_PAYLOAD_LIMIT: usize = 1024 * 1024;

/// How the caller wants the function invoked (`X-Amz-Invocation-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the result.
    RequestResponse,
    /// Queue the invocation and answer at once.
    Event,
    /// Only check that the function exists.
    DryRun,
}

impl InvocationType {
    /// The invocation type a header value names; absent means `RequestResponse`.
    pub fn parse(value: Option<&HeaderValue>) -> Result<Self, ApiError> {
        match value.map(HeaderValue::as_bytes) {
            None | Some(b"RequestResponse") => Ok(Self::RequestResponse),
            Some(b"Event") => Ok(Self::Event),
            Some(b"DryRun") => Ok(Self::DryRun),
            Some(other) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "InvalidParameterValueException",
                format!(
                    "X-Amz-Invocation-Type {:?} is not RequestResponse, Event or DryRun.",
                    String::from_utf8_lossy(other)
                ),
            )),
        }
    }

    /// The most bytes a payload of this type may have.
    fn payload_limit(self) -> usize {
        match self {
            Self::Event => ASYNC_PAYLOAD_LIMIT,
            Self::RequestResponse | Self::DryRun => SYNC_PAYLOAD_LIMIT,
        }
    }
}

/// An error of the Invoke API itself, in the shape the AWS SDKs read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error type, e.g. `ResourceNotFoundException`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let origin = if self.status.is_server_error() {
            "Service"
        } else {
            "User"
        };
        let body = serde_json::json!({"Type": origin, "message": self.message});
        let mut builder = Response::builder()
            .status(self.status)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-amzn-errortype", self.kind);
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            builder = builder.header(header::ALLOW, "POST");
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status == StatusCode::SERVICE_UNAVAILABLE
        {
            builder = builder.header(header::RETRY_AFTER, "1");
        }
        builder
            .body(Body::from(body.to_string()))
            .unwrap_or_default()
    }
}

/// The function name of a `{FunctionName}` (`name`, `name:qualifier`, or a partial
/// `account:function:name[:qualifier]` or full `arn:...:function:name[:qualifier]` ARN)
/// and its qualifier if there is one. More parts than that name no function.
fn split_name(raw: &str) -> Option<(&str, Option<&str>)> {
    let parts: Vec<&str> = raw.split(':').collect();
    let start = match parts.iter().skip(1).position(|p| *p == "function") {
        Some(before) => before + 2,
        None => 0,
    };
    match &parts[start..] {
        [name] => Some((name, None)),
        [name, qualifier] => Some((name, Some(qualifier))),
        _ => None,
    }
}

/// The pool of the function `raw` names, with `qualifier` (the path's or the query's).
fn resolve<'a>(
    platform: &'a Platform,
    raw: &str,
    query_qualifier: Option<&str>,
) -> Result<&'a Arc<Pool>, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {raw}"),
        )
    };
    let (name, path_qualifier) = split_name(raw).ok_or_else(not_found)?;
    for qualifier in [path_qualifier, query_qualifier].into_iter().flatten() {
        if qualifier != "$LATEST" {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                format!(
                    "Function not found: {raw} (qualifier {qualifier}); locally every function is $LATEST"
                ),
            ));
        }
    }
    platform
        .pools()
        .values()
        .find(|pool| {
            let spec = pool.spec();
            [&spec.name, &spec.logical_id, &spec.function_name]
                .iter()
                .any(|n| n.as_str() == name)
        })
        .ok_or_else(not_found)
}

/// The `Qualifier` query parameter.
fn query_qualifier(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "Qualifier")
        .map(|(_, v)| v.into_owned())
}

/// The event to hand the function: the body, checked to be JSON (`{}` when empty).
fn payload(body: Bytes) -> Result<Bytes, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    match serde_json::from_slice::<serde::de::IgnoredAny>(&body) {
        Ok(_) => Ok(body),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            format!("Could not parse request body into json: {e}"),
        )),
    }
}

/// A 200 carrying a function error report, as Lambda answers a failed invocation.
fn function_error(body: Bytes, request_id: Option<&str>) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-amz-executed-version", "$LATEST")
        .header("x-amz-function-error", "Unhandled");
    if let Some(id) = request_id {
        builder = builder.header("x-amzn-requestid", id);
    }
    builder.body(Body::from(body)).unwrap_or_default()
}

/// An error report in the runtime's shape.
fn report(error_type: &str, message: &str) -> Bytes {
    Bytes::from(serde_json::json!({"errorType": error_type, "errorMessage": message}).to_string())
}

/// What a synchronous caller gets when the pool could not produce a result.
fn invoke_failure(error: InvokeError) -> Response {
    match error {
        InvokeError::Timeout { seconds, .. } => function_error(
            report(
                "Sandbox.Timedout",
                &format!("Task timed out after {seconds:.2} seconds"),
            ),
            None,
        ),
        InvokeError::Crashed { .. } => function_error(
            report(
                "Runtime.ExitError",
                "The runtime exited while serving this invocation.",
            ),
            None,
        ),
        InvokeError::Throttled { .. } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            error.to_string(),
        )
        .into_response(),
        InvokeError::Unavailable { .. }
        | InvokeError::Function { .. }
        | InvokeError::BadResponse { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceException",
            error.to_string(),
        )
        .into_response(),
    }
}

/// The API's routes: `Invoke`, and Lambda's error for any other operation.
pub(crate) fn routes() -> Router<Gateway> {
    Router::new()
        .route(
            INVOKE_PATH,
            post(handle).fallback(|request: Request| async move {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "MethodNotAllowedException",
                    format!("Invoke is POST, not {}.", request.method()),
                )
                .into_response()
            }),
        )
        .route(
            OTHER_OPERATIONS,
            any(|| async {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "UnknownOperationException",
                    "The local platform offers POST /2015-03-31/functions/{FunctionName}/invocations only.",
                )
                .into_response()
            }),
        )
}

/// Answers an `Invoke`.
async fn handle(
    State(gateway): State<Gateway>,
    name: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let result = match name {
        Ok(Path(name)) => invoke(&gateway.platform, &name, request).await,
        Err(e) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFoundException",
            format!("Function not found: {e}"),
        )),
    };
    result.unwrap_or_else(ApiError::into_response)
}

async fn invoke(platform: &Platform, name: &str, request: Request) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let pool = resolve(
        platform,
        name,
        query_qualifier(parts.uri.query()).as_deref(),
    )?
    .clone();
    let kind = InvocationType::parse(parts.headers.get("x-amz-invocation-type"))?;
    let limit = kind.payload_limit();
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestTooLargeException",
            format!("Request must be smaller than {limit} bytes for the Invoke operation"),
        )
    };
    let body = Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestContentException",
                    format!("The request body could not be read: {e}"),
                )
            }
        })?
        .to_bytes();
    let event = payload(body)?;
    match kind {
        InvocationType::DryRun => Ok(Response::builder()
            .status(StatusCode::NO_CONTENT)
            .body(Body::empty())
            .unwrap_or_default()),
        InvocationType::Event => {
            let logs = platform.logs().clone();
            tokio::spawn(async move {
                let failure = match pool.invoke(event).await {
                    Ok(outcome) if outcome.kind == OutcomeKind::Response => return,
                    Ok(outcome) => String::from_utf8_lossy(&outcome.body).into_owned(),
                    Err(e) => e.to_string(),
                };
                logs.function(
                    &pool.spec().name,
                    format_args!("ERROR Event invocation: {failure}"),
                );
            });
            Ok(Response::builder()
                .status(StatusCode::ACCEPTED)
                .body(Body::empty())
                .unwrap_or_default())
        }
        InvocationType::RequestResponse => Ok(match pool.invoke(event).await {
            Ok(outcome) if outcome.kind == OutcomeKind::Response => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-amz-executed-version", "$LATEST")
                .header("x-amzn-requestid", &outcome.report.request_id)
                .body(Body::from(outcome.body))
                .unwrap_or_default(),
            Ok(outcome) => function_error(outcome.body, Some(&outcome.report.request_id)),
            Err(error) => invoke_failure(error),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_names_or_arns_with_an_optional_qualifier() {
        assert_eq!(split_name("rule"), Some(("rule", None)));
        assert_eq!(split_name("rule:$LATEST"), Some(("rule", Some("$LATEST"))));
        assert_eq!(
            split_name("myfunction:$LATEST"),
            Some(("myfunction", Some("$LATEST")))
        );
        assert_eq!(
            split_name("arn:aws:lambda:us-east-1:123456789012:function:todo-rule"),
            Some(("todo-rule", None))
        );
        assert_eq!(
            split_name("123456789012:function:todo-rule:7"),
            Some(("todo-rule", Some("7")))
        );
        assert_eq!(split_name("a:b:c"), None);
    }

    #[test]
    fn the_invocation_type_defaults_to_request_response() {
        assert_eq!(
            InvocationType::parse(None),
            Ok(InvocationType::RequestResponse)
        );
        let event = HeaderValue::from_static("Event");
        assert_eq!(
            InvocationType::parse(Some(&event)),
            Ok(InvocationType::Event)
        );
        let odd = HeaderValue::from_static("Later");
        let error = InvocationType::parse(Some(&odd)).expect_err("refused");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(error.kind(), "InvalidParameterValueException");
    }

    #[test]
    fn payloads_must_be_json_and_empty_means_an_empty_object() {
        assert_eq!(payload(Bytes::new()), Ok(Bytes::from_static(b"{}")));
        assert_eq!(
            payload(Bytes::from_static(b"[1,2]")),
            Ok(Bytes::from_static(b"[1,2]"))
        );
        let error = payload(Bytes::from_static(b"{not json")).expect_err("refused");
        assert_eq!(error.kind(), "InvalidRequestContentException");
    }
}
