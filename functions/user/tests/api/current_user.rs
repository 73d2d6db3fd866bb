use crate::helpers::spawn_app;

#[tokio::test]
async fn current_user_answers_with_a_bearer_token() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let response = app
        .current_user(&[("authorization", &format!("Bearer {token}"))])
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["name"], "alice");
    assert_eq!(response.body["access"], "user");
    assert_eq!(response.body["userid"].as_str().map(str::len), Some(26));
    assert!(
        response.body["avatar"]
            .as_str()
            .unwrap_or("")
            .starts_with("data:image/svg+xml")
    );
    assert!(
        response.body["createdAt"]
            .as_str()
            .unwrap_or("")
            .ends_with('Z')
    );
}

#[tokio::test]
async fn current_user_answers_with_the_session_cookie() {
    let app = spawn_app().await;
    let token = app.signed_in("alice").await;
    let response = app
        .current_user(&[("cookie", &format!("theme=dark; jwtToken={token}"))])
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["name"], "alice");
}

#[tokio::test]
async fn current_user_without_a_token_is_401() {
    let app = spawn_app().await;
    let response = app.current_user(&[]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.assert_error_shape(), "UNAUTHORIZED");
}

#[tokio::test]
async fn current_user_with_a_garbage_token_is_401() {
    let app = spawn_app().await;
    for header in [
        "Bearer not.a.jwt",
        "Bearer ",
        "Basic YWxpY2U6cHc=",
        "Bearer a.b",
    ] {
        let response = app.current_user(&[("authorization", header)]).await;
        assert_eq!(response.status, 401, "{header}");
        assert_eq!(response.assert_error_shape(), "UNAUTHORIZED");
    }
}
