//! Test support for the functions' API tests.
//!
//! Builds requests the way API Gateway delivers them, reads responses back as JSON and
//! holds each one to the contract (`api/openapi.yaml`, [`contract`]), loads the sample
//! events of `events/`, makes a configuration that points at a local table with
//! freshly generated keys, and stands in for the Lambda Runtime API ([`runtime_api`]).
//! [`datastore`] starts the emulators and makes a fresh table per test, with the
//! platform's own code (`todo-local-datastore`); [`workspace`] builds the binaries.

pub mod contract;
pub mod datastore;
pub mod edge;
pub mod fault_proxy;
pub mod runtime_api;
pub mod stored;
pub mod workspace;

use std::path::PathBuf;

use axum::Router;
use http::{HeaderMap, Method, StatusCode, header};
use lambda_http::{Body, Request};
use serde_json::Value;
use tower::ServiceExt as _;

use shared::auth::keys::KeyPair;
use shared::config::{Config, SigningKey};

pub use contract::Sent;

/// A response with its body parsed as JSON.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Null` when empty).
    pub body: Value,
}

/// Sends `request` to a function's `router` and reads its answer
/// ([`TestResponse::from_response`]).
///
/// # Panics
/// When the answer is not JSON or not what the contract says.
pub async fn answer(request: Request, router: Router) -> TestResponse {
    let sent = Sent::of(&request);
    let Ok(response) = router.oneshot(request).await;
    TestResponse::from_response(&sent, response).await
}

impl TestResponse {
    /// Reads a router's response to `sent`, and checks it against the contract.
    ///
    /// # Panics
    /// When the body is not JSON or has no JSON content type (every answer must be
    /// JSON), or when the answer is not what `api/openapi.yaml` says.
    pub async fn from_response(sent: &Sent, response: axum::response::Response) -> Self {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("a response body in memory");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("every response body is JSON")
        };
        assert_eq!(
            parts
                .headers
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap_or("")),
            Some("application/json"),
            "every response is application/json"
        );
        if let Err(problem) = contract::check(sent, parts.status, &parts.headers, &body) {
            panic!(
                "{} {} is answered outside the contract (api/openapi.yaml): {problem}",
                sent.method, sent.path
            );
        }
        Self {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// The `Set-Cookie` headers.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The contract's `errorCode`, if this is an error.
    pub fn error_code(&self) -> Option<&str> {
        self.body.get("errorCode").and_then(Value::as_str)
    }

    /// Asserts the contract's error shape and returns the code.
    ///
    /// # Panics
    /// When the body is not `{"success": false, "errorCode", "errorMessage"}`.
    pub fn assert_error_shape(&self) -> &str {
        assert_eq!(self.body["success"], Value::Bool(false), "{:?}", self.body);
        let message = self.body["errorMessage"]
            .as_str()
            .expect("errorMessage is a string");
        assert!(!message.is_empty(), "errorMessage is a sentence");
        self.error_code().expect("errorCode is a string")
    }
}

/// Builds a request as API Gateway would deliver it.
///
/// # Panics
/// On an invalid header name or value (a test bug).
pub fn request(
    method: Method,
    path_and_query: &str,
    body: Option<&str>,
    headers: &[(&str, &str)],
) -> Request {
    let mut builder = http::Request::builder()
        .method(method)
        .uri(format!("https://api.example.test{path_and_query}"));
    if body.is_some()
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(body.map_or(Body::Empty, |b| Body::Text(b.to_owned())))
        .expect("a valid test request")
}

/// The repository's `template.yml`.
pub fn template_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../template.yml")
}

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

/// Loads `events/<name>`, replaces `{{token}}` with `token`, and converts it the way
/// lambda_http converts an API Gateway HTTP API payload 2.0 event.
///
/// # Panics
/// When the file is missing or not a valid event.
pub fn event(name: &str, token: &str) -> Request {
    event_filled(name, &[("{{token}}", token)])
}

/// Like [`event`], for the events that act on one todo: `{{key}}` becomes `key`.
///
/// # Panics
/// When the file is missing or not a valid event.
pub fn event_for_todo(name: &str, token: &str, key: &str) -> Request {
    event_filled(name, &[("{{token}}", token), ("{{key}}", key)])
}

fn event_filled(name: &str, placeholders: &[(&str, &str)]) -> Request {
    let path = events_dir().join(name);
    let mut text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    for (placeholder, value) in placeholders {
        text = text.replace(placeholder, value);
    }
    lambda_http::request::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not an API Gateway event: {e}", path.display()))
}

/// Where a test's signing key is: a secret on a Secrets Manager emulator.
#[derive(Debug, Clone, Copy)]
pub struct TestSecret<'a> {
    /// The emulator's endpoint.
    pub endpoint: &'a str,
    /// The secret's name.
    pub name: &'a str,
}

/// A configuration for `table` at `endpoint` trusting `keys`; with `secret`, the user
/// function's, signing with `keys` from that secret.
///
/// # Panics
/// When the keys are not Ed25519 keys: a test bug.
pub fn config(
    endpoint: &str,
    table: &str,
    keys: &KeyPair,
    secret: Option<TestSecret<'_>>,
) -> Config {
    let public = keys.public_key().expect("an Ed25519 test key");
    let lookup = |name: &str| -> Option<String> {
        match name {
            "TABLE_NAME" => Some(table.to_owned()),
            "DYNAMODB_ENDPOINT" => Some(endpoint.to_owned()),
            "JWT_PUBLIC_KEYS" => Some(public.x().to_owned()),
            "JWT_SIGNING_KEY_ID" => Some(public.kid().to_owned()),
            "JWT_SIGNING_KEY_SECRET" => secret.map(|s| s.name.to_owned()),
            "SECRETS_MANAGER_ENDPOINT" => secret.map(|s| s.endpoint.to_owned()),
            "JWT_ISSUER" => Some("todo-service".to_owned()),
            "JWT_AUDIENCE" => Some("todo-web".to_owned()),
            "INITIALIZER_TIMEOUT_SECONDS" => Some("5".to_owned()),
            "JWT_TTL_SECONDS" => Some("3600".to_owned()),
            _ => None,
        }
    };
    let signing = if secret.is_some() {
        SigningKey::Required
    } else {
        SigningKey::NotUsed
    };
    Config::from_lookup(signing, lookup).expect("a valid test configuration")
}
