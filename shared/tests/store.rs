//! The store's keys, items and counter changes, without a datastore.

use shared::domain::{
    IdempotencyKey, NewTodo, Progress, Status, TodoChanges, TodoDesc, TodoKey, TodoName,
};
use shared::store::items::{
    Expiring, Item, LoginAttemptsItem, StateItem, TodoItem, from_item, n, s, to_item,
};
use shared::store::keys::{Key, STATE, TODO_SK_FIRST, TODO_SK_PAST_LAST, todo_key_of_sk, todo_sk};
use shared::store::state::CountChange;
use shared::time::now_epoch_seconds;

fn status(code: i64) -> Status {
    Status::from_code(code).expect("valid")
}

fn todo(status: i64) -> TodoItem {
    let new = NewTodo {
        name: TodoName::parse("Write the docs").expect("valid"),
        desc: TodoDesc::default(),
        status: Status::from_code(status).expect("valid"),
        progress: Progress::default(),
    };
    TodoItem::new("u1", "alice", &new, "2026-01-01T00:00:00Z".into())
}

#[test]
fn a_todo_sort_key_gives_its_id_back() {
    let key = TodoKey::new();
    assert_eq!(todo_key_of_sk(&todo_sk(key)), Some(key));
    assert_eq!(todo_key_of_sk(STATE), None);
}

#[test]
fn no_key_names_the_record_of_another_keys_part() {
    let key = |text: &str| IdempotencyKey::parse(text.as_bytes()).expect("a key");
    let part = Key::idempotency("u1", &key("abc"), Some(0));
    assert_ne!(part, Key::idempotency("u1", &key("abc#0"), None));
    assert!(IdempotencyKey::parse(part.sk.trim_start_matches("IDEM#").as_bytes()).is_err());
}

#[test]
fn todo_keys_sort_between_the_bounds_and_below_the_state_item() {
    let sk = todo_sk(TodoKey::new());
    assert!(TODO_SK_FIRST < sk.as_str() && sk.as_str() < TODO_SK_PAST_LAST);
    assert!(TODO_SK_PAST_LAST < STATE);
}

#[test]
fn a_todo_survives_its_round_trip_and_moves_in_the_index_with_its_status() {
    let todo = todo(2);
    let item = to_item(&todo).expect("serialises");
    assert_eq!(item.get("sk"), Some(&s(todo_sk(todo.key))));
    assert_eq!(item.get("status"), Some(&n(2)));
    assert_eq!(item.get("statusKey"), Some(&s("OWNER#u1#S2")));
    assert_eq!(from_item::<TodoItem>(item).expect("parses"), todo);
    let changes = TodoChanges {
        key: todo.key,
        name: None,
        desc: None,
        status: Some(status(3)),
        progress: None,
        expected_version: None,
    };
    let todo = todo.changed(&changes, "2026-01-02T00:00:00Z".into());
    let item = to_item(&todo).expect("serialises");
    assert_eq!(item.get("statusKey"), Some(&s("OWNER#u1#S3")));
}

#[test]
fn a_todo_with_an_impossible_status_is_refused_when_read() {
    let mut item = to_item(&todo(1)).expect("serialises");
    item.insert("status".into(), n(9));
    assert!(from_item::<TodoItem>(item).is_err());
}

#[test]
fn the_state_item_reads_sessions_and_counters_and_a_closed_account_has_none_open() {
    let Key { pk, sk } = Key::state("u1");
    let item = Item::from([
        ("pk".to_owned(), s(pk)),
        ("sk".to_owned(), s(sk)),
        ("cAll".to_owned(), n(3)),
        ("c2".to_owned(), n(3)),
        ("s_abc".to_owned(), n(now_epoch_seconds() + 60)),
    ]);
    let mut state: StateItem = from_item(item).expect("parses");
    assert_eq!(state.total(), 3);
    assert_eq!(state.count(status(2)), 3);
    assert!(state.has_open_session("abc"));
    assert!(!state.has_open_session("other"));
    state.closed_at = Some("2026-01-01T00:00:00Z".into());
    assert!(!state.has_open_session("abc"));
}

#[test]
fn an_item_past_its_expiry_has_expired() {
    let mut window = LoginAttemptsItem {
        key: Key::login_attempts("alice"),
        failures: 1,
        window_start: now_epoch_seconds(),
        expires_at: now_epoch_seconds() + 60,
    };
    assert!(!window.has_expired());
    window.expires_at = now_epoch_seconds() - 1;
    assert!(window.has_expired());
}

#[test]
fn count_changes_add_up() {
    let change = CountChange::created(status(2))
        .plus(CountChange::moved(status(2), status(0)))
        .plus(CountChange::deleted(status(0)));
    assert_eq!(change, CountChange::default());
    // One todo of status 1 and one of 3, and nothing else: taking them away leaves nothing.
    let two = CountChange::created(status(1)).plus(CountChange::created(status(3)));
    assert_ne!(two, CountChange::default());
    let none = two
        .plus(CountChange::deleted(status(1)))
        .plus(CountChange::deleted(status(3)));
    assert_eq!(none, CountChange::default());
}
