//! Todos: one item each, under their owner's partition, written only in transactions
//! that keep the owner's counters in step (what each sends: `docs/data-model.md`).
//!
//! A create is one transaction. An update or a delete reads first, because what it
//! does to the counters depends on the status the todos have, and commits on the
//! condition that each todo is still the version read (otherwise it reads again). A
//! write's own refusal (no such todo, a stale `version`) commits nothing.

mod create;
mod delete;
mod get;
mod list;
mod update;

use std::collections::HashMap;

pub use list::{ListOutcome, Page};
pub use update::UpdateOutcome;

use super::expression::Expression;
use super::idempotency::{Earlier, Keyed, Recording, Written};
use super::items::{Item, StateItem, TodoItem, from_item, n, text};
use super::keys::{Key, STATE, todo_key_of_sk};
use super::state::{CountChange, state_action};
use super::transaction::Refused;
use super::transaction::Transaction;
use super::{Datastore, StoreError};
use crate::auth::session::AuthenticatedUser;
use crate::domain::TodoKey;

/// The most todos one name search reads.
pub const NAME_SEARCH_BUDGET: u64 = 2000;
/// Rounds of reading again when todos change between a write's read and its commit.
const WRITE_ROUNDS: usize = 5;

/// Todos in the table.
#[derive(Debug, Clone)]
pub struct TodoStore {
    datastore: Datastore,
}

/// What a write reads before its transaction.
struct Found {
    todos: HashMap<TodoKey, TodoItem>,
    /// Records of the write's key, by sort key.
    records: HashMap<String, Item>,
}

impl TodoStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Reads, in one `BatchGetItem`, the todos `keys` of `owner`, their state item and
    /// the records at `records`; fails with [`StoreError::SessionEnded`] unless the
    /// session is open.
    async fn read_with_session(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        records: &[Key],
    ) -> Result<Found, StoreError> {
        let mut wanted: Vec<Key> = keys.iter().map(|key| Key::todo(&owner.id, *key)).collect();
        wanted.push(Key::state(&owner.id));
        wanted.extend_from_slice(records);
        let mut found = Found {
            todos: HashMap::new(),
            records: HashMap::new(),
        };
        let mut open = false;
        for item in self.datastore.get_many(&wanted).await? {
            let sk = text(&item, "sk").unwrap_or_default().to_owned();
            if sk == STATE {
                let state: StateItem = from_item(item)?;
                open = state.has_open_session(&owner.session_id);
            } else if let Some(key) = todo_key_of_sk(&sk) {
                found.todos.insert(key, from_item(item)?);
            } else {
                found.records.insert(sk, item);
            }
        }
        if !open {
            return Err(StoreError::SessionEnded);
        }
        Ok(found)
    }

    /// The earlier use of the write's key that `found` holds, if any.
    fn earlier_in(
        found: &mut Found,
        owner: &AuthenticatedUser,
        keyed: Option<&Keyed>,
    ) -> Result<Option<Earlier>, StoreError> {
        let Some(keyed) = keyed else {
            return Ok(None);
        };
        match found.records.remove(&keyed.record_key(&owner.id, None).sk) {
            Some(item) => keyed.earlier(item),
            None => Ok(None),
        }
    }

    /// A write's own refusal `outcome` (nothing to change), recorded under its key in
    /// a transaction of its own, on the condition that the session is open.
    async fn refuse<T>(
        &self,
        owner: &AuthenticatedUser,
        outcome: T,
        recording: Option<&Recording<'_, T>>,
    ) -> Result<Written<T>, StoreError> {
        let Some(recording) = recording else {
            return Ok(Written::Done(outcome));
        };
        let mut transaction = Transaction::on(self.datastore.table());
        let state = state_action(&mut transaction, owner, CountChange::default())?;
        let record = record_outcome(&mut transaction, owner, Some(recording), &outcome)?;
        match self.datastore.commit(&transaction).await? {
            Ok(()) => Ok(Written::Done(outcome)),
            Err(refused) => match refusal(&refused, state, record)? {
                Some(earlier) => Ok(Written::Earlier(earlier)),
                None => Err(StoreError::Corrupt(
                    "a refusal refused for no reason".into(),
                )),
            },
        }
    }
}

/// Adds the record of `outcome` to `transaction` when the write has a key: the
/// record's position and key, as [`refusal`] wants them.
fn record_outcome<'k, T>(
    transaction: &mut Transaction,
    owner: &AuthenticatedUser,
    recording: Option<&Recording<'k, T>>,
    outcome: &T,
) -> Result<Option<(usize, &'k Keyed)>, StoreError> {
    recording
        .map(|recording| {
            let answer = (recording.answer)(outcome);
            let index = recording.keyed.record(transaction, &owner.id, &answer)?;
            Ok((index, recording.keyed))
        })
        .transpose()
}

/// The condition that a todo is still at `version`, the one a write read (an absent
/// todo fails it too).
fn unchanged_since(version: u64) -> Expression {
    Expression::new("#version = :read")
        .name("#version", "version")
        .value(":read", n(version))
}

/// Why a write's transaction was refused, given the positions of its state action
/// and its record: the session ended, or the key was used already (`Ok`); `None` when
/// neither (a todo changed since it was read).
fn refusal(
    refused: &Refused,
    state: usize,
    record: Option<(usize, &Keyed)>,
) -> Result<Option<Earlier>, StoreError> {
    if refused.failed(state) {
        return Err(StoreError::SessionEnded);
    }
    match record {
        Some((index, keyed)) if refused.failed(index) => {
            let earlier = match refused.found(index) {
                Some(item) => keyed.earlier(item.clone())?,
                None => None,
            };
            // A record that expired between the check and this read: nothing was
            // written, and the next attempt finds the key free.
            earlier.map(Some).ok_or(StoreError::Contended {
                operation: "TransactWriteItems",
            })
        }
        _ => Ok(None),
    }
}
