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
//!
//! Deletes are counted writes (see `store::state::counts`): one journal entry per
//! todo, recorded together before the tombstones and settled together after them.

use aws_sdk_dynamodb::types::ReturnValue;
use futures::{StreamExt as _, TryStreamExt as _};

use super::{RuleStore, is_tombstone, owner_pk, rule_sk, string_attribute};
use crate::auth::session::AuthenticatedUser;
use crate::domain::RuleKey;
use crate::store::StoreError;
use crate::store::idempotency::Reservation;
use crate::store::items::{Item, get_n, n, s};
use crate::store::state::counts::{Change, Entry, Planned};
use crate::store::write_token::WriteToken;
use crate::time::now_epoch_seconds;

/// How many single-item writes run at once.
const DELETE_CONCURRENCY: usize = 16;
/// How long a tombstone may outlive a crash before the TTL removes it.
const TOMBSTONE_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// The status of a todo item.
fn status_of(item: &Item) -> Result<u8, StoreError> {
    get_n(item, "status")
}

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

/// What marking one todo found.
struct Marked {
    /// Its status, when this write deleted it.
    deleted_status: Option<u8>,
    /// Whether this call made the tombstone (`false`: an earlier attempt did).
    fresh: bool,
}

impl RuleStore {
    /// Deletes `keys` of `owner` (tombstones, then removal), if their session is open
    /// (else [`StoreError::SessionEnded`]): how many existed.
    pub async fn delete(
        &self,
        owner: &AuthenticatedUser,
        keys: &[RuleKey],
        reservation: &Reservation,
    ) -> Result<Deleted, StoreError> {
        let deleted = self.mark_deleted(owner, keys, reservation).await?;
        self.purge(&owner.id, &deleted, &reservation.token).await;
        Ok(deleted)
    }

    /// Turns each of `keys` into a tombstone of the reservation's token and counts the
    /// deletions; returns those that existed (including tombstones an earlier attempt
    /// of the same write left).
    pub async fn mark_deleted(
        &self,
        owner: &AuthenticatedUser,
        keys: &[RuleKey],
        reservation: &Reservation,
    ) -> Result<Deleted, StoreError> {
        let token = &reservation.token;
        let entries: Vec<Entry> = keys
            .iter()
            .map(|key| Entry::new(token, *key, Planned::Delete))
            .collect();
        let begun = self
            .counts
            .begin(&owner.id, &owner.session_id, &entries)
            .await?;
        let marked: Vec<(usize, Marked)> = futures::stream::iter(keys.iter().copied().enumerate())
            .map(|(index, key)| async move {
                Ok::<_, StoreError>((index, self.mark_one(&owner.id, key, token).await?))
            })
            .buffer_unordered(DELETE_CONCURRENCY)
            .try_collect()
            .await?;
        let mut change = Change::default();
        let mut deleted = Vec::new();
        for (index, mark) in marked {
            let Some(status) = mark.deleted_status else {
                continue;
            };
            deleted.push(keys[index]);
            if !reservation.resumed || mark.fresh || begun.was_waiting(index) {
                change = change.plus(Change::deleted(status));
            }
        }
        if let Err(error) = self.counts.settle(&owner.id, &entries, change).await {
            tracing::warn!(error = %error, "deleted, not counted yet");
        }
        deleted.sort();
        Ok(Deleted { keys: deleted })
    }

    /// Whether the todo `key` was deleted by `token` (now or on an earlier attempt).
    async fn mark_one(
        &self,
        owner_id: &str,
        key: RuleKey,
        token: &WriteToken,
    ) -> Result<Marked, StoreError> {
        let result = self
            .datastore
            .update(owner_pk(owner_id), rule_sk(key))
            // Out of the status index too, so status lists never read tombstones.
            .update_expression("SET #deletedBy = :token, #expiresAt = :expires REMOVE statusKey")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(#deletedBy)")
            .expression_attribute_names("#deletedBy", "deletedBy")
            .expression_attribute_names("#expiresAt", "expiresAt")
            .expression_attribute_values(":token", s(token.as_str()))
            .expression_attribute_values(
                ":expires",
                n(now_epoch_seconds() + TOMBSTONE_LIFETIME_SECONDS),
            )
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        if let Some(output) = StoreError::unless_condition_failed("UpdateItem", result)? {
            return Ok(Marked {
                deleted_status: output.attributes.as_ref().map(status_of).transpose()?,
                fresh: true,
            });
        }
        let ours = self.read_item(owner_id, key).await?.filter(|item| {
            is_tombstone(item) && string_attribute(item, "deletedBy") == Some(token.as_str())
        });
        Ok(Marked {
            deleted_status: ours.as_ref().map(status_of).transpose()?,
            fresh: false,
        })
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
