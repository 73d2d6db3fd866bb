//! `spawn_app`: a rule function on its own table, a token issuer with the same keys
//! (standing in for the user function), and request helpers.

use std::time::{Duration, Instant};

use http::Method;
use rule_function::RuleState;
use serde_json::{Value, json};
use shared::auth::claims::Claims;
use shared::auth::issuer::TokenIssuer;
use shared::auth::keys::KeyPair;
use shared::config::Config;
use shared_testing::{TestResponse, config, request};

pub(crate) struct TestApp {
    /// The function's state, for as long as the test runs (a router holds it).
    pub(crate) state: &'static RuleState,
    pub(crate) issuer: TokenIssuer,
    pub(crate) config: Config,
    /// The key pair the issuer signs with and the function verifies against.
    pub(crate) keys: KeyPair,
}

pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The session id of `token`.
    pub(crate) session_id: String,
    pub(crate) token: String,
}

pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_through(shared_testing::datastore::emulator_endpoint()).await
}

/// [`spawn_app`], its datastore calls sent to `endpoint` (a proxy in front of the
/// emulator).
pub(crate) async fn spawn_app_through(endpoint: &str) -> TestApp {
    let table = shared_testing::datastore::unique_table_name("rule");
    shared_testing::datastore::create_todo_table(
        shared_testing::datastore::emulator_endpoint(),
        &table,
    )
    .await;
    let keys = KeyPair::generate().expect("keys");
    let config = config(endpoint, &table, &keys, None);
    let state = RuleState::build(config.clone(), Instant::now())
        .await
        .expect("the initializer succeeds against the emulator");
    let issuer = TokenIssuer::new(
        &keys.private_pem,
        "todo-service",
        "todo-web",
        Duration::from_secs(3600),
    )
    .expect("issuer");
    TestApp {
        state: Box::leak(Box::new(state)),
        issuer,
        config,
        keys,
    }
}

impl TestApp {
    /// A new user with an open session, as a login would leave it.
    pub(crate) async fn user(&self, name: &str) -> User {
        let id = ulid::Ulid::new().to_string();
        let issued = self.issuer.issue(&id, name).expect("token");
        self.state
            .sessions
            .open(&id, &issued.session_id, issued.expires_at)
            .await
            .expect("datastore")
            .expect("the account is open");
        User {
            id,
            name: name.to_owned(),
            session_id: issued.session_id,
            token: issued.token,
        }
    }

    pub(crate) fn claims_for(&self, user: &User) -> Claims {
        let now = shared::time::now_epoch_seconds();
        Claims {
            sub: user.id.clone(),
            name: user.name.clone(),
            jti: user.session_id.clone(),
            iat: now,
            exp: now + 3600,
            iss: "todo-service".to_owned(),
            aud: "todo-web".to_owned(),
        }
    }

    /// `claims` signed with the issuer's key and `kid`, as any token of ours, whatever
    /// they say (expired, foreign, without a session).
    pub(crate) fn sign(&self, claims: &impl serde::Serialize) -> String {
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.issuer.kid().to_owned());
        let key = EncodingKey::from_ed_pem(self.keys.private_pem.as_bytes()).expect("key");
        jsonwebtoken::encode(&header, claims, &key).expect("signed")
    }

    pub(crate) async fn send(&self, request: lambda_http::Request) -> TestResponse {
        shared_testing::answer(request, rule_function::router(self.state)).await
    }

    pub(crate) async fn call(
        &self,
        user: &User,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let auth = format!("Bearer {}", user.token);
        let body = body.map(Value::to_string);
        self.send(request(
            method,
            path,
            body.as_deref(),
            &[("authorization", &auth)],
        ))
        .await
    }

    pub(crate) async fn create(&self, user: &User, name: &str) -> Value {
        let response = self
            .call(
                user,
                Method::POST,
                "/api/rule",
                Some(&json!({"name": name})),
            )
            .await;
        assert_eq!(response.status, 201, "{:?}", response.body);
        response.body
    }

    pub(crate) async fn list(&self, user: &User, query: &str) -> TestResponse {
        self.call(user, Method::GET, &format!("/api/rule{query}"), None)
            .await
    }

    pub(crate) fn names(list: &TestResponse) -> Vec<String> {
        list.body["data"]
            .as_array()
            .expect("data is a list")
            .iter()
            .map(|r| r["name"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}
