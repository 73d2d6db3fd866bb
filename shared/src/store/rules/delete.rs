//! Deleting todos in two steps, so a retried delete still counts what it deleted.
//!
//! A plain `DeleteItem` cannot be retried truthfully: when the first attempt landed,
//! the retry finds nothing and reports zero. So a delete first turns each todo into a
//! **tombstone** (`deletedBy = <token>`, `expiresAt` for the table's TTL), which every
//! read already treats as gone, and counts the tombstones that carry its token,
//! whether this attempt or an earlier one wrote them. Only then, once the count has
//! been recorded where it must be (an `Idempotency-Key`'s record), are the tombstones
//! removed ([`RuleStore::purge`]). A tombstone left by a crash in between stays
//! invisible and expires through the TTL.

use aws_sdk_dynamodb::types::ReturnValue;
use futures::{StreamExt as _, TryStreamExt as _};

use super::{RuleStore, is_tombstone, owner_pk, rule_sk, string_attribute};
use crate::domain::RuleKey;
use crate::store::StoreError;
use crate::store::items::{n, s};
use crate::store::write_token::WriteToken;
use crate::time::now_epoch_seconds;

/// How many single-item writes run at once.
const DELETE_CONCURRENCY: usize = 16;
/// How long a tombstone may outlive a crash before the TTL removes it.
const TOMBSTONE_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// The todos one delete removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Those that existed (and are now tombstones carrying the delete's token).
    pub keys: Vec<RuleKey>,
}

impl Deleted {
    /// How many todos the delete removed.
    pub fn count(&self) -> u64 {
        self.keys.len() as u64
    }
}

impl RuleStore {
    /// Deletes `keys` of `owner_id` (tombstones, then removal): how many existed.
    pub async fn delete(
        &self,
        owner_id: &str,
        keys: &[RuleKey],
        token: &WriteToken,
    ) -> Result<Deleted, StoreError> {
        let deleted = self.mark_deleted(owner_id, keys, token).await?;
        self.purge(owner_id, &deleted, token).await;
        Ok(deleted)
    }

    /// Turns each of `keys` into a tombstone of `token`; returns those that existed
    /// (including tombstones an earlier attempt of `token` left).
    pub async fn mark_deleted(
        &self,
        owner_id: &str,
        keys: &[RuleKey],
        token: &WriteToken,
    ) -> Result<Deleted, StoreError> {
        let marked: Vec<Option<RuleKey>> = futures::stream::iter(keys.iter().copied())
            .map(|key| async move {
                Ok::<_, StoreError>(self.mark_one(owner_id, key, token).await?.then_some(key))
            })
            .buffer_unordered(DELETE_CONCURRENCY)
            .try_collect()
            .await?;
        let mut keys: Vec<RuleKey> = marked.into_iter().flatten().collect();
        keys.sort();
        Ok(Deleted { keys })
    }

    /// Whether the todo `key` was deleted by `token` (now or on an earlier attempt).
    async fn mark_one(
        &self,
        owner_id: &str,
        key: RuleKey,
        token: &WriteToken,
    ) -> Result<bool, StoreError> {
        let result = self
            .datastore
            .client()
            .update_item()
            .table_name(self.datastore.table())
            .key("pk", owner_pk(owner_id))
            .key("sk", rule_sk(key))
            .update_expression("SET #deletedBy = :token, #expiresAt = :expires")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#deletedBy)")
            .expression_attribute_names("#deletedBy", "deletedBy")
            .expression_attribute_names("#expiresAt", "expiresAt")
            .expression_attribute_values(":token", s(token.as_str()))
            .expression_attribute_values(
                ":expires",
                n(now_epoch_seconds() + TOMBSTONE_LIFETIME_SECONDS),
            )
            .return_values(ReturnValue::None)
            .send()
            .await;
        if StoreError::unless_condition_failed("UpdateItem", result)?.is_some() {
            return Ok(true);
        }
        Ok(self.read_item(owner_id, key).await?.is_some_and(|item| {
            is_tombstone(&item) && string_attribute(&item, "deletedBy") == Some(token.as_str())
        }))
    }

    /// Removes the tombstones `deleted` left. Best effort: a tombstone that stays is
    /// invisible and expires through the table's TTL, so failures are only logged.
    pub async fn purge(&self, owner_id: &str, deleted: &Deleted, token: &WriteToken) {
        futures::stream::iter(deleted.keys.iter().copied())
            .for_each_concurrent(DELETE_CONCURRENCY, |key| async move {
                let result = self
                    .datastore
                    .client()
                    .delete_item()
                    .table_name(self.datastore.table())
                    .key("pk", owner_pk(owner_id))
                    .key("sk", rule_sk(key))
                    .condition_expression("#deletedBy = :token")
                    .expression_attribute_names("#deletedBy", "deletedBy")
                    .expression_attribute_values(":token", s(token.as_str()))
                    .send()
                    .await;
                if let Err(error) = StoreError::unless_condition_failed("DeleteItem", result) {
                    tracing::warn!(%key, error = %error, "tombstone left for the TTL");
                }
            })
            .await;
    }
}
