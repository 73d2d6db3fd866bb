//! Users and failed-login counters.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;

use super::items::{Item, get_n, get_s, n, s};
use super::{Datastore, StoreError};
use crate::domain::{PasswordHash, UserName};
use crate::time::{now_epoch_seconds, now_rfc3339};

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

/// The failed logins counted for a name in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailedLogins {
    /// Failures in the window.
    pub failures: u32,
    /// When the window started, seconds since the epoch.
    pub window_start: u64,
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
        match result {
            Ok(_) => Ok(Ok(record)),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(Err(NameTaken))
            }
            Err(e) => Err(StoreError::from_sdk("PutItem", e)),
        }
    }

    /// The user with this (case-folded) name.
    pub async fn find(&self, normalized_name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.item(normalized_name, "PROFILE")
            .await?
            .as_ref()
            .map(user_record)
            .transpose()
    }

    /// The failed logins of the current window (older windows count as none).
    pub async fn failed_logins(
        &self,
        normalized_name: &str,
        window: Duration,
    ) -> Result<FailedLogins, StoreError> {
        let Some(item) = self.item(normalized_name, "LOGINFAIL").await? else {
            return Ok(FailedLogins::default());
        };
        let counted = FailedLogins {
            failures: get_n(&item, "failures")?,
            window_start: get_n(&item, "windowStart")?,
        };
        if counted.window_start + window.as_secs() <= now_epoch_seconds() {
            return Ok(FailedLogins::default());
        }
        Ok(counted)
    }

    /// Counts one more failed login, atomically, starting a new window when the last one is over.
    pub async fn record_failed_login(
        &self,
        normalized_name: &str,
        window: Duration,
    ) -> Result<(), StoreError> {
        let now = now_epoch_seconds();
        let window_open_since = now.saturating_sub(window.as_secs());
        // Restart the window if it is over; the condition makes concurrent restarts harmless.
        let restart = self
            .datastore
            .client()
            .put_item()
            .table_name(self.datastore.table())
            .item("pk", s(user_pk(normalized_name)))
            .item("sk", s("LOGINFAIL"))
            .item("failures", n(1))
            .item("windowStart", n(now))
            .item("expiresAt", n(now + window.as_secs()))
            .condition_expression("attribute_not_exists(pk) OR windowStart <= :open")
            .expression_attribute_values(":open", n(window_open_since))
            .send()
            .await;
        match restart {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                self.datastore
                    .client()
                    .update_item()
                    .table_name(self.datastore.table())
                    .key("pk", s(user_pk(normalized_name)))
                    .key("sk", s("LOGINFAIL"))
                    .update_expression("ADD failures :one")
                    .expression_attribute_values(":one", n(1))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| StoreError::from_sdk("UpdateItem", e))
            }
            Err(e) => Err(StoreError::from_sdk("PutItem", e)),
        }
    }

    /// One item of a user's partition, read consistently.
    async fn item(
        &self,
        normalized_name: &str,
        sort_key: &str,
    ) -> Result<Option<Item>, StoreError> {
        self.datastore
            .client()
            .get_item()
            .table_name(self.datastore.table())
            .key("pk", s(user_pk(normalized_name)))
            .key("sk", s(sort_key))
            .consistent_read(true)
            .send()
            .await
            .map(|output| output.item)
            .map_err(|e| StoreError::from_sdk("GetItem", e))
    }

    /// Forgets the failed logins of a name (after a successful login).
    pub async fn clear_failed_logins(&self, normalized_name: &str) -> Result<(), StoreError> {
        self.datastore
            .client()
            .delete_item()
            .table_name(self.datastore.table())
            .key("pk", s(user_pk(normalized_name)))
            .key("sk", s("LOGINFAIL"))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::from_sdk("DeleteItem", e))
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
