use http::Method;
use serde_json::json;
use shared_testing::{TestResponse, request};
use user_function::state::MAX_FAILED_LOGINS;

use crate::helpers::spawn_app;

/// Asserts the login form's failure shape: the contract's error fields plus
/// `status`, `type` and `currentAuthority`.
fn assert_login_failure(response: &TestResponse, code: &str, login_type: &str) {
    assert_eq!(response.assert_error_shape(), code, "{:?}", response.body);
    assert_eq!(response.body["status"], "error", "{:?}", response.body);
    assert_eq!(response.body["type"], login_type, "{:?}", response.body);
    assert_eq!(
        response.body["currentAuthority"], "guest",
        "{:?}",
        response.body
    );
    assert!(response.set_cookies().is_empty());
}

fn retry_after(response: &TestResponse) -> u64 {
    response.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds")
}

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
    assert_login_failure(&throttled, "TOO_MANY_REQUESTS", "account");
    assert!((1..=900).contains(&retry_after(&throttled)));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_get_exactly_the_limit_of_401s_and_429s_for_the_rest() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    let responses = app.parallel_logins(30, "alice", "wrong password!").await;
    let limit = usize::try_from(MAX_FAILED_LOGINS).expect("small");
    let rejected: Vec<_> = responses.iter().filter(|r| r.status == 401).collect();
    let throttled: Vec<_> = responses.iter().filter(|r| r.status == 429).collect();
    assert_eq!(rejected.len(), limit);
    assert_eq!(throttled.len(), 30 - limit);
    for response in rejected {
        assert_login_failure(response, "INVALID_CREDENTIALS", "account");
    }
    for response in throttled {
        assert_login_failure(response, "TOO_MANY_REQUESTS", "account");
        assert!((1..=900).contains(&retry_after(response)));
    }
    assert_eq!(
        app.login("alice", "correct horse battery").await.status,
        429
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_logins_for_an_unknown_name_are_throttled_exactly_too() {
    let app = spawn_app().await;
    let responses = app.parallel_logins(12, "nobody", "wrong password!").await;
    let count = |status: u16| responses.iter().filter(|r| r.status == status).count();
    let limit = usize::try_from(MAX_FAILED_LOGINS).expect("small");
    assert_eq!((count(401), count(429)), (limit, 12 - limit));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_login_after_parallel_failures_below_the_limit_still_works() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    let below = usize::try_from(MAX_FAILED_LOGINS - 1).expect("small");
    let failures = app.parallel_logins(below, "alice", "wrong password!").await;
    assert!(failures.iter().all(|r| r.status == 401));
    assert_eq!(
        app.login("alice", "correct horse battery").await.status,
        200
    );
    // The success cleared the counter: a full allowance of failures again.
    for _ in 0..MAX_FAILED_LOGINS {
        assert_eq!(app.login("alice", "wrong password!").await.status, 401);
    }
    assert_eq!(app.login("alice", "wrong password!").await.status, 429);
}

#[tokio::test]
async fn a_login_too_long_to_match_gets_the_full_login_failure_shape() {
    let app = spawn_app().await;
    app.register("alice", "correct horse battery").await;
    let wrong = app
        .post(
            "/api/login/account",
            &json!({"userName": "alice", "password": "wrong horse battery", "type": "mobile"}),
        )
        .await;
    let long_password =
        json!({"userName": "alice", "password": "x".repeat(1025), "type": "mobile"});
    let long_name =
        json!({"userName": "a".repeat(257), "password": "correct horse battery", "type": "mobile"});
    for body in [long_password, long_name] {
        let response = app.post("/api/login/account", &body).await;
        assert_eq!(response.status, 401);
        assert_login_failure(&response, "INVALID_CREDENTIALS", "mobile");
        assert_eq!(response.body, wrong.body);
    }
    let untyped = app
        .post(
            "/api/login/account",
            &json!({"userName": "alice", "password": "x".repeat(1025)}),
        )
        .await;
    assert_login_failure(&untyped, "INVALID_CREDENTIALS", "account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_logins_all_succeed_through_the_bound_on_concurrent_hashes() {
    let app = spawn_app().await;
    for name in ["alice", "bob", "carol", "dave"] {
        app.register(name, "correct horse battery").await;
    }
    for name in ["alice", "bob", "carol", "dave"] {
        let logins = app.parallel_logins(4, name, "correct horse battery").await;
        assert!(logins.iter().all(|r| r.status == 200));
    }
}
