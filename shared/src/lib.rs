//! What the `user` and `rule` functions share.
//!
//! A request travels through this crate from the outside in:
//!
//! 1. [`init`] is the **initializer entry**: before the runtime loop starts, it loads
//!    [`config`], connects to DynamoDB and warms the connection with a real round trip,
//!    giving up at the declared initializer timeout. Its result lives in a `'static`
//!    `OnceCell`, so handlers never see a half-initialised function.
//! 2. [`runtime`] hands the function's axum `Router`, built on the warmed state, to
//!    `lambda_runtime::run_concurrent`, which serves as many requests at once as
//!    `AWS_LAMBDA_MAX_CONCURRENCY` allows. [`gateway_event`] cleans each event first,
//!    so that `lambda_http` can always build the request from it. Without a Runtime
//!    API and with `PORT` set, [`container`] serves the same router as a plain HTTP
//!    server instead, on [`edge`]: the timeouts and contract-shaped errors a server
//!    facing clients directly needs.
//! 3. [`http`] wraps each function's routes in what they share ([`http::router`]:
//!    the contract's 404 and 405, panics caught as contract-shaped 500s), parses what
//!    arrives (bodies, queries, cookies) and builds the JSON responses;
//!    [`error::ApiError`] is every failure a client can see, and the one place where
//!    the domain's and the store's own errors become one.
//! 4. [`auth`] mints (user function only) and verifies (both) Ed25519-signed JWTs.
//! 5. [`domain`] holds the types that can only be built by parsing input: a
//!    [`domain::UserName`] is always valid, a [`domain::Progress`] is always 0..=100.
//!    Its parsers fail with a [`domain::FieldError`] and know nothing of HTTP.
//! 6. [`store`] is DynamoDB: one table, every write one transaction (or one
//!    conditional write where a single item is enough); it fails with a
//!    [`store::StoreError`], and [`sdk_error`] tells which failures a retry may fix.
//!
//! Alongside, [`metrics`] counts what the service does for its users (writes,
//! logins, replays, init errors) as CloudWatch embedded-metric lines on stdout.

pub mod auth;
pub mod config;
pub mod container;
pub mod domain;
pub mod edge;
pub mod error;
pub mod gateway_event;
pub mod http;
pub mod init;
pub mod metrics;
pub mod runtime;
pub mod sdk_config;
pub mod sdk_error;
pub mod shutdown;
pub mod store;
pub mod time;

pub use error::ApiError;
