use http::Method;
use serde_json::json;
use shared_testing::request;

use crate::helpers::spawn_app;

#[tokio::test]
async fn register_returns_201_with_the_new_user_id() {
    let app = spawn_app().await;
    let response = app.register("alice", "correct horse battery").await;
    assert_eq!(response.status, 201);
    assert_eq!(response.body["status"], "ok");
    assert_eq!(response.body["currentAuthority"], "user");
    let id = response.body["userid"].as_str().expect("userid");
    assert_eq!(id.len(), 26, "a ULID");
}

#[tokio::test]
async fn register_alias_path_works_too() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/user/register",
            &json!({"userName": "bob", "password": "12345678"}),
        )
        .await;
    assert_eq!(response.status, 201);
}

#[tokio::test]
async fn a_taken_name_is_409_whatever_its_case() {
    let app = spawn_app().await;
    assert_eq!(
        app.register("Alice", "correct horse battery").await.status,
        201
    );
    let response = app.register("aLiCe", "another password").await;
    assert_eq!(response.status, 409);
    assert_eq!(response.assert_error_shape(), "CONFLICT");
}

#[tokio::test]
async fn invalid_fields_are_400_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (json!({"password": "12345678"}), "userName"),
        (
            json!({"userName": "al", "password": "12345678"}),
            "userName",
        ),
        (
            json!({"userName": "a l i c e", "password": "12345678"}),
            "userName",
        ),
        (json!({"userName": "alice"}), "password"),
        (
            json!({"userName": "alice", "password": "short"}),
            "password",
        ),
        (
            json!({"userName": "alice", "password": "x".repeat(129)}),
            "password",
        ),
        (json!({"userName": 42, "password": "12345678"}), "userName"),
    ];
    for (body, field) in cases {
        let response = app.post("/api/register", &body).await;
        assert_eq!(response.status, 400, "{body}");
        assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
        let message = response.body["errorMessage"].as_str().unwrap_or("");
        assert!(message.contains(field), "{message:?} names {field}");
    }
}

#[tokio::test]
async fn malformed_json_is_400_and_registers_nobody() {
    let app = spawn_app().await;
    let response = app
        .send(request(
            Method::POST,
            "/api/register",
            Some("{\"userName\": \"alice\","),
            &[],
        ))
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
    assert_eq!(
        app.register("alice", "correct horse battery").await.status,
        201
    );
}

#[tokio::test]
async fn a_form_encoded_registration_is_accepted() {
    let app = spawn_app().await;
    let response = app
        .send(request(
            Method::POST,
            "/api/register",
            Some("userName=carol&password=correct+horse"),
            &[("content-type", "application/x-www-form-urlencoded")],
        ))
        .await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    assert_eq!(app.login("carol", "correct horse").await.status, 200);
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = spawn_app().await;
    let body = json!({"userName": "alice", "password": "x".repeat(70 * 1024)});
    let response = app.post("/api/register", &body).await;
    assert_eq!(response.status, 413);
    assert_eq!(response.assert_error_shape(), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    let response = app
        .send(request(Method::GET, "/api/nothing", None, &[]))
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.assert_error_shape(), "NOT_FOUND");
    let response = app
        .send(request(Method::GET, "/api/register", None, &[]))
        .await;
    assert_eq!(response.status, 405);
    assert_eq!(response.assert_error_shape(), "METHOD_NOT_ALLOWED");
    assert_eq!(response.headers["allow"], "POST");
}

#[tokio::test]
async fn a_password_equal_to_the_user_name_is_400_naming_password() {
    let app = spawn_app().await;
    let response = app.register("Alice.Smith", "aLICE.sMITH").await;
    assert_eq!(response.status, 400);
    assert_eq!(response.assert_error_shape(), "BAD_REQUEST");
    let message = response.body["errorMessage"].as_str().unwrap_or("");
    assert!(message.contains("password"), "{message:?}");
    assert_eq!(
        app.register("Alice.Smith", "Alice.Smith!").await.status,
        201
    );
}
