//! The HTTP side, on one port: [`gateway`] is the front door, [`routes`] picks the
//! function, [`event`] converts to and from payload 2.0, [`static_files`] serves `web/`,
//! [`errors`] are the contract's error answers; [`invoke_api`] is Lambda's Invoke API,
//! for `aws lambda invoke` and the SDKs.

pub mod errors;
pub mod event;
pub mod gateway;
pub mod invoke_api;
pub mod omit_fields;
pub mod routes;
pub mod static_files;
