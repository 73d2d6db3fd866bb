//! Users, and the login throttle's counters (`users/login_attempts.rs`).

mod login_attempts;

pub use login_attempts::AttemptRefused;

use super::items::{Item, get_s, s};
use super::{Datastore, StoreError};
use crate::domain::{PasswordHash, UserName};
use crate::time::now_rfc3339;

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The id (ULID), the `sub` of their tokens.
    pub user_id: String,
    /// The name as registered.
    pub user_name: String,
    /// The Argon2id hash.
    pub password_hash: String,
    /// RFC 3339 registration time.
    pub created_at: String,
}

/// Registration could not take the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTaken;

/// Users in the table.
#[derive(Debug, Clone)]
pub struct UserStore {
    datastore: Datastore,
}

fn user_pk(normalized_name: &str) -> String {
    format!("USER#{normalized_name}")
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
        let record = UserRecord {
            user_id: ulid::Ulid::new().to_string(),
            user_name: name.as_str().to_owned(),
            password_hash: hash.0.clone(),
            created_at: now_rfc3339(),
        };
        let result = self
            .datastore
            .client()
            .put_item()
            .table_name(self.datastore.table())
            .item("pk", s(user_pk(name.normalized())))
            .item("sk", s("PROFILE"))
            .item("entity", s("user"))
            .item("userId", s(&record.user_id))
            .item("userName", s(&record.user_name))
            .item("passwordHash", s(&record.password_hash))
            .item("createdAt", s(&record.created_at))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(
            match StoreError::unless_condition_failed("PutItem", result)? {
                Some(_) => Ok(record),
                None => Err(NameTaken),
            },
        )
    }

    /// The user with this (case-folded) name.
    pub async fn find(&self, normalized_name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.item(normalized_name, "PROFILE")
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    /// Deletes the profile of `user_id` (named `normalized_name`) and its login-attempt
    /// counter, freeing the name. A profile of another user id is left alone.
    pub async fn delete(&self, normalized_name: &str, user_id: &str) -> Result<(), StoreError> {
        let result = self
            .datastore
            .client()
            .delete_item()
            .table_name(self.datastore.table())
            .key("pk", s(user_pk(normalized_name)))
            .key("sk", s("PROFILE"))
            .condition_expression("userId = :id")
            .expression_attribute_values(":id", s(user_id))
            .send()
            .await;
        StoreError::unless_condition_failed("DeleteItem", result)?;
        self.clear_login_attempts(normalized_name).await
    }

    /// One item of a user's partition, read consistently.
    async fn item(
        &self,
        normalized_name: &str,
        sort_key: &str,
    ) -> Result<Option<Item>, StoreError> {
        self.datastore
            .get(s(user_pk(normalized_name)), s(sort_key))
            .await
    }
}

fn user_record(item: &Item) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user_id: get_s(item, "userId")?,
        user_name: get_s(item, "userName")?,
        password_hash: get_s(item, "passwordHash")?,
        created_at: get_s(item, "createdAt")?,
    })
}
