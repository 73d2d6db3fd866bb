//! Concurrent writers never lose each other's todos.

use std::sync::Arc;

use http::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_creates_are_all_kept() {
    let app = Arc::new(spawn_app().await);
    let alice = Arc::new(app.user("alice").await);
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let app = Arc::clone(&app);
            let alice = Arc::clone(&alice);
            tokio::spawn(async move {
                app.call(
                    &alice,
                    Method::POST,
                    "/api/rule",
                    Some(&json!({"name": format!("todo {i}")})),
                )
                .await
            })
        })
        .collect();
    for task in futures::future::join_all(tasks).await {
        assert_eq!(task.expect("task finished").status, 201);
    }
    let list = app.list(&alice, "?pageSize=100").await;
    assert_eq!(list.body["total"], 100);
    let mut names: Vec<String> = crate::helpers::TestApp::names(&list);
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 100, "every todo is present exactly once");
}

/// Ten updates of one new todo at once, the `i`th with `changes(i)` and version 1;
/// answers their statuses and the todo's version afterwards.
async fn contest(changes: fn(u64) -> serde_json::Value) -> (Vec<u16>, serde_json::Value) {
    let app = Arc::new(spawn_app().await);
    let alice = Arc::new(app.user("alice").await);
    let key = app.create(&alice, "contested").await["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (app, alice) = (Arc::clone(&app), Arc::clone(&alice));
            let mut body = changes(i);
            body["key"] = json!(key);
            body["version"] = json!(1);
            tokio::spawn(async move {
                app.call(&alice, Method::PUT, "/api/rule", Some(&body))
                    .await
                    .status
            })
        })
        .collect();
    let statuses = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|s| s.expect("task finished").as_u16())
        .collect();
    let now = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    (statuses, now.body["version"].clone())
}

fn exactly_one_won(statuses: &[u16]) {
    let count = |status: u16| statuses.iter().filter(|s| **s == status).count();
    assert_eq!((count(200), count(409)), (1, 9), "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_updates_with_the_same_version_exactly_one_wins() {
    let (statuses, version) = contest(|i| json!({"progress": i * 10})).await;
    exactly_one_won(&statuses);
    assert_eq!(version, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_identical_concurrent_updates_with_the_same_version_exactly_one_wins() {
    // The same change in the same second leaves the same fields: only the write's own
    // id tells the winner's todo from what a loser meant to write. Whether losers read
    // before the winner commits is the machine's timing: three contests.
    for _ in 0..3 {
        let (statuses, version) = contest(|_| json!({"status": 1, "progress": 50})).await;
        exactly_one_won(&statuses);
        assert_eq!(version, 2);
    }
}
