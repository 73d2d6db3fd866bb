use http::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

#[tokio::test]
async fn a_new_user_has_an_empty_list_with_the_contract_fields() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let list = app.list(&alice, "").await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body,
        json!({
            "data": [], "total": 0, "success": true, "current": 1, "pageSize": 10,
            "cursor": null, "totalExact": true,
        })
    );
}

#[tokio::test]
async fn lists_are_newest_first_and_paged_with_a_total() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for i in 1..=12 {
        app.create(&alice, &format!("todo {i:02}")).await;
    }
    let first = app.list(&alice, "?current=1&pageSize=5").await;
    assert_eq!(first.body["total"], 12);
    assert_eq!(first.body["current"], 1);
    assert_eq!(first.body["pageSize"], 5);
    assert_eq!(
        TestApp::names(&first),
        ["todo 12", "todo 11", "todo 10", "todo 09", "todo 08"]
    );
    let second = app.list(&alice, "?current=2&pageSize=5").await;
    assert_eq!(
        TestApp::names(&second),
        ["todo 07", "todo 06", "todo 05", "todo 04", "todo 03"]
    );
    let third = app.list(&alice, "?current=3&pageSize=5").await;
    assert_eq!(TestApp::names(&third), ["todo 02", "todo 01"]);
    let beyond = app.list(&alice, "?current=4&pageSize=5").await;
    assert_eq!(beyond.status, 200);
    assert!(TestApp::names(&beyond).is_empty());
    assert_eq!(beyond.body["total"], 12);
}

#[tokio::test]
async fn filters_by_name_substring_in_any_case_and_by_status() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for (name, status) in [
        ("Buy MILK", 0),
        ("buy bread", 1),
        ("milkshake", 2),
        ("walk dog", 0),
        ("oat milk", 3),
    ] {
        let response = app
            .call(
                &alice,
                Method::POST,
                "/api/rule",
                Some(&json!({"name": name, "status": status})),
            )
            .await;
        assert_eq!(response.status, 201);
    }
    let milk = app.list(&alice, "?name=Milk").await;
    assert_eq!(milk.body["total"], 3);
    assert_eq!(TestApp::names(&milk), ["oat milk", "milkshake", "Buy MILK"]);
    let open = app.list(&alice, "?status=0,1").await;
    assert_eq!(open.body["total"], 3);
    let both = app.list(&alice, "?name=milk&status=0,2").await;
    assert_eq!(TestApp::names(&both), ["milkshake", "Buy MILK"]);
    assert_eq!(both.body["total"], 2);
}

#[tokio::test]
async fn filtered_paging_counts_only_matches() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for i in 1..=30 {
        let status = i % 3;
        let response = app
            .call(
                &alice,
                Method::POST,
                "/api/rule",
                Some(&json!({"name": format!("t{i:02}"), "status": status})),
            )
            .await;
        assert_eq!(response.status, 201);
    }
    let page = app.list(&alice, "?status=0&pageSize=4&current=2").await;
    assert_eq!(page.body["total"], 10);
    assert_eq!(TestApp::names(&page), ["t18", "t15", "t12", "t09"]);
}

#[tokio::test]
async fn bad_queries_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for (query, field) in [
        ("?pageSize=1000", "pageSize"),
        ("?pageSize=0", "pageSize"),
        ("?current=-1", "current"),
        ("?current=abc", "current"),
        ("?status=5", "status"),
        ("?status=open", "status"),
    ] {
        let response = app.list(&alice, query).await;
        assert_eq!(response.status, 400, "{query}");
        assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
        assert!(
            response.body["errorMessage"]
                .as_str()
                .unwrap_or("")
                .contains(field)
        );
    }
}
