//! DynamoDB: one table, every write one transaction (or one conditional write where
//! a single item is enough).
//!
//! A tour:
//!
//! - [`keys`] makes every key, and [`items`] is one `serde` struct per item kind;
//!   the data model in full is `docs/data-model.md`;
//! - [`datastore`] is the client bound to the table (reads, the warm-up);
//!   [`transaction`] commits a write's actions all or nothing, retrying conflicts,
//!   each with its [`expression`];
//! - [`todos`] (todos: create, update, delete, get, list), [`state`] (each user's
//!   sessions and counters), [`idempotency`] (answers kept per `Idempotency-Key`),
//!   [`users`] (profiles and the login throttle) and [`accounts`] (removing an
//!   account's data) are what the functions call;
//! - [`errors`] sorts failures by what a caller can do about them.

pub mod accounts;
pub mod datastore;
pub mod errors;
pub mod expression;
pub mod idempotency;
pub mod items;
pub mod keys;
pub mod state;
pub mod todos;
pub mod transaction;
pub mod users;

pub use accounts::AccountStore;
pub use datastore::Datastore;
pub use errors::StoreError;
pub use state::sessions::SessionStore;
pub use todos::{Page, TodoStore, UpdateOutcome};
pub use users::UserStore;
