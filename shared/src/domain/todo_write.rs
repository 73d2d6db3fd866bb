//! One write to a user's todos, whichever way the client spelled it.
//!
//! The REST forms say what they do with the HTTP method: `POST /api/rule` creates,
//! `PUT` updates, `DELETE` deletes. Ant Design Pro's generated services (and the
//! course's todo app built on them) send every write as `POST /api/rule` and say what
//! they mean in a `method` field of the body instead:
//!
//! | `method` | meaning | same as |
//! |---|---|---|
//! | absent, `post` | create a todo | `POST /api/rule` |
//! | `update` | change the todo `key` | `PUT /api/rule` |
//! | `delete` | delete the todos in `key` (one id or a list) | `DELETE /api/rule` |
//!
//! [`TodoWrite`] is the parsed operation both spellings end up as, so the two are
//! answered by the same code and cannot drift apart. It also gives each operation a
//! canonical [`TodoWrite::fingerprint`], which an `Idempotency-Key` is bound to.

use serde_json::{Value, json};

use super::error::{FieldError, Reason};
use super::fields::JsonObject;
use super::fields::optional_string;
use super::todo_input::{DeleteKeys, NewTodo, TodoChanges};

/// A write to the user's todos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TodoWrite {
    /// Create a todo.
    Create(NewTodo),
    /// Change one todo.
    Update(TodoChanges),
    /// Delete one or more todos.
    Delete(DeleteKeys),
}

/// The values `method` may take in a `POST /api/rule` body.
pub const POST_METHODS: &str = "post, update or delete";

impl TodoWrite {
    /// Parses the body of `POST /api/rule`, honouring its `method` field (any letter
    /// case; absent means `post`).
    pub fn parse_post(body: &JsonObject) -> Result<Self, FieldError> {
        let method = optional_string(body, "method")?;
        match method.as_deref().map(str::trim) {
            None => Ok(Self::Create(NewTodo::parse(body)?)),
            Some(m) if m.eq_ignore_ascii_case("post") => Ok(Self::Create(NewTodo::parse(body)?)),
            Some(m) if m.eq_ignore_ascii_case("update") => {
                Ok(Self::Update(TodoChanges::parse(body, None)?))
            }
            Some(m) if m.eq_ignore_ascii_case("delete") => {
                Ok(Self::Delete(DeleteKeys::parse(body, None)?))
            }
            Some(other) => {
                let shown: String = other.chars().take(20).collect();
                Err(FieldError::new("method", Reason::UnknownMethod(shown)))
            }
        }
    }

    /// A canonical description of what this write does, independent of how the body
    /// was spelled (JSON or form, extra fields, key order, `method` or HTTP method).
    /// The same operation always has the same fingerprint; different ones never do.
    pub fn fingerprint(&self) -> String {
        let canonical = match self {
            Self::Create(new) => json!({
                "op": "create",
                "name": new.name.as_str(),
                "desc": new.desc.as_str(),
                "status": new.status.code(),
                "progress": new.progress.percent(),
            }),
            Self::Update(changes) => json!({
                "op": "update",
                "key": changes.key.to_string(),
                "name": changes.name.as_ref().map(|n| n.as_str()),
                "desc": changes.desc.as_ref().map(|d| d.as_str()),
                "status": changes.status.map(|s| s.code()),
                "progress": changes.progress.map(|p| p.percent()),
                "version": changes.expected_version.map(|v| v.0),
            }),
            Self::Delete(keys) => json!({
                "op": "delete",
                "keys": keys.0.iter().map(ToString::to_string).collect::<Vec<_>>(),
            }),
        };
        // serde_json's map keeps keys sorted, so the text is canonical.
        Value::to_string(&canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TodoKey;
    use crate::domain::fields::object;

    #[test]
    fn no_method_or_post_creates() {
        for input in [
            json!({"name": "a"}),
            json!({"name": "a", "method": "post"}),
            json!({"name": "a", "method": " POST "}),
        ] {
            assert!(matches!(
                TodoWrite::parse_post(&object(input)),
                Ok(TodoWrite::Create(_))
            ));
        }
    }

    #[test]
    fn update_takes_the_key_and_numbers_written_as_strings() {
        let key = TodoKey::new().to_string();
        let write = TodoWrite::parse_post(&object(
            json!({"key": key, "name": "a", "desc": "", "status": "2", "method": "update"}),
        ))
        .expect("valid");
        let TodoWrite::Update(changes) = write else {
            panic!("an update: {write:?}");
        };
        assert_eq!(changes.key.to_string(), key);
        assert_eq!(changes.status.map(|s| s.code()), Some(2));
        assert_eq!(changes.expected_version, None);
    }

    #[test]
    fn delete_takes_one_key_or_a_list() {
        let (a, b) = (TodoKey::new().to_string(), TodoKey::new().to_string());
        for (input, count) in [
            (json!({"key": a, "method": "delete"}), 1),
            (json!({"key": [a, b], "method": "delete"}), 2),
        ] {
            let write = TodoWrite::parse_post(&object(input)).expect("valid");
            assert!(matches!(write, TodoWrite::Delete(ref keys) if keys.0.len() == count));
        }
    }

    #[test]
    fn a_delete_without_keys_names_key_not_name() {
        let error =
            TodoWrite::parse_post(&object(json!({"method": "delete"}))).expect_err("rejected");
        assert_eq!(error.field, "key");
    }

    #[test]
    fn an_unknown_method_names_the_allowed_ones() {
        for method in [json!("put"), json!("remove"), json!("")] {
            let error = TodoWrite::parse_post(&object(json!({"name": "a", "method": method})))
                .expect_err("rejected");
            assert_eq!(error.field, "method");
            let message = error.to_string();
            assert!(message.contains("post, update or delete"), "{message}");
        }
        let error = TodoWrite::parse_post(&object(json!({"name": "a", "method": 1})))
            .expect_err("rejected");
        assert_eq!(error.field, "method");
    }

    #[test]
    fn fingerprints_ignore_spelling_but_not_meaning() {
        let key = TodoKey::new().to_string();
        let json_body = TodoWrite::parse_post(&object(
            json!({"key": key, "status": 2, "method": "update", "extra": true}),
        ))
        .expect("valid");
        let form_like = TodoWrite::parse_post(&object(
            json!({"method": "UPDATE", "status": "2", "key": key}),
        ))
        .expect("valid");
        assert_eq!(json_body.fingerprint(), form_like.fingerprint());
        let other = TodoWrite::parse_post(&object(
            json!({"key": key, "status": 1, "method": "update"}),
        ))
        .expect("valid");
        assert_ne!(json_body.fingerprint(), other.fingerprint());
    }
}
