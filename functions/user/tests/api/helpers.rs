//! `spawn_app`: a user function on its own table, plus request helpers.

use std::time::Instant;

use http::Method;
use serde_json::{Value, json};
use shared::auth::keys::KeyPair;
use shared::store::{Datastore, TodoStore};
use shared_testing::{TestResponse, TestSecret, config, request};
use user_function::UserState;

#[derive(Clone)]
pub(crate) struct TestApp {
    /// The function's state, for as long as the test runs (a router holds it).
    pub(crate) state: &'static UserState,
    /// The table's todos, for tests that need some (the rule function's store).
    pub(crate) todos: TodoStore,
    /// The table, read directly.
    pub(crate) datastore: Datastore,
}

pub(crate) async fn spawn_app() -> TestApp {
    let endpoint = shared_testing::datastore::emulator_endpoint();
    let table = shared_testing::datastore::unique_table_name("user");
    shared_testing::datastore::create_todo_table(endpoint, &table).await;
    let keys = KeyPair::generate().expect("keys");
    let secret = shared_testing::datastore::signing_secret(std::slice::from_ref(&keys)).await;
    let secret = TestSecret {
        endpoint: shared_testing::datastore::secrets_endpoint(),
        name: &secret,
    };
    let config = config(endpoint, &table, &keys, Some(secret));
    let datastore = Datastore::connect(&config.datastore).await;
    let todos = TodoStore::new(datastore.clone());
    let state = UserState::build(config, Instant::now())
        .await
        .expect("the initializer succeeds against the emulator");
    TestApp {
        state: Box::leak(Box::new(state)),
        todos,
        datastore,
    }
}

impl TestApp {
    pub(crate) async fn send(&self, request: lambda_http::Request) -> TestResponse {
        shared_testing::answer(request, user_function::router(self.state)).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> TestResponse {
        self.send(request(Method::POST, path, Some(&body.to_string()), &[]))
            .await
    }

    pub(crate) async fn register(&self, name: &str, password: &str) -> TestResponse {
        self.post(
            "/api/register",
            &json!({"userName": name, "password": password}),
        )
        .await
    }

    pub(crate) async fn login(&self, name: &str, password: &str) -> TestResponse {
        self.post(
            "/api/login/account",
            &json!({"userName": name, "password": password, "type": "account"}),
        )
        .await
    }

    /// `count` logins for `name` with `password`, all sent at once.
    pub(crate) async fn parallel_logins(
        &self,
        count: usize,
        name: &str,
        password: &str,
    ) -> Vec<TestResponse> {
        let mut logins = tokio::task::JoinSet::new();
        for _ in 0..count {
            let (app, name, password) = (self.clone(), name.to_owned(), password.to_owned());
            logins.spawn(async move { app.login(&name, &password).await });
        }
        logins.join_all().await
    }

    /// Registers and logs in; returns the token.
    pub(crate) async fn signed_in(&self, name: &str) -> String {
        assert_eq!(
            self.register(name, "correct horse battery").await.status,
            201
        );
        let login = self.login(name, "correct horse battery").await;
        assert_eq!(login.status, 200, "{:?}", login.body);
        login.body["token"].as_str().expect("token").to_owned()
    }

    /// `method path` with the token as a bearer.
    pub(crate) async fn with_token(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let auth = format!("Bearer {token}");
        let body = body.map(Value::to_string);
        self.send(request(
            method,
            path,
            body.as_deref(),
            &[("authorization", &auth)],
        ))
        .await
    }

    pub(crate) async fn current_user(&self, headers: &[(&str, &str)]) -> TestResponse {
        self.send(request(Method::GET, "/api/currentUser", None, headers))
            .await
    }
}
