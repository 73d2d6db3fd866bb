//! Todos: one item each, under their owner's partition.
//!
//! Every write touches one item with a condition; nothing ever rewrites a list, so
//! concurrent writers cannot lose each other's todos. Every write also stores its
//! [`WriteToken`], so that a condition failing against our own earlier attempt (an
//! SDK retry after a stall) is recognised as the success it was:
//!
//! - [`create`](RuleStore::create) writes `createdBy`;
//! - [`update`](RuleStore::update) writes `writeToken` and refuses to apply the same
//!   token twice;
//! - [`delete`](RuleStore::delete) first turns the todo into a tombstone carrying
//!   `deletedBy` (hidden from every read), counts it, and only then removes it.
//!
//! Creates, deletes and changes of status are also **counted** (the user's state item
//! keeps how many todos they have, see `store::state::counts`), and every write
//! checks the caller's session as part of its first step.
//!
//! One file per operation: `create.rs`, `update.rs`, `delete.rs`, `get.rs`, and the
//! `list/` folder.

mod create;
mod delete;
mod get;
mod list;
mod update;

pub use delete::Deleted;
pub use list::{ListOutcome, Page};

/// The most todos one name search reads.
pub const NAME_SEARCH_BUDGET: u64 = 2000;
pub use update::UpdateOutcome;

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{Item, get_n, get_s, s};
use super::{CountStore, Datastore, SessionStore, StoreError};
use crate::domain::{Rule, RuleKey};

/// Todos in the table.
#[derive(Debug, Clone)]
pub struct RuleStore {
    datastore: Datastore,
    counts: CountStore,
    sessions: SessionStore,
}

/// The partition key of `owner_id`'s items.
pub(crate) fn owner_pk(owner_id: &str) -> AttributeValue {
    s(format!("OWNER#{owner_id}"))
}

/// The sort key of the todo `key`.
fn rule_sk(key: RuleKey) -> AttributeValue {
    s(format!("RULE#{key}"))
}

/// The key of the status index (`ByStatus`) for `owner_id`'s todos with `status`.
pub(crate) fn status_key(owner_id: &str, status: u8) -> String {
    format!("OWNER#{owner_id}#S{status}")
}

/// Whether `item` is a deleted todo waiting to be removed.
fn is_tombstone(item: &Item) -> bool {
    item.contains_key("deletedBy")
}

/// The string attribute `name`, if `item` has it.
fn string_attribute<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

impl RuleStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self {
            counts: CountStore::new(datastore.clone()),
            sessions: SessionStore::new(datastore.clone()),
            datastore,
        }
    }

    /// The counters of the todos, for a recount.
    pub fn counts(&self) -> &CountStore {
        &self.counts
    }

    /// The raw item of the todo `key`, tombstones included, read consistently.
    async fn read_item(&self, owner_id: &str, key: RuleKey) -> Result<Option<Item>, StoreError> {
        self.datastore.get(owner_pk(owner_id), rule_sk(key)).await
    }
}

/// A todo item as the contract shows it.
fn rule_from_item(item: &Item) -> Result<Rule, StoreError> {
    Ok(Rule {
        key: get_s(item, "key")?,
        name: get_s(item, "name")?,
        desc: get_s(item, "desc")?,
        status: get_n(item, "status")?,
        progress: get_n(item, "progress")?,
        owner: get_s(item, "owner")?,
        created_at: get_s(item, "createdAt")?,
        updated_at: get_s(item, "updatedAt")?,
        version: get_n(item, "version")?,
    })
}
