use http::Method;
use serde_json::json;
use shared_testing::request;

use crate::helpers::spawn_app;

#[tokio::test]
async fn create_returns_201_with_the_whole_rule() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let response = app
        .call(
            &alice,
            Method::POST,
            "/api/rule",
            Some(&json!({"name": "buy milk", "desc": "2 litres", "status": 1, "progress": 30, "method": "post"})),
        )
        .await;
    assert_eq!(response.status, 201);
    let rule = &response.body;
    assert_eq!(rule["name"], "buy milk");
    assert_eq!(rule["desc"], "2 litres");
    assert_eq!(rule["status"], 1);
    assert_eq!(rule["progress"], 30);
    assert_eq!(rule["owner"], "alice");
    assert_eq!(rule["version"], 1);
    assert_eq!(rule["key"].as_str().map(str::len), Some(26));
    assert_eq!(rule["createdAt"], rule["updatedAt"]);
    assert!(rule.get("method").is_none());
}

#[tokio::test]
async fn defaults_apply_to_omitted_fields() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let rule = app.create(&alice, "  trimmed  ").await;
    assert_eq!(rule["name"], "trimmed");
    assert_eq!(rule["desc"], "");
    assert_eq!(rule["status"], 0);
    assert_eq!(rule["progress"], 0);
}

#[tokio::test]
async fn a_form_encoded_create_is_accepted() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let auth = format!("Bearer {}", alice.token);
    let response = app
        .send(request(
            Method::POST,
            "/api/rule",
            Some("name=buy+bread&status=2&progress=100"),
            &[
                ("authorization", &auth),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
        ))
        .await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    assert_eq!(response.body["name"], "buy bread");
    assert_eq!(response.body["status"], 2);
}

#[tokio::test]
async fn invalid_creates_are_400_naming_the_field_and_store_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let cases = [
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"name": "x", "desc": "d".repeat(2001)}), "desc"),
        (json!({"name": "x", "status": 9}), "status"),
        (json!({"name": "x", "status": "done"}), "status"),
        (json!({"name": "x", "progress": -1}), "progress"),
        (json!({"name": "x", "progress": 100.5}), "progress"),
    ];
    for (body, field) in cases {
        let response = app
            .call(&alice, Method::POST, "/api/rule", Some(&body))
            .await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
        assert!(
            response.body["errorMessage"]
                .as_str()
                .unwrap_or("")
                .contains(field)
        );
    }
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_400_and_413() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let auth = format!("Bearer {}", alice.token);
    let malformed = app
        .send(request(
            Method::POST,
            "/api/rule",
            Some("{\"name\": "),
            &[("authorization", &auth)],
        ))
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.assert_error_shape(), "BAD_REQUEST");
    let huge = json!({"name": "x", "desc": "y".repeat(65 * 1024)}).to_string();
    let oversized = app
        .send(request(
            Method::POST,
            "/api/rule",
            Some(&huge),
            &[("authorization", &auth)],
        ))
        .await;
    assert_eq!(oversized.status, 413);
    assert_eq!(oversized.assert_error_shape(), "PAYLOAD_TOO_LARGE");
    let not_json = app
        .send(request(
            Method::POST,
            "/api/rule",
            Some("name: x"),
            &[("authorization", &auth), ("content-type", "text/plain")],
        ))
        .await;
    assert_eq!(not_json.status, 400);
    assert_eq!(app.list(&alice, "").await.body["total"], 0);
}
