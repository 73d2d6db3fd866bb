//! One ordered run of a user's todos, read page by page as it is consumed: the whole
//! table range of their todos, or one status of the `ByStatus` index.

use std::collections::VecDeque;

use aws_sdk_dynamodb::types::AttributeValue;

use crate::domain::{Status, TodoKey};
use crate::store::expression::Expression;
use crate::store::items::{Item, s};
use crate::store::keys::{
    STATE, STATUS_INDEX, TODO_SK_FIRST, TODO_SK_PAST_LAST, owner_pk, status_key, todo_key_of_sk,
    todo_sk,
};
use crate::store::{Datastore, StoreError};

/// Which todos a stream reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// All of them (the table).
    All,
    /// Those with one status (the index).
    Status(Status),
    /// All of them, newest first, preceded by the user's state item.
    AllWithState,
}

/// What each item read must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Only the sort key: for walking past todos without reading them.
    KeysOnly,
    /// Whole todos.
    Whole,
}

/// A run of todos in sort-key order, read lazily.
pub(super) struct Stream {
    datastore: Datastore,
    owner_id: String,
    source: Source,
    descending: bool,
    shape: Shape,
    /// The bound to start after (exclusive): a todo's id.
    after: Option<TodoKey>,
    /// An extra filter (name search), with its placeholders.
    filter: Option<Expression>,
    /// How many items to ask for per query.
    chunk: i32,
    /// The most items it may read.
    budget: Option<u64>,
    /// Whether it stopped at its budget rather than at the end.
    pub(super) stopped_early: bool,
    buffer: VecDeque<Item>,
    next_start: Option<std::collections::HashMap<String, AttributeValue>>,
    exhausted: bool,
    /// Items the datastore read (before filters): what the reads cost.
    pub(super) read: u64,
}

impl Stream {
    /// A stream of `owner_id`'s todos from `source`, newest first unless `ascending`.
    pub(super) fn new(datastore: &Datastore, owner_id: &str, source: Source, shape: Shape) -> Self {
        Self {
            datastore: datastore.clone(),
            owner_id: owner_id.to_owned(),
            source,
            descending: true,
            shape,
            after: None,
            filter: None,
            chunk: 11,
            budget: None,
            stopped_early: false,
            buffer: VecDeque::new(),
            next_start: None,
            exhausted: false,
            read: 0,
        }
    }

    /// Oldest first.
    pub(super) fn ascending(mut self) -> Self {
        self.descending = false;
        self
    }

    /// Starts after the todo `key` (exclusive).
    pub(super) fn after(mut self, key: Option<TodoKey>) -> Self {
        self.after = key;
        self
    }

    /// Asks for `chunk` items per query (one more when starting after a key, which
    /// the range includes and the stream drops).
    pub(super) fn chunk(mut self, chunk: usize) -> Self {
        let chunk = chunk + usize::from(self.after.is_some());
        self.chunk = i32::try_from(chunk.clamp(1, 1000)).unwrap_or(1000);
        self
    }

    /// Reads at most `budget` items (before filters).
    pub(super) fn budget(mut self, budget: u64) -> Self {
        self.budget = Some(budget);
        self
    }

    /// The sort key where reading stopped, to resume after it.
    pub(super) fn position(&self) -> Option<TodoKey> {
        self.next_start.as_ref().and_then(key_of)
    }

    /// Keeps only items matching `filter`.
    pub(super) fn filtered(mut self, filter: Expression) -> Self {
        self.filter = Some(filter);
        self
    }

    /// The next item, or `None` at the end.
    pub(super) async fn next(&mut self) -> Result<Option<Item>, StoreError> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Ok(Some(item));
            }
            if self.exhausted {
                return Ok(None);
            }
            if self.budget.is_some_and(|budget| self.read >= budget) {
                self.stopped_early = true;
                return Ok(None);
            }
            self.fetch().await?;
        }
    }

    /// The next item without taking it.
    pub(super) async fn peek(&mut self) -> Result<Option<&Item>, StoreError> {
        while self.buffer.is_empty() && !self.exhausted {
            self.fetch().await?;
        }
        Ok(self.buffer.front())
    }

    async fn fetch(&mut self) -> Result<(), StoreError> {
        let (low, high) = self.bounds();
        let (partition_name, partition_value) = match self.source {
            Source::Status(status) => ("statusKey", s(status_key(&self.owner_id, status))),
            Source::All | Source::AllWithState => ("pk", s(owner_pk(&self.owner_id))),
        };
        let mut query = self
            .datastore
            .client()
            .query()
            .table_name(self.datastore.table())
            .set_index_name(
                matches!(self.source, Source::Status(_)).then(|| STATUS_INDEX.to_owned()),
            )
            .key_condition_expression("#partition = :partition AND #sk BETWEEN :low AND :high")
            .expression_attribute_names("#partition", partition_name)
            .expression_attribute_names("#sk", "sk")
            .expression_attribute_values(":partition", partition_value)
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
            .scan_index_forward(!self.descending)
            .limit(self.limit())
            // The index is eventually consistent by nature; the table is read consistently.
            .consistent_read(!matches!(self.source, Source::Status(_)))
            .set_exclusive_start_key(self.next_start.take());
        if let Some(filter) = &self.filter {
            query = query.filter_expression(filter.text());
            for (name, attribute) in filter.names() {
                query = query.expression_attribute_names(name, attribute);
            }
            for (name, value) in filter.values() {
                query = query.expression_attribute_values(name, value.clone());
            }
        }
        if self.shape == Shape::KeysOnly {
            query = query.projection_expression("#sk");
        }
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query", e))?;
        self.read += u64::try_from(output.scanned_count).unwrap_or(0);
        let exclusive = self.after.map(todo_sk);
        for item in output.items.unwrap_or_default() {
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str);
            if exclusive.is_some() && sk == exclusive.as_deref() {
                continue;
            }
            self.buffer.push_back(item);
        }
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() => self.next_start = Some(key),
            _ => self.exhausted = true,
        }
        // Read the next chunks in bigger steps: a filtered run may need many.
        self.chunk = self.chunk.saturating_mul(2).min(1000);
        Ok(())
    }

    /// The items to ask for now: the chunk, within what is left of the budget.
    fn limit(&self) -> i32 {
        match self.budget {
            Some(budget) => {
                let left = i32::try_from(budget.saturating_sub(self.read)).unwrap_or(i32::MAX);
                self.chunk.min(left.max(1))
            }
            None => self.chunk,
        }
    }

    /// The sort-key range (inclusive) this stream reads.
    fn bounds(&self) -> (String, String) {
        let cursor = self.after.map(todo_sk);
        let top = match self.source {
            Source::AllWithState => STATE.to_owned(),
            Source::All | Source::Status(_) => TODO_SK_PAST_LAST.to_owned(),
        };
        let first = TODO_SK_FIRST.to_owned();
        match (self.descending, cursor) {
            (true, Some(cursor)) => (first, cursor),
            (true, None) => (first, top),
            (false, Some(cursor)) => (cursor, TODO_SK_PAST_LAST.to_owned()),
            (false, None) => (first, TODO_SK_PAST_LAST.to_owned()),
        }
    }
}

/// The todo id of a todo item's sort key.
pub(super) fn key_of(item: &Item) -> Option<TodoKey> {
    item.get("sk")
        .and_then(|v| v.as_s().ok())
        .and_then(|sk| todo_key_of_sk(sk))
}
