//! What the rule function's initializer builds: the warmed store and the verifier.

use std::time::Instant;

use shared::auth::verifier::TokenVerifier;
use shared::config::Config;
use shared::init::{InitError, warm_datastore};
use shared::store::{Datastore, RuleStore};

/// Everything a request needs, built once per instance.
#[derive(Debug, Clone)]
pub struct RuleState {
    /// The todos.
    pub rules: RuleStore,
    /// Checks session tokens (public key only).
    pub verifier: TokenVerifier,
}

impl RuleState {
    /// The initializer: loads the public key, connects to DynamoDB and warms the connection.
    pub async fn build(config: Config, started: Instant) -> Result<Self, InitError> {
        let verifier = TokenVerifier::new(
            &config.auth.public_key_pem,
            &config.auth.issuer,
            &config.auth.audience,
        )
        .map_err(|e| InitError::Keys(e.to_string()))?;
        let datastore = Datastore::connect(&config.datastore).await;
        warm_datastore(&datastore, config.initializer_timeout, started).await?;
        Ok(Self {
            rules: RuleStore::new(datastore),
            verifier,
        })
    }
}
