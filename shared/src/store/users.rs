//! Users, and the login throttle's counters (`users/login_attempts.rs`).

mod login_attempts;

pub use login_attempts::AttemptRefused;

use super::expression::Expression;
use super::items::{ProfileItem, s, to_item};
use super::keys::Key;
use super::{Datastore, StoreError};
use crate::domain::{PasswordHash, UserName};
use crate::time::now_rfc3339;

/// A stored user.
pub type UserRecord = ProfileItem;

/// Registration could not take the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTaken;

/// Users in the table.
#[derive(Debug, Clone)]
pub struct UserStore {
    datastore: Datastore,
}

impl UserStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Creates a user; the name is taken when any user already has it in any case.
    pub async fn create(
        &self,
        name: &UserName,
        hash: &PasswordHash,
    ) -> Result<Result<UserRecord, NameTaken>, StoreError> {
        let record = ProfileItem {
            key: Key::profile(name.normalized()),
            user_id: ulid::Ulid::new().to_string(),
            user_name: name.as_str().to_owned(),
            password_hash: hash.0.clone(),
            created_at: now_rfc3339(),
        };
        let condition = Expression::new("attribute_not_exists(pk)");
        let created = self.datastore.put(to_item(&record)?, condition).await?;
        Ok(if created { Ok(record) } else { Err(NameTaken) })
    }

    /// The user with this (case-folded) name.
    pub async fn find(&self, normalized_name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.datastore.read(&Key::profile(normalized_name)).await
    }

    /// Deletes the profile of `user_id` (named `normalized_name`) and its login-attempt
    /// counter, freeing the name. A profile of another user id is left alone.
    pub async fn delete(&self, normalized_name: &str, user_id: &str) -> Result<(), StoreError> {
        let condition = Expression::new("userId = :id").value(":id", s(user_id));
        let profile = Key::profile(normalized_name);
        self.datastore.delete(&profile, condition).await?;
        self.clear_login_attempts(normalized_name).await
    }
}
