//! Every kind of bad token is a 401 in the contract's shape.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::Method;
use shared::auth::issuer::TokenIssuer;
use shared::auth::keys::KeyPair;
use shared_testing::request;

use crate::helpers::{TestApp, spawn_app};

async fn assert_rejected(app: &TestApp, token: &str, why: &str) {
    for headers in [
        vec![("authorization".to_owned(), format!("Bearer {token}"))],
        vec![("cookie".to_owned(), format!("jwtToken={token}"))],
    ] {
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let response = app
            .send(request(Method::GET, "/api/rule", None, &headers))
            .await;
        assert_eq!(response.status, 401, "{why}: {:?}", response.body);
        assert_eq!(response.assert_error_shape(), "UNAUTHORIZED", "{why}");
    }
}

fn encode(json: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(json.to_string())
}

#[tokio::test]
async fn a_request_without_a_token_is_401() {
    let app = spawn_app().await;
    let response = app.send(request(Method::GET, "/api/rule", None, &[])).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.assert_error_shape(), "UNAUTHORIZED");
}

#[tokio::test]
async fn the_none_algorithm_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let claims = serde_json::to_value(app.claims_for(&alice)).expect("claims");
    // Naming the trusted key, so that the algorithm is what gets the token refused.
    let kid = app.issuer.kid();
    let token = format!(
        "{}.{}.",
        encode(&serde_json::json!({"alg": "none", "typ": "JWT", "kid": kid})),
        encode(&claims)
    );
    assert_rejected(&app, &token, "alg none").await;
    let token = format!(
        "{}.{}.",
        encode(&serde_json::json!({"alg": "None", "kid": kid})),
        encode(&claims)
    );
    assert_rejected(&app, &token, "alg None").await;
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let parts: Vec<&str> = alice.token.split('.').collect();
    let forged = serde_json::to_value(app.claims_for(&bob)).expect("claims");
    let token = format!("{}.{}.{}", parts[0], encode(&forged), parts[2]);
    assert_rejected(&app, &token, "payload swapped").await;
}

#[tokio::test]
async fn an_expired_token_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mut claims = app.claims_for(&alice);
    claims.iat -= 7200;
    claims.exp = shared::time::now_epoch_seconds() - 600;
    let token = app.sign(&claims);
    assert_rejected(&app, &token, "expired").await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_rejected() {
    let app = spawn_app().await;
    let other = KeyPair::generate().expect("keys");
    let issuer = TokenIssuer::new(
        &other.private_pem,
        "todo-service",
        "todo-web",
        std::time::Duration::from_secs(3600),
    )
    .expect("issuer");
    let token = issuer
        .issue("01JD0000000000000000000000", "alice")
        .expect("token")
        .token;
    assert_rejected(&app, &token, "wrong key").await;
}

#[tokio::test]
async fn a_token_of_another_issuer_or_audience_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let mut claims = app.claims_for(&alice);
    claims.iss = "someone-else".to_owned();
    assert_rejected(&app, &app.sign(&claims), "issuer").await;
    let mut claims = app.claims_for(&alice);
    claims.aud = "another-app".to_owned();
    assert_rejected(&app, &app.sign(&claims), "audience").await;
}

#[tokio::test]
async fn an_hmac_token_keyed_with_the_public_key_is_rejected() {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let public_pem = app.keys.public_pem.clone();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(app.issuer.kid().to_owned());
    let token = jsonwebtoken::encode(
        &header,
        &app.claims_for(&alice),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .expect("signed");
    assert_rejected(&app, &token, "HS256 with the public key").await;
}

#[tokio::test]
async fn garbage_tokens_are_rejected() {
    let app = spawn_app().await;
    for token in ["not.a.jwt", "a.b", "....", "ey"] {
        assert_rejected(&app, token, token).await;
    }
}

/// A token with our key (named by its kid), our issuer and audience and these claims on top.
fn signed_with(app: &TestApp, user: &crate::helpers::User, extra: serde_json::Value) -> String {
    let mut claims = serde_json::to_value(app.claims_for(user)).expect("claims");
    if let (Some(claims), serde_json::Value::Object(extra)) = (claims.as_object_mut(), extra) {
        claims.extend(extra);
    }
    let key = jsonwebtoken::EncodingKey::from_ed_pem(app.keys.private_pem.as_bytes())
        .expect("signing key");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(app.issuer.kid().to_owned());
    jsonwebtoken::encode(&header, &claims, &key).expect("signed")
}

#[tokio::test]
async fn a_token_without_a_kid_or_naming_an_untrusted_key_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let key = jsonwebtoken::EncodingKey::from_ed_pem(app.keys.private_pem.as_bytes())
        .expect("signing key");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    let claims = app.claims_for(&alice);
    let no_kid = jsonwebtoken::encode(&header, &claims, &key).expect("signed");
    assert_rejected(&app, &no_kid, "no kid").await;
    header.kid = Some("an-untrusted-key".to_owned());
    let unknown = jsonwebtoken::encode(&header, &claims, &key).expect("signed");
    assert_rejected(&app, &unknown, "unknown kid").await;
    // With the trusted kid the same signature is accepted: the kid made the difference.
    header.kid = Some(app.issuer.kid().to_owned());
    let named = jsonwebtoken::encode(&header, &claims, &key).expect("signed");
    let auth = format!("Bearer {named}");
    let response = app
        .send(request(
            Method::GET,
            "/api/rule",
            None,
            &[("authorization", &auth)],
        ))
        .await;
    assert_eq!(response.status, 200, "{:?}", response.body);
}

#[tokio::test]
async fn a_token_not_valid_yet_or_issued_in_the_future_is_rejected() {
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let now = shared::time::now_epoch_seconds();
    let later = signed_with(&app, &alice, serde_json::json!({"nbf": now + 600}));
    assert_rejected(&app, &later, "not before").await;
    let future = signed_with(&app, &alice, serde_json::json!({"iat": now + 600}));
    assert_rejected(&app, &future, "issued in the future").await;
    // The same construction with sound times is accepted: the rejections are the claims'.
    let sound = signed_with(
        &app,
        &alice,
        serde_json::json!({"nbf": now - 1, "iat": now}),
    );
    let response = app
        .send(request(
            Method::GET,
            "/api/rule",
            None,
            &[("authorization", &format!("Bearer {sound}"))],
        ))
        .await;
    assert_eq!(response.status, 200, "{:?}", response.body);
}
