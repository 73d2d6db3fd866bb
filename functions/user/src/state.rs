//! What the user function's initializer builds: stores, token keys, a hashing limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::auth::issuer::TokenIssuer;
use shared::auth::verifier::TokenVerifier;
use shared::config::Config;
use shared::init::{InitError, verifier_and_warm_datastore};
use shared::store::UserStore;
use tokio::sync::Semaphore;

/// How many Argon2 hashes (19 MiB each) may run at once in one instance.
pub const CONCURRENT_HASHES: usize = 2;
/// Failed logins allowed per name and window before logins are refused.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// The failed-login window.
pub const FAILED_LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Everything a request needs, built once per instance.
#[derive(Debug, Clone)]
pub struct UserState {
    /// Users and failed-login counters.
    pub users: UserStore,
    /// Mints session tokens.
    pub issuer: TokenIssuer,
    /// Checks session tokens.
    pub verifier: TokenVerifier,
    /// Bounds concurrent password hashing, so memory stays bounded under load.
    pub hashing: Arc<Semaphore>,
}

impl UserState {
    /// The initializer: loads keys, connects to DynamoDB and warms the connection.
    pub async fn build(config: Config, started: Instant) -> Result<Self, InitError> {
        let private_key = config
            .auth
            .private_key_pem
            .as_deref()
            .ok_or_else(|| InitError::Keys("JWT_PRIVATE_KEY is required".to_owned()))?;
        let issuer = TokenIssuer::new(
            private_key,
            &config.auth.issuer,
            &config.auth.audience,
            config.auth.token_lifetime,
        )
        .map_err(|e| InitError::Keys(e.to_string()))?;
        let (verifier, datastore) = verifier_and_warm_datastore(&config, started).await?;
        Ok(Self {
            users: UserStore::new(datastore),
            issuer,
            verifier,
            hashing: Arc::new(Semaphore::new(CONCURRENT_HASHES)),
        })
    }
}
