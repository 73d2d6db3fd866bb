//! Deleting todos: read them, then delete those that exist and take them off the
//! counters in one transaction, on the condition that each is still the version read.
//! A delete of more than [`PART_SIZE`] is split into parts, each its own transaction;
//! with a key each part but the last records how many it deleted (`IDEM#<key>
//! <part>`), so a retry skips the parts done and still answers the whole count.

use super::{Commit, TodoStore, WRITE_ROUNDS, unchanged_since};
use crate::auth::session::AuthenticatedUser;
use crate::domain::TodoKey;
use crate::store::StoreError;
use crate::store::idempotency::{Earlier, Recording, Written};
use crate::store::items::TodoItem;
use crate::store::keys::Key;
use crate::store::state::CountChange;
use crate::store::transaction::{MAX_ACTIONS, Transaction};

/// The most todos one transaction deletes: the rest of it is the state item and the
/// key's record, and the read before it (at most 100 keys, like a transaction) also
/// fetches the record of the part.
const PART_SIZE: usize = MAX_ACTIONS - 3;

impl TodoStore {
    /// Deletes `keys` of `owner`, if their session is open (else
    /// [`StoreError::SessionEnded`]): how many existed. With a key, records the
    /// answer, or answers the key's earlier use instead.
    pub async fn delete(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        recording: Option<&Recording<'_, u64>>,
    ) -> Result<Written<u64>, StoreError> {
        let parts: Vec<&[TodoKey]> = keys.chunks(PART_SIZE).collect();
        let mut deleted = 0;
        for (index, part) in parts.iter().enumerate() {
            let last = index + 1 == parts.len();
            match self
                .delete_part(owner, part, (index, last), deleted, recording)
                .await?
            {
                Ok(count) => deleted += count,
                Err(earlier) => return Ok(Written::Earlier(earlier)),
            }
        }
        Ok(Written::Done(deleted))
    }

    /// Part `index` of a delete, `before` todos deleted by the parts before it: how
    /// many todos it deleted (now, or on an earlier attempt of the same key), or the
    /// key's earlier use, which answers the whole request.
    async fn delete_part(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        (index, last): (usize, bool),
        before: u64,
        recording: Option<&Recording<'_, u64>>,
    ) -> Result<Result<u64, Earlier>, StoreError> {
        let keyed = recording.map(|recording| recording.keyed);
        let part_record = keyed
            .filter(|_| !last)
            .map(|keyed| keyed.record_key(&owner.id, Some(index)));
        let records: Vec<Key> = keyed
            .map(|keyed| keyed.record_key(&owner.id, None))
            .into_iter()
            .chain(part_record.clone())
            .collect();
        for _ in 0..WRITE_ROUNDS {
            let mut found = self.read_with_session(owner, keys, &records).await?;
            if let Some(earlier) = found.earlier(owner, keyed)? {
                return Ok(Err(earlier));
            }
            if let (Some(keyed), Some(record)) = (keyed, &part_record)
                && let Some(item) = found.records.remove(&record.sk)
                && let Some(done) = keyed.earlier_part(item)?
            {
                return Ok(done);
            }
            let todos: Vec<TodoItem> = keys
                .iter()
                .filter_map(|key| found.todos.remove(key))
                .collect();
            let count = todos.len() as u64;
            if todos.is_empty() && (recording.is_none() || !last) {
                // Nothing to delete nor to record: the read checked the session.
                return Ok(Ok(0));
            }
            let mut transaction = Transaction::on(self.datastore.table());
            let mut change = CountChange::default();
            for todo in &todos {
                let key = Key::todo(&owner.id, todo.key);
                transaction.delete(&key, unchanged_since(todo.version))?;
                change = change.plus(CountChange::deleted(todo.status));
            }
            // Each part but the last records how many it deleted; the last, the answer.
            if let Some(keyed) = keyed.filter(|_| !last) {
                keyed.record_part(&mut transaction, &owner.id, index, count)?;
            }
            let recording = recording.filter(|_| last);
            match self
                .commit(owner, transaction, change, recording, &(before + count))
                .await?
            {
                Commit::Done => return Ok(Ok(count)),
                Commit::Earlier(earlier) => return Ok(Err(earlier)),
                // A todo changed or went away, or another attempt recorded this part:
                // read again.
                Commit::Refused(_) => tracing::info!("todos changed since they were read; again"),
            }
        }
        Err(StoreError::Contended {
            operation: "TransactWriteItems",
        })
    }
}
