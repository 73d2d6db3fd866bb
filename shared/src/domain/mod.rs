//! Domain types that can only be built by parsing input ("parse, don't validate").
//!
//! Every constructor here takes raw input, checks it once and returns a type whose
//! existence proves it is valid. A failure is a [`FieldError`]: the offending field and
//! a [`Reason`], in the domain's words. The domain knows no HTTP: the edge
//! (`crate::error`) turns its errors into the 400 (or 401) the client gets, whose
//! message says exactly what to fix.

pub mod credentials;
pub mod error;
pub mod fields;
pub mod idempotency_key;
pub mod list_query;
pub mod password;
pub mod todo;
pub mod todo_input;
pub mod todo_write;
pub mod user_name;

pub use credentials::{AccountDeletion, LoginAttempt, LoginRefused, Registration};
pub use error::{FieldError, Reason};
pub use fields::JsonObject;
pub use idempotency_key::IdempotencyKey;
pub use list_query::ListQuery;
pub use password::{Password, PasswordHash};
pub use todo::{Progress, Status, Todo, TodoDesc, TodoKey, TodoName, Version};
pub use todo_input::{DeleteKeys, NewTodo, TodoChanges};
pub use todo_write::TodoWrite;
pub use user_name::UserName;
