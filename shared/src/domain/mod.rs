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
pub mod rule;
pub mod rule_input;
pub mod rule_write;
pub mod user_name;

pub use credentials::{AccountDeletion, LoginAttempt, LoginRefused, Registration};
pub use error::{FieldError, Reason};
pub use fields::JsonObject;
pub use idempotency_key::IdempotencyKey;
pub use list_query::ListQuery;
pub use password::{Password, PasswordHash};
pub use rule::{Progress, Rule, RuleDesc, RuleKey, RuleName, Status, Version};
pub use rule_input::{DeleteKeys, NewRule, RuleChanges};
pub use rule_write::RuleWrite;
pub use user_name::UserName;
