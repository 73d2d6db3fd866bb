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
use super::keys::{Key, status_key, todo_sk};
use crate::domain::{Progress, Rule, RuleDesc, RuleKey, RuleName, Status};
use crate::time::now_epoch_seconds;

/// An item as the SDK carries it.
pub type Item = HashMap<String, AttributeValue>;

/// The number of statuses, and so of per-status counters.
pub const STATUSES: usize = Status::MAX as usize + 1;

/// An item that the table's TTL removes once `expiresAt` has passed.
pub trait Expiring {
    /// When it expires, in seconds since the epoch.
    fn expires_at(&self) -> Option<u64>;

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
    pk: String,
    sk: String,
    /// The id (ULID), the `sub` of their tokens.
    pub user_id: String,
    /// The name as registered.
    pub user_name: String,
    /// The Argon2id hash (PHC string).
    pub password_hash: String,
    /// RFC 3339 registration time.
    pub created_at: String,
}

impl ProfileItem {
    /// The profile of `user_name`, whose case-folded form is `normalized_name`.
    pub fn new(
        normalized_name: &str,
        user_id: String,
        user_name: String,
        password_hash: String,
        created_at: String,
    ) -> Self {
        let Key { pk, sk } = Key::profile(normalized_name);
        Self {
            pk,
            sk,
            user_id,
            user_name,
            password_hash,
            created_at,
        }
    }
}

/// The login attempts of one name in the current window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginAttemptsItem {
    pk: String,
    sk: String,
    /// Attempts reserved in the window.
    pub failures: u32,
    /// When the window opened, seconds since the epoch.
    pub window_start: u64,
    /// When the window closes.
    pub expires_at: u64,
}

impl LoginAttemptsItem {
    /// A window for `normalized_name` opened at `now` with one attempt in it.
    pub fn opened(normalized_name: &str, now: u64, window_seconds: u64) -> Self {
        let Key { pk, sk } = Key::login_attempts(normalized_name);
        Self {
            pk,
            sk,
            failures: 1,
            window_start: now,
            expires_at: now + window_seconds,
        }
    }
}

impl Expiring for LoginAttemptsItem {
    fn expires_at(&self) -> Option<u64> {
        Some(self.expires_at)
    }
}

/// A todo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TodoItem {
    pk: String,
    sk: String,
    /// The id.
    pub key: RuleKey,
    /// The name as shown.
    pub name: RuleName,
    /// The name in lower case, which the name filter searches.
    pub name_lower: String,
    /// The description.
    pub desc: RuleDesc,
    /// The status.
    pub status: Status,
    /// The status index's partition (`ByStatus`), kept in step with `status`.
    status_key: String,
    /// The progress.
    pub progress: Progress,
    /// The owner's user name.
    pub owner: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
    /// Optimistic-concurrency version: 1, then +1 on every change.
    pub version: u64,
}

/// What a new todo holds, before it has a key and an owner.
#[derive(Debug, Clone)]
pub struct TodoFields {
    /// The name.
    pub name: RuleName,
    /// The description.
    pub desc: RuleDesc,
    /// The status.
    pub status: Status,
    /// The progress.
    pub progress: Progress,
}

impl TodoItem {
    /// The todo `key` of the user `owner_id` (named `owner`), version 1, made at `now`.
    pub fn new(owner_id: &str, owner: &str, key: RuleKey, fields: TodoFields, now: String) -> Self {
        let Key { pk, sk } = Key::todo(owner_id, key);
        Self {
            pk,
            sk,
            key,
            name_lower: fields.name.folded(),
            name: fields.name,
            desc: fields.desc,
            status_key: status_key(owner_id, fields.status),
            status: fields.status,
            progress: fields.progress,
            owner: owner.to_owned(),
            created_at: now.clone(),
            updated_at: now,
            version: 1,
        }
    }

    /// The owner's id, read from the partition key.
    fn owner_id(&self) -> &str {
        self.pk.strip_prefix("OWNER#").unwrap_or(&self.pk)
    }

    /// Sets the name (and its searchable form).
    pub fn rename(&mut self, name: RuleName) {
        self.name_lower = name.folded();
        self.name = name;
    }

    /// Sets the status (and the index partition that follows it).
    pub fn set_status(&mut self, status: Status) {
        self.status_key = status_key(self.owner_id(), status);
        self.status = status;
    }

    /// The todo's sort key.
    pub fn sk(&self) -> &str {
        &self.sk
    }

    /// Whether the item is where this todo's key says (a corrupt copy is not).
    pub fn is_consistent(&self) -> bool {
        self.sk == todo_sk(self.key)
    }
}

impl From<TodoItem> for Rule {
    fn from(item: TodoItem) -> Self {
        Self {
            key: item.key.to_string(),
            name: item.name.into(),
            desc: item.desc.into(),
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
#[serde(rename_all = "camelCase")]
pub struct StateItem {
    #[serde(default)]
    pk: String,
    #[serde(default)]
    sk: String,
    /// Todos in all.
    #[serde(default, rename = "cAll")]
    pub all: i64,
    #[serde(default)]
    c0: i64,
    #[serde(default)]
    c1: i64,
    #[serde(default)]
    c2: i64,
    #[serde(default)]
    c3: i64,
    /// When the account was deleted (RFC 3339).
    #[serde(default)]
    pub closed_at: Option<String>,
    /// When the record of a closed account expires.
    #[serde(default)]
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

    /// The attribute holding the count of todos with `status`.
    pub fn count_attribute(status: Status) -> String {
        format!("c{}", status.code())
    }

    /// Whether `session_id` is open now (listed, unexpired, the account not closed).
    pub fn has_open_session(&self, session_id: &str) -> bool {
        self.closed_at.is_none()
            && !self.has_expired()
            && self
                .sessions
                .get(&Self::session_attribute(session_id))
                .is_some_and(|expiry| *expiry > now_epoch_seconds())
    }

    /// How many todos have `status`.
    pub fn count(&self, status: Status) -> u64 {
        let count = match status.code() {
            0 => self.c0,
            1 => self.c1,
            2 => self.c2,
            _ => self.c3,
        };
        count.max(0).unsigned_abs()
    }

    /// How many todos there are in all.
    pub fn total(&self) -> u64 {
        self.all.max(0).unsigned_abs()
    }
}

impl Expiring for StateItem {
    fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
}

/// The answer a write gave, recorded under its `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyItem {
    pk: String,
    sk: String,
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

impl IdempotencyItem {
    /// The record at `key` of the answer `status`, `response` to the request
    /// `fingerprint`, kept until `expires_at`.
    pub fn new(
        key: Key,
        fingerprint: String,
        status: u16,
        response: String,
        now: String,
        expires_at: u64,
    ) -> Self {
        Self {
            pk: key.pk,
            sk: key.sk,
            fingerprint,
            status,
            response,
            created_at: now,
            expires_at,
        }
    }
}

impl Expiring for IdempotencyItem {
    fn expires_at(&self) -> Option<u64> {
        Some(self.expires_at)
    }
}

/// One part of a delete too large for one transaction, recorded under the write's
/// `Idempotency-Key` (the last part records the whole answer as an
/// [`IdempotencyItem`]), so that a retry skips it and still counts what it deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePartItem {
    pk: String,
    sk: String,
    /// A digest of the request the key was first used for.
    pub fingerprint: String,
    /// How many todos the part deleted.
    pub deleted: u64,
    /// When the key is forgotten.
    pub expires_at: u64,
}

impl DeletePartItem {
    /// The record at `key` of a part that deleted `deleted` todos.
    pub fn new(key: Key, fingerprint: String, deleted: u64, expires_at: u64) -> Self {
        Self {
            pk: key.pk,
            sk: key.sk,
            fingerprint,
            deleted,
            expires_at,
        }
    }
}

impl Expiring for DeletePartItem {
    fn expires_at(&self) -> Option<u64> {
        Some(self.expires_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::keys::Key;

    fn fields(status: u8) -> TodoFields {
        TodoFields {
            name: RuleName::parse("Write the docs").expect("valid"),
            desc: RuleDesc::default(),
            status: Status::from_code(i64::from(status)).expect("valid"),
            progress: Progress::default(),
        }
    }

    #[test]
    fn a_todo_survives_its_round_trip_through_an_item() {
        let key = RuleKey::new();
        let todo = TodoItem::new("u1", "alice", key, fields(2), "2026-01-01T00:00:00Z".into());
        let item = to_item(&todo).expect("serialises");
        assert_eq!(item.get("sk"), Some(&AttributeValue::S(todo_sk(key))));
        assert_eq!(item.get("status"), Some(&AttributeValue::N("2".into())));
        assert_eq!(
            item.get("statusKey"),
            Some(&AttributeValue::S("OWNER#u1#S2".into()))
        );
        assert_eq!(from_item::<TodoItem>(item).expect("parses"), todo);
    }

    #[test]
    fn a_changed_status_moves_the_todo_in_the_index() {
        let mut todo = TodoItem::new("u1", "alice", RuleKey::new(), fields(0), String::new());
        todo.set_status(Status::from_code(3).expect("valid"));
        let item = to_item(&todo).expect("serialises");
        assert_eq!(
            item.get("statusKey"),
            Some(&AttributeValue::S("OWNER#u1#S3".into()))
        );
    }

    #[test]
    fn a_todo_with_an_impossible_status_is_refused_when_read() {
        let todo = TodoItem::new("u1", "alice", RuleKey::new(), fields(1), String::new());
        let mut item = to_item(&todo).expect("serialises");
        item.insert("status".into(), AttributeValue::N("9".into()));
        assert!(from_item::<TodoItem>(item).is_err());
    }

    #[test]
    fn the_state_item_reads_sessions_and_counters() {
        let expiry = now_epoch_seconds() + 60;
        let Key { pk, sk } = Key::state("u1");
        let item = Item::from([
            ("pk".to_owned(), AttributeValue::S(pk)),
            ("sk".to_owned(), AttributeValue::S(sk)),
            ("cAll".to_owned(), AttributeValue::N("3".into())),
            ("c2".to_owned(), AttributeValue::N("3".into())),
            ("s_abc".to_owned(), AttributeValue::N(expiry.to_string())),
        ]);
        let state: StateItem = from_item(item).expect("parses");
        assert_eq!(state.total(), 3);
        assert_eq!(state.count(Status::from_code(2).expect("valid")), 3);
        assert!(state.has_open_session("abc"));
        assert!(!state.has_open_session("other"));
    }

    #[test]
    fn a_closed_account_has_no_open_session() {
        let mut state = StateItem::default();
        state.sessions.insert(
            StateItem::session_attribute("abc"),
            now_epoch_seconds() + 60,
        );
        assert!(state.has_open_session("abc"));
        state.closed_at = Some("2026-01-01T00:00:00Z".into());
        assert!(!state.has_open_session("abc"));
    }

    #[test]
    fn an_item_past_its_expiry_has_expired() {
        let mut window = LoginAttemptsItem::opened("alice", now_epoch_seconds(), 60);
        assert!(!window.has_expired());
        window.expires_at = now_epoch_seconds() - 1;
        assert!(window.has_expired());
    }
}
