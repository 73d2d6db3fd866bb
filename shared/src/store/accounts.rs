//! Removing what an account owns: every item of its `OWNER#<user id>` partition
//! (todos, idempotency records) except the state item, which stays (closed, with a
//! TTL) so that a login racing the deletion cannot open a session.

use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

use super::items::{Item, s};
use super::keys::{STATE, TODO_SK_FIRST, owner_pk};
use super::{Datastore, StoreError};

/// `BatchWriteItem`'s limit.
const BATCH_SIZE: usize = 25;
/// Rounds of retrying the unprocessed part of one batch.
const BATCH_ROUNDS: u32 = 8;

/// Removes accounts' data.
#[derive(Debug, Clone)]
pub struct AccountStore {
    datastore: Datastore,
}

impl AccountStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Deletes every item of `user_id`'s partition but the state item; returns how
    /// many todos were among them.
    pub async fn remove_data(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut todos = 0;
        loop {
            // Read again from the start each round: deleted items are gone, and
            // items written meanwhile (a request in flight) are found too.
            let keys = self.page_of_keys(user_id).await?;
            if keys.is_empty() {
                return Ok(todos);
            }
            todos += keys
                .iter()
                .filter(|key| {
                    key.get("sk")
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|sk| sk.starts_with(TODO_SK_FIRST))
                })
                .count() as u64;
            for batch in keys.chunks(BATCH_SIZE) {
                self.delete_batch(batch.to_vec()).await?;
            }
        }
    }

    /// Up to one query page of the partition's keys, the state item left out.
    async fn page_of_keys(&self, user_id: &str) -> Result<Vec<Item>, StoreError> {
        let output = self
            .datastore
            .client()
            .query()
            .table_name(self.datastore.table())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(owner_pk(user_id)))
            .projection_expression("pk, sk")
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query", e))?;
        // A key condition cannot exclude one sort key, nor a filter name one: skip it here.
        let mut keys = output.items.unwrap_or_default();
        keys.retain(|key| key.get("sk") != Some(&s(STATE)));
        Ok(keys)
    }

    async fn delete_batch(&self, keys: Vec<Item>) -> Result<(), StoreError> {
        let mut requests = keys
            .into_iter()
            .map(|key| {
                DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map(|delete| WriteRequest::builder().delete_request(delete).build())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut pause = Duration::from_millis(50);
        for _ in 0..BATCH_ROUNDS {
            let output = self
                .datastore
                .client()
                .batch_write_item()
                .request_items(self.datastore.table(), requests)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchWriteItem", e))?;
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(self.datastore.table()))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(1));
        }
        Err(StoreError::Unavailable {
            operation: "BatchWriteItem",
            message: "items stayed unprocessed".to_owned(),
        })
    }
}
