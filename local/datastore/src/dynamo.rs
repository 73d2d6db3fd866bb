//! A DynamoDB client for a local emulator: fixed region, throwaway credentials.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};

/// The region local runs pretend to be in.
pub const LOCAL_REGION: &str = "us-east-1";

/// Builds a client that talks to the DynamoDB API at `endpoint` (e.g. `http://127.0.0.1:8000`).
///
/// Emulators accept any credentials, so none are read from the environment or from
/// `~/.aws`: a local run never touches a real AWS account by accident.
pub fn local_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(Credentials::new("local", "local", None, None, "local"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}
