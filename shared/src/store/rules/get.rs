//! Reading one todo, with the session check in the same round trip.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use super::{RuleStore, is_tombstone, owner_pk, rule_from_item, rule_sk};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{Rule, RuleKey};
use crate::store::StoreError;
use crate::store::items::Item;
use crate::store::state::{session_is_open, state_sk};

/// Rounds of asking again for keys `BatchGetItem` left unprocessed.
const BATCH_ROUNDS: usize = 5;

impl RuleStore {
    /// The todo `key` of `owner`, if their session is open (else
    /// [`StoreError::SessionEnded`]): one `BatchGetItem` reads both the todo and the
    /// owner's state item, consistently.
    pub async fn get_checked(
        &self,
        owner: &AuthenticatedUser,
        key: RuleKey,
    ) -> Result<Option<Rule>, StoreError> {
        let key_of = |sk: AttributeValue| {
            HashMap::from([
                ("pk".to_owned(), owner_pk(&owner.id)),
                ("sk".to_owned(), sk),
            ])
        };
        let mut wanted = KeysAndAttributes::builder()
            .keys(key_of(state_sk()))
            .keys(key_of(rule_sk(key)))
            .consistent_read(true)
            .build()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut items: Vec<Item> = Vec::new();
        for _ in 0..BATCH_ROUNDS {
            let output = self
                .datastore
                .client()
                .batch_get_item()
                .request_items(self.datastore.table(), wanted)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("BatchGetItem", e))?;
            if let Some(mut found) = output.responses {
                items.extend(found.remove(self.datastore.table()).unwrap_or_default());
            }
            match output
                .unprocessed_keys
                .and_then(|mut left| left.remove(self.datastore.table()))
            {
                Some(left) if !left.keys().is_empty() => wanted = left,
                _ => return self.checked(owner, items),
            }
        }
        Err(StoreError::Unavailable {
            operation: "BatchGetItem",
            message: "keys stayed unprocessed".to_owned(),
        })
    }

    fn checked(
        &self,
        owner: &AuthenticatedUser,
        items: Vec<Item>,
    ) -> Result<Option<Rule>, StoreError> {
        let is_state = |item: &Item| item.get("sk") == Some(&state_sk());
        let state = items.iter().find(|item| is_state(item));
        if !session_is_open(state, &owner.session_id) {
            return Err(StoreError::SessionEnded);
        }
        items
            .iter()
            .find(|item| !is_state(item) && !is_tombstone(item))
            .map(rule_from_item)
            .transpose()
    }

    /// The todo `key` of `owner_id`, without a session check (for the tests' and the
    /// tools' own reads).
    pub async fn get(&self, owner_id: &str, key: RuleKey) -> Result<Option<Rule>, StoreError> {
        self.read_item(owner_id, key)
            .await?
            .filter(|item| !is_tombstone(item))
            .as_ref()
            .map(rule_from_item)
            .transpose()
    }
}
