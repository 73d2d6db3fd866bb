//! The local platform's library: what it takes to run `template.yml` on one machine,
//! as Lambda would, without Docker.
//!
//! A tour, in the order a request meets it (arrows point down the pipeline:
//! commands → server → platform → runtime → datastore, template, observe):
//!
//! - [`commands`] are `dev`, `invoke`, `bench` and `repair-counts` (and `project`, the
//!   set-up they share).
//! - [`server`] is the HTTP front door: the gateway picks the function for a route and
//!   converts to and from payload 2.0, serves `web/`, the metrics and the status; on the
//!   same port, Lambda's Invoke API.
//! - [`platform`] runs the functions: it owns the pools and the Runtime API listener.
//! - [`runtime`] is the Lambda side: the Runtime API the instances poll, their processes,
//!   and the pool that schedules requests onto them and scales them under a policy.
//! - [`template`] reads `template.yml` (short-form tags such as `!Ref` included),
//!   evaluates intrinsic functions and turns the functions into specs.
//! - [`datastore`] (the `todo-local-datastore` crate, which the tests use too) starts
//!   the DynamoDB and Secrets Manager emulators and creates the template's tables.
//! - [`observe`] is what a run shows about itself: metrics, status, logs, statistics.
//! - [`keys`] stores the local JWT key pair (generated, and tokens signed, by `shared`'s
//!   auth code); [`ids`] makes request ids; [`podman`] runs the functions' container
//!   images for the bench and the container tests.

pub mod commands;
pub mod ids;
pub mod keys;
pub mod observe;
pub mod platform;
pub mod podman;
pub mod runtime;
pub mod server;
pub mod template;

pub use local_datastore as datastore;
