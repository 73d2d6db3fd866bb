use http::Method;

use crate::helpers::spawn_app;

#[tokio::test]
async fn get_returns_one_rule() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = app.create(&alice, "buy milk").await;
    let key = created["key"].as_str().expect("key");
    let response = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body, created);
}

#[tokio::test]
async fn unknown_and_malformed_keys_are_404() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    for key in ["01JD0000000000000000000000", "not-a-key"] {
        let response = app
            .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
            .await;
        assert_eq!(response.status, 404, "{key}");
        assert_eq!(response.assert_error_shape(), "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_key_spelled_past_the_bits_of_an_id_is_not_wrapped_onto_an_existing_todo() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let created = app.create(&alice, "keep me").await;
    let key = created["key"].as_str().expect("key");
    let wrapped = format!("8{}", &key[1..]);
    let got = app
        .call(&alice, Method::GET, &format!("/api/rule/{wrapped}"), None)
        .await;
    assert_eq!(got.status, 404, "{:?}", got.body);
    let deleted = app
        .call(
            &alice,
            Method::DELETE,
            "/api/rule",
            Some(&serde_json::json!({"key": wrapped})),
        )
        .await;
    assert_eq!(deleted.status, 400, "{:?}", deleted.body);
    let still = app
        .call(&alice, Method::GET, &format!("/api/rule/{key}"), None)
        .await;
    assert_eq!(still.status, 200, "the real todo is untouched");
}
