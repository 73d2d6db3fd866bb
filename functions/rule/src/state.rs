//! What the rule function's initializer builds: the warmed store and the verifier.

use std::time::Instant;

use shared::auth::verifier::TokenVerifier;
use shared::config::Config;
use shared::init::{InitError, verifier_and_warm_datastore};
use shared::store::{SessionStore, TodoStore};

/// Everything a request needs, built once per instance.
#[derive(Debug, Clone)]
pub struct RuleState {
    /// The todos.
    pub todos: TodoStore,
    /// Open sessions: every request's token must name one.
    pub sessions: SessionStore,
    /// Checks session tokens (public key only).
    pub verifier: TokenVerifier,
}

impl RuleState {
    /// The initializer: loads the public key, connects to DynamoDB and warms the connection.
    pub async fn build(config: Config, started: Instant) -> Result<Self, InitError> {
        let (verifier, datastore) = verifier_and_warm_datastore(&config, started).await?;
        Ok(Self {
            todos: TodoStore::new(datastore.clone()),
            sessions: SessionStore::new(datastore),
            verifier,
        })
    }
}
