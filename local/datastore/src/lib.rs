//! The datastores a local run needs, started on this machine, shared by the local
//! platform (`todo-local`) and the tests (`todo-shared-testing`), so both create the
//! same tables on the same emulators:
//!
//! - [`template`] reads `template.yml` (short-form tags such as `!Ref` included) and
//!   its tables;
//! - [`server`] is the DynamoDB API emulator (dynoxide, on SQLite, with time to live),
//!   served in this process or by the `dynamodb-emulator` binary, which [`emulator`]
//!   starts; [`tables`] creates the template's tables on it and [`dynamo`] builds a
//!   client for it;
//! - [`secrets_emulator`] starts the Secrets Manager emulator (moto) and puts the
//!   signing key in it.

pub mod dynamo;
pub mod emulator;
pub mod secrets_emulator;
pub mod server;
pub mod tables;
pub mod template;
