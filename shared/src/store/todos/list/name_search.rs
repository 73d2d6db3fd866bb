//! Searching names: no index can answer "contains", so a search reads todos, newest
//! first, and keeps the matches, within a budget per request.
//!
//! A request reads at most [`NAME_SEARCH_BUDGET`] todos (from the top, or from its
//! `cursor`). Its `total` counts the matches among what it read, and is exact when
//! that was every todo the search could match (`total_exact`); otherwise the
//! `cursor` continues the search where it stopped.

use std::collections::VecDeque;

use super::stream::{Shape, Source, Stream, key_of};
use super::{ListOutcome, Page};
use crate::auth::session::AuthenticatedUser;
use crate::domain::ListQuery;
use crate::domain::Todo;
use crate::store::expression::Expression;
use crate::store::items::{TodoItem, from_item, n, s};
use crate::store::todos::{NAME_SEARCH_BUDGET, TodoStore};

/// The filter for `query`'s name (and statuses).
fn filter(query: &ListQuery) -> Expression {
    let mut filter = Expression::default()
        .name("#nameLower", "nameLower")
        .value(":name", s(query.name.clone().unwrap_or_default()));
    let mut text = "contains(#nameLower, :name)".to_owned();
    if !query.statuses.is_empty() {
        let mut placeholders = Vec::new();
        for (i, status) in query.statuses.iter().enumerate() {
            filter = filter.value(format!(":s{i}"), n(status.code()));
            placeholders.push(format!(":s{i}"));
        }
        filter = filter.name("#status", "status");
        text.push_str(&format!(" AND #status IN ({})", placeholders.join(", ")));
    }
    filter.with_text(text)
}

/// One page of the search `query` (whose `name` is set) in `owner`'s todos.
pub(super) async fn search(
    store: &TodoStore,
    owner: &AuthenticatedUser,
    query: &ListQuery,
) -> ListOutcome {
    let mut stream = Stream::new(&store.datastore, &owner.id, Source::All, Shape::Whole)
        .after(query.cursor)
        .chunk(100)
        .budget(NAME_SEARCH_BUDGET)
        .filtered(filter(query));
    let page_size = query.page_size as usize;
    // With a cursor the page starts there; otherwise after `current - 1` pages.
    let skip = if query.cursor.is_some() {
        0
    } else {
        query.offset()
    };
    let mut matches = 0_u64;
    let mut page = VecDeque::with_capacity(page_size);
    let mut last_on_page = None;
    while let Some(item) = stream.next().await? {
        if matches >= skip && page.len() < page_size {
            last_on_page = key_of(&item);
            page.push_back(item);
        }
        matches += 1;
    }
    let reached_end = !stream.stopped_early;
    let more_matches = matches > skip + page.len() as u64;
    let cursor = if more_matches {
        last_on_page
    } else if reached_end {
        None
    } else {
        // The budget ran out before the page filled: go on from where reading stopped.
        stream.position().or(last_on_page)
    };
    Ok(Page {
        todos: page
            .into_iter()
            .map(|item| from_item::<TodoItem>(item).map(Todo::from))
            .collect::<Result<_, _>>()?,
        total: matches,
        total_exact: reached_end && query.cursor.is_none(),
        cursor,
        items_read: stream.read + 1,
    })
}
