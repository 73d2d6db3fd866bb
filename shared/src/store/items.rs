//! The items of the table, one `serde` struct per kind, converted to and from the
//! SDK's attribute maps by `serde_dynamo`. Their keys come from [`super::keys`].
//!
//! DynamoDB deletes an item some time after its `expiresAt` (the table's TTL), up to
//! days later, so a read treats an item past it as gone ([`Expiring`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::keys::{Key, owner_of_pk, status_key};
use crate::domain::{NewTodo, Progress, Status, Todo, TodoDesc, TodoKey, TodoName};
use crate::time::now_epoch_seconds;

/// An item as the SDK carries it.
pub type Item = HashMap<String, AttributeValue>;

/// The number of statuses, and so of per-status counters.
pub const STATUSES: usize = Status::MAX as usize + 1;

/// An item that the table's TTL removes once `expiresAt` has passed, if it has one.
pub trait Expiring {
    /// When it expires, in seconds since the epoch (never, unless it says so).
    fn expires_at(&self) -> Option<u64> {
        None
    }

    /// Whether it has expired (and is only waiting for the TTL to remove it).
    fn has_expired(&self) -> bool {
        self.expires_at()
            .is_some_and(|at| at <= now_epoch_seconds())
    }
}

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// The string attribute `name` of `item`.
pub fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// `value` as an item, its key included.
pub fn to_item(value: &impl Serialize) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// `item` as a `T`.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A user: the profile item. Its key makes the name unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileItem {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub key: Key,
    /// The id (ULID), the `sub` of their tokens.
    pub user_id: String,
    /// The name as registered.
    pub user_name: String,
    /// The Argon2id hash (PHC string).
    pub password_hash: String,
    /// RFC 3339 registration time.
    pub created_at: String,
}

/// The login attempts of one name in the current window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginAttemptsItem {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub key: Key,
    /// Attempts reserved in the window.
    pub failures: u32,
    /// When the window opened, seconds since the epoch.
    pub window_start: u64,
    /// When the window closes.
    pub expires_at: u64,
}

/// A todo (its key, name, description, status and progress are the domain's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TodoItem {
    #[serde(flatten)]
    key_of_item: Key,
    pub key: TodoKey,
    pub name: TodoName,
    /// The name in lower case, which the name filter searches.
    pub name_lower: String,
    pub desc: TodoDesc,
    pub status: Status,
    /// The status index's partition (`ByStatus`), kept in step with `status`.
    status_key: String,
    pub progress: Progress,
    /// The owner's user name.
    pub owner: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// Optimistic-concurrency version: 1, then +1 on every change.
    pub version: u64,
    /// A fresh random id per write, so that no two writes leave the same item: a
    /// write refused on a todo that is exactly what it writes knows that an earlier
    /// sending of its own landed. DynamoDB recognises such a resend by its
    /// `ClientRequestToken` already; this is for datastores that ignore the token.
    write_id: String,
}

impl TodoItem {
    /// The todo `new`, version 1, made at `now` for the user `owner_id` (named
    /// `owner`).
    pub fn new(owner_id: &str, owner: &str, new: &NewTodo, now: String) -> Self {
        let key = TodoKey::new();
        Self {
            key_of_item: Key::todo(owner_id, key),
            key,
            name_lower: new.name.folded(),
            name: new.name.clone(),
            desc: new.desc.clone(),
            status_key: status_key(owner_id, new.status),
            status: new.status,
            progress: new.progress,
            owner: owner.to_owned(),
            created_at: now.clone(),
            updated_at: now,
            version: 1,
            write_id: ulid::Ulid::new().to_string(),
        }
    }

    /// Makes this the todo's next version, changed at `now`.
    pub fn next_version(&mut self, now: String) {
        self.version += 1;
        self.updated_at = now;
        self.write_id = ulid::Ulid::new().to_string();
    }

    /// Sets the name (and its searchable form).
    pub fn rename(&mut self, name: TodoName) {
        self.name_lower = name.folded();
        self.name = name;
    }

    /// Sets the status (and the index partition that follows it).
    pub fn set_status(&mut self, status: Status) {
        let owner_id = owner_of_pk(&self.key_of_item.pk).unwrap_or_default();
        self.status_key = status_key(owner_id, status);
        self.status = status;
    }
}

impl From<TodoItem> for Todo {
    fn from(item: TodoItem) -> Self {
        Self {
            key: item.key.to_string(),
            name: item.name.as_str().to_owned(),
            desc: item.desc.as_str().to_owned(),
            status: item.status.code(),
            progress: item.progress.percent(),
            owner: item.owner,
            created_at: item.created_at,
            updated_at: item.updated_at,
            version: item.version,
        }
    }
}

/// A user's state: open sessions, whether the account is closed, and how many todos
/// they have. Written only by update expressions (sessions are attributes of their
/// own, counters change by `ADD`), read whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StateItem {
    #[serde(flatten)]
    key: Option<Key>,
    /// Todos in all.
    #[serde(rename = "cAll")]
    pub all: i64,
    /// Todos per status code.
    c0: i64,
    c1: i64,
    c2: i64,
    c3: i64,
    /// When the account was deleted (RFC 3339).
    pub closed_at: Option<String>,
    /// When the record of a closed account expires.
    pub expires_at: Option<u64>,
    /// Open sessions: `s_<session id>` = their expiry, seconds since the epoch.
    #[serde(flatten)]
    pub sessions: HashMap<String, u64>,
}

impl StateItem {
    /// The attribute holding the session `session_id`.
    pub fn session_attribute(session_id: &str) -> String {
        format!("s_{session_id}")
    }

    /// Whether `session_id` is open now (listed, unexpired, the account not closed).
    pub fn has_open_session(&self, session_id: &str) -> bool {
        let expiry = self.sessions.get(&Self::session_attribute(session_id));
        self.closed_at.is_none()
            && !self.has_expired()
            && expiry.is_some_and(|e| *e > now_epoch_seconds())
    }

    /// How many todos have `status`.
    pub fn count(&self, status: Status) -> u64 {
        let count = [self.c0, self.c1, self.c2, self.c3][usize::from(status.code())];
        count.max(0).unsigned_abs()
    }

    /// How many todos there are in all.
    pub fn total(&self) -> u64 {
        self.all.max(0).unsigned_abs()
    }
}

/// The answer a write gave, recorded under its `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyItem {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub key: Key,
    /// A digest of the request the key was first used for.
    pub fingerprint: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The JSON body of the answer.
    pub response: String,
    /// RFC 3339 time of the write.
    pub created_at: String,
    /// When the key is forgotten.
    pub expires_at: u64,
}

/// One part of a delete too large for one transaction, recorded under the write's
/// `Idempotency-Key` (the last part records the whole answer as an
/// [`IdempotencyItem`]), so that a retry skips it and still counts what it deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePartItem {
    #[serde(flatten)]
    #[allow(missing_docs)]
    pub key: Key,
    /// A digest of the request the key was first used for.
    pub fingerprint: String,
    /// How many todos the part deleted.
    pub deleted: u64,
    /// When the key is forgotten.
    pub expires_at: u64,
}

impl Expiring for ProfileItem {}

impl Expiring for StateItem {
    fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
}

/// `Expiring` for items whose `expires_at` is always set.
macro_rules! always_expiring {
    ($($item:ty),+) => {$(
        impl Expiring for $item {
            fn expires_at(&self) -> Option<u64> {
                Some(self.expires_at)
            }
        }
    )+};
}

always_expiring!(LoginAttemptsItem, IdempotencyItem, DeletePartItem);
