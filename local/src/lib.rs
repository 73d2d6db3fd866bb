//! The local platform's library: what it takes to run `template.yml` on one machine,
//! as Lambda would, without Docker.
//!
//! A tour, in the order a local run needs things:
//!
//! - [`template`] reads `template.yml` (short-form tags such as `!Ref` included);
//!   [`resolve`] evaluates intrinsic functions; [`functions`] turns the functions into
//!   [`functions::FunctionSpec`]s (binary, memory, timeout, environment, routes, lifecycle).
//! - [`emulator`] starts the DynamoDB API emulator (dynalite); [`tables`] creates the
//!   template's tables on it; [`dynamo`] builds a client for it. [`secrets_emulator`]
//!   starts the Secrets Manager emulator (moto) and puts the signing key in it.
//! - [`platform`] runs the functions: [`runtime_api`] is the Lambda Runtime API the
//!   instances poll, [`instance`] starts their processes, [`pool`] schedules requests
//!   onto instances and scales them under a [`policy`] ([`container_scaling`]: the
//!   template's instance bounds and watermarks for the watermark policy).
//! - [`gateway`] is the HTTP front door: [`routes`] picks the function, [`event`]
//!   converts to and from payload 2.0, [`static_files`] serves `web/`, [`metrics`] and
//!   [`status`] show what happens; [`logs`] writes Lambda-style lines. On the same port,
//!   [`invoke_api`] is Lambda's Invoke API, for `aws lambda invoke` and the SDKs.
//! - [`keys`] stores the local JWT key pair (generated, and tokens signed, by
//!   `shared`'s auth code); [`commands`] are `dev`, `invoke` and `bench`; [`podman`]
//!   runs the functions' container images for the bench and the container tests.

pub mod commands;
pub mod container_scaling;
pub mod dynamo;
pub mod emulator;
pub mod errors;
pub mod event;
pub mod functions;
pub mod gateway;
pub mod ids;
pub mod instance;
pub mod invoke_api;
pub mod keys;
pub mod logs;
pub mod metrics;
pub mod platform;
pub mod podman;
pub mod policy;
pub mod pool;
pub mod procfs;
pub mod resolve;
pub mod routes;
pub mod runtime_api;
pub mod secrets_emulator;
pub mod static_files;
pub mod stats;
pub mod status;
pub mod tables;
pub mod template;
pub mod testing;
