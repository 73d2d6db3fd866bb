//! Domain types that can only be built by parsing input ("parse, don't validate").
//!
//! Every constructor here takes raw input, checks it once and returns a type whose
//! existence proves it is valid; errors name the offending field so the 400 the
//! client gets says exactly what to fix.

pub mod credentials;
pub mod fields;
pub mod idempotency_key;
pub mod list_query;
pub mod password;
pub mod rule;
pub mod rule_input;
pub mod rule_write;
pub mod user_name;

pub use credentials::{AccountDeletion, LoginAttempt, Registration};
pub use idempotency_key::IdempotencyKey;
pub use list_query::ListQuery;
pub use password::{Password, PasswordHash};
pub use rule::{Progress, Rule, RuleDesc, RuleKey, RuleName, Status, Version};
pub use rule_input::{DeleteKeys, NewRule, RuleChanges};
pub use rule_write::RuleWrite;
pub use user_name::UserName;
