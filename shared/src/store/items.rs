//! The items of the table, one `serde` struct per kind converted by `serde_dynamo`;
//! their attributes, and why a read treats an item past its `expiresAt` as gone
//! ([`Expiring`]): `docs/data-model.md`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::keys::{Key, status_key};
use crate::domain::{NewTodo, Progress, Status, Todo, TodoChanges, TodoDesc, TodoKey, TodoName};
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

    /// Whether it has expired (and only waits for the TTL to remove it).
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
    item.get(name)?.as_s().ok().map(String::as_str)
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
#[allow(missing_docs)]
pub struct ProfileItem {
    #[serde(flatten)]
    pub key: Key,
    /// The `sub` of their tokens.
    pub user_id: String,
    pub user_name: String,
    pub password_hash: String,
    pub created_at: String,
}

/// The login attempts of one name in the current window (which ends at `expires_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct LoginAttemptsItem {
    #[serde(flatten)]
    pub key: Key,
    /// Attempts reserved in the window.
    pub failures: u32,
    pub window_start: u64,
    pub expires_at: u64,
}

/// A todo (times are RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TodoItem {
    // The key's two attributes as fields: `#[serde(flatten)]` would buffer every
    // attribute of every todo read before decoding it.
    pk: String,
    sk: String,
    pub key: TodoKey,
    pub name: TodoName,
    /// What the name search searches.
    pub name_lower: String,
    pub desc: TodoDesc,
    pub status: Status,
    /// The status index's partition, kept in step with `status`.
    status_key: String,
    pub progress: Progress,
    /// The owner's user name.
    pub owner: String,
    pub created_at: String,
    pub updated_at: String,
    /// Optimistic-concurrency version: 1, then +1 on every change.
    pub version: u64,
    /// A fresh id per write, which tells a resend of it (`docs/data-model.md`).
    write_id: String,
}

impl TodoItem {
    /// The todo `new`, version 1, made at `now` for the user `owner_id` (named `owner`).
    pub fn new(owner_id: &str, owner: &str, new: &NewTodo, now: String) -> Self {
        let key = TodoKey::new();
        let Key { pk, sk } = Key::todo(owner_id, key);
        Self {
            status_key: status_key(&pk, new.status),
            pk,
            sk,
            key,
            name_lower: new.name.folded(),
            name: new.name.clone(),
            desc: new.desc.clone(),
            status: new.status,
            progress: new.progress,
            owner: owner.to_owned(),
            created_at: now.clone(),
            updated_at: now,
            version: 1,
            write_id: ulid::Ulid::new().to_string(),
        }
    }

    /// This todo with `changes` applied: its next version, changed at `now`.
    pub fn changed(mut self, changes: &TodoChanges, now: String) -> Self {
        if let Some(name) = &changes.name {
            self.name_lower = name.folded();
            self.name = name.clone();
        }
        if let Some(desc) = &changes.desc {
            self.desc = desc.clone();
        }
        if let Some(status) = changes.status {
            self.status_key = status_key(&self.pk, status);
            self.status = status;
        }
        if let Some(progress) = changes.progress {
            self.progress = progress;
        }
        self.version += 1;
        self.updated_at = now;
        self.write_id = ulid::Ulid::new().to_string();
        self
    }
}

impl From<TodoItem> for Todo {
    fn from(item: TodoItem) -> Self {
        Self {
            key: item.key.to_string(),
            name: item.name.into_string(),
            desc: item.desc.into_string(),
            status: item.status.code(),
            progress: item.progress.percent(),
            owner: item.owner,
            created_at: item.created_at,
            updated_at: item.updated_at,
            version: item.version,
        }
    }
}

/// A user's state, read whole, written only by update expressions (`SET`, `ADD`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StateItem {
    #[serde(flatten)]
    key: Option<Key>,
    /// Todos in all ([`Self::total`]).
    #[serde(rename = "cAll")]
    pub all: i64,
    // Todos per status code (`count`).
    c0: i64,
    c1: i64,
    c2: i64,
    c3: i64,
    /// When the account was deleted; the item of a closed account expires.
    pub closed_at: Option<String>,
    expires_at: Option<u64>,
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

/// The answer a write gave (HTTP `status`, JSON `response`), recorded under its
/// `Idempotency-Key` with a digest of its request (`fingerprint`) until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyItem {
    #[serde(flatten)]
    pub(crate) key: Key,
    pub(crate) fingerprint: String,
    pub(crate) status: u16,
    pub(crate) response: String,
    pub(crate) created_at: String,
    pub(crate) expires_at: u64,
}

/// How many todos one part of a split delete deleted (the last writes an [`IdempotencyItem`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePartItem {
    #[serde(flatten)]
    pub(crate) key: Key,
    pub(crate) fingerprint: String,
    pub(crate) deleted: u64,
    pub(crate) expires_at: u64,
}

impl Expiring for ProfileItem {}

impl Expiring for StateItem {
    fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
}

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
