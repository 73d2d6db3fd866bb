//! Removing what an account owns: every item of its partition but the state item,
//! which stays (closed, with a TTL) so that a login racing the deletion cannot open a
//! session.

use super::expression::Expression;
use super::items::{from_item, s};
use super::keys::{Key, STATE, TODO_SK_FIRST, owner_pk};
use super::transaction::{MAX_ACTIONS, Transaction};
use super::{Datastore, StoreError};

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

    /// Deletes every item of `user_id`'s partition but the state item: how many todos.
    pub async fn remove_data(&self, user_id: &str) -> Result<u64, StoreError> {
        let mut todos = 0;
        loop {
            // From the start each round: items written meanwhile are found too.
            let output = self
                .datastore
                .client()
                .query()
                .table_name(self.datastore.table())
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(owner_pk(user_id)))
                .projection_expression("pk, sk")
                .limit(i32::try_from(MAX_ACTIONS).unwrap_or(100))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query", e))?;
            let items = output.items.unwrap_or_default().into_iter();
            let mut keys: Vec<Key> = items.map(from_item).collect::<Result<_, _>>()?;
            // A key condition cannot exclude one sort key, nor a filter name one.
            keys.retain(|key| key.sk != STATE);
            if keys.is_empty() {
                return Ok(todos);
            }
            let mut transaction = Transaction::on(self.datastore.table());
            for key in &keys {
                transaction.delete(key, Expression::new("attribute_exists(pk)"))?;
            }
            // Refused: an item went away meanwhile; the next round reads again.
            if self.datastore.commit(&transaction).await?.is_ok() {
                let deleted = keys.iter().filter(|key| key.sk.starts_with(TODO_SK_FIRST));
                todos += deleted.count() as u64;
            }
        }
    }
}
