//! Todos: one item each in the owner's partition, written only in transactions that
//! keep the owner's counters in step. An update or a delete reads first and commits on
//! the condition that each todo is still the version read. What each write sends, and
//! why it is safe: `docs/data-model.md`.

mod list;

use std::collections::HashMap;

pub use list::{ListOutcome, Page};

use super::expression::Expression;
use super::idempotency::{Earlier, Keyed, Recording, Written};
use super::items::{StateItem, TodoItem, from_item, n, text, to_item};
use super::keys::{Key, STATE, todo_key_of_sk};
use super::state::{CountChange, state_action};
use super::transaction::{Committed, MAX_ACTIONS, Transaction};
use super::{Datastore, StoreError};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{NewTodo, Todo, TodoChanges, TodoKey};
use crate::time::now_rfc3339;

/// The most todos one name search reads.
pub const NAME_SEARCH_BUDGET: u64 = 2000;
/// Rounds of reading again when todos change between a write's read and its commit.
const WRITE_ROUNDS: usize = 5;
/// The most todos one transaction (and its read) holds besides the state and records.
const PART_SIZE: usize = MAX_ACTIONS - 3;

/// Todos in the table. Each method fails with [`StoreError::SessionEnded`] unless the
/// owner's session is open; a write with a key records its answer, or answers the
/// key's earlier use instead.
#[derive(Debug, Clone)]
pub struct TodoStore {
    datastore: Datastore,
}

/// What a write reads first: todos, its key's earlier use, a delete part's earlier count.
#[derive(Default)]
struct Found {
    todos: HashMap<TodoKey, TodoItem>,
    earlier: Option<Earlier>,
    part: Option<Result<u64, Earlier>>,
}

/// What an update did: the todo after the change, or as it is when the client's version is stale.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum UpdateOutcome {
    Updated(Todo),
    NotFound,
    Stale(Todo),
}

impl TodoStore {
    #[allow(missing_docs)]
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// The todo `key` of `owner`.
    pub async fn get_checked(
        &self,
        owner: &AuthenticatedUser,
        key: TodoKey,
    ) -> Result<Option<Todo>, StoreError> {
        let mut found = self.read_with_session(owner, &[key], None, None).await?;
        Ok(found.todos.remove(&key).map(Todo::from))
    }

    /// Creates a todo for `owner`, and counts it.
    pub async fn create(
        &self,
        owner: &AuthenticatedUser,
        new: &NewTodo,
        recording: Option<&Recording<'_, Todo>>,
    ) -> Result<Written<Todo>, StoreError> {
        let todo = TodoItem::new(&owner.id, &owner.name, new, now_rfc3339());
        let mut transaction = Transaction::on(self.datastore.table());
        transaction.put(to_item(&todo)?, Expression::new("attribute_not_exists(pk)"))?;
        let created = Todo::from(todo);
        let change = CountChange::created(new.status);
        let commit = self.commit(owner, transaction, change, recording, &created);
        // A refusal `commit` leaves is on the todo, whose id is fresh: an earlier sending
        // of this very transaction landed (the datastore ignored the token).
        Ok(commit.await?.map(|_| created))
    }

    /// Applies `changes` to one todo of `owner`, if it exists and the version matches.
    pub async fn update(
        &self,
        owner: &AuthenticatedUser,
        changes: &TodoChanges,
        recording: Option<&Recording<'_, UpdateOutcome>>,
    ) -> Result<Written<UpdateOutcome>, StoreError> {
        let (keyed, keys) = (recording.map(|recording| recording.keyed), [changes.key]);
        let expected = changes.expected_version.map(|version| version.0);
        for _ in 0..WRITE_ROUNDS {
            let mut found = self.read_with_session(owner, &keys, keyed, None).await?;
            if let Some(earlier) = found.earlier {
                return Ok(Written::Earlier(earlier));
            }
            // A refusal (no such todo, a stale version) writes only the record, if any.
            let mut transaction = Transaction::on(self.datastore.table());
            let (outcome, change, written) = match found.todos.remove(&changes.key) {
                None => (UpdateOutcome::NotFound, CountChange::default(), None),
                Some(current) if expected.is_some_and(|version| version != current.version) => {
                    let stale = UpdateOutcome::Stale(Todo::from(current));
                    (stale, CountChange::default(), None)
                }
                Some(current) => {
                    let (before, read_version) = (current.status, current.version);
                    let next = current.changed(changes, now_rfc3339());
                    let item = to_item(&next)?;
                    let put = transaction.put(item.clone(), unchanged_since(read_version))?;
                    let change = CountChange::moved(before, next.status);
                    let updated = UpdateOutcome::Updated(Todo::from(next));
                    (updated, change, Some((put, item)))
                }
            };
            if written.is_none() && recording.is_none() {
                return Ok(Written::Done(outcome));
            }
            let commit = self.commit(owner, transaction, change, recording, &outcome);
            let refused = match commit.await? {
                Written::Done(Ok(())) => return Ok(Written::Done(outcome)),
                Written::Done(Err(refused)) => refused,
                Written::Earlier(earlier) => return Ok(Written::Earlier(earlier)),
            };
            // `commit` left a refusal on the todo: it changed since it was read, or it is
            // this very write (down to its write id): an earlier sending landed.
            if let Some((put, item)) = written
                && refused.get(&put) == Some(&Some(item))
            {
                return Ok(Written::Done(outcome));
            }
            tracing::info!(key = %changes.key, "todo changed since it was read; again");
        }
        Err(StoreError::Contended)
    }

    /// Deletes `keys` of `owner`: how many existed.
    pub async fn delete(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        recording: Option<&Recording<'_, u64>>,
    ) -> Result<Written<u64>, StoreError> {
        let parts: Vec<&[TodoKey]> = keys.chunks(PART_SIZE).collect();
        let mut deleted = 0;
        for (index, keys) in parts.iter().enumerate() {
            let part = (index + 1 < parts.len()).then_some(index);
            let done = self.delete_part(owner, keys, part, deleted, recording);
            match done.await? {
                Ok(count) => deleted += count,
                Err(earlier) => return Ok(Written::Earlier(earlier)),
            }
        }
        Ok(Written::Done(deleted))
    }

    /// A part of a delete (`part`: its index, unless it is the last): how many it
    /// deleted (now, or earlier under the same key), or the key's earlier use.
    async fn delete_part(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        part: Option<usize>,
        before: u64,
        recording: Option<&Recording<'_, u64>>,
    ) -> Result<Result<u64, Earlier>, StoreError> {
        let keyed = recording.map(|recording| recording.keyed);
        for _ in 0..WRITE_ROUNDS {
            let found = self.read_with_session(owner, keys, keyed, part).await?;
            if let Some(earlier) = found.earlier {
                return Ok(Err(earlier));
            }
            if let Some(done) = found.part {
                return Ok(done);
            }
            let count = found.todos.len() as u64;
            if count == 0 && (recording.is_none() || part.is_some()) {
                // Nothing to delete nor to record: the read checked the session.
                return Ok(Ok(0));
            }
            let mut transaction = Transaction::on(self.datastore.table());
            let mut change = CountChange::default();
            for todo in found.todos.values() {
                let key = Key::todo(&owner.id, todo.key);
                transaction.delete(&key, unchanged_since(todo.version))?;
                change = change.plus(CountChange::deleted(todo.status));
            }
            // Each part but the last records how many it deleted; the last, the answer.
            if let (Some(keyed), Some(part)) = (keyed, part) {
                keyed.record_part(&mut transaction, &owner.id, part, count)?;
            }
            let (recording, total) = (recording.filter(|_| part.is_none()), before + count);
            let commit = self.commit(owner, transaction, change, recording, &total);
            match commit.await? {
                Written::Done(Ok(())) => return Ok(Ok(count)),
                Written::Earlier(earlier) => return Ok(Err(earlier)),
                // A todo changed or went away, or another attempt recorded this part: read again.
                Written::Done(_) => tracing::info!("todos changed since they were read; again"),
            }
        }
        Err(StoreError::Contended)
    }

    /// Reads the todos `keys`, the state item and the key's records in one `BatchGetItem`.
    async fn read_with_session(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        keyed: Option<&Keyed>,
        part: Option<usize>,
    ) -> Result<Found, StoreError> {
        let mut wanted: Vec<Key> = keys.iter().map(|key| Key::todo(&owner.id, *key)).collect();
        wanted.push(Key::state(&owner.id));
        let record = keyed.map(|keyed| keyed.record_key(&owner.id, None));
        let part_record = keyed
            .zip(part)
            .map(|(keyed, part)| keyed.record_key(&owner.id, Some(part)));
        wanted.extend(record.iter().chain(&part_record).cloned());
        let (mut found, mut open) = (Found::default(), false);
        for item in self.datastore.get_many(&wanted).await? {
            let sk = text(&item, "sk").unwrap_or_default().to_owned();
            if sk == STATE {
                let state: StateItem = from_item(item)?;
                open = state.has_open_session(&owner.session_id);
            } else if let Some(key) = todo_key_of_sk(&sk) {
                found.todos.insert(key, from_item(item)?);
            } else if let Some(keyed) = keyed {
                // Only records are left: the key's, or its part's.
                if record.as_ref().is_some_and(|record| record.sk == sk) {
                    found.earlier = keyed.earlier(item)?;
                } else {
                    found.part = keyed.earlier_part(item)?;
                }
            }
        }
        if !open {
            return Err(StoreError::SessionEnded);
        }
        Ok(found)
    }

    /// Commits `transaction` with the state's `change` and the record of `outcome`: done
    /// (`Err` if refused: nothing was applied), or the key's earlier use instead. It
    /// answers the state's refusal and the record's itself; others are the caller's.
    async fn commit<T>(
        &self,
        owner: &AuthenticatedUser,
        mut transaction: Transaction,
        change: CountChange,
        recording: Option<&Recording<'_, T>>,
        outcome: &T,
    ) -> Result<Written<Committed>, StoreError> {
        let state = state_action(&mut transaction, owner, change)?;
        let mut record = None;
        if let Some(Recording { keyed, answer }) = recording {
            let index = keyed.record(&mut transaction, &owner.id, &answer(outcome))?;
            record = Some((index, keyed));
        }
        let Err(mut refused) = self.datastore.commit(&transaction).await? else {
            return Ok(Written::Done(Ok(())));
        };
        if refused.contains_key(&state) {
            return Err(StoreError::SessionEnded);
        }
        match record {
            Some((index, keyed)) if refused.contains_key(&index) => {
                // None: the record expired since the check; the next attempt finds the key free.
                let found = refused.remove(&index).flatten();
                let earlier = found.map(|item| keyed.earlier(item)).transpose()?.flatten();
                earlier.map(Written::Earlier).ok_or(StoreError::Contended)
            }
            _ => Ok(Written::Done(Err(refused))),
        }
    }
}

/// The condition that a todo is still at the `version` read (an absent one fails it).
fn unchanged_since(version: u64) -> Expression {
    Expression::new("version = :read").value(":read", n(version))
}
