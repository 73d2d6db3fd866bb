//! DynamoDB: one table, single-item conditional writes only.
//!
//! | item | `pk` | `sk` | attributes |
//! |---|---|---|---|
//! | user | `USER#<lower-case name>` | `PROFILE` | `userId`, `userName`, `passwordHash`, `createdAt` |
//! | failed-login counter | `USER#<lower-case name>` | `LOGINFAIL` | `failures`, `windowStart`, `expiresAt` (TTL) |
//! | todo | `OWNER#<user id>` | `RULE#<ulid>` | `key`, `name`, `nameLower`, `desc`, `status`, `progress`, `owner`, `createdAt`, `updatedAt`, `version` |
//!
//! Access patterns: register = conditional put on the user item (the name is unique
//! because the key is); log in = get the user item; list = query `OWNER#<id>` with
//! `begins_with(sk, "RULE#")`, newest first because ULIDs sort by time; get, update
//! and delete touch one todo item, each with a condition.

pub mod accounts;
pub mod datastore;
pub mod errors;
pub mod idempotency;
pub mod items;
pub mod rules;
pub mod state;
pub mod users;
pub mod write_token;

pub use accounts::AccountStore;
pub use datastore::Datastore;
pub use errors::StoreError;
pub use idempotency::IdempotencyStore;
pub use rules::{Page, RuleStore, UpdateOutcome};
pub use state::counts::CountStore;
pub use state::sessions::SessionStore;
pub use users::UserStore;
pub use write_token::WriteToken;
