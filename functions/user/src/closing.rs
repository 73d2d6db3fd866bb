//! Finishing an account's deletion once its sessions are closed.
//!
//! Deleting an account is three steps: close its sessions (every token dies at once,
//! and no new session can open), delete the profile (the name is free again), and
//! delete what the account owns. The first step is the point of no return; the
//! other two are redone by [`finish`] whenever they are found unfinished: right away
//! by the deletion itself, and again by a later login with the right password, which
//! finds the account closed.

use shared::ApiError;
use shared::store::users::UserRecord;

use crate::UserState;

/// Deletes the profile and data of the closed account `user`; returns how many todos
/// were deleted.
pub async fn finish(state: &UserState, user: &UserRecord) -> Result<u64, ApiError> {
    let name = user.user_name.to_ascii_lowercase();
    state.users.delete(&name, &user.user_id).await?;
    let todos = state.accounts.remove_data(&user.user_id).await?;
    tracing::info!(user_id = %user.user_id, todos, "account deleted");
    Ok(todos)
}
