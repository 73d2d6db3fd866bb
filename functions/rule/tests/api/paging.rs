//! Lists whose cost follows the page: cursors, far pages, exact totals from counters,
//! and counters that stay exact under concurrent writes from several instances.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use shared::auth::session::AuthenticatedUser;
use shared::domain::{ListQuery, NewTodo, TodoKey};
use shared::http::body::JsonObject;
use shared::store::Datastore;

use crate::helpers::{TestApp, User, spawn_app};

fn owner(user: &User) -> AuthenticatedUser {
    AuthenticatedUser {
        id: user.id.clone(),
        name: user.name.clone(),
        session_id: user.session_id.clone(),
    }
}

fn query(pairs: &[(&str, &str)]) -> ListQuery {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    ListQuery::parse(&pairs).expect("a valid query")
}

/// `count` todos named `t000`.. with status `i % 4`, created through the store.
async fn seed(app: &TestApp, user: &User, count: usize) {
    let owner = owner(user);
    for i in 0..count {
        let mut body = JsonObject::default();
        body.0.insert("name".into(), json!(format!("t{i:03}")));
        body.0.insert("status".into(), json!(i % 4));
        let new = NewTodo::parse(&body).expect("valid");
        app.state
            .todos
            .create(&owner, &new, None)
            .await
            .expect("created");
    }
}

/// Every page of `filter` by `current`, and by following cursors: the same names.
async fn pages_both_ways(
    app: &TestApp,
    user: &User,
    filter: &str,
    page_size: usize,
) -> Vec<String> {
    let first = app
        .list(user, &format!("?pageSize={page_size}{filter}"))
        .await;
    let total = first.body["total"].as_u64().expect("total") as usize;
    let mut by_current = Vec::new();
    for current in 1..=total.div_ceil(page_size) {
        let page = app
            .list(
                user,
                &format!("?pageSize={page_size}&current={current}{filter}"),
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        by_current.extend(TestApp::names(&page));
    }
    let mut by_cursor = TestApp::names(&first);
    let mut cursor = first.body["cursor"].clone();
    while let Value::String(position) = cursor {
        let page = app
            .list(
                user,
                &format!("?pageSize={page_size}&cursor={position}{filter}"),
            )
            .await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        by_cursor.extend(TestApp::names(&page));
        cursor = page.body["cursor"].clone();
    }
    assert_eq!(by_current, by_cursor, "{filter}: current and cursor agree");
    assert_eq!(by_current.len(), total, "{filter}: every match once");
    by_current
}

#[tokio::test]
async fn paging_by_current_and_by_cursor_gives_the_same_todos() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    seed(&app, &alice, 57).await;
    let all = pages_both_ways(&app, &alice, "", 10).await;
    let expected: Vec<String> = (0..57).rev().map(|i| format!("t{i:03}")).collect();
    assert_eq!(all, expected, "newest first");
    let one_status = pages_both_ways(&app, &alice, "&status=2", 4).await;
    assert_eq!(one_status.len(), 14);
    assert!(
        one_status
            .iter()
            .all(|n| n[1..].parse::<usize>().map(|i| i % 4 == 2).unwrap_or(false))
    );
    let two = pages_both_ways(&app, &alice, "&status=1,3", 7).await;
    assert_eq!(two.len(), 28);
    let named = pages_both_ways(&app, &alice, "&name=t01", 3).await;
    assert_eq!(
        named,
        [
            "t019", "t018", "t017", "t016", "t015", "t014", "t013", "t012", "t011", "t010"
        ]
    );
    let last = app.list(&alice, "?pageSize=10&current=6").await;
    assert_eq!(
        TestApp::names(&last),
        ["t006", "t005", "t004", "t003", "t002", "t001", "t000"]
    );
    assert_eq!(last.body["cursor"], Value::Null);
    let bad = app.list(&alice, "?cursor=nonsense").await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_page_reads_about_a_page_whatever_the_list_holds() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    seed(&app, &alice, 300).await;
    let owner = owner(&alice);
    let first = app
        .state
        .todos
        .list(&owner, &query(&[("pageSize", "10")]))
        .await
        .expect("page");
    assert_eq!(first.total, 300);
    assert!(
        first.items_read <= 2 * 10 + 3,
        "first page read {}",
        first.items_read
    );
    let cursor = first.cursor.expect("more").to_string();
    let next = app
        .state
        .todos
        .list(&owner, &query(&[("pageSize", "10"), ("cursor", &cursor)]))
        .await
        .expect("page");
    assert!(
        next.items_read <= 2 * 10 + 3,
        "a cursor page read {}",
        next.items_read
    );
    let status = app
        .state
        .todos
        .list(&owner, &query(&[("pageSize", "10"), ("status", "1")]))
        .await
        .expect("page");
    assert_eq!(status.total, 75);
    assert!(
        status.items_read <= 2 * 10 + 3,
        "a status page read {}",
        status.items_read
    );
    // A jump to a far page walks from the nearer end: page 29 of 30 is near the bottom.
    let far = app
        .state
        .todos
        .list(&owner, &query(&[("pageSize", "10"), ("current", "29")]))
        .await
        .expect("page");
    assert_eq!(far.todos.first().map(|r| r.name.as_str()), Some("t019"));
    assert!(
        far.items_read <= 2 * 10 + 3 + 10,
        "page 29 read {}",
        far.items_read
    );
}

#[tokio::test]
async fn totals_stay_exact_across_concurrent_writes_from_several_instances() {
    let app = spawn_app().await;
    let alice = Arc::new(app.user("alice").await);
    // Three instances: three states with clients of their own, on the same table.
    let mut instances = Vec::new();
    for _ in 0..3 {
        let state = rule_function::RuleState::build(app.config.clone(), Instant::now())
            .await
            .expect("an instance");
        instances.push(Arc::new(state));
    }
    seed(&app, &alice, 40).await;
    let owner = Arc::new(owner(&alice));
    let keys: Vec<TodoKey> = app
        .state
        .todos
        .list(&owner, &query(&[("pageSize", "100")]))
        .await
        .expect("page")
        .todos
        .iter()
        .map(|r| TodoKey::parse(&r.key, "key").expect("key"))
        .collect();
    let mut writers = tokio::task::JoinSet::new();
    for (i, instance) in instances.iter().cycle().take(60).enumerate() {
        let (instance, owner) = (instance.clone(), owner.clone());
        let key = keys[i % keys.len()];
        writers.spawn(async move {
            let mut body = JsonObject::default();
            match i % 3 {
                0 => {
                    body.0.insert("name".into(), json!(format!("new {i}")));
                    body.0.insert("status".into(), json!(i % 4));
                    let new = NewTodo::parse(&body).expect("valid");
                    instance.todos.create(&owner, &new, None).await.map(|_| ())
                }
                1 => instance
                    .todos
                    .delete(&owner, &[key], None)
                    .await
                    .map(|_| ()),
                _ => {
                    body.0.insert("key".into(), json!(key.to_string()));
                    body.0.insert("status".into(), json!((i + 1) % 4));
                    let changes = shared::domain::TodoChanges::parse(&body, None).expect("valid");
                    instance
                        .todos
                        .update(&owner, &changes, None)
                        .await
                        .map(|_| ())
                }
            }
        });
    }
    for result in writers.join_all().await {
        result.expect("every write answered");
    }
    let listed = app
        .state
        .todos
        .list(&owner, &query(&[]))
        .await
        .expect("page");
    let datastore = Datastore::connect(&app.config.datastore).await;
    let counted = shared_testing::stored::todo_counts(&datastore, &alice.id).await;
    assert_eq!(
        listed.total, counted.all,
        "the counters agree with the todos"
    );
    let per_status: u64 = counted.by_status.iter().sum();
    assert_eq!(per_status, counted.all);
    for status in 0..4 {
        let page = app
            .state
            .todos
            .list(&owner, &query(&[("status", &status.to_string())]))
            .await
            .expect("page");
        assert_eq!(page.total, counted.by_status[status], "status {status}");
    }
}
