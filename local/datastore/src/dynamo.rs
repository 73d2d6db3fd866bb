//! A DynamoDB client for a local emulator: fixed region, throwaway credentials
//! (`shared::sdk_config::emulator`, the configuration every client of an emulator uses).

pub use shared::sdk_config::LOCAL_REGION;

/// Builds a client that talks to the DynamoDB API at `endpoint` (e.g. `http://127.0.0.1:8000`).
///
/// Emulators accept any credentials, so none are read from the environment or from
/// `~/.aws`: a local run never touches a real AWS account by accident.
pub fn local_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&shared::sdk_config::emulator(endpoint))
}
