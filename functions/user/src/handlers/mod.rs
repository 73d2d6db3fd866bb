//! One handler per route.

pub mod current_user;
pub mod delete_account;
pub mod login;
pub mod logout;
pub mod register;

use shared::ApiError;
use shared::auth::session::AuthenticatedUser;
use shared::domain::{Password, PasswordHash};
use shared::store::users::UserRecord;

use crate::UserState;
use crate::hashing::HashingFailed;

/// Hashes `password` for storage, under the instance's hashing bound.
pub(crate) async fn hash_password(
    state: &UserState,
    password: Password,
) -> Result<PasswordHash, ApiError> {
    state
        .hashing
        .run(move || password.hash())
        .await
        .map_err(internal)?
        .map_err(ApiError::from)
}

/// Checks `password` against the PHC string `hash`, under the instance's hashing bound.
pub(crate) async fn password_matches(
    state: &UserState,
    password: Password,
    hash: String,
) -> Result<bool, ApiError> {
    state
        .hashing
        .run(move || password.matches(&hash))
        .await
        .map_err(internal)
}

/// The 500 for a hashing job that did not complete; the cause goes to the log only.
fn internal(error: HashingFailed) -> ApiError {
    tracing::error!(error = %error, "password hashing task failed");
    ApiError::Internal
}

/// The account an open session speaks for; a 401 when it no longer exists (deleted,
/// or its name taken again by a new account since the token was issued).
pub(crate) async fn session_account(
    state: &UserState,
    session: &AuthenticatedUser,
) -> Result<UserRecord, ApiError> {
    state
        .users
        .find(&session.name.to_ascii_lowercase())
        .await?
        .filter(|user| user.user_id == session.id)
        .ok_or_else(|| {
            ApiError::Unauthorized("This account no longer exists; please log in again.".to_owned())
        })
}
