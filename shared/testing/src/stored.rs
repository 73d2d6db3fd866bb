//! What the table holds, read directly: for tests that check a write against the
//! items themselves rather than against what the service answers.

use shared::domain::{Todo, TodoKey};
use shared::store::Datastore;
use shared::store::items::{StateItem, TodoItem, from_item, s};
use shared::store::keys::{Key, TODO_SK_FIRST, owner_pk};

/// How many todos a user has, counted from the todo items themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TodoCounts {
    /// All of them.
    pub all: u64,
    /// Per status code.
    pub by_status: [u64; 4],
}

/// How many todos of `user_id` the table holds, in all and per status, counted from
/// the todo items.
///
/// # Panics
/// When the datastore fails: the test cannot go on.
pub async fn todo_counts(datastore: &Datastore, user_id: &str) -> TodoCounts {
    let mut counts = TodoCounts::default();
    let mut start = None;
    loop {
        let page = datastore
            .client()
            .query()
            .table_name(datastore.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :todo)")
            .expression_attribute_values(":pk", s(owner_pk(user_id)))
            .expression_attribute_values(":todo", s(TODO_SK_FIRST))
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("the datastore answers a query");
        for item in page.items.unwrap_or_default() {
            let todo: TodoItem = from_item(item).expect("a todo item");
            counts.all += 1;
            counts.by_status[usize::from(todo.status.code())] += 1;
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return counts,
        }
    }
}

/// The todo `key` of `owner_id` as stored, with no session check.
///
/// # Panics
/// When the datastore fails or the item is not a todo.
pub async fn stored_todo(datastore: &Datastore, owner_id: &str, key: TodoKey) -> Option<Todo> {
    datastore
        .get(&Key::todo(owner_id, key))
        .await
        .expect("the datastore answers")
        .map(|item| Todo::from(from_item::<TodoItem>(item).expect("a todo item")))
}

/// The state item of `owner_id` (sessions and counters) as stored.
///
/// # Panics
/// When the datastore fails or the item is not a state item.
pub async fn stored_state(datastore: &Datastore, owner_id: &str) -> Option<StateItem> {
    datastore
        .get(&Key::state(owner_id))
        .await
        .expect("the datastore answers")
        .map(|item| from_item(item).expect("a state item"))
}
