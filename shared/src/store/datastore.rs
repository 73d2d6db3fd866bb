//! The DynamoDB client and its table, built and warmed once per instance (the client
//! from [`crate::sdk_config`], which keeps its construction off the cold start's
//! critical path).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::StoreError;
use super::items::{Item, s};
use crate::config::DatastoreConfig;
use crate::sdk_config::ClientSettings;

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
        let settings = ClientSettings {
            endpoint: config.endpoint.clone(),
            timeouts: TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
            retries: RetryConfig::standard().with_max_attempts(3),
        };
        let client = Client::new(&crate::sdk_config::load(settings).await);
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
