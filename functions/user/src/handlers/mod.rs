//! One handler per route.

pub mod current_user;
pub mod delete_account;
pub mod login;
pub mod logout;
pub mod register;

use shared::ApiError;
use shared::domain::{Password, PasswordHash};

use crate::UserState;

/// Hashes `password` for storage, in the instance's hashing pool.
pub(crate) async fn hash_password(
    state: &UserState,
    password: Password,
) -> Result<PasswordHash, ApiError> {
    state
        .hashing
        .run(move |memory| password.hash(memory))
        .await?
        .map_err(ApiError::from)
}

/// Checks `password` against the PHC string `hash`, in the instance's hashing pool.
pub(crate) async fn password_matches(
    state: &UserState,
    password: Password,
    hash: String,
) -> Result<bool, ApiError> {
    state
        .hashing
        .run(move |memory| password.matches(&hash, memory))
        .await
}
