//! Every key of the table, made in one place: no prefix is spelt anywhere else (the
//! table of them: `docs/data-model.md`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use crate::domain::{IdempotencyKey, Status, TodoKey};

/// The name of the status index in `template.yml`.
pub const STATUS_INDEX: &str = "ByStatus";
/// The lowest sort key of a todo.
pub const TODO_SK_FIRST: &str = "RULE#";
/// A sort key above every todo's and below [`STATE`].
pub const TODO_SK_PAST_LAST: &str = "RULE#~";
/// The sort key of a user's state item, after every todo's (a list's first query reads it).
pub const STATE: &str = "STATE";

/// The primary key of one item: partition key `pk`, sort key `sk`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

#[allow(missing_docs)]
impl Key {
    /// The user profile of a (case-folded) name.
    pub fn profile(normalized_name: &str) -> Self {
        Self::new(format!("USER#{normalized_name}"), "PROFILE")
    }

    /// The login-attempt window of a (case-folded) name.
    pub fn login_attempts(normalized_name: &str) -> Self {
        Self::new(format!("USER#{normalized_name}"), "LOGINFAIL")
    }

    pub fn todo(owner_id: &str, key: TodoKey) -> Self {
        Self::new(owner_pk(owner_id), todo_sk(key))
    }

    pub fn state(owner_id: &str) -> Self {
        Self::new(owner_pk(owner_id), STATE)
    }

    /// The record of `owner_id`'s `key`, or of one `part` of its write (a key has no
    /// spaces, so no key's record is another's part).
    pub fn idempotency(owner_id: &str, key: &IdempotencyKey, part: Option<usize>) -> Self {
        let part = part.map(|part| format!(" {part}")).unwrap_or_default();
        Self::new(owner_pk(owner_id), format!("IDEM#{key}{part}"))
    }

    fn new(pk: String, sk: impl Into<String>) -> Self {
        Self { pk, sk: sk.into() }
    }

    /// The key as the SDK's attribute map.
    pub fn attributes(&self) -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S(self.pk.clone())),
            ("sk".to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

/// The partition holding everything `owner_id` owns.
pub fn owner_pk(owner_id: &str) -> String {
    format!("OWNER#{owner_id}")
}

/// The sort key of the todo `key`.
pub fn todo_sk(key: TodoKey) -> String {
    format!("{TODO_SK_FIRST}{key}")
}

/// The todo id in a sort key, if it is a todo's.
pub fn todo_key_of_sk(sk: &str) -> Option<TodoKey> {
    TodoKey::parse(sk.strip_prefix(TODO_SK_FIRST)?, "sk").ok()
}

/// The status index's partition for the todos with `status` in the partition `pk`.
pub fn status_key(pk: &str, status: Status) -> String {
    format!("{pk}#S{}", status.code())
}
