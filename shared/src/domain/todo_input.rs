//! What clients send to create, change and delete todos.

use serde_json::Value;

use super::error::{FieldError, Reason};
use super::fields::JsonObject;
use super::fields::{optional_integer, optional_string, required_string};
use super::todo::{Progress, Status, TodoDesc, TodoKey, TodoName, Version};

/// The most todos one delete may name.
pub const MAX_DELETE_KEYS: usize = 100;

/// A todo to create: a name, and a description, status and progress that default
/// to empty, 0 and 0.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct NewTodo {
    pub name: TodoName,
    pub desc: TodoDesc,
    pub status: Status,
    pub progress: Progress,
}

/// Changes to the todo `key`: at least one of its fields is set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct TodoChanges {
    pub key: TodoKey,
    pub name: Option<TodoName>,
    pub desc: Option<TodoDesc>,
    pub status: Option<Status>,
    pub progress: Option<Progress>,
    /// The version the client last saw; a stale one is a 409.
    pub expected_version: Option<Version>,
}

/// The todos to delete (deduplicated, 1 to 100).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteKeys(pub Vec<TodoKey>);

fn status(body: &JsonObject) -> Result<Option<Status>, FieldError> {
    Ok(optional_integer(body, "status", 0, i64::from(Status::MAX))?.and_then(Status::from_code))
}

fn progress(body: &JsonObject) -> Result<Option<Progress>, FieldError> {
    Ok(optional_integer(body, "progress", 0, 100)?.and_then(Progress::from_percent))
}

impl NewTodo {
    /// Parses a create body; unknown fields are ignored.
    pub fn parse(body: &JsonObject) -> Result<Self, FieldError> {
        let name = required_string(body, "name")?;
        Ok(Self {
            name: TodoName::parse(name)?,
            desc: TodoDesc::parse(optional_string(body, "desc")?.unwrap_or_default())?,
            status: status(body)?.unwrap_or_default(),
            progress: progress(body)?.unwrap_or_default(),
        })
    }
}

impl TodoChanges {
    /// Parses an update body; `path_key` is the `{key}` of `PUT /api/rule/{key}`.
    pub fn parse(body: &JsonObject, path_key: Option<&str>) -> Result<Self, FieldError> {
        let body_key = optional_string(body, "key")?;
        let key = match (path_key, body_key.as_deref()) {
            (Some(path), Some(body)) if path.trim() != body.trim() => {
                return Err(FieldError::new("key", Reason::DiffersFromPath));
            }
            (Some(key), _) | (None, Some(key)) => TodoKey::parse(key, "key")?,
            (None, None) => return Err(FieldError::new("key", Reason::Missing)),
        };
        let changes = Self {
            key,
            name: optional_string(body, "name")?
                .map(TodoName::parse)
                .transpose()?,
            desc: optional_string(body, "desc")?
                .map(TodoDesc::parse)
                .transpose()?,
            status: status(body)?,
            progress: progress(body)?,
            expected_version: optional_integer(body, "version", 1, i64::MAX)?
                .map(|v| Version(v.unsigned_abs())),
        };
        if changes.name.is_none()
            && changes.desc.is_none()
            && changes.status.is_none()
            && changes.progress.is_none()
        {
            return Err(FieldError::new("name", Reason::NothingToChange));
        }
        Ok(changes)
    }
}

impl DeleteKeys {
    /// Parses `{"key": "id"}` or `{"key": ["id", ...]}`; with `DELETE /api/rule/{key}`
    /// the body may repeat that key but name no other.
    pub fn parse(body: &JsonObject, path_key: Option<&str>) -> Result<Self, FieldError> {
        let raw: Vec<Value> = match (path_key, body.get("key")) {
            (Some(key), Some(named)) if !names_only(named, key) => {
                return Err(FieldError::new("key", Reason::DiffersFromPath));
            }
            (Some(key), _) => vec![Value::String(key.to_owned())],
            (None, Some(Value::Array(list))) => list.clone(),
            (None, Some(single)) => vec![single.clone()],
            (None, None) => return Err(FieldError::new("key", Reason::Missing)),
        };
        if raw.is_empty() {
            return Err(FieldError::new("key", Reason::NoTodo));
        }
        if raw.len() > MAX_DELETE_KEYS {
            return Err(FieldError::new(
                "key",
                Reason::TooManyTodos {
                    max: MAX_DELETE_KEYS,
                },
            ));
        }
        let mut keys = raw
            .iter()
            .map(|value| match value {
                Value::String(s) => TodoKey::parse(s, "key"),
                _ => Err(FieldError::new("key", Reason::NotTodoIds)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        keys.sort();
        keys.dedup();
        Ok(Self(keys))
    }
}

/// Whether `named` (a key or a list of keys) names `key` and nothing else.
fn names_only(named: &Value, key: &str) -> bool {
    let same = |value: &Value| value.as_str().is_some_and(|k| k.trim() == key.trim());
    match named {
        Value::Array(list) => !list.is_empty() && list.iter().all(same),
        single => same(single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fields::object;
    use serde_json::json;

    #[test]
    fn a_new_rule_takes_defaults_and_ignores_unknown_fields() {
        let todo = NewTodo::parse(&object(json!({"name": " buy milk ", "method": "post"})))
            .expect("valid");
        assert_eq!(todo.name.as_str(), "buy milk");
        assert_eq!(todo.status, Status::default());
        assert_eq!(todo.desc.as_str(), "");
    }

    #[test]
    fn numbers_from_forms_are_accepted() {
        let todo = NewTodo::parse(&object(
            json!({"name": "x", "status": "2", "progress": "50"}),
        ))
        .expect("valid");
        assert_eq!(todo.status.code(), 2);
        assert_eq!(todo.progress.percent(), 50);
    }

    #[test]
    fn out_of_range_fields_are_named() {
        for (input, field) in [
            (json!({"name": "x", "status": 4}), "status"),
            (json!({"name": "x", "progress": 101}), "progress"),
            (json!({"name": ""}), "name"),
            (json!({"name": 5}), "name"),
            (json!({"name": "x", "desc": "d".repeat(2001)}), "desc"),
        ] {
            let error = NewTodo::parse(&object(input)).expect_err("rejected");
            assert_eq!(error.field, field, "{error:?}");
        }
    }

    #[test]
    fn changes_need_a_key_and_something_to_change() {
        let key = TodoKey::new().to_string();
        assert!(TodoChanges::parse(&object(json!({"key": key})), None).is_err());
        assert!(TodoChanges::parse(&object(json!({"status": 1})), None).is_err());
        let changes = TodoChanges::parse(
            &object(json!({"key": key, "status": 1, "version": 3})),
            None,
        )
        .expect("valid");
        assert_eq!(changes.expected_version, Some(Version(3)));
    }

    #[test]
    fn delete_keys_accept_one_or_many_and_cap_at_100() {
        let a = TodoKey::new().to_string();
        assert_eq!(
            DeleteKeys::parse(&object(json!({"key": a})), None)
                .expect("one")
                .0
                .len(),
            1
        );
        assert_eq!(
            DeleteKeys::parse(&object(json!({"key": [a, a]})), None)
                .expect("dedup")
                .0
                .len(),
            1
        );
        let many: Vec<String> = (0..101).map(|_| TodoKey::new().to_string()).collect();
        assert!(DeleteKeys::parse(&object(json!({"key": many})), None).is_err());
        assert!(DeleteKeys::parse(&object(json!({"key": "not-an-id"})), None).is_err());
    }

    #[test]
    fn a_delete_by_path_refuses_a_body_naming_another_todo() {
        let (a, b) = (TodoKey::new().to_string(), TodoKey::new().to_string());
        assert!(DeleteKeys::parse(&object(json!({"key": b})), Some(&a)).is_err());
        assert!(DeleteKeys::parse(&object(json!({"key": [a, b]})), Some(&a)).is_err());
        assert!(DeleteKeys::parse(&object(json!({"key": a})), Some(&a)).is_ok());
        assert!(DeleteKeys::parse(&object(json!({})), Some(&a)).is_ok());
    }
}
