//! How many todos a user has, in all and per status, kept exact without transactions.
//!
//! A list's `total` must not cost a read of every todo, so the state item keeps
//! counters (`cAll`, `c0`..`c3`). DynamoDB would keep a todo and a counter in step
//! with one `TransactWriteItems`; the local emulator has no transactions, so a
//! **counted write** (a create, a delete, a change of status) takes three steps, each
//! safe to retry:
//!
//! 1. [`CountStore::begin`] records the write in the state item's journal
//!    (`p_<write>`: which todo, what kind of change, when, which attempt), on the
//!    condition that the caller's session is open: the session check is part of
//!    the step, not an extra read.
//! 2. The write itself, on the todo (see `store::rules`), with its write token.
//! 3. [`CountStore::settle`] adds the change to the counters and removes the journal
//!    entry in one update, on the condition that the entry is still there: a retry
//!    of a step that landed finds it gone and changes nothing.
//!
//! What can go wrong, and why the counters stay right:
//! - **An SDK retry** of any step: step 1 sets the same entry again; step 2 is
//!   recognised by its token; step 3 is conditional on the entry.
//! - **A client's retry with the same `Idempotency-Key`**, after an attempt that did
//!   step 2 and maybe step 3: the retry redoes the write with the same token and
//!   entry name. If its step 2 was done before and no entry was waiting when its step
//!   1 ran, the earlier attempt's step 3 had counted it: the retry settles without a
//!   change ([`Begun::was_waiting`]).
//! - **An instance dying between the steps** leaves an entry behind. An entry older
//!   than [`STALE_AFTER_SECONDS`] (longer than any request can run) is resolved by
//!   [`CountStore::recount`], which the next list runs when it sees one.
//! - **Concurrent writers** (any instance): `ADD` is atomic, and every step also adds
//!   one to `cVersion`, so a recount that read an older state does not overwrite a
//!   newer one.
//! - **Drift from anything else** (a bug, an edit by hand, data from before the
//!   counters): [`CountStore::recount`] reads the user's todos once and writes the true
//!   counts; lists run it when the counts are missing or marked suspect, and
//!   `local-platform repair-counts` runs it for every user.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{session_attribute, state_sk};
use crate::domain::RuleKey;
use crate::store::items::{Item, get_n, get_s, n, s};
use crate::store::rules::owner_pk;
use crate::store::{Datastore, StoreError, WriteToken};
use crate::time::now_epoch_seconds;

/// A journal entry older than this belongs to a write that can no longer finish
/// (function timeout 10 s; every datastore call gives up after 5 s).
pub const STALE_AFTER_SECONDS: u64 = 30;
/// Rounds of a recount that keeps meeting concurrent writes.
const RECOUNT_ROUNDS: usize = 5;
/// The number of statuses.
const STATUSES: usize = 4;

/// How many todos a user has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// All of them.
    pub all: u64,
    /// Per status code.
    pub by_status: [u64; STATUSES],
}

impl Counts {
    /// The counts recorded in a state item, when they are known.
    pub fn of(item: &Item) -> Option<Self> {
        if !item.contains_key("counted") {
            return None;
        }
        let number = |name: &str| get_n::<i64>(item, name).unwrap_or(0).max(0) as u64;
        Some(Self {
            all: number("cAll"),
            by_status: std::array::from_fn(|status| number(&format!("c{status}"))),
        })
    }

    fn apply(&mut self, change: &Change, sign: i64) {
        let add = |value: &mut u64, delta: i64| {
            *value = value.saturating_add_signed(delta * sign);
        };
        add(&mut self.all, change.all);
        for (count, delta) in self.by_status.iter_mut().zip(change.by_status) {
            add(count, delta);
        }
    }
}

/// What a counted write changes in the counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Change {
    all: i64,
    by_status: [i64; STATUSES],
}

impl Change {
    /// A todo created with `status`.
    pub fn created(status: u8) -> Self {
        let mut change = Self {
            all: 1,
            ..Self::default()
        };
        change.by_status[usize::from(status) % STATUSES] = 1;
        change
    }

    /// A todo with `status` deleted.
    pub fn deleted(status: u8) -> Self {
        let mut change = Self {
            all: -1,
            ..Self::default()
        };
        change.by_status[usize::from(status) % STATUSES] = -1;
        change
    }

    /// A todo moved from status `from` to `to`.
    pub fn moved(from: u8, to: u8) -> Self {
        let mut change = Self::default();
        change.by_status[usize::from(from) % STATUSES] -= 1;
        change.by_status[usize::from(to) % STATUSES] += 1;
        change
    }

    /// This change and `other`.
    pub fn plus(mut self, other: Self) -> Self {
        self.all += other.all;
        for (mine, theirs) in self.by_status.iter_mut().zip(other.by_status) {
            *mine += theirs;
        }
        self
    }

    fn is_zero(&self) -> bool {
        self.all == 0 && self.by_status.iter().all(|d| *d == 0)
    }
}

/// What a journal entry says a write does to one todo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Planned {
    /// Creates it with this status.
    Create(u8),
    /// Deletes it.
    Delete,
    /// Sets its status to this one.
    Status(u8),
}

/// A journal entry: a counted write in flight on one todo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The entry's attribute name in the state item.
    pub name: String,
    /// The write's token.
    pub token: WriteToken,
    /// The todo.
    pub key: RuleKey,
    /// What the write does.
    pub planned: Planned,
    /// When it was recorded.
    pub at: u64,
    /// Which attempt recorded it (each call of a write is one attempt).
    attempt: String,
}

impl Entry {
    /// An entry for the write `token` on the todo `key`.
    pub fn new(token: &WriteToken, key: RuleKey, planned: Planned) -> Self {
        // A write touches one todo, but a delete may touch a hundred: one entry each.
        let name = match planned {
            Planned::Delete => format!("p_{token}_{key}"),
            Planned::Create(_) | Planned::Status(_) => format!("p_{token}"),
        };
        Self {
            name,
            token: token.clone(),
            key,
            planned,
            at: now_epoch_seconds(),
            attempt: ulid::Ulid::new().to_string(),
        }
    }

    fn value(&self) -> AttributeValue {
        let (kind, status) = match self.planned {
            Planned::Create(status) => ("c", Some(status)),
            Planned::Delete => ("d", None),
            Planned::Status(status) => ("u", Some(status)),
        };
        let mut fields = HashMap::from([
            ("w".to_owned(), s(self.token.as_str())),
            ("k".to_owned(), s(self.key.to_string())),
            ("o".to_owned(), s(kind)),
            ("t".to_owned(), n(self.at)),
            ("r".to_owned(), s(&self.attempt)),
        ]);
        if let Some(status) = status {
            fields.insert("s".to_owned(), n(status));
        }
        AttributeValue::M(fields)
    }

    fn parse(name: &str, value: &AttributeValue) -> Option<Self> {
        let fields = value.as_m().ok()?;
        let text = |field: &str| fields.get(field).and_then(|v| v.as_s().ok()).cloned();
        let number = |field: &str| {
            fields
                .get(field)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        let status = || number("s").and_then(|s| u8::try_from(s).ok());
        let planned = match text("o")?.as_str() {
            "c" => Planned::Create(status()?),
            "d" => Planned::Delete,
            "u" => Planned::Status(status()?),
            _ => return None,
        };
        Some(Self {
            name: name.to_owned(),
            token: WriteToken::from_stored(text("w")?),
            key: RuleKey::parse(&text("k")?, "k").ok()?,
            planned,
            at: number("t")?,
            attempt: text("r")?,
        })
    }

    /// The journal entries of a state item.
    pub fn all_of(item: &Item) -> Vec<Self> {
        item.iter()
            .filter(|(name, _)| name.starts_with("p_"))
            .filter_map(|(name, value)| Self::parse(name, value))
            .collect()
    }

    /// Whether the write that recorded this entry can no longer be running.
    pub fn is_stale(&self, now: u64) -> bool {
        self.at + STALE_AFTER_SECONDS < now
    }
}

/// Whether the counts in a state item need a recount before they are shown.
pub fn needs_recount(item: Option<&Item>) -> bool {
    let Some(item) = item else {
        return true;
    };
    let now = now_epoch_seconds();
    Counts::of(item).is_none()
        || item.contains_key("suspect")
        || Entry::all_of(item).iter().any(|e| e.is_stale(now))
}

/// What step 1 found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Begun {
    waiting: Vec<bool>,
}

impl Begun {
    /// Whether the `index`-th entry was already waiting (recorded by an earlier attempt
    /// of the same write, and not settled yet) when this attempt recorded it.
    pub fn was_waiting(&self, index: usize) -> bool {
        self.waiting.get(index).copied().unwrap_or(false)
    }
}

/// The counters and their journal.
#[derive(Debug, Clone)]
pub struct CountStore {
    datastore: Datastore,
}

impl CountStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Step 1: records `entries` in `user_id`'s journal, if the session `session_id`
    /// is open (else [`StoreError::SessionEnded`]).
    pub async fn begin(
        &self,
        user_id: &str,
        session_id: &str,
        entries: &[Entry],
    ) -> Result<Begun, StoreError> {
        let mut update = self.datastore.update(owner_pk(user_id), state_sk())
            .condition_expression(
                "attribute_exists(#session) AND #session > :now AND attribute_not_exists(#closedAt)",
            )
            .expression_attribute_names("#closedAt", "closedAt")
            .expression_attribute_names("#session", session_attribute(session_id))
            .expression_attribute_names("#version", "cVersion")
            .expression_attribute_values(":now", n(now_epoch_seconds()))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedOld);
        let mut sets = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            sets.push(format!("#e{i} = :e{i}"));
            update = update
                .expression_attribute_names(format!("#e{i}"), &entry.name)
                .expression_attribute_values(format!(":e{i}"), entry.value());
        }
        let result = update
            .update_expression(format!("SET {} ADD #version :one", sets.join(", ")))
            .send()
            .await;
        let Some(output) = StoreError::unless_condition_failed("UpdateItem", result)? else {
            return Err(StoreError::SessionEnded);
        };
        let before = output.attributes.unwrap_or_default();
        // An entry this very attempt wrote (the SDK retried the step) was not waiting.
        let waiting = entries
            .iter()
            .map(|entry| {
                before
                    .get(&entry.name)
                    .and_then(|value| Entry::parse(&entry.name, value))
                    .is_some_and(|old| old.attempt != entry.attempt)
            })
            .collect();
        Ok(Begun { waiting })
    }

    /// Step 3: adds `change` to `user_id`'s counts and removes `entries`, unless they
    /// were settled already (by an earlier attempt or a recount).
    pub async fn settle(
        &self,
        user_id: &str,
        entries: &[Entry],
        change: Change,
    ) -> Result<(), StoreError> {
        let Some(first) = entries.first() else {
            return Ok(());
        };
        let mut update = self
            .datastore
            .update(owner_pk(user_id), state_sk())
            .condition_expression("attribute_exists(#e0)")
            .expression_attribute_names("#version", "cVersion")
            .expression_attribute_values(":one", n(1));
        let mut adds = vec!["#version :one".to_owned()];
        if !change.is_zero() {
            adds.push("#cAll :all".to_owned());
            update = update
                .expression_attribute_names("#cAll", "cAll")
                .expression_attribute_values(":all", n(change.all));
            for (status, delta) in change.by_status.iter().enumerate() {
                adds.push(format!("#c{status} :c{status}"));
                update = update
                    .expression_attribute_names(format!("#c{status}"), format!("c{status}"))
                    .expression_attribute_values(format!(":c{status}"), n(delta));
            }
        }
        let mut removes = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            removes.push(format!("#e{i}"));
            update = update.expression_attribute_names(format!("#e{i}"), &entry.name);
        }
        let result = update
            .update_expression(format!(
                "ADD {} REMOVE {}",
                adds.join(", "),
                removes.join(", ")
            ))
            .send()
            .await;
        if StoreError::unless_condition_failed("UpdateItem", result)?.is_none() {
            tracing::info!(entry = %first.name, "journal entry settled already");
        }
        Ok(())
    }

    /// Removes `entries` of a write that did not change anything.
    pub async fn abandon(&self, user_id: &str, entries: &[Entry]) -> Result<(), StoreError> {
        self.settle(user_id, entries, Change::default()).await
    }

    /// Marks `user_id`'s counts as suspect, so that the next list recounts them. Best
    /// effort: a failure is logged (the journal entry left behind has the same effect
    /// once stale).
    pub async fn distrust(&self, user_id: &str) {
        let result = self
            .datastore
            .update(owner_pk(user_id), state_sk())
            .update_expression("SET #suspect = :true")
            .expression_attribute_names("#suspect", "suspect")
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .send()
            .await;
        if let Err(error) = result {
            tracing::warn!(error = %aws_sdk_dynamodb::error::DisplayErrorContext(error), "counts not marked suspect");
        }
    }

    /// The state item of `user_id`, read consistently.
    pub async fn read(&self, user_id: &str) -> Result<Option<Item>, StoreError> {
        self.datastore.get(owner_pk(user_id), state_sk()).await
    }

    /// Counts `user_id`'s todos from the todos themselves and writes the counts,
    /// resolving stale journal entries; returns the counts.
    pub async fn recount(&self, user_id: &str) -> Result<Counts, StoreError> {
        for _ in 0..RECOUNT_ROUNDS {
            let state = self.read(user_id).await?.unwrap_or_default();
            let version: Option<u64> = get_n(&state, "cVersion").ok();
            let todos = self.todos(user_id).await?;
            let now = now_epoch_seconds();
            let mut counts = Counts::default();
            for todo in todos.values().filter(|t| t.live) {
                counts.apply(&Change::created(todo.status), 1);
            }
            let entries = Entry::all_of(&state);
            // A fresh entry whose write already landed will still be settled by its
            // writer: leave its change out, or it would count twice.
            for entry in entries.iter().filter(|e| !e.is_stale(now)) {
                if let Some(change) = landed_change(entry, todos.get(&entry.key)) {
                    counts.apply(&change, -1);
                }
            }
            let stale: Vec<&Entry> = entries.iter().filter(|e| e.is_stale(now)).collect();
            if self.write_counts(user_id, version, &counts, &stale).await? {
                tracing::info!(
                    user_id,
                    total = counts.all,
                    resolved = stale.len(),
                    "recounted"
                );
                self.index_unindexed(user_id, &todos).await;
                return Ok(counts);
            }
        }
        Err(StoreError::Unavailable {
            operation: "UpdateItem",
            message: "the counts kept changing during a recount".to_owned(),
        })
    }

    /// Every todo of `user_id` (tombstones too) with what a recount needs.
    async fn todos(&self, user_id: &str) -> Result<HashMap<RuleKey, Todo>, StoreError> {
        let mut todos = HashMap::new();
        let mut start = None;
        loop {
            let page = self
                .datastore
                .client()
                .query()
                .table_name(self.datastore.table())
                .key_condition_expression("pk = :pk AND begins_with(sk, :rule)")
                .expression_attribute_values(":pk", owner_pk(user_id))
                .expression_attribute_values(":rule", s("RULE#"))
                .projection_expression(
                    "#key, #status, deletedBy, createdBy, writeToken, prevStatus, statusKey",
                )
                .expression_attribute_names("#key", "key")
                .expression_attribute_names("#status", "status")
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query", e))?;
            for item in page.items() {
                let todo = Todo::of(item)?;
                todos.insert(todo.key, todo);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(todos),
            }
        }
    }

    /// Sets the counts if the state is still at `version`; answers whether it was.
    async fn write_counts(
        &self,
        user_id: &str,
        version: Option<u64>,
        counts: &Counts,
        stale: &[&Entry],
    ) -> Result<bool, StoreError> {
        let mut sets = vec![
            "#cAll = :all".to_owned(),
            "#counted = :true".to_owned(),
            "#version = :next".to_owned(),
        ];
        let mut update = self
            .datastore
            .update(owner_pk(user_id), state_sk())
            .expression_attribute_names("#version", "cVersion")
            .expression_attribute_names("#cAll", "cAll")
            .expression_attribute_names("#counted", "counted")
            .expression_attribute_names("#suspect", "suspect")
            .expression_attribute_values(":all", n(counts.all))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":next", n(version.unwrap_or(0) + 1));
        for (status, count) in counts.by_status.iter().enumerate() {
            sets.push(format!("#c{status} = :c{status}"));
            update = update
                .expression_attribute_names(format!("#c{status}"), format!("c{status}"))
                .expression_attribute_values(format!(":c{status}"), n(count));
        }
        let mut removes = vec!["#suspect".to_owned()];
        for (i, entry) in stale.iter().enumerate() {
            removes.push(format!("#e{i}"));
            update = update.expression_attribute_names(format!("#e{i}"), &entry.name);
        }
        update = match version {
            Some(version) => update
                .condition_expression("#version = :version")
                .expression_attribute_values(":version", n(version)),
            None => update.condition_expression("attribute_not_exists(#version)"),
        };
        let result = update
            .update_expression(format!(
                "SET {} REMOVE {}",
                sets.join(", "),
                removes.join(", ")
            ))
            .send()
            .await;
        Ok(StoreError::unless_condition_failed("UpdateItem", result)?.is_some())
    }

    /// Gives live todos written before the status index existed their index key.
    async fn index_unindexed(&self, user_id: &str, todos: &HashMap<RuleKey, Todo>) {
        for todo in todos.values().filter(|t| t.live && !t.indexed) {
            let result = self.datastore.update(owner_pk(user_id), s(format!("RULE#{}", todo.key)))
                .update_expression("SET #statusKey = :index")
                .expression_attribute_names("#statusKey", "statusKey")
                .condition_expression(
                    "attribute_exists(pk) AND attribute_not_exists(deletedBy) AND #status = :status",
                )
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(
                    ":index",
                    s(crate::store::rules::status_key(user_id, todo.status)),
                )
                .expression_attribute_values(":status", n(todo.status))
                .send()
                .await;
            if let Err(error) = StoreError::unless_condition_failed("UpdateItem", result) {
                tracing::warn!(key = %todo.key, error = %error, "todo not indexed by status");
            }
        }
    }
}

/// What a recount needs of one todo.
#[derive(Debug, Clone)]
struct Todo {
    key: RuleKey,
    status: u8,
    live: bool,
    indexed: bool,
    created_by: Option<String>,
    deleted_by: Option<String>,
    write_token: Option<String>,
    previous_status: Option<u8>,
}

impl Todo {
    fn of(item: &Item) -> Result<Self, StoreError> {
        let text = |name: &str| get_s(item, name).ok();
        let key = RuleKey::parse(&get_s(item, "key")?, "key")
            .map_err(|_| StoreError::Corrupt("a todo with a bad key".into()))?;
        Ok(Self {
            key,
            status: get_n(item, "status")?,
            live: !item.contains_key("deletedBy"),
            indexed: item.contains_key("statusKey"),
            created_by: text("createdBy"),
            deleted_by: text("deletedBy"),
            write_token: text("writeToken"),
            previous_status: get_n(item, "prevStatus").ok(),
        })
    }
}

/// The change a fresh journal entry's writer will still apply, if its write landed.
fn landed_change(entry: &Entry, todo: Option<&Todo>) -> Option<Change> {
    let todo = todo?;
    let token = Some(entry.token.as_str().to_owned());
    match entry.planned {
        Planned::Create(status) if todo.created_by == token => Some(Change::created(status)),
        Planned::Delete if todo.deleted_by == token => Some(Change::deleted(todo.status)),
        Planned::Status(to) if todo.write_token == token => {
            todo.previous_status.map(|from| Change::moved(from, to))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_add_up() {
        let change = Change::created(2)
            .plus(Change::moved(2, 0))
            .plus(Change::deleted(0));
        assert!(change.is_zero(), "{change:?}");
        let mut counts = Counts::default();
        counts.apply(&Change::created(1), 1);
        counts.apply(&Change::created(3), 1);
        counts.apply(&Change::moved(3, 1), 1);
        assert_eq!(counts.all, 2);
        assert_eq!(counts.by_status, [0, 2, 0, 0]);
    }

    #[test]
    fn entries_survive_their_round_trip() {
        let token = WriteToken::new();
        let key = RuleKey::new();
        for planned in [Planned::Create(2), Planned::Delete, Planned::Status(3)] {
            let entry = Entry::new(&token, key, planned);
            assert_eq!(Entry::parse(&entry.name, &entry.value()), Some(entry));
        }
    }
}
