//! One handler per route.

pub mod current_user;
pub mod login;
pub mod logout;
pub mod register;

use shared::ApiError;
use shared::domain::Password;

use crate::UserState;

/// Runs Argon2 work on a blocking thread, at most [`crate::state::CONCURRENT_HASHES`] at once.
pub(crate) async fn with_hashing<T, F>(state: &UserState, work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|_| ApiError::Internal)?;
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "password hashing task failed");
        ApiError::Internal
    })
}

/// Checks `password` against `hash` on a blocking thread.
pub(crate) async fn password_matches(
    state: &UserState,
    password: Password,
    hash: String,
) -> Result<bool, ApiError> {
    with_hashing(state, move || password.matches(&hash)).await
}
