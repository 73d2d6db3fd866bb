//! The DynamoDB client and its table, built and warmed once per instance.
//!
//! On Lambda the client is configured straight from the environment Lambda provides
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`)
//! instead of `aws_config`'s default provider chains: those look for profile files,
//! web identity, ECS and IMDS sources at every cold start, which cost several
//! milliseconds of the init duration and find nothing Lambda has not already put in
//! the environment. Without credentials in the environment (a container on ECS, a
//! developer's profile) the default chains are used as before.
//!
//! An `http://` endpoint (the local emulator) gets a plain HTTP client: the default
//! HTTPS client loads the system's root certificates when it is built, which on a
//! Debian machine means `ca-certificates.crt` and then each of the ~150 files of
//! `/etc/ssl/certs` again, the largest single cost of a cold start here, for TLS that
//! an `http://` endpoint never uses. (Lambda's `provided.al2023` keeps its roots in one
//! bundle, and the HTTPS client is what the DynamoDB endpoint needs there.)

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{Credentials, Region, SharedCredentialsProvider};

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;
use super::items::{Item, s};
use crate::config::DatastoreConfig;

/// Per-attempt limit: a request never waits on a silent network for long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Whole-operation limit, retries included; below the function timeout.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
/// TCP/TLS connect limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A DynamoDB client bound to the function's table.
#[derive(Debug, Clone)]
pub struct Datastore {
    client: Client,
    table: String,
}

impl Datastore {
    /// Builds the client (no network traffic yet).
    ///
    /// With an endpoint override (a local emulator) it uses throwaway credentials,
    /// so a local run never reads, or needs, real AWS credentials.
    pub async fn connect(config: &DatastoreConfig) -> Self {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let retries = RetryConfig::standard().with_max_attempts(3);
        let region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .ok()
            .filter(|r| !r.is_empty());
        let credentials = if config.endpoint.is_some() {
            Some(SharedCredentialsProvider::new(Credentials::new(
                "local", "local", None, None, "local",
            )))
        } else if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            Some(SharedCredentialsProvider::new(
                EnvironmentVariableCredentialsProvider::new(),
            ))
        } else {
            None
        };
        let client = match (credentials, region) {
            (Some(credentials), Some(region)) => {
                let mut builder = aws_sdk_dynamodb::Config::builder()
                    .behavior_version(BehaviorVersion::latest())
                    .region(Region::new(region))
                    .credentials_provider(credentials)
                    .timeout_config(timeouts)
                    .retry_config(retries);
                if let Some(endpoint) = &config.endpoint {
                    builder = builder.endpoint_url(endpoint);
                    if endpoint.starts_with("http://") {
                        builder = builder
                            .http_client(aws_smithy_http_client::Builder::new().build_http());
                    }
                }
                Client::from_conf(builder.build())
            }
            (credentials, region) => {
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .timeout_config(timeouts)
                    .retry_config(retries);
                if let Some(endpoint) = &config.endpoint {
                    loader = loader.endpoint_url(endpoint).region(Region::new(
                        region.unwrap_or_else(|| "us-east-1".to_owned()),
                    ));
                }
                if let Some(credentials) = credentials {
                    loader = loader.credentials_provider(credentials);
                }
                Client::new(&loader.load().await)
            }
        };
        Self::from_client(client, &config.table_name)
    }

    /// Wraps an existing client.
    pub fn from_client(client: Client, table: &str) -> Self {
        Self {
            client,
            table: table.to_owned(),
        }
    }

    /// The SDK client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The item with key `pk`, `sk`, read consistently.
    pub async fn get(
        &self,
        pk: AttributeValue,
        sk: AttributeValue,
    ) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
            .consistent_read(true)
            .send()
            .await
            .map(|output| output.item)
            .map_err(|e| StoreError::from_sdk("GetItem", e))
    }

    /// An `UpdateItem` of the item with key `pk`, `sk`, to be completed by the caller.
    pub fn update(&self, pk: AttributeValue, sk: AttributeValue) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
    }

    /// One cheap, real round trip: a `GetItem` of a key that never exists.
    ///
    /// It opens the connection (DNS, TCP, TLS) and proves the table exists and is
    /// readable with our permissions, so the first real request pays none of that.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .key("pk", s("WARMUP"))
            .key("sk", s("WARMUP"))
            .projection_expression("pk")
            // The initializer retries with its own backoff and deadline; one try per call here.
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::new().retry_config(RetryConfig::disabled()),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::from_sdk("GetItem", e))
    }
}
