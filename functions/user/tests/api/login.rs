use http::Method;
use serde_json::json;
use shared_testing::request;

use crate::helpers::spawn_app;

#[tokio::test]
async fn login_returns_a_token_and_sets_an_http_only_cookie() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    let response = app.login("alice", "correct horse battery").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["status"], "ok");
    assert_eq!(response.body["type"], "account");
    assert_eq!(response.body["currentAuthority"], "user");
    let token = response.body["token"].as_str().expect("token");
    let cookies = response.set_cookies();
    assert_eq!(cookies.len(), 1);
    let cookie = &cookies[0];
    assert!(
        cookie.starts_with(&format!("jwtToken={token};")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{cookie} has {attribute}");
    }
    // The test request came over https (x-forwarded-proto is absent, so not Secure).
    assert!(!cookie.contains("Secure"));
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_request_came_over_https() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    let body = json!({"userName": "alice", "password": "correct horse battery"}).to_string();
    let response = app
        .send(request(
            Method::POST,
            "/api/login/account",
            Some(&body),
            &[("x-forwarded-proto", "https")],
        ))
        .await;
    assert!(response.set_cookies()[0].ends_with("; Secure"));
}

#[tokio::test]
async fn login_is_case_insensitive_on_the_name() {
    let app = spawn_app().await;
    app.register("Alice", "correct horse battery").await;
    assert_eq!(
        app.login("ALICE", "correct horse battery").await.status,
        200
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    let wrong = app.login("alice", "wrong horse battery").await;
    let unknown = app.login("mallory", "correct horse battery").await;
    for response in [&wrong, &unknown] {
        assert_eq!(response.status, 401);
        assert_eq!(response.assert_error_shape(), "INVALID_CREDENTIALS");
        assert_eq!(response.body["status"], "error");
        assert_eq!(response.body["currentAuthority"], "guest");
        assert_eq!(response.body["type"], "account");
        assert!(response.set_cookies().is_empty());
    }
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_with_429() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    for _ in 0..5 {
        assert_eq!(app.login("alice", "wrong password!").await.status, 401);
    }
    let throttled = app.login("alice", "correct horse battery").await;
    assert_eq!(throttled.status, 429);
    assert_eq!(throttled.assert_error_shape(), "TOO_MANY_REQUESTS");
    let retry_after: u64 = throttled.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&retry_after));
    // Other names are not affected.
    app.register("bob", "correct horse battery").await;
    assert_eq!(app.login("bob", "correct horse battery").await.status, 200);
}

#[tokio::test]
async fn a_successful_login_resets_the_failure_count() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    for _ in 0..4 {
        app.login("alice", "wrong password!").await;
    }
    assert_eq!(
        app.login("alice", "correct horse battery").await.status,
        200
    );
    for _ in 0..4 {
        app.login("alice", "wrong password!").await;
    }
    assert_eq!(
        app.login("alice", "correct horse battery").await.status,
        200
    );
}

#[tokio::test]
async fn a_login_without_a_password_is_400() {
    let app = spawn_app().await;
    let response = app
        .post("/api/login/account", &json!({"userName": "alice"}))
        .await;
    assert_eq!(response.status, 400);
    assert!(
        response.body["errorMessage"]
            .as_str()
            .unwrap_or("")
            .contains("password")
    );
}
