//! The DynamoDB client bound to the table (built by [`crate::sdk_config`], warmed by
//! [`Datastore::ping`]), and its single-item reads and writes.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use serde::de::DeserializeOwned;

use super::StoreError;
use super::expression::{Expression, conditioned};
use super::items::{Expiring, Item, from_item, s};
use super::keys::Key;
use crate::config::DatastoreConfig;
use crate::sdk_config::ClientSettings;

/// Per attempt: a request never waits on a silent network for long.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// Retries included; below the function timeout.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Rounds of asking again for keys `BatchGetItem` left unprocessed.
const BATCH_ROUNDS: usize = 5;

/// A DynamoDB client bound to the function's table.
#[derive(Debug, Clone)]
pub struct Datastore {
    client: Client,
    table: String,
}

impl Datastore {
    /// Builds the client (no network traffic yet).
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
        let table = table.to_owned();
        Self { client, table }
    }

    #[allow(missing_docs)]
    pub fn client(&self) -> &Client {
        &self.client
    }

    #[allow(missing_docs)]
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The item at `key`, read consistently.
    pub async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .consistent_read(true)
            .send()
            .await
            .map(|output| output.item)
            .map_err(|e| StoreError::from_sdk("GetItem", e))
    }

    /// The item at `key` as a `T`, read consistently; one past its expiry is absent.
    pub async fn read<T: DeserializeOwned + Expiring>(
        &self,
        key: &Key,
    ) -> Result<Option<T>, StoreError> {
        let item = self.get(key).await?.map(from_item::<T>).transpose()?;
        Ok(item.filter(|item| !item.has_expired()))
    }

    /// The items at `keys` (those that exist, at most 100: one `BatchGetItem`), read
    /// consistently.
    pub async fn get_many(&self, keys: &[Key]) -> Result<Vec<Item>, StoreError> {
        let mut wanted = KeysAndAttributes::builder()
            .set_keys(Some(keys.iter().map(Key::attributes).collect()))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut items = Vec::with_capacity(keys.len());
        for _ in 0..=BATCH_ROUNDS {
            let output = self
                .client
                .batch_get_item()
                .request_items(&self.table, wanted)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchGetItem", e))?;
            let mut found = output.responses.unwrap_or_default();
            items.extend(found.remove(&self.table).unwrap_or_default());
            let mut left = output.unprocessed_keys.unwrap_or_default();
            match left.remove(&self.table) {
                Some(left) if !left.keys().is_empty() => wanted = left,
                _ => return Ok(items),
            }
        }
        Err(StoreError::Unavailable {
            operation: "BatchGetItem",
            message: "keys stayed unprocessed".to_owned(),
        })
    }

    /// Puts `item` if `condition` holds: whether it did.
    pub async fn put(&self, item: Item, condition: Expression) -> Result<bool, StoreError> {
        let request = self.client.put_item().table_name(&self.table);
        let request = conditioned!(request.set_item(Some(item)), condition);
        StoreError::applied("PutItem", request.send().await)
    }

    /// Updates the item at `key` if `condition` (if any) holds: whether it did.
    pub async fn update(
        &self,
        key: &Key,
        update: Expression,
        condition: Expression,
    ) -> Result<bool, StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .update_expression(update.text.clone());
        let request = conditioned!(request, condition, update);
        StoreError::applied("UpdateItem", request.send().await)
    }

    /// Deletes the item at `key` if `condition` (if any) holds: whether it did.
    pub async fn delete(&self, key: &Key, condition: Expression) -> Result<bool, StoreError> {
        let request = self.client.delete_item().table_name(&self.table);
        let request = conditioned!(request.set_key(Some(key.attributes())), condition);
        StoreError::applied("DeleteItem", request.send().await)
    }

    /// A `GetItem` of a key that never exists: opens the connection, proves the table.
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
