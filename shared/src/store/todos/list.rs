//! Listing a user's todos: one page, newest first, its total, and a cursor to the next.
//! A page reads about a page of todos whatever the list holds (how, per kind of list:
//! `docs/data-model.md`), except a name search, which no index can answer: it reads
//! at most [`NAME_SEARCH_BUDGET`] todos per request, and its `total` counts the
//! matches among them (exact when that was every todo it could match).

use std::cmp::Ordering::{Greater, Less};
use std::collections::VecDeque;

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

use super::{NAME_SEARCH_BUDGET, TodoStore};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{ListQuery, Status, Todo, TodoKey};
use crate::store::StoreError;
use crate::store::items::{Item, StateItem, TodoItem, from_item, n, s, text};
use crate::store::keys::{
    Key, STATE, STATUS_INDEX, TODO_SK_FIRST, TODO_SK_PAST_LAST, owner_pk, status_key,
    todo_key_of_sk, todo_sk,
};

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's todos, newest first.
    pub todos: Vec<Todo>,
    /// How many todos match in all.
    pub total: u64,
    /// Whether `total` is exact (a name search that stopped at its budget is not).
    pub total_exact: bool,
    /// Where the next page starts, if there is one.
    pub cursor: Option<TodoKey>,
    /// How many items the datastore read for this page.
    pub items_read: u64,
}

/// A list's answer: the page, or why there is none.
pub type ListOutcome = Result<Page, StoreError>;

impl TodoStore {
    /// One page of `owner`'s todos matching `query`, if their session is open.
    pub async fn list(&self, owner: &AuthenticatedUser, query: &ListQuery) -> ListOutcome {
        let page_size = query.page_size as usize;
        if query.name.is_some() {
            let (state, page) = tokio::join!(self.open_state(owner), self.search(owner, query));
            state?;
            return page;
        }
        if query.statuses.is_empty() && query.cursor.is_none() && query.current == 1 {
            return self.first_page(owner, page_size).await;
        }
        // One run per status, or one of all the todos.
        let mut statuses: Vec<Option<Status>> = query.statuses.iter().copied().map(Some).collect();
        if statuses.is_empty() {
            statuses.push(None);
        }
        let total_of = |state: StateItem| -> u64 {
            let count = |status: &Option<Status>| status.map_or(state.total(), |s| state.count(s));
            statuses.iter().map(count).sum()
        };
        let mut page = match query.cursor {
            Some(cursor) => {
                let runs = self.runs(&owner.id, &statuses, true, Some(cursor), page_size + 1);
                let (state, page) = tokio::join!(self.open_state(owner), runs.page(page_size));
                let total = total_of(state?);
                Page { total, ..page? }
            }
            None => {
                let total = total_of(self.open_state(owner).await?);
                let page = self.at_offset(&owner.id, &statuses, query.offset(), page_size, total);
                page.await?
            }
        };
        page.items_read += 1;
        Ok(page)
    }

    /// The first page without filters and the state item (above it) in one query.
    async fn first_page(&self, owner: &AuthenticatedUser, page_size: usize) -> ListOutcome {
        let mut run = self.run(&owner.id, None, true, None, page_size + 2);
        run.query = run.query.expression_attribute_values(":high", s(STATE));
        let (runs, descending) = (vec![run], true);
        let mut runs = Runs { runs, descending };
        let state = match runs.next().await? {
            Some(item) if text(&item, "sk") == Some(STATE) => Some(from_item(item)?),
            _ => None,
        };
        let total = open(state, owner)?.total();
        let page = runs.page(page_size).await?;
        Ok(Page { total, ..page })
    }

    /// The page after `offset` todos, walked to (keys only) from the nearer end.
    async fn at_offset(
        &self,
        owner_id: &str,
        statuses: &[Option<Status>],
        offset: u64,
        page_size: usize,
        total: u64,
    ) -> ListOutcome {
        if offset >= total {
            return page_of(Vec::new(), total, false, 0);
        }
        let on_page = (page_size as u64).min(total - offset);
        let below = total - offset - on_page;
        let (descending, skip, count) = if offset <= below {
            (true, offset, page_size)
        } else {
            (false, below, on_page as usize)
        };
        // Each run reads at most what the walk needs; a merged walk may need more of
        // some runs than of others, and reads on in growing chunks.
        let mut walk = self.runs(owner_id, statuses, descending, None, skip as usize + 1);
        for run in &mut walk.runs {
            run.query = run.query.clone().projection_expression("sk");
        }
        let boundary = walk.take(skip as usize).await?.last().and_then(key_of);
        let mut page = self.runs(owner_id, statuses, descending, boundary, count + 1);
        let mut items = page.take(count).await?;
        if !descending {
            items.reverse();
        }
        let read = walk.read() + page.read();
        page_of(items, total, offset + on_page < total, read)
    }

    /// One page of the name search `query`; its `cursor` continues where reading stopped.
    async fn search(&self, owner: &AuthenticatedUser, query: &ListQuery) -> ListOutcome {
        let mut run = self.run(&owner.id, None, true, query.cursor, 100);
        run.budget = NAME_SEARCH_BUDGET;
        let mut filter = "contains(nameLower, :name)".to_owned();
        let name = s(query.name.as_deref().unwrap_or_default());
        run.query = run.query.expression_attribute_values(":name", name);
        if !query.statuses.is_empty() {
            let placeholders: Vec<String> = (0..query.statuses.len())
                .map(|i| format!(":s{i}"))
                .collect();
            filter.push_str(&format!(" AND #status IN ({})", placeholders.join(", ")));
            run.query = run.query.expression_attribute_names("#status", "status");
            for (placeholder, status) in placeholders.iter().zip(&query.statuses) {
                let value = n(status.code());
                run.query = run.query.expression_attribute_values(placeholder, value);
            }
        }
        run.query = run.query.filter_expression(filter);
        let page_size = query.page_size as usize;
        // With a cursor the page starts there; otherwise after `current - 1` pages.
        let skip = query.cursor.map_or_else(|| query.offset(), |_| 0);
        let mut matches = 0_u64;
        let mut page = Vec::with_capacity(page_size);
        while let Some(item) = run.next().await? {
            if matches >= skip && page.len() < page_size {
                page.push(item);
            }
            matches += 1;
        }
        let last_on_page = page.last().and_then(key_of);
        let cursor = if matches > skip + page.len() as u64 {
            last_on_page
        } else if run.exhausted {
            None
        } else {
            run.resume.as_ref().and_then(key_of).or(last_on_page)
        };
        Ok(Page {
            total_exact: run.exhausted && query.cursor.is_none(),
            cursor,
            ..page_of(page, matches, false, run.read + 1)?
        })
    }

    async fn open_state(&self, owner: &AuthenticatedUser) -> Result<StateItem, StoreError> {
        open(self.datastore.read(&Key::state(&owner.id)).await?, owner)
    }

    /// One run per entry of `statuses` (see [`Self::run`]), merged.
    fn runs(
        &self,
        owner_id: &str,
        statuses: &[Option<Status>],
        descending: bool,
        after: Option<TodoKey>,
        chunk: usize,
    ) -> Runs {
        let run = |status: &Option<Status>| self.run(owner_id, *status, descending, after, chunk);
        let runs = statuses.iter().map(run).collect();
        Runs { runs, descending }
    }

    /// `owner_id`'s todos with `status` (all of them when `None`), after the todo
    /// `after`, asking for `chunk` items in the first query.
    fn run(
        &self,
        owner_id: &str,
        status: Option<Status>,
        descending: bool,
        after: Option<TodoKey>,
        chunk: usize,
    ) -> Run {
        let cursor = after.map(todo_sk);
        let (low, high) = match (descending, cursor.as_deref()) {
            (true, Some(cursor)) => (TODO_SK_FIRST, cursor),
            (false, Some(cursor)) => (cursor, TODO_SK_PAST_LAST),
            (_, None) => (TODO_SK_FIRST, TODO_SK_PAST_LAST),
        };
        let (partition, value) = match status {
            Some(status) => ("statusKey", status_key(&owner_pk(owner_id), status)),
            None => ("pk", owner_pk(owner_id)),
        };
        let query = self
            .datastore
            .client()
            .query()
            .table_name(self.datastore.table())
            .set_index_name(status.map(|_| STATUS_INDEX.to_owned()))
            .key_condition_expression("#partition = :partition AND sk BETWEEN :low AND :high")
            .expression_attribute_names("#partition", partition)
            .expression_attribute_values(":partition", s(value))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
            .scan_index_forward(!descending)
            // The index is eventually consistent by nature; the table is read consistently.
            .consistent_read(status.is_none());
        // One more when starting after a cursor, which the range includes and the run drops.
        let chunk = chunk + usize::from(cursor.is_some());
        Run {
            query,
            cursor,
            chunk: i32::try_from(chunk.clamp(1, 1000)).unwrap_or(1000),
            budget: u64::MAX,
            buffer: VecDeque::new(),
            resume: None,
            exhausted: false,
            read: 0,
        }
    }
}

/// One ordered run of a user's todos, read a chunk at a time as it is consumed.
struct Run {
    /// The query, but for its `Limit` and `ExclusiveStartKey` (`resume`).
    query: QueryFluentBuilder,
    /// The cursor's sort key, which the range starts at and the run leaves out.
    cursor: Option<String>,
    chunk: i32,
    budget: u64,
    buffer: VecDeque<Item>,
    resume: Option<Item>,
    exhausted: bool,
    /// Items the datastore read (before filters): what the reads cost.
    read: u64,
}

impl Run {
    /// The next item without taking it; `None` at the end or at the budget.
    async fn peek(&mut self) -> Result<Option<&Item>, StoreError> {
        while self.buffer.is_empty() && !self.exhausted && self.read < self.budget {
            let left = i32::try_from(self.budget - self.read).unwrap_or(i32::MAX);
            let output = self
                .query
                .clone()
                .limit(self.chunk.min(left))
                .set_exclusive_start_key(self.resume.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query", e))?;
            self.read += u64::try_from(output.scanned_count).unwrap_or(0);
            let cursor = self.cursor.as_deref();
            let items = output.items.unwrap_or_default().into_iter();
            self.buffer
                .extend(items.filter(|item| cursor.is_none() || text(item, "sk") != cursor));
            self.resume = output.last_evaluated_key.filter(|key| !key.is_empty());
            self.exhausted = self.resume.is_none();
            // Read the next chunks in bigger steps: a filtered run may need many.
            self.chunk = self.chunk.saturating_mul(2).min(1000);
        }
        Ok(self.buffer.front())
    }

    async fn next(&mut self) -> Result<Option<Item>, StoreError> {
        self.peek().await?;
        Ok(self.buffer.pop_front())
    }
}

/// Runs read as one, merged by sort key (a list of several statuses).
struct Runs {
    runs: Vec<Run>,
    descending: bool,
}

impl Runs {
    async fn next(&mut self) -> Result<Option<Item>, StoreError> {
        let first = if self.descending { Greater } else { Less };
        let mut best: Option<(usize, String)> = None;
        for (index, run) in self.runs.iter_mut().enumerate() {
            if let Some(item) = run.peek().await? {
                let sk = text(item, "sk").unwrap_or_default().to_owned();
                if best.as_ref().is_none_or(|(_, best)| sk.cmp(best) == first) {
                    best = Some((index, sk));
                }
            }
        }
        match best {
            Some((index, _)) => self.runs[index].next().await,
            None => Ok(None),
        }
    }

    async fn take(&mut self, count: usize) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::with_capacity(count);
        while items.len() < count
            && let Some(item) = self.next().await?
        {
            items.push(item);
        }
        Ok(items)
    }

    /// The next `page_size` todos, as a page whose cursor is set when more follow.
    async fn page(mut self, page_size: usize) -> ListOutcome {
        let items = self.take(page_size).await?;
        let mut more = false;
        for run in &mut self.runs {
            more = more || run.peek().await?.is_some();
        }
        page_of(items, 0, more, self.read())
    }

    fn read(&self) -> u64 {
        self.runs.iter().map(|run| run.read).sum()
    }
}

/// `owner`'s state item, if their session is open (else [`StoreError::SessionEnded`]).
fn open(state: Option<StateItem>, owner: &AuthenticatedUser) -> Result<StateItem, StoreError> {
    state
        .filter(|state| state.has_open_session(&owner.session_id))
        .ok_or(StoreError::SessionEnded)
}

/// A page of `items`; `more` says whether todos follow it.
fn page_of(items: Vec<Item>, total: u64, more: bool, read: u64) -> ListOutcome {
    let cursor = items.last().and_then(key_of).filter(|_| more);
    Ok(Page {
        todos: items
            .into_iter()
            .map(|item| from_item::<TodoItem>(item).map(Todo::from))
            .collect::<Result<_, _>>()?,
        total,
        total_exact: true,
        cursor,
        items_read: read,
    })
}

fn key_of(item: &Item) -> Option<TodoKey> {
    text(item, "sk").and_then(todo_key_of_sk)
}
