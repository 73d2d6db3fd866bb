//! Reading one todo, with the session check in the same round trip.

use super::TodoStore;
use crate::auth::session::AuthenticatedUser;
use crate::domain::{Todo, TodoKey};
use crate::store::StoreError;

impl TodoStore {
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
}
