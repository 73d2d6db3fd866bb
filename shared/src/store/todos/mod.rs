//! Todos: one item each, under their owner's partition, written only in transactions
//! that keep the owner's counters in step (what each sends: `docs/data-model.md`).
//!
//! A create is one transaction. An update or a delete reads first, because what it
//! does to the counters depends on the status the todos have, and commits on the
//! condition that each todo is still the version read (otherwise it reads again). A
//! write's own refusal (no such todo, a stale `version`) commits nothing.

mod delete;
mod list;
mod update;

use std::collections::HashMap;

pub use list::{ListOutcome, Page};
pub use update::UpdateOutcome;

use super::expression::Expression;
use super::idempotency::{Earlier, Keyed, Recording, Written};
use super::items::{Item, StateItem, TodoItem, from_item, n, text, to_item};
use super::keys::{Key, STATE, todo_key_of_sk};
use super::state::{CountChange, state_action};
use super::transaction::{Refused, Transaction};
use super::{Datastore, StoreError};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{NewTodo, Todo, TodoKey};
use crate::time::now_rfc3339;

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

impl Found {
    /// The earlier use of `keyed` that this read found, if any.
    fn earlier(
        &mut self,
        owner: &AuthenticatedUser,
        keyed: Option<&Keyed>,
    ) -> Result<Option<Earlier>, StoreError> {
        let Some(keyed) = keyed else {
            return Ok(None);
        };
        match self.records.remove(&keyed.record_key(&owner.id, None).sk) {
            Some(item) => keyed.earlier(item),
            None => Ok(None),
        }
    }
}

/// How a write's transaction ended, when the datastore answered.
enum Commit {
    Done,
    /// The key's earlier use answers instead: nothing was applied.
    Earlier(Earlier),
    /// A todo's condition did not hold: nothing was applied.
    Refused(Refused),
}

impl TodoStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// The todo `key` of `owner`, if their session is open (else
    /// [`StoreError::SessionEnded`]): one `BatchGetItem` reads both the todo and the
    /// owner's state item, consistently.
    pub async fn get_checked(
        &self,
        owner: &AuthenticatedUser,
        key: TodoKey,
    ) -> Result<Option<Todo>, StoreError> {
        let mut found = self.read_with_session(owner, &[key], &[]).await?;
        Ok(found.todos.remove(&key).map(Todo::from))
    }

    /// Creates a todo for `owner`, if their session is open (else
    /// [`StoreError::SessionEnded`]), and counts it; with a key, records the answer,
    /// or answers the key's earlier use instead.
    pub async fn create(
        &self,
        owner: &AuthenticatedUser,
        new: &NewTodo,
        recording: Option<&Recording<'_, Todo>>,
    ) -> Result<Written<Todo>, StoreError> {
        let todo = TodoItem::new(&owner.id, &owner.name, new, now_rfc3339());
        let mut transaction = Transaction::on(self.datastore.table());
        let put = transaction.put(to_item(&todo)?, Expression::new("attribute_not_exists(pk)"))?;
        let created = Todo::from(todo);
        let change = CountChange::created(new.status);
        match self
            .commit(owner, transaction, change, recording, &created)
            .await?
        {
            Commit::Earlier(earlier) => Ok(Written::Earlier(earlier)),
            Commit::Refused(refused) if !refused.failed(put) => {
                Err(StoreError::Corrupt("a create refused for no reason".into()))
            }
            // Refused on the todo: the id is fresh, so only this very transaction can
            // have created it: an earlier sending landed, and the datastore did not
            // recognise the SDK's retry by its token.
            Commit::Done | Commit::Refused(_) => Ok(Written::Done(created)),
        }
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

    /// Commits `transaction` (the write's actions on todos) with `owner`'s state
    /// action (`change` to the counters, on the condition that the session is open)
    /// and, with a key, the record of `outcome`. A refusal on the state item is
    /// [`StoreError::SessionEnded`]; one on the record, the key's earlier use.
    async fn commit<T>(
        &self,
        owner: &AuthenticatedUser,
        mut transaction: Transaction,
        change: CountChange,
        recording: Option<&Recording<'_, T>>,
        outcome: &T,
    ) -> Result<Commit, StoreError> {
        let state = state_action(&mut transaction, owner, change)?;
        let record = match recording {
            Some(Recording { keyed, answer }) => Some((
                keyed.record(&mut transaction, &owner.id, &answer(outcome))?,
                keyed,
            )),
            None => None,
        };
        let Err(refused) = self.datastore.commit(&transaction).await? else {
            return Ok(Commit::Done);
        };
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
                earlier.map(Commit::Earlier).ok_or(StoreError::Contended {
                    operation: "TransactWriteItems",
                })
            }
            _ => Ok(Commit::Refused(refused)),
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
        if recording.is_none() {
            return Ok(Written::Done(outcome));
        }
        let transaction = Transaction::on(self.datastore.table());
        let change = CountChange::default();
        match self
            .commit(owner, transaction, change, recording, &outcome)
            .await?
        {
            Commit::Done => Ok(Written::Done(outcome)),
            Commit::Earlier(earlier) => Ok(Written::Earlier(earlier)),
            Commit::Refused(_) => Err(StoreError::Corrupt(
                "a refusal refused for no reason".into(),
            )),
        }
    }
}

/// The condition that a todo is still at `version`, the one a write read (an absent
/// todo fails it too).
fn unchanged_since(version: u64) -> Expression {
    Expression::new("#version = :read")
        .name("#version", "version")
        .value(":read", n(version))
}
