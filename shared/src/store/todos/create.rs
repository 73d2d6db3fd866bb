//! Creating a todo: the todo, its count and the key's record in one transaction.

use super::{TodoStore, record_outcome, refusal};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{NewTodo, Todo};
use crate::store::StoreError;
use crate::store::expression::Expression;
use crate::store::idempotency::{Recording, Written};
use crate::store::items::{TodoItem, to_item};
use crate::store::state::{CountChange, state_action};
use crate::store::transaction::Transaction;
use crate::time::now_rfc3339;

impl TodoStore {
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
        let state = state_action(&mut transaction, owner, CountChange::created(new.status))?;
        let created = Todo::from(todo);
        let record = record_outcome(&mut transaction, owner, recording, &created)?;
        match self.datastore.commit(&transaction).await? {
            Ok(()) => Ok(Written::Done(created)),
            Err(refused) => match refusal(&refused, state, record)? {
                Some(earlier) => Ok(Written::Earlier(earlier)),
                // The id is fresh, so only this very transaction can have created it:
                // an earlier sending landed, and the datastore did not recognise the
                // SDK's retry by its token.
                None if refused.failed(put) => Ok(Written::Done(created)),
                None => Err(StoreError::Corrupt("a create refused for no reason".into())),
            },
        }
    }
}
