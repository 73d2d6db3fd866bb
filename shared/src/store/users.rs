//! Users, and the login throttle's counters: at most `max` attempts per name and
//! window, exact under concurrency, as each attempt is reserved (before its password is
//! checked) by a conditional write on the name's `LOGINFAIL` item. The policy is the
//! login handler's.

use std::time::Duration;

use super::expression::Expression;
use super::items::{LoginAttemptsItem, ProfileItem, n, s, to_item};
use super::keys::Key;
use super::{Datastore, StoreError};
use crate::domain::{PasswordHash, UserName};
use crate::time::{now_epoch_seconds, now_rfc3339};

/// A stored user.
pub type UserRecord = ProfileItem;

/// Registration could not take the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameTaken;

/// How many times a reservation tries before it is refused as contended.
const RESERVATION_ROUNDS: usize = 3;

/// Why no login attempt could be reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptRefused {
    /// Every attempt of the current window is used up.
    Exhausted {
        /// When the window ends and attempts are possible again, seconds since the epoch.
        window_end: u64,
    },
    /// Other attempts for the name kept changing its counter; retry in a moment.
    Contended,
}

/// Users in the table.
#[derive(Debug, Clone)]
pub struct UserStore {
    datastore: Datastore,
}

impl UserStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Creates a user; the name is taken when any user already has it in any case.
    pub async fn create(
        &self,
        name: &UserName,
        hash: &PasswordHash,
    ) -> Result<Result<UserRecord, NameTaken>, StoreError> {
        let record = ProfileItem {
            key: Key::profile(name.normalized()),
            user_id: ulid::Ulid::new().to_string(),
            user_name: name.as_str().to_owned(),
            password_hash: hash.0.clone(),
            created_at: now_rfc3339(),
        };
        let condition = Expression::new("attribute_not_exists(pk)");
        let created = self.datastore.put(to_item(&record)?, condition).await?;
        Ok(if created { Ok(record) } else { Err(NameTaken) })
    }

    /// The user with this (case-folded) name.
    pub async fn find(&self, normalized_name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.datastore.read(&Key::profile(normalized_name)).await
    }

    /// Deletes `user_id`'s profile (not another user's) and login attempts: frees the name.
    pub async fn delete(&self, normalized_name: &str, user_id: &str) -> Result<(), StoreError> {
        let condition = Expression::new("userId = :id").value(":id", s(user_id));
        let profile = Key::profile(normalized_name);
        self.datastore.delete(&profile, condition).await?;
        self.clear_login_attempts(normalized_name).await
    }

    /// Reserves one login attempt for a (case-folded) name: at most `max` per `window`.
    pub async fn reserve_login_attempt(
        &self,
        normalized_name: &str,
        max: u32,
        window: Duration,
    ) -> Result<Result<(), AttemptRefused>, StoreError> {
        let key = Key::login_attempts(normalized_name);
        for _ in 0..RESERVATION_ROUNDS {
            let now = now_epoch_seconds();
            let open_after = now.saturating_sub(window.as_secs());
            // 1: a new window with this attempt in it, if there is no current window.
            let item = to_item(&LoginAttemptsItem {
                key: key.clone(),
                failures: 1,
                window_start: now,
                expires_at: now + window.as_secs(),
            })?;
            let no_window = Expression::new("attribute_not_exists(pk) OR windowStart <= :open")
                .value(":open", n(open_after));
            if self.datastore.put(item, no_window).await? {
                return Ok(Ok(()));
            }
            // 2: this attempt counted in the current window, if it has room.
            let room = Expression::new("windowStart > :open AND failures < :max")
                .value(":open", n(open_after))
                .value(":max", n(max));
            let count = Expression::new("ADD failures :one").value(":one", n(1));
            if self.datastore.update(&key, count, room).await? {
                return Ok(Ok(()));
            }
            // 3: a current, full window is a refusal until it ends; anything else means
            // the window rolled over (or a login cleared it) between 1 and 2: again.
            let Some(attempts) = self.datastore.read::<LoginAttemptsItem>(&key).await? else {
                continue;
            };
            if attempts.window_start > open_after && attempts.failures >= max {
                let window_end = attempts.window_start + window.as_secs();
                return Ok(Err(AttemptRefused::Exhausted { window_end }));
            }
        }
        Ok(Err(AttemptRefused::Contended))
    }

    /// Forgets the login attempts of a name (after a successful login).
    pub async fn clear_login_attempts(&self, normalized_name: &str) -> Result<(), StoreError> {
        let key = Key::login_attempts(normalized_name);
        self.datastore.delete(&key, Expression::default()).await?;
        Ok(())
    }
}
