//! The edge of the function: paths API Gateway may deliver that are not what they seem.

use http::Method;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// The sample list event with `raw_path` and `method` instead of its own.
fn event_with(
    raw_path: &str,
    method: &str,
    token: &str,
    body: Option<&Value>,
) -> lambda_http::Request {
    let text = std::fs::read_to_string(shared_testing::events_dir().join("rule-list.json"))
        .expect("the sample event")
        .replace("{{token}}", token);
    let mut event: Value = serde_json::from_str(&text).expect("JSON");
    event["rawPath"] = json!(raw_path);
    event["rawQueryString"] = json!("");
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(raw_path);
    if let Some(body) = body {
        event["body"] = json!(body.to_string());
        event["headers"]["content-type"] = json!("application/json");
    }
    lambda_http::request::from_str(&event.to_string()).expect("an API Gateway event")
}

#[tokio::test]
async fn dot_segments_in_the_path_are_a_400_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let todo = app.create(&alice, "keep me").await;
    let key = todo["key"].as_str().expect("key");
    for path in [
        "/api/rule/.",
        "/api/rule/%2e",
        "/api/rule/%2E",
        "/api/rule/..",
        "/api/rule/./",
    ] {
        for (method, body) in [
            ("GET", None),
            ("POST", Some(json!({"name": "dot"}))),
            ("PUT", Some(json!({"key": key, "name": "changed"}))),
            ("DELETE", Some(json!({"key": [key]}))),
        ] {
            let response = shared_testing::answer(
                event_with(path, method, &alice.token, body.as_ref()),
                rule_function::router(app.state),
            )
            .await;
            assert_eq!(response.status, 400, "{method} {path}: {:?}", response.body);
            assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
        }
    }
    let list = app.list(&alice, "").await;
    assert_eq!(list.body["total"], 1, "nothing was created or deleted");
    let kept = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(kept.body["name"], "keep me", "nothing was updated");
}
