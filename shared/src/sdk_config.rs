//! The AWS SDK configuration the functions' clients (DynamoDB, Secrets Manager) are
//! built from, made to start fast.
//!
//! On Lambda the configuration is built straight from the environment Lambda
//! provides (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`) instead of `aws_config`'s default provider chains: those look
//! for profile files, web identity, ECS and IMDS sources at every cold start, which
//! cost several milliseconds of the init duration and find nothing Lambda has not
//! already put in the environment. Without credentials in the environment (a
//! container on ECS, a developer's profile) the default chains are used as before.
//!
//! With an endpoint override (a local emulator) the credentials are the
//! environment's when set, else throwaway ones, so a local run never looks for real
//! AWS credentials; and an `http://` endpoint gets a plain HTTP client: the default
//! HTTPS client loads the system's root certificates when it is built (on Debian
//! `ca-certificates.crt` and then each of the ~150 files of `/etc/ssl/certs`), the
//! largest single cost of a cold start here, for TLS an `http://` endpoint never
//! uses. (Lambda's `provided.al2023` keeps its roots in one bundle.)

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider, SharedHttpClient};

/// The region of a client of an emulator when the environment names none.
pub const LOCAL_REGION: &str = "us-east-1";

/// Throwaway credentials for an emulator, which accepts any: a client of an emulator
/// never looks for real AWS credentials.
pub fn emulator_credentials() -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new("local", "local", None, None, "local"))
}

/// The configuration of a client of the emulator at `endpoint` (e.g.
/// `http://127.0.0.1:8000`), for the local platform and the tests: [`LOCAL_REGION`],
/// [`emulator_credentials`], nothing read from the environment or `~/.aws`, so a
/// local run never touches a real AWS account by accident.
pub fn emulator(endpoint: &str) -> SdkConfig {
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(LOCAL_REGION))
        .credentials_provider(emulator_credentials())
        .endpoint_url(endpoint);
    builder.set_http_client(plain_http_client(endpoint));
    builder.build()
}

/// A plain HTTP client for an `http://` endpoint (see the module's documentation);
/// `None` (the SDK's default HTTPS client) for any other.
fn plain_http_client(endpoint: &str) -> Option<SharedHttpClient> {
    endpoint
        .starts_with("http://")
        .then(|| aws_smithy_http_client::Builder::new().build_http())
}

/// How a client talks to its service.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// An endpoint override (a local emulator), if any.
    pub endpoint: Option<String>,
    /// Connect, attempt and operation limits.
    pub timeouts: TimeoutConfig,
    /// SDK retries.
    pub retries: RetryConfig,
}

/// The SDK configuration for `settings`, from the environment when it holds
/// everything needed, else from `aws_config`'s default chains.
pub async fn load(settings: ClientSettings) -> SdkConfig {
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|r| !r.is_empty());
    let from_environment = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
    let credentials = match (&settings.endpoint, from_environment) {
        (_, true) => Some(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        )),
        (Some(_), false) => Some(emulator_credentials()),
        (None, false) => None,
    };
    let region = match (&settings.endpoint, region) {
        (_, Some(region)) => Some(region),
        (Some(_), None) => Some(LOCAL_REGION.to_owned()),
        (None, None) => None,
    };
    if let (Some(credentials), Some(region)) = (credentials.clone(), region.clone()) {
        let mut builder = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .credentials_provider(credentials)
            .timeout_config(settings.timeouts)
            .retry_config(settings.retries);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.endpoint_url(endpoint);
            builder.set_http_client(plain_http_client(endpoint));
        }
        return builder.build();
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(settings.timeouts)
        .retry_config(settings.retries);
    if let Some(endpoint) = &settings.endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    loader.load().await
}
