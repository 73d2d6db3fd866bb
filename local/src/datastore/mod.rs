//! The datastores a local run needs, started on this machine: [`emulator`] starts the
//! DynamoDB API emulator (dynalite), [`tables`] creates the template's tables on it and
//! [`dynamo`] builds a client for it; [`secrets_emulator`] starts the Secrets Manager
//! emulator (moto) and puts the signing key in it.

pub mod dynamo;
pub mod emulator;
pub mod secrets_emulator;
pub mod tables;
