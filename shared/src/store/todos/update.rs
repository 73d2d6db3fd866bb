//! Changing a todo: read it, then commit the change (and a change of status in the
//! counters) on the condition that it is still the version read.

use super::{Commit, TodoStore, WRITE_ROUNDS, unchanged_since};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{Todo, TodoChanges};
use crate::store::StoreError;
use crate::store::idempotency::{Recording, Written};
use crate::store::items::{TodoItem, to_item};
use crate::store::state::CountChange;
use crate::store::transaction::Transaction;
use crate::time::now_rfc3339;

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The todo after the change.
    Updated(Todo),
    /// No such todo (for this user).
    NotFound,
    /// The client's version is stale; here is the current todo.
    Stale(Todo),
}

/// `todo` with `changes` applied: a new version, changed now.
fn changed(mut todo: TodoItem, changes: &TodoChanges) -> TodoItem {
    if let Some(name) = &changes.name {
        todo.rename(name.clone());
    }
    if let Some(desc) = &changes.desc {
        todo.desc = desc.clone();
    }
    if let Some(status) = changes.status {
        todo.set_status(status);
    }
    if let Some(progress) = changes.progress {
        todo.progress = progress;
    }
    todo.next_version(now_rfc3339());
    todo
}

impl TodoStore {
    /// Applies `changes` to one todo of `owner`, if their session is open (else
    /// [`StoreError::SessionEnded`]), the todo exists and the version matches; with a
    /// key, records the answer, or answers the key's earlier use instead.
    pub async fn update(
        &self,
        owner: &AuthenticatedUser,
        changes: &TodoChanges,
        recording: Option<&Recording<'_, UpdateOutcome>>,
    ) -> Result<Written<UpdateOutcome>, StoreError> {
        let keyed = recording.map(|recording| recording.keyed);
        let records: Vec<_> = keyed
            .map(|keyed| keyed.record_key(&owner.id, None))
            .into_iter()
            .collect();
        for _ in 0..WRITE_ROUNDS {
            let mut found = self
                .read_with_session(owner, &[changes.key], &records)
                .await?;
            if let Some(earlier) = found.earlier(owner, keyed)? {
                return Ok(Written::Earlier(earlier));
            }
            let Some(current) = found.todos.remove(&changes.key) else {
                return self.refuse(owner, UpdateOutcome::NotFound, recording).await;
            };
            if changes
                .expected_version
                .is_some_and(|expected| expected.0 != current.version)
            {
                let stale = UpdateOutcome::Stale(Todo::from(current));
                return self.refuse(owner, stale, recording).await;
            }
            let (before, read_version) = (current.status, current.version);
            let next = changed(current, changes);
            let mut transaction = Transaction::on(self.datastore.table());
            let written = to_item(&next)?;
            let todo = transaction.put(written.clone(), unchanged_since(read_version))?;
            let change = CountChange::moved(before, next.status);
            let outcome = UpdateOutcome::Updated(Todo::from(next));
            match self
                .commit(owner, transaction, change, recording, &outcome)
                .await?
            {
                Commit::Done => return Ok(Written::Done(outcome)),
                Commit::Earlier(earlier) => return Ok(Written::Earlier(earlier)),
                Commit::Refused(refused) if !refused.failed(todo) => {
                    return Err(StoreError::Corrupt(
                        "an update refused for no reason".into(),
                    ));
                }
                // The todo is what this transaction writes, its write id included:
                // an earlier sending landed, and the datastore did not recognise the
                // SDK's retry by its token.
                Commit::Refused(refused) if refused.found(todo) == Some(&written) => {
                    return Ok(Written::Done(outcome));
                }
                Commit::Refused(_) => {
                    tracing::info!(key = %changes.key, "todo changed since it was read; again");
                }
            }
        }
        Err(StoreError::Contended {
            operation: "TransactWriteItems",
        })
    }
}
