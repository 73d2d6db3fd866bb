//! Deleting todos: read them, then delete those that exist and take them off the
//! counters in one transaction, on the condition that each is still the version read.
//!
//! A transaction holds at most 100 actions, and a delete of up to 100 todos needs
//! two more (the state item, the key's record), so a delete of more than
//! [`PART_SIZE`] is split into parts, each its own transaction. With an `Idempotency-Key` each
//! part but the last records how many todos it deleted (`IDEM#<key> <part>`), and the
//! last records the answer: a retry after a crash between parts skips the parts done
//! and still answers the whole count.

use super::{Found, TodoStore, WRITE_ROUNDS, record_outcome, refusal, unchanged_since};
use crate::auth::session::AuthenticatedUser;
use crate::domain::TodoKey;
use crate::store::StoreError;
use crate::store::idempotency::{Earlier, Keyed, Recording, Written};
use crate::store::items::TodoItem;
use crate::store::keys::Key;
use crate::store::state::{CountChange, state_action};
use crate::store::transaction::{MAX_ACTIONS, Transaction};

/// The most todos one transaction deletes: the rest of it is the state item and the
/// key's record, and the read before it (at most 100 keys, like a transaction) also
/// fetches the record of the part.
const PART_SIZE: usize = MAX_ACTIONS - 3;

/// What one part came to.
enum Part {
    /// It deleted this many todos (now, or on an earlier attempt of the same key).
    Deleted(u64),
    /// The key's earlier use answers the whole request.
    Earlier(Earlier),
}

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
                Part::Deleted(count) => deleted += count,
                Part::Earlier(earlier) => return Ok(Written::Earlier(earlier)),
            }
        }
        Ok(Written::Done(deleted))
    }

    /// Part `index` of a delete, `before` todos deleted by the parts before it.
    async fn delete_part(
        &self,
        owner: &AuthenticatedUser,
        keys: &[TodoKey],
        (index, last): (usize, bool),
        before: u64,
        recording: Option<&Recording<'_, u64>>,
    ) -> Result<Part, StoreError> {
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
            if let Some(earlier) = Self::earlier_in(&mut found, owner, keyed)? {
                return Ok(Part::Earlier(earlier));
            }
            if let Some(done) = done_before(&mut found, keyed, part_record.as_ref())? {
                return Ok(done);
            }
            let todos: Vec<TodoItem> = keys
                .iter()
                .filter_map(|key| found.todos.remove(key))
                .collect();
            let count = todos.len() as u64;
            if todos.is_empty() && (recording.is_none() || !last) {
                // Nothing to delete nor to record: the read checked the session.
                return Ok(Part::Deleted(0));
            }
            let mut transaction = Transaction::on(self.datastore.table());
            let mut change = CountChange::default();
            for todo in &todos {
                let key = Key::todo(&owner.id, todo.key);
                transaction.delete(&key, unchanged_since(todo.version))?;
                change = change.plus(CountChange::deleted(todo.status));
            }
            let state = state_action(&mut transaction, owner, change)?;
            let record = match recording {
                Some(_) if last => {
                    record_outcome(&mut transaction, owner, recording, &(before + count))?
                }
                Some(recording) => {
                    let keyed = recording.keyed;
                    Some((
                        keyed.record_part(&mut transaction, &owner.id, index, count)?,
                        keyed,
                    ))
                }
                None => None,
            };
            match self.datastore.commit(&transaction).await? {
                Ok(()) => return Ok(Part::Deleted(count)),
                Err(refused) => {
                    if last {
                        if let Some(earlier) = refusal(&refused, state, record)? {
                            return Ok(Part::Earlier(earlier));
                        }
                    } else if refused.failed(state) {
                        return Err(StoreError::SessionEnded);
                    }
                    // A todo changed or went away, or another attempt recorded this
                    // part: read again.
                    tracing::info!("todos changed since they were read; again");
                }
            }
        }
        Err(StoreError::Contended {
            operation: "TransactWriteItems",
        })
    }
}

/// The part's record in `found`, when an earlier attempt of the same key did it.
fn done_before(
    found: &mut Found,
    keyed: Option<&Keyed>,
    part_record: Option<&Key>,
) -> Result<Option<Part>, StoreError> {
    let (Some(keyed), Some(record)) = (keyed, part_record) else {
        return Ok(None);
    };
    let Some(item) = found.records.remove(&record.sk) else {
        return Ok(None);
    };
    Ok(keyed.earlier_part(item)?.map(|part| match part {
        Ok(deleted) => Part::Deleted(deleted),
        Err(earlier) => Part::Earlier(earlier),
    }))
}
