//! What the user function's initializer builds: stores, token keys, a hashing bound.

use std::time::{Duration, Instant};

use shared::auth::issuer::TokenIssuer;
use shared::auth::verifier::TokenVerifier;
use shared::config::Config;
use shared::init::{InitError, signing_key, verifier_and_warm_datastore};
use shared::store::{AccountStore, SessionStore, UserStore};

use crate::hashing::Hashing;

/// How many Argon2 hashes (19 MiB of working memory each) may run at once in one
/// instance.
const CONCURRENT_HASHES: usize = 2;
/// Login attempts per name and window not followed by a successful login; past
/// them, logins for that name get 429 until the window ends.
pub const MAX_FAILED_LOGINS: u32 = 5;
/// The failed-login window.
pub const FAILED_LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Everything a request needs, built once per instance.
#[derive(Debug, Clone)]
pub struct UserState {
    /// Users and failed-login counters.
    pub users: UserStore,
    /// Open sessions: logins open them, logouts end them, every request checks them.
    pub sessions: SessionStore,
    /// Removes a deleted account's data.
    pub accounts: AccountStore,
    /// Mints session tokens.
    pub issuer: TokenIssuer,
    /// Checks session tokens.
    pub verifier: TokenVerifier,
    /// Runs password hashing, bounded in concurrency and memory.
    pub hashing: Hashing,
}

impl UserState {
    /// The initializer: reads the signing key from its secret while it connects to
    /// DynamoDB and warms the connection (both under the initializer's deadline).
    pub async fn build(config: Config, started: Instant) -> Result<Self, InitError> {
        let signing = config.auth.signing.as_ref().ok_or_else(|| {
            InitError::Keys("the user function needs JWT_SIGNING_KEY_SECRET".to_owned())
        })?;
        let (key, (verifier, datastore)) = tokio::try_join!(
            signing_key(signing, config.initializer_timeout, started),
            verifier_and_warm_datastore(&config, started),
        )?;
        let issuer = TokenIssuer::new(
            &key.private_pem,
            &config.auth.issuer,
            &config.auth.audience,
            config.auth.token_lifetime,
        )
        .map_err(|e| InitError::Keys(e.to_string()))?;
        Ok(Self {
            users: UserStore::new(datastore.clone()),
            sessions: SessionStore::new(datastore.clone()),
            accounts: AccountStore::new(datastore),
            issuer,
            verifier,
            hashing: Hashing::new(CONCURRENT_HASHES),
        })
    }
}
