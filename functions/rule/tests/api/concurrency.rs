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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_concurrent_updates_with_the_same_version_exactly_one_wins() {
    let app = Arc::new(spawn_app().await);
    let alice = Arc::new(app.user("alice").await);
    let key = app.create(&alice, "contested").await["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (app, alice, key) = (Arc::clone(&app), Arc::clone(&alice), key.clone());
            tokio::spawn(async move {
                app.call(
                    &alice,
                    Method::PUT,
                    "/api/rule",
                    Some(&json!({"key": key, "progress": i * 10, "version": 1})),
                )
                .await
                .status
            })
        })
        .collect();
    let statuses: Vec<u16> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|s| s.expect("task finished").as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    let now = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(now.body["version"], 2);
}
