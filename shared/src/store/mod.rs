//! DynamoDB: one table, every write one transaction (or one conditional write where a
//! single item is enough). [`keys`] and [`items`] are the data model
//! (`docs/data-model.md`); [`datastore`] and [`transaction`] talk to the table; the
//! stores are what the functions call.

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
