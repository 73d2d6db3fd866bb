//! Listing a user's todos: one page, newest first, its total, and a cursor to the next.
//!
//! A page reads about a page of todos whatever the list holds: the first page reads
//! the state item (the session check and the counters that give `total`) in the same
//! query; a status filter reads the `ByStatus` index, one run per status merged by
//! sort key; `current=n` walks keys from whichever end is nearer; a name search reads
//! at most [`super::NAME_SEARCH_BUDGET`] todos per request. The costs in full:
//! `docs/data-model.md`.

mod merge;
mod name_search;
mod stream;

use merge::Merged;
use stream::{Shape, Source, Stream, key_of};

use super::TodoStore;
use crate::auth::session::AuthenticatedUser;
use crate::domain::{ListQuery, Todo, TodoKey};
use crate::store::StoreError;
use crate::store::items::{Item, StateItem, TodoItem, from_item};
use crate::store::keys::{Key, STATE};

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
    /// One page of `owner`'s todos matching `query`, if their session is open (else
    /// [`StoreError::SessionEnded`]).
    pub async fn list(&self, owner: &AuthenticatedUser, query: &ListQuery) -> ListOutcome {
        if query.name.is_some() {
            let (state, page) = tokio::join!(
                self.state_for(owner, None),
                name_search::search(self, owner, query)
            );
            state?;
            return page;
        }
        if query.statuses.is_empty() && query.cursor.is_none() && query.current == 1 {
            return self.first_page(owner, query).await;
        }
        let sources: Vec<Source> = if query.statuses.is_empty() {
            vec![Source::All]
        } else {
            query
                .statuses
                .iter()
                .map(|status| Source::Status(*status))
                .collect()
        };
        let total_of = |state: &StateItem| {
            if query.statuses.is_empty() {
                state.total()
            } else {
                query
                    .statuses
                    .iter()
                    .map(|status| state.count(*status))
                    .sum()
            }
        };
        if let Some(cursor) = query.cursor {
            let (state, page) = tokio::join!(
                self.state_for(owner, None),
                self.after_cursor(&owner.id, &sources, cursor, query.page_size as usize)
            );
            let mut page = page?;
            page.total = total_of(&state?);
            page.items_read += 1;
            return Ok(page);
        }
        let total = total_of(&self.state_for(owner, None).await?);
        let mut page = self
            .at_offset(
                &owner.id,
                &sources,
                query.offset(),
                query.page_size as usize,
                total,
            )
            .await?;
        page.items_read += 1;
        Ok(page)
    }

    /// The first page without filters: the state item and the page in one query.
    async fn first_page(&self, owner: &AuthenticatedUser, query: &ListQuery) -> ListOutcome {
        let page_size = query.page_size as usize;
        let mut stream = Stream::new(
            &self.datastore,
            &owner.id,
            Source::AllWithState,
            Shape::Whole,
        )
        .chunk(page_size + 2);
        let first = stream.next().await?;
        let is_state = |item: &Item| {
            item.get("sk")
                .and_then(|v| v.as_s().ok())
                .map(String::as_str)
                == Some(STATE)
        };
        let (state, leading) = match first {
            Some(item) if is_state(&item) => (Some(from_item(item)?), None),
            other => (None, other),
        };
        let state = self.state_for(owner, Some(state)).await?;
        let mut items: Vec<Item> = leading.into_iter().collect();
        let mut merged = Merged::new(vec![stream], true);
        items.extend(merged.take(page_size - items.len().min(page_size)).await?);
        let more = merged.has_more().await?;
        page_of(items, state.total(), more, merged.read())
    }

    /// `page_size` todos after `cursor`.
    async fn after_cursor(
        &self,
        owner_id: &str,
        sources: &[Source],
        cursor: TodoKey,
        page_size: usize,
    ) -> ListOutcome {
        let mut merged = self.merged(
            owner_id,
            sources,
            true,
            Shape::Whole,
            Some(cursor),
            page_size,
        );
        let items = merged.take(page_size).await?;
        let more = merged.has_more().await?;
        page_of(items, 0, more, merged.read())
    }

    /// The page after the first `offset` todos, walking to it from whichever end of
    /// the list is nearer (keys only), then reading the page.
    async fn at_offset(
        &self,
        owner_id: &str,
        sources: &[Source],
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
        let mut walk = self.merged(
            owner_id,
            sources,
            descending,
            Shape::KeysOnly,
            None,
            skip as usize,
        );
        let boundary = walk.skip(skip).await?.as_ref().and_then(key_of);
        let mut page = self.merged(owner_id, sources, descending, Shape::Whole, boundary, count);
        let mut items = page.take(count).await?;
        if !descending {
            items.reverse();
        }
        let read = walk.read() + page.read();
        page_of(items, total, offset + on_page < total, read)
    }

    fn merged(
        &self,
        owner_id: &str,
        sources: &[Source],
        descending: bool,
        shape: Shape,
        after: Option<TodoKey>,
        chunk: usize,
    ) -> Merged {
        let streams = sources
            .iter()
            .map(|source| {
                let stream = Stream::new(&self.datastore, owner_id, *source, shape)
                    .after(after)
                    .chunk(chunk + 1);
                if descending {
                    stream
                } else {
                    stream.ascending()
                }
            })
            .collect();
        Merged::new(streams, descending)
    }

    /// `owner`'s state item (`state`, when already read; read here otherwise), once
    /// their session is known to be open (else [`StoreError::SessionEnded`]).
    async fn state_for(
        &self,
        owner: &AuthenticatedUser,
        state: Option<Option<StateItem>>,
    ) -> Result<StateItem, StoreError> {
        let state = match state {
            Some(state) => state,
            None => self.datastore.read(&Key::state(&owner.id)).await?,
        };
        state
            .filter(|state| state.has_open_session(&owner.session_id))
            .ok_or(StoreError::SessionEnded)
    }
}

/// A page of `items`; `more` says whether todos follow it.
fn page_of(items: Vec<Item>, total: u64, more: bool, read: u64) -> ListOutcome {
    let todos = items
        .iter()
        .map(|item| from_item::<TodoItem>(item.clone()).map(Todo::from))
        .collect::<Result<Vec<_>, _>>()?;
    let cursor = if more {
        items.last().and_then(key_of)
    } else {
        None
    };
    Ok(Page {
        todos,
        total,
        total_exact: true,
        cursor,
        items_read: read,
    })
}
